"""The deployment end to end (issue 13), as deploy/pkkdata-web.service and deploy/pkkdata-worker.service
run it: gunicorn serving pkkdata.wsgi and `manage.py db_worker` as two processes of their own, with DEBUG
off, static files collected, the queue in the database (TASK_BACKEND=db) and the files in PRIVATE_DIR.

A browser's walk over real HTTP: /healthz answers 200 (which needs the worker's heartbeat), the
kelurahan logs in through the login form (CSRF token and cookie), asks for its whole Data Warga, watches
/pekerjaan/<id>/ until the worker has built it, and downloads the workbook with its members. The job was
run by the worker process (its worker_id is a live Pekerja row). On SIGTERM both processes stop cleanly
(exit code 0) and the worker removes its heartbeat row.

PostgreSQL only: the processes reach the run's test database over DATABASE_URL, which needs the data
committed (a transactional test); SQLite's test database lives in this process's memory."""

import contextlib
import http.cookiejar
import importlib
import io
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import global_settings
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from hierarchy.tests.cast import build_cast
from households.tests.cast import add_households
from households.tests.test_exports_stream import MEMBERS, _names
from jobs.models import Job, Pekerja, Status

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Kelurahan-uji-2026!"
HEALTHY_WITHIN = 30  # seconds
READY_WITHIN = 60
STOPPED_WITHIN = 30


# -- the two processes ---------------------------------------------------------------------------------


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(settings_dict):
    """The run's test database, as an operator writes DATABASE_URL (the settings add their own options)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    login = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{login}{settings_dict['HOST'] or ''}{port}/{quote(settings_dict['NAME'], safe='')}"


def _environment(tmp_path):
    """What /etc/pkkdata/pkkdata.env and the units give the processes: nothing of this test run's own
    environment (DEBUG=1, TASK_BACKEND=immediate, its PRIVATE_DIR) leaks in."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    env.update(
        # gunicorn puts its control socket in $HOME/.gunicorn/: this run's own, not the user's.
        HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="pkkdata.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(64)),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(connection.settings_dict),
        TASK_BACKEND="db",
        PRIVATE_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    return env


class Processes:
    """The started processes, their output in files (a pipe nobody reads would block them)."""

    def __init__(self, tmp_path, env):
        self.tmp_path, self.env, self.started = tmp_path, env, {}

    def start(self, name, command):
        log = (self.tmp_path / f"{name}.log").open("wb")
        self.started[name] = (
            # A session of its own: the cleanup can reach gunicorn's workers too (os.killpg).
            subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            ),
            log,
        )
        return self.started[name][0]

    def output(self):
        parts = []
        for name, (process, log) in self.started.items():
            log.flush()
            text = (self.tmp_path / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} (pid {process.pid}, exit {process.poll()}) ---\n{text[-8000:]}")
        return "\n".join(parts)

    def alive(self):
        for name, (process, _log) in self.started.items():
            assert process.poll() is None, f"{name} exited early ({process.returncode}):\n{self.output()}"

    def stop(self, name):
        """SIGTERM, as systemd stops the unit; the exit code once stopped (None if it did not stop)."""
        process = self.started[name][0]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            return None

    def kill_all(self):
        """Whatever still runs (a failed test): TERM, then KILL for the whole process group."""
        for process, _log in self.started.values():
            if process.poll() is None:
                process.terminate()
        for process, log in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):  # its group: the leader's pid (start_new_session)
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            log.close()


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path, _environment(tmp_path))
    try:
        yield started
    finally:
        print(started.output())  # shown by pytest when the test failed
        started.kill_all()


# -- a browser -------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as the response: the test follows it itself


