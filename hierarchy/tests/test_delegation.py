"""Delegated administration: TP PKK staff manage accounts of their own area and below, grant only
roles at or below their own level, on units they reach, and nobody raises their own rights."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hierarchy import access, services
from hierarchy.levels import Perm, Role
from hierarchy.models import RoleAssignment, User

PASSWORD = "Sandi-Kuat-2026"


def _grant(client, cast, manager, target, role, unit):
    client.force_login(cast.users[manager])
    return client.post(reverse("hierarchy:role_grant", args=[cast.users[target].pk]), {"role": role, "unit": unit.pk})


@pytest.mark.parametrize(
    ("manager", "role", "unit", "allowed"),
    [
        ("kelurahan", Role.KADER, "dw_b", True),
        ("kelurahan", Role.KETUA_RT, "rt_b", True),
        ("kelurahan", Role.TP_DESA_ADMIN, "kel", True),  # at their own level
        ("kelurahan", Role.TP_KECAMATAN, "kec", False),  # above their level
        ("kelurahan", Role.KADER, "dw2", False),  # another kelurahan
        ("kecamatan", Role.TP_DESA_KETUA, "kel", True),
        ("kecamatan", Role.TP_KABKOTA, "kota", False),
        ("kecamatan", Role.TP_DESA_KETUA, "kel2", False),  # another kecamatan
        ("kota", Role.TP_KECAMATAN, "kec2", True),
        ("rt", Role.KADER, "dw", False),  # ketua RT does not manage accounts
        ("kader", Role.KADER, "dw", False),
        ("outsider", Role.KADER, "dw", False),
    ],
)
def test_can_grant_role(cast, manager, role, unit, allowed):
    assert access.can_grant_role(cast.users[manager], role, getattr(cast, unit)) is allowed


def _one_time_password(body):
    found = re.search(r'Kata sandi sekali pakai: <span class="secret nowrap">([a-z0-9-]+)</span>', body)
    assert found, "the handover page shows the one-time password"
    return found[1]


def test_kelurahan_creates_a_kader_account_who_can_then_log_in(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("hierarchy:account_create", args=[cast.dw_b.pk]),
        {
            "username": "siti.aminah",
            "first_name": "Siti",
            "last_name": "Aminah",
            "phone": "0812 3456 7890",
            "role": Role.KADER,
        },
    )
    assert response.status_code == 200  # the handover page, not a redirect: the password is shown once
    body = response.content.decode()
    password = _one_time_password(body)
    assert "https://wa.me/6281234567890?text=" in body and "siti.aminah" in body
    user = User.objects.get(username="siti.aminah")
    assert user.home_unit == cast.dw_b and user.created_by == cast.users["kelurahan"]
    assert user.phone == "081234567890" and user.must_change_password
    assert user.password.startswith("pbkdf2_sha256_sekali$20000$")  # random, replaced at once: fewer rounds
    assert password not in user.password and user.check_password(password)  # only its hash is stored
    assert access.has_perm(user, Perm.ENTRY, cast.dw_b) and not access.has_perm(user, Perm.VIEW, cast.dw)
    client.logout()
    assert client.post(reverse("login"), {"username": "siti.aminah", "password": password}).status_code == 302
    # The first login: every page sends her to choose her own password.
    for name in ("home", "hierarchy:unit_roots", "jobs:daftar"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("password_change"), name
    page = client.get(reverse("password_change")).content.decode()
    assert "Buat kata sandi Anda sendiri" in page
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user.refresh_from_db()
    assert not user.must_change_password
    assert "Kata sandi Anda disimpan" in client.get(reverse("home")).content.decode()  # signed in, free to go on


def test_a_password_set_by_a_manager_is_changed_at_the_next_login(client, cast):
    kader = cast.users["kader"]
    services.account_set_password(actor=cast.users["kelurahan"], user=kader, password="Sandi-Dari-Pengurus-26")
    kader.refresh_from_db()
    assert kader.must_change_password
    assert (
        client.post(reverse("login"), {"username": kader.username, "password": "Sandi-Dari-Pengurus-26"}).status_code
        == 302
    )
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    # Logging out stays possible.
    assert client.post(reverse("logout")).status_code == 302


def test_one_time_passwords_are_readable_and_differ():
    passwords = {services.new_one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert re.fullmatch(r"[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}", password)


def test_account_form_keeps_typed_values_and_explains_errors(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("hierarchy:account_create", args=[cast.dw_b.pk]),
        {"username": "kader", "first_name": "Rina", "phone": "12345", "role": Role.KADER},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nama pengguna ini sudah dipakai." in body
    assert "Nomor HP tidak sah" in body
    assert 'value="Rina"' in body


def test_role_list_offers_only_grantable_roles(client, cast):
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("hierarchy:role_grant", args=[cast.users["kader"].pk])).content.decode()
    assert str(Role.TP_DESA_ADMIN.label) in body and str(Role.TP_KECAMATAN.label) not in body


def test_posting_a_role_above_own_level_is_refused(client, cast):
    response = _grant(client, cast, "kelurahan", "kader", Role.TP_KECAMATAN, cast.kec)
    assert response.status_code == 200  # the form shows the error
    assert not RoleAssignment.objects.filter(user=cast.users["kader"], role=Role.TP_KECAMATAN).exists()


def test_posting_a_unit_outside_the_area_is_refused(client, cast):
    _grant(client, cast, "kelurahan", "kader", Role.KADER, cast.dw2)
    assert not RoleAssignment.objects.filter(user=cast.users["kader"], unit=cast.dw2).exists()


def test_nobody_grants_themselves_a_role(client, cast):
    response = _grant(client, cast, "kelurahan", "kelurahan", Role.TP_DESA_ADMIN, cast.kel)
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=cast.users["kecamatan"], user=cast.users["kecamatan"], role=Role.TP_DESA_KETUA, unit=cast.kel
        )
    assert cast.users["kecamatan"].role_assignments.count() == 1


def test_nobody_deactivates_or_reconfigures_their_own_account(client, cast):
    kel = cast.users["kelurahan"]
    client.force_login(kel)
    assert client.post(reverse("hierarchy:account_active", args=[kel.pk]), {"aktif": "0"}).status_code == 403
    assert client.get(reverse("hierarchy:account_password", args=[kel.pk])).status_code == 403
    kel.refresh_from_db()
    assert kel.is_active


def test_lower_manager_cannot_touch_a_higher_account(cast):
    # The kecamatan user also gets a kader role inside Berbas Tengah: the kelurahan still may not manage
    # the account, because its other role is above the kelurahan.
    services.role_grant(actor=cast.users["admin"], user=cast.users["kecamatan"], role=Role.KADER, unit=cast.dw_c)
    kecamatan = User.objects.get(pk=cast.users["kecamatan"].pk)
    assert not access.can_manage_account(cast.users["kelurahan"], kecamatan)
    with pytest.raises(PermissionDenied):
        services.account_set_active(actor=cast.users["kelurahan"], user=kecamatan, active=False)


def test_revoking_a_role_removes_its_object_permissions(client, cast):
    kader = cast.users["kader"]
    assignment = kader.role_assignments.get()
    client.force_login(cast.users["sekretaris"])
    assert client.post(reverse("hierarchy:role_revoke", args=[assignment.pk])).status_code == 302
    kader = User.objects.get(pk=kader.pk)
    assert access.perms_anywhere(kader) == set()
    assert not access.has_perm(kader, Perm.VIEW, cast.dw)


def test_two_roles_on_one_unit_keep_the_union_after_one_is_revoked(cast):
    admin = cast.users["admin"]
    kader = cast.users["kader"]
    extra = services.role_grant(actor=admin, user=kader, role=Role.KETUA_DASAWISMA, unit=cast.dw)
    assert access.has_perm(kader, Perm.SUBMIT, cast.dw)
    services.role_revoke(actor=admin, assignment=extra)
    kader = User.objects.get(pk=kader.pk)
    assert access.has_perm(kader, Perm.ENTRY, cast.dw) and not access.has_perm(kader, Perm.SUBMIT, cast.dw)


def test_deactivated_account_loses_access_at_once(client, cast):
    kader = cast.users["kader"]
    services.account_set_active(actor=cast.users["kelurahan"], user=kader, active=False)
    client.force_login(kader)
    assert client.get(reverse("hierarchy:unit_detail", args=[cast.dw.pk])).status_code == 302


def test_role_changes_are_recorded_with_who(cast):
    admin = cast.users["admin"]
    assignment = services.role_grant(actor=admin, user=cast.users["rt"], role=Role.KADER, unit=cast.dw_b)
    assignment_id = assignment.pk
    services.role_revoke(actor=admin, assignment=assignment)
    history = RoleAssignment.history.filter(id=assignment_id).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]
    assert {h.history_user for h in history} == {admin}


def test_a_role_of_an_account_with_a_role_above_is_not_revoked_by_a_lower_manager(client, cast):
    """The kelurahan sees the account (its home is in the kelurahan) but it also holds a kota role."""
    both = User.objects.create_user("kader_kota", first_name="Dua Peran", home_unit=cast.kel)
    kader_role = services.role_grant(actor=cast.admin, user=both, role=Role.KADER, unit=cast.dw)
    services.role_grant(actor=cast.admin, user=both, role=Role.TP_KABKOTA, unit=cast.kota)
    kelurahan = cast.users["kelurahan"]
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=kelurahan, assignment=kader_role)

    client.force_login(kelurahan)
    page = client.get(reverse("hierarchy:account_detail", args=[both.pk])).content.decode()
    assert "Anda hanya dapat melihatnya" in page and "Cabut" not in page
    assert client.post(reverse("hierarchy:role_revoke", args=[kader_role.pk])).status_code == 403
    assert RoleAssignment.objects.filter(pk=kader_role.pk).exists()
    assert access.has_perm(User.objects.get(pk=both.pk), Perm.ENTRY, cast.dw)
