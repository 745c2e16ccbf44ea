"""The monthly report screens: a unit's report for a month (a dasawisma's 4.18a, or the list an RT or
kelurahan reviews), the actions on a report, the approval checklist, and the completeness table.

Units are fetched through hierarchy.access (404 outside the user's area); every change to a report
goes through reports.workflow, which checks the actor's rights itself (PermissionDenied → 403 page)
and refuses stale versions (ConflictError → a message, nothing changed)."""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hierarchy import access
from hierarchy.levels import RANK, Level, Perm
from hierarchy.models import Unit
from pkkdata import periods
from pkkdata.periods import month_label

from . import completeness, events, workflow
from .forms import AksiForm, ChecklistForm, SampaiForm
from .inbox import SENT, is_late, ketua_by_dasawisma, reminders_for, state_of
from .models import Laporan, Status

COMPLETENESS_MONTHS = 12
COMPLETENESS_ROWS = 25  # rows of the completeness table per page
LATE_SHOWN = 100
REVIEWED_ROWS = 25  # reports a group approves, per page of its monthly report


# -- helpers ---------------------------------------------------------------------------------------


def _check_month(tahun, bulan):
    if not periods.is_valid_month(tahun, bulan):
        raise Http404("Bulan tidak ditemukan.")


def _back(request):
    """The page the form came from (a local address only), for the redirect after a POST."""
    target = request.POST.get("kembali", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _catatan(numbers):
    totals = events.catatan_totals(numbers)
    return [(label, totals[key]) for key, label in events.CATATAN_FIELDS]


def _changes(report, numbers):
    """[(label, approved, now)] from the numbers the page has already counted (a list page would
    otherwise count every row again)."""
    changed = workflow.changed_since_approval(report, now=numbers)
    return [(label, *changed[key]) for key, label in events.NUMBER_FIELDS if key in changed]


@dataclass
class Item:
    """One report as a page shows it: its unit, the report (unsaved when nobody acted yet), its
    numbers, what it means today and what the user may do with it."""

    unit: Unit
    report: Laporan
    numbers: dict
    today: datetime.date
    can_review: bool = False
    reminders: list | None = None
    changes: list = field(default_factory=list)

    def __post_init__(self):
        self.changes = _changes(self.report, self.numbers)

    @property
    def name(self):
        return self.unit.title

    @property
    def is_group(self):
        return self.unit.level != Level.DASAWISMA

    @property
    def state(self):
        return state_of(self.report.status, self.report.tahun, self.report.bulan, self.today, group=self.is_group)

    @property
    def late(self):
        return not self.is_group and is_late(self.report.status, self.report.tahun, self.report.bulan, self.today)

    @property
    def catatan(self):
        return _catatan(self.numbers)

    @property
    def can_approve(self):
        status = self.report.status
        return self.can_review and (status == Status.SUBMITTED or (status == Status.APPROVED and bool(self.changes)))

    @property
    def can_return(self):
        return self.can_review and self.report.status in SENT


def _item(user, unit, report, numbers, tahun, bulan, today):
    if report is None:
        report = Laporan(unit=unit, tahun=tahun, bulan=bulan)
    report.unit = unit  # already loaded: spares a query per row
    can_review = report.pk is not None and workflow.can_review(user, report)
    return Item(unit=unit, report=report, numbers=numbers, today=today, can_review=can_review)


def _history(report):
    return list(report.log.select_related("actor")) if report.pk else []


# -- one unit's report for one month ---------------------------------------------------------------


def _dasawisma_context(user, unit, tahun, bulan, today):
    report = (
        Laporan.objects.filter(unit=unit, tahun=tahun, bulan=bulan)
        .select_related("submitted_by", "approved_by")
        .first()
    )
    active = unit.is_active_between(*periods.month_bounds(tahun, bulan))
    opens = workflow.opens_on(tahun, bulan)
    probe = report or Laporan(unit=unit, tahun=tahun, bulan=bulan)
    probe.unit = unit
    may_send = workflow.may_send(user, probe)
    may_submit = may_send and opens <= today
    not_yet_open = may_send and today < opens
    if report is None and may_submit:
        # The submit form carries the report's id and version, so the ketua's page creates the draft.
        report = workflow.get_report(unit, tahun, bulan)
    rows, numbers = events.monthly_rows(unit, tahun, bulan)
    item = _item(user, unit, report, numbers, tahun, bulan, today)
    # Who looks at the dasawisma from a group above it may remind its ketua (not its own cadres).
    if active and item.late and access.oversees(user, unit):
        item.reminders = reminders_for(unit, ketua_by_dasawisma([unit.pk])[unit.pk], tahun, bulan, user)
    return {
        "item": item,
        "rows": rows,
        "history": _history(item.report),
        "may_submit": may_submit,
        "opens": periods.date_label(opens) if not_yet_open else "",
        "has_events": any(numbers.values()),
        "active": active,
    }


def _late_dasawisma(unit, tahun, bulan, today):
    """The dasawisma under a kelurahan/RW/dusun that have not sent the month's report after its
    deadline (at most LATE_SHOWN + 1, to say there are more), with the state of their report."""
    if today <= workflow.deadline(tahun, bulan):
        return []
    this_month = Laporan.objects.filter(unit=OuterRef("pk"), tahun=tahun, bulan=bulan)
    return list(
        Unit.objects.filter(**{f"{unit.level}_id": unit.pk}, level=Level.DASAWISMA)
        .filter(workflow.month_overlap_q(tahun, bulan))
        .exclude(Exists(this_month.filter(status__in=SENT)))
        .annotate(status_laporan=Subquery(this_month.values("status")[:1]))
        .select_related("rt")
        .order_by("rt__code", "code")[: LATE_SHOWN + 1]
    )


def _group_context(user, unit, tahun, bulan, today, page_number=None):
    context = {"own": None, "history": [], "can_resubmit": False}
    if unit.level in workflow.reporting_levels():
        report = Laporan.objects.filter(unit=unit, tahun=tahun, bulan=bulan).first()
        own = _item(user, unit, report, events.numbers_for(unit, tahun, bulan), tahun, bulan, today)
        context["own"] = own
        context["own_numbers"] = [(label, own.numbers[key]) for key, label in events.NUMBER_FIELDS]
        context["history"] = _history(own.report)
        context["can_resubmit"] = own.report.status == Status.RETURNED and workflow.approves_on(user, unit.pk)

    approving = unit.level in workflow.chain()
    # A kelurahan approves hundreds of RT reports: they are shown (and counted) a page at a time.
    page = Paginator(workflow.reviewed_units(unit, tahun, bulan) if approving else [], REVIEWED_ROWS)
    page = page.get_page(page_number)
    reviewed = list(page.object_list)
    reports = {r.unit_id: r for r in Laporan.objects.filter(unit__in=reviewed, tahun=tahun, bulan=bulan)}
    numbers = {}
    for level in sorted({u.level for u in reviewed}):
        ids = [u.pk for u in reviewed if u.level == level]
        numbers.update(events.numbers_by(level, tahun, bulan, Q(**{f"{level}_id__in": ids})))
    items = [
        _item(user, u, reports.get(u.pk), numbers.get(u.pk, events.empty_numbers()), tahun, bulan, today)
        for u in reviewed
    ]
    late_rows = [i for i in items if i.late]
    if late_rows:
        ketua = ketua_by_dasawisma([i.unit.pk for i in late_rows])
        for i in late_rows:
            i.reminders = reminders_for(i.unit, ketua[i.unit.pk], tahun, bulan, user)

    late = []
    if RANK[Level.DESA] <= RANK[unit.level] < RANK[Level.RT]:
        found = _late_dasawisma(unit, tahun, bulan, today)
        ketua = ketua_by_dasawisma([d.pk for d in found[:LATE_SHOWN]]) if found else {}
        for d in found[:LATE_SHOWN]:
            late.append(
                {
                    "unit": d,
                    "returned": d.status_laporan == Status.RETURNED,
                    "reminders": reminders_for(d, ketua[d.pk], tahun, bulan, user),
                }
            )
        context["late_more"] = len(found) > LATE_SHOWN

    context.update(
        {
            "approving": approving,
            "items": items,
            "page": page,
            "checklist": [i for i in items if i.can_approve],
            "late": late,
            "children": []
            if approving
            else list(unit.children.filter(workflow.month_overlap_q(tahun, bulan)).order_by("code")),
        }
    )
    return context


@login_required
def laporan_unit(request, unit_pk, tahun, bulan):
    _check_month(tahun, bulan)
    user = request.user
    unit = access.get_unit_for_user(user, unit_pk)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "unit_name": unit.title,
        "tahun": tahun,
        "bulan": bulan,
        "month": month_label(tahun, bulan),
        "deadline": periods.date_label(workflow.deadline(tahun, bulan)),
        "prev": periods.shift_month(tahun, bulan, -1),
        "next": periods.shift_month(tahun, bulan, 1),
        "path": [a for a in unit.ancestors() if access.can_see(user, a)],
        "is_dasawisma": unit.level == Level.DASAWISMA,
        "here": request.get_full_path(),
    }
    if unit.level == Level.DASAWISMA:
        context.update(_dasawisma_context(user, unit, tahun, bulan, today))
    else:
        context.update(_group_context(user, unit, tahun, bulan, today, request.GET.get("hal")))
    return render(request, "reports/laporan_unit.html", context)


