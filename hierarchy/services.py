"""Writes on the tree and on accounts: each one a named function with keyword arguments, run in a
transaction, checking its rules and the actor's rights (hierarchy.access) before it writes."""

import datetime
import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pkkdata import periods
from pkkdata.db import unique_or_message

from . import access, counts
from .hashers import OneTimePasswordHasher
from .levels import LEVEL_ORDER, LOCAL_LEVELS, RANK, ROLE_LEVEL, ROLE_PERMS, Level, Perm, Role
from .models import RoleAssignment, Unit, UnitUserObjectPermission, User


def by_actor(instance, actor):
    """Name the actor in the change history (django-simple-history), in and outside requests."""
    instance._history_user = actor
    return instance


# -- units -----------------------------------------------------------------------------------------


def _require_manage_units(actor, unit):
    if not access.has_perm(actor, Perm.MANAGE_UNITS, unit):
        raise PermissionDenied("Anda tidak berhak mengelola satuan di wilayah ini.")


def _require_local(level):
    if level not in LOCAL_LEVELS:
        raise ValidationError("Hanya RW, dusun/lingkungan, RT dan dasawisma yang dikelola di sini.")


def _check_group_date(day, field):
    """A group opens or closes between the first year the system knows and a year from today."""
    today = timezone.localdate()
    if not periods.FIRST_YEAR <= day.year <= today.year + 1:
        raise ValidationError({field: f"Tanggal harus antara tahun {periods.FIRST_YEAR} dan {today.year + 1}."})


def unit_create(*, actor, parent, level, code, name, active_from=None):
    """Create a local group (dusun/lingkungan, RW, RT or dasawisma) under parent."""
    _require_local(level)
    if not access.may_add_groups(actor, parent):
        raise PermissionDenied("Anda tidak berhak membuat kelompok di wilayah ini.")
    if active_from is not None:
        _check_group_date(active_from, "active_from")
    if parent.active_to is not None:
        raise ValidationError("Induk ini sudah ditutup: kelompok baru dibuat di bawah satuan yang masih aktif.")
    unit = Unit(
        parent=parent,
        level=level,
        code=(code or "").strip(),
        name=(name or "").strip(),
        active_from=active_from or timezone.localdate(),
    )
    unit.full_clean()
    with unique_or_message("code", "Kode ini baru saja dipakai kelompok lain di bawah induk yang sama."):
        by_actor(unit, actor).save()
    return unit


def unit_rename(*, actor, unit, name, code=None):
    _require_local(unit.level)
    _require_manage_units(actor, unit)
    unit.name = (name or "").strip()
    if code is not None:
        unit.code = code.strip()
    unit.full_clean()
    with transaction.atomic():
        by_actor(unit, actor).save(update_fields=["name", "code", "updated_at"])
    return unit


def unit_move(*, actor, unit, new_parent):
    """Hang a local group under another parent inside the same desa/kelurahan, and rewrite the
    ancestor columns of its whole subtree in one UPDATE."""
    _require_local(unit.level)
    _require_manage_units(actor, unit)
    _require_manage_units(actor, new_parent)
    if new_parent.desa_id is None or new_parent.desa_id != unit.desa_id:
        raise ValidationError({"parent": "Satuan hanya dapat dipindah di dalam desa/kelurahan yang sama."})
    if new_parent.pk == unit.parent_id:
        return unit
    if unit.level == Level.DASAWISMA and unit.active_from is not None and unit.active_from < timezone.localdate():
        # Its past months are counted under its RT: moving it would move them (issue 10). A group formed
        # today by mistake can still be moved.
        raise ValidationError(
            {
                "parent": "Dasawisma yang sudah berjalan tidak dipindah ke RT lain, agar angka bulan-bulan yang "
                "lalu tidak berubah: bentuk dasawisma baru di RT tujuan, pindahkan rumah tangganya, lalu tutup "
                "dasawisma ini."
            }
        )
    unit.parent = new_parent
    unit.full_clean()
    with transaction.atomic():
        by_actor(unit, actor).save(update_fields=["parent", *LEVEL_ORDER, "updated_at"])
        above = {f"{lv}_id": getattr(new_parent, f"{lv}_id") for lv in LEVEL_ORDER if RANK[lv] < RANK[unit.level]}
        Unit.objects.filter(**{f"{unit.level}_id": unit.pk}).exclude(pk=unit.pk).update(**above)
    return unit


