"""Every URL pattern, requested by every role: the status each must get, and no name from outside the
user's area in any page. A new URL pattern without a row here fails test_every_url_is_covered.

Every answer the walk gets is read: a page (HTML, or JSON) as text; a download (XLSX, PDF, a streamed
file or a FileResponse) is opened and its text read back (read_download: every cell of every sheet of
an XLSX, the text a PDF shows). A POST that ends on a background job's page (jobs:status) has its
job's file fetched from /pekerjaan/<id>/berkas/ and read the same way. An answer of any other kind
fails the case: nothing that answers 200 goes unread. The download-only cases of the apps are walked
the same way by tests/test_downloads_by_role.py."""

import importlib
import io
import pkgutil
import re
import zipfile
import zlib

import pytest
from django.db import transaction
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from openpyxl import load_workbook

from hierarchy.tests.cast import build_cast
from hierarchy.tests.url_cases import LOGGED_IN, OTHER_SIDE, ROLES
from households.tests.cast import add_households
from jobs.models import Job, Status

APPS = ["hierarchy", "documents", "jobs", "households", "onboarding", "reports", "recaps", "demo"]


def _url_case_modules():
    """The modules named url_cases* in <app>/tests/ of every app."""
    modules = []
    for app in APPS:
        try:
            package = importlib.import_module(f"{app}.tests")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("url_cases"):
                modules.append(importlib.import_module(f"{app}.tests.{info.name}"))
    return modules


def _collect_cases():
    """The cases of every app."""
    return [case for module in _url_case_modules() for case in module.CASES]


CASES = _collect_cases()


def _all_url_names():
    names = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                if p.namespace == "admin":
                    continue  # the Django admin is covered by admin:index and its own superuser-only gate
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_covered():
    covered = {case[0] for case in CASES}
    assert _all_url_names() - covered == set()


# -- reading what an answer holds ----------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
# Text every file of the cast names somewhere (a member's surname, a unit, the verification line): a
# file read back without any of them was not really read.
CAST_TEXT = ["Wijayakusuma", "Siregar", "Melati", "Mawar", "Anggrek", "Berbas Tengah", "Belimbing", "Bontang"]


