"""The recap downloads (recaps.exports) and the public verification page (documents.verification).

A recap's download page is a small form: the format, the edition (yearly) or approved/current data
(monthly), the signature fields prefilled from the accounts and editable, the place, the date and the
paper. A GET shows it; submitting it (a POST, with its CSRF token) answers the file: a link or an image
on another site cannot make the server render and register files in a user's name. The unit comes
through hierarchy.access (404 outside the user's area); the exporter checks the permission again
itself. A dasawisma's monthly download is its 4.18a.

The verification page needs no login: a code shows what the registered file said (counts only), and an
uploaded file is compared with the registered bytes."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from documents.exporters import EDITIONS, PDF, XLSX, Period, get_exporter
from hierarchy import access
from hierarchy.levels import Level, Perm
from pkkdata.dbrouter import reads_from_replica
from pkkdata.periods import month_label

from . import exports as recap_exports
from . import recaps
from .views import check_period

NAME_MAX = 120
FORMATS = [(XLSX, "Excel (XLSX)"), (PDF, "PDF")]


# -- the download form -------------------------------------------------------------------------------


class UnduhRekapForm(forms.Form):
    """The choices made before a recap download; ``options()`` gives the exporter's options dict. The
    edition is asked only of a form with several, approved/current data only of a monthly recap."""

    format = forms.ChoiceField(
        label="Format berkas",
        choices=FORMATS,
        initial=XLSX,
        error_messages={"required": "Pilih format berkas.", "invalid_choice": "Format berkas tidak dikenal."},
    )
    edisi = forms.ChoiceField(
        label="Edisi formulir", required=False, error_messages={"invalid_choice": "Edisi formulir tidak dikenal."}
    )
    data = forms.ChoiceField(
        label="Angka yang dicetak",
        required=False,
        choices=list(recap_exports.DATA_MODES.items()),
        initial=recap_exports.DISETUJUI,
        error_messages={"invalid_choice": "Pilihan data tidak dikenal."},
    )
    ketua = forms.CharField(label="Nama ketua (Mengetahui)", max_length=NAME_MAX, required=False)
    penyusun = forms.CharField(label="Nama yang membuat", max_length=NAME_MAX, required=False)
    tempat = forms.CharField(label="Tempat penandatanganan", max_length=80, required=False)
    tanggal = forms.DateField(
        label="Tanggal penandatanganan",
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Tanggal tidak sah (contoh: 2026-11-30)."},
    )
    kertas = forms.ChoiceField(
        label="Ukuran kertas (PDF)",
        required=False,
        choices=[(p, p) for p in recap_exports.PAPERS],
        initial="A4",
        error_messages={"invalid_choice": "Ukuran kertas tidak dikenal."},
    )

    def __init__(self, data=None, *, exporter, with_data_mode, defaults):
        super().__init__(data, initial=defaults)
        self.editions = exporter.editions
        if len(self.editions) > 1:
            self.fields["edisi"].choices = [(e, EDITIONS[e]) for e in self.editions]
            self.fields["edisi"].initial = self.editions[0]
        else:
            del self.fields["edisi"]
        if not with_data_mode:
            del self.fields["data"]
        for name in ("ketua", "penyusun"):
            self.fields[name].error_messages["max_length"] = f"Nama terlalu panjang (paling banyak {NAME_MAX} huruf)."
        self.fields["tempat"].error_messages["max_length"] = "Nama tempat terlalu panjang (paling banyak 80 huruf)."

    def clean_tanggal(self):
        """A signing date near today: from the start of the year before last to a month ahead (a recap
        signed at a meeting next week); anything else is a typing slip printed on an official form."""
        value = self.cleaned_data["tanggal"]
        today = timezone.localdate()
        earliest, latest = datetime.date(today.year - 2, 1, 1), today + datetime.timedelta(days=31)
        if value and not earliest <= value <= latest:
            raise forms.ValidationError(
                f"Tanggal penandatanganan harus antara {earliest:%d-%m-%Y} dan {latest:%d-%m-%Y}."
            )
        return value

    def edition(self):
        return self.cleaned_data.get("edisi") or self.editions[0]

    def options(self):
        data = self.cleaned_data
        options = {key: data[key] for key in ("ketua", "penyusun", "tempat")}
        options["kertas"] = data["kertas"] or "A4"
        options["tanggal"] = data["tanggal"] or timezone.localdate()
        if "data" in data:
            options["data"] = data["data"] or recap_exports.DISETUJUI
        return options


# -- helpers -----------------------------------------------------------------------------------------


def _exporter_for(unit, monthly):
    """The recap exporter of a unit's level (4.18a for a dasawisma's month), or 404."""
    if monthly and unit.level == Level.DASAWISMA:
        return get_exporter(recap_exports.Catatan418aExporter.identifier)
    form = recaps.form_for(unit.level, recaps.MONTHLY if monthly else recaps.YEARLY)
    exporter = get_exporter(form.lampiran) if form else None
    if exporter is None:
        kind = "bulanan" if monthly else "tahunan"
        raise Http404(f"Tidak ada rekap {kind} untuk tingkat {unit.get_level_display()}.")
    return exporter


def _download(result):
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _unduh(request, unit_pk, period, monthly):
    unit = access.get_unit_for_user(request.user, unit_pk, Perm.VIEW)
    exporter = _exporter_for(unit, monthly)
    # Only a POST makes (and registers) a file.
    submitted = request.method == "POST"
    form = UnduhRekapForm(
        request.POST if submitted else None,
        exporter=exporter,
        with_data_mode=monthly and unit.level != Level.DASAWISMA,
        defaults=recap_exports.signature_defaults(unit, request.user),
    )
    if submitted and form.is_valid():
        options = {
            **form.options(),
            "verifikasi_url": request.build_absolute_uri(reverse("documents:verifikasi")),
        }
        result = exporter.render(
            user=request.user,
            target=unit,
            period=period,
            edition=form.edition(),
            fmt=form.cleaned_data["format"],
            options=options,
        )
        return _download(result)
    if monthly:
        back = reverse("recaps:rekap_bulanan", args=[unit.pk, period.tahun, period.bulan])
    else:
        back = reverse("recaps:rekap_tahunan", args=[unit.pk, period.tahun])
    return render(
        request,
        "recaps/rekap_unduh.html",
        {
            "unit": unit,
            "unit_name": unit.title,
            "exporter": exporter,
            "period": period,
            "period_label": month_label(period.tahun, period.bulan) if monthly else f"Tahun {period.tahun}",
            "form": form,
            "back": back,
        },
    )


# -- the views ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reads_from_replica
def rekap_unduh_tahunan(request, unit_pk, tahun):
    check_period(tahun)
    return _unduh(request, unit_pk, Period(tahun), monthly=False)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reads_from_replica
def rekap_unduh_bulanan(request, unit_pk, tahun, bulan):
    check_period(tahun, bulan)
    return _unduh(request, unit_pk, Period(tahun, bulan), monthly=True)
