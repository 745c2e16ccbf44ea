"""Daftar sasaran intervensi: each list against the cast's hand-made households, who drops out, who
may see which area, the Excel download read back, and a constant number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households import intervensi, rules, services
from households.models import AksesNIK, Kehamilan, RumahTangga, Warga
from households.tests import factories as f
from households.validation import mask

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def url(unit, daftar=None, **extra):
    query = {"daftar": daftar, **extra} if daftar else extra
    base = reverse("households:intervensi", args=[unit.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def names(daftar, user, unit):
    return [row.nama for row in intervensi.rows(daftar, daftar.select(user, unit, TODAY), TODAY)]


def rows_of(key, user, unit):
    daftar = intervensi.DAFTAR[key]
    return intervensi.rows(daftar, daftar.select(user, unit, TODAY), TODAY)


@pytest.fixture
def hamil(cast):
    """Rina (Melati 1) is two months pregnant; an older pregnancy of hers ended last year."""
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=TODAY - 400 * DAY, tanggal_selesai=TODAY - 130 * DAY)
    return Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=TODAY - 60 * DAY, perkiraan_lahir=TODAY + 200 * DAY)


@pytest.fixture
def siregar_needs(cast):
    """Belimbing has its own people on every list: Maria Siregar is pregnant and buta hitung, Togar is
    berkebutuhan khusus mental, and their house has no jamban and is tidak sehat."""
    Warga.objects.filter(pk=cast.w_maria.pk).update(buta_hitung=True)
    Warga.objects.filter(pk=cast.w_togar.pk).update(berkebutuhan_khusus="mental")
    RumahTangga.objects.filter(pk=cast.hh_x.pk).update(
        kriteria_rumah="tidak_sehat", punya_jamban=False, jumlah_jamban=0
    )
    Kehamilan.objects.create(ibu=cast.w_maria, tanggal_mulai=TODAY - 30 * DAY)


# -- each list against the hand-made households ----------------------------------------------------


def test_three_buta_lists_sumiati_and_says_which(cast):
    [row] = rows_of("buta", cast.users["kelurahan"], cast.kel)
    assert row.nama == "Sumiati Wijayakusuma"
    assert row.kebutuhan == "Buta baca"
    assert (row.jenis_kelamin, row.umur) == ("P", rules.age_years(datetime.date(1950, 1, 20), TODAY))
    assert row.alamat == "Jl. Melati 1 No. 9"
    assert row.jalur == "Dasawisma Melati 1 › RT 001 › RW 01 › Kelurahan Berbas Tengah"


def test_three_buta_names_every_kind_a_person_has(cast):
    Warga.objects.filter(pk=cast.w_sumiati.pk).update(buta_tulis=True, buta_hitung=True)
    [row] = rows_of("buta", cast.users["kelurahan"], cast.kel)
    assert row.kebutuhan == "Buta baca, tulis, hitung"


def test_berkebutuhan_khusus_lists_sumiati_with_the_kind(cast):
    [row] = rows_of("khusus", cast.users["kelurahan"], cast.kel)
    assert (row.nama, row.kebutuhan) == ("Sumiati Wijayakusuma", "Berkebutuhan khusus: fisik")


def test_rumah_tidak_sehat_lists_the_house_of_sumiati_with_what_it_lacks(cast):
    [row] = rows_of("rumah", cast.users["kelurahan"], cast.kel)
    assert row.nama == "Sumiati Wijayakusuma"
    assert row.alamat == "Jl. Melati 1 No. 9"
    assert row.jml_anggota == 1
    assert row.kebutuhan == "Rumah tidak sehat layak huni; tidak ada jamban keluarga"
    assert row.nik == mask(cast.w_sumiati.nik)


def test_sanitasi_lists_the_house_without_jamban_that_draws_river_water(cast):
    [row] = rows_of("sanitasi", cast.users["kelurahan"], cast.kel)
    assert row.nama == "Sumiati Wijayakusuma"
    assert row.kebutuhan == "Tanpa jamban keluarga; Tanpa air bersih (sumber air: sungai)"


def test_sanitasi_lists_a_house_with_jamban_but_only_other_water(cast):
    hh = f.rumah_tangga(cast.dw_c, alamat="Jl. Mawar 3", air_pdam=False, air_lainnya=True, air_lainnya_jenis="hujan")
    hh.krt = f.warga(f.keluarga(hh), "Joko Wijayakusuma", datetime.date(1970, 1, 1), status_dalam_keluarga="kepala")
    hh.save()
    by_name = {r.nama: r for r in rows_of("sanitasi", cast.users["kelurahan"], cast.kel)}
    assert by_name["Joko Wijayakusuma"].kebutuhan == "Tanpa air bersih (sumber air: lainnya (hujan))"
    assert "Hendra Wijayakusuma" not in by_name  # PDAM and a jamban: nothing to do


@pytest.mark.parametrize(
    ("pdam", "sumur", "sungai", "lainnya", "clean"),
    [
        (True, False, False, False, True),
        (False, True, False, False, True),
        (True, False, True, False, True),  # PDAM and river: has clean water
        (False, False, True, False, False),
        (False, False, False, True, False),
        (False, False, True, True, False),
        (False, False, False, False, False),  # nothing ticked: not proven
    ],
)
def test_clean_water_rule_agrees_in_python_and_in_the_database(cast, pdam, sumur, sungai, lainnya, clean):
    hh = f.rumah_tangga(cast.dw, air_pdam=pdam, air_sumur=sumur, air_sungai=sungai, air_lainnya=lainnya)
    assert intervensi.punya_air_bersih(hh) is clean
    assert RumahTangga.objects.filter(intervensi.air_bersih_q(), pk=hh.pk).exists() is clean


def test_ibu_hamil_lists_rina_with_the_running_pregnancy(cast, hamil):
    [row] = rows_of("hamil", cast.users["kelurahan"], cast.kel)
    assert row.nama == "Rina Wijayakusuma"
    assert row.kebutuhan == f"Hamil sejak {hamil.tanggal_mulai:%d-%m-%Y}; HPL {hamil.perkiraan_lahir:%d-%m-%Y}"


def test_ibu_hamil_flags_a_due_date_that_has_passed(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=TODAY - 300 * DAY, perkiraan_lahir=TODAY - 5 * DAY)
    [row] = rows_of("hamil", cast.users["kelurahan"], cast.kel)
    assert row.kebutuhan.endswith("(sudah lewat, perlu diperbarui)")


def test_nobody_is_pregnant_when_the_pregnancy_ended_or_has_not_begun(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=TODAY - 300 * DAY, tanggal_selesai=TODAY)
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=TODAY + DAY)
    assert rows_of("hamil", cast.users["kelurahan"], cast.kel) == []


# -- who drops out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pindah", "meninggal"])
def test_people_who_moved_or_died_are_not_listed(cast, hamil, status):
    for w in (cast.w_sumiati, cast.w_rina):
        Warga.objects.filter(pk=w.pk).update(status=status, tanggal_status=TODAY - DAY)
    user = cast.users["kelurahan"]
    for key in ("buta", "khusus", "hamil"):
        assert rows_of(key, user, cast.kel) == [], key
    # The house stays on the house lists (the household is still recorded) but has nobody counted.
    [house] = rows_of("rumah", user, cast.kel)
    assert house.jml_anggota == 0
    assert house.nama == f"Sumiati Wijayakusuma ({status})"


def test_a_household_that_left_the_dasawisma_drops_out_with_its_people(cast):
    RumahTangga.objects.filter(pk=cast.hh_b.pk).update(tanggal_keluar=TODAY - DAY)
    user = cast.users["kelurahan"]
    assert intervensi.counts(user, cast.kel, TODAY) == {"buta": 0, "khusus": 0, "rumah": 0, "sanitasi": 0, "hamil": 0}


def test_someone_leaving_tomorrow_is_still_listed_today(cast):
    Warga.objects.filter(pk=cast.w_sumiati.pk).update(status="pindah", tanggal_status=TODAY + DAY)
    assert [r.nama for r in rows_of("buta", cast.users["kelurahan"], cast.kel)] == ["Sumiati Wijayakusuma"]


# -- scoping ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        ("kelurahan", "kel", {"Wijayakusuma"}),
        ("sekretaris", "kel", {"Wijayakusuma"}),
        ("outsider", "kel2", {"Siregar"}),
        ("kecamatan", "kec", {"Wijayakusuma"}),
        ("kota", "kota", {"Wijayakusuma", "Siregar"}),
        ("admin", "prov", {"Wijayakusuma", "Siregar"}),
    ],
)
def test_each_role_sees_only_its_area_on_every_list(cast, hamil, siregar_needs, role, unit, expected):
    user, unit = cast.users[role], getattr(cast, unit)
    for daftar in intervensi.DAFTAR_LIST:
        surnames = {row.nama.split()[1] for row in intervensi.rows(daftar, daftar.select(user, unit, TODAY), TODAY)}
        assert surnames == expected, daftar.key


def test_selectors_without_a_unit_cover_the_users_whole_area(cast, siregar_needs):
    assert {w.nama for w in intervensi.warga_3_buta(cast.users["outsider"])} == {"Maria Siregar"}
    assert {w.nama for w in intervensi.warga_3_buta(cast.users["kota"])} == {"Maria Siregar", "Sumiati Wijayakusuma"}
    # A cadre holds no buka_nik: the selector gives nothing even for their own people.
    assert list(intervensi.warga_3_buta(cast.users["kader"])) == []


def test_the_page_of_another_kelurahan_is_not_found(client, cast):
    client.force_login(cast.users["outsider"])
    assert client.get(url(cast.kel)).status_code == 404
    client.force_login(cast.users["kelurahan"])
    assert client.get(url(cast.kel2)).status_code == 404


@pytest.mark.parametrize(("role", "unit"), [("kader", "dw"), ("ketua_dasawisma", "dw"), ("rt", "rt"), ("rw", "rw")])
def test_cadres_and_rt_rw_leaders_are_refused_on_their_own_groups(client, cast, role, unit):
    client.force_login(cast.users[role])
    response = client.get(url(getattr(cast, unit), "buta"))
    assert response.status_code == 403
    assert "hanya untuk TP PKK desa/kelurahan, kecamatan, dan kabupaten/kota" in response.content.decode()
    assert "Sumiati" not in response.content.decode()
    assert client.get(url(getattr(cast, unit), "buta", unduh="xlsx")).status_code == 403


def test_a_group_below_the_kelurahan_leads_to_the_kelurahan_list(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(url(cast.dw, "hamil"))
    assert response.status_code == 302
    assert response["Location"] == url(cast.kel, "hamil")


# -- the page --------------------------------------------------------------------------------------


def test_page_shows_tabs_with_counts_and_the_selected_list(client, cast, hamil):
    client.force_login(cast.users["kelurahan"])
    response = client.get(url(cast.kel, "hamil"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    tabs = [(t["daftar"].key, t["count"], t["current"]) for t in response.context["tabs"]]
    assert tabs == [("buta", 1, False), ("khusus", 1, False), ("rumah", 1, False), ("sanitasi", 1, False),
                    ("hamil", 1, True)]  # fmt: skip
    assert "Rina Wijayakusuma" in body and "Sumiati" not in body
    assert mask(cast.w_rina.nik) in body and cast.w_rina.nik not in body
    assert "Unduh Excel" in body


def test_an_unknown_list_falls_back_to_the_first(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(url(cast.kel, "bukan-daftar"))
    assert response.status_code == 200
    assert response.context["daftar"].key == "buta"
    assert "Sumiati Wijayakusuma" in response.content.decode()


def test_kota_page_counts_per_kecamatan_and_drills_down(client, cast, siregar_needs):
    client.force_login(cast.users["kota"])
    response = client.get(url(cast.kota, "buta"))
    areas = [(w["unit"].name, w["count"]) for w in response.context["per_wilayah"]]
    assert areas == [("Bontang Selatan", 1), ("Bontang Barat", 1)]
    body = response.content.decode()
    assert url(cast.kec, "buta").replace("&", "&amp;") in body
    # One level down: the kecamatan lists its kelurahan, and only its own people.
    response = client.get(url(cast.kec, "buta"))
    assert [(w["unit"].name, w["count"]) for w in response.context["per_wilayah"]] == [("Berbas Tengah", 1)]
    assert "Sumiati Wijayakusuma" in response.content.decode()
    assert "Siregar" not in response.content.decode()


def test_a_kelurahan_page_has_no_breakdown_the_rows_name_their_groups(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(url(cast.kel, "buta"))
    assert response.context["per_wilayah"] == []
    assert "Dasawisma Melati 1 › RT 001 › RW 01" in response.content.decode()


def test_long_lists_are_paginated_by_fifty(client, cast):
    kel = f.keluarga(cast.hh_a)
    for i in range(60):
        f.warga(kel, f"Anak {i:02d} Wijayakusuma", datetime.date(2010, 1, 1), buta_hitung=True)
    client.force_login(cast.users["kelurahan"])
    first = client.get(url(cast.kel, "buta"))
    assert len(first.context["rows"]) == 50
    assert first.context["total"] == 61
    second = client.get(url(cast.kel, "buta", hal=2))
    assert len(second.context["rows"]) == 11
    assert "Halaman 2 dari 2" in second.content.decode()


# -- the Excel download ----------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_xlsx_has_title_area_date_header_and_rows(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(url(cast.kel, "buta", unduh="xlsx"))
    assert 'filename="sasaran-intervensi-buta-berbas-tengah-' in response["Content-Disposition"]
    ws = _sheet(response)
    assert ws["A1"].value == "DAFTAR SASARAN INTERVENSI — WARGA 3 BUTA"
    assert ws["A2"].value == "Wilayah: Kelurahan Berbas Tengah, Kecamatan Bontang Selatan, Kota Bontang"
    assert ws["A3"].value == f"Keadaan per tanggal {TODAY:%d-%m-%Y}"
    header = [c.value for c in ws[7]]
    assert header[:5] == ["No", "Nama", "NIK (disamarkan)", "L/P", "Umur (tahun)"]
    assert header[-1] == "Kebutuhan intervensi"
    assert "Kecamatan" not in header  # one kelurahan: the column would repeat one name
    row = [c.value for c in ws[8]]
    assert row[:4] == [1, "Sumiati Wijayakusuma", mask(cast.w_sumiati.nik), "P"]
    assert row[-1] == "Buta baca"
    assert ws[9][0].value is None  # one person only
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$7:$7"


def test_xlsx_for_houses_names_the_krt_and_the_household_size(client, cast):
    client.force_login(cast.users["kota"])
    ws = _sheet(client.get(url(cast.kota, "sanitasi", unduh="xlsx")))
    assert ws["A1"].value == "DAFTAR SASARAN INTERVENSI — RUMAH TANGGA TANPA JAMBAN ATAU AIR BERSIH"
    header = [c.value for c in ws[7]]
    assert header[:4] == ["No", "Nama Kepala Rumah Tangga", "NIK (disamarkan)", "Jumlah anggota"]
    assert "Kecamatan" in header  # a whole kota: rows come from several kecamatan
    row = dict(zip(header, [c.value for c in ws[8]], strict=True))
    assert row["Nama Kepala Rumah Tangga"] == "Sumiati Wijayakusuma"
    assert row["Jumlah anggota"] == 1
    assert row["Kecamatan"] == "Kecamatan Bontang Selatan"


def test_xlsx_keeps_a_name_that_looks_like_a_formula_as_text(client, cast):
    Warga.objects.filter(pk=cast.w_sumiati.pk).update(nama='=HYPERLINK("http://x","klik")')
    client.force_login(cast.users["kelurahan"])
    ws = _sheet(client.get(url(cast.kel, "buta", unduh="xlsx")))
    cell = ws["B8"]
    assert cell.value == '=HYPERLINK("http://x","klik")'
    assert cell.data_type == "s"


def test_xlsx_of_an_empty_list_still_has_its_header(client, cast):
    client.force_login(cast.users["outsider"])
    ws = _sheet(client.get(url(cast.kel2, "hamil", unduh="xlsx")))
    assert ws["A7"].value == "No"
    assert ws["A8"].value is None
    assert "Jumlah: 0 orang" in [c.value for c in ws[9]]


# -- a constant number of queries ------------------------------------------------------------------


def _many_rows(cast, n=30):
    """n more people on every list and n more houses, spread over the three dasawisma of Berbas Tengah."""
    groups = [cast.dw, cast.dw_b, cast.dw_c]
    for i in range(n):
        hh = f.rumah_tangga(groups[i % 3], alamat=f"Jl. Uji {i}", kriteria_rumah="tidak_sehat", air_pdam=False,
                            air_sungai=True)  # fmt: skip
        kel = f.keluarga(hh)
        w = f.warga(kel, f"Ibu {i} Wijayakusuma", datetime.date(1990, 1, 1), "P", status_dalam_keluarga="kepala",
                    buta_tulis=True, berkebutuhan_khusus="mental")  # fmt: skip
        Kehamilan.objects.create(ibu=w, tanggal_mulai=TODAY - 10 * DAY)
        hh.krt = w
        hh.save()


def _queries(client, target):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("key", list(intervensi.DAFTAR))
@pytest.mark.parametrize("unduh", [False, True])
def test_queries_do_not_grow_with_the_rows(client, cast, hamil, django_assert_max_num_queries, key, unduh):
    client.force_login(cast.users["kota"])
    extra = {"unduh": "xlsx"} if unduh else {}
    # Warm up (session, grants) on a page we do not measure.
    client.get(url(cast.kel, key))
    one_row = _queries(client, url(cast.kota, key, **extra))
    _many_rows(cast)
    with django_assert_max_num_queries(one_row):
        response = client.get(url(cast.kota, key, **extra))
    if not unduh:
        assert len(response.context["rows"]) > 30


def test_the_log_of_opened_numbers_shows_who_opened_whose_and_only_in_the_area(client, cast):
    """TP PKK see each other's reveals of masked NIK and No. KK in their area (households.AksesNIK)."""
    services.nik_reveal(actor=cast.users["kelurahan"], warga=cast.w_rina)
    services.nik_reveal(actor=cast.users["outsider"], warga=cast.w_maria)
    client.force_login(cast.users["kecamatan"])
    body = client.get(reverse("households:akses_nik", args=[cast.kel.pk])).content.decode()
    assert "Rina Wijayakusuma" in body and "(kelurahan)" in body and "NIK" in body
    assert "Maria Siregar" not in body  # Belimbing's reveal is not in Berbas Tengah's log
    assert cast.w_rina.nik not in body
    assert AksesNIK.objects.count() == 2
    client.force_login(cast.users["kader"])
    assert client.get(reverse("households:akses_nik", args=[cast.dw.pk])).status_code == 403
