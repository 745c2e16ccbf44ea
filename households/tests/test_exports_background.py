"""The whole kelurahan's Data Warga prepared in the background (households/exports/background.py, unduhan_*): asking
creates a job that writes the file under PKK_EXPORT_DIR while counting the warga written; its page shows
the count, then the link; the file reads back with the kelurahan's members under the streamed download's
name; only the user who asked sees the job; a failure says so in Bahasa Indonesia, leaves no file and
offers to try again; jobs are reused, stalled ones reported, old files removed; and the same job run in a
real thread."""

import datetime
import io
import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.exports.background import GAGAL_UMUM, unduhan_jalankan, unduhan_minta, unduhan_path
from households.exports.data_warga import data_warga_values
from households.exports.kelurahan import DataWargaKelurahanExporter
from households.models import StatusUnduhan, UnduhanKelurahan
from households.tests.test_exports_stream import MEMBERS, _field, _grow, _names

FILENAME = "data-warga-kelurahan_64.74.02.1002.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.PKK_EXPORT_DIR = tmp_path / "unduhan"
    settings.PKK_EXPORT_INLINE = True
    return settings.PKK_EXPORT_DIR


def _files(directory):
    return sorted(os.listdir(directory)) if directory.exists() else []


def _ask(client, unit):
    return client.post(reverse("households:unduhan_minta", args=[unit.pk]))


def _status(client, job):
    return client.get(reverse("households:unduhan_status", args=[job.pk]))


def _file(client, job):
    return client.get(reverse("households:unduhan_berkas", args=[job.pk]))


