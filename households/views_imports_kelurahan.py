"""The Excel import of a whole kelurahan at once (households.importer.kelurahan does the work): the
kelurahan's template, the upload, the preview per dasawisma (a table: rows, new, updated, unchanged,
wrong; a link to each dasawisma's rows) and the confirm, always a background job (importer.job,
kind impor-warga-kelurahan) that commits dasawisma by dasawisma.

Who: TP PKK desa/kelurahan (access.may_import_households on the desa); others who see the kelurahan
(kecamatan, kota) get 403, everyone else 404, and a unit that is not a desa is 404. Between upload and
confirm the file and its rows wait in the private storage (importer.uploads) as for the dasawisma
import; the session maps the token to (user id, desa id, file name, sha256)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from hierarchy import access
from hierarchy.levels import Level
from jobs.services import TooManyJobs

from .forms_imports import SEMUA, TAHAN, ImportUploadForm, KelurahanConfirmForm
from .importer.job import start_kelurahan_import
from .importer.kelurahan import Directory, analyse_kelurahan
from .importer.template import build_kelurahan_template
from .importer.uploads import SessionUploads
from .views_imports import (
    KEEP_UPLOADS,
    PER_PAGE,
    counts_of,
    keep_upload,
    open_upload,
    rows_context,
    size_after,
    xlsx_attachment,
)

SESSION_KEY = "impor_warga_kelurahan"


def _desa(user, pk):
    desa = access.get_unit_for_user(user, pk)
    if desa.level != Level.DESA:
        raise Http404("Impor data warga satu kelurahan dibuka dari halaman desa/kelurahan.")
    if not access.may_import_households(user, desa):
        raise PermissionDenied("Hanya TP PKK desa/kelurahan yang dapat mengimpor data warga satu kelurahan.")
    return desa


def _uploads(request):
    return SessionUploads(request, SESSION_KEY, keep=KEEP_UPLOADS)


@login_required
@require_GET
def template(request, unit_pk):
    desa = _desa(request.user, unit_pk)
    labels = Directory(desa, timezone.localdate()).open_labels()
    data = build_kelurahan_template(str(desa), labels)
    return xlsx_attachment(data, f"templat-data-warga-kelurahan-{slugify(desa.name) or desa.pk}.xlsx")


@login_required
def upload(request, unit_pk):
    desa = _desa(request.user, unit_pk)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = keep_upload(request, _uploads(request), form.cleaned_data["berkas"], desa)
        return redirect("households:import_kelurahan_preview", token=token)
    example = Directory(desa, timezone.localdate()).example()
    return render(request, "households/imports/kelurahan_upload.html", {"form": form, "desa": desa, "example": example})


@login_required
def preview(request, token):
    desa, name, digest, dataset = open_upload(request, _uploads(request), token, _desa)
    if dataset is None:
        return redirect("households:import_kelurahan_upload", unit_pk=desa.pk)
    checked = analyse_kelurahan(dataset, actor=request.user, desa=desa)
    form = KelurahanConfirmForm(request.POST or None, initial={"cara": TAHAN if checked.has_errors else SEMUA})
    if request.method == "POST" and form.is_valid():
        if form.strict and checked.has_errors:
            messages.error(
                request,
                "Tidak ada yang disimpan: ada baris yang salah, padahal Anda memilih menyimpan hanya bila semua "
                "baris benar. Perbaiki berkas lalu unggah lagi, atau pilih menahan dasawisma yang salah.",
            )
        elif not checked.ready:
            messages.error(
                request, "Tidak ada yang disimpan: setiap dasawisma di berkas ini mempunyai baris yang salah."
            )
        else:
            back = reverse("hierarchy:unit_detail", kwargs={"pk": desa.pk})
            try:
                job = start_kelurahan_import(
                    user=request.user, desa=desa, token=token, sha256=digest, name=name, strict=form.strict,
                    back_url=back,
                )  # fmt: skip
            except TooManyJobs as exc:
                messages.error(request, exc.message)
            else:
                _uploads(request).forget(token, keep_file=True)  # the job reads the file, and removes it once done
                return redirect("jobs:status", pk=job.pk)
    chosen = form["cara"].value()
    return render(
        request,
        "households/imports/kelurahan_preview.html",
        {
            "desa": desa,
            "name": name,
            "token": token,
            "checked": checked,
            "counts": counts_of(checked.counts),
            "form": form,
            "save_disabled": not checked.ready or (chosen == SEMUA and checked.has_errors),
            "unplaced": Paginator(checked.unplaced, PER_PAGE).get_page(request.GET.get("hal")),
        },
    )


@login_required
@require_GET
def rows(request, token, unit_pk):
    desa, name, _digest, dataset = open_upload(request, _uploads(request), token, _desa)
    if dataset is None:
        return redirect("households:import_kelurahan_upload", unit_pk=desa.pk)
    group = analyse_kelurahan(dataset, actor=request.user, desa=desa, only=unit_pk).group(unit_pk)
    if group is None:
        raise Http404("Berkas ini tidak berisi baris untuk dasawisma tersebut.")
    return render(
        request,
        "households/imports/kelurahan_rows.html",
        {
            "desa": desa,
            "name": name,
            "token": token,
            "group": group,
            "counts": counts_of(group.counts),
            "size": size_after(group.dasawisma, group.preview),
            **rows_context(request, group.preview.rows),
        },
    )
