"""The one place that decides who sees and does what.

Rights are django-guardian object permissions on unit rows (derived from role assignments by
hierarchy.services, kept in step by its signal handlers). A permission held on a unit reaches every
unit below it. Every view, export, import and admin queryset that shows scoped data goes through these
helpers, and this is the only module that reads the permission rows (``_grants``): every other module
asks one of the verbs below.

- ``scope(qs, user, perm, via)`` filters a queryset to the user's area;
- ``get_for_user(user, qs, perm, via, **lookup)`` fetches one object: 404 when it lies outside the
  user's area (its existence does not leak), 403 when it is inside but the user lacks ``perm``;
- ``has_perm(user, perm, unit)`` answers for one unit without a query once the grants are loaded;
- ``holds_anywhere``, ``perms_anywhere``, ``highest_rank_anywhere`` answer "somewhere in the tree"
  (menus, the gate of a page listing the user's area);
- ``units_granted`` and ``holds_directly`` answer for grants on the unit itself, not inherited (the
  report chain: an approval is made on the approving unit);
- the named decisions of the screens (``oversees``, ``may_see_history``, ``is_corrector``,
  ``may_record_events``, ``may_import_households``, ``visible_ancestors``) live here too, so a rule is
  read in one place.

``via`` is the lookup path from the queryset's model to its unit ("" for Unit itself,
"dasawisma__" for a row with a ``dasawisma`` foreign key to Unit).
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .levels import ALL_PERMS, RANK, ROLE_LEVEL, Level, Perm, Role
from .models import Unit, UnitUserObjectPermission, User

_CACHE_ATTR = "_pkk_grants"

AnyUser = User | AnonymousUser
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Grant:
    perm: str
    unit_id: int
    level: str


def _grants(user: AnyUser) -> tuple[_Grant, ...]:
    """All (perm, unit) grants of the user, loaded once per user object (one query).

    Private on purpose: other modules ask a verb of this module, never the raw rows."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = UnitUserObjectPermission.objects.filter(user_id=user.pk).values_list(
            "permission__codename", "content_object_id", "content_object__level"
        )
        cached = tuple(_Grant(perm, unit_id, level) for perm, unit_id, level in rows)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _covers(grant: _Grant, unit: Unit) -> bool:
    """Whether the grant's unit is the unit or one of its ancestors."""
    return getattr(unit, f"{grant.level}_id") == grant.unit_id


def forget_grants(user: AnyUser) -> None:
    """Drop the cached grants (after the user's roles changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_global(user: AnyUser) -> bool:
    """The system administrator sees and may do everything."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


# -- areas -----------------------------------------------------------------------------------------


def area_q(user: AnyUser, perm: str = Perm.VIEW, via: str = "") -> Q:
    """A Q object matching rows whose unit lies in the part of the tree where the user holds perm."""
    if is_global(user):
        return Q()
    by_level: defaultdict[str, set[int]] = defaultdict(set)
    for grant in _grants(user):
        if grant.perm == perm:
            by_level[grant.level].add(grant.unit_id)
    if not by_level:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{via}{level}_id__in": sorted(ids)}) for level, ids in by_level.items()))


def scope(qs: QuerySet[M], user: AnyUser, perm: str = Perm.VIEW, via: str = "") -> QuerySet[M]:
    """The queryset narrowed to the user's area for perm (default: seeing data)."""
    if is_global(user):
        return qs
    return qs.filter(area_q(user, perm, via))


def has_perm(user: AnyUser, perm: str, unit: Unit) -> bool:
    """Whether the user holds perm on the unit or on one of its ancestors."""
    if is_global(user):
        return True
    return any(grant.perm == perm and _covers(grant, unit) for grant in _grants(user))


def can_see(user: AnyUser, unit: Unit) -> bool:
    """Whether the user sees the unit's data (lihat_data over it)."""
    return has_perm(user, Perm.VIEW, unit)


def perms_on(user: AnyUser, unit: Unit) -> set[str]:
    """The set of permissions the user holds on this unit (inherited from above included)."""
    if is_global(user):
        return set(ALL_PERMS)
    return {g.perm for g in _grants(user) if _covers(g, unit)}


