"""pytest plugin loaded before Django starts (see pytest.ini): test runs are development runs, so
DEBUG defaults to on (a random SECRET_KEY kept out of the repository, no HTTPS redirect). Django's
test runner still runs the tests themselves with DEBUG off.

Background jobs run inline (the immediate task backend: deterministic, inside the test's transaction)
and write to a private directory of this run, removed at its end, never to the checkout's var/. The
read replica alias is a test mirror of the default database."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("TASK_BACKEND", "immediate")
# A signed-in test client's session is written by its first page only (pkkdata.middleware.
# SessionRefreshMiddleware; 60 s in production), so that the queries a test counts do not depend on how
# long it has run. pkkdata/tests/test_session_refresh.py sets the minute back.
os.environ.setdefault("SESSION_REFRESH_SECONDS", "3600")
# A read replica alias in every run, a test mirror of the test database (no second server): the router
# (pkkdata.dbrouter) runs as in production. Inside a test's transaction it reads "default"; the tests that
# show reads reaching the replica commit their data (tests/test_read_replica.py).
os.environ.setdefault("DATABASE_REPLICA_URL", os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3")
if "PRIVATE_DIR" not in os.environ:
    _private_dir = tempfile.mkdtemp(prefix="pkk-privat-")
    os.environ["PRIVATE_DIR"] = _private_dir
    atexit.register(shutil.rmtree, _private_dir, ignore_errors=True)


# -- one clock for the whole run ---------------------------------------------------------------------
# Tests compute "today" when their module loads and the code computes it again when it runs; a run that
# crossed midnight in the project's time zone would see two different days. So the run's clock is the
# real clock moved back or forward to read 08:00 local time when the run starts, then running at real
# speed: the date stays today's for sixteen hours, and nothing in the code has to know about tests.
# Code reads the time through django.utils.timezone (now, localdate, localtime), never the naive
# datetime.date.today() / datetime.now() (ruff's DTZ rules keep it so).
import datetime as _datetime
import zoneinfo as _zoneinfo

from django.utils import timezone as _timezone

_real_now = _timezone.now
_zone = _zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE") or "Asia/Makassar")
_local = _datetime.datetime.now(_datetime.UTC).astimezone(_zone)
_SHIFT = _local.replace(hour=8, minute=0, second=0, microsecond=0) - _local


def _run_clock() -> _datetime.datetime:
    return _real_now() + _SHIFT


_timezone.now = _run_clock
