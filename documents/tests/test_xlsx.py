"""The safe spreadsheet helper: user text never becomes a formula, types survive a round trip."""

import datetime
import io
import zipfile

from openpyxl import load_workbook

from documents import xlsx


def _roundtrip(values):
    wb, ws = xlsx.new_workbook("Uji")
    xlsx.write_row(ws, 1, values)
    data = xlsx.to_bytes(wb)
    return data, load_workbook(io.BytesIO(data)).active


def test_text_that_looks_like_a_formula_stays_text():
    evil = ['=HYPERLINK("http://x","klik")', "+62812", "-1+1", "@SUM(A1)", "=1+1"]
    data, ws = _roundtrip(evil)
    assert [ws.cell(row=1, column=i + 1).value for i in range(len(evil))] == evil
    assert all(ws.cell(row=1, column=i + 1).data_type == "s" for i in range(len(evil)))
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_numbers_dates_and_booleans_keep_meaning():
    _data, ws = _roundtrip([3, datetime.date(2026, 1, 31), True, None])
    assert ws["A1"].value == 3
    assert ws["B1"].value.date() == datetime.date(2026, 1, 31)
    assert ws["C1"].value == "Ya" and ws["D1"].value is None


def test_print_setup_repeats_header_rows_and_is_landscape():
    wb, ws = xlsx.new_workbook("Uji")
    xlsx.merge(ws, 1, 1, 1, 5, "JUDUL")
    xlsx.print_setup(ws, header_rows=(3, 4))
    ws2 = load_workbook(io.BytesIO(xlsx.to_bytes(wb))).active
    assert ws2.page_setup.orientation == "landscape"
    assert ws2.print_title_rows == "$3:$4"
    assert "A1:E1" in {str(r) for r in ws2.merged_cells.ranges}
