"""Benchmark of the Excel import (the households/importer package): 5,000 warga rows, preview and commit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_import python bench/import_warga.py
    DATABASE_URL=sqlite:////tmp/pkk_bench_import.sqlite3 python bench/import_warga.py

The database named in DATABASE_URL is dropped and created again (a SQLite file is deleted) and
migrated; a separate Python process builds the test cast's tree (hierarchy/tests/cast.py) and
generates a realistic .xlsx of --rows warga (default 5,000) for dasawisma Melati 1: households of one
or two keluarga, keluarga of one to six members, valid NIK and No. KK, dates as date cells and as
DD-MM-YYYY text, choices written as the paper form's labels and as short codes, saved with its text in
a shared-strings table as Excel, LibreOffice and WPS save it (--inline-strings keeps openpyxl's inline
text cells, about twice as slow to read: the worst case). Then, for each of --runs runs (default 3),
on an empty dasawisma, it times through the functions the views call:

- preview: read.read_dataset() + analyse.analyse() (what the preview page does);
- commit: read.read_dataset() + write.commit() (the confirm: the analysis again, then every
  write, in bulk with its history rows, in one transaction);
- re-import: preview + commit of the same file again (everything found, nothing written).

and prints the medians: wall-clock time, and the CPU time of the Python process (which includes
SQLite's work but not PostgreSQL's server) as a figure that a busy machine disturbs less, with the
load average. The target is preview + commit under 30 s.

The database is DESTROYED: its name must contain "bench" unless --force is given. Django runs with
DEBUG off (as in production: no query log) and a throwaway random SECRET_KEY when none is set.
"""

