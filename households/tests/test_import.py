"""The Excel import of Data Warga / Data Keluarga: template, upload, preview, confirm, as a cadre sees
them; bad files and bad rows write nothing; rights and tokens."""

import datetime
import io
import itertools
import os
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from documents import xlsx
from hierarchy import services as hierarchy_services
from hierarchy.tests.url_cases import OTHER_SIDE, ROLES
from households.importer import job as import_job
from households.importer.analyse import analyse
from households.importer.columns import HEADERS, MAX_ROWS, SHEET_TITLE
from households.importer.job import KEDALUWARSA
from households.importer.read import MAX_BYTES, read_dataset
from households.importer.template import build_template
from households.importer.uploads import PREFIX, UPLOAD_MAX_AGE_SECONDS, purge_uploads, store_upload
from households.importer.write import ImportBlocked
from households.models import Keluarga, RumahTangga, Warga
from households.tests.url_cases_imports import DOWNLOAD_CASES
from jobs.models import Job, Status

KK_1 = "6474021205160001"
KK_2 = "6474021205160002"
BORN_SITI = datetime.date(1990, 3, 7)
NIK_SITI = "6474024703900001"
NIK_DEWI = "6474025501190003"
HOUSE = {
    "Makanan Pokok": "Beras",
    "Jamban Keluarga": "Ya",
    "Sumber Air PDAM": "Ya",
    "Tempat Sampah": "Ya",
    "SPAL": "Ya",
    "Stiker P4K": "Tidak",
    "MCK dan Septic Tank": "Ya",
    "Kriteria Rumah": "Sehat layak huni",
    "Aktivitas UP2K": "Tidak",
    "Kesehatan Lingkungan": "Tidak",
}


_serial = itertools.count(5001)


def make_nik(born, sex, area="647402"):
    """A valid NIK: serials of this module stay 4 digits whatever else the test run generated."""
    day = born.day + (40 if sex == "P" else 0)
    return f"{area}{day:02d}{born.month:02d}{born.year % 100:02d}{next(_serial) % 10000:04d}"


@pytest.fixture(autouse=True)
def own_upload_dir(tmp_path, settings):
    """Uploads of this test only, in a private storage of its own."""
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path}},
    }


def upload_dir():
    return Path(storages["private"].path(PREFIX))


@pytest.fixture
def cast(cast):
    """The shared cast, its NIKs and No. KKs rewritten as valid 16-digit numbers (the factories' serial
    counter runs past 9999 in a long test run)."""
    for serial, warga in enumerate(Warga.objects.order_by("pk"), start=1):
        day = warga.tanggal_lahir.day + (40 if warga.jenis_kelamin == "P" else 0)
        nik = f"{warga.nik[:6]}{day:02d}{warga.tanggal_lahir:%m%y}{serial:04d}"
        Warga.objects.filter(pk=warga.pk).update(nik=nik)
    for serial, keluarga in enumerate(Keluarga.objects.order_by("pk"), start=1):
        Keluarga.objects.filter(pk=keluarga.pk).update(no_kk=f"{keluarga.no_kk[:6]}010315{serial:04d}")
    for value in vars(cast).values():
        if isinstance(value, Warga | Keluarga | RumahTangga):
            value.refresh_from_db()
    return cast


def person(nama, born, sex, status="Anak", nik=None, **columns):
    row = {
        "No. Registrasi RT": "12",
        "Alamat": "Jl. Kenari 3",
        "No. KK": KK_1,
        "NIK": nik if nik is not None else make_nik(born, sex),
        "Nama": nama,
        "Jenis Kelamin (L/P)": sex,
        "Tempat Lahir": "Bontang",
        "Tanggal Lahir": born,
        "Status Perkawinan": "Lajang",
        "Status Dalam Keluarga": status,
        "Agama": "Islam",
        "Pendidikan": "SMA/sederajat",
        "Pekerjaan": "Swasta",
    }
    row.update(columns)
    return row


def siti(**columns):
    return person(
        "Siti Rahma", BORN_SITI, "P", "Kepala Keluarga", NIK_SITI, **{"Status Perkawinan": "Janda", **HOUSE, **columns}
    )


