"""Benchmark of import_wilayah: all of Indonesia (about 91,600 units) into a fresh database, then a re-run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_wilayah python bench/import_wilayah.py

For each of --runs runs (default 3) the database named in DATABASE_URL is dropped and created again
(a SQLite file is deleted), migrated, and then a separate Python process times
hierarchy.wilayah.import_wilayah() on it twice: the first full import (commit included) and an
immediate re-run that finds everything in place. The medians are printed at the end.

The database is DESTROYED each run: its name must contain "bench" unless --force is given.
Django runs with DEBUG off (as in production: no query log) and a throwaway random SECRET_KEY when none
is set; --debug runs it with DEBUG=1 instead.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _worker():
    """Child process: time the import twice on the already migrated database, print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
    import django

    django.setup()
    from django.db import connection

    from hierarchy.models import Unit
    from hierarchy.wilayah import import_wilayah

    started = time.perf_counter()
    first = import_wilayah()
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = import_wilayah()
    second_seconds = time.perf_counter() - started
    result = {
        "vendor": connection.vendor,
        "import_seconds": first_seconds,
        "rerun_seconds": second_seconds,
        "created": first.created,
        "rerun_created": second.created,
        "rerun_unchanged": second.unchanged,
        "units": Unit.objects.count(),
        "history_rows": Unit.history.count(),
    }
    print(json.dumps(result))


def _database(url):
    sys.path.insert(0, str(ROOT))
    from pkkdata.env import env_database

    return env_database("DATABASE_URL", ROOT / "db.sqlite3", environ={"DATABASE_URL": url})


def _recreate(config):
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        if not path.is_absolute():
            path = ROOT / path
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        name = sql.Identifier(config["NAME"])
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    connection.close()


def _child_env(url, debug):
    env = dict(os.environ, DATABASE_URL=url)
    if debug:
        env["DEBUG"] = "1"
    else:
        env["DEBUG"] = "0"
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # throwaway, for this benchmark only
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--debug", action="store_true", help="run Django with DEBUG=1")
    parser.add_argument("--force", action="store_true", help="allow a database name without 'bench'")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker()
        return

    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/pkk_bench_wilayah")
    config = _database(url)
    if "bench" not in Path(config["NAME"]).name and not args.force:
        parser.error(f"database {config['NAME']!r} is dropped each run: use a name with 'bench' or --force")

    env = _child_env(url, args.debug)
    results = []
    for run in range(1, args.runs + 1):
        _recreate(config)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        done = subprocess.run(
            [sys.executable, __file__, "--worker"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"run {run}: import {result['import_seconds']:.2f} s ({result['created']:,} units created), "
            f"re-run {result['rerun_seconds']:.2f} s ({result['rerun_created']} created, "
            f"{result['rerun_unchanged']:,} unchanged); {result['units']:,} units, "
            f"{result['history_rows']:,} history rows",
            flush=True,
        )

    print(
        f"\n{results[0]['vendor']} {config['NAME']} (DEBUG={'1' if args.debug else '0'}), "
        f"median of {len(results)} runs:"
    )
    print(f"  full import of Indonesia: {statistics.median(r['import_seconds'] for r in results):.2f} s")
    print(f"  re-run (nothing to do):   {statistics.median(r['rerun_seconds'] for r in results):.2f} s")


if __name__ == "__main__":
    main()
