"""The job mechanism on its own (jobs.services, jobs.runner, the pages), with kinds registered by the
test: what a user reads when the work succeeds, fails for a reason, fails for a bug, is no longer
allowed, or is asked for too often; the housekeeping command. Downloads through it are tested where
they are asked for (households/tests/test_exports_background.py, tests/test_background_worker.py)."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hierarchy import access
from hierarchy.levels import Perm
from jobs import housekeeping, registry, runner, services
from jobs.models import Job, Pekerja, Status


def _writes(job, progress, out):
    progress(1, 2)
    out.write(b"isi berkas")
    progress(2, 2)
    return "2 baris ditulis"


def _refuses(job, progress, out):
    raise registry.JobFailed("Baris 7: NIK harus 16 angka.")


def _breaks(job, progress, out):
    raise RuntimeError("rahasia: NIK 6474010101010001 di baris 7")


def _allowed(user, job):
    return access.has_perm(user, Perm.VIEW, job.unit)


@pytest.fixture
def kinds():
    added = [
        registry.Kind("uji-tulis", _writes, _allowed),
        registry.Kind("uji-tolak", _refuses, _allowed),
        registry.Kind("uji-rusak", _breaks, _allowed),
        registry.Kind("uji-tanpa-berkas", lambda job, progress, out: "120 warga baru", _allowed, writes_file=False),
    ]
    for kind in added:
        registry.register(kind)
    yield
    for kind in added:
        registry.KINDS.pop(kind.name)


def _start(cast, kind="uji-tulis", user="kelurahan", key=None):
    return services.start(
        user=cast.users[user],
        unit=cast.kel,
        kind=kind,
        key=key or kind,
        title="Uji",
        unit_label="baris",
        filename="uji.txt",
        content_type="text/plain",
        back_url="/wilayah/",
    )


def test_a_job_that_writes_a_file_is_ready_with_its_result(client, cast, kinds):
    job = _start(cast)
    assert (job.status, job.done, job.total, job.hasil) == (Status.SIAP, 2, 2, "2 baris ditulis")
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert "Selesai: 2 baris ditulis" in body and 'href="/wilayah/"' in body
    response = client.get(reverse("jobs:berkas", args=[job.pk]))
    assert b"".join(response.streaming_content) == b"isi berkas"
    assert response["Content-Disposition"] == 'attachment; filename="uji.txt"'
    assert "no-store" in response["Cache-Control"]
    assert job.title in client.get(reverse("jobs:daftar")).content.decode()


def test_a_job_without_a_file_shows_its_result(client, cast, kinds):
    job = _start(cast, "uji-tanpa-berkas")
    assert (job.status, job.berkas, job.hasil) == (Status.SIAP, "", "120 warga baru")
    client.force_login(cast.users["kelurahan"])
    response = client.get(reverse("jobs:berkas", args=[job.pk]))
    assert response.status_code == 302  # nothing to download: its page


def test_a_reason_the_user_can_act_on_is_shown_as_it_is(client, cast, kinds):
    job = _start(cast, "uji-tolak")
    assert (job.status, job.pesan_galat) == (Status.GAGAL, "Baris 7: NIK harus 16 angka.")


def test_a_bug_shows_a_general_message_and_never_the_error(client, cast, kinds, caplog):
    job = _start(cast, "uji-rusak")
    assert (job.status, job.pesan_galat) == (Status.GAGAL, runner.GAGAL_UMUM)
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert "6474010101010001" not in body and "RuntimeError" not in body and "Coba lagi" in body
    assert "gagal" in caplog.text  # logged for the admin


def test_an_unknown_kind_or_a_user_no_longer_allowed_fails_with_a_message(cast, kinds):
    job = Job.objects.create(user=cast.users["kelurahan"], unit=cast.kel, kind="hilang", title="x")
    runner.execute(job.pk)
    job.refresh_from_db()
    assert (job.status, job.pesan_galat) == (Status.GAGAL, runner.GAGAL_JENIS)
    job = Job.objects.create(user=cast.users["kader"], unit=cast.kel, kind="uji-tulis", title="x")
    runner.execute(job.pk)
    job.refresh_from_db()
    assert (job.status, job.pesan_galat) == (Status.GAGAL, runner.GAGAL_TIDAK_BOLEH)


def test_a_job_is_run_once_even_when_its_task_is_delivered_twice(cast, kinds):
    job = _start(cast)
    first = job.berkas
    runner.execute(job.pk)  # a second delivery of the same task
    job.refresh_from_db()
    assert job.berkas == first and job.status == Status.SIAP


@pytest.mark.parametrize("other", ["kota", "sekretaris", "kader", "outsider"])
def test_only_the_user_who_asked_sees_the_job(client, cast, kinds, other):
    job = _start(cast)
    client.force_login(cast.users[other])
    for name in ["jobs:status", "jobs:berkas"]:
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:ulangi", args=[job.pk])).status_code == 404
    assert job.title not in client.get(reverse("jobs:daftar")).content.decode()


def test_retry_is_a_new_job_and_respects_the_limit(client, cast, kinds, settings):
    failed = _start(cast, "uji-tolak")
    client.force_login(cast.users["kelurahan"])
    response = client.post(reverse("jobs:ulangi", args=[failed.pk]))
    again = Job.objects.latest("pk")
    assert again.pk != failed.pk and response["Location"] == reverse("jobs:status", args=[again.pk])
    assert client.get(reverse("jobs:ulangi", args=[failed.pk])).status_code == 405

    settings.PKK_JOBS_PER_USER = 1
    Job.objects.create(user=cast.users["kelurahan"], unit=cast.kel, kind="uji-tulis", title="antri", key="lain")
    response = client.post(reverse("jobs:ulangi", args=[failed.pk]), follow=True)
    assert "sudah punya 1 pekerjaan" in response.content.decode()


def test_the_limit_counts_jobs_of_this_user_still_waiting_or_running(cast, kinds, settings):
    settings.PKK_JOBS_PER_USER = 2
    for key in ["a", "b"]:
        Job.objects.create(user=cast.users["kelurahan"], unit=cast.kel, kind="uji-tulis", title="x", key=key)
    with pytest.raises(services.TooManyJobs):
        _start(cast)
    assert _start(cast, user="sekretaris").status == Status.SIAP  # another user is not held back
    Job.objects.filter(key="a").update(status=Status.SIAP)
    assert _start(cast).status == Status.SIAP


def test_a_job_of_a_worker_that_stopped_beating_fails_within_a_minute(cast, kinds, settings):
    settings.TASK_BACKEND = "db"
    now = timezone.now()
    services.beat("w1", now)
    job = Job.objects.create(
        user=cast.users["kelurahan"], unit=cast.kel, kind="uji-tulis", title="x", status=Status.DIPROSES, worker_id="w1"
    )
    assert services.checked(job, now + datetime.timedelta(seconds=59)).status == Status.DIPROSES
    assert services.checked(job, now + datetime.timedelta(seconds=61)).status == Status.GAGAL
    assert job.pesan_galat == runner.GAGAL_TERHENTI


def test_rapikan_runs_every_step_and_reports_a_broken_one(cast, kinds, capsys):
    old = SessionStore()
    old.create()
    old.set_expiry(-10)
    old.save()
    services.beat("mati", timezone.now())
    Pekerja.objects.update(seen_at=timezone.now() - datetime.timedelta(days=2))
    call_command("rapikan")
    out = capsys.readouterr().out
    assert "sesi: 1 sesi kedaluwarsa dihapus" in out and "pekerjaan: 0 pekerjaan lama" in out
    assert not Pekerja.objects.exists()

    housekeeping.register("rusak", lambda now: 1 / 0)
    try:
        with pytest.raises(SystemExit):
            call_command("rapikan")
        assert "rusak: GAGAL: ZeroDivisionError" in capsys.readouterr().out
    finally:
        housekeeping.STEPS.remove(next(step for step in housekeeping.STEPS if step[0] == "rusak"))


@pytest.fixture
def db_queue(settings):
    settings.TASK_BACKEND = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_job_whose_task_ended_without_ending_it_fails(cast, kinds, db_queue):
    """The worker could not write the job's end (the database went away mid-job): its task is FAILED
    and the job would show 'sedang dikerjakan' for a day."""
    job = _start(cast)
    assert job.status == Status.ANTRI and job.task_id
    services.beat("w1", timezone.now())
    Job.objects.filter(pk=job.pk).update(status=Status.DIPROSES, worker_id="w1", started_at=timezone.now())
    job.refresh_from_db()
    assert services.checked(job).status == Status.DIPROSES
    DBTaskResult.objects.filter(id=job.task_id).update(status="FAILED")
    assert services.checked(job).status == Status.GAGAL and job.pesan_galat == runner.GAGAL_TERHENTI


def test_a_queued_job_whose_task_is_gone_fails_after_a_minute(cast, kinds, db_queue):
    job = _start(cast)
    DBTaskResult.objects.filter(id=job.task_id).delete()
    assert services.checked(job).status == Status.ANTRI  # just written: its task may be on its way
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    job.refresh_from_db()
    assert services.checked(job).status == Status.GAGAL


def test_a_worker_restarted_under_the_same_id_does_not_keep_a_dead_job_alive(cast, kinds, db_queue):
    job = _start(cast)
    began = timezone.now() - datetime.timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(status=Status.DIPROSES, worker_id="w1", started_at=began)
    services.beat("w1", timezone.now())  # the same id, started now: not the process that took the job
    job.refresh_from_db()
    assert services.checked(job).status == Status.GAGAL


def test_a_job_judged_dead_is_not_overwritten_by_a_late_finish(cast, kinds, db_queue):
    job = Job.objects.create(
        user=cast.users["kelurahan"], unit=cast.kel, kind="uji-tulis", title="x", status=Status.DIPROSES, worker_id="w1"
    )
    assert services.checked(job).status == Status.GAGAL  # no worker beats
    assert not runner.finish(job, Status.SIAP, hasil="terlambat")
    assert job.status == Status.GAGAL and job.hasil == ""


def test_the_list_shows_only_jobs_the_user_may_still_see(client, cast, kinds):
    job = _start(cast)
    client.force_login(cast.users["kelurahan"])
    assert f'href="{reverse("jobs:status", args=[job.pk])}"' in client.get(reverse("jobs:daftar")).content.decode()
    Job.objects.filter(pk=job.pk).update(unit=cast.kel2)  # as if the right had been moved away
    assert f'href="{reverse("jobs:status", args=[job.pk])}"' not in client.get(reverse("jobs:daftar")).content.decode()
