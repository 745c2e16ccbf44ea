"""The monthly vital events of a dasawisma (4.18a): the month's page and the cadre's entry screens for
a pregnancy, its end, a birth and a death. Each event is recorded once, against the person; the month's
rows and totals are derived (reports.events).

Who: everybody who sees the dasawisma sees its months. Recording is for its cadres (isi_data_warga)
while the month's report is not submitted or approved (reports.workflow.is_locked), and for the TP PKK
desa/kelurahan (kelola_satuan) at any time, as corrections. The services (reports.services)
check the rights, the lock and the dates again before writing; their messages land on the forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit, path_related
from hierarchy.receipts import once_per_form
from households import rules, validation
from households import views_entry as entry
from households.forms import WargaLeaveForm
from households.models import Kehamilan, Kematian
from households.selectors import VIA_KEHAMILAN
from pkkdata import periods
from pkkdata.http import posted

from . import events, workflow
from . import services as services_events
from .forms_events import (
    BAYI,
    BAYI2,
    KehamilanEndForm,
    KehamilanForm,
    KelahiranForm,
    KematianForm,
    baby_field,
    parse_month,
)
from .models import Laporan, Status

# -- months ----------------------------------------------------------------------------------------


def _month_of(request):
    """The month asked for in ?bulan=YYYY-MM, else the current one (with a notice when unreadable)."""
    today = timezone.localdate()
    raw = request.GET.get("bulan")
    if raw:
        month = parse_month(raw)
        if month is not None:
            return month
        messages.warning(request, f"Bulan “{raw[:20]}” tidak dikenal; ditampilkan bulan ini.")
    return today.year, today.month


def month_url(dasawisma_pk, tahun, bulan):
    return reverse("reports:kejadian_dasawisma", args=[dasawisma_pk]) + f"?bulan={tahun:04d}-{bulan:02d}"


# -- who may do what -------------------------------------------------------------------------------


def _dasawisma(user, pk):
    """A dasawisma the user sees: 404 outside their area, or when the unit is not a dasawisma."""
    # Unit.path_label reads the unit's own dasawisma column too.
    qs = Unit.objects.select_related(*path_related())
    return access.get_for_user(user, qs, Perm.VIEW, "", pk=pk, level=Level.DASAWISMA)


def _require_recorder(user, dasawisma):
    if not access.may_record_events(user, dasawisma):
        raise PermissionDenied("Hanya kader dasawisma ini dan TP PKK desa/kelurahan yang dapat mencatat peristiwa.")


def _dasawisma_for_entry(user, pk):
    dasawisma = _dasawisma(user, pk)
    _require_recorder(user, dasawisma)
    return dasawisma


def _report(dasawisma, tahun, bulan):
    report = Laporan.objects.filter(unit=dasawisma, tahun=tahun, bulan=bulan).first()
    if report is not None:
        report.unit = dasawisma
    return report


def _after_save(request, user, dasawisma, day, text):
    """The success message; a correction in a submitted or approved month says what it means."""
    messages.success(request, text)
    if access.is_corrector(user, dasawisma) and workflow.is_locked(dasawisma, day):
        report = _report(dasawisma, day.year, day.month)
        if report is not None and report.status == Status.APPROVED:
            messages.warning(
                request,
                f"Laporan {periods.month_label(day.year, day.month)} dasawisma ini sudah disetujui: angkanya kini "
                "tampil “berubah setelah disetujui” sampai disetujui ulang.",
            )
        else:
            messages.warning(
                request,
                f"Laporan {periods.month_label(day.year, day.month)} dasawisma ini sedang menunggu persetujuan; "
                "perbaikan ini ikut terbaca oleh penyetuju.",
            )
    return redirect(month_url(dasawisma.pk, day.year, day.month))


# -- service errors back onto the forms ------------------------------------------------------------


def _put_back(exc, form, fields=None):
    """A service's ValidationError onto the form (fields maps the service's names to the form's)."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        target = fields.get(name, name)
        texts = [text for error in errors for text in error.messages]
        form.add_error(target if target in form.fields else None, texts)


