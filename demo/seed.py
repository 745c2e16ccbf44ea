"""seed_demo: the whole demo in one transaction: the official areas and groups of Kota Bontang with
one account per role (demo.tree), households with twelve months of events (demo.households), the
monthly reports in every state (demo.reports), and last year closed (recaps.closing)."""

import random
from datetime import date

from django.db import transaction
from django.utils import timezone
from faker import Faker

from hierarchy.levels import Level
from hierarchy.models import Unit
from recaps.closing import close_year

from .households import finish_bulk_load, seed_households
from .province import WORKERS, seed_province
from .regroup import regroup
from .reports import seed_reports
from .tree import DEFAULT_PASSWORD, DEFAULT_SEED, DemoResult, build_demo_tree, import_areas, login_rows


def seed_demo(*, seed=DEFAULT_SEED, password=DEFAULT_PASSWORD, stdout=None, scale=None, provinsi=False, workers=None):
    """Build (or find in place) the whole demo, in one transaction. provinsi: all of Kalimantan Timur
    with about `scale` rumah tangga, written kelurahan by kelurahan (demo.province), by `workers`
    processes at once (its WORKERS when None)."""
    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    today = timezone.localdate()
    active_from = date(today.year - 1, 1, 1)  # a year of history fits before this year
    if provinsi:
        return seed_province(
            seed=seed, password=password, stdout=stdout, scale=scale, rng=rng, fake=fake, today=today,
            active_from=active_from, workers=WORKERS if workers is None else workers,
        )  # fmt: skip

    with transaction.atomic():
        import_areas(stdout)
        tree = build_demo_tree(rng, fake, password, active_from=active_from)
        kota, admin = tree.kota, tree.admin
        # Households per dasawisma (and the extra groups of --scale). Each dasawisma draws from its own
        # stream derived from the seed, so that the households do not depend on which dasawisma were
        # filled by an earlier run.
        seed_households(
            seed=seed,
            dasawisma_qs=Unit.objects.filter(level=Level.DASAWISMA, kabkota_id=kota.pk),
            admin=admin,
            stdout=stdout,
            scale=scale,
            today=today,
            active_from=active_from,
        )
        # A dasawisma re-formed and a household moved in the months behind us (demo.regroup).
        regroup(kota, today, admin)
        # Twelve months of reports in every state, on the events the households came with.
        seed_reports(
            kota=kota, admin=admin, seed=seed, today=today, demo_dasawisma=tree.chain["dasawisma"], stdout=stdout
        )
        # Last year is closed, as `manage.py tutup_tahun` does each January: its yearly recaps stay put.
        close_year(today.year - 1, under=kota)

        logins = login_rows([(admin, tree.admin_created), *list(tree.accounts.values())], password)
    finish_bulk_load()
    return DemoResult(groups=tree.counts, logins=logins, kelurahan=len(tree.desa_units))
