import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .levels import ALLOWED_PARENTS, LEVEL_ORDER, OFFICIAL_LEVELS, RANK, Level, Perm, Role

OFFICIAL_CODE_RE = {
    Level.PROVINSI: re.compile(r"^[0-9]{2}$"),
    Level.KABKOTA: re.compile(r"^[0-9]{2}\.[0-9]{2}$"),
    Level.KECAMATAN: re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"),
    Level.DESA: re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"),
}
local_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,19}$",
    "Kode hanya huruf, angka, titik atau tanda hubung, paling banyak 20 karakter.",
)


_PREFIXED = {Level.RW, Level.RT, Level.KECAMATAN}

# The ancestors a unit's path label names ("Berbas Tengah › RT 001 › Melati 1"), below the kecamatan.
PATH_LEVELS = (Level.DESA, Level.DUSUN, Level.RW, Level.RT, Level.DASAWISMA)


def path_related(via=""):
    """select_related() names that load what Unit.path_label reads, for a unit reached through `via`
    ("" for a Unit queryset, "dasawisma__" for a household ...): one join per level, no query per row."""
    return tuple(f"{via}{level}" for level in PATH_LEVELS)


def active_q(first, last=None, prefix=""):
    """Units active on some day from first to last (on the day first when last is None): groups are
    re-formed, and a group closed or opened within a month is expected in that month. The one
    definition of "active"; Unit.is_active_between is its Python twin."""
    last = first if last is None else last
    return (Q(**{f"{prefix}active_from__isnull": True}) | Q(**{f"{prefix}active_from__lte": last})) & (
        Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gte": first})
    )


class UnitQuerySet(models.QuerySet):
    def active_on(self, day):
        """Units open on that day (groups are re-formed: closed ones keep their history)."""
        return self.filter(active_q(day))


def _ancestor_field(level):
    return models.ForeignKey(
        "self",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=Level(level).label,
    )


