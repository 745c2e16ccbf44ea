"""Completeness of the monthly reports: for a unit and a range of months, per unit one level below,
how many dasawisma reports were expected, submitted, approved and on time.

Expected = the dasawisma active on some day of that month (a group that opens or closes mid-month is
expected that month, not after). Submitted, approved and on time are counted only among the expected
ones, so a closed or new dasawisma can never push a figure above 100%. On time = submitted (the first
time it reached the RT, or the latest submission) no later than the deadline day of the next month,
in the local time zone.

Everything is counted in the database, grouped there by the child that holds each dasawisma (or by
month alone for the area's totals): the rows that come back are one per child and month, whatever the
number of dasawisma. ``table`` takes three queries, ``totals`` two, and one more each for a kelurahan
or below, whose dasawisma are read first by id (events.small_area)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, F, IntegerField, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from hierarchy.levels import LEVEL_ORDER, RANK, Level
from hierarchy.models import Unit

from .events import small_area
from .models import Laporan, Status
from .workflow import deadline, month_overlap_q

FIELDS = ("expected", "submitted", "approved", "on_time", "returned")
_SENT = (Status.SUBMITTED, Status.APPROVED)


@dataclass
class Cell:
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    on_time: int = 0
    returned: int = 0

    @property
    def missing(self):
        return self.expected - self.submitted

    def percent(self, part):
        return round(100 * getattr(self, part) / self.expected) if self.expected else None

    def add(self, other):
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def child_key(unit, prefix=""):
    """The id of the unit one level below `unit` holding the unit row reached by `prefix`: the first
    ancestor column below the unit's level that is set (RW and dusun/lingkungan are optional). A
    dasawisma's own rows are keyed by its own id."""
    columns = [F(f"{prefix}{lv}_id") for lv in LEVEL_ORDER if RANK[lv] > RANK[unit.level]]
    if not columns:
        return F(f"{prefix}dasawisma_id")
    return columns[0] if len(columns) == 1 else Coalesce(*columns, output_field=IntegerField())


def _dasawisma_under(unit, prefix=""):
    return Q(**{f"{prefix}{unit.level}_id": unit.pk, f"{prefix}level": Level.DASAWISMA})


def _end_of_deadline_day(tahun, bulan, tz):
    """The first moment after the month's deadline day, local time: a report sent before it is on time."""
    day = deadline(tahun, bulan) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)


def _expected(unit, months, by_child):
    """{key: {month: number of dasawisma active then}}, key the child (by_child) or None (the whole
    unit). One query; every dasawisma under the unit gives its child a key, active or not."""
    counts = {f"m{i}": Count("pk", filter=month_overlap_q(t, b)) for i, (t, b) in enumerate(months)}
    dasawisma = Unit.objects.filter(_dasawisma_under(unit))
    if by_child:
        rows = list(dasawisma.values(key=child_key(unit)).annotate(**counts).order_by())
    else:
        rows = [{"key": None, **dasawisma.aggregate(**counts)}]
    return {row["key"]: {month: row[f"m{i}"] or 0 for i, month in enumerate(months)} for row in rows}


def _reported(unit, months, by_child):
    """Rows (key, tahun, bulan, submitted, approved, on_time, returned) of the reports of dasawisma
    active in their month. One query (two for a small area)."""
    tz = timezone.get_current_timezone()
    counted = reduce(or_, (Q(tahun=t, bulan=b) & month_overlap_q(t, b, prefix="unit__") for t, b in months))
    on_time = reduce(or_, (Q(tahun=t, bulan=b, submitted_at__lt=_end_of_deadline_day(t, b, tz)) for t, b in months))
    sent = Q(status__in=_SENT)
    group = {"key": child_key(unit, "unit__")} if by_child else {}
    reports = Laporan.objects.filter(_dasawisma_under(unit, "unit__"))
    if small_area(unit):
        # Named by id, a kelurahan's dasawisma are read through the reports' index on their unit; joined
        # only, the planner reads the whole city's reports of the months and keeps the kelurahan's.
        reports = reports.filter(
            unit_id__in=list(Unit.objects.filter(_dasawisma_under(unit)).values_list("pk", flat=True))
        )
    return (
        reports.filter(counted)
        .values("tahun", "bulan", **group)
        .annotate(
            submitted=Count("pk", filter=sent),
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
            on_time=Count("pk", filter=sent & on_time),
            returned=Count("pk", filter=Q(status=Status.RETURNED)),
        )
        .order_by()
    )


def _cells(unit, months, by_child):
    cells = defaultdict(lambda: defaultdict(Cell))
    for key, by_month in _expected(unit, months, by_child).items():
        for month, n in by_month.items():
            cells[key][month].expected = n
    for row in _reported(unit, months, by_child):
        cell = cells[row.get("key")][(row["tahun"], row["bulan"])]
        cell.submitted, cell.approved = row["submitted"], row["approved"]
        cell.on_time, cell.returned = row["on_time"], row["returned"]
    return cells


def table(unit, months):
    """(children, {child unit id: {(tahun, bulan): Cell}}) for the months given: the units one level
    below that hold dasawisma, by code (a dasawisma: itself). Three queries (four for a small area)."""
    cells = _cells(unit, months, by_child=True)
    if unit.level == Level.DASAWISMA:
        return [unit], cells
    children = list(unit.children.filter(pk__in=list(cells)).order_by("code"))
    return children, cells


def totals(unit, months):
    """{(tahun, bulan): Cell} over the whole unit. Two queries (three for a small area)."""
    by_month = _cells(unit, months, by_child=False)[None]
    return {month: by_month[month] for month in months}
