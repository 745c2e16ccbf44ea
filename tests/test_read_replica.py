"""The read replica (pkkdata.dbrouter): marked reads of counted data reach the "replica" alias, writes
and everything else stay on "default", and a person who just wrote reads "default".

In the test run "replica" is a test mirror of the test database (pkkdata.testenv): a second connection
to the same database. Inside a test's transaction the router reads "default" (the replica could not
see the uncommitted rows), so the tests that follow queries to the replica commit their data
(transaction=True) and capture the queries of each connection."""

import contextlib
import io
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import DokumenRekap
from hierarchy.models import RoleAssignment, Unit, UnitUserObjectPermission, User
from households.models import Kehamilan, RumahTangga, Warga
from jobs import runner
from jobs.models import Job
from pkkdata import dbrouter, periods
from pkkdata.dbrouter import PIN_KEY, REPLICA, ReplicaPinMiddleware, ReplicaRouter, replica_reads
from recaps.models import PotretTahunan, RingkasanDasawisma
from reports.models import Laporan

router = ReplicaRouter()
COUNTED = [Warga, RumahTangga, Kehamilan, Laporan, PotretTahunan, Unit]
NEVER = [User, RoleAssignment, UnitUserObjectPermission, Session, Job, DokumenRekap]
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextlib.contextmanager
def queries():
    """The statements run on each alias inside the block: (default, replica)."""
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        yield on_default, on_replica


def _sql(captured):
    return [q["sql"] for q in captured.captured_queries]


def _sql_on(captured, prefix):
    return [s for s in _sql(captured) if f'"{prefix}' in s]


def _touching(captured, table):
    return [s for s in _sql(captured) if f'"{table}"' in s]


# -- the router's answers ----------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_marked_work_and_only_for_counted_data():
    assert dbrouter.replica_configured()
    for model in COUNTED + NEVER:
        assert router.db_for_read(model) == "default"
    with replica_reads():
        for model in COUNTED:
            assert router.db_for_read(model) == REPLICA, model
        for model in NEVER:  # accounts, roles, the session, jobs, the register: always the primary
            assert router.db_for_read(model) == "default", model
    with replica_reads(enabled=False):
        assert router.db_for_read(Warga) == "default"
    assert router.db_for_read(Warga) == "default"  # the mark ends with its block


def test_writes_go_to_default_and_a_write_of_counted_data_pins_the_rest_of_the_work():
    with replica_reads():
        assert router.db_for_write(Job) == "default"  # a job's progress does not pin
        assert router.db_for_read(Warga) == REPLICA
        assert router.db_for_write(Warga) == "default"
        assert router.db_for_read(Warga) == "default"
        assert router.db_for_read(Unit) == "default"
    with replica_reads():
        assert router.db_for_read(Warga) == REPLICA  # new work starts unpinned


def test_without_a_replica_everything_reads_default(monkeypatch):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: False)
    with replica_reads():
        assert router.db_for_read(Warga) == "default"
    assert not dbrouter.may_read_replica()


def test_nothing_is_migrated_on_the_replica_and_rows_of_both_relate():
    assert router.allow_migrate("default", "households") and not router.allow_migrate(REPLICA, "households")
    assert router.allow_relation(Warga(), Unit())


@pytest.mark.django_db
def test_inside_a_transaction_on_default_reads_stay_there():
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Warga) == "default"


# -- a person who just wrote -------------------------------------------------------------------------


def _through_the_middleware(user, view):
    request = type("Request", (), {})()
    request.user, request.session = user, SessionStore()
    ReplicaPinMiddleware(view)(request)
    return request.session


@pytest.mark.django_db
def test_a_request_that_writes_counted_data_is_remembered_in_the_session(cast):
    def edits(request):
        RumahTangga.objects.filter(pk=cast.hh_a.pk).update(alamat="Jl. Melati 1 No. 3")
        assert not dbrouter.may_read_replica()  # what it starts now reads default
        return HttpResponse()

    session = _through_the_middleware(cast.users["kader"], edits)
    assert 0 <= time.time() - session[PIN_KEY] < 5

    def only_a_job(request):
        Job.objects.filter(user=cast.users["kader"]).update(hasil="")
        assert dbrouter.may_read_replica()
        return HttpResponse()

    assert PIN_KEY not in _through_the_middleware(cast.users["kader"], only_a_job)


# -- the pages and downloads, committed data, queries of each connection -----------------------------

replica_db = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def _signed_in(client, user, *, wrote_ago=None):
    client.force_login(user)
    if wrote_ago is not None:
        session = client.session
        session[PIN_KEY] = time.time() - wrote_ago
        session.save()
    return client


def _pages(cast):
    year = timezone.localdate().year
    tahun, bulan = periods.shift_month(year, timezone.localdate().month, -1)
    return [
        reverse("recaps:rekap_tahunan", args=[cast.kota.pk, year]),
        reverse("recaps:rekap_bulanan", args=[cast.kota.pk, tahun, bulan]) + "?data=terkini",
        reverse("recaps:dasbor", args=[cast.kota.pk]),
    ]


