"""Benchmark of the recaps above the kelurahan (recaps/recaps.py) against one hand-written SQL
statement each.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE pkk_bench_scale"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pkk_bench_scale
    DEBUG=1 python manage.py migrate
    DEBUG=1 python manage.py seed_demo --scale 50000     # about 50,000 rumah tangga, 180,000 warga
    python bench/recap.py                                # --kode 64.74 --runs 7 --tahun 2026 --bulan 10
    python bench/recap.py --kode 64                      # the provinsi (4.17d; it keeps no monthly form)
    python bench/recap.py --kode 64.74.02 --ringkasan kept

For the unit of --kode (default 64.74, Kota Bontang; a provinsi, a kab/kota or a kecamatan, by its
official code), on the database as it is (only read, except the per-dasawisma counts the yearly recap
keeps in recaps_ringkasandasawisma):

- the yearly recap of its level (4.17d provinsi, 4.17c kab/kota, 4.17b kecamatan; recaps.yearly_recap)
  as of min(today, 31 December of --tahun). For the running year (as of today) it adds up the counts
  kept per dasawisma (recaps.ringkasan), in two ways (--ringkasan, default both):
  "kept" (--kept), the usual case: what is old or missing is first counted ahead as the task queue does
  (recaps.count_ahead_under, once, not timed; its time is printed), then what is kept is added up;
  "anew" (--anew), the worst case: the kept counts of the unit's dasawisma are deleted before every
  call (outside the timed part), so the recap counts its whole area itself (more than
  recaps.ringkasan.BY_LIST_UP_TO old: nothing is kept in the request; the keeping is left to the queue).
  Another year is counted from the data (or read from the year's snapshots once closed): one row.
- the monthly recap of its level (4.19c kab/kota, 4.19b kecamatan; the forms stop at the kab/kota, so
  a provinsi has none and the script says so) of --tahun/--bulan (default: last month), with the
  approved numbers (recaps.monthly_recap, data="disetujui": the stored snapshots) and with the current
  data (data="terkini": the events counted now).

Each is compared with the floor: ONE hand-written SQL statement over the same tables that yields the
same numbers (every row, the JUMLAH row and, monthly, how many reports are approved), one row per child
of the unit (per kab/kota of a provinsi, per kecamatan of a kab/kota, per desa/kelurahan of a
kecamatan) with the units counted in the form's leading columns (a provinsi's: kecamatan, desa, dusun,
RW, RT, dasawisma). The floor is the same whatever is kept. The script asserts that both give the
same numbers, then times them alternately (one warm-up, then --runs runs of each, so that a busy
machine slows both alike) and prints the number of queries of the recap, the median and minimum times
of both, the part of the recap's time spent waiting for the database (the rest is Python: Django
building the queries, reading the rows), and the ratio of the medians (targets: at most 1.5 for the
kota; 1.1 for the provinsi recaps at province scale, issue 14). "pertama" is the recap's first call in
the process (the warm-up), not counted in the medians.

PostgreSQL only (the floors use its date arithmetic). Django runs with DEBUG off (no query log besides
the counting) and a throwaway SECRET_KEY when none is set.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchsetup import setup_django

DEFAULT_KODE = "64.74"  # Kota Bontang, the demo's kota

# The levels the floors are written for: (the unit's own column on every row under it, the column of
# the child each row of its recap stands for, the levels counted in the form's leading columns). The
# leading columns count every level below the rows' level (recaps.count_levels; checked at the start).
FLOOR_LEVELS = {
    "provinsi": ("provinsi_id", "kabkota_id", ["kecamatan", "desa", "dusun", "rw", "rt", "dasawisma"]),
    "kabkota": ("kabkota_id", "kecamatan_id", ["desa", "dusun", "rw", "rt", "dasawisma"]),
    "kecamatan": ("kecamatan_id", "desa_id", ["dusun", "rw", "rt", "dasawisma"]),
}
RINGKASAN = {"kept": "ringkasan tersimpan", "anew": "ringkasan dihitung ulang"}


# -- the floors: one statement each --------------------------------------------------------------------
# Parameters by name; the dates are computed in Python by pkkdata.periods and households.rules (the same
# cut-off days). The unit's level picks the columns (FLOOR_LEVELS), written into the statements below.

ACTIVE_ON = "(u.active_from IS NULL OR u.active_from <= %(last)s) AND (u.active_to IS NULL OR u.active_to >= %(first)s)"


def unit_counts(level):
    """The shared CTEs: units (the counted units per child), children (the rows), dasawisma (the active
    dasawisma under the unit, each with its child g)."""
    area, child, counted = FLOOR_LEVELS[level]
    counts = ",\n           ".join(f"count(*) FILTER (WHERE u.level = '{lv}') AS jml_{lv}" for lv in counted)
    return f"""