class Unit(models.Model):
    """One node of the tree: an official area (provinsi..desa/kelurahan) or a local group
    (dusun/lingkungan, RW, RT, dasawisma).

    Each row carries the ids of its ancestors, one column per level, its own id in the column of its
    own level. "Everything under unit X" is then one indexed equality (``<X.level>_id = X.id``) and a
    recap groups by one column; nothing walks the tree row by row (docs/ARCHITECTURE.md).
    """

    level = models.CharField("tingkat", max_length=12, choices=Level.choices, db_index=True)
    code = models.CharField("kode", max_length=32)
    name = models.CharField("nama", max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="induk"
    )
    active_from = models.DateField("aktif sejak", null=True, blank=True)
    active_to = models.DateField("aktif sampai", null=True, blank=True)

    provinsi = _ancestor_field(Level.PROVINSI)
    kabkota = _ancestor_field(Level.KABKOTA)
    kecamatan = _ancestor_field(Level.KECAMATAN)
    desa = _ancestor_field(Level.DESA)
    dusun = _ancestor_field(Level.DUSUN)
    rw = _ancestor_field(Level.RW)
    rt = _ancestor_field(Level.RT)
    dasawisma = _ancestor_field(Level.DASAWISMA)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=[*LEVEL_ORDER, "created_at", "updated_at"])

    class Meta:
        verbose_name = "satuan wilayah"
        verbose_name_plural = "satuan wilayah"
        ordering = ["code"]
        permissions = [(code, label) for code, label in Perm.CHOICES]
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="unit_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=Q(level__in=[lv.value for lv in OFFICIAL_LEVELS]),
                name="unit_official_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="unit_active_dates_ordered",
            ),
        ]

    def __str__(self):
        if self.level == Level.DESA:
            return f"{self.kind_label} {self.name}"
        return f"{self.get_level_display()} {self.name}" if self.level in _PREFIXED else self.name

    def save(self, *args, **kwargs):
        self.fill_ancestors()
        creating = self.pk is None
        super().save(*args, **kwargs)
        if creating:
            # The own-level column needs the id the insert just gave.
            setattr(self, f"{self.level}_id", self.pk)
            Unit.objects.filter(pk=self.pk).update(**{f"{self.level}_id": self.pk})

    def get_absolute_url(self):
        return reverse("hierarchy:unit_detail", args=[self.pk])

    # -- tree ---------------------------------------------------------------------------------------

    def fill_ancestors(self):
        """Copy the ancestor columns from the parent; the own-level column is the own id."""
        for level in LEVEL_ORDER:
            if RANK[level] < RANK[self.level]:
                setattr(self, f"{level}_id", getattr(self.parent, f"{level}_id") if self.parent else None)
            elif level == self.level:
                setattr(self, f"{level}_id", self.pk)
            else:
                setattr(self, f"{level}_id", None)

    def ancestor_ids(self):
        """Ids of this unit and its ancestors, top down."""
        return [getattr(self, f"{lv}_id") for lv in LEVEL_ORDER[: RANK[self.level] + 1] if getattr(self, f"{lv}_id")]

    def ancestors(self):
        """This unit's ancestors, top down, in one query (not including itself)."""
        ids = self.ancestor_ids()[:-1]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def subtree(self):
        """Every unit under this one, itself included: one indexed equality."""
        return Unit.objects.filter(**{f"{self.level}_id": self.pk})

    def contains(self, other):
        return getattr(other, f"{self.level}_id") == self.pk

    @property
    def is_official(self):
        return self.level in OFFICIAL_LEVELS

    @property
    def title(self):
        """The unit as a heading names it: 'Kelurahan Berbas Tengah', 'Kecamatan Bontang Selatan',
        'Provinsi Kalimantan Timur', 'Dasawisma Melati 3', 'RT 001'."""
        if self.level == Level.PROVINSI:
            return f"Provinsi {self.name}"
        if self.level == Level.DASAWISMA:
            return f"Dasawisma {self.name}"
        return str(self)

    def path_label(self, within=None):
        """'Berbas Tengah › RT 001 › Melati 1': the unit's path below the kecamatan, for choices and page
        headers; below the level `within` when given ('RT 001 › Melati 1' within a desa). The ancestors
        are read through the ancestor columns: select_related(*path_related()) them for a list."""
        levels = PATH_LEVELS if within is None else PATH_LEVELS[PATH_LEVELS.index(within) + 1 :]
        parts = []
        for level in levels:
            ancestor = getattr(self, level, None) if getattr(self, f"{level}_id") else None
            if ancestor is not None:
                parts.append(str(ancestor))
        return " › ".join(parts) or str(self)

    @property
    def kind_label(self):
        """'Kelurahan' or 'Desa' from the official code (1xxx kelurahan, 2xxx desa)."""
        if self.level == Level.DESA and len(self.code) == 13:
            return "Kelurahan" if self.code[-4] == "1" else "Desa"
        return self.get_level_display()

    def is_active_between(self, first, last=None):
        """Whether the unit was active on some day from first to last (active_q's rule)."""
        last = first if last is None else last
        return (self.active_from is None or self.active_from <= last) and (
            self.active_to is None or first <= self.active_to
        )

    def is_active_on(self, day=None):
        return self.is_active_between(day or timezone.localdate())

    @property
    def is_active(self):
        return self.is_active_on()

    def clean(self):
        errors = {}
        allowed = ALLOWED_PARENTS.get(self.level, ())
        if self.parent is None and allowed:
            errors["parent"] = "Satuan ini harus mempunyai induk."
        elif self.parent is not None and self.parent.level not in allowed:
            errors["parent"] = (
                f"{Level(self.level).label} tidak dapat berada di bawah {Level(self.parent.level).label}."
            )
        if self.level in OFFICIAL_CODE_RE and not OFFICIAL_CODE_RE[self.level].match(self.code or ""):
            errors["code"] = f"Kode {Level(self.level).label} tidak sesuai format kode resmi Kemendagri."
        elif self.level not in OFFICIAL_CODE_RE:
            try:
                local_code_validator(self.code or "")
            except ValidationError as exc:
                errors["code"] = exc.messages
        if self.active_from and self.active_to and self.active_to < self.active_from:
            errors["active_to"] = "Tanggal tutup tidak boleh sebelum tanggal mulai aktif."
        if self.code and self.parent_id is not None:
            clash = Unit.objects.filter(parent_id=self.parent_id, code=self.code).exclude(pk=self.pk)
            if clash.exists():
                errors["code"] = "Kode ini sudah dipakai satuan lain di bawah induk yang sama."
        if errors:
            raise ValidationError(errors)


class UnitUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's object permission with a real foreign key to the unit (a direct FK is an
    indexed join, where guardian's generic object_pk is a text column)."""

    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "izin pengguna atas satuan"


phone_validator = RegexValidator(
    r"^(\+62|62|0)8[0-9]{7,12}$",
    "Nomor HP tidak sah: gunakan format 08xxxxxxxxxx atau +628xxxxxxxxxx.",
)


class User(AbstractUser):
    """An account. Its rights come only from its role assignments (and is_superuser for the
    system administrator)."""

    phone = models.CharField("nomor HP/WhatsApp", max_length=16, blank=True, validators=[phone_validator])
    home_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name="wilayah akun",
        help_text="Wilayah yang mengelola akun ini.",
    )
    created_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="dibuat oleh"
    )
    # Set when someone else chose the password (a one-time password of a new account, a reset by a
    # manager): every page but the password change and logging out sends the account there first
    # (hierarchy.middleware.MustChangePasswordMiddleware).
    must_change_password = models.BooleanField("wajib mengganti kata sandi", default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login", "date_joined"])

    class Meta(AbstractUser.Meta):
        verbose_name = "pengguna"
        verbose_name_plural = "pengguna"
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def display_name(self):
        return self.get_full_name() or self.username

    @property
    def wa_number(self):
        """The phone number as wa.me wants it: 62 and no plus sign."""
        if not self.phone:
            return ""
        digits = self.phone.lstrip("+")
        return "62" + digits[1:] if digits.startswith("0") else digits


class RoleWriteRefused(RuntimeError):
    """A write on role assignments that would bypass the re-derivation of the permission rows."""


class RoleAssignmentQuerySet(models.QuerySet):
    """Role assignments can only be written row by row (save, delete, queryset delete), because each
    of those sends the signals on which hierarchy.services re-derives the user's guardian rows.

    QuerySet.update() and bulk_create() send no signal. Rather than guess afterwards which users an
    UPDATE touched, they are refused when they could change rights: update() of user, role or unit
    (and so bulk_update() of them) and every bulk_create(). Other columns (granted_by ...) may be
    updated in bulk; Django's own SET_NULL of granted_by when a user is deleted goes through the base
    manager and is not affected."""

    RIGHTS_FIELDS = frozenset({"user", "user_id", "role", "unit", "unit_id"})

    def _refuse_rights_fields(self, method, fields):
        touched = self.RIGHTS_FIELDS.intersection(fields)
        if touched:
            raise RoleWriteRefused(
                f"RoleAssignment.objects.{method}() of {', '.join(sorted(touched))} would leave the derived "
                "permissions stale: save() each assignment (or use hierarchy.services.role_grant/role_revoke)."
            )

    def update(self, **kwargs):
        self._refuse_rights_fields("update", kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        # Checked before Django opens its transaction, so a refusal leaves the caller's one usable.
        self._refuse_rights_fields("bulk_update", fields)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        raise RoleWriteRefused(
            "RoleAssignment.objects.bulk_create() sends no signal and would grant no permissions: save() each "
            "assignment (or use hierarchy.services.role_grant)."
        )


class RoleAssignment(models.Model):
    """A role held by a user on one unit; it reaches every unit below. The guardian permission
    rows of the user are derived from these by hierarchy.services (on every save and delete, through
    signals) and never edited directly."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name="pengguna")
    role = models.CharField("peran", max_length=24, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="role_assignments", verbose_name="satuan")
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="diberikan oleh"
    )
    granted_at = models.DateTimeField("diberikan pada", auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "peran"
        verbose_name_plural = "peran"
        ordering = ["unit__code", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique")]

    def __str__(self):
        return f"{self.get_role_display()} — {self.unit}"


class KirimanForm(models.Model):
    """One create form that went through (hierarchy.receipts): the key the form carried and where its
    result is, so that the same form sent again (a double tap, a retry on bad signal, a phone sending
    its queue) shows the first result instead of creating it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kunci = models.CharField("kunci formulir", max_length=32)
    alamat_hasil = models.CharField("alamat hasil", max_length=500)
    dibuat = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kiriman formulir"
        verbose_name_plural = "kiriman formulir"
        constraints = [models.UniqueConstraint(fields=["user", "kunci"], name="kiriman_form_unique")]

    def __str__(self):
        return f"Kiriman {self.kunci} oleh {self.user_id}"
