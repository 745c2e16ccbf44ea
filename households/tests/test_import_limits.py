"""Heavy uploads (issue 11): a workbook with too many cells or with content far right of the template's
columns is refused before it is parsed, extra empty columns cost nothing, the workbook is parsed once
(the rows kept beside the upload serve the preview pages and the confirm, sealed against tampering),
and a dasawisma that would grow past a sane size is warned about at the preview."""

import datetime
import decimal
import io
import json
import re
import time
import zipfile

import pytest
import tablib
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from documents import xlsx
from households.importer import job as import_job
from households.importer import read
from households.importer.columns import HEADERS, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, SHEET_TITLE
from households.importer.job import KEDALUWARSA
from households.importer.read import dataset_from_json, dataset_to_json, read_dataset
from households.importer.uploads import (
    UPLOAD_MAX_AGE_SECONDS,
    discard_upload,
    load_rows,
    purge_uploads,
    store_upload,
)
from households.models import RumahTangga, Warga
from households.tests import test_import as base
from households.tests.test_import import (
    NIK_SITI,
    as_kader,
    family,
    fill,
    household_rows,
    person,
    upload,
    upload_dir,
)
from jobs.models import Job, Status


def _rewrite_sheet(data, change):
    """The workbook with its Data Warga sheet's XML passed through change(bytes) -> bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            target.writestr(info, body)
    return out.getvalue()


# The fixtures of the import's tests: uploads in a storage of the test's own, the cast with valid NIKs.
own_upload_dir = base.own_upload_dir
cast = base.cast


def _sheet_xml(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def _with_cells(data, rows, columns, cell):
    """Append `rows` rows of `columns` cells each (cell(reference) -> XML) after the sheet's data."""

    def change(body):
        last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', body))
        extra = "".join(
            f'<row r="{r}">' + "".join(cell(f"{get_column_letter(c)}{r}") for c in range(1, columns + 1)) + "</row>"
            for r in range(last + 1, last + 1 + rows)
        )
        return body.replace(b"</sheetData>", extra.encode() + b"</sheetData>")

    return _rewrite_sheet(data, change)


def stored_files():
    return sorted(p.name for p in upload_dir().glob("*")) if upload_dir().exists() else []


