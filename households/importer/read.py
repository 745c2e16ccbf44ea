"""Reading an uploaded workbook: `read_dataset` (with `check_file_name` and the size limits) turns the
file into a tablib Dataset or refuses it with ImportFileError; `dataset_to_json` / `dataset_from_json`
keep that Dataset between the upload and the confirm (the file is parsed once); `WargaRowResource`
cleans one row of it into typed values.

`SafeXLSX` (a subclass of import-export's XLSX format) turns the workbook into a tablib Dataset,
refusing formulas, wrong headers, empty sheets, more than MAX_ROWS rows, more than MAX_CELLS cells and
content right of MAX_COLUMNS. The cells are counted as the archive is streamed, before openpyxl parses
anything (a sheet's declared size may lie or be missing), and only the first MAX_COLUMNS columns are
read; `WargaRowResource` (an
import-export Resource whose Fields carry our Indonesian headers and our widgets) cleans each row into
typed values, one message per column. `Resource.import_data(dry_run=...)` is not used: one row of our
sheet feeds three models (rumah tangga, keluarga, warga) that only make sense once the rows are grouped,
while import_data saves one instance per row as it reads; its dry run would write every row inside a
savepoint only to roll it back, and would check each row only as far as that row's own save.
"""

import datetime
import decimal
import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass, field

