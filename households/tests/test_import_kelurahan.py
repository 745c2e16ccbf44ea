"""The import of a whole kelurahan at once (issue 15): one workbook with the rows of many dasawisma,
placed by Kode Dasawisma or by the Dasawisma column (a household's rows need it once), previewed per
dasawisma, checked across dasawisma, committed by a background job dasawisma by dasawisma, holding back
the wrong ones or saving only a file without errors; rights; the template."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from documents import xlsx
from hierarchy import access
from hierarchy.models import Unit
from households.importer import job as import_job
from households.importer import kelurahan
from households.importer.analyse import ERROR, NEW, UNCHANGED, UPDATE
from households.importer.columns import HEADERS, SHEET_TITLE
from households.importer.kelurahan import KelurahanResult, analyse_kelurahan, commit_kelurahan
from households.importer.read import read_dataset
from households.importer.template import LIST_TITLE, build_kelurahan_template, build_template
from households.importer.write import ImportBlocked
from households.models import Keluarga, RumahTangga, Warga
from households.tests import test_import as dasawisma_import
from households.tests.test_import import HOUSE, household_rows, make_nik, person, stored_uploads
from jobs.models import Job, Status
from jobs.registry import get_kind

# The fixtures of the dasawisma import: every upload in a private storage of the test's own (autouse), and
# the cast with valid NIKs and No. KKs.
own_upload_dir = dasawisma_import.own_upload_dir
cast = dasawisma_import.cast

KK = {n: f"64740212051600{n:02d}" for n in range(1, 10)}
MELATI_1, MELATI_2, MAWAR = "RT 001 › Melati 1", "melati  2", "MAWAR"


def member(dasawisma, nama, born, sex, status, kk, reg, *, house=False, **columns):
    """One row: the Dasawisma cell filled when given (else the row follows the row above)."""
    row = person(
        nama,
        born,
        sex,
        status,
        **{
            "No. KK": kk,
            "No. Registrasi RT": reg,
            "Alamat": f"Jl. Kenari {reg}",
            **(HOUSE if house else {}),
            **columns,
        },
    )
    if dasawisma is not None:
        row["Dasawisma"] = dasawisma
    return row


def hendra(cast, **columns):
    """Hendra of Melati 1 (the cast), as stored, his birthplace changed: an update."""
    w = cast.w_hendra
    return person(
        w.nama,
        w.tanggal_lahir,
        "L",
        "Kepala Keluarga",
        w.nik,
        **{"No. KK": Keluarga.objects.get(pk=w.keluarga_id).no_kk, "No. Registrasi RT": "", "Alamat": cast.hh_a.alamat},
        **{"Tempat Lahir": "Tarakan"},
        **{"Status Perkawinan": "Menikah", **columns},
    )


def three_dasawisma(cast):
    """Rows of Melati 1 (two new, Hendra updated), Melati 2 (two new) and Mawar (three new in two
    households), each household naming its dasawisma on its first row only, in three spellings."""
    d = datetime.date
    return [
        member(MELATI_1, "Siti Rahma", d(1990, 3, 7), "P", "Kepala Keluarga", KK[1], "12", house=True),
        member(None, "Agus Rahma", d(2012, 6, 1), "L", "Anak", KK[1], "12"),
        {**hendra(cast), "Dasawisma": "Melati 1"},
        member(MELATI_2, "Budi Santoso", d(1980, 2, 2), "L", "Kepala Keluarga", KK[2], "20", house=True),
        member(None, "Ani Santoso", d(1984, 4, 4), "P", "Istri", KK[2], "20"),
        member(MAWAR, "Dewi Lestari", d(1975, 5, 5), "P", "Kepala Keluarga", KK[3], "30", house=True),
        member("Mawar", "Joko Prasetyo", d(1970, 7, 7), "L", "Kepala Keluarga", KK[4], "31", house=True),
        member(None, "Rudi Prasetyo", d(2005, 8, 8), "L", "Anak", KK[4], "31"),
    ]


def fill_kelurahan(rows, template):
    book = load_workbook(io.BytesIO(template))
    sheet = book[SHEET_TITLE]
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            xlsx.put(sheet, number, HEADERS.index(header) + 1, value)
    return xlsx.to_bytes(book)


def kelurahan_file(cast, rows):
    return fill_kelurahan(rows, build_kelurahan_template(str(cast.kel), ["RW 01 › RT 001 › Melati 1"]))


def upload(client, desa, data, name="data-warga-kelurahan.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("households:import_kelurahan_upload", kwargs={"unit_pk": desa.pk})
    return client.post(url, {"berkas": SimpleUploadedFile(name, data, content_type="application/octet-stream")})


def preview_of(client, cast, rows, user="kelurahan"):
    """Upload rows of Berbas Tengah as the user: (the preview page, its URL)."""
    client.force_login(cast.users[user])
    response = upload(client, cast.kel, kelurahan_file(cast, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]), response["Location"]


def table_of(page):
    """{dasawisma name: (rows, new, updated, unchanged, wrong)} of the preview's table."""
    return {
        g.dasawisma.name: (g.rows, g.counts[NEW], g.counts[UPDATE], g.counts[UNCHANGED], g.counts[ERROR])
        for g in page.context["checked"].groups
    }


