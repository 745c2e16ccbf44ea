"""Logging in: throttled by username (a kelurahan office shares one IP), sessions for shared phones."""

from django.conf import settings
from django.urls import reverse

from hierarchy.models import User


def _try(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_password_is_explained_in_bahasa(client, db):
    User.objects.create_user("ani", password="Benar-Sekali-99")
    body = _try(client, "ani", "salah", "10.0.0.1").content.decode()
    assert "Nama pengguna atau kata sandi salah" in body


def test_username_is_locked_after_repeated_failures_whatever_the_ip(client, db):
    User.objects.create_user("ani", password="Benar-Sekali-99")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "ani", "salah", f"10.0.0.{attempt + 1}")
    response = _try(client, "ani", "Benar-Sekali-99", "10.0.9.9")
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk" in response.content.decode()


def test_another_username_from_the_same_office_ip_still_logs_in(client, db):
    User.objects.create_user("ani", password="Benar-Sekali-99")
    User.objects.create_user("budi", password="Benar-Sekali-98")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "ani", "salah", "10.0.0.1")
    assert _try(client, "budi", "Benar-Sekali-98", "10.0.0.1").status_code == 302


def test_session_ends_with_the_browser_and_after_idle_time():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert "pkkdata.middleware.SessionRefreshMiddleware" in settings.MIDDLEWARE  # the idle time slides
    assert settings.SESSION_COOKIE_AGE <= 4 * 3600


def test_logout_needs_post_and_forgets_the_session(client, cast):
    client.force_login(cast.users["kader"])
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302
