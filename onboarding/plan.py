"""An onboarding sheet read against the tree and the accounts of one kelurahan: the groups to create and
those that exist, the accounts to create and those that exist, the roles to grant, and every row's
problems with its column. Nothing is written here: services.onboard writes a plan without errors, and
makes it again inside its transaction, so that what it writes is what the database holds then.

Matching, so that uploading the same file twice creates nothing twice:
- a group by its code under the same parent, else by its name there (letter case and spaces ignored); an
  RT written without its RW is found among the kelurahan's RTs by its number when only one has it;
- a person by the phone number (0812…, +62812… and 62812… are one number) on an existing account of the
  same name, else by the username written in the sheet, else, without either, as the holder of the same
  role on the same group under the same name. Two rows with one phone number are one person (one account,
  two roles) when the names agree, and an error when they do not."""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from hierarchy import access
from hierarchy.forms import normalise_code, normalise_name
from hierarchy.levels import ROLE_LEVEL, Level, Role
from hierarchy.models import RoleAssignment, Unit, User, local_code_validator, phone_validator

from .sheet import (
    DUSUN,
    HP,
    KODE_DASAWISMA,
    NAMA,
    NAMA_DASAWISMA,
    PENGGUNA,
    PERAN,
    ROLE_CHOICES,
    RT,
    RW,
    loose,
    role_of,
)

ERROR, WARNING = "error", "warning"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,149}$")


@dataclass
class Problem:
    row: int
    column: str
    message: str
    kind: str = ERROR


@dataclass(eq=False)
class Group:
    """A group of the sheet: found in the tree (unit) or to be created under parent (None: the kelurahan)."""

    level: str
    code: str
    name: str
    parent: "Group | None"
    row: int
    unit: Unit | None = None
    written_name: str = ""  # as the sheet first wrote it (an existing group keeps its own name)

    @property
    def is_new(self):
        return self.unit is None

    @property
    def label(self):
        own = self.unit.path_label(within=Level.DESA) if self.unit is not None else None
        if own:
            return own
        shown = f"{Level(self.level).label} {self.name}" if self.level in (Level.RW, Level.RT) else self.name
        return shown if self.parent is None else f"{self.parent.label} › {shown}"


@dataclass(eq=False)
class Account:
    """One person of the sheet: an existing account (user) or one to create with username."""

    name: str
    phone: str
    username: str
    row: int
    user: User | None = None
    home: Group | None = None  # the group of the first role (None: the kelurahan)
    roles: list = field(default_factory=list)  # [(Role, Group | None, row, already held)]

    @property
    def is_new(self):
        return self.user is None


@dataclass
class Plan:
    desa: Unit
    groups: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    rows: int = 0
    saved: dict | None = None  # the counts at the moment a confirm wrote the plan

    @property
    def has_errors(self):
        return any(p.kind == ERROR for p in self.problems)

    @property
    def errors(self):
        return [p for p in self.problems if p.kind == ERROR]

    @property
    def warnings(self):
        return [p for p in self.problems if p.kind == WARNING]

    @property
    def new_groups(self):
        return [g for g in self.groups if g.is_new]

    @property
    def counts(self):
        new = [g for g in self.groups if g.is_new]
        roles_new = sum(1 for a in self.accounts for (_r, _g, _row, held) in a.roles if not held)
        return {
            "kelompok_baru": len(new),
            "kelompok_ada": len(self.groups) - len(new),
            "rt_baru": sum(1 for g in new if g.level == Level.RT),
            "dasawisma_baru": sum(1 for g in new if g.level == Level.DASAWISMA),
            "akun_baru": sum(1 for a in self.accounts if a.is_new),
            "akun_ada": sum(1 for a in self.accounts if not a.is_new),
            "peran_baru": roles_new,
        }


def text(value):
    """A cell as the text a person meant: 1.0 → "1", spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def clean_phone(value):
    """A typed phone number in the form the accounts keep it (08…, +628…, 628…), or raise ValidationError."""
    phone = re.sub(r"[\s\-.()]", "", text(value))
    if re.fullmatch(r"8\d{7,12}", phone):  # a number cell loses its leading 0
        phone = "0" + phone
    phone_validator(phone)
    return phone


def canonical_phone(phone):
    """One number, however written: 62 and the digits after the 0 or the country code."""
    digits = phone.lstrip("+")
    return "62" + digits[1:] if digits.startswith("0") else digits


def _ascii(value):
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def _name_code(name):
    """A dusun/lingkungan's code from its name (the sheet gives only the name)."""
    return re.sub(r"[^A-Za-z0-9]", "", _ascii(name)).upper()[:20]


