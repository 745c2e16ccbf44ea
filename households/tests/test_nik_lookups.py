"""A NIK oracle closed (issue 11): a NIK or No. KK typed in a form or an import that is registered
outside the user's area is still answered "terdaftar di wilayah lain", but each such hit is logged
(households.AksesNIK, jenis "cek"), once per account, record and field in 24 hours, limited per account
(PKK_NIK_LOOKUP_LIMIT) and shown in the reveal log of the TP PKK of both sides."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from households import services
from households.models import AksesNIK, JenisAkses, Keluarga, SumberCek, Warga
from households.tests import factories as f
from households.tests.test_import import fill, household_rows, person, siti, upload
from households.tests.url_cases_entry import warga_post

BORN = datetime.date(1980, 1, 1)
FREE_NIK = "6474020101800201"  # a man born 01-01-1980, registered nowhere
NEAR_NIK = "6474020101800301"
ELSEWHERE = services.NIK_ELSEWHERE
LIMIT = services.LOOKUP_LIMIT_MESSAGE


@pytest.fixture(autouse=True)
def own_upload_dir(tmp_path, settings):
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path}},
    }


@pytest.fixture
def far(cast):
    """Five men of Belimbing (outside every Berbas Tengah account's area), with numbers of their own."""
    household = f.rumah_tangga(cast.dw2, alamat="Jl. Anggrek 20")
    kel = f.keluarga(household, no_kk="6474030106160101")
    return [f.warga(kel, f"Jauh {i} Siregar", BORN, "L", nik=f"64740301018001{i:02d}") for i in range(5)]


@pytest.fixture
def near(cast):
    """A man of Melati 1, the kader's own dasawisma."""
    return f.warga(f.keluarga(f.rumah_tangga(cast.dw)), "Dekat Wijayakusuma", BORN, "L", nik=NEAR_NIK)


@pytest.fixture
def kader(client, cast):
    client.force_login(cast.users["kader"])
    return client


def add_member(client, cast, nik):
    """The member form of Hendra's keluarga, posted as a phone posts it (with its form key)."""
    data = warga_post(
        nama="Orang Baru", nik=nik, jenis_kelamin="L", tempat_lahir="Bontang", tanggal_lahir=BORN.isoformat(),
        status_dalam_keluarga="anak", agama="islam", pendidikan="sma", pekerjaan="swasta",
    )  # fmt: skip
    data["kirim_id"] = uuid.uuid4().hex
    response = client.post(reverse("households:warga_add", args=[cast.w_hendra.keluarga.pk]), data)
    return response.content.decode()


def lookups():
    return AksesNIK.objects.filter(jenis=JenisAkses.CEK)


def log_page(client, user, unit):
    client.force_login(user)
    response = client.get(reverse("households:akses_nik", args=[unit.pk]))
    return response.status_code, response.content.decode()


# -- the forms -------------------------------------------------------------------------------------


def test_a_cross_area_hit_from_the_add_form_is_logged_once_with_who_what_and_where_from(kader, cast, far):
    before = Warga.objects.count()
    assert ELSEWHERE in add_member(kader, cast, far[0].nik)
    assert ELSEWHERE in add_member(kader, cast, far[0].nik)  # asked again: answered, not logged again
    hit = lookups().get()
    assert (hit.user, hit.warga, hit.keluarga, hit.field, hit.sumber) == (
        cast.users["kader"], far[0], None, "nik", SumberCek.FORMULIR,
    )  # fmt: skip
    assert timezone.now() - hit.at < datetime.timedelta(minutes=1)
    assert Warga.objects.count() == before


def test_a_no_kk_hit_from_the_keluarga_form_names_the_keluarga(kader, cast, far):
    keluarga = cast.w_hendra.keluarga
    response = kader.post(reverse("households:keluarga_edit", args=[keluarga.pk]), {"no_kk": far[0].keluarga.no_kk})
    assert services.NO_KK_ELSEWHERE in response.content.decode()
    hit = lookups().get()
    assert (hit.keluarga, hit.warga, hit.field, hit.sumber) == (far[0].keluarga, None, "no_kk", SumberCek.FORMULIR)
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == keluarga.no_kk


def test_a_duplicate_in_the_users_own_area_is_named_and_not_logged(kader, cast, near):
    assert "NIK ini sudah terdaftar atas nama Dekat Wijayakusuma di Melati 1." in add_member(kader, cast, NEAR_NIK)
    assert not AksesNIK.objects.exists()


def test_the_limit_refuses_the_next_lookup_with_its_message_and_writes_nothing(kader, cast, far, near, settings):
    settings.PKK_NIK_LOOKUP_LIMIT = 2
    for person_far in far[:2]:
        assert ELSEWHERE in add_member(kader, cast, person_far.nik)
    before = Warga.objects.count()

    body = add_member(kader, cast, far[2].nik)
    assert LIMIT in body and ELSEWHERE not in body
    assert lookups().count() == 2 and Warga.objects.count() == before
    # Past the limit a free number gets the same refusal (else the refusal would mean "elsewhere").
    assert LIMIT in add_member(kader, cast, FREE_NIK)
    assert Warga.objects.count() == before
    # What the account was already told stays answered; its own area is not limited.
    assert ELSEWHERE in add_member(kader, cast, far[0].nik)
    assert "atas nama Dekat Wijayakusuma" in add_member(kader, cast, NEAR_NIK)
    assert lookups().count() == 2

    # The limit is per account ...
    kader.force_login(cast.users["ketua_dasawisma"])
    assert ELSEWHERE in add_member(kader, cast, far[2].nik)
    # ... and over the last 24 hours.
    lookups().update(at=timezone.now() - datetime.timedelta(hours=25))
    kader.force_login(cast.users["kader"])
    assert ELSEWHERE in add_member(kader, cast, far[3].nik)
    assert lookups().filter(user=cast.users["kader"]).count() == 3


# -- the import ------------------------------------------------------------------------------------


def _problems(page):
    return {(r.number, p.message) for r in page.context["preview"].rows for p in r.problems if p.column == "NIK"}


def test_the_import_preview_logs_its_hits_once_and_marks_rows_beyond_the_limit(client, cast, far, settings):
    settings.PKK_NIK_LOOKUP_LIMIT = 2
    rows = [siti(), *(person(f"Jauh {i}", BORN, "L", nik=w.nik) for i, w in enumerate(far[:3]))]
    rows.append(person("Anak Baru", BORN, "L", nik=FREE_NIK))
    client.force_login(cast.users["kader"])
    before = household_rows()
    response = upload(client, cast.dw, fill(rows, cast.dw))
    url = response["Location"]

    page = client.get(url)
    expected = {
        (3, "NIK sudah terdaftar di wilayah lain."),
        (4, "NIK sudah terdaftar di wilayah lain."),
        (5, LIMIT),  # the third hit: beyond the limit
        (6, LIMIT),  # a free number beyond the limit says no more
    }
    assert _problems(page) == expected
    assert "Siregar" not in page.content.decode()
    hits = lookups().order_by("pk")
    assert [(h.warga, h.field, h.sumber, h.user) for h in hits] == [
        (far[0], "nik", SumberCek.IMPOR, cast.users["kader"]),
        (far[1], "nik", SumberCek.IMPOR, cast.users["kader"]),
    ]

    # Shown again, page by page, every row: the same answers, nothing logged again.
    for again in (url, f"{url}?tampil=semua", f"{url}?tampil=semua&hal=2", f"{url}?tampil=masalah&hal=1"):
        page = client.get(again)
        assert page.status_code == 200 and _problems(page) == expected
    assert lookups().count() == 2

    # The confirm analyses the file again: refused, nothing written, nothing logged again.
    response = client.post(url)
    assert "Tidak ada yang disimpan" in response.content.decode()
    assert household_rows() == before and lookups().count() == 2


def test_a_confirm_posted_without_its_preview_still_logs_its_hit(client, cast, far):
    """The confirm's analysis runs in the transaction it rolls back when a row is wrong; the hit it
    answered is written after the request all the same."""
    client.force_login(cast.users["kader"])
    response = upload(client, cast.dw, fill([siti(), person("Jauh", BORN, "L", nik=far[0].nik)], cast.dw))
    page = client.post(response["Location"])
    assert "NIK sudah terdaftar di wilayah lain." in page.content.decode()
    hit = lookups().get()
    assert (hit.warga, hit.sumber, hit.user) == (far[0], SumberCek.IMPOR, cast.users["kader"])


# -- the reveal log --------------------------------------------------------------------------------


def test_the_reveal_log_shows_lookup_hits_to_the_tp_pkk_of_both_sides_only(client, cast, far):
    bambang = cast.w_bambang  # Melati 2: Berbas Tengah, but outside the kader's own dasawisma
    Warga.objects.filter(pk=bambang.pk).update(nik="6474020311790401")
    client.force_login(cast.users["kader"])
    assert ELSEWHERE in add_member(client, cast, "6474020311790401")
    assert ELSEWHERE in add_member(client, cast, far[0].nik)
    assert lookups().count() == 2

    status, body = log_page(client, cast.users["kelurahan"], cast.kel)
    assert status == 200
    assert body.count("cek NIK dari formulir") == 2 and body.count("(kader)") == 2
    assert "Bambang Wijayakusuma" in body  # their own resident, tried by someone who may not see him
    assert "Jauh 0 Siregar" not in body and "di luar wilayah Anda" in body  # their cadre tried Belimbing
    assert "6474020311790401" not in body and far[0].nik not in body

    status, body = log_page(client, cast.users["kader"], cast.dw)
    assert status == 403

    status, body = log_page(client, cast.users["outsider"], cast.kel2)  # Belimbing's TP PKK
    assert status == 200
    assert "Bambang" not in body  # Berbas Tengah's own business
    assert body.count("cek NIK dari formulir") == 1 and "Jauh 0 Siregar" in body and "(kader)" in body
    status, _body = log_page(client, cast.users["outsider"], cast.kel)
    assert status == 404
