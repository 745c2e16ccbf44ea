"""Forms of the monthly vital events (4.18a): a pregnancy, its end, a birth (with an optional second
baby for twins), a death. The person is chosen from the dasawisma's own members; the checks on dates,
ages and the month lock are the services' (reports.services), whose messages the views put
back on these forms."""

import datetime

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hierarchy.forms import DateField
from households import rules
from households.forms import BLANK_LABEL, digits_only
from households.models import HasilKehamilan, JenisKelamin, Kehamilan, StatusWarga, Warga
from pkkdata import periods

from .services import MOTHER_MAX_YEARS, MOTHER_MIN_YEARS

AKTE_CHOICES = [("1", "Ada"), ("0", "Tidak ada")]
SEX_CHOICES = JenisKelamin.choices
END_CHOICES = [
    (HasilKehamilan.KEGUGURAN, HasilKehamilan.KEGUGURAN.label),
    (HasilKehamilan.LAHIR_MATI, HasilKehamilan.LAHIR_MATI.label),
]


# -- whom a cadre may choose ------------------------------------------------------------------------


def members_of(dasawisma, on=None):
    """The active members of the dasawisma's households still living there."""
    on = on or timezone.localdate()
    return (
        Warga.objects.filter(keluarga__rumah_tangga__dasawisma=dasawisma, status=StatusWarga.AKTIF)
        .filter(rules.present_q(on, "keluarga__rumah_tangga__"))
        .select_related("keluarga__rumah_tangga__dasawisma__rt")
        .order_by("nama", "tanggal_lahir", "pk")
    )


def mothers_of(dasawisma, on=None):
    """Active women of the dasawisma aged 10 to 55 today (the service checks the age on the event's
    date), marked when a pregnancy of theirs is still open."""
    on = on or timezone.localdate()
    youngest_birth = periods.add_years(on, -MOTHER_MIN_YEARS)
    # Born after this day means at most 55 completed years today.
    oldest_birth = periods.add_years(on, -(MOTHER_MAX_YEARS + 1))
    open_pregnancy = Kehamilan.objects.filter(ibu=OuterRef("pk"), tanggal_selesai__isnull=True)
    return (
        members_of(dasawisma, on)
        .filter(jenis_kelamin=JenisKelamin.PEREMPUAN, tanggal_lahir__lte=youngest_birth, tanggal_lahir__gt=oldest_birth)
        .annotate(sedang_hamil=Exists(open_pregnancy))
    )


def age_text(born, on):
    years = rules.age_years(born, on)
    if years >= 1:
        return f"{years} th"
    return f"{max(rules.age_months(born, on), 0)} bln"


def home_text(warga):
    rumah_tangga = warga.keluarga.rumah_tangga
    rt = rumah_tangga.dasawisma.rt
    address = warga.alamat or rumah_tangga.alamat
    return f"{rt}, {address}" if rt else address


class WargaChoiceField(forms.ModelChoiceField):
    """'Nama — umur th — RT/alamat': names repeat in a kampung, the age and house tell people apart.

    A dasawisma holds dozens of names: the select carries data-cari (the label of a search box), and
    static/js/cari-pilihan.js puts that box above it on the page, keeping only the options that hold
    what is typed. Without JavaScript the plain select is the field, as before."""

    today = None  # set by the form (a field is built once, when the module loads)

    def __init__(self, *args, cari="Cari nama", **kwargs):
        kwargs.setdefault("empty_label", BLANK_LABEL)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Pilih nama dari daftar.",
                "invalid_choice": "Pilih nama dari daftar warga dasawisma ini.",
            },
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs["data-cari"] = cari

    def label_from_instance(self, obj):
        today = self.today or timezone.localdate()
        label = f"{obj.nama} — {age_text(obj.tanggal_lahir, today)} — {home_text(obj)}"
        if getattr(obj, "sedang_hamil", False):
            label += " (sedang hamil)"
        return label


def _date(label, required=True, help_text=""):
    return DateField(
        label=label,
        required=required,
        help_text=help_text,
        error_messages={"required": f"Isi {label.lower()}.", "invalid": "Tanggal tidak dikenal."},
    )


def _radio(choices, label, required=True, message="Pilih salah satu."):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        error_messages={"required": message},
    )


class ConfirmMixin:
    """A warning the service raised (NeedsConfirmation) is shown with a checkbox; the box stays on the
    page once ticked, so a second error does not hide it."""

    confirm_message = ""

    @property
    def show_confirm(self):
        return bool(self.confirm_message) or (self.is_bound and self["konfirmasi"].value())


# -- the forms -------------------------------------------------------------------------------------


