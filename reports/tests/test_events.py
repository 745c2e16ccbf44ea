"""The monthly form 4.18a derived from events, at the boundaries: 42 days of nifas, 12 and 60 months,
a pregnancy across months and years."""

import datetime

import pytest
from django.db.models import F, Q

from hierarchy.levels import Level
from hierarchy.models import Unit
from households import rules
from households.models import Kehamilan, Kelahiran, Kematian, Warga
from households.tests import factories as f
from pkkdata import periods
from reports import events

D = datetime.date


MOTHER_BORN = D(1995, 4, 4)


def _mother(cast, name="Ibu Uji", born=MOTHER_BORN):
    return f.warga(
        cast.hh_c.keluarga.get(), name, born, "P", status_perkawinan="menikah", status_dalam_keluarga="istri"
    )


def _deliver(cast, mother, day, sex="L", akte=True, start=None):
    k = Kehamilan.objects.create(
        ibu=mother, tanggal_mulai=start or day - datetime.timedelta(days=270), tanggal_selesai=day, hasil="melahirkan"
    )
    baby = f.warga(mother.keluarga, f"Bayi {mother.nama}", day, sex, nik=None)
    Kelahiran.objects.create(ibu=mother, bayi=baby, kehamilan=k, tanggal=day, akte_kelahiran=akte)
    return k, baby


@pytest.mark.parametrize(
    ("delivered", "month", "expected"),
    [
        (D(2026, 1, 20), (2026, 1), "melahirkan"),
        (D(2026, 1, 20), (2026, 2), "nifas"),
        (D(2026, 1, 20), (2026, 3), "nifas"),  # 20 Jan + 42 days = 3 Mar
        (D(2026, 1, 18), (2026, 3), "nifas"),  # 18 Jan + 42 days = 1 Mar: the last nifas day is in March
        (D(2026, 1, 17), (2026, 3), None),  # 17 Jan + 42 days = 28 Feb: over before March
        (D(2026, 1, 20), (2025, 12), "hamil"),
        (D(2026, 1, 1), (2025, 12), "hamil"),  # across the year
    ],
)
def test_status_ibu_at_the_42_day_boundary(delivered, month, expected):
    k = Kehamilan(tanggal_mulai=D(2025, 5, 1), tanggal_selesai=delivered, hasil="melahirkan")
    first, last = periods.month_bounds(*month)
    assert rules.status_ibu(k, first, last) == expected


def test_pregnancy_counts_in_every_month_it_runs(cast):
    mother = _mother(cast)
    Kehamilan.objects.create(ibu=mother, tanggal_mulai=D(2025, 11, 15))
    counts = [
        events.numbers_for(cast.dw_b, y, m)["ibu_hamil"] for y, m in [(2025, 10), (2025, 11), (2025, 12), (2026, 1)]
    ]
    assert counts == [0, 1, 1, 1]


def test_sql_and_python_statuses_agree_over_a_year(cast):
    mother = _mother(cast)
    _deliver(cast, mother, D(2026, 1, 17), start=D(2025, 4, 20))
    for month in range(1, 13):
        year = 2025 if month >= 4 else 2026
        first, last = periods.month_bounds(year, month)
        numbers = events.numbers_for(cast.dw_b, year, month)
        status = rules.status_ibu(Kehamilan.objects.get(ibu=mother), first, last)
        assert (numbers["ibu_hamil"], numbers["ibu_melahirkan"], numbers["ibu_nifas"]) == (
            int(status == "hamil"), int(status == "melahirkan"), int(status == "nifas"),
        ), (year, month)  # fmt: skip


