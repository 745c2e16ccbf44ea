"""The one way we write PDFs: a Django template rendered to HTML, laid out by WeasyPrint.

WeasyPrint would fetch any URL a page names (stylesheets, images, fonts), over the network or from
the disk. An export must read nothing but our own files, so it gets ``StaticOnlyFetcher``: files under
our static folders and inline ``data:`` URIs, nothing else (no http(s), no other file on the server).
A refused resource is left out of the page and logged by WeasyPrint; the PDF is still made.

Fonts come from the system through fontconfig, never from a URL: the templates ask for
"DejaVu Sans", sans-serif, which every machine resolves to some installed sans-serif face.

Table headers break only between words (templates/documents/pdf/base.html: no hyphens, no break
inside a word), so a header label with a word wider than its column would run out of its cell. Before
laying a page out, ``html_document`` lays out its table headers alone (the rows without a header cell
left out: the columns keep their widths, fixed by the tables' <colgroup>), and a header cell whose text
does not fit prints the label's short form from ``HEADER_SHORT`` (the abbreviations of the paper forms).
The XLSX files keep the full labels: their cells wrap and can be widened.
"""

import datetime
import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import TableCellBox, TextBox
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

PDF_CONTENT_TYPE = "application/pdf"

# WeasyPrint reports each layout step at INFO: one log line per step of every export is noise.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class FetchRefused(ValueError):
    """A PDF asked for something that is not one of our own static files."""