def _group_code(level, value):
    """ "RT 5", "rt.005", "5" → "005"."""
    prefix = Level(level).label
    value = re.sub(rf"^{prefix}\b[\s.:]*", "", text(value), flags=re.IGNORECASE)
    return normalise_code(level, value)


class _Analysis:
    def __init__(self, dataset, *, actor, desa):
        self.actor, self.desa = actor, desa
        self.plan = Plan(desa=desa, rows=len(dataset))
        self.dataset = dataset
        units = list(Unit.objects.filter(desa=desa).exclude(pk=desa.pk))
        self.by_code = {(u.parent_id, u.code.casefold()): u for u in units}
        self.by_name = {}
        for unit in units:
            self.by_name.setdefault((unit.parent_id, loose(unit.name)), unit)
        self.rt_by_code = defaultdict(list)
        for unit in units:
            if unit.level == Level.RT:
                self.rt_by_code[unit.code].append(unit)
        # Groups of the sheet, per parent: by code and by name.
        self.sheet_code, self.sheet_name = {}, {}
        self.accounts_by_key = {}
        self.usernames_taken = set()

    def problem(self, row, column, message, kind=ERROR):
        self.plan.problems.append(Problem(row, column, message, kind))

    # -- groups ------------------------------------------------------------------------------------

    def _parent_unit_id(self, parent):
        if parent is None:
            return self.desa.pk
        return parent.unit.pk if parent.unit is not None else None

    def group(self, level, code, name, parent, row, column):
        """The sheet's group with this code or name under parent, made on first sight."""
        parent_key = id(parent)
        found = None
        if code:
            found = self.sheet_code.get((parent_key, level, code.casefold()))
        if found is None and name:
            found = self.sheet_name.get((parent_key, level, loose(name)))
            if found is not None and code and found.code and found.code.casefold() != code.casefold():
                self.problem(row, column, f"{name} ditulis dengan kode {found.code} di baris {found.row}.")
                return None
        if found is not None:
            written = found.written_name
            if name and written and loose(written) != loose(name) and level == Level.DASAWISMA:
                self.problem(row, NAMA_DASAWISMA, f"Kode {code} di baris {found.row} bernama {written}.")
                return None
            return found
        found = Group(level=level, code=code, name=name, parent=parent, row=row, written_name=name)
        found.unit = self._existing(found)
        if found.unit is not None:
            if level == Level.DASAWISMA and name and loose(name) != loose(found.unit.name):
                self.problem(
                    row, NAMA_DASAWISMA,
                    f"{found.unit.code} di {found.unit.parent} sudah ada dengan nama {found.unit.name}: dipakai "
                    "kelompok itu, namanya tidak diubah (ubah di halaman kelompok bila perlu).",
                    WARNING,
                )  # fmt: skip
            found.code, found.name = found.unit.code, found.unit.name
            if found.unit.active_to is not None:
                self.problem(
                    row,
                    column,
                    f"{found.unit} sudah ditutup ({found.unit.active_to:%d-%m-%Y}): buka lagi dulu, atau pakai "
                    "kelompok lain.",
                )
        self.plan.groups.append(found)
        if found.code:
            self.sheet_code[(parent_key, level, found.code.casefold())] = found
        if found.name:
            self.sheet_name[(parent_key, level, loose(found.name))] = found
        return found

    def _existing(self, group):
        parent_id = self._parent_unit_id(group.parent)
        if parent_id is None:
            return None  # under a new group: new as well
        unit = None
        if group.code:
            unit = self.by_code.get((parent_id, group.code.casefold()))
        if unit is None and group.name and group.level not in (Level.RW, Level.RT):
            unit = self.by_name.get((parent_id, loose(group.name)))
        if unit is None and group.level == Level.RT and group.parent is None:
            # An RT written without its RW: the kelurahan's only RT with this number.
            same = self.rt_by_code.get(group.code, [])
            unit = same[0] if len(same) == 1 else None
        if unit is not None and unit.level != group.level:
            return None
        return unit

    def groups_of_row(self, values, number):
        """{level: Group} of the row (the deepest is the row's group), or None when the row is refused."""
        found, parent, ok = {}, None, True
        dusun = text(values[DUSUN])
        if dusun:
            parent = found[Level.DUSUN] = self.group(Level.DUSUN, "", dusun, None, number, DUSUN)
        for level, header in ((Level.RW, RW), (Level.RT, RT)):
            raw = text(values[header])
            if not raw:
                continue
            code = _group_code(level, raw)
            try:
                local_code_validator(code)
            except ValidationError as exc:
                self.problem(number, header, exc.messages[0])
                return None
            group = self.group(level, code, normalise_name(level, "", code), parent, number, header)
            if group is None:
                return None
            parent = found[level] = group
        dw_code, dw_name = text(values[KODE_DASAWISMA]), text(values[NAMA_DASAWISMA])
        if dw_code or dw_name:
            if Level.RT not in found:
                self.problem(number, RT, "RT wajib diisi: setiap dasawisma berada di bawah satu RT.")
                return None
            if dw_code:
                try:
                    local_code_validator(dw_code)
                except ValidationError as exc:
                    self.problem(number, KODE_DASAWISMA, exc.messages[0])
                    return None
            if len(dw_name) > 200:
                self.problem(number, NAMA_DASAWISMA, "Nama dasawisma paling panjang 200 huruf.")
                return None
            group = self.group(Level.DASAWISMA, dw_code, dw_name, parent, number, NAMA_DASAWISMA)
            if group is None:
                return None
            if group.is_new and not group.name:
                self.problem(number, NAMA_DASAWISMA, "Nama dasawisma wajib diisi untuk dasawisma baru.")
                ok = False
            found[Level.DASAWISMA] = group
        return found if ok else None

    # -- people ------------------------------------------------------------------------------------

    def person(self, values, number, groups):
        name, raw_phone, raw_role = text(values[NAMA]), text(values[HP]), text(values[PERAN])
        username = text(values[PENGGUNA]).lower()
        if not (name or raw_phone or raw_role or username):
            if not groups:
                self.problem(number, RT, "Baris ini tidak berisi kelompok maupun orang.")
            return
        if not name:
            self.problem(number, NAMA, "Nama lengkap wajib diisi untuk setiap orang.")
            return
        if len(name) > 150:
            self.problem(number, NAMA, "Nama paling panjang 150 huruf.")
            return
        if not raw_role:
            self.problem(number, PERAN, "Peran wajib diisi: " + ", ".join(ROLE_CHOICES) + ".")
            return
        role = role_of(raw_role)
        if role is None:
            self.problem(
                number, PERAN, f"Peran “{raw_role}” tidak dikenal. Pilih salah satu: " + ", ".join(ROLE_CHOICES) + "."
            )
            return
        level = ROLE_LEVEL[role]
        group = groups.get(level)
        where = group.unit if group is not None and group.unit is not None else self.desa
        if not access.can_grant_role(self.actor, role, where):
            self.problem(number, PERAN, f"Anda tidak dapat memberi peran {Role(role).label}: di atas kewenangan Anda.")
            return
        if level != Level.DESA and group is None:
            self.problem(number, PERAN, f"{Role(role).label} perlu {Level(level).label} pada baris ini.")
            return
        phone = ""
        if raw_phone:
            try:
                phone = clean_phone(raw_phone)
            except ValidationError as exc:
                self.problem(number, HP, exc.messages[0])
                return
        if username and not _USERNAME.fullmatch(username):
            self.problem(
                number,
                PENGGUNA,
                "Nama pengguna: 3 karakter atau lebih, huruf kecil, angka, titik, garis bawah, tanda hubung.",
            )
            return
        account = self.account(number, name, phone, username, role, group)
        if account is None:
            return
        held = False
        if account.user is not None and (group is None or group.unit is not None):
            unit = self.desa if group is None else group.unit
            held = RoleAssignment.objects.filter(user=account.user, role=role, unit=unit).exists()
        if any(r == role and g is group for (r, g, _row, _held) in account.roles):
            return  # the same role twice in the sheet: once
        if account.user is not None and account.user.pk == self.actor.pk and not held:
            self.problem(number, PERAN, "Anda tidak dapat mengubah peran akun Anda sendiri.")
            return
        account.roles.append((role, group, number, held))

    def account(self, number, name, phone, username, role, group):
        key = ("hp", canonical_phone(phone)) if phone else ("u", username) if username else None
        if key is not None and key in self.accounts_by_key:
            known = self.accounts_by_key[key]
            if loose(known.name) != loose(name):
                column = HP if phone else PENGGUNA
                self.problem(number, column, f"Sama dengan baris {known.row}, tetapi atas nama {known.name}.")
                return None
            return known
        if phone and username and ("u", username) in self.accounts_by_key:
            self.problem(
                number,
                PENGGUNA,
                f"Nama pengguna ini sudah dipakai di baris {self.accounts_by_key[('u', username)].row}.",
            )
            return None
        user = self._existing_user(number, name, phone, username, role, group)
        if user is False:
            return None
        account = Account(name=name, phone=phone, username=username, row=number, user=user, home=group)
        if user is not None:
            account.username = user.username
        if key is None:
            key = ("baris", number)
        self.accounts_by_key[key] = account
        if username:
            self.accounts_by_key[("u", username)] = account
        self.plan.accounts.append(account)
        return account

    def _existing_user(self, number, name, phone, username, role, group):
        """The existing account of this person, None for a new one, False when the row is refused."""
        user = None
        if phone:
            wanted = canonical_phone(phone)
            same = [u for u in User.objects.filter(phone__endswith=phone[-8:]) if canonical_phone(u.phone) == wanted]
            if len(same) > 1:
                self.problem(number, HP, "Nomor ini dipakai lebih dari satu akun: tulis nama penggunanya.")
                return False
            user = same[0] if same else None
            if user is not None and loose(user.get_full_name()) != loose(name):
                self.problem(number, HP, f"Nomor ini sudah dipakai akun {user.username} atas nama lain.")
                return False
        if user is None and username:
            user = User.objects.filter(username__iexact=username).first()
            if user is not None and loose(user.get_full_name()) != loose(name):
                self.problem(number, PENGGUNA, "Nama pengguna ini sudah dipakai akun lain.")
                return False
        if user is None and not phone and not username and group is not None and group.unit is not None:
            holders = RoleAssignment.objects.filter(role=role, unit=group.unit).select_related("user")
            user = next((ra.user for ra in holders if loose(ra.user.get_full_name()) == loose(name)), None)
        if user is not None and not user.is_active:
            self.problem(
                number, NAMA, f"Akun {user.username} nonaktif: perannya diberikan, aktifkan akunnya di halaman akun.",
                WARNING,
            )  # fmt: skip
        if user is not None and user.pk != self.actor.pk and not access.can_manage_account(self.actor, user):
            column = HP if phone else PENGGUNA if username else NAMA
            self.problem(
                number, column, f"Akun {user.username} ini di luar kewenangan Anda: perannya tidak dapat Anda ubah."
            )
            return False
        return user

    # -- the whole sheet -----------------------------------------------------------------------------

    def run(self):
        headers = self.dataset.headers
        for number, row in zip(self.dataset.row_numbers, self.dataset, strict=True):
            values = dict(zip(headers, row, strict=True))
            groups = self.groups_of_row(values, number)
            if groups is None:
                continue
            self.person(values, number, groups)
        self._name_new_groups()
        self._name_new_accounts()
        first_new = next((g for g in self.plan.groups if g.is_new), None)
        if first_new is not None and not access.may_add_groups(self.actor, self.desa):
            self.problem(
                first_new.row, RT, f"{first_new.label} belum ada, dan Anda tidak berhak membuat kelompok baru."
            )
        self.plan.problems.sort(key=lambda p: (p.row, p.column))
        self.plan.accounts = [a for a in self.plan.accounts if a.roles]
        return self.plan

    def _name_new_groups(self):
        """Codes of new dasawisma written without one (DW01, DW02 … free under their RT) and of new
        dusun/lingkungan (from the name)."""
        used = defaultdict(set)
        for parent_id, code in self.by_code:
            used[("unit", parent_id)].add(code)
        for group in self.plan.groups:
            if group.code:
                used[self._parent_slot(group)].add(group.code.casefold())
        for group in self.plan.groups:
            if not group.is_new or group.code:
                continue
            slot = used[self._parent_slot(group)]
            if group.level == Level.DUSUN:
                base = _name_code(group.name) or "DUSUN"
                candidates = (base if i == 1 else f"{base[:17]}{i}" for i in range(1, 1000))
            else:
                candidates = (f"DW{i:02d}" for i in range(1, 1000))
            group.code = next(c for c in candidates if c.casefold() not in slot)
            slot.add(group.code.casefold())

    def _parent_slot(self, group):
        parent_id = self._parent_unit_id(group.parent)
        return ("unit", parent_id) if parent_id is not None else ("sheet", id(group.parent))

    def _name_new_accounts(self):
        """Usernames of new accounts without one: from the name (siti.rahayu), numbered when taken."""
        new = [a for a in self.plan.accounts if a.is_new and a.roles]
        taken = {a.username for a in self.plan.accounts if a.username}
        for account in new:
            if account.username:
                if User.objects.filter(username__iexact=account.username).exists():
                    self.problem(account.row, PENGGUNA, "Nama pengguna ini sudah dipakai akun lain.")
                continue
            words = re.sub(r"[^a-z0-9 ]", "", _ascii(account.name).lower()).split()
            base = ".".join(words[:2])[:140] or "kader"
            if len(base) < 3:
                base = f"{base}.pkk"
            existing = {
                u.lower() for u in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
            }
            for i in range(1, 10000):
                candidate = base if i == 1 else f"{base}{i}"
                if candidate not in existing and candidate not in taken:
                    break
            account.username = candidate
            taken.add(candidate)


def analyse(dataset, *, actor, desa):
    """The Plan of an onboarding sheet for this kelurahan, as the actor would write it."""
    return _Analysis(dataset, actor=actor, desa=desa).run()
