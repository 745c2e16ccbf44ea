"""The whole kelurahan's Data Warga prepared in the background (a job of the jobs app, asked for through
households:unduhan_minta): asking creates a job that writes the file while counting the warga written;
its page shows the count, then the link; the file reads back with the kelurahan's members under the
streamed download's name; only the user who asked sees the job; a failure says so in Bahasa Indonesia,
leaves no file and offers to try again; jobs are reused, dead ones reported, old files removed.

The tests run the task framework's immediate backend (the job runs inside the request); the real
worker process is exercised in jobs/tests/test_worker.py."""

import datetime
import io
import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from documents.exporters import RAKERNAS_X, XLSX, Period, get_exporter
from households.exports.data_warga import data_warga_values
from households.exports.kelurahan import DataWargaKelurahanExporter
from households.tests.test_exports_stream import MEMBERS, _field, _grow, _names
from jobs import runner, services
from jobs.exports import start_export
from jobs.models import Job, Pekerja, Status

FILENAME = "data-warga-kelurahan_64.74.02.1002.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def export_dir(settings, tmp_path):
    """The private storage, in a directory of this test: its downloads folder."""
    location = tmp_path / "privat"
    settings.STORAGES = {**settings.STORAGES, "private": {**settings.STORAGES["private"], "OPTIONS": {
        **settings.STORAGES["private"]["OPTIONS"], "location": location}}}  # fmt: skip
    return location / "unduhan"


