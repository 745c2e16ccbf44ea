"""Starting, running, checking and removing background jobs (jobs.models.Job).

- start(): the user asks for a piece of work. The same work already waiting or running for this user,
  or done less than OFFERED_AGAIN ago, is that job again; beyond settings.PKK_JOBS_PER_USER jobs
  waiting or running, the user is told to wait (TooManyJobs). Otherwise a Job row is written and the
  task jobs.tasks.run_job is enqueued.
- jobs.runner.execute() is what the task does in the worker.
- checked(): the job as the user should see it: one whose worker stopped beating (a restart, a killed
  process) is marked failed within ALIVE_FOR, and can be asked for again (retry()).
- remove_old(): jobs older than KEPT_FOR go with their files (the housekeeping command).
"""

import datetime
import logging
import os
import socket
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import RUNNING, Job, Pekerja, Status
from .runner import FILES_PREFIX, GAGAL_DIHAPUS, GAGAL_TERHENTI, finish, storage
from .tasks import run_job

logger = logging.getLogger(__name__)

OFFERED_AGAIN = datetime.timedelta(minutes=10)  # a ready file this young is offered instead of a new job
KEPT_FOR = datetime.timedelta(days=1)  # jobs and their files are removed after this
# A worker beats every BEAT_EVERY; one not seen for ALIVE_FOR has died (and its running job with it).
BEAT_EVERY = datetime.timedelta(seconds=15)
ALIVE_FOR = datetime.timedelta(seconds=60)
# Without heartbeats (the RQ backend), a running job whose row has not moved for this long has died.
STALLED_AFTER = datetime.timedelta(minutes=10)


class TooManyJobs(Exception):
    def __init__(self, limit):
        self.message = (
            f"Anda sudah punya {limit} pekerjaan yang sedang menunggu atau berjalan. "
            "Tunggu sampai salah satunya selesai, lalu coba lagi."
        )
        super().__init__(self.message)


# -- asking ------------------------------------------------------------------------------------------


