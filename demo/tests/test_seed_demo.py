import random
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from demo import tree as demo
from hierarchy import access
from hierarchy.levels import LEVEL_ORDER, ROLE_PERMS, Level, Perm, Role
from hierarchy.models import RoleAssignment, Unit, UnitUserObjectPermission, User, phone_validator
from households.models import Kelahiran, Kematian
from recaps.models import PotretTahunan
from reports.models import Laporan

PASSWORD = "demo-pkk"
BERBAS_TENGAH = "64.74.02.1002"
EXPECTED_ROLES = {
    "demo-admin": (None, "64.74"),
    "demo-kota": (Role.TP_KABKOTA, "64.74"),
    "demo-kecamatan": (Role.TP_KECAMATAN, "64.74.02"),
    "demo-kelurahan": (Role.TP_DESA_KETUA, BERBAS_TENGAH),
    "demo-rt": (Role.KETUA_RT, "001"),
    "demo-ketua-dasawisma": (Role.KETUA_DASAWISMA, "DW01"),
    "demo-kader": (Role.KADER, "DW01"),
}


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def without_households(monkeypatch):
    """The tree and the accounts are tested here, nine seeds in all; the demo households would make each
    of them seconds slower. They have their own tests (demo/tests/test_demo_households.py)."""
    monkeypatch.setattr("demo.seed.seed_households", lambda **kwargs: None)


def run(settings, **options):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; the demo is the same
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def tree_snapshot():
    """Every unit as (path of codes from the top, level, name, dates), independent of primary keys."""
    units = {u.pk: u for u in Unit.objects.all()}

    def path(u):
        return (path(units[u.parent_id]) if u.parent_id else ()) + (u.code,)

    return sorted((path(u), u.level, u.name, u.active_from, u.active_to) for u in units.values())


def accounts_snapshot():
    users = sorted(
        (u.username, u.first_name, u.last_name, u.phone, u.is_superuser, u.home_unit.code if u.home_unit else None)
        for u in User.objects.select_related("home_unit")
    )
    roles = sorted(RoleAssignment.objects.values_list("user__username", "role", "unit__code"))
    perms = sorted(
        UnitUserObjectPermission.objects.values_list("user__username", "permission__codename", "content_object__code")
    )
    return users, roles, perms


def everything_snapshot():
    """What a second run must leave exactly as it was: rows, their ids and their last change."""
    return (
        sorted(Unit.objects.values_list("pk", "level", "code", "name", "parent_id", "active_from", "updated_at")),
        sorted(User.objects.values_list("pk", "username", "first_name", "last_name", "phone", "password", "home_unit")),
        sorted(RoleAssignment.objects.values_list("pk", "user_id", "role", "unit_id")),
        sorted(UnitUserObjectPermission.objects.values_list("pk", "user_id", "permission_id", "content_object_id")),
        Unit.history.count(),
        User.history.count(),
        RoleAssignment.history.count(),
    )


def wipe():
    """Back to an empty database: reports and the events that protect their people, accounts, then units
    from the bottom level up."""

    Laporan.objects.all().delete()
    PotretTahunan.objects.all().delete()
    Kelahiran.objects.all().delete()
    Kematian.objects.all().delete()
    User.objects.all().delete()
    for level in reversed(LEVEL_ORDER):
        Unit.objects.filter(level=level).delete()
    assert not Unit.objects.exists()


def can_log_in(client, username, password):
    try:
        url = reverse("login")
    except NoReverseMatch:
        return authenticate(request=RequestFactory().get("/"), username=username, password=password) is not None
    client.post(url, {"username": username, "password": password})
    logged_in = "_auth_user_id" in client.session
    client.logout()
    return logged_in


def berbas_tengah():
    return Unit.objects.get(level=Level.DESA, code=BERBAS_TENGAH)


# -- the plan alone --------------------------------------------------------------------------------