def refused(client, cast, data, message):
    before = household_rows()
    response = upload(as_kader(client, cast), cast.dw, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body, body[body.find("error") - 200 : body.find("error") + 800]
    assert household_rows() == before
    assert stored_files() == []  # neither the workbook nor rows
    assert not client.session.get("impor_warga")
    return body


# -- refused early -------------------------------------------------------------------------------------


def test_content_right_of_the_template_columns_is_refused_with_its_cell(client, cast):
    data = load_workbook(io.BytesIO(fill(family(), cast.dw)))
    sheet = data[SHEET_TITLE]
    sheet.cell(row=3, column=MAX_COLUMNS + 40, value="catatan")  # no header above it
    body = refused(client, cast, xlsx.to_bytes(data), "di kanan kolom templat")
    assert f"sel {get_column_letter(MAX_COLUMNS + 40)}3" in body
    assert f"kolom A sampai {get_column_letter(MAX_COLUMNS)}" in body


def test_a_workbook_over_the_cell_budget_is_refused_before_openpyxl_reads_it(client, cast, monkeypatch):
    # Empty cells that carry a format count too: each costs the XML parser as much as a filled one.
    per_row = MAX_COLUMNS
    data = _with_cells(fill(family(), cast.dw), MAX_CELLS // per_row + 2, per_row, lambda ref: f'<c r="{ref}" s="1"/>')
    assert len(data) < read.MAX_BYTES

    def not_parsed(*args, **kwargs):
        raise AssertionError("the workbook is parsed although it is over the cell budget")

    monkeypatch.setattr(read, "load_workbook", not_parsed)
    with pytest.raises(read.ImportFileError) as refusal:
        read_dataset(data, "data.xlsx")
    assert f"lebih dari {MAX_CELLS:,} sel".replace(",", ".") in refusal.value.message
    refused(client, cast, data, "sel kosong yang diberi format ikut dihitung")


def test_many_cells_of_filled_columns_over_the_budget_are_refused(client, cast, monkeypatch):
    # A smaller budget, a workbook of the shape: the template's columns and hundreds more filled.
    monkeypatch.setattr(read, "MAX_CELLS", 2000)
    data = _with_cells(fill(family(), cast.dw), 10, 300, lambda ref: f'<c r="{ref}"><v>1</v></c>')
    refused(client, cast, data, "lebih dari 2.000 sel")


CELLS = [b'<c r="A1"><v>1</v></c>', b'<x:c\nr="A1"><x:v>1</x:v></x:c>']


@pytest.mark.parametrize("cell", CELLS, ids=["plain", "prefixed"])
def test_cells_of_other_parts_count_too(cast, monkeypatch, cell):
    """A sheet stored outside xl/worksheets/, its cells written with a namespace prefix or not, is counted
    all the same."""
    monkeypatch.setattr(read, "MAX_CELLS", 100)
    base = fill(family(), cast.dw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/elsewhere/sheet9.xml", b"<sheetData>" + cell * 101 + b"</sheetData>")
    with pytest.raises(read.ImportFileError, match="lebih dari 100 sel"):
        read_dataset(out.getvalue(), "data.xlsx")


def test_extra_empty_formatted_columns_far_right_are_accepted(client, cast):
    """Excel keeps formatted empty cells and column styles far to the right: they are not content."""
    book = load_workbook(io.BytesIO(fill(family(), cast.dw)))
    sheet = book[SHEET_TITLE]
    fill_colour = PatternFill("solid", fgColor="FFFF00")
    for row in range(1, 5):
        for column in (MAX_COLUMNS + 1, MAX_COLUMNS + 200, 16384):
            sheet.cell(row=row, column=column).fill = fill_colour
    sheet.column_dimensions["XFD"].width = 30
    # Within the spare columns, a note without a header is ignored as it always was.
    sheet.cell(row=2, column=len(HEADERS) + 3, value="catatan kader")
    data = xlsx.to_bytes(book)
    assert b'<c r="XFD2" s="' in _sheet_xml(data)

    dataset = read_dataset(data, "data.xlsx")
    assert len(dataset) == 3 and len(dataset.headers) == len(HEADERS)
    response = upload(as_kader(client, cast), cast.dw, data)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["counts"]["galat"] == 0 and page.context["total"] == 3


@pytest.mark.parametrize("dimension", [b'<dimension ref="A1:B2"/>', b""], ids=["lying", "missing"])
def test_the_declared_size_of_the_sheet_is_not_trusted(cast, dimension):
    rows = [person(f"Warga {i}", datetime.date(2000, 1, 1 + i), "L") for i in range(12)]

    def change(body):
        return re.sub(rb"<dimension [^>]*/>", dimension, body)

    data = _rewrite_sheet(fill(rows, cast.dw), change)
    assert (b"<dimension" in _sheet_xml(data)) == bool(dimension)
    if dimension:  # openpyxl would stop at the declared last row
        assert load_workbook(io.BytesIO(data), read_only=True)[SHEET_TITLE].max_row == 2
    dataset = read_dataset(data, "data.xlsx")
    assert len(dataset) == 12 and dataset.row_numbers == list(range(2, 14))


def test_a_formula_is_still_named_when_the_archive_has_one(cast):
    book = load_workbook(io.BytesIO(fill(family(), cast.dw)))
    book[SHEET_TITLE]["G3"] = "=UPPER(G2)"
    book[SHEET_TITLE]["H4"] = "=1+1"
    with pytest.raises(read.ImportFileError, match=r"Sel G3, H4 berisi rumus"):
        read_dataset(xlsx.to_bytes(book), "data.xlsx")


# -- parsed once ------------------------------------------------------------------------------------


@pytest.fixture
def parses(monkeypatch):
    """How many times a workbook is parsed (every path goes through SafeXLSX.create_dataset)."""
    calls = []
    real = read.SafeXLSX.create_dataset

    def counted(self, in_stream):
        calls.append(1)
        return real(self, in_stream)

    monkeypatch.setattr(read.SafeXLSX, "create_dataset", counted)
    return calls


def _many_rows(n=60):
    rows = family()
    for i in range(n):
        rows.append(person(f"Anak {i}", datetime.date(2010, 1, 1 + i % 28), "L", **{"No. KK": "6474021205160002"}))
    return rows


def test_the_preview_pages_and_the_confirm_do_not_parse_the_workbook_again(client, cast, parses):
    response = upload(as_kader(client, cast), cast.dw, fill(_many_rows(), cast.dw))
    url = response["Location"]
    assert len(parses) == 1
    token = url.rstrip("/").split("/")[-1]
    assert stored_files() == sorted([f"{token}.json", f"{token}.xlsx"])
    first = client.get(url)
    assert "Halaman 1 dari 2" in first.content.decode()
    assert "Baris 63" in client.get(url + "?tampil=semua&hal=2").content.decode()
    client.get(url + "?tampil=masalah")
    assert len(parses) == 1
    assert first.context["counts"]["galat"] == 0, [r.problems for r in first.context["preview"].rows if r.problems]
    response = client.post(url)
    assert response.status_code == 302 and Warga.objects.filter(nik=NIK_SITI).exists()
    assert len(parses) == 1
    assert stored_files() == []  # used: both files removed


def test_the_background_commit_does_not_parse_the_workbook_again(client, cast, parses, monkeypatch):
    monkeypatch.setattr("households.views_imports.BACKGROUND_ROWS", 1)
    response = upload(as_kader(client, cast), cast.dw, fill(family(), cast.dw))
    client.get(response["Location"])
    client.post(response["Location"])
    job = Job.objects.get()
    assert job.status == Status.SIAP, job.pesan_galat
    assert Warga.objects.filter(nik=NIK_SITI).exists()
    assert len(parses) == 1
    assert stored_files() == []


def _uploaded(client, cast):
    response = upload(as_kader(client, cast), cast.dw, fill(family(), cast.dw))
    url = response["Location"]
    return url, url.rstrip("/").split("/")[-1]


def _tamper(token):
    path = upload_dir() / f"{token}.json"
    seal, rows = path.read_bytes().split(b"\n", 1)
    payload = json.loads(rows)
    payload["rows"][0][HEADERS.index("Nama")] = "Orang Lain"
    path.write_bytes(seal + b"\n" + json.dumps(payload).encode())


def _copy_from_another_upload(token):
    other, _digest = store_upload(b"lain", rows=(upload_dir() / f"{token}.json").read_bytes().split(b"\n", 1)[1])
    (upload_dir() / f"{token}.json").write_bytes((upload_dir() / f"{other}.json").read_bytes())


def _remove(token):
    (upload_dir() / f"{token}.json").unlink()


@pytest.mark.parametrize("spoil", [_tamper, _copy_from_another_upload, _remove], ids=["changed", "copied", "gone"])
def test_stored_rows_that_do_not_match_their_seal_are_refused(client, cast, parses, spoil):
    url, token = _uploaded(client, cast)
    assert client.get(url).status_code == 200
    spoil(token)
    before = household_rows()
    response = client.post(url)
    assert response["Location"] == reverse("households:import_upload", kwargs={"unit_pk": cast.dw.pk})
    assert household_rows() == before and not Warga.objects.filter(nama="Orang Lain").exists()
    assert not (upload_dir() / f"{token}.xlsx").exists() and not (upload_dir() / f"{token}.json").exists()
    assert "Unggah lagi" in client.get(response["Location"]).content.decode()
    assert len(parses) == 1  # refused, not read again from the workbook


def test_the_background_commit_refuses_changed_rows(client, cast, monkeypatch):
    monkeypatch.setattr("households.views_imports.BACKGROUND_ROWS", 1)
    url, _token = _uploaded(client, cast)
    client.get(url)
    real = import_job.stored_rows

    def changed_before_the_worker_runs(token, sha256, decode):  # after the view's own check
        _tamper(token)
        return real(token, sha256, decode)

    monkeypatch.setattr(import_job, "stored_rows", changed_before_the_worker_runs)
    client.post(url)
    job = Job.objects.get()
    assert (job.status, job.pesan_galat) == (Status.GAGAL, KEDALUWARSA)
    assert not Warga.objects.filter(nik=NIK_SITI).exists()


def test_stored_rows_read_back_exactly_as_read(cast):
    rows = family()
    rows[0].update({"Jumlah Jamban": 2, "Frekuensi Posyandu (kali/bulan)": 1.5})
    rows[1]["Tanggal Lahir"] = datetime.datetime(2012, 6, 1, 7, 30)  # noqa: DTZ001  (a cell has no time zone)
    dataset = read_dataset(fill(rows, cast.dw), "data.xlsx")
    again = dataset_from_json(dataset_to_json(dataset))
    assert again.headers == dataset.headers and again.row_numbers == dataset.row_numbers
    for mine, theirs in zip(again, dataset, strict=True):
        assert [(type(v), v) for v in mine] == [(type(v), v) for v in theirs]
    kinds = {type(v) for row in dataset for v in row}
    assert {str, int, float, datetime.datetime, type(None)} <= kinds

    made = tablib.Dataset(headers=HEADERS)
    odd = [datetime.date(2020, 2, 29), datetime.time(7, 5, 3), datetime.timedelta(days=2, seconds=5)]
    odd += [decimal.Decimal("1.10"), 0.1 + 0.2, 2**70, "ĀĒ “teks”", float("inf"), True, False, 0, 1.0]
    made.append(odd + [None] * (len(HEADERS) - len(odd)))
    made.row_numbers = [7]
    back = dataset_from_json(dataset_to_json(made))
    assert [(type(v), v) for v in back[0]] == [(type(v), v) for v in made[0]] and back.row_numbers == [7]


@pytest.mark.parametrize(
    "stored",
    [b"", b"[]", b'{"version": 1}', b'{"version": 1, "headers": ["Nama"], "row_numbers": [], "rows": []}'],
)
def test_stored_rows_of_another_shape_are_refused(stored):
    with pytest.raises(ValueError, match="Baris tersimpan"):
        dataset_from_json(stored)


def test_both_files_are_discarded_and_purged_together(cast):
    token, digest = store_upload(b"x", rows=b"{}")
    assert load_rows(token, digest) == b"{}" and load_rows(token, "0" * 64) is None
    assert stored_files() == sorted([f"{token}.json", f"{token}.xlsx"])
    discard_upload(token)
    assert stored_files() == []
    store_upload(b"y", rows=b"{}")
    assert purge_uploads() == "0 unggahan impor basi dihapus"
    assert purge_uploads(now=time.time() + UPLOAD_MAX_AGE_SECONDS + 1) == "1 unggahan impor basi dihapus"
    assert stored_files() == []


# -- the size of the dasawisma -------------------------------------------------------------------------


def test_a_dasawisma_past_a_sane_size_is_warned_about_and_can_still_be_saved(client, cast, monkeypatch):
    households = RumahTangga.objects.filter(dasawisma=cast.dw, tanggal_keluar__isnull=True).count()
    monkeypatch.setattr("households.views_imports.SANE_RUMAH_TANGGA", households)  # one new makes it too big
    url, _token = _uploaded(client, cast)
    page = client.get(url)
    body = page.content.decode()
    assert 'data-warning="ukuran-dasawisma"' in body
    assert f"berisi {households + 1} rumah tangga" in body
    assert "PDF-nya" in body and "lambat" in body and "bagi menjadi beberapa dasawisma" in body
    assert 'disabled aria-disabled="true"' not in body  # a warning, not an error
    assert client.post(url).status_code == 302 and Warga.objects.filter(nik=NIK_SITI).exists()


def test_the_warga_count_alone_warns_too_and_a_small_dasawisma_is_not_warned(client, cast, monkeypatch):
    url, _token = _uploaded(client, cast)
    assert 'data-warning="ukuran-dasawisma"' not in client.get(url).content.decode()
    monkeypatch.setattr("households.views_imports.SANE_WARGA", 2)
    assert 'data-warning="ukuran-dasawisma"' in client.get(url).content.decode()


def test_the_limits_follow_the_template():
    assert len(HEADERS) < MAX_COLUMNS and MAX_CELLS == MAX_ROWS * MAX_COLUMNS
