"""manage.py export_recap: the same exporter as the web download, run from the command line, with
clear messages in Bahasa Indonesia for what cannot be made."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from documents.models import DokumenRekap
from documents.verification import sha256_of
from hierarchy.models import User
from recaps import recaps


def _run(tmp_path, *args, name="rekap.xlsx"):
    output = tmp_path / name
    out = io.StringIO()
    call_command("export_recap", *args, "--output", str(output), stdout=out)
    return output, out.getvalue()


def test_the_kota_recap_is_written_and_registered_as_the_system_account(cast, tmp_path):
    output, said = _run(tmp_path, "--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "xlsx")
    content = output.read_bytes()
    ws = load_workbook(io.BytesIO(content)).active
    recap = recaps.yearly_recap(cast.kota, 2026)
    assert ws["A1"].value == recap.form.title
    assert [c.value for c in ws["B"] if c.value in {r.label for r in recap.rows}] == [r.label for r in recap.rows]
    dokumen = DokumenRekap.objects.get()
    assert dokumen.sha256 == sha256_of(content)
    assert dokumen.created_by.username == "system" and dokumen.created_by.is_superuser
    assert not dokumen.created_by.has_usable_password()  # it cannot log in
    assert dokumen.kode in said and str(output) in said
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Kota" in texts  # the ketua from the accounts
    assert "Sistem" not in texts  # "Yang membuat" left to sign by hand
    # A second run reuses the same account.
    _run(tmp_path, "--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "pdf", name="r.pdf")
    assert User.objects.filter(username="system").count() == 1


def test_runs_as_a_user_with_their_rights_and_the_options(cast, tmp_path):
    output, _said = _run(
        tmp_path,
        "--form", "4.19a", "--unit", "64.74.02.1002", "--year", "2026", "--month", "3", "--format", "pdf",
        "--user", "sekretaris", "--data", "terkini", "--ketua", "Ibu Ketua", "--tempat", "Bontang",
        "--tanggal", "2026-04-02", "--situs", "https://pkk.example",
        name="rekap.pdf",
    )  # fmt: skip
    assert output.read_bytes().startswith(b"%PDF-")
    dokumen = DokumenRekap.objects.get()
    assert (dokumen.created_by.username, dokumen.formulir, dokumen.bulan, dokumen.data) == (
        "sekretaris",
        "4.19a",
        3,
        "terkini",
    )


def test_a_group_below_a_kelurahan_is_named_by_its_path_of_codes(cast, tmp_path):
    output, _said = _run(
        tmp_path, "--form", "4.16b", "--unit", "64.74.02.1002/01/001", "--year", "2026", "--format", "xlsx"
    )
    assert DokumenRekap.objects.get().unit == cast.rt
    ws = load_workbook(io.BytesIO(output.read_bytes())).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "Melati 1" in values and "Melati 2" in values


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--form", "4.99z", "--unit", "64.74", "--year", "2026", "--format", "xlsx"], "Formulir '4.99z'"),
        (["--form", "data-warga", "--unit", "64.74", "--year", "2026", "--format", "xlsx"], "tidak dikenal"),
        (["--form", "4.17c", "--unit", "99.99", "--year", "2026", "--format", "xlsx"], "Tidak ada wilayah resmi"),
        (
            ["--form", "4.17c", "--unit", "64.74.02.1002", "--year", "2026", "--format", "xlsx"],
            "Lampiran 4.17c dibuat untuk tingkat Kabupaten/Kota, sedangkan 64.74.02.1002 adalah Desa/Kelurahan",
        ),
        (["--form", "4.16b", "--unit", "64.74.02.1002/09", "--year", "2026", "--format", "xlsx"], "Tidak ada satuan"),
        (["--form", "4.19c", "--unit", "64.74", "--year", "2026", "--month", "13", "--format", "xlsx"], "Bulan 13"),
        (["--form", "4.19c", "--unit", "64.74", "--year", "2026", "--format", "xlsx"], "isi --month"),
        (["--form", "4.17c", "--unit", "64.74", "--year", "2026", "--month", "3", "--format", "xlsx"], "tahunan"),
        (["--form", "4.17c", "--unit", "64.74", "--year", "1800", "--format", "xlsx"], "Tahun harus antara"),
        (["--form", "4.17c", "--unit", "64.74", "--year", "dua", "--format", "xlsx"], "bukan angka"),
        (["--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "docx"], "Format 'docx'"),
        (
            [
                "--form",
                "4.19c",
                "--unit",
                "64.74",
                "--year",
                "2026",
                "--month",
                "3",
                "--format",
                "pdf",
                "--edition",
                "rakernas-viii",
            ],
            "Edisi 'rakernas-viii' tidak tersedia",
        ),
        (
            [
                "--form",
                "4.19c",
                "--unit",
                "64.74",
                "--year",
                "2026",
                "--month",
                "3",
                "--format",
                "pdf",
                "--data",
                "kemarin",
            ],
            "--data 'kemarin'",
        ),
        (["--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "xlsx", "--user", "hantu"], "hantu"),
        (
            ["--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "xlsx", "--user", "kecamatan"],
            "tidak berhak",
        ),
        (
            ["--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "xlsx", "--tanggal", "31-12-2026"],
            "YYYY-MM-DD",
        ),
    ],
)
def test_what_cannot_be_made_is_said_clearly(cast, tmp_path, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _run(tmp_path, *args)
    assert not DokumenRekap.objects.exists()
    assert not (tmp_path / "rekap.xlsx").exists()


def test_an_account_named_system_that_is_a_person_is_not_used(cast, tmp_path):
    User.objects.create_user("system", password="rahasia-sekali-123")
    with pytest.raises(CommandError, match="bukan akun sistem"):
        _run(tmp_path, "--form", "4.17c", "--unit", "64.74", "--year", "2026", "--format", "xlsx")
