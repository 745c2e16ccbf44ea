"""Benchmark of the main pages, each requested alone as the role that would see it (issue 14: a page
costs what its own area costs).

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE pkk_bench_scale"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_scale
    DEBUG=1 python manage.py migrate
    DEBUG=1 python manage.py seed_demo --scale 50000     # about 50,000 rumah tangga, 180,000 warga
    python bench/pages.py                                # --runs 7 --only dasbor --json out.json

It needs the demo accounts of seed_demo, one per role on one chain through Kelurahan Berbas Tengah
(demo-kader, demo-ketua-dasawisma, demo-rt, demo-kelurahan, demo-kecamatan, demo-kota). Each page is
requested through Django's test Client logged in as its user (force_login: a real session row, read
and written on every request as in production), in the full middleware stack, with DEBUG off (the
cached template loader, no query log besides the counting). Every page is asked once to warm up,
then --runs times; the script prints for each the size of its own area (the dasawisma under the unit
it shows), the median and minimum wall-clock time of the whole request, the number of queries (which
must not vary between runs), the size of the HTML, and the target (100 ms; 200 ms for the kecamatan
and kota dashboards and completeness pages). A page that does not answer 200 stops the script.

The database is only read, except the session rows of the benchmark's logins and the per-dasawisma
counts the recaps keep (recaps.ringkasan: the script first counts ahead what is old, as the hourly
housekeeping does, and says how long that took, so the runs measure the usual case; --anew deletes them
before every request, the worst case: a large area then counts itself and keeps nothing). The months are the
running year (4.17c) and last month (the monthly pages, 4.19c). Static files are named without the
production manifest (no collectstatic needed); the request log is kept quiet.
"""

import argparse
import json
import os
import statistics
import sys
import time

from benchsetup import DEMO_ACCOUNTS, demo_homes, setup_django

