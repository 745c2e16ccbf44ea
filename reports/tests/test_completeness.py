"""Completeness never above 100% when groups open or close, and on-time counting."""

import datetime

from django.utils import timezone

from hierarchy import services
from hierarchy.levels import Level
from reports import completeness, workflow
from reports.models import Status

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
    with django_assert_max_num_queries(3):
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
