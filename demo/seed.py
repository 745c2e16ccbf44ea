"""seed_demo: the whole demo in one transaction: the official areas and groups of Kota Bontang with
one account per role (demo.tree), households with twelve months of events (demo.households), the
monthly reports in every state (demo.reports), and last year closed (recaps.closing)."""

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from hierarchy.levels import Level
from hierarchy.models import Unit
from recaps.closing import close_year

from .households import seed_households
from .regroup import regroup
from .reports import seed_reports
from .tree import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    GroupCounts,
    create_accounts,
    create_groups,
    demo_chain,
    get_or_create_admin,
    import_areas,
    kelurahan_of_kota,
    login_rows,
    plan_accounts,
    plan_groups,
)


@dataclass
class DemoResult:
    groups: GroupCounts
    logins: list
    kelurahan: int


def seed_demo(*, seed=DEFAULT_SEED, password=DEFAULT_PASSWORD, stdout=None, scale=None):
    """Build (or find in place) the whole demo, in one transaction."""
    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    today = timezone.localdate()
    active_from = date(today.year - 1, 1, 1)  # a year of history fits before this year

    with transaction.atomic():
        import_areas(stdout)
        kota, desa_units = kelurahan_of_kota()

        group_plans = plan_groups([d.code for d in desa_units], rng)
        account_plans = plan_accounts(rng, fake)
        password_hash = make_password(password)  # hashed once: all demo accounts share the password

        admin, admin_created = get_or_create_admin(account_plans[0], kota, password_hash)
        units, counts = create_groups(group_plans, desa_units, active_from=active_from, actor=admin)
        chain = demo_chain(kota, units)
        accounts = create_accounts(account_plans, chain, password_hash=password_hash, admin=admin)
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
        seed_reports(kota=kota, admin=admin, seed=seed, today=today, demo_dasawisma=chain["dasawisma"], stdout=stdout)
        # Last year is closed, as `manage.py tutup_tahun` does each January: its yearly recaps stay put.
        close_year(today.year - 1, under=kota)

        logins = login_rows([(admin, admin_created), *list(accounts.values())], password)
    # Statistics for the planner after the bulk load (PostgreSQL; SQLite plans without them): autovacuum
    # would get to it, but the first recaps would be planned on empty tables until then.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return DemoResult(groups=counts, logins=logins, kelurahan=len(desa_units))
