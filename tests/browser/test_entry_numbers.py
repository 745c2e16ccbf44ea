"""NIK and No. KK checked as they are typed (static/js/households-nomor.js), by the rules of
households/validation.py: the page's verdict on a table of numbers is validation.py's, message for message
(the kinds that refuse a value; the kecamatan warning is the server's alone), and the message shows under
the field, named by its aria-describedby, with aria-invalid."""

import datetime

import pytest

from households import forms, validation
from households.tests.url_cases_entry import NIK_BUDI, NIK_SITI, NO_KK
from tests.browser.helpers import open_new_household, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

# (NIK, tanggal lahir, jenis kelamin): good numbers, and one of each problem, alone and together.
NIK_CASES = [
    (NIK_SITI, "1990-03-07", "P"), (NIK_SITI, "", ""), (NIK_SITI, "1990-03-07", "L"), (NIK_BUDI, "1983-02-14", "L"),
    (NIK_BUDI, "1983-02-14", "P"), (NIK_BUDI, "1983-02-15", "L"), (NIK_BUDI, "2083-02-14", ""),
    (NIK_BUDI, "1983-03-14", "P"), ("", "", ""), ("123", "", ""), ("64740214028370ab", "", ""),
    ("64740214028370021", "", ""), ("６４７４０２１４０２８３７００２", "", ""), ("6474 0214 0283 7002", "", ""),
    ("9999021402837002", "1983-02-14", "L"), ("9999021402837002", "1983-02-14", "P"), ("6474029913907001", "", "P"),
    ("6474020013907001", "", ""), ("6474024713907001", "", "P"), ("6474027102007001", "2000-02-01", "P"),
    ("6474026902007001", "2000-02-29", "P"), ("6474023102007001", "2000-01-31", "L"), ("6474990101017001", "", ""),
    ("1101014101017001", "2001-01-01", "P"), ("0000000000000000", "", ""),
]  # fmt: skip
NO_KK_CASES = [
    NO_KK, "6474023207187001", "6474021513187001", "6474020007187001", "9999021507187001", "9999023207187001",
    "6474021507", "", "647402150718700x", "6474991507187001", "1101010101010001",
]  # fmt: skip


def _refusing(problems):
    return [[p.kind, p.message] for p in problems if p.kind != validation.WARNING]


def test_the_page_judges_every_number_as_validation_py_does(live_server, page, cast_live):
    open_new_household(page, live_server, cast_live)
    for nik, born, sex in NIK_CASES:
        server = _refusing(
            validation.check_nik(
                forms.digits_only(nik),
                tanggal_lahir=datetime.date.fromisoformat(born) if born else None,
                jenis_kelamin=sex or None,
            )
        )
        page_says = page.evaluate(
            "([n, b, s]) => pkkNomor.nik(pkkNomor.digitsOnly(n), b, s).map(p => [p.kind, p.message])", [nik, born, sex]
        )
        assert page_says == server, (nik, born, sex)
    for no_kk in NO_KK_CASES:
        server = _refusing(validation.check_no_kk(forms.digits_only(no_kk)))
        page_says = page.evaluate("n => pkkNomor.noKk(pkkNomor.digitsOnly(n)).map(p => [p.kind, p.message])", no_kk)
        assert page_says == server, no_kk
    # The table reaches every rule that refuses: each message of validation.py appears at least once.
    seen = {message.split(" (")[0][:30] for *_, message in _all_messages()}
    assert len(seen) == 8  # format, area and date of both; the NIK's sex and birth date


def _all_messages():
    for nik, born, sex in NIK_CASES:
        date = datetime.date.fromisoformat(born) if born else None
        yield from _refusing(
            validation.check_nik(forms.digits_only(nik), tanggal_lahir=date, jenis_kelamin=sex or None)
        )
    for no_kk in NO_KK_CASES:
        yield from _refusing(validation.check_no_kk(forms.digits_only(no_kk)))


def test_a_number_is_judged_under_its_field_as_it_is_typed(live_server, page, cast_live, shot):
    open_new_household(page, live_server, cast_live)
    page.get_by_role("button", name="Lanjut ›").click()
    page.get_by_role("button", name="Lanjut ›").click()
    no_kk = page.locator('[name="kk-no_kk"]')
    check = page.locator("#id_kk-no_kk_check")
    no_kk.press_sequentially("64740215")
    assert check.count() == 0 or check.inner_text() == ""  # half typed: no message yet
    no_kk.blur()  # leaving the field judges it
    assert check.inner_text() == "No. KK harus tepat 16 angka."
    assert no_kk.get_attribute("aria-invalid") == "true"
    assert "id_kk-no_kk_check" in no_kk.get_attribute("aria-describedby").split()
    assert serious_violations(page) == []
    shot("no-kk-salah")
    no_kk.press("End")
    no_kk.press_sequentially("13187001")  # 16 digits: judged at once, the month (13) now
    assert check.inner_text() == "Bagian tanggal terbit pada No. KK (angka ke-7 sampai ke-12) tidak sah."
    no_kk.fill("")
    no_kk.press_sequentially("6474 0215 0718 7001")  # as printed on the card
    assert check.inner_text() == "" and no_kk.get_attribute("aria-invalid") is None

    # A member's NIK against the sex and the birth date typed in the same row.
    page.get_by_role("button", name="Lanjut ›").click()
    nik = page.locator('[name="anggota-0-nik"]')
    nik.press_sequentially(NIK_SITI)  # a woman's NIK
    assert page.locator("#id_anggota-0-nik_check").inner_text() == ""
    page.locator('[name="anggota-0-jenis_kelamin"][value="L"]').check()
    message = "NIK tidak cocok dengan jenis kelamin: untuk perempuan, tanggal lahir pada NIK ditambah 40."
    assert page.locator("#id_anggota-0-nik_check").inner_text() == message
    page.locator('[name="anggota-0-jenis_kelamin"][value="P"]').check()
    page.fill('[name="anggota-0-tanggal_lahir"]', "1990-03-08")
    assert page.locator("#id_anggota-0-nik_check").inner_text() == (
        "Tanggal lahir pada NIK (07-03-..90) tidak sama dengan tanggal lahir yang diisi (08-03-1990)."
    )
    shot("nik-tanggal-lahir")
    assert serious_violations(page) == []