def problems(page_or_preview):
    checked = page_or_preview.context["checked"] if hasattr(page_or_preview, "context") else page_or_preview
    found = {(r.number, p.column, p.message) for r in checked.unplaced for p in r.problems}
    for group in checked.groups:
        found |= {(r.number, p.column, p.message) for r in group.preview.rows for p in r.problems if p.kind == "error"}
    return found


def confirm(client, url, cara):
    response = client.post(url, {"cara": cara})
    return response, Job.objects.filter(kind=import_job.KIND_KELURAHAN).order_by("-pk").first()


def names_in(dasawisma):
    return set(Warga.objects.filter(keluarga__rumah_tangga__dasawisma=dasawisma).values_list("nama", flat=True))


# -- preview and commit of three dasawisma --------------------------------------------------------------


def test_three_dasawisma_are_previewed_per_dasawisma_and_committed_by_a_job(client, cast):
    before = household_rows()
    page, url = preview_of(client, cast, three_dasawisma(cast))
    assert page.status_code == 200
    assert table_of(page) == {"Melati 1": (3, 2, 1, 0, 0), "Melati 2": (2, 2, 0, 0, 0), "Mawar": (3, 3, 0, 0, 0)}
    body = page.content.decode()
    assert "RW 01 › RT 001 › Melati 1" in body and "Siap disimpan" in body and "Ditahan" not in body
    assert household_rows() == before  # a preview writes nothing

    response, job = confirm(client, url, "semua")
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert (job.kind, job.status, job.user, job.unit) == (
        import_job.KIND_KELURAHAN, Status.SIAP, cast.users["kelurahan"], cast.kel
    )  # fmt: skip
    assert job.hasil == "3 dasawisma disimpan: 7 warga baru, 1 diperbarui."
    assert (job.done, job.total, job.unit_label) == (3, 3, "dasawisma")
    assert names_in(cast.dw) >= {"Siti Rahma", "Agus Rahma", "Hendra Wijayakusuma"}
    assert names_in(cast.dw_b) == {"Bambang Wijayakusuma", "Budi Santoso", "Ani Santoso"}
    assert names_in(cast.dw_c) == {"Dewi Lestari", "Joko Prasetyo", "Rudi Prasetyo"}
    assert RumahTangga.objects.filter(dasawisma=cast.dw_c).count() == 2
    assert Warga.objects.get(pk=cast.w_hendra.pk).tempat_lahir == "Tarakan"
    assert Warga.history.filter(nama="Budi Santoso", history_user=cast.users["kelurahan"]).exists()
    assert client.get(url).status_code == 404  # the preview is gone from the session
    assert not stored_uploads()  # the job removed the file once done
    status = client.get(response["Location"]).content.decode()
    assert "3 dasawisma disimpan" in status and reverse("hierarchy:unit_detail", args=[cast.kel.pk]) in status