def start(*, user, unit, kind, key, title, params=None, unit_label="", filename="", content_type="", back_url=""):
    """The user's job for this piece of work (key): found again, or written and enqueued. The user's
    row is locked while this is decided, so a double click finds the first click's job and two requests
    never pass the limit together; the job and its task are written in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        mine = Job.objects.filter(user=user, created_at__gte=now - KEPT_FOR)
        for job in mine.filter(key=key).order_by("-created_at")[:3]:
            checked(job, now)
            if job.berjalan or (job.status == Status.SIAP and job.finished_at >= now - OFFERED_AGAIN):
                return job
        running = [job for job in mine.filter(status__in=RUNNING) if checked(job, now).berjalan]
        if len(running) >= settings.PKK_JOBS_PER_USER:
            raise TooManyJobs(settings.PKK_JOBS_PER_USER)
        job = Job.objects.create(
            user=user,
            unit=unit,
            kind=kind,
            key=key,
            title=title[:200],
            params=params or {},
            unit_label=unit_label,
            filename=filename,
            content_type=content_type,
            back_url=back_url,
        )
        _enqueue(job)
    job.refresh_from_db()
    return job


def recent_since(now=None):
    """The jobs still kept: those created since this moment."""
    return (now or timezone.now()) - KEPT_FOR


# What start() needs to ask for a job's work again.
_WORK_FIELDS = ("user", "unit", "kind", "key", "title", "params", "unit_label", "filename", "content_type", "back_url")


def retry(job):
    """The same work asked for again, as a new job (the failed one stays as it was)."""
    return start(**{name: getattr(job, name) for name in _WORK_FIELDS})


# Backends that keep the task in this database (or run it at once): enqueued inside the transaction
# that writes the job, so both exist or neither. Any other queue (Redis) hears of it once committed.
_SAME_DATABASE = {"db", "immediate"}


def _enqueue(job):
    def send():
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

    if settings.TASK_BACKEND in _SAME_DATABASE:
        send()
    else:
        transaction.on_commit(send)


# -- workers -----------------------------------------------------------------------------------------


def beat(worker_id, started_at):
    """The worker's heartbeat (jobs' db_worker command calls it every BEAT_EVERY)."""
    Pekerja.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def forget_worker(worker_id):
    """A worker that stops cleanly removes its row: its running job, if any, is then seen as dead."""
    Pekerja.objects.filter(worker_id=worker_id[:64]).delete()


def workers_alive(now=None):
    now = now or timezone.now()
    return Pekerja.objects.filter(seen_at__gte=now - ALIVE_FOR)


def _died(job, now):
    """A job waiting or running that will never end: its worker stopped beating (or was restarted
    under the same id after the job began), or its task ended without ending the job (the job's own
    end could not be written), or its task is gone."""
    if job.status not in RUNNING or settings.TASK_BACKEND == "immediate":
        return False
    if settings.TASK_BACKEND != "db":
        return job.status == Status.DIPROSES and job.updated_at < now - STALLED_AFTER
    if job.status == Status.DIPROSES:
        worker = workers_alive(now).filter(worker_id=job.worker_id).first()
        if worker is None or (job.started_at and worker.started_at > job.started_at):
            return True
    if not job.task_id:
        return False
    task = DBTaskResult.objects.filter(id=job.task_id).values_list("status", flat=True).first()
    if task is None:
        return job.created_at < now - ALIVE_FOR
    return task in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


def checked(job, now=None):
    """The job as its page should show it (see the module docstring)."""
    now = now or timezone.now()
    if _died(job, now):
        finish(job, Status.GAGAL, pesan=GAGAL_TERHENTI, expect=(job.status,), worker_id=job.worker_id)
    elif job.status == Status.SIAP and job.berkas and not storage().exists(job.berkas):
        finish(job, Status.GAGAL, pesan=GAGAL_DIHAPUS, expect=(Status.SIAP,))
    return job


def waiting_for_a_worker(job, now=None):
    """True when the job waits in the queue and no worker has been seen for a minute (the page says
    the server's worker is not running, instead of a progress bar that never moves)."""
    return job.status == Status.ANTRI and settings.TASK_BACKEND == "db" and not workers_alive(now).exists()


# -- housekeeping ------------------------------------------------------------------------------------


def remove_old(now=None):
    """Jobs created more than KEPT_FOR ago with their files, files of ours that old without a job,
    and workers not seen for a day. Returns a summary line."""
    now = now or timezone.now()
    cutoff = now - KEPT_FOR
    old = Job.objects.filter(created_at__lt=cutoff)
    files = 0
    for name in old.exclude(berkas="").values_list("berkas", flat=True):
        if _delete_file(name):
            files += 1
    jobs, _ = old.delete()
    kept = set(Job.objects.exclude(berkas="").values_list("berkas", flat=True))
    try:
        _dirs, names = storage().listdir(FILES_PREFIX.rstrip("/"))
    except FileNotFoundError:
        names = []
    for name in names:
        path = f"{FILES_PREFIX}{name}"
        if path not in kept and _older_than(path, time.time() - KEPT_FOR.total_seconds()) and _delete_file(path):
            files += 1
    workers, _ = Pekerja.objects.filter(seen_at__lt=cutoff).delete()
    return f"{jobs} pekerjaan lama, {files} berkas, {workers} catatan pekerja dihapus"


def _older_than(name, cutoff):
    """Modified before cutoff, a Unix time: file ages are read on the file system's own clock."""
    try:
        return storage().get_modified_time(name).timestamp() < cutoff
    except (OSError, NotImplementedError):
        return False


def _delete_file(name):
    try:
        storage().delete(name)
    except OSError:
        logger.warning("berkas %s tidak dapat dihapus", name)
        return False
    return True
