"""The correction screen of Catatan Keluarga columns 11-18 (households.catatan): per column, follow the
derived value, or set it to followed / not followed by hand."""

from django import forms

TURUNAN, DIIKUTI, TIDAK = "turunan", "diikuti", "tidak"
PILIHAN = [
    (TURUNAN, "Ikuti data warga"),
    (DIIKUTI, "Diikuti"),
    (TIDAK, "Tidak diikuti"),
]


class KoreksiCatatanForm(forms.Form):
    """Two fields per column: pilihan_<kolom> and keterangan_<kolom>. `cells` are the member's
    catatan.Sel for the year (derived value and current correction)."""

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = cells
        for cell in cells:
            koreksi = cell.koreksi
            initial = TURUNAN if koreksi is None else (DIIKUTI if koreksi.diikuti else TIDAK)
            self.fields[f"pilihan_{cell.kolom}"] = forms.ChoiceField(
                label=cell.label, choices=PILIHAN, initial=initial, widget=forms.RadioSelect
            )
            self.fields[f"keterangan_{cell.kolom}"] = forms.CharField(
                label="Nama kegiatan (boleh kosong)",
                max_length=100,
                required=False,
                initial=koreksi.keterangan if koreksi is not None else "",
                help_text="Ditulis di kolom bila diikuti; kosong berarti tanda centang.",
            )

    def rows(self):
        """(cell, choice field, keterangan field) per column, for the template."""
        return [(c, self[f"pilihan_{c.kolom}"], self[f"keterangan_{c.kolom}"]) for c in self.cells]

    def pilihan(self):
        """{kolom: (diikuti True/False/None, keterangan)} from the cleaned data."""
        result = {}
        for cell in self.cells:
            choice = self.cleaned_data[f"pilihan_{cell.kolom}"]
            keterangan = self.cleaned_data[f"keterangan_{cell.kolom}"].strip()
            if choice == TURUNAN:
                result[cell.kolom] = (None, "")
            elif choice == DIIKUTI:
                result[cell.kolom] = (True, keterangan)
            else:
                # A column not followed shows nothing, so a name typed there would be lost anyway.
                result[cell.kolom] = (False, "")
        return result
