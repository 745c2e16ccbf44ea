"""Running it for real (issue 13): /healthz for an uptime monitor, one log line per request without
personal data, and errors reported without personal data (by e-mail to ADMINS, or to Sentry)."""

import datetime
import logging
import sys

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.models import Pekerja
from pkkdata import views
from pkkdata.observability import PersonalDataFormatter, scrub_event

NIK = "6474010101900001"


@pytest.fixture
def db_queue(settings):
    settings.TASK_BACKEND = "db"


def test_healthz_is_ok_with_a_live_worker_and_says_what_fails_otherwise(client, db, db_queue):
    services.beat("w1", timezone.now())
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok", "disk": "ok"},
    }
    assert "no-store" in response["Cache-Control"]

    Pekerja.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=61))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["checks"]["worker"].startswith("error")


def test_the_load_balancers_check_asks_only_the_web_process_and_its_database(client, db, db_queue):
    response = client.get(reverse("healthz_web"))  # no worker beats: still ok
    assert response.status_code == 200 and response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_reports_a_full_disk_and_needs_no_login(client, db, settings):
    settings.PKK_MIN_FREE_DISK_MB = 10**12
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["checks"]["disk"].startswith("error: sisa")
    assert response.json()["checks"]["worker"] == "tidak diperiksa (immediate)"


def test_healthz_reports_unapplied_migrations(client, db, monkeypatch):
    monkeypatch.setattr(views, "_migrated", False)
    monkeypatch.setattr(views.MigrationExecutor, "migration_plan", lambda self, targets: ["0099_baru"])
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["checks"]["migrations"].startswith("error")


def test_one_line_per_request_with_no_query_string_and_no_name(client, cast, caplog):
    client.force_login(cast.users["kader"])
    with caplog.at_level(logging.INFO, logger="pkkdata.request"):
        client.get(reverse("households:warga_search"), {"q": NIK})
        client.get(reverse("households:rumah_tangga_list", args=[cast.dw.pk]))
    lines = [r.getMessage() for r in caplog.records if r.name == "pkkdata.request"]
    assert len(lines) == 2
    assert lines[0].startswith("method=GET view=households:warga_search status=200 ms=")
    assert f"user={cast.users['kader'].pk} unit=-" in lines[0]
    assert lines[1].endswith(f"unit={cast.dw.pk}")
    text = "\n".join(lines)
    assert NIK not in text and cast.users["kader"].username not in text


@override_settings(ADMINS=[("admin", "admin@example.id")], DEBUG=False)
def test_an_error_mail_carries_no_posted_value_no_query_and_no_number(client, cast, monkeypatch):
    def broken(user):
        try:  # as a database error wraps the driver's, whose text names the value
            raise ValueError(f"DETAIL: Key (nik)=({NIK}) already exists")
        except ValueError as cause:
            raise RuntimeError(f"duplicate key value violates unique constraint: Key (nik)=({NIK})") from cause

    monkeypatch.setattr(views, "inbox_for", broken)
    client.raise_request_exception = False
    client.force_login(cast.users["kader"])
    response = client.post(reverse("home") + f"?q={NIK}", {"nama": "Siti Rahayu", "nik": NIK})
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    body = message.body + "".join(str(alt[0]) for alt in getattr(message, "alternatives", []))
    assert "RuntimeError" in body and "[nomor]" in body
    assert NIK not in body and NIK not in message.subject and "Siti Rahayu" not in body


def test_sentry_events_lose_the_request_data_the_user_and_every_number():
    event = {
        "request": {"url": "/warga/", "query_string": f"q={NIK}", "data": {"nik": NIK}, "cookies": {"s": "x"},
                    "headers": {"User-Agent": "HP", "Cookie": "sessionid=x", "Referer": f"/?q={NIK}"}},
        "user": {"id": 7, "username": "kader1", "email": "k@example.id", "ip_address": "10.0.0.1"},
        "exception": {"values": [{"type": "IntegrityError", "value": f"Key (nik)=({NIK}) already exists",
                                  "stacktrace": {"frames": [{"function": "f", "vars": {"nik": NIK}}]}}]},
        "logentry": {"message": f"NIK {NIK}", "params": [NIK]},
        "breadcrumbs": {"values": [{"message": f"SELECT ... '{NIK}'", "data": {"sql": NIK}}]},
        "extra": {"nik": NIK},
    }  # fmt: skip
    cleaned = scrub_event(event)
    assert NIK not in repr(cleaned)
    assert cleaned["user"] == {"id": 7} and cleaned["request"]["headers"] == {"User-Agent": "HP"}
    assert cleaned["exception"]["values"][0]["value"] == "Key (nik)=([nomor]) already exists"


def test_console_lines_and_their_tracebacks_carry_no_number():
    formatter = PersonalDataFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError(f"Key (nik)=({NIK}) already exists")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "gagal untuk %s", (NIK,), sys.exc_info())
    line = formatter.format(record)
    assert NIK not in line and "ValueError" in line and "[nomor]" in line
