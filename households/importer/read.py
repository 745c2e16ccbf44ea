"""Reading an uploaded workbook: `read_dataset` (with `check_file_name` and the size limits) turns the
file into a tablib Dataset or refuses it with ImportFileError; `WargaRowResource` cleans one row of it
into typed values.

`SafeXLSX` (a subclass of import-export's XLSX format) turns the workbook into a tablib Dataset,
refusing formulas, wrong headers, empty sheets and more than MAX_ROWS rows; `WargaRowResource` (an
import-export Resource whose Fields carry our Indonesian headers and our widgets) cleans each row into
typed values, one message per column. `Resource.import_data(dry_run=...)` is not used: one row of our
sheet feeds three models (rumah tangga, keluarga, warga) that only make sense once the rows are grouped,
while import_data saves one instance per row as it reads; its dry run would write every row inside a
savepoint only to roll it back, and would check each row only as far as that row's own save.
"""

import io
import re
import zipfile

import tablib
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .columns import COLUMNS, HEADERS, MAX_ROWS, PREFILLED_ROWS, SHEET_TITLE, blank, norm

MAX_BYTES = 5 * 1024 * 1024
# A 5 MB xlsx that unpacks to gigabytes is a zip bomb, not a list of warga.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
_NORMALISED_HEADERS = {norm(h): h for h in HEADERS}
# Cells that may be filled on an otherwise empty row: the template fills them in advance.
_PREFILLED = {"Kode Dasawisma", "Dasawisma"}


class WargaRowResource(resources.Resource):
    """One spreadsheet row: the Fields map our Indonesian headers to the parts of a parsed row
    (baris, rumah_tangga, keluarga, warga) through the widgets above."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = {
            c.attribute: Field(attribute=c.attribute, column_name=c.header, widget=c.widget) for c in COLUMNS
        }

    def get_export_headers(self, selected_fields=None):
        return list(HEADERS)

    def parse(self, row):
        """({part: {field: typed value}}, {header: [messages]}) for one row (a dict header -> cell) of the
        dataset. Each Field reads its column and cleans it with its widget; a widget's ValueError is the
        message for that column."""
        parts = {"baris": {}, "rumah_tangga": {}, "keluarga": {}, "warga": {}}
        errors = {}
        for column in self.get_import_fields():
            part, name = column.attribute.split("__", 1)
            try:
                parts[part][name] = column.clean(row)
            except ValueError as exc:
                errors[column.column_name] = [str(exc)]
        return parts, errors

    def get_import_fields(self):
        # The same list for every row: computed once instead of once per row.
        if not hasattr(self, "_import_fields"):
            self._import_fields = super().get_import_fields()
        return self._import_fields


class ImportFileError(Exception):
    """The whole file is refused; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SafeXLSX(XLSX):
    """import-export's XLSX format, read defensively: formulas refused (the cell is named), headers
    checked, at most MAX_ROWS data rows, empty rows skipped. The dataset carries `row_numbers`, the sheet
    row of each data row, for the messages."""

    def create_dataset(self, in_stream):
        data = bytes(in_stream)
        if len(data) > MAX_BYTES:
            raise ImportFileError(too_big_message())
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ImportFileError(NOT_XLSX)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                    raise ImportFileError(NOT_XLSX)
                # Reading cell types is slow; a quick look at the sheets' XML tells whether it is needed.
                may_have_formulas = any(
                    _FORMULA_TAG.search(archive.read(name))
                    for name in archive.namelist()
                    if name.startswith("xl/worksheets/") and name.endswith(".xml")
                )
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise ImportFileError(NOT_XLSX) from exc
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportFileError(NOT_XLSX) from exc
        try:
            return self._read(book, may_have_formulas)
        except ImportFileError:
            raise
        except Exception as exc:  # a damaged sheet inside a valid zip: a message, not a stack trace
            raise ImportFileError(NOT_XLSX) from exc
        finally:
            book.close()

    def _read(self, book, may_have_formulas):
        if not book.worksheets:
            raise ImportFileError(EMPTY)
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        if may_have_formulas:
            _refuse_formulas(sheet)
        rows = sheet.iter_rows(values_only=True)
        headers = list(next(rows, None) or ())
        while headers and blank(headers[-1]):
            headers.pop()
        if not headers:
            raise ImportFileError(EMPTY)
        positions = _check_headers(headers)
        prefilled = {i for i, target in positions.items() if HEADERS[target] in _PREFILLED}
        dataset = tablib.Dataset(headers=HEADERS)
        dataset.row_numbers = []
        last_filled = 1
        for number, cells in enumerate(rows, start=2):
            if not any(not blank(v) for i, v in enumerate(cells) if i not in prefilled):
                # A thousand empty rows in a row end the data (a sheet may be formatted to row 1,048,576).
                if number - last_filled > PREFILLED_ROWS + 1000:
                    break
                continue
            last_filled = number
            if len(dataset) >= MAX_ROWS:
                raise ImportFileError(
                    f"Berkas berisi lebih dari {MAX_ROWS:,} baris data warga.".replace(",", ".")
                    + " Bagi menjadi beberapa berkas."
                )
            values = [None] * len(HEADERS)
            for index, target in positions.items():
                if index < len(cells):
                    values[target] = cells[index]
            dataset.append(values)
            dataset.row_numbers.append(number)
        if not len(dataset):
            raise ImportFileError(EMPTY)
        return dataset


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _refuse_formulas(sheet, limit=5):
    """Name the first cells that hold a formula: its value would be whatever Excel last computed."""
    found = []
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                found.append(f"{get_column_letter(cell.column)}{cell.row}")
                if len(found) == limit:
                    break
        if len(found) == limit:
            break
    if found:
        raise ImportFileError(
            f"Sel {', '.join(found)} berisi rumus. Impor hanya menerima nilai: salin sel itu, lalu tempel "
            "sebagai nilai saja (Paste Special › Values), atau ketik ulang isinya."
        )