def _files(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _ask(client, unit):
    return client.post(reverse("households:unduhan_minta", args=[unit.pk]))


def _start(user, kelurahan):
    exporter = get_exporter(DataWargaKelurahanExporter.identifier)
    return start_export(
        user=user, exporter=exporter, target=kelurahan, period=Period(timezone.localdate().year),
        edition=RAKERNAS_X, fmt=XLSX,
    )  # fmt: skip


def _status(client, job):
    return client.get(reverse("jobs:status", args=[job.pk]))


def _file(client, job):
    return client.get(reverse("jobs:berkas", args=[job.pk]))


def _read(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _queued(user, kelurahan, **fields):
    """A job of the kelurahan's Data Warga as start_export writes it, not run."""
    fields = {
        "key": f"ekspor:data-warga-kelurahan:hierarchy.unit:{kelurahan.pk}:{timezone.localdate().year}:"
        f"{RAKERNAS_X}:xlsx:",
        **fields,
    }
    return Job.objects.create(
        user=user, unit=kelurahan, kind="ekspor", title="Data Warga", unit_label="warga", filename=FILENAME,
        params={"exporter": "data-warga-kelurahan", "target": ["hierarchy.unit", kelurahan.pk],
                "tahun": timezone.localdate().year, "bulan": None, "edition": RAKERNAS_X, "fmt": "xlsx",
                "options": {}},
        **fields,
    )  # fmt: skip


# -- ask, wait, download --------------------------------------------------------------------------------


def test_asking_builds_the_file_and_its_page_links_it(client, cast, export_dir):
    client.force_login(cast.users["sekretaris"])
    response = _ask(client, cast.kel)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:status", args=[job.pk])
    assert (job.user, job.unit, job.status) == (cast.users["sekretaris"], cast.kel, Status.SIAP)
    assert (job.done, job.total) == (5, 5) and job.finished_at is not None
    assert _files(export_dir) == [job.berkas.removeprefix("unduhan/")]  # the finished file only

    body = _status(client, job).content.decode()
    assert 'data-status="siap"' in body and "5 warga" in body
    assert 'http-equiv="refresh"' not in body  # ready: the page stops reloading
    assert reverse("jobs:berkas", args=[job.pk]) in body and FILENAME in body

    download = _file(client, job)
    assert download.status_code == 200 and download["Content-Type"] == XLSX_TYPE
    assert download["Content-Disposition"] == f'attachment; filename="{FILENAME}"'  # as the streamed file
    assert "no-store" in download["Cache-Control"]
    ws = _read(download)
    assert _names(ws) == MEMBERS and _field(ws, "Desa/Kelurahan") == "Berbas Tengah"


def test_the_page_of_a_running_job_counts_the_warga_and_reloads_itself(client, cast, export_dir):
    job = _queued(cast.users["kelurahan"], cast.kel, status=Status.DIPROSES, done=12000, total=19962)
    services.beat("w1", timezone.now())
    Job.objects.filter(pk=job.pk).update(worker_id="w1")
    client.force_login(cast.users["kelurahan"])
    body = _status(client, job).content.decode()
    assert "12.000 dari 19.962 warga (60%)" in body
    assert '<meta http-equiv="refresh" content="2">' in body
    assert reverse("jobs:berkas", args=[job.pk]) not in body
    # Asked for before it is ready, the file sends the user back to the page.
    response = _file(client, job)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:status", args=[job.pk])
    # And the kelurahan page says a file is on its way.
    page = client.get(reverse("households:unduh_kelurahan", args=[cast.kel.pk])).content.decode()
    assert 'data-unduhan="diproses"' in page and "12.000 dari 19.962 warga" in page


def test_progress_is_reported_every_chunk_of_warga(cast, export_dir):
    _grow(cast.dw, 1200)
    _grow(cast.dw_b, 1300)  # 2,505 warga: Melati 1 then Melati 2
    steps = []
    DataWargaKelurahanExporter().write_xlsx(cast.kel, io.BytesIO(), progress=lambda *step: steps.append(step))
    assert steps == [(0, 2505), (1204, 2505), (2505, 2505)]


def test_the_job_row_follows_the_progress(cast, export_dir, monkeypatch):
    _grow(cast.dw, 1200)
    _grow(cast.dw_b, 1300)
    seen = []
    real = DataWargaKelurahanExporter.write_xlsx

    def watched(self, kelurahan, file, progress=None):
        def spy(done, total):
            progress(done, total)
            job = Job.objects.get()
            seen.append((job.status, job.done, job.total))

        return real(self, kelurahan, file, progress=spy)

    monkeypatch.setattr(DataWargaKelurahanExporter, "write_xlsx", watched)
    job = _start(cast.users["kelurahan"], cast.kel)
    assert seen == [("diproses", 0, 2505), ("diproses", 1204, 2505), ("diproses", 2505, 2505)]
    assert job.status == Status.SIAP


def test_the_job_takes_the_same_queries_plus_one_per_thousand_warga(cast, export_dir):
    """The job's row (claimed, read, marked done and read back: 4), the rights check (1: the user's roles, kept for the
    exporter's own check), the target (1), the kelurahan's groups, totals and members (3), and the progress updates:
    at the start, after each dasawisma that brings another thousand warga, and at the end unless just
    reported."""
    counts = []
    for extra in [0, 2500]:
        if extra:
            _grow(cast.dw, 1200)
            _grow(cast.dw_b, 1300)  # 1,204 then 2,505 warga written: one step more than for 5 warga
        job = _queued(cast.users["kelurahan"], cast.kel)
        with CaptureQueriesContext(connection) as queries:
            runner.execute(job.pk)
        job.refresh_from_db()
        assert job.status == Status.SIAP and job.total == 5 + extra
        counts.append(len(queries))
    assert counts == [11, 12]


# -- who sees a job ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["admin", "kota", "sekretaris", "outsider", "kader"])
def test_another_user_does_not_find_the_job(client, cast, export_dir, other):
    client.force_login(cast.users["kelurahan"])
    _ask(client, cast.kel)
    job = Job.objects.get()
    assert _file(client, job).status_code == 200
    client.force_login(cast.users[other])
    assert _status(client, job).status_code == 404
    assert _file(client, job).status_code == 404


@pytest.mark.parametrize("role", ["rw", "rt", "kader", "outsider", "nobody"])
def test_those_who_do_not_see_the_kelurahan_cannot_ask(client, cast, export_dir, role):
    client.force_login(cast.users[role])
    assert _ask(client, cast.kel).status_code == 404
    assert not Job.objects.exists() and _files(export_dir) == []


def test_asking_takes_a_post(client, cast, export_dir):
    client.force_login(cast.users["kelurahan"])
    assert client.get(reverse("households:unduhan_minta", args=[cast.kel.pk])).status_code == 405
    assert not Job.objects.exists()


def test_the_owner_who_lost_the_right_no_longer_finds_the_job(client, cast, export_dir):
    client.force_login(cast.users["kelurahan"])
    _ask(client, cast.kel)
    job = Job.objects.get()
    job.user = cast.users["rw"]  # as if the RW's cadre had asked, then lost the kelurahan role
    job.save()
    client.force_login(cast.users["rw"])
    assert _status(client, job).status_code == 404 and _file(client, job).status_code == 404


# -- the kelurahan page ------------------------------------------------------------------------------------


def test_a_large_kelurahan_is_prepared_in_the_background_not_streamed(client, cast, export_dir, monkeypatch):
    monkeypatch.setattr("households.exports.kelurahan.WARGA_PER_SECOND", 1)
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("households:unduh_kelurahan", args=[cast.kel.pk])).content.decode()
    assert reverse("households:unduhan_minta", args=[cast.kel.pk]) in body and "csrfmiddlewaretoken" in body
    assert "Siapkan berkas Excel" in body
    assert "download>Unduh Excel" not in body  # no direct link for a slow file


# -- failure -----------------------------------------------------------------------------------------------


def test_a_failure_says_so_leaves_no_file_and_can_be_tried_again(client, cast, export_dir, monkeypatch):
    real = data_warga_values
    calls = []

    def broken(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("koneksi basis data terputus")
        return real(*args)

    monkeypatch.setattr("households.exports.kelurahan.data_warga_values", broken)
    client.force_login(cast.users["kelurahan"])
    _ask(client, cast.kel)
    job = Job.objects.get()
    assert job.status == Status.GAGAL and job.pesan_galat == runner.GAGAL_UMUM
    assert _files(export_dir) == []  # neither the half-written .part nor a file under the final name

    response = _status(client, job)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-status="gagal"' in body
    assert "kesalahan di server" in body and "Coba lagi" in body
    assert "RuntimeError" not in body and "terputus" not in body and "Traceback" not in body
    assert _file(client, job).status_code == 302  # nothing to download

    monkeypatch.setattr("households.exports.kelurahan.data_warga_values", real)
    retried = client.post(reverse("jobs:ulangi", args=[job.pk]))  # the "Coba lagi" button
    again = Job.objects.latest("pk")
    assert retried["Location"] == reverse("jobs:status", args=[again.pk])
    assert again.pk != job.pk and again.status == Status.SIAP
    assert _names(_read(_file(client, again))) == MEMBERS


def test_a_file_that_cannot_be_saved_says_so(client, cast, export_dir, monkeypatch):
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner.storage().__class__, "_save", full)
    job = _start(cast.users["kelurahan"], cast.kel)
    assert job.status == Status.GAGAL and "ruang penyimpanan" in job.pesan_galat
    assert _files(export_dir) == []


# -- reuse, stalled jobs, cleanup ---------------------------------------------------------------------------


def test_a_running_job_or_a_fresh_file_is_reused(cast, export_dir):
    user = cast.users["kelurahan"]
    running = _queued(user, cast.kel)
    assert _start(user, cast.kel).pk == running.pk
    # Another user gets its own job.
    assert _start(cast.users["sekretaris"], cast.kel).pk != running.pk

    running.delete()
    ready = _start(user, cast.kel)
    assert ready.status == Status.SIAP
    assert _start(user, cast.kel).pk == ready.pk  # offered again
    Job.objects.filter(pk=ready.pk).update(finished_at=timezone.now() - datetime.timedelta(minutes=11))
    fresh = _start(user, cast.kel)
    assert fresh.pk != ready.pk and fresh.status == Status.SIAP


def test_a_job_whose_worker_died_is_reported_within_a_minute_and_not_reused(client, cast, export_dir, settings):
    settings.TASK_BACKEND = "db"  # the heartbeat is what tells (the immediate backend has none)
    user = cast.users["kelurahan"]
    services.beat("w1", timezone.now())
    job = _queued(user, cast.kel, status=Status.DIPROSES, worker_id="w1", done=10, total=100)
    client.force_login(user)
    assert 'data-status="diproses"' in _status(client, job).content.decode()
    Pekerja.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=61))
    body = _status(client, job).content.decode()
    assert 'data-status="gagal"' in body and "terhenti" in body and "Coba lagi" in body
    settings.TASK_BACKEND = "immediate"
    assert _start(user, cast.kel).pk != job.pk


