"""Data Warga (4.14.1a) and Catatan Keluarga (4.15) downloads: read back as a user would see them
(XLSX with openpyxl, PDF through WeasyPrint's laid-out pages), who may download what, and the number
of queries of a whole dasawisma."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from documents.exporters import Period, get_exporter
from documents.tests.test_pdf import A4_LANDSCAPE_PX, document_text, spy_documents
from hierarchy.tests.url_cases import OTHER_SIDE, ROLES
from households import services
from households.exports.data_warga import DataWargaExporter
from households.models import IndustriRumahTangga, KegiatanWarga, PemanfaatanPekarangan
from households.tests import factories as f
from households.tests.factories import leave
from households.tests.url_cases_exports import DOWNLOAD_CASES
from households.validation import mask
from jobs.models import Job, Status

YEAR = timezone.localdate().year
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render(cast, form, target, fmt, user="kader", tahun=YEAR):
    return get_exporter(form).render(
        user=cast.users[user], target=target, period=Period(tahun), edition="rakernas-x", fmt=fmt
    )


def _workbook(content):
    return load_workbook(io.BytesIO(content))


def _row_of(ws, column, value):
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value!r} not in column {column}")


def _row_values(ws, row, width):
    return [ws.cell(row=row, column=c).value for c in range(1, width + 1)]


def _field(ws, label):
    """The value written after a header-block label (the label spans 3 columns)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                return ws.cell(row=cell.row, column=cell.column + 3).value
    raise AssertionError(f"no header field {label!r}")