units AS (
    SELECT u.{child} AS g,
           {counts}
    FROM hierarchy_unit u
    WHERE u.{area} = %(unit)s AND u.level IN ({", ".join(f"'{lv}'" for lv in counted)}) AND {ACTIVE_ON}
    GROUP BY 1
),
children AS (
    SELECT u.id, u.code FROM hierarchy_unit u WHERE u.parent_id = %(unit)s AND {ACTIVE_ON}
),
dasawisma AS (
    SELECT u.id, u.{child} AS g FROM hierarchy_unit u
    WHERE u.{area} = %(unit)s AND u.level = 'dasawisma' AND {ACTIVE_ON}
)"""


def unit_columns(level):
    return ", ".join(f"units.jml_{lv}" for lv in FLOOR_LEVELS[level][2])


def yearly_sql(level):
    """The yearly recap of a unit at `level` (4.17b-d) as of %(on)s."""
    return f"""
WITH {unit_counts(level)},
rumah AS (
    SELECT r.id, d.g FROM households_rumahtangga r JOIN dasawisma d ON d.id = r.dasawisma_id
    WHERE r.tanggal_keluar IS NULL OR r.tanggal_keluar > %(on)s
),
rt AS (
    SELECT d.g,
           count(*) AS jml_krt,
           count(*) FILTER (WHERE r.kriteria_rumah = 'sehat') AS rumah_sehat,
           count(*) FILTER (WHERE r.kriteria_rumah = 'tidak_sehat') AS rumah_tidak_sehat,
           count(*) FILTER (WHERE r.punya_tempat_sampah) AS tempat_sampah,
           count(*) FILTER (WHERE r.punya_spal) AS spal,
           count(*) FILTER (WHERE r.punya_mck_septic) AS mck_septic,
           count(*) FILTER (WHERE r.air_pdam) AS air_pdam,
           count(*) FILTER (WHERE r.air_sumur) AS air_sumur,
           count(*) FILTER (WHERE r.air_sungai) AS air_sungai,
           count(*) FILTER (WHERE r.air_lainnya) AS air_lainnya,
           sum(r.jumlah_jamban) AS jml_sarana_mck,
           count(*) FILTER (WHERE r.makanan_pokok = 'beras') AS beras,
           count(*) FILTER (WHERE r.makanan_pokok = 'non_beras') AS non_beras,
           count(*) FILTER (WHERE r.aktivitas_up2k) AS up2k,
           count(*) FILTER (WHERE r.id IN (SELECT rumah_tangga_id FROM households_pemanfaatanpekarangan))
               AS pekarangan,
           count(*) FILTER (WHERE r.id IN (SELECT rumah_tangga_id FROM households_industrirumahtangga)) AS industri,
           count(*) FILTER (WHERE r.kesehatan_lingkungan) AS kesehatan_lingkungan
    FROM households_rumahtangga r JOIN dasawisma d ON d.id = r.dasawisma_id
    WHERE r.tanggal_keluar IS NULL OR r.tanggal_keluar > %(on)s
    GROUP BY 1
),
kk AS (
    SELECT r.g, count(*) AS jml_kk FROM households_keluarga k JOIN rumah r ON r.id = k.rumah_tangga_id
    WHERE k.id IN (SELECT w.keluarga_id FROM households_warga w
                   WHERE (w.status = 'aktif' OR w.tanggal_status > %(on)s) AND w.tanggal_lahir <= %(on)s)
    GROUP BY 1
),
members AS NOT MATERIALIZED (
    SELECT w.id, w.jenis_kelamin AS jk, w.tanggal_lahir AS lahir, w.status_perkawinan, w.ibu_menyusui,
           w.buta_baca OR w.buta_tulis OR w.buta_hitung AS buta, w.berkebutuhan_khusus <> 'tidak' AS khusus, r.g
    FROM households_warga w
    JOIN households_keluarga k ON k.id = w.keluarga_id
    JOIN rumah r ON r.id = k.rumah_tangga_id
    WHERE (w.status = 'aktif' OR w.tanggal_status > %(on)s) AND w.tanggal_lahir <= %(on)s
),
wg AS (
    SELECT g,
           count(*) FILTER (WHERE jk = 'L') AS jml_l,
           count(*) FILTER (WHERE jk = 'P') AS jml_p,
           count(*) FILTER (WHERE jk = 'L' AND lahir > %(balita)s) AS balita_l,
           count(*) FILTER (WHERE jk = 'P' AND lahir > %(balita)s) AS balita_p,
           count(*) FILTER (WHERE jk = 'P' AND lahir > %(subur_max)s AND lahir <= %(subur_min)s
                            AND status_perkawinan = 'menikah') AS jml_pus,
           count(*) FILTER (WHERE jk = 'P' AND lahir > %(subur_max)s AND lahir <= %(subur_min)s) AS jml_wus,
           count(*) FILTER (WHERE jk = 'P' AND ibu_menyusui) AS ibu_menyusui,
           count(*) FILTER (WHERE lahir <= %(lansia)s) AS lansia,
           count(*) FILTER (WHERE buta AND jk = 'L') AS buta_l,
           count(*) FILTER (WHERE buta AND jk = 'P') AS buta_p,
           count(*) FILTER (WHERE khusus) AS berkebutuhan_khusus,
           count(*) FILTER (WHERE id IN (
               SELECT h.ibu_id FROM households_kehamilan h
               WHERE h.tanggal_mulai <= %(on)s AND (h.tanggal_selesai > %(on)s OR (h.tanggal_selesai IS NULL
                     AND (h.perkiraan_lahir >= %(on)s::date - 14
                          OR (h.perkiraan_lahir IS NULL AND h.tanggal_mulai >= %(on)s::date - 300))))
           )) AS ibu_hamil
    FROM members GROUP BY 1
)
SELECT c.id, {unit_columns(level)},
       rt.jml_krt, kk.jml_kk, wg.jml_l, wg.jml_p, wg.balita_l, wg.balita_p, wg.jml_pus, wg.jml_wus,
       wg.ibu_hamil, wg.ibu_menyusui, wg.lansia, wg.buta_l, wg.buta_p, wg.berkebutuhan_khusus,
       rt.rumah_sehat, rt.rumah_tidak_sehat, rt.tempat_sampah, rt.spal, rt.mck_septic,
       rt.air_pdam, rt.air_sumur, rt.air_sungai, rt.air_lainnya, rt.jml_sarana_mck, rt.beras, rt.non_beras,
       rt.up2k, rt.pekarangan, rt.industri, rt.kesehatan_lingkungan
