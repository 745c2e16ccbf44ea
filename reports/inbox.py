"""Each role's inbox on the home page: reports due, overdue, returned, and waiting for its approval.

Also the few words every report screen shares: month names, the state a report shows (jatuh tempo,
terlambat ...), and the WhatsApp reminder to a late dasawisma's ketua."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_
from urllib.parse import quote

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import RANK, Level, Perm, Role
from hierarchy.models import RoleAssignment, Unit
from pkkdata import periods

from . import events, workflow
from .models import Laporan, Status

SENT = (Status.SUBMITTED, Status.APPROVED)
WAITING_SHOWN = 10
CHANGED_MONTHS = 4  # the running month and the three before it: where a changed approved report is shown


def is_late(status, tahun, bulan, today):
    """Not submitted (a draft, or returned and not sent again) after the month's deadline."""
    return status not in SENT and today > workflow.deadline(tahun, bulan)


@dataclass(frozen=True)
class State:
    key: str
    label: str
    css: str


def state_of(status, tahun, bulan, today, group=False):
    """What a report of that status means to its people today. A group's report (an RT's) has no
    deadline of its own: it goes up by itself once everything below it is approved."""
    if status == Status.APPROVED:
        return State("disetujui", "Disetujui", "ok")
    if status == Status.SUBMITTED:
        return State("menunggu", "Menunggu persetujuan", "wait")
    late = not group and is_late(status, tahun, bulan, today)
    if status == Status.RETURNED:
        return State("dikembalikan", "Dikembalikan" + (" · terlambat" if late else ""), "err")
    if datetime.date(tahun, bulan, 1) > today:
        return State("belum_berjalan", "Bulan belum berjalan", "")
    opens = workflow.opens_on(tahun, bulan)
    if not group and today < opens:
        due = periods.date_label(workflow.deadline(tahun, bulan))
        return State("berjalan", f"Dapat dikirim mulai {periods.date_label(opens)} · jatuh tempo {due}", "")
    if group:
        return State("menunggu_bawah", "Belum dikirim · menunggu laporan di bawahnya disetujui", "")
    if late:
        return State("terlambat", "Terlambat", "err")
    return State("jatuh_tempo", f"Jatuh tempo {periods.date_label(workflow.deadline(tahun, bulan))}", "warn")


# -- WhatsApp reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    name: str
    url: str  # empty when no phone number is recorded


