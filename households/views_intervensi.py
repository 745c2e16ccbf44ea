"""Daftar sasaran intervensi: one page per area (desa/kelurahan and up) with a tab per list, and the
selected list as an Excel download (households.intervensi holds the rules and the queries)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from documents.xlsx import XLSX_CONTENT_TYPE
from hierarchy import access
from hierarchy.levels import RANK, Level
from hierarchy.models import Unit

from . import intervensi
from .intervensi import INTERVENSI_PERM
from .models import AksesNIK, JenisAkses
from .validation import mask

DENIED = "Daftar sasaran intervensi hanya untuk TP PKK desa/kelurahan, kecamatan, dan kabupaten/kota."
AKSES_DENIED = "Catatan pembukaan NIK hanya untuk TP PKK desa/kelurahan, kecamatan, dan kabupaten/kota."


def _url(unit_pk, daftar_key, **extra):
    query = urlencode({"daftar": daftar_key, **extra})
    return f"{reverse('households:intervensi', args=[unit_pk])}?{query}"


@login_required
@never_cache  # personal data on shared phones: never from the browser's cache
def intervensi_view(request, unit_pk):
    user = request.user
    try:
        unit = access.get_for_user(user, Unit.objects.all(), INTERVENSI_PERM, pk=unit_pk)
    except PermissionDenied:
        raise PermissionDenied(DENIED) from None
    daftar = intervensi.DAFTAR.get(request.GET.get("daftar", ""), intervensi.DAFTAR[intervensi.DEFAULT])
    if RANK[unit.level] > RANK[intervensi.LOWEST_LEVEL]:
        # A group inside a kelurahan: the kelurahan's list names every row's RT and dasawisma.
        return redirect(_url(unit.desa_id, daftar.key))
    today = timezone.localdate()
    ancestors = unit.ancestors()

    if request.GET.get("unduh") == "xlsx":
        objects = daftar.select(user, unit, today).iterator(chunk_size=2000)
        response = HttpResponse(
            intervensi.workbook(daftar, unit, ancestors, objects, today), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{intervensi.filename(daftar, unit, today)}"'
        return response

    counts = intervensi.counts(user, unit, today)
    paginator = Paginator(daftar.select(user, unit, today), intervensi.PER_PAGE)
    paginator.count = counts[daftar.key]  # already counted for the tab bar: spare the second COUNT
    page = paginator.get_page(request.GET.get("hal"))
    tabs = [
        {"daftar": d, "count": counts[d.key], "url": _url(unit.pk, d.key), "current": d.key == daftar.key}
        for d in intervensi.DAFTAR_LIST
    ]
    return render(
        request,
        "households/intervensi/daftar.html",
        {
            "unit": unit,
            "unit_label": unit.title,
            "path": [
                {"unit": a, "url": _url(a.pk, daftar.key) if access.may_see_intervention_lists(user, a) else None}
                for a in ancestors
                if access.can_see(user, a)
            ],
            "daftar": daftar,
            "common_note": intervensi.COMMON_NOTE,
            "tabs": tabs,
            "total": counts[daftar.key],
            "page": page,
            "rows": intervensi.rows(daftar, page.object_list, today),
            "per_wilayah": [
                {"unit": c, "count": n, "url": _url(c.pk, daftar.key)}
                for c, n in intervensi.per_wilayah(daftar, user, unit, today)
            ],
            "child_label": Level(child).label.lower() if (child := intervensi.child_level(unit)) else "",
            "show_kecamatan": RANK[unit.level] < RANK[Level.KECAMATAN],
            "today": today,
            "download_url": _url(unit.pk, daftar.key, unduh="xlsx"),
            "page_url": _url(unit.pk, daftar.key),
        },
    )


# -- who opened a masked number --------------------------------------------------------------------

AKSES_PER_PAGE = 50


@login_required
@never_cache
def akses_nik_view(request, unit_pk):
    """Every reveal of a masked NIK or No. KK of a person or family in the area (households.AksesNIK):
    when, who, which number, whose; for the people who may reveal them there (TP PKK desa/kelurahan and
    up), so that they can see each other's use of it.

    Beside the reveals, the lookup hits (jenis "cek": a number typed in a form or an import found
    registered outside the checker's area, services.NikLookups), listed on both sides: where the record
    hit lies (whose number was tried), and where the account that tried it belongs (its home unit: the
    TP PKK who manage the account see what it looks up). A record outside the viewer's area is not named."""
    try:
        unit = access.get_for_user(request.user, Unit.objects.all(), INTERVENSI_PERM, pk=unit_pk)
    except PermissionDenied:
        raise PermissionDenied(AKSES_DENIED) from None
    area = (
        Q(**{f"warga__keluarga__rumah_tangga__dasawisma__{unit.level}_id": unit.pk})
        | Q(**{f"keluarga__rumah_tangga__dasawisma__{unit.level}_id": unit.pk})
        | Q(jenis=JenisAkses.CEK, **{f"user__home_unit__{unit.level}_id": unit.pk})
    )
    rows = (
        AksesNIK.objects.filter(area)
        .select_related("user", "warga__keluarga__rumah_tangga__dasawisma", "keluarga__rumah_tangga__dasawisma")
        .order_by("-at", "-pk")
    )
    page = Paginator(rows, AKSES_PER_PAGE).get_page(request.GET.get("hal"))
    for row in page:
        holder = row.warga.keluarga if row.warga_id else row.keluarga
        row.where = holder.rumah_tangga.dasawisma
        row.whose = row.warga.nama if row.warga_id else f"KK {mask(row.keluarga.no_kk)}"
        if not access.can_see(request.user, row.where):
            row.whose, row.where = "di luar wilayah Anda", ""
        row.kind = "dibuka" if row.jenis == JenisAkses.BUKA else f"cek {row.get_field_display()} dari {row.sumber}"
    return render(request, "households/intervensi/akses_nik.html", {"unit": unit, "page": page})
