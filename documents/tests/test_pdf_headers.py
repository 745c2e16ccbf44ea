"""The header cells of every PDF form: words never break inside (no "PDA M", "Lansi a"), a label too
wide for its column prints its short form (documents.pdf.HEADER_SHORT), and no header text runs out of
its cell.

The forms come from the exporter registry (documents.exporters.get_exporter: this app imports none of
the apps above it). The PDFs are read back as WeasyPrint laid them out (documents/tests/test_pdf.py: no
PDF reader is a dependency): each header cell's lines are its line boxes. Whether a word fits depends
on the font, so the checks that it does run where the templates' font, DejaVu Sans, is installed
(skipped elsewhere); the line-break checks hold whatever the font."""

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from weasyprint.formatting_structure.boxes import LineBox, TextBox

from documents import pdf
from documents.exporters import Period, get_exporter

from .test_pdf import document_text, spy_documents

YEAR = timezone.localdate().year
MONTH = Period(2026, 3)
HYPHEN = "\u2010"  # what WeasyPrint prints where a line breaks at a soft hyphen
WORDS_BROKEN_ANYWHERE = re.compile(r"word-break:\s*break-all|overflow-wrap:\s*anywhere|hyphens:\s*auto")


@functools.cache
def _dejavu_installed():
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", "DejaVu Sans:style=Bold", "family"], capture_output=True, text=True)
    return "DejaVu Sans" in found.stdout


needs_dejavu = pytest.mark.skipif(not _dejavu_installed(), reason="the PDFs are laid out for DejaVu Sans")


@pytest.fixture
def documents(monkeypatch):
    return spy_documents(monkeypatch)


def _render(cast, form, target, user, period, edition="rakernas-x", **options):
    return get_exporter(form).render(
        user=cast.users[user], target=target, period=period, edition=edition, fmt="pdf", options=options
    )


def _lines(cell):
    """The text of each line of a laid-out cell, top down."""
    return [
        "".join(box.text for box in line.descendants() if isinstance(box, TextBox))
        for line in cell.descendants()
        if isinstance(line, LineBox)
    ]


def breaks_between_words(label, lines):
    """Whether the lines are the label broken only where a line may break in a header: at a space,
    after "/" or "-", or at a soft hyphen (printed as a hyphen). A word split anywhere else ("PDA" +
    "M") is not."""
    expected = " ".join(label.split())
    pos = 0
    for index, line in enumerate(lines):
        text = " ".join(line.split())
        if text.endswith("\xad" + HYPHEN):
            text = text[:-1]
        if not expected.startswith(text, pos):
            return False
        pos += len(text)
        if index < len(lines) - 1:
            if expected.startswith(" ", pos):
                pos += 1
            elif not text.endswith(("\xad", "/", "-")):
                return False
    return pos == len(expected)


def test_the_line_break_check_tells_word_breaks_from_split_words():
    assert breaks_between_words("Ibu Hamil", ["Ibu", "Hamil"])
    assert breaks_between_words("JML Dsn/Lingk", ["JML", "Dsn/", "Lingk"])
    assert breaks_between_words("Su\xadngai", ["Su\xad" + HYPHEN, "ngai"])
    assert not breaks_between_words("PDAM", ["PDA", "M"])
    assert not breaks_between_words("Lansia", ["Lansi", "a"])
    assert not breaks_between_words("Sarana", ["SA" + HYPHEN, "RANA"])  # a hyphen where the label has none


def _header_cells(document):
    return list(pdf.header_cells(document))


def _printed_labels(document):
    return [" ".join(cell.element.text.split()) for cell in _header_cells(document)]


SHORT_FORMS = set(pdf.HEADER_SHORT.values())


def _check_headers(document, *, fits):
    """Every header cell breaks only between words; a short form is printed only where the full label
    does not fit (it is in the table: the probe found it too wide); with fits, no header line is wider
    than its cell."""
    cells = _header_cells(document)
    assert len(cells) > 10
    for cell in cells:
        label = " ".join(cell.element.text.split())
        lines = _lines(cell)
        assert breaks_between_words(label, lines), (label, lines)
        if fits:
            assert not pdf.overflows(cell), (label, lines)


def test_header_cells_break_only_between_words_by_their_style(cast, documents):
    _render(cast, "4.17c", cast.kota, "kota", Period(YEAR))
    for cell in _header_cells(documents.last):
        assert cell.style["overflow_wrap"] == "normal"
        assert cell.style["word_break"] == "normal"
        assert cell.style["hyphens"] == "manual"


def test_no_pdf_template_breaks_words_anywhere():
    folders = [Path(settings.BASE_DIR) / "templates" / name for name in ("documents/pdf", "recaps/pdf")]
    templates = [*folders[0].glob("*.html"), *folders[1].glob("*.html")]
    templates += [Path(settings.BASE_DIR) / "templates/households/exports" / f"{name}.html"
                  for name in ("data_warga", "catatan_keluarga")]  # fmt: skip
    assert len(templates) >= 6
    for template in templates:
        css = template.read_text()
        assert not WORDS_BROKEN_ANYWHERE.search(css), template.name