def _read(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


# -- ask, wait, download --------------------------------------------------------------------------------


def test_asking_builds_the_file_and_its_page_links_it(client, cast, export_dir):
    client.force_login(cast.users["sekretaris"])
    response = _ask(client, cast.kel)
    job = UnduhanKelurahan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("households:unduhan_status", args=[job.pk])
    assert (job.user, job.kelurahan, job.status) == (cast.users["sekretaris"], cast.kel, StatusUnduhan.SIAP)
    assert (job.selesai, job.total) == (5, 5) and job.finished_at is not None
    assert _files(export_dir) == [f"{job.berkas}.xlsx"]  # the finished file only, no .part

    body = _status(client, job).content.decode()
    assert 'data-status="siap"' in body and "5 warga" in body
    assert 'http-equiv="refresh"' not in body  # ready: the page stops reloading
    assert reverse("households:unduhan_berkas", args=[job.pk]) in body and FILENAME in body

    download = _file(client, job)
    assert download.status_code == 200 and download["Content-Type"] == XLSX_TYPE
    assert download["Content-Disposition"] == f'attachment; filename="{FILENAME}"'  # as the streamed file
    assert "no-store" in download["Cache-Control"]
    ws = _read(download)
    assert _names(ws) == MEMBERS and _field(ws, "Desa/Kelurahan") == "Berbas Tengah"


def test_the_page_of_a_running_job_counts_the_warga_and_reloads_itself(client, cast, export_dir):
    job = UnduhanKelurahan.objects.create(
        user=cast.users["kelurahan"], kelurahan=cast.kel, status=StatusUnduhan.DIPROSES, selesai=12000, total=19962
    )
    client.force_login(cast.users["kelurahan"])
    body = _status(client, job).content.decode()
    assert "12.000 dari 19.962 warga (60%)" in body
    assert '<meta http-equiv="refresh" content="2">' in body
    assert reverse("households:unduhan_berkas", args=[job.pk]) not in body
    # Asked for before it is ready, the file sends the user back to the page.
    response = _file(client, job)
    assert response.status_code == 302 and response["Location"] == reverse("households:unduhan_status", args=[job.pk])
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
            job = UnduhanKelurahan.objects.get()
            seen.append((job.status, job.selesai, job.total))

        return real(self, kelurahan, file, progress=spy)

    monkeypatch.setattr(DataWargaKelurahanExporter, "write_xlsx", watched)
    job = unduhan_minta(user=cast.users["kelurahan"], kelurahan=cast.kel)
    assert seen == [("diproses", 0, 2505), ("diproses", 1204, 2505), ("diproses", 2505, 2505)]
    assert job.status == StatusUnduhan.SIAP


def test_the_job_takes_the_same_queries_plus_one_per_thousand_warga(cast, export_dir):
    """The job's row (read, marked running, marked done: 3, with the refresh 4), the kelurahan's groups,
    totals and members (3), and the progress updates: at the start, after each dasawisma that brings
    another thousand warga, and at the end unless just reported."""
    counts = []
    for extra in [0, 2500]:
        if extra:
            _grow(cast.dw, 1200)
            _grow(cast.dw_b, 1300)  # 1,204 then 2,505 warga written: one step more than for 5 warga
        job = UnduhanKelurahan.objects.create(user=cast.users["kelurahan"], kelurahan=cast.kel, berkas="a" * 32)
        with CaptureQueriesContext(connection) as queries:
            unduhan_jalankan(job.pk)
        job.refresh_from_db()
        assert job.status == StatusUnduhan.SIAP and job.total == 5 + extra
        counts.append(len(queries))
    assert counts == [9, 10]


# -- who sees a job ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["admin", "kota", "sekretaris", "outsider", "kader"])
def test_another_user_does_not_find_the_job(client, cast, export_dir, other):
    client.force_login(cast.users["kelurahan"])
    _ask(client, cast.kel)
    job = UnduhanKelurahan.objects.get()
    assert _file(client, job).status_code == 200
    client.force_login(cast.users[other])
    assert _status(client, job).status_code == 404
    assert _file(client, job).status_code == 404


@pytest.mark.parametrize("role", ["rw", "rt", "kader", "outsider", "nobody"])
def test_those_who_do_not_see_the_kelurahan_cannot_ask(client, cast, export_dir, role):
    client.force_login(cast.users[role])
    assert _ask(client, cast.kel).status_code == 404
    assert not UnduhanKelurahan.objects.exists() and _files(export_dir) == []


def test_asking_takes_a_post(client, cast, export_dir):
    client.force_login(cast.users["kelurahan"])
    assert client.get(reverse("households:unduhan_minta", args=[cast.kel.pk])).status_code == 405
    assert not UnduhanKelurahan.objects.exists()


def test_the_owner_who_lost_the_right_no_longer_finds_the_job(client, cast, export_dir):
    client.force_login(cast.users["kelurahan"])
    _ask(client, cast.kel)
    job = UnduhanKelurahan.objects.get()
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
    job = UnduhanKelurahan.objects.get()
    assert job.status == StatusUnduhan.GAGAL and job.pesan_galat == GAGAL_UMUM
    assert _files(export_dir) == []  # neither the half-written .part nor a file under the final name

    response = _status(client, job)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-status="gagal"' in body
    assert "kesalahan di server" in body and "Coba lagi" in body
    assert "RuntimeError" not in body and "terputus" not in body and "Traceback" not in body
    assert _file(client, job).status_code == 302  # nothing to download

    monkeypatch.setattr("households.exports.kelurahan.data_warga_values", real)
    _ask(client, cast.kel)  # the "Coba lagi" button
    again = UnduhanKelurahan.objects.latest("pk")
    assert again.pk != job.pk and again.status == StatusUnduhan.SIAP
    assert _names(_read(_file(client, again))) == MEMBERS


def test_a_file_that_cannot_be_saved_says_so(client, cast, export_dir, monkeypatch):
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("households.exports.background.os.replace", full)
    job = unduhan_minta(user=cast.users["kelurahan"], kelurahan=cast.kel)
    assert job.status == StatusUnduhan.GAGAL and "ruang penyimpanan" in job.pesan_galat
    assert _files(export_dir) == []


# -- reuse, stalled jobs, cleanup ---------------------------------------------------------------------------


def test_a_running_job_or_a_fresh_file_is_reused(cast, export_dir):
    user = cast.users["kelurahan"]
    running = UnduhanKelurahan.objects.create(user=user, kelurahan=cast.kel, status=StatusUnduhan.DIPROSES)
    assert unduhan_minta(user=user, kelurahan=cast.kel).pk == running.pk
    # Another user, or the other kelurahan, gets its own job.
    assert unduhan_minta(user=cast.users["sekretaris"], kelurahan=cast.kel).pk != running.pk

    running.delete()
    ready = unduhan_minta(user=user, kelurahan=cast.kel)
    assert ready.status == StatusUnduhan.SIAP
    assert unduhan_minta(user=user, kelurahan=cast.kel).pk == ready.pk  # offered again
    UnduhanKelurahan.objects.filter(pk=ready.pk).update(finished_at=timezone.now() - datetime.timedelta(minutes=11))
    fresh = unduhan_minta(user=user, kelurahan=cast.kel)
    assert fresh.pk != ready.pk and fresh.status == StatusUnduhan.SIAP


def test_a_stalled_job_is_reported_and_not_reused(client, cast, export_dir):
    user = cast.users["kelurahan"]
    stalled = UnduhanKelurahan.objects.create(user=user, kelurahan=cast.kel, status=StatusUnduhan.DIPROSES)
    UnduhanKelurahan.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=11))
    client.force_login(user)
    body = _status(client, stalled).content.decode()
    assert 'data-status="gagal"' in body and "terhenti" in body and "Coba lagi" in body
    assert unduhan_minta(user=user, kelurahan=cast.kel).pk != stalled.pk


