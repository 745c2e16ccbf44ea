"""The URL-by-role walk for the downloads (issue 11): every download of every app, asked for by every
role, gets the status its case says, and the file each role receives is opened and read back (every
cell of every sheet of an XLSX, the text a PDF shows: tests/test_urls_by_role.read_download) for names
from outside the role's area (OTHER_SIDE). A download asked for in the background (a POST that ends on
the job's page) is fetched from /pekerjaan/<id>/berkas/ once the job ran (inline under tests) and read
the same way.

The cases are the apps' DOWNLOAD_CASES and STREAM_DOWNLOAD_CASES (beside their CASES in the url_cases*
modules, walked here with the same code as tests/test_urls_by_role.py) and the downloads no app lists
(EXTRA_CASES). A role that should get a file but whose file was not read fails its case: an HTML page
where a file was expected, a job without its file, a file that names nothing of the cast."""

import io

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook

from documents.tests.test_pdf import document_text, spy_documents
from hierarchy.tests.url_cases import MGR_KEL, ROLES, SEE_DW, SEE_KEL, SEE_RT, table
from households.intervensi import DAFTAR_LIST
from tests.test_urls_by_role import (
    _url_case_modules,
    file_failures,
    pdf_text,
    read_download,
    rolled_back_cast,
    unbroken,
    walk_case,
    xlsx_text,
)


@pytest.fixture(scope="module")
def walk_cast(django_db_setup, django_db_blocker):
    """The walk's cast (tests/test_urls_by_role.py), once for this module."""
    yield from rolled_back_cast(django_db_blocker)


def _download_cases():
    """Every app's download cases as the walk's cases (url name, kwargs, method, data, expected). The
    recap downloads are (url name, kwargs, POST data, expected): a POST of the download form."""
    cases = []
    for module in _url_case_modules():
        for case in [*getattr(module, "DOWNLOAD_CASES", []), *getattr(module, "STREAM_DOWNLOAD_CASES", [])]:
            if len(case) == 4:
                name, kwargs, data, expected = case
                case = (name, kwargs, "post", data, expected)
            cases.append(case)
    return cases


def _intervensi(unit):
    return lambda c: {"unit_pk": getattr(c, unit).pk}


def _export(unit, form, fmt):
    return lambda c: {"unit_pk": getattr(c, unit).pk, "form": form, "fmt": fmt}


BELIMBING_SIDE = {"admin", "kota", "outsider"}
EXTRA_CASES = [
    # The intervention lists' XLSX (households/views_intervensi.py: ?unduh=xlsx), every list of Berbas
    # Tengah, and those of Belimbing, the kecamatan and the kota.
    *[
        ("households:intervensi", _intervensi("kel"), "get", {"daftar": d.key, "unduh": "xlsx"}, table(ok=SEE_KEL))
        for d in DAFTAR_LIST
    ],
    ("households:intervensi", _intervensi("kel2"), "get", {"unduh": "xlsx"}, table(ok=BELIMBING_SIDE)),
    (
        "households:intervensi",
        _intervensi("kec"),
        "get",
        {"daftar": "khusus", "unduh": "xlsx"},
        table(ok={"admin", "kota", "kecamatan"}),
    ),
    (
        "households:intervensi",
        _intervensi("kota"),
        "get",
        {"daftar": "rumah", "unduh": "xlsx"},
        table(ok={"admin", "kota"}),
    ),
    # A dasawisma's forms asked for in the background (any POST to its download: the job's page, then
    # the job's file from jobs:berkas).
    ("households:export_dasawisma", _export("dw", "data-warga", "xlsx"), "post", {}, table(redirect=SEE_DW)),
    ("households:export_dasawisma", _export("dw", "data-warga", "pdf"), "post", {}, table(redirect=SEE_DW)),
    ("households:export_dasawisma", _export("dw", "catatan-keluarga", "pdf"), "post", {}, table(redirect=SEE_DW)),
    ("households:export_dasawisma", _export("dw_b", "catatan-keluarga", "xlsx"), "post", {}, table(redirect=SEE_RT)),
    ("households:export_dasawisma", _export("dw2", "data-warga", "pdf"), "post", {}, table(redirect=BELIMBING_SIDE)),
    # A kelurahan's Data Warga asked for in the background (also in the walk's own cases).
    ("households:unduhan_minta", lambda c: {"unit_pk": c.kel.pk}, "post", {}, table(redirect=SEE_KEL)),
]
DOWNLOAD_CASES = _download_cases() + EXTRA_CASES

# The views that answer a file. A new one shows up here when its first download case is added.
DOWNLOAD_VIEWS = {
    "households:export_dasawisma",
    "households:export_rumah_tangga",
    "households:export_kelurahan",
    "households:import_template",
    "households:intervensi",
    "households:unduhan_minta",
    "recaps:rekap_unduh_tahunan",
    "recaps:rekap_unduh_bulanan",
}


