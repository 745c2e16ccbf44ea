"""Demo data for Kota Bontang (``manage.py seed_demo``): the official areas, local groups in
realistic numbers under every kelurahan, and one demo account per role on one chain through
Kelurahan Berbas Tengah.

Everything is deterministic for a given seed: the whole plan (groups, names, phone numbers) is drawn
first from ``random.Random(seed)`` and a seeded Faker, then applied get-or-create style (units by
(parent, code), accounts by username), so a second run finds everything in place and changes nothing.

The steps are separate functions so that later issues can add households and events (and a
``scale``) after ``create_groups``; ``seed_demo`` runs them all in one transaction.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password, make_password
from django.core.management import call_command
from django.db.models import F
from simple_history.utils import bulk_create_with_history

from hierarchy import services
from hierarchy.levels import LOCAL_LEVELS, Level, Role
from hierarchy.models import Unit, User

DEFAULT_SEED = 2026
DEFAULT_PASSWORD = "demo-pkk"
DEMO_NOTICE = "Hanya untuk demo — jangan dipakai di server produksi."
CHANGE_REASON = "Data demo (seed_demo)"

KABKOTA_CODE = "64.74"  # Kota Bontang
DEMO_DESA_CODE = "64.74.02.1002"  # Kelurahan Berbas Tengah: the chain of the demo accounts; never with RW

# Groups per kelurahan. About a third of the kelurahan have RW, the rest hang RTs directly under the
# kelurahan (the usual case in Bontang).
RW_SHARE = 1 / 3
RW_PER_DESA = (2, 4)
RT_PER_RW = (3, 5)
RT_PER_DESA = (8, 14)
DASAWISMA_PER_RT = (2, 4)

DASAWISMA_NAMES = [
    "Melati", "Mawar", "Anggrek", "Kenanga", "Cempaka", "Dahlia", "Flamboyan", "Seroja", "Teratai", "Tulip",
    "Kamboja", "Bougenville", "Asoka", "Sakura", "Kemuning", "Tanjung", "Lavender", "Nusa Indah", "Alamanda",
    "Kaktus", "Pandan", "Srikaya", "Delima", "Matahari",
]  # fmt: skip

# Indonesian mobile prefixes after "08" (Telkomsel, Indosat, XL/Axis, Tri, Smartfren).
PHONE_PREFIXES = ["11", "12", "13", "21", "22", "23", "51", "52", "53", "14", "15", "16", "55", "56", "57", "58",
                  "17", "18", "19", "59", "77", "78", "31", "32", "38", "95", "96", "97", "98", "99", "81", "82",
                  "83", "88", "89"]  # fmt: skip


class DemoError(Exception):
    """The demo cannot be built on this database (the command turns it into a CommandError)."""


# -- plan ------------------------------------------------------------------------------------------


@dataclass
class GroupPlan:
    """One local group to get or create: ``key`` is the path of codes from the kelurahan down
    (kelurahan code first), ``parent_key`` the path of its parent."""

    level: str
    code: str
    name: str
    parent_key: tuple
    key: tuple


@dataclass
class AccountPlan:
    username: str
    role: str | None  # None: the superuser demo-admin
    anchor: str  # which unit of the demo chain: see demo_chain()
    first_name: str
    last_name: str
    phone: str


# username, role, anchor (the unit of the role and the home unit of the account)
DEMO_ACCOUNTS = [
    ("demo-admin", None, "kota"),
    ("demo-kota", Role.TP_KABKOTA, "kota"),
    ("demo-kecamatan", Role.TP_KECAMATAN, "kecamatan"),
    ("demo-kelurahan", Role.TP_DESA_KETUA, "kelurahan"),
    ("demo-rt", Role.KETUA_RT, "rt"),
    ("demo-ketua-dasawisma", Role.KETUA_DASAWISMA, "dasawisma"),
    ("demo-kader", Role.KADER, "dasawisma"),
]


def plan_groups(desa_codes, rng):
    """The local groups of every kelurahan, top down (a parent always before its children).

    desa_codes is the list of kelurahan codes; the result depends only on it and on rng."""
    desa_codes = sorted(desa_codes)
    candidates = [code for code in desa_codes if code != DEMO_DESA_CODE]
    with_rw = set(rng.sample(candidates, min(len(candidates), round(len(desa_codes) * RW_SHARE))))
    plans = []
    for desa_code in desa_codes:
        plans += _plan_desa(desa_code, desa_code in with_rw, rng)
    return plans


def _plan_desa(desa_code, with_rw, rng):
    plans = []
    flower_counts = {}  # "Melati 3" is the third Melati of the kelurahan

    def add(level, code, name, parent_key):
        plan = GroupPlan(level, code, name, parent_key, (*parent_key, code))
        plans.append(plan)
        return plan

    def add_rt(number, parent_key):
        rt = add(Level.RT, f"{number:03d}", f"{number:03d}", parent_key)
        for n in range(1, rng.randint(*DASAWISMA_PER_RT) + 1):
            flower = rng.choice(DASAWISMA_NAMES)
            flower_counts[flower] = flower_counts.get(flower, 0) + 1
            add(Level.DASAWISMA, f"DW{n:02d}", f"{flower} {flower_counts[flower]}", rt.key)

    desa_key = (desa_code,)
    if with_rw:
        for r in range(1, rng.randint(*RW_PER_DESA) + 1):
            rw = add(Level.RW, f"{r:02d}", f"{r:02d}", desa_key)
            for t in range(1, rng.randint(*RT_PER_RW) + 1):
                add_rt(t, rw.key)
    else:
        for t in range(1, rng.randint(*RT_PER_DESA) + 1):
            add_rt(t, desa_key)
    return plans


def random_phone(rng):
    """A plausible Indonesian mobile number, 08xx-xxxx-xxx(x), as hierarchy.models.phone_validator wants."""
    return "08" + rng.choice(PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(rng.choice((7, 8))))


def plan_accounts(rng, fake):
    plans = []
    for username, role, anchor in DEMO_ACCOUNTS:
        if role is None:
            first, last = fake.first_name(), fake.last_name()
        else:  # PKK cadres and TP PKK members are nearly all women
            first, last = fake.first_name_female(), fake.last_name_female()
        plans.append(AccountPlan(username, role, anchor, first, last, random_phone(rng)))
    return plans


# -- apply -----------------------------------------------------------------------------------------


def import_areas(stdout=None):
    """The official areas of Kota Bontang (province, kota, kecamatan, kelurahan), idempotent."""
    call_command("import_wilayah", kode=[KABKOTA_CODE], stdout=stdout)


def kelurahan_of_kota():
    kota = Unit.objects.filter(level=Level.KABKOTA, code=KABKOTA_CODE).first()
    if kota is None:
        raise DemoError(f"Kota Bontang ({KABKOTA_CODE}) tidak ada setelah import_wilayah.")
    desa = list(Unit.objects.filter(level=Level.DESA, kabkota_id=kota.pk).order_by("code"))
    if not any(d.code == DEMO_DESA_CODE for d in desa):
        raise DemoError(f"Kelurahan Berbas Tengah ({DEMO_DESA_CODE}) tidak ada setelah import_wilayah.")
    return kota, desa


@dataclass
class GroupCounts:
    created: dict = field(default_factory=dict)  # level -> number created by this run
    existing: dict = field(default_factory=dict)  # level -> number found already in place


def create_groups(plans, desa_units, *, active_from, actor=None):
    """Get or create every planned group by (parent, code), one level at a time: one bulk insert (with
    its history rows) and one UPDATE of the own-level column per level. Existing groups are left as
    they are (names, dates and all). Returns (units by plan key, GroupCounts)."""
    units = {(d.code,): d for d in desa_units}
    existing = {
        (u.parent_id, u.code): u
        for u in Unit.objects.filter(desa_id__in=[d.pk for d in desa_units]).exclude(level=Level.DESA)
    }
    counts = GroupCounts()
    for level in LOCAL_LEVELS:
        new = []
        for plan in (p for p in plans if p.level == level):
            parent = units[plan.parent_key]
            unit = existing.get((parent.pk, plan.code))
            if unit is None:
                unit = Unit(level=level, code=plan.code, name=plan.name, parent=parent, active_from=active_from)
                unit.fill_ancestors()  # copies the parent's columns; the own-level one follows the insert
                new.append(unit)
            elif unit.level != level:
                raise DemoError(
                    f"Di bawah {parent} sudah ada {unit.get_level_display()} berkode {unit.code}, "
                    f"padahal data demo memerlukan {Level(level).label} dengan kode itu."
                )
            else:
                counts.existing[level] = counts.existing.get(level, 0) + 1
            units[plan.key] = unit
        if new:
            bulk_create_with_history(new, Unit, default_user=actor, default_change_reason=CHANGE_REASON)
            Unit.objects.filter(pk__in=[u.pk for u in new]).update(**{f"{level}_id": F("pk")})
            for unit in new:
                setattr(unit, f"{level}_id", unit.pk)
            counts.created[level] = len(new)
    return units, counts


def demo_chain(kota, units):
    """The units the demo accounts sit on: Kota Bontang down to Berbas Tengah RT 001 DW01."""
    kelurahan = units[(DEMO_DESA_CODE,)]
    return {
        "kota": kota,
        "kecamatan": Unit.objects.get(pk=kelurahan.kecamatan_id),
        "kelurahan": kelurahan,
        "rt": units[(DEMO_DESA_CODE, "001")],
        "dasawisma": units[(DEMO_DESA_CODE, "001", "DW01")],
    }


def get_or_create_admin(plan, home_unit, password_hash):
    user = User.objects.filter(username__iexact=plan.username).first()
    if user is not None:
        return user, False
    user = User(
        username=plan.username,
        first_name=plan.first_name,
        last_name=plan.last_name,
        phone=plan.phone,
        home_unit=home_unit,
        is_staff=True,
        is_superuser=True,
        password=password_hash,
    )
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


def create_accounts(plans, chain, *, password_hash, admin):
    """Get or create the role accounts by username. A new one gets its role through
    services.role_grant (actor: the demo admin), which writes the guardian permissions with it.

    Not services.account_create: that runs Django's password validators, and the demo password is
    meant to be short and guessable (demo-pkk is even "too similar" to demo-kota)."""
    users = {}
    for plan in plans:
        if plan.role is None:
            continue
        user = User.objects.filter(username__iexact=plan.username).first()
        created = user is None
        if created:
            unit = chain[plan.anchor]
            user = User(
                username=plan.username,
                first_name=plan.first_name,
                last_name=plan.last_name,
                phone=plan.phone,
                home_unit=unit,
                created_by=admin,
                password=password_hash,
            )
            user.full_clean(exclude=["password"])
            user._history_user = admin  # the change history names the demo admin, as account_create does
            user.save()
            services.role_grant(actor=admin, user=user, role=plan.role, unit=unit)
        users[plan.username] = (user, created)
    return users


@dataclass
class DemoResult:
    groups: GroupCounts
    logins: list
    kelurahan: int


@dataclass
class DemoTree:
    kota: Unit
    desa_units: list
    group_plans: list
    admin: User
    admin_created: bool
    units: dict
    counts: GroupCounts
    chain: dict
    accounts: dict


def build_demo_tree(rng, fake, password, *, active_from):
    """Kota Bontang's groups, the demo administrator and the role accounts (after import_areas or the
    province's import): the steps of seed_demo before the households, in this order, which fixes what the
    seeded random streams draw."""
    kota, desa_units = kelurahan_of_kota()
    group_plans = plan_groups([d.code for d in desa_units], rng)
    account_plans = plan_accounts(rng, fake)
    password_hash = make_password(password)  # hashed once: all demo accounts share the password

    admin, admin_created = get_or_create_admin(account_plans[0], kota, password_hash)
    units, counts = create_groups(group_plans, desa_units, active_from=active_from, actor=admin)
    chain = demo_chain(kota, units)
    accounts = create_accounts(account_plans, chain, password_hash=password_hash, admin=admin)
    return DemoTree(kota, desa_units, group_plans, admin, admin_created, units, counts, chain, accounts)


# -- the login table -------------------------------------------------------------------------------


def login_unit_label(unit):
    """'Dasawisma Melati 3 (DW01), RT 001, Kelurahan Berbas Tengah': the unit and its local parents up
    to the kelurahan, so that codes repeated in other places are not ambiguous."""
    chain = [unit]
    if unit.level in LOCAL_LEVELS:
        chain += [u for u in reversed(unit.ancestors()) if u.level in LOCAL_LEVELS or u.level == Level.DESA]
    return ", ".join(f"{u.title} ({u.code})" if u.level == Level.DASAWISMA else u.title for u in chain)


@dataclass
class Login:
    username: str
    role: str
    unit: str
    password: str
    created: bool


def login_rows(accounts, password):
    """(user, created) pairs -> Login rows from what is in the database (roles as they are now).

    For an account that already existed the password is shown only if it still is the given one."""
    rows, verified = [], {}
    for user, created in accounts:
        assignments = list(user.role_assignments.select_related("unit").order_by("pk"))
        if assignments:
            role = "; ".join(str(a.get_role_display()) for a in assignments)
            unit = "; ".join(login_unit_label(a.unit) for a in assignments)
        else:
            role = "Administrator sistem (superuser)" if user.is_superuser else "(tanpa peran)"
            unit = login_unit_label(user.home_unit) if user.home_unit else "-"
        if user.password not in verified:  # the demo accounts share one hash: check it once
            verified[user.password] = created or check_password(password, user.password)
        shown = password if verified[user.password] else "(sandi lama, tidak diubah)"
        rows.append(Login(user.username, role, unit, shown, created))
    return rows


def format_logins(rows):
    header = ("Nama pengguna", "Peran", "Satuan", "Kata sandi")
    table = [header] + [(r.username, r.role, r.unit, r.password) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in table[1:]])


# -- all of it -------------------------------------------------------------------------------------
