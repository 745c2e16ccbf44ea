"""Two people confirming the same onboarding sheet of a kelurahan at the same moment (the kecamatan and
the kelurahan, or a double click): every group and every account exists once, the one who loses is told
that nothing was saved, and a second look finds everything there. PostgreSQL with real threads,
released together at a barrier."""

import threading

import pytest
from django.db import connection

from demo.onboarding import example_rows
from hierarchy.levels import Level
from hierarchy.models import RoleAssignment, Unit, User
from hierarchy.tests.cast import build_cast
from onboarding.plan import analyse
from onboarding.services import OnboardingChanged, onboard
from onboarding.sheet import build_template, read_sheet

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"),
]


@pytest.mark.parametrize("run", range(3))
def test_two_confirms_at_once_write_the_sheet_once(transactional_db, run):
    cast = build_cast()
    desa = Unit.objects.create(level=Level.DESA, code="64.74.02.1003", name="Berbas Pantai", parent=cast.kec)
    data = build_template("Berbas Tengah", example_rows(seed=run, rw=1, rt_per_rw=2, dasawisma_per_rt=2))
    actors = [User.objects.get(pk=cast.users[name].pk) for name in ("kecamatan", "kota")]
    barrier, outcomes = threading.Barrier(2), []

    def confirm(actor):
        try:
            dataset = read_sheet(data, "kelompok.xlsx")
            barrier.wait(timeout=10)
            _plan, created = onboard(dataset, actor=actor, desa=desa)
            outcomes.append(len(created))
        except OnboardingChanged:
            outcomes.append("berubah")
        except Exception as exc:
            outcomes.append(repr(exc) + repr(getattr(getattr(exc, "plan", None), "errors", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    people = 2 + 1 + 2 + 2 * 2 * 2  # TP PKK ketua and sekretaris, ketua RW, 2 ketua RT, 2 per dasawisma
    assert sorted(outcomes, key=str) in ([people, "berubah"], [0, people]), outcomes
    assert Unit.objects.filter(desa=desa, level=Level.RW).count() == 1
    assert Unit.objects.filter(desa=desa, level=Level.RT).count() == 2
    assert Unit.objects.filter(desa=desa, level=Level.DASAWISMA).count() == 4
    assert User.objects.filter(phone__startswith="08").count() == people
    assert RoleAssignment.objects.filter(user__phone__startswith="08").count() == people
    again = analyse(read_sheet(data, "kelompok.xlsx"), actor=actors[1], desa=desa)
    assert again.counts["kelompok_baru"] == again.counts["akun_baru"] == again.counts["peran_baru"] == 0