@replica_db
def test_the_recap_pages_count_on_the_replica_and_read_the_session_and_rights_on_default(client, cast):
    _signed_in(client, cast.users["kota"])
    for url in _pages(cast):
        with queries() as (on_default, on_replica):
            assert client.get(url).status_code == 200
        assert _touching(on_replica, "households_warga"), url  # the counting
        assert not _touching(on_default, "households_warga"), url
        assert _touching(on_default, "django_session") and not _touching(on_replica, "django_session")
        assert _touching(on_default, "hierarchy_unituserobjectpermission")  # the person's rights
        assert not _touching(on_replica, "hierarchy_unituserobjectpermission")
        assert not _touching(on_replica, "hierarchy_user")
        assert not any(s.lstrip().upper().startswith(WRITES) for s in _sql(on_replica))


@replica_db
def test_a_recap_download_counts_on_the_replica_and_registers_the_file_on_default(client, cast):
    _signed_in(client, cast.users["kota"])
    url = reverse("recaps:rekap_unduh_tahunan", args=[cast.kota.pk, timezone.localdate().year])
    with queries() as (on_default, on_replica):
        response = client.post(url, {"format": "xlsx", "kertas": "A4"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert _touching(on_replica, "households_warga") and not _touching(on_default, "households_warga")
    inserts = [s for s in _touching(on_default, "documents_dokumenrekap") if s.startswith("INSERT")]
    assert len(inserts) == 1 and DokumenRekap.objects.count() == 1
    assert not any(s.lstrip().upper().startswith(WRITES) for s in _sql(on_replica))


@replica_db
def test_the_household_downloads_read_the_replica(client, cast):
    _signed_in(client, cast.users["kelurahan"])
    for url in [
        reverse("households:export_kelurahan", args=[cast.kel.pk, "data-warga-kelurahan", "xlsx"]),  # streamed
        reverse("households:export_dasawisma", args=[cast.dw.pk, "data-warga", "xlsx"]),
        reverse("households:export_rumah_tangga", args=[cast.hh_a.pk, "catatan-keluarga", "xlsx"]),
    ]:
        with queries() as (on_default, on_replica):
            response = client.get(url)
            content = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and content.startswith(b"PK"), url
        assert _touching(on_replica, "households_warga") and not _touching(on_default, "households_warga"), url


@replica_db
def test_a_background_export_reads_the_replica_unless_its_person_just_wrote(client, cast):
    url = reverse("households:export_dasawisma", kwargs={"unit_pk": cast.dw.pk, "form": "data-warga", "fmt": "xlsx"})
    _signed_in(client, cast.users["kader"])
    assert client.post(url).status_code == 302
    job = Job.objects.get()
    assert job.status == "siap" and job.params["replika"] is True
    # The test run's task backend ran it inside the request's transaction (on "default"); the worker
    # runs it on its own: once more, as the worker does.
    Job.objects.filter(pk=job.pk).update(status="antri")
    with queries() as (on_default, on_replica):
        runner.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "siap"
    assert _touching(on_replica, "households_warga") and not _touching(on_default, "households_warga")
    assert _touching(on_default, "jobs_job") and not _touching(on_replica, "jobs_job")

    Job.objects.all().delete()
    _signed_in(client, cast.users["kader"], wrote_ago=1)
    assert client.post(url).status_code == 302
    job = Job.objects.get()
    assert job.params["replika"] is False
    Job.objects.filter(pk=job.pk).update(status="antri")
    with queries() as (on_default, on_replica):
        runner.execute(job.pk)
    assert not _sql(on_replica) and _touching(on_default, "households_warga")


@replica_db
def test_a_person_who_just_wrote_reads_default_until_the_pin_has_passed(client, cast, settings):
    settings.PKK_REPLICA_PIN_SECONDS = 10
    url = _pages(cast)[0]
    _signed_in(client, cast.users["kota"], wrote_ago=2)
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert not _sql(on_replica) and _touching(on_default, "households_warga")

    _signed_in(client, cast.users["kota"], wrote_ago=11)
    RingkasanDasawisma.objects.all().delete()  # nothing kept: every dasawisma is counted (recaps.ringkasan)
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert _touching(on_replica, "households_warga") and not _touching(on_default, "households_warga")
    # what the recap keeps is written to default, and writing it pins nothing: the person's next page
    # reads the kept counts from the replica
    assert _touching(on_default, "recaps_ringkasandasawisma")
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert _touching(on_replica, "recaps_ringkasandasawisma") and not _sql_on(on_default, "households_")


@replica_db
def test_pages_not_marked_read_default_only(client, cast):
    _signed_in(client, cast.users["kader"])
    for url in [
        reverse("home"),
        reverse("households:rumah_tangga_list", args=[cast.dw.pk]),
        reverse("households:rumah_tangga_detail", args=[cast.hh_a.pk]),
    ]:
        with queries() as (on_default, on_replica):
            assert client.get(url).status_code == 200
        assert not _sql(on_replica), url
        assert _sql(on_default)


def _replica_refuses(monkeypatch):
    """The replica's server stops answering (and is not known to be down yet): the list of tries to
    connect to it."""
    replica, tries = connections[REPLICA], []

    def refused():
        tries.append(1)
        raise OperationalError("connection to server failed: Connection refused")

    replica.close()
    monkeypatch.setattr(replica, "ensure_connection", refused)
    monkeypatch.setattr(dbrouter, "_down_until", 0.0)
    return tries


@replica_db
def test_a_replica_that_does_not_answer_costs_one_try_then_pages_read_default(client, cast, monkeypatch):
    _signed_in(client, cast.users["kota"])
    url = _pages(cast)[0]
    tries = _replica_refuses(monkeypatch)
    with CaptureQueriesContext(connections["default"]) as on_default:
        response = client.get(url)
    assert response.status_code == 200 and "Kota Bontang" in response.content.decode()
    assert _touching(on_default, "hierarchy_unit") and tries  # tried, failed, made again on default
    assert dbrouter.replica_down()

    tries.clear()
    assert client.get(url).status_code == 200
    assert not tries  # for a while the replica is not asked at all

    monkeypatch.setattr(dbrouter, "_down_until", 0.0)  # the while has passed and the replica is back
    monkeypatch.undo()
    _signed_in(client, cast.users["kota"])
    with queries() as (_, on_replica):
        assert client.get(url).status_code == 200
    assert _touching(on_replica, "hierarchy_unit")


@replica_db
def test_an_error_of_the_page_itself_is_not_taken_for_a_replica_down(client, cast, monkeypatch):
    """The replica answers, so the page's own OperationalError is raised as it is (a 500), not hidden by
    a second try."""
    _signed_in(client, cast.users["kota"])
    monkeypatch.setattr(dbrouter, "_down_until", 0.0)

    def broken(*args, **kwargs):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr("recaps.views.recaps.yearly_recap", broken)
    client.raise_request_exception = False
    assert client.get(_pages(cast)[0]).status_code == 500
    assert not dbrouter.replica_down()


@replica_db
def test_a_background_export_whose_replica_does_not_answer_is_written_on_default(client, cast, monkeypatch):
    url = reverse("households:export_dasawisma", kwargs={"unit_pk": cast.dw.pk, "form": "data-warga", "fmt": "xlsx"})
    _signed_in(client, cast.users["kader"])
    assert client.post(url).status_code == 302
    job = Job.objects.get()
    assert job.params["replika"] is True
    Job.objects.filter(pk=job.pk).update(status="antri")
    tries = _replica_refuses(monkeypatch)
    with CaptureQueriesContext(connections["default"]) as on_default:
        runner.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "siap" and tries and dbrouter.replica_down()
    assert _touching(on_default, "households_warga")
    _signed_in(client, cast.users["kader"])
    response = client.get(reverse("jobs:berkas", args=[job.pk]))
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_work_that_lost_its_replica_half_way_is_done_again_from_the_start(monkeypatch):
    """on_replica: what the first try wrote is undone by `again` before the work runs on default; an
    error of the work itself, while the replica answers, is raised as it is."""
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter, "replica_behind", lambda: False)
    monkeypatch.setattr(dbrouter, "_down_until", 0.0)
    monkeypatch.setattr(dbrouter, "replica_answers", lambda: False)
    out, reads = io.BytesIO(), []

    def work():
        reads.append(dbrouter._reads.get() is not None)  # on the replica?
        out.write(b"baris 1\n")
        if len(reads) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        out.write(b"baris 2\n")
        return "selesai"

    def start_over():
        out.seek(0)
        out.truncate()

    assert dbrouter.on_replica(work, again=start_over) == "selesai"
    assert reads == [True, False] and out.getvalue() == b"baris 1\nbaris 2\n"
    assert dbrouter.replica_down()

    monkeypatch.setattr(dbrouter, "_down_until", 0.0)
    monkeypatch.setattr(dbrouter, "replica_answers", lambda: True)
    reads.clear()
    with pytest.raises(OperationalError):
        dbrouter.on_replica(work)
    assert reads == [True]


@replica_db
def test_a_replica_far_behind_is_not_read_until_it_has_caught_up(client, cast, monkeypatch, settings):
    settings.PKK_REPLICA_MAX_LAG = 30
    _signed_in(client, cast.users["kota"])
    url = _pages(cast)[0]
    monkeypatch.setattr(dbrouter, "_down_until", 0.0)
    monkeypatch.setattr(dbrouter, "_lag_checked_at", -float("inf"))
    monkeypatch.setattr(dbrouter, "replica_lag", lambda: 120.0)
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert not _sql(on_replica) and _touching(on_default, "hierarchy_unit")

    monkeypatch.setattr(dbrouter, "replica_lag", lambda: 0.5)  # caught up; asked again after LAG_CHECK_EVERY
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert not _sql(on_replica)  # the last answer stands for a few seconds
    monkeypatch.setattr(dbrouter, "_lag_checked_at", -float("inf"))
    with queries() as (on_default, on_replica):
        assert client.get(url).status_code == 200
    assert _touching(on_replica, "hierarchy_unit")


@replica_db
def test_the_lag_of_a_database_that_is_no_standby_is_none():
    """The tests' replica is a second connection to the primary itself: nothing to replay."""
    assert dbrouter.replica_lag() == 0.0
