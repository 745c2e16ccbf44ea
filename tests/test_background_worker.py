"""The kelurahan's Data Warga through the real queue: with the database backend (django-tasks-db, as
deployed) asking only writes the job and its task; nothing is built in the request; the worker
command (jobs' db_worker, with its heartbeat) picks the task up and builds the file, which then
downloads with the kelurahan's members. The worker here runs in this process in --batch mode (it
stops when the queue is empty); tests/test_deployment.py starts it as its own process."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from hierarchy.tests.cast import build_cast
from households.tests.cast import add_households
from households.tests.test_exports_stream import MEMBERS, _names
from jobs import services
from jobs.models import Job, Pekerja, Status

# The worker reads the kelurahan's members from the read replica (pkkdata.dbrouter; a test mirror here).
pytestmark = pytest.mark.django_db(databases=["default", "replica"])


@pytest.fixture
def cast(transactional_db):
    """Committed data: the worker checks its connection between tasks like a request does, which
    closes one left inside a test's transaction."""
    return add_households(build_cast())


@pytest.fixture
def db_queue(settings):
    settings.TASK_BACKEND = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _worker(worker_id="pekerja-uji"):
    call_command("db_worker", batch=True, startup_delay=False, reload=False, worker_id=worker_id, verbosity=0)


def test_the_request_only_queues_the_work_and_the_worker_does_it(client, cast, db_queue):
    client.force_login(cast.users["kelurahan"])
    response = client.post(reverse("households:unduhan_minta", args=[cast.kel.pk]))
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert job.status == Status.ANTRI and job.berkas == ""
    task = DBTaskResult.objects.get()
    assert str(task.id) == job.task_id and task.status == "READY"
    # No worker has been seen: the page says so instead of a bar that never moves.
    assert "sedang tidak berjalan" in client.get(response["Location"]).content.decode()

    _worker()
    job.refresh_from_db()
    assert job.status == Status.SIAP, job.pesan_galat
    assert (job.worker_id, job.done, job.total) == ("pekerja-uji", 5, 5)
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    download = client.get(reverse("jobs:berkas", args=[job.pk]))
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert _names(ws) == MEMBERS
    # A worker that stops cleanly takes its heartbeat row with it.
    assert not Pekerja.objects.exists()


def test_the_worker_beats_while_it_runs(cast, db_queue, monkeypatch):
    seen = []
    real = services.beat

    def watched(worker_id, started_at):
        real(worker_id, started_at)
        seen.append(set(services.workers_alive().values_list("worker_id", flat=True)))

    monkeypatch.setattr(services, "beat", watched)
    _worker("berdetak")
    assert seen and seen[0] == {"berdetak"}