def _unit_of(obj: Any, via: str) -> Unit:
    for name in [part for part in via.split("__") if part]:
        obj = getattr(obj, name)
    return obj


def get_for_user(user: AnyUser, qs: QuerySet[M], perm: str = Perm.VIEW, via: str = "", **lookup: Any) -> M:
    """Fetch one object for the user: 404 outside their area, 403 inside it without perm."""
    obj = scope(qs, user, Perm.VIEW, via).filter(**lookup).first()
    if obj is None:
        raise Http404("Data tidak ditemukan.")
    if perm != Perm.VIEW and not has_perm(user, perm, _unit_of(obj, via)):
        raise PermissionDenied("Peran Anda tidak mengizinkan tindakan ini.")
    return obj


def get_unit_for_user(user: AnyUser, pk: Any, perm: str = Perm.VIEW) -> Unit:
    """One unit by primary key, with get_for_user's 404/403."""
    return get_for_user(user, Unit.objects.select_related("parent"), perm, pk=pk)


def top_units(user: AnyUser, perm: str = Perm.VIEW) -> list[Unit]:
    """The highest units where the user holds perm (the roots of their area), without overlaps."""
    if is_global(user):
        return list(Unit.objects.filter(parent__isnull=True))
    ids = {grant.unit_id for grant in _grants(user) if grant.perm == perm}
    units = list(Unit.objects.filter(pk__in=ids).order_by("code"))
    return [u for u in units if not any(o.pk != u.pk and o.contains(u) for o in units)]


def visible_ancestors(user: AnyUser, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may open, top down (breadcrumbs): one query for the ancestors."""
    return [a for a in unit.ancestors() if can_see(user, a)]


# -- somewhere in the tree -------------------------------------------------------------------------


def holds_anywhere(user: AnyUser, perm: str) -> bool:
    """Whether the user holds perm on at least one unit (the administrator: always).

    The gate of pages that list the user's own area (the account list, the search, the checklist of
    approvals): who holds the permission nowhere is refused outright."""
    return is_global(user) or any(g.perm == perm for g in _grants(user))


def perms_anywhere(user: AnyUser) -> set[str]:
    """Every permission the user holds on at least one unit (the administrator: all of them).
    Used by the navigation to show the menus a user can use."""
    if is_global(user):
        return set(ALL_PERMS)
    return {g.perm for g in _grants(user)}


def highest_rank_anywhere(user: AnyUser, perm: str) -> int | None:
    """The rank (0 = provinsi) of the highest level where the user holds perm on some unit, -1 for
    the administrator, None when they hold it nowhere."""
    if is_global(user):
        return -1
    ranks = [RANK[g.level] for g in _grants(user) if g.perm == perm]
    return min(ranks) if ranks else None


def highest_rank_with(user: AnyUser, perm: str, unit: Unit) -> int | None:
    """The rank (0 = provinsi) of the highest level at which the user holds perm over the unit,
    or None. Used for delegation: a granter may give roles at or below that level."""
    if is_global(user):
        return -1
    ranks = [RANK[g.level] for g in _grants(user) if g.perm == perm and _covers(g, unit)]
    return min(ranks) if ranks else None


# -- grants on the unit itself ---------------------------------------------------------------------


def units_granted(user: AnyUser, perm: str) -> list[tuple[str, int]]:
    """(level, unit id) of every unit on which perm was granted to the user itself, not inherited,
    ordered by unit id. The administrator's right to everything is not listed: ask is_global."""
    return sorted({(g.level, g.unit_id) for g in _grants(user) if g.perm == perm}, key=lambda lu: lu[1])


def holds_directly(user: AnyUser, perm: str, unit_id: int) -> bool:
    """perm granted on this very unit (not inherited from above), or the administrator."""
    return is_global(user) or any(g.perm == perm and g.unit_id == unit_id for g in _grants(user))


# -- delegated administration ----------------------------------------------------------------------


def can_grant_role(granter: AnyUser, role: str, unit: Unit) -> bool:
    """Delegation: a holder of kelola_akun over the unit may grant roles whose level is at or
    below the level where they hold it (never above), only on units they reach."""
    if is_global(granter):
        return True
    rank = highest_rank_with(granter, Perm.MANAGE_ACCOUNTS, unit)
    return rank is not None and RANK[ROLE_LEVEL[Role(role)]] >= rank


