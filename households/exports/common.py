"""What the household forms share: the description of a printed column (Kolom) and the header cells it
gives (merged as on the paper form, with the numbers row), used by the XLSX writer and the PDF templates
alike; the area of a dasawisma (area_of, area_fields) and the order of its households; the XLSX layout
helpers (title, header block, table header, signature); and HouseholdExporter, the base of the forms
kept per dasawisma and per household."""

import re
from dataclasses import dataclass

from documents import xlsx
from documents.exporters import RAKERNAS_X, Exporter, lampiran_line
from documents.pdf import pdf_text
from hierarchy.levels import Level, Perm

from ..models import RumahTangga
from ..selectors import active_rumah_tangga

# -- the columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kolom:
    """One printed column: its header (atas; bawah under a merged atas), its number in the numbers row
    (equal neighbours merge), its width (XLSX character widths; the PDF shares them out in proportion)
    and the PDF cell style ("nik": one line, small; "center")."""

    nomor: int
    atas: str
    bawah: str = ""
    lebar: float = 10
    css: str = ""


@dataclass(frozen=True)
class HeaderCell:
    text: str
    column: int  # 0-based
    colspan: int = 1
    rowspan: int = 1


def header_rows(columns):
    """The two header rows and the numbers row: runs of columns with the same `atas` and a `bawah`
    share one merged top cell; a column without `bawah` spans both rows."""
    top, bottom, numbers = [], [], []
    i = 0
    while i < len(columns):
        col = columns[i]
        if not col.bawah:
            top.append(HeaderCell(col.atas, i, rowspan=2))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].atas == col.atas and columns[j].bawah:
            bottom.append(HeaderCell(columns[j].bawah, j))
            j += 1
        top.append(HeaderCell(col.atas, i, colspan=j - i))
        i = j
    i = 0
    while i < len(columns):
        j = i
        while j < len(columns) and columns[j].nomor == columns[i].nomor:
            j += 1
        numbers.append(HeaderCell(str(columns[i].nomor), i, colspan=j - i))
        i = j
    return top, bottom, numbers


def pdf_columns(columns):
    """The PDF's <col> widths (percent of the page width, from the XLSX widths) and cell styles."""
    total = sum(c.lebar for c in columns)
    return [{"width": f"{100 * c.lebar / total:.2f}", "css": c.css} for c in columns]


def pdf_cells(columns, values):
    """One PDF row: (style, text) per column."""
    return [(c.css, pdf_text(v)) for c, v in zip(columns, values, strict=True)]


def choice_label(choices, value):
    return choices(value).label if value in choices.values else ""


# -- loading -----------------------------------------------------------------------------------------

_AREA_LEVELS = [Level.RT, Level.RW, Level.DUSUN, Level.DESA, Level.KECAMATAN, Level.KABKOTA]
_NATURAL = re.compile(r"(\d+)")


def area_of(dasawisma):
    """{level: Unit} for the dasawisma and its ancestors, loaded once per unit object (one query)."""
    cached = getattr(dasawisma, "_pkk_area", None)
    if cached is None:
        ids = {level: getattr(dasawisma, f"{level}_id") for level in _AREA_LEVELS}
        by_id = type(dasawisma).objects.in_bulk([i for i in ids.values() if i])
        cached = {level: by_id.get(i) for level, i in ids.items()}
        cached[Level.DASAWISMA] = dasawisma
        dasawisma._pkk_area = cached
    return cached


def area_fields(dasawisma):
    """The form's header lines naming the area, top to bottom of the paper's right-hand block."""
    area = area_of(dasawisma)
    rt, rw = area[Level.RT], area[Level.RW]
    lines = [("RT / RW", f"{rt.code if rt else '-'} / {rw.code if rw else '-'}")]
    if area[Level.DUSUN]:
        lines.append(("Dusun/Lingkungan", area[Level.DUSUN].name))
    for level, label in [(Level.DESA, "Desa/Kelurahan"), (Level.KECAMATAN, "Kecamatan"), (Level.KABKOTA, "Kab/Kota")]:
        if area[level]:
            lines.append((label, area[level].name))
    return lines


def registry_key(rt):
    """The households' order on the forms: by No. Registrasi (numbers read as numbers), those without last."""
    parts = _NATURAL.split(rt.no_registrasi or "")
    return (not rt.no_registrasi, [int(p) if p.isdigit() else p for p in parts], rt.pk)


def household_qs(target, on):
    """The target's households: the one asked for, or the dasawisma's that had not left by `on`."""
    if isinstance(target, RumahTangga):
        return RumahTangga.objects.filter(pk=target.pk)
    return active_rumah_tangga(RumahTangga.objects.filter(dasawisma=target), on)