@login_required
def laporan_terkini(request, unit_pk):
    """A unit's report page for the month now being reported (last month): what links point to."""
    unit = access.get_unit_for_user(request.user, unit_pk)
    today = timezone.localdate()
    tahun, bulan = periods.shift_month(today.year, today.month, -1)
    return redirect("reports:laporan_unit", unit_pk=unit.pk, tahun=tahun, bulan=bulan)


# -- actions ---------------------------------------------------------------------------------------

DONE = {
    "kirim": "Laporan {name} bulan {month} dikirim untuk disetujui.",
    "kirim_nihil": "Laporan NIHIL {name} bulan {month} dikirim untuk disetujui.",
    "setujui": "Laporan {name} bulan {month} disetujui.",
    "kembalikan": "Laporan {name} bulan {month} dikembalikan beserta alasannya.",
    "kirim_ulang": "Laporan {name} bulan {month} dikirim ulang.",
}


def _perform(user, report, aksi, versi, alasan):
    if aksi in ("kirim", "kirim_nihil"):
        workflow.report_submit(actor=user, report=report, expected_version=versi, nihil=aksi == "kirim_nihil")
    elif aksi == "setujui":
        workflow.report_approve(actor=user, report=report, expected_version=versi)
    elif aksi == "kembalikan":
        workflow.report_return(actor=user, report=report, expected_version=versi, reason=alasan)
    else:
        workflow.report_resubmit_group(actor=user, report=report, expected_version=versi)


