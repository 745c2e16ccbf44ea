"""What the documents app keeps: every recap file delivered, for its public verification."""

from django.conf import settings
from django.db import models

from hierarchy.models import Unit


class DokumenRekap(models.Model):
    """One recap file as it was delivered (web download or manage.py export_recap): its verification
    code, what it covers, the sha256 of the exact bytes, and the JUMLAH numbers printed in it.

    The code is printed in the file; anyone holding it can check on the public verification page that
    a file is the one delivered (same sha256) and read what it said. Recaps are counts, so the row holds
    no personal data beyond the names of the approver and of the account that downloaded it."""

    kode = models.CharField("kode verifikasi", max_length=16, unique=True)
    formulir = models.CharField("formulir (lampiran)", max_length=16)
    judul = models.CharField("judul", max_length=300)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="satuan")
    tahun = models.PositiveSmallIntegerField("tahun")
    bulan = models.PositiveSmallIntegerField("bulan", null=True, blank=True)
    edisi = models.CharField("edisi", max_length=20)
    data = models.CharField("data", max_length=12)
    format = models.CharField("format", max_length=4)
    sha256 = models.CharField("sha256", max_length=64)
    ukuran = models.PositiveIntegerField("ukuran (byte)")
    jumlah = models.JSONField("angka baris JUMLAH")
    keterangan = models.CharField("keterangan persetujuan", max_length=300, blank=True)
    approved_by = models.CharField("disetujui oleh", max_length=200, blank=True)
    approved_at = models.DateTimeField("disetujui pada", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="diunduh oleh"
    )
    # Set by the exporter before the layout: the file prints this very time.
    created_at = models.DateTimeField("diunduh pada")

    class Meta:
        verbose_name = "dokumen rekap"
        verbose_name_plural = "dokumen rekap"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kode} · Lampiran {self.formulir} {self.unit_id}"
