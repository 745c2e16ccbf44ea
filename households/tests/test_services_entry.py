"""The entry screens' own writes (households/services_entry.py): rights, all-or-nothing, and a history
that names the cadre and shows only real changes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from households import services_entry
from households.models import IndustriRumahTangga, KegiatanWarga, Keluarga, PemanfaatanPekarangan, Warga
from households.tests.factories import leave
from households.tests.url_cases_entry import NIK_SITI, NO_KK

SITI = {
    "nama": "Siti Rahmawati", "nik": NIK_SITI, "jenis_kelamin": "P", "tanggal_lahir": datetime.date(1990, 3, 7),
    "status_dalam_keluarga": "kepala", "status_perkawinan": "janda", "agama": "islam", "pendidikan": "sma",
    "pekerjaan": "pedagang",
}  # fmt: skip


def rows(**answers):
    return [{"kegiatan": code, "aktif": aktif, "keterangan": ket} for code, (aktif, ket) in answers.items()]


# -- a keluarga with its members -------------------------------------------------------------------


def test_a_keluarga_and_its_members_are_added_together(cast):
    keluarga = services_entry.keluarga_add_with_anggota(
        actor=cast.users["kader"], rumah_tangga=cast.hh_a, no_kk=NO_KK, anggota=[SITI]
    )
    assert keluarga.rumah_tangga == cast.hh_a and keluarga.anggota.get().nama == "Siti Rahmawati"
    assert keluarga.history.first().history_user == cast.users["kader"]


def test_a_bad_member_leaves_no_keluarga_behind(cast):
    with pytest.raises(ValidationError) as exc:
        services_entry.keluarga_add_with_anggota(
            actor=cast.users["kader"],
            rumah_tangga=cast.hh_a,
            no_kk=NO_KK,
            anggota=[SITI, SITI | {"nik": "6474024703907002", "status_dalam_keluarga": "kepala"}],
        )
    assert "status_dalam_keluarga" in exc.value.message_dict
    assert not Keluarga.objects.filter(no_kk=NO_KK).exists() and not Warga.objects.filter(nik=NIK_SITI).exists()


def test_a_keluarga_needs_a_member(cast):
    with pytest.raises(ValidationError):
        services_entry.keluarga_add_with_anggota(
            actor=cast.users["kader"], rumah_tangga=cast.hh_a, no_kk=NO_KK, anggota=[]
        )
    assert not Keluarga.objects.filter(no_kk=NO_KK).exists()


@pytest.mark.parametrize("user", ["rt", "kelurahan", "outsider"])
def test_only_cadres_add_a_keluarga(cast, user):
    with pytest.raises(PermissionDenied):
        services_entry.keluarga_add_with_anggota(
            actor=cast.users[user], rumah_tangga=cast.hh_a, no_kk=NO_KK, anggota=[SITI]
        )


# -- Kegiatan Warga --------------------------------------------------------------------------------


def test_kegiatan_rows_are_created_then_updated(cast):
    kader = cast.users["kader"]
    services_entry.kegiatan_warga_set(
        actor=kader, warga=cast.w_rina, rows=rows(arisan=(True, "Arisan PKK"), jimpitan=(False, ""))
    )
    services_entry.kegiatan_warga_set(actor=kader, warga=cast.w_rina, rows=rows(arisan=(True, "Arisan RT 001")))
    saved = {k.kegiatan: (k.aktif, k.keterangan) for k in KegiatanWarga.objects.filter(warga=cast.w_rina)}
    assert saved == {"arisan": (True, "Arisan RT 001"), "jimpitan": (False, "")}
    assert KegiatanWarga.history.filter(kegiatan="arisan").first().history_user == kader


def test_an_unchanged_kegiatan_row_adds_no_history(cast):
    kader = cast.users["kader"]
    services_entry.kegiatan_warga_set(actor=kader, warga=cast.w_rina, rows=rows(arisan=(True, "Arisan PKK")))
    services_entry.kegiatan_warga_set(actor=kader, warga=cast.w_rina, rows=rows(arisan=(True, "Arisan PKK")))
    assert KegiatanWarga.history.filter(kegiatan="arisan").count() == 1


def test_keterangan_only_stays_with_aktivitas_ya(cast):
    services_entry.kegiatan_warga_set(
        actor=cast.users["kader"], warga=cast.w_rina, rows=rows(kerja_bakti=(False, "Tiap Minggu"))
    )
    assert KegiatanWarga.objects.get(warga=cast.w_rina, kegiatan="kerja_bakti").keterangan == ""


def test_an_unknown_kegiatan_is_refused(cast):
    with pytest.raises(ValidationError):
        services_entry.kegiatan_warga_set(actor=cast.users["kader"], warga=cast.w_rina, rows=rows(senam=(True, "")))
    assert not KegiatanWarga.objects.exists()


@pytest.mark.parametrize("user", ["rt", "kota", "outsider"])
def test_only_cadres_set_kegiatan(cast, user):
    with pytest.raises(PermissionDenied):
        services_entry.kegiatan_warga_set(actor=cast.users[user], warga=cast.w_rina, rows=rows(arisan=(True, "")))


def test_the_kegiatan_of_someone_who_left_stay_as_they_were(cast):
    leave(cast.w_dimas, "pindah", datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        services_entry.kegiatan_warga_set(actor=cast.users["kader"], warga=cast.w_dimas, rows=rows(arisan=(True, "")))


# -- the household sheets --------------------------------------------------------------------------


def test_the_pekarangan_sheet_becomes_exactly_the_given_rows(cast):
    kader = cast.users["kader"]
    jahe, lele = services_entry.pekarangan_set(
        actor=kader,
        rumah_tangga=cast.hh_a,
        rows=[
            {"kategori": "toga", "komoditi": "Jahe", "jumlah": "10 pohon"},
            {"kategori": "perikanan", "komoditi": "Lele", "jumlah": "1 kolam"},
        ],
    )
    services_entry.pekarangan_set(
        actor=kader,
        rumah_tangga=cast.hh_a,
        rows=[
            {"id": jahe.pk, "kategori": "toga", "komoditi": "Jahe", "jumlah": "12 pohon"},
            {"kategori": "peternakan", "komoditi": "Ayam kampung", "jumlah": "6 ekor"},
        ],
    )
    assert sorted(PemanfaatanPekarangan.objects.filter(rumah_tangga=cast.hh_a).values_list("komoditi", "jumlah")) == [
        ("Ayam kampung", "6 ekor"),
        ("Jahe", "12 pohon"),
    ]
    assert PemanfaatanPekarangan.history.filter(id=lele.pk, history_type="-").get().history_user == kader


def test_a_sheet_row_is_checked_against_the_form_choices(cast):
    with pytest.raises(ValidationError) as exc:
        services_entry.industri_set(
            actor=cast.users["kader"],
            rumah_tangga=cast.hh_a,
            rows=[{"kategori": "tambang", "komoditi": "Batu bara", "jumlah": "1 ton"}],
        )
    assert "kategori" in exc.value.message_dict and not IndustriRumahTangga.objects.exists()


def test_a_sheet_row_of_another_household_is_refused_and_nothing_changes(cast):
    kader = cast.users["kader"]
    (own,) = services_entry.industri_set(
        actor=kader, rumah_tangga=cast.hh_a, rows=[{"kategori": "pangan", "komoditi": "Amplang", "jumlah": "20 kg"}]
    )
    other = IndustriRumahTangga.objects.create(rumah_tangga=cast.hh_b, kategori="jasa", komoditi="Jahit", jumlah="5")
    with pytest.raises(ValidationError):
        services_entry.industri_set(
            actor=kader,
            rumah_tangga=cast.hh_a,
            rows=[
                {"id": own.pk, "kategori": "pangan", "komoditi": "Amplang", "jumlah": "25 kg"},
                {"id": other.pk, "kategori": "jasa", "komoditi": "Jahit", "jumlah": "6"},
            ],
        )
    assert IndustriRumahTangga.objects.get(pk=own.pk).jumlah == "20 kg"
    assert IndustriRumahTangga.objects.get(pk=other.pk).rumah_tangga == cast.hh_b


@pytest.mark.parametrize("user", ["rw", "sekretaris", "outsider"])
def test_only_cadres_change_the_sheets(cast, user):
    with pytest.raises(PermissionDenied):
        services_entry.pekarangan_set(actor=cast.users[user], rumah_tangga=cast.hh_a, rows=[])
