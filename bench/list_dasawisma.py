"""Benchmark of reading a city-sized data set: the households of one dasawisma with their Data Keluarga
counts, and a name search over the whole kota.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE pkk_bench_scale"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_scale
    DEBUG=1 python manage.py migrate
    DEBUG=1 python manage.py seed_demo --scale 50000     # about 50,000 rumah tangga, 180,000 warga
    python bench/list_dasawisma.py                       # --runs 7 --name sari

The database is only read. It needs the demo accounts of seed_demo: demo-kader (the kader of one
dasawisma) and demo-kota (TP PKK of Kota Bontang). Each case runs once to warm up, then --runs times;
the medians and minimums are printed with the number of queries, which must not grow with the page size:

- the households of the kader's dasawisma, through households.selectors.rumah_tangga_for_user and
  with_counts (the Data Keluarga counts 2-11), for the kader and for the kota user, pages of 5, 10, 25;
- the same list for the kota user over a whole kelurahan (thousands of households), pages of 25 and 100;
- a name search by the kota user (warga nama icontains, the dasawisma of each hit), page 1 and a later
  page of 10, 25 and 100.

The user's grants are dropped before each run, so the query that loads them is counted as in a request.
Django runs with DEBUG off (no query log besides the counting) and a throwaway SECRET_KEY when none is set.
"""

import argparse
import statistics
import sys
import time

from benchsetup import setup_django


def measure(fn, runs):
    """(median seconds, minimum seconds, queries, result) over `runs` runs after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times, counts, result = [], set(), None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        counts.add(len(ctx.captured_queries))
    return statistics.median(times), min(times), counts, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--name", default="sari", help="part of a name to search (default: sari)")
    args = parser.parse_args()
    setup_django()

    from django.core.paginator import Paginator
    from django.db import connection
    from django.utils import timezone

    from hierarchy import access
    from hierarchy.levels import Level
    from hierarchy.models import Unit, User
    from households import selectors
    from households.models import RumahTangga, Warga

    try:
        kader_name, kota_name = "demo-kader", "demo-kota"
        kader = User.objects.get(username=kader_name)
        User.objects.get(username=kota_name)
    except User.DoesNotExist:
        sys.exit("Akun demo tidak ada: jalankan dulu manage.py seed_demo --scale 50000 pada basis data ini.")
    dasawisma = kader.role_assignments.select_related("unit").get().unit
    kelurahan = Unit.objects.get(pk=dasawisma.desa_id)
    today = timezone.localdate()

    def household_list(username, size, **where):
        def run():
            user = users[username]
            access.forget_grants(user)  # loaded once per request: counted here
            qs = selectors.rumah_tangga_for_user(user).filter(**where).select_related("krt")
            qs = selectors.with_counts(selectors.active_rumah_tangga(qs, today), on=today).order_by("krt__nama", "pk")
            page = Paginator(qs, size).get_page(1)
            return [
                (rt.krt.nama if rt.krt else "", rt.jml_anggota, rt.jml_kk, rt.balita_l + rt.balita_p) for rt in page
            ]

        return run

    def name_search(size, page_number):
        def run():
            user = users[kota_name]
            access.forget_grants(user)
            qs = (
                selectors.warga_for_user(user)
                .filter(nama__icontains=args.name)
                .select_related("keluarga__rumah_tangga__dasawisma")
                .order_by("nama", "pk")
            )
            page = Paginator(qs, size).get_page(page_number)
            return [(w.nama, w.keluarga.rumah_tangga.dasawisma.name) for w in page]

        return run

    users = {name: User.objects.get(username=name) for name in (kader_name, kota_name)}
    cases = []
    for size in (5, 10, 25):
        cases.append(
            (f"dasawisma {dasawisma.name}, kader", size, household_list(kader_name, size, dasawisma=dasawisma))
        )
    for size in (5, 10, 25):
        cases.append((f"dasawisma {dasawisma.name}, kota", size, household_list(kota_name, size, dasawisma=dasawisma)))
    for size in (25, 100):
        where = {"dasawisma__desa_id": kelurahan.pk}
        cases.append((f"kelurahan {kelurahan.name}, kota", size, household_list(kota_name, size, **where)))
    for size in (10, 25, 100):
        cases.append((f"cari nama '{args.name}', kota, hal. 1", size, name_search(size, 1)))
    cases.append((f"cari nama '{args.name}', kota, hal. 20", 25, name_search(25, 20)))

    totals = {
        "rumah tangga": RumahTangga.objects.count(),
        "warga": Warga.objects.count(),
        "dasawisma": Unit.objects.filter(level=Level.DASAWISMA).count(),
        f"rumah tangga di {dasawisma.name}": RumahTangga.objects.filter(dasawisma=dasawisma).count(),
        f"rumah tangga di {kelurahan.name}": RumahTangga.objects.filter(dasawisma__desa_id=kelurahan.pk).count(),
        f"warga dengan '{args.name}'": Warga.objects.filter(nama__icontains=args.name).count(),
    }
    print(f"Basis data: {connection.vendor} {connection.settings_dict['NAME']}, {args.runs} kali per kasus")
    print("; ".join(f"{label}: {n:,}" for label, n in totals.items()).replace(",", "."))
    print()
    header = ("kasus", "per hal.", "baris", "kueri", "median ms", "min ms")
    rows = []
    for label, size, fn in cases:
        median, fastest, counts, result = measure(fn, args.runs)
        queries = "/".join(str(n) for n in sorted(counts))
        rows.append((label, str(size), str(len(result)), queries, f"{median * 1000:.1f}", f"{fastest * 1000:.1f}"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    main()
