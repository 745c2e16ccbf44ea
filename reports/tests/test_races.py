"""Two people acting at once, on PostgreSQL with real threads and transactions (SQLite runs one writing
transaction at a time, so these races cannot happen there and the tests are skipped).

Each test holds both threads at a barrier at the point where the race used to go wrong, so the bad
interleaving happens on every run: without the row locks of reports.workflow both tests fail every
time, not now and then."""

import contextlib
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from hierarchy.tests.cast import build_cast
from households.models import Kehamilan
from households.tests.cast import add_households
from pkkdata import periods
from reports import services, workflow
from reports.models import Laporan, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"),
]

WAIT = 3  # seconds a thread waits at the barrier for the other, which may be blocked on a row lock


def _last_month():
    return periods.shift_month(*(lambda d: (d.year, d.month))(timezone.localdate()), -1)


def _run_together(*jobs):
    """Run the jobs in threads, each with its own database connection; their exceptions, in order."""
    errors = [None] * len(jobs)

    def run(i, job):
        try:
            job()
        except Exception as exc:
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def _pause_at(barrier):
    # A broken barrier: the other thread is waiting for our row lock, so go on alone.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=WAIT)


@pytest.fixture
def cast_tx(transactional_db):
    return add_households(build_cast())


def test_two_dasawisma_approved_at_once_send_the_rt_report_up(cast_tx, monkeypatch):
    cast = cast_tx
    tahun, bulan = _last_month()
    for dasawisma in (cast.dw, cast.dw_b):
        Laporan.objects.create(unit=dasawisma, tahun=tahun, bulan=bulan, status=Status.SUBMITTED, nihil=True)
    rt_report = Laporan.objects.create(unit=cast.rt, tahun=tahun, bulan=bulan, status=Status.DRAFT)

    barrier = threading.Barrier(2)
    real_parent_report = workflow._parent_report

    def parent_report_after_both_approved(report):
        _pause_at(barrier)  # both children are approved (not yet committed) when either looks up
        return real_parent_report(report)

    monkeypatch.setattr(workflow, "_parent_report", parent_report_after_both_approved)
    rt_user = cast.users["rt"]

    def approve(dasawisma):
        report = Laporan.objects.get(unit=dasawisma, tahun=tahun, bulan=bulan)
        workflow.report_approve(actor=rt_user, report=report, expected_version=report.version)

    errors = _run_together(lambda: approve(cast.dw), lambda: approve(cast.dw_b))
    assert errors == [None, None]
    assert Laporan.objects.filter(unit__in=[cast.dw, cast.dw_b], status=Status.APPROVED).count() == 2
    rt_report.refresh_from_db()
    assert rt_report.status == Status.SUBMITTED  # not stuck in draft with nobody able to act on it


def test_a_nihil_report_and_a_pregnancy_of_its_month_never_both_go_through(cast_tx, monkeypatch):
    cast = cast_tx
    tahun, bulan = _last_month()
    first, _last = periods.month_bounds(tahun, bulan)
    Kehamilan.objects.all().delete()  # the month must be empty for a nihil report
    report = Laporan.objects.create(unit=cast.dw, tahun=tahun, bulan=bulan, status=Status.DRAFT)

    barrier = threading.Barrier(2)
    real_numbers, real_is_locked = workflow.current_numbers, services.is_locked

    def numbers_then_wait(report):
        numbers = real_numbers(report)
        _pause_at(barrier)  # counted "nothing" while the pregnancy is being written
        return numbers

    def is_locked_then_wait(dasawisma, day):
        locked = real_is_locked(dasawisma, day)
        _pause_at(barrier)  # checked "not locked" while the nihil report is being sent
        return locked

    monkeypatch.setattr(workflow, "current_numbers", numbers_then_wait)
    monkeypatch.setattr(services, "is_locked", is_locked_then_wait)

    def submit_nihil():
        workflow.report_submit(
            actor=cast.users["ketua_dasawisma"], report=report, expected_version=report.version, nihil=True
        )

    def record_pregnancy():
        services.kehamilan_record(
            actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=first + datetime.timedelta(days=3)
        )

    errors = _run_together(submit_nihil, record_pregnancy)
    report.refresh_from_db()
    pregnant = Kehamilan.objects.filter(ibu=cast.w_rina).exists()
    nihil_sent = report.status == Status.SUBMITTED and report.nihil
    assert not (nihil_sent and pregnant), "a nihil report was sent for a month with a pregnancy"
    assert nihil_sent or pregnant  # one of the two went through; the other was told why
    refused = [e for e in errors if e is not None]
    assert len(refused) == 1 and isinstance(refused[0], ValidationError)
