"""The demo's twelve months of events (demo.households.DasawismaGenerator.vital_events): births,
pregnancies and deaths that obey the rules a cadre's entry must obey, at realistic rates."""

import datetime
from collections import Counter, defaultdict
from itertools import pairwise

import pytest

from demo import households as demo
from hierarchy.levels import Level
from hierarchy.models import Unit
from households import rules
from households.models import Kehamilan, Kelahiran, Kematian, Warga
from pkkdata import periods
from reports import events

from .test_demo_households import TODAY, bontang, seed  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
EVENTS_FROM = periods.add_months(TODAY.replace(day=1), -(demo.EVENT_MONTHS - 1))


def test_every_birth_has_its_pregnancy_and_its_baby_in_the_mothers_keluarga(bontang):  # noqa: F811
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    births = list(Kelahiran.objects.select_related("ibu", "bayi", "kehamilan"))
    assert births
    for b in births:
        assert b.bayi.tanggal_lahir == b.tanggal <= TODAY
        assert b.tanggal >= EVENTS_FROM - datetime.timedelta(days=rules.NIFAS_DAYS)
        assert b.bayi.keluarga_id == b.ibu.keluarga_id and b.bayi.status_dalam_keluarga == "anak"
        assert b.ibu.jenis_kelamin == "P" and 15 <= rules.age_years(b.ibu.tanggal_lahir, b.tanggal) <= 49
        k = b.kehamilan
        assert k.ibu_id == b.ibu_id and k.tanggal_selesai == b.tanggal and k.hasil == "melahirkan"
        if b.tanpa_kehamilan_dikonfirmasi:  # a birth without a recorded pregnancy brings its own, of one day
            assert k.tanggal_mulai == b.tanggal and k.perkiraan_lahir is None
        else:
            assert 259 <= (b.tanggal - k.tanggal_mulai).days <= 287
    assert 0 < sum(b.tanpa_kehamilan_dikonfirmasi for b in births) < len(births) * 0.15
    # no second delivery of a mother within six months (the rule services_events enforces)
    by_mother = defaultdict(list)
    for b in births:
        by_mother[b.ibu_id].append(b.tanggal)
    for days in by_mother.values():
        days.sort()
        assert all((later - earlier).days > 182 for earlier, later in pairwise(days))
    # a woman with an ongoing pregnancy did not deliver in the last six months
    ongoing = Kehamilan.objects.filter(tanggal_selesai__isnull=True).values_list("ibu", flat=True)
    assert not Kelahiran.objects.filter(ibu__in=ongoing, tanggal__gt=TODAY - datetime.timedelta(days=182)).exists()


def test_deaths_are_on_the_form_and_mark_the_person(bontang):  # noqa: F811
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    deaths = list(Kematian.objects.select_related("warga").prefetch_related("warga__kehamilan"))
    for d in deaths:
        assert d.warga.status == "meninggal" and d.warga.tanggal_status == d.tanggal
        assert d.warga.tanggal_lahir <= d.tanggal <= TODAY and d.sebab
        # every generated death is one the 4.18a form counts: a mother, a baby or a child under five
        assert rules.death_kind(d.warga, d.tanggal, d.warga.kehamilan.all()) in ("ibu", "bayi", "balita")
    assert Warga.objects.filter(status="meninggal").count() == len(deaths)


def test_birth_rate_is_about_sixteen_per_thousand_a_year(bontang):  # noqa: F811
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    people = Warga.objects.filter(rules.counted_q(EVENTS_FROM)).count()
    births = Kelahiran.objects.filter(tanggal__gte=EVENTS_FROM).count()
    days = (TODAY - EVENTS_FROM).days + 1
    per_thousand_a_year = births / people * 1000 * 365 / days
    assert 11 < per_thousand_a_year < 22, per_thousand_a_year


def test_the_monthly_numbers_see_the_events(bontang):  # noqa: F811
    """Each month of the window: the births of 4.18a equal the Kelahiran rows, the mothers who delivered
    are counted melahirkan, and pregnancies count in the months they cover."""

    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    month = EVENTS_FROM
    totals = Counter()
    while month <= TODAY:
        first, last = periods.month_bounds(month.year, month.month)
        numbers = events.numbers_for(bontang.kota, month.year, month.month)
        born = Kelahiran.objects.filter(tanggal__gte=first, tanggal__lte=last)
        assert numbers["bayi_lahir_l"] + numbers["bayi_lahir_p"] == born.count()
        assert numbers["ibu_melahirkan"] == born.values("ibu").distinct().count()
        assert numbers["akte_ada"] == born.filter(akte_kelahiran=True).count()
        hamil = Kehamilan.objects.filter(rules.hamil_q(first, last)).values("ibu").distinct().count()
        assert numbers["ibu_hamil"] == hamil
        totals.update(numbers)
        month = periods.add_months(month, 1)
    assert totals["ibu_hamil"] > 0 and totals["ibu_nifas"] > 0
    ended = Kehamilan.objects.exclude(tanggal_selesai=None)
    across = [k for k in ended if k.tanggal_mulai.year != k.tanggal_selesai.year]
    assert across, "some pregnancies run across the turn of the year"


def test_twelve_months_of_mothers_counted_per_pregnancy_agree_with_the_months_counted_in_sql(bontang):  # noqa: F811
    """events.monthly_numbers gives the mothers of a kecamatan or less their status a month in Python
    (issue 14), larger areas in one SQL statement, numbers_for one month in SQL: on the demo's year of
    events (moves, continuations, pregnancies nobody closed, households that left) they agree, every
    month, for the kota, the kecamatan, both kelurahan and each RT."""
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    months = [periods.shift_month(TODAY.year, TODAY.month, -i) for i in range(11, -1, -1)]
    units = [bontang.kota, bontang.berbas_tengah.parent, bontang.berbas_tengah, bontang.with_rw]
    units += list(Unit.objects.filter(level=Level.RT, desa_id=bontang.berbas_tengah.pk)[:6])
    mothers = 0
    for unit in units:
        by_month = events.monthly_numbers(unit, months)
        for month in months:
            assert by_month[month] == events.numbers_for(unit, *month), (unit, month)
            mothers += by_month[month]["ibu_nifas"] + by_month[month]["ibu_hamil"]
    assert mothers > 0
