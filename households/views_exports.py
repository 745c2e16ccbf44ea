"""Downloads of the household forms (the households/exports package): per rumah tangga, per dasawisma,
and the
Data Warga of a whole desa/kelurahan (streamed, with a page that says how large it is, or prepared in
the background with a page that shows its progress and then its link); and the
Catatan Keluarga correction screen (households/catatan.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from documents.exporters import DEFAULT_EDITION, PDF, XLSX, Period, get_exporter
from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit
from jobs.exports import latest_export, start_export
from jobs.services import TooManyJobs
from pkkdata import periods
from pkkdata.dbrouter import reads_from_replica
from pkkdata.http import posted

from . import catatan
from .exports import EXPORTERS
from .exports.common import SLOW_PDF_SECONDS
from .exports.data_warga import FOR_IMPORT, DataWargaExporter
from .exports.kelurahan import SLOW_SECONDS, DataWargaKelurahanExporter, estimated_seconds, kelurahan_totals
from .forms_catatan import KoreksiCatatanForm
from .models import RumahTangga, StatusWarga, Warga
from .selectors import VIA_RUMAH_TANGGA, VIA_WARGA

# The household forms: these URLs serve them and no other exporter, each at the level it is kept at.
HOUSEHOLD_FORMS = frozenset(e.identifier for e in EXPORTERS)


def _exporter_or_404(form, fmt, scope_level=Level.DASAWISMA):
    exporter = get_exporter(form) if form in HOUSEHOLD_FORMS else None
    if exporter is None or exporter.scope_level != scope_level or fmt not in exporter.formats:
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
    problem = periods.period_problem(year, None, timezone.localdate())
    if problem:
        raise Http404(problem)
    return year


def _download(result):
    if isinstance(result.content, bytes):
        response = HttpResponse(result.content, content_type=result.content_type)
    else:
        # Streamed: the pieces go out as they are read, and the response closes the content when done
        # (or when the connection drops); the size, when known, lets the browser show the progress.
        response = StreamingHttpResponse(result.content, content_type=result.content_type)
        size = getattr(result.content, "size", None)
        if size is not None:
            response["Content-Length"] = str(size)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    # Personal data: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _export(request, exporter, target, fmt, options=None):
    period = Period(_year_or_404(request.GET.get("tahun")))
    result = exporter.render(
        user=request.user, target=target, period=period, edition=DEFAULT_EDITION, fmt=fmt, options=options
    )
    return _download(result)


def _import_back_options(request, exporter, fmt):
    """?untuk=impor on the Data Warga workbook: the export for importing back (NIK and No. KK whole, the
    columns the import needs; only for a role that may reveal the numbers, each reveal logged)."""
    if request.GET.get("untuk") != FOR_IMPORT:
        return None
    if exporter.identifier != DataWargaExporter.identifier or fmt != XLSX:
        raise Http404("Unduhan untuk impor kembali hanya ada untuk Data Warga (Excel).")
    return {FOR_IMPORT: True}


@login_required
@require_http_methods(["GET", "HEAD"])
@reads_from_replica
def export_rumah_tangga(request, pk, form, fmt):
    exporter = _exporter_or_404(form, fmt)
    rumah_tangga = access.get_for_user(
        request.user,
        RumahTangga.objects.select_related("dasawisma", "krt"),
        exporter.required_perm,
        VIA_RUMAH_TANGGA,
        pk=pk,
    )
    return _export(request, exporter, rumah_tangga, fmt, _import_back_options(request, exporter, fmt))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reads_from_replica
def export_dasawisma(request, unit_pk, form, fmt):
    """A dasawisma's form. A PDF estimated to take longer than SLOW_PDF_SECONDS to lay out is not
    built in the request: the page says so and its button (a POST to this address) asks for it in
    the background (the jobs app), as does any POST."""
    exporter = _exporter_or_404(form, fmt)
    dasawisma = access.get_for_user(
        request.user, Unit.objects.filter(level=Level.DASAWISMA), exporter.required_perm, pk=unit_pk
    )
    if request.method == "POST":
        return _export_in_background(request, exporter, dasawisma, fmt)
    if fmt == PDF:
        warga = Warga.objects.filter(keluarga__rumah_tangga__dasawisma=dasawisma, status=StatusWarga.AKTIF).count()
        seconds = exporter.pdf_seconds(warga)
        if seconds >= SLOW_PDF_SECONDS:
            return render(
                request,
                "households/exports/siapkan.html",
                {
                    "dasawisma": dasawisma,
                    "exporter": exporter,
                    "warga": warga,
                    "seconds": round(seconds),
                    "tahun": _year_or_404(request.GET.get("tahun")),
                },
            )
    return _export(request, exporter, dasawisma, fmt, _import_back_options(request, exporter, fmt))


def _export_in_background(request, exporter, target, fmt):
    period = Period(_year_or_404(request.GET.get("tahun")))
    back = reverse("households:rumah_tangga_list", kwargs={"unit_pk": exporter.unit_of(target).pk})
    try:
        job = start_export(
            user=request.user,
            exporter=exporter,
            target=target,
            period=period,
            edition=DEFAULT_EDITION,
            fmt=fmt,
            back_url=back,
        )
    except TooManyJobs as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("jobs:status", pk=job.pk)


def _kelurahan_or_404(user, unit_pk, perm):
    return access.get_for_user(user, Unit.objects.filter(level=Level.DESA), perm, pk=unit_pk)


@login_required
@require_http_methods(["GET", "HEAD"])
@reads_from_replica
def export_kelurahan(request, unit_pk, form, fmt):
    exporter = _exporter_or_404(form, fmt, Level.DESA)
    kelurahan = _kelurahan_or_404(request.user, unit_pk, exporter.required_perm)
    return _export(request, exporter, kelurahan, fmt)


@login_required
@require_http_methods(["GET", "HEAD"])
@reads_from_replica
def unduh_kelurahan(request, unit_pk):
    """The page of a kelurahan's Data Warga download: what the file holds; a small file is a direct
    download, a large one is prepared in the background (unduhan_minta); the user's latest job for
    this kelurahan, if any, is linked."""
    exporter = DataWargaKelurahanExporter
    kelurahan = _kelurahan_or_404(request.user, unit_pk, exporter.required_perm)
    totals = kelurahan_totals(kelurahan)
    seconds = estimated_seconds(totals["warga"])
    terakhir = latest_export(user=request.user, exporter=get_exporter(exporter.identifier), target=kelurahan)
    return render(
        request,
        "households/exports/kelurahan.html",
        {
            "kelurahan": kelurahan,
            "totals": totals,
            "form": exporter.identifier,
            "title": exporter.title,
            "slow": seconds >= SLOW_SECONDS,
            "seconds": max(1, round(seconds)),
            "terakhir": terakhir,
        },
    )


@login_required
@require_POST
def unduhan_minta(request, unit_pk):
    """Asks for the kelurahan's Data Warga in the background (or finds the user's running or fresh
    job for it) and sends the user to the job's page (jobs app)."""
    exporter = get_exporter(DataWargaKelurahanExporter.identifier)
    kelurahan = _kelurahan_or_404(request.user, unit_pk, exporter.required_perm)
    back = reverse("households:unduh_kelurahan", args=[kelurahan.pk])
    try:
        job = start_export(
            user=request.user,
            exporter=exporter,
            target=kelurahan,
            period=Period(timezone.localdate().year),
            edition=exporter.editions[0],
            fmt=XLSX,
            back_url=back,
        )
    except TooManyJobs as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("jobs:status", pk=job.pk)


@login_required
def catatan_koreksi(request, pk, tahun):
    if periods.period_problem(tahun, None, timezone.localdate()):
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
    today = timezone.localdate()
    return render(
        request,
        "households/exports/catatan_koreksi.html",
        {
            "warga": warga,
            "rumah_tangga": rumah_tangga,
            "dasawisma": rumah_tangga.dasawisma,
            "tahun": tahun,
            "form": form,
            "years": [y for y in (tahun - 1, tahun + 1) if not periods.period_problem(y, None, today)],
        },
    )
