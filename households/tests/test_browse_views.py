"""The household browsing screens as their users meet them: the list of a dasawisma, the search, the
household page, the NIK/No. KK reveal, the yearly check and moving a household."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households import services, validation
from households.models import AksesNIK, PendataanTahunan, RumahTangga
from households.tests import factories as f
from households.tests.factories import leave

TODAY = timezone.localdate()


def page(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs))


def text(response):
    return response.content.decode()


def card(body, rumah_tangga):
    """The HTML of one household's card on the list."""
    match = re.search(rf'<li id="rt-{rumah_tangga.pk}".*?</li>\s*(?=<li id="rt-|</ul>)', body, re.S)
    assert match, f"no card for rumah tangga {rumah_tangga.pk}"
    return match.group(0)


def counts_in(html):
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)"[^>]*>(\d+)<', html)}


def many_households(dasawisma, n):
    for i in range(n):
        rt = f.rumah_tangga(dasawisma, alamat=f"Jl. Uji {i}")
        kel = f.keluarga(rt)
        head = f.warga(kel, f"Warga Uji {i}", datetime.date(1980, 1, 1 + i % 28), "L", status_dalam_keluarga="kepala")
        f.warga(kel, f"Anak Uji {i}", datetime.date(2023, 1, 1 + i % 28), "P")
        rt.krt = head
        rt.save()


# -- the list of a dasawisma -----------------------------------------------------------------------