def test_plan_is_deterministic_and_a_third_has_rw():
    codes = [f"64.74.0{k}.10{n:02d}" for k in (1, 2, 3) for n in range(1, 6)] + [BERBAS_TENGAH]
    codes = sorted(set(codes))
    first = demo.plan_groups(codes, random.Random(2026))
    assert first == demo.plan_groups(codes, random.Random(2026))
    assert first != demo.plan_groups(codes, random.Random(7))
    with_rw = {p.parent_key[0] for p in first if p.level == Level.RW}
    assert len(with_rw) == round(len(codes) / 3) and BERBAS_TENGAH not in with_rw


# -- the command -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tree_of_kota_bontang(settings):
    out = run(settings)
    kota = Unit.objects.get(level=Level.KABKOTA, code="64.74")
    kelurahan = list(Unit.objects.filter(level=Level.DESA, kabkota_id=kota.pk))
    assert len(kelurahan) == 15
    today = timezone.localdate()
    local = Unit.objects.filter(level__in=[Level.RW, Level.RT, Level.DASAWISMA])
    # every group from the start of last year, but the one dasawisma re-formed later (demo.regroup)
    reformed = local.filter(name__endswith=" Baru")
    assert reformed.count() == 1 and local.filter(active_to__isnull=False).count() == 1
    assert set(local.exclude(pk__in=reformed).values_list("active_from", flat=True)) == {date(today.year - 1, 1, 1)}

    with_rw = 0
    for kel in kelurahan:
        rws = list(kel.children.filter(level=Level.RW))
        direct_rts = list(kel.children.filter(level=Level.RT))
        if rws:
            with_rw += 1
            assert not direct_rts and 2 <= len(rws) <= 4
            assert [rw.code for rw in rws] == [f"{n:02d}" for n in range(1, len(rws) + 1)]
            for rw in rws:
                rts = list(rw.children.filter(level=Level.RT))
                assert 3 <= len(rts) <= 5
                assert [rt.code for rt in rts] == [f"{n:03d}" for n in range(1, len(rts) + 1)]
        else:
            assert 8 <= len(direct_rts) <= 14
            assert [rt.code for rt in direct_rts] == [f"{n:03d}" for n in range(1, len(direct_rts) + 1)]
        rts = Unit.objects.filter(level=Level.RT, desa_id=kel.pk)
        assert rts.exists()
        for rt in rts:
            dws = list(rt.children.exclude(name__endswith=" Baru"))  # not the one re-formed (demo.regroup)
            assert 2 <= len(dws) <= 4 and {dw.level for dw in dws} == {Level.DASAWISMA}
            assert [dw.code for dw in dws] == [f"DW{n:02d}" for n in range(1, len(dws) + 1)]
            for dw in dws:
                flower, number = dw.name.rsplit(" ", 1)
                assert flower in demo.DASAWISMA_NAMES and number.isdigit()
        dw_names = list(Unit.objects.filter(level=Level.DASAWISMA, desa_id=kel.pk).values_list("name", flat=True))
        assert len(dw_names) == len(set(dw_names))  # "Melati 3" is one dasawisma in its kelurahan
    assert with_rw == 5  # about a third

    bt = berbas_tengah()
    assert not bt.children.filter(level=Level.RW).exists()
    rt001 = bt.children.get(level=Level.RT, code="001")
    assert rt001.children.filter(code="DW01").exists()

    # The ancestor columns of bulk-created units are filled like Unit.save() fills them.
    for unit in local.select_related("parent"):
        assert getattr(unit, f"{unit.level}_id") == unit.pk
        for level in LEVEL_ORDER:
            if level == unit.level:
                break
            assert getattr(unit, f"{level}_id") == getattr(unit.parent, f"{level}_id")
        assert unit.kabkota_id == kota.pk and unit.desa_id is not None
    # one history row per dasawisma created, and one for the dasawisma closed when it was re-formed
    created = Unit.history.filter(level=Level.DASAWISMA, history_type="+").count()
    assert created == Unit.objects.filter(level=Level.DASAWISMA).count()
    assert Unit.history.filter(level=Level.DASAWISMA, history_type="~").count() == 1

    assert "Hanya untuk demo — jangan dipakai di server produksi." in out
    for username in EXPECTED_ROLES:
        assert username in out
    assert PASSWORD in out


