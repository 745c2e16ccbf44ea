"""The upload form of the Excel import: the file is checked (name, size before reading, content) here,
so that a bad file comes back on the form with its message and nothing is stored."""

from django import forms

from .importer.read import MAX_BYTES, ImportFileError, check_file_name, read_dataset, too_big_message


class ImportUploadForm(forms.Form):
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
            dataset = read_dataset(data, upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message) from exc
        # The rows are kept: the upload is parsed once, here (the preview and the confirm use them).
        return {"name": upload.name, "data": data, "rows": len(dataset), "dataset": dataset}
