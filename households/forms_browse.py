"""Forms of the browsing screens (households/views_browse.py): search, the yearly check, moving a
household. Messages in Bahasa Indonesia; cleaned values are typed."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit
from pkkdata import periods

from . import validation
from .models import RumahTangga

MIN_NAME_LENGTH = 3


def _digits_only(text):
    """NIK and No. KK are often typed with spaces or dots in groups of four."""
    return re.sub(r"[\s.\-]", "", text)


class SearchForm(forms.Form):
    """A name (part of it) or a full 16-digit NIK / No. KK. A number is only ever matched exactly, so a
    search cannot be used to guess numbers digit by digit."""

    q = forms.CharField(label="Cari nama, NIK, atau No. KK", max_length=100, required=False)

    def __init__(self, *args, min_name_length=MIN_NAME_LENGTH, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_name_length = min_name_length

    def clean_q(self):
        text = " ".join(self.cleaned_data["q"].split())
        if not text:
            return ""
        digits = _digits_only(text)
        if validation.is_digits(digits):
            if len(digits) != 16:
                raise ValidationError("NIK dan No. KK terdiri dari tepat 16 angka; ketik nomornya lengkap.")
            return digits
        if len(text) < self.min_name_length:
            raise ValidationError(f"Ketik sekurang-kurangnya {self.min_name_length} huruf dari nama.")
        return text

    @property
    def number(self):
        """The full NIK/No. KK searched for, or None for a name search."""
        q = self.cleaned_data.get("q", "") if self.is_valid() else ""
        return q if validation.is_digits(q) else None

    @property
    def name(self):
        q = self.cleaned_data.get("q", "") if self.is_valid() else ""
        return q if q and not validation.is_digits(q) else None


def year_bounds(today=None):
    today = today or timezone.localdate()
    return periods.FIRST_YEAR, today.year


def check_year(tahun):
    """The yearly check exists for past years and this one, never for a year still to come."""
    first, last = year_bounds()
    if not first <= tahun <= last:
        raise ValidationError(f"Pilih tahun antara {first} dan {last}.")
    return tahun


class YearForm(forms.Form):
    tahun = forms.IntegerField(label="Tahun")

    def clean_tahun(self):
        return check_year(self.cleaned_data["tahun"])


class _RowIds(forms.ModelMultipleChoiceField):
    """Row ids as ASCII digits within the database's integer range, checked before any query (SQLite
    raises OverflowError on a larger number instead of finding no row)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and int(text) < 2**63):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value")
        return super()._check_values(value)


class PendataanConfirmForm(forms.Form):
    """The ticked households of one dasawisma, confirmed as checked for the year."""

    tahun = forms.IntegerField(widget=forms.HiddenInput)
    rumah_tangga = _RowIds(
        label="Rumah tangga yang sudah diperiksa",
        queryset=RumahTangga.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Centang sekurang-kurangnya satu rumah tangga yang sudah diperiksa.",
            "invalid_choice": "Rumah tangga yang dicentang tidak ada dalam daftar dasawisma ini.",
            "invalid_pk_value": "Pilihan rumah tangga tidak sah.",
        },
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rumah_tangga"].queryset = queryset

    def clean_tahun(self):
        return check_year(self.cleaned_data["tahun"])


def dasawisma_label(unit):
    """'RW 01 › RT 001 › Melati 1': the path below the kelurahan, enough inside one kelurahan."""
    return unit.path_label(within=Level.DESA)


class DasawismaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return dasawisma_label(obj)


class RumahTanggaMoveForm(forms.Form):
    dasawisma = DasawismaChoiceField(
        label="Pindahkan ke dasawisma",
        queryset=Unit.objects.none(),
        empty_label="— pilih dasawisma —",
        error_messages={"invalid_choice": "Pilih dasawisma aktif di desa/kelurahan yang sama."},
    )

    def __init__(self, *args, rumah_tangga, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = rumah_tangga.dasawisma
        qs = (
            Unit.objects.filter(level=Level.DASAWISMA, desa_id=current.desa_id)
            .active_on(timezone.localdate())
            .exclude(pk=current.pk)
        )
        qs = access.scope(qs, user, Perm.MANAGE_UNITS).select_related("dusun", "rw", "rt")
        self.fields["dasawisma"].queryset = qs.order_by("rt__code", "code")
