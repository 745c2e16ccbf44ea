"""The one way we write spreadsheets: every cell from user text stays text, and sheets are set up to
print like the paper forms (landscape, fit to width, header rows repeated on every page).

Anything that starts with = + - @ (or a tab/CR that Excel strips first) could become a formula or a
DDE payload when a user opens the file; such text is written as a string cell with a leading
apostrophe-free quote prefix (openpyxl's data_type "s" plus the cell's quotePrefix style), so it shows
exactly as typed and is never evaluated.
"""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def put(ws, row, column, value, *, bold=False, border=False, align=None, number_format=None):
    """Write one cell. Numbers, dates and booleans keep their type; everything else is text that can
    never become a formula."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "Ya" if value else "Tidak"
    elif isinstance(value, (int, float, Decimal)):
        cell.value = value
    elif isinstance(value, (datetime.date, datetime.datetime)):
        cell.value = value
        cell.number_format = number_format or "DD-MM-YYYY"
    else:
        text = str(value)
        cell.value = text
        cell.data_type = "s"  # never a formula, even for "=..."
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True
    if bold:
        cell.font = BOLD
    if border:
        cell.border = BORDER
    if align is not None:
        cell.alignment = align
    if number_format and not isinstance(value, (datetime.date, datetime.datetime)):
        cell.number_format = number_format
    return cell


def merge(ws, first_row, first_col, last_row, last_col, value, *, bold=True, border=True, align=CENTER):
    """A merged header cell like the paper form's group headers."""
    cell = put(ws, first_row, first_col, value, bold=bold, border=border, align=align)
    if (first_row, first_col) != (last_row, last_col):
        ws.merge_cells(start_row=first_row, start_column=first_col, end_row=last_row, end_column=last_col)
        if border:
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    ws.cell(row=r, column=c).border = BORDER
    return cell


def write_row(ws, row, values, *, first_column=1, border=True, bold=False, align=None):
    for offset, value in enumerate(values):
        put(ws, row, first_column + offset, value, border=border, bold=bold, align=align)


def print_setup(ws, *, header_rows=None, landscape=True, paper="A4", fit_width=True):
    """Landscape, fit to one page wide, the header rows repeated on every printed page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4 if paper == "A4" else Worksheet.PAPERSIZE_LEGAL
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if header_rows:
        first, last = header_rows
        ws.print_title_rows = f"{first}:{last}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "Halaman &P dari &N"


def field(ws, row, column, label, value, *, label_span=3, value_span=5):
    """One line of a form's header block ("Dasa Wisma : Melati 1"): the label over label_span columns,
    the value over the next value_span, both unboxed and left-aligned like the paper form."""
    merge(ws, row, column, row, column + label_span - 1, label, bold=True, border=False, align=LEFT)
    first = column + label_span
    merge(ws, row, first, row, first + value_span - 1, value, bold=False, border=False, align=LEFT)


def column_widths(ws, widths):
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def sheet_title(text):
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, no apostrophe at either end
    (user names may hold any of these)."""
    return " ".join(str(text).translate(_SHEET_TITLE_FORBIDDEN).split())[:31].strip(" '") or "Lembar"


def new_workbook(title):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    return wb, ws


def add_sheet(wb, title):
    return wb.create_sheet(sheet_title(title))


def to_bytes(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