def can_grant_role_somewhere(granter: AnyUser, role: str) -> bool:
    """Whether the granter could give this role on some unit (the role choices of a form before a
    unit is picked; can_grant_role decides on the chosen unit)."""
    rank = highest_rank_anywhere(granter, Perm.MANAGE_ACCOUNTS)
    return rank is not None and RANK[ROLE_LEVEL[Role(role)]] >= rank


def can_manage_account(manager: AnyUser, target: User) -> bool:
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


def manageable_users(manager: AnyUser, qs: QuerySet[User]) -> QuerySet[User]:
    """Accounts whose home unit lies in the manager's account-management area."""
    if is_global(manager):
        return qs
    return qs.filter(area_q(manager, Perm.MANAGE_ACCOUNTS, via="home_unit__"))


# -- named decisions of the screens ----------------------------------------------------------------


def may_add_groups(user: AnyUser, parent: Unit) -> bool:
    """Who creates RW, dusun/lingkungan, RT and dasawisma under parent: the TP PKK desa/kelurahan
    (kelola_satuan), and the kecamatan and kabupaten/kota staff who set a kelurahan of their area up
    (kelola_akun held at kecamatan level or above over it). Renaming, moving and closing groups stay
    with kelola_satuan."""
    if has_perm(user, Perm.MANAGE_UNITS, parent):
        return True
    rank = highest_rank_with(user, Perm.MANAGE_ACCOUNTS, parent)
    return rank is not None and rank <= RANK[Level.KECAMATAN]


def oversees(user: AnyUser, unit: Unit) -> bool:
    """Whether the user sees the unit from a group above it (a ketua RT over a dasawisma, TP PKK
    kelurahan ...), through lihat_data granted on a strict ancestor; the administrator always. A
    dasawisma's own cadres do not oversee it (they are not shown reminders to themselves)."""
    if is_global(user):
        return True
    return any(g.perm == Perm.VIEW and RANK[g.level] < RANK[unit.level] and _covers(g, unit) for g in _grants(user))


def may_see_history(user: AnyUser, dasawisma: Unit) -> bool:
    """Who may read a household's change history.

    The history shows who changed what and the earlier values, so it goes to the people answerable for
    the data: the dasawisma's own cadres (isi_data_warga) and TP PKK desa/kelurahan and above
    (kelola_satuan or buka_nik over the dasawisma). Ketua kelompok PKK RT/RW only see the current data
    (their recaps need nothing more)."""
    return bool(perms_on(user, dasawisma) & {Perm.ENTRY, Perm.MANAGE_UNITS, Perm.REVEAL_NIK})


def is_corrector(user: AnyUser, dasawisma: Unit) -> bool:
    """TP PKK desa/kelurahan (and the administrator) correct events whatever the month's report."""
    return has_perm(user, Perm.MANAGE_UNITS, dasawisma)


def may_record_events(user: AnyUser, dasawisma: Unit) -> bool:
    """Who records vital events of a dasawisma: its cadres (isi_data_warga) and the correctors."""
    return is_corrector(user, dasawisma) or has_perm(user, Perm.ENTRY, dasawisma)


def may_import_households(user: AnyUser, unit: Unit) -> bool:
    """Who imports households from Excel: into a dasawisma, its own cadres (isi_data_warga) and TP PKK
    desa/kelurahan (kelola_satuan over it); into every dasawisma of a kelurahan at once (unit a desa),
    TP PKK desa/kelurahan. Kecamatan and kabupaten/kota staff do not import households (they hold
    neither), nor do ketua kelompok PKK RT/RW."""
    return has_perm(user, Perm.MANAGE_UNITS, unit) or has_perm(user, Perm.ENTRY, unit)


def may_see_intervention_lists(user: AnyUser, unit: Unit) -> bool:
    """The intervention lists name the people to act on: they are kept at the kelurahan and above, for
    those who may reveal NIK there (TP PKK desa/kelurahan, kecamatan, kabupaten/kota)."""
    return RANK[unit.level] <= RANK[Level.DESA] and has_perm(user, Perm.REVEAL_NIK, unit)
