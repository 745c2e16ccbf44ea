"""Benchmark of the streamed Data Warga of a whole kelurahan (households/exports/kelurahan.py,
DataWargaKelurahanExporter): time and memory while the file is built and sent, for the largest
kelurahan of the database and for one about half its size, and the same for the dasawisma file (built
in memory) of the largest dasawisma, to show that memory follows the size of a dasawisma, not of the
kelurahan.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_d
    DEBUG=1 python manage.py migrate && DEBUG=1 python manage.py seed_demo --force    # or --scale 50000
    python bench/data_warga_stream.py                                          # --runs 5

The database is only read; it needs the demo data of seed_demo (any data set works: the script looks
for the kelurahan with the most active warga). Each run is a fresh Python process (so that one run's
memory cannot hide the next one's), which sets Django up, loads the user and the unit, and then measures
exporter.render(...) and the reading of the whole content (what the response sends), as:

- seconds: wall-clock time, in runs without tracemalloc (it slows Python down);
- RSS growth: the highest resident set size seen while producing the file (sampled every 2 ms from
  /proc/self/statm) minus the size just before, in the same runs;
- Python peak: tracemalloc's peak of Python allocations during the render, in separate runs.

It prints every run and the medians. Django runs with DEBUG off (no query log) and a throwaway
SECRET_KEY when none is set.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from benchsetup import setup_django

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class RssPeak:
    """The highest RSS seen while the block runs, sampled by a thread."""

    def __init__(self, every=0.002):
        self.every, self.peak, self._stop = every, 0, threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.every)

    def __enter__(self):
        self.start = _rss()
        self.peak = self.start
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _user():
    from hierarchy.models import User

    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        sys.exit("Tidak ada akun administrator: jalankan dulu manage.py seed_demo pada basis data ini.")
    return user


def child(form, unit_pk, trace):
    """One measured run, in this (fresh) process: prints a JSON line."""
    setup_django()
    import tracemalloc

    from django.db import connection

    from documents.exporters import Period, get_exporter
    from hierarchy.models import Unit

    user, unit, exporter = _user(), Unit.objects.get(pk=unit_pk), get_exporter(form)
    period = Period(time.localtime().tm_year)
    connection.ensure_connection()
    if trace:
        tracemalloc.start()
    with RssPeak() as rss:
        started = time.perf_counter()
        result = exporter.render(user=user, target=unit, period=period, edition="rakernas-x", fmt="xlsx")
        built = time.perf_counter() - started
        content = result.content
        size = len(content) if isinstance(content, bytes) else sum(len(piece) for piece in content)
        seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"seconds": seconds, "built": built, "bytes": size, "rss": rss.peak - rss.start,
                      "python": python_peak}))  # fmt: skip


def _run_child(form, unit_pk, trace):
    command = [sys.executable, __file__, "--child", form, str(unit_pk)] + (["--trace"] if trace else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _cases():
    from django.db.models import Count, Q

    from hierarchy.levels import Level
    from hierarchy.models import Unit
    from households.exports.kelurahan import kelurahan_totals
    from households.models import StatusWarga

    aktif = Q(rumah_tangga__keluarga__anggota__status=StatusWarga.AKTIF, rumah_tangga__tanggal_keluar__isnull=True)
    dasawisma = list(
        Unit.objects.filter(level=Level.DASAWISMA)
        .annotate(warga=Count("rumah_tangga__keluarga__anggota", filter=aktif))
        .values("pk", "name", "desa_id", "warga")
    )
    per_desa = {}
    for dw in dasawisma:
        per_desa[dw["desa_id"]] = per_desa.get(dw["desa_id"], 0) + dw["warga"]
    if not per_desa or max(per_desa.values()) == 0:
        sys.exit("Belum ada warga: jalankan dulu manage.py seed_demo pada basis data ini.")
    largest = max(per_desa, key=per_desa.get)
    half = min((pk for pk in per_desa if pk != largest), key=lambda pk: abs(per_desa[pk] - per_desa[largest] / 2),
               default=None)  # fmt: skip
    cases = []
    for pk in [largest] if half is None else [largest, half]:
        kelurahan = Unit.objects.get(pk=pk)
        listed = kelurahan_totals(kelurahan)["warga"]  # the rows of the file
        cases.append(("data-warga-kelurahan", pk, f"kelurahan {kelurahan.name}", listed))
    top = max((dw for dw in dasawisma if dw["desa_id"] == largest), key=lambda dw: dw["warga"])
    cases.append(("data-warga", top["pk"], f"dasawisma {top['name']} (berkas di memori)", top["warga"]))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("FORM", "UNIT"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.trace)
        return
    setup_django()
    from django.db import connection

    from households.exports.kelurahan import MEMBERS_PER_FETCH

    cases = _cases()
    print(f"Basis data: {connection.vendor} {connection.settings_dict['NAME']}; {args.runs} proses per ukuran; "
          f"{MEMBERS_PER_FETCH} warga per pengambilan")  # fmt: skip
    mb = 1024 * 1024
    summary = []
    for form, unit_pk, label, warga in cases:
        timed = [_run_child(form, unit_pk, trace=False) for _ in range(args.runs)]
        traced = [_run_child(form, unit_pk, trace=True) for _ in range(args.runs)]
        print(f"\n{label}: {warga} warga, {form}")
        for run in timed:
            print(f"  {run['seconds']:.2f} s (berkas siap {run['built']:.2f} s), {run['bytes'] / 1024:.0f} KiB, "
                  f"RSS +{run['rss'] / mb:.1f} MiB")  # fmt: skip
        print("  Python peak (tracemalloc): " + ", ".join(f"{run['python'] / mb:.2f} MiB" for run in traced))
        summary.append((label, warga, timed, traced))
    print("\nMedian:")
    header = ("kasus", "warga", "detik", "warga/detik", "KiB", "RSS naik MiB", "Python peak MiB")
    rows = []
    for label, warga, timed, traced in summary:
        seconds = statistics.median(r["seconds"] for r in timed)
        rows.append((label, str(warga), f"{seconds:.2f}", f"{warga / seconds:.0f}",
                     f"{statistics.median(r['bytes'] for r in timed) / 1024:.0f}",
                     f"{statistics.median(r['rss'] for r in timed) / mb:.1f}",
                     f"{statistics.median(r['python'] for r in traced) / mb:.2f}"))  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = enumerate(zip(row, widths, strict=True))
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in cells))


if __name__ == "__main__":
    main()