FROM children c
LEFT JOIN units ON units.g = c.id LEFT JOIN rt ON rt.g = c.id LEFT JOIN kk ON kk.g = c.id
LEFT JOIN wg ON wg.g = c.id
ORDER BY c.code, c.id
"""


NUMBERS = [
    "ibu_hamil", "ibu_melahirkan", "ibu_nifas", "ibu_meninggal", "bayi_lahir_l", "bayi_lahir_p", "akte_ada",
    "akte_tidak", "bayi_meninggal_l", "bayi_meninggal_p", "balita_meninggal_l", "balita_meninggal_p",
]  # fmt: skip


def approved_sql(level):
    """The monthly recap with the approved numbers: the snapshots of the approved dasawisma reports."""
    return f"""
WITH {unit_counts(level)},
approved AS (
    SELECT d.g, count(*) AS approved,
           {", ".join(f"sum((l.snapshot ->> '{k}')::integer) AS {k}" for k in NUMBERS)}
    FROM reports_laporan l JOIN dasawisma d ON d.id = l.unit_id
    WHERE l.tahun = %(tahun)s AND l.bulan = %(bulan)s AND l.status = 'disetujui'
    GROUP BY 1
)
SELECT c.id, {unit_columns(level)},
       {", ".join(f"approved.{k}" for k in NUMBERS)}, approved.approved