class StillHoldsHouseholds(ValidationError):
    """A dasawisma cannot close while households are still in it after the closing day."""

    def __init__(self, households):
        self.households = households
        super().__init__(
            f"Dasawisma ini masih berisi {len(households)} rumah tangga sesudah tanggal tutup: pindahkan ke "
            "dasawisma lain (atau catat kepindahannya) dulu."
        )


def unit_close(*, actor, unit, on_date):
    """Close a group from a date. Its history stays; it drops out of what is expected after it."""
    _require_local(unit.level)
    _require_manage_units(actor, unit)
    _check_group_date(on_date, "on_date")
    open_children = unit.children.filter(Q(active_to__isnull=True) | Q(active_to__gt=on_date))
    if open_children.exists():
        raise ValidationError(
            "Satuan ini masih mempunyai satuan aktif di bawahnya: tutup atau pindahkan dulu "
            + ", ".join(str(c) for c in open_children[:5])
            + "."
        )
    if unit.active_from and on_date < unit.active_from:
        raise ValidationError({"active_to": "Tanggal tutup tidak boleh sebelum tanggal mulai aktif."})
    if unit.level == Level.DASAWISMA:
        # Its households (and their running pregnancies) go with them to another dasawisma first, so that
        # nothing counted after the closing day is left under a closed group.
        held = counts.households_held(unit.pk, on_date + datetime.timedelta(days=1))
        if held:
            raise StillHoldsHouseholds(held)
    unit.active_to = on_date
    with transaction.atomic():
        by_actor(unit, actor).save(update_fields=["active_to", "updated_at"])
    return unit


def unit_reopen(*, actor, unit):
    _require_local(unit.level)
    _require_manage_units(actor, unit)
    if unit.parent and not unit.parent.is_active:
        raise ValidationError("Induk satuan ini sudah ditutup: buka induknya dulu.")
    unit.active_to = None
    with transaction.atomic():
        by_actor(unit, actor).save(update_fields=["active_to", "updated_at"])
    return unit


# -- roles and their guardian permissions -----------------------------------------------------------
#
# The guardian rows (UnitUserObjectPermission) are derived data: for every role a user holds on a unit,
# the permissions of that role (levels.ROLE_PERMS) on that unit, nothing else. They are written here
# only, by sync_user_permissions, which the signal handlers below run after every save and delete of a
# RoleAssignment (hierarchy.apps connects them). So whatever changes a role — role_grant/role_revoke,
# the Django admin (its delete view and bulk delete action), RoleAssignment.objects.filter(...).delete()
# in a shell, the cascade of a User delete, a .save() of a changed assignment — the rights follow in
# the same transaction. Writes that send no signal are refused by RoleAssignmentQuerySet (models.py):
# update() of user/role/unit and bulk_create(). A Unit carrying roles cannot be deleted (PROTECT);
# moving a unit (unit_move) keeps every row valid, since a row names its unit and access reads the
# ancestor columns of the unit asked about.


