"""Journey 2 of issue 12: the same household entered with the connection cut before "Simpan". The form
was opened once with a signal (the service worker keeps it); without a signal the page opens again from
the phone with everything typed restored, "Simpan" keeps it on the phone and says so, and when the signal
returns it is sent by itself: exactly one household, even when the phone sends the item a second time
(the form's kirim_id)."""

import pytest
from django.urls import reverse

from households.models import RumahTangga
from households.tests.url_cases_entry import BUDI, SITI, rumah_tangga_post
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import fill_in_steps, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _queue(page):
    return page.evaluate("window.pkkAntrian.items()")


def test_a_household_saved_without_a_signal_is_sent_once_when_it_returns(live_server, page, cast_live, shot):
    context = page.context
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", "kader")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    create = live_server.url + reverse("households:rumah_tangga_create", args=[cast_live.dw.pk])
    page.goto(create)  # through the service worker: the form is kept on the phone
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    data = rumah_tangga_post(BUDI, SITI)
    fill_in_steps(page, data)

    context.set_offline(True)
    page.reload()  # no signal: the kept page, with what was typed
    assert page.locator('[name="anggota-1-nama"]').input_value() == SITI["nama"]
    assert page.locator('[name="rt-alamat"]').input_value() == data["rt-alamat"]
    assert "dipulihkan" in page.locator(".offline-notice").first.inner_text()
    shot("tanpa-sinyal-dipulihkan")
    fill_in_steps(page, {})  # the page opens again on its first step
    page.get_by_role("button", name="Simpan rumah tangga").click()
    notice = page.locator(".offline-notice").first
    assert "tersimpan di HP, akan dikirim saat ada sinyal" in notice.inner_text()
    assert [item["status"] for item in _queue(page)] == ["menunggu"]
    assert page.locator("#antrian-link").inner_text() == "Antrian HP (1)"
    assert not RumahTangga.objects.filter(alamat=data["rt-alamat"]).exists()
    shot("tersimpan-di-hp")

    context.set_offline(False)  # the signal returns: the queue goes by itself
    page.wait_for_function("window.pkkAntrian.items().every(i => i.status === 'tersimpan')", timeout=15000)
    assert RumahTangga.objects.filter(alamat=data["rt-alamat"]).count() == 1
    household = RumahTangga.objects.get(alamat=data["rt-alamat"])
    assert household.keluarga.get().anggota.count() == 2

    # The phone lost the answer and sends the item again: still one household.
    page.evaluate("window.pkkAntrian.write(window.pkkAntrian.items().map(i => Object.assign(i, {status: 'menunggu'})))")
    page.evaluate("window.pkkAntrian.send()")
    page.wait_for_function("window.pkkAntrian.items().every(i => i.status === 'tersimpan')", timeout=15000)
    assert RumahTangga.objects.filter(alamat=data["rt-alamat"]).count() == 1

    page.goto(live_server.url + reverse("antrian"))
    item = page.locator(".antrian-item").first
    assert item.get_attribute("data-status") == "tersimpan"
    assert serious_violations(page) == []
    shot("antrian")
