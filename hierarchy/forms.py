from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError

from . import access
from .levels import ALLOWED_PARENTS, RANK, ROLE_LEVEL, Level, Perm, Role, child_levels
from .models import Unit, User, local_code_validator, phone_validator


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.path_label()} ({obj.get_level_display()})"


def units_with_path(qs):
    return qs.select_related("desa", "dusun", "rw", "rt", "dasawisma")


class DateField(forms.DateField):
    """A date input a phone fills with its own picker: the value must be ISO (YYYY-MM-DD), whatever the
    browser's language, or the field shows empty."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Numeric RW/RT codes are padded as the kelurahan offices write them, so "1" and "001" are one RT.
CODE_PADDING = {Level.RW: 2, Level.RT: 3}
CODE_HELP = {
    Level.DUSUN: "Kode singkat dusun/lingkungan, misalnya 01.",
    Level.RW: "Nomor RW, misalnya 01.",
    Level.RT: "Nomor RT, misalnya 001.",
    Level.DASAWISMA: "Kode singkat dasawisma di RT ini, misalnya DW01.",
}
NAME_HELP = {
    Level.DUSUN: "Nama dusun/lingkungan.",
    Level.RW: "Boleh dikosongkan: namanya sama dengan nomornya.",
    Level.RT: "Boleh dikosongkan: namanya sama dengan nomornya.",
    Level.DASAWISMA: "Nama dasawisma, misalnya Melati 1.",
}


def normalise_code(level, code):
    code = (code or "").strip()
    if level in CODE_PADDING and code.isascii() and code.isdigit():
        return code.zfill(CODE_PADDING[level])
    return code


def normalise_name(level, name, code):
    """Names of RW/RT default to their number; a typed 'RT 5' loses the prefix the screens add."""
    name = (name or "").strip()
    if level in CODE_PADDING:
        prefix = Level(level).label.upper() + " "
        if name.upper().startswith(prefix):
            name = name[len(prefix) :].strip()
        return name or code
    return name


class UnitCreateForm(forms.Form):
    level = forms.ChoiceField(label="Jenis kelompok")
    code = forms.CharField(label="Kode", max_length=20, validators=[local_code_validator])
    name = forms.CharField(label="Nama", max_length=200, required=False)
    active_from = DateField(label="Aktif sejak")

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        levels = child_levels(parent.level)
        self.fields["level"].choices = [(lv, Level(lv).label) for lv in levels]
        # The most common child first: RT directly under a kelurahan, dasawisma under an RT.
        self.fields["level"].initial = Level.RT if Level.RT in levels else (levels[-1] if levels else None)
        if len(levels) == 1:
            self.fields["code"].help_text = CODE_HELP[levels[0]]
            self.fields["name"].help_text = NAME_HELP[levels[0]]
        else:
            self.fields["code"].help_text = "Nomor RW (01) atau RT (001), atau kode dusun/lingkungan."
            self.fields["name"].help_text = "Untuk RW dan RT boleh dikosongkan."

    def clean(self):
        cleaned = super().clean()
        level, code = cleaned.get("level"), cleaned.get("code")
        if level and code:
            code = cleaned["code"] = normalise_code(level, code)
            cleaned["name"] = normalise_name(level, cleaned.get("name"), code)
            if not cleaned["name"]:
                self.add_error("name", "Nama wajib diisi.")
            if Unit.objects.filter(parent=self.parent, code=code).exists():
                self.add_error("code", f"Kode ini sudah dipakai satuan lain di bawah {self.parent}.")
        return cleaned


class UnitEditForm(forms.Form):
    code = forms.CharField(label="Kode", max_length=20, validators=[local_code_validator])
    name = forms.CharField(label="Nama", max_length=200, required=False)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["code"].help_text = CODE_HELP.get(unit.level, "")
        self.fields["name"].help_text = NAME_HELP.get(unit.level, "")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("code"):
            cleaned["code"] = normalise_code(self.unit.level, cleaned["code"])
            cleaned["name"] = normalise_name(self.unit.level, cleaned.get("name"), cleaned["code"])
            if not cleaned["name"]:
                self.add_error("name", "Nama wajib diisi.")
        return cleaned


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(label="Pindah ke bawah", queryset=Unit.objects.none())

    def __init__(self, *args, unit, user, **kwargs):
        super().__init__(*args, **kwargs)
        qs = (
            Unit.objects.filter(desa_id=unit.desa_id, level__in=ALLOWED_PARENTS[unit.level])
            .exclude(pk=unit.parent_id)
            .filter(active_to__isnull=True)
            .order_by("level", "code")
        )
        self.fields["parent"].queryset = units_with_path(access.scope(qs, user, Perm.MANAGE_UNITS))
        if unit.parent is not None:
            self.fields["parent"].help_text = f"Sekarang di bawah {unit.parent.path_label()}."


class UnitCloseForm(forms.Form):
    on_date = DateField(label="Ditutup per tanggal", help_text="Hari terakhir satuan ini aktif.")


class PhoneField(forms.CharField):
    default_validators = [phone_validator]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(" ", "").replace("-", "") if value else value


class AccountForm(forms.Form):
    first_name = forms.CharField(label="Nama depan", max_length=150)
    last_name = forms.CharField(label="Nama belakang", max_length=150, required=False)
    phone = PhoneField(
        label="Nomor HP/WhatsApp",
        max_length=16,
        required=False,
        help_text="Contoh: 081234567890",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class AccountCreateForm(AccountForm):
    username = forms.RegexField(
        label="Nama pengguna",
        max_length=150,
        regex=r"^[a-z0-9][a-z0-9._-]{2,149}$",
        error_messages={
            "invalid": "Gunakan 3 karakter atau lebih: huruf kecil, angka, titik, garis bawah, tanda hubung."
        },
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label="Peran")
    field_order = ["username", "first_name", "last_name", "phone", "role"]

    def __init__(self, *args, unit, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["role"].choices = [
            (r.value, r.label) for r in Role if ROLE_LEVEL[r] == unit.level and access.can_grant_role(manager, r, unit)
        ]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Nama pengguna ini sudah dipakai.")
        return username


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Kata sandi baru", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password2 = forms.CharField(
        label="Ulangi kata sandi baru", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Kedua kata sandi tidak sama.")
        elif p1:
            try:
                validate_password(p1, self.user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="Peran")
    unit = UnitChoiceField(label="Pada satuan", queryset=Unit.objects.none())

    def __init__(self, *args, manager, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        roles = [r for r in Role if access.can_grant_role_somewhere(manager, r)]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        # Units of the levels those roles use, inside the account's kelurahan (or its own unit when
        # higher) and inside the manager's area: a list a phone can scroll.
        bound = target.home_unit
        if bound is not None and bound.desa_id and RANK[bound.level] > RANK[Level.DESA]:
            bound = bound.desa
        qs = Unit.objects.filter(level__in={ROLE_LEVEL[r] for r in roles}, active_to__isnull=True)
        if bound is not None:
            qs = qs.filter(**{f"{bound.level}_id": bound.pk})
        qs = access.scope(qs, manager, Perm.MANAGE_ACCOUNTS).order_by(
            "desa__code", "dusun__code", "rw__code", "rt__code", "dasawisma__code"
        )
        self.fields["unit"].queryset = units_with_path(qs)

    def clean(self):
        cleaned = super().clean()
        role, unit = cleaned.get("role"), cleaned.get("unit")
        if role and unit:
            if unit.level != ROLE_LEVEL[Role(role)]:
                self.add_error(
                    "unit",
                    f"Peran {Role(role).label} diberikan pada satuan tingkat {Level(ROLE_LEVEL[Role(role)]).label}.",
                )
            elif not access.can_grant_role(self.manager, role, unit):
                self.add_error("role", "Anda tidak dapat memberi peran ini pada satuan tersebut.")
        return cleaned