def test_one_dasawismas_rows_open_from_the_table(client, cast):
    page, url = preview_of(client, cast, three_dasawisma(cast))
    rows_url = reverse("households:import_kelurahan_rows", kwargs={"token": url.rstrip("/").split("/")[-1],
                                                                   "unit_pk": cast.dw_c.pk})  # fmt: skip
    assert rows_url in page.content.decode()
    rows = client.get(rows_url)
    body = rows.content.decode()
    assert rows.status_code == 200 and rows.context["total"] == 3
    assert [r.number for r in rows.context["page"].object_list] == [7, 8, 9]
    assert "Dewi Lestari" in body and "Rudi Prasetyo" in body and "Siti Rahma" not in body
    anggrek = reverse("households:import_kelurahan_rows", kwargs={"token": url.rstrip("/").split("/")[-1],
                                                                  "unit_pk": cast.dw2.pk})  # fmt: skip
    assert client.get(anggrek).status_code == 404  # no rows of that dasawisma in the file


def test_the_same_file_again_creates_nothing_new(client, cast):
    rows = three_dasawisma(cast)
    _page, url = preview_of(client, cast, rows)
    confirm(client, url, "semua")
    after = household_rows()
    history = Warga.history.count()
    page, url = preview_of(client, cast, rows)
    assert table_of(page) == {"Melati 1": (3, 0, 0, 3, 0), "Melati 2": (2, 0, 0, 2, 0), "Mawar": (3, 0, 0, 3, 0)}
    _response, job = confirm(client, url, "semua")
    assert job.hasil == "3 dasawisma disimpan: 0 warga baru, 0 diperbarui."
    assert household_rows() == after and Warga.history.count() == history


# -- wrong rows: held back, or nothing -----------------------------------------------------------------


def with_a_wrong_row_in_mawar(cast):
    rows = three_dasawisma(cast)
    rows[7]["Tanggal Lahir"] = "31-02-2005"  # Rudi, the last row, of Mawar
    return rows


def test_hold_back_saves_the_right_dasawisma_and_nothing_of_the_wrong_one(client, cast):
    page, url = preview_of(client, cast, with_a_wrong_row_in_mawar(cast))
    assert table_of(page)["Mawar"] == (3, 3 - 1, 0, 0, 1)
    assert page.context["form"]["cara"].value() == "tahan" and not page.context["save_disabled"]
    _response, job = confirm(client, url, "tahan")
    assert job.status == Status.SIAP
    assert (
        job.hasil == "2 dasawisma disimpan: 4 warga baru, 1 diperbarui. Ditahan karena ada baris salah: RT 002 › Mawar."
    )
    assert "Siti Rahma" in names_in(cast.dw) and "Budi Santoso" in names_in(cast.dw_b)
    assert names_in(cast.dw_c) == set() and not RumahTangga.objects.filter(dasawisma=cast.dw_c).exists()
    assert not Keluarga.objects.filter(no_kk__in=[KK[3], KK[4]]).exists()


def test_strict_mode_refuses_a_file_with_a_wrong_row_and_writes_nothing(client, cast):
    before = household_rows()
    page, url = preview_of(client, cast, with_a_wrong_row_in_mawar(cast))
    assert 'data-has-errors="1"' in page.content.decode()
    response, job = confirm(client, url, "semua")
    assert response.status_code == 200 and job is None
    assert response.context["save_disabled"]  # the choice stays, the button is disabled
    assert "Tidak ada yang disimpan" in response.content.decode()
    assert household_rows() == before
    # The job refuses it too (the data may have turned wrong after the preview).
    dataset = read_dataset(kelurahan_file(cast, with_a_wrong_row_in_mawar(cast)), "x.xlsx")
    with pytest.raises(ImportBlocked):
        commit_kelurahan(dataset, actor=cast.users["kelurahan"], desa=cast.kel, strict=True)
    assert household_rows() == before