def family():
    """One household (No. Registrasi RT 12) with Siti and her two children, the household columns on
    Siti's row only."""
    return [
        siti(),
        person("Agus Rahma", datetime.date(2012, 6, 1), "L", nik="6474020106120002"),
        person(
            "Dewi Rahma", datetime.date(2019, 1, 15), "P", nik="6474025501190003", **{"Tanggal Lahir": "15-01-2019"}
        ),
    ]


def fill(rows, dasawisma, template=None):
    """The dasawisma's template with the rows written the way a cadre's Excel keeps them."""
    book = load_workbook(io.BytesIO(template or build_template(dasawisma, str(dasawisma))))
    sheet = book[SHEET_TITLE]
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            xlsx.put(sheet, number, HEADERS.index(header) + 1, value)
    return xlsx.to_bytes(book)


def upload(client, dasawisma, data, name="data-warga.xlsx"):
    url = reverse("households:import_upload", kwargs={"unit_pk": dasawisma.pk})
    return client.post(url, {"berkas": _file(data, name)})


def _file(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def as_kader(client, cast, user="kader"):
    client.force_login(cast.users[user])
    return client


def preview_of(client, cast, rows, user="kader"):
    """Upload rows as the user: (the preview page, its URL)."""
    response = upload(as_kader(client, cast, user), cast.dw, fill(rows, cast.dw))
    assert response.status_code == 302, response.content.decode()[:2000]
    url = response["Location"]
    return client.get(url), url


def imported(client, cast, rows, user="kader"):
    page, url = preview_of(client, cast, rows, user)
    assert page.context["counts"]["galat"] == 0, [r for r in page.context["preview"].rows if r.problems]
    return client.post(url)


def stored_uploads():
    return set(upload_dir().glob("*.xlsx"))


def household_rows():
    return RumahTangga.objects.count(), Keluarga.objects.count(), Warga.objects.count()


# -- the template ----------------------------------------------------------------------------------


def test_cadre_downloads_a_template_made_for_the_dasawisma(client, cast):
    response = as_kader(client, cast).get(reverse("households:import_template", kwargs={"unit_pk": cast.dw.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [SHEET_TITLE, "Petunjuk"]
    sheet = book[SHEET_TITLE]
    headers = [c.value for c in sheet[1]]
    assert headers == HEADERS
    assert headers[:6] == ["Kode Dasawisma", "Dasawisma", "No. Registrasi RT", "Alamat", "No. KK", "NIK"]
    assert sheet["A2"].value == cast.dw.pk and sheet.column_dimensions["A"].hidden
    assert "Melati 1" in sheet["B2"].value
    nik_column = HEADERS.index("NIK") + 1
    assert sheet.column_dimensions[_letter(nik_column)].number_format == "@"  # 16 digits stay text
    dropdowns = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    sex_column = _letter(HEADERS.index("Jenis Kelamin (L/P)") + 1)
    assert dropdowns[f"{sex_column}2"] == '"L,P"'
    status_column = _letter(HEADERS.index("Status Perkawinan") + 1)
    assert dropdowns[f"{status_column}2"] == '"Menikah,Lajang,Janda,Duda"'
    assert "No. KK yang sama adalah satu keluarga" in _text(book["Petunjuk"])


def _letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _text(sheet):
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


def test_the_empty_template_is_refused_as_empty(client, cast):
    template = as_kader(client, cast).get(reverse("households:import_template", kwargs={"unit_pk": cast.dw.pk}))
    response = upload(client, cast.dw, template.content)
    assert response.status_code == 200
    assert "Berkas kosong" in response.content.decode()


@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=lambda case: case[0])
@pytest.mark.parametrize("role", ROLES)
def test_template_downloads_by_role_never_show_the_other_side(client, cast, case, role):
    name, kwargs, _method, _data, expected = case
    if role != "anon":
        client.force_login(cast.users[role])
    response = client.get(reverse(name, kwargs=kwargs(cast)))
    assert response.status_code == expected[role]
    if response.status_code == 200:
        text = _text(load_workbook(io.BytesIO(response.content))[SHEET_TITLE])
        text += _text(load_workbook(io.BytesIO(response.content))["Petunjuk"])
        for forbidden in OTHER_SIDE.get(role, []):
            assert forbidden not in text


# -- a good file -----------------------------------------------------------------------------------


def test_downloaded_template_filled_in_imports_households_families_and_members(client, cast):
    template = as_kader(client, cast).get(reverse("households:import_template", kwargs={"unit_pk": cast.dw.pk}))
    second = person(
        "Budi Santoso",
        datetime.date(1980, 2, 2),
        "laki-laki",  # labels in any case
        "kepala keluarga",
        **{
            "No. Registrasi RT": "",
            "Alamat": "Jl. Kenari 9",
            "No. KK": KK_2,
            "NIK": make_nik(datetime.date(1980, 2, 2), "L"),
            "Status Perkawinan": "KAWIN",
            "Pendidikan": "d4/s1",
            "Pekerjaan": "PNS",
            "Akseptor KB": "Ya",
            "Jenis KB": "MOP",
            "Ikut Koperasi": "ya",
            "Jenis Koperasi": "Simpan pinjam",
            "Makanan Pokok": "Non beras",
            "Jenis Makanan Pokok Non Beras": "Sagu",
            "Jamban Keluarga": "Tidak",
            "Sumber Air Sumur": "Ya",
            "Sumber Air Lainnya": "Ya",
            "Sumber Air Lainnya (Sebutkan)": "Air hujan",
            "Tempat Sampah": "Tidak",
            "SPAL": "Tidak",
            "Stiker P4K": "Ya",
            "MCK dan Septic Tank": "Tidak",
            "Kriteria Rumah": "tidak sehat layak huni",
            "Aktivitas UP2K": "Ya",
            "Jenis Usaha UP2K": "Warung",
            "Kesehatan Lingkungan": "Ya",
        },
    )
    rows = [*family(), second]
    response = upload(client, cast.dw, fill(rows, cast.dw, template.content))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["counts"] == {"baru": 4, "diperbarui": 0, "tetap": 0, "galat": 0}
    assert page.context["preview"].households["rumah_tangga_baru"] == 2
    body = page.content.decode()
    assert "6474********0001" in body and NIK_SITI not in body  # masked in the preview

    before = RumahTangga.objects.count()
    done = client.post(response["Location"])
    assert done.status_code == 302
    assert done["Location"] == reverse("households:rumah_tangga_list", kwargs={"unit_pk": cast.dw.pk})
    assert "4 warga baru, 0 diperbarui" in client.get(done["Location"]).content.decode()
    assert RumahTangga.objects.count() == before + 2

    siti_w = Warga.objects.get(nik=NIK_SITI)
    house = siti_w.keluarga.rumah_tangga
    assert (house.dasawisma, house.no_registrasi, house.alamat, house.krt) == (cast.dw, "12", "Jl. Kenari 3", siti_w)
    assert siti_w.keluarga.no_kk == KK_1 and siti_w.keluarga.anggota.count() == 3
    assert (siti_w.jenis_kelamin, siti_w.tanggal_lahir, siti_w.status_perkawinan) == ("P", BORN_SITI, "janda")
    assert (siti_w.status_dalam_keluarga, siti_w.pendidikan, siti_w.pekerjaan) == ("kepala", "sma", "swasta")
    assert Warga.objects.get(nama="Dewi Rahma").tanggal_lahir == datetime.date(2019, 1, 15)  # DD-MM-YYYY text
    assert (house.makanan_pokok, house.punya_jamban, house.jumlah_jamban, house.air_pdam) == ("beras", True, 1, True)
    assert (house.air_sumur, house.kriteria_rumah, house.punya_mck_septic) == (False, "sehat", True)

    budi = Warga.objects.get(nama="Budi Santoso")
    assert (budi.jenis_kelamin, budi.status_perkawinan, budi.pendidikan, budi.pekerjaan) == (
        "L",
        "menikah",
        "s1",
        "pns",
    )
    assert (budi.akseptor_kb, budi.jenis_kb, budi.ikut_koperasi, budi.jenis_koperasi) == (
        True,
        "mop",
        True,
        "Simpan pinjam",
    )
    other = budi.keluarga.rumah_tangga
    assert (other.alamat, other.no_registrasi, other.makanan_pokok, other.makanan_pokok_jenis) == (
        "Jl. Kenari 9",
        "",
        "non_beras",
        "Sagu",
    )
    assert (other.punya_jamban, other.jumlah_jamban, other.air_lainnya_jenis) == (False, 0, "Air hujan")
    assert (other.kriteria_rumah, other.aktivitas_up2k, other.jenis_usaha_up2k) == ("tidak_sehat", True, "Warung")

    history = siti_w.history.get()
    assert history.history_user == cast.users["kader"] and history.history_change_reason == "Impor Excel"
    assert house.history.get().history_user == cast.users["kader"] and house.history.get().krt_id == siti_w.pk
    token = response["Location"].rstrip("/").split("/")[-1]
    assert not (upload_dir() / f"{token}.xlsx").exists()  # the upload is gone after the confirm


def test_keluarga_with_the_same_registration_number_share_one_rumah_tangga(client, cast):
    nenek = person(
        "Ijah",
        datetime.date(1940, 5, 5),
        "P",
        "Kepala Keluarga",
        **{"No. KK": KK_2, "Alamat": "", "Status Perkawinan": "Janda"},
    )
    imported(client, cast, [*family(), nenek])
    house = Warga.objects.get(nik=NIK_SITI).keluarga.rumah_tangga
    assert house.keluarga.count() == 2 and house.krt.nama == "Siti Rahma"


def nenek(**columns):
    return person(
        "Ijah",
        datetime.date(1940, 5, 5),
        "P",
        "Kepala Keluarga",
        "6474024505400004",
        **{"No. KK": KK_2, "No. Registrasi RT": "", "Alamat": "jl.  KENARI 3", "Status Perkawinan": "Janda", **columns},
    )


def test_a_keluarga_without_registration_number_joins_the_household_at_the_same_address(client, cast):
    imported(client, cast, [*family(), nenek()])
    house = Warga.objects.get(nik=NIK_SITI).keluarga.rumah_tangga
    assert house.keluarga.count() == 2 and RumahTangga.objects.filter(alamat__iexact="jl. kenari 3").count() == 1


def test_a_new_keluarga_joins_the_stored_household_at_the_same_address(client, cast):
    imported(client, cast, family())
    page, url = preview_of(client, cast, [*family(), nenek()])
    assert page.context["counts"] == {"baru": 1, "diperbarui": 0, "tetap": 3, "galat": 0}
    assert page.context["preview"].households == {
        "rumah_tangga_baru": 0,
        "rumah_tangga_diperbarui": 0,
        "keluarga_baru": 1,
    }
    client.post(url)
    imported(client, cast, [nenek(Nama="Ijah Rahma")])  # alone in a later file: still found by its No. KK
    house = Warga.objects.get(nik=NIK_SITI).keluarga.rumah_tangga
    assert list(house.keluarga.order_by("pk").values_list("no_kk", flat=True)) == [KK_1, KK_2]
    assert Warga.objects.get(nama="Ijah Rahma").keluarga.rumah_tangga == house
    assert house.alamat == "Jl. Kenari 3" and house.history.count() == 1  # "jl.  KENARI 3" is the same address


def test_household_columns_filled_twice_differently_are_an_error(client, cast):
    rows = family()
    rows[2]["Kriteria Rumah"] = "Tidak sehat layak huni"
    page, _url = preview_of(client, cast, rows)
    problems = {(r.number, p.column): p.message for r in page.context["preview"].rows for p in r.problems}
    assert "Berbeda dengan baris 2" in problems[(4, "Kriteria Rumah")]


# -- importing again -------------------------------------------------------------------------------


def test_reimport_updates_the_changed_person_and_leaves_the_others_alone(client, cast):
    imported(client, cast, family())
    counts = household_rows()
    agus = Warga.objects.get(nama="Agus Rahma")
    rows = family()
    rows[1]["Pekerjaan"] = "Pelajar/Mahasiswa"
    page, url = preview_of(client, cast, rows)
    assert page.context["counts"] == {"baru": 0, "diperbarui": 1, "tetap": 2, "galat": 0}
    client.post(url)
    assert household_rows() == counts
    agus.refresh_from_db()
    assert agus.pekerjaan == "pelajar"
    assert agus.history.count() == 2 and agus.history.first().history_user == cast.users["kader"]
    assert Warga.objects.get(nik=NIK_SITI).history.count() == 1


def test_the_same_file_twice_changes_nothing_and_writes_no_history(client, cast):
    imported(client, cast, family())
    histories = (RumahTangga.history.count(), Keluarga.history.count(), Warga.history.count())
    counts = household_rows()
    page, url = preview_of(client, cast, family())
    assert page.context["counts"] == {"baru": 0, "diperbarui": 0, "tetap": 3, "galat": 0}
    done = client.post(url)
    assert "0 warga baru, 0 diperbarui" in client.get(done["Location"]).content.decode()
    assert household_rows() == counts
    assert (RumahTangga.history.count(), Keluarga.history.count(), Warga.history.count()) == histories


def test_a_baby_without_nik_is_found_again_by_name_and_birth_date(client, cast):
    baby = person("Bayi Rahma", datetime.date(2025, 12, 1), "P", nik="", **{"Pendidikan": "Tidak/belum sekolah"})
    imported(client, cast, [*family(), baby])
    page, _url = preview_of(client, cast, [*family(), baby])
    assert page.context["counts"] == {"baru": 0, "diperbarui": 0, "tetap": 4, "galat": 0}
    # Without the NIK a person stored with one would be counted twice: the row asks for the NIK.
    agus = family()[1] | {"NIK": ""}
    page, _url = preview_of(client, cast, [family()[0], agus])
    assert [p.message for p in page.context["preview"].rows[1].problems] == [
        "Agus Rahma sudah tercatat dengan NIK 6474********0002; isi NIK-nya di baris ini."
    ]


def test_kepala_keluarga_can_change_hands_in_an_existing_keluarga(client, cast):
    hendra, rina = cast.w_hendra, cast.w_rina
    kk = hendra.keluarga.no_kk

    def row(w, status):
        return person(
            w.nama,
            w.tanggal_lahir,
            w.jenis_kelamin,
            status,
            w.nik,
            **{"No. Registrasi RT": "", "Alamat": "Jl. Melati 1 No. 2", "No. KK": kk, "Status Perkawinan": "Menikah"},
        )

    rows = [row(hendra, "Anggota Keluarga lain"), row(rina, "Kepala Keluarga")]
    page, url = preview_of(client, cast, rows)
    assert page.context["counts"]["galat"] == 0
    assert page.context["preview"].households["rumah_tangga_baru"] == 0
    client.post(url)
    hendra.refresh_from_db()
    rina.refresh_from_db()
    assert (hendra.status_dalam_keluarga, rina.status_dalam_keluarga) == ("lain", "kepala")
    assert hendra.keluarga_id == rina.keluarga_id and Warga.objects.filter(keluarga=hendra.keluarga).count() == 3


# -- bad files: a message, nothing stored, nothing written -----------------------------------------


def _workbook(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _formula(cast):
    book = load_workbook(io.BytesIO(fill(family(), cast.dw)))
    book[SHEET_TITLE]["G3"] = "=UPPER(G2)"  # a real formula cell, not text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _too_many_rows(cast):
    name = HEADERS.index("Nama")
    return _workbook([HEADERS] + [[None] * name + [f"Warga {i}"] for i in range(MAX_ROWS + 1)])


def _wrong_columns(cast):
    headers = [h for h in HEADERS if h != "Agama"] + ["Golongan Darah"]
    return _workbook([headers, ["x"] * len(headers)])


BAD_FILES = [
    ("csv", lambda c: b"Nama,NIK\nSiti,6474024703900001\n", "data.csv", "Hanya berkas Excel .xlsx"),
    ("xls", lambda c: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "data.xls", "Hanya berkas Excel .xlsx"),
    ("not a workbook", lambda c: b"PK\x03\x04 bukan excel", "data.xlsx", "tidak dapat dibuka"),
    ("text renamed", lambda c: b"Nama;NIK\n", "data.xlsx", "tidak dapat dibuka"),
    ("zip without a workbook", lambda c: _zip({"a.txt": b"x"}), "data.xlsx", "tidak dapat dibuka"),
    ("wrong columns", _wrong_columns, "data.xlsx", "“Agama”"),
    ("wrong columns", _wrong_columns, "data.xlsx", "“Golongan Darah”"),
    ("empty", lambda c: _workbook([]), "data.xlsx", "Berkas kosong"),
    ("headers only", lambda c: _workbook([HEADERS]), "data.xlsx", "Berkas kosong"),
    ("formula", _formula, "data.xlsx", "Sel G3 berisi rumus"),
    ("too big", lambda c: b"PK" + b"\0" * MAX_BYTES, "data.xlsx", "lebih besar dari 5 MB"),
    ("too many rows", _too_many_rows, "data.xlsx", "lebih dari 5.000 baris"),
]


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "make", "name", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_kept(client, cast, kind, make, name, message):
    before, kept = household_rows(), stored_uploads()
    response = upload(as_kader(client, cast), cast.dw, make(cast), name)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body, body[body.find("error") - 200 : body.find("error") + 800]
    assert household_rows() == before
    assert stored_uploads() == kept
    assert not client.session.get("impor_warga")


def test_a_number_typed_as_a_number_cell_is_refused_because_excel_rounds_it(client, cast):
    rows = family()
    rows[1]["NIK"] = 6474020106120001
    page, _url = preview_of(client, cast, rows)
    problems = [p.message for r in page.context["preview"].rows for p in r.problems if p.column == "NIK"]
    assert problems and "Ubah format sel menjadi Teks" in problems[0]


# -- bad rows: every problem listed, nothing written -----------------------------------------------


def _nik_elsewhere(cast):
    return cast.w_togar.nik


TOMORROW = timezone.localdate() + datetime.timedelta(days=3)
ROW_ERRORS = [
    ("bad NIK", {"NIK": "647402470390001"}, "NIK", "16 angka"),
    ("NIK in another area", {"NIK": "togar"}, "NIK", "NIK sudah terdaftar di wilayah lain"),
    ("NIK of the sibling dasawisma", {"NIK": "bambang"}, "NIK", "NIK sudah terdaftar di wilayah lain"),
    (
        "future birth date",
        {"Tanggal Lahir": timezone.localdate() + datetime.timedelta(days=3)},
        "Tanggal Lahir",
        "masa depan",
    ),
    ("not a date", {"Tanggal Lahir": "31-02-1990"}, "Tanggal Lahir", "bukan tanggal"),
    ("unknown choice", {"Agama": "Jedi"}, "Agama", "bukan pilihan yang dikenal"),
    ("missing name", {"Nama": ""}, "Nama", "Wajib diisi"),
    ("KB without its kind", {"Akseptor KB": "Ya"}, "Jenis KB", "Wajib diisi bila Akseptor KB Ya"),
    ("two kepala", {"Status Dalam Keluarga": "Kepala Keluarga"}, "Status Dalam Keluarga", "satu Kepala Keluarga"),
    ("a man breastfeeding", {"Ibu Menyusui": "Ya"}, "Ibu Menyusui", "hanya untuk perempuan"),
    ("too long", {"Tempat Lahir": "x" * 101}, "Tempat Lahir", "paling banyak 100 karakter"),
]


@pytest.mark.parametrize(("kind", "change", "column", "message"), ROW_ERRORS, ids=[e[0] for e in ROW_ERRORS])
def test_a_row_error_is_listed_and_blocks_the_confirm(client, cast, kind, change, column, message):
    numbers = {"togar": cast.w_togar.nik, "bambang": cast.w_bambang.nik}
    rows = family()
    rows[1].update({k: numbers.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    before = household_rows()
    page, url = preview_of(client, cast, rows)
    assert page.context["counts"]["galat"] >= 1
    problems = [(r.number, p.column, p.message) for r in page.context["preview"].rows for p in r.problems]
    assert any(n == 3 and c == column and message in m for n, c, m in problems), problems
    body = page.content.decode()
    assert "Baris 3" in body and message in body
    assert 'disabled aria-disabled="true"' in body
    assert "Togar" not in body and "Melati 2" not in body  # where a NIK lives is not told to the kader

    response = client.post(url)
    assert response.status_code == 200
    assert "Tidak ada yang disimpan" in response.content.decode()
    assert household_rows() == before


def test_the_admin_is_told_where_a_nik_in_their_area_is_registered(client, cast):
    rows = family()
    rows[1]["NIK"] = cast.w_bambang.nik
    page, _url = preview_of(client, cast, rows, user="admin")
    messages = [p.message for r in page.context["preview"].rows for p in r.problems if p.column == "NIK"]
    assert "NIK ini sudah terdaftar atas nama Bambang Wijayakusuma di Melati 2." in messages


def test_a_nik_the_card_really_has_is_accepted_once_confirmed_in_its_column(client, cast):
    odd = "6474020703900009"  # the male date for a woman born 7 March 1990
    page, _url = preview_of(client, cast, [siti(NIK=odd)])
    assert "NIK Sesuai KTP" in " ".join(p.message for p in page.context["preview"].rows[0].problems)
    imported(client, cast, [siti(NIK=odd, **{"NIK Sesuai KTP": "Ya"})])
    assert Warga.objects.get(nik=odd).nik_dikonfirmasi


def test_rows_of_another_dasawisma_are_refused(client, cast):
    other_template = build_template(cast.dw2, "Anggrek")
    before = household_rows()
    response = upload(as_kader(client, cast), cast.dw, fill(family(), cast.dw2, other_template))
    page = client.get(response["Location"])
    messages = {p.message for r in page.context["preview"].rows for p in r.problems}
    assert messages == {"Dasawisma baris ini di luar wilayah Anda atau Anda tidak berhak mengisinya."}
    assert page.context["counts"]["galat"] == 3
    client.post(response["Location"])
    assert household_rows() == before


def test_the_admin_is_sent_to_the_page_of_the_other_dasawisma(client, cast):
    response = upload(as_kader(client, cast, "admin"), cast.dw, fill(family(), cast.dw_b))
    page = client.get(response["Location"])
    assert "impor di halaman dasawisma tersebut" in page.content.decode()


def test_the_preview_of_many_rows_is_paged(client, cast):
    rows = [person(f"Warga {i}", datetime.date(2000, 1, 1), "L", nik="123") for i in range(60)]
    page, url = preview_of(client, cast, rows)
    assert page.context["counts"]["galat"] == 60 and len(page.context["page"].object_list) == importer_views_per_page()
    assert "Halaman 1 dari 2" in page.content.decode()
    assert "Baris 61" in client.get(url + "?tampil=masalah&hal=2").content.decode()


def importer_views_per_page():
    from households.views_imports import PER_PAGE

    return PER_PAGE


# -- tokens, expiry, rights ------------------------------------------------------------------------


def test_a_token_is_worthless_to_another_user(client, cast, django_user_model):
    from django.test import Client

    _page, url = preview_of(client, cast, family())
    other = Client()
    other.force_login(cast.users["ketua_dasawisma"])
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    # Even copied into the other user's session, the token stays the uploader's.
    session = other.session
    session["impor_warga"] = dict(client.session["impor_warga"])
    session.save()
    assert other.post(url).status_code == 404
    assert not Warga.objects.filter(nik=NIK_SITI).exists()
    assert client.post(url).status_code == 302  # the uploader still can


def test_an_expired_upload_is_deleted_and_the_user_asked_to_upload_again(client, cast):
    _page, url = preview_of(client, cast, family())
    token = url.rstrip("/").split("/")[-1]
    path = upload_dir() / f"{token}.xlsx"
    old = time.time() - UPLOAD_MAX_AGE_SECONDS - 5
    os.utime(path, (old, old))
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("households:import_upload", kwargs={"unit_pk": cast.dw.pk})
    assert not path.exists() and not Warga.objects.filter(nik=NIK_SITI).exists()
    assert "kedaluwarsa" in client.get(response["Location"]).content.decode()


def test_old_uploads_are_purged(cast):
    token, _digest = store_upload(b"x")
    path = upload_dir() / f"{token}.xlsx"
    assert path.exists() and purge_uploads() == "0 unggahan impor basi dihapus"
    assert purge_uploads(now=time.time() + UPLOAD_MAX_AGE_SECONDS + 1) == "1 unggahan impor basi dihapus"
    assert not path.exists()


def test_rapikan_purges_stale_uploads(cast, capsys):
    token, _digest = store_upload(b"x")
    path = upload_dir() / f"{token}.xlsx"
    old = time.time() - UPLOAD_MAX_AGE_SECONDS - 5
    os.utime(path, (old, old))
    call_command("rapikan")
    assert "unggahan-impor: 1 unggahan impor basi dihapus" in capsys.readouterr().out
    assert not path.exists()


def test_a_changed_file_behind_a_token_is_refused(client, cast):
    _page, url = preview_of(client, cast, family())
    token = url.rstrip("/").split("/")[-1]
    (upload_dir() / f"{token}.xlsx").write_bytes(fill([siti(Nama="Orang Lain")], cast.dw))
    response = client.post(url)
    assert response.status_code == 302 and not Warga.objects.filter(nik=NIK_SITI).exists()


@pytest.mark.parametrize(
    ("user", "status"), [("rt", 403), ("rw", 403), ("kecamatan", 403), ("kota", 403), ("outsider", 404)]
)
def test_only_the_dasawisma_cadres_and_tp_pkk_desa_import(client, cast, user, status):
    client.force_login(cast.users[user])
    kwargs = {"unit_pk": cast.dw.pk}
    assert client.get(reverse("households:import_template", kwargs=kwargs)).status_code == status
    assert client.get(reverse("households:import_upload", kwargs=kwargs)).status_code == status
    assert upload(client, cast.dw, fill(family(), cast.dw)).status_code == status
    assert not stored_uploads() or not Warga.objects.filter(nik=NIK_SITI).exists()


def test_a_cadre_who_lost_the_role_cannot_confirm(client, cast):
    _page, url = preview_of(client, cast, family())
    kader = cast.users["kader"]
    hierarchy_services.role_revoke(actor=cast.admin, assignment=kader.role_assignments.get())
    assert client.post(url).status_code == 404
    assert not Warga.objects.filter(nik=NIK_SITI).exists()


def test_analysis_reads_the_database_in_a_few_queries(cast, django_assert_max_num_queries):
    def dataset(n):
        rows = [
            person(f"Warga {i}", datetime.date(2000, 1, 1 + i % 28), "L", **{"No. KK": f"64740212051{i:05d}"})
            for i in range(n)
        ]
        return read_dataset(fill(rows, cast.dw), "x.xlsx")

    one, many = dataset(1), dataset(40)
    kader = cast.users["kader"]
    analyse(one, actor=kader, dasawisma=cast.dw)  # loads the grants
    with django_assert_max_num_queries(6):
        analyse(one, actor=kader, dasawisma=cast.dw)
    with django_assert_max_num_queries(6):
        analyse(many, actor=kader, dasawisma=cast.dw)


# -- a large file: committed by the background worker --------------------------------------------------


def test_a_large_confirm_is_committed_by_the_worker_with_its_counts(client, cast, monkeypatch):
    monkeypatch.setattr("households.views_imports.BACKGROUND_ROWS", 1)
    _page, url = preview_of(client, cast, family())
    token = url.rstrip("/").split("/")[-1]
    response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert (job.kind, job.status, job.user, job.unit) == ("impor-warga", Status.SIAP, cast.users["kader"], cast.dw)
    assert job.hasil.endswith("warga baru, 0 diperbarui")
    assert Warga.objects.filter(nik=NIK_SITI).exists()
    assert not (upload_dir() / f"{token}.xlsx").exists()  # used: removed
    body = client.get(response["Location"]).content.decode()
    assert "warga baru" in body and reverse("households:rumah_tangga_list", kwargs={"unit_pk": cast.dw.pk}) in body
    assert client.get(url).status_code == 404  # the preview is gone from the session


def test_a_large_confirm_whose_upload_is_gone_saves_nothing_and_says_so(client, cast, monkeypatch):
    monkeypatch.setattr("households.importer.job.stored_rows", lambda token, sha256, decode: None)
    monkeypatch.setattr("households.views_imports.BACKGROUND_ROWS", 1)
    _page, url = preview_of(client, cast, family())
    client.post(url)
    job = Job.objects.get()
    assert (job.status, job.pesan_galat) == (Status.GAGAL, KEDALUWARSA)
    assert not Warga.objects.filter(nik=NIK_SITI).exists()


def test_a_large_confirm_of_rows_that_became_wrong_saves_nothing(client, cast, monkeypatch):
    monkeypatch.setattr("households.views_imports.BACKGROUND_ROWS", 1)
    _page, url = preview_of(client, cast, family())
    real = import_job.commit

    def meanwhile(dataset, **kwargs):  # another cadre's change makes a row wrong before the worker runs
        raise ImportBlocked(None)

    monkeypatch.setattr(import_job, "commit", meanwhile)
    client.post(url)
    job = Job.objects.get()
    assert (job.status, job.pesan_galat) == (Status.GAGAL, import_job.ADA_GALAT)
    assert not Warga.objects.filter(nik=NIK_SITI).exists() and real is not meanwhile