def _all_text(content):
    """Every string of an XLSX file (shared strings and inline ones), to look for what must not be there."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    return "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))


@pytest.fixture
def pdf_documents(monkeypatch):
    return spy_documents(monkeypatch)


@pytest.fixture
def busy(cast):
    """Rina takes part in several activities; the household keeps a TOGA garden."""
    KegiatanWarga.objects.create(warga=cast.w_rina, kegiatan="arisan", aktif=True)
    KegiatanWarga.objects.create(warga=cast.w_rina, kegiatan="pancasila", aktif=True)
    cast.w_rina.akseptor_kb, cast.w_rina.jenis_kb = True, "suntik"
    cast.w_rina.aktif_posyandu, cast.w_rina.frekuensi_posyandu = True, 2
    cast.w_rina.save()
    PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_a, kategori="toga", komoditi="Jahe", jumlah="3")
    return cast


# -- Data Warga XLSX ---------------------------------------------------------------------------------


def test_data_warga_of_a_household_reads_like_the_paper_form(busy):
    result = _render(busy, "data-warga", busy.hh_a, "xlsx")
    ws = _workbook(result.content).active
    assert ws["A1"].value == "DAFTAR WARGA TP PKK"
    assert ws["A2"].value == "LAMPIRAN 4.14.1a"
    assert _field(ws, "Dasa Wisma") == "Melati 1"
    assert _field(ws, "Nama Kepala Rumah Tangga") == "Hendra Wijayakusuma"
    assert _field(ws, "Desa/Kelurahan") == "Berbas Tengah"

    head = _row_of(ws, 1, "No. Registrasi")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:V1" in merged
    assert f"A{head}:A{head + 1}" in merged  # one item over both header rows
    assert f"B{head}:C{head}" in merged and ws.cell(head, 2).value == "No. KTP/NIK dan No. KK"
    assert (ws.cell(head + 1, 2).value, ws.cell(head + 1, 3).value) == ("NIK", "No. KK")
    numbers = _row_values(ws, head + 2, 22)
    assert [n for n in numbers if n is not None] == list(range(1, 21))
    assert f"B{head + 2}:C{head + 2}" in merged  # item 2 spans NIK and No. KK

    first = head + 3
    names = [ws.cell(row, 4).value for row in range(first, first + 3)]
    assert names == ["Hendra Wijayakusuma", "Rina Wijayakusuma", "Dimas Wijayakusuma"]
    rina = _row_values(ws, first + 1, 22)
    assert rina[1] == mask(busy.w_rina.nik) and "********" in rina[1]
    assert rina[2] == mask(busy.w_rina.keluarga.no_kk)
    assert rina[5] == "Perempuan"
    assert rina[7].date() == datetime.date(1988, 8, 17)
    assert rina[9:12] == ["Menikah", "Istri", "Islam"]
    assert rina[12] == "Jl. Melati 1 No. 2, Berbas Tengah"
    assert rina[15:17] == ["Ya, Suntik", "Ya, 2 kali/bulan"]
    assert ws.cell(first + 3, 4).value is None  # nobody else

    assert ws.print_title_rows == f"${head}:${head + 2}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_exports_never_carry_a_full_nik_or_no_kk(cast):
    for form in ["data-warga", "catatan-keluarga"]:
        text = _all_text(_render(cast, form, cast.dw, "xlsx").content)
        for number in [cast.w_hendra.nik, cast.w_rina.nik, cast.w_hendra.keluarga.no_kk]:
            assert number not in text


def test_data_warga_of_a_dasawisma_is_one_table_grouped_by_household(cast):
    content = _render(cast, "data-warga", cast.dw, "xlsx").content
    ws = _workbook(content).active
    assert _field(ws, "Jumlah Rumah Tangga") == "2"
    groups = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Rumah tangga")]
    assert groups == [
        "Rumah tangga Kepala: Hendra Wijayakusuma · Jl. Melati 1 No. 2 · 3 anggota",
        "Rumah tangga Kepala: Sumiati Wijayakusuma · Jl. Melati 1 No. 9 · 1 anggota",
    ]
    sumiati_group = _row_of(ws, 1, groups[1])
    assert ws.cell(sumiati_group + 1, 4).value == "Sumiati Wijayakusuma"
    text = _all_text(content)
    assert "Bambang" not in text and "Siregar" not in text


def test_people_and_households_that_left_are_not_in_the_data_warga(cast):
    kader = cast.users["kader"]
    leave(cast.w_dimas, "pindah", timezone.localdate())
    services.rumah_tangga_leave(actor=kader, rumah_tangga=cast.hh_b, on_date=timezone.localdate())
    text = _all_text(_render(cast, "data-warga", cast.dw, "xlsx").content)
    assert "Hendra Wijayakusuma" in text
    assert "Dimas" not in text and "Sumiati" not in text


def test_a_name_that_looks_like_a_formula_stays_text(cast):
    evil = '=HYPERLINK("http://x","klik")'
    f.warga(f.keluarga(cast.hh_a), evil, datetime.date(1990, 1, 1), "L")
    for form in ["data-warga", "catatan-keluarga"]:
        content = _render(cast, form, cast.hh_a, "xlsx").content
        wb = _workbook(content)
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == evil]
        assert cells and all(c.data_type == "s" for c in cells)
        assert "<f>" not in _all_text(content)


# -- Catatan Keluarga XLSX ---------------------------------------------------------------------------


def test_catatan_keluarga_has_one_sheet_per_household_laid_out_like_the_form(busy):
    wb = _workbook(_render(busy, "catatan-keluarga", busy.dw, "xlsx").content)
    assert wb.sheetnames == ["1 Hendra Wijayakusuma", "2 Sumiati Wijayakusuma"]
    ws = wb["1 Hendra Wijayakusuma"]
    assert ws["A1"].value == "CATATAN KELUARGA" and ws["A2"].value == "LAMPIRAN 4.15"
    assert _field(ws, "CATATAN KELUARGA DARI") == "Hendra Wijayakusuma"
    assert _field(ws, "ANGGOTA KELOMPOK DASAWISMA") == "Melati 1"
    assert _field(ws, "TAHUN") == str(YEAR)
    assert _field(ws, "KRITERIA RUMAH") == "Sehat layak huni"
    assert _field(ws, "JAMBAN KELUARGA") == "Ada, 1 buah"
    assert _field(ws, "SUMBER AIR") == "PDAM"
    assert _field(ws, "TEMPAT SAMPAH") == "Ada"

    head = _row_of(ws, 1, "No")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(head, 11).value == "KEGIATAN PKK YANG DIIKUTI" and f"K{head}:R{head}" in merged
    assert [ws.cell(head + 1, c).value for c in (11, 12, 18)] == [
        "Penghayatan dan Pengamalan Pancasila",
        "Gotong Royong",
        "Perencanaan Sehat",
    ]
    assert f"S{head}:S{head + 1}" in merged and ws.cell(head, 19).value == "Keterangan"
    assert _row_values(ws, head + 2, 19) == list(range(1, 20))

    rows = [_row_values(ws, head + 3 + i, 19) for i in range(3)]
    assert [r[1] for r in rows] == ["Hendra Wijayakusuma", "Rina Wijayakusuma", "Dimas Wijayakusuma"]
    rina = rows[1]
    assert rina[:5] == [2, "Rina Wijayakusuma", "Menikah", "P", None]
    assert rina[10:18] == ["✓", "Arisan", None, None, "TOGA", None, "Posyandu", "KB Suntik"]
    assert rows[0][14] == "TOGA" and rows[2][14] is None  # a balita takes no part in the household's garden
    assert ws.print_title_rows == f"${head}:${head + 2}" and ws.page_setup.orientation == "landscape"

    other = wb["2 Sumiati Wijayakusuma"]
    assert _field(other, "JAMBAN KELUARGA") == "Tidak ada"
    assert _field(other, "SUMBER AIR") == "Sungai"
    assert _field(other, "KRITERIA RUMAH") == "Tidak sehat layak huni"
    sumiati = _row_values(other, _row_of(other, 1, "No") + 3, 19)
    assert sumiati[1] == "Sumiati Wijayakusuma" and sumiati[9] == "Fisik"


def test_a_sheet_is_named_after_its_head_even_with_characters_excel_refuses(cast):
    cast.w_hendra.nama = "'Hendra [Ketua]: RT/RW 01 * Wijayakusuma Panjang Sekali'"
    cast.w_hendra.save()
    wb = _workbook(_render(cast, "catatan-keluarga", cast.dw, "xlsx").content)
    assert wb.sheetnames == ["1 'Hendra Ketua RT RW 01 Wijaya", "2 Sumiati Wijayakusuma"]
    assert _field(wb.worksheets[0], "CATATAN KELUARGA DARI") == cast.w_hendra.nama  # the form keeps the name


def test_a_correction_shows_in_the_catatan_keluarga(busy):
    services.koreksi_kegiatan_set(
        actor=busy.users["kader"], warga=busy.w_rina, tahun=YEAR, kolom="kesehatan", diikuti=False
    )
    services.koreksi_kegiatan_set(
        actor=busy.users["kader"], warga=busy.w_rina, tahun=YEAR, kolom="koperasi", diikuti=True, keterangan="KUD"
    )
    ws = _workbook(_render(busy, "catatan-keluarga", busy.hh_a, "xlsx").content).active
    rina = _row_values(ws, _row_of(ws, 2, "Rina Wijayakusuma"), 19)
    assert rina[13] == "KUD" and rina[16] is None


def test_a_member_who_left_during_the_year_is_noted(cast):
    left_on = datetime.date(YEAR, 1, 2)
    leave(cast.w_dimas, "pindah", left_on)
    ws = _workbook(_render(cast, "catatan-keluarga", cast.hh_a, "xlsx").content).active
    dimas = _row_values(ws, _row_of(ws, 2, "Dimas Wijayakusuma"), 19)
    assert dimas[18] == f"Pindah {left_on:%d-%m-%Y}"


# -- PDF ---------------------------------------------------------------------------------------------


def test_data_warga_pdf_shows_the_form_with_masked_numbers(cast, pdf_documents):
    result = _render(cast, "data-warga", cast.dw, "pdf")
    assert result.content.startswith(b"%PDF-")
    text = pdf_documents.text()
    for expected in ["DAFTAR WARGA TP PKK", "LAMPIRAN 4.14.1a", "Dasa Wisma", "Melati 1", "Hendra Wijayakusuma",
                     "Sumiati Wijayakusuma", mask(cast.w_rina.nik), "Halaman 1 dari 1", "Mengetahui,"]:  # fmt: skip
        assert expected in text
    assert cast.w_rina.nik not in text and "Bambang" not in text
    page = pdf_documents.last.pages[0]
    assert (round(page.width, 1), round(page.height, 1)) == A4_LANDSCAPE_PX


def test_catatan_keluarga_pdf_starts_each_household_on_a_new_page(busy, pdf_documents):
    _render(busy, "catatan-keluarga", busy.dw, "pdf")
    pages = document_text(pdf_documents.last)
    assert len(pages) == 2
    assert "Hendra Wijayakusuma" in pages[0] and "Sumiati" not in pages[0]
    assert "Sumiati Wijayakusuma" in pages[1]
    for page in pages:
        assert "CATATAN KELUARGA" in page and "KEGIATAN PKK YANG DIIKUTI" in page and "LAMPIRAN 4.15" in page
    assert "KB Suntik" in pages[0] and "Halaman 2 dari 2" in pages[1]


def test_a_long_dasawisma_table_repeats_its_header_on_every_page(cast, pdf_documents):
    _grow(cast, 20)
    _render(cast, "data-warga", cast.dw, "pdf")
    pages = document_text(pdf_documents.last)
    assert len(pages) > 1
    numbers_row = " ".join(str(n) for n in range(1, 21))
    assert all("No. KTP/NIK dan No. KK" in page and numbers_row in page for page in pages)
    assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1]


# -- rights and queries ------------------------------------------------------------------------------


def test_render_itself_refuses_a_user_outside_the_dasawisma(cast):
    for user in ["outsider", "nobody"]:
        with pytest.raises(PermissionDenied):
            _render(cast, "data-warga", cast.dw, "xlsx", user=user)
    with pytest.raises(PermissionDenied):
        _render(cast, "catatan-keluarga", cast.hh_c, "pdf", user="kader")  # sibling dasawisma


def _url(name, form, fmt, **kwargs):
    return reverse(f"households:{name}", kwargs={**kwargs, "form": form, "fmt": fmt})


@pytest.mark.parametrize("role", ["kader", "ketua_dasawisma", "rt", "kelurahan", "kota"])
def test_the_dasawisma_and_those_above_download_its_forms(client, cast, role):
    client.force_login(cast.users[role])
    response = client.get(_url("export_dasawisma", "data-warga", "xlsx", unit_pk=cast.dw.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="data-warga_64.74.02.1002_001_DW01.xlsx"'
    assert "no-store" in response["Cache-Control"]
    response = client.get(_url("export_dasawisma", "catatan-keluarga", "pdf", unit_pk=cast.dw.pk), {"tahun": 2025})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="catatan-keluarga_2025_64.74.02.1002_001_DW01.pdf"'


def test_a_household_download_is_named_after_its_dasawisma_and_household(client, cast):
    client.force_login(cast.users["rt"])
    response = client.get(_url("export_rumah_tangga", "catatan-keluarga", "xlsx", pk=cast.hh_a.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="catatan-keluarga_{YEAR}_64.74.02.1002_001_DW01_rumah-tangga-{cast.hh_a.pk}.xlsx"'
    )


@pytest.mark.parametrize(
    ("role", "name", "kwargs"),
    [
        ("outsider", "export_dasawisma", lambda c: {"unit_pk": c.dw.pk}),
        ("nobody", "export_dasawisma", lambda c: {"unit_pk": c.dw.pk}),
        ("kader", "export_dasawisma", lambda c: {"unit_pk": c.dw_b.pk}),
        ("kader", "export_rumah_tangga", lambda c: {"pk": c.hh_c.pk}),
        ("outsider", "export_rumah_tangga", lambda c: {"pk": c.hh_a.pk}),
        ("admin", "export_dasawisma", lambda c: {"unit_pk": c.kel.pk}),  # not a dasawisma
        ("rt", "export_dasawisma", lambda c: {"unit_pk": c.rt.pk}),
        ("admin", "export_rumah_tangga", lambda c: {"pk": 999999}),
    ],
)
def test_outside_the_area_or_not_a_dasawisma_is_not_found(client, cast, role, name, kwargs):
    client.force_login(cast.users[role])
    assert client.get(_url(name, "data-warga", "pdf", **kwargs(cast))).status_code == 404


@pytest.mark.parametrize(
    ("form", "fmt", "query"),
    [("buku-tamu", "xlsx", {}), ("data-warga", "csv", {}), ("catatan-keluarga", "pdf", {"tahun": "abc"}),
     ("catatan-keluarga", "pdf", {"tahun": "1999"}), ("catatan-keluarga", "xlsx", {"tahun": str(YEAR + 1)})],
)  # fmt: skip
def test_an_unknown_form_format_or_year_is_not_found(client, cast, form, fmt, query):
    client.force_login(cast.users["kader"])
    assert client.get(_url("export_dasawisma", form, fmt, unit_pk=cast.dw.pk), query).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(DOWNLOAD_CASES)])
def test_download_status_by_role_and_no_names_from_the_other_side(client, cast, case, role, pdf_documents):
    """The URL-by-role walk for the downloads, reading the files' text (see url_cases_exports)."""
    name, kwargs, _method, _data, expected = case
    if role != "anon":
        client.force_login(cast.users[role])
    url = reverse(name, kwargs=kwargs(cast))
    response = client.get(url)
    assert response.status_code == expected[role], f"{role} GET {url}"
    if response.status_code == 200:
        text = pdf_documents.text() if url.endswith(".pdf") else _all_text(response.content)
        assert "Wijayakusuma" in text or "Siregar" in text  # the text was really read
        for forbidden in OTHER_SIDE.get(role, []):
            assert forbidden not in text, f"{role} sees {forbidden!r} in {url}"