def test_without_a_choice_nothing_is_saved(client, cast):
    _page, url = preview_of(client, cast, three_dasawisma(cast))
    response = client.post(url, {"cara": "semuanya"})
    assert response.status_code == 200 and "Pilih salah satu cara menyimpan." in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_whose_every_dasawisma_is_wrong_saves_nothing(client, cast):
    rows = with_a_wrong_row_in_mawar(cast)[5:]  # Mawar only
    page, url = preview_of(client, cast, rows)
    assert page.context["save_disabled"]
    response, job = confirm(client, url, "tahan")
    assert job is None and "setiap dasawisma" in response.content.decode()


# -- how a row finds its dasawisma, and what one dasawisma cannot see ----------------------------------


def test_rows_that_find_no_dasawisma_are_named_by_row_and_column(client, cast):
    closed = Unit.objects.create(
        level="dasawisma", code="DW09", name="Kenanga", parent=cast.rt_b, active_from=datetime.date(2024, 1, 1),
        active_to=datetime.date(2025, 1, 31),
    )  # fmt: skip
    Unit.objects.create(
        level="dasawisma", code="DW08", name="Mawar", parent=cast.rt, active_from=datetime.date(2024, 1, 1)
    )
    d = datetime.date
    rows = [
        member(None, "Tanpa Dasawisma", d(1990, 1, 1), "L", "Kepala Keluarga", KK[1], "1", house=True),
        member("Dahlia", "Nama Salah", d(1990, 1, 2), "L", "Kepala Keluarga", KK[2], "2", house=True),
        member(None, "Ikut Salah", d(2010, 1, 2), "L", "Anak", KK[2], "2"),
        member("Anggrek", "Kelurahan Lain", d(1990, 1, 3), "L", "Kepala Keluarga", KK[3], "3", house=True),
        {**member(None, "Kode Lain", d(1990, 1, 4), "L", "Kepala Keluarga", KK[4], "4", house=True),
         "Kode Dasawisma": cast.dw2.pk},
        member("Kenanga", "Sudah Tutup", d(1990, 1, 5), "L", "Kepala Keluarga", KK[5], "5", house=True),
        member("Mawar", "Dua Mawar", d(1990, 1, 6), "L", "Kepala Keluarga", KK[6], "6", house=True),
        member("RT 002 › Mawar", "Mawar Benar", d(1990, 1, 7), "L", "Kepala Keluarga", KK[7], "7", house=True),
        {**member("Melati 2", "Kode Lain Nama", d(1990, 1, 8), "L", "Kepala Keluarga", KK[8], "8", house=True),
         "Kode Dasawisma": cast.dw.pk},
    ]  # fmt: skip
    page, _url = preview_of(client, cast, rows)
    found = problems(page)
    by_row = {number: (column, message) for number, column, message in found}
    assert by_row[2] == (
        "Dasawisma",
        "Isi kolom Dasawisma di baris pertama. Baris yang kolom ini kosong ikut dasawisma baris di atasnya.",
    )
    assert by_row[3][0] == "Dasawisma" and by_row[3][1].startswith(
        "“Dahlia” bukan dasawisma di Kelurahan Berbas Tengah"
    )
    assert by_row[4] == ("Dasawisma", "Kolom ini kosong: baris ini ikut baris 3, yang dasawismanya tidak dikenal.")
    assert by_row[5][1].startswith("“Anggrek” bukan dasawisma di Kelurahan Berbas Tengah")
    # Another kelurahan's dasawisma by its code: the same words as a code that does not exist, no name.
    assert by_row[6] == (
        "Kode Dasawisma",
        f"Kode Dasawisma {cast.dw2.pk} bukan kode dasawisma di Kelurahan Berbas Tengah. Kosongkan kolom ini dan "
        "pilih dasawismanya di kolom Dasawisma.",
    )
    assert by_row[7] == (
        "Dasawisma",
        "Dasawisma RT 002 › Kenanga sudah ditutup per 31-01-2025; pilih dasawisma yang aktif.",
    )
    assert by_row[8][1].startswith("Ada 2 dasawisma “Mawar” di Kelurahan Berbas Tengah: tulis jalurnya")
    assert 9 not in by_row  # the path tells the two Mawar apart
    assert by_row[10][0] == "Dasawisma" and "bukan dasawisma berkode" in by_row[10][1]
    assert "Anggrek" not in str(by_row[6]) and "Belimbing" not in page.content.decode()
    assert [g.dasawisma.pk for g in page.context["checked"].groups] == [cast.dw_c.pk]
    assert len(page.context["checked"].unplaced) == 8
    assert closed.pk


