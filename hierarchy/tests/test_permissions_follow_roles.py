"""The guardian permission rows are derived from the role assignments and follow them at once, whatever
changes a role: the services, the Django admin (one delete, the bulk action), a queryset delete in a
shell, the cascade of a user delete, a save of a changed assignment. Writes that would skip the
re-derivation are refused. Moving a unit keeps every row valid. And ``user.has_perm(perm, unit)``
answers as hierarchy.access does (AreaPermissionBackend)."""

import pytest
from django.db.models import ProtectedError
from django.test import override_settings
from django.urls import reverse

from hierarchy import access, services
from hierarchy.levels import ALL_PERMS, ROLE_PERMS, Level, Perm, Role
from hierarchy.models import RoleAssignment, RoleWriteRefused, Unit, UnitUserObjectPermission, User
from hierarchy.tests.cast import START, build_cast

BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "hierarchy.backends.AreaPermissionBackend",
]


@pytest.fixture
def c(db):
    """The tree and its users, without households (nothing here needs them)."""
    return build_cast()


def _rows(user_id):
    """The guardian rows of a user, as (codename, unit id)."""
    return set(
        UnitUserObjectPermission.objects.filter(user_id=user_id).values_list("permission__codename", "content_object")
    )


def _derived(user_id):
    """What the rows must be: the permissions of each of the user's roles on its unit."""
    return {
        (code, unit_id)
        for role, unit_id in RoleAssignment.objects.filter(user_id=user_id).values_list("role", "unit_id")
        for code in ROLE_PERMS[Role(role)]
    }


def _fresh(user):
    """The user as a new request loads it (no grants cached)."""
    return User.objects.get(pk=user.pk)


def _assert_in_step(*user_ids):
    for user_id in user_ids:
        assert _rows(user_id) == _derived(user_id)


def _assert_lost(user, unit):
    """The user holds nothing on the unit any more: neither in access nor in the guardian rows."""
    fresh = _fresh(user)
    assert not any(access.has_perm(fresh, perm, unit) for perm in ALL_PERMS)
    assert not any(access.has_perm(user, perm, unit) for perm in ALL_PERMS)  # the object held before, too
    assert not UnitUserObjectPermission.objects.filter(user=user, content_object=unit).exists()
    _assert_in_step(user.pk)


def test_the_cast_starts_in_step(c):
    for user in c.users.values():
        _assert_in_step(user.pk)
    assert access.has_perm(c.users["kader"], Perm.ENTRY, c.dw)


# -- each way a role goes away --------------------------------------------------------------------


def test_service_revoke(c):
    kader = c.users["kader"]
    assert access.has_perm(kader, Perm.VIEW, c.dw)  # grants loaded on this object
    services.role_revoke(actor=c.admin, assignment=kader.role_assignments.get())
    _assert_lost(kader, c.dw)


