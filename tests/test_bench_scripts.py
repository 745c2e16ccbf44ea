"""The benchmark scripts in bench/ still start after code moves (their figures are in
docs/BENCHMARKS.md; the measurements themselves need a large database and run by hand)."""

import argparse
import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import Unit
from households.models import Kehamilan
from households.tests import factories as f
from pkkdata import periods
from recaps import recaps
from recaps.models import RingkasanDasawisma

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if p.name != "benchsetup.py")


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_script_starts(script):
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_the_load_test_spreads_people_over_the_roles_and_reads_percentiles_by_nearest_rank(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import load  # bench/load.py

    assert load.people_for(50).count("demo-kader") == 20 and load.people_for(50).count("demo-kota") == 2
    for count in (1, 7, 25, 50, 173):
        people = load.people_for(count)
        assert len(people) == count and set(people) <= set(load.ACCOUNTS)
    values = list(range(1, 101))
    assert (load.percentile(values, 50), load.percentile(values, 95), load.percentile(values, 99)) == (50, 95, 99)
    assert load.percentile([7], 95) == 7


def test_the_recap_benchmark_reads_its_ringkasan_modes_and_counts_the_units_each_form_counts(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import recap  # bench/recap.py

    assert recap.ringkasan_modes("kept,anew") == ["kept", "anew"]
    assert recap.ringkasan_modes(" anew , kept,anew") == ["anew", "kept"]
    for bad in ("", "kept,semua", ","):
        with pytest.raises(argparse.ArgumentTypeError):
            recap.ringkasan_modes(bad)
    for level, (_area, _child, counted) in recap.FLOOR_LEVELS.items():
        for kind in (recaps.YEARLY, recaps.MONTHLY):
            form = recaps.form_for(level, kind)
            assert form is None or recaps.count_levels(form) == counted, (level, kind)


@pytest.mark.django_db
def test_the_recap_benchmark_floors_give_the_recaps_numbers_at_every_level(cast, monkeypatch):
    """bench/recap.py's hand-written statements against the recaps on the test cast and a second kota,
    for the provinsi, the kota and a kecamatan (PostgreSQL: the floors use its date arithmetic)."""
    if connection.vendor != "postgresql":
        pytest.skip("the floors of bench/recap.py are PostgreSQL statements")
    monkeypatch.syspath_prepend(str(BENCH))
    import recap  # bench/recap.py

    today = timezone.localdate()
    start = datetime.date(2024, 1, 1)
    parent = cast.prov
    for level, code in [
        (Level.KABKOTA, "64.72"),
        (Level.KECAMATAN, "64.72.01"),
        (Level.DESA, "64.72.01.1001"),
        (Level.RT, "001"),
        (Level.DASAWISMA, "DW1"),
    ]:
        parent = Unit(level=level, code=code, name=f"Satuan {code}", parent=parent, active_from=start)
        parent.save()
    household = f.rumah_tangga(parent)
    mother = f.warga(
        f.keluarga(household), "Ibu Samarinda", datetime.date(1995, 1, 1), "P", status_perkawinan="menikah"
    )
    Kehamilan.objects.create(ibu=mother, tanggal_mulai=today - datetime.timedelta(days=60))

    last_month = periods.add_months(today.replace(day=1), -1)
    for kode, lampiran, rows in [
        ("64", ["4.17d"], 2),
        ("64.74", ["4.17c", "4.19c"], 2),
        ("64.74.02", ["4.17b", "4.19b"], 1),
    ]:
        unit = recap.find_unit(kode)
        cases, notes = recap.cases_for(unit, last_month.year, last_month.month, ["kept", "anew"], today)
        assert {c.label.split()[0] for c in cases} == set(lampiran)
        assert bool(notes) == (kode == "64" or last_month.year != today.year), notes
        for case in cases:
            assert len(case.floor()) == rows, case.label
            recap.measure(case, runs=1)  # stops when the numbers differ
        kept = RingkasanDasawisma.objects.filter(**{f"dasawisma__{unit.level}_id": unit.pk}, per_tanggal=today)
        assert kept.exists() == (last_month.year == today.year)  # the running year's recap keeps its counts
