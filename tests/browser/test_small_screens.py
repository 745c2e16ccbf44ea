"""The cadre in the field on a 360 px phone (issue 12), in a real browser: the mother is found by typing
on the pregnancy and birth forms (static/js/cari-pilihan.js), the completeness table opens at its latest
month (static/js/tabel-geser.js), each with and without JavaScript; and on a 1280 px desktop the recaps
take the whole width while other pages keep their reading width. Every page is checked by axe-core."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Kehamilan
from households.tests import factories as f
from pkkdata import periods
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, base, username):
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def _page_in(browser, args, base, username, **extra):
    """A browser context of its own (without JavaScript, or at another width), logged in."""
    page = browser.new_context(**{**args, **extra}).new_page()
    _log_in(page, base, username)
    return page


@pytest.fixture
def women(cast_live):
    """Four more women of child-bearing age in Melati 1, two of them named Siti Aminah in different
    houses, so that the list of mothers is worth searching."""
    cast = cast_live
    d = datetime.date
    near = f.keluarga(f.rumah_tangga(cast.dw, alamat="Jl. Melati 1 No. 15"))
    far = f.keluarga(f.rumah_tangga(cast.dw, alamat="Gg. Kenanga 3"))
    return {
        "aminah": f.warga(near, "Siti Aminah", d(1990, 3, 1), "P"),
        "rahma": f.warga(near, "Siti Rahma", d(1995, 7, 9), "P"),
        "nur": f.warga(near, "Nur Aini", d(2000, 1, 5), "P"),
        "aminah_kenanga": f.warga(far, "Siti Aminah", d(1984, 11, 30), "P"),
    }


def _options(page):
    return page.locator("#id_ibu option").all_text_contents()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_mother_is_found_by_typing_on_a_phone(live_server, page, browser, browser_context_args, cast_live,
                                                   women, shot):  # fmt: skip
    cast, failures = cast_live, []
    _log_in(page, live_server.url, "kader")
    # From the woman's card (?ibu=): she stays chosen, the search box above the list is empty.
    address = reverse("reports:kehamilan_add", kwargs={"unit_pk": cast.dw.pk})
    page.goto(f"{live_server.url}{address}?ibu={cast.w_rina.pk}")
    search = page.get_by_label("Cari ibu")
    assert search.input_value() == "" and page.locator("#id_ibu").input_value() == str(cast.w_rina.pk)
    assert len(_options(page)) == 6  # the empty choice, Rina and the four
    failures += [f"catat hamil: {v}" for v in serious_violations(page)]
    _no_sideways_scroll(page)
    shot("cari-ibu-awal")

    # Part of a name: the two Siti Aminah and Siti Rahma are left, and Rina, who is chosen.
    search.fill("siti")
    assert sorted(o.split(" — ")[0] for o in _options(page)[1:]) == [
        "Rina Wijayakusuma", "Siti Aminah", "Siti Aminah", "Siti Rahma"]  # fmt: skip
    assert page.locator("#id_ibu").input_value() == str(cast.w_rina.pk)
    assert page.locator("#id_ibu_cari_hasil").text_content() == "3 dari 5 nama cocok: pilih di daftar di bawah."
    # A name and a word of the address, in any order and any case: one left, and she is chosen.
    search.fill("KENANGA aminah")
    assert page.locator("#id_ibu").input_value() == str(women["aminah_kenanga"].pk)
    assert page.locator("#id_ibu_cari_hasil").text_content().startswith("1 nama cocok dan dipilih: Siti Aminah")
    failures += [f"catat hamil, dicari: {v}" for v in serious_violations(page)]
    shot("cari-ibu-satu")
    # Nothing matches: the chosen one stays.
    search.fill("zzz")
    assert page.locator("#id_ibu_cari_hasil").text_content() == "Tidak ada nama yang cocok dengan “zzz”."
    assert page.locator("#id_ibu").input_value() == str(women["aminah_kenanga"].pk)
    # Enter in the box does not send the form.
    search.press("Enter")
    assert page.url.endswith(f"?ibu={cast.w_rina.pk}")
    search.fill("")
    assert len(_options(page)) == 6
    _no_sideways_scroll(page)

    today = timezone.localdate()
    page.fill('[name="tanggal_mulai"]', (today - datetime.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Simpan").first.click()
    page.wait_for_load_state()
    assert Kehamilan.objects.filter(ibu=women["aminah_kenanga"], tanggal_selesai__isnull=True).exists()

    # The birth form has the same box.
    page.goto(live_server.url + reverse("reports:kelahiran_add", kwargs={"unit_pk": cast.dw.pk}))
    page.get_by_label("Cari ibu").fill("rahma")
    assert page.locator("#id_ibu").input_value() == str(women["rahma"].pk)
    failures += [f"catat kelahiran: {v}" for v in serious_violations(page)]
    _no_sideways_scroll(page)
    shot("cari-ibu-kelahiran")

    # Without JavaScript: no box, the plain list of every woman, still preselected from her card.
    plain = _page_in(browser, browser_context_args, live_server.url, "kader", java_script_enabled=False)
    plain.goto(f"{live_server.url}{address}?ibu={cast.w_rina.pk}")
    assert plain.get_by_label("Cari ibu").count() == 0
    assert len(_options(plain)) == 6 and plain.locator("#id_ibu").input_value() == str(cast.w_rina.pk)
    plain.context.close()
    assert not failures, "\n".join(failures)


def test_the_completeness_table_opens_at_its_latest_month_on_a_phone(live_server, page, browser,
                                                                    browser_context_args, cast_live, shot):  # fmt: skip
    cast = cast_live
    today = timezone.localdate()
    latest = periods.month_label(*periods.shift_month(today.year, today.month, -1))
    address = live_server.url + reverse("reports:kelengkapan", args=[cast.kel.pk])
    _log_in(page, live_server.url, "kelurahan")
    page.goto(address)
    box = page.locator(".table-scroll")
    column = page.locator("th[data-mulai]")
    assert column.locator("abbr").get_attribute("title") == latest
    assert box.evaluate("b => b.scrollLeft") > 0
    # The latest month is inside the box, the first month scrolled out of it.
    inside = """([box, cell]) => { const b = box.getBoundingClientRect(), c = cell.getBoundingClientRect();
                                   return c.left >= b.left && c.right <= b.right + 1; }"""
    first_month = page.locator(".completeness thead th").nth(1)
    assert page.evaluate(inside, [box.element_handle(), column.element_handle()])
    assert not page.evaluate(inside, [box.element_handle(), first_month.element_handle()])
    _no_sideways_scroll(page)
    assert serious_violations(page) == []
    shot("kelengkapan-bulan-terakhir")

    # Without JavaScript it opens at its first month, as before.
    plain = _page_in(browser, browser_context_args, live_server.url, "kelurahan", java_script_enabled=False)
    plain.goto(address)
    assert plain.locator(".table-scroll").evaluate("b => b.scrollLeft") == 0
    plain.context.close()


def test_on_a_desktop_the_recaps_take_the_whole_width(live_server, browser, browser_context_args, cast_live):
    cast = cast_live
    desk = _page_in(
        browser, browser_context_args, live_server.url, "kelurahan", viewport={"width": 1280, "height": 800}
    )

    def main_width(address):
        desk.goto(live_server.url + address)
        return desk.locator("main").evaluate("m => m.getBoundingClientRect().width")

    assert main_width(reverse("recaps:rekap_tahunan", args=[cast.kel.pk, timezone.localdate().year])) == 1280
    assert main_width(reverse("reports:kelengkapan", args=[cast.kel.pk])) == 1280
    assert serious_violations(desk) == []
    assert main_width(reverse("home")) == 960  # 60rem: the reading width of every other page
    desk.context.close()