NOT_XLSX = (
    "Berkas tidak dapat dibuka sebagai buku kerja Excel (.xlsx). Berkas .xls, .csv, .ods atau lainnya "
    "tidak diterima: buka berkas itu lalu simpan sebagai “Excel Workbook (.xlsx)”, atau pakai templat "
    "yang diunduh dari halaman ini."
)
EMPTY = "Berkas kosong: tidak ada baris data warga di bawah baris judul kolom."


def too_big_message():
    return f"Berkas lebih besar dari {MAX_BYTES // (1024 * 1024)} MB. Bagi menjadi beberapa berkas."


def _check_headers(headers):
    """{position in the file: position in HEADERS}; a message listing what is missing or unknown."""
    positions, unknown, seen = {}, [], set()
    for index, header in enumerate(headers):
        if blank(header):
            continue
        canonical = _NORMALISED_HEADERS.get(norm(header))
        if canonical is None or canonical in seen:
            unknown.append(str(header).strip())
            continue
        seen.add(canonical)
        positions[index] = HEADERS.index(canonical)
    missing = [h for h in HEADERS if h not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("kolom yang tidak ada: " + ", ".join(f"“{h}”" for h in missing))
        if unknown:
            parts.append("kolom yang tidak dikenal atau ganda: " + ", ".join(f"“{h}”" for h in unknown))
        raise ImportFileError(
            "Judul kolom pada baris 1 tidak sesuai templat (" + "; ".join(parts) + "). Unduh templat terbaru "
            "dan salin data ke dalamnya."
        )
    return positions


def check_file_name(name):
    if not str(name or "").lower().endswith(".xlsx"):
        raise ImportFileError(
            "Hanya berkas Excel .xlsx yang diterima (bukan .xls, .csv atau lainnya). Simpan berkas sebagai "
            "“Excel Workbook (.xlsx)”, atau pakai templat yang diunduh dari halaman ini."
        )


def read_dataset(data, name):
    """The tablib Dataset of an uploaded file, or ImportFileError with the reason."""
    check_file_name(name)
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_big_message())
    return SafeXLSX().create_dataset(data)
