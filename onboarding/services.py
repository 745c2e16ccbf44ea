"""Writing an onboarding sheet: every group, account and role of the plan in one transaction, through
the services the one-by-one forms use (hierarchy.services: rights, validation, change history)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hierarchy import services as hierarchy_services
from hierarchy.levels import Role

from .plan import analyse


class OnboardingBlocked(Exception):
    """Nothing was written: the plan has errors (the plan made inside the transaction is attached)."""

    def __init__(self, plan):
        super().__init__("Ada baris yang salah.")
        self.plan = plan


class OnboardingChanged(Exception):
    """Nothing was written: the tree or the accounts changed between the check and the write (messages:
    what the services said, for the page)."""

    def __init__(self, messages=()):
        super().__init__("Data berubah saat disimpan.")
        self.messages = list(messages)


@dataclass
class Created:
    """A new account of the confirm, with its one-time password (kept by nobody but the page)."""

    user: object
    password: str
    role: str
    unit: str


def onboard(dataset, *, actor, desa):
    """Write the sheet for the kelurahan: (plan, [Created]). OnboardingBlocked when any row has an error,
    OnboardingChanged when a unique value was taken meanwhile; either way nothing is written."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            plan = analyse(dataset, actor=actor, desa=desa)
            if plan.has_errors:
                raise OnboardingBlocked(plan)
            plan.saved = plan.counts  # what this confirm adds (the groups stop being new as they are made)
            for group in plan.groups:  # parents come before their children
                if group.is_new:
                    parent = desa if group.parent is None else group.parent.unit
                    group.unit = hierarchy_services.unit_create(
                        actor=actor, parent=parent, level=group.level, code=group.code, name=group.name,
                        active_from=today,
                    )  # fmt: skip
            created = []
            for account in plan.accounts:
                for index, (role, group, _row, held) in enumerate(account.roles):
                    unit = desa if group is None else group.unit
                    if held:
                        continue
                    if account.user is None and index == 0:
                        account.user, password = hierarchy_services.account_invite(
                            actor=actor, username=account.username, first_name=account.name, phone=account.phone,
                            home_unit=unit, role=role, role_unit=unit,
                        )  # fmt: skip
                        created.append(Created(account.user, password, Role(role).label, unit.path_label(within=None)))
                    else:
                        hierarchy_services.role_grant(actor=actor, user=account.user, role=role, unit=unit)
    except ValidationError as exc:
        raise OnboardingChanged(exc.messages) from exc
    except IntegrityError as exc:
        raise OnboardingChanged() from exc
    return plan, created
