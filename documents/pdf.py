"""The one way we write PDFs: a Django template rendered to HTML, laid out by WeasyPrint.

WeasyPrint would fetch any URL a page names (stylesheets, images, fonts), over the network or from
the disk. An export must read nothing but our own files, so it gets ``StaticOnlyFetcher``: files under
our static folders and inline ``data:`` URIs, nothing else (no http(s), no other file on the server).
A refused resource is left out of the page and logged by WeasyPrint; the PDF is still made.

Fonts come from the system through fontconfig, never from a URL: the templates ask for
"DejaVu Sans", sans-serif, which every machine resolves to some installed sans-serif face.
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


def html_document(html):
    """Lay out an HTML string (relative URLs resolve inside our static folder)."""
    return HTML(string=html, base_url=_base_url(), url_fetcher=StaticOnlyFetcher()).render()


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