def ketua_by_dasawisma(dasawisma_ids):
    """{dasawisma id: [active users holding Ketua Dasawisma there]} in one query."""
    found = {pk: [] for pk in dasawisma_ids}
    rows = (
        RoleAssignment.objects.filter(role=Role.KETUA_DASAWISMA, unit_id__in=list(dasawisma_ids), user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    for ra in rows:
        found[ra.unit_id].append(ra.user)
    return found


def reminder_message(ketua, dasawisma, tahun, bulan, sender):
    return (
        f"Yth. {ketua.display_name}, dengan hormat kami mengingatkan bahwa laporan bulanan "
        f"Dasawisma {dasawisma.name} untuk bulan {periods.month_label(tahun, bulan)} belum kami terima. "
        f"Batas pengirimannya tanggal {periods.date_label(workflow.deadline(tahun, bulan))}. "
        "Mohon laporannya dikirim melalui aplikasi Data PKK; bila bulan itu tidak ada peristiwa, "
        f"kirim sebagai laporan NIHIL. Terima kasih atas kerja samanya. Salam, {sender.display_name}"
    )


def reminders_for(dasawisma, ketua_list, tahun, bulan, sender):
    """One WhatsApp link per ketua of the dasawisma (none when nobody holds the role)."""
    links = []
    for ketua in ketua_list:
        url = ""
        if ketua.wa_number:
            text = quote(reminder_message(ketua, dasawisma, tahun, bulan, sender), safe="")
            url = f"https://wa.me/{ketua.wa_number}?text={text}"
        links.append(Reminder(ketua.display_name, url))
    return links


# -- the inbox -------------------------------------------------------------------------------------


def _laporan_url(unit_id, tahun, bulan):
    return reverse("reports:laporan_unit", args=[unit_id, tahun, bulan])


def _months_q(months):
    return reduce(or_, (Q(tahun=t, bulan=b) for t, b in months))


def _own_dasawisma(user, today):
    """For a ketua dasawisma: last month's and this month's report of each of their dasawisma."""
    ids = [unit_id for _level, unit_id in access.units_granted(user, Perm.SUBMIT)]
    if not ids:
        return []
    this = (today.year, today.month)
    months = [periods.shift_month(*this, -1), this]
    reports = {(r.unit_id, r.tahun, r.bulan): r for r in Laporan.objects.filter(_months_q(months), unit_id__in=ids)}
    result = []
    for unit in Unit.objects.filter(pk__in=ids).order_by("code"):
        entries = []
        for tahun, bulan in months:
            if not unit.is_active_between(*periods.month_bounds(tahun, bulan)):
                continue
            report = reports.get((unit.pk, tahun, bulan))
            status = report.status if report else Status.DRAFT
            entries.append(
                {
                    "month": periods.month_label(tahun, bulan),
                    "state": state_of(status, tahun, bulan, today),
                    "reason": report.return_reason if report and status == Status.RETURNED else "",
                    "url": _laporan_url(unit.pk, tahun, bulan),
                }
            )
        if entries:
            result.append({"unit": unit, "name": unit.title, "months": entries})
    return result


def _waiting(user):
    """Submitted reports this user approves, oldest month first, with the checklist page to open."""
    qs = Laporan.objects.filter(workflow.reviewable_q(user), status=Status.SUBMITTED)
    shown = list(qs.select_related("unit").order_by("tahun", "bulan", "unit__code")[: WAITING_SHOWN + 1])
    count = len(shown) if len(shown) <= WAITING_SHOWN else qs.count()
    items = []
    for report in shown[:WAITING_SHOWN]:
        approver_id = workflow.approver_unit_id(report.unit) or report.unit_id
        items.append(
            {
                "name": report.unit.title,
                "month": periods.month_label(report.tahun, report.bulan),
                "nihil": report.nihil,
                "url": _laporan_url(approver_id, report.tahun, report.bulan) + f"#laporan-{report.pk}",
            }
        )
    return count, items


def _changed_after_approval(user, today):
    """Approved reports this user approves whose numbers changed since (a birth recorded late, a
    correction by kelurahan staff), over the running month and the CHANGED_MONTHS - 1 before it, where
    late entries happen: they must be approved again. Three queries per month and reporting level."""
    if access.is_global(user):
        # The system administrator approves nowhere in particular: recounting every approved report of
        # the country on each visit of the home page would cost seconds. The report pages still show it.
        return []
    months = [periods.shift_month(today.year, today.month, -i) for i in range(CHANGED_MONTHS)]
    approved = Laporan.objects.filter(workflow.reviewable_q(user), _months_q(months), status=Status.APPROVED)
    reports = list(approved.select_related("unit").order_by("tahun", "bulan", "unit__code"))
    # The events are counted for these reports' units only, named by their ids: the statements start
    # from the user's own units (an index), never from the city's events of the month.
    units_of = defaultdict(list)
    for r in reports:
        units_of[(r.tahun, r.bulan, r.unit.level)].append(r.unit_id)
    current = {}
    for (tahun, bulan, level), ids in units_of.items():
        for unit_id, numbers in events.numbers_by(level, tahun, bulan, Q(**{f"{level}_id__in": ids})).items():
            current[(unit_id, tahun, bulan)] = numbers
    items = []
    for r in reports:
        now = current.get((r.unit_id, r.tahun, r.bulan), events.empty_numbers())
        if workflow.changed_since_approval(r, now=now):
            approver_id = workflow.approver_unit_id(r.unit) or r.unit_id
            items.append(
                {
                    "name": r.unit.title,
                    "month": periods.month_label(r.tahun, r.bulan),
                    "url": _laporan_url(approver_id, r.tahun, r.bulan) + f"#laporan-{r.pk}",
                }
            )
    return items


def _returned_group_reports(user):
    """Group reports (an RT's) that the level above sent back to this user's group."""
    levels = workflow.reporting_levels()
    ids = [unit_id for level, unit_id in access.units_granted(user, Perm.APPROVE) if level in levels]
    if not ids:
        return []
    rows = Laporan.objects.filter(unit_id__in=ids, status=Status.RETURNED).select_related("unit")
    return [
        {
            "name": r.unit.title,
            "month": periods.month_label(r.tahun, r.bulan),
            "reason": r.return_reason,
            "url": _laporan_url(r.unit_id, r.tahun, r.bulan),
        }
        for r in rows.order_by("tahun", "bulan", "unit__code")
    ]


def overdue_month(today):
    """The latest month whose deadline has passed."""
    last = periods.shift_month(today.year, today.month, -1)
    return last if today > workflow.deadline(*last) else periods.shift_month(*last, -1)


def _overdue(user, today):
    """For kelurahan and up: per top unit of the user's area, the dasawisma late with the latest month
    whose deadline has passed (one query for all of them)."""
    rank = access.highest_rank_anywhere(user, Perm.VIEW)
    high = rank is not None and rank <= RANK[Level.DESA]
    tops = [u for u in access.top_units(user) if RANK[u.level] <= RANK[Level.DESA]] if high else []
    if not tops:
        return None
    tahun, bulan = overdue_month(today)
    sent = Laporan.objects.filter(unit=OuterRef("pk"), tahun=tahun, bulan=bulan, status__in=SENT)
    counts = (
        Unit.objects.filter(reduce(or_, (Q(**{f"{u.level}_id": u.pk}) for u in tops)), level=Level.DASAWISMA)
        .filter(workflow.month_overlap_q(tahun, bulan))
        .exclude(Exists(sent))
        .aggregate(**{f"u{u.pk}": Count("pk", filter=Q(**{f"{u.level}_id": u.pk})) for u in tops})
    )
    sampai = f"?sampai={tahun:04d}-{bulan:02d}"
    return {
        "month": periods.month_label(tahun, bulan),
        "deadline": periods.date_label(workflow.deadline(tahun, bulan)),
        "units": [
            {
                "name": u.title,
                "count": counts[f"u{u.pk}"],
                "url": reverse("reports:kelengkapan", args=[u.pk]) + sampai,
            }
            for u in tops
        ],
        "total": sum(counts.values()),
    }


def inbox_for(user, today=None):
    """A dict for templates/reports/_inbox.html: the ketua dasawisma's own reports, the reports
    waiting for this user's approval, returned group reports, and late dasawisma for kelurahan and up."""
    if not getattr(user, "is_authenticated", False):
        return {}
    today = today or timezone.localdate()
    box = {"dasawisma": _own_dasawisma(user, today)}
    if workflow.is_approver(user):
        box["waiting_count"], box["waiting"] = _waiting(user)
        box["approver"] = True
        box["returned_groups"] = _returned_group_reports(user)
        box["changed"] = _changed_after_approval(user, today)
    box["overdue"] = _overdue(user, today)
    box["any"] = bool(box["dasawisma"] or box.get("approver") or box["overdue"])
    return box
