"""Downloads of the household forms (households/exports.py) and the Catatan Keluarga correction
screen (households/catatan.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit
from pkkdata.http import posted
from reports.exporters import DEFAULT_EDITION, Period, get_exporter

from . import catatan, exports
from .forms_catatan import KoreksiCatatanForm
from .models import RumahTangga, Warga
from .selectors import VIA_RUMAH_TANGGA, VIA_WARGA

# The forms kept per household and per dasawisma: these two URLs serve them and no other exporter.
HOUSEHOLD_FORMS = frozenset(e.identifier for e in exports.EXPORTERS)
FIRST_YEAR = 2000


def _exporter_or_404(form, fmt):
    exporter = get_exporter(form) if form in HOUSEHOLD_FORMS else None
    if exporter is None or fmt not in exporter.formats:
        raise Http404("Formulir atau format unduhan tidak dikenal.")
    return exporter


def _year_or_404(value):
    this_year = timezone.localdate().year
    if value in (None, ""):
        return this_year
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404("Tahun tidak sah.") from None
    if not FIRST_YEAR <= year <= this_year:
        raise Http404(f"Tahun harus antara {FIRST_YEAR} dan {this_year}.")
    return year


def _download(result):
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    # Personal data: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _export(request, exporter, target, fmt):
    period = Period(_year_or_404(request.GET.get("tahun")))
    result = exporter.render(user=request.user, target=target, period=period, edition=DEFAULT_EDITION, fmt=fmt)
    return _download(result)


@login_required
@require_http_methods(["GET", "HEAD"])
def export_rumah_tangga(request, pk, form, fmt):
    exporter = _exporter_or_404(form, fmt)
    rumah_tangga = access.get_for_user(
        request.user,
        RumahTangga.objects.select_related("dasawisma", "krt"),
        exporter.required_perm,
        VIA_RUMAH_TANGGA,
        pk=pk,
    )
    return _export(request, exporter, rumah_tangga, fmt)


@login_required
@require_http_methods(["GET", "HEAD"])
def export_dasawisma(request, unit_pk, form, fmt):
    exporter = _exporter_or_404(form, fmt)
    dasawisma = access.get_for_user(
        request.user, Unit.objects.filter(level=Level.DASAWISMA), exporter.required_perm, pk=unit_pk
    )
    return _export(request, exporter, dasawisma, fmt)


@login_required
def catatan_koreksi(request, pk, tahun):
    if not FIRST_YEAR <= tahun <= timezone.localdate().year:
        raise Http404("Tahun tidak tersedia.")
    warga = access.get_for_user(
        request.user, catatan.warga_for_koreksi(Warga.objects.all(), tahun), Perm.ENTRY, VIA_WARGA, pk=pk
    )
    if not catatan.is_anggota_tahun(warga, tahun):
        raise Http404(f"{warga.nama} tidak tercatat sebagai anggota keluarga pada tahun {tahun}.")
    rumah_tangga = warga.keluarga.rumah_tangga
    cells = catatan.cells(warga, rumah_tangga, tahun)
    form = KoreksiCatatanForm(posted(request), cells=cells)
    if request.method == "POST" and form.is_valid():
        try:
            changed = catatan.koreksi_simpan(actor=request.user, warga=warga, tahun=tahun, pilihan=form.pilihan())
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, f"Koreksi disimpan ({changed} kolom berubah)." if changed else "Tidak ada yang berubah."
            )
            return redirect("households:catatan_koreksi", pk=warga.pk, tahun=tahun)
    this_year = timezone.localdate().year
    return render(
        request,
        "households/exports/catatan_koreksi.html",
        {
            "warga": warga,
            "rumah_tangga": rumah_tangga,
            "dasawisma": rumah_tangga.dasawisma,
            "tahun": tahun,
            "form": form,
            "years": [y for y in (tahun - 1, tahun + 1) if FIRST_YEAR <= y <= this_year],
        },
    )
