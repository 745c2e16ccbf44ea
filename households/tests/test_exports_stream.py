"""The Data Warga (4.14.1a) of a whole desa/kelurahan, streamed: read back with openpyxl as the TP PKK
desa would open it (every member of its dasawisma, nobody else, in the order of its RW, RT and
registry, numbers masked, the form's header), who may download it, and that it is built from a cursor
read in chunks and sent as a stream whose temporary file disappears."""

import datetime
import io
import tempfile
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from documents.exporters import Period, get_exporter
from hierarchy.levels import Level
from hierarchy.models import Unit
from hierarchy.tests.url_cases import OTHER_SIDE, ROLES
from households import services
from households.exports.data_warga import DATA_WARGA_KOLOM
from households.models import Keluarga, RumahTangga, Warga
from households.tests import factories as f
from households.tests.factories import leave
from households.tests.url_cases_exports import STREAM_DOWNLOAD_CASES
from households.validation import mask

FORM = "data-warga-kelurahan"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTH = len(DATA_WARGA_KOLOM)
MEMBERS = ["Hendra Wijayakusuma", "Rina Wijayakusuma", "Dimas Wijayakusuma", "Sumiati Wijayakusuma",
           "Bambang Wijayakusuma"]  # fmt: skip


def _render(cast, target=None, user="kelurahan"):
    return get_exporter(FORM).render(
        user=cast.users[user], target=target or cast.kel, period=Period(timezone.localdate().year),
        edition="rakernas-x", fmt="xlsx",
    )  # fmt: skip


def _bytes(result):
    return b"".join(result.content)


def _sheet(content):
    return load_workbook(io.BytesIO(content)).active


def _all_text(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))


def _field(ws, label):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                return ws.cell(row=cell.row, column=cell.column + 3).value
    raise AssertionError(f"no header field {label!r}")


def _head(ws):
    return next(row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value == "No. Registrasi")


def _table(ws):
    """The table below the header as a user reads it: ("band", text) or ("warga", the 22 cells)."""
    rows = []
    for row in range(_head(ws) + 3, ws.max_row + 1):
        values = [ws.cell(row, c).value for c in range(1, WIDTH + 1)]
        if values[3] is not None:
            rows.append(("warga", values))
        elif values[0] is not None and values[1:] == [None] * (WIDTH - 1):
            rows.append(("band", values[0]))
        else:
            break  # the signature block
    return rows


def _names(ws):
    return [values[3] for kind, values in _table(ws) if kind == "warga"]


def _bands(ws):
    return [text for kind, text in _table(ws) if kind == "band"]


# -- what the file holds ------------------------------------------------------------------------------


def test_the_kelurahan_file_lists_its_members_grouped_by_dasawisma_and_household(cast):
    content = _bytes(_render(cast))
    ws = _sheet(content)
    assert ws["A1"].value == "DAFTAR WARGA TP PKK" and ws["A2"].value == "LAMPIRAN 4.14.1a"
    assert _field(ws, "Desa/Kelurahan") == "Berbas Tengah"
    assert _field(ws, "Kecamatan") == "Bontang Selatan" and _field(ws, "Kab/Kota") == "Kota Bontang"
    assert (_field(ws, "Jumlah Dasawisma"), _field(ws, "Jumlah Rumah Tangga"), _field(ws, "Jumlah Warga")) == (
        "2",
        "3",
        "5",
    )
    assert _bands(ws) == [
        "Dasawisma Melati 1 · RT 001 / RW 01 · 2 rumah tangga, 4 warga",
        "Rumah tangga Kepala: Hendra Wijayakusuma · Jl. Melati 1 No. 2 · 3 anggota",
        "Rumah tangga Kepala: Sumiati Wijayakusuma · Jl. Melati 1 No. 9 · 1 anggota",
        "Dasawisma Melati 2 · RT 001 / RW 01 · 1 rumah tangga, 1 warga",
        "Rumah tangga Kepala: Bambang Wijayakusuma · Jl. Melati 2 No. 4 · 1 anggota",
    ]
    assert _names(ws) == MEMBERS
    assert "Siregar" not in _all_text(content) and "Anggrek" not in _all_text(content)