def _entry_context(request, dasawisma, **extra):
    today = timezone.localdate()
    tahun, bulan = today.year, today.month
    month = parse_month(request.GET.get("bulan", ""))
    if month is not None:
        tahun, bulan = month
    context = {
        "dasawisma": dasawisma,
        "dasawisma_path": dasawisma.path_label(),
        "back_url": month_url(dasawisma.pk, tahun, bulan),
        "back_label": f"Peristiwa {periods.month_label(tahun, bulan)}",
        "corrector": access.is_corrector(request.user, dasawisma),
    }
    context.update(extra)
    return context


# -- the month's page ------------------------------------------------------------------------------


def _ongoing_pregnancies(dasawisma, today):
    pregnancies = list(
        Kehamilan.objects.filter(
            ibu__keluarga__rumah_tangga__dasawisma=dasawisma, tanggal_selesai__isnull=True, ibu__status="aktif"
        )
        .select_related("ibu")
        .order_by("tanggal_mulai", "pk")
    )
    for k in pregnancies:
        # Past its HPL (households.rules.counts_until) it no longer counts: the cadre says how it ended.
        k.lewat_hpl = rules.is_overdue(k, today)
    return pregnancies


def _other_deaths(dasawisma, tahun, bulan):
    """Deaths of the month that are not on 4.18a (aged five years and over, not an ibu meninggal): the
    cadre sees that what she recorded was kept."""
    first, last = periods.month_bounds(tahun, bulan)
    deaths = (
        Kematian.objects.filter(dasawisma=dasawisma, tanggal__range=(first, last))
        .select_related("warga")
        .prefetch_related("warga__kehamilan")
        .order_by("tanggal", "pk")
    )
    return [d for d in deaths if rules.death_kind(d.warga, d.tanggal, d.warga.kehamilan.all()) is None]


def _reports_url(dasawisma, tahun, bulan):
    return reverse("reports:laporan_unit", args=[dasawisma.pk, tahun, bulan])


def _households_url(dasawisma):
    return reverse("households:rumah_tangga_list", args=[dasawisma.pk])


@login_required
def kejadian_dasawisma(request, unit_pk):
    dasawisma = _dasawisma(request.user, unit_pk)
    user = request.user
    tahun, bulan = _month_of(request)
    today = timezone.localdate()
    first, _last = periods.month_bounds(tahun, bulan)

    rows, numbers = events.monthly_rows(dasawisma, tahun, bulan)
    locked = workflow.is_locked(dasawisma, first)
    report = _report(dasawisma, tahun, bulan)
    status = report.status if report is not None else None
    changed = workflow.changed_since_approval(report) if status == Status.APPROVED else {}
    corrector = access.is_corrector(user, dasawisma)
    can_record = services_events.may_record_in(user, dasawisma, locked=locked)

    prev_month, next_month = periods.shift_month(tahun, bulan, -1), periods.shift_month(tahun, bulan, 1)
    totals = events.catatan_totals(numbers)
    return render(
        request,
        "reports/events/bulan.html",
        {
            "dasawisma": dasawisma,
            "dasawisma_path": dasawisma.path_label(),
            "households_url": _households_url(dasawisma),
            "reports_url": _reports_url(dasawisma, tahun, bulan),
            "tahun": tahun,
            "bulan": bulan,
            "bulan_value": f"{tahun:04d}-{bulan:02d}",
            "month_label": periods.month_label(tahun, bulan),
            "prev_url": month_url(dasawisma.pk, *prev_month),
            "prev_label": periods.short_month_label(*prev_month),
            "next_url": month_url(dasawisma.pk, *next_month) if next_month <= (today.year, today.month) else None,
            "next_label": periods.short_month_label(*next_month),
            "rows": rows,
            "totals": [(key, label, totals[key]) for key, label in events.CATATAN_FIELDS],
            "numbers": [(label, numbers[key]) for key, label in events.NUMBER_FIELDS],
            "locked": locked,
            "status": status,
            "approved": status == Status.APPROVED,
            "changed": [(label, *changed[key]) for key, label in events.NUMBER_FIELDS if key in changed],
            "corrector": corrector,
            "can_record": can_record,
            "is_cadre": access.has_perm(user, Perm.ENTRY, dasawisma),
            "ongoing": _ongoing_pregnancies(dasawisma, today),
            "other_deaths": _other_deaths(dasawisma, tahun, bulan),
        },
    )


