"""The Data Keluarga counts (items 2-11) against hand-counted households, and the age rules at their
boundaries, each rule checked in Python and in the database."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from households import rules, selectors
from households.models import Kehamilan, RumahTangga, Warga
from households.tests import factories as f
from pkkdata import periods

ON = datetime.date(2026, 6, 15)


def years_before(n, days=0):
    return periods.add_years(ON, -n) + datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("born", "sex", "marital", "balita", "lansia", "wus", "pus"),
    [
        (years_before(5, 1), "L", "lajang", True, False, False, False),  # one day short of 5
        (years_before(5), "L", "lajang", False, False, False, False),  # 5th birthday today
        (ON, "P", "lajang", True, False, False, False),  # born today
        (years_before(60), "L", "menikah", False, True, False, False),  # 60th birthday today
        (years_before(60, 1), "L", "menikah", False, False, False, False),
        (years_before(15), "P", "menikah", False, False, True, True),  # 15th birthday today
        (years_before(15, 1), "P", "lajang", False, False, False, False),
        (years_before(50, 1), "P", "menikah", False, False, True, True),  # last day of 49
        (years_before(50), "P", "menikah", False, False, False, False),  # 50th birthday
        (years_before(30), "P", "janda", False, False, True, False),  # WUS but not PUS
        (years_before(30), "L", "menikah", False, False, False, False),  # men are never WUS/PUS
    ],
)
def test_age_rules_at_boundaries_agree_in_python_and_sql(cast, born, sex, marital, balita, lansia, wus, pus):
    rt = f.rumah_tangga(cast.dw)
    w = f.warga(f.keluarga(rt), "Uji", born, sex, status_perkawinan=marital)
    assert (rules.is_balita(w, ON), rules.is_lansia(w, ON), rules.is_wus(w, ON), rules.is_pus(w, ON)) == (
        balita, lansia, wus, pus,
    )  # fmt: skip
    qs = Warga.objects.filter(pk=w.pk)
    assert qs.filter(rules.balita_q(ON)).exists() is balita
    assert qs.filter(rules.lansia_q(ON)).exists() is lansia
    assert qs.filter(rules.wus_q(ON)).exists() is wus
    assert qs.filter(rules.pus_q(ON)).exists() is pus


def test_leap_day_birthdays():
    assert periods.add_years(datetime.date(2024, 2, 29), 1) == datetime.date(2025, 2, 28)
    assert rules.age_years(datetime.date(2020, 2, 29), datetime.date(2025, 2, 28)) == 4
    assert rules.age_months(datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)) == 0
    assert periods.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)


def test_counts_of_a_hand_counted_household(cast):
    rt = f.rumah_tangga(cast.dw)
    k1 = f.keluarga(rt)
    k2 = f.keluarga(rt)
    f.warga(k1, "Bapak", years_before(40), "L", status_dalam_keluarga="kepala", status_perkawinan="menikah")
    ibu = f.warga(k1, "Ibu", years_before(35), "P", status_dalam_keluarga="istri", status_perkawinan="menikah",
                  ibu_menyusui=True)  # fmt: skip
    f.warga(k1, "Bayi", years_before(0, -100), "P")  # 100 days old: balita P
    f.warga(k1, "Anak", years_before(7), "L", buta_baca=True)  # 3 buta L
    f.warga(k2, "Nenek", years_before(70), "P", status_dalam_keluarga="kepala", status_perkawinan="janda",
            buta_tulis=True, buta_hitung=True, berkebutuhan_khusus="fisik")  # fmt: skip
    f.warga(k2, "Cucu", years_before(3), "L")  # balita L
    f.warga(k2, "Tante", years_before(20), "P", status_perkawinan="lajang")  # WUS
    f.warga(k2, "Pindah", years_before(25), "L", status="pindah", tanggal_status=ON - datetime.timedelta(days=10))
    f.warga(k2, "Almarhum", years_before(80), "L", status="meninggal", tanggal_status=ON + datetime.timedelta(days=5))
    Kehamilan.objects.create(ibu=ibu, tanggal_mulai=ON - datetime.timedelta(days=60))

    row = selectors.with_counts(RumahTangga.objects.filter(pk=rt.pk), ON).get()
    # Almarhum died after ON, so still counts on ON; Pindah left before ON.
    assert (row.jml_anggota, row.jml_l, row.jml_p, row.jml_kk) == (8, 4, 4, 2)
    assert (row.balita_l, row.balita_p) == (1, 1)
    assert (row.jml_pus, row.jml_wus) == (1, 2)
    assert (row.buta_l, row.buta_p) == (1, 1)
    assert (row.ibu_hamil, row.ibu_menyusui, row.lansia, row.berkebutuhan_khusus) == (1, 1, 2, 1)


def test_counts_take_constant_queries(cast, django_assert_num_queries):
    for i in range(5):
        rt = f.rumah_tangga(cast.dw_c)
        f.warga(f.keluarga(rt), f"Warga {i}", years_before(30), "P", status_perkawinan="menikah")
    with django_assert_num_queries(1):
        rows = list(selectors.with_counts(RumahTangga.objects.filter(dasawisma=cast.dw_c), ON))
    assert [r.jml_pus for r in rows] == [1] * 5


def test_a_household_is_present_until_the_day_it_leaves_in_python_sql_and_the_unit_pages(client, cast):
    today = timezone.localdate()
    RumahTangga.objects.filter(pk=cast.hh_a.pk).update(tanggal_keluar=today + datetime.timedelta(days=1))
    RumahTangga.objects.filter(pk=cast.hh_b.pk).update(tanggal_keluar=today)
    for rt in RumahTangga.objects.filter(dasawisma=cast.dw):
        in_sql = RumahTangga.objects.filter(rules.present_q(today), pk=rt.pk).exists()
        assert rules.is_present(rt, today) == in_sql == (rt.pk != cast.hh_b.pk)
    present = RumahTangga.objects.filter(rules.present_q(today), dasawisma=cast.dw).count()

    client.force_login(cast.users["kelurahan"])
    dasawisma_page = client.get(reverse("hierarchy:unit_detail", args=[cast.dw.pk])).content.decode()
    assert f"<strong>{present}</strong> rumah tangga aktif" in dasawisma_page
    rt_page = client.get(reverse("hierarchy:unit_detail", args=[cast.rt.pk])).content.decode()
    assert f"{present} rumah tangga" in rt_page


@pytest.mark.parametrize(
    ("mulai", "selesai", "hasil", "hamil"),
    [
        (ON, None, "", True),  # begins today
        (ON + datetime.timedelta(days=1), None, "", False),  # begins tomorrow
        (ON - datetime.timedelta(days=200), ON, "melahirkan", False),  # delivered today: melahirkan, not hamil
        (ON - datetime.timedelta(days=200), ON + datetime.timedelta(days=1), "melahirkan", True),
        (ON - datetime.timedelta(days=60), ON - datetime.timedelta(days=1), "keguguran", False),
    ],
)
def test_pregnant_on_a_day_agrees_in_python_sql_and_the_monthly_rule(cast, mulai, selesai, hasil, hamil):
    ibu = f.warga(f.keluarga(f.rumah_tangga(cast.dw)), "Ibu Uji", datetime.date(1995, 1, 1), "P")
    k = Kehamilan.objects.create(ibu=ibu, tanggal_mulai=mulai, tanggal_selesai=selesai, hasil=hasil)
    assert rules.is_hamil_on(k, ON) == hamil
    assert Kehamilan.objects.filter(rules.hamil_on_q(ON), pk=k.pk).exists() == hamil
    assert Kehamilan.objects.filter(rules.hamil_q(ON, ON), pk=k.pk).exists() == hamil