FROM children c LEFT JOIN units ON units.g = c.id LEFT JOIN approved ON approved.g = c.id
ORDER BY c.code, c.id
"""


# One status per woman per month (households.rules): melahirkan in the month of delivery, else hamil
# while the pregnancy runs, else nifas in the 42 days after a delivery. Deaths: ibu (pregnant or within
# 42 days of the end of a pregnancy), else bayi under 12 months, balita 12-59 months of age.
DELIVERED = "h.hasil IN ('melahirkan', 'lahir_mati')"
MELAHIRKAN = f"{DELIVERED} AND h.tanggal_selesai BETWEEN %(first)s AND %(last)s"
# A pregnancy left open counts until 14 days past its HPL (300 days past its start without one).
STILL_OPEN = (
    "h.tanggal_selesai IS NULL AND (h.perkiraan_lahir >= %(first)s::date - 14 "
    "OR (h.perkiraan_lahir IS NULL AND h.tanggal_mulai >= %(first)s::date - 300))"
)
# A pregnancy continued after its household moved counts from the month after the move.
HAMIL = (
    f"h.tanggal_mulai <= %(last)s AND (({STILL_OPEN}) OR h.tanggal_selesai > %(first)s) "
    f"AND NOT (h.lanjutan AND h.tanggal_mulai > %(first)s) AND NOT coalesce({MELAHIRKAN}, false)"
)
# Nifas only while the mother is still there on the month's first day (not dead, moved or gone with
# her household).
# After a move, the nifas months from the move on count on the row continuing it in the new dasawisma.
NIFAS = (
    f"(({DELIVERED} AND (h.pindah_pada IS NULL OR h.pindah_pada > %(first)s)) "
    "OR (h.hasil = 'nifas_lanjutan' AND h.tanggal_mulai <= %(first)s)) "
    "AND h.tanggal_selesai >= %(nifas_from)s AND h.tanggal_selesai < %(first)s "
    "AND (w.status = 'aktif' OR w.tanggal_status > %(first)s) "
    "AND (r.tanggal_keluar IS NULL OR r.tanggal_keluar > %(first)s)"
)
AGE_MONTHS = """((extract(year FROM m.tanggal) - extract(year FROM w.tanggal_lahir)) * 12
    + extract(month FROM m.tanggal) - extract(month FROM w.tanggal_lahir)
    - CASE WHEN extract(day FROM m.tanggal) < extract(day FROM w.tanggal_lahir) THEN 1 ELSE 0 END)"""
# Every event counts in the dasawisma stamped on its row (where it happened); the mother's household
# is read only for whether she is still there.
HOUSEHOLD_OF_WARGA = """JOIN households_keluarga k ON k.id = w.keluarga_id
    JOIN households_rumahtangga r ON r.id = k.rumah_tangga_id"""


def current_sql(level):
    """The monthly recap with the current data: the events of the month counted now."""
    return f"""