def static_roots():
    """The folders a PDF may read from: our own static folders (settings.STATICFILES_DIRS)."""
    return [Path(folder).resolve() for folder in settings.STATICFILES_DIRS]


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, narrowed to our static files and data: URIs."""

    def __init__(self):
        # Only data: ever reaches urllib (through super().fetch); files are read here after the check.
        super().__init__(timeout=2, allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path2url(str(path)), path.read_bytes(), {"Content-Type": content_type})
        raise FetchRefused(f"PDF hanya boleh memakai berkas statis aplikasi ini, bukan {url[:200]}")

    @staticmethod
    def _static_path(url):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows "..", symlinks included, before the containment check.
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_file():
            return None
        if any(path.is_relative_to(root) for root in static_roots()):
            return path
        return None


def _base_url():
    roots = static_roots()
    return path2url(str(roots[0]) + "/") if roots else None


# The short form a header label prints in a PDF when its full form does not fit its column (the words
# of a header never break, so a word wider than the column would run out of its cell). Keyed by the
# label as the exporters print it (recaps.recaps.Column.label and group, the Kolom texts of
# recaps/exports.py and households/exports). The one table of short forms of the PDFs; the XLSX files
# always print the full labels.
# The short forms are those of the paper forms (JML, KRT, KK, PUS, WUS, MCK, SPAL, UP2K, L/P, KET,
# "TMP. ... SAMPAH", "MEMILIKI SPAL") and of everyday PKK and Posyandu use (Dawis: dasawisma; Busui: ibu
# menyusui; IRT: industri rumah tangga; Status Kawin; the short names of the 10 program pokok). A word
# that has no short form and may still be too wide in the narrowest columns (4.17c/4.17d: 35 to 37 number
# columns on A4) carries its Indonesian syllable breaks as soft hyphens (\u00ad, "Su-ngai"): the only
# place a header word may break, with a printed hyphen.
SHY = "\u00ad"
HEADER_SHORT = {
    # The recaps 4.16a-4.19c (recaps.recaps.columns_for; the No, name and KETERANGAN columns of
    # recaps.exports.recap_columns).
    "JML Dusun/Lingk": "JML Dsn/Lingk",
    "JML Dasawisma": "JML Dawis",
    "JML Kecamatan": "JML Kec.",
    "JUMLAH SARANA MCK": "JML MCK",
    "KETERANGAN": "KET.",
    "Ibu Menyusui": "Busui",
    "Lansia": f"Lan{SHY}sia",
    "Berkebutuhan Khusus": f"Keb. Khu{SHY}sus",
    "Memiliki Tempat Pembuangan Sampah": f"Tmp. Sam{SHY}pah",
    "Memiliki SPAL dan Penyerapan Air": "SPAL",
    "Memiliki Sarana MCK dan Septic Tank": f"MCK & Sep{SHY}tic Tank",
    "Memiliki Jamban Keluarga": f"Jam{SHY}ban",
    "Menempel Stiker P4K": "Stiker P4K",
    "Sumur": f"Su{SHY}mur",
    "Sungai": f"Su{SHY}ngai",
    "Pemanfaatan Tanah Pekarangan": f"Pe{SHY}ka{SHY}rang{SHY}an",
    "Industri Rumah Tangga": "IRT",
    "Kesehatan Lingkungan": f"Kes. Ling{SHY}kung{SHY}an",
    "Melahirkan": f"Me{SHY}la{SHY}hir{SHY}kan",
    # Data Warga 4.14.1a (households/exports/data_warga.py).
    "No. Registrasi": "No. Reg.",
    "Status Perkawinan": "Status Kawin",
    "Aktif dalam Kegiatan Posyandu": "Aktif Posyandu",
    "Mengikuti Bina Keluarga Balita (BKB)": "Ikut BKB",
    "Mengikuti Kelompok Belajar": "Ikut Kelompok Belajar",
    "Mengikuti PAUD/ Sejenis": "Ikut PAUD/ Sejenis",
    "Ikut dalam Kegiatan Koperasi": "Ikut Koperasi",
    # Catatan Keluarga 4.15 (households/exports/catatan_keluarga.py): the program pokok by their short names.
    "Penghayatan dan Pengamalan Pancasila": "Pancasila",
    "Pendidikan dan Keterampilan": "Pendidikan",
    "Pengembangan Kehidupan Berkoperasi": "Pengemb. Kehidupan Berkoperasi",
    "Perencanaan Sehat": f"Peren{SHY}canaan Sehat",
}


def html_document(html):
    """Lay out an HTML string (relative URLs resolve inside our static folder); header labels that do
    not fit their column print their short form (HEADER_SHORT)."""
    page = _html(html)
    shorten_headers(page, _html(html))
    return page.render()


def _html(html):
    return HTML(string=html, base_url=_base_url(), url_fetcher=StaticOnlyFetcher())


def shorten_headers(page, probe):
    """Give the header cells (<th>) of a parsed page that do not fit their column their short form
    (HEADER_SHORT), measured on probe, a second parse of the same page laid out with its table rows
    without a header cell left out (quick, whatever the number of rows). Returns the labels shortened."""
    for parent in list(probe.etree_element.iter()):
        for row in [child for child in parent if child.tag == "tr" and child.find(".//th") is None]:
            parent.remove(row)
    too_wide = {id(cell.element) for cell in header_cells(probe.render()) if overflows(cell)}
    shortened = []
    for probed, element in zip(probe.etree_element.iter("th"), page.etree_element.iter("th"), strict=True):
        label = " ".join((element.text or "").split())
        if id(probed) in too_wide and len(element) == 0 and label in HEADER_SHORT:
            element.text = HEADER_SHORT[label]
            shortened.append(label)
    return shortened


def header_cells(document):
    """The laid-out header cells (<th>) of a document, each element once (a table's header rows repeat
    on every page)."""
    seen = set()
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, TableCellBox) and box.element_tag == "th" and id(box.element) not in seen:
                seen.add(id(box.element))
                yield box


def overflows(cell):
    """Whether a laid-out cell holds a line wider than its content box (a word longer than the column:
    headers never break inside a word)."""
    right = cell.content_box_x() + cell.width
    return any(isinstance(box, TextBox) and box.position_x + box.width > right + 0.01 for box in cell.descendants())


def render_document(template_name, context):
    """The laid-out WeasyPrint document (pages, boxes): for the PDF bytes and for tests."""
    return html_document(render_to_string(template_name, context))


def render_pdf(template_name, context):
    """A template rendered to PDF bytes."""
    return render_document(template_name, context).write_pdf()


def pdf_text(value):
    """A cell of a PDF table: dates as the paper forms write them (dd-mm-yyyy), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return f"{value:%d-%m-%Y}"
    return str(value)
