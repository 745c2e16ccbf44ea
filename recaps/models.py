"""The yearly recaps of a finished year, kept as they were when the year closed (recaps.closing)."""

from django.db import models

from hierarchy.models import Unit


class PotretTahunan(models.Model):
    """One dasawisma's yearly facts as of 31 December of a year, taken when the year closed: what the
    recaps 4.16a-4.17d of that year count from then on, whatever is entered, corrected or regrouped
    later (as the approved snapshot of a monthly report keeps its month). `fakta` holds every yearly
    count ({key: n}); `rumah_tangga` the 4.16a rows ([{"label", "rumah_tangga_id", "values"}]);
    `jalur` the dasawisma's ancestors that day ({level: unit id}), by which its numbers are grouped."""

    dasawisma = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="potret_tahunan")
    tahun = models.PositiveSmallIntegerField("tahun")
    per_tanggal = models.DateField("keadaan per")
    fakta = models.JSONField(default=dict)
    rumah_tangga = models.JSONField(default=list)
    jalur = models.JSONField(default=dict)
    dibuat = models.DateTimeField("diambil", auto_now_add=True)

    class Meta:
        verbose_name = "potret tahunan"
        verbose_name_plural = "potret tahunan"
        constraints = [models.UniqueConstraint(fields=["dasawisma", "tahun"], name="potret_tahunan_unique")]
        indexes = [models.Index(fields=["tahun", "dasawisma"])]

    def __str__(self):
        return f"Potret {self.dasawisma} {self.tahun}"
