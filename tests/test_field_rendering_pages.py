"""The site's field rendering on real pages bound with wrong data (pkkdata.forms.FormRenderer,
templates/partials/field.html): every aria-describedby and aria-labelledby names an element of the
page, and a field's messages and help text are those elements. A households entry page, two vital
events forms and the account form."""

import pytest
from django.test import override_settings
from django.urls import reverse

from hierarchy.levels import Role
from households.tests.url_cases_entry import BUDI, SITI, rumah_tangga_post
from pkkdata.tests.test_field_rendering import Page

# The renderer of settings.FORM_RENDERER, set here too so that the test does not depend on it.
pytestmark = pytest.mark.usefixtures("_site_renderer")


@pytest.fixture
def _site_renderer():
    with override_settings(FORM_RENDERER="pkkdata.forms.FormRenderer"):
        yield


def page_of(response):
    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.described(), "no field is described on this page"
    return page


def test_household_entry_page(client, cast):
    client.force_login(cast.users["kader"])
    data = rumah_tangga_post(BUDI | {"nik": "64740214028"}, SITI, kriteria_rumah="")
    page = page_of(client.post(reverse("households:rumah_tangga_create", args=[cast.dw.pk]), data))
    page.assert_described("anggota-0-nik", error="NIK harus tepat 16 angka.", help_text="16 angka, seperti tertulis")
    page.assert_described("anggota-1-nik", help_text="16 angka, seperti tertulis")
    page.assert_described("kk-no_kk", help_text="16 angka, seperti tertulis di Kartu Keluarga.")
    _, ids = page.field("rt-kriteria_rumah")  # radios: their group carries the description
    assert ids == ["id_rt-kriteria_rumah_error"] and page.text(ids[0]) == "Pilih salah satu."


def test_event_forms(client, cast):
    client.force_login(cast.users["kader"])
    page = page_of(client.post(reverse("reports:kehamilan_add", args=[cast.dw.pk]), {}))
    page.assert_described("ibu", error="Pilih nama dari daftar.", help_text="berusia 10 sampai 55 tahun")
    page.assert_described("perkiraan_lahir", help_text="Boleh dikosongkan bila belum diketahui.")

    page = page_of(client.post(reverse("reports:kelahiran_add", args=[cast.dw.pk]), {"bayi_nik": "123"}))
    page.assert_described("bayi_nik", error="NIK harus tepat 16 angka.", help_text="Boleh dikosongkan bila belum ada.")
    _, ids = page.field("bayi_jenis_kelamin")
    assert ids == ["id_bayi_jenis_kelamin_error"] and page.text(ids[0]) == "Pilih jenis kelamin bayi."


def test_account_form(client, cast):
    client.force_login(cast.users["kelurahan"])
    data = {"username": "kader", "first_name": "Rina", "phone": "12345", "role": Role.KADER}
    response = client.post(reverse("hierarchy:account_create", args=[cast.dw_b.pk]), data)
    page = page_of(response)
    page.assert_described("phone", error="Nomor HP tidak sah", help_text="Contoh: 081234567890")
    page.assert_described("username", error="Nama pengguna ini sudah dipakai.")
    page = page_of(client.get(reverse("hierarchy:account_password", args=[cast.users["kader"].pk])))
    help_list = page.by_id["id_password1_helptext"]
    assert any(e["tag"] == "ul" for e in page.elements[page.elements.index(help_list) :][:3])  # HTML help stays HTML
