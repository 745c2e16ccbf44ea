"""Catatan Keluarga columns 11-18: derived from the member's data, overridden by a correction for one
year, back to the derived value when the correction is removed; the correction screen."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from households import catatan, services
from households.models import (
    IndustriRumahTangga,
    KegiatanPKK,
    KegiatanWarga,
    KoreksiKegiatanPKK,
    PemanfaatanPekarangan,
    RumahTangga,
    Warga,
)
from households.tests import factories as f
from households.tests.factories import leave

YEAR = timezone.localdate().year


def _cells(warga, tahun=YEAR):
    """The member's 8 cells as the form shows them, loaded the way the exports load them."""
    rt_qs = RumahTangga.objects.filter(pk=warga.keluarga.rumah_tangga_id)
    (book,) = catatan.catatan_keluarga(rt_qs, tahun)
    for member, cells in book.anggota:
        if member.pk == warga.pk:
            return {c.kolom: c for c in cells}
    raise AssertionError(f"{warga} is not in the {tahun} Catatan Keluarga")


def _values(warga, tahun=YEAR):
    return {kolom: cell.nilai for kolom, cell in _cells(warga, tahun).items()}


@pytest.fixture
def active_family(cast):
    """Rina takes part in a lot; her household keeps a pekarangan and a clothing business."""
    rina = cast.w_rina
    for kegiatan, aktif, keterangan in [
        ("pancasila", True, ""),
        ("kerja_bakti", True, "tiap Minggu"),
        ("rukun_kematian", False, ""),
        ("arisan", True, ""),
        ("keagamaan", True, "Pengajian"),
        ("lain_lain", True, "Senam"),
    ]:
        KegiatanWarga.objects.create(warga=rina, kegiatan=kegiatan, aktif=aktif, keterangan=keterangan)
    rina.ikut_kelompok_belajar, rina.jenis_kelompok_belajar = True, "paket_c"
    rina.ikut_bkb = True
    rina.ikut_koperasi, rina.jenis_koperasi = True, "Simpan pinjam"
    rina.aktif_posyandu, rina.frekuensi_posyandu = True, 1
    rina.akseptor_kb, rina.jenis_kb = True, "implan"
    rina.save()
    PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_a, kategori="toga", komoditi="Jahe", jumlah="10")
    PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_a, kategori="warung_hidup", komoditi="Cabai", jumlah="5")
    IndustriRumahTangga.objects.create(rumah_tangga=cast.hh_a, kategori="sandang", komoditi="Batik", jumlah="20")
    return cast


def test_every_column_of_the_form_has_its_sources_in_the_forms_order():
    assert list(KegiatanPKK.values) == catatan.KOLOM
    assert all(catatan.PEMETAAN[kolom] for kolom in catatan.KOLOM)


def test_columns_are_derived_from_the_members_data_and_household(active_family):
    assert _values(active_family.w_rina) == {
        "pancasila": "Pancasila, Keagamaan",
        "gotong_royong": "Kerja Bakti, Arisan",
        "pendidikan": "Paket C, BKB",
        "koperasi": "Simpan pinjam",
        "pangan": "Warung Hidup, TOGA",
        "sandang": "Industri sandang",
        "kesehatan": "Posyandu",
        "perencanaan_sehat": "KB Implan",
    }


def test_a_column_followed_without_detail_shows_a_tick(cast):
    KegiatanWarga.objects.create(warga=cast.w_hendra, kegiatan="pancasila", aktif=True)
    cast.w_hendra.ikut_koperasi = True
    cast.w_hendra.save()
    values = _values(cast.w_hendra)
    assert values["pancasila"] == catatan.TICK
    assert values["koperasi"] == catatan.TICK


def test_a_member_who_takes_part_in_nothing_has_empty_columns(cast):
    assert set(_values(cast.w_sumiati).values()) == {""}


def test_household_activities_are_not_written_for_a_balita(active_family):
    dimas = _values(active_family.w_dimas)  # born 2022
    hendra = _values(active_family.w_hendra)
    assert dimas["pangan"] == "" and dimas["sandang"] == ""
    assert hendra["pangan"] == "Warung Hidup, TOGA" and hendra["sandang"] == "Industri sandang"


