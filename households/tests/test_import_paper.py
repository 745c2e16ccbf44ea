"""The Data Warga workbook in the paper form's layout (4.14.1a) as an import (issue 15): the export "untuk
impor kembali" of a dasawisma, imported into the same dasawisma emptied, gives back the same rumah tangga,
keluarga and people; the printed export (NIK and No. KK masked) is refused with the row and column named;
a TP PKK's own 4.14.1a sheet (other title rows, one header row, "Ya (Pil)") updates the people it finds and
cannot invent a new household's data; only a role that may reveal NIK gets the numbers whole, each
reveal logged."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from documents.exporters import DEFAULT_EDITION, XLSX, Period, get_exporter
from households.exports.data_warga import FOR_IMPORT
from households.importer import paper
from households.importer.analyse import ERROR, NEW, UNCHANGED, UPDATE, analyse
from households.importer.columns import HEADERS, RUMAH_TANGGA_IMPORTED, WARGA_IMPORTED
from households.importer.kelurahan import commit_kelurahan
from households.importer.read import ImportFileError, read_dataset
from households.importer.write import ImportBlocked, commit
from households.models import AksesNIK, JenisAkses, Keluarga, RumahTangga, Warga
from households.tests import factories as f
from households.tests import test_import as dasawisma_import

own_upload_dir = dasawisma_import.own_upload_dir
cast = dasawisma_import.cast


def _enrich(c):
    """Every item of the form and every column the import needs, with something to carry."""
    Warga.objects.filter(pk=c.w_rina.pk).update(
        akseptor_kb=True,
        jenis_kb="pil",
        aktif_posyandu=True,
        frekuensi_posyandu=2,
        ikut_koperasi=True,
        jenis_koperasi="Simpan pinjam",
        jabatan="Kader Posyandu",
        no_registrasi="07",
        alamat="Jl. Melati 1 No. 2A",
        punya_tabungan=True,
    )
    Warga.objects.filter(pk=c.w_hendra.pk).update(
        ikut_kelompok_belajar=True, jenis_kelompok_belajar="kf", pendidikan="sd", pekerjaan="pedagang"
    )
    Warga.objects.filter(pk=c.w_dimas.pk).update(nik=None, ikut_paud=True, ikut_bkb=True)
    Warga.objects.filter(pk=c.w_sumiati.pk).update(buta_tulis=True, buta_hitung=True, agama="katolik")
    RumahTangga.objects.filter(pk=c.hh_a.pk).update(
        no_registrasi="RT-12", stiker_p4k=True, aktivitas_up2k=True, jenis_usaha_up2k="Warung"
    )
    RumahTangga.objects.filter(pk=c.hh_b.pk).update(makanan_pokok="non_beras", makanan_pokok_jenis="Sagu")
    # A second keluarga in Hendra's household.
    kk2 = f.keluarga(c.hh_a, no_kk="6474020107150099")
    f.warga(
        kk2,
        "Yusuf Wijayakusuma",
        datetime.date(1960, 9, 9),
        "L",
        nik="6474020909600077",
        status_dalam_keluarga="kepala",
        status_perkawinan="duda",
    )


def snapshot(dasawisma):
    """What the form and the import carry, keyed by what a person reads (no primary keys)."""
    households = {}
    for rt in RumahTangga.objects.filter(dasawisma=dasawisma).select_related("krt"):
        keluarga = {}
        for kel in Keluarga.objects.filter(rumah_tangga=rt):
            people = sorted(
                (tuple((name, getattr(w, name)) for name in [*WARGA_IMPORTED, "status"]) for w in kel.anggota.all()),
                key=repr,
            )
            keluarga[kel.no_kk] = (kel.no_kk_dikonfirmasi, people)
        house = tuple((name, getattr(rt, name)) for name in RUMAH_TANGGA_IMPORTED)
        households[rt.alamat] = (house, rt.krt.nama if rt.krt else None, keluarga)
    return households


def empty(dasawisma):
    RumahTangga.objects.filter(dasawisma=dasawisma).update(krt=None)
    Warga.objects.filter(keluarga__rumah_tangga__dasawisma=dasawisma).delete()
    Keluarga.objects.filter(rumah_tangga__dasawisma=dasawisma).delete()
    RumahTangga.objects.filter(dasawisma=dasawisma).delete()


def export(user, target, **options):
    result = get_exporter("data-warga").render(
        user=user, target=target, period=Period(timezone.localdate().year), edition=DEFAULT_EDITION, fmt=XLSX,
        options=options,
    )  # fmt: skip
    return result.content


def errors(preview):
    return [(r.number, p.column, p.message) for r in preview.rows for p in r.problems if p.kind == "error"]


def test_export_for_import_round_trip(cast):
    c = cast
    _enrich(c)
    before = snapshot(c.dw)
    assert len(before) == 2 and sum(len(k) for _h, _krt, k in before.values()) == 3
    content = export(c.users["kelurahan"], c.dw, **{FOR_IMPORT: True})
    empty(c.dw)
    assert snapshot(c.dw) == {}

    dataset = read_dataset(content, "data-warga-melati-1.xlsx")
    preview = analyse(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert errors(preview) == []
    assert preview.counts[NEW] == 5
    assert preview.households["rumah_tangga_baru"] == 2 and preview.households["keluarga_baru"] == 3
    commit(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert snapshot(c.dw) == before

    # The same file again: everything is found, nothing changes.
    again = analyse(read_dataset(content, "x.xlsx"), actor=c.users["kelurahan"], dasawisma=c.dw)
    assert again.counts[UNCHANGED] == 5 and again.counts[NEW] == again.counts[UPDATE] == 0


def test_single_household_export_round_trip(cast):
    c = cast
    _enrich(c)
    before = snapshot(c.dw)[c.hh_a.alamat]
    content = export(c.users["kelurahan"], RumahTangga.objects.get(pk=c.hh_a.pk), **{FOR_IMPORT: True})
    empty(c.dw)
    dataset = read_dataset(content, "rumah-tangga.xlsx")
    assert errors(analyse(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)) == []
    commit(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert snapshot(c.dw) == {c.hh_a.alamat: before}


def test_export_for_import_logs_every_number_and_keeps_the_form_printable(cast):
    c = cast
    _enrich(c)
    content = export(c.users["kelurahan"], c.dw, **{FOR_IMPORT: True})
    reveals = AksesNIK.objects.filter(user=c.users["kelurahan"], jenis=JenisAkses.BUKA)
    # 4 NIKs (Dimas has none) and 3 No. KK.
    assert reveals.filter(field="nik").count() == 4 and reveals.filter(field="no_kk").count() == 3
    sheet = load_workbook(io.BytesIO(content))["Data Warga"]
    assert "!$A$1:$V$" in sheet.print_area  # the form's 22 columns only
    values = [v for row in sheet.iter_rows(values_only=True) for v in row]
    assert c.w_rina.nik in values and "Kriteria Rumah" in values and "Buta Baca" in values

    printed = load_workbook(io.BytesIO(export(c.users["kelurahan"], c.dw)))["Data Warga"]
    assert printed.max_column == 22
    assert c.w_rina.nik not in [v for row in printed.iter_rows(values_only=True) for v in row]


def test_only_a_role_that_may_reveal_numbers_downloads_them(cast, client):
    c = cast
    url = reverse("households:export_dasawisma", args=[c.dw.pk, "data-warga", "xlsx"]) + "?untuk=impor"
    client.force_login(c.users["kader"])
    assert client.get(url).status_code == 403
    assert not AksesNIK.objects.exists()
    client.force_login(c.users["kelurahan"])
    response = client.get(url)
    assert response.status_code == 200
    assert AksesNIK.objects.filter(user=c.users["kelurahan"]).count() == 6
    pdf = reverse("households:export_dasawisma", args=[c.dw.pk, "data-warga", "pdf"]) + "?untuk=impor"
    assert client.get(pdf).status_code == 404
    listing = client.get(reverse("households:rumah_tangga_list", args=[c.dw.pk]))
    assert "untuk=impor" in listing.content.decode()
    client.force_login(c.users["kader"])
    assert "untuk=impor" not in client.get(reverse("households:rumah_tangga_list", args=[c.dw.pk])).content.decode()


def test_printed_export_is_refused_with_row_and_column(cast):
    c = cast
    content = export(c.users["kelurahan"], c.dw)
    before = snapshot(c.dw)
    dataset = read_dataset(content, "data-warga.xlsx")
    preview = analyse(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    problems = errors(preview)
    assert problems, "masked numbers must not be imported"
    rows = load_workbook(io.BytesIO(content))["Data Warga"]
    first = next(r for r, column, _m in problems if column == "No. KK")
    assert rows.cell(row=first, column=4).value in {"Hendra Wijayakusuma", "Rina Wijayakusuma", "Dimas Wijayakusuma",
                                                    "Sumiati Wijayakusuma"}  # fmt: skip
    assert any("disamarkan" in m for _r, _c, m in problems)
    with pytest.raises(ImportBlocked):
        commit(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert snapshot(c.dw) == before


def own_sheet(rows, title_rows=("DATA WARGA DASA WISMA MELATI 1", "Kelurahan Berbas Tengah")):
    """A TP PKK's own 4.14.1a sheet: its own title lines, a "Dasa Wisma" line, one header row, no numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Warga"
    for line in title_rows:
        sheet.append([line])
    sheet.append(["Dasa Wisma :", "Melati 1"])
    sheet.append([])
    sheet.append(
        ["No. Reg", "NIK", "No. KK", "Nama", "Jabatan", "L/P Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir",
         "Status Perkawinan", "Status dlm Keluarga (hubungan)", "Agama", "Alamat", "Pendidikan", "Pekerjaan",
         "Akseptor KB", "Posyandu", "BKB", "Tabungan", "Kelompok Belajar", "PAUD", "Koperasi"]
    )  # fmt: skip
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_own_paper_sheet_updates_the_people_it_finds(cast):
    c = cast
    hendra = c.w_hendra
    row = ["3", hendra.nik, hendra.keluarga.no_kk, hendra.nama, "", "L", "Bontang", hendra.tanggal_lahir,
           "Menikah", "Kepala Keluarga", "Islam", c.hh_a.alamat, "SMA/sederajat", "Wirausaha", "Ya (Suntik)",
           "Ya, 3 kali/bulan", "Tidak", "Ya", "Tidak", "Tidak", "T"]  # fmt: skip
    dataset = read_dataset(own_sheet([row]), "warga.xlsx")
    assert dataset.row_numbers == [6]
    preview = analyse(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert errors(preview) == []
    assert preview.counts[UPDATE] == 1
    commit(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    hendra.refresh_from_db()
    assert (hendra.pekerjaan, hendra.jenis_kb, hendra.frekuensi_posyandu, hendra.no_registrasi) == (
        "wirausaha",
        "suntik",
        3,
        "3",
    )
    # The household's own data was not on the sheet: what is stored stays.
    assert RumahTangga.objects.get(pk=c.hh_a.pk).kriteria_rumah == c.hh_a.kriteria_rumah


def test_own_paper_sheet_cannot_invent_a_new_household(cast):
    c = cast
    born = datetime.date(1991, 2, 3)
    row = ["", f.make_nik(born, "P"), "6474020302160123", "Lestari Wijayakusuma", "", "P", "Bontang", born, "Menikah",
           "Kepala Keluarga", "Islam", "Jl. Melati 1 No. 40, Berbas Tengah", "SD/MI", "Petani", "Tidak", "Tidak",
           "Tidak", "Tidak", "Tidak", "Tidak", "Tidak"]  # fmt: skip
    dataset = read_dataset(own_sheet([row]), "warga.xlsx")
    preview = analyse(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    assert preview.counts[ERROR] == 1
    columns = {column for _r, column, _m in errors(preview)}
    assert {"Kriteria Rumah", "Makanan Pokok"} <= columns
    assert not RumahTangga.objects.filter(alamat__startswith="Jl. Melati 1 No. 40").exists()


def test_a_sheet_that_is_neither_layout_names_the_template(cast):
    book = Workbook()
    book.active.append(["Daftar belanja"])
    book.active.append(["Beras", 2])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportFileError, match="tidak sesuai templat"):
        read_dataset(out.getvalue(), "x.xlsx")


def test_paper_table_without_a_required_item_is_named(cast):
    book = Workbook()
    sheet = book.active
    sheet.append(["DAFTAR WARGA TP PKK"])
    sheet.append(["No. Registrasi", "Nama", "Jabatan", "Jenis Kelamin", "Agama", "Pendidikan", "Pekerjaan"])
    sheet.append(["1", "Ani", "", "P", "Islam", "SD/MI", "Petani"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportFileError, match=re.escape("No. KTP/NIK, No. KK, Tanggal Lahir, Status Dalam Keluarga")):
        read_dataset(out.getvalue(), "x.xlsx")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Ya, Pil", ("Ya", "Pil")),
        ("Ya (KF (Keaksaraan Fungsional))", ("Ya", "KF (Keaksaraan Fungsional)")),
        ("Ya, KF (Keaksaraan Fungsional)", ("Ya", "KF (Keaksaraan Fungsional)")),
        ("tidak", ("Tidak", None)),
        ("Y", ("Ya", None)),
        ("Mungkin", ("Mungkin", None)),
        (None, (None, None)),
    ],
)
def test_yes_with_details(cell, expected):
    assert paper.yes_with(cell) == expected


def test_kelurahan_import_places_the_form_by_its_dasa_wisma_line(cast):
    """The header block's "Dasa Wisma : Melati 1" places every row in a kelurahan-wide import."""
    c = cast
    _enrich(c)
    before = snapshot(c.dw)
    content = export(c.users["kelurahan"], c.dw, **{FOR_IMPORT: True})
    empty(c.dw)
    dataset = read_dataset(content, "melati-1.xlsx")
    result = commit_kelurahan(dataset, actor=c.users["kelurahan"], desa=c.kel, strict=True)
    assert (len(result.saved), result.new, result.unplaced) == (1, 5, 0)
    assert snapshot(c.dw) == before


def test_own_paper_sheet_keeps_what_its_columns_do_not_hold(cast):
    """A TP PKK's sheet has no 3 buta, berkebutuhan khusus or ibu menyusui: the stored values stay."""
    c = cast
    s = c.w_sumiati
    row = ["", s.nik, s.keluarga.no_kk, s.nama, "", "P", "Bontang", s.tanggal_lahir, "Janda", "Kepala Keluarga",
           "Islam", c.hh_b.alamat, "SD/MI", "Petani", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak",
           "Tidak"]  # fmt: skip
    dataset = read_dataset(own_sheet([row]), "warga.xlsx")
    commit(dataset, actor=c.users["kelurahan"], dasawisma=c.dw)
    s.refresh_from_db()
    assert (s.pendidikan, s.buta_baca, s.berkebutuhan_khusus) == ("sd", True, "fisik")


def test_a_keluarga_added_below_a_household_is_not_put_in_it(cast):
    """Rows typed under the export's last household, at another address and with a new No. KK, are a
    household of their own (here refused: a new household needs its data), not the last one's."""
    c = cast
    content = export(c.users["kelurahan"], c.dw, **{FOR_IMPORT: True})
    book = load_workbook(io.BytesIO(content))
    sheet = book["Data Warga"]
    last = max(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=4).value)
    born = datetime.date(1992, 4, 5)
    values = [None, f.make_nik(born, "P"), "6474020504160321", "Lestari Wijayakusuma", None, "Perempuan", "Bontang",
              born, None, "Menikah", "Kepala Keluarga", "Islam", "Jl. Kenanga 9, Berbas Tengah", "SD/MI", "Petani",
              "Tidak", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak"]  # fmt: skip
    sheet.insert_rows(last + 1)
    for column, value in enumerate(values, start=1):
        sheet.cell(row=last + 1, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    preview = analyse(read_dataset(out.getvalue(), "x.xlsx"), actor=c.users["kelurahan"], dasawisma=c.dw)
    wrong = {(r, column) for r, column, _m in errors(preview)}
    assert (last + 1, "Kriteria Rumah") in wrong
    assert preview.households["rumah_tangga_baru"] == 1


def test_desa_is_cut_only_after_a_comma():
    assert paper._without_desa("Jl. Melati 2, Berbas Tengah", "Berbas Tengah") == "Jl. Melati 2"
    assert paper._without_desa("Jl. Pasarbaru", "Baru") == "Jl. Pasarbaru"
    assert paper._without_desa("Sidomulyo", "Sidomulyo") == "Sidomulyo"


def _book(*rows):
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_under_a_title_line_is_not_taken_for_the_form(cast):
    with pytest.raises(ImportFileError, match="tidak sesuai templat"):
        read_dataset(_book(["Data warga RT 03 (salinan)"], HEADERS), "x.xlsx")


def test_a_form_table_on_row_1_with_its_own_second_header_row_and_typed_numbers(cast):
    header = ["No. Registrasi", "No. KTP/NIK", "No. KK", "Nama", "Jenis Kelamin", "Tanggal Lahir",
              "Status Dalam Keluarga", "Agama", "Akseptor KB"]  # fmt: skip
    second = ["", "", "", "", "L/P", "", "", "", "Ya/Tidak"]
    numbers = ["1", "2", "(3)", "4", "5", "6", "7", "8", "9"]
    born = datetime.date(1990, 1, 2)
    row = ["", f.make_nik(born, "L"), "6474020201160555", "Budi", "L", born, "Kepala Keluarga", "Islam", "Tidak ada"]
    for rows in ([header, second, row], [header, numbers, row]):
        dataset = read_dataset(_book(*rows), "x.xlsx")
        assert [d["Nama"] for d in dataset.dict] == ["Budi"]
        assert dataset.dict[0]["Akseptor KB"] == "Tidak" and dataset.dict[0]["Jenis KB"] is None


def test_a_form_of_another_dasawisma_is_refused_on_this_dasawisma_page(cast):
    """The "Dasa Wisma" line of the file names Melati 1: uploaded on Melati 2's page, nothing goes there."""
    c = cast
    _enrich(c)
    content = export(c.users["kelurahan"], c.dw, **{FOR_IMPORT: True})
    empty(c.dw)
    preview = analyse(read_dataset(content, "x.xlsx"), actor=c.users["kelurahan"], dasawisma=c.dw_b)
    assert preview.counts[ERROR] == 5
    assert all(column == "Dasawisma" and "Melati 1" in m for _r, column, m in errors(preview))