def xlsx_text(content):
    """Every cell of every sheet (as openpyxl reads it), the sheets' names, headers and footers, and
    every XML part of the file besides (shared and inline strings, document properties, defined names,
    comments): one string to search."""
    book = load_workbook(io.BytesIO(content))
    parts = []
    for sheet in book.worksheets:
        parts.append(sheet.title)
        parts += [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
        for hf in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
            parts += [part.text for part in (hf.left, hf.center, hf.right) if part.text]
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        if name.endswith((".xml", ".rels")):
            xml = archive.read(name).decode("utf-8", "replace")
            parts.append(re.sub(r"&(amp|lt|gt|quot|apos);", lambda m: _XML_ENTITIES[m.group(1)], xml))
    return "\n".join(parts)


_XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


# A PDF's text, read from its bytes as a PDF reader copies it: the project has no PDF reader among its
# dependencies (WeasyPrint writes PDFs, it does not read them) and poppler is not installed, so this
# small reader knows the PDFs WeasyPrint (pydyf) writes: objects plain or packed in object streams,
# Flate-compressed streams, Type0 fonts with 2-byte glyph codes shown by Tj/TJ, each font's ToUnicode
# map. test_downloads_by_role.py checks it reads back every word WeasyPrint laid out.
_OBJ = re.compile(rb"(\d+)\s+0\s+obj\b")
_REF = rb"(\d+)\s+0\s+R"
_NAME = rb"/([^\s/<>\[\]()]+)"
_SHOW = re.compile(_NAME + rb"\s+[-\d.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj")
_DICT_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)|<FEFF[0-9a-fA-F]*>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_objects(pdf):
    """{object number: (dictionary bytes, decoded stream bytes or None)}, object streams unpacked."""
    objects = {}
    for match in _OBJ.finditer(pdf):
        start = match.end()
        head, stream = pdf[start : pdf.find(b"endobj", start)], None
        at = head.find(b"stream")
        if at != -1:
            head = head[:at]
            length = int(re.search(rb"/Length\s+(\d+)", head).group(1))
            begin = start + at + len(b"stream")
            begin += 2 if pdf[begin : begin + 2] == b"\r\n" else 1
            stream = pdf[begin : begin + length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        objects[int(match.group(1))] = (head, stream)
    for head, stream in list(objects.values()):
        if b"/ObjStm" in head:
            count = int(re.search(rb"/N\s+(\d+)", head).group(1))
            first = int(re.search(rb"/First\s+(\d+)", head).group(1))
            numbers = [int(x) for x in stream[:first].split()]
            pairs = list(zip(numbers[0::2], numbers[1::2], strict=True))[:count]
            for i, (number, offset) in enumerate(pairs):
                stop = pairs[i + 1][1] if i + 1 < len(pairs) else len(stream) - first
                objects[number] = (stream[first + offset : first + stop], None)
    return objects


def _utf16(hex_text):
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be")


def _to_unicode(cmap):
    """A ToUnicode CMap: {glyph code: text}."""
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            table[int(code, 16)] = _utf16(text)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", block):
            low, high = int(low, 16), int(high, 16)
            if text.startswith(b"["):
                for i, one in enumerate(re.findall(rb"<([0-9a-fA-F]*)>", text)):
                    table[low + i] = _utf16(one)
            else:
                first = _utf16(text[1:-1])
                for code in range(low, high + 1):
                    table[code] = first[:-1] + chr(ord(first[-1]) + code - low)
    return table


def _dict_string(token):
    """A string of a dictionary (an outline's title, the document's title): (literal) or <FEFF...>."""
    if token.startswith(b"<"):
        return _utf16(token[5:-1])
    body = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8) & 0xFF]), token[1:-1])
    body = re.sub(rb"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)
    return body[2:].decode("utf-16-be") if body.startswith(b"\xfe\xff") else body.decode("latin-1")


def unbroken(text):
    """Text laid out as a PDF shows it, with its words whole again: WeasyPrint hyphenates at a line's end
    with U+2010 (after a soft hyphen or by its dictionary), so "Belim‐ bing" is searched as "Belimbing"."""
    return text.replace("\xad", "").replace("\u2010 ", "")


def pdf_text(pdf):
    """The text of a PDF: what every content stream shows (runs joined by spaces, so that a name broken
    over two lines reads as one; hyphenated words joined again), and every string of its dictionaries
    (outlines, document title)."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    objects = _pdf_objects(pdf)
    maps = {}
    for number, (head, _stream) in objects.items():
        found = re.search(rb"/ToUnicode\s+" + _REF, head)
        if found:
            maps[number] = _to_unicode(objects[int(found.group(1))][1])
    fonts, runs = {}, []
    for head, _stream in objects.values():
        fonts.update({name: maps[int(n)] for name, n in re.findall(_NAME + rb"\s+" + _REF, head) if int(n) in maps})
        runs += [_dict_string(token) for token in _DICT_STRING.findall(head)]
    for _head, stream in objects.values():
        if not stream or b"Tf" not in stream:
            continue
        font = {}
        for name, array, single in _SHOW.findall(stream):
            if name:
                font = fonts[name]
                continue
            codes = b"".join(re.findall(rb"<([0-9a-fA-F]*)>", array)) if array else single
            runs.append("".join(font.get(int(codes[i : i + 4], 16), "\ufffd") for i in range(0, len(codes), 4)))
    return unbroken(" ".join(runs))


def is_download(response):
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return (
        content_type in (XLSX_TYPE, PDF_TYPE)
        or response.streaming
        or response.get("Content-Disposition", "").startswith("attachment")
    )


def read_download(response):
    """The text of a downloaded file, whichever way it came (bytes, streamed, a FileResponse)."""
    # A streamed answer is read to its end: the test client then closes it (a FileResponse's file, a
    # streamed workbook's temporary file) without the request_finished signal, which would drop the
    # database connection inside the walk's transaction.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF-"):
        return pdf_text(content)
    if content.startswith(b"PK\x03\x04"):
        return xlsx_text(content)
    raise AssertionError(f"a download neither PDF nor XLSX: {response.get('Content-Type')!r}, {content[:20]!r}")


def _leaks(role, text, where):
    return [f"{role} sees {name!r} in {where}" for name in OTHER_SIDE.get(role, []) if name in text]


def file_failures(role, response, where, reads=None):
    """A download's text, checked: really read (it names something of the cast) and holding no name
    from outside the role's area. reads, when given, gets the role of every file read."""
    try:
        text = read_download(response)
    except Exception as exc:  # an unreadable file is a failure of the case, said as such
        return [f"{role}: the file of {where} could not be read: {exc!r}"]
    if not any(known in text for known in CAST_TEXT):
        return [f"{role}: the file of {where} was read but names nothing of the cast: {text[:200]!r}"]
    if reads is not None:
        reads.append(role)
    return _leaks(role, text, where)


def job_file_failures(client, role, response, where, reads=None):
    """A POST that sent the user to a background job's page: the job ran inline (the immediate task
    backend under tests); its file, when the job makes one, is fetched and read."""
    try:
        match = resolve(response["Location"].split("?")[0])
    except Resolver404:  # not one of our addresses
        return []
    if match.view_name != "jobs:status":
        return []
    job = Job.objects.get(pk=match.kwargs["pk"])
    if not job.filename:
        return []  # a job that makes no file (an import): nothing to download
    if job.status != Status.SIAP or not job.berkas:
        return [f"{role}: the job of {where} made no file: {job.status} {job.pesan_galat!r}"]
    url = reverse("jobs:berkas", kwargs={"pk": job.pk})
    fetched = client.get(url)
    if fetched.status_code != 200 or not is_download(fetched):
        return [f"{role}: the file of the job of {where} ({url}) answered {fetched.status_code}"]
    return file_failures(role, fetched, f"{url} (the job of {where})", reads)


def answer_failures(client, role, method, url, response, reads=None):
    """What is wrong with an answer that had the expected status: a name from outside the role's area
    in the page or in the file (of the answer, or of the job a POST asked for), or a 200 of a kind
    nobody read. reads, when given, gets the role of every file read."""
    where = f"{method.upper()} {url}"
    if response.status_code == 302 and method == "post":
        return job_file_failures(client, role, response, where, reads)
    if response.status_code != 200:
        return []
    content_type = response.get("Content-Type", "")
    if is_download(response):
        return file_failures(role, response, where, reads)
    if content_type.startswith(("text/html", "text/plain", "application/json", "application/javascript")):
        return _leaks(role, response.content.decode(), where)
    return [f"{role}: {where} answered 200 with {content_type!r}, which the walk does not read"]


# -- the walk ----------------------------------------------------------------------------------------


def rolled_back_cast(django_db_blocker):
    """The cast in a transaction rolled back when the generator ends (a module fixture's body)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield add_households(build_cast())
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def walk_cast(django_db_setup, django_db_blocker):
    """The cast, built once for the whole walk in a transaction rolled back at its end. Every case
    runs inside it (pytest-django's per-test transaction becomes a savepoint), and every role's request
    inside a savepoint of its own, so nothing one request writes reaches the next."""
    yield from rolled_back_cast(django_db_blocker)


def walk_case(client, cast, case, query=False, reads=None):
    """One case, every role: the failures. Each role's request runs in a savepoint that is rolled back,
    so a POST that succeeds for one role leaves the data as it was for the next. query: a GET case's
    data is its query string (the download cases); the walk's own cases send none. reads, when given,
    gets the role of every file read."""
    name, kwargs, method, data, expected = case
    failures = []
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if role != "anon":
                client.force_login(cast.users[role])
            url = reverse(name, kwargs=kwargs(cast))
            response = client.post(url, data) if method == "post" else client.get(url, data if query else None)
            if response.status_code != expected[role]:
                failures.append(f"{role} {method.upper()} {url}: {response.status_code}, expected {expected[role]}")
            else:
                failures += answer_failures(client, role, method, url, response, reads)
            transaction.set_rollback(True)
    return failures


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_status_and_scope(client, db, walk_cast, case):
    assert walk_case(client, walk_cast, case) == []


@pytest.mark.parametrize("role", LOGGED_IN)
def test_get_on_post_only_views_is_refused(client, db, walk_cast, role):
    cast = walk_cast
    client.force_login(cast.users[role])
    for name, kwargs in [("hierarchy:unit_close", {"pk": cast.dw_b.pk}), ("hierarchy:account_active", {"pk": 1})]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 405