def test_a_correction_overrides_the_derived_value_and_removing_it_returns_to_it(active_family):
    rina, kader = active_family.w_rina, active_family.users["kader"]
    services.koreksi_kegiatan_set(actor=kader, warga=rina, tahun=YEAR, kolom="kesehatan", diikuti=False)
    services.koreksi_kegiatan_set(
        actor=kader, warga=rina, tahun=YEAR, kolom="sandang", diikuti=True, keterangan="Menjahit"
    )
    services.koreksi_kegiatan_set(actor=kader, warga=rina, tahun=YEAR, kolom="pancasila", diikuti=True)
    cells = _cells(rina)
    assert cells["kesehatan"].nilai == "" and cells["kesehatan"].turunan == "Posyandu"
    assert cells["kesehatan"].dikoreksi
    assert cells["sandang"].nilai == "Menjahit"
    assert cells["pancasila"].nilai == catatan.TICK
    assert not cells["gotong_royong"].dikoreksi

    services.koreksi_kegiatan_set(actor=kader, warga=rina, tahun=YEAR, kolom="kesehatan", diikuti=None)
    assert _values(rina)["kesehatan"] == "Posyandu"


def test_a_correction_holds_for_its_year_only(active_family):
    rina = active_family.w_rina
    services.koreksi_kegiatan_set(
        actor=active_family.users["kader"], warga=rina, tahun=YEAR - 1, kolom="kesehatan", diikuti=False
    )
    assert _values(rina, YEAR - 1)["kesehatan"] == ""
    assert _values(rina, YEAR)["kesehatan"] == "Posyandu"


def test_members_who_left_before_the_year_are_not_in_it_and_those_who_left_during_it_are(cast):
    leave(cast.w_dimas, "pindah", datetime.date(YEAR - 1, 6, 1))
    names = lambda tahun: [  # noqa: E731
        w.nama for book in catatan.catatan_keluarga(RumahTangga.objects.filter(pk=cast.hh_a.pk), tahun)
        for w, _cells in book.anggota
    ]  # fmt: skip
    assert "Dimas Wijayakusuma" not in names(YEAR)
    assert "Dimas Wijayakusuma" in names(YEAR - 1)
    assert names(YEAR)[:2] == ["Hendra Wijayakusuma", "Rina Wijayakusuma"]  # kepala first, then istri


def test_who_belongs_to_a_year_is_the_same_rule_in_python_and_in_the_database(cast):
    leave(cast.w_dimas, "pindah", datetime.date(YEAR - 1, 12, 31))
    leave(cast.w_rina, "meninggal", datetime.date(YEAR, 1, 1))
    members = list(Warga.objects.filter(keluarga__rumah_tangga__dasawisma=cast.dw))
    for tahun in [1949, 1950, 2021, 2022, YEAR - 1, YEAR]:
        in_db = set(Warga.objects.filter(catatan.anggota_tahun_q(tahun)).values_list("pk", flat=True))
        assert {w.pk for w in members if catatan.is_anggota_tahun(w, tahun)} == in_db & {w.pk for w in members}
    assert catatan.is_anggota_tahun(cast.w_rina, YEAR) and not catatan.is_anggota_tahun(cast.w_dimas, YEAR)
    assert catatan.is_anggota_tahun(cast.w_dimas, 2022) and not catatan.is_anggota_tahun(cast.w_dimas, 2021)


def _grow(cast, households):
    for n in range(households):
        rt = f.rumah_tangga(cast.dw, alamat=f"Jl. Tambahan {n}")
        kel = f.keluarga(rt)
        head = f.warga(kel, f"Kepala {n} Wijayakusuma", datetime.date(1980, 1, 1 + n % 27), "L",
                       status_dalam_keluarga="kepala")  # fmt: skip
        child = f.warga(kel, f"Anak {n} Wijayakusuma", datetime.date(2010, 2, 1 + n % 27), "P")
        KegiatanWarga.objects.create(warga=head, kegiatan="arisan", aktif=True)
        KoreksiKegiatanPKK.objects.create(warga=child, tahun=YEAR, kolom="pangan", diikuti=True)
        PemanfaatanPekarangan.objects.create(rumah_tangga=rt, kategori="toga", komoditi="Kunyit", jumlah="1")
        IndustriRumahTangga.objects.create(rumah_tangga=rt, kategori="pangan", komoditi="Keripik", jumlah="2")
        rt.krt = head
        rt.save()


@pytest.mark.parametrize("extra", [0, 15])
def test_a_whole_dasawisma_is_computed_in_a_constant_number_of_queries(cast, extra, django_assert_max_num_queries):
    _grow(cast, extra)
    with django_assert_max_num_queries(7):
        books = catatan.catatan_keluarga(RumahTangga.objects.filter(dasawisma=cast.dw), YEAR)
        rendered = [cell.nilai for book in books for _w, cells in book.anggota for cell in cells]
    assert len(books) == 2 + extra
    assert len(rendered) == 8 * (4 + 2 * extra)


