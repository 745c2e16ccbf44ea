"""Forms of the monthly report screens: one action on one report, the approval checklist, and the
last month of the completeness table. Each returns typed values and carries its messages."""

import re

from django import forms

from pkkdata import periods

ACTIONS = [
    ("kirim", "Kirim ke RT"),
    ("kirim_nihil", "Kirim sebagai NIHIL"),
    ("setujui", "Setujui"),
    ("kembalikan", "Kembalikan"),
    ("kirim_ulang", "Kirim ulang"),
]

_PICK_RE = re.compile(r"^(\d{1,12}):(\d{1,9})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


class AksiForm(forms.Form):
    """One action on one report. `versi` is the report's version when the page was shown: the
    workflow refuses the action if somebody else acted in between."""

    aksi = forms.ChoiceField(choices=ACTIONS, error_messages={"invalid_choice": "Tindakan tidak dikenal."})
    versi = forms.IntegerField(
        min_value=0,
        error_messages={"required": "Versi laporan tidak terkirim.", "invalid": "Versi laporan tidak sah."},
    )
    alasan = forms.CharField(
        label="Alasan dikembalikan",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Alasan terlalu panjang (paling banyak %(limit_value)d huruf)."},
    )


class ChecklistForm(forms.Form):
    """The approval checklist. Each ticked box is "<report id>:<version>", so the version that was
    shown travels with its report; cleaned_data["items"] is {report id: version}."""

    def __init__(self, data=None):
        super().__init__(data)
        self.picked = data.getlist("pilih") if data is not None else []

    def clean(self):
        items = {}
        for value in self.picked:
            match = _PICK_RE.match(value or "")
            if not match:
                raise forms.ValidationError("Daftar pilihan rusak. Muat ulang halaman lalu pilih lagi.")
            items[int(match.group(1))] = int(match.group(2))
        if not items:
            raise forms.ValidationError("Belum ada laporan yang dipilih.")
        self.cleaned_data["items"] = items
        return self.cleaned_data


class SampaiForm(forms.Form):
    """The last month shown by the completeness table ("YYYY-MM", as <input type="month"> sends it)."""

    sampai = forms.CharField(
        label="Sampai bulan",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}),
    )

    def clean_sampai(self):
        value = self.cleaned_data["sampai"].strip()
        if not value:
            return None
        match = _MONTH_RE.match(value)
        if match:
            tahun, bulan = int(match.group(1)), int(match.group(2))
            if periods.is_valid_month(tahun, bulan):
                return tahun, bulan
        raise forms.ValidationError("Bulan tidak sah: tulis tahun dan bulan, misalnya 2026-03.")