class KehamilanForm(forms.Form):
    ibu = WargaChoiceField(queryset=Warga.objects.none(), label="Ibu", cari="Cari ibu")
    tanggal_mulai = _date("Tanggal mulai hamil / pertama diketahui")
    perkiraan_lahir = _date(
        "Hari perkiraan lahir (HPL)", required=False, help_text="Boleh dikosongkan bila belum diketahui."
    )

    def __init__(self, *args, dasawisma, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["ibu"].queryset, self.fields["ibu"].today = mothers_of(dasawisma, today), today
        self.fields["ibu"].help_text = "Perempuan aktif di dasawisma ini yang berusia 10 sampai 55 tahun."


class KehamilanEndForm(forms.Form):
    hasil = _radio(END_CHOICES, "Kehamilan berakhir karena", message="Pilih keguguran atau bayi lahir mati.")
    tanggal = _date("Tanggal berakhir")


# One baby's fields are bayi_*, a twin's bayi2_* (a second baby born the same day to the same mother).
BAYI, BAYI2 = "bayi", "bayi2"
BABY_FIELD_NAMES = ("nama", "jenis_kelamin", "nik", "tempat_lahir", "akte")


def baby_field(baby, field):
    return f"{baby}_{field}"


def _baby_fields(required, number=""):
    suffix = f" {number}" if number else ""
    return {
        "nama": forms.CharField(
            label=f"Nama bayi{suffix}",
            max_length=150,
            required=required,
            error_messages={"required": "Isi nama bayi (boleh nama sementara, misalnya 'Bayi Ny. Rina')."},
        ),
        "jenis_kelamin": _radio(SEX_CHOICES, f"Jenis kelamin bayi{suffix}", required, "Pilih jenis kelamin bayi."),
        "nik": forms.CharField(
            label=f"NIK bayi{suffix}",
            max_length=24,
            required=False,
            help_text="Boleh dikosongkan bila belum ada.",
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        ),
        "tempat_lahir": forms.CharField(label=f"Tempat lahir{suffix}", max_length=100, required=False),
        "akte": _radio(AKTE_CHOICES, f"Akte kelahiran{suffix}", required, "Pilih ada atau tidak ada akte kelahiran."),
    }


class KelahiranForm(ConfirmMixin, forms.Form):
    ibu = WargaChoiceField(queryset=Warga.objects.none(), label="Ibu", cari="Cari ibu")
    tanggal = _date("Tanggal lahir")
    konfirmasi = forms.BooleanField(label="Saya sudah memeriksa, kelahiran ini benar", required=False)

    def __init__(self, *args, dasawisma, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["ibu"].queryset, self.fields["ibu"].today = mothers_of(dasawisma, today), today
        for baby, required, number in ((BAYI, True, ""), (BAYI2, False, "kedua")):
            for field, form_field in _baby_fields(required, number).items():
                self.fields[baby_field(baby, field)] = form_field

    def _clean_nik(self, baby):
        nik = digits_only(self.cleaned_data.get(baby_field(baby, "nik")))
        if nik and (len(nik) != 16 or not nik.isdigit()):
            raise forms.ValidationError("NIK harus tepat 16 angka.")
        return nik

    def clean_bayi_nik(self):
        return self._clean_nik(BAYI)

    def clean_bayi2_nik(self):
        return self._clean_nik(BAYI2)

    def clean(self):
        data = super().clean()
        typed = any((self.data.get(baby_field(BAYI2, f)) or "").strip() for f in BABY_FIELD_NAMES)
        if typed and not data.get(baby_field(BAYI2, "nama")) and baby_field(BAYI2, "nama") not in self.errors:
            self.add_error(baby_field(BAYI2, "nama"), "Isi nama bayi kedua, atau kosongkan bagian bayi kedua.")
        elif data.get(baby_field(BAYI2, "nama")):
            if not data.get(baby_field(BAYI2, "jenis_kelamin")):
                self.add_error(baby_field(BAYI2, "jenis_kelamin"), "Pilih jenis kelamin bayi kedua.")
            if not data.get(baby_field(BAYI2, "akte")):
                self.add_error(baby_field(BAYI2, "akte"), "Pilih ada atau tidak ada akte kelahiran bayi kedua.")
        nik1, nik2 = data.get(baby_field(BAYI, "nik")), data.get(baby_field(BAYI2, "nik"))
        if nik1 and nik1 == nik2:
            self.add_error(baby_field(BAYI2, "nik"), "NIK bayi kedua sama dengan NIK bayi pertama.")
        return data

    @property
    def has_twin(self):
        return bool(self.cleaned_data.get(baby_field(BAYI2, "nama")))

    @property
    def twin_open(self):
        """The bayi kedua section starts open when something was typed there."""
        return any(self[baby_field(BAYI2, f)].value() for f in BABY_FIELD_NAMES)

    def bayi(self, baby):
        """One baby as services_events.kelahiran_record takes it."""
        d = self.cleaned_data
        return {
            "nama": d[baby_field(baby, "nama")].strip(),
            "jenis_kelamin": d[baby_field(baby, "jenis_kelamin")],
            "nik": d.get(baby_field(baby, "nik")) or None,
            "tempat_lahir": d.get(baby_field(baby, "tempat_lahir"), "").strip(),
        }

    def akte(self, baby):
        return self.cleaned_data[baby_field(baby, "akte")] == "1"

    def fields_of(self, baby):
        return [self[baby_field(baby, f)] for f in BABY_FIELD_NAMES]


class KematianForm(ConfirmMixin, forms.Form):
    warga = WargaChoiceField(queryset=Warga.objects.none(), label="Nama yang meninggal")
    tanggal = _date("Tanggal meninggal")
    sebab = forms.CharField(
        label="Sebab meninggal",
        max_length=150,
        error_messages={"required": "Isi sebab meninggal (boleh 'tidak diketahui')."},
    )
    konfirmasi = forms.BooleanField(label="Saya sudah memeriksa, data kematian ini benar", required=False)

    def __init__(self, *args, dasawisma, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["warga"].queryset, self.fields["warga"].today = members_of(dasawisma, today), today

    def clean_sebab(self):
        sebab = self.cleaned_data["sebab"].strip()
        if not sebab:
            raise forms.ValidationError("Isi sebab meninggal (boleh 'tidak diketahui').")
        return sebab


def parse_month(value):
    """'2026-03' → (2026, 3); None when the value is not a month."""
    try:
        # A calendar month, not a moment: no time zone to attach.
        day = datetime.datetime.strptime((value or "").strip(), "%Y-%m").date()  # noqa: DTZ007
    except ValueError:
        return None
    if not periods.is_valid_month(day.year, day.month):
        return None
    return day.year, day.month
