"""Two requests for the same background work at the same moment (a double click on "Siapkan berkas"):
one job, and the per-user limit holds across them (jobs.services.start locks the user's row while it
decides). PostgreSQL with real threads, both released together at a barrier."""

import threading

import pytest
from django.db import connection

from hierarchy.tests.cast import build_cast
from households.tests.cast import add_households
from jobs import services
from jobs.models import Job

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"),
]


@pytest.fixture
def cast_tx(transactional_db):
    return add_households(build_cast())


@pytest.fixture
def db_queue(settings):
    """The database queue, with no worker: the jobs stay waiting, as in the instant after a click."""
    settings.TASK_BACKEND = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _together(user, unit, keys):
    barrier, outcomes = threading.Barrier(len(keys)), []

    def ask(key):
        try:
            barrier.wait(timeout=10)
            job = services.start(user=user, unit=unit, kind="ekspor", key=key, title="Uji")
            outcomes.append(job.pk)
        except services.TooManyJobs:
            outcomes.append("penuh")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("run", range(3))
def test_a_double_click_makes_one_job(cast_tx, db_queue, run):
    outcomes = _together(cast_tx.users["kelurahan"], cast_tx.kel, ["sama", "sama"])
    assert len(outcomes) == 2 and outcomes[0] == outcomes[1]
    assert Job.objects.count() == 1


def test_two_different_requests_at_once_do_not_pass_the_limit_together(cast_tx, db_queue, settings):
    settings.PKK_JOBS_PER_USER = 1
    outcomes = _together(cast_tx.users["kelurahan"], cast_tx.kel, ["satu", "dua"])
    assert sorted(map(str, outcomes))[-1] == "penuh" and Job.objects.count() == 1