def test_the_header_and_member_rows_are_those_of_the_dasawisma_file(cast):
    ws = _sheet(_bytes(_render(cast)))
    dasawisma = load_workbook(io.BytesIO(_dasawisma_file(cast))).active
    head, dw_head = _head(ws), _head(dasawisma)
    for offset in range(3):
        assert [ws.cell(head + offset, c).value for c in range(1, WIDTH + 1)] == [
            dasawisma.cell(dw_head + offset, c).value for c in range(1, WIDTH + 1)
        ]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:V1" in merged and f"A{head}:A{head + 1}" in merged and f"B{head}:C{head}" in merged
    assert f"B{head + 2}:C{head + 2}" in merged  # item 2 numbered once over NIK and No. KK
    assert ws.print_title_rows == f"${head}:${head + 2}" and ws.freeze_panes == f"A{head + 3}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1

    ours = [values for kind, values in _table(ws) if kind == "warga"][:4]
    theirs = [values for kind, values in _table(dasawisma) if kind == "warga"]
    assert ours == theirs  # Melati 1's four members, cell for cell
    rina = ours[1]
    assert rina[1] == mask(cast.w_rina.nik) and "********" in rina[1]
    for name in MEMBERS[:4]:  # the same boxes, wrapping, date format and fonts as the dasawisma file
        ours, theirs = _row_of(ws, name), _row_of(dasawisma, name)
        assert [_look(ws.cell(ours, c)) for c in range(1, WIDTH + 1)] == [
            _look(dasawisma.cell(theirs, c)) for c in range(1, WIDTH + 1)
        ]
    assert _look(ws.cell(_row_of(ws, "Rina Wijayakusuma"), 8)) == (("thin",) * 4, True, "DD-MM-YYYY", False)
    assert rina[2] == mask(cast.w_rina.keluarga.no_kk)
    assert rina[7].date() == datetime.date(1988, 8, 17)


def _row_of(ws, name):
    return next(row for row in range(1, ws.max_row + 1) if ws.cell(row, 4).value == name)


def _look(cell):
    b = cell.border
    sides = tuple(side.style if side else None for side in (b.left, b.right, b.top, b.bottom))
    return sides, cell.alignment.wrap_text, cell.number_format, cell.font.b


def test_bands_are_boxed_across_the_table_and_dasawisma_bands_shaded(cast):
    ws = _sheet(_bytes(_render(cast)))
    dasawisma = next(row for row in range(1, ws.max_row + 1) if str(ws.cell(row, 1).value).startswith("Dasawisma"))
    household = dasawisma + 1
    for row in (dasawisma, household):
        assert ws.cell(row, 1).font.b and ws.cell(row, 1).alignment.horizontal == "left"
        assert [ws.cell(row, c).border.top.style for c in range(1, WIDTH + 1)] == ["thin"] * WIDTH
        assert [ws.cell(row, c).border.bottom.style for c in range(1, WIDTH + 1)] == ["thin"] * WIDTH
        assert ws.cell(row, 1).border.left.style == "thin" and ws.cell(row, WIDTH).border.right.style == "thin"
        assert ws.cell(row, 2).border.left is None  # one box: no line through the label
    assert ws.cell(dasawisma, 5).fill.fgColor.rgb.endswith("E7EEF6")
    assert ws.cell(household, 5).fill.fill_type is None


def _dasawisma_file(cast):
    result = get_exporter("data-warga").render(
        user=cast.users["kelurahan"], target=cast.dw, period=Period(2025), edition="rakernas-x", fmt="xlsx"
    )
    return result.content


def test_no_full_nik_or_no_kk_leaves_in_the_file(cast):
    text = _all_text(_bytes(_render(cast)))
    for number in [cast.w_hendra.nik, cast.w_rina.nik, cast.w_bambang.nik, cast.w_hendra.keluarga.no_kk]:
        assert number not in text
    assert mask(cast.w_bambang.nik) in text


