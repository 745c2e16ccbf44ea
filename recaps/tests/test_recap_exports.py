"""The recap downloads (recaps/exports.py) read back as a user reads them: the XLSX cells with
openpyxl (title, merged group headers, numbered columns, the rows and JUMLAH equal to the recap's,
the signature block, the verification line), the PDF's text through WeasyPrint's laid-out pages, and
who may download what. The numbers themselves are recaps.recaps' (tested there); here the file must
carry exactly those numbers."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from documents.exporters import Period, get_exporter
from documents.models import DokumenRekap
from documents.tests.test_pdf import A4_LANDSCAPE_PX, spy_documents
from documents.verification import sha256_of
from hierarchy.levels import Level
from hierarchy.models import Unit, User
from hierarchy.tests.url_cases import OTHER_SIDE, ROLES
from households.models import Kehamilan
from households.tests import factories as f
from pkkdata import periods
from recaps import exports as recap_exports
from recaps import recaps
from recaps.models import RingkasanDasawisma
from reports import events, workflow
from reports import services as services_events

from .url_cases_download import DOWNLOAD_CASES

YEAR = timezone.localdate().year
MONTH = (2026, 3)


def _render(cast, form, unit, fmt="xlsx", user="kota", period=None, edition="rakernas-x", **options):
    exporter = get_exporter(form)
    period = period or (Period(*MONTH) if exporter.monthly else Period(YEAR))
    return exporter.render(user=cast.users[user], target=unit, period=period, edition=edition, fmt=fmt, options=options)


def _sheet(content):
    return load_workbook(io.BytesIO(content)).active


def _find(ws, value, column=None):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value and (column is None or cell.column == column):
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not in the sheet")


def _strings(ws):
    return [cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]


def _row(ws, row, width):
    return [ws.cell(row=row, column=c).value for c in range(1, width + 1)]


@pytest.fixture
def pdf_documents(monkeypatch):
    return spy_documents(monkeypatch)


# -- XLSX --------------------------------------------------------------------------------------------


def test_kota_yearly_recap_xlsx_reads_like_the_paper_form(cast):
    recap = recaps.yearly_recap(cast.kota, YEAR)
    result = _render(cast, "4.17c", cast.kota)
    assert result.filename == f"rekap-4.17c_64.74_{YEAR}.xlsx"
    ws = _sheet(result.content)
    width = len(recap.columns) + 3  # No, the row unit, the columns, KETERANGAN

    assert ws["A1"].value == recap.form.title
    assert ws["A2"].value.startswith("LAMPIRAN 4.17c")
    merged = {str(r) for r in ws.merged_cells.ranges}
    for label, name in recap.area:
        r, c = _find(ws, label)
        assert ws.cell(r, c + 3).value == name
    r, c = _find(ws, "TAHUN")
    assert ws.cell(r, c + 3).value == str(YEAR)

    head, _ = _find(ws, "No", column=1)
    assert ws.cell(head, 2).value == recap.form.row_label
    assert ws.cell(head, width).value == "KETERANGAN"
    # Every group header is one merged cell over its columns, their labels in the row below.
    column = 3
    groups_seen = 0
    for index, col in enumerate(recap.columns):
        if col.group and (index == 0 or recap.columns[index - 1].group != col.group):
            span = sum(1 for _ in _run(recap.columns, index))
            top = ws.cell(head, column + index)
            assert top.value == col.group
            if span > 1:
                first, last = top.coordinate, ws.cell(head, column + index + span - 1).coordinate
                assert f"{first}:{last}" in merged
            groups_seen += 1
        if col.group:
            assert ws.cell(head + 1, column + index).value == col.label
        else:
            assert ws.cell(head, column + index).value == col.label
    assert groups_seen >= 3
    assert _row(ws, head + 2, width) == list(range(1, width + 1))  # the numbered columns

    first = head + 3
    keys = [col.key for col in recap.columns]
    assert len(recap.rows) == 2  # Bontang Selatan and Bontang Barat
    for offset, row in enumerate(recap.rows):
        values = _row(ws, first + offset, width)
        assert values[:2] == [offset + 1, row.label]
        assert values[2:-1] == [row.values[k] for k in keys]
    total_row = first + len(recap.rows)
    assert ws.cell(total_row, 1).value == "JUMLAH" and f"A{total_row}:B{total_row}" in merged
    assert _row(ws, total_row, width)[2:-1] == [recap.total[k] for k in keys]
    assert sum(recap.total.values()) > 0  # the cast's households are really counted

    texts = _strings(ws)
    assert "Mengetahui," in texts and "Yang membuat," in texts
    assert "Ketua TP PKK Kota Bontang" in texts
    assert "Kota" in texts  # the holder of TP PKK Kota (first name "Kota")
    assert any(t.endswith(periods.date_label(timezone.localdate())) and t.startswith("Bontang, ") for t in texts)

    dokumen = DokumenRekap.objects.get()
    assert dokumen.sha256 == sha256_of(result.content) and dokumen.ukuran == len(result.content)
    assert (dokumen.formulir, dokumen.unit, dokumen.tahun, dokumen.bulan) == ("4.17c", cast.kota, YEAR, None)
    assert dokumen.created_by == cast.users["kota"]
    assert [item["nilai"] for item in dokumen.jumlah] == [recap.total[k] for k in keys]
    code_line = next(t for t in texts if t.startswith("Kode verifikasi:"))
    assert dokumen.kode in code_line and "/laporan/verifikasi/?kode=" in code_line
    assert any(t.startswith("Diunduh oleh Kota pada ") for t in texts)
    assert dokumen.kode in ws.oddFooter.left.text

    assert ws.print_title_rows == f"${head}:${head + 2}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert "&P" in ws.oddFooter.center.text


def _run(columns, start):
    group = columns[start].group
    for col in columns[start:]:
        if col.group != group:
            return
        yield col


def test_the_signature_block_takes_what_the_user_typed(cast):
    result = _render(
        cast,
        "4.17a",
        cast.kel,
        user="sekretaris",
        ketua="Hj. Siti Aminah",
        penyusun="Dewi Lestari",
        tempat="Bontang",
        tanggal=datetime.date(2026, 12, 1),
    )
    texts = _strings(_sheet(result.content))
    assert "Hj. Siti Aminah" in texts and "Dewi Lestari" in texts
    assert "Bontang, 1 Desember 2026" in texts
    assert "Ketua TP PKK Kelurahan Berbas Tengah" in texts


def test_the_signature_block_defaults_come_from_the_accounts(cast):
    defaults = recap_exports.signature_defaults(cast.kel, cast.users["sekretaris"])
    assert defaults["ketua"] == "Kelurahan"  # the Ketua TP PKK, not the sekretaris who downloads
    assert defaults["penyusun"] == "Sekretaris"
    assert defaults["tempat"] == "Berbas Tengah"
    assert recap_exports.signature_defaults(cast.kec, cast.users["kota"])["tempat"] == "Bontang"
    assert recap_exports.signature_defaults(cast.rt, cast.users["rt"])["ketua"] == "Rt"
    # Nobody holds the ketua role: a dotted line to sign by hand.
    texts = _strings(_sheet(_render(cast, "4.16b", cast.rt_b, user="kelurahan").content))
    assert recap_exports.EMPTY_NAME in texts


def test_text_that_looks_like_a_formula_stays_text(cast):
    cast.dw_b.name = '=HYPERLINK("http://evil.example","klik")'
    cast.dw_b.save()
    result = _render(cast, "4.16b", cast.rt, user="rt", ketua="=1+1", penyusun="@SUM(A1:A9)")
    ws = _sheet(result.content)
    for text in [cast.dw_b.name, "=1+1", "@SUM(A1:A9)"]:
        r, c = _find(ws, text)
        assert ws.cell(r, c).data_type == "s"
    assert not any(cell.data_type == "f" for row in ws.iter_rows() for cell in row)


def test_the_older_edition_lays_out_its_own_columns(cast):
    recap = recaps.yearly_recap(cast.kel, YEAR, edition="rakernas-viii")
    ws = _sheet(_render(cast, "4.17a", cast.kel, user="kelurahan", edition="rakernas-viii").content)
    assert "Rakernas VIII" in ws["A2"].value
    head, _ = _find(ws, "No", column=1)
    labels = [ws.cell(head + 1, 3 + i).value or ws.cell(head, 3 + i).value for i in range(len(recap.columns))]
    assert labels == [c.label for c in recap.columns]


def test_a_monthly_form_refuses_an_edition_it_does_not_have(cast):
    with pytest.raises(ValueError, match="edisi 'rakernas-viii' tidak tersedia"):
        _render(cast, "4.19c", cast.kota, edition="rakernas-viii")
    assert not DokumenRekap.objects.exists()


# -- monthly recaps and their approval line ----------------------------------------------------------


@pytest.fixture
def approved_rt(cast):
    """March 2026 at RT 001: Rina pregnant in Melati 1, Melati 2 nihil; both approved by the RT."""
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))
    for unit, nihil in [(cast.dw, False), (cast.dw_b, True)]:
        r = workflow.get_report(unit, *MONTH)
        r = workflow.report_submit(actor=cast.admin, report=r, expected_version=r.version, nihil=nihil)
        workflow.report_approve(actor=cast.users["rt"], report=r, expected_version=r.version)
    return cast


def test_an_approved_monthly_recap_says_who_approved_it_and_when(approved_rt):
    cast = approved_rt
    recap = recaps.monthly_recap(cast.rt, *MONTH, data="disetujui")
    assert recap.approval.complete
    ws = _sheet(_render(cast, "4.18b", cast.rt, user="rt").content)
    texts = _strings(ws)
    line = next(t for t in texts if t.startswith("Disetujui oleh "))
    assert line.startswith(f"Disetujui oleh {recap.approval.last_approved_by} pada ")
    r, c = _find(ws, "BULAN")
    assert ws.cell(r, c + 3).value == "Maret"
    _find(ws, "No", column=1)  # the table's header row is there
    keys = [col.key for col in recap.columns]
    total_row, _ = _find(ws, "JUMLAH", column=1)
    width = len(recap.columns) + 3
    assert _row(ws, total_row, width)[2:-1] == [recap.total[k] for k in keys]
    dokumen = DokumenRekap.objects.get()
    assert dokumen.approved_by == recap.approval.last_approved_by and dokumen.approved_at is not None
    assert (dokumen.bulan, dokumen.data) == (3, "disetujui")


def test_current_data_says_it_is_not_approved(approved_rt):
    cast = approved_rt
    texts = _strings(_sheet(_render(cast, "4.18b", cast.rt, user="rt", data="terkini").content))
    assert "Data terkini, belum disetujui." in texts
    assert not any(t.startswith("Disetujui oleh") for t in texts)
    dokumen = DokumenRekap.objects.get()
    assert dokumen.approved_by == "" and dokumen.approved_at is None and dokumen.data == "terkini"


def test_an_incomplete_approval_says_so(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))
    texts = _strings(_sheet(_render(cast, "4.19a", cast.kel, user="kelurahan").content))
    assert any(t.startswith("Persetujuan belum lengkap") for t in texts)
    assert not any(t.startswith("Disetujui oleh") for t in texts)


# -- 4.18a -------------------------------------------------------------------------------------------


@pytest.fixture
def births(cast):
    """March 2026 in Melati 1: Rina delivers a girl, with her akte."""
    k = Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2025, 7, 1))
    services_events.kelahiran_record(
        actor=cast.admin,
        ibu=cast.w_rina,
        tanggal=datetime.date(2026, 3, 8),
        bayi={"nama": "Putri Wijayakusuma", "jenis_kelamin": "P"},
        akte_kelahiran=True,
    )
    return k


def test_418a_lists_the_months_events_with_jumlah_and_catatan(cast, births):
    rows, numbers = events.monthly_rows(cast.dw, *MONTH)
    result = _render(cast, "4.18a", cast.dw, user="kader")
    assert result.filename == "rekap-4.18a_64.74.02.1002_01_001_DW01_2026-03.xlsx"
    ws = _sheet(result.content)
    assert ws["A1"].value.startswith("BUKU CATATAN IBU HAMIL")
    merged = {str(r) for r in ws.merged_cells.ranges}
    head, _ = _find(ws, "No", column=1)
    assert ws.cell(head, 5).value == "CATATAN KELAHIRAN" and f"E{head}:J{head}" in merged
    assert ws.cell(head, 11).value == "CATATAN KEMATIAN" and f"K{head}:P{head}" in merged
    assert ws.cell(head + 1, 6).value == "Jenis Kelamin" and f"F{head + 1}:G{head + 1}" in merged
    assert (ws.cell(head + 2, 6).value, ws.cell(head + 2, 7).value) == ("L", "P")
    assert f"A{head}:A{head + 2}" in merged  # No spans the three header rows
    assert _row(ws, head + 3, 17) == list(range(1, 18))
    first = head + 4
    birth = _row(ws, first + len(rows) - 1, 17)
    assert birth[1] == "Rina Wijayakusuma" and birth[2] == "Hendra Wijayakusuma"
    assert birth[3] == "Melahirkan" and birth[4] == "Putri Wijayakusuma"
    assert birth[5:7] == [None, 1] and birth[8:10] == [1, None]
    total_row, _ = _find(ws, "JUMLAH", column=1)
    assert total_row == first + len(rows)
    total = _row(ws, total_row, 17)
    assert total[5:7] == [0, 1] and total[8:10] == [1, 0]
    catatan, _ = _find(ws, "CATATAN:")
    assert ws.cell(catatan + 5, 1).value == "Jumlah bayi lahir" and ws.cell(catatan + 5, 6).value == 1
    assert numbers["bayi_lahir_p"] == 1
    texts = _strings(ws)
    assert any(t.startswith("Data terkini, belum disetujui") for t in texts)
    assert "Ketua Kelompok Dasawisma Melati 1" in texts and "Ketua Dasawisma" in texts


def test_418a_of_an_approved_month_carries_the_approval(cast, births):
    r = workflow.get_report(cast.dw, *MONTH)
    r = workflow.report_submit(actor=cast.users["ketua_dasawisma"], report=r, expected_version=r.version)
    workflow.report_approve(actor=cast.users["rt"], report=r, expected_version=r.version)
    texts = _strings(_sheet(_render(cast, "4.18a", cast.dw, user="kader").content))
    assert any(t.startswith("Disetujui oleh Rt pada ") for t in texts)
    assert DokumenRekap.objects.get().approved_by == "Rt"


def _queries(form, unit, username, period):
    """Queries of one render, on fresh objects (nothing cached on the unit or the user from before) and
    with nothing kept (recaps.ringkasan: every dasawisma counted, the most)."""
    RingkasanDasawisma.objects.all().delete()
    unit, user = Unit.objects.get(pk=unit.pk), User.objects.get(username=username)
    with CaptureQueriesContext(connection) as ctx:
        get_exporter(form).render(user=user, target=unit, period=period, edition="rakernas-x", fmt="xlsx")
    return len(ctx.captured_queries)


def test_418a_queries_do_not_grow_with_the_events(cast, births):
    few = _queries("4.18a", cast.dw, "kader", Period(*MONTH))
    for n in range(12):
        rt = f.rumah_tangga(cast.dw, alamat=f"Jl. Baru {n}")
        kel = f.keluarga(rt)
        ibu = f.warga(kel, f"Ibu {n} Wijayakusuma", datetime.date(1995, 1, 1 + n), "P", status_perkawinan="menikah")
        Kehamilan.objects.create(ibu=ibu, tanggal_mulai=datetime.date(2026, 1, 1 + n))
    assert len(events.monthly_rows(cast.dw, *MONTH)[0]) == 13
    assert _queries("4.18a", cast.dw, "kader", Period(*MONTH)) == few


def test_recap_queries_do_not_grow_with_the_units(cast):
    few = _queries("4.17a", cast.kel, "kelurahan", Period(YEAR))
    for n in range(8):
        rt = Unit(level=Level.RT, code=f"{n + 10:03d}", name=f"{n + 10:03d}", parent=cast.kel)
        rt.save()
        dw = Unit(level=Level.DASAWISMA, code="DW01", name=f"Kenanga {n}", parent=rt)
        dw.save()
        f.rumah_tangga(dw, alamat="Jl. Kenanga")
    assert len(recaps.yearly_recap(cast.kel, YEAR).rows) >= 10
    assert _queries("4.17a", cast.kel, "kelurahan", Period(YEAR)) == few


# -- PDF ---------------------------------------------------------------------------------------------


def test_kota_recap_pdf_text_has_the_title_area_numbers_names_and_code(cast, pdf_documents):
    recap = recaps.yearly_recap(cast.kota, YEAR)
    result = _render(cast, "4.17c", cast.kota, fmt="pdf", ketua="Ibu Ketua Kota", penyusun="Budi Penyusun")
    assert result.content.startswith(b"%PDF-") and result.content_type == "application/pdf"
    document = pdf_documents.last
    assert (round(document.pages[0].width, 1), round(document.pages[0].height, 1)) == A4_LANDSCAPE_PX
    text = pdf_documents.text()
    assert recap.form.title in text
    for _label, name in recap.area:
        assert name in text
    for row in recap.rows:
        assert row.label in text
    jumlah_at = text.index("JUMLAH", text.index(recap.rows[-1].label))
    printed = text[jumlah_at:].split()[1 : 1 + len(recap.columns)]
    assert printed == [str(recap.total[c.key]) for c in recap.columns]
    assert "Ibu Ketua Kota" in text and "Budi Penyusun" in text and "Ketua TP PKK Kota Bontang" in text
    dokumen = DokumenRekap.objects.get()
    assert dokumen.format == "pdf" and dokumen.sha256 == sha256_of(result.content)
    assert f"Kode verifikasi {dokumen.kode}" in text  # the page footer
    assert f"Kode verifikasi: {dokumen.kode}" in text  # under the signature
    assert "Halaman 1 dari" in text


def test_f4_paper_and_the_418a_pdf(cast, births, pdf_documents):
    _render(cast, "4.18a", cast.dw, user="kader", fmt="pdf", kertas="F4")
    document = pdf_documents.last
    # 330 x 215 mm landscape in CSS pixels (96 per inch).
    assert (round(document.pages[0].width), round(document.pages[0].height)) == (1247, 813)
    text = pdf_documents.text()
    assert "CATATAN KELAHIRAN" in text and "Putri Wijayakusuma" in text and "Jumlah bayi lahir : 1" in text


# -- rights ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "unit", "user"),
    [
        ("4.17a", "kel", "outsider"),
        ("4.17a", "kel", "nobody"),
        ("4.17c", "kota", "kecamatan"),
        ("4.18a", "dw", "kader"),
    ],
)
def test_a_user_without_the_right_gets_permission_denied_and_nothing_is_registered(cast, form, unit, user):
    if user == "kader":
        unit = "dw_b"  # the kader of Melati 1 does not see Melati 2
    with pytest.raises(PermissionDenied):
        _render(cast, form, getattr(cast, unit), user=user)
    assert not DokumenRekap.objects.exists()


def test_a_form_for_another_level_is_refused(cast):
    with pytest.raises(ValueError, match="dibuat untuk kabkota, bukan desa"):
        _render(cast, "4.17c", cast.kel, user="admin")


# -- the downloads by role (binary files, see url_cases_download) ------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(DOWNLOAD_CASES)])
def test_download_status_by_role_and_no_names_from_the_other_side(client, cast, case, role, pdf_documents):
    name, kwargs, query, expected = case
    if role != "anon":
        client.force_login(cast.users[role])
    url = reverse(name, kwargs=kwargs(cast))
    response = client.post(url, query)
    assert response.status_code == expected[role], f"{role} POST {url} {query}"
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment; filename=")
        pdf = query["format"] == "pdf"
        text = pdf_documents.text() if pdf else " ".join(_strings(_sheet(response.content)))
        assert "Kode verifikasi" in text  # the text was really read
        for forbidden in OTHER_SIDE.get(role, []):
            assert forbidden not in text, f"{role} sees {forbidden!r} in {url}"


# -- the download page -------------------------------------------------------------------------------


def test_the_page_prefills_the_signature_and_a_post_returns_the_file_as_typed(client, cast):
    client.force_login(cast.users["sekretaris"])
    url = reverse("recaps:rekap_unduh_tahunan", args=[cast.kel.pk, 2026])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and 'name="ketua" value="Kelurahan"' in body
    assert 'name="penyusun" value="Sekretaris"' in body and 'name="tempat" value="Berbas Tengah"' in body
    assert 'name="edisi"' in body and "Rakernas VIII" in body and 'name="data"' not in body
    assert not DokumenRekap.objects.exists()  # showing the form makes no file

    response = client.post(
        url,
        {"format": "xlsx", "edisi": "rakernas-viii", "ketua": "Ibu Ani", "penyusun": "Dewi", "tempat": "Bontang",
         "tanggal": "2026-12-01", "kertas": "A4"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rekap-4.17a_64.74.02.1002_2026_rakernas-viii.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    texts = _strings(_sheet(response.content))
    assert "Ibu Ani" in texts and "Dewi" in texts and "Bontang, 1 Desember 2026" in texts
    dokumen = DokumenRekap.objects.get()
    assert dokumen.edisi == "rakernas-viii" and dokumen.sha256 == sha256_of(response.content)
    code_line = next(t for t in texts if t.startswith("Kode verifikasi:"))
    assert f"http://testserver/laporan/verifikasi/?kode={dokumen.kode}" in code_line


def test_bad_input_comes_back_as_messages_and_no_file(client, cast):
    client.force_login(cast.users["kelurahan"])
    url = reverse("recaps:rekap_unduh_bulanan", args=[cast.kel.pk, 2026, 3])
    response = client.post(url, {"format": "docx", "data": "kemarin", "tanggal": "31-31-2026", "ketua": "x" * 300})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Format berkas tidak dikenal." in body and "Pilihan data tidak dikenal." in body
    assert "Tanggal tidak sah" in body and "Nama terlalu panjang" in body
    assert client.head(url, {"format": "xlsx"}).status_code == 200
    # a GET, even carrying the fields (a link or an image on another site), only shows the form
    shown = client.get(url, {"format": "xlsx"})
    assert shown.status_code == 200 and shown["Content-Type"].startswith("text/html")
    assert not DokumenRekap.objects.exists()
    assert 'name="edisi"' not in client.get(url).content.decode()  # one edition: nothing to choose


def test_current_data_and_the_older_edition_say_so_in_the_file_name(cast):
    approved = _render(cast, "4.19a", cast.kel)
    current = _render(cast, "4.19a", cast.kel, data="terkini")
    older = _render(cast, "4.17a", cast.kel, edition="rakernas-viii")
    assert approved.filename == "rekap-4.19a_64.74.02.1002_2026-03.xlsx"
    assert current.filename == "rekap-4.19a_64.74.02.1002_2026-03_terkini.xlsx"
    assert older.filename == f"rekap-4.17a_64.74.02.1002_{YEAR}_rakernas-viii.xlsx"