import tablib
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from . import paper
from .columns import (
    COLUMNS,
    HEADERS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    OPTIONAL_HEADERS,
    PREFILLED_ROWS,
    SHEET_TITLE,
    blank,
    norm,
)

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
    """import-export's XLSX format, read defensively: the cells of the archive counted and content right
    of MAX_COLUMNS refused before openpyxl parses a sheet, formulas refused (the cell is named), headers
    checked, at most MAX_ROWS data rows, empty rows skipped, only the first MAX_COLUMNS columns read. The
    dataset carries `row_numbers`, the sheet row of each data row, for the messages.

    The sheet's layout is given by the class attributes below (the Data Warga sheet's by default): another
    upload of this application (the onboarding sheet of groups and cadres) subclasses it with its own
    headers, the headers it requires and how a typed header is recognised (`canonical`)."""

    headers = HEADERS
    required = tuple(h for h in HEADERS if h not in OPTIONAL_HEADERS)
    sheet_title = SHEET_TITLE
    prefilled = _PREFILLED
    max_rows = MAX_ROWS
    rows_word = "data warga"
    paper_form = True  # the Data Warga form's own layout (4.14.1a) is read too

    def canonical(self, header):
        """The header of this layout that a typed header names, or None."""
        return _NORMALISED_HEADERS.get(norm(header))

    @property
    def empty_message(self):
        return f"Berkas kosong: tidak ada baris {self.rows_word} di bawah baris judul kolom."

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
                scan = _scan(archive)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise ImportFileError(NOT_XLSX) from exc
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportFileError(NOT_XLSX) from exc
        try:
            return self._read(book, scan)
        except ImportFileError:
            raise
        except Exception as exc:  # a damaged sheet inside a valid zip: a message, not a stack trace
            raise ImportFileError(NOT_XLSX) from exc
        finally:
            book.close()

    def _read(self, book, scan):
        if not book.worksheets:
            raise ImportFileError(self.empty_message)
        sheet = book[self.sheet_title] if self.sheet_title in book.sheetnames else book.worksheets[0]
        # openpyxl keeps the archive path of a read-only sheet here; without it the check is left to the
        # cell budget (the columns right of MAX_COLUMNS are never read either way).
        too_far = scan.beyond.get(getattr(sheet, "_worksheet_path", None))
        if too_far:
            raise ImportFileError(too_wide_message(sheet.title, too_far))
        # The declared size (<dimension>) may lie or be missing: read what is there, up to MAX_COLUMNS.
        sheet.reset_dimensions()
        formulas = _Formulas() if scan.formulas else None
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=formulas is None)
        if formulas is not None:
            rows = (formulas.values(cells) for cells in rows)
        headers = list(next(rows, None) or ())
        while headers and blank(headers[-1]):
            headers.pop()
        if not headers:
            formulas and formulas.check()
            raise ImportFileError(self.empty_message)
        if self.paper_form and self._looks_like_paper(headers):
            # The form's table may start on row 1 (no title above it).
            dataset = self._read_paper(itertools.chain([tuple(headers)], rows), formulas)
            if dataset is not None:
                return dataset
        positions = self._check_headers(headers, formulas)
        prefilled = {i for i, target in positions.items() if self.headers[target] in self.prefilled}
        dataset = tablib.Dataset(headers=self.headers)
        dataset.row_numbers = []
        present = {self.headers[target] for target in positions.values()}
        dataset.absent = [h for h in self.headers if h not in present]
        last_filled = 1
        for number, cells in enumerate(rows, start=2):
            if formulas is not None and formulas.full:
                break
            if not any(not blank(v) for i, v in enumerate(cells) if i not in prefilled):
                # A thousand empty rows in a row end the data (a sheet may be formatted to row 1,048,576).
                if number - last_filled > PREFILLED_ROWS + 1000:
                    break
                continue
            last_filled = number
            if len(dataset) >= self.max_rows:
                formulas and formulas.check()
                raise ImportFileError(
                    f"Berkas berisi lebih dari {_number(self.max_rows)} baris {self.rows_word}. Bagi menjadi "
                    "beberapa berkas."
                )
            values = [None] * len(self.headers)
            for index, target in positions.items():
                if index < len(cells):
                    values[target] = cells[index]
            dataset.append(values)
            dataset.row_numbers.append(number)
        formulas and formulas.check()
        if not len(dataset):
            raise ImportFileError(self.empty_message)
        return dataset

    def _looks_like_paper(self, first_row):
        """The form's title on row 1, or a row 1 without the headers only the template has."""
        if paper.is_paper(first_row):
            return True
        return not any(not blank(h) and self.canonical(h) in paper.TEMPLATE_ONLY for h in first_row)

    def _read_paper(self, rows, formulas):
        """The sheet read as the paper form 4.14.1a (importer/paper.py), or None when it is not one."""
        try:
            dataset = paper.read_paper(
                rows, max_rows=self.max_rows, rows_word=self.rows_word, is_template_header=self.canonical
            )
        except paper.PaperLayoutError as exc:
            formulas and formulas.check()
            raise ImportFileError(exc.message) from exc
        formulas and formulas.check()
        if dataset is not None and not len(dataset):
            raise ImportFileError(self.empty_message)
        return dataset

    def _check_headers(self, headers, formulas=None):
        """{position in the file: position in self.headers}; a message listing what is missing or unknown
        (after the formulas met so far: a header row written by formulas is told as such)."""
        positions, unknown, seen = {}, [], set()
        for index, header in enumerate(headers):
            if blank(header):
                continue
            canonical = self.canonical(header)
            if canonical is None or canonical in seen:
                unknown.append(str(header).strip())
                continue
            seen.add(canonical)
            positions[index] = self.headers.index(canonical)
        missing = [h for h in self.required if h not in seen]
        if missing or unknown:
            formulas and formulas.check()
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


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_FORMULA_TAG = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
# A cell element with a namespace prefix (<x:c ...>); one without is counted as any "<c" (<col>, <cols>
# and <cfRule> too: a few more, counted in C).
_PREFIXED_CELL_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")


def _columns_after(column):
    """A regex of the letters of every column right of `column` (a two-letter column, AA to ZY)."""
    first, second = get_column_letter(column)
    parts = [b"[A-Z]{3}"]
    if first < "Z":
        parts.append(f"[{chr(ord(first) + 1)}-Z][A-Z]".encode())
    if second < "Z":
        parts.append(f"{first}[{chr(ord(second) + 1)}-Z]".encode())
    return b"|".join(parts)


