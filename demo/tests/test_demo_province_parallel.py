"""seed_demo --provinsi with two processes at once (demo.province._each, PostgreSQL): the province it
writes is the one a single process writes, row for row but the ids."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test import override_settings

from demo import province
from demo import tree as demo_tree
from demo.households import HouseholdResult
from households.models import Keluarga, RumahTangga, Warga
from recaps.models import PotretTahunan
from reports.models import Laporan

SCALE = 400


def _province(workers):
    """Seeds the province (Bontang's groups made small, as in test_demo_province) and returns what it
    holds, without ids, with the command's output."""
    out = StringIO()
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_tree, "RW_PER_DESA", (1, 1))
        mp.setattr(demo_tree, "RT_PER_RW", (1, 1))
        mp.setattr(demo_tree, "RT_PER_DESA", (1, 1))
        mp.setattr(demo_tree, "DASAWISMA_PER_RT", (3, 3))
        with override_settings(DEBUG=True, PASSWORD_HASHERS=fast):
            call_command("seed_demo", provinsi=True, scale=SCALE, workers=workers, stdout=out)
    group = ("dasawisma__code", "dasawisma__desa__code")
    held = {
        "rumah tangga": sorted(RumahTangga.objects.values_list(*group, "alamat")),
        "warga": sorted(Warga.objects.values_list("nik", "nama", "tanggal_lahir")),
        "keluarga": sorted(Keluarga.objects.values_list("no_kk", flat=True)),
        "laporan": sorted(Laporan.objects.values_list("unit__code", "unit__desa__code", "tahun", "bulan", "status")),
        "potret": sorted(
            (code, desa, sorted(fakta.items()))
            for code, desa, fakta in PotretTahunan.objects.values_list(*group, "fakta")
        ),
    }
    return held, out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes write at once only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_processes_write_the_province_one_process_writes():
    two, out = _province(workers=2)
    assert len(two["rumah tangga"]) >= SCALE and len(two["potret"]) > 0
    assert len({nik for nik, _nama, _lahir in two["warga"]}) == len(two["warga"])
    for name in ("Kota Samarinda", "Kabupaten Mahakam Ulu", "Kota Bontang"):
        assert f"{name}: " in out
    assert "dibuat 0 rumah tangga" in _province(workers=2)[1]  # a second run finds everything in place

    call_command("flush", interactive=False, verbosity=0)
    one, _out = _province(workers=1)
    assert two == one


@pytest.mark.django_db
def test_a_desa_crossed_by_another_process_is_written_again():
    """_again_if_crossed: a desa whose NIK another process wrote meanwhile is written once more, and
    what the failed attempt counted is not counted twice."""
    attempts = []

    def fill(result, counts):
        attempts.append(1)
        result.rumah_tangga += 5
        counts.created["dasawisma"] = counts.created.get("dasawisma", 0) + 1
        if len(attempts) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")

    result, counts = province._again_if_crossed(fill, HouseholdResult(), demo_tree.GroupCounts())
    assert len(attempts) == 2 and result.rumah_tangga == 5 and counts.created == {"dasawisma": 1}

    def always(result, counts):
        raise IntegrityError("duplicate key value violates unique constraint")

    with pytest.raises(IntegrityError):
        province._again_if_crossed(always, HouseholdResult(), demo_tree.GroupCounts())
