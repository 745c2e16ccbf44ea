"""The Excel import screens: template, upload, preview and confirm (the households/importer package does
the work). Only the dasawisma's own cadres (Perm.ENTRY) import: others who see the dasawisma get 403,
everyone outside the area 404.

Between upload and confirm the file waits in the private storage; a confirm of more than
importer.job.BACKGROUND_ROWS rows is committed by the background worker (the jobs app); the session maps its token to
(user id, dasawisma id, file name, sha256), so a token is worth nothing in another user's hands."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from documents.xlsx import XLSX_CONTENT_TYPE
from hierarchy import access
from hierarchy.forms import units_with_path
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit
from jobs.services import TooManyJobs

from .forms_imports import ImportUploadForm
from .importer.analyse import ERROR, NEW, UNCHANGED, UPDATE, analyse
from .importer.job import BACKGROUND_ROWS, start_import
from .importer.read import ImportFileError, read_dataset
from .importer.template import build_template
from .importer.uploads import discard_upload, load_upload, store_upload
from .importer.write import ImportBlocked, commit

SESSION_KEY = "impor_warga"
KEEP_UPLOADS = 5  # previews one user may keep open at once
PER_PAGE = 50


def _dasawisma(user, pk):
    qs = units_with_path(Unit.objects.filter(level=Level.DASAWISMA))
    return access.get_for_user(user, qs, Perm.ENTRY, pk=pk)


def _uploads(request):
    return dict(request.session.get(SESSION_KEY, {}))


def _remember(request, token, entry):
    uploads = _uploads(request)
    uploads[token] = entry
    for old in list(uploads)[:-KEEP_UPLOADS]:
        discard_upload(old)
        del uploads[old]
    request.session[SESSION_KEY] = uploads


def _forget(request, token, *, keep_file=False):
    uploads = _uploads(request)
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    if not keep_file:
        discard_upload(token)


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
        token, digest = store_upload(upload["data"])
        _remember(request, token, [request.user.pk, dasawisma.pk, upload["name"], digest])
        return redirect("households:import_preview", token=token)
    return render(
        request,
        "households/imports/upload.html",
        {"form": form, "dasawisma": dasawisma, "label": dasawisma.path_label()},
    )


@login_required
def import_preview(request, token):
    entry = _uploads(request).get(token)
    if entry is None or entry[0] != request.user.pk:
        raise Http404("Pratinjau impor tidak ditemukan.")
    _user_pk, unit_pk, name, digest = entry
    dasawisma = _dasawisma(request.user, unit_pk)
    data = load_upload(token, digest)
    if data is None:
        _forget(request, token)
        messages.error(request, "Berkas unggahan sudah kedaluwarsa (lebih dari 1 jam) atau hilang. Unggah lagi.")
        return redirect("households:import_upload", unit_pk=unit_pk)
    try:
        dataset = read_dataset(data, name)
    except ImportFileError as exc:
        _forget(request, token)
        messages.error(request, exc.message)
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
            _forget(request, token, keep_file=True)  # the job reads the file, and removes it once done
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
            _forget(request, token)
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
        },
    )
