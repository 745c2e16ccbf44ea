"""The exporter contract: how one paper form (a Lampiran) becomes a download.

An exporter is an object with

    identifier     str     "data-warga": the form's name in URLs and file names (unique)
    title          str     "Data Warga (Lampiran 4.14.1a)": what users read
    required_perm  str     a hierarchy.levels.Perm the user must hold on the unit of the target
    formats        tuple   of "xlsx", "pdf"
    scope_level    str     the hierarchy.levels.Level of the unit the form is kept at
                           (dasawisma for 4.14.1a, 4.15 and 4.16a; rt for 4.16b; desa for 4.17a ...)
    editions       tuple   the editions it can lay out (EDITIONS); the first is the default

    render(*, user, target, period, edition, fmt, options=None) -> ExportResult(filename, content_type, content)

- ``target`` is a Unit at ``scope_level``, or an object that belongs to one such unit when the form
  is also kept per object (the household forms accept one RumahTangga); ``unit_of(target)`` names
  that unit.
- ``period`` is a Period: TAHUN for the yearly forms, BULAN and TAHUN for the monthly ones.
- ``edition`` is one of ``editions`` (the forms of Rakernas X, or the older set, see EDITIONS); a
  sheet names its form by its number in that edition (``lampiran_line``).
- ``options`` is a dict of form-specific choices the user made before downloading (for the recaps:
  the signature block's names, place and date, and approved or current data); {} when none.
- ``content`` is bytes, or an iterable of bytes for a form too large to hold in memory (streamed).
- ``render`` checks ``required_perm`` on ``unit_of(target)`` itself (PermissionDenied otherwise),
  like the services do, so no caller can skip it; the views still fetch the target through
  hierarchy.access first (404 outside the user's area). NIK and No. KK are masked (the one
  exception: households' Data Warga "untuk impor kembali", for buka_nik, each reveal logged).

    write(*, user, target, period, edition, fmt, options, out, progress=None) -> None

- ``write`` puts the same file into the binary file ``out``, for a download prepared in the background
  (the jobs app); ``progress(done, total)``, when given, hears how far it is. The default renders and
  copies; a form that can count its progress overrides it.

``Exporter`` below implements ``render`` and ``write`` once (the checks, the file name, the content type) and
leaves each form two methods: ``render_xlsx`` and ``render_pdf`` (keyword arguments user, target,
period, edition, options), returning the content.

The registry is a plain dict ``EXPORTERS`` {identifier: exporter}; ``get_exporter(identifier)``
answers one. The forms live next to their data (households/exports/, recaps/exports.py); each app
calls ``register(*exporters)`` from its ``AppConfig.ready()`` (as pretix registers its exporters), so
this module never imports the apps that use it.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied

from hierarchy import access
from hierarchy.access import AnyUser
from hierarchy.levels import Perm
from hierarchy.models import Unit
from pkkdata import periods

from .pdf import PDF_CONTENT_TYPE
from .xlsx import XLSX_CONTENT_TYPE

# What a form renders: the whole file, or its pieces in order for a file too large to hold in memory.
Content = bytes | Iterable[bytes]
# How far a long write is: progress(done, total), in the exporter's own unit (warga, rows).
Progress = Callable[[int, int], None]

XLSX, PDF = "xlsx", "pdf"
CONTENT_TYPES = {XLSX: XLSX_CONTENT_TYPE, PDF: PDF_CONTENT_TYPE}

# The form sets the project lays out (pkk-forms.md, "Where the forms come from" and "Edition
# differences"), named as users choose between them: the current set of the 10th national working
# meeting (Rakernas X PKK, Samarinda, 8 July 2025; its forms keep the 4.x numbers of Rakernas IX, 2021)
# and the older one of Rakernas VIII (2015).
RAKERNAS_X = "rakernas-x"
RAKERNAS_VIII = "rakernas-viii"
EDITIONS = {RAKERNAS_X: "Rakernas X (2025)", RAKERNAS_VIII: "Rakernas VIII (2015)"}
DEFAULT_EDITION = RAKERNAS_X

# The number ("Lampiran") each form carries in each edition, by its Rakernas X number, which is also the
# form's name everywhere in the project ("4.17c"): Rakernas X numbers the forms 4.x, Rakernas VIII
# numbered them III-nn. The one table of these numbers; a sheet prints them through lampiran_line().
# The Rakernas VIII numbers and their public sources (no official text of the forms is public):
# - III-15, Catatan Keluarga (4.15): pkk-forms.md; the printed forms of fahmiorim/dasawisma
#   (module/catkeluarga/lap_catkeluarga.php, "Lampiran III - 15", 19 columns as 4.15).
# - III-17a, Catatan Data dan Kegiatan Warga TP PKK Desa/Kelurahan (4.17a): a public PHP print template
#   of that form ("Lampiran III - 17a"; the same columns as 4.17a with the older edition's "Memiliki
#   Jamban Keluarga").
# - III-18a, the dasawisma's book of mothers, births and deaths (4.18a): fahmiorim/dasawisma
#   (themes/body.php: "Rekapitulasi Data Ibu Hamil, Melahirkan, Nifas (Lampiran III - 18a)" per dasawisma).
# Every other form's Rakernas VIII number is not established by a source: it is left out, not guessed,
# and its sheets print the edition's name alone.
LAMPIRAN_NUMBERS = {
    RAKERNAS_VIII: {"4.15": "III-15", "4.17a": "III-17a", "4.18a": "III-18a"},
}


def lampiran_number(form: str, edition: str) -> str:
    """The form's number in the edition ("4.17c", "III-17a"), "" when no source gives it."""
    if edition == RAKERNAS_X:
        return form
    return LAMPIRAN_NUMBERS.get(edition, {}).get(form, "")


