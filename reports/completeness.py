"""Completeness of the monthly reports: for a unit and a range of months, per unit one level below,
how many dasawisma reports were expected, submitted, approved and on time.

Expected = the dasawisma active on some day of that month (a group that opens or closes mid-month is
expected that month, not after). Submitted, approved and on time are counted only among the expected
ones, so a closed or new dasawisma can never push a figure above 100%. On time = submitted (the first
time it reached the RT, or the latest submission) no later than the deadline day of the next month,
in the local time zone. Three queries for any number of units and months."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from hierarchy.levels import LEVEL_ORDER, RANK, Level
from hierarchy.models import Unit

from .models import Laporan, Status
from .workflow import deadline, month_overlap_q


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


def _child_of(dasawisma, unit):
    """The unit one level below `unit` that holds this dasawisma: the first ancestor column below
    `unit`'s level that is set (RW and dusun/lingkungan are optional)."""
    for level in [lv for lv in LEVEL_ORDER if RANK[lv] > RANK[unit.level]]:
        value = getattr(dasawisma, f"{level}_id")
        if value:
            return value
    return None


def table(unit, months):
    """{child unit id: {(tahun, bulan): Cell}} plus the children, for the months given."""
    # The dasawisma below, with one flag per month telling whether it was active then (one query).
    rows = (
        Unit.objects.filter(**{f"{unit.level}_id": unit.pk}, level=Level.DASAWISMA)
        .annotate(**{f"m{i}": Count("pk", filter=month_overlap_q(t, b)) for i, (t, b) in enumerate(months)})
        .only("pk", *[f"{lv}_id" for lv in LEVEL_ORDER])
    )
    child_of, active_by_month = {}, defaultdict(set)
    cells = defaultdict(lambda: defaultdict(Cell))
    for d in rows:
        child_of[d.pk] = _child_of(d, unit)
        for i, month in enumerate(months):
            if getattr(d, f"m{i}"):
                active_by_month[month].add(d.pk)
                cells[child_of[d.pk]][month].expected += 1
    month_q = Q(pk__in=[])
    for tahun, bulan in months:
        month_q |= Q(tahun=tahun, bulan=bulan)
    reports = Laporan.objects.filter(month_q, unit__in=list(child_of)).values_list(
        "unit_id", "tahun", "bulan", "status", "submitted_at"
    )
    tz = timezone.get_current_timezone()
    for unit_id, tahun, bulan, status, submitted_at in reports:
        if unit_id not in active_by_month[(tahun, bulan)]:
            continue
        cell = cells[child_of[unit_id]][(tahun, bulan)]
        if status in (Status.SUBMITTED, Status.APPROVED):
            cell.submitted += 1
            if submitted_at and submitted_at.astimezone(tz).date() <= deadline(tahun, bulan):
                cell.on_time += 1
        if status == Status.APPROVED:
            cell.approved += 1
        if status == Status.RETURNED:
            cell.returned += 1
    children = list(unit.children.filter(pk__in=set(child_of.values())).order_by("code"))
    return children, cells