def test_downloads_need_a_login_and_a_post_asks_for_the_file_in_the_background(client, cast):
    url = _url("export_dasawisma", "data-warga", "xlsx", unit_pk=cast.dw.pk)
    assert client.get(url).status_code == 302
    assert client.post(url).status_code == 302 and not Job.objects.exists()  # to the login
    client.force_login(cast.users["kader"])
    response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk]) and job.status == Status.SIAP
    assert job.filename.endswith(".xlsx") and job.user == cast.users["kader"]


def test_a_large_dasawisma_pdf_is_prepared_in_the_background(client, cast, monkeypatch):
    monkeypatch.setattr(DataWargaExporter, "pdf_warga_per_second", 1)
    client.force_login(cast.users["kader"])
    url = _url("export_dasawisma", "data-warga", "pdf", unit_pk=cast.dw.pk)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert 'data-note="lama"' in body and "Siapkan berkas PDF" in body and "csrfmiddlewaretoken" in body
    assert not Job.objects.exists()  # a GET asks for nothing
    response = client.post(url + f"?tahun={YEAR}")
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert job.status == Status.SIAP and job.params["tahun"] == YEAR and job.content_type == "application/pdf"
    pdf = b"".join(client.get(reverse("jobs:berkas", args=[job.pk])).streaming_content)
    assert pdf.startswith(b"%PDF")
    # Another cadre's dasawisma: neither the page nor the job.
    client.force_login(cast.users["outsider"])
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


