"""Completeness never above 100% when groups open or close, on-time counting, and the counts of the
database equal to a count report by report."""

import datetime

from django.utils import timezone

from hierarchy import services
from hierarchy.levels import LEVEL_ORDER, RANK, Level
from hierarchy.models import Unit
from pkkdata import periods
from reports import completeness, workflow
from reports.models import Laporan, Status

MARCH = (2026, 3)


def _submitted(cast, unit, when):
    r = workflow.get_report(unit, *MARCH)
    r.status, r.submitted_at = Status.SUBMITTED, when
    r.save()
    return r


def test_expected_counts_only_groups_active_that_month(cast, django_assert_max_num_queries):
    admin = cast.users["admin"]
    # Mawar closed at the end of February; a new dasawisma opens in April.
    services.unit_close(actor=admin, unit=cast.dw_c, on_date=datetime.date(2026, 2, 28))
    new = services.unit_create(actor=admin, parent=cast.rt, level=Level.DASAWISMA, code="DW09", name="Baru",
                               active_from=datetime.date(2026, 4, 1))  # fmt: skip
    # Reports exist for the closed and the future one: they must not count.
    _submitted(cast, cast.dw_c, timezone.now())
    _submitted(cast, new, timezone.now())
    _submitted(cast, cast.dw, datetime.datetime(2026, 4, 5, 23, 0, tzinfo=timezone.get_current_timezone()))
    with django_assert_max_num_queries(4):  # a kelurahan: its dasawisma by id, then three
        children, cells = completeness.table(cast.kel, [MARCH, (2026, 2)])
    assert [c.code for c in children] == ["002", "01"]
    rw_march = cells[cast.rw.pk][MARCH]
    assert (rw_march.expected, rw_march.submitted, rw_march.on_time) == (2, 1, 1)
    assert cells[cast.rt_b.pk][MARCH].expected == 0 and cells[cast.rt_b.pk][(2026, 2)].expected == 1
    assert all(c.submitted <= c.expected for months in cells.values() for c in months.values())


def test_late_submission_is_not_on_time(cast):
    _submitted(cast, cast.dw, datetime.datetime(2026, 4, 6, 0, 30, tzinfo=timezone.get_current_timezone()))
    _children, cells = completeness.table(cast.rt, [MARCH])
    cell = cells[cast.dw.pk][MARCH]
    assert (cell.submitted, cell.on_time, cell.percent("on_time")) == (1, 0, 0)


# -- counted in the database: the same as counting report by report -------------------------------


def _recount(unit, months):
    """The completeness of the module's docstring, counted one dasawisma and one report at a time:
    {child id: {month: (expected, submitted, approved, on_time, returned)}}, the empty cells left out."""
    tz = timezone.get_current_timezone()
    below = [lv for lv in LEVEL_ORDER if RANK[lv] > RANK[unit.level]]
    found = {}
    for d in Unit.objects.filter(**{f"{unit.level}_id": unit.pk}, level=Level.DASAWISMA):
        key = next((getattr(d, f"{lv}_id") for lv in below if getattr(d, f"{lv}_id")), d.pk)
        for tahun, bulan in months:
            if not d.is_active_between(*periods.month_bounds(tahun, bulan)):
                continue
            r = Laporan.objects.filter(unit=d, tahun=tahun, bulan=bulan).first()
            sent = r is not None and r.status in (Status.SUBMITTED, Status.APPROVED)
            on_time = (
                sent and r.submitted_at and r.submitted_at.astimezone(tz).date() <= workflow.deadline(tahun, bulan)
            )
            counts = (1, int(sent), int(r is not None and r.status == Status.APPROVED), int(bool(on_time)),
                      int(r is not None and r.status == Status.RETURNED))  # fmt: skip
            before = found.setdefault(key, {}).get((tahun, bulan), (0,) * 5)
            found[key][(tahun, bulan)] = tuple(a + b for a, b in zip(before, counts, strict=True))
    return found


