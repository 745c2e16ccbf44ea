"""Household writes: rights, NIK/No. KK rules, one kepala keluarga, leaving and history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from households import services, validation
from households.models import AksesNIK, RumahTangga
from households.tests import factories as f

BORN = datetime.date(1990, 3, 7)


def member(**kw):
    data = {
        "nama": "Siti Rahma", "jenis_kelamin": "P", "tanggal_lahir": BORN, "status_dalam_keluarga": "kepala",
        "status_perkawinan": "janda", "agama": "islam", "pendidikan": "sma", "pekerjaan": "pedagang",
        "nik": "6474024703900001",
    }  # fmt: skip
    data.update(kw)
    return data


def create(cast, user="kader", **kw):
    return services.rumah_tangga_create(
        actor=cast.users[user],
        dasawisma=kw.pop("dasawisma", cast.dw),
        data={"alamat": "Jl. Kenari 3"},
        keluarga=[{"no_kk": "6474020103150001", "anggota": [member(**kw)]}],
    )


def test_kader_creates_a_household_and_its_head_becomes_krt(cast):
    rt = create(cast)
    assert rt.krt.nama == "Siti Rahma" and rt.keluarga.get().anggota.count() == 1
    assert rt.history.first().history_user == cast.users["kader"]


@pytest.mark.parametrize("user", ["kelurahan", "rt", "outsider", "kota"])
def test_only_the_dasawisma_cadres_enter_data(cast, user):
    with pytest.raises(PermissionDenied):
        create(cast, user)
    assert not RumahTangga.objects.filter(alamat="Jl. Kenari 3").exists()


def test_kader_cannot_enter_into_another_dasawisma(cast):
    with pytest.raises(PermissionDenied):
        create(cast, dasawisma=cast.dw_b)


@pytest.mark.parametrize(
    ("nik", "confirmed", "fails"),
    [
        ("6474024703900001", False, False),  # women: day + 40
        ("6474020703900001", False, True),  # the male form of the date for a woman
        ("6474020703900001", True, False),  # ... accepted when the cadre confirms the KTP says so
        ("9999024703900001", False, True),  # no such kabupaten/kota
        ("647402470390001", False, True),  # 15 digits
        ("64740247039000a1", True, True),  # not digits, confirmation does not help
        ("６４７４０２４７０３９０００１", True, True),  # fullwidth digits: a second spelling of the same NIK
        ("647402٤7039000١", True, True),  # Arabic-Indic digits
        ("6474994703900001", False, False),  # unknown kecamatan: only a warning
    ],
)
def test_nik_rules(cast, nik, confirmed, fails):
    if fails:
        with pytest.raises(ValidationError) as exc:
            create(cast, nik=nik, nik_dikonfirmasi=confirmed)
        assert "nik" in exc.value.message_dict
        assert not RumahTangga.objects.filter(alamat="Jl. Kenari 3").exists()  # nothing half-written
    else:
        create(cast, nik=nik, nik_dikonfirmasi=confirmed)


def test_nik_is_unique_and_outside_the_area_says_only_elsewhere(cast):
    other = f.rumah_tangga(cast.dw2)
    f.warga(f.keluarga(other), "Orang Lain", BORN, "P", nik="6474024703900001")
    with pytest.raises(ValidationError) as exc:
        create(cast)
    assert exc.value.message_dict["nik"] == ["NIK ini sudah terdaftar di wilayah lain."]


def test_nik_taken_inside_the_area_names_the_place(cast):
    near = f.rumah_tangga(cast.dw)
    f.warga(f.keluarga(near), "Tetangga", BORN, "P", nik="6474024703900001")
    with pytest.raises(ValidationError) as exc:
        create(cast)
    assert "Tetangga" in exc.value.message_dict["nik"][0]


def test_birth_date_in_the_future_is_refused(cast):
    with pytest.raises(ValidationError):
        create(cast, tanggal_lahir=timezone.localdate() + datetime.timedelta(days=1), nik=None)


def test_one_kepala_per_keluarga(cast):
    rt = create(cast)
    with pytest.raises(ValidationError):
        services.warga_add(
            actor=cast.users["kader"],
            keluarga=rt.keluarga.get(),
            data=member(nama="Kepala Dua", nik=None, jenis_kelamin="L"),
        )


def test_move_is_for_kelurahan_staff_within_the_kelurahan(cast):
    rt = create(cast)
    with pytest.raises(PermissionDenied):
        services.rumah_tangga_move(actor=cast.users["kader"], rumah_tangga=rt, dasawisma=cast.dw_b)
    services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=rt, dasawisma=cast.dw_c)
    assert RumahTangga.objects.get(pk=rt.pk).dasawisma == cast.dw_c
    with pytest.raises((PermissionDenied, ValidationError)):
        services.rumah_tangga_move(actor=cast.users["admin"], rumah_tangga=rt, dasawisma=cast.dw2)


def test_reveal_is_logged_and_needs_the_right(cast):
    rt = create(cast)
    w = rt.krt
    with pytest.raises(PermissionDenied):
        services.nik_reveal(actor=cast.users["rt"], warga=w)
    assert services.nik_reveal(actor=cast.users["kecamatan"], warga=w) == "6474024703900001"
    assert AksesNIK.objects.filter(user=cast.users["kecamatan"], warga=w).count() == 1


def test_mask():
    assert validation.mask("6474024703900001") == "6474********0001"
    assert validation.mask("") == ""


def test_a_birth_year_more_than_120_years_ago_is_a_typing_slip(cast):
    with pytest.raises(ValidationError) as exc:
        create(cast, tanggal_lahir=datetime.date(1896, 5, 1), nik=None)
    assert "120 tahun" in str(exc.value)
