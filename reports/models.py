"""The monthly report (4.18a per dasawisma, and one per approving group above it) and its review.

One report per unit per month. The review is an explicit status with the allowed transitions checked
in one place (reports.workflow), and a log row for every transition. See docs/ARCHITECTURE.md."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from hierarchy.models import Unit
from pkkdata import periods


class Status(models.TextChoices):
    DRAFT = "draf", "Belum dikirim"
    SUBMITTED = "dikirim", "Menunggu persetujuan"
    RETURNED = "dikembalikan", "Dikembalikan"
    APPROVED = "disetujui", "Disetujui"


class Laporan(models.Model):
    """The report of one unit (a dasawisma, or an approving group such as an RT) for one month.

    `snapshot` holds the month's numbers as they were at approval; if the data behind an approved month
    changes later, the page shows "berubah setelah disetujui" with the difference. `version` increases
    with every transition so that two approvers acting at once cannot both win."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="laporan", verbose_name="satuan")
    tahun = models.PositiveSmallIntegerField(
        "tahun", validators=[MinValueValidator(periods.FIRST_YEAR), MaxValueValidator(periods.LAST_YEAR)]
    )
    bulan = models.PositiveSmallIntegerField("bulan", validators=[MinValueValidator(1), MaxValueValidator(12)])
    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.DRAFT)
    nihil = models.BooleanField("nihil (tidak ada peristiwa)", default=False)
    submitted_at = models.DateTimeField("dikirim pada", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("disetujui pada", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_reason = models.TextField("alasan dikembalikan", blank=True)
    snapshot = models.JSONField("angka saat disetujui", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "laporan bulanan"
        verbose_name_plural = "laporan bulanan"
        constraints = [models.UniqueConstraint(fields=["unit", "tahun", "bulan"], name="laporan_unique_month")]
        indexes = [models.Index(fields=["tahun", "bulan", "status"])]

    def __str__(self):
        return f"Laporan {self.unit} {self.bulan:02d}/{self.tahun}"


class LogLaporan(models.Model):
    """Every transition of a report: who, when, from and to, comment."""

    laporan = models.ForeignKey(Laporan, on_delete=models.CASCADE, related_name="log")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = "riwayat laporan"
        verbose_name_plural = "riwayat laporan"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.laporan}: {self.get_from_status_display()} → {self.get_to_status_display()}"