@login_required
@require_POST
def laporan_aksi(request, pk):
    report = access.get_for_user(request.user, Laporan.objects.select_related("unit"), Perm.VIEW, "unit__", pk=pk)
    back = _back(request) or reverse("reports:laporan_unit", args=[report.unit_id, report.tahun, report.bulan])
    form = AksiForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    aksi, versi, alasan = form.cleaned_data["aksi"], form.cleaned_data["versi"], form.cleaned_data["alasan"]
    words = {"name": report.unit.title, "month": month_label(report.tahun, report.bulan)}
    try:
        _perform(request.user, report, aksi, versi, alasan)
    except (ValidationError, workflow.ConflictError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if aksi == "kembalikan" and alasan.strip():
            # The page reloads: keep what was typed where the user can copy it.
            text += f" Alasan yang Anda tulis: “{alasan.strip()}”"
        messages.error(request, text)
    else:
        messages.success(request, DONE[aksi].format(**words))
    return redirect(back)


@login_required
@require_POST
def laporan_setujui_banyak(request):
    user = request.user
    if not access.holds_anywhere(user, Perm.APPROVE):
        raise PermissionDenied("Peran Anda tidak menyetujui laporan.")
    back = _back(request) or reverse("home")
    form = ChecklistForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(back)
    wanted = form.cleaned_data["items"]
    found = list(
        access.scope(Laporan.objects.select_related("unit"), user, Perm.VIEW, "unit__").filter(pk__in=list(wanted))
    )
    approved, failed = workflow.report_approve_many(actor=user, items=[(r, wanted[r.pk]) for r in found])
    if approved:
        messages.success(request, f"{len(approved)} laporan disetujui.")
    else:
        messages.warning(request, "Tidak ada laporan yang disetujui.")
    for report, reason in failed:
        messages.error(
            request, f"{report.unit.title} ({month_label(report.tahun, report.bulan)}) tidak disetujui: {reason}"
        )
    if len(found) < len(wanted):
        messages.error(request, f"{len(wanted) - len(found)} laporan yang dipilih tidak ditemukan.")
    return redirect(back)


# -- completeness ----------------------------------------------------------------------------------


def _percent(part, whole):
    """Whole percent, rounded down so that an incomplete figure never reads 100%."""
    return None if not whole else min(100, 100 * part // whole)


def _cell_state(cell):
    if not cell.expected:
        return "kosong", "–"
    if cell.approved >= cell.expected:
        return "lengkap", "✓"
    if cell.approved:
        return "sebagian", "◐"
    return "belum", "✗"


def _sum(cells):
    total = completeness.Cell()
    for cell in cells:
        total.add(cell)
    return total


def _show_cell(cell, url=""):
    state, symbol = _cell_state(cell)
    return {
        "cell": cell,
        "state": state,
        "symbol": symbol,
        "url": url if cell.expected else "",
        "waiting": cell.submitted - cell.approved,
        "percent": _percent(cell.approved, cell.expected),
    }


@login_required
def kelengkapan(request, unit_pk):
    unit = access.get_unit_for_user(request.user, unit_pk)
    today = timezone.localdate()
    end = last_month = periods.shift_month(today.year, today.month, -1)
    form = SampaiForm(
        request.GET if "sampai" in request.GET else None, initial={"sampai": "{:04d}-{:02d}".format(*end)}
    )
    if form.is_bound and form.is_valid() and form.cleaned_data["sampai"]:
        end = form.cleaned_data["sampai"]
    months = [periods.shift_month(*end, -i) for i in range(COMPLETENESS_MONTHS - 1, -1, -1)]
    children, cells = completeness.table(unit, months)
    # The totals are the whole area's; the rows are shown a page at a time (a kelurahan may hold
    # hundreds of RT).
    month_totals = [_show_cell(_sum(cells[c.pk][month] for c in children)) for month in months]
    page = Paginator(children, COMPLETENESS_ROWS).get_page(request.GET.get("hal"))

    rows = []
    for child in page.object_list:
        by_month = cells[child.pk]
        shown = []
        for tahun, bulan in months:
            url = reverse("reports:laporan_unit", args=[child.pk, tahun, bulan])
            shown.append(_show_cell(by_month[(tahun, bulan)], url))
        total = _sum(c["cell"] for c in shown)
        rows.append(
            {
                "unit": child,
                "name": str(child),  # the column head says what they are ("Dasawisma", "Satuan")
                "drill": "" if child.level == Level.DASAWISMA else reverse("reports:kelengkapan", args=[child.pk]),
                "cells": shown,
                "total": _show_cell(total),
            }
        )
    sampai = "?sampai={:04d}-{:02d}"
    return render(
        request,
        "reports/kelengkapan.html",
        {
            "unit": unit,
            "unit_name": unit.title,
            "path": [a for a in unit.ancestors() if access.can_see(request.user, a)],
            "form": form,
            # A phone opens the table at its latest month that is over (static/js/tabel-geser.js).
            "months": [
                {
                    "label": f"{periods.BULAN_SINGKAT[b - 1]} {t % 100:02d}",
                    "full": month_label(t, b),
                    "mulai": (t, b) == min(end, last_month),
                }
                for t, b in months
            ],
            "first": month_label(*months[0]),
            "last": month_label(*months[-1]),
            "rows": rows,
            "page": page,
            "page_query": f"?sampai={end[0]:04d}-{end[1]:02d}&hal=",
            "month_totals": month_totals,
            "grand": _show_cell(_sum(t["cell"] for t in month_totals)),
            "earlier": sampai.format(*periods.shift_month(*end, -COMPLETENESS_MONTHS)),
            "later": sampai.format(*periods.shift_month(*end, COMPLETENESS_MONTHS)),
            "row_label": "Dasawisma" if unit.level in (Level.RT, Level.DASAWISMA) else "Satuan",
        },
    )