import argparse
import datetime
import io
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _nik(rng, born, sex, serials):
    day = born.day + (40 if sex == "P" else 0)
    serial = serials.setdefault((born, sex), rng.randint(1, 40))
    serials[(born, sex)] += 1
    return f"647402{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def generate(rows, seed=20260131):
    """A list of {header: value} rows for one dasawisma, realistic enough to exercise every rule."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    serials = {}
    kk_serial = iter(range(1, 10**6))
    today = datetime.date(2026, 1, 31)

    def born(age_min, age_max):
        return today - datetime.timedelta(days=rng.randint(age_min * 365 + 1, age_max * 365 + 300))

    def date_cell(day):
        return day if rng.random() < 0.5 else day.strftime("%d-%m-%Y")

    def yes_no(p):
        return "Ya" if rng.random() < p else "Tidak"

    out = []
    household = 0
    while len(out) < rows:
        household += 1
        street = fake.street_name()
        house = {
            "No. Registrasi RT": str(household),
            "Alamat": f"{street} No. {rng.randint(1, 200)}",
            "Makanan Pokok": "Beras" if rng.random() < 0.95 else "Non beras",
            "Jamban Keluarga": yes_no(0.9),
            "Sumber Air PDAM": yes_no(0.6),
            "Sumber Air Sumur": yes_no(0.4),
            "Tempat Sampah": yes_no(0.85),
            "SPAL": yes_no(0.8),
            "Stiker P4K": yes_no(0.3),
            "MCK dan Septic Tank": yes_no(0.8),
            "Kriteria Rumah": rng.choice(["Sehat layak huni"] * 9 + ["Tidak sehat layak huni"]),
            "Aktivitas UP2K": "Tidak",
            "Kesehatan Lingkungan": yes_no(0.5),
        }
        if house["Makanan Pokok"] == "Non beras":
            house["Jenis Makanan Pokok Non Beras"] = "Sagu"
        surname = fake.last_name()
        for family in range(1 if rng.random() < 0.85 else 2):
            issued = today - datetime.timedelta(days=rng.randint(30, 6000))
            no_kk = f"647402{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{next(kk_serial):04d}"
            size = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, 6])
            head_sex = "L" if rng.random() < 0.85 else "P"
            members = [("Kepala Keluarga", head_sex, born(25, 75), "Menikah" if size > 1 else "Lajang")]
            if size > 1 and head_sex == "L":
                members.append(("Istri", "P", born(22, 60), "Menikah"))
            while len(members) < size:
                members.append(("Anak", rng.choice("LP"), born(0, 20), "Lajang"))
            for status, sex, birth, kawin in members:
                adult = (today - birth).days > 18 * 365
                row = (
                    dict(house)
                    if family == 0 and status == "Kepala Keluarga"
                    else {
                        "No. Registrasi RT": house["No. Registrasi RT"],
                        "Alamat": house["Alamat"],
                    }
                )
                kb = adult and sex == "P" and kawin == "Menikah" and rng.random() < 0.5
                row.update({
                    "No. KK": no_kk,
                    "NIK": _nik(rng, birth, sex, serials),
                    "Nama": f"{fake.first_name_male() if sex == 'L' else fake.first_name_female()} {surname}",
                    "Jabatan": "",
                    "Jenis Kelamin (L/P)": sex if rng.random() < 0.5 else {"L": "Laki-laki", "P": "Perempuan"}[sex],
                    "Tempat Lahir": rng.choice(["Bontang", "Samarinda", "Balikpapan", "Makassar", "Surabaya"]),
                    "Tanggal Lahir": date_cell(birth),
                    "Status Perkawinan": kawin,
                    "Status Dalam Keluarga": status,
                    "Agama": rng.choice(["Islam"] * 8 + ["Kristen", "Katolik"]),
                    "Pendidikan": rng.choice(["SD/MI", "SMP/sederajat", "SMA/sederajat", "D4/S1"])
                    if adult
                    else "Tidak/belum sekolah",
                    "Pekerjaan": rng.choice(["Swasta", "Wirausaha", "PNS", "Ibu rumah tangga", "Petani"])
                    if adult
                    else "Pelajar/Mahasiswa",
                    "Akseptor KB": "Ya" if kb else "Tidak",
                    "Jenis KB": rng.choice(["Pil", "Suntik", "IUD", "Implan"]) if kb else "",
                    "Aktif Posyandu": "Tidak",
                    "Ikut BKB": yes_no(0.1),
                    "Memiliki Tabungan": yes_no(0.5) if adult else "Tidak",
                    "Ikut Kelompok Belajar": "Tidak",
                    "Ikut PAUD": "Tidak",
                    "Ikut Koperasi": "Ya" if adult and rng.random() < 0.1 else "Tidak",
                    "Buta Baca": "Tidak",
                    "Buta Tulis": "Tidak",
                    "Buta Hitung": "Tidak",
                    "Berkebutuhan Khusus": "Tidak",
                    "Ibu Menyusui": "Tidak",
                })  # fmt: skip
                if row["Ikut Koperasi"] == "Ya":
                    row["Jenis Koperasi"] = "Simpan pinjam"
                out.append(row)
                if len(out) == rows:
                    return out
    return out


def workbook_bytes(dasawisma, rows):
    """The template of the dasawisma filled with the rows, as the cadre would upload it."""
    import io

    from openpyxl import load_workbook

    from documents import xlsx
    from households.importer.columns import HEADERS, SHEET_TITLE
    from households.importer.template import build_template

    book = load_workbook(io.BytesIO(build_template(dasawisma, str(dasawisma))))
    sheet = book[SHEET_TITLE]
    index = {header: position + 1 for position, header in enumerate(HEADERS)}
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            xlsx.put(sheet, number, index[header], value)
    return xlsx.to_bytes(book)


_INLINE = re.compile(rb'<c ([^>]*?) ?t="inlineStr"([^>]*?)(?: ?/>|><is><t(?: [^>]*)?>(.*?)</t></is></c>|></c>)', re.S)
_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def excel_like(data):
    """The workbook as Excel, LibreOffice or WPS save it: text in a shared-strings table. openpyxl writes
    every text cell inline, which takes about twice as long to read."""
    source = zipfile.ZipFile(io.BytesIO(data))
    strings, index = [], {}

    def shared(match):
        attributes, text = (match.group(1) + match.group(2)).strip(), match.group(3)
        if text is None:
            return b"<c " + attributes + b"/>"
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return b"<c " + attributes + b' t="s"><v>' + str(index[text]).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = _INLINE.sub(shared, body)
            elif info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>'
                body = body.replace(b"</Types>", override.encode() + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                relation = f'<Relationship Id="rIdSharedStrings" Type="{_SST}" Target="sharedStrings.xml"/>'
                body = body.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
            target.writestr(info, body)
        items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
        header = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">'
        )
        target.writestr("xl/sharedStrings.xml", header.encode() + items + b"</sst>")
    return out.getvalue()


def _worker(rows, runs, inline_strings):
    """Child process: build the tree, generate the file, time preview/commit/re-import, print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
    import django

    django.setup()
    from django.db import connection

    from hierarchy.tests.cast import build_cast
    from households.importer.analyse import ERROR, NEW, UNCHANGED, analyse
    from households.importer.read import read_dataset
    from households.importer.write import commit as commit_import
    from households.models import Keluarga, RumahTangga, Warga

    cast = build_cast()
    kader = cast.users["kader"]
    data = workbook_bytes(cast.dw, generate(rows))
    if not inline_strings:
        data = excel_like(data)

    def clear():
        RumahTangga.objects.update(krt=None)
        Warga.objects.all().delete()
        Keluarga.objects.all().delete()
        RumahTangga.objects.all().delete()
        for model in (Warga, Keluarga, RumahTangga):
            model.history.all().delete()

    def preview():
        dataset = read_dataset(data, "data-warga.xlsx")
        return analyse(dataset, actor=kader, dasawisma=cast.dw)

    def commit():
        dataset = read_dataset(data, "data-warga.xlsx")
        return commit_import(dataset, actor=kader, dasawisma=cast.dw)

    def timed(func):
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        cpu_seconds[func.__name__] = cpu_seconds.get(func.__name__, 0) + time.process_time() - cpu
        return time.perf_counter() - started, result

    cpu_seconds = {}

    results = []
    for _run in range(runs):
        cpu_seconds.clear()
        clear()
        kader = type(kader).objects.get(pk=kader.pk)  # fresh grants, as in a new request
        preview_s, first = timed(preview)
        commit_s, done = timed(commit)
        first_cpu = dict(cpu_seconds)
        again_preview_s, again = timed(preview)
        again_commit_s, _ = timed(commit)
        results.append(
            {
                "preview": preview_s,
                "commit": commit_s,
                "reimport_preview": again_preview_s,
                "reimport_commit": again_commit_s,
                "preview_cpu": first_cpu["preview"],
                "commit_cpu": first_cpu["commit"],
                "load": os.getloadavg()[0],
                "new": done.counts[NEW],
                "errors": first.counts[ERROR],
                "unchanged_after": again.counts[UNCHANGED],
                "warga": Warga.objects.count(),
                "keluarga": Keluarga.objects.count(),
                "rumah_tangga": RumahTangga.objects.count(),
                "history": Warga.history.count(),
            }
        )
    print(json.dumps({"vendor": connection.vendor, "bytes": len(data), "runs": results}))


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