WITH {unit_counts(level)},
ibu AS (
    SELECT d.g,
           count(DISTINCT h.ibu_id) FILTER (WHERE {HAMIL}) AS ibu_hamil,
           count(DISTINCT h.ibu_id) FILTER (WHERE {MELAHIRKAN}) AS ibu_melahirkan,
           count(DISTINCT h.ibu_id) FILTER (WHERE {NIFAS}) AS ibu_nifas
    FROM households_kehamilan h JOIN dasawisma d ON d.id = h.dasawisma_id
    JOIN households_warga w ON w.id = h.ibu_id {HOUSEHOLD_OF_WARGA}
    WHERE ({HAMIL}) OR ({MELAHIRKAN}) OR ({NIFAS})
    GROUP BY 1
),
lahir AS (
    SELECT d.g,
           count(*) FILTER (WHERE b.jenis_kelamin = 'L') AS bayi_lahir_l,
           count(*) FILTER (WHERE b.jenis_kelamin = 'P') AS bayi_lahir_p,
           count(*) FILTER (WHERE l.akte_kelahiran) AS akte_ada,
           count(*) FILTER (WHERE NOT l.akte_kelahiran) AS akte_tidak
    FROM households_kelahiran l JOIN households_warga b ON b.id = l.bayi_id
    JOIN dasawisma d ON d.id = l.dasawisma_id
    WHERE l.tanggal BETWEEN %(first)s AND %(last)s
    GROUP BY 1
),
mati AS (
    SELECT d.g, w.jenis_kelamin,
           CASE WHEN w.jenis_kelamin = 'P' AND EXISTS (
                    SELECT 1 FROM households_kehamilan h WHERE h.ibu_id = w.id AND h.tanggal_mulai <= m.tanggal
                    AND (h.tanggal_selesai IS NULL OR m.tanggal <= h.tanggal_selesai + 42)) THEN 'ibu'
                WHEN {AGE_MONTHS} < 12 THEN 'bayi'
                WHEN {AGE_MONTHS} < 60 THEN 'balita' END AS kind
    FROM households_kematian m JOIN dasawisma d ON d.id = m.dasawisma_id
    JOIN households_warga w ON w.id = m.warga_id
    WHERE m.tanggal BETWEEN %(first)s AND %(last)s
),
meninggal AS (
    SELECT g,
           count(*) FILTER (WHERE kind = 'ibu') AS ibu_meninggal,
           count(*) FILTER (WHERE kind = 'bayi' AND jenis_kelamin = 'L') AS bayi_meninggal_l,
           count(*) FILTER (WHERE kind = 'bayi' AND jenis_kelamin = 'P') AS bayi_meninggal_p,
           count(*) FILTER (WHERE kind = 'balita' AND jenis_kelamin = 'L') AS balita_meninggal_l,
           count(*) FILTER (WHERE kind = 'balita' AND jenis_kelamin = 'P') AS balita_meninggal_p
    FROM mati GROUP BY 1
)
SELECT c.id, {unit_columns(level)},
       ibu.ibu_hamil, ibu.ibu_melahirkan, ibu.ibu_nifas, meninggal.ibu_meninggal,
       lahir.bayi_lahir_l, lahir.bayi_lahir_p, lahir.akte_ada, lahir.akte_tidak,
       meninggal.bayi_meninggal_l, meninggal.bayi_meninggal_p, meninggal.balita_meninggal_l,
       meninggal.balita_meninggal_p
FROM children c LEFT JOIN units ON units.g = c.id LEFT JOIN ibu ON ibu.g = c.id
LEFT JOIN lahir ON lahir.g = c.id LEFT JOIN meninggal ON meninggal.g = c.id
ORDER BY c.code, c.id
"""


def run_floor(sql, params):
    """{child id: {column: int}} from one statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col.name for col in cursor.description]
        return {row[0]: {n: int(v or 0) for n, v in zip(names[1:], row[1:], strict=True)} for row in cursor.fetchall()}


def same_numbers(recap, floor, label):
    """Assert the recap's rows (and JUMLAH row) equal the floor's."""
    ours = {row.unit_id: row.values for row in recap.rows}
    keys = [c.key for c in recap.columns]
    theirs = {unit_id: {k: values[k] for k in keys} for unit_id, values in floor.items()}
    if ours != theirs:
        for unit_id in sorted(set(ours) | set(theirs)):
            a, b = ours.get(unit_id, {}), theirs.get(unit_id, {})
            diff = {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}
            if diff:
                print(f"  {label}: satuan {unit_id}: rekap, floor = {diff}")
        raise SystemExit(f"{label}: angka rekap tidak sama dengan SQL tulisan tangan.")
    total = {k: sum(v[k] for v in theirs.values()) for k in keys}
    assert recap.total == total, (label, recap.total, total)
    if "approved" in next(iter(floor.values()), {}):
        approved = sum(v["approved"] for v in floor.values())
        assert recap.approval.approved == approved, (label, recap.approval.approved, approved)
    if recap.approval is not None:
        assert recap.approval.expected == total.get("jml_dasawisma"), label


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


@dataclass
class Case:
    label: str
    recap: Callable[[], Any]
    floor: Callable[[], dict[int, dict[str, int]]]
    before: Callable[[], Any] | None = None  # before every call of the recap, the warm-up too; not timed


def ringkasan_modes(text):
    """--ringkasan: "kept", "anew" or both, comma-separated, in the order given."""
    modes = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    unknown = [m for m in modes if m not in RINGKASAN]
    if unknown or not modes:
        raise argparse.ArgumentTypeError(f"pilih dari {', '.join(RINGKASAN)} (dipisah koma), bukan {text!r}")
    return modes