def _as_tuples(cells):
    return {
        key: {m: tuple(getattr(c, f) for f in completeness.FIELDS) for m, c in by_month.items() if c.expected}
        for key, by_month in cells.items()
        if any(c.expected for c in by_month.values())
    }


def test_table_and_totals_count_what_a_report_by_report_count_gives(cast, django_assert_max_num_queries):
    admin, tz = cast.users["admin"], timezone.get_current_timezone()
    services.unit_close(actor=admin, unit=cast.dw_c, on_date=datetime.date(2026, 2, 14))
    late_rt = services.unit_create(actor=admin, parent=cast.kel, level=Level.RT, code="003", name="003",
                                   active_from=datetime.date(2026, 3, 20))  # fmt: skip
    late_dw = services.unit_create(actor=admin, parent=late_rt, level=Level.DASAWISMA, code="DW01", name="Baru",
                                   active_from=datetime.date(2026, 3, 20))  # fmt: skip
    deadline = workflow.deadline(*MARCH)
    last_moment = datetime.datetime.combine(deadline, datetime.time(23, 59, 59), tzinfo=tz)
    plan = [
        (cast.dw, (2026, 1), Status.APPROVED, datetime.datetime(2026, 2, 3, 9, 0, tzinfo=tz)),
        (cast.dw, (2026, 2), Status.RETURNED, datetime.datetime(2026, 3, 2, 9, 0, tzinfo=tz)),
        (cast.dw, MARCH, Status.SUBMITTED, last_moment),  # the last second of the deadline day: on time
        (cast.dw_b, MARCH, Status.APPROVED, last_moment + datetime.timedelta(seconds=1)),  # late
        (cast.dw_b, (2026, 2), Status.DRAFT, None),
        (cast.dw_c, (2026, 2), Status.APPROVED, datetime.datetime(2026, 3, 1, 8, 0, tzinfo=tz)),  # closed mid-month
        (cast.dw_c, MARCH, Status.SUBMITTED, datetime.datetime(2026, 4, 1, 8, 0, tzinfo=tz)),  # closed: not counted
        (late_dw, MARCH, Status.APPROVED, datetime.datetime(2026, 4, 2, 8, 0, tzinfo=tz)),
        (late_dw, (2026, 2), Status.APPROVED, datetime.datetime(2026, 3, 2, 8, 0, tzinfo=tz)),  # before it began
        (cast.dw2, MARCH, Status.APPROVED, datetime.datetime(2026, 4, 2, 8, 0, tzinfo=tz)),  # another kelurahan
    ]
    for unit, month, status, when in plan:
        r = workflow.get_report(unit, *month)
        r.status, r.submitted_at = status, when
        r.save()
    months = [(2026, 1), (2026, 2), MARCH, (2026, 4)]
    for unit in (cast.kota, cast.kec, cast.kel, cast.rw, cast.rt, cast.rt_b, cast.dw, cast.dw_c):
        small = unit.level not in (Level.KABKOTA, Level.KECAMATAN)  # its dasawisma read by id first
        with django_assert_max_num_queries(3 + small):
            children, cells = completeness.table(unit, months)
        expected = _recount(unit, months)
        assert _as_tuples(cells) == expected, unit
        assert {c.pk for c in children} == set(expected) | ({unit.pk} if unit.level == Level.DASAWISMA else set())
        with django_assert_max_num_queries(2 + small):
            totals = completeness.totals(unit, months)
        for month in months:
            summed = [sum(by_month[month][i] for by_month in expected.values() if month in by_month) for i in range(5)]
            assert [getattr(totals[month], f) for f in completeness.FIELDS] == summed, (unit, month)
    kel = _recount(cast.kel, months)
    assert kel[cast.rw.pk][MARCH] == (2, 2, 1, 1, 0)  # Melati 1 on time, Melati 2 late
    assert kel[cast.rt_b.pk][(2026, 2)] == (1, 1, 1, 1, 0) and MARCH not in kel[cast.rt_b.pk]
    assert kel[late_rt.pk] == {MARCH: (1, 1, 1, 1, 0), (2026, 4): (1, 0, 0, 0, 0)}