def test_dasawisma_follow_their_rw_and_rt_and_households_their_registry_number(cast):
    rt_10 = Unit.objects.create(level=Level.RT, code="010", name="010", parent=cast.rw, active_from=cast.rt.active_from)
    for code, name, parent in [("DW10", "Kenanga", cast.rt), ("DW01", "Cempaka", rt_10)]:
        Unit.objects.create(level=Level.DASAWISMA, code=code, name=name, parent=parent, active_from=rt_10.active_from)
    kenanga, cempaka = Unit.objects.get(name="Kenanga"), Unit.objects.get(name="Cempaka")
    for dasawisma, registry, name in [(cast.dw_c, "1", "Mawar Satu"), (cempaka, "1", "Cempaka Satu"),
                                      (kenanga, "10", "Kenanga Sepuluh"), (kenanga, "2", "Kenanga Dua"),
                                      (kenanga, "", "Kenanga Tanpa Nomor")]:  # fmt: skip
        household = f.rumah_tangga(dasawisma, no_registrasi=registry, alamat=f"Jl. {name}")
        f.warga(f.keluarga(household), f"{name} Wijayakusuma", datetime.date(1990, 1, 1), "L")
    ws = _sheet(_bytes(_render(cast)))
    dasawisma_bands = [b.split(" · ")[0] for b in _bands(ws) if b.startswith("Dasawisma")]
    # RW 01: RT 001 (DW01, DW02, then DW10: codes read as numbers), RT 010; then RT 002 outside any RW.
    assert dasawisma_bands == ["Dasawisma Melati 1", "Dasawisma Melati 2", "Dasawisma Kenanga",
                               "Dasawisma Cempaka", "Dasawisma Mawar"]  # fmt: skip
    assert "Dasawisma Mawar · RT 002 / RW - · 1 rumah tangga, 1 warga" in _bands(ws)
    names = _names(ws)
    kenanga_rows = [n for n in names if n.startswith("Kenanga")]
    assert kenanga_rows == ["Kenanga Dua Wijayakusuma", "Kenanga Sepuluh Wijayakusuma",
                            "Kenanga Tanpa Nomor Wijayakusuma"]  # fmt: skip
    assert names[-1] == "Mawar Satu Wijayakusuma"


def test_people_and_households_that_left_are_not_listed(cast):
    kader = cast.users["kader"]
    leave(cast.w_dimas, "pindah", timezone.localdate())
    services.rumah_tangga_leave(actor=kader, rumah_tangga=cast.hh_b, on_date=timezone.localdate())
    ws = _sheet(_bytes(_render(cast)))
    assert _names(ws) == ["Hendra Wijayakusuma", "Rina Wijayakusuma", "Bambang Wijayakusuma"]
    assert (_field(ws, "Jumlah Rumah Tangga"), _field(ws, "Jumlah Warga")) == ("2", "3")


def test_a_name_that_looks_like_a_formula_stays_text(cast):
    evil = '=HYPERLINK("http://x","klik")'
    f.warga(f.keluarga(cast.hh_c), evil, datetime.date(1990, 1, 1), "L")
    content = _bytes(_render(cast))
    cells = [c for row in _sheet(content).iter_rows() for c in row if c.value == evil]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert "<f>" not in _all_text(content)


def test_a_kelurahan_without_households_says_so(cast):
    Warga.objects.filter(keluarga__rumah_tangga__dasawisma__desa_id=cast.kel2.pk).delete()
    ws = _sheet(_bytes(_render(cast, target=cast.kel2, user="outsider")))
    assert _field(ws, "Jumlah Warga") == "0"
    assert ws.cell(_head(ws) + 3, 1).value == "Belum ada rumah tangga yang tercatat."


