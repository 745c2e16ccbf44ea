"""The public verification page of delivered recap files (/laporan/verifikasi/): anyone holding a code
reads what the registered file said (counts only, never who downloaded it) and may upload a file to
check that it is that very file (documents.verification)."""

import datetime

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from pkkdata.periods import month_label

from . import verification
from .exporters import EDITIONS


class VerifikasiForm(forms.Form):
    kode = forms.CharField(
        label="Kode verifikasi",
        max_length=40,
        help_text="Tercetak di bawah tanda tangan berkas, misalnya K7QM-2XPA-9D.",
        error_messages={"required": "Isi kode verifikasi.", "max_length": "Kode verifikasi terlalu panjang."},
    )

    def clean_kode(self):
        code = verification.normalize(self.cleaned_data["kode"])
        if code is None:
            raise forms.ValidationError("Kode verifikasi terdiri dari 10 huruf dan angka, misalnya K7QM-2XPA-9D.")
        return code


class BerkasForm(forms.Form):
    berkas = forms.FileField(
        label="Berkas yang ingin diperiksa (XLSX atau PDF)",
        error_messages={"required": "Pilih berkas yang ingin diperiksa.", "empty": "Berkas itu kosong."},
    )


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


# The multipart envelope and the CSRF field around an upload of the largest allowed size.
_UPLOAD_SLACK = 64 * 1024


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def verifikasi(request):
    """Public. The check of an oversized upload happens here, before anything reads the body: the CSRF
    check (csrf_protect on _verifikasi below, the documented pattern) would otherwise make Django receive
    the whole file first. The page changes nothing, so an early refusal needs no token."""
    if request.method == "POST" and _content_length(request) > verification.MAX_UPLOAD_BYTES + _UPLOAD_SLACK:
        return _verifikasi_page(request, _code_form(request), too_big=True, status=413)
    return _verifikasi(request)


def _code_form(request):
    return VerifikasiForm(request.GET if "kode" in request.GET else None)


@csrf_protect
def _verifikasi(request):
    # The code travels in the address (the upload form posts to ?kode=...), so the oversized-upload
    # branch above can name it without reading the body.
    form = _code_form(request)
    upload = BerkasForm(request.POST, request.FILES) if request.method == "POST" else BerkasForm()
    return _verifikasi_page(request, form, upload=upload)


def _verifikasi_page(request, form, *, upload=None, too_big=False, status=200):
    dokumen = cocok = None
    not_found = False
    if form.is_bound and form.is_valid():
        dokumen = verification.find(form.cleaned_data["kode"])
        not_found = dokumen is None
    if dokumen is not None and upload is not None and upload.is_bound and upload.is_valid():
        berkas = upload.cleaned_data["berkas"]
        if berkas.size > verification.MAX_UPLOAD_BYTES:
            too_big = True
        else:
            cocok = verification.matches(dokumen, berkas)
    context = {
        "form": form,
        "upload": upload if upload is not None else BerkasForm(),
        "dokumen": dokumen,
        "not_found": not_found,
        "cocok": cocok,
        "too_big": too_big,
        "max_size": verification.size_label(verification.MAX_UPLOAD_BYTES),
    }
    if dokumen is not None:
        context.update(_dokumen_facts(dokumen))
    return render(request, "documents/verifikasi.html", context, status=status)


def _dokumen_facts(dokumen):
    period = month_label(dokumen.tahun, dokumen.bulan) if dokumen.bulan else f"Tahun {dokumen.tahun}"
    groups = []
    for item in dokumen.jumlah:
        if not groups or groups[-1][0] != item["kelompok"]:
            groups.append((item["kelompok"], []))
        groups[-1][1].append((item["label"], item["nilai"]))
    return {
        "period_label": period,
        "edition_label": EDITIONS.get(dokumen.edisi, dokumen.edisi),
        "approval_line": dokumen.keterangan,
        "jumlah_groups": groups,
        # the time only: the page is public, and who downloaded a file is nobody else's business
        "downloaded": _when(dokumen.created_at),
    }


def _when(moment):
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        return f"{timezone.localtime(moment):%d-%m-%Y %H:%M}"
    return f"{moment:%d-%m-%Y}"