def test_a_row_copied_from_a_dasawisma_template_is_placed_by_its_code(client, cast):
    d = datetime.date
    rows = [member(None, "Siti Rahma", d(1990, 3, 7), "P", "Kepala Keluarga", KK[1], "12", house=True)]
    data = fill_kelurahan(rows, build_template(cast.dw, cast.dw.path_label()))  # code and full path prefilled
    client.force_login(cast.users["sekretaris"])
    page = client.get(upload(client, cast.kel, data)["Location"])
    assert table_of(page) == {"Melati 1": (1, 1, 0, 0, 0)}


def test_the_same_nik_or_no_kk_in_two_dasawisma_is_an_error_on_the_later_rows(client, cast):
    d = datetime.date
    nik = make_nik(d(1990, 3, 7), "P")
    rows = [
        member(MELATI_1, "Siti Rahma", d(1990, 3, 7), "P", "Kepala Keluarga", KK[1], "12", house=True, NIK=nik),
        member(MAWAR, "Siti Lagi", d(1990, 3, 7), "P", "Kepala Keluarga", KK[3], "30", house=True, NIK=nik),
        member(MELATI_2, "Budi Santoso", d(1980, 2, 2), "L", "Kepala Keluarga", KK[1], "20", house=True),
    ]
    page, url = preview_of(client, cast, rows)
    assert (
        3, "NIK", "NIK sama dengan baris 2 di dasawisma RW 01 › RT 001 › Melati 1: satu warga dicatat di satu "
        "dasawisma saja."
    ) in problems(page)  # fmt: skip
    assert (
        4, "No. KK", "No. KK sama dengan baris 2 di dasawisma RW 01 › RT 001 › Melati 1: satu keluarga dicatat di satu "
        "dasawisma saja."
    ) in problems(page)  # fmt: skip
    assert table_of(page) == {"Melati 1": (1, 1, 0, 0, 0), "Melati 2": (1, 0, 0, 0, 1), "Mawar": (1, 0, 0, 0, 1)}
    _response, job = confirm(client, url, "tahan")
    assert job.hasil.startswith("1 dasawisma disimpan: 1 warga baru, 0 diperbarui. Ditahan karena ada baris salah: ")
    assert Warga.objects.filter(nik=nik).count() == 1


def test_a_nik_registered_in_another_area_is_refused(client, cast):
    d = datetime.date
    rows = [
        member(MELATI_1, "Siti Rahma", d(1990, 3, 7), "P", "Kepala Keluarga", KK[1], "12", house=True),
        member(MAWAR, "Togar Lain", d(1980, 4, 4), "L", "Kepala Keluarga", KK[3], "30", house=True,
               NIK=cast.w_togar.nik),
    ]  # fmt: skip
    page, url = preview_of(client, cast, rows)
    assert (3, "NIK", "NIK sudah terdaftar di wilayah lain.") in problems(page)
    assert "Siregar" not in page.content.decode() and "Anggrek" not in page.content.decode()
    _response, job = confirm(client, url, "tahan")
    assert job.status == Status.SIAP and "Ditahan karena ada baris salah: RT 002 › Mawar" in job.hasil
    assert Warga.objects.filter(nik=cast.w_togar.nik).get().pk == cast.w_togar.pk