class Browser:
    def __init__(self, base):
        self.base, self.cookies = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path, data=None, referer=None, timeout=30):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if referer:
            req.add_header("Referer", self.base + referer)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:  # 3xx (not followed) and 4xx/5xx
            with exc:
                return exc.code, exc.headers, exc.read()

    def get(self, path):
        return self.request(path)

    def post(self, path, data, referer):
        return self.request(path, data={"csrfmiddlewaretoken": self.csrf_token(), **data}, referer=referer)

    def csrf_token(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def location(self, headers):
        """The path a redirect sends to (Django sends relative ones)."""
        return urllib.parse.urlsplit(urllib.parse.urljoin(self.base + "/", headers["Location"])).path


def _form_token(html):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, f"no CSRF token in the form:\n{html[:2000]}"
    return match.group(1)


def _wait_healthy(browser, processes):
    deadline, last = time.monotonic() + HEALTHY_WITHIN, "no answer"
    while time.monotonic() < deadline:
        processes.alive()
        try:
            status, _headers, body = browser.get("/healthz")
        except OSError as exc:  # not listening yet
            last = repr(exc)
        else:
            if status == 200:
                return body.decode()
            last = f"{status} {body.decode(errors='replace')}"
        time.sleep(0.5)
    pytest.fail(f"/healthz not 200 within {HEALTHY_WITHIN} s (last: {last}):\n{processes.output()}")


def _wait_ready(browser, processes, page):
    deadline, html = time.monotonic() + READY_WITHIN, ""
    while time.monotonic() < deadline:
        processes.alive()
        status, _headers, body = browser.get(page)
        html = body.decode(errors="replace")
        assert status == 200, f"{page}: {status}\n{html[:2000]}\n{processes.output()}"
        if 'data-status="siap"' in html:
            return html
        assert 'data-status="gagal"' not in html, f"the job failed:\n{html}\n{processes.output()}"
        time.sleep(0.5)
    pytest.fail(f"{page} not ready within {READY_WITHIN} s:\n{html}\n{processes.output()}")


# -- the walk ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the processes reach the test database only on PostgreSQL"
)
@pytest.mark.django_db(transaction=True)  # committed: gunicorn and the worker read it over their own connections
def test_gunicorn_and_the_worker_serve_a_kelurahan_download_and_stop_cleanly(tmp_path, settings, processes):
    # The hash the servers check: the project's hashers, not the tests' fast MD5 (conftest.py).
    project = importlib.import_module("pkkdata.settings")
    settings.PASSWORD_HASHERS = getattr(project, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    cast = add_households(build_cast())
    user = cast.users["kelurahan"]
    user.set_password(PASSWORD)
    user.save()

    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=processes.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collected.returncode == 0, f"collectstatic failed:\n{collected.stdout}\n{collected.stderr}"
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    port = _free_port()
    web = processes.start(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "pkkdata.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"),
            "--no-control-socket",  # as deploy/pkkdata-web.service
        ],
    )
    worker = processes.start(
        "db_worker",
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"],
    )
    browser = Browser(f"http://127.0.0.1:{port}")

    # Up: the database, the migrations, a worker seen, the disk.
    health = _wait_healthy(browser, processes)
    assert '"worker": "ok"' in health, health

    # The login form, with its CSRF token and cookie.
    status, _headers, body = browser.get(reverse("login"))
    assert status == 200, body[:2000]
    token = _form_token(body.decode())
    assert browser.csrf_token()
    status, headers, body = browser.request(
        reverse("login"),
        data={"csrfmiddlewaretoken": token, "username": user.username, "password": PASSWORD, "next": ""},
        referer=reverse("login"),
    )
    assert status == 302, f"login refused ({status}):\n{body.decode(errors='replace')[:3000]}\n{processes.output()}"
    assert browser.location(headers) == reverse("home")
    status, _headers, body = browser.get(reverse("home"))
    assert status == 200, f"home: {status}\n{processes.output()}"
    assert "css/app." in body.decode()  # the collected, hashed stylesheet

    # Asking for the whole kelurahan only queues it; its page shows the job until the worker is done.
    back = reverse("households:unduh_kelurahan", args=[cast.kel.pk])
    status, headers, body = browser.post(reverse("households:unduhan_minta", args=[cast.kel.pk]), {}, referer=back)
    assert status == 302, f"asking refused ({status}):\n{body.decode(errors='replace')[:3000]}\n{processes.output()}"
    job = Job.objects.get(user=user)
    page = browser.location(headers)
    assert page == reverse("jobs:status", args=[job.pk])
    html = _wait_ready(browser, processes, page)
    assert reverse("jobs:berkas", args=[job.pk]) in html

    status, headers, content = browser.get(reverse("jobs:berkas", args=[job.pk]))
    assert status == 200, f"download: {status}\n{processes.output()}"
    assert "attachment" in headers["Content-Disposition"]
    assert _names(load_workbook(io.BytesIO(content)).active) == MEMBERS

    # The worker process did it, and is alive.
    job.refresh_from_db()
    assert job.status == Status.SIAP, job.pesan_galat
    assert job.worker_id, "the job names no worker"
    alive = set(Pekerja.objects.values_list("worker_id", flat=True))
    assert job.worker_id in alive, (job.worker_id, alive)
    assert Pekerja.objects.get(worker_id=job.worker_id).pid == worker.pid

    # SIGTERM, as systemd stops the units: both exit cleanly, the worker takes its heartbeat with it.
    stopped = {"db_worker": processes.stop("db_worker"), "gunicorn": processes.stop("gunicorn")}
    assert stopped == {"db_worker": 0, "gunicorn": 0}, f"{stopped}\n{processes.output()}"
    assert not Pekerja.objects.exists(), processes.output()
    assert web.returncode == 0 and worker.returncode == 0
