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

import random
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from demo.seed import seed_demo
from hierarchy.levels import RANK, Level
from hierarchy.models import Unit
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