# -- a dasawisma whose commit fails at that moment ---------------------------------------------------


def test_a_dasawisma_that_fails_meanwhile_is_named_and_the_same_file_again_completes_it(client, cast, monkeypatch):
    rows = three_dasawisma(cast)
    _page, url = preview_of(client, cast, rows)
    real = kelurahan.commit

    def meanwhile(dataset, *, actor, dasawisma):
        if dasawisma.pk == cast.dw_b.pk:  # someone saved Budi's No. KK between the check and the write
            raise IntegrityError("unik")
        return real(dataset, actor=actor, dasawisma=dasawisma)

    monkeypatch.setattr(kelurahan, "commit", meanwhile)
    _response, job = confirm(client, url, "tahan")
    assert job.status == Status.SIAP
    assert job.hasil == (
        "2 dasawisma disimpan: 5 warga baru, 1 diperbarui. Gagal karena data berubah saat disimpan: "
        "RW 01 › RT 001 › Melati 2; unggah berkas yang sama lagi untuk melengkapinya."
    )
    assert names_in(cast.dw_b) == {"Bambang Wijayakusuma"}
    saved = household_rows()
    monkeypatch.setattr(kelurahan, "commit", real)
    page, url = preview_of(client, cast, rows)
    assert table_of(page) == {"Melati 1": (3, 0, 0, 3, 0), "Melati 2": (2, 2, 0, 0, 0), "Mawar": (3, 0, 0, 3, 0)}
    _response, job = confirm(client, url, "semua")
    assert job.hasil == "3 dasawisma disimpan: 2 warga baru, 0 diperbarui."
    assert names_in(cast.dw_b) == {"Bambang Wijayakusuma", "Budi Santoso", "Ani Santoso"}
    assert household_rows() == (saved[0] + 1, saved[1] + 1, saved[2] + 2)  # only Melati 2's household was added


def test_when_every_dasawisma_fails_the_job_fails_and_says_which(client, cast, monkeypatch):
    _page, url = preview_of(client, cast, three_dasawisma(cast)[:3])

    def meanwhile(dataset, **kwargs):
        raise ImportBlocked(None)

    monkeypatch.setattr(kelurahan, "commit", meanwhile)
    _response, job = confirm(client, url, "semua")
    assert job.status == Status.GAGAL
    assert job.pesan_galat.startswith("Tidak ada dasawisma yang disimpan. Gagal karena data berubah saat disimpan:")


def test_the_job_reports_its_progress_in_dasawisma(cast):
    dataset = read_dataset(kelurahan_file(cast, three_dasawisma(cast)), "x.xlsx")
    steps = []
    result = commit_kelurahan(
        dataset, actor=cast.users["kelurahan"], desa=cast.kel, strict=False, progress=lambda *s: steps.append(s)
    )
    assert steps == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert (len(result.saved), result.new, result.updated, result.held, result.failed) == (3, 7, 1, [], [])


def test_a_long_result_is_cut_to_what_the_job_keeps(cast):
    dataset = read_dataset(kelurahan_file(cast, three_dasawisma(cast)), "x.xlsx")
    group = analyse_kelurahan(dataset, actor=cast.users["kelurahan"], desa=cast.kel).groups[0]
    result = KelurahanResult(saved=[], held=[group] * 40, failed=[group] * 30, unplaced=2)
    text = import_job.kelurahan_result(result)
    assert len(text) <= import_job.RESULT_LENGTH
    assert "lainnya" in text and "2 baris tanpa dasawisma tidak disimpan" in text and "unggah berkas yang sama" in text


