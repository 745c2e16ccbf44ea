"""The cadres' entry screens, as a kader on a phone uses them: one page for a new household, messages at
the field with everything typed kept, the NIK/No. KK confirmation, dependent fields, leaving and
deleting, Kegiatan Warga and the household sheets."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from households.models import (
    IndustriRumahTangga,
    KegiatanWarga,
    Kehamilan,
    Keluarga,
    PemanfaatanPekarangan,
    RumahTangga,
    Warga,
)
from households.tests import factories as f
from households.tests.factories import leave
from households.tests.url_cases_entry import (
    BUDI,
    NIK_SITI,
    NO_KK,
    SITI,
    kegiatan_post,
    members_post,
    rumah_tangga_post,
    sheet_post,
    warga_post,
)
from households.validation import mask


@pytest.fixture
def kader(client, cast):
    client.force_login(cast.users["kader"])
    return client


def url(name, *args):
    return reverse(name if ":" in name else f"households:{name}", args=args)


def page(response):
    return response.content.decode()


def shown_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def create(client, cast, data):
    return client.post(url("rumah_tangga_create", cast.dw.pk), data)


# -- a new household in one page -------------------------------------------------------------------


def test_kader_creates_a_household_with_two_members_in_one_post_and_sees_it(kader, cast):
    response = create(kader, cast, rumah_tangga_post(BUDI, SITI))

    rt = RumahTangga.objects.get(alamat="Jl. Kenanga 5")
    assert response.status_code == 302 and response.url == f"/rumah-tangga/{rt.pk}/"
    assert rt.dasawisma == cast.dw and rt.krt.nama == "Budi Santoso"
    assert rt.keluarga.get().no_kk == NO_KK
    assert sorted(rt.keluarga.get().anggota.values_list("nama", flat=True)) == ["Budi Santoso", "Siti Rahmawati"]
    assert "Rumah tangga Budi Santoso disimpan dengan 2 anggota." in shown_messages(response)
    household_page = kader.get(response.url)
    assert household_page.status_code == 200
    assert "Budi Santoso" in page(household_page) and "Siti Rahmawati" in page(household_page)


def test_the_new_household_page_starts_with_two_member_rows(kader, cast):
    body = page(kader.get(url("rumah_tangga_create", cast.dw.pk)))
    assert 'name="anggota-TOTAL_FORMS" value="2"' in body
    assert "Anggota 2" in body and "Anggota 3" not in body
    assert "+ Tambah baris anggota" in body


def test_a_spare_empty_member_row_is_not_saved(kader, cast):
    data = rumah_tangga_post(BUDI, {})
    assert create(kader, cast, data).status_code == 302
    assert Warga.objects.filter(keluarga__rumah_tangga__alamat="Jl. Kenanga 5").count() == 1


def test_a_household_without_any_member_is_refused(kader, cast):
    response = create(kader, cast, rumah_tangga_post({}, {}))
    assert response.status_code == 200
    assert "Isi sekurang-kurangnya satu anggota keluarga." in page(response)
    assert not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()


def test_a_bad_nik_comes_back_at_its_field_with_everything_typed(kader, cast):
    data = rumah_tangga_post(
        BUDI | {"nik": "64740214028"}, SITI, aktivitas_up2k="1", jenis_usaha_up2k="Warung kelontong"
    )
    response = create(kader, cast, data)

    body = page(response)
    assert response.status_code == 200
    assert "NIK harus tepat 16 angka." in body
    assert 'value="64740214028"' in body and 'value="Budi Santoso"' in body and 'value="Siti Rahmawati"' in body
    assert 'value="Jl. Kenanga 5"' in body and 'value="Warung kelontong"' in body
    assert 'value="1990-03-07"' in body  # the date input keeps its ISO value
    assert 'name="rt-aktivitas_up2k" value="1" class="choices" required id="id_rt-aktivitas_up2k_0" checked' in body
    assert not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()
    assert not Keluarga.objects.filter(no_kk=NO_KK).exists()


def test_messages_are_in_indonesian_at_each_missing_field(kader, cast):
    response = create(kader, cast, rumah_tangga_post({"nama": "Tanpa Data"}, alamat=""))
    body = page(response)
    for message in ["Pilih jenis kelamin.", "Isi tanggal lahir.", "Pilih status dalam keluarga.", "Pilih agama."]:
        assert message in body
    assert "This field" not in body
    assert body.count("Bidang ini tidak boleh kosong") >= 1  # the address


def test_tambah_baris_adds_a_member_row_and_keeps_everything_without_judging(kader, cast):
    data = rumah_tangga_post(BUDI | {"nik": "123"}, SITI)
    data["tambah_baris"] = "1"
    response = create(kader, cast, data)

    body = page(response)
    assert response.status_code == 200
    assert 'name="anggota-TOTAL_FORMS" value="3"' in body and "Anggota 3" in body
    assert 'value="Budi Santoso"' in body and 'value="123"' in body and 'value="Jl. Kenanga 5"' in body
    assert "NIK harus tepat 16 angka." not in body  # judged when saving, not when adding a row
    assert not RumahTangga.objects.exists() or not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()


def test_a_row_re_shown_by_tambah_baris_is_saved_even_if_not_touched_again(kader, cast):
    data = rumah_tangga_post(BUDI, SITI)
    data["tambah_baris"] = "1"
    create(kader, cast, data)
    data.pop("tambah_baris")
    data.update(members_post(BUDI, SITI, {}))  # what the page posts back: the two rows and the new empty one
    assert create(kader, cast, data).status_code == 302
    assert Warga.objects.filter(keluarga__no_kk=NO_KK).count() == 2


def test_jangan_simpan_baris_ini_drops_a_row(kader, cast):
    data = rumah_tangga_post(BUDI, SITI | {"nik": "bad"})
    data["anggota-1-DELETE"] = "on"
    assert create(kader, cast, data).status_code == 302
    assert list(Warga.objects.filter(keluarga__no_kk=NO_KK).values_list("nama", flat=True)) == ["Budi Santoso"]


# -- the NIK and No. KK confirmation ---------------------------------------------------------------


def test_a_nik_that_disagrees_with_the_card_data_is_saved_only_after_confirmation(kader, cast):
    male_date_form = "6474020703907001"  # Siti's NIK with the date of a man
    data = rumah_tangga_post(BUDI, SITI | {"nik": male_date_form})

    first = create(kader, cast, data)
    body = page(first)
    assert first.status_code == 200
    assert "NIK tidak cocok dengan jenis kelamin" in body
    assert "Saya sudah memeriksa: memang demikian di KTP/KK" in body and 'name="anggota-1-nik_dikonfirmasi"' in body
    assert 'name="anggota-0-nik_dikonfirmasi"' not in body  # only where the problem is
    assert not Warga.objects.filter(nik=male_date_form).exists()

    data["anggota-1-nik_dikonfirmasi"] = "on"
    assert create(kader, cast, data).status_code == 302
    assert Warga.objects.get(nik=male_date_form).nik_dikonfirmasi is True


def test_the_confirmation_box_does_not_appear_for_a_clean_nik(kader, cast):
    body = page(create(kader, cast, rumah_tangga_post(BUDI, SITI, alamat="")))
    assert "Saya sudah memeriksa" not in body


def test_a_nik_format_error_is_not_confirmable(kader, cast):
    data = rumah_tangga_post(BUDI | {"nik": "64740214028370ab", "nik_dikonfirmasi": "on"})
    body = page(create(kader, cast, data))
    assert "NIK harus tepat 16 angka." in body
    assert not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()


def test_an_unknown_no_kk_area_is_saved_only_after_confirmation(kader, cast):
    data = rumah_tangga_post(BUDI, no_kk="9999020103150001")
    body = page(create(kader, cast, data))
    assert "bukan kode kabupaten/kota yang dikenal" in body and 'name="kk-no_kk_dikonfirmasi"' in body
    assert not Keluarga.objects.filter(no_kk="9999020103150001").exists()

    data["kk-no_kk_dikonfirmasi"] = "on"
    assert create(kader, cast, data).status_code == 302
    assert Keluarga.objects.get(no_kk="9999020103150001").no_kk_dikonfirmasi is True


def test_nik_and_no_kk_typed_with_spaces_are_accepted(kader, cast):
    data = rumah_tangga_post(BUDI | {"nik": "6474 0214 0283 7002"}, no_kk="6474 0215 0718 7001")
    assert create(kader, cast, data).status_code == 302
    assert Warga.objects.filter(nik=BUDI["nik"]).exists() and Keluarga.objects.filter(no_kk=NO_KK).exists()


def test_a_nik_registered_elsewhere_names_no_place_outside_the_area(kader, cast):
    body = page(create(kader, cast, rumah_tangga_post(BUDI | {"nik": cast.w_togar.nik})))
    assert "NIK ini sudah terdaftar di wilayah lain." in body and "Siregar" not in body


def test_the_same_nik_twice_in_one_household_is_refused_at_the_second_row(kader, cast):
    body = page(
        create(
            kader,
            cast,
            rumah_tangga_post(BUDI, SITI | {"nik": BUDI["nik"], "jenis_kelamin": "L", "tanggal_lahir": "1983-02-14"}),
        )
    )
    assert "NIK ini sama dengan anggota nomor 1." in body


# -- one kepala keluarga ---------------------------------------------------------------------------


def test_a_second_kepala_keluarga_in_the_new_household_is_refused_clearly(kader, cast):
    response = create(kader, cast, rumah_tangga_post(BUDI, SITI | {"status_dalam_keluarga": "kepala"}))
    body = page(response)
    assert response.status_code == 200
    assert (
        "Satu keluarga hanya mempunyai satu Kepala Keluarga, tetapi dipilih untuk: Budi Santoso, Siti Rahmawati" in body
    )
    assert "Kepala Keluarga sudah dipilih pada anggota lain." in body
    assert not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()


def test_adding_a_second_kepala_to_an_existing_keluarga_names_the_first(kader, cast):
    response = kader.post(url("warga_add", cast.w_hendra.keluarga_id), warga_post(**BUDI))
    assert response.status_code == 200
    assert "Keluarga ini sudah mempunyai Kepala Keluarga: Hendra Wijayakusuma." in page(response)
    assert not Warga.objects.filter(nama="Budi Santoso").exists()


# -- who may enter ---------------------------------------------------------------------------------

ENTRY_PAGES = [
    ("rumah_tangga_create", lambda c: c.dw.pk),
    ("rumah_tangga_edit", lambda c: c.hh_a.pk),
    ("rumah_tangga_leave", lambda c: c.hh_a.pk),
    ("keluarga_add", lambda c: c.hh_a.pk),
    ("keluarga_edit", lambda c: c.w_hendra.keluarga_id),
    ("warga_add", lambda c: c.w_hendra.keluarga_id),
    ("warga_edit", lambda c: c.w_rina.pk),
    ("reports:warga_leave", lambda c: c.w_rina.pk),
    ("warga_delete", lambda c: c.w_rina.pk),
    ("kegiatan_edit", lambda c: c.w_rina.pk),
    ("pekarangan_edit", lambda c: c.hh_a.pk),
    ("industri_edit", lambda c: c.hh_a.pk),
]


@pytest.mark.parametrize(("name", "pk"), ENTRY_PAGES, ids=[p[0] for p in ENTRY_PAGES])
@pytest.mark.parametrize(("role", "status"), [("rt", 403), ("kelurahan", 403), ("kota", 403), ("outsider", 404)])
def test_only_the_dasawisma_cadres_open_the_entry_pages(client, cast, name, pk, role, status):
    client.force_login(cast.users[role])
    assert client.get(url(name, pk(cast))).status_code == status


def test_viewers_posting_directly_change_nothing(client, cast):
    client.force_login(cast.users["rt"])
    assert client.post(url("warga_delete", cast.w_dimas.pk)).status_code == 403
    assert client.post(url("rumah_tangga_create", cast.dw.pk), rumah_tangga_post()).status_code == 403
    assert Warga.objects.filter(pk=cast.w_dimas.pk).exists()
    assert not RumahTangga.objects.filter(alamat="Jl. Kenanga 5").exists()


def test_a_cadre_does_not_find_the_sibling_dasawisma(kader, cast):
    assert kader.get(url("rumah_tangga_create", cast.dw_b.pk)).status_code == 404
    assert kader.get(url("warga_edit", cast.w_bambang.pk)).status_code == 404


def test_a_closed_dasawisma_takes_no_new_household(kader, cast):
    cast.dw.active_to = timezone.localdate() - datetime.timedelta(days=1)
    cast.dw.save()
    response = kader.get(url("rumah_tangga_create", cast.dw.pk))
    assert response.status_code == 403 and "sudah ditutup" in page(response)


def test_the_cadres_edit_forms_show_nik_and_no_kk_in_full(kader, cast):
    assert f'value="{cast.w_rina.nik}"' in page(kader.get(url("warga_edit", cast.w_rina.pk)))
    no_kk = cast.w_hendra.keluarga.no_kk
    assert f'value="{no_kk}"' in page(kader.get(url("keluarga_edit", cast.w_hendra.keluarga_id)))
    listing = page(kader.get(url("rumah_tangga_edit", cast.hh_a.pk)))
    assert no_kk not in listing and mask(no_kk) in listing


def test_delete_confirmation_masks_the_nik(kader, cast):
    body = page(kader.get(url("warga_delete", cast.w_rina.pk)))
    assert cast.w_rina.nik not in body and cast.w_rina.nik[-4:] in body


# -- dependent fields ------------------------------------------------------------------------------

ADD_RINI = {
    "nama": "Rini Wijayakusuma", "jenis_kelamin": "P", "tanggal_lahir": "2001-04-12", "status_dalam_keluarga": "anak",
    "agama": "islam", "pendidikan": "sma", "pekerjaan": "pelajar",
}  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"akseptor_kb": "1"}, "Pilih jenis KB."),
        ({"aktif_posyandu": "1"}, "Isi berapa kali per bulan."),
        ({"aktif_posyandu": "1", "frekuensi_posyandu": "0"}, "Sekurang-kurangnya 1 kali per bulan"),
        ({"ikut_kelompok_belajar": "1"}, "Pilih jenis kelompok belajar."),
        ({"ikut_koperasi": "1"}, "Isi jenis koperasi."),
        ({"jenis_kelamin": "L", "ibu_menyusui": "1"}, "Ibu menyusui hanya untuk perempuan."),
        (
            {"jenis_kelamin": "L", "akseptor_kb": "1", "jenis_kb": "mow"},
            "MOW (sterilisasi wanita) hanya untuk perempuan.",
        ),
        ({"akseptor_kb": "1", "jenis_kb": "mop"}, "MOP (sterilisasi pria) hanya untuk laki-laki."),
        ({"tanggal_lahir": "2099-01-01"}, "Tanggal lahir tidak boleh di masa depan."),
        ({"akseptor_kb": ""}, "Pilih Ya atau Tidak."),
    ],
)
def test_a_data_warga_answer_that_needs_its_detail_is_refused_without_it(kader, cast, answers, message):
    response = kader.post(url("warga_add", cast.w_hendra.keluarga_id), warga_post(**ADD_RINI | answers))
    assert response.status_code == 200 and message in page(response)
    assert not Warga.objects.filter(nama="Rini Wijayakusuma").exists()


def test_a_data_warga_detail_is_kept_with_ya_and_cleared_with_tidak(kader, cast):
    answers = {
        "akseptor_kb": "1", "jenis_kb": "implan", "aktif_posyandu": "1", "frekuensi_posyandu": "2",
        "ikut_kelompok_belajar": "0", "jenis_kelompok_belajar": "paket_c", "ikut_koperasi": "0",
        "jenis_koperasi": "Koperasi simpan pinjam", "ibu_menyusui": "1",
    }  # fmt: skip
    response = kader.post(url("warga_add", cast.w_hendra.keluarga_id), warga_post(**ADD_RINI | answers))
    assert response.status_code == 302
    rini = Warga.objects.get(nama="Rini Wijayakusuma")
    assert (rini.akseptor_kb, rini.jenis_kb, rini.frekuensi_posyandu, rini.ibu_menyusui) == (True, "implan", 2, True)
    assert (rini.ikut_kelompok_belajar, rini.jenis_kelompok_belajar, rini.jenis_koperasi) == (False, "", "")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"makanan_pokok": "non_beras"}, "Sebutkan makanan pokoknya."),
        ({"punya_jamban": "1", "jumlah_jamban": ""}, "Isi jumlah jamban."),
        ({"punya_jamban": "1", "jumlah_jamban": "0"}, "Jumlah jamban sekurang-kurangnya 1"),
        ({"air_pdam": ""}, "Pilih sekurang-kurangnya satu sumber air keluarga."),
        ({"air_lainnya": "on"}, "Sebutkan sumber air lainnya."),
        ({"aktivitas_up2k": "1"}, "Isi jenis usaha UP2K."),
        ({"kriteria_rumah": ""}, "Pilih salah satu"),
    ],
)
def test_a_data_keluarga_answer_that_needs_its_detail_is_refused_without_it(kader, cast, answers, message):
    data = rumah_tangga_post(BUDI, **answers)
    if answers.get("air_pdam") == "":
        data.pop("rt-air_pdam")
    response = create(kader, cast, data)
    assert response.status_code == 200 and message in page(response)


def test_a_data_keluarga_detail_is_cleared_when_the_answer_is_no(kader, cast):
    data = rumah_tangga_post(
        BUDI, makanan_pokok="beras", makanan_pokok_jenis="Sagu", punya_jamban="0", jumlah_jamban="2",
        air_lainnya_jenis="Hujan", aktivitas_up2k="0", jenis_usaha_up2k="Warung",
    )  # fmt: skip
    assert create(kader, cast, data).status_code == 302
    rt = RumahTangga.objects.get(alamat="Jl. Kenanga 5")
    assert (rt.makanan_pokok_jenis, rt.jumlah_jamban, rt.air_lainnya_jenis, rt.jenis_usaha_up2k) == ("", 0, "", "")
    assert rt.punya_jamban is False and rt.air_pdam is True


def test_dependent_fields_are_marked_for_the_page_script(kader, cast):
    body = page(kader.get(url("warga_add", cast.w_hendra.keluarga_id)))
    assert 'data-show-if="akseptor_kb" data-show-value="1"' in body
    assert "js/households-entry.js" in body and "css/households-entry.css" in body


def test_the_twenty_data_warga_items_are_grouped_under_short_headings(kader, cast):
    body = page(kader.get(url("warga_add", cast.w_hendra.keluarga_id)))
    headings = ["Identitas", "Kelahiran &amp; status", "Pendidikan &amp; pekerjaan", "Kegiatan &amp; program"]
    assert all(f"<legend>{h}</legend>" in body for h in [*headings, "Kebutuhan khusus"])
    positions = [body.index(f">{n}. ") for n in range(1, 21)]
    assert positions == sorted(positions)  # items 1-20 in the paper form's order


# -- editing ---------------------------------------------------------------------------------------


def test_kader_edits_a_member_and_the_history_names_them(kader, cast):
    data = warga_post(
        **{**ADD_RINI, "nama": "Rina W. Kusuma", "nik": cast.w_rina.nik, "status_dalam_keluarga": "istri"}
    )
    data["status_perkawinan"] = "menikah"
    response = kader.post(url("warga_edit", cast.w_rina.pk), data | {"tanggal_lahir": "1988-08-17"})
    assert response.status_code == 302 and response.url == f"/rumah-tangga/{cast.hh_a.pk}/"
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    assert rina.nama == "Rina W. Kusuma" and rina.history.first().history_user == cast.users["kader"]


def test_the_edit_form_shows_the_birth_date_in_iso_for_the_date_picker(kader, cast):
    body = page(kader.get(url("warga_edit", cast.w_rina.pk)))
    assert 'type="date" name="tanggal_lahir" value="1988-08-17"' in body


def test_simpan_lalu_tambah_lagi_returns_to_an_empty_member_form(kader, cast):
    data = warga_post(**ADD_RINI) | {"lagi": "1"}
    response = kader.post(url("warga_add", cast.w_hendra.keluarga_id), data)
    assert response.url == url("warga_add", cast.w_hendra.keluarga_id)


def test_kader_chooses_the_krt_among_active_members_only(kader, cast):
    leave(cast.w_dimas, "pindah", datetime.date(2025, 1, 1))
    body = page(kader.get(url("rumah_tangga_edit", cast.hh_a.pk)))
    assert f'<option value="{cast.w_rina.pk}">Rina Wijayakusuma (Istri)</option>' in body
    assert f'<option value="{cast.w_dimas.pk}"' not in body
    assert "Dimas Wijayakusuma · pindah sejak 01-01-2025" in body  # shown, read-only

    data = {k: v for k, v in rumah_tangga_post().items() if k.startswith("rt-")} | {"rt-krt": str(cast.w_rina.pk)}
    assert kader.post(url("rumah_tangga_edit", cast.hh_a.pk), data).status_code == 302
    assert RumahTangga.objects.get(pk=cast.hh_a.pk).krt == cast.w_rina


def test_rumah_tangga_edit_lists_members_in_a_constant_number_of_queries(kader, cast, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as few:
        kader.get(url("rumah_tangga_edit", cast.hh_b.pk))
    keluarga = cast.w_sumiati.keluarga
    for i in range(25):
        f.warga(keluarga, f"Cucu {i} Wijayakusuma", datetime.date(2010, 1, 1 + i), "P")
    f.warga(f.keluarga(cast.hh_b), "Menantu Wijayakusuma", datetime.date(1990, 1, 1), "L")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = kader.get(url("rumah_tangga_edit", cast.hh_b.pk))
    assert page(response).count("Wijayakusuma (") == 27  # every active member in the KRT choice


def test_kader_changes_a_no_kk_and_a_clash_elsewhere_names_no_place(kader, cast):
    keluarga = cast.w_hendra.keluarga
    clash = kader.post(url("keluarga_edit", keluarga.pk), {"no_kk": cast.w_togar.keluarga.no_kk})
    assert "No. KK ini sudah terdaftar di wilayah lain." in page(clash)
    assert kader.post(url("keluarga_edit", keluarga.pk), {"no_kk": "6474021202200007"}).status_code == 302
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == "6474021202200007"


def test_kader_adds_a_second_keluarga_with_its_members_at_once(kader, cast):
    data = {"kk-no_kk": NO_KK} | members_post(BUDI, SITI)
    response = kader.post(url("keluarga_add", cast.hh_a.pk), data)
    assert response.status_code == 302
    keluarga = Keluarga.objects.get(no_kk=NO_KK)
    assert keluarga.rumah_tangga == cast.hh_a and keluarga.anggota.count() == 2


def test_a_second_keluarga_with_a_bad_member_is_not_half_saved(kader, cast):
    data = {"kk-no_kk": NO_KK} | members_post(BUDI, SITI | {"tanggal_lahir": "2099-01-01"})
    response = kader.post(url("keluarga_add", cast.hh_a.pk), data)
    assert response.status_code == 200 and "Tanggal lahir tidak boleh di masa depan." in page(response)
    assert not Keluarga.objects.filter(no_kk=NO_KK).exists() and not Warga.objects.filter(nik=NIK_SITI).exists()


# -- leaving and deleting --------------------------------------------------------------------------


def test_a_member_who_moves_away_is_kept_read_only(kader, cast):
    response = kader.post(
        url("reports:warga_leave", cast.w_dimas.pk),
        {"status": "pindah", "tanggal_status": "2025-02-01", "keterangan": "Ke Samarinda"},
    )
    assert response.status_code == 302
    dimas = Warga.objects.get(pk=cast.w_dimas.pk)
    assert (dimas.status, dimas.tanggal_status, dimas.keterangan) == (
        "pindah",
        datetime.date(2025, 2, 1),
        "Ke Samarinda",
    )

    body = page(kader.get(url("warga_edit", dimas.pk)))
    assert "Pindah sejak 01-02-2025" in body and "tidak diubah lagi" in body and "<form" not in body.split("<main>")[1]
    again = kader.post(url("warga_edit", dimas.pk), warga_post(**ADD_RINI))
    assert again.status_code == 200 and Warga.objects.get(pk=dimas.pk).nama == "Dimas Wijayakusuma"


def test_leaving_in_the_future_or_before_birth_is_refused(kader, cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    future = kader.post(
        url("reports:warga_leave", cast.w_dimas.pk), {"status": "meninggal", "tanggal_status": tomorrow}
    )
    assert "Tanggal tidak boleh di masa depan." in page(future)
    early = kader.post(
        url("reports:warga_leave", cast.w_dimas.pk), {"status": "pindah", "tanggal_status": "2020-01-01"}
    )
    assert "Tanggal tidak boleh sebelum tanggal lahir." in page(early)
    assert Warga.objects.get(pk=cast.w_dimas.pk).status == "aktif"


def test_when_the_krt_dies_the_page_names_the_new_krt(kader, cast):
    response = kader.post(
        url("reports:warga_leave", cast.w_hendra.pk), {"status": "meninggal", "tanggal_status": "2025-03-01"}
    )
    assert response.status_code == 302
    assert "Kepala rumah tangga sekarang Rina Wijayakusuma; ubah bila tidak tepat." in shown_messages(response)


def test_a_whole_household_leaves_with_a_date(kader, cast):
    response = kader.post(url("rumah_tangga_leave", cast.hh_b.pk), {"tanggal_keluar": "2025-06-30"})
    assert response.status_code == 302 and response.url == f"/rumah-tangga/{cast.hh_b.pk}/"
    assert RumahTangga.objects.get(pk=cast.hh_b.pk).tanggal_keluar == datetime.date(2025, 6, 30)


def test_delete_asks_first_and_explains_pindah_meninggal(kader, cast):
    body = page(kader.get(url("warga_delete", cast.w_dimas.pk)))
    assert "Hapus hanya untuk data yang salah masuk" in body
    assert "pindah atau meninggal" in body and url("reports:warga_leave", cast.w_dimas.pk) in body
    assert Warga.objects.filter(pk=cast.w_dimas.pk).exists()

    response = kader.post(url("warga_delete", cast.w_dimas.pk))
    assert response.status_code == 302 and not Warga.objects.filter(pk=cast.w_dimas.pk).exists()
    assert "Data Dimas Wijayakusuma dihapus." in shown_messages(response)


# -- Kegiatan Warga and the household sheets -------------------------------------------------------


def test_kader_fills_the_seven_kegiatan_warga_rows(kader, cast):
    body = page(kader.get(url("kegiatan_edit", cast.w_rina.pk)))
    assert "1. Penghayatan dan Pengamalan Pancasila" in body and "7. Lain-lain" in body

    data = kegiatan_post(kerja_bakti=("1", "Kerja bakti RT"), arisan=("0", "typed by mistake"))
    assert kader.post(url("kegiatan_edit", cast.w_rina.pk), data).status_code == 302
    rows = {k.kegiatan: (k.aktif, k.keterangan) for k in KegiatanWarga.objects.filter(warga=cast.w_rina)}
    assert len(rows) == 7 and rows["kerja_bakti"] == (True, "Kerja bakti RT") and rows["arisan"] == (False, "")
    assert 'value="Kerja bakti RT"' in page(kader.get(url("kegiatan_edit", cast.w_rina.pk)))


def test_kegiatan_lain_lain_needs_its_name(kader, cast):
    response = kader.post(url("kegiatan_edit", cast.w_rina.pk), kegiatan_post(lain_lain=("1", "")))
    assert "Sebutkan kegiatan lain yang diikuti." in page(response)
    assert not KegiatanWarga.objects.filter(warga=cast.w_rina).exists()


def test_kader_adds_changes_and_removes_pekarangan_rows(kader, cast):
    new = sheet_post(
        "pekarangan",
        {"id": "", "kategori": "toga", "komoditi": "Jahe", "jumlah": "10 pohon"},
        {"id": "", "kategori": "perikanan", "komoditi": "Lele", "jumlah": "1 kolam"},
        {"id": "", "kategori": "", "komoditi": "", "jumlah": ""},  # the spare row
    )
    assert kader.post(url("pekarangan_edit", cast.hh_a.pk), new).status_code == 302
    jahe, lele = PemanfaatanPekarangan.objects.filter(rumah_tangga=cast.hh_a).order_by("komoditi")

    body = page(kader.get(url("pekarangan_edit", cast.hh_a.pk)))
    assert 'value="Jahe"' in body and 'value="Lele"' in body and "Hapus baris ini" in body
    changed = sheet_post(
        "pekarangan",
        {"id": str(jahe.pk), "kategori": "toga", "komoditi": "Jahe merah", "jumlah": "12 pohon"},
        {"id": str(lele.pk), "kategori": "perikanan", "komoditi": "Lele", "jumlah": "1 kolam", "DELETE": "on"},
    )
    assert kader.post(url("pekarangan_edit", cast.hh_a.pk), changed).status_code == 302
    assert list(PemanfaatanPekarangan.objects.filter(rumah_tangga=cast.hh_a).values_list("komoditi", "jumlah")) == [
        ("Jahe merah", "12 pohon")
    ]


def test_a_half_filled_sheet_row_is_refused_and_tambah_baris_adds_one(kader, cast):
    half = sheet_post("industri", {"id": "", "kategori": "pangan", "komoditi": "", "jumlah": ""})
    body = page(kader.post(url("industri_edit", cast.hh_a.pk), half))
    assert "Isi komoditi." in body and "Isi jumlah." in body
    body = page(kader.post(url("industri_edit", cast.hh_a.pk), half | {"tambah_baris": "1"}))
    assert 'name="industri-TOTAL_FORMS" value="2"' in body and "Isi komoditi." not in body
    full = sheet_post("industri", {"id": "", "kategori": "pangan", "komoditi": "Amplang", "jumlah": "20 kg/bulan"})
    assert kader.post(url("industri_edit", cast.hh_a.pk), full).status_code == 302
    assert IndustriRumahTangga.objects.get(rumah_tangga=cast.hh_a).komoditi == "Amplang"


def test_a_sheet_row_of_another_household_cannot_be_taken_over(kader, cast):
    other = PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_x, kategori="toga", komoditi="Kunyit", jumlah="3")
    data = sheet_post("pekarangan", {"id": str(other.pk), "kategori": "toga", "komoditi": "Kencur", "jumlah": "1"})
    response = kader.post(url("pekarangan_edit", cast.hh_a.pk), data)
    assert response.status_code == 200 and "Muat ulang halaman" in page(response)
    assert PemanfaatanPekarangan.objects.get(pk=other.pk).komoditi == "Kunyit"


def test_a_member_on_a_monthly_form_is_not_deleted_but_told_to_leave(kader, cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=timezone.localdate() - datetime.timedelta(days=30))
    response = kader.post(url("warga_delete", cast.w_rina.pk))
    assert response.status_code == 302 and Warga.objects.filter(pk=cast.w_rina.pk).exists()
    assert Kehamilan.objects.filter(ibu=cast.w_rina).exists()
    assert any("tidak dapat dihapus" in m and "pindah atau meninggal" in m for m in shown_messages(response))