def find_unit(kode):
    """The provinsi, kab/kota or kecamatan of that code, with its ancestors (as the recap screens fetch it,
    so that the area block needs no query); stops the script otherwise."""
    from hierarchy.levels import OFFICIAL_LEVELS, Level
    from hierarchy.models import Unit
    from recaps import recaps

    unit = Unit.objects.select_related(*recaps.ANCESTORS).filter(level__in=OFFICIAL_LEVELS, code=kode).first()
    if unit is None:
        sys.exit(
            f"Tidak ada satuan berkode {kode}: jalankan dulu manage.py seed_demo --scale 50000 pada basis data ini."
        )
    if unit.level not in FLOOR_LEVELS:
        levels = ", ".join(Level(lv).label for lv in FLOOR_LEVELS)
        sys.exit(f"{Level(unit.level).label} {unit.name} ({kode}): bench/recap.py mengukur rekap {levels} saja.")
    return unit


def cases_for(unit, tahun, bulan, modes, today):
    """([Case], [notes]): the recaps of the unit's level for the year and the month, each with its floor;
    the notes say which were left out and why."""
    from hierarchy.levels import Level
    from households import rules
    from pkkdata import periods
    from recaps import recaps
    from recaps.models import RingkasanDasawisma

    level = unit.level
    yearly_form = recaps.form_for(level, recaps.YEARLY)
    monthly_form = recaps.form_for(level, recaps.MONTHLY)
    for form in filter(None, (yearly_form, monthly_form)):
        if recaps.count_levels(form) != FLOOR_LEVELS[level][2]:
            sys.exit(f"{form.lampiran} menghitung {recaps.count_levels(form)}, SQL-nya {FLOOR_LEVELS[level][2]}.")
    on = recaps.as_of_day(tahun, today)
    first, last = periods.month_bounds(tahun, bulan)
    yearly_params = {
        "unit": unit.pk,
        "first": on,
        "last": on,
        "on": on,
        "balita": periods.add_years(on, -rules.BALITA_YEARS),
        "lansia": periods.add_years(on, -rules.LANSIA_YEARS),
        "subur_min": periods.add_years(on, -rules.SUBUR_MIN_YEARS),
        "subur_max": periods.add_years(on, -(rules.SUBUR_MAX_YEARS + 1)),
    }
    monthly_params = {
        "unit": unit.pk,
        "first": first,
        "last": last,
        "tahun": tahun,
        "bulan": bulan,
        "nifas_from": first - datetime.timedelta(days=rules.NIFAS_DAYS),
    }
    cases, notes = [], []
    yearly, approved, current = yearly_sql(level), approved_sql(level), current_sql(level)

    def yearly_floor():
        return run_floor(yearly, yearly_params)

    def forget():
        """The worst case: nothing kept under the unit, so the recap counts its whole area."""
        RingkasanDasawisma.objects.filter(**{f"dasawisma__{level}_id": unit.pk}).delete()

    def count_ahead():
        """The usual case: what the task queue (or the hourly housekeeping) does once, not timed."""
        if not kept_ahead:
            started = time.perf_counter()
            n = recaps.count_ahead_under.call(unit.pk, today.isoformat())
            kept_ahead.append(f"Dihitung di depan (recaps.count_ahead_under, seperti antrean tugas): {n} dasawisma "
                              f"dalam {time.perf_counter() - started:.1f} s.")  # fmt: skip
            notes.append(kept_ahead[0])

    kept_ahead: list[str] = []
    label = f"{yearly_form.lampiran} tahunan {tahun}"
    if on == today:
        for mode in modes:
            before = forget if mode == "anew" else count_ahead
            cases.append(
                Case(f"{label}, {RINGKASAN[mode]}", lambda: recaps.yearly_recap(unit, tahun), yearly_floor, before)
            )
    else:
        notes.append(f"{label}: per {on}, bukan hari ini: ringkasan dasawisma tidak dibaca, --ringkasan tidak berlaku.")
        cases.append(Case(label, lambda: recaps.yearly_recap(unit, tahun), yearly_floor))
    if monthly_form is None:
        notes.append(
            f"Rekap bulanan dilewati: tidak ada formulir bulanan untuk {Level(level).label} "
            "(recaps.form_for: formulir bulanan berhenti di kab/kota)."
        )
        return cases, notes
    month = f"{monthly_form.lampiran} {periods.month_label(tahun, bulan)}"
    cases += [
        Case(
            f"{month}, disetujui",
            lambda: recaps.monthly_recap(unit, tahun, bulan, recaps.DISETUJUI),
            lambda: run_floor(approved, monthly_params),
        ),
        Case(
            f"{month}, terkini",
            lambda: recaps.monthly_recap(unit, tahun, bulan, recaps.TERKINI),
            lambda: run_floor(current, monthly_params),
        ),
    ]
    return cases, notes