# -- the correction screen -------------------------------------------------------------------------


def _url(warga, tahun=YEAR):
    return reverse("households:catatan_koreksi", kwargs={"pk": warga.pk, "tahun": tahun})


def _post_data(**choices):
    data = {f"pilihan_{kolom}": "turunan" for kolom in catatan.KOLOM}
    data.update({f"keterangan_{kolom}": "" for kolom in catatan.KOLOM})
    for key, value in choices.items():
        data[key] = value
    return data


def test_the_correction_screen_shows_the_derived_value_of_each_column(client, active_family):
    client.force_login(active_family.users["kader"])
    page = client.get(_url(active_family.w_rina)).content.decode()
    assert "Kegiatan PKK yang diikuti Rina Wijayakusuma" in page
    assert "Kerja Bakti, Arisan" in page and "KB Implan" in page
    assert page.count('type="radio"') == 3 * 8


def test_a_cadre_saves_corrections_and_can_return_a_column_to_the_derived_value(client, active_family):
    rina = active_family.w_rina
    client.force_login(active_family.users["ketua_dasawisma"])
    response = client.post(
        _url(rina),
        _post_data(
            pilihan_kesehatan="tidak",
            keterangan_kesehatan="ignored",
            pilihan_sandang="diikuti",
            keterangan_sandang="Menjahit",
        ),
    )
    assert response.status_code == 302
    rows = {k.kolom: (k.diikuti, k.keterangan) for k in KoreksiKegiatanPKK.objects.filter(warga=rina, tahun=YEAR)}
    assert rows == {"kesehatan": (False, ""), "sandang": (True, "Menjahit")}
    page = client.get(response["Location"]).content.decode()
    assert "Koreksi disimpan (2 kolom berubah)." in page

    client.post(_url(rina), _post_data(pilihan_sandang="diikuti", keterangan_sandang="Menjahit"))
    assert list(KoreksiKegiatanPKK.objects.filter(warga=rina).values_list("kolom", flat=True)) == ["sandang"]
    assert _values(rina)["kesehatan"] == "Posyandu"


def test_saving_unchanged_choices_writes_nothing(client, active_family):
    client.force_login(active_family.users["kader"])
    client.post(_url(active_family.w_rina), _post_data(pilihan_kesehatan="tidak"))
    history_before = KoreksiKegiatanPKK.history.count()
    response = client.post(_url(active_family.w_rina), _post_data(pilihan_kesehatan="tidak"), follow=True)
    assert "Tidak ada yang berubah." in response.content.decode()
    assert KoreksiKegiatanPKK.history.count() == history_before


def test_a_bad_choice_is_refused_with_a_message_and_nothing_is_saved(client, cast):
    client.force_login(cast.users["kader"])
    response = client.post(_url(cast.w_rina), _post_data(pilihan_kesehatan="mungkin"))
    assert response.status_code == 200
    assert "mungkin bukan salah satu dari pilihan yang tersedia" in response.content.decode()
    assert not KoreksiKegiatanPKK.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("rt", 403), ("kelurahan", 403), ("outsider", 404), ("nobody", 404)])
def test_only_the_dasawisma_cadres_correct(client, cast, role, status):
    client.force_login(cast.users[role])
    assert client.get(_url(cast.w_rina)).status_code == status
    assert client.post(_url(cast.w_rina), _post_data(pilihan_kesehatan="tidak")).status_code == status
    assert not KoreksiKegiatanPKK.objects.exists()


def test_a_cadre_of_a_sibling_dasawisma_gets_not_found(client, cast):
    client.force_login(cast.users["kader"])
    assert client.get(_url(cast.w_bambang)).status_code == 404


def test_a_year_the_member_was_not_in_the_family_is_not_found(client, cast):
    leave(cast.w_rina, "pindah", datetime.date(YEAR - 1, 5, 1))
    client.force_login(cast.users["kader"])
    assert client.get(_url(cast.w_rina, YEAR)).status_code == 404
    assert client.get(_url(cast.w_rina, YEAR - 1)).status_code == 200
    assert client.get(_url(cast.w_dimas, 2021)).status_code == 404  # born 2022


@pytest.mark.parametrize("tahun", [1999, YEAR + 1])
def test_a_year_outside_the_data_is_not_found(client, cast, tahun):
    client.force_login(cast.users["kader"])
    assert client.get(_url(cast.w_rina, tahun)).status_code == 404