@pytest.mark.django_db
def test_demo_accounts(settings, client):
    run(settings)
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    assert set(users) == set(EXPECTED_ROLES)
    bt = berbas_tengah()
    for username, (role, code) in EXPECTED_ROLES.items():
        user = users[username]
        assert user.first_name and user.last_name
        phone_validator(user.phone)
        assert user.phone.startswith("08")
        assert can_log_in(client, username, PASSWORD), username
        assignments = list(user.role_assignments.select_related("unit"))
        if role is None:
            assert user.is_superuser and not assignments and user.home_unit.code == code
            continue
        assert not user.is_superuser
        assert [(a.role, a.unit.code) for a in assignments] == [(role, code)]
        unit = assignments[0].unit
        assert user.home_unit == unit
        assert unit.pk == bt.pk or bt.contains(unit) or unit.contains(bt)
        perms = set(
            UnitUserObjectPermission.objects.filter(user=user).values_list("permission__codename", "content_object")
        )
        assert perms == {(perm, unit.pk) for perm in ROLE_PERMS[Role(role)]}  # guardian rows in step

    assert not authenticate(request=RequestFactory().get("/"), username="demo-kader", password="salah")

    rt001 = bt.children.get(code="001")
    dw01, dw02 = rt001.children.get(code="DW01"), rt001.children.get(code="DW02")
    rt002_dw = bt.children.get(code="002").children.get(code="DW01")
    kec = Unit.objects.get(code="64.74.02")
    same_kec = Unit.objects.filter(level=Level.DASAWISMA, kecamatan_id=kec.pk).exclude(desa_id=bt.pk).first()
    other_kec = Unit.objects.filter(level=Level.DASAWISMA).exclude(kecamatan_id=kec.pk).first()
    sees = {
        "demo-kader": {dw01: True, dw02: False, rt002_dw: False, other_kec: False},
        "demo-ketua-dasawisma": {dw01: True, dw02: False},
        "demo-rt": {dw01: True, dw02: True, rt002_dw: False},
        "demo-kelurahan": {dw02: True, rt002_dw: True, same_kec: False},
        "demo-kecamatan": {rt002_dw: True, same_kec: True, other_kec: False},
        "demo-kota": {same_kec: True, other_kec: True},
        "demo-admin": {other_kec: True},
    }
    for username, expected in sees.items():
        for unit, visible in expected.items():
            assert access.has_perm(users[username], Perm.VIEW, unit) is visible, (username, unit)
    assert access.has_perm(users["demo-ketua-dasawisma"], Perm.SUBMIT, dw01)
    assert not access.has_perm(users["demo-kader"], Perm.SUBMIT, dw01)


@pytest.mark.django_db
def test_second_run_changes_nothing(settings, client):
    first_out = run(settings)
    before = everything_snapshot()
    tree, accounts = tree_snapshot(), accounts_snapshot()
    second_out = run(settings)
    assert everything_snapshot() == before
    assert tree_snapshot() == tree and accounts_snapshot() == accounts
    login_table = first_out[first_out.index("Akun demo:") :]
    assert second_out[second_out.index("Akun demo:") :] == login_table
    assert "dibuat 0 RW, 0 RT, 0 dasawisma" in second_out

    # Another password on a later run does not reset the accounts and does not claim it works.
    third_out = run(settings, password="lain-kali")
    assert everything_snapshot() == before
    assert "lain-kali" not in third_out and "(sandi lama, tidak diubah)" in third_out
    assert can_log_in(client, "demo-kader", PASSWORD)


@pytest.mark.django_db
def test_same_seed_same_demo(settings):
    run(settings)
    tree, accounts = tree_snapshot(), accounts_snapshot()
    wipe()
    run(settings, seed=2026)
    assert tree_snapshot() == tree and accounts_snapshot() == accounts
    wipe()
    run(settings, seed=2027)
    assert tree_snapshot() != tree and accounts_snapshot() != accounts


@pytest.mark.django_db
def test_refuses_without_debug(settings):
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with pytest.raises(CommandError, match="DEBUG mati"):
        call_command("seed_demo", stdout=StringIO())
    assert not Unit.objects.exists() and not User.objects.exists()
    call_command("seed_demo", force=True, stdout=StringIO())
    assert User.objects.filter(username="demo-admin", is_superuser=True).exists()
