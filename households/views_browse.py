"""Browsing households: the list of a dasawisma, the search, the household page, its history, the
NIK/No. KK reveal, the yearly check and moving a household to another dasawisma.

Every object is fetched through hierarchy.access (404 outside the user's area, 403 inside without the
permission) with the lookup paths of households.selectors; every write goes through
households.services. NIK and No. KK are masked on all these pages; only the reveal shows them."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hierarchy import access
from hierarchy.levels import DASAWISMA_MAX, DASAWISMA_MIN, Level, Perm
from hierarchy.models import path_related
from pkkdata.http import errors_onto_form, posted

from . import rules, selectors, services
from .forms_browse import PendataanConfirmForm, RumahTanggaMoveForm, SearchForm, YearForm, dasawisma_label
from .history import household_history
from .models import KegiatanWarga, Keluarga, PendataanTahunan, RumahTangga, StatusWarga, Warga
from .selectors import VIA_RUMAH_TANGGA
from .validation import mask

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 30
EXPORT_FORMS = [("data-warga", "Data Warga"), ("catatan-keluarga", "Catatan Keluarga")]
EXPORT_FORMATS = [("xlsx", "Excel"), ("pdf", "PDF")]
FAMILY_ORDER = {"kepala": 0, "istri": 1, "anak": 2, "lain": 3}
UNIT_PATH = ("dasawisma", *path_related(VIA_RUMAH_TANGGA))


# -- helpers ---------------------------------------------------------------------------------------


def _get_dasawisma(user, pk, perm=Perm.VIEW):
    unit = access.get_unit_for_user(user, pk, perm)
    if unit.level != Level.DASAWISMA:
        raise Http404("Halaman ini hanya untuk dasawisma.")
    return unit


def _path(dasawisma):
    """Dasawisma › RT › (RW ›) kelurahan, nearest first, from units already joined."""
    parts = [dasawisma]
    for level in ("rt", "rw", "dusun", "desa"):
        if getattr(dasawisma, f"{level}_id"):
            parts.append(getattr(dasawisma, level))
    return parts


def _page(request, qs, size):
    return Paginator(qs, size).get_page(request.GET.get("hal"))


def _pendataan_state(qs, tahun):
    """(checked, total) over the households of qs for a year: one query."""
    row = qs.aggregate(
        total=Count("pk", distinct=True),
        checked=Count("pk", filter=Q(pendataan__tahun=tahun), distinct=True),
    )
    return row["checked"], row["total"]


# -- the households of a dasawisma -----------------------------------------------------------------


@login_required
def rumah_tangga_list(request, unit_pk):
    unit = _get_dasawisma(request.user, unit_pk)
    today = timezone.localdate()
    show_left = request.GET.get("keluar") == "1"
    form = SearchForm(request.GET or None, min_name_length=1)
    mine = selectors.rumah_tangga_for_user(request.user).filter(dasawisma=unit)
    active = selectors.active_rumah_tangga(mine, today)
    checked, total = _pendataan_state(active, today.year)

    qs = mine if show_left else active
    if form.is_valid() and form.cleaned_data["q"]:
        qs = qs.filter(_household_match(form))
    qs = (
        selectors.with_counts(qs.select_related("krt"), on=today)
        .annotate(
            checked=Exists(PendataanTahunan.objects.filter(rumah_tangga=OuterRef("pk"), tahun=today.year)),
        )
        .order_by("krt__nama", "pk")
    )
    page = _page(request, qs, PAGE_SIZE)
    can_entry = access.has_perm(request.user, Perm.ENTRY, unit)
    return render(
        request,
        "households/browse/rumah_tangga_list.html",
        {
            "unit": unit,
            "path": access.visible_ancestors(request.user, unit),
            "form": form,
            "page": page,
            "show_left": show_left,
            "total": total,
            "size_warning": not DASAWISMA_MIN <= total <= DASAWISMA_MAX,
            "usual_size": (DASAWISMA_MIN, DASAWISMA_MAX),
            "checked": checked,
            "tahun": today.year,
            "today": today,
            "can_entry": can_entry,
            "can_import": access.may_import_households(request.user, unit),
            "can_export_for_import": access.has_perm(request.user, Perm.REVEAL_NIK, unit),
            "export_forms": EXPORT_FORMS,
            "export_formats": EXPORT_FORMATS,
            "query_suffix": _query_suffix(form, show_left),
        },
    )


def _household_match(form):
    """Households with a member of that name (part), that NIK, or a keluarga with that No. KK."""
    number, name = form.number, form.name
    members = Warga.objects.filter(keluarga__rumah_tangga=OuterRef("pk"))
    if number:
        return Exists(members.filter(nik=number)) | Exists(
            Keluarga.objects.filter(rumah_tangga=OuterRef("pk"), no_kk=number)
        )
    return Exists(members.filter(nama__icontains=name))


def _query_suffix(form, show_left):
    """The filter carried over to the other pages of the list."""
    params = {}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        params["q"] = form.cleaned_data["q"]
    if show_left:
        params["keluar"] = "1"
    return ("&" + urlencode(params)) if params else ""


# -- search ----------------------------------------------------------------------------------------


@login_required
def warga_search(request):
    if not access.holds_anywhere(request.user, Perm.VIEW):
        raise PermissionDenied("Peran Anda tidak mencakup data warga.")
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"]:
        number = form.number
        match = Q(nik=number) | Q(keluarga__no_kk=number) if number else Q(nama__icontains=form.name)
        qs = selectors.warga_for_user(request.user).filter(match)
        path = [f"keluarga__rumah_tangga__{p}" for p in UNIT_PATH]
        qs = qs.select_related("keluarga__rumah_tangga", *path).order_by("nama", "pk")
        page = _page(request, qs, PAGE_SIZE)
        for warga in page.object_list:
            warga.path = _path(warga.keluarga.rumah_tangga.dasawisma)
            warga.nik_masked = mask(warga.nik)
    return render(
        request,
        "households/browse/warga_search.html",
        {"form": form, "page": page, "query_suffix": _query_suffix(form, False)},
    )


# -- the household page ----------------------------------------------------------------------------


@login_required
def rumah_tangga_detail(request, pk):
    user = request.user
    today = timezone.localdate()
    members = Warga.objects.prefetch_related(
        Prefetch("kegiatan", queryset=KegiatanWarga.objects.filter(aktif=True).order_by("pk"))
    )
    rt = access.get_for_user(
        user,
        RumahTangga.objects.select_related("krt", *UNIT_PATH).prefetch_related(
            Prefetch("keluarga", queryset=Keluarga.objects.order_by("pk").prefetch_related(
                Prefetch("anggota", queryset=members)
            )),
            "pekarangan",
            "industri",
            Prefetch(
                "pendataan",
                queryset=PendataanTahunan.objects.filter(tahun=today.year).select_related("diperiksa_oleh"),
                to_attr="pendataan_now",
            ),
        ),
        Perm.VIEW,
        selectors.VIA_RUMAH_TANGGA,
        pk=pk,
    )  # fmt: skip
    counts = selectors.with_counts(RumahTangga.objects.filter(pk=rt.pk), on=today).values(
        *[name for name, _label in selectors.COUNT_FIELDS]
    )[0]
    keluarga = []
    for kel in rt.keluarga.all():
        kel.no_kk_masked = mask(kel.no_kk)
        anggota = sorted(
            kel.anggota.all(), key=lambda w: (FAMILY_ORDER.get(w.status_dalam_keluarga, 9), w.tanggal_lahir)
        )
        for w in anggota:
            w.nik_masked = mask(w.nik)
            died = w.status == StatusWarga.MENINGGAL and w.tanggal_status
            w.umur = rules.age_years(w.tanggal_lahir, w.tanggal_status if died else today)
        keluarga.append(
            {
                "keluarga": kel,
                "active": [w for w in anggota if w.status == StatusWarga.AKTIF],
                "left": [w for w in anggota if w.status != StatusWarga.AKTIF],
            }
        )
    dasawisma = rt.dasawisma
    held = access.perms_on(user, dasawisma)
    return render(
        request,
        "households/browse/rumah_tangga_detail.html",
        {
            "rt": rt,
            "path": _path(dasawisma),
            "counts": counts,
            "keluarga": keluarga,
            "pendataan": rt.pendataan_now[0] if rt.pendataan_now else None,
            "tahun": today.year,
            "today": today,
            "can_entry": Perm.ENTRY in held,
            # Events from where the person is: "catat hamil/kelahiran" on a woman's card.
            "can_record": access.may_record_events(user, dasawisma) and rt.tanggal_keluar is None,
            "can_reveal": Perm.REVEAL_NIK in held,
            "can_move": Perm.MANAGE_UNITS in held,
            "can_history": access.may_see_history(user, dasawisma),
            "can_see_units": {u.pk for u in _path(dasawisma) if access.can_see(user, u)},
            "export_forms": EXPORT_FORMS,
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
def rumah_tangga_history(request, pk):
    rt = access.get_for_user(
        request.user,
        RumahTangga.objects.select_related("krt", *UNIT_PATH),
        Perm.VIEW,
        selectors.VIA_RUMAH_TANGGA,
        pk=pk,
    )
    if not access.may_see_history(request.user, rt.dasawisma):
        raise PermissionDenied("Riwayat perubahan hanya untuk kader dasawisma ini dan TP PKK desa/kelurahan ke atas.")
    page = _page(request, household_history(rt.pk), HISTORY_PAGE_SIZE)
    return render(
        request, "households/browse/rumah_tangga_history.html", {"rt": rt, "path": _path(rt.dasawisma), "page": page}
    )


# -- NIK / No. KK reveal ---------------------------------------------------------------------------


def _reveal_response(request, *, label, owner, number, rumah_tangga_pk):
    """A small page of its own, so the number is never put in a URL, a message or the session."""
    back = reverse("households:rumah_tangga_detail", args=[rumah_tangga_pk])
    context = {"label": label, "owner": owner, "number": number, "back": back}
    return render(request, "households/browse/reveal.html", context)


@never_cache
@login_required
@require_POST
def nik_reveal(request, pk):
    warga = access.get_for_user(
        request.user,
        Warga.objects.select_related("keluarga__rumah_tangga__dasawisma"),
        Perm.REVEAL_NIK,
        selectors.VIA_WARGA,
        pk=pk,
    )
    number = services.nik_reveal(actor=request.user, warga=warga) if warga.nik else ""
    return _reveal_response(
        request, label="NIK", owner=warga.nama, number=number, rumah_tangga_pk=warga.keluarga.rumah_tangga_id
    )


@never_cache
@login_required
@require_POST
def kk_reveal(request, pk):
    keluarga = access.get_for_user(
        request.user,
        Keluarga.objects.select_related("rumah_tangga__dasawisma"),
        Perm.REVEAL_NIK,
        selectors.VIA_KELUARGA,
        pk=pk,
    )
    number = services.nik_reveal(actor=request.user, keluarga=keluarga)
    head = keluarga.anggota.filter(status=StatusWarga.AKTIF, status_dalam_keluarga="kepala").first()
    owner = f"keluarga {head.nama}" if head else "keluarga ini"
    return _reveal_response(
        request, label="No. KK", owner=owner, number=number, rumah_tangga_pk=keluarga.rumah_tangga_id
    )


# -- yearly check ----------------------------------------------------------------------------------


@login_required
def pendataan(request, unit_pk):
    unit = _get_dasawisma(request.user, unit_pk)
    today = timezone.localdate()
    can_entry = access.has_perm(request.user, Perm.ENTRY, unit)
    if request.method == "POST":
        if not can_entry:
            raise PermissionDenied("Hanya kader dasawisma ini yang dapat mengonfirmasi pendataan tahunan.")
        year_form = YearForm(request.POST)
        tahun = year_form.cleaned_data["tahun"] if year_form.is_valid() else today.year
    else:
        year_form = YearForm(request.GET or None, initial={"tahun": today.year})
        tahun = year_form.cleaned_data["tahun"] if year_form.is_bound and year_form.is_valid() else today.year
    on = min(today, today.replace(year=tahun, month=12, day=31))
    households = selectors.active_rumah_tangga(selectors.rumah_tangga_for_user(request.user).filter(dasawisma=unit), on)
    unchecked = households.exclude(pendataan__tahun=tahun)
    form = PendataanConfirmForm(posted(request), queryset=unchecked, initial={"tahun": tahun})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["rumah_tangga"]
        with transaction.atomic():  # all ticked households or none
            for rumah_tangga in chosen:
                services.pendataan_confirm(actor=request.user, rumah_tangga=rumah_tangga, tahun=tahun)
        messages.success(request, f"{len(chosen)} rumah tangga dikonfirmasi sudah diperiksa untuk tahun {tahun}.")
        return redirect(f"{reverse('households:pendataan', args=[unit.pk])}?tahun={tahun}")
    rows = list(
        households.select_related("krt")
        .prefetch_related(
            Prefetch(
                "pendataan",
                queryset=PendataanTahunan.objects.filter(tahun=tahun).select_related("diperiksa_oleh"),
                to_attr="cek",
            )
        )
        .order_by("krt__nama", "pk")
    )
    checked = sum(1 for r in rows if r.cek)
    return render(
        request,
        "households/browse/pendataan.html",
        {
            "unit": unit,
            "path": access.visible_ancestors(request.user, unit),
            "year_form": year_form,
            "form": form,
            "tahun": tahun,
            "years": sorted({*range(today.year - 4, today.year + 1), tahun}, reverse=True),
            "rows": rows,
            "checked": checked,
            "total": len(rows),
            "can_entry": can_entry,
            "chosen": {str(v) for v in form["rumah_tangga"].value() or []} if form.is_bound else set(),
        },
    )


# -- moving a household ----------------------------------------------------------------------------


@login_required
def rumah_tangga_move(request, pk):
    rt = access.get_for_user(
        request.user,
        RumahTangga.objects.select_related("krt", *UNIT_PATH),
        Perm.MANAGE_UNITS,
        selectors.VIA_RUMAH_TANGGA,
        pk=pk,
    )
    form = RumahTanggaMoveForm(posted(request), rumah_tangga=rt, user=request.user)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["dasawisma"]
        try:
            services.rumah_tangga_move(actor=request.user, rumah_tangga=rt, dasawisma=target)
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, f"Rumah tangga dipindah ke {dasawisma_label(target)}.")
            return redirect(rt)
    return render(
        request,
        "households/browse/rumah_tangga_move.html",
        {"rt": rt, "path": _path(rt.dasawisma), "form": form, "current": dasawisma_label(rt.dasawisma)},
    )