# -- entry -----------------------------------------------------------------------------------------


@login_required
@once_per_form
def kehamilan_add(request, unit_pk):
    dasawisma = _dasawisma_for_entry(request.user, unit_pk)
    initial = {}
    if validation.is_digits(request.GET.get("ibu", "")):  # from the woman's card on the household page
        initial["ibu"] = int(request.GET["ibu"])
    form = KehamilanForm(request.POST if request.method == "POST" else None, dasawisma=dasawisma, initial=initial)
    if form.is_valid():
        ibu, mulai = form.cleaned_data["ibu"], form.cleaned_data["tanggal_mulai"]
        try:
            services_events.kehamilan_record(
                actor=request.user, ibu=ibu, tanggal_mulai=mulai, perkiraan_lahir=form.cleaned_data["perkiraan_lahir"]
            )
        except ValidationError as exc:
            _put_back(exc, form, {"tanggal": "tanggal_mulai"})
        else:
            return _after_save(request, request.user, dasawisma, mulai, f"Kehamilan {ibu.nama} dicatat.")
    return render(request, "reports/events/kehamilan_form.html", _entry_context(request, dasawisma, form=form))


@login_required
def kehamilan_end(request, pk):
    qs = Kehamilan.objects.select_related("ibu", *path_related(VIA_KEHAMILAN))
    kehamilan = access.get_for_user(request.user, qs, Perm.VIEW, VIA_KEHAMILAN, pk=pk)
    dasawisma = kehamilan.ibu.keluarga.rumah_tangga.dasawisma
    _require_recorder(request.user, dasawisma)
    form = KehamilanEndForm(request.POST if request.method == "POST" else None)
    ended = kehamilan.tanggal_selesai is not None
    if ended:
        # The service would overwrite how it ended (a birth's pregnancy would become a miscarriage).
        if form.is_bound:
            form.is_valid()
            form.add_error(None, "Kehamilan ini sudah berakhir; tidak dapat diakhiri lagi.")
    elif form.is_valid():
        day = form.cleaned_data["tanggal"]
        try:
            services_events.kehamilan_end(
                actor=request.user, kehamilan=kehamilan, tanggal=day, hasil=form.cleaned_data["hasil"]
            )
        except ValidationError as exc:
            _put_back(exc, form)
        else:
            text = f"Kehamilan {kehamilan.ibu.nama} dicatat berakhir ({kehamilan.get_hasil_display().lower()})."
            return _after_save(request, request.user, dasawisma, day, text)
    return render(
        request,
        "reports/events/kehamilan_end.html",
        _entry_context(request, dasawisma, form=form, kehamilan=kehamilan, ended=ended),
    )


def _record_births(user, form):
    """The first baby, and a twin when the form has one, together or not at all."""
    d = form.cleaned_data
    common = {
        "actor": user,
        "ibu": d["ibu"],
        "tanggal": d["tanggal"],
        "confirm_without_pregnancy": d["konfirmasi"],
    }
    babies = [BAYI, BAYI2] if form.has_twin else [BAYI]
    births = []
    with transaction.atomic():
        for baby in babies:
            try:
                births.append(
                    services_events.kelahiran_record(**common, bayi=form.bayi(baby), akte_kelahiran=form.akte(baby))
                )
            except ValidationError as exc:
                exc.baby = baby
                raise
    return births