def sync_user_permissions(user_id):
    """Make the guardian rows of the user equal the union of the permissions of their roles, unit by
    unit (two queries when nothing changed, a few more when rows go or come). Idempotent."""
    with transaction.atomic():
        wanted = set()
        for role, unit_id in RoleAssignment.objects.filter(user_id=user_id).values_list("role", "unit_id"):
            wanted |= {(code, unit_id) for code in ROLE_PERMS[Role(role)]}
        existing = {
            (code, unit_id): pk
            for pk, code, unit_id in UnitUserObjectPermission.objects.filter(user_id=user_id).values_list(
                "pk", "permission__codename", "content_object_id"
            )
        }
        stale = [pk for key, pk in existing.items() if key not in wanted]
        if stale:
            UnitUserObjectPermission.objects.filter(pk__in=stale).delete()
        missing = sorted(wanted - existing.keys(), key=lambda key: (key[1], key[0]))
        if missing:
            ct = ContentType.objects.get_for_model(Unit)
            perms = Permission.objects.filter(content_type=ct, codename__in={code for code, _unit in missing})
            by_code = {p.codename: p for p in perms}
            UnitUserObjectPermission.objects.bulk_create(
                [
                    UnitUserObjectPermission(user_id=user_id, content_object_id=unit_id, permission=by_code[code])
                    for code, unit_id in missing
                ]
            )


def _forget_cached_grants(assignment):
    """The user object the assignment carries (the one a caller holds) must not answer from grants
    loaded before the change. Read without a query: during a User delete the row is going away."""
    user = RoleAssignment.user.field.get_cached_value(assignment, default=None)
    if user is not None:
        access.forget_grants(user)


def role_saving(sender, instance, raw=False, **kwargs):
    """pre_save of a RoleAssignment: when a save moves an assignment to another user, that user must be
    re-synced too, so remember who held it (one query, only when an existing row is saved again)."""
    if raw or instance.pk is None:
        return
    previous = RoleAssignment.objects.filter(pk=instance.pk).values_list("user_id", flat=True)
    instance._previous_user_id = previous.first()


def role_saved(sender, instance, raw=False, **kwargs):
    """post_save of a RoleAssignment: re-derive the permissions of its user (and of its previous user
    when the save moved it). A raw save (loaddata) is skipped: a fixture carries the derived rows
    along with the roles, as dumpdata writes them."""
    if raw:
        return
    previous = getattr(instance, "_previous_user_id", None)
    instance._previous_user_id = None
    for user_id in {instance.user_id, previous} - {None}:
        sync_user_permissions(user_id)
    _forget_cached_grants(instance)


def role_deleted(sender, instance, **kwargs):
    """post_delete of a RoleAssignment (one call per row, also for queryset and cascade deletes)."""
    sync_user_permissions(instance.user_id)
    _forget_cached_grants(instance)


def _check_role_on_unit(role, unit):
    if unit.level != ROLE_LEVEL[role]:
        raise ValidationError(
            {"unit": f"Peran {Role(role).label} diberikan pada satuan tingkat {Level(ROLE_LEVEL[role]).label}."}
        )


def role_grant(*, actor, user, role, unit):
    """Give user a role on unit. The actor must be able to grant it there (access.can_grant_role),
    must be able to manage the account, and can never grant to themselves."""
    role = Role(role)
    _check_role_on_unit(role, unit)
    if actor.pk == user.pk and not access.is_global(actor):
        raise PermissionDenied("Anda tidak dapat mengubah peran akun Anda sendiri.")
    if not access.can_grant_role(actor, role, unit):
        raise PermissionDenied("Anda hanya dapat memberi peran setingkat atau di bawah peran Anda, di wilayah Anda.")
    if user.pk and user.role_assignments.exists() and not access.can_manage_account(actor, user):
        raise PermissionDenied("Akun ini di luar wilayah yang Anda kelola.")
    with transaction.atomic():
        assignment = RoleAssignment.objects.filter(user=user, role=role, unit=unit).first()
        if assignment is None:
            assignment = RoleAssignment(user=user, role=role, unit=unit, granted_by=actor)
            by_actor(assignment, actor).save()  # role_saved derives the permissions
    return assignment