def test_a_queued_job_without_a_worker_says_the_worker_is_not_running(client, cast, export_dir, settings):
    settings.TASK_BACKEND = "db"
    job = _queued(cast.users["kelurahan"], cast.kel)
    client.force_login(cast.users["kelurahan"])
    body = _status(client, job).content.decode()
    assert 'data-status="antri"' in body and "pekerja latar di server sedang tidak berjalan" in body
    services.beat("w1", timezone.now())
    assert "tidak berjalan" not in _status(client, job).content.decode()


def test_a_ready_file_that_was_removed_is_reported(client, cast, export_dir):
    job = _start(cast.users["kelurahan"], cast.kel)
    runner.storage().delete(job.berkas)
    client.force_login(cast.users["kelurahan"])
    assert "sudah dihapus" in _status(client, job).content.decode()
    assert _file(client, job).status_code == 302


def test_jobs_and_files_older_than_a_day_are_removed_by_the_housekeeping(cast, export_dir):
    old = _start(cast.users["kelurahan"], cast.kel)
    young = _start(cast.users["sekretaris"], cast.kel)
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    Job.objects.filter(pk=old.pk).update(created_at=two_days_ago, finished_at=two_days_ago)
    stray = export_dir / ("b" * 32)  # a file whose job row is gone
    stray.write_bytes(b"half")
    os.utime(stray, (time.time() - 2 * 86400,) * 2)  # the file system's clock

    summary = services.remove_old()
    assert summary.startswith("1 pekerjaan lama, 2 berkas")
    assert list(Job.objects.values_list("pk", flat=True)) == [young.pk]
    assert _files(export_dir) == [young.berkas.removeprefix("unduhan/")]


def test_beyond_the_limit_a_user_is_asked_to_wait(client, cast, export_dir, settings):
    settings.PKK_JOBS_PER_USER = 1
    user = cast.users["kelurahan"]
    _queued(user, cast.kel, key="lain")
    client.force_login(user)
    response = _ask(client, cast.kel)
    assert response.status_code == 302 and response["Location"] == reverse(
        "households:unduh_kelurahan", args=[cast.kel.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "sudah punya 1 pekerjaan" in page
    assert Job.objects.count() == 1