# -- rights --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["kader", "ketua_dasawisma", "rt", "rw", "nobody", "outsider"])
def test_render_refuses_those_below_or_outside_the_kelurahan(cast, user):
    with pytest.raises(PermissionDenied):
        _render(cast, user=user)


def _url(unit, form=FORM, fmt="xlsx"):
    return reverse("households:export_kelurahan", kwargs={"unit_pk": unit.pk, "form": form, "fmt": fmt})


@pytest.mark.parametrize("role", ["kelurahan", "sekretaris", "kecamatan", "kota", "admin"])
def test_the_tp_pkk_of_the_kelurahan_and_above_download_it_as_a_stream(client, cast, role):
    client.force_login(cast.users[role])
    response = client.get(_url(cast.kel))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="data-warga-kelurahan_64.74.02.1002.xlsx"'
    assert "no-store" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    assert _names(_sheet(content)) == MEMBERS


@pytest.mark.parametrize("role", ["kader", "ketua_dasawisma", "rt", "rw", "nobody", "outsider"])
def test_the_file_is_not_found_for_those_below_or_outside_the_kelurahan(client, cast, role):
    client.force_login(cast.users[role])
    assert client.get(_url(cast.kel)).status_code == 404
    assert client.get(reverse("households:unduh_kelurahan", args=[cast.kel.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "case", STREAM_DOWNLOAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(STREAM_DOWNLOAD_CASES)]
)
def test_download_status_by_role_and_no_names_from_the_other_side(client, cast, case, role):
    """The URL-by-role walk for the streamed downloads, reading the files' text (see url_cases_exports)."""
    name, kwargs, _method, _data, expected = case
    if role != "anon":
        client.force_login(cast.users[role])
    url = reverse(name, kwargs=kwargs(cast))
    response = client.get(url)
    assert response.status_code == expected[role], f"{role} GET {url}"
    if response.status_code == 200:
        text = _all_text(b"".join(response.streaming_content))
        assert "Wijayakusuma" in text or "Siregar" in text  # the text was really read
        for forbidden in OTHER_SIDE.get(role, []):
            assert forbidden not in text, f"{role} sees {forbidden!r} in {url}"


@pytest.mark.parametrize(
    ("unit", "form", "fmt"),
    [("dw", FORM, "xlsx"), ("kel", FORM, "pdf"), ("kel", "data-warga", "xlsx"), ("kel", "buku-tamu", "xlsx")],
)
def test_another_unit_form_or_format_is_not_found(client, cast, unit, form, fmt):
    client.force_login(cast.users["admin"])
    assert client.get(_url(getattr(cast, unit), form, fmt)).status_code == 404


def test_the_kelurahan_form_is_not_served_as_a_dasawisma_or_household_form(client, cast):
    client.force_login(cast.users["admin"])
    for name, kwargs in [("export_dasawisma", {"unit_pk": cast.dw.pk}), ("export_rumah_tangga", {"pk": cast.hh_a.pk})]:
        url = reverse(f"households:{name}", kwargs={**kwargs, "form": FORM, "fmt": "xlsx"})
        assert client.get(url).status_code == 404


# -- the download page ---------------------------------------------------------------------------------


def test_the_page_shows_what_the_file_holds_and_links_it(client, cast):
    client.force_login(cast.users["sekretaris"])
    response = client.get(reverse("households:unduh_kelurahan", args=[cast.kel.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<dd data-stat="rumah_tangga">3</dd>' in body and '<dd data-stat="warga">5</dd>' in body
    assert _url(cast.kel) in body
    assert 'data-note="lama"' not in body  # five warga: no wait worth a warning


def test_the_page_warns_that_a_large_kelurahan_takes_a_while(client, cast, monkeypatch):
    monkeypatch.setattr("households.exports.kelurahan.WARGA_PER_SECOND", 1)  # five warga now take five seconds
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("households:unduh_kelurahan", args=[cast.kel.pk])).content.decode()
    assert 'data-note="lama"' in body and "sekitar 5 detik" in body


# -- chunks, queries and the temporary files -------------------------------------------------------------


def _grow(dasawisma, members, per_household=5):
    """`members` more active warga in households of `dasawisma`, inserted in bulk."""
    count = members // per_household
    households = RumahTangga.objects.bulk_create(
        RumahTangga(dasawisma=dasawisma, alamat=f"Jl. Baru {n}", no_registrasi=str(100 + n)) for n in range(count)
    )
    families = Keluarga.objects.bulk_create(Keluarga(rumah_tangga=h, no_kk=f.make_no_kk()) for h in households)
    Warga.objects.bulk_create(
        Warga(
            keluarga=k,
            nama=f"Warga {k.pk}-{i} Wijayakusuma",
            tanggal_lahir=datetime.date(1990, 1, 1 + i),
            jenis_kelamin="L",
            status_dalam_keluarga="kepala" if i == 0 else "anak",
            agama="islam",
            pendidikan="sma",
            pekerjaan="swasta",
        )
        for k in families
        for i in range(per_household)
    )


@pytest.fixture
def fetches(monkeypatch):
    """The sizes of the batches each query's cursor was read in, one list per query."""
    from django.db.models.sql import compiler

    batches = []
    original = compiler.cursor_iter

    def spy(cursor, sentinel, col_count, itersize):
        sizes = []
        batches.append(sizes)
        for rows in original(cursor, sentinel, col_count, itersize):
            sizes.append(len(rows))
            yield rows

    monkeypatch.setattr(compiler, "cursor_iter", spy)
    return batches


def test_the_members_are_read_from_one_query_in_chunks(cast, fetches):
    _grow(cast.dw_b, 2495)  # 2,500 warga in the kelurahan with the cast's five
    ws = _sheet(_bytes(_render(cast)))
    assert len(_names(ws)) == 2500 and _field(ws, "Jumlah Warga") == "2500"
    assert [1000, 1000, 500] in fetches  # MEMBERS_PER_FETCH rows at a time, not all at once


def test_the_download_takes_the_same_queries_for_few_or_many_members(client, cast, django_assert_max_num_queries):
    """Login, session and grants (3), the kelurahan (1), its groups (1), the totals (1), the members (1);
    the session was written by the page before (pkkdata.middleware.SessionRefreshMiddleware)."""
    client.force_login(cast.users["kelurahan"])
    client.get(reverse("home"))
    counts = []
    for extra in [0, 2500]:
        _grow(cast.dw, extra)
        with django_assert_max_num_queries(10) as queries:
            response = client.get(_url(cast.kel))
            content = b"".join(response.streaming_content)
        assert response.status_code == 200 and len(_names(_sheet(content))) == 5 + extra
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_temporary_files_are_gone_once_sent_or_abandoned(cast):
    leftovers = list(openpyxl_writer.ALL_TEMP_FILES)
    result = _render(cast)
    assert not result.content.closed and result.content.size > 0
    assert _names(_sheet(_bytes(result))) == MEMBERS
    assert result.content.closed  # read to the end: closed, so removed
    abandoned = _render(cast)
    next(iter(abandoned.content))
    abandoned.content.close()  # what the response does when the connection drops
    assert abandoned.content.closed
    assert leftovers == openpyxl_writer.ALL_TEMP_FILES


def test_an_export_that_fails_half_way_leaves_no_file_behind(cast, monkeypatch):
    leftovers = list(openpyxl_writer.ALL_TEMP_FILES)
    opened = []
    real_temporary_file = tempfile.TemporaryFile

    def tracked():
        opened.append(real_temporary_file())
        return opened[-1]

    def broken(*args):
        raise RuntimeError("koneksi basis data terputus")

    monkeypatch.setattr("households.exports.kelurahan.tempfile.TemporaryFile", tracked)
    monkeypatch.setattr("households.exports.kelurahan.data_warga_values", broken)
    with pytest.raises(RuntimeError):
        _render(cast)
    assert opened and opened[0].closed
    assert leftovers == openpyxl_writer.ALL_TEMP_FILES