def test_a_woman_has_one_status_a_month_when_pregnant_again(cast):
    """Delivered on 5 March, pregnant again from 20 March: March counts her melahirkan only, April hamil
    only (not also nifas), in every counting path and on the 4.18a rows."""
    mother = _mother(cast)
    _deliver(cast, mother, D(2026, 3, 5))
    Kehamilan.objects.create(ibu=mother, tanggal_mulai=D(2026, 3, 20))
    expected = {(2026, 3): (0, 1, 0), (2026, 4): (1, 0, 0)}
    by_month = events.monthly_numbers(cast.dw_b, [(2026, 3), (2026, 4)])
    for month, (hamil, melahirkan, nifas) in expected.items():
        for numbers in (
            events.numbers_for(cast.dw_b, *month),
            events.numbers_by("rt", *month, Q(rt_id=cast.rt.pk))[cast.rt.pk],
            by_month[month],
        ):
            assert (numbers["ibu_hamil"], numbers["ibu_melahirkan"], numbers["ibu_nifas"]) == (hamil, melahirkan, nifas)
        rows, _numbers = events.monthly_rows(cast.dw_b, *month)
        statuses = [r.status_ibu for r in rows if r.nama_ibu == mother.nama]
        assert statuses == ["Melahirkan" if melahirkan else "Hamil"], (month, statuses)


def test_births_and_akte(cast):
    mother = _mother(cast)
    _deliver(cast, mother, D(2026, 3, 5), sex="P", akte=False)
    numbers = events.numbers_for(cast.dw_b, 2026, 3)
    assert (numbers["bayi_lahir_p"], numbers["bayi_lahir_l"], numbers["akte_tidak"], numbers["akte_ada"]) == (
        1,
        0,
        1,
        0,
    )
    assert events.catatan_totals(numbers)["bayi_lahir"] == 1
    assert events.numbers_for(cast.kel, 2026, 3)["bayi_lahir_p"] == 1  # rolls up to the kelurahan
    assert events.numbers_for(cast.kel2, 2026, 3)["bayi_lahir_p"] == 0


@pytest.mark.parametrize(
    ("born", "died", "kind"),
    [
        (D(2025, 3, 10), D(2026, 3, 9), "bayi"),  # 11 months
        (D(2025, 3, 10), D(2026, 3, 10), "balita"),  # 12 months
        (D(2021, 3, 11), D(2026, 3, 10), "balita"),  # 59 months
        (D(2021, 3, 10), D(2026, 3, 10), None),  # 60 months: neither
    ],
)
def test_death_kind_by_age(cast, born, died, kind):
    child = f.warga(cast.hh_c.keluarga.get(), "Anak Uji", born, "L", nik=None)
    Kematian.objects.create(warga=child, tanggal=died, sebab="sakit")
    numbers = events.numbers_for(cast.dw_b, died.year, died.month)
    assert (numbers["bayi_meninggal_l"], numbers["balita_meninggal_l"]) == (int(kind == "bayi"), int(kind == "balita"))


@pytest.mark.parametrize(("days_after", "is_ibu"), [(42, True), (43, False)])
def test_maternal_death_within_42_days_of_the_end_of_pregnancy(cast, days_after, is_ibu):
    mother = _mother(cast)
    k, _baby = _deliver(cast, mother, D(2026, 1, 10))
    died = k.tanggal_selesai + datetime.timedelta(days=days_after)
    Kematian.objects.create(warga=mother, tanggal=died, sebab="perdarahan")
    Warga.objects.filter(pk=mother.pk).update(status="meninggal", tanggal_status=died)
    assert events.numbers_for(cast.dw_b, died.year, died.month)["ibu_meninggal"] == int(is_ibu)


def test_monthly_rows_of_a_dasawisma(cast, django_assert_max_num_queries):
    mother = _mother(cast)
    _deliver(cast, mother, D(2026, 3, 5), sex="P")
    with django_assert_max_num_queries(12):
        rows, numbers = events.monthly_rows(cast.dw_b, 2026, 3)
    assert [(r.status_ibu, r.nama_bayi) for r in rows] == [("Melahirkan", "Bayi Ibu Uji")]  # one row
    assert rows[0].nama_suami == "Bambang Wijayakusuma"
    assert numbers["ibu_melahirkan"] == 1


