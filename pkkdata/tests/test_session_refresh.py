"""pkkdata.middleware.SessionRefreshMiddleware: the idle timeout slides with use, but a signed-in
person's session row is written at most once a minute, not on every click."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pkkdata import middleware

pytestmark = pytest.mark.django_db


def _session_writes(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and "SELECT" not in q["sql"][:8]]


def test_a_session_is_written_at_most_once_a_minute(client, cast, monkeypatch, settings):
    settings.PKK_SESSION_REFRESH_SECONDS = 60  # as in production (the test run's is longer: testenv)
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    clock = [1_800_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(cast.users["kader"])
    home = reverse("home")

    assert _session_writes(client, home)  # the first page notes when it was written
    expiry = Session.objects.get().expire_date
    clock[0] += 5
    assert not _session_writes(client, home)
    clock[0] += 54
    assert not _session_writes(client, reverse("households:rumah_tangga_list", args=[cast.dw.pk]))
    clock[0] += 1
    assert _session_writes(client, home)  # a minute on: written again, so the idle time slides
    assert Session.objects.get().expire_date >= expiry


def test_a_page_that_changes_the_session_still_writes_it(client, cast, monkeypatch):
    clock = [1_800_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(cast.users["kader"])
    client.get(reverse("home"))
    assert client.post(reverse("logout")).status_code == 302  # the session flushed: nothing kept
    assert not Session.objects.exists()
    assert client.get(reverse("login")).status_code == 200
    assert not Session.objects.exists()  # an anonymous page makes no session
