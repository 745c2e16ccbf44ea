"""The Excel import screens: template, upload, preview and confirm (the households/importer package does
the work). The dasawisma's own cadres and TP PKK desa/kelurahan import (access.may_import_households):
others who see the dasawisma get 403, everyone outside the area 404.

Between upload and confirm the file waits in the private storage with the rows read from it: the
workbook is parsed once, at the upload, and the preview pages and the confirm use the stored rows. A
confirm of more than importer.job.BACKGROUND_ROWS rows is committed by the background worker (the jobs
app); the session maps its token to (user id, dasawisma id, file name, sha256), so a token is worth
nothing in another user's hands. The preview warns when the dasawisma would grow past a sane size."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from documents.xlsx import XLSX_CONTENT_TYPE
from hierarchy import access
from hierarchy.forms import units_with_path
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit
from jobs.services import TooManyJobs

from . import rules
from .forms_imports import ImportUploadForm
from .importer.analyse import ERROR, NEW, UNCHANGED, UPDATE, analyse
from .importer.job import BACKGROUND_ROWS, start_import
from .importer.read import dataset_from_json, dataset_to_json
from .importer.template import build_template
from .importer.uploads import SessionUploads, store_upload, stored_rows
from .importer.write import ImportBlocked, commit
from .models import RumahTangga, Warga

SESSION_KEY = "impor_warga"
KEEP_UPLOADS = 5  # previews one user may keep open at once
PER_PAGE = 50
# A dasawisma is a group of about ten neighbouring households (dasa wisma: ten houses), 10 to 20 in
# practice. Far above that it is no longer one group, and its PDF forms grow slow (WeasyPrint lays out
# 25 to 50 warga a second: 300 warga are 6 to 12 s, households.exports.common.pdf_warga_per_second). The
# preview warns past either number; it does not refuse, the user may still confirm.
SANE_RUMAH_TANGGA = 60
SANE_WARGA = 300


def _dasawisma(user, pk):
    qs = units_with_path(Unit.objects.filter(level=Level.DASAWISMA))
    dasawisma = access.get_for_user(user, qs, Perm.VIEW, pk=pk)
    if not access.may_import_households(user, dasawisma):
        raise PermissionDenied("Peran Anda tidak mengizinkan mengimpor data warga dasawisma ini.")
    return dasawisma


def _uploads(request):
    return SessionUploads(request, SESSION_KEY, keep=KEEP_UPLOADS)


@login_required
@require_GET
def import_template(request, unit_pk):
    dasawisma = _dasawisma(request.user, unit_pk)
    data = build_template(dasawisma, dasawisma.path_label())
    return xlsx_attachment(data, f"templat-data-warga-{slugify(dasawisma.name) or dasawisma.pk}.xlsx")


def xlsx_attachment(data, filename):
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_upload(request, unit_pk):
    dasawisma = _dasawisma(request.user, unit_pk)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = keep_upload(request, _uploads(request), form.cleaned_data["berkas"], dasawisma)
        return redirect("households:import_preview", token=token)
    return render(
        request,
        "households/imports/upload.html",
        {"form": form, "dasawisma": dasawisma, "label": dasawisma.path_label()},
    )


def keep_upload(request, uploads, sent, unit):
    """The token of a valid upload (ImportUploadForm's cleaned file) kept with its rows in the private
    storage and remembered in the user's session (SessionUploads) with the unit it is for."""
    token, digest = store_upload(sent["data"], rows=dataset_to_json(sent["dataset"]))
    uploads.remember(token, [request.user.pk, unit.pk, sent["name"], digest])
    return token


def open_upload(request, uploads, token, unit_of):
    """(unit, file name, sha256, dataset) of this user's upload; Http404 for a token that is not theirs;
    unit_of(user, pk) fetches the unit with the rights checked again. dataset is None when the upload is
    gone: the session forgets it and the user is told to upload again."""
    entry = uploads.get(token)
    if entry is None:
        raise Http404("Pratinjau impor tidak ditemukan: berkas ini sudah disimpan, atau belum diunggah.")
    _user_pk, unit_pk, name, digest = entry
    unit = unit_of(request.user, unit_pk)
    # The rows read at the upload: the workbook is not parsed again, on any page or at the confirm.
    dataset = stored_rows(token, digest, dataset_from_json)
    if dataset is None:
        uploads.forget(token)
        messages.error(request, "Berkas unggahan sudah kedaluwarsa (lebih dari 1 jam) atau hilang. Unggah lagi.")
    return unit, name, digest, dataset


@login_required
def import_preview(request, token):
    dasawisma, name, digest, dataset = open_upload(request, _uploads(request), token, _dasawisma)
    if dataset is None:
        return redirect("households:import_upload", unit_pk=dasawisma.pk)

    preview = None
    if request.method == "POST" and len(dataset) > BACKGROUND_ROWS:
        # Thousands of rows: the worker commits them (the same commit), the user watches its page.
        back = reverse("households:rumah_tangga_list", kwargs={"unit_pk": dasawisma.pk})
        try:
            job = start_import(user=request.user, dasawisma=dasawisma, token=token, sha256=digest, name=name,
                               back_url=back)  # fmt: skip
        except TooManyJobs as exc:
            messages.error(request, exc.message)
        else:
            _uploads(request).forget(token, keep_file=True)  # the job reads the file, and removes it once done
            return redirect("jobs:status", pk=job.pk)
    elif request.method == "POST":
        try:
            preview = commit(dataset, actor=request.user, dasawisma=dasawisma)
        except ImportBlocked as exc:
            preview = exc.preview
            messages.error(request, "Tidak ada yang disimpan: ada baris yang salah. Perbaiki berkas lalu unggah lagi.")
        except (ValidationError, IntegrityError):
            # Someone else saved the same NIK or No. KK between the check and the write.
            messages.error(request, "Tidak ada yang disimpan: data berubah saat disimpan. Periksa lagi lalu simpan.")
        else:
            _uploads(request).forget(token)
            messages.success(request, f"{preview.counts[NEW]} warga baru, {preview.counts[UPDATE]} diperbarui.")
            return redirect(reverse("households:rumah_tangga_list", kwargs={"unit_pk": dasawisma.pk}))
    if preview is None:
        preview = analyse(dataset, actor=request.user, dasawisma=dasawisma)

    return render(
        request,
        "households/imports/preview.html",
        {
            "dasawisma": dasawisma,
            "label": dasawisma.path_label(),
            "name": name,
            "token": token,
            "preview": preview,
            "counts": counts_of(preview.counts),
            "size": size_after(dasawisma, preview),
            **rows_context(request, preview.rows),
        },
    )


def counts_of(counts):
    """A preview's counts by the names the templates use."""
    return {"baru": counts[NEW], "diperbarui": counts[UPDATE], "tetap": counts[UNCHANGED], "galat": counts[ERROR]}


def rows_context(request, rows):
    """What templates/households/imports/_rows.html needs for these analysed rows (RowReport): the page
    asked for (?hal=) of the rows with a problem or of all rows (?tampil=masalah|semua; by default the
    rows with a problem when there are any)."""
    problem_rows = [r for r in rows if r.problems]
    show = request.GET.get("tampil") or ("masalah" if problem_rows else "semua")
    shown = problem_rows if show == "masalah" else rows
    return {
        "total": len(rows),
        "problem_count": len(problem_rows),
        "show": show,
        "page": Paginator(shown, PER_PAGE).get_page(request.GET.get("hal")),
    }


def size_after(dasawisma, preview):
    """{rumah_tangga, warga, sane_...} the dasawisma would hold after this import, when past a sane size;
    else None. Counted as the recaps count today: households present, warga still there."""
    today = timezone.localdate()
    households = RumahTangga.objects.filter(rules.present_q(today), dasawisma=dasawisma).count()
    warga = Warga.objects.filter(rules.there_q(today), keluarga__rumah_tangga__dasawisma=dasawisma).count()
    households += preview.households["rumah_tangga_baru"]
    warga += preview.counts[NEW]
    if households <= SANE_RUMAH_TANGGA and warga <= SANE_WARGA:
        return None
    return {
        "rumah_tangga": households,
        "warga": warga,
        "sane_rumah_tangga": SANE_RUMAH_TANGGA,
        "sane_warga": SANE_WARGA,
    }
