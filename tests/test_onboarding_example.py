"""The example onboarding workbook of docs/examples, as the README's "Memulai untuk TP PKK" walks it: a
TP PKK kota account puts a new kelurahan of Kota Bontang with its groups and cadres into an otherwise
empty tree, and every new person logs in with the one-time password of the handover page and is made to
choose her own."""

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo.onboarding import example_rows
from hierarchy import services
from hierarchy.levels import Level, Role
from hierarchy.models import RoleAssignment, Unit, User
from onboarding.plan import text
from onboarding.sheet import HEADERS, read_sheet

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "kelompok-kader-contoh.xlsx"


def test_the_committed_example_is_what_the_generator_writes():
    dataset = read_sheet(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert list(dataset.headers) == HEADERS
    assert [[text(v) for v in row] for row in dataset] == [[text(v) for v in row] for row in example_rows()]


def test_a_kota_puts_a_new_kelurahan_on_board_and_its_cadres_log_in(client, db):
    admin = User.objects.create_superuser("admin", "admin@example.invalid", None)
    prov = Unit.objects.create(level=Level.PROVINSI, code="64", name="Kalimantan Timur")
    kota = Unit.objects.create(level=Level.KABKOTA, code="64.74", name="Kota Bontang", parent=prov)
    kec = Unit.objects.create(level=Level.KECAMATAN, code="64.74.01", name="Bontang Utara", parent=kota)
    desa = Unit.objects.create(level=Level.DESA, code="64.74.01.1001", name="Bontang Kuala", parent=kec)
    staff = User.objects.create_user("tp-kota", first_name="Staf TP PKK Kota", home_unit=kota)
    services.role_grant(actor=admin, user=staff, role=Role.TP_KABKOTA, unit=kota)

    client.force_login(staff)
    response = client.post(
        reverse("onboarding:upload", args=[desa.pk]),
        {"berkas": SimpleUploadedFile(EXAMPLE.name, EXAMPLE.read_bytes())},
    )
    assert response.status_code == 302
    preview = response["Location"]
    body = client.get(preview).content.decode()
    counts = {k: int(v) for k, v in re.findall(r'data-stat="([a-z-]+)">(\d+)<', body)}
    assert counts == {"kelompok-baru": 26, "kelompok-ada": 0, "akun-baru": 46, "akun-ada": 0, "peran-baru": 46}
    page = client.post(preview).content.decode()

    below = Unit.objects.filter(desa=desa).exclude(pk=desa.pk)
    assert {lv: below.filter(level=lv).count() for lv in (Level.RW, Level.RT, Level.DASAWISMA)} == {
        Level.RW: 2,
        Level.RT: 6,
        Level.DASAWISMA: 18,
    }
    assert RoleAssignment.objects.filter(unit__desa=desa).count() == 46
    assert RoleAssignment.objects.filter(unit=desa, role=Role.TP_DESA_KETUA).count() == 1
    # Every slip logs in once, and is sent to choose a password.
    slips = re.findall(
        r"Nama pengguna: <span class=\"secret\">([a-z0-9.]+)</span><br>\s*"
        r"Kata sandi sekali pakai: <span class=\"secret nowrap\">([a-z0-9-]+)</span>",
        page,
    )
    assert len(slips) == 46
    client.logout()
    for username, password in slips[:3] + slips[-3:]:
        assert client.post(reverse("login"), {"username": username, "password": password}).status_code == 302
        assert client.get(reverse("home"))["Location"] == reverse("password_change")
        client.logout()
    # The new TP PKK kelurahan now manages her own kelurahan: she could upload the next sheet herself.
    ketua = RoleAssignment.objects.get(unit=desa, role=Role.TP_DESA_KETUA).user
    ketua.must_change_password = False
    ketua.save()
    client.force_login(ketua)
    assert client.get(reverse("onboarding:upload", args=[desa.pk])).status_code == 200