def role_revoke(*, actor, assignment):
    if actor.pk == assignment.user_id and not access.is_global(actor):
        raise PermissionDenied("Anda tidak dapat mengubah peran akun Anda sendiri.")
    if not access.can_grant_role(actor, assignment.role, assignment.unit):
        raise PermissionDenied("Peran ini di luar kewenangan Anda.")
    # The same rule as editing, resetting or deactivating the account: an account that also holds a
    # role above or outside the actor's reach is only seen, not changed.
    if not access.can_manage_account(actor, assignment.user):
        raise PermissionDenied("Akun ini mempunyai peran di luar kewenangan Anda: perannya tidak dapat Anda cabut.")
    with transaction.atomic():
        by_actor(assignment, actor).delete()  # role_deleted drops the permissions


# -- accounts ------------------------------------------------------------------------------------


# Letters and digits nobody misreads on a slip of paper or a phone screen (no 0/o, 1/l/i).
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_one_time_password():
    """Three groups of four (kx7m-p4qa-z9tb): about 59 bits, typed on a phone without the shift key.
    Shown once to the person who hands it over, stored only as Django's hash."""
    return "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))


def account_create(
    *,
    actor,
    username,
    first_name,
    last_name="",
    phone="",
    password,
    home_unit,
    role,
    role_unit,
    must_change=False,
    hasher="default",
):
    """Create an account with its first role, in one transaction. must_change: the password was chosen
    by someone else, the owner chooses their own at the first login. hasher: the algorithm name of the
    password's hash (a one-time password's is hierarchy.hashers)."""
    if not access.is_global(actor) and not access.has_perm(actor, Perm.MANAGE_ACCOUNTS, home_unit):
        raise PermissionDenied("Anda tidak berhak membuat akun di wilayah ini.")
    if not home_unit.contains(role_unit):
        raise ValidationError({"role_unit": "Satuan peran harus berada di wilayah akun."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "Nama pengguna ini sudah dipakai."})
    user = User(username=username, first_name=first_name, last_name=last_name, phone=phone, home_unit=home_unit)
    user.created_by = actor
    user.must_change_password = must_change
    validate_password(password, user)
    user.password = make_password(password, hasher=hasher)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        with unique_or_message("username", "Nama pengguna ini baru saja dipakai akun lain."):
            by_actor(user, actor).save()
        role_grant(actor=actor, user=user, role=role, unit=role_unit)
    return user


def account_invite(*, actor, username, first_name, last_name="", phone="", home_unit, role, role_unit):
    """A new account with a one-time password: (user, the password). The caller shows the password once
    (the handover page) and keeps it nowhere; the owner replaces it at the first login."""
    password = new_one_time_password()
    user = account_create(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        password=password,
        home_unit=home_unit,
        role=role,
        role_unit=role_unit,
        must_change=True,
        hasher=OneTimePasswordHasher.algorithm,
    )
    return user, password


def account_update(*, actor, user, first_name, last_name, phone):
    if not access.can_manage_account(actor, user):
        raise PermissionDenied("Akun ini di luar wilayah yang Anda kelola.")
    user.first_name, user.last_name, user.phone = first_name, last_name, phone
    user.full_clean(exclude=["password"])
    by_actor(user, actor).save(update_fields=["first_name", "last_name", "phone"])
    return user


def account_set_active(*, actor, user, active):
    if not access.can_manage_account(actor, user):
        raise PermissionDenied("Akun ini di luar wilayah yang Anda kelola.")
    user.is_active = active
    by_actor(user, actor).save(update_fields=["is_active"])
    return user


def account_set_password(*, actor, user, password):
    if not access.can_manage_account(actor, user):
        raise PermissionDenied("Akun ini di luar wilayah yang Anda kelola.")
    validate_password(password, user)
    user.set_password(password)
    # Chosen by the manager, so known to two people: the owner replaces it at the next login.
    user.must_change_password = True
    by_actor(user, actor).save(update_fields=["password", "must_change_password"])
    # A new password also lifts a login lock-out, so the advice on the lock-out page holds.
    axes_reset(username=user.username)
    return user


def own_password_changed(*, user):
    """The owner chose their own password: the first-login requirement is met."""
    if user.must_change_password:
        user.must_change_password = False
        by_actor(user, user).save(update_fields=["must_change_password"])
