"""The recap screens: a unit's yearly recap (4.16a-4.17d) and monthly recap (4.18b-4.19c), one row per
unit one level below with a link to that unit's own recap, and the JUMLAH row.

The unit comes through hierarchy.access (404 outside the user's area), with its ancestors loaded in
the same query (the area block and the crumbs need no more); the numbers come from recaps.recaps.
Bad input never reaches a stack trace: a year outside periods.FIRST_YEAR..LAST_YEAR or a month outside 1-12 is a 404, an
unknown edition or data choice falls back to the default."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from documents.exporters import DEFAULT_EDITION, EDITIONS
from hierarchy import access
from hierarchy.levels import RANK, Level, Perm
from hierarchy.models import Unit
from pkkdata import periods
from pkkdata.dbrouter import reads_from_replica
from pkkdata.periods import BULAN, month_label

from . import recaps


def _unit(user, unit_pk):
    return access.get_for_user(user, Unit.objects.select_related(*recaps.ANCESTORS), Perm.VIEW, pk=unit_pk)


def check_period(tahun, bulan=None):
    """404 with the reason for a period no recap is made of (recaps.recaps.period_problem); the
    recap pages and their downloads share it."""
    problem = recaps.period_problem(tahun, bulan)
    if problem:
        raise Http404(problem)


def _query(**params):
    """'?edisi=...' for the non-default choices only, so that plain links stay plain."""
    params = {k: v for k, v in params.items() if v}
    return f"?{urlencode(params)}" if params else ""


def _yearly(unit_pk, tahun, edisi=""):
    """The yearly recap's address, or "" for a year the screens do not show."""
    if recaps.period_problem(tahun):
        return ""
    return reverse("recaps:rekap_tahunan", args=[unit_pk, tahun]) + _query(edisi=edisi)


def _monthly(unit_pk, tahun, bulan, data=""):
    if recaps.period_problem(tahun, bulan):
        return ""
    return reverse("recaps:rekap_bulanan", args=[unit_pk, tahun, bulan]) + _query(data=data)


def _crumbs(user, unit):
    """The unit's ancestors the user can see, top down (loaded with the unit: no query)."""
    chain = [getattr(unit, lv) for lv in recaps.ANCESTORS[: RANK[unit.level]] if getattr(unit, f"{lv}_id")]
    return [a for a in chain if access.can_see(user, a)]


def _table(recap, row_url):
    """The rows as the template prints them: label, link, cells in the columns' order."""
    keys = [c.key for c in recap.columns]
    rows = [{"label": row.label, "url": row_url(row), "cells": [row.values[k] for k in keys]} for row in recap.rows]
    return rows, [recap.total[k] for k in keys]


def _page(request, recap, **context):
    unit = recap.unit
    rows, total = _table(recap, context.pop("row_url"))
    crumb_url = context.pop("crumb_url")
    return render(
        request,
        "recaps/rekap.html",
        {
            "recap": recap,
            "unit": unit,
            "unit_name": unit.title,
            "rows": rows,
            "total": total,
            "crumbs": [(a, crumb_url(a)) for a in _crumbs(request.user, unit)],
            "years": (periods.FIRST_YEAR, timezone.localdate().year),
            "months": list(enumerate(BULAN, start=1)),
            **context,
        },
    )


@login_required
def rekap(request, unit_pk):
    """The chooser's target (?tahun=&bulan=, with edisi/data kept): the recap it names; without a
    year, the yearly recap of the running year."""
    unit = _unit(request.user, unit_pk)
    today = timezone.localdate()
    raw_year, raw_month = request.GET.get("tahun", "").strip(), request.GET.get("bulan", "").strip()
    if not raw_year:
        return redirect("recaps:rekap_tahunan", unit_pk=unit.pk, tahun=today.year)
    try:
        tahun = int(raw_year)
        bulan = int(raw_month) if raw_month else None
        check_period(tahun, bulan)
    except (ValueError, Http404):
        messages.error(request, f"Pilih tahun {periods.FIRST_YEAR}–{today.year} dan bulan yang sudah berjalan.")
        return redirect("recaps:rekap_tahunan", unit_pk=unit.pk, tahun=today.year)
    if bulan is None:
        edition = request.GET.get("edisi")
        return redirect(_yearly(unit.pk, tahun, edition if edition in EDITIONS and edition != DEFAULT_EDITION else ""))
    return redirect(
        _monthly(unit.pk, tahun, bulan, recaps.TERKINI if request.GET.get("data") == recaps.TERKINI else "")
    )


