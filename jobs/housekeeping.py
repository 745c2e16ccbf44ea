"""Housekeeping: the steps `manage.py rapikan` runs, each once per run (a systemd timer runs it hourly,
deploy/pkkdata-rapikan.timer). Apps add their own steps from AppConfig.ready() with register(), so
this app never imports them; each step takes the time of the run and returns a summary line.

This app's own steps: expired sessions, old jobs and their files, and finished task results."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import services

Step = Callable[[datetime.datetime], str]
STEPS: list[tuple[str, Step]] = []

# Task results (the task framework's own rows) are kept this long after they finish.
TASK_RESULTS_KEPT_FOR = datetime.timedelta(days=7)


def register(name: str, step: Step) -> None:
    if name in dict(STEPS):
        raise RuntimeError(f"two housekeeping steps named {name!r}")
    STEPS.append((name, step))


def run_all(now: datetime.datetime | None = None) -> list[tuple[str, str]]:
    """Runs every step; a step that fails is reported and the others still run."""
    now = now or timezone.now()
    done = []
    for name, step in STEPS:
        try:
            done.append((name, step(now)))
        except Exception as exc:  # one broken step must not stop the others: it is logged and reported
            services.logger.exception("rapikan: langkah %s gagal", name)
            done.append((name, f"GAGAL: {exc.__class__.__name__}"))
    return done


def _sessions(now):
    count, _ = Session.objects.filter(expire_date__lt=now).delete()
    return f"{count} sesi kedaluwarsa dihapus"


def _task_results(now):
    if settings.TASK_BACKEND != "db":
        return "tidak ada (antrean bukan di basis data)"
    finished = DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"])
    count, _ = finished.filter(finished_at__lt=now - TASK_RESULTS_KEPT_FOR).delete()
    return f"{count} catatan tugas selesai dihapus"


def register_own_steps():
    register("sesi", _sessions)
    register("pekerjaan", services.remove_old)
    register("tugas", _task_results)