TARGET_MS = 100
TARGET_LARGE_MS = 200  # the kecamatan and kota dashboards and completeness pages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="only the pages whose label contains this text")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument(
        "--anew",
        action="store_true",
        help="the worst case: the kept per-dasawisma counts (recaps.ringkasan) deleted before every request, "
        "so that every dasawisma of the area is counted again (a morning before housekeeping ran)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
    setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from hierarchy.levels import Level
    from hierarchy.models import Unit
    from households.models import RumahTangga, Warga
    from pkkdata import periods
    from recaps.models import RingkasanDasawisma
    from recaps.recaps import keep_ahead

    names = DEMO_ACCOUNTS
    users, home = demo_homes()
    dasawisma, rt, desa = home["demo-kader"], home["demo-rt"], home["demo-kelurahan"]
    kecamatan, kota = home["demo-kecamatan"], home["demo-kota"]
    today = timezone.localdate()
    tahun, bulan = periods.shift_month(today.year, today.month, -1)

    def unit_url(name, unit, *more):
        return reverse(name, args=[unit.pk, *more])

    # (label, user, address, target in ms, the unit whose area the page shows)
    pages = [
        ("beranda kader", "demo-kader", reverse("home"), TARGET_MS, dasawisma),
        ("beranda ketua dasawisma", "demo-ketua-dasawisma", reverse("home"), TARGET_MS, dasawisma),
        ("beranda ketua RT (kotak masuk)", "demo-rt", reverse("home"), TARGET_MS, rt),
        ("beranda kelurahan", "demo-kelurahan", reverse("home"), TARGET_MS, desa),
        ("beranda kecamatan", "demo-kecamatan", reverse("home"), TARGET_MS, kecamatan),
        ("beranda kota", "demo-kota", reverse("home"), TARGET_MS, kota),
        ("rumah tangga dasawisma", "demo-kader", unit_url("households:rumah_tangga_list", dasawisma), TARGET_MS,
         dasawisma),
        ("laporan bulanan dasawisma", "demo-ketua-dasawisma", unit_url("reports:laporan_unit", dasawisma, tahun, bulan),
         TARGET_MS, dasawisma),
        ("laporan bulanan RT", "demo-rt", unit_url("reports:laporan_unit", rt, tahun, bulan), TARGET_MS, rt),
        ("laporan bulanan kelurahan", "demo-kelurahan", unit_url("reports:laporan_unit", desa, tahun, bulan),
         TARGET_MS, desa),
        ("kelengkapan RT", "demo-rt", unit_url("reports:kelengkapan", rt), TARGET_MS, rt),
        ("kelengkapan kelurahan", "demo-kelurahan", unit_url("reports:kelengkapan", desa), TARGET_MS, desa),
        ("kelengkapan kecamatan", "demo-kecamatan", unit_url("reports:kelengkapan", kecamatan), TARGET_LARGE_MS,
         kecamatan),
        ("kelengkapan kota", "demo-kota", unit_url("reports:kelengkapan", kota), TARGET_LARGE_MS, kota),
        ("dasbor kelurahan", "demo-kelurahan", unit_url("recaps:dasbor", desa), TARGET_MS, desa),
        ("dasbor kecamatan", "demo-kecamatan", unit_url("recaps:dasbor", kecamatan), TARGET_LARGE_MS, kecamatan),
        ("dasbor kota", "demo-kota", unit_url("recaps:dasbor", kota), TARGET_LARGE_MS, kota),
        ("rekap 4.17c kota", "demo-kota", unit_url("recaps:rekap_tahunan", kota, today.year), TARGET_MS, kota),
        ("rekap 4.19c kota", "demo-kota", unit_url("recaps:rekap_bulanan", kota, tahun, bulan), TARGET_MS, kota),
    ]  # fmt: skip
    pages = [p for p in pages if args.only.lower() in p[0].lower()]
    if not pages:
        sys.exit(f"Tidak ada halaman yang cocok dengan --only {args.only!r}.")

    clients = {}
    for name in names:
        clients[name] = Client()
        clients[name].force_login(users[name])

    def request(name, url):
        response = clients[name].get(url, secure=True)
        if response.status_code != 200:
            sys.exit(f"{url} sebagai {name}: status {response.status_code}, bukan 200.")
        return len(response.content)

    totals = {
        "rumah tangga": RumahTangga.objects.count(),
        "warga": Warga.objects.count(),
        "dasawisma": Unit.objects.filter(level=Level.DASAWISMA).count(),
    }
    # The size of each page's own area: the dasawisma under its unit.
    area = {
        unit.pk: Unit.objects.filter(level=Level.DASAWISMA, **{f"{unit.level}_id": unit.pk}).count()
        for unit in {p[4] for p in pages}
    }
    print(f"Basis data: {connection.vendor} {connection.settings_dict['NAME']}, {args.runs} kali per halaman"
          + (", tanpa ringkasan tersimpan (--anew)" if args.anew else ""))  # fmt: skip
    print("; ".join(f"{label}: {n:,}" for label, n in totals.items()).replace(",", "."))
    if not args.anew:
        started = time.perf_counter()
        done = keep_ahead(timezone.now())
        print(f"Rapikan, langkah ringkasan (seperti tiap jam): {done}, {time.perf_counter() - started:.1f} s.")
    print()

    header = ("halaman", "sebagai", "dasawisma", "kueri", "median ms", "min ms", "HTML KB", "target ms", "")
    rows, figures = [], []
    # The manifest of collectstatic is not needed to measure pages: plain static names.
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        for label, name, url, target, unit in pages:
            request(name, url)  # warm-up
            times, counts, size = [], set(), 0
            for _ in range(args.runs):
                if args.anew:
                    RingkasanDasawisma.objects.all().delete()
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    size = request(name, url)
                    times.append(time.perf_counter() - started)
                counts.add(len(ctx.captured_queries))
            median = statistics.median(times) * 1000
            queries = "/".join(str(n) for n in sorted(counts))
            rows.append(
                (
                    label,
                    name,
                    str(area[unit.pk]),
                    queries,
                    f"{median:.1f}",
                    f"{min(times) * 1000:.1f}",
                    f"{size / 1024:.1f}",
                    str(target),
                    "" if median <= target else "di atas target",
                )
            )
            figures.append(
                {"page": label, "user": name, "url": url, "dasawisma": area[unit.pk], "queries": sorted(counts),
                 "median_ms": round(median, 1), "min_ms": round(min(times) * 1000, 1), "html_bytes": size,
                 "target_ms": target, "times_ms": [round(t * 1000, 1) for t in times]}
            )  # fmt: skip
            print(f"  {label}: {median:.1f} ms", file=sys.stderr)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i <= 1 or i == len(row) - 1 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    print(f"\nBeban mesin (load average): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"database": connection.settings_dict["NAME"], "anew": args.anew, "totals": totals,
                       "pages": figures}, out, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