def run_worker(parser, script, arguments, *, force, example):
    """The database of DATABASE_URL dropped, created and migrated, then `script --worker *arguments` run in
    a child process with DEBUG off: (the database settings, the JSON the worker printed last). The name
    must contain "bench" unless force (example: a name to suggest)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error(f"set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/{example}")
    config = _database(url)
    if "bench" not in Path(config["NAME"]).name and not force:
        parser.error(f"database {config['NAME']!r} is dropped: use a name with 'bench' or --force")

    env = dict(os.environ, DATABASE_URL=url, DEBUG="0")
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # throwaway, for this benchmark only
    _recreate(config)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [sys.executable, script, "--worker", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return config, json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="allow a database name without 'bench'")
    parser.add_argument(
        "--inline-strings", action="store_true", help="keep openpyxl's inline text cells (slower to read)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.rows, args.runs, args.inline_strings)
        return

    worker = ["--rows", str(args.rows), "--runs", str(args.runs)] + (
        ["--inline-strings"] if args.inline_strings else []
    )
    config, report = run_worker(parser, __file__, worker, force=args.force, example="pkk_bench_import")
    runs = report["runs"]
    for number, r in enumerate(runs, start=1):
        print(
            f"run {number}: preview {r['preview']:.2f} s (CPU {r['preview_cpu']:.2f} s), commit {r['commit']:.2f} s "
            f"(CPU {r['commit_cpu']:.2f} s) "
            f"({r['new']:,} warga, {r['keluarga']:,} keluarga, {r['rumah_tangga']:,} rumah tangga, "
            f"{r['errors']} rows with errors); re-import preview {r['reimport_preview']:.2f} s, "
            f"commit {r['reimport_commit']:.2f} s ({r['unchanged_after']:,} unchanged, "
            f"{r['history']:,} warga history rows); load average {r['load']:.1f}",
            flush=True,
        )

    def median(key):
        return statistics.median(r[key] for r in runs)

    print(
        f"\n{report['vendor']} {config['NAME']} (DEBUG=0), {args.rows:,} rows, {report['bytes'] / 1024:.0f} KB "
        f"({'inline' if args.inline_strings else 'shared'} strings), "
        f"median of {len(runs)} runs:"
    )
    print(f"  preview:            {median('preview'):.2f} s (CPU of this process {median('preview_cpu'):.2f} s)")
    print(f"  commit:             {median('commit'):.2f} s (CPU of this process {median('commit_cpu'):.2f} s)")
    print(f"  preview + commit:   {median('preview') + median('commit'):.2f} s (target < 30 s)")
    print(f"  re-import preview:  {median('reimport_preview'):.2f} s")
    print(f"  re-import commit:   {median('reimport_commit'):.2f} s")


if __name__ == "__main__":
    main()
