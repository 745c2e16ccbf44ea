"""The strict environment helpers, and the settings module started under bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pkkdata.env import env_bool, env_database, env_int, env_list, env_str, env_timezone

ROOT = Path(__file__).resolve().parents[2]


def test_bool_accepts_the_usual_words_and_rejects_others():
    assert env_bool("X", environ={"X": "ya"}) is True and env_bool("X", environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured, match="X='maybe'"):
        env_bool("X", environ={"X": "maybe"})


def test_int_range_and_type():
    assert env_int("N", 5, environ={"N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="N='tujuh'"):
        env_int("N", 5, environ={"N": "tujuh"})
    with pytest.raises(ImproperlyConfigured, match="N=0"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_list_refuses_empty_items():
    assert env_list("H", environ={"H": "a.id, b.id"}) == ["a.id", "b.id"]
    with pytest.raises(ImproperlyConfigured, match="H="):
        env_list("H", environ={"H": "a.id,,b.id"})


def test_required_string():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_str("SECRET_KEY", required=True, environ={})


def test_timezone():
    assert env_timezone("TZ", "Asia/Makassar", environ={}) == "Asia/Makassar"
    with pytest.raises(ImproperlyConfigured, match="Asia/Bontang"):
        env_timezone("TZ", "UTC", environ={"TZ": "Asia/Bontang"})


def test_database_urls(tmp_path):
    assert env_database("D", tmp_path / "x.db", environ={})["NAME"] == str(tmp_path / "x.db")
    pg = env_database("D", None, environ={"D": "postgres://pkk:s%40ndi@db.local:6543/pkk?sslmode=require"})
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql", "pkk", "pkk", "s@ndi", "db.local", "6543",
    )  # fmt: skip
    assert pg["OPTIONS"] == {"sslmode": "require"}
    assert env_database("D", None, environ={"D": "sqlite:////var/lib/pkk.db"})["NAME"] == "/var/lib/pkk.db"
    for bad in ["mysql://x/y", "postgres://host:port/db", "postgres://host/"]:
        with pytest.raises(ImproperlyConfigured, match="D"):
            env_database("D", None, environ={"D": bad})


def _start(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "HTTPS"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "pkkdata.settings", **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "kadang"}, "DEBUG"),
        ({"DEBUG": "1", "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
        ({"DEBUG": "1", "DATABASE_URL": "oracle://x/y"}, "DATABASE_URL"),
        ({"DEBUG": "1", "SESSION_IDLE_MINUTES": "lama"}, "SESSION_IDLE_MINUTES"),
        ({"DEBUG": "0", "SECRET_KEY": "pendek"}, "SECRET_KEY"),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(env, named):
    result = _start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr.splitlines()[-1]