def _file_roles(case):
    """The roles that must receive a file: a 200, or a POST's redirect to the job's page."""
    _name, _kwargs, method, _data, expected = case
    return {
        role
        for role in ROLES
        if expected[role] == 200 or (method == "post" and expected[role] == 302 and role != "anon")
    }


def test_every_download_view_has_a_download_case():
    assert {case[0] for case in DOWNLOAD_CASES} == DOWNLOAD_VIEWS
    assert all(_file_roles(case) for case in DOWNLOAD_CASES)


@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(DOWNLOAD_CASES)])
def test_download_status_and_scope(client, db, walk_cast, case):
    """One download, every role: the status, and the text of every file received. Every role that should
    get a file had its file read."""
    reads = []
    assert walk_case(client, walk_cast, case, query=True, reads=reads) == []
    assert sorted(reads) == sorted(_file_roles(case)), "a role got its answer but no file was read"


# -- the readers read what a person sees -------------------------------------------------------------


@pytest.mark.parametrize(("form", "unit"), [("data-warga", "dw"), ("catatan-keluarga", "dw"), ("data-warga", "dw2")])
def test_the_pdf_reader_reads_every_word_weasyprint_laid_out(client, db, walk_cast, monkeypatch, form, unit):
    spy = spy_documents(monkeypatch)
    client.force_login(walk_cast.users["admin"])
    response = client.get(reverse("households:export_dasawisma", kwargs=_export(unit, form, "pdf")(walk_cast)))
    laid_out = unbroken(" ".join(document_text(spy.last))).split()
    read = pdf_text(response.content).split()
    assert laid_out and set(laid_out) <= set(read)
    assert "Wijayakusuma" in read if unit == "dw" else "Siregar" in read


def test_the_recap_pdf_is_read_too(client, db, walk_cast, monkeypatch):
    spy = spy_documents(monkeypatch)
    client.force_login(walk_cast.users["admin"])
    url = reverse("recaps:rekap_unduh_tahunan", kwargs={"unit_pk": walk_cast.kel.pk, "tahun": 2026})
    response = client.post(url, {"format": "pdf", "edisi": "rakernas-viii", "ketua": "Siregar Ketua"})
    assert set(unbroken(" ".join(document_text(spy.last))).split()) <= set(pdf_text(response.content).split())
    assert "Siregar Ketua" in pdf_text(response.content)


def test_the_xlsx_reader_reads_cells_sheet_names_headers_and_properties():
    book = Workbook()
    book.active["C7"] = "sel Anggrek"
    book.create_sheet("Belimbing")
    book.active.oddFooter.center.text = "kaki Siregar"
    book.properties.title = "judul Bontang Barat"
    content = io.BytesIO()
    book.save(content)
    text = xlsx_text(content.getvalue())
    assert all(name in text for name in ["sel Anggrek", "Belimbing", "kaki Siregar", "judul Bontang Barat"])


@pytest.mark.parametrize(
    ("name", "kwargs", "fmt"),
    [
        ("households:export_dasawisma", lambda c: {"unit_pk": c.dw.pk}, "pdf"),
        ("households:export_dasawisma", lambda c: {"unit_pk": c.dw.pk}, "xlsx"),
        ("households:export_rumah_tangga", lambda c: {"pk": c.hh_a.pk}, "pdf"),
    ],
)
def test_a_name_from_the_other_side_in_a_file_is_found(client, db, walk_cast, name, kwargs, fmt):
    """Planted: a member of Melati 1 named like a Belimbing family. The kader's file holds it, and the
    check says so (the walk would fail)."""
    cast = walk_cast
    with transaction.atomic():
        cast.w_hendra.__class__.objects.filter(pk=cast.w_hendra.pk).update(nama="Hendra Siregar")
        client.force_login(cast.users["kader"])
        url = reverse(name, kwargs={**kwargs(cast), "form": "data-warga", "fmt": fmt})
        failures = file_failures("kader", client.get(url), url)
        transaction.set_rollback(True)
    assert failures == [f"kader sees 'Siregar' in {url}"]


def test_a_streamed_file_is_read_to_its_end(client, db, walk_cast):
    client.force_login(walk_cast.users["kelurahan"])
    url = reverse(
        "households:export_kelurahan",
        kwargs={"unit_pk": walk_cast.kel.pk, "form": "data-warga-kelurahan", "fmt": "xlsx"},
    )
    response = client.get(url)
    assert response.streaming
    text = read_download(response)
    assert all(name in text for name in ["Hendra Wijayakusuma", "Bambang Wijayakusuma", "Sumiati Wijayakusuma"])


def test_the_walk_reads_what_the_kelurahan_asked_for_in_the_background(client, db, walk_cast):
    """unduhan_minta is one of the walk's own cases: its job's file is read there (not only here)."""
    reads = []
    case = next(c for c in DOWNLOAD_CASES if c[0] == "households:unduhan_minta")
    assert walk_case(client, walk_cast, case, reads=reads) == []
    assert sorted(reads) == sorted(MGR_KEL | {"kota", "kecamatan"})
