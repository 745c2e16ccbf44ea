"""Recording pregnancies, births and deaths: the checks a cadre meets."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from households import services
from households.models import Kehamilan, Kelahiran, Warga
from households.tests.test_services import create, member
from reports import services as ev

D = datetime.date


def test_birth_makes_the_baby_a_member_and_ends_the_pregnancy(cast):
    k = ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 6, 1))
    birth = ev.kelahiran_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal=D(2026, 3, 1),
        bayi={"nama": "Putri Wijayakusuma", "jenis_kelamin": "P"}, akte_kelahiran=True,
    )  # fmt: skip
    k.refresh_from_db()
    assert (k.tanggal_selesai, k.hasil) == (D(2026, 3, 1), "melahirkan")
    baby = birth.bayi
    assert baby.keluarga == cast.w_rina.keluarga and baby.status_dalam_keluarga == "anak" and baby.nik is None


def test_birth_without_pregnancy_needs_confirmation(cast):
    kwargs = {"actor": cast.users["kader"], "ibu": cast.w_rina, "tanggal": D(2026, 3, 1),
              "bayi": {"nama": "Bayi", "jenis_kelamin": "L"}, "akte_kelahiran": False}  # fmt: skip
    with pytest.raises(ev.NeedsConfirmation):
        ev.kelahiran_record(**kwargs)
    assert ev.kelahiran_record(**kwargs, confirm_without_pregnancy=True).tanpa_kehamilan_dikonfirmasi


def test_second_delivery_within_six_months_is_refused_but_twins_are_fine(cast):
    kwargs = {"actor": cast.users["kader"], "ibu": cast.w_rina, "akte_kelahiran": False,
              "confirm_without_pregnancy": True}  # fmt: skip
    ev.kelahiran_record(**kwargs, tanggal=D(2026, 1, 10), bayi={"nama": "Kembar A", "jenis_kelamin": "L"})
    ev.kelahiran_record(**kwargs, tanggal=D(2026, 1, 10), bayi={"nama": "Kembar B", "jenis_kelamin": "P"})
    with pytest.raises(ValidationError):
        ev.kelahiran_record(**kwargs, tanggal=D(2026, 5, 1), bayi={"nama": "Terlalu Cepat", "jenis_kelamin": "L"})
    assert Kelahiran.objects.filter(ibu=cast.w_rina).count() == 2


@pytest.mark.parametrize(
    ("who", "day", "message"),
    [
        ("w_hendra", D(2026, 1, 1), "perempuan"),  # a man as mother
        ("w_sumiati", D(2026, 1, 1), "Usia ibu"),  # 75 years old
        ("w_rina", D(2099, 1, 1), "masa depan"),
        ("w_rina", D(1980, 1, 1), "sebelum tanggal lahir"),
    ],
)
def test_implausible_pregnancies_are_refused(cast, who, day, message):
    with pytest.raises(ValidationError) as exc:
        ev.kehamilan_record(actor=cast.users["kader"], ibu=getattr(cast, who), tanggal_mulai=day)
    assert message in str(exc.value)
    assert not Kehamilan.objects.exists()


def test_death_marks_the_person_and_ends_an_ongoing_pregnancy(cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2026, 1, 1))
    ev.kematian_record(actor=cast.users["kader"], warga=cast.w_rina, tanggal=D(2026, 3, 3), sebab="perdarahan")
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    assert (rina.status, rina.tanggal_status) == ("meninggal", D(2026, 3, 3))
    assert rina.kehamilan.get().hasil == "ibu_meninggal"
    with pytest.raises(ValidationError):
        ev.kehamilan_record(actor=cast.users["kader"], ibu=rina, tanggal_mulai=D(2026, 4, 1))


def test_death_before_a_recorded_birth_is_refused(cast):
    ev.kelahiran_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal=D(2026, 2, 1),
                        bayi={"nama": "Bayi", "jenis_kelamin": "L"}, akte_kelahiran=False,
                        confirm_without_pregnancy=True)  # fmt: skip
    with pytest.raises(ValidationError):
        ev.kematian_record(actor=cast.users["kader"], warga=cast.w_rina, tanggal=D(2026, 1, 15), sebab="x")


def test_death_just_past_balita_age_needs_confirmation(cast):
    child = cast.w_dimas
    Warga.objects.filter(pk=child.pk).update(tanggal_lahir=D(2020, 12, 1))  # 61 months on 15 Jan 2026
    child.refresh_from_db()
    with pytest.raises(ev.NeedsConfirmation):
        ev.kematian_record(actor=cast.users["kader"], warga=child, tanggal=D(2026, 1, 15), sebab="sakit")
    ev.kematian_record(actor=cast.users["kader"], warga=child, tanggal=D(2026, 1, 15), sebab="sakit", confirm_age=True)


def test_only_cadres_and_kelurahan_record_events(cast):
    with pytest.raises(PermissionDenied):
        ev.kehamilan_record(actor=cast.users["rt"], ibu=cast.w_rina, tanggal_mulai=D(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        ev.kehamilan_record(actor=cast.users["outsider"], ibu=cast.w_rina, tanggal_mulai=D(2026, 1, 1))
    ev.kehamilan_record(actor=cast.users["sekretaris"], ibu=cast.w_rina, tanggal_mulai=D(2026, 1, 1))


def test_leaving_member_stays_in_history_and_krt_passes_on(cast):
    rt = create(cast)
    kel = rt.keluarga.get()
    anak = services.warga_add(
        actor=cast.users["kader"], keluarga=kel,
        data=member(nama="Anak", nik=None, status_dalam_keluarga="anak", tanggal_lahir=datetime.date(2012, 1, 1)),
    )  # fmt: skip
    ev.warga_leave(actor=cast.users["kader"], warga=rt.krt, status="meninggal", on_date=datetime.date(2026, 1, 2))
    rt.refresh_from_db()
    assert rt.krt == anak
    assert Warga.objects.filter(status="meninggal").count() == 1


def test_a_due_date_years_away_is_a_typing_slip(cast):
    start = D(2026, 1, 10)
    with pytest.raises(ValidationError) as exc:
        ev.kehamilan_record(
            actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=start, perkiraan_lahir=D(9999, 12, 31)
        )
    assert "paling lambat 10 bulan" in str(exc.value) and not Kehamilan.objects.exists()
    ev.kehamilan_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=start, perkiraan_lahir=D(2026, 10, 17)
    )


def test_the_database_keeps_one_running_pregnancy_per_woman(cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=D(2026, 1, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=D(2026, 2, 1))
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=D(2025, 1, 1), tanggal_selesai=D(2025, 9, 1))  # ended: fine
