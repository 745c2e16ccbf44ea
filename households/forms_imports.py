"""The forms of the Excel import: the upload (the file is checked, name, size before reading, content,
here, so that a bad file comes back on the form with its message and nothing is stored), shared by the
dasawisma and the kelurahan import, and the kelurahan import's choice of how to save."""

from django import forms

from .importer.read import MAX_BYTES, ImportFileError, check_file_name, read_dataset, too_big_message


class ImportUploadForm(forms.Form):
    """An uploaded workbook, read by `read` (the Data Warga sheet's reader; the onboarding sheet
    subclasses this form with its own)."""

    read = staticmethod(read_dataset)
    berkas = forms.FileField(
        label="Berkas Excel (.xlsx)",
        help_text="Templat yang sudah diisi. Paling besar 5 MB, paling banyak 5.000 baris warga.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_berkas(self):
        upload = self.cleaned_data["berkas"]
        try:
            check_file_name(upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message) from exc
        # The size the browser sent is known before a byte is read.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(too_big_message())
        data = upload.read()
        try:
            dataset = self.read(data, upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message) from exc
        # The rows are kept: the upload is parsed once, here (the preview and the confirm use them).
        return {"name": upload.name, "data": data, "rows": len(dataset), "dataset": dataset}


TAHAN, SEMUA = "tahan", "semua"


class KelurahanConfirmForm(forms.Form):
    """How a kelurahan file is saved: the dasawisma without errors (holding back the others), or nothing
    unless every row is right."""

    cara = forms.ChoiceField(
        label="Cara menyimpan",
        choices=[
            (TAHAN, "Simpan dasawisma yang semua barisnya benar; tahan dasawisma yang ada baris salahnya"),
            (SEMUA, "Simpan hanya bila semua baris benar"),
        ],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        error_messages={
            "required": "Pilih cara menyimpan.",
            "invalid_choice": "Pilih salah satu cara menyimpan.",
        },
    )

    @property
    def strict(self):
        return self.cleaned_data["cara"] == SEMUA
