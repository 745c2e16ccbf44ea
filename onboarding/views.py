"""The onboarding screens of a kelurahan: the template, the upload, the preview and the confirm, whose
answer is the handover of the new accounts (their one-time passwords are in that response only).

Who: whoever manages accounts over the kelurahan (TP PKK desa/kelurahan, kecamatan, kabupaten/kota);
the plan itself refuses a role the uploader may not grant. Between upload and confirm the file and the
rows read from it wait in the private storage, as for the Data Warga import
(households.importer.uploads)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from documents.xlsx import XLSX_CONTENT_TYPE
from hierarchy import access, handover
from hierarchy.levels import Level, Perm
from households.importer.read import dataset_from_json, dataset_to_json
from households.importer.uploads import SessionUploads, store_upload, stored_rows

from .forms import OnboardingUploadForm
from .plan import analyse
from .services import OnboardingBlocked, OnboardingChanged, onboard
from .sheet import HEADERS, build_template

SESSION_KEY = "memulai"


def _desa(user, pk):
    unit = access.get_unit_for_user(user, pk, Perm.MANAGE_ACCOUNTS)
    if unit.level != Level.DESA:
        raise Http404("Impor kelompok dan kader dilakukan untuk satu desa/kelurahan.")
    return unit


def _uploads(request):
    return SessionUploads(request, SESSION_KEY)


def _decode(rows):
    return dataset_from_json(rows, headers=HEADERS)


@login_required
@require_GET
def template(request, unit_pk):
    desa = _desa(request.user, unit_pk)
    response = HttpResponse(build_template(str(desa)), content_type=XLSX_CONTENT_TYPE)
    name = f"templat-kelompok-kader-{slugify(desa.name) or desa.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def upload(request, unit_pk):
    desa = _desa(request.user, unit_pk)
    form = OnboardingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        sent = form.cleaned_data["berkas"]
        token, digest = store_upload(sent["data"], rows=dataset_to_json(sent["dataset"]))
        _uploads(request).remember(token, [request.user.pk, desa.pk, sent["name"], digest])
        return redirect("onboarding:preview", token=token)
    return render(request, "onboarding/upload.html", {"form": form, "desa": desa})


@login_required
def preview(request, token):
    entry = _uploads(request).get(token)
    if entry is None:
        raise Http404("Pratinjau tidak ditemukan: berkas ini sudah disimpan, atau belum diunggah.")
    _user_pk, desa_pk, name, digest = entry
    desa = _desa(request.user, desa_pk)
    dataset = stored_rows(token, digest, _decode)
    if dataset is None:
        _uploads(request).forget(token)
        messages.error(request, "Berkas unggahan sudah kedaluwarsa (lebih dari 1 jam) atau hilang. Unggah lagi.")
        return redirect("onboarding:upload", unit_pk=desa.pk)
    plan = None
    if request.method == "POST":
        try:
            plan, created = onboard(dataset, actor=request.user, desa=desa)
        except OnboardingBlocked as exc:
            plan = exc.plan
            messages.error(request, "Tidak ada yang disimpan: ada baris yang salah. Perbaiki berkas lalu unggah lagi.")
        except OnboardingChanged as exc:
            detail = " ".join(exc.messages)
            messages.error(
                request, f"Tidak ada yang disimpan: data berubah saat disimpan. {detail} Periksa lagi lalu simpan."
            )
        else:
            _uploads(request).forget(token)
            address = handover.login_address(request)
            slips = [
                handover.slip(user=c.user, password=c.password, role=c.role, unit=c.unit, address=address)
                for c in created
            ]
            return render(
                request,
                "onboarding/result.html",
                {"desa": desa, "plan": plan, "slips": slips, "address": address, "back": desa,
                 "title": f"Kelompok dan kader {desa} disimpan"},
            )  # fmt: skip
    if plan is None:
        plan = analyse(dataset, actor=request.user, desa=desa)
    return render(
        request,
        "onboarding/preview.html",
        {"desa": desa, "plan": plan, "name": name, "counts": plan.counts},
    )