def lampiran_line(form: str, edition: str, *, with_edition: bool = True) -> str:
    """The line under a sheet's title: "LAMPIRAN 4.17c · Rakernas X (2025)", "LAMPIRAN III-17a ·
    Rakernas VIII (2015)", or the edition alone ("Rakernas VIII (2015)") when the form's number in it is
    not known; "LAMPIRAN 4.14.1a" without the edition for the forms kept in one edition only."""
    number = lampiran_number(form, edition)
    if not number:
        return EDITIONS[edition]
    return f"LAMPIRAN {number} · {EDITIONS[edition]}" if with_edition else f"LAMPIRAN {number}"


@dataclass(frozen=True)
class Period:
    """The period a form covers: a year (4.15-4.17), or a month of a year (4.18-4.19)."""

    tahun: int
    bulan: int | None = None

    @property
    def label(self) -> str:
        return periods.month_label(self.tahun, self.bulan) if self.bulan else str(self.tahun)

    @property
    def slug(self) -> str:
        return f"{self.tahun}-{self.bulan:02d}" if self.bulan else str(self.tahun)


@dataclass(frozen=True)
class ExportResult:
    filename: str
    content_type: str
    content: Content  # bytes, or an iterable of bytes when streamed


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename_part(text: object) -> str:
    """Letters, digits, dot, dash and underscore only: safe in a Content-Disposition header and on
    every file system."""
    return _UNSAFE.sub("-", str(text)).strip("-.") or "x"


class Exporter:
    """The contract's shared half: subclasses set the attributes and write render_xlsx/render_pdf."""

    identifier = ""
    title = ""
    required_perm = Perm.VIEW
    formats = (XLSX, PDF)
    scope_level = ""
    editions = (DEFAULT_EDITION,)
    # What write's progress counts ("warga"), shown beside the numbers; "" when it reports none.
    progress_unit = ""

    def check(self, *, user: AnyUser, target: Any, edition: str, fmt: str) -> None:
        """What render and write check first: the format, the edition, the target's level, and
        required_perm on unit_of(target) (PermissionDenied)."""
        if fmt not in self.formats:
            raise ValueError(f"{self.identifier}: format {fmt!r} tidak tersedia")
        if edition not in self.editions:
            raise ValueError(f"{self.identifier}: edisi {edition!r} tidak tersedia")
        unit = self.unit_of(target)
        if unit.level != self.scope_level:
            raise ValueError(f"{self.identifier} dibuat untuk {self.scope_level}, bukan {unit.level}")
        if not access.has_perm(user, self.required_perm, unit):
            raise PermissionDenied("Peran Anda tidak mengizinkan mengunduh formulir ini.")

    def render(
        self, *, user: AnyUser, target: Any, period: Period, edition: str, fmt: str, options: dict | None = None
    ) -> ExportResult:
        self.check(user=user, target=target, edition=edition, fmt=fmt)
        method = self.render_xlsx if fmt == XLSX else self.render_pdf
        content = method(user=user, target=target, period=period, edition=edition, options=options or {})
        return ExportResult(
            filename=f"{self.file_stem(target, period)}.{fmt}", content_type=CONTENT_TYPES[fmt], content=content
        )

    def write(
        self,
        *,
        user: AnyUser,
        target: Any,
        period: Period,
        edition: str,
        fmt: str,
        options: dict | None,
        out: BinaryIO,
        progress: Progress | None = None,
    ) -> None:
        """Writes the file to out, for a background job (jobs app). The default renders it and copies
        the content; an exporter that can tell how far it is overrides this and calls
        progress(done, total) as it goes."""
        content = self.render(user=user, target=target, period=period, edition=edition, fmt=fmt, options=options)
        pieces = content.content
        if isinstance(pieces, bytes):
            out.write(pieces)
            return
        try:
            for piece in pieces:
                out.write(piece)
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def unit_of(self, target: Any) -> Unit:
        """The unit whose rights govern the target (the target itself for unit-level forms)."""
        return target

    def file_stem(self, target: Any, period: Period) -> str:
        """The file name without extension, e.g. data-warga_64.74.02.1002_001_DW01."""
        parts = [self.identifier, *self.name_parts(target, period)]
        return "_".join(clean_filename_part(p) for p in parts if p)

    def name_parts(self, target: Any, period: Period) -> list[str]:
        return [target.code]

    def render_xlsx(self, *, user: AnyUser, target: Any, period: Period, edition: str, options: dict) -> Content:
        raise NotImplementedError

    def render_pdf(self, *, user: AnyUser, target: Any, period: Period, edition: str, options: dict) -> Content:
        raise NotImplementedError


EXPORTERS: dict[str, "Exporter"] = {}


def register(*exporters: "Exporter") -> None:
    """Add exporters to the registry (called from the apps' AppConfig.ready())."""
    for exporter in exporters:
        if EXPORTERS.get(exporter.identifier, exporter) is not exporter:
            raise RuntimeError(f"two exporters named {exporter.identifier!r}")
        EXPORTERS[exporter.identifier] = exporter


def get_exporter(identifier: str) -> "Exporter | None":
    """The exporter registered under identifier, or None."""
    return EXPORTERS.get(identifier)
