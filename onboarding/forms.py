from django import forms

from .sheet import MAX_BYTES, MAX_ROWS, ImportFileError, read_sheet, too_big_message

HELP = f"Templat kelompok dan kader yang sudah diisi. Paling besar 5 MB, paling banyak {MAX_ROWS:,} baris.".replace(
    ",", "."
)


class OnboardingUploadForm(forms.Form):
    berkas = forms.FileField(
        label="Berkas Excel (.xlsx)",
        help_text=HELP,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_berkas(self):
        upload = self.cleaned_data["berkas"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(too_big_message())
        data = upload.read()
        try:
            dataset = read_sheet(data, upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message) from exc
        return {"name": upload.name, "data": data, "dataset": dataset}