@login_required
@once_per_form
def kelahiran_add(request, unit_pk):
    dasawisma = _dasawisma_for_entry(request.user, unit_pk)
    initial = {}
    if validation.is_digits(request.GET.get("ibu", "")):
        initial["ibu"] = int(request.GET["ibu"])
    form = KelahiranForm(request.POST if request.method == "POST" else None, dasawisma=dasawisma, initial=initial)
    if form.is_valid():
        try:
            births = _record_births(request.user, form)
        except services_events.NeedsConfirmation as exc:
            form.confirm_message = " ".join(exc.messages)
        except ValidationError as exc:
            baby = getattr(exc, "baby", BAYI)
            fields = {name: baby_field(baby, name) for name in ("nama", "jenis_kelamin", "nik", "tempat_lahir")}
            _put_back(exc, form, {**fields, "tanggal_lahir": "tanggal"})
        else:
            names = " dan ".join(b.bayi.nama for b in births)
            ibu = form.cleaned_data["ibu"]
            text = f"Kelahiran {names} dicatat; bayi menjadi anggota keluarga {ibu.nama}."
            return _after_save(request, request.user, dasawisma, form.cleaned_data["tanggal"], text)
    return render(
        request,
        "reports/events/kelahiran_form.html",
        _entry_context(
            request, dasawisma, form=form, bayi_fields=form.fields_of(BAYI), bayi2_fields=form.fields_of(BAYI2)
        ),
    )


@login_required
@once_per_form
def kematian_add(request, unit_pk):
    dasawisma = _dasawisma_for_entry(request.user, unit_pk)
    initial = {}
    if validation.is_digits(request.GET.get("warga", "")):
        initial["warga"] = int(request.GET["warga"])
    form = KematianForm(request.POST if request.method == "POST" else None, dasawisma=dasawisma, initial=initial)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services_events.kematian_record(
                actor=request.user,
                warga=d["warga"],
                tanggal=d["tanggal"],
                sebab=d["sebab"],
                confirm_age=d["konfirmasi"],
            )
        except services_events.NeedsConfirmation as exc:
            form.confirm_message = " ".join(exc.messages)
        except ValidationError as exc:
            _put_back(exc, form)
        else:
            text = f"Kematian {d['warga'].nama} dicatat; {d['warga'].nama} kini berstatus meninggal."
            return _after_save(request, request.user, dasawisma, d["tanggal"], text)
    return render(request, "reports/events/kematian_form.html", _entry_context(request, dasawisma, form=form))


# -- a member leaves (moves out or dies) -----------------------------------------------------------


@login_required
def warga_leave(request, pk):
    warga = entry.warga_for_entry(request.user, pk)
    rt = warga.keluarga.rumah_tangga
    if not warga.is_active:
        return entry.warga_readonly(request, warga)
    form = WargaLeaveForm(posted(request), warga=warga)
    if request.method == "POST" and form.is_valid():
        was_krt = rt.krt_id == warga.pk
        data = form.cleaned_data
        try:
            services_events.warga_leave(
                actor=request.user,
                warga=warga,
                status=data["status"],
                on_date=data["tanggal_status"],
                keterangan=data["keterangan"],
            )
        except ValidationError as exc:
            entry.put_back(exc, [(form, ["status", "tanggal_status"])], form)
        else:
            status = warga.get_status_display().lower()
            entry.saved(request, f"{warga.nama} dicatat {status} per {warga.tanggal_status:%d-%m-%Y}.")
            if was_krt:
                rt.refresh_from_db(fields=["krt"])
                if rt.krt_id:
                    messages.info(request, f"Kepala rumah tangga sekarang {rt.krt.nama}; ubah bila tidak tepat.")
                else:
                    messages.warning(request, "Rumah tangga ini tidak lagi mempunyai anggota aktif.")
            return redirect(entry.household_url(rt.pk))
    return render(request, "reports/events/warga_leave.html", entry.entry_context(rt, form=form, warga=warga))
