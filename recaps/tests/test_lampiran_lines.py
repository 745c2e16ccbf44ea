"""The line under every sheet's title names the form by its number in the edition printed
(documents.exporters.lampiran_line): "LAMPIRAN 4.17c · Rakernas X (2025)", "LAMPIRAN III-17a ·
Rakernas VIII (2015)", or the edition alone where no source gives the form's old number; never a
placeholder ("4.x", "III-xx"). Read back from the XLSX cell (openpyxl) and the PDF's laid-out text."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from documents.exporters import (
    EDITIONS,
    LAMPIRAN_NUMBERS,
    RAKERNAS_VIII,
    RAKERNAS_X,
    Period,
    get_exporter,
    lampiran_line,
    lampiran_number,
)
from documents.tests.test_pdf import spy_documents
from recaps import recaps
from recaps.views_download import UnduhRekapForm

YEAR = timezone.localdate().year
MONTH = Period(2026, 3)
PLACEHOLDERS = ("xx", "4.x", "III-x")


def _render(cast, form, unit, user, fmt, edition=RAKERNAS_X):
    exporter = get_exporter(form)
    period = MONTH if exporter.monthly else Period(YEAR)
    return exporter.render(user=cast.users[user], target=unit, period=period, edition=edition, fmt=fmt)


def _second_line(content):
    return load_workbook(io.BytesIO(content)).active["A2"].value


@pytest.fixture
def pdf_documents(monkeypatch):
    return spy_documents(monkeypatch)


# The forms, the unit and user to render them, and the line expected in each edition they have.
CASES = [
    ("4.17c", "kota", "kota", RAKERNAS_X, "LAMPIRAN 4.17c · Rakernas X (2025)"),
    ("4.17c", "kota", "kota", RAKERNAS_VIII, "Rakernas VIII (2015)"),  # its old number: no source
    ("4.17a", "kel", "kelurahan", RAKERNAS_X, "LAMPIRAN 4.17a · Rakernas X (2025)"),
    ("4.17a", "kel", "kelurahan", RAKERNAS_VIII, "LAMPIRAN III-17a · Rakernas VIII (2015)"),
    ("4.19c", "kota", "kota", RAKERNAS_X, "LAMPIRAN 4.19c · Rakernas X (2025)"),
    ("4.18a", "dw", "kader", RAKERNAS_X, "LAMPIRAN 4.18a · Rakernas X (2025)"),
]


@pytest.mark.parametrize(("form", "unit", "user", "edition", "line"), CASES)
def test_the_xlsx_second_line_names_the_form_in_its_edition(cast, form, unit, user, edition, line):
    value = _second_line(_render(cast, form, getattr(cast, unit), user, "xlsx", edition).content)
    assert value == line
    assert not any(p in value for p in PLACEHOLDERS)


@pytest.mark.parametrize(("form", "unit", "user", "edition", "line"), CASES)
def test_the_pdf_prints_the_same_line(cast, pdf_documents, form, unit, user, edition, line):
    _render(cast, form, getattr(cast, unit), user, "pdf", edition)
    text = pdf_documents.text()
    assert text.count(line) >= 2  # under the title, and in every page's footer
    assert not any(p in text for p in PLACEHOLDERS)


def test_every_recap_form_prints_a_line_without_a_placeholder_in_every_edition():
    for form in [*recaps.FORMS, "4.18a"]:
        for edition in get_exporter(form).editions:
            line = lampiran_line(form, edition)
            assert not any(p in line for p in PLACEHOLDERS), line
            assert line.endswith(EDITIONS[edition])
            if edition == RAKERNAS_X:
                assert line == f"LAMPIRAN {form} · Rakernas X (2025)"


def test_the_numbers_of_the_older_edition_come_from_the_table_and_are_never_guessed():
    assert lampiran_number("4.15", RAKERNAS_VIII) == "III-15"
    assert lampiran_number("4.17a", RAKERNAS_VIII) == "III-17a"
    assert lampiran_number("4.18a", RAKERNAS_VIII) == "III-18a"
    assert lampiran_number("4.17c", RAKERNAS_VIII) == ""  # no public source gives it
    assert lampiran_number("4.17c", RAKERNAS_X) == "4.17c"
    assert set(LAMPIRAN_NUMBERS) == {RAKERNAS_VIII}
    for number in LAMPIRAN_NUMBERS[RAKERNAS_VIII].values():
        assert number.startswith("III-")
    assert lampiran_line("4.15", RAKERNAS_VIII) == "LAMPIRAN III-15 · Rakernas VIII (2015)"
    assert lampiran_line("4.14.1a", RAKERNAS_X, with_edition=False) == "LAMPIRAN 4.14.1a"


def test_the_edition_choices_read_naturally():
    assert EDITIONS == {RAKERNAS_X: "Rakernas X (2025)", RAKERNAS_VIII: "Rakernas VIII (2015)"}
    form = UnduhRekapForm(exporter=get_exporter("4.17c"), with_data_mode=False, defaults={})
    assert form.fields["edisi"].choices == [(RAKERNAS_X, "Rakernas X (2025)"), (RAKERNAS_VIII, "Rakernas VIII (2015)")]


def test_the_household_forms_keep_their_one_edition_line(cast):
    data_warga = get_exporter("data-warga").render(
        user=cast.users["kader"], target=cast.dw, period=Period(YEAR), edition=RAKERNAS_X, fmt="xlsx"
    )
    catatan = get_exporter("catatan-keluarga").render(
        user=cast.users["kader"], target=cast.dw, period=Period(YEAR), edition=RAKERNAS_X, fmt="xlsx"
    )
    assert _second_line(data_warga.content) == "LAMPIRAN 4.14.1a"
    assert _second_line(catatan.content) == "LAMPIRAN 4.15"
