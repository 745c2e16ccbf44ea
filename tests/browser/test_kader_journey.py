"""Journey 1 of issue 12, in a real browser at 360 px: a kader logs in through the form, adds a household
with three members in the page's steps (the third row added on the page, without a round trip), records a
pregnancy from the woman's card and then the birth, and every page she passes has no serious or critical
accessibility violation (axe-core)."""

import datetime

import pytest
from django.utils import timezone

from households.models import Kehamilan, Kelahiran, RumahTangga
from households.tests.url_cases_entry import BUDI, SITI, rumah_tangga_post, warga_post
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import fill, fill_in_steps, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

ANAK = {
    "nama": "Dewi Santoso", "jenis_kelamin": "P", "tempat_lahir": "Bontang", "tanggal_lahir": "2015-06-01",
    "status_perkawinan": "lajang", "status_dalam_keluarga": "anak", "agama": "islam", "pendidikan": "sd",
    "pekerjaan": "pelajar",
}  # fmt: skip


def _checked(page, where, failures):
    failures.extend(f"{where}: {v}" for v in serious_violations(page))


def test_a_kader_adds_a_household_and_records_a_pregnancy_and_a_birth(live_server, page, cast_live, shot):
    cast, failures = cast_live, []
    page.goto(f"{live_server.url}/masuk/")
    _checked(page, "masuk", failures)
    page.fill("#id_username", "kader")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    _checked(page, "beranda", failures)
    shot("beranda")

    # From the home page to the dasawisma's households, then "a new household".
    page.get_by_role("link", name=f"Buka {cast.dw.name}").click()
    page.get_by_role("link", name="Rumah tangga").first.click()
    page.get_by_role("link", name="+ Rumah tangga", exact=True).click()
    page.wait_for_load_state()
    _checked(page, "rumah tangga baru", failures)
    data = rumah_tangga_post(BUDI, SITI)
    assert fill_in_steps(page, data) == 7  # rumah tangga, Data Keluarga, KK, two members in two steps each
    page.get_by_role("button", name="+ Tambah baris anggota").click()  # the third row, on the page
    assert page.locator(".step-count").inner_text() == "Langkah 8 dari 9"
    assert page.locator('[name="anggota-1-nama"]').input_value() == SITI["nama"]  # nothing typed is lost
    fill_in_steps(page, warga_post("anggota-2-", **ANAK))
    _checked(page, "anggota ketiga", failures)
    shot("tiga-anggota")
    page.get_by_role("button", name="Simpan rumah tangga").click()
    page.wait_for_load_state()
    household = RumahTangga.objects.get(alamat=data["rt-alamat"])
    assert household.keluarga.get().anggota.count() == 3
    assert page.url.endswith(f"/rumah-tangga/{household.pk}/")
    _checked(page, "rumah tangga", failures)
    shot("rumah-tangga")

    # The pregnancy, from Siti's card.
    siti = household.keluarga.get().anggota.get(nama=SITI["nama"])
    page.locator(f"#warga-{siti.pk}").get_by_role("link", name="Catat hamil").click()
    page.wait_for_load_state()
    _checked(page, "catat hamil", failures)
    today = timezone.localdate()
    page.fill('[name="tanggal_mulai"]', (today - datetime.timedelta(days=200)).isoformat())
    page.fill('[name="perkiraan_lahir"]', (today + datetime.timedelta(days=60)).isoformat())
    shot("catat-hamil")
    page.get_by_role("button", name="Simpan").first.click()
    page.wait_for_load_state()
    assert Kehamilan.objects.filter(ibu=siti, tanggal_selesai__isnull=True).exists()

    # The birth, from her card again: the form opens with her chosen.
    page.goto(f"{live_server.url}/rumah-tangga/{household.pk}/")
    page.locator(f"#warga-{siti.pk}").get_by_role("link", name="Catat kelahiran").click()
    page.wait_for_load_state()
    _checked(page, "catat kelahiran", failures)
    assert page.locator('[name="ibu"]').input_value() == str(siti.pk)
    page.fill('[name="tanggal"]', (today - datetime.timedelta(days=1)).isoformat())
    fill(page, {"bayi_nama": "Bayi Ny. Siti", "bayi_jenis_kelamin": "L", "bayi_akte": "0"})
    shot("catat-kelahiran")
    page.get_by_role("button", name="Simpan").first.click()
    page.wait_for_load_state()
    birth = Kelahiran.objects.get(ibu=siti)
    assert birth.bayi.nama == "Bayi Ny. Siti" and birth.kehamilan is not None
    assert Kehamilan.objects.get(ibu=siti).tanggal_selesai == birth.tanggal
    shot("sesudah-kelahiran")
    assert failures == []