# A reference right of MAX_COLUMNS, as spreadsheet programs write it (r="BJ2"): the quick look for one.
_FAR_REFERENCE = re.compile(rb"\br=[\"'](?:" + _columns_after(MAX_COLUMNS) + rb")\d")
# A cell right of MAX_COLUMNS that holds something: a value, an inline string or a formula. An empty cell
# there that only carries a format (Excel keeps them for a formatted range) is no content.
_CONTENT_TOO_FAR = re.compile(
    rb"<" + _PREFIX + rb"c\s[^>]*?\br\s*=\s*[\"']((?:" + _columns_after(MAX_COLUMNS) + rb")\d+)[\"'][^>]*>\s*"
    rb"<" + _PREFIX + rb"(?:v>[^<]|is[\s>]|f[\s/>])"
)
_CHUNK = 1024 * 1024


@dataclass
class _Scan:
    """What a look at the archive's XML found: whether some part has a formula, and per part the first
    cell with content right of MAX_COLUMNS."""

    formulas: bool = False
    beyond: dict = field(default_factory=dict)


def _scan(archive):
    """Stream every part of the archive once (decompressed chunk by chunk, never whole in memory) and
    count its cells: more than MAX_CELLS in all refuses the file as soon as the count passes it, before
    openpyxl parses anything (it would walk a sheet whose <dimension> is missing just to size it). The
    regular expressions run in C: a part costs about what unpacking it costs. Every part, not only
    xl/worksheets/: a workbook may name its sheets anywhere."""
    scan, cells = _Scan(), 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        with archive.open(info) as stream:
            buffer = bytearray()
            while chunk := stream.read(_CHUNK):
                start = max(len(buffer) - 1, 0)
                buffer += chunk
                # Cut before the last closing tag (else after the last empty element): a tag, and a cell's
                # start tag with its first child, are never split between two pieces.
                cut = buffer.rfind(b"</", start)
                if cut < 0:
                    cut = buffer.rfind(b"/>", start)
                    cut = cut + 2 if cut >= 0 else 0
                if cut > 0:
                    cells = _scan_piece(scan, info.filename, buffer[:cut], cells)
                    del buffer[:cut]
            cells = _scan_piece(scan, info.filename, buffer, cells)
    return scan


def _scan_piece(scan, name, piece, cells):
    # Byte counts and `in` run at memory speed; a regular expression only where they found something.
    cells += piece.count(b"<c")
    if b":c" in piece:
        cells += len(_PREFIXED_CELL_TAG.findall(piece))
    if cells > MAX_CELLS:
        raise ImportFileError(too_many_cells_message())
    if not scan.formulas and (b"<f" in piece or b":f" in piece) and _FORMULA_TAG.search(piece):
        scan.formulas = True
    if name not in scan.beyond and _FAR_REFERENCE.search(piece):
        found = _CONTENT_TOO_FAR.search(piece)
        if found:
            scan.beyond[name] = bytes(found[1]).decode("ascii")
    return cells


class _Formulas:
    """The formula cells met while reading (cells read with their type only when the archive holds a
    formula somewhere): the first `limit` are named, then reading stops."""

    def __init__(self, limit=5):
        self.limit, self.found = limit, []

    @property
    def full(self):
        return len(self.found) >= self.limit

    def values(self, cells):
        for cell in cells:
            if cell.data_type == "f" and not self.full:
                self.found.append(cell.coordinate)
        return tuple(cell.value for cell in cells)

    def check(self):
        if self.found:
            raise ImportFileError(
                f"Sel {', '.join(self.found)} berisi rumus. Impor hanya menerima nilai: salin sel itu, lalu tempel "
                "sebagai nilai saja (Paste Special › Values), atau ketik ulang isinya."
            )


NOT_XLSX = (
    "Berkas tidak dapat dibuka sebagai buku kerja Excel (.xlsx). Berkas .xls, .csv, .ods atau lainnya "
    "tidak diterima: buka berkas itu lalu simpan sebagai “Excel Workbook (.xlsx)”, atau pakai templat "
    "yang diunduh dari halaman ini."
)


def too_big_message():
    return f"Berkas lebih besar dari {MAX_BYTES // (1024 * 1024)} MB. Bagi menjadi beberapa berkas."


