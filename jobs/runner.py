"""What the task jobs.tasks.run_job does in the worker: claims the job, runs its kind (jobs.registry),
stores its file in STORAGES["private"] and marks the job done, or failed with a message for the user."""

import logging
import tempfile
import uuid

from django.core.files import File
from django.core.files.storage import storages
from django.db import OperationalError, connection
from django.utils import timezone

from .models import Job, Status
from .registry import JobFailed, get_kind

logger = logging.getLogger(__name__)

FILES_PREFIX = "unduhan/"

GAGAL_UMUM = (
    "Pekerjaan tidak dapat diselesaikan karena ada kesalahan di server. "
    "Silakan coba lagi; bila tetap gagal, hubungi admin."
)
GAGAL_SIMPAN = (
    "Berkas tidak dapat disimpan di server (ruang penyimpanan penuh?). Silakan coba lagi nanti atau hubungi admin."
)
GAGAL_TERHENTI = "Pekerjaan terhenti karena pekerja latar di server berhenti. Silakan coba lagi."
GAGAL_DIHAPUS = "Berkas sudah dihapus dari server. Silakan minta lagi."
GAGAL_TIDAK_BOLEH = "Peran Anda tidak lagi mengizinkan pekerjaan ini."
GAGAL_JENIS = "Jenis pekerjaan ini tidak dikenal lagi oleh server. Silakan minta lagi."


def storage():
    return storages["private"]


def execute(job_id, worker_id=""):
    """Runs the job once: a job already claimed (a task delivered twice) or removed is left alone."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Status.ANTRI).update(
        status=Status.DIPROSES, worker_id=worker_id[:64], started_at=now, updated_at=now
    )
    if not claimed:
        return
    job = Job.objects.select_related("user", "unit").get(pk=job_id)
    kind = get_kind(job.kind)
    if kind is None:
        finish(job, Status.GAGAL, pesan=GAGAL_JENIS)
        return
    if not job.user.is_active or not kind.allowed(job.user, job):
        finish(job, Status.GAGAL, pesan=GAGAL_TIDAK_BOLEH)
        return

    def progress(done, total):
        try:
            Job.objects.filter(pk=job.pk).update(done=done, total=total, updated_at=timezone.now())
        except OperationalError:
            # SQLite (the demo) refuses a write from a connection that is still reading (a long export's
            # cursor) once another process has written since: a progress step is worth skipping, the
            # next one tries again. Any other database's error is real.
            if connection.vendor != "sqlite":
                raise
            logger.info("job %s: langkah kemajuan dilewati (SQLite sibuk)", job.pk)

    try:
        if kind.writes_file:
            with tempfile.TemporaryFile() as out:
                hasil = kind.run(job, progress, out)
                out.seek(0)
                berkas = storage().save(f"{FILES_PREFIX}{uuid.uuid4().hex}", File(out))
        else:
            hasil, berkas = kind.run(job, progress, None), ""
    except JobFailed as exc:
        finish(job, Status.GAGAL, pesan=exc.message)
    except OSError:
        logger.exception("job %s (%s): berkas tidak dapat ditulis", job.pk, job.kind)
        finish(job, Status.GAGAL, pesan=GAGAL_SIMPAN)
    except Exception:
        logger.exception("job %s (%s) gagal", job.pk, job.kind)
        finish(job, Status.GAGAL, pesan=GAGAL_UMUM)
    else:
        if not finish(job, Status.SIAP, hasil=hasil or "", berkas=berkas) and berkas:
            storage().delete(berkas)  # judged dead meanwhile and shown as failed: its file is not kept


def finish(job, status, *, pesan="", hasil="", berkas="", expect=(Status.DIPROSES,), worker_id=None):
    """Writes the job's end, only while the row still has a status in expect (and, when given, that
    worker): a page that judged it dead and the worker that just finished it never overwrite each other.
    Returns whether it was written; job is refreshed either way."""
    rows = Job.objects.filter(pk=job.pk, status__in=expect)
    if worker_id is not None:
        rows = rows.filter(worker_id=worker_id)
    written = rows.update(
        status=status,
        pesan_galat=pesan[:300],
        hasil=hasil[:300],
        berkas=berkas,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    job.refresh_from_db()
    return bool(written)