def measure(case, runs):
    """Checks that the recap and its floor give the same numbers, then times them alternately: the row
    of the table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Warm-up, and the numbers must agree.
    if case.before:
        case.before()
    first_call, recap = timed(case.recap)
    floor = case.floor()
    same_numbers(recap, floor, case.label)
    ours, in_db, theirs, counts = [], [], [], set()
    for _ in range(runs):
        if case.before:
            case.before()
        with CaptureQueriesContext(connection) as ctx:
            elapsed, _result = timed(case.recap)
        counts.add(len(ctx.captured_queries))
        ours.append(elapsed)
        in_db.append(sum(float(q["time"]) for q in ctx.captured_queries))
        theirs.append(timed(case.floor)[0])
    ratio = statistics.median(ours) / statistics.median(theirs)
    return (
        case.label,
        "/".join(str(n) for n in sorted(counts)),
        f"{first_call * 1000:.1f}",
        f"{statistics.median(ours) * 1000:.1f}",
        f"{min(ours) * 1000:.1f}",
        f"{statistics.median(in_db) * 1000:.1f}",
        f"{statistics.median(theirs) * 1000:.1f}",
        f"{min(theirs) * 1000:.1f}",
        f"{ratio:.2f}",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kode", default=DEFAULT_KODE, help=f"the unit's code (default {DEFAULT_KODE}, Kota Bontang)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tahun", type=int, help="the year of both recaps (default: the month below's)")
    parser.add_argument("--bulan", type=int, help="the month of the monthly recap (default: last month)")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--ringkasan",
        type=ringkasan_modes,
        default=list(RINGKASAN),
        help="the yearly recap of the running year with the kept per-dasawisma counts (kept), with them "
        "deleted before every call (anew), or both (kept,anew: the default)",
    )
    modes.add_argument("--kept", dest="ringkasan", action="store_const", const=["kept"], help="--ringkasan kept")
    modes.add_argument("--anew", dest="ringkasan", action="store_const", const=["anew"], help="--ringkasan anew")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    setup_django()

    from django.db import connection
    from django.utils import timezone

    from hierarchy.levels import Level
    from hierarchy.models import Unit
    from households.models import RumahTangga, Warga
    from pkkdata import periods
    from reports.models import Laporan

    if connection.vendor != "postgresql":
        sys.exit("bench/recap.py mengukur pada PostgreSQL saja (DATABASE_URL=postgres://...).")
    unit = find_unit(args.kode)

    today = timezone.localdate()
    last_month = periods.add_months(today.replace(day=1), -1)
    tahun = args.tahun or last_month.year
    bulan = args.bulan or (last_month.month if not args.tahun else 12)
    cases, notes = cases_for(unit, tahun, bulan, args.ringkasan, today)

    totals = {
        "rumah tangga": RumahTangga.objects.count(),
        "warga": Warga.objects.count(),
        "dasawisma": Unit.objects.filter(level=Level.DASAWISMA, **{f"{unit.level}_id": unit.pk}).count(),
        f"laporan disetujui {periods.month_label(tahun, bulan)}": Laporan.objects.filter(
            tahun=tahun, bulan=bulan, status="disetujui"
        ).count(),
    }
    print(f"Basis data: {connection.vendor} {connection.settings_dict['NAME']}, {args.runs} kali per kasus")
    print(f"Satuan: {unit.name} ({Level(unit.level).label} {unit.code})")
    print("; ".join(f"{label}: {n:,}" for label, n in totals.items()).replace(",", "."))
    print()
    header = (
        "kasus",
        "kueri",
        "pertama ms",
        "rekap median ms",
        "min ms",
        "di basis data ms",
        "SQL median ms",
        "min ms",
        "rasio",
    )
    rows = [measure(case, args.runs) for case in cases]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    if notes:
        print("\n" + "\n".join(notes))
    print(f"\nBeban mesin (load average): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
