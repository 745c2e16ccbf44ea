"""The new-household page in steps (issue 12, static/js/households-entry.js), at 360 px: one form and one
POST shown a step at a time. A page back from the server opens on the step of its first message and the
error summary's links open the step of their field; a member row added on the phone outlives a reload
(offline.js's draft)."""

import pytest

from households.models import RumahTangga
from households.tests.url_cases_entry import BUDI, SITI, rumah_tangga_post, warga_post
from tests.browser.helpers import fill, fill_in_steps, open_new_household, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_step_is_short_and_shows_where_it_stands(live_server, page, cast_live, shot):
    open_new_household(page, live_server, cast_live)
    count, title = page.locator(".step-count"), page.locator(".step-title")
    assert count.inner_text() == "Langkah 1 dari 7" and title.inner_text() == "Rumah tangga"
    assert not page.get_by_role("button", name="Kembali").is_visible()
    assert not page.get_by_role("button", name="Simpan rumah tangga").is_visible()
    data = rumah_tangga_post(BUDI, SITI)
    titles, failures = [], []
    for number in range(1, 8):
        failures += [f"langkah {number}: {v}" for v in serious_violations(page)]
        shot(f"langkah-{number}")
        # One step is at most a few screens of a phone, not the whole page.
        assert page.evaluate("document.documentElement.scrollHeight") < 740 * 4
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        fill(page, data)
        titles.append(title.inner_text())  # a member's name joins the title as it is typed
        if number < 7:
            page.get_by_role("button", name="Lanjut ›").click()
    assert titles == [
        "Rumah tangga", "Data Keluarga (butir 12–20)", "Kartu Keluarga",
        "Anggota 1: Budi Santoso · data diri (butir 1–11)",
        "Anggota 1: Budi Santoso · pendidikan & kegiatan (butir 12–20)",
        "Anggota 2: Siti Rahmawati · data diri (butir 1–11)",
        "Anggota 2: Siti Rahmawati · pendidikan & kegiatan (butir 12–20)",
    ]  # fmt: skip
    assert failures == []
    page.get_by_role("button", name="Kembali").click()
    assert count.inner_text() == "Langkah 6 dari 7"
    assert page.evaluate("document.activeElement.className") == "step-title"  # a screen reader hears where


def test_a_page_back_with_messages_opens_on_the_step_of_the_first_one(live_server, page, cast_live, shot):
    open_new_household(page, live_server, cast_live)
    data = rumah_tangga_post(BUDI, SITI | {"nama": "", "pendidikan": ""})
    fill_in_steps(page, data)
    page.get_by_role("button", name="Simpan rumah tangga").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    # Siti's name (step 6) is the first message: the page opens there, not on the first step.
    assert page.locator(".step-count").inner_text() == "Langkah 6 dari 7"
    assert page.locator('[name="anggota-1-nama"]').is_visible()
    assert serious_violations(page) == []
    shot("kembali-dengan-pesan")
    # The summary's link to the other message (Pendidikan, step 7) opens its step and goes to it.
    page.locator(".error-summary a", has_text="Pendidikan").click()
    assert page.locator(".step-count").inner_text() == "Langkah 7 dari 7"
    assert page.locator('[name="anggota-1-pendidikan"]').is_visible()
    fill(page, {"anggota-1-pendidikan": "sma"})
    page.get_by_role("button", name="Kembali").click()
    fill(page, {"anggota-1-nama": SITI["nama"]})
    page.get_by_role("button", name="Lanjut ›").click()
    page.get_by_role("button", name="Simpan rumah tangga").click()
    page.wait_for_load_state()
    assert RumahTangga.objects.get(alamat=data["rt-alamat"]).keluarga.get().anggota.count() == 2


def test_a_member_row_added_on_the_phone_is_kept_in_its_draft(live_server, page, cast_live):
    open_new_household(page, live_server, cast_live)
    requests = []
    page.on("request", lambda r: requests.append(r.method))
    fill_in_steps(page, rumah_tangga_post(BUDI, SITI))
    page.get_by_role("button", name="+ Tambah baris anggota").click()
    assert "POST" not in requests  # the row came from the page's own empty row
    assert page.locator('[name="anggota-TOTAL_FORMS"]').input_value() == "3"
    assert page.locator(".step-title").inner_text() == "Anggota 3 · data diri (butir 1–11)"
    assert page.evaluate("document.activeElement.className") == "step-title"
    anak = warga_post("anggota-2-", nama="Dewi Santoso", jenis_kelamin="P", tanggal_lahir="2015-06-01")
    fill_in_steps(page, anak)
    page.reload()  # the phone's draft (offline.js) has three rows: the page makes the third again
    page.wait_for_load_state()
    assert page.locator('[name="anggota-TOTAL_FORMS"]').input_value() == "3"
    assert page.locator('[name="anggota-2-nama"]').input_value() == "Dewi Santoso"
    assert page.locator(".step-count").inner_text() == "Langkah 1 dari 9"


def test_without_javascript_the_page_is_one_form(live_server, browser, cast_live):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    open_new_household(page, live_server, cast_live)
    assert page.locator(".step-status").count() == 0
    for name in ("rt-alamat", "rt-punya_jamban", "kk-no_kk", "anggota-0-nik", "anggota-1-pendidikan"):
        assert page.locator(f'[name="{name}"]').first.is_visible()
    page.get_by_role("button", name="+ Tambah baris anggota").click()  # the round trip of before
    page.wait_for_load_state()
    assert page.locator('[name="anggota-TOTAL_FORMS"]').input_value() == "3"
    context.close()
