"""Benchmark of the kelurahan import (households/importer/kelurahan.py): 5,000 warga rows spread over
about 30 dasawisma of one kelurahan, preview and commit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_import_kelurahan python bench/import_kelurahan.py
    DATABASE_URL=sqlite:////tmp/pkk_bench_import_kelurahan.sqlite3 python bench/import_kelurahan.py

The database named in DATABASE_URL is dropped and created again (a SQLite file is deleted) and
migrated; a separate Python process builds the test cast's tree (hierarchy/tests/cast.py) with
--dasawisma dasawisma (default 30) in Berbas Tengah (its three, the others in new RW and RT), and writes
the rows bench/import_warga.py generates (--rows, default 5,000: households of one or two keluarga, valid
NIK and No. KK) into the kelurahan template, the households in blocks, one block of households per
dasawisma, the Dasawisma cell filled on the first row of each household only (by its path in the
kelurahan, or for every other dasawisma by its name alone), saved with shared strings as Excel saves
it. Then, for each of --runs runs (default 3), on an empty kelurahan, TP PKK kelurahan as the uploader,
it times through the functions the views and the job call:

- upload: read.read_dataset() + read.dataset_to_json() (the upload request: the workbook read once, its
  rows kept);
- preview: read.dataset_from_json() + kelurahan.analyse_kelurahan() (the preview page; the confirm
  request does the same once more before it starts the job);
- commit: read.dataset_from_json() + kelurahan.commit_kelurahan() (the job: everything analysed again,
  then each dasawisma committed with write.commit in its own transaction);
- re-import: preview + commit of the same file again (everything found, nothing written).

and prints the medians, wall-clock and the CPU time of this process, with the load average. The target
is upload + preview + confirm + commit under 30 s.

The database is DESTROYED: its name must contain "bench" unless --force is given. Django runs with
DEBUG off and a throwaway random SECRET_KEY when none is set.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from import_warga import excel_like, generate, run_worker

ROOT = Path(__file__).resolve().parent.parent


def build_kelurahan(cast, count):
    """The cast's Berbas Tengah with `count` dasawisma: its three, the others 'Dahlia NN' in new RW/RT
    (five dasawisma per RT, four RT per RW). Returns the dasawisma, in file order."""
    from hierarchy.levels import Level
    from hierarchy.models import Unit

    start = cast.dw.active_from
    dasawisma = [cast.dw, cast.dw_b, cast.dw_c]
    rw = rt = None
    for number in range(1, count - len(dasawisma) + 1):
        if (number - 1) % 20 == 0:
            code = f"{10 + number // 20:02d}"
            rw = Unit.objects.create(level=Level.RW, code=code, name=code, parent=cast.kel, active_from=start)
        if (number - 1) % 5 == 0:
            rt = Unit.objects.create(
                level=Level.RT, code=f"{100 + number:03d}", name=f"{100 + number:03d}", parent=rw, active_from=start
            )
        dasawisma.append(
            Unit.objects.create(
                level=Level.DASAWISMA, code=f"DW{number:02d}", name=f"Dahlia {number:02d}", parent=rt, active_from=start
            )
        )
    return dasawisma[:count]


def spread(rows, dasawisma, label_of):
    """The rows with their Dasawisma cell: the households in equal blocks, one block per dasawisma, the
    cell filled on a household's first row only (the others follow it)."""
    households = []
    for row in rows:
        if not households or households[-1][0]["No. Registrasi RT"] != row["No. Registrasi RT"]:
            households.append([])
        households[-1].append(dict(row))
    per = -(-len(households) // len(dasawisma))
    out = []
    for index, household in enumerate(households):
        unit = dasawisma[min(index // per, len(dasawisma) - 1)]
        household[0]["Dasawisma"] = label_of(unit, index // per)
        out += household
    return out


def workbook_bytes(desa, labels, rows):
    """The kelurahan template filled with the rows, as TP PKK would upload it."""
    import io

    from openpyxl import load_workbook

    from documents import xlsx
    from households.importer.columns import HEADERS, SHEET_TITLE
    from households.importer.template import build_kelurahan_template

    book = load_workbook(io.BytesIO(build_kelurahan_template(str(desa), labels)))
    sheet = book[SHEET_TITLE]
    index = {header: position + 1 for position, header in enumerate(HEADERS)}
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            xlsx.put(sheet, number, index[header], value)
    return xlsx.to_bytes(book)


def _worker(rows, runs, count):
    """Child process: build the tree, generate the file, time upload/preview/commit/re-import, print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from hierarchy.tests.cast import build_cast
    from households.importer.analyse import ERROR, NEW, UNCHANGED
    from households.importer.kelurahan import Directory, analyse_kelurahan, commit_kelurahan
    from households.importer.read import dataset_from_json, dataset_to_json, read_dataset
    from households.models import Keluarga, RumahTangga, Warga

    cast = build_cast()
    dasawisma = build_kelurahan(cast, count)
    directory = Directory(cast.kel, timezone.localdate())
    label_of = {u.pk: directory.label(directory.by_pk[u.pk]) for u in dasawisma}
    spread_rows = spread(generate(rows), dasawisma, lambda u, i: label_of[u.pk] if i % 2 == 0 else u.name)
    data = excel_like(workbook_bytes(cast.kel, directory.open_labels(), spread_rows))
    stored = {}

    def clear():
        RumahTangga.objects.update(krt=None)
        Warga.objects.all().delete()
        Keluarga.objects.all().delete()
        RumahTangga.objects.all().delete()
        for model in (Warga, Keluarga, RumahTangga):
            model.history.all().delete()

    def upload():
        stored["rows"] = dataset_to_json(read_dataset(data, "data-warga-kelurahan.xlsx"))

    def preview():
        return analyse_kelurahan(dataset_from_json(stored["rows"]), actor=user, desa=cast.kel)

    def commit():
        dataset = dataset_from_json(stored["rows"])
        return commit_kelurahan(dataset, actor=user, desa=cast.kel, strict=False, progress=lambda done, total: None)

    def timed(func):
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        cpu_seconds[func.__name__] = time.process_time() - cpu
        return time.perf_counter() - started, result

    cpu_seconds = {}
    results = []
    for _run in range(runs):
        clear()
        user = type(cast.users["kelurahan"]).objects.get(pk=cast.users["kelurahan"].pk)  # fresh grants
        upload_s, _ = timed(upload)
        preview_s, first = timed(preview)
        first_cpu = dict(cpu_seconds)
        commit_s, done = timed(commit)
        first_cpu["commit"] = cpu_seconds["commit"]
        again_preview_s, again = timed(preview)
        again_commit_s, _ = timed(commit)
        results.append(
            {
                "upload": upload_s,
                "preview": preview_s,
                "commit": commit_s,
                "reimport_preview": again_preview_s,
                "reimport_commit": again_commit_s,
                "upload_cpu": first_cpu["upload"],
                "preview_cpu": first_cpu["preview"],
                "commit_cpu": first_cpu["commit"],
                "load": os.getloadavg()[0],
                "dasawisma": len(first.groups),
                "saved": len(done.saved),
                "new": done.new,
                "errors": first.counts[ERROR],
                "new_in_preview": first.counts[NEW],
                "unchanged_after": again.counts[UNCHANGED],
                "warga": Warga.objects.count(),
                "keluarga": Keluarga.objects.count(),
                "rumah_tangga": RumahTangga.objects.count(),
                "history": Warga.history.count(),
            }
        )
    print(json.dumps({"vendor": connection.vendor, "bytes": len(data), "runs": results}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--dasawisma", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="allow a database name without 'bench'")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dasawisma < 3:
        parser.error("--dasawisma: at least 3 (the cast's own)")
    if args.worker:
        _worker(args.rows, args.runs, args.dasawisma)
        return

    worker = ["--rows", str(args.rows), "--runs", str(args.runs), "--dasawisma", str(args.dasawisma)]
    config, report = run_worker(parser, __file__, worker, force=args.force, example="pkk_bench_import_kelurahan")
    runs = report["runs"]
    for number, r in enumerate(runs, start=1):
        print(
            f"run {number}: upload {r['upload']:.2f} s, preview {r['preview']:.2f} s (CPU {r['preview_cpu']:.2f} s), "
            f"commit {r['commit']:.2f} s (CPU {r['commit_cpu']:.2f} s) ({r['saved']} of {r['dasawisma']} dasawisma, "
            f"{r['new']:,} warga, {r['keluarga']:,} keluarga, {r['rumah_tangga']:,} rumah tangga, "
            f"{r['errors']} rows with errors); re-import preview {r['reimport_preview']:.2f} s, "
            f"commit {r['reimport_commit']:.2f} s ({r['unchanged_after']:,} unchanged, "
            f"{r['history']:,} warga history rows); load average {r['load']:.1f}",
            flush=True,
        )

    def median(key):
        return statistics.median(r[key] for r in runs)

    total = median("upload") + 2 * median("preview") + median("commit")
    print(
        f"\n{report['vendor']} {config['NAME']} (DEBUG=0), {args.rows:,} rows over {runs[0]['dasawisma']} dasawisma, "
        f"{report['bytes'] / 1024:.0f} KB, median of {len(runs)} runs:"
    )
    print(f"  upload (read the workbook):  {median('upload'):.2f} s (CPU {median('upload_cpu'):.2f} s)")
    print(f"  preview (analyse):           {median('preview'):.2f} s (CPU {median('preview_cpu'):.2f} s)")
    print(f"  commit (the job):            {median('commit'):.2f} s (CPU {median('commit_cpu'):.2f} s)")
    print(f"  preview + commit:            {median('preview') + median('commit'):.2f} s")
    print(f"  upload + preview + confirm's analysis + commit: {total:.2f} s (target < 30 s)")
    print(f"  re-import preview / commit:  {median('reimport_preview'):.2f} s / {median('reimport_commit'):.2f} s")


if __name__ == "__main__":
    main()
