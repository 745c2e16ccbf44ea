"""The one place that decides who sees and does what.

Rights are django-guardian object permissions on unit rows (derived from role assignments by
hierarchy.services). A permission held on a unit reaches every unit below it. Every view, export,
import and admin queryset that shows scoped data goes through these helpers:

- ``scope(qs, user, perm, via)`` filters a queryset to the user's area;
- ``get_for_user(user, qs, perm, via, **lookup)`` fetches one object: 404 when it lies outside the
  user's area (its existence does not leak), 403 when it is inside but the user lacks ``perm``;
- ``has_perm(user, perm, unit)`` answers for one unit without a query once the grants are loaded.

``via`` is the lookup path from the queryset's model to its unit ("" for Unit itself,
"dasawisma__" for a row with a ``dasawisma`` foreign key to Unit).
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .levels import RANK, ROLE_LEVEL, Perm
from .models import Unit, UnitUserObjectPermission

_CACHE_ATTR = "_pkk_grants"


@dataclass(frozen=True)
class Grant:
    perm: str
    unit_id: int
    level: str


def grants(user):
    """All (perm, unit) grants of the user, loaded once per user object (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = UnitUserObjectPermission.objects.filter(user_id=user.pk).values_list(
            "permission__codename", "content_object_id", "content_object__level"
        )
        cached = tuple(Grant(perm, unit_id, level) for perm, unit_id, level in rows)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user):
    """Drop the cached grants (after the user's roles changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_global(user):
    """The system administrator sees and may do everything."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def area_q(user, perm=Perm.VIEW, via=""):
    """A Q object matching rows whose unit lies in the part of the tree where the user holds perm."""
    if is_global(user):
        return Q()
    by_level = defaultdict(set)
    for grant in grants(user):
        if grant.perm == perm:
            by_level[grant.level].add(grant.unit_id)
    if not by_level:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{via}{level}_id__in": sorted(ids)}) for level, ids in by_level.items()))


def scope(qs, user, perm=Perm.VIEW, via=""):
    """The queryset narrowed to the user's area for perm (default: seeing data)."""
    if is_global(user):
        return qs
    return qs.filter(area_q(user, perm, via))


def has_perm(user, perm, unit):
    """Whether the user holds perm on the unit or on one of its ancestors."""
    if is_global(user):
        return True
    return any(grant.perm == perm and getattr(unit, f"{grant.level}_id") == grant.unit_id for grant in grants(user))


def can_see(user, unit):
    return has_perm(user, Perm.VIEW, unit)


def _unit_of(obj, via):
    for name in [part for part in via.split("__") if part]:
        obj = getattr(obj, name)
    return obj


def get_for_user(user, qs, perm=Perm.VIEW, via="", **lookup):
    """Fetch one object for the user: 404 outside their area, 403 inside it without perm."""
    obj = scope(qs, user, Perm.VIEW, via).filter(**lookup).first()
    if obj is None:
        raise Http404("Data tidak ditemukan.")
    if perm != Perm.VIEW and not has_perm(user, perm, _unit_of(obj, via)):
        raise PermissionDenied("Peran Anda tidak mengizinkan tindakan ini.")
    return obj


def get_unit_for_user(user, pk, perm=Perm.VIEW):
    return get_for_user(user, Unit.objects.select_related("parent"), perm, pk=pk)


def top_units(user, perm=Perm.VIEW):
    """The highest units where the user holds perm (the roots of their area), without overlaps."""
    if is_global(user):
        return list(Unit.objects.filter(parent__isnull=True))
    ids = {grant.unit_id for grant in grants(user) if grant.perm == perm}
    units = list(Unit.objects.filter(pk__in=ids).order_by("code"))
    return [u for u in units if not any(o.pk != u.pk and o.contains(u) for o in units)]


def perms_on(user, unit):
    """The set of permissions the user holds on this unit (inherited from above included)."""
    if is_global(user):
        return set(code for code, _label in Perm.CHOICES)
    return {g.perm for g in grants(user) if getattr(unit, f"{g.level}_id") == g.unit_id}


def can_grant_role(granter, role, unit):
    """Delegation: a holder of kelola_akun over the unit may grant roles whose level is at or
    below the level where they hold it (never above), only on units they reach."""
    if is_global(granter):
        return True
    rank = highest_rank_with(granter, Perm.MANAGE_ACCOUNTS, unit)
    return rank is not None and RANK[ROLE_LEVEL[role]] >= rank


def can_manage_account(manager, target):
    """Whether manager may edit, (de)activate or reset the password of target's account.

    Nobody manages their own account here (no one raises their own rights); a superuser is managed
    only by a superuser; otherwise the account must belong to the manager's area and every role it
    holds must be one the manager could grant."""
    if target.pk == manager.pk:
        return False
    if is_global(manager):
        return True
    if target.is_superuser or target.home_unit is None:
        return False
    if not has_perm(manager, Perm.MANAGE_ACCOUNTS, target.home_unit):
        return False
    return all(can_grant_role(manager, ra.role, ra.unit) for ra in target.role_assignments.all())


def manageable_users(manager, qs):
    """Accounts whose home unit lies in the manager's account-management area."""
    if is_global(manager):
        return qs
    return qs.filter(area_q(manager, Perm.MANAGE_ACCOUNTS, via="home_unit__"))


def highest_rank_with(user, perm, unit):
    """The rank (0 = provinsi) of the highest level at which the user holds perm over the unit,
    or None. Used for delegation: a granter may give roles at or below that level."""
    if is_global(user):
        return -1
    ranks = [RANK[g.level] for g in grants(user) if g.perm == perm and getattr(unit, f"{g.level}_id") == g.unit_id]
    return min(ranks) if ranks else None