def test_numbers_take_constant_queries(cast, django_assert_num_queries):
    for i in range(3):
        mother = _mother(cast, name=f"Ibu {i}", born=D(1990 + i, 1, 1))
        _deliver(cast, mother, D(2026, 3, 5 + i))
    with django_assert_num_queries(3):  # pregnancies, births, deaths (none: no unit lookup)
        events.numbers_by("desa", 2026, 3)


# -- numbers_under: one unit's numbers, grouped ----------------------------------------------------------


def _events_everywhere(cast):
    """A birth in Melati 2, a nifas mother and a bayi death in Anggrek (Belimbing), a pregnancy in
    Melati 1, a maternal death in Mawar (RT 002, no RW): something in every kind of column."""
    _deliver(cast, _mother(cast), D(2026, 3, 5), sex="P", akte=False)
    maria = Warga.objects.get(nama="Maria Siregar")
    Kehamilan.objects.create(ibu=maria, tanggal_mulai=D(2025, 5, 1), tanggal_selesai=D(2026, 2, 10), hasil="melahirkan")
    bayi = f.warga(maria.keluarga, "Bayi Siregar", D(2025, 8, 1), "L", nik=None)
    Kematian.objects.create(warga=bayi, tanggal=D(2026, 3, 2), sebab="Demam")
    rina = Warga.objects.get(nama="Rina Wijayakusuma")
    Kehamilan.objects.create(ibu=rina, tanggal_mulai=D(2026, 1, 10))
    mawar = f.rumah_tangga(cast.dw_c)
    ibu = f.warga(f.keluarga(mawar), "Ibu Mawar", D(1994, 2, 2), "P", status_perkawinan="menikah")
    Kehamilan.objects.create(ibu=ibu, tanggal_mulai=D(2025, 9, 1), tanggal_selesai=D(2026, 2, 25), hasil="keguguran")
    Kematian.objects.create(warga=ibu, tanggal=D(2026, 3, 20), sebab="Perdarahan")


MONTHS = [(2026, 2), (2026, 3), (2026, 4)]


def test_numbers_under_equal_numbers_by_for_every_unit_and_month(cast):
    """numbers_under narrows on the events' own join to the unit, numbers_by on an IN over the units:
    the same numbers, unit after unit and month after month."""
    _events_everywhere(cast)
    seen = set()
    for month in MONTHS:
        for unit in [cast.kota, cast.kec, cast.kec2, cast.kel, cast.kel2, cast.rw, cast.rt, cast.rt_b, cast.dw_c]:
            expected = events.numbers_by(unit.level, *month, Q(**{f"{unit.level}_id": unit.pk})).get(unit.pk)
            assert events.numbers_under(unit, *month).get(unit.pk) == expected, (unit, month)
            seen.add(expected and tuple(expected.values()))
    assert len(seen) > 4  # the units and months differ: numbers of the wrong one would show
    # Grouped by the first set level (RW 01 and RT 002 side by side under Berbas Tengah).
    grouped = events.numbers_under(cast.kel, 2026, 3, [Level.RW, Level.RT])
    assert set(grouped) == {cast.rw.pk, cast.rt_b.pk}
    assert grouped[cast.rw.pk] == events.numbers_for(cast.rw, 2026, 3)
    assert grouped[cast.rt_b.pk]["ibu_meninggal"] == 1


