"""PDF rendering: WeasyPrint reads nothing but our own static files, and the page layout (A4
landscape, page numbers) is what the templates ask for.

The text of a PDF is read from WeasyPrint's own laid-out document (its pages and text boxes) rather
than from the bytes: no PDF reader is a dependency of the project, and WeasyPrint is."""

import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from weasyprint.formatting_structure.boxes import TextBox
from weasyprint.urls import path2url

from documents import pdf

A4_LANDSCAPE_PX = (1122.5, 793.7)


def document_text(document):
    """All the text of a laid-out WeasyPrint document, page by page (margin boxes included)."""
    return [
        " ".join(box.text for box in page._page_box.descendants() if isinstance(box, TextBox))
        for page in document.pages
    ]


class DocumentSpy:
    """Keeps every document rendered through documents.pdf while it is installed (spy_documents)."""

    def __init__(self):
        self.documents = []

    def __call__(self, template_name, context):
        document = self.original(template_name, context)
        self.documents.append(document)
        return document

    @property
    def last(self):
        return self.documents[-1]

    def text(self):
        return "\n".join(document_text(self.last))


def spy_documents(monkeypatch):
    """Install a DocumentSpy on documents.pdf for the test (the PDF bytes are still made as usual)."""
    spy = DocumentSpy()
    spy.original = pdf.render_document
    monkeypatch.setattr(pdf, "render_document", spy)
    return spy


def _static_url(relative):
    return path2url(str(Path(settings.STATICFILES_DIRS[0]) / relative))


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://example.com/font.woff2",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "file://example.com/static/css/app.css",  # a file URL naming another host
        _static_url("css/../../pkkdata/settings.py"),  # out of the static folder by ".."
        _static_url("css/does-not-exist.css"),
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyFetcher().fetch(url)


def test_the_fetcher_reads_our_static_files_and_data_uris():
    response = pdf.StaticOnlyFetcher().fetch(_static_url("css/app.css"))
    assert response.content_type == "text/css"
    assert b"Mobile first" in response.read()
    assert pdf.StaticOnlyFetcher().fetch("data:text/plain;base64,SGFsbw==").read() == b"Halo"


def test_a_page_naming_outside_resources_is_rendered_without_fetching_them(monkeypatch, caplog):
    asked = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<img src="file:///etc/passwd"><img src="https://example.com/x.png">'
        '<p style="background: url(css/app.css)">Isi</p>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = pdf.html_document(html)
    assert "Isi" in document_text(document)[0]
    assert "http://127.0.0.1:9/evil.css" in asked and "file:///etc/passwd" in asked
    assert "FetchRefused" in caplog.text
    assert "root:" not in caplog.text  # nothing of /etc/passwd was read


def test_the_base_template_lays_out_a4_landscape_pages_numbered_with_the_header_row_repeated():
    page = Template(
        """{% extends "documents/pdf/base.html" %}{% block content %}<p class="lampiran">LAMPIRAN X</p>
        <table class="form"><thead><tr><th>Judul kolom</th></tr></thead>
        <tbody>{% for n in rows %}<tr><td>Baris {{ n }}</td></tr>{% endfor %}</tbody></table>{% endblock %}"""
    ).render(Context({"rows": range(150), "title": "Uji"}))
    document = pdf.html_document(page)
    texts = document_text(document)
    assert len(texts) >= 2
    # WeasyPrint measures in CSS pixels (96 per inch): 297 x 210 mm.
    assert (round(document.pages[0].width, 1), round(document.pages[0].height, 1)) == A4_LANDSCAPE_PX
    assert f"Halaman 1 dari {len(texts)}" in texts[0]
    assert f"Halaman {len(texts)} dari {len(texts)}" in texts[-1]
    assert all("Judul kolom" in text for text in texts)  # the header row repeats on every page
    assert all("LAMPIRAN X" in text for text in texts)  # the form's name in every page's footer


def test_the_base_template_renders_to_pdf_bytes_with_the_page_footer():
    document = pdf.render_document(
        "households/exports/catatan_keluarga.html",
        {"sheets": [], "title": "CATATAN KELUARGA", "lampiran": "LAMPIRAN 4.15", "tahun": 2026},
    )
    (text,) = document_text(document)
    assert "CATATAN KELUARGA" in text and "Halaman 1 dari 1" in text and "LAMPIRAN 4.15" in text
    data = pdf.render_pdf(
        "households/exports/catatan_keluarga.html", {"sheets": [], "title": "X", "lampiran": "Y", "tahun": 2026}
    )
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