# -- rights -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [("kelurahan", 200), ("sekretaris", 200), ("kecamatan", 403), ("kota", 403), ("rt", 404), ("kader", 404),
     ("ketua_dasawisma", 404), ("outsider", 404)],
)  # fmt: skip
def test_only_tp_pkk_desa_imports_a_whole_kelurahan(client, cast, user, status):
    client.force_login(cast.users[user])
    kwargs = {"unit_pk": cast.kel.pk}
    assert client.get(reverse("households:import_kelurahan_upload", kwargs=kwargs)).status_code == status
    assert client.get(reverse("households:import_kelurahan_template", kwargs=kwargs)).status_code == status
    response = upload(client, cast.kel, kelurahan_file(cast, three_dasawisma(cast)))
    assert response.status_code == (302 if status == 200 else status)
    assert bool(stored_uploads()) == (status == 200)
    link = reverse("households:import_kelurahan_upload", kwargs=kwargs)
    detail = client.get(reverse("hierarchy:unit_detail", args=[cast.kel.pk]))
    assert (link in detail.content.decode()) == (status == 200)


def test_the_access_verb(cast):
    verb = access.may_import_households
    users = cast.users
    assert [name for name in users if verb(users[name], cast.kel)] == ["admin", "kelurahan", "sekretaris"]
    assert [name for name in users if verb(users[name], cast.dw)] == [
        "admin", "kelurahan", "sekretaris", "ketua_dasawisma", "kader"
    ]  # fmt: skip
    assert [name for name in users if verb(users[name], cast.dw2)] == ["admin", "outsider"]
    # The job asks it again when it runs (a role revoked meanwhile stops it).
    kind = get_kind(import_job.KIND_KELURAHAN)
    job = SimpleNamespace(unit=cast.kel)
    assert [name for name in users if kind.allowed(users[name], job)] == ["admin", "kelurahan", "sekretaris"]


# -- the template ---------------------------------------------------------------------------------------


def test_the_kelurahan_template_lists_its_open_dasawisma_and_says_how_rows_find_them(client, cast):
    Unit.objects.create(
        level="dasawisma", code="DW09", name="Kenanga", parent=cast.rt_b, active_from=datetime.date(2024, 1, 1),
        active_to=datetime.date(2025, 1, 31),
    )  # fmt: skip
    client.force_login(cast.users["kelurahan"])
    response = client.get(reverse("households:import_kelurahan_template", kwargs={"unit_pk": cast.kel.pk}))
    assert response.status_code == 200 and "templat-data-warga-kelurahan-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [SHEET_TITLE, LIST_TITLE, "Petunjuk"]
    sheet = book[SHEET_TITLE]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A2"].value is None and sheet["B2"].value is None and sheet.column_dimensions["A"].hidden
    listed = [c.value for c in book[LIST_TITLE]["A"][1:]]
    assert listed == ["RT 002 › Mawar", "RW 01 › RT 001 › Melati 1", "RW 01 › RT 001 › Melati 2"]  # Kenanga closed
    rules = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert rules["B2:B5001"] == "'Daftar Dasawisma'!$A$2:$A$4"
    guide = "\n".join(str(c.value) for c in book["Petunjuk"]["A"] if c.value)
    assert "ikut dasawisma baris di atasnya" in guide and "RT 002 › Mawar" in guide
    assert "Kode Dasawisma (tersembunyi) biarkan kosong" in guide
    # Filled in and uploaded as it is, it is read by the same reader.
    rows = three_dasawisma(cast)
    rows[0]["Dasawisma"] = "RW 01 › RT 001 › Melati 1"
    page = client.get(upload(client, cast.kel, fill_kelurahan(rows, response.content))["Location"])
    assert sum(g.rows for g in page.context["checked"].groups) == 8 and not page.context["checked"].has_errors