def test_a_mothers_other_pregnancies_count_alike_looked_up_per_mother_or_hashed(cast):
    """Issue 14: a small area looks a mother's other pregnancies up per mother, a large one hashes the
    month's pregnancies once (events.mother_status_qs): the same numbers either way, also for a mother
    whose pregnancy went on in another kelurahan and who delivered there."""
    _events_everywhere(cast)
    again = _mother(cast, "Ibu Lagi")  # delivered on 5 March, pregnant again from 20 March
    _deliver(cast, again, D(2026, 3, 5))
    Kehamilan.objects.create(ibu=again, tanggal_mulai=D(2026, 3, 20))
    moved = _mother(cast, "Ibu Pindah")  # pregnant in Melati 2 until 3 March, delivered in Anggrek on 20 March
    before = Kehamilan.objects.create(
        ibu=moved, tanggal_mulai=D(2025, 7, 1), tanggal_selesai=D(2026, 3, 3), hasil="pindah"
    )
    after = Kehamilan.objects.create(
        ibu=moved, tanggal_mulai=D(2026, 3, 3), tanggal_selesai=D(2026, 3, 20), hasil="melahirkan"
    )
    Kehamilan.objects.filter(pk=before.pk).update(pindah_pada=D(2026, 3, 3))
    Kehamilan.objects.filter(pk=after.pk).update(dasawisma=cast.dw2, lanjutan=True)
    for month in MONTHS:
        for level, unit in [("kabkota", cast.kota), ("kecamatan", cast.kec), ("desa", cast.kel),
                            ("desa", cast.kel2), ("rt", cast.rt_b), ("dasawisma", cast.dw_b)]:  # fmt: skip
            where = Q(**{f"{level}_id": unit.pk})
            per_mother = events.numbers_by(level, *month, where, per_mother=True)
            assert per_mother == events.numbers_by(level, *month, where, per_mother=False), (unit, month)
    # March in Melati 2: Ibu Lagi delivered (not hamil again), Ibu Pindah delivered elsewhere (not hamil here)
    march = events.numbers_for(cast.dw_b, 2026, 3)
    assert (march["ibu_hamil"], march["ibu_melahirkan"]) == (0, 2)
    assert events.numbers_for(cast.dw2, 2026, 3)["ibu_melahirkan"] == 1
    assert events.monthly_numbers(cast.kel, MONTHS) == {m: events.numbers_for(cast.kel, *m) for m in MONTHS}
    assert events.monthly_numbers(cast.kota, MONTHS) == {m: events.numbers_for(cast.kota, *m) for m in MONTHS}


def test_numbers_under_see_which_dasawisma_are_active(cast):
    _events_everywhere(cast)
    Unit.objects.filter(pk=cast.dw_c.pk).update(active_to=D(2026, 2, 28))
    active = Q(active_to__isnull=True) | Q(active_to__gte=D(2026, 3, 1))
    assert events.numbers_under(cast.kel, 2026, 3, unit_filter=active)[cast.kel.pk]["ibu_meninggal"] == 0
    assert events.numbers_under(cast.kel, 2026, 3)[cast.kel.pk]["ibu_meninggal"] == 1


def test_numbers_under_refuse_a_unit_filter_they_cannot_move(cast):
    # a unit filter that compares columns cannot move onto the events' path
    with pytest.raises(ValueError, match="hanya pencarian dengan nilai tetap"):
        events.numbers_under(cast.kel, 2026, 3, unit_filter=Q(active_to__gte=F("active_from")))


@pytest.mark.parametrize("extra", [0, 6])
def test_numbers_under_take_three_queries_whatever_the_data(cast, extra, django_assert_num_queries):
    _events_everywhere(cast)
    for i in range(extra):
        child = f.warga(cast.hh_a.keluarga.get(), f"Anak {i}", D(2025, 6, 1), "L", nik=None)
        Kematian.objects.create(warga=child, tanggal=D(2026, 3, 10 + i), sebab="sakit")
        _deliver(cast, _mother(cast, name=f"Ibu {i}", born=D(1990, 1, 1 + i)), D(2026, 3, 1 + i))
    with django_assert_num_queries(3):
        numbers = events.numbers_under(cast.kota, 2026, 3)[cast.kota.pk]
    assert numbers["bayi_meninggal_l"] == 1 + extra and numbers["ibu_melahirkan"] == 1 + extra