@login_required
@reads_from_replica
def rekap_tahunan(request, unit_pk, tahun):
    check_period(tahun)
    unit = _unit(request.user, unit_pk)
    edition = request.GET.get("edisi")
    edition = edition if edition in EDITIONS else DEFAULT_EDITION
    recap = recaps.yearly_recap(unit, tahun, edition)
    edisi = "" if edition == DEFAULT_EDITION else edition
    today = timezone.localdate()
    # The monthly recap of the same year: its last month, or the month now being reported.
    month = (tahun, 12) if tahun < today.year else periods.shift_month(today.year, today.month, -1)

    def row_url(row):
        if row.rumah_tangga_id:
            return reverse("households:rumah_tangga_detail", args=[row.rumah_tangga_id])
        return _yearly(row.unit_id, tahun, edisi)

    if unit.level == Level.DASAWISMA:  # its month is the 4.18a report page
        monthly = reverse("reports:laporan_unit", args=[unit.pk, *month])
    else:
        monthly = _monthly(unit.pk, *month)
    return _page(
        request,
        recap,
        row_url=row_url,
        yearly=True,
        edition=edition,
        editions=[
            (key, label, _yearly(unit.pk, tahun, "" if key == DEFAULT_EDITION else key))
            for key, label in EDITIONS.items()
        ],
        as_of=periods.date_label(recap.as_of),
        closed_on=periods.date_label(timezone.localtime(recap.closed_at).date()) if recap.closed_at else "",
        past_year=tahun < timezone.localdate().year,
        prev=_yearly(unit.pk, tahun - 1, edisi),
        next=_yearly(unit.pk, tahun + 1, edisi),
        other=monthly,
        other_label=f"Rekap bulanan ({month_label(*month)})",
        crumb_url=lambda a: _yearly(a.pk, tahun, edisi),
        download=reverse("recaps:rekap_unduh_tahunan", args=[unit.pk, tahun]) + _query(edisi=edisi),
        chooser={"tahun": tahun, "bulan": None, "edisi": edisi, "data": ""},
    )


@login_required
@reads_from_replica
def rekap_bulanan(request, unit_pk, tahun, bulan):
    check_period(tahun, bulan)
    unit = _unit(request.user, unit_pk)
    if unit.level == Level.DASAWISMA:
        # A dasawisma's month is its 4.18a event list, on the monthly report page.
        return redirect("reports:laporan_unit", unit_pk=unit.pk, tahun=tahun, bulan=bulan)
    form = recaps.form_for(unit.level, recaps.MONTHLY)
    if form is None:  # a provinsi: the monthly recaps stop at the kab/kota
        return render(
            request,
            "recaps/rekap.html",
            {
                "unit": unit,
                "unit_name": unit.title,
                "no_form": f"Tidak ada rekap bulanan untuk {unit.title}: rekap bulanan 4.18–4.19 "
                f"berhenti di kabupaten/kota. Buka kabupaten/kota di bawahnya untuk {month_label(tahun, bulan)}.",
                "other": _yearly(unit.pk, tahun),
                "other_label": f"Rekap tahunan {tahun}",
            },
        )
    data = recaps.TERKINI if request.GET.get("data") == recaps.TERKINI else recaps.DISETUJUI
    recap = recaps.monthly_recap(unit, tahun, bulan, data)
    keep = recaps.TERKINI if data == recaps.TERKINI else ""

    def row_url(row):
        if row.level == Level.DASAWISMA:
            return reverse("reports:laporan_unit", args=[row.unit_id, tahun, bulan])
        return _monthly(row.unit_id, tahun, bulan, keep)

    return _page(
        request,
        recap,
        row_url=row_url,
        yearly=False,
        data_choices=[
            (key, label, _monthly(unit.pk, tahun, bulan, "" if key == recaps.DISETUJUI else key))
            for key, label in recaps.DATA_CHOICES.items()
        ],
        prev=_monthly(unit.pk, *periods.shift_month(tahun, bulan, -1), keep),
        next=_monthly(unit.pk, *periods.shift_month(tahun, bulan, 1), keep),
        other=_yearly(unit.pk, tahun),
        other_label=f"Rekap tahunan {tahun}",
        crumb_url=lambda a: _monthly(a.pk, tahun, bulan, keep),
        download=reverse("recaps:rekap_unduh_bulanan", args=[unit.pk, tahun, bulan]) + _query(data=keep),
        reports_url=reverse("reports:laporan_unit", args=[unit.pk, tahun, bulan]),
        chooser={"tahun": tahun, "bulan": bulan, "edisi": "", "data": keep},
    )
