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
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    filename = f"templat-data-warga-{slugify(dasawisma.name) or dasawisma.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_upload(request, unit_pk):
    dasawisma = _dasawisma(request.user, unit_pk)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["berkas"]
        token, digest = store_upload(upload["data"], rows=dataset_to_json(upload["dataset"]))
        _uploads(request).remember(token, [request.user.pk, dasawisma.pk, upload["name"], digest])
        return redirect("households:import_preview", token=token)
    return render(
        request,
        "households/imports/upload.html",
        {"form": form, "dasawisma": dasawisma, "label": dasawisma.path_label()},
    )


@login_required
def import_preview(request, token):
    entry = _uploads(request).get(token)
    if entry is None:
        raise Http404("Pratinjau impor tidak ditemukan.")
    _user_pk, unit_pk, name, digest = entry
    dasawisma = _dasawisma(request.user, unit_pk)
    # The rows read at the upload: the workbook is not parsed again, on any page or at the confirm.
    dataset = stored_rows(token, digest, dataset_from_json)
    if dataset is None:
        _uploads(request).forget(token)
        messages.error(request, "Berkas unggahan sudah kedaluwarsa (lebih dari 1 jam) atau hilang. Unggah lagi.")
        return redirect("households:import_upload", unit_pk=unit_pk)

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

    problem_rows = preview.problem_rows
    show = request.GET.get("tampil") or ("masalah" if problem_rows else "semua")
    rows = problem_rows if show == "masalah" else preview.rows
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("hal"))
    return render(
        request,
        "households/imports/preview.html",
        {
            "dasawisma": dasawisma,
            "label": dasawisma.path_label(),
            "name": name,
            "token": token,
            "preview": preview,
            "counts": {
                "baru": preview.counts[NEW],
                "diperbarui": preview.counts[UPDATE],
                "tetap": preview.counts[UNCHANGED],
                "galat": preview.counts[ERROR],
            },
            "total": len(preview.rows),
            "problem_count": len(problem_rows),
            "show": show,
            "page": page,
            "size": _size_after(dasawisma, preview),
        },
    )


def _size_after(dasawisma, preview):
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
