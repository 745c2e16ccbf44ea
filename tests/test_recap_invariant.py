"""The invariant users check a recap by (pkk-forms.md section 4): the JUMLAH row of every recap equals
the row for that unit on the recap one level up, at every level and for every period, on the demo data.

The demo (demo.seed.seed_demo: Kota Bontang, 15 kelurahan with and without RW, about 7,800 rumah
tangga) is built once for the module inside a transaction that is rolled back at the end, so the rest
of the suite never sees it. Checked, without depending on particular numbers of the demo:

- yearly (the running year): every unit from the RT up against its row in its parent's recap, and
  every dasawisma's 4.16a (counted per household through households.selectors.with_counts) against
  its row in its RT's 4.16b (counted per table with one GROUP BY);
- monthly (this month and the 11 before it), with the approved numbers and with the current data:
  every unit from the RT up to the kab/kota against its row one level up.

Where the two forms have different columns, the common ones are compared, 3 Buta as L + P, and the
parent's count of units at a level the child's form does not count (JML Desa/Kel of a kecamatan's row)
against the child's rows at that level. On SQLite the module takes about 30 s (the demo 5 s, yearly
5 s, monthly 7 s approved and 13 s current, 2026-11, 2 cores), on PostgreSQL about 45 s."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from demo.seed import seed_demo
from hierarchy.levels import RANK, Level
from hierarchy.models import Unit, User
from hierarchy.services import unit_close, unit_create
from households import rules
from households.models import Kehamilan, Kelahiran, Kematian, RumahTangga
from households.services import rumah_tangga_move
from pkkdata import periods
from recaps import recaps
from reports import events
from reports.models import Laporan, Status
from reports.workflow import month_overlap_q

MONTHS_BACK = 11  # this month and the 11 before: twelve months
pytestmark = pytest.mark.django_db  # also tells pytest-django to set up the test database


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(seed=11, password="demo-uji")
        kota = Unit.objects.get(level=Level.KABKOTA, code="64.74")
        today = timezone.localdate()
        months = [periods.shift_month(today.year, today.month, -i) for i in range(MONTHS_BACK, -1, -1)]
        _approve_some(kota, months)
        units = list(Unit.objects.filter(kabkota_id=kota.pk).select_related(*recaps.ANCESTORS))
        units.append(Unit.objects.get(pk=kota.provinsi_id))
        yield {"kota": kota, "today": today, "months": months, "units": units}
        transaction.set_rollback(True)


def _approve_some(kota, months):
    """Approved dasawisma reports to sum: the demo's own when it has them; else, for these months, a
    random two thirds of the dasawisma approved with the month's numbers as their snapshot (the other
    third stays pending, so that approved and current numbers differ)."""
    if Laporan.objects.filter(status=Status.APPROVED, unit__kabkota_id=kota.pk).exists():
        return
    rng = random.Random(5)
    reports = []
    for tahun, bulan in months:
        numbers = events.numbers_by(Level.DASAWISMA, tahun, bulan, Q(kabkota_id=kota.pk))
        active = Unit.objects.filter(month_overlap_q(tahun, bulan), kabkota_id=kota.pk, level=Level.DASAWISMA)
        for dasawisma_id in active.values_list("pk", flat=True):
            if rng.random() < 2 / 3:
                snapshot = numbers.get(dasawisma_id, events.empty_numbers())
                reports.append(
                    Laporan(unit_id=dasawisma_id, tahun=tahun, bulan=bulan, status=Status.APPROVED, snapshot=snapshot)
                )
    Laporan.objects.bulk_create(reports)


def _normal(values):
    """3 Buta as one number where a form splits it into L and P."""
    values = dict(values)
    if "buta_l" in values:
        values["buta"] = values.pop("buta_l") + values.pop("buta_p")
    return values


def _mismatches(unit, recap, parent_recap):
    """What differs between the unit's JUMLAH row and its row in the parent's recap."""
    row = next((r for r in parent_recap.rows if r.unit_id == unit.pk), None)
    if row is None:
        return [f"{unit} ({unit.pk}) has no row in the recap of its parent"] if any(recap.total.values()) else []
    total, above = _normal(recap.total), _normal(row.values)
    found = [f"{unit} {k}: JUMLAH {total[k]} ≠ {above[k]} one level up" for k in total.keys() & above.keys()
             if total[k] != above[k]]  # fmt: skip
    # Units the parent counts at a level this form does not: this form's rows at that level (and itself).
    for key in above.keys() - total.keys():
        level = key[4:]
        if key.startswith("jml_") and level in RANK:
            rows_here = sum(1 for r in recap.rows if r.level == level) + (unit.level == level)
            if rows_here != above[key]:
                found.append(f"{unit} {key}: {rows_here} rows at that level ≠ {above[key]} one level up")
    if recap.form.level == Level.DASAWISMA and "jml_krt" in above and len(recap.rows) != above["jml_krt"]:
        found.append(f"{unit}: {len(recap.rows)} rumah tangga ≠ JML KRT {above['jml_krt']} one level up")
    return found


def _check(units, compute, top_level):
    """Compute every unit's recap once, and compare each with its parent's."""
    by_id = {}
    for unit in units:
        by_id[unit.pk] = compute(unit)
    problems = []
    for unit in units:
        if unit.level == top_level or by_id.get(unit.pk) is None:
            continue
        parent = by_id.get(unit.parent_id)
        assert parent is not None, f"no recap for the parent of {unit}"
        problems += _mismatches(unit, by_id[unit.pk], parent)
    return problems, by_id


def _from(units, lowest):
    return [u for u in units if RANK[u.level] <= RANK[lowest]]


@pytest.mark.parametrize("years_back", [0, 1])  # this year (as of today) and last year (as of 31 December)
def test_yearly_jumlah_equals_the_row_one_level_up(demo, years_back):
    tahun = demo["today"].year - years_back
    problems, by_id = _check(_from(demo["units"], Level.DASAWISMA), lambda u: recaps.yearly_recap(u, tahun),
                             Level.PROVINSI)  # fmt: skip
    assert problems[:30] == []
    kota_total = by_id[demo["kota"].pk].total
    assert kota_total["jml_krt"] > 1000 and kota_total["jml_l"] > 0 and kota_total["jml_dasawisma"] > 100
    # 4.16a (per household, with_counts) and 4.16b (GROUP BY per table) were compared for every dasawisma.
    assert sum(1 for u in demo["units"] if u.level == Level.DASAWISMA) == sum(
        1 for r in by_id.values() if r.form.lampiran == "4.16a"
    )


@pytest.mark.parametrize("data", [recaps.DISETUJUI, recaps.TERKINI])
def test_monthly_jumlah_equals_the_row_one_level_up(demo, data):
    units = [u for u in _from(demo["units"], Level.RT) if u.level != Level.PROVINSI]
    problems, seen = [], defaultdict(int)
    for tahun, bulan in demo["months"]:
        found, by_id = _check(units, lambda u, t=tahun, b=bulan: recaps.monthly_recap(u, t, b, data), Level.KABKOTA)
        problems += [f"{bulan:02d}/{tahun}: {p}" for p in found]
        kota = by_id[demo["kota"].pk]
        seen["numbers"] += sum(kota.total[k] for k in events.NUMBER_KEYS)
        seen["approved"] += kota.approval.approved
        assert kota.approval.expected == kota.total["jml_dasawisma"] > 100
    assert problems[:30] == []
    assert seen["numbers"] > 0 and seen["approved"] > 0  # the months had something to add up


# -- an independent recount ------------------------------------------------------------------------------
# The key columns of 4.17c and 4.19c of the kota (one row per kecamatan) counted again by hand-written SQL
# over the raw tables, from the rules as docs/FORMS.md states them, not through households.rules or the
# recap code: the cut-off days are computed here by plain date arithmetic. Portable SQL (SQLite and
# PostgreSQL): CASE inside SUM, no FILTER, no date arithmetic in the database.

_DASAWISMA_ACTIVE = (
    "d.level = 'dasawisma' AND d.kabkota_id = %s AND (d.active_from IS NULL OR d.active_from <= %s) "
    "AND (d.active_to IS NULL OR d.active_to >= %s)"
)
_HOUSEHOLD_FROM_WARGA = (
    "JOIN households_keluarga k ON k.id = w.keluarga_id JOIN households_rumahtangga r ON r.id = k.rumah_tangga_id "
    "JOIN hierarchy_unit d ON d.id = r.dasawisma_id"
)
_COUNTED = "(w.status = 'aktif' OR w.tanggal_status > %s) AND w.tanggal_lahir <= %s"
_PRESENT = "(r.tanggal_keluar IS NULL OR r.tanggal_keluar > %s)"
# A pregnancy running on a day: begun, not ended, and, left open, not more than 14 days past its HPL (or
# 300 days past its start without one).
_RUNNING = (
    "(h.tanggal_mulai <= %s AND (h.tanggal_selesai > %s OR (h.tanggal_selesai IS NULL AND "
    "(h.perkiraan_lahir >= %s OR (h.perkiraan_lahir IS NULL AND h.tanggal_mulai >= %s)))))"
)


def _days(day, n):
    return day - datetime.timedelta(days=n)


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return {row[0]: dict(zip(names[1:], (int(v or 0) for v in row[1:]), strict=True)) for row in cursor.fetchall()}


def _years_before(day, years):
    return (
        day.replace(year=day.year - years)
        if (day.month, day.day) != (2, 29)
        else day.replace(year=day.year - years, day=28)
    )


def _recount_yearly(kota, on):
    households = _rows(
        f"SELECT d.kecamatan_id, COUNT(*) AS jml_krt FROM households_rumahtangga r "
        f"JOIN hierarchy_unit d ON d.id = r.dasawisma_id WHERE {_DASAWISMA_ACTIVE} AND {_PRESENT} GROUP BY 1",
        [kota.pk, on, on, on],
    )
    families = _rows(
        f"SELECT d.kecamatan_id, COUNT(DISTINCT k.id) AS jml_kk FROM households_warga w {_HOUSEHOLD_FROM_WARGA} "
        f"WHERE {_DASAWISMA_ACTIVE} AND {_PRESENT} AND {_COUNTED} GROUP BY 1",
        [kota.pk, on, on, on, on, on],
    )
    members = _rows(
        "SELECT d.kecamatan_id,"
        " SUM(CASE WHEN w.jenis_kelamin = 'L' THEN 1 ELSE 0 END) AS jml_l,"
        " SUM(CASE WHEN w.jenis_kelamin = 'P' THEN 1 ELSE 0 END) AS jml_p,"
        " SUM(CASE WHEN w.tanggal_lahir <= %s THEN 1 ELSE 0 END) AS lansia,"
        " SUM(CASE WHEN w.ibu_menyusui AND w.jenis_kelamin = 'P' THEN 1 ELSE 0 END) AS ibu_menyusui,"
        " SUM(CASE WHEN w.id IN (SELECT h.ibu_id FROM households_kehamilan h WHERE " + _RUNNING + ")"
        " THEN 1 ELSE 0 END) AS ibu_hamil"
        f" FROM households_warga w {_HOUSEHOLD_FROM_WARGA}"
        f" WHERE {_DASAWISMA_ACTIVE} AND {_PRESENT} AND {_COUNTED} GROUP BY 1",
        [_years_before(on, 60), on, on, _days(on, 14), _days(on, 300), kota.pk, on, on, on, on, on],
    )
    found = defaultdict(dict)
    for part in (households, families, members):
        for key, values in part.items():
            found[key].update(values)
    return found


def _recount_monthly(kota, first, last):
    """ibu hamil / melahirkan / nifas (one status per woman: melahirkan, else hamil, else nifas) and the
    births, counted in the dasawisma stamped on each event row, of those active in the month."""
    delivered = (
        "SELECT h2.ibu_id FROM households_kehamilan h2 WHERE h2.hasil IN ('melahirkan', 'lahir_mati') "
        "AND h2.tanggal_selesai >= %s AND h2.tanggal_selesai <= %s"
    )
    # running in the month: begun by its last day and ended (or, open, still counting) after its first;
    # a continuation after a move counts from the month after the move
    running = _RUNNING.replace("h.", "{h}.") + " AND NOT ({h}.lanjutan AND {h}.tanggal_mulai > %s)"
    running_params = [last, first, _days(first, 14), _days(first, 300), first]
    running_ids = f"SELECT h3.ibu_id FROM households_kehamilan h3 WHERE {running.format(h='h3')}"
    # nifas: delivered in the 42 days before the month, in the dasawisma she was in on its first day (the
    # delivery's row until a move, the row continuing it after), and still there that day
    nifas = (
        "h.tanggal_selesai < %s AND h.tanggal_selesai >= %s AND ("
        " (h.hasil IN ('melahirkan', 'lahir_mati') AND (h.pindah_pada IS NULL OR h.pindah_pada > %s))"
        " OR (h.hasil = 'nifas_lanjutan' AND h.tanggal_mulai <= %s))"
        " AND (w.status = 'aktif' OR w.tanggal_status > %s) AND (r.tanggal_keluar IS NULL OR r.tanggal_keluar > %s)"
    )
    nifas_params = [first, _days(first, 42), first, first, first, first]
    area = [kota.pk, last, first]
    mothers = _rows(
        "SELECT d.kecamatan_id,"
        f" COUNT(DISTINCT CASE WHEN h.ibu_id IN ({delivered}) THEN h.ibu_id END) AS ibu_melahirkan,"
        f" COUNT(DISTINCT CASE WHEN {running.format(h='h')} AND h.ibu_id NOT IN ({delivered}) THEN h.ibu_id END)"
        " AS ibu_hamil,"
        f" COUNT(DISTINCT CASE WHEN {nifas} AND h.ibu_id NOT IN ({delivered}) AND h.ibu_id NOT IN ({running_ids})"
        " THEN h.ibu_id END) AS ibu_nifas"
        " FROM households_kehamilan h JOIN hierarchy_unit d ON d.id = h.dasawisma_id"
        " JOIN households_warga w ON w.id = h.ibu_id JOIN households_keluarga k ON k.id = w.keluarga_id"
        " JOIN households_rumahtangga r ON r.id = k.rumah_tangga_id"
        f" WHERE {_DASAWISMA_ACTIVE} GROUP BY 1",
        [first, last, *running_params, first, last, *nifas_params, first, last, *running_params, *area],
    )
    births = _rows(
        "SELECT d.kecamatan_id,"
        " SUM(CASE WHEN b.jenis_kelamin = 'L' THEN 1 ELSE 0 END) AS bayi_lahir_l,"
        " SUM(CASE WHEN b.jenis_kelamin = 'P' THEN 1 ELSE 0 END) AS bayi_lahir_p"
        " FROM households_kelahiran l JOIN households_warga b ON b.id = l.bayi_id"
        " JOIN hierarchy_unit d ON d.id = l.dasawisma_id"
        f" WHERE l.tanggal >= %s AND l.tanggal <= %s AND {_DASAWISMA_ACTIVE} GROUP BY 1",
        [first, last, *area],
    )
    found = defaultdict(dict)
    for part in (mothers, births):
        for key, values in part.items():
            found[key].update(values)
    return found


def _compare(recap, recount, keys):
    ours = {row.unit_id: {k: row.values[k] for k in keys} for row in recap.rows}
    theirs = {unit_id: {k: recount.get(unit_id, {}).get(k, 0) for k in keys} for unit_id in ours}
    assert ours == theirs
    return {k: sum(v[k] for v in ours.values()) for k in keys}


def test_an_independent_recount_agrees_with_4_17c_and_4_19c(demo):
    kota = demo["kota"]
    yearly_keys = ["jml_krt", "jml_kk", "jml_l", "jml_p", "lansia", "ibu_menyusui", "ibu_hamil"]
    for tahun in (demo["today"].year - 1, demo["today"].year):
        on = recaps.as_of_day(tahun, demo["today"])
        totals = _compare(recaps.yearly_recap(kota, tahun), _recount_yearly(kota, on), yearly_keys)
        assert totals["jml_kk"] > 1000 and totals["ibu_hamil"] > 10
    monthly_keys = ["ibu_hamil", "ibu_melahirkan", "ibu_nifas", "bayi_lahir_l", "bayi_lahir_p"]
    seen = defaultdict(int)
    for tahun, bulan in demo["months"]:
        first, last = periods.month_bounds(tahun, bulan)
        recap = recaps.monthly_recap(kota, tahun, bulan, recaps.TERKINI)
        for key, n in _compare(recap, _recount_monthly(kota, first, last), monthly_keys).items():
            seen[key] += n
    assert all(seen[k] > 0 for k in monthly_keys), seen


def test_the_demo_shows_life_happening_and_the_rules_holding(demo):
    """The demo holds each situation of issue 10 (a mother who died in nifas, a pregnant woman who moved
    away, a household that left, a birth without a recorded pregnancy, a pregnancy nobody closed), its
    twelve months of ibu hamil are level, and a mother who died is never nifas after her death month."""
    today = demo["today"]
    died_in_nifas = [
        d
        for d in Kematian.objects.filter(warga__jenis_kelamin="P").select_related("warga__keluarga__rumah_tangga")
        if Kehamilan.objects.filter(
            ibu=d.warga, hasil="melahirkan", tanggal_selesai__lte=d.tanggal,
            tanggal_selesai__gte=d.tanggal - datetime.timedelta(days=42),
        ).exists()
    ]  # fmt: skip
    assert died_in_nifas
    assert Kehamilan.objects.filter(hasil="pindah", ibu__status="pindah").exists()
    assert RumahTangga.objects.filter(tanggal_keluar__isnull=False).exists()
    assert Kelahiran.objects.filter(tanpa_kehamilan_dikonfirmasi=True).exists()
    assert any(rules.is_overdue(k, today) for k in Kehamilan.objects.filter(tanggal_selesai__isnull=True))
    for death in died_in_nifas:
        dasawisma = death.warga.keluarga.rumah_tangga.dasawisma
        for tahun, bulan in demo["months"]:
            if (tahun, bulan) <= (death.tanggal.year, death.tanggal.month):
                continue
            rows, _numbers = events.monthly_rows(dasawisma, tahun, bulan)
            assert death.warga.nama not in [r.nama_ibu for r in rows], (death, tahun, bulan)
    # a dasawisma re-formed four months ago: its months before stay its own, the new group's after
    old = Unit.objects.get(level=Level.DASAWISMA, kabkota_id=demo["kota"].pk, active_to__isnull=False)
    new = Unit.objects.get(level=Level.DASAWISMA, parent_id=old.parent_id, code=f"{old.code}B")
    assert not RumahTangga.objects.filter(dasawisma=old).exists() and RumahTangga.objects.filter(dasawisma=new)
    before = [m for m in demo["months"] if datetime.date(*m, 1) <= old.active_to]
    after = [m for m in demo["months"] if datetime.date(*m, 1) > old.active_to]
    assert sum(sum(events.numbers_for(old, *m).values()) for m in before) > 0
    assert sum(sum(events.numbers_for(old, *m).values()) for m in after) == 0
    assert sum(sum(events.numbers_for(new, *m).values()) for m in before) == 0
    assert all(
        RumahTangga.history.filter(id=rt.pk, dasawisma_id=old.pk).exists()
        for rt in RumahTangga.objects.filter(dasawisma=new)
    )
    hamil = [events.numbers_for(demo["kota"], *month)["ibu_hamil"] for month in demo["months"]]
    assert max(hamil) <= 1.3 * min(hamil), hamil


def test_a_regrouping_today_changes_no_past_month_or_year(demo):
    """A TP PKK re-forms a dasawisma today (a new group, every household moved into it, the old one
    closed yesterday): no past month (approved or current data) and no closed year changes at the RT,
    kelurahan, kecamatan or kota, and the old group's past 4.18a keeps its numbers; then the invariant
    still holds over the twelve months."""
    today = demo["today"]
    admin = User.objects.get(username="demo-admin")
    old = (
        Unit.objects.filter(level=Level.DASAWISMA, kabkota_id=demo["kota"].pk, active_to__isnull=True)
        .annotate(n=Count("rumah_tangga"))
        .filter(n__gt=0)
        .order_by("pk")
        .first()
    )
    chain = [Unit.objects.get(pk=pk) for pk in (old.rt_id, old.desa_id, old.kecamatan_id, old.kabkota_id)]
    past = demo["months"][:-1]

    def numbers():
        found = {}
        for unit in chain:
            for month in past:
                for data in (recaps.DISETUJUI, recaps.TERKINI):
                    found[unit.pk, month, data] = recaps.monthly_recap(unit, *month, data).total
            found[unit.pk, today.year - 1] = recaps.yearly_recap(unit, today.year - 1).total
        for month in past:
            found[old.pk, month] = events.monthly_rows(old, *month)[1]
        return found

    before = numbers()
    with transaction.atomic():
        new = unit_create(
            actor=admin, parent=old.parent, level=Level.DASAWISMA, code="DWX", name="Baru", active_from=today
        )
        for household in RumahTangga.objects.filter(dasawisma=old):
            rumah_tangga_move(actor=admin, rumah_tangga=household, dasawisma=new)
        unit_close(actor=admin, unit=old, on_date=today - datetime.timedelta(days=1))
        after = numbers()
        problems, _by_id = _check(
            [u for u in _from(demo["units"], Level.RT) if u.level != Level.PROVINSI],
            lambda u: recaps.monthly_recap(u, *demo["months"][-1], recaps.TERKINI),
            Level.KABKOTA,
        )
        transaction.set_rollback(True)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert changed == {}
    assert problems == []
