"""The benchmark scripts in bench/ still start after code moves (their figures are in
docs/BENCHMARKS.md; the measurements themselves need a large database and run by hand)."""

import subprocess
import sys
from pathlib import Path

import pytest

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
