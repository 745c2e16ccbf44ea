"""The verification code and the public verification page: a downloaded recap is registered with its
code, the page finds it by the code as people type it, says whether an uploaded file is the delivered
one, and shows counts and the names of who downloaded and approved it, never a person's data."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from documents import verification
from documents import views as verification_views
from documents.exporters import Period, get_exporter
from documents.models import DokumenRekap
from households.models import Kehamilan
from reports import workflow

URL = reverse("documents:verifikasi")
CODE_RE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$")


def _download(cast, form="4.17a", unit="kel", user="kelurahan", fmt="xlsx", period=None):
    result = get_exporter(form).render(
        user=cast.users[user],
        target=getattr(cast, unit),
        period=period or Period(2026),
        edition="rakernas-x",
        fmt=fmt,
    )
    return result, DokumenRekap.objects.order_by("-pk").first()


def test_codes_are_short_grouped_unambiguous_and_different(db):
    codes = {verification.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE_RE.match(code) for code in codes)
    assert not any(ch in code for code in codes for ch in "01ILO")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7QM-2XPA-9D", "K7QM-2XPA-9D"),
        ("k7qm2xpa9d", "K7QM-2XPA-9D"),
        ("  K7QM 2XPA 9D ", "K7QM-2XPA-9D"),
        ("K7QM-2XPA-9", None),  # too short
        ("K7QM-2XPA-9D1", None),  # too long
        ("K7QM-2XPA-0D", None),  # 0 is not in the alphabet
        ("", None),
        (None, None),
    ],
)
def test_a_code_is_read_as_people_type_it(typed, expected):
    assert verification.normalize(typed) == expected


def test_every_download_is_registered_with_its_code_and_the_hash_of_its_bytes(cast):
    xlsx, first = _download(cast)
    pdf, second = _download(cast, fmt="pdf")
    assert first.kode != second.kode and CODE_RE.match(first.kode)
    assert first.sha256 == verification.sha256_of(xlsx.content)
    assert second.sha256 == verification.sha256_of(pdf.content)
    assert (second.format, second.formulir, second.unit) == ("pdf", "4.17a", cast.kel)


def test_the_page_needs_no_login_and_shows_what_the_file_said(cast):
    _result, dokumen = _download(cast)
    response = Client().get(URL, {"kode": dokumen.kode.lower().replace("-", " ")})
    assert response.status_code == 200
    body = response.content.decode()
    assert dokumen.kode in body
    assert "Lampiran 4.17a" in body and "Berbas Tengah" in body and "Tahun 2026" in body
    assert "Diunduh pada" in body
    assert "Diunduh oleh" not in body  # a public page: not who downloaded it
    for item in dokumen.jumlah:
        assert f"<dt>{item['label']}</dt><dd>{item['nilai']}</dd>" in body
    assert "Wijayakusuma" not in body  # counts only


def test_an_approved_monthly_file_shows_its_approval(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))

    for unit, nihil in [(cast.dw, False), (cast.dw_b, True)]:
        r = workflow.get_report(unit, 2026, 3)
        r = workflow.report_submit(actor=cast.admin, report=r, expected_version=r.version, nihil=nihil)
        workflow.report_approve(actor=cast.users["rt"], report=r, expected_version=r.version)
    _result, dokumen = _download(cast, form="4.18b", unit="rt", user="rt", period=Period(2026, 3))
    assert dokumen.approved_by == "Rt"
    body = Client().get(URL, {"kode": dokumen.kode}).content.decode()
    assert "Disetujui oleh Rt pada" in body and "Maret 2026" in body


def test_the_418a_page_names_no_mother_or_baby(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))
    _result, dokumen = _download(cast, form="4.18a", unit="dw", user="kader", period=Period(2026, 3))
    body = Client().get(URL, {"kode": dokumen.kode}).content.decode()
    assert "<dt>Ibu hamil</dt><dd>1</dd>" in body
    assert "Rina" not in body and "Wijayakusuma" not in body


def _upload(client, kode, content, name="rekap.xlsx"):
    return client.post(f"{URL}?kode={kode}", {"berkas": SimpleUploadedFile(name, content)})


def test_the_same_file_matches_and_a_changed_one_does_not(cast):
    result, dokumen = _download(cast)
    client = Client()
    body = _upload(client, dokumen.kode, result.content).content.decode()
    assert "Berkas cocok" in body and "TIDAK cocok" not in body
    changed = result.content[:-1] + bytes([result.content[-1] ^ 1])
    body = _upload(client, dokumen.kode, changed).content.decode()
    assert "Berkas TIDAK cocok" in body
    other, _ = _download(cast, fmt="pdf")
    assert "Berkas TIDAK cocok" in _upload(client, dokumen.kode, other.content, "x.pdf").content.decode()


def test_an_unknown_or_malformed_code_gets_a_clear_message(cast):
    client = Client()
    body = client.get(URL, {"kode": "K7QM-2XPA-9D"}).content.decode()
    assert "tidak terdaftar" in body
    body = client.get(URL, {"kode": "bukan kode"}).content.decode()
    assert "terdiri dari 10 huruf dan angka" in body
    assert "Cocokkan berkas" not in body
    # Without a code, just the form.
    body = client.get(URL).content.decode()
    assert "Periksa kode" in body and "tidak terdaftar" not in body


def test_an_oversized_upload_is_refused_before_it_is_read(cast, monkeypatch):
    result, dokumen = _download(cast)
    monkeypatch.setattr(verification, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(verification_views, "_UPLOAD_SLACK", 0)
    response = _upload(Client(), dokumen.kode, result.content)
    assert response.status_code == 413
    body = response.content.decode()
    assert "Berkas terlalu besar untuk diperiksa (paling besar 1 KB)" in body
    assert "Berkas cocok" not in body


def test_the_upload_needs_the_csrf_token_but_the_page_does_not(cast):
    result, dokumen = _download(cast)
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL, {"kode": dokumen.kode}).status_code == 200
    assert _upload(client, dokumen.kode, result.content).status_code == 403
    page = client.get(URL, {"kode": dokumen.kode})
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"{URL}?kode={dokumen.kode}",
        {"berkas": SimpleUploadedFile("r.xlsx", result.content), "csrfmiddlewaretoken": token},
    )
    assert "Berkas cocok" in response.content.decode()
