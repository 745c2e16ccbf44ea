"""Background jobs the user waits for (jobs.services), and the workers that run them.

A Job is one piece of long work asked for by one user about one unit: a file to build (a whole
kelurahan's Data Warga, a large PDF) or rows to write (an import). Its row is what the user's progress
page reads: how far it is, its file once ready, or why it failed. The work itself runs as a task of
Django's task framework (jobs.tasks.run_job) in a separate worker process; the job's kind names the
code that does it (jobs.registry), registered by the app that owns that code.

A Pekerja row is a worker process's heartbeat (jobs/management/commands/db_worker.py): a job whose
worker stopped beating died with it, and /healthz reports whether any worker is alive."""

from django.conf import settings
from django.db import models

from hierarchy.models import Unit


class Status(models.TextChoices):
    ANTRI = "antri", "Dalam antrean"
    DIPROSES = "diproses", "Sedang dikerjakan"
    SIAP = "siap", "Selesai"
    GAGAL = "gagal", "Gagal"


RUNNING = (Status.ANTRI, Status.DIPROSES)


class Job(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name="wilayah")
    kind = models.CharField("jenis", max_length=40)
    # What the kind needs to do the work again (JSON: names and keys, never personal data).
    params = models.JSONField("parameter", default=dict, blank=True)
    # One key per distinct piece of work: asking again for the same work finds this job.
    key = models.CharField(max_length=200, blank=True)
    title = models.CharField("judul", max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ANTRI)
    done = models.PositiveIntegerField("selesai", default=0)
    total = models.PositiveIntegerField("jumlah", default=0)
    unit_label = models.CharField("satuan kemajuan", max_length=20, blank=True)
    # The file, once ready: its name in STORAGES["private"] and the name the browser saves it under.
    berkas = models.CharField("nama berkas", max_length=200, blank=True)
    filename = models.CharField("nama unduhan", max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # A short result for the user (e.g. "120 warga baru"), or the reason of a failure.
    hasil = models.CharField("hasil", max_length=300, blank=True)
    pesan_galat = models.CharField("pesan kegagalan", max_length=300, blank=True)
    # The page the work was asked from (the job's page links back to it).
    back_url = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Touched by every progress step.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "pekerjaan latar"
        verbose_name_plural = "pekerjaan latar"
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "key", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.title} untuk {self.user} ({self.get_status_display()})"

    @property
    def berjalan(self):
        return self.status in RUNNING

    @property
    def persen(self):
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class Pekerja(models.Model):
    """A worker process, as long as it beats: its id is the task framework's worker id."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "pekerja latar"
        verbose_name_plural = "pekerja latar"

    def __str__(self):
        return f"{self.host}:{self.pid} ({self.worker_id})"
