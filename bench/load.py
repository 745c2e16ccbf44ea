"""Load test (issue 14: fast for everyone at once): many people using the application at the same time
through gunicorn, each signed in through the real login form, each waiting 3-6 s between clicks.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_scale    # seed_demo --scale 50000
    python bench/load.py --start --users 50 --duration 180                    # 50 people, 3 minutes
    python bench/load.py --start --ramp 25,50,100,150,200 --step-seconds 60   # until p95 passes 500 ms
    python bench/load.py --url http://127.0.0.1:8000 --users 50               # a server already running

--start runs collectstatic into a temporary directory and starts gunicorn on that database as
deployed (pkkdata.wsgi, --workers 3, DEBUG off, no HTTPS), and stops it at the end. Only the standard
library is used to make the requests (one thread per person, a new connection per request as
gunicorn's sync workers close each one); Django is set up in this process only to look up, once, the
units and households of the demo accounts of seed_demo (demo-kader ... demo-kota, all with the password
demo-pkk unless --password).

The people are mostly cadres and RT chairs: of every 50, 20 kader, 10 ketua dasawisma, 10 ketua RT, 5
kelurahan, 3 kecamatan and 2 kota (several people share a demo account, each with a session of their
own). What each role clicks is in ACTIONS: the home page, the household list, a household, the event
forms (GET), the monthly report and the RT's inbox; the kelurahan, kecamatan and kota also open the
dashboard, completeness and recap pages, and now and then download a recap (the download form, then
its POST: a file is made and registered as in production).

Logins: Django's default password hasher is slow by design, so each person signs in once, before the
measurement. One person per account signs in first, one after another; if any login fails the run
stops at once, so that django-axes (a lock-out after LOGIN_FAILURE_LIMIT failures per username) is
never tripped. A page answered with the login page (a lost session) counts as an error.

Printed: the requests per second completed in the measurement window, p50/p95/p99/max and errors per
kind of page and overall, and (with --start) the CPU time per request of the gunicorn workers and of
the database's PostgreSQL backends, read from /proc.

--ramp adds people step by step (each step: new people sign in, --settle seconds pass, then
--step-seconds are measured) and stops at the first step whose p95 is above --p95-limit ms: of every
click, or with --p95-of kader of the cadres' and RT chairs' clicks only (the kota dashboard alone takes
about 0.8 s, so the p95 of every click is near 500 ms with few people). The throughput where p95
crosses the limit is interpolated between the last two steps.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchsetup import DEMO_ACCOUNTS, ROOT, demo_homes, setup_django

ACCOUNTS = DEMO_ACCOUNTS
# Of every 50 people: who they are.
MIX = {"demo-kader": 20, "demo-ketua-dasawisma": 10, "demo-rt": 10, "demo-kelurahan": 5, "demo-kecamatan": 3,
       "demo-kota": 2}  # fmt: skip
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_PATH = "/masuk/"


# -- the pages ---------------------------------------------------------------------------------------


def discover(password):
    """The addresses each account clicks, from the demo data (Django in this process, read once)."""
    setup_django()
    from django.db import connections
    from django.urls import reverse
    from django.utils import timezone

    from hierarchy.levels import Level
    from hierarchy.models import Unit
    from households.models import RumahTangga
    from pkkdata import periods

    _, home = demo_homes()
    dw, rt, desa = home["demo-kader"], home["demo-rt"], home["demo-kelurahan"]
    kec, kota = home["demo-kecamatan"], home["demo-kota"]
    today = timezone.localdate()
    tahun, bulan = periods.shift_month(today.year, today.month, -1)

    def rumah_tangga(dasawisma):
        ids = list(RumahTangga.objects.filter(dasawisma__in=dasawisma).values_list("pk", flat=True)[:200])
        return [reverse("households:rumah_tangga_detail", args=[pk]) for pk in ids]

    rt_dasawisma = list(Unit.objects.filter(level=Level.DASAWISMA, rt_id=rt.pk))
    events = [reverse(f"reports:{name}_add", args=[dw.pk]) for name in ("kehamilan", "kelahiran", "kematian")]

    def monthly(unit):
        return reverse("reports:laporan_unit", args=[unit.pk, tahun, bulan])

    def area(unit, download):
        """What a kelurahan, kecamatan or kota person opens: (kind, weight, addresses) with kinds named
        by the level; a download is ("unduh", weight, [form address])."""
        level = {Level.DESA: "kelurahan", Level.KECAMATAN: "kecamatan", Level.KABKOTA: "kota"}[unit.level]
        actions = [
            (f"beranda {level}", 3, [reverse("home")]),
            (f"dasbor {level}", 2, [reverse("recaps:dasbor", args=[unit.pk])]),
            (f"kelengkapan {level}", 1, [reverse("reports:kelengkapan", args=[unit.pk])]),
            (f"rekap tahunan {level}", 1, [reverse("recaps:rekap_tahunan", args=[unit.pk, today.year])]),
            (f"rekap bulanan {level}", 1, [reverse("recaps:rekap_bulanan", args=[unit.pk, tahun, bulan])]),
            ("unduh", 0.5, [download]),
        ]
        if level == "kelurahan":
            actions.append(("laporan bulanan kelurahan", 1, [monthly(unit)]))
        return actions

    cadre = [
        ("beranda kader", 2, [reverse("home")]),
        ("daftar rumah tangga", 3, [reverse("households:rumah_tangga_list", args=[dw.pk])]),
        ("rumah tangga", 4, rumah_tangga([dw])),
        ("formulir peristiwa", 2, events),
    ]
    actions = {
        "demo-kader": cadre,
        "demo-ketua-dasawisma": [*cadre, ("laporan bulanan dasawisma", 1, [monthly(dw)])],
        "demo-rt": [
            ("beranda RT (kotak masuk)", 3, [reverse("home")]),
            ("laporan bulanan RT", 2, [monthly(rt)]),
            ("kelengkapan RT", 1, [reverse("reports:kelengkapan", args=[rt.pk])]),
            ("daftar rumah tangga", 1, [reverse("households:rumah_tangga_list", args=[d.pk]) for d in rt_dasawisma]),
            ("rumah tangga", 2, rumah_tangga(rt_dasawisma)),
        ],
        "demo-kelurahan": area(desa, reverse("recaps:rekap_unduh_tahunan", args=[desa.pk, today.year])),
        "demo-kecamatan": area(kec, reverse("recaps:rekap_unduh_tahunan", args=[kec.pk, today.year])),
        "demo-kota": area(kota, reverse("recaps:rekap_unduh_bulanan", args=[kota.pk, tahun, bulan])),
    }
    for conn in connections.all():
        conn.close()
    return actions


# -- one person --------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # when it ended (monotonic)
    kind: str
    ms: float
    error: str = ""
    group: str = ""  # CADRES or AREAS: whose click it was


@dataclass
class Stats:
    samples: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample):
        with self.lock:
            self.samples.append(sample)

    def window(self, start, end):
        with self.lock:
            return [s for s in self.samples if start <= s.at < end]


class Person:
    """One browser: its cookies, its own session, its clicks."""

    def __init__(self, number, account, host, port, actions, stats):
        self.number, self.account = number, account
        self.host, self.port = host, port
        self.actions, self.stats = actions, stats
        self.cookies = {}
        self.random = random.Random(number)

    def _request(self, method, path, body=None):
        headers = {"Host": self.host, "User-Agent": "pkk-bench-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", content

    def login(self, password):
        status, _, page = self._request("GET", LOGIN_PATH)
        token = CSRF_FIELD.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"{self.account}: halaman masuk menjawab {status}")
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": self.account, "password": password}
        status, location, _ = self._request("POST", LOGIN_PATH, urlencode(form))
        if status != 302 or LOGIN_PATH in location:
            raise RuntimeError(f"{self.account}: gagal masuk (status {status}): berhenti sebelum django-axes mengunci")

    def timed(self, kind, method, path, body=None, expect=200):
        started = time.monotonic()
        error = ""
        content = b""
        try:
            status, location, content = self._request(method, path, body)
            if status != expect:
                error = f"status {status}" + (" (halaman masuk)" if LOGIN_PATH in location else "")
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        ended = time.monotonic()
        group = CADRES if self.account in ACCOUNTS[:3] else AREAS
        self.stats.add(Sample(ended, kind, (ended - started) * 1000, error, group))
        return content

    def click(self):
        kinds = self.actions
        kind, _, paths = self.random.choices(kinds, weights=[w for _, w, _ in kinds])[0]
        path = self.random.choice(paths)
        if kind != "unduh":
            self.timed(kind, "GET", path)
            return
        page = self.timed("formulir unduh rekap", "GET", path)
        token = CSRF_FIELD.search(page)
        if token:
            form = {"csrfmiddlewaretoken": token.group(1).decode(), "format": "xlsx", "kertas": "A4"}
            self.think(1, 2)
            self.timed("unduh rekap XLSX", "POST", path, urlencode(form))

    def think(self, low, high):
        return STOP.wait(self.random.uniform(low, high))

    def run(self, low, high):
        if self.think(0, high):  # spread the first clicks
            return
        while not STOP.is_set():
            self.click()
            if self.think(low, high):
                return


STOP = threading.Event()
CADRES, AREAS = "kader, ketua dasawisma, RT", "kelurahan, kecamatan, kota"


# -- where the CPU goes ------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of the web workers (the children of the started gunicorn) and of the PostgreSQL
    backends of the database (their process title names it), read from /proc once a second; a backend
    that ends (CONN_MAX_AGE) keeps what was last read of it."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid, database):
        self.server_pid, self.database = server_pid, database
        self.seen = {}  # pid -> (group, first, last)
        self.lock = threading.Lock()
        threading.Thread(target=self._loop, daemon=True).start()

    def _read(self):
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ")
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[1].split()
            ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / self.TICK
            if ppid == self.server_pid:
                found[int(entry)] = ("web", cpu)
            elif cmdline.startswith(b"postgres: ") and f" {self.database} ".encode() in cmdline:
                found[int(entry)] = ("db", cpu)
        return found

    def _loop(self):
        while not STOP.wait(1):
            self.sample()

    def sample(self):
        found = self._read()
        with self.lock:
            for pid, (group, cpu) in found.items():
                first = self.seen.get(pid, (group, cpu, cpu))[1]
                self.seen[pid] = (group, first, cpu)

    def mark(self):
        """The CPU seconds so far of each group (for a difference between two marks)."""
        self.sample()
        with self.lock:
            totals = {"web": 0.0, "db": 0.0}
            for group, first, last in self.seen.values():
                totals[group] += last - first
            return totals


# -- the server --------------------------------------------------------------------------------------


def start_server(port, workers, database_url, replica_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": tempfile.mkdtemp(prefix="pkk-load-static-"),
        "REQUEST_LOG_LEVEL": "WARNING",
    }
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = Path(python).with_name("gunicorn")
    command = [str(gunicorn), "pkkdata.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--timeout", "60", "--no-control-socket"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    server.static_root = env["STATIC_ROOT"]  # removed by stop_server
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", LOGIN_PATH, headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit("gunicorn berhenti sebelum siap.")
        time.sleep(0.5)
    stop_server(server)
    sys.exit("gunicorn tidak menjawab dalam 60 detik.")


def stop_server(server):
    if server is not None and server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    if server is not None:
        shutil.rmtree(server.static_root, ignore_errors=True)


# -- the figures -------------------------------------------------------------------------------------


def percentile(values, p):
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(samples, seconds):
    times = [s.ms for s in samples]
    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 2),
        "errors": sum(1 for s in samples if s.error),
        "p50": round(percentile(times, 50)) if times else None,
        "p95": round(percentile(times, 95)) if times else None,
        "p99": round(percentile(times, 99)) if times else None,
        "max": round(max(times)) if times else None,
        "mean": round(statistics.fmean(times)) if times else None,
    }


def table(samples, seconds):
    kinds = sorted({s.kind for s in samples})
    rows = [(k, summary([s for s in samples if s.kind == k], seconds)) for k in kinds]
    rows += [(f"semua klik {g}", summary([s for s in samples if s.group == g], seconds)) for g in (CADRES, AREAS)]
    rows.append(("semua", summary(samples, seconds)))
    header = ("halaman", "permintaan", "per detik", "p50 ms", "p95 ms", "p99 ms", "maks ms", "galat")
    lines = [header] + [
        (k, str(f["requests"]), f"{f['per_second']:.2f}", str(f["p50"]), str(f["p95"]), str(f["p99"]),
         str(f["max"]), str(f["errors"]))
        for k, f in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        out.append("| " + " | ".join(cells) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out), dict(rows)


def errors_seen(samples):
    seen = {}
    for s in samples:
        if s.error:
            seen[f"{s.kind}: {s.error}"] = seen.get(f"{s.kind}: {s.error}", 0) + 1
    return seen


# -- the run -----------------------------------------------------------------------------------------


def people_for(count):
    """count people spread over the accounts as MIX says (largest remainder), in a stable order."""
    total = sum(MIX.values())
    exact = {a: count * n / total for a, n in MIX.items()}
    share = {a: int(x) for a, x in exact.items()}
    for a in sorted(exact, key=lambda a: exact[a] - share[a], reverse=True)[: count - sum(share.values())]:
        share[a] += 1
    order = []
    while len(order) < count:
        for a in ACCOUNTS:
            if sum(1 for x in order if x == a) < share[a]:
                order.append(a)
    return order[:count]


def sign_in(people, password, probe):
    """Everyone signs in once: the first person of each account alone (a wrong password stops the run
    after one failure), then the others two at a time."""
    first = [p for p in people if p.account not in probe]
    seen = set()
    for person in first:
        if person.account not in seen:
            seen.add(person.account)
            person.login(password)
            probe.add(person.account)
    rest = [p for p in people if not p.cookies.get("sessionid")]
    failures = []

    def worker(batch):
        for person in batch:
            try:
                person.login(password)
            except RuntimeError as exc:
                failures.append(str(exc))
                return

    threads = [threading.Thread(target=worker, args=(rest[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(failures[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--start", action="store_true", help="start gunicorn on DATABASE_URL for the run")
    where.add_argument("--url", help="a server already running, e.g. http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (deploy/pkkdata-web.service: 3)")
    parser.add_argument("--replica-url", default="", help="DATABASE_REPLICA_URL for the started server")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", default="3,6", help="seconds between clicks, low,high")
    parser.add_argument("--duration", type=float, default=180, help="seconds measured (without --ramp)")
    parser.add_argument("--ramp", default="", help="people at each step, e.g. 25,50,100,150,200")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=15, help="seconds after a step's logins, not measured")
    parser.add_argument("--p95-limit", type=float, default=500)
    parser.add_argument(
        "--p95-of",
        choices=["semua", "kader"],
        default="semua",
        help="whose p95 stops the ramp: every click, or the cadres' and RT chairs' only",
    )
    parser.add_argument("--password", default="demo-pkk")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    steps = [int(x) for x in args.ramp.split(",")] if args.ramp else [args.users]
    database_url = os.environ.get("DATABASE_URL", "")
    if args.start and not database_url.startswith("postgres"):
        parser.error("--start: set DATABASE_URL to the seeded PostgreSQL database")

    actions = discover(args.password)
    server = None
    if args.start:
        server = start_server(args.port, args.workers, database_url, args.replica_url)
        host, port = "127.0.0.1", args.port
    else:
        parts = urlsplit(args.url)
        host, port = parts.hostname, parts.port or 80
    stats = Stats()
    meter = CpuMeter(server.pid, urlsplit(database_url).path.lstrip("/")) if server else None
    people, threads, probe, results = [], [], set(), []
    accounts = people_for(max(steps))
    try:
        for count in steps:
            new = [Person(n, accounts[n], host, port, actions[accounts[n]], stats) for n in range(len(people), count)]
            started = time.monotonic()
            sign_in(new, args.password, probe)
            print(f"{count} orang: {len(new)} masuk dalam {time.monotonic() - started:.1f} s", file=sys.stderr)
            people += new
            for person in new:
                thread = threading.Thread(target=person.run, args=(low, high), daemon=True)
                thread.start()
                threads.append(thread)
            settle = args.settle if args.ramp else high
            time.sleep(settle)
            seconds = args.step_seconds if args.ramp else args.duration
            begin, cpu_begin = time.monotonic(), meter.mark() if meter else None
            time.sleep(seconds)
            cpu_end = meter.mark() if meter else None
            samples = stats.window(begin, begin + seconds)
            text, rows = table(samples, seconds)
            judged = rows["semua"] if args.p95_of == "semua" else rows[f"semua klik {CADRES}"]
            step = {"users": count, "seconds": seconds, "load": os.getloadavg()[0], **rows["semua"],
                    "judged_p95": judged["p95"], "pages": rows, "errors_seen": errors_seen(samples)}  # fmt: skip
            if cpu_begin and samples:
                for group in ("web", "db"):
                    spent = cpu_end[group] - cpu_begin[group]
                    step[f"{group}_cpu_ms_per_request"] = round(spent * 1000 / len(samples), 1)
                    step[f"{group}_cores"] = round(spent / seconds, 2)
            results.append(step)
            print(f"\n{count} orang, jeda {low:g}-{high:g} s, {seconds:g} s diukur, load {step['load']:.1f}:")
            print(text)
            if "web_cores" in step:
                print(f"CPU per permintaan: web {step['web_cpu_ms_per_request']} ms, PostgreSQL "
                      f"{step['db_cpu_ms_per_request']} ms (inti terpakai: web {step['web_cores']}, "
                      f"PostgreSQL {step['db_cores']})")  # fmt: skip
            if step["errors_seen"]:
                print("galat:", step["errors_seen"])
            sys.stdout.flush()
            if args.ramp and step["judged_p95"] is not None and step["judged_p95"] > args.p95_limit:
                break
    finally:
        STOP.set()
        for thread in threads:
            thread.join(10)
        stop_server(server)

    if args.ramp:
        print(f"\n| orang | per detik | p50 ms | p95 ms | p99 ms | galat | p95 ms ({args.p95_of}) | load |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            print(f"| {r['users']} | {r['per_second']:.1f} | {r['p50']} | {r['p95']} | {r['p99']} | {r['errors']} "
                  f"| {r['judged_p95']} | {r['load']:.1f} |")  # fmt: skip
        over = [r for r in results if r["judged_p95"] > args.p95_limit]
        if over and len(results) > 1 and results[-2]["judged_p95"] <= args.p95_limit:
            a, b = results[-2], results[-1]
            share = (args.p95_limit - a["judged_p95"]) / (b["judged_p95"] - a["judged_p95"])
            rate = a["per_second"] + share * (b["per_second"] - a["per_second"])
            print(f"\np95 melewati {args.p95_limit:g} ms sekitar {rate:.1f} permintaan/detik "
                  f"(antara {a['users']} dan {b['users']} orang).")  # fmt: skip
        elif not over:
            print(f"\np95 tetap di bawah {args.p95_limit:g} ms sampai {results[-1]['users']} orang.")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
