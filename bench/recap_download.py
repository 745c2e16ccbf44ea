"""Benchmark of the kota recap downloads (recaps/exports.py): the whole exporter, as the web
download and manage.py export_recap run it (the recap, the layout, the verification code and its
register row).

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE pkk_bench_scale"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_scale
    DEBUG=1 python manage.py migrate
    DEBUG=1 python manage.py seed_demo --scale 50000     # or without --scale: the default demo
    python bench/recap_download.py                       # --runs 7 --tahun 2026 --bulan 10

For Kota Bontang (64.74 or --unit), on the database as it is, it times four downloads:

- 4.17c (yearly) as XLSX and as PDF;
- 4.19c (monthly, --tahun/--bulan, default last month; approved numbers) as XLSX and as PDF;

each once to warm up, then --runs times (at least 5), and prints the median and minimum wall-clock
times, the number of queries (which must not vary between runs), the size of the file, and the target:
XLSX under 1 s, PDF under 3 s. Each run is rolled back, so the register rows it writes do not stay; the
account that downloads is the first active superuser. Django runs with DEBUG off (no query log besides
the counting) and a throwaway SECRET_KEY when none is set.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

from benchsetup import setup_django

TARGETS = {"xlsx": 1.0, "pdf": 3.0}


def measure(fn, runs):
    """(median seconds, minimum seconds, {query counts}, size in bytes) after one warm-up; every run is
    rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def once():
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                content = fn()
                elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed, len(ctx.captured_queries), len(content)

    once()
    times, counts, size = [], set(), 0
    for _ in range(runs):
        elapsed, queries, size = once()
        times.append(elapsed)
        counts.add(queries)
    return statistics.median(times), min(times), counts, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--unit", default="64.74", help="the kab/kota code (default 64.74, Kota Bontang)")
    parser.add_argument("--tahun", type=int, default=None)
    parser.add_argument("--bulan", type=int, default=None)
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: at least 5")
    setup_django()

    from django.utils import timezone

    from documents.exporters import Period, get_exporter
    from hierarchy.levels import Level
    from hierarchy.models import Unit, User
    from households.models import RumahTangga, Warga

    kota = Unit.objects.filter(level=Level.KABKOTA, code=args.unit).first()
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if kota is None or user is None:
        sys.exit(f"Needs the kab/kota {args.unit} and an active superuser: run seed_demo first.")
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    tahun = args.tahun or today.year
    bulan = args.bulan or last_month.month
    month_year = args.tahun or last_month.year

    households = RumahTangga.objects.filter(dasawisma__kabkota_id=kota.pk).count()
    members = Warga.objects.filter(keluarga__rumah_tangga__dasawisma__kabkota_id=kota.pk).count()
    print(f"{kota} ({kota.code}): {households} rumah tangga, {members} warga; user {user.username}")
    print(f"{'download':<28} {'median':>8} {'min':>8} {'target':>8} {'queries':>8} {'bytes':>9}")
    failed = False
    for form, period in [("4.17c", Period(tahun)), ("4.19c", Period(month_year, bulan))]:
        exporter = get_exporter(form)
        for fmt in ("xlsx", "pdf"):

            def run(exporter=exporter, period=period, fmt=fmt):
                return exporter.render(
                    user=user, target=kota, period=period, edition=exporter.editions[0], fmt=fmt
                ).content

            median, best, counts, size = measure(run, args.runs)
            ok = median < TARGETS[fmt]
            failed |= not ok
            label = f"{form} {period.label} {fmt.upper()}"
            queries = "/".join(str(c) for c in sorted(counts))
            print(
                f"{label:<28} {median:>7.3f}s {best:>7.3f}s {'<' + str(TARGETS[fmt]) + 's':>8} "
                f"{queries:>8} {size:>9}  {'ok' if ok else 'TOO SLOW'}"
            )
    print(f"runs: {args.runs}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
