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


class Tahap(models.TextChoices):
    """The stage of an unsent report a reminder is about (reports.reminders)."""

    TERBUKA = "terbuka", "Dapat dikirim"
    TERLAMBAT = "terlambat", "Terlambat"


class Saluran(models.TextChoices):
    EMAIL = "email", "E-mail"
    APLIKASI = "aplikasi", "Aplikasi (kotak masuk)"


class Pengingat(models.Model):
    """One reminder of a dasawisma's unsent monthly report to one of its ketua, at one stage. The
    unique row is the claim: a second run (or two timers at once) finds it and reminds nobody again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pengingat_laporan", verbose_name="pengguna"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="pengingat", verbose_name="satuan")
    tahun = models.PositiveSmallIntegerField(
        "tahun", validators=[MinValueValidator(periods.FIRST_YEAR), MaxValueValidator(periods.LAST_YEAR)]
    )
    bulan = models.PositiveSmallIntegerField("bulan", validators=[MinValueValidator(1), MaxValueValidator(12)])
    tahap = models.CharField("tahap", max_length=12, choices=Tahap.choices)
    dikirim_pada = models.DateTimeField("dikirim pada")
    saluran = models.CharField("saluran", max_length=8, choices=Saluran.choices)

    class Meta:
        verbose_name = "pengingat laporan"
        verbose_name_plural = "pengingat laporan"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "tahun", "bulan", "tahap"], name="pengingat_sekali")
        ]
        indexes = [models.Index(fields=["tahun", "bulan", "tahap"])]

    def __str__(self):
        return f"Pengingat {self.unit} {self.bulan:02d}/{self.tahun} ({self.get_tahap_display()}) untuk {self.user}"
