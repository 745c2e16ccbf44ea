"""Benchmark of the onboarding of a kelurahan from one workbook (the onboarding app): groups and cadres.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_onboarding python bench/onboarding.py
    DATABASE_URL=sqlite:////tmp/pkk_bench_onboarding.sqlite3 python bench/onboarding.py

The database named in DATABASE_URL is dropped and created again (a SQLite file is deleted) and
migrated; a separate Python process builds the test cast's tree (hierarchy/tests/cast.py) and a TP PKK
kota account, then for each size and each of --runs runs creates a new empty kelurahan and times,
through the functions the views call:

- preview: onboarding.sheet.read_sheet() + plan.analyse() of the workbook (the preview page);
- confirm: read_sheet() + services.onboard() (the analysis again, every group, account and role
  through hierarchy.services, in one transaction);
- again: preview + confirm of the same file once more (everything found, nothing written).

Sizes: the example of docs/examples (2 RW, 6 RT, 18 dasawisma, 46 people) and a large kelurahan
(5 RW, 40 RT, 160 dasawisma, 367 people). The passwords are hashed as in production (settings'
PASSWORD_HASHERS: a one-time password with hierarchy.hashers). Prints medians of wall-clock time.

The database is DESTROYED: its name must contain "bench" unless --force is given.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchsetup import ROOT
from import_warga import _database, _recreate

SIZES = {
    "contoh (2 RW, 6 RT, 18 dasawisma)": {"seed": 2026, "rw": 2, "rt_per_rw": 3, "dasawisma_per_rt": 3},
    "besar (5 RW, 40 RT, 160 dasawisma)": {"seed": 7, "rw": 5, "rt_per_rw": 8, "dasawisma_per_rt": 4},
}


def _worker(runs):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
    import django

    django.setup()
    from django.db import connection

    from demo.onboarding import example_rows
    from hierarchy import services as hierarchy_services
    from hierarchy.levels import Level, Role
    from hierarchy.models import Unit, User
    from hierarchy.tests.cast import START, build_cast
    from onboarding.plan import analyse
    from onboarding.services import onboard
    from onboarding.sheet import build_template, read_sheet

    cast = build_cast()
    kec = Unit.objects.create(level=Level.KECAMATAN, code="64.74.01", name="Bontang Utara", parent=cast.kota,
                              active_from=START)  # fmt: skip
    staff = User.objects.create_user("bench-kota", first_name="Staf Kota", home_unit=cast.kota)
    hierarchy_services.role_grant(actor=cast.admin, user=staff, role=Role.TP_KABKOTA, unit=cast.kota)
    results = {}
    serial = 0
    for label, size in SIZES.items():
        runs_of_size = []
        for run in range(runs):
            # Other people in every run: the same phone numbers would be found as existing accounts.
            rows = example_rows(**{**size, "seed": size["seed"] * 100 + run})
            data = build_template("bench", rows)
            serial += 1
            desa = Unit.objects.create(level=Level.DESA, code=f"64.74.01.{1000 + serial}", name=f"Bench {serial}",
                                       parent=kec, active_from=START)  # fmt: skip
            actor = User.objects.get(pk=staff.pk)

            started = time.perf_counter()
            plan = analyse(read_sheet(data, "kelompok.xlsx"), actor=actor, desa=desa)
            preview_s = time.perf_counter() - started
            started = time.perf_counter()
            _plan, created = onboard(read_sheet(data, "kelompok.xlsx"), actor=actor, desa=desa)
            confirm_s = time.perf_counter() - started
            actor = User.objects.get(pk=staff.pk)
            started = time.perf_counter()
            again = analyse(read_sheet(data, "kelompok.xlsx"), actor=actor, desa=desa)
            _plan2, created_again = onboard(read_sheet(data, "kelompok.xlsx"), actor=actor, desa=desa)
            again_s = time.perf_counter() - started
            runs_of_size.append(
                {
                    "rows": len(rows),
                    "preview": preview_s,
                    "confirm": confirm_s,
                    "again": again_s,
                    "groups": plan.counts["kelompok_baru"],
                    "accounts": len(created),
                    "again_new": again.counts["kelompok_baru"] + again.counts["akun_baru"] + len(created_again),
                    "errors": len(plan.errors),
                    "load": os.getloadavg()[0],
                }
            )
        results[label] = runs_of_size
    print(json.dumps({"vendor": connection.vendor, "results": results}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.runs)
        return
    url = os.environ.get("DATABASE_URL", "")
    config = _database(url)
    if "bench" not in str(config["NAME"]) and not args.force:
        sys.exit("The database is destroyed: its name must contain 'bench' (or give --force).")
    _recreate(config)
    env = dict(os.environ, DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True, env=env, cwd=ROOT)
    output = subprocess.run(
        [sys.executable, __file__, "--worker", "--runs", str(args.runs)],
        check=True, env=env, cwd=ROOT, capture_output=True, text=True,
    ).stdout  # fmt: skip
    report = json.loads(output.strip().splitlines()[-1])
    print(f"database: {report['vendor']}, {args.runs} runs, medians")
    print("| size | rows | groups | new accounts | preview | confirm | preview + confirm again | new the second time |")
    print("|---|---|---|---|---|---|---|---|")
    for label, runs in report["results"].items():

        def median(key, runs=runs):
            return statistics.median(r[key] for r in runs)

        first = runs[0]
        print(
            f"| {label} | {first['rows']} | {first['groups']} | {first['accounts']} | {median('preview'):.2f} s | "
            f"{median('confirm'):.2f} s | {median('again'):.2f} s | {max(r['again_new'] for r in runs)} |"
        )
    print(f"load average at the end: {runs[-1]['load']:.1f}")


if __name__ == "__main__":
    main()
