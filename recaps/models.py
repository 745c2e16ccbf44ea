"""What the recaps keep: the yearly recaps of a finished year, as they were when the year closed
(recaps.closing), and each dasawisma's yearly facts of one day with the changes that make them old
(recaps.ringkasan)."""

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


class PerubahanDasawisma(models.Model):
    """One write to the counted data of a dasawisma (its rumah tangga, keluarga, warga, pregnancies,
    pekarangan or industri rows): a row added by the database's own triggers (migration
    0002_ringkasan) in the writer's transaction, whatever wrote it (a form, an import, a bulk update,
    a COPY). The sum of `bobot` per dasawisma only grows when a write commits: RingkasanDasawisma
    keeps it as the version its facts were counted at. `manage.py rapikan` folds a dasawisma's rows
    into one of the same sum. Appended, never updated by a writer, so two writers never wait on it;
    no foreign key, so a write never locks the Unit row."""

    dasawisma_id = models.BigIntegerField(db_index=True)
    bobot = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = "perubahan data dasawisma"
        verbose_name_plural = "perubahan data dasawisma"

    def __str__(self):
        return f"Perubahan dasawisma {self.dasawisma_id} (+{self.bobot})"


class RingkasanDasawisma(models.Model):
    """One dasawisma's yearly facts (everything the yearly recaps count: {key: n}) as of `per_tanggal`,
    counted when the dasawisma's changes added up to `versi` (PerubahanDasawisma). Trusted only for that
    day and while the sum is still `versi`; otherwise counted again (recaps.ringkasan). Not a
    snapshot: it may be dropped at any time and is counted again on the next recap."""

    dasawisma = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="ringkasan")
    per_tanggal = models.DateField("keadaan per")
    versi = models.BigIntegerField(default=0)
    fakta = models.JSONField(default=dict)

    class Meta:
        verbose_name = "ringkasan dasawisma"
        verbose_name_plural = "ringkasan dasawisma"

    def __str__(self):
        return f"Ringkasan {self.dasawisma_id} per {self.per_tanggal}"
