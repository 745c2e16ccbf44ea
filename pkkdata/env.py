"""Strict readers for settings that come from environment variables.

Each helper either returns a typed value or raises ImproperlyConfigured with a message that names
the variable, so that a typo in a deployment stops start-up instead of running with a silent default.
"""

import os
import zoneinfo
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on", "ya"}
_FALSE = {"0", "false", "no", "off", "tidak", ""}


def _raw(name, environ):
    value = (environ if environ is not None else os.environ).get(name)
    return None if value is None else value.strip()


def env_str(name, default=None, *, required=False, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} wajib diisi (environment variable {name} is required).")
        return default
    return value


def env_bool(name, default=False, *, environ=None):
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} bukan nilai ya/tidak yang sah; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name, default, *, minimum=None, maximum=None, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} harus bilangan bulat (must be an integer).") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={number} di luar batas {minimum}..{maximum} (out of range).")
    return number


def env_list(name, default=(), *, environ=None):
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} berisi entri kosong (comma-separated list with an empty item).")
    return items


def env_timezone(name, default, *, environ=None):
    value = env_str(name, default, environ=environ)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} bukan zona waktu IANA yang dikenal (e.g. Asia/Makassar)."
        ) from None
    return value


def env_database(name, default_sqlite_path: Path, *, environ=None):
    """DATABASE_URL: unset means the SQLite file; postgres://user:pass@host:port/db or sqlite:///path."""
    value = env_str(name, None, environ=environ)
    if value is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path)}
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise ImproperlyConfigured(f"{name}: a SQLite URL is sqlite:///relative.db or sqlite:////absolute/path.db")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path[1:] if path.startswith("/") else path}
    if scheme in {"postgres", "postgresql", "pgsql"}:
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise ImproperlyConfigured(
                f"{name}: the PostgreSQL URL names no database (postgres://user@host:5432/NAME)."
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}: the port is not a number.") from None
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": dbname,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        if options:
            config["OPTIONS"] = options
        return config
    raise ImproperlyConfigured(f"{name}: unsupported scheme {scheme!r}; use postgres:// or sqlite:///")
