from households.forms_imports import ImportUploadForm

from .sheet import MAX_ROWS, read_sheet

HELP = f"Templat kelompok dan kader yang sudah diisi. Paling besar 5 MB, paling banyak {MAX_ROWS:,} baris.".replace(
    ",", "."
)


class OnboardingUploadForm(ImportUploadForm):
    """The Data Warga import's upload form (name, size and content checked before anything is stored),
    reading the onboarding sheet."""

    read = staticmethod(read_sheet)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["berkas"].help_text = HELP