def test_admin_delete_view(client, c):
    kader = c.users["kader"]
    assignment = kader.role_assignments.get()
    client.force_login(c.admin)
    url = reverse("admin:hierarchy_roleassignment_delete", args=[assignment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    _assert_lost(kader, c.dw)


def test_admin_bulk_delete_action(client, c):
    rt, kader = c.users["rt"], c.users["kader"]
    pks = list(RoleAssignment.objects.filter(user__in=[rt, kader]).values_list("pk", flat=True))
    client.force_login(c.admin)
    response = client.post(
        reverse("admin:hierarchy_roleassignment_changelist"),
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk__in=pks).exists()
    _assert_lost(rt, c.rt)
    _assert_lost(rt, c.dw)
    _assert_lost(kader, c.dw)
    _assert_in_step(c.users["ketua_dasawisma"].pk)  # the other holder on Melati 1 keeps hers
    assert access.has_perm(_fresh(c.users["ketua_dasawisma"]), Perm.SUBMIT, c.dw)


def test_queryset_delete(c):
    kelurahan = c.users["kelurahan"]
    RoleAssignment.objects.filter(user=kelurahan).delete()
    _assert_lost(kelurahan, c.kel)
    _assert_lost(kelurahan, c.dw_c)
    assert access.top_units(_fresh(kelurahan)) == []


def test_user_delete_cascades(c):
    user = User.objects.create_user("sementara", home_unit=c.kel)
    services.role_grant(actor=c.admin, user=user, role=Role.KETUA_RT, unit=c.rt_b)
    user_id = user.pk
    assert _rows(user_id)
    user.delete()
    assert not RoleAssignment.objects.filter(user_id=user_id).exists()
    assert _rows(user_id) == set()
    assert not any(access.has_perm(user, perm, c.rt_b) for perm in ALL_PERMS)


def test_a_unit_with_roles_cannot_be_deleted(c):
    """RoleAssignment.unit is PROTECT: no cascade can take a role away behind the rows' back."""
    dw = Unit(level=Level.DASAWISMA, code="DW09", name="Kenanga", parent=c.rt_b, active_from=START)
    dw.save()
    services.role_grant(actor=c.admin, user=c.users["rt"], role=Role.KADER, unit=dw)
    with pytest.raises(ProtectedError):
        dw.delete()
    assert access.has_perm(_fresh(c.users["rt"]), Perm.ENTRY, dw)
    _assert_in_step(c.users["rt"].pk)
    # Once its roles are gone the unit can go, and its rows with it.
    RoleAssignment.objects.filter(unit=dw).delete()
    dw.delete()
    _assert_in_step(c.users["rt"].pk)


# -- a role changed by saving the assignment ------------------------------------------------------


def test_role_changed_by_save(c):
    ketua = c.users["ketua_dasawisma"]
    assignment = ketua.role_assignments.get()
    assert access.has_perm(ketua, Perm.SUBMIT, c.dw)
    assignment.role = Role.KADER
    assignment.save()
    assert not access.has_perm(ketua, Perm.SUBMIT, c.dw)
    assert not access.has_perm(_fresh(ketua), Perm.SUBMIT, c.dw)
    assert access.has_perm(_fresh(ketua), Perm.ENTRY, c.dw)
    assert (Perm.SUBMIT, c.dw.pk) not in _rows(ketua.pk)
    _assert_in_step(ketua.pk)


def test_unit_changed_by_save(c):
    rt = c.users["rt"]
    assignment = rt.role_assignments.get()
    assignment.unit = c.rt_b
    assignment.save()
    _assert_lost(rt, c.rt)
    _assert_lost(rt, c.dw)
    assert access.has_perm(_fresh(rt), Perm.APPROVE, c.dw_c)


def test_user_changed_by_save(c):
    kader, nobody = c.users["kader"], c.users["nobody"]
    assignment = kader.role_assignments.get()
    assignment.user = nobody
    assignment.save()
    _assert_lost(kader, c.dw)
    assert access.has_perm(_fresh(nobody), Perm.ENTRY, c.dw)
    _assert_in_step(nobody.pk)


def test_bulk_writes_that_skip_the_signals_are_refused(c):
    qs = RoleAssignment.objects.filter(user=c.users["kader"])
    for change in [{"role": Role.KETUA_DASAWISMA}, {"unit": c.dw_b}, {"unit_id": c.dw_b.pk}, {"user": c.admin}]:
        with pytest.raises(RoleWriteRefused):
            qs.update(**change)
    assignment = qs.get()
    assignment.role = Role.KETUA_DASAWISMA
    with pytest.raises(RoleWriteRefused):
        RoleAssignment.objects.bulk_update([assignment], ["role"])
    with pytest.raises(RoleWriteRefused):
        RoleAssignment.objects.bulk_create([RoleAssignment(user=c.users["nobody"], role=Role.KADER, unit=c.dw)])
    with pytest.raises(RoleWriteRefused):
        c.users["kader"].role_assignments.update(role=Role.KETUA_DASAWISMA)
    assert qs.update(granted_by=None) == 1  # a column rights do not derive from
    _assert_in_step(c.users["kader"].pk, c.users["nobody"].pk)
    assert not access.has_perm(_fresh(c.users["kader"]), Perm.SUBMIT, c.dw)


def test_granter_deleted_keeps_the_roles_they_gave(c):
    """Deleting the granter sets granted_by to NULL (a bulk UPDATE Django makes itself): allowed."""
    granter = User.objects.create_superuser("granter", "g@example.invalid", None)
    services.role_grant(actor=granter, user=c.users["nobody"], role=Role.KADER, unit=c.dw_b)
    granter.delete()
    assert RoleAssignment.objects.get(user=c.users["nobody"]).granted_by is None
    assert access.has_perm(_fresh(c.users["nobody"]), Perm.ENTRY, c.dw_b)
    _assert_in_step(c.users["nobody"].pk)


# -- moving a unit ---------------------------------------------------------------------------------


def test_unit_move_keeps_the_rows_valid(c):
    """A row names its unit; access reads the ancestor columns of the unit asked about. After a move
    the rows are unchanged and the rights follow the new place in the tree."""
    before = set(UnitUserObjectPermission.objects.values_list("user_id", "permission_id", "content_object_id"))
    rw, rt, kader = c.users["rw"], c.users["rt"], c.users["kader"]
    assert not access.can_see(rw, c.dw_c)

    services.unit_move(actor=c.users["kelurahan"], unit=c.rt_b, new_parent=c.rw)  # RT 002 under RW 01
    rt_b, dw_c = Unit.objects.get(pk=c.rt_b.pk), Unit.objects.get(pk=c.dw_c.pk)
    assert access.can_see(_fresh(rw), rt_b) and access.can_see(_fresh(rw), dw_c)
    assert not access.can_see(_fresh(rt), dw_c)

    services.unit_move(actor=c.users["kelurahan"], unit=c.rt, new_parent=c.kel)  # RT 001 out of RW 01
    rt_unit, dw = Unit.objects.get(pk=c.rt.pk), Unit.objects.get(pk=c.dw.pk)
    assert not access.can_see(_fresh(rw), rt_unit) and not access.can_see(_fresh(rw), dw)
    assert access.has_perm(_fresh(rt), Perm.APPROVE, dw)  # granted on the RT itself: it moved along
    assert access.has_perm(_fresh(kader), Perm.ENTRY, dw)
    assert access.can_see(_fresh(c.users["kelurahan"]), dw)

    after = set(UnitUserObjectPermission.objects.values_list("user_id", "permission_id", "content_object_id"))
    assert after == before
    for user in c.users.values():
        _assert_in_step(user.pk)


# -- user.has_perm answers as access does ----------------------------------------------------------


@override_settings(AUTHENTICATION_BACKENDS=BACKENDS)
def test_user_has_perm_agrees_with_access(c):
    kelurahan = _fresh(c.users["kelurahan"])
    assert kelurahan.has_perm("hierarchy.lihat_data", c.rt)  # granted on Berbas Tengah, reaches its RT
    assert kelurahan.has_perm("lihat_data", c.dw_c)
    assert not kelurahan.has_perm("hierarchy.lihat_data", c.rt2)  # Belimbing: outside
    assert not kelurahan.has_perm("hierarchy.lihat_data", c.kec)  # above: outside
    assert not kelurahan.has_perm("households.lihat_data", c.rt)  # another app's label
    assert not kelurahan.has_perm("hierarchy.lihat_data", kelurahan)  # not a unit
    assert not kelurahan.has_perm("hierarchy.lihat_data")  # a model permission: ModelBackend's, not held

    units = list(Unit.objects.all())
    for name, user in c.users.items():
        user = _fresh(user)
        for unit in units:
            expected = {perm for perm in ALL_PERMS if access.has_perm(user, perm, unit)}
            got = {perm for perm in ALL_PERMS if user.has_perm(f"hierarchy.{perm}", unit)}
            assert got == expected, (name, unit)
            assert {perm for perm in ALL_PERMS if user.has_perm(perm, unit)} == expected, (name, unit)
            if not user.is_superuser:
                assert user.get_all_permissions(unit) == {f"hierarchy.{perm}" for perm in expected}, (name, unit)


@override_settings(AUTHENTICATION_BACKENDS=BACKENDS)
def test_user_has_perm_follows_a_revoke(c):
    kader = c.users["kader"]
    assert _fresh(kader).has_perm("hierarchy.isi_data_warga", c.dw)
    RoleAssignment.objects.filter(user=kader).delete()
    assert not _fresh(kader).has_perm("hierarchy.isi_data_warga", c.dw)
