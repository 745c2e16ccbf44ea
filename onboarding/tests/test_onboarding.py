"""A kelurahan's groups and cadres from one workbook: the preview, the confirm through the services, the
handover with one-time passwords, idempotent re-uploads, and every bad row refused with its row and
column while nothing is written."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from hierarchy.levels import Level, Role
from hierarchy.models import RoleAssignment, Unit, User
from onboarding.sheet import build_template

ROWS = [
    # Dusun, RW, RT, Kode DW, Nama DW, Nama, HP, Peran, Nama pengguna
    ["", "01", "1", "DW01", "Melati 1", "Sri Wahyuni", "0812 1111 2222", "Kader", ""],  # existing dasawisma
    ["", "1", "003", "", "Kenanga", "Dewi Lestari", "081211113333", "Ketua Dasawisma", ""],  # new RT and dasawisma
    ["", "01", "rt 3", "", "Kenanga", "Rina Marlina", "+6281211114444", "kader dw", "rina.m"],
    ["", "01", "003", "", "", "Yuliana Sari", "81211115555", "Ketua RT", ""],  # a number cell lost its 0
    ["", "", "", "", "", "Ani Suryani", "081211116666", "Sekretaris TP PKK", ""],
    ["", "", "2", "", "Cempaka", "", "", "", ""],  # a group without anyone yet, under RT 002 (no RW)
]


def _file(rows=ROWS, name="kelompok.xlsx"):
    return SimpleUploadedFile(name, build_template("Berbas Tengah", rows))


def _upload(client, cast, rows=ROWS, who="kecamatan"):
    client.force_login(cast.users[who])
    response = client.post(reverse("onboarding:upload", args=[cast.kel.pk]), {"berkas": _file(rows)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _counts(body):
    return {k: int(v) for k, v in re.findall(r'data-stat="([a-z-]+)">(\d+)<', body)}


def _snapshot():
    return (Unit.objects.count(), User.objects.count(), RoleAssignment.objects.count())


def test_preview_then_confirm_creates_groups_accounts_and_roles(client, cast):
    preview = _upload(client, cast)
    body = client.get(preview).content.decode()
    assert _counts(body) == {"kelompok-baru": 3, "kelompok-ada": 4, "akun-baru": 5, "akun-ada": 0, "peran-baru": 5}
    assert "Tidak ada yang dapat disimpan" not in body
    before = _snapshot()
    assert before == _snapshot()  # the preview wrote nothing

    response = client.post(preview)
    assert response.status_code == 200
    page = response.content.decode()
    assert _counts(page) == {"kelompok-baru": 3, "akun-baru": 5, "peran-baru": 5}
    rt3 = Unit.objects.get(level=Level.RT, parent=cast.rw, code="003")
    kenanga = Unit.objects.get(level=Level.DASAWISMA, parent=rt3)
    assert (kenanga.code, kenanga.name) == ("DW01", "Kenanga")
    cempaka = Unit.objects.get(level=Level.DASAWISMA, parent=cast.rt_b, name="Cempaka")
    assert cempaka.code == "DW01"  # the first code free under RT 002 (Mawar is DW03)
    sri = User.objects.get(phone="081211112222")
    assert sri.username == "sri.wahyuni" and sri.must_change_password and sri.home_unit == cast.dw
    assert RoleAssignment.objects.filter(user=sri, role=Role.KADER, unit=cast.dw).exists()
    assert User.objects.get(username="rina.m").phone == "+6281211114444"
    assert User.objects.get(phone="081211115555").role_assignments.get().unit == rt3
    assert RoleAssignment.objects.filter(
        role=Role.TP_DESA_ADMIN, unit=cast.kel, user__first_name="Ani Suryani"
    ).exists()
    # The handover: five slips, each with its WhatsApp link and its one-time password.
    passwords = re.findall(r'Kata sandi sekali pakai: <span class="secret nowrap">([a-z0-9-]+)</span>', page)
    assert len(passwords) == 5 and len(set(passwords)) == 5
    assert page.count("https://wa.me/62812111") == 5
    # The new kader logs in with hers and must choose her own first.
    client.logout()
    password = re.search(
        r"sri\.wahyuni</span><br>\s*Kata sandi sekali pakai: <span class=\"secret nowrap\">([a-z0-9-]+)<", page
    )[1]
    assert client.post(reverse("login"), {"username": "sri.wahyuni", "password": password}).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_uploading_the_same_file_again_creates_nothing_twice(client, cast):
    client.post(_upload(client, cast))
    after_first = _snapshot()
    preview = _upload(client, cast)
    body = client.get(preview).content.decode()
    assert _counts(body) == {"kelompok-baru": 0, "kelompok-ada": 7, "akun-baru": 0, "akun-ada": 5, "peran-baru": 0}
    response = client.post(preview)
    assert response.status_code == 200 and "Tidak ada akun baru" in response.content.decode()
    assert _snapshot() == after_first
    # The answer of a confirm is not shown twice: the preview is gone.
    assert client.post(preview).status_code == 404


def test_a_second_role_of_one_person_is_one_account(client, cast):
    rows = [
        ["", "01", "001", "DW01", "Melati 1", "Sri Wahyuni", "081211112222", "Ketua Dasawisma", ""],
        ["", "01", "001", "", "", "Sri  wahyuni", "0812-1111-2222", "Ketua RT", ""],
    ]
    client.post(_upload(client, cast, rows))
    sri = User.objects.get(phone="081211112222")
    assert {(ra.role, ra.unit_id) for ra in sri.role_assignments.all()} == {
        (Role.KETUA_DASAWISMA, cast.dw.pk),
        (Role.KETUA_RT, cast.rt.pk),
    }


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["", "01", "001", "DW01", "Melati 1", "Sri", "081211112222", "Bendahara", ""], "Peran", "tidak dikenal"),
        (
            ["", "01", "001", "DW01", "Melati 1", "Sri", "081211112222", "TP PKK Kecamatan", ""],
            "Peran",
            "di atas kewenangan",
        ),
        (["", "01", "001", "", "", "Sri", "081211112222", "Kader", ""], "Peran", "perlu Dasawisma"),
        (["", "01", "", "", "Melati 9", "Sri", "081211112222", "Kader", ""], "RT", "RT wajib diisi"),
        (["", "01", "001", "DW01", "Melati 1", "Sri", "12345", "Kader", ""], "No. HP/WA", "Nomor HP tidak sah"),
        (["", "01", "001", "DW01", "Melati 1", "", "081211112222", "Kader", ""], "Nama Lengkap", "wajib"),
        (["", "01", "001", "DW01", "Melati 1", "Sri", "081211112222", "", ""], "Peran", "wajib"),
        (["", "01", "001", "DW01", "Melati 1", "Sri", "081211112222", "Kader", "Sri!"], "Nama Pengguna", "huruf kecil"),
        (["", "01", "001", "DW01", "Melati 1", "Sri", "", "Kader", "kader"], "Nama Pengguna", "sudah dipakai"),
        (["", "01", "001", "DW07", "", "Sri", "081211112222", "Kader", ""], "Nama Dasawisma", "wajib diisi"),
        (["", "01", "00/1", "", "", "Sri", "081211112222", "Ketua RT", ""], "RT", "Kode hanya"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(client, cast, row, column, message):
    good = ["", "01", "003", "", "Kenanga", "Dewi Lestari", "081211113333", "Ketua Dasawisma", ""]
    preview = _upload(client, cast, [good, row], who="kelurahan")
    body = client.get(preview).content.decode()
    found = re.findall(r"<strong>Baris (\d+), kolom “([^”]+)”</strong>: ([^<]+)</li>", body)
    assert [(r, c) for r, c, _m in found] == [("3", column)], found
    assert message in found[0][2]
    assert "disabled" in body
    before = _snapshot()
    response = client.post(preview)
    assert response.status_code == 200 and "Tidak ada yang disimpan" in response.content.decode()
    assert _snapshot() == before


def test_people_who_clash_with_each_other_or_with_accounts_elsewhere(client, cast):
    outsider = cast.users["outsider"]
    outsider.phone = "081299990000"
    outsider.save()
    rows = [
        ["", "01", "001", "DW01", "Melati 1", "Sri Wahyuni", "081211112222", "Kader", ""],
        ["", "01", "001", "DW02", "Melati 2", "Tuti Handayani", "0812 1111 2222", "Kader", ""],  # her number
        ["", "01", "001", "DW02", "Melati 2", "Outsider", "081299990000", "Kader", ""],  # another kelurahan's account
        ["", "01", "001", "DW02", "Melati 2", "Lina", "081211117777", "Kader", "rina.x"],
        ["", "01", "001", "DW02", "Melati 2", "Wati", "081211118888", "Kader", "rina.x"],  # username twice
    ]
    body = client.get(_upload(client, cast, rows)).content.decode()
    found = re.findall(r"<strong>Baris (\d+), kolom “([^”]+)”</strong>: ([^<]+)</li>", body)
    assert [(r, c) for r, c, _m in found] == [("3", "No. HP/WA"), ("4", "No. HP/WA"), ("6", "Nama Pengguna")]
    assert "baris 2" in found[0][2] and "di luar kewenangan" in found[1][2]


def test_who_may_onboard_a_kelurahan(client, cast):
    url = reverse("onboarding:upload", args=[cast.kel.pk])
    for who, status in [
        ("kelurahan", 200),
        ("kecamatan", 200),
        ("kota", 200),
        ("rt", 404),
        ("kader", 404),
        ("outsider", 404),
    ]:
        client.force_login(cast.users[who])
        assert client.get(url).status_code == status, who
    client.force_login(cast.users["kelurahan"])
    assert client.get(reverse("onboarding:upload", args=[cast.rt.pk])).status_code == 404  # a kelurahan only
    # Another user's preview is not found.
    preview = _upload(client, cast, who="kelurahan")
    client.force_login(cast.users["sekretaris"])
    assert client.get(preview).status_code == 404


def test_headers_are_recognised_tolerantly(client, cast):
    book = Workbook()
    sheet = book.active
    sheet.append(["NO RT", "nama dw", "Nama", "No HP", "Jabatan", "no. rw"])
    sheet.append(["1", "Melati 1", "Sri Wahyuni", "081211112222", "Kader", "1"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("onboarding:upload", args=[cast.kel.pk]), {"berkas": SimpleUploadedFile("daftar.xlsx", out.getvalue())}
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert _counts(body)["akun-baru"] == 1 and _counts(body)["kelompok-baru"] == 0


def test_a_file_that_is_not_the_sheet_is_refused_on_the_form(client, cast):
    book = Workbook()
    book.active.append(["Nama", "Alamat"])
    book.active.append(["Sri", "Jl. Melati"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("onboarding:upload", args=[cast.kel.pk]), {"berkas": SimpleUploadedFile("x.xlsx", out.getvalue())}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "kolom yang tidak ada" in body and "“RT”" in body
    response = client.post(
        reverse("onboarding:upload", args=[cast.kel.pk]), {"berkas": SimpleUploadedFile("x.csv", b"a,b")}
    )
    assert "Hanya berkas Excel .xlsx" in response.content.decode()


def test_the_template_downloads_and_reads_back_empty(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(reverse("onboarding:template", args=[cast.kel.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.post(
        reverse("onboarding:upload", args=[cast.kel.pk]), {"berkas": SimpleUploadedFile("t.xlsx", response.content)}
    )
    assert "Berkas kosong" in response.content.decode()


def test_an_existing_code_with_another_name_is_that_group_and_says_so(client, cast):
    rows = [
        ["", "01", "001", "DW01", "Anggrek", "Sri Wahyuni", "081211112222", "Ketua Dasawisma", ""],
        ["", "01", "001", "DW01", "Anggrek", "Tuti Handayani", "081211113333", "Kader", ""],
    ]
    body = client.get(_upload(client, cast, rows, who="kelurahan")).content.decode()
    assert _counts(body)["kelompok-baru"] == 0 and "disabled" not in body
    assert "sudah ada dengan nama Melati 1" in body
    client.post(_upload(client, cast, rows, who="kelurahan"))
    assert RoleAssignment.objects.filter(unit=cast.dw, role=Role.KADER, user__first_name="Tuti Handayani").exists()
    cast.dw.refresh_from_db()
    assert cast.dw.name == "Melati 1"


def test_an_inactive_existing_account_is_named(client, cast):
    kader = cast.users["kader"]
    kader.phone, kader.is_active = "081211119999", False
    kader.save()
    rows = [["", "01", "001", "DW02", "Melati 2", kader.first_name, "081211119999", "Kader", ""]]
    body = client.get(_upload(client, cast, rows, who="kelurahan")).content.decode()
    assert _counts(body)["akun-ada"] == 1 and "nonaktif" in body and "disabled" not in body