@pytest.mark.parametrize("edition", ["rakernas-x", "rakernas-viii"])
def test_417c_headers_are_whole_words_and_the_paper_forms_abbreviations(cast, documents, edition):
    _render(cast, "4.17c", cast.kota, "kota", Period(YEAR), edition=edition)
    document = documents.last
    _check_headers(document, fits=_dejavu_installed())
    text = "\n".join(document_text(document))
    for split in ("PDA M", "Lansi a", "SA\u2010 RAN", "SA-RAN", "KE\u2010 GIATAN", "Me\u2010 miliki"):
        assert split not in text
    printed = _printed_labels(document)
    for abbreviation in ("JML KRT", "JML KK", "PUS", "WUS", "UP2K", "PDAM", "DLL", "3 Buta L", "3 Buta P"):
        assert abbreviation in printed, abbreviation
    # The longest labels cannot fit a number column on A4 in any font: they print the paper form's short form.
    assert "Memiliki Tempat Pembuangan Sampah" not in printed
    assert pdf.HEADER_SHORT["Memiliki Tempat Pembuangan Sampah"] in printed
    assert pdf.HEADER_SHORT["Memiliki SPAL dan Penyerapan Air"] == "SPAL" and "SPAL" in printed


@needs_dejavu
def test_417c_headers_fit_their_columns_with_the_short_forms(cast, documents):
    _render(cast, "4.17c", cast.kota, "kota", Period(YEAR))
    printed = _printed_labels(documents.last)
    for short in ("JML Dawis", "JML MCK", "KET.", "Busui", "IRT", "SPAL", f"Su{pdf.SHY}ngai"):
        assert short in printed, short
    for full in ("Ibu Hamil", "Balita L", "Sehat Layak Huni", "PDAM", "Beras", "Non Beras"):
        assert full in printed, full  # the labels that fit keep their full form
    assert not any(pdf.overflows(cell) for cell in _header_cells(documents.last))


@needs_dejavu
@pytest.mark.parametrize("edition", ["rakernas-x", "rakernas-viii"])
def test_the_widest_recap_fits_too(cast, documents, edition):
    """4.17d, the provinsi's recap: the most number columns (37 in the older edition) on A4."""
    _render(cast, "4.17d", cast.prov, "admin", Period(YEAR), edition=edition)
    _check_headers(documents.last, fits=True)


@needs_dejavu
def test_419c_keeps_its_full_labels_where_they_fit(cast, documents):
    _render(cast, "4.19c", cast.kota, "kota", MONTH)
    _check_headers(documents.last, fits=True)
    printed = _printed_labels(documents.last)
    for full in ("JUMLAH IBU", "Hamil", "Melahirkan", "Nifas", "Meninggal L", "JML Dasawisma", "KETERANGAN"):
        assert full in printed, full
    assert not SHORT_FORMS & set(printed)


def test_418a_headers(cast, documents):
    _render(cast, "4.18a", cast.dw, "kader", MONTH)
    _check_headers(documents.last, fits=_dejavu_installed())
    assert "CATATAN KELAHIRAN" in _printed_labels(documents.last)


def test_data_warga_headers(cast, documents):
    _render(cast, "data-warga", cast.dw, "kader", Period(YEAR))
    _check_headers(documents.last, fits=_dejavu_installed())
    printed = _printed_labels(documents.last)
    assert "Nama" in printed and "Pendidikan" in printed and "Memiliki Tabungan" in printed


def test_catatan_keluarga_headers(cast, documents):
    _render(cast, "catatan-keluarga", cast.hh_a, "kader", Period(YEAR))
    _check_headers(documents.last, fits=_dejavu_installed())
    assert "KEGIATAN PKK YANG DIIKUTI" in _printed_labels(documents.last)


# -- the short forms, as documents.pdf applies them ------------------------------------------------


def _table(width_mm, label):
    """One header cell of the given width, styled as the forms' headers."""
    return f"""<html lang="id"><body><table style="border-collapse: collapse; table-layout: fixed;
        width: {width_mm}mm"><thead><tr><th style="font: bold 6pt 'DejaVu Sans'; padding: 0;
        word-break: normal; overflow-wrap: normal; hyphens: manual">{label}</th></tr></thead></table></body></html>"""


@needs_dejavu
def test_a_label_prints_its_short_form_only_where_it_does_not_fit():
    narrow = pdf.html_document(_table(7, "Ibu Menyusui"))
    wide = pdf.html_document(_table(60, "Ibu Menyusui"))
    assert _printed_labels(narrow) == ["Busui"]
    assert _printed_labels(wide) == ["Ibu Menyusui"]
    unknown = pdf.html_document(_table(7, "Kata Yangpanjangsekali"))  # no short form: printed as it is
    assert _printed_labels(unknown) == ["Kata Yangpanjangsekali"]


@needs_dejavu
def test_the_probe_maps_each_header_cell_back_whatever_the_rows_between():
    """The fit is measured on the headers alone; each cell of the page gets its own verdict."""
    rows = "".join(f"<tr><td>Baris {n}</td></tr>" for n in range(60))
    narrow, wide = _table(7, "Ibu Menyusui"), _table(60, "Ibu Menyusui")
    page = narrow.replace("</thead>", f"</thead><tbody>{rows}</tbody>").replace("</body></html>", "")
    page += wide.removeprefix('<html lang="id"><body>')
    document = pdf.html_document(page)
    assert _printed_labels(document) == ["Busui", "Ibu Menyusui"]
    assert "Baris 59" in "\n".join(document_text(document))


def test_every_short_form_is_shorter_than_its_label():
    for label, short in pdf.HEADER_SHORT.items():
        assert len(short.replace(pdf.SHY, "")) <= len(label), label
        assert " ".join(short.split()) == short, short  # printed as written: no stray spaces