def _number(value):
    return f"{value:,}".replace(",", ".")


def too_many_cells_message():
    return (
        f"Berkas berisi lebih dari {_number(MAX_CELLS)} sel (sel kosong yang diberi format ikut dihitung), "
        f"lebih banyak daripada templat yang terisi penuh ({_number(MAX_ROWS)} baris × {MAX_COLUMNS} kolom). "
        "Salin data warga saja ke templat yang diunduh dari halaman ini (tanpa lembar lain dan tanpa kolom atau "
        "baris kosong yang diberi format), atau bagi menjadi beberapa berkas."
    )


def too_wide_message(title, coordinate):
    return (
        f"Lembar “{title}” berisi data di sel {coordinate}, di kanan kolom templat (yang dibaca hanya kolom A "
        f"sampai {get_column_letter(MAX_COLUMNS)}). Hapus kolom di kanan tabel, atau salin data warga saja ke "
        "templat yang diunduh dari halaman ini."
    )


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


# -- the parsed rows kept between the upload and the confirm ------------------------------------------
# JSON, never pickle: the stored file is data, not code. A cell holds what openpyxl read (text, a number,
# a boolean, a date or time, or None); JSON keeps the first four as they are (a float as its shortest
# repr, which reads back to the same float), the others are tagged ({"datetime": "2019-01-15T00:00:00"}).

_TAGGED = {
    "datetime": (datetime.datetime, datetime.datetime.isoformat, datetime.datetime.fromisoformat),
    "date": (datetime.date, datetime.date.isoformat, datetime.date.fromisoformat),
    "time": (datetime.time, datetime.time.isoformat, datetime.time.fromisoformat),
    "timedelta": (
        datetime.timedelta,
        lambda v: [v.days, v.seconds, v.microseconds],
        lambda v: datetime.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    ),
    "decimal": (decimal.Decimal, str, decimal.Decimal),
}
_ROWS_VERSION = 1


def _encode(value):
    if value is None or isinstance(value, str | bool | int | float):
        return value
    # datetime before date: a datetime is also a date.
    for tag, (kind, dump, _load) in _TAGGED.items():
        if isinstance(value, kind):
            return {tag: dump(value)}
    raise TypeError(f"Sel bertipe {type(value).__name__} tidak dapat disimpan.")


def _decode(value):
    if isinstance(value, dict):
        ((tag, raw),) = value.items()
        return _TAGGED[tag][2](raw)
    return value


def dataset_to_json(dataset):
    """The Dataset read_dataset made, as JSON bytes that dataset_from_json turns back into an equal one."""
    payload = {
        "version": _ROWS_VERSION,
        "headers": list(dataset.headers),
        "row_numbers": list(dataset.row_numbers),
        "absent": list(getattr(dataset, "absent", ())),
        "rows": [[_encode(v) for v in row] for row in dataset],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def dataset_from_json(data, headers=HEADERS):
    """The Dataset stored by dataset_to_json with these headers (the Data Warga sheet's by default);
    ValueError for anything else (another version of the template's columns included: the upload is then
    read again by nobody, the user uploads again)."""
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise ValueError("Baris tersimpan rusak.") from exc
    try:
        if payload["version"] != _ROWS_VERSION or payload["headers"] != list(headers):
            raise ValueError("Baris tersimpan untuk templat lain.")
        numbers, rows = payload["row_numbers"], payload["rows"]
        if len(numbers) != len(rows) or any(len(row) != len(headers) for row in rows):
            raise ValueError("Baris tersimpan tidak utuh.")
        dataset = tablib.Dataset(headers=list(headers))
        for row in rows:
            dataset.append([_decode(v) for v in row])
        dataset.row_numbers = [int(n) for n in numbers]
        dataset.absent = [h for h in payload.get("absent", ()) if h in headers]
    except (KeyError, TypeError, AttributeError, IndexError, decimal.InvalidOperation) as exc:
        raise ValueError("Baris tersimpan rusak.") from exc
    return dataset