def natural_key(text):
    """Codes sorted as people read them: runs of digits compare as numbers."""
    return [int(p) if p.isdigit() else p for p in _NATURAL.split(text or "")]


# -- XLSX --------------------------------------------------------------------------------------------


def xlsx_table_header(ws, first_row, columns):
    top, bottom, numbers = header_rows(columns)
    for cell in top:
        last_col = cell.column + cell.colspan
        xlsx.merge(ws, first_row, cell.column + 1, first_row + cell.rowspan - 1, last_col, cell.text)
    for cell in bottom:
        xlsx.merge(ws, first_row + 1, cell.column + 1, first_row + 1, cell.column + 1, cell.text)
    for cell in numbers:
        first_col = cell.column + 1
        xlsx.merge(
            ws, first_row + 2, first_col, first_row + 2, first_col + cell.colspan - 1, int(cell.text), bold=False
        )
    ws.row_dimensions[first_row].height = 30
    ws.row_dimensions[first_row + 1].height = 42
    return first_row + 3


def xlsx_title(ws, columns, title, lampiran):
    width = len(columns)
    xlsx.merge(ws, 1, 1, 1, width, title, border=False)
    ws.row_dimensions[1].height = 22
    xlsx.merge(ws, 2, 1, 2, width, lampiran, bold=False, border=False)


def xlsx_fields(ws, first_row, left, right, width):
    """The header block in two halves like the paper form."""
    half = width // 2
    for offset, (label, value) in enumerate(left):
        xlsx.field(ws, first_row + offset, 1, label, value, label_span=3, value_span=half - 4)
    for offset, (label, value) in enumerate(right):
        xlsx.field(ws, first_row + offset, half + 1, label, value, label_span=3, value_span=width - half - 3)
    return first_row + max(len(left), len(right))


def xlsx_signature(ws, row, width, signature):
    half = width // 2
    xlsx.merge(
        ws, row, half + 1, row, width, f"{signature['tempat']}, ........................", bold=False, border=False
    )
    xlsx.merge(ws, row + 1, 1, row + 1, half, "Mengetahui,", bold=False, border=False)
    xlsx.merge(ws, row + 2, 1, row + 2, half, signature["kiri"], bold=False, border=False)
    xlsx.merge(ws, row + 2, half + 1, row + 2, width, signature["kanan"], bold=False, border=False)
    xlsx.merge(ws, row + 6, 1, row + 6, half, "( ................................ )", bold=False, border=False)
    xlsx.merge(ws, row + 6, half + 1, row + 6, width, "( ................................ )", bold=False, border=False)


def write_members(ws, row, values_list):
    for values in values_list:
        xlsx.write_row(ws, row, values, align=xlsx.WRAP)
        row += 1
    return row


# -- the exporters -----------------------------------------------------------------------------------


def dasawisma_signature(dasawisma):
    desa = area_of(dasawisma)[Level.DESA]
    return {"tempat": desa.name if desa else "", "kiri": "Ketua Kelompok Dasawisma", "kanan": "Kader Dasawisma"}


SLOW_PDF_SECONDS = 2


class HouseholdExporter(Exporter):
    """A form kept per dasawisma and per household: the target is a dasawisma or one RumahTangga."""

    required_perm = Perm.VIEW
    scope_level = Level.DASAWISMA
    editions = (RAKERNAS_X,)
    form = ""  # the form's Rakernas X number ("4.14.1a")
    # WeasyPrint lays out about this many of a dasawisma's warga a second (measured on the benchmark
    # machine, 200 and 800 warga): a PDF estimated above SLOW_PDF_SECONDS is prepared in the background.
    pdf_warga_per_second = 25

    def pdf_seconds(self, warga):
        return warga / self.pdf_warga_per_second

    def lampiran_line(self, edition=RAKERNAS_X):
        """The line under the title, "LAMPIRAN 4.14.1a": the form's number in the edition
        (documents.exporters.lampiran_line); these forms are kept in one edition, not named."""
        return lampiran_line(self.form, edition, with_edition=False)

    def unit_of(self, target):
        return target.dasawisma if isinstance(target, RumahTangga) else target

    def name_parts(self, target, period):
        dasawisma = self.unit_of(target)
        area = area_of(dasawisma)
        parts = [area[Level.DESA].code if area[Level.DESA] else "", area[Level.RT].code if area[Level.RT] else ""]
        parts.append(dasawisma.code)
        if isinstance(target, RumahTangga):
            parts.append(f"rumah-tangga-{target.pk}")
        return parts
