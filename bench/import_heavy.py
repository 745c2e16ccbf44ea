"""Benchmark of heavy workbooks at the import's door (issue 11): how long households.importer.read
.read_dataset takes to read, or to refuse, a file that passes the byte and row limits but not the cell
and column limits. No database is needed.

    .venv/bin/python bench/import_heavy.py [--runs 3]

Builds three workbooks with openpyxl's write-only mode (which writes no <dimension> size declaration:
the worst case for openpyxl) in a temporary folder, and prints the median of --runs timings of each:

- extra-columns: 5,000 rows of the template plus filled columns up to about 2.2 million cells (5 MB):
  refused by the cell budget while the archive is streamed, before openpyxl opens it;
- wide-under-budget: 1,200 rows with content in 200 columns right of the template: refused for the
  content outside the template's columns;
- template-5000: a legitimate template of 5,000 rows: read in full (the figure must not regress).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
os.environ.setdefault("DEBUG", "1")


def _row(i, width):
    values = [1, "Melati 1", str(i // 4), f"Jl. Kenari {i // 4}", f"64740212051{i // 4:05d}",
              f"647402{(i % 28) + 1:02d}0190{i % 10000:04d}", f"Warga {i}", "", "L", "Bontang",
              "01-01-1990", "Lajang", "Anak", "Islam", "SMA/sederajat", "Swasta"]  # fmt: skip
    return values + [None] * (width - len(values))


def _build(path, rows, extra):
    from openpyxl import Workbook

    from households.importer.columns import HEADERS, SHEET_TITLE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.append(list(HEADERS))
    for i in range(rows):
        sheet.append(_row(i, len(HEADERS)) + [(j // 50) % 10 for j in range(extra)])
    book.save(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from households.importer.columns import HEADERS, MAX_ROWS
    from households.importer.read import ImportFileError, read_dataset

    with tempfile.TemporaryDirectory() as folder:
        files = {
            "extra-columns": _build(Path(folder, "extra.xlsx"), MAX_ROWS, 2_200_000 // MAX_ROWS - len(HEADERS)),
            "wide-under-budget": _build(Path(folder, "wide.xlsx"), 1200, 200),
            "template-5000": _build(Path(folder, "template.xlsx"), MAX_ROWS, 0),
        }
        for label, path in files.items():
            data, times, outcome = path.read_bytes(), [], ""
            for _ in range(args.runs):
                started = time.perf_counter()
                try:
                    outcome = f"{len(read_dataset(data, path.name))} rows read"
                except ImportFileError as exc:
                    outcome = "refused: " + exc.message[:70]
                times.append(time.perf_counter() - started)
            runs = ", ".join(f"{t:.2f}" for t in times)
            print(f"{label} ({len(data) / 1e6:.1f} MB): median {statistics.median(times):.2f} s ({runs}) -> {outcome}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