def test_a_ready_file_that_was_removed_is_reported(client, cast, export_dir):
    job = unduhan_minta(user=cast.users["kelurahan"], kelurahan=cast.kel)
    unduhan_path(job).unlink()
    client.force_login(cast.users["kelurahan"])
    assert "sudah dihapus" in _status(client, job).content.decode()
    assert _file(client, job).status_code == 302


def test_files_older_than_a_day_are_removed_when_a_job_starts(cast, export_dir):
    user = cast.users["kelurahan"]
    old = unduhan_minta(user=user, kelurahan=cast.kel)
    young = unduhan_minta(user=cast.users["sekretaris"], kelurahan=cast.kel)
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    UnduhanKelurahan.objects.filter(pk=old.pk).update(created_at=two_days_ago, finished_at=two_days_ago)
    stray = export_dir / ("b" * 32 + ".part")  # left by a process that died
    stray.write_bytes(b"half")
    os.utime(stray, (two_days_ago.timestamp(),) * 2)
    keep = export_dir / "README.txt"  # not ours: never touched
    keep.write_text("x")
    os.utime(keep, (two_days_ago.timestamp(),) * 2)

    new = unduhan_minta(user=cast.users["admin"], kelurahan=cast.kel)
    assert set(UnduhanKelurahan.objects.values_list("pk", flat=True)) == {young.pk, new.pk}
    assert _files(export_dir) == sorted(["README.txt", f"{young.berkas}.xlsx", f"{new.berkas}.xlsx"])


def test_the_directory_setting_refuses_a_public_directory():
    from django.conf import settings

    env = {**os.environ, "EXPORT_DIR": str(settings.BASE_DIR / "static" / "unduhan")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "pkkdata.settings"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0 and "EXPORT_DIR" in result.stderr


# -- in a real thread ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_in_a_thread_of_the_web_process(client, cast, export_dir, settings):
    settings.PKK_EXPORT_INLINE = False
    client.force_login(cast.users["kelurahan"])
    started = time.monotonic()
    response = _ask(client, cast.kel)
    assert response.status_code == 302
    job = UnduhanKelurahan.objects.get()
    threads = [t for t in threading.enumerate() if t.name == f"unduhan-{job.pk}"]
    for thread in threads:
        thread.join(timeout=60)
    assert time.monotonic() - started < 60
    job.refresh_from_db()
    assert job.status == StatusUnduhan.SIAP, job.pesan_galat
    assert (job.selesai, job.total) == (5, 5)
    assert _names(_read(_file(client, job))) == MEMBERS


@pytest.mark.django_db(transaction=True)
def test_the_thread_is_started_once_the_row_is_committed(cast, export_dir, settings):
    settings.PKK_EXPORT_INLINE = False
    job = unduhan_minta(user=cast.users["kelurahan"], kelurahan=cast.kel)
    assert job.thread is not None and job.thread.daemon
    job.thread.join(timeout=60)
    assert not job.thread.is_alive()
    job.refresh_from_db()
    assert job.status == StatusUnduhan.SIAP, job.pesan_galat
    assert _files(export_dir) == [f"{job.berkas}.xlsx"]