def test_kader_sees_the_households_of_their_own_dasawisma_only(client, cast):
    body = text(page(client, cast.users["kader"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    assert "Hendra Wijayakusuma" in body and "Sumiati Wijayakusuma" in body
    assert "Bambang" not in body
    assert page(client, cast.users["kader"], "households:rumah_tangga_list", unit_pk=cast.dw_b.pk).status_code == 404


def test_rt_sees_the_lists_of_its_dasawisma_and_outsider_gets_not_found(client, cast):
    assert "Bambang Wijayakusuma" in text(
        page(client, cast.users["rt"], "households:rumah_tangga_list", unit_pk=cast.dw_b.pk)
    )
    assert page(client, cast.users["outsider"], "households:rumah_tangga_list", unit_pk=cast.dw.pk).status_code == 404


def test_list_counts_match_the_hand_counted_households(client, cast):
    body = text(page(client, cast.users["rt"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    # hh_a: Hendra (L, married), Rina (P, married, 38: PUS and WUS, breastfeeding), Dimas (L, balita)
    assert counts_in(card(body, cast.hh_a)) == {
        "jml_anggota": 3, "jml_l": 2, "jml_p": 1, "jml_kk": 1, "balita_l": 1, "balita_p": 0, "jml_pus": 1,
        "jml_wus": 1, "buta_l": 0, "buta_p": 0, "ibu_hamil": 0, "ibu_menyusui": 1, "lansia": 0,
        "berkebutuhan_khusus": 0,
    }  # fmt: skip
    # hh_b: Sumiati alone (P, 1950: lansia, buta baca, berkebutuhan fisik), house tidak sehat
    hh_b = card(body, cast.hh_b)
    assert counts_in(hh_b) == {
        "jml_anggota": 1, "jml_l": 0, "jml_p": 1, "jml_kk": 1, "balita_l": 0, "balita_p": 0, "jml_pus": 0,
        "jml_wus": 0, "buta_l": 0, "buta_p": 1, "ibu_hamil": 0, "ibu_menyusui": 0, "lansia": 1,
        "berkebutuhan_khusus": 1,
    }  # fmt: skip
    assert "Tidak sehat layak huni" in hh_b and "Jl. Melati 1 No. 9" in hh_b


def test_list_warns_when_the_dasawisma_is_outside_10_to_20_households(client, cast):
    body = text(page(client, cast.users["kader"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    assert 'data-stat="total">2<' in body and "di luar ukuran biasa 10–20 rumah tangga" in body
    many_households(cast.dw, 10)
    body = text(page(client, cast.users["kader"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    assert 'data-stat="total">12<' in body and "di luar ukuran biasa" not in body


def test_list_shows_the_yearly_check_progress(client, cast):
    services.pendataan_confirm(actor=cast.users["kader"], rumah_tangga=cast.hh_a, tahun=TODAY.year)
    body = text(page(client, cast.users["rt"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    assert 'data-stat="pendataan">1/2<' in body
    assert f"diperiksa {TODAY.year}" in card(body, cast.hh_a) and "diperiksa" not in card(body, cast.hh_b)


@pytest.mark.parametrize("field", ["name", "nik", "no_kk"])
def test_list_filter_by_name_nik_or_no_kk(client, cast, field):
    q = {
        "name": "sumia",
        "nik": cast.w_sumiati.nik,
        "no_kk": cast.w_sumiati.keluarga.no_kk,
    }[field]
    client.force_login(cast.users["kader"])
    body = text(client.get(reverse("households:rumah_tangga_list", args=[cast.dw.pk]), {"q": q}))
    assert "Sumiati Wijayakusuma" in body and "Hendra Wijayakusuma" not in body


def test_a_partial_number_is_not_a_filter(client, cast):
    client.force_login(cast.users["kader"])
    body = text(client.get(reverse("households:rumah_tangga_list", args=[cast.dw.pk]), {"q": cast.w_hendra.nik[:8]}))
    assert "terdiri dari tepat 16 angka" in body


def test_households_that_left_show_only_with_the_switch(client, cast):
    services.rumah_tangga_leave(actor=cast.users["kader"], rumah_tangga=cast.hh_b, on_date=TODAY)
    url = reverse("households:rumah_tangga_list", args=[cast.dw.pk])
    client.force_login(cast.users["kader"])
    body = text(client.get(url))
    assert "Sumiati" not in body and 'data-stat="total">1<' in body
    body = text(client.get(url, {"keluar": "1"}))
    assert "Sumiati Wijayakusuma" in body and f"keluar {TODAY:%d-%m-%Y}" in body


def test_entry_links_only_for_cadres(client, cast):
    kader = text(page(client, cast.users["kader"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    rt = text(page(client, cast.users["rt"], "households:rumah_tangga_list", unit_pk=cast.dw.pk))
    create = reverse("households:rumah_tangga_create", kwargs={"unit_pk": cast.dw.pk})
    upload = reverse("households:import_upload", kwargs={"unit_pk": cast.dw.pk})
    assert create in kader and upload in kader
    assert create not in rt and upload not in rt
    download = reverse(
        "households:export_dasawisma", kwargs={"unit_pk": cast.dw.pk, "form": "data-warga", "fmt": "xlsx"}
    )
    assert download in kader and download in rt


@pytest.mark.parametrize("n", [1, 30])
def test_list_runs_in_a_constant_number_of_queries(client, cast, django_assert_max_num_queries, n):
    many_households(cast.dw_c, n)
    client.force_login(cast.users["kelurahan"])
    url = reverse("households:rumah_tangga_list", args=[cast.dw_c.pk])
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.status_code == 200
    assert text(response).count('class="hh-card') == min(n, 25)


def test_list_pages_keep_the_filter(client, cast):
    many_households(cast.dw_c, 30)
    client.force_login(cast.users["kelurahan"])
    url = reverse("households:rumah_tangga_list", args=[cast.dw_c.pk])
    body = text(client.get(url, {"q": "uji"}))
    assert "Halaman 1 dari 2" in body and "hal=2&amp;q=uji" in body


def test_list_is_only_for_a_dasawisma(client, cast):
    assert page(client, cast.users["kelurahan"], "households:rumah_tangga_list", unit_pk=cast.rt.pk).status_code == 404


# -- search ----------------------------------------------------------------------------------------


def search(client, user, q):
    client.force_login(user)
    return client.get(reverse("households:warga_search"), {"q": q})


def test_search_by_name_covers_the_whole_area_and_nothing_beyond(client, cast):
    body = text(search(client, cast.users["kelurahan"], "wijaya"))
    assert "Hendra Wijayakusuma" in body and "Bambang Wijayakusuma" in body and "Siregar" not in body
    body = text(search(client, cast.users["kader"], "wijaya"))
    assert "Hendra Wijayakusuma" in body and "Bambang" not in body


def test_search_results_show_path_status_and_masked_nik(client, cast):
    leave(cast.w_dimas, "pindah", TODAY)
    body = text(search(client, cast.users["rw"], "Dimas"))
    assert re.search(r"Melati 1 › RT 001 › RW 01 › [^<]*Berbas Tengah", body)
    assert validation.mask(cast.w_dimas.nik) in body and cast.w_dimas.nik not in body
    assert f"pindah {TODAY:%d-%m-%Y}" in body
    assert reverse("households:rumah_tangga_detail", args=[cast.hh_a.pk]) in body


def test_search_by_full_nik_or_no_kk(client, cast):
    assert "Rina Wijayakusuma" in text(search(client, cast.users["rt"], cast.w_rina.nik))
    body = text(search(client, cast.users["rt"], cast.w_rina.keluarga.no_kk))
    assert "Rina Wijayakusuma" in body and "Hendra Wijayakusuma" in body and "Sumiati" not in body
    # typed in groups of four, as printed on the card
    spaced = " ".join(cast.w_rina.nik[i : i + 4] for i in range(0, 16, 4))
    assert "Rina Wijayakusuma" in text(search(client, cast.users["rt"], spaced))


def test_search_by_nik_outside_the_area_finds_nothing(client, cast):
    body = text(search(client, cast.users["kelurahan"], cast.w_togar.nik))
    assert "Togar" not in body and "Tidak ada warga yang cocok di wilayah Anda" in body
    assert "Togar Siregar" in text(search(client, cast.users["outsider"], cast.w_togar.nik))


def test_search_needs_three_letters_of_a_name(client, cast):
    body = text(search(client, cast.users["kader"], "He"))
    assert "Ketik sekurang-kurangnya 3 huruf dari nama." in body and "Hendra" not in body


def test_search_without_any_role_is_refused(client, cast):
    assert search(client, cast.users["nobody"], "wijaya").status_code == 403


@pytest.mark.parametrize("n", [1, 30])
def test_search_runs_in_a_constant_number_of_queries(client, cast, django_assert_max_num_queries, n):
    many_households(cast.dw_c, n)
    client.force_login(cast.users["kota"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("households:warga_search"), {"q": "Warga Uji"})
    assert text(response).count("<li><a href=") == min(n, 25)


# -- the household page ----------------------------------------------------------------------------


def test_household_page_shows_data_keluarga_and_members(client, cast):
    body = text(page(client, cast.users["rt"], "households:rumah_tangga_detail", pk=cast.hh_b.pk))
    assert "Sumiati Wijayakusuma" in body and "Jl. Melati 1 No. 9" in body
    assert "Melati 1" in body and "RT 001" in body and "Berbas Tengah" in body
    assert "Tidak sehat layak huni" in body and "Sungai" in body
    assert counts_in(body)["lansia"] == 1 and counts_in(body)["buta_p"] == 1
    assert f"Pendataan tahunan {TODAY.year}" in body and "belum diperiksa" in body


def test_household_page_shows_who_checked_it_this_year(client, cast):
    services.pendataan_confirm(actor=cast.users["kader"], rumah_tangga=cast.hh_a, tahun=TODAY.year)
    body = text(page(client, cast.users["rt"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    assert "sudah diperiksa" in body and "oleh Kader" in body


def test_members_who_left_are_listed_apart(client, cast):
    leave(cast.w_dimas, "meninggal", TODAY)
    body = text(page(client, cast.users["kader"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    active, left = body.split("Sudah tidak aktif")
    assert "Hendra Wijayakusuma" in active and "Dimas Wijayakusuma" not in active
    assert "Dimas Wijayakusuma" in left and f"meninggal {TODAY:%d-%m-%Y}" in left
    assert counts_in(body)["jml_anggota"] == 2


def test_kader_cannot_open_the_sibling_dasawismas_household(client, cast):
    assert page(client, cast.users["kader"], "households:rumah_tangga_detail", pk=cast.hh_c.pk).status_code == 404
    assert page(client, cast.users["outsider"], "households:rumah_tangga_detail", pk=cast.hh_a.pk).status_code == 404


@pytest.mark.parametrize("role", ["kader", "rt", "kelurahan", "kota"])
def test_nik_and_no_kk_are_masked_on_every_browsing_page(client, cast, role):
    user = cast.users[role]
    services.warga_update(
        actor=cast.users["kader"], warga=cast.w_hendra, data={"keterangan": "pindah kerja"}
    )  # something in the history
    numbers = [cast.w_hendra.nik, cast.w_rina.nik, cast.w_hendra.keluarga.no_kk]
    bodies = [
        text(page(client, user, "households:rumah_tangga_list", unit_pk=cast.dw.pk)),
        text(page(client, user, "households:rumah_tangga_detail", pk=cast.hh_a.pk)),
        text(page(client, user, "households:pendataan", unit_pk=cast.dw.pk)),
        text(search(client, user, "Wijayakusuma")),
    ]
    history = page(client, user, "households:rumah_tangga_history", pk=cast.hh_a.pk)
    if history.status_code == 200:
        bodies.append(text(history))
    for body in bodies:
        for number in numbers:
            assert number not in body
    detail = bodies[1]
    assert validation.mask(cast.w_hendra.nik) in detail and validation.mask(cast.w_hendra.keluarga.no_kk) in detail


def test_action_links_follow_the_users_rights(client, cast):
    kader = text(page(client, cast.users["kader"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    rt = text(page(client, cast.users["rt"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    kel = text(page(client, cast.users["kelurahan"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    kel_pk = cast.w_hendra.keluarga_id
    entry_links = [
        reverse("households:rumah_tangga_edit", args=[cast.hh_a.pk]),
        reverse("households:keluarga_add", args=[cast.hh_a.pk]),
        reverse("households:keluarga_edit", args=[kel_pk]),
        reverse("households:warga_add", args=[kel_pk]),
        reverse("households:warga_edit", args=[cast.w_rina.pk]),
        reverse("households:kegiatan_edit", args=[cast.w_rina.pk]),
        reverse("reports:warga_leave", args=[cast.w_rina.pk]),
        reverse("households:warga_delete", args=[cast.w_rina.pk]),
        reverse("households:catatan_koreksi", kwargs={"pk": cast.w_rina.pk, "tahun": TODAY.year}),
        reverse("households:pekarangan_edit", args=[cast.hh_a.pk]),
        reverse("households:industri_edit", args=[cast.hh_a.pk]),
        reverse("households:rumah_tangga_leave", args=[cast.hh_a.pk]),
    ]
    for link in entry_links:
        assert link in kader and link not in rt and link not in kel
    move = reverse("households:rumah_tangga_move", args=[cast.hh_a.pk])
    history = reverse("households:rumah_tangga_history", args=[cast.hh_a.pk])
    reveal = reverse("households:nik_reveal", args=[cast.w_rina.pk])
    assert move in kel and move not in kader and move not in rt
    assert history in kel and history in kader and history not in rt
    assert reveal in kel and reveal not in kader and reveal not in rt
    export = reverse(
        "households:export_rumah_tangga", kwargs={"pk": cast.hh_a.pk, "form": "catatan-keluarga", "fmt": "pdf"}
    )
    assert export in kader and export in rt and export in kel


def test_household_page_shows_the_two_sheets(client, cast):
    cast.hh_a.pekarangan.create(kategori="toga", komoditi="Jahe", jumlah="5 pohon")
    cast.hh_a.industri.create(kategori="pangan", komoditi="Keripik", jumlah="20 bungkus")
    body = text(page(client, cast.users["rt"], "households:rumah_tangga_detail", pk=cast.hh_a.pk))
    assert "TOGA" in body and "Jahe" in body and "Keripik" in body and "20 bungkus" in body


# -- reveal ----------------------------------------------------------------------------------------


def test_kelurahan_reveals_a_nik_and_it_is_logged(client, cast):
    client.force_login(cast.users["sekretaris"])
    response = client.post(reverse("households:nik_reveal", args=[cast.w_rina.pk]))
    assert response.status_code == 200 and cast.w_rina.nik in text(response)
    assert "no-store" in response["Cache-Control"]
    log = AksesNIK.objects.get()
    assert (log.user, log.warga, log.field) == (cast.users["sekretaris"], cast.w_rina, "nik")


def test_kecamatan_reveals_a_no_kk_and_it_is_logged(client, cast):
    client.force_login(cast.users["kecamatan"])
    keluarga = cast.w_rina.keluarga
    response = client.post(reverse("households:kk_reveal", args=[keluarga.pk]))
    assert response.status_code == 200 and keluarga.no_kk in text(response)
    assert AksesNIK.objects.filter(user=cast.users["kecamatan"], keluarga=keluarga, field="no_kk").count() == 1


@pytest.mark.parametrize(("role", "status"), [("rt", 403), ("kader", 403), ("ketua_dasawisma", 403), ("outsider", 404)])
def test_reveal_is_refused_without_the_right(client, cast, role, status):
    client.force_login(cast.users[role])
    assert client.post(reverse("households:nik_reveal", args=[cast.w_rina.pk])).status_code == status
    assert client.post(reverse("households:kk_reveal", args=[cast.w_rina.keluarga_id])).status_code == status
    assert not AksesNIK.objects.exists()


def test_reveal_is_post_only(client, cast):
    client.force_login(cast.users["kelurahan"])
    assert client.get(reverse("households:nik_reveal", args=[cast.w_rina.pk])).status_code == 405
    assert not AksesNIK.objects.exists()


# -- yearly check ----------------------------------------------------------------------------------


def test_kader_confirms_the_ticked_households(client, cast):
    client.force_login(cast.users["kader"])
    url = reverse("households:pendataan", args=[cast.dw.pk])
    body = text(client.get(url))
    tick = f'name="rumah_tangga" value="{cast.hh_a.pk}"'
    assert 'data-stat="pendataan">0/2<' in body and tick in body
    response = client.post(url, {"tahun": TODAY.year, "rumah_tangga": [cast.hh_a.pk]})
    assert response.status_code == 302
    row = PendataanTahunan.objects.get()
    assert (row.rumah_tangga, row.tahun, row.diperiksa_oleh) == (cast.hh_a, TODAY.year, cast.users["kader"])
    body = text(client.get(response["Location"]))
    assert 'data-stat="pendataan">1/2<' in body and tick not in body
    assert "1 rumah tangga dikonfirmasi" in body


def test_confirming_nothing_says_what_to_do(client, cast):
    client.force_login(cast.users["kader"])
    response = client.post(reverse("households:pendataan", args=[cast.dw.pk]), {"tahun": TODAY.year})
    assert response.status_code == 200 and "Centang sekurang-kurangnya satu rumah tangga" in text(response)


def test_a_household_of_another_dasawisma_cannot_be_confirmed_here(client, cast):
    client.force_login(cast.users["admin"])
    response = client.post(
        reverse("households:pendataan", args=[cast.dw.pk]), {"tahun": TODAY.year, "rumah_tangga": [cast.hh_c.pk]}
    )
    assert response.status_code == 200 and not PendataanTahunan.objects.exists()


def test_rt_sees_the_progress_but_cannot_confirm(client, cast):
    client.force_login(cast.users["rt"])
    url = reverse("households:pendataan", args=[cast.dw.pk])
    body = text(client.get(url))
    assert 'data-stat="pendataan">0/2<' in body and 'type="checkbox"' not in body
    assert client.post(url, {"tahun": TODAY.year, "rumah_tangga": [cast.hh_a.pk]}).status_code == 403
    assert not PendataanTahunan.objects.exists()


def test_pendataan_of_a_past_year_and_a_future_year(client, cast):
    last_year = TODAY.year - 1
    services.pendataan_confirm(actor=cast.users["kader"], rumah_tangga=cast.hh_b, tahun=last_year)
    client.force_login(cast.users["kader"])
    url = reverse("households:pendataan", args=[cast.dw.pk])
    assert 'data-stat="pendataan">1/2<' in text(client.get(url, {"tahun": last_year}))
    assert 'data-stat="pendataan">0/2<' in text(client.get(url))
    body = text(client.get(url, {"tahun": TODAY.year + 1}))
    assert f"Pilih tahun antara 2000 dan {TODAY.year}" in body
    response = client.post(url, {"tahun": TODAY.year + 1, "rumah_tangga": [cast.hh_a.pk]})
    assert response.status_code == 200 and not PendataanTahunan.objects.filter(tahun=TODAY.year + 1).exists()


# -- move ------------------------------------------------------------------------------------------


def test_kelurahan_moves_a_household_within_the_kelurahan(client, cast):
    client.force_login(cast.users["kelurahan"])
    url = reverse("households:rumah_tangga_move", args=[cast.hh_a.pk])
    body = text(client.get(url))
    assert "RW 01 › RT 001 › Melati 2" in body and "RT 002 › Mawar" in body
    assert "Anggrek" not in body and f'value="{cast.dw.pk}"' not in body
    response = client.post(url, {"dasawisma": cast.dw_c.pk})
    assert response.status_code == 302 and response["Location"] == cast.hh_a.get_absolute_url()
    assert RumahTangga.objects.get(pk=cast.hh_a.pk).dasawisma == cast.dw_c


def test_move_across_kelurahan_is_refused(client, cast):
    for role in ["kelurahan", "admin"]:
        client.force_login(cast.users[role])
        response = client.post(reverse("households:rumah_tangga_move", args=[cast.hh_a.pk]), {"dasawisma": cast.dw2.pk})
        assert response.status_code == 200
        assert "Pilih dasawisma aktif di desa/kelurahan yang sama." in text(response)
        assert RumahTangga.objects.get(pk=cast.hh_a.pk).dasawisma == cast.dw


def test_move_to_a_closed_dasawisma_is_not_offered(client, cast):
    cast.dw_b.active_to = TODAY - datetime.timedelta(days=1)
    cast.dw_b.save()
    client.force_login(cast.users["sekretaris"])
    url = reverse("households:rumah_tangga_move", args=[cast.hh_a.pk])
    assert "Melati 2" not in text(client.get(url))
    assert client.post(url, {"dasawisma": cast.dw_b.pk}).status_code == 200
    assert RumahTangga.objects.get(pk=cast.hh_a.pk).dasawisma == cast.dw


@pytest.mark.parametrize(
    ("role", "status"), [("kota", 403), ("kecamatan", 403), ("rt", 403), ("kader", 403), ("outsider", 404)]
)
def test_move_is_only_for_kelurahan_staff(client, cast, role, status):
    client.force_login(cast.users[role])
    url = reverse("households:rumah_tangga_move", args=[cast.hh_a.pk])
    assert client.post(url, {"dasawisma": cast.dw_b.pk}).status_code == status
    assert RumahTangga.objects.get(pk=cast.hh_a.pk).dasawisma == cast.dw


@pytest.mark.parametrize("n", [1, 30])
def test_pendataan_runs_in_a_constant_number_of_queries(client, cast, django_assert_max_num_queries, n):
    many_households(cast.dw_c, n)
    for rumah_tangga in RumahTangga.objects.filter(dasawisma=cast.dw_c)[: n // 2]:
        services.pendataan_confirm(actor=cast.users["admin"], rumah_tangga=rumah_tangga, tahun=TODAY.year)
    client.force_login(cast.users["kelurahan"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("households:pendataan", args=[cast.dw_c.pk]))
    assert f'data-stat="pendataan">{n // 2}/{n}<' in text(response)


@pytest.mark.parametrize("members", [1, 12])
def test_household_page_queries_do_not_grow_with_its_members(client, cast, django_assert_max_num_queries, members):
    rumah_tangga = f.rumah_tangga(cast.dw)
    kel = f.keluarga(rumah_tangga)
    for i in range(members):
        f.warga(kel, f"Anggota {i}", datetime.date(1990, 1, 1 + i), "P", status_dalam_keluarga="lain")
    client.force_login(cast.users["kader"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("households:rumah_tangga_detail", args=[rumah_tangga.pk]))
    assert text(response).count('class="warga"') == members


def test_searching_by_a_number_takes_only_the_digits_0_to_9(client, cast):
    client.force_login(cast.users["kader"])
    fullwidth = "６４７４０２４７０３９０００１"
    response = client.get(reverse("households:warga_search"), {"q": fullwidth})
    assert response.status_code == 200  # a name search that finds nobody, never a 500


def test_a_dasawisma_that_holds_households_is_not_closed_and_the_page_offers_to_move_them(client, cast):
    """Closing Melati 1 while Hendra's and Sumiati's households are in it lists both with their move
    pages; once one has moved and the other left on the closing day, it closes."""
    client.force_login(cast.users["kelurahan"])
    close = reverse("hierarchy:unit_close", args=[cast.dw.pk])
    day = TODAY - datetime.timedelta(days=2)
    body = text(client.post(close, {"on_date": day.isoformat()}))
    assert "Melati 1 belum dapat ditutup" in body and "masih berisi 2 rumah tangga" in body
    for household in (cast.hh_a, cast.hh_b):
        assert reverse("households:rumah_tangga_move", args=[household.pk]) in body
    assert cast.dw.__class__.objects.get(pk=cast.dw.pk).active_to is None
    services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_a, dasawisma=cast.dw_b)
    services.rumah_tangga_leave(actor=cast.users["admin"], rumah_tangga=cast.hh_b, on_date=TODAY)
    body = text(client.post(close, {"on_date": day.isoformat()}))
    assert "masih berisi 1 rumah tangga" in body  # Sumiati's is still there on the day after the closing day
    services.rumah_tangga_leave(
        actor=cast.users["admin"], rumah_tangga=cast.hh_b, on_date=day + datetime.timedelta(days=1)
    )
    assert client.post(close, {"on_date": day.isoformat()}).status_code == 302
    assert cast.dw.__class__.objects.get(pk=cast.dw.pk).active_to == day