def _grow(cast, households):
    for n in range(households):
        rt = f.rumah_tangga(cast.dw, alamat=f"Jl. Tambahan {n}", no_registrasi=str(n + 3))
        kel = f.keluarga(rt)
        head = f.warga(kel, f"Kepala {n} Wijayakusuma", datetime.date(1980, 1, 1 + n % 27), "L",
                       status_dalam_keluarga="kepala", status_perkawinan="menikah")  # fmt: skip
        wife = f.warga(kel, f"Istri {n} Wijayakusuma", datetime.date(1982, 3, 1 + n % 27), "P",
                       status_dalam_keluarga="istri", status_perkawinan="menikah", akseptor_kb=True)  # fmt: skip
        f.warga(kel, f"Anak {n} Wijayakusuma", datetime.date(2012, 4, 1 + n % 27), "L")
        KegiatanWarga.objects.create(warga=wife, kegiatan="arisan", aktif=True)
        services.koreksi_kegiatan_set(actor=cast.admin, warga=head, tahun=YEAR, kolom="pangan", diikuti=True)
        PemanfaatanPekarangan.objects.create(rumah_tangga=rt, kategori="toga", komoditi="Kunyit", jumlah="1")
        IndustriRumahTangga.objects.create(rumah_tangga=rt, kategori="pangan", komoditi="Keripik", jumlah="2")
        rt.krt = head
        rt.save()


@pytest.mark.parametrize(("form", "fmt"), [("data-warga", "xlsx"), ("data-warga", "pdf"),
                                           ("catatan-keluarga", "xlsx"), ("catatan-keluarga", "pdf")])  # fmt: skip
def test_a_dasawisma_download_takes_the_same_queries_for_few_or_many_households(
    client, cast, form, fmt, django_assert_max_num_queries
):
    """Login, session and grants (3), the dasawisma and its area (2), the households and what hangs on
    them (3 for Data Warga, 7 for Catatan Keluarga); a PDF counts the warga first (1: a large one is
    prepared in the background instead). The session is written by the page before
    (pkkdata.middleware.SessionRefreshMiddleware)."""
    client.force_login(cast.users["kader"])
    client.get(reverse("home"))
    url = _url("export_dasawisma", form, fmt, unit_pk=cast.dw.pk)
    counts = []
    for extra in [0, 8]:
        _grow(cast, extra)
        with django_assert_max_num_queries(16 if fmt == "pdf" else 15) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
