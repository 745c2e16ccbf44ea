"""Entry forms of the cadres: Data Keluarga (Lampiran 4.14.2a items 12-20 and MCK/septic), Data Warga
(4.14.1a items 1-20) with the members' formset, Kegiatan Warga (4.14.1b) and the two household sheets
(4.14.2b/c). Labels carry the paper forms' item numbers so that a cadre can copy a form item by item.

Forms return typed values and hold the Bahasa Indonesia messages; they repeat the services' checks
(NIK/No. KK, one kepala keluarga) so that each message lands at the right field of the right row, and
the services check again before writing."""

from types import SimpleNamespace

from django import forms
from django.utils import timezone

from hierarchy.forms import DateField

from . import services, validation
from .models import (
    JenisKB,
    JenisKelamin,
    KategoriIndustri,
    KategoriPekarangan,
    Kegiatan,
    RumahTangga,
    StatusDalamKeluarga,
    StatusWarga,
    Warga,
)

CONFIRM_LABEL = "Saya sudah memeriksa: memang demikian di KTP/KK"
BLANK_LABEL = "— pilih —"
YA, TIDAK = "1", "0"


def _is_yes(value):
    return value is True or value == YA


class YaTidakField(forms.TypedChoiceField):
    """A Ya/Tidak question of the paper forms, answered with two big radio buttons."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [(YA, "Ya"), (TIDAK, "Tidak")])
        kwargs.setdefault("widget", forms.RadioSelect(attrs={"class": "choices"}))
        kwargs.setdefault("error_messages", {"required": "Pilih Ya atau Tidak."})
        super().__init__(coerce=_is_yes, empty_value=None, **kwargs)

    def prepare_value(self, value):
        # Initial values come from the model as booleans; the radios carry "1"/"0".
        if value is True:
            return YA
        if value is False:
            return TIDAK
        return value


def digits_only(value):
    """NIK and No. KK are often typed with spaces or dots as printed on the card."""
    return "".join(ch for ch in (value or "") if ch not in " .-")


def number_input(check, max_length=24):
    """A NIK ("nik") or No. KK ("no_kk") input: static/js/households-nomor.js checks it as it is typed."""
    attrs = {"inputmode": "numeric", "autocomplete": "off", "maxlength": max_length, "data-check": check}
    return forms.TextInput(attrs=attrs)


def typed_values(form):
    """What was typed into a bound form, as initial values of an unbound copy: the 'Tambah baris'
    button shows the page again with one more row, keeping everything and judging nothing yet."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def _show_if(form, field, controller, value=YA):
    """Marks a dependent field for static/js/households-entry.js, which hides it while its question is
    not answered so. Without JavaScript it stays visible and clean() checks the pair."""
    form.fields[field].widget.attrs.update({"data-show-if": form.add_prefix(controller), "data-show-value": value})


def _require_when(form, data, flag, dependent, message, empty="", when=True):
    """The dependent field is required when the question has the answer `when`, and cleared otherwise."""
    answer = data.get(flag)
    if answer is None:
        return  # the question itself is unanswered: its own message says so
    if answer == when:
        if data.get(dependent) in (None, "") and dependent not in form.errors:
            form.add_error(dependent, message)
    else:
        data[dependent] = empty
        form.errors.pop(dependent, None)


class EntryFormMixin:
    """Ya/Tidak radios for the model's booleans (except the ones listed as checkboxes), radios for short
    choice lists, a readable blank choice, and fieldsets for the template."""

    checkbox_fields = ()
    radio_fields = ()
    fieldset_layout = ()
    # The steps of the new-household page (static/js/households-entry.js shows one at a time):
    # ((title, how many fieldsets), ...) in the fieldsets' order; none means one step of them all.
    step_layout = ()

    def _setup_widgets(self):
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.BooleanField) and name not in self.checkbox_fields:
                self.fields[name] = YaTidakField(label=field.label, help_text=field.help_text, initial=field.initial)
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, YaTidakField | forms.ModelChoiceField):
                if name in self.radio_fields:
                    field.choices = [c for c in field.choices if c[0] != ""]
                    field.widget = forms.RadioSelect(attrs={"class": "choices"}, choices=field.choices)
                    field.error_messages["required"] = "Pilih salah satu."
                else:
                    field.choices = [(v, BLANK_LABEL if v == "" else label) for v, label in field.choices]

    def hidden_in_layout(self):
        return set()

    @property
    def fieldsets(self):
        """[(title, items)] for the template; an item is one field, or a group of checkboxes under one
        heading (a layout entry written as (heading, [names]))."""
        if self.is_bound:
            self.errors  # noqa: B018 -- validation decides which fields show (the confirmation box)
        hidden = self.hidden_in_layout()

        def shown(names):
            return [self[name] for name in names if name in self.fields and name not in hidden]

        result = []
        for title, entries in self.fieldset_layout:
            items = []
            for entry in entries:
                if isinstance(entry, tuple):
                    fields = shown(entry[1])
                    errors = [e for f in fields for e in f.errors]
                    items.append(SimpleNamespace(group=entry[0], fields=fields, errors=errors))
                else:
                    items.extend(SimpleNamespace(group=None, field=f) for f in shown([entry]))
            result.append(SimpleNamespace(title=title, items=items))
        return result

    @property
    def steps(self):
        """The fieldsets grouped as step_layout says: [namespace(title, fieldsets)]."""
        fieldsets, start, result = self.fieldsets, 0, []
        for title, count in self.step_layout or ((None, len(fieldsets)),):
            result.append(SimpleNamespace(title=title, fieldsets=fieldsets[start : start + count]))
            start += count
        return result


# -- rumah tangga: Data Keluarga 4.14.2a ----------------------------------------------------------------


class RumahTanggaForm(EntryFormMixin, forms.ModelForm):
    checkbox_fields = ("air_pdam", "air_sumur", "air_sungai", "air_lainnya")
    radio_fields = ("makanan_pokok", "kriteria_rumah")
    step_layout = (("Rumah tangga", 1), ("Data Keluarga (butir 12–20)", 1))
    fieldset_layout = (
        ("Rumah tangga", ["krt", "no_registrasi", "alamat"]),
        (
            "Data Keluarga (butir 12–20)",
            [
                "makanan_pokok", "makanan_pokok_jenis", "punya_jamban", "jumlah_jamban",
                ("14. Sumber air keluarga", ["air_pdam", "air_sumur", "air_sungai", "air_lainnya"]),
                "air_lainnya_jenis", "punya_tempat_sampah", "punya_spal", "stiker_p4k", "kriteria_rumah",
                "aktivitas_up2k", "jenis_usaha_up2k", "kesehatan_lingkungan", "punya_mck_septic",
            ],
        ),
    )  # fmt: skip

    class Meta:
        model = RumahTangga
        fields = services.RUMAH_TANGGA_FIELDS
        labels = {
            "no_registrasi": "No. Registrasi",
            "alamat": "Alamat",
            "makanan_pokok": "12. Makanan pokok sehari-hari",
            "makanan_pokok_jenis": "Jenis makanan pokok non beras",
            "punya_jamban": "13. Mempunyai jamban keluarga",
            "jumlah_jamban": "Jumlah jamban",
            "air_pdam": "PDAM",
            "air_sumur": "Sumur",
            "air_sungai": "Sungai",
            "air_lainnya": "Lainnya",
            "air_lainnya_jenis": "Sumber air lainnya, sebutkan",
            "punya_tempat_sampah": "15. Memiliki tempat pembuangan sampah",
            "punya_spal": "16. Mempunyai saluran pembuangan air limbah (SPAL)",
            "stiker_p4k": "17. Menempel stiker P4K",
            "kriteria_rumah": "18. Kriteria rumah",
            "aktivitas_up2k": "19. Aktivitas UP2K",
            "jenis_usaha_up2k": "Jenis usaha UP2K",
            "kesehatan_lingkungan": "20. Aktivitas kegiatan usaha kesehatan lingkungan",
            "punya_mck_septic": "Memiliki sarana MCK dan septic tank",
        }
        help_texts = {
            "no_registrasi": "Boleh dikosongkan.",
            "air_pdam": "",
            "punya_mck_septic": "Tambahan Rakernas X.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_widgets()
        self.fields["jumlah_jamban"].required = False
        self.fields["jumlah_jamban"].widget.attrs.update({"inputmode": "numeric", "min": 0})
        _show_if(self, "makanan_pokok_jenis", "makanan_pokok", "non_beras")
        _show_if(self, "jumlah_jamban", "punya_jamban")
        _show_if(self, "air_lainnya_jenis", "air_lainnya", "on")
        _show_if(self, "jenis_usaha_up2k", "aktivitas_up2k")

    def clean(self):
        data = super().clean()
        _require_when(
            self, data, "makanan_pokok", "makanan_pokok_jenis", "Sebutkan makanan pokoknya.", when="non_beras"
        )
        _require_when(self, data, "punya_jamban", "jumlah_jamban", "Isi jumlah jamban.", empty=0)
        if data.get("punya_jamban") and data.get("jumlah_jamban") == 0 and "jumlah_jamban" not in self.errors:
            self.add_error("jumlah_jamban", "Jumlah jamban sekurang-kurangnya 1 bila mempunyai jamban.")
        if not any(data.get(name) for name in self.checkbox_fields):
            self.add_error("air_pdam", "Pilih sekurang-kurangnya satu sumber air keluarga.")
        _require_when(self, data, "air_lainnya", "air_lainnya_jenis", "Sebutkan sumber air lainnya.")
        _require_when(self, data, "aktivitas_up2k", "jenis_usaha_up2k", "Isi jenis usaha UP2K.")
        return data

    def data_for_service(self):
        return {name: self.cleaned_data[name] for name in services.RUMAH_TANGGA_FIELDS}


class KrtChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.nama} ({obj.get_status_dalam_keluarga_display()})"


class RumahTanggaEditForm(RumahTanggaForm):
    """The Data Keluarga attributes and the kepala rumah tangga, chosen among the active members."""

    krt = KrtChoiceField(queryset=Warga.objects.none(), label="Nama Kepala Rumah Tangga", empty_label=BLANK_LABEL)

    class Meta(RumahTanggaForm.Meta):
        fields = [*services.RUMAH_TANGGA_FIELDS, "krt"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = Warga.objects.filter(keluarga__rumah_tangga=self.instance, status=StatusWarga.AKTIF)
        self.fields["krt"].queryset = members.order_by("keluarga_id", "tanggal_lahir", "pk")
        self.fields["krt"].required = self.instance.krt_id is not None or members.exists()


# -- keluarga: No. KK ---------------------------------------------------------------------------------


class KeluargaForm(forms.Form):
    no_kk = forms.CharField(
        label="No. KK (Kartu Keluarga)",
        widget=number_input("no_kk"),
        help_text="16 angka, seperti tertulis di Kartu Keluarga.",
        error_messages={"required": "Isi No. KK."},
    )
    no_kk_dikonfirmasi = forms.BooleanField(label=CONFIRM_LABEL, required=False)

    def __init__(self, *args, actor, keluarga=None, **kwargs):
        if keluarga is not None:
            kwargs.setdefault("initial", {"no_kk": keluarga.no_kk, "no_kk_dikonfirmasi": keluarga.no_kk_dikonfirmasi})
        super().__init__(*args, **kwargs)
        self.actor, self.keluarga = actor, keluarga
        self.warnings = []
        self.needs_confirm = bool(not self.is_bound and self.initial.get("no_kk_dikonfirmasi"))

    def clean_no_kk(self):
        return digits_only(self.cleaned_data["no_kk"])

    def clean(self):
        data = super().clean()
        no_kk = data.get("no_kk")
        if not no_kk:
            return data
        problems = validation.check_no_kk(no_kk)
        confirm = [p for p in problems if p.kind == validation.CONFIRM]
        self.needs_confirm = bool(confirm)
        if not confirm:
            data["no_kk_dikonfirmasi"] = False
        for p in validation.blocking(problems, data.get("no_kk_dikonfirmasi", False)):
            self.add_error("no_kk", p.message)
        self.warnings = [p.message for p in problems if p.kind == validation.WARNING]
        if "no_kk" not in self.errors:
            taken = services.no_kk_taken_message(no_kk, self.actor, exclude_pk=getattr(self.keluarga, "pk", None))
            if taken:
                self.add_error("no_kk", taken)
        return data


# -- warga: Data Warga 4.14.1a ------------------------------------------------------------------------

WARGA_LABELS = {
    "no_registrasi": "1. No. Registrasi",
    "nik": "2. No. KTP/NIK",
    "nik_dikonfirmasi": CONFIRM_LABEL,
    "nama": "3. Nama",
    "jabatan": "4. Jabatan",
    "jenis_kelamin": "5. Jenis Kelamin",
    "tempat_lahir": "6. Tempat Lahir",
    "tanggal_lahir": "7. Tanggal Lahir",
    "status_perkawinan": "8. Status Perkawinan",
    "status_dalam_keluarga": "9. Status Dalam Keluarga",
    "agama": "10. Agama",
    "alamat": "11. Alamat",
    "pendidikan": "12. Pendidikan",
    "pekerjaan": "13. Pekerjaan",
    "akseptor_kb": "14. Akseptor KB",
    "jenis_kb": "Jenis KB",
    "aktif_posyandu": "15. Aktif dalam kegiatan Posyandu",
    "frekuensi_posyandu": "Frekuensi Posyandu (kali per bulan)",
    "ikut_bkb": "16. Mengikuti Bina Keluarga Balita (BKB)",
    "punya_tabungan": "17. Memiliki Tabungan",
    "ikut_kelompok_belajar": "18. Mengikuti Kelompok Belajar",
    "jenis_kelompok_belajar": "Jenis kelompok belajar",
    "ikut_paud": "19. Mengikuti PAUD/sejenis",
    "ikut_koperasi": "20. Ikut dalam Kegiatan Koperasi",
    "jenis_koperasi": "Jenis koperasi",
    "buta_baca": "Buta baca",
    "buta_tulis": "Buta tulis",
    "buta_hitung": "Buta hitung",
    "berkebutuhan_khusus": "Berkebutuhan khusus",
    "ibu_menyusui": "Ibu menyusui",
    "keterangan": "Keterangan",
}


class WargaForm(EntryFormMixin, forms.ModelForm):
    """One member. `actor` names whose area a NIK clash may be described in; `keluarga` (an existing
    one) lets the form refuse a second active Kepala Keluarga with a clear message."""

    checkbox_fields = ("nik_dikonfirmasi", "buta_baca", "buta_tulis", "buta_hitung")
    radio_fields = ("jenis_kelamin", "status_perkawinan", "status_dalam_keluarga", "berkebutuhan_khusus")
    # The paper form's items 1-11 (who she is), then 12-20 (schooling, work and programmes).
    step_layout = (("data diri (butir 1–11)", 2), ("pendidikan & kegiatan (butir 12–20)", 3))
    fieldset_layout = (
        ("Identitas", ["no_registrasi", "nik", "nik_dikonfirmasi", "nama", "jabatan", "jenis_kelamin"]),
        (
            "Kelahiran & status",
            ["tempat_lahir", "tanggal_lahir", "status_perkawinan", "status_dalam_keluarga", "agama", "alamat"],
        ),
        (
            "Pendidikan & pekerjaan",
            ["pendidikan", "pekerjaan", ("3 buta (centang yang sesuai)", ["buta_baca", "buta_tulis", "buta_hitung"])],
        ),
        (
            "Kegiatan & program",
            [
                "akseptor_kb", "jenis_kb", "aktif_posyandu", "frekuensi_posyandu", "ikut_bkb", "punya_tabungan",
                "ikut_kelompok_belajar", "jenis_kelompok_belajar", "ikut_paud", "ikut_koperasi", "jenis_koperasi",
            ],
        ),
        ("Kebutuhan khusus", ["berkebutuhan_khusus", "ibu_menyusui", "keterangan"]),
    )  # fmt: skip

    nik = forms.CharField(
        label=WARGA_LABELS["nik"],
        required=False,
        widget=number_input("nik"),
        help_text="16 angka, seperti tertulis di KTP atau KK.",
    )
    tanggal_lahir = DateField(label=WARGA_LABELS["tanggal_lahir"], error_messages={"required": "Isi tanggal lahir."})

    class Meta:
        model = Warga
        fields = services.WARGA_FIELDS
        labels = WARGA_LABELS
        help_texts = {
            "nik_dikonfirmasi": "",
            "jabatan": "Jabatan dalam PKK atau masyarakat, bila ada.",
            "buta_baca": "",
            "keterangan": "",
        }

    def __init__(self, *args, actor, keluarga=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.keluarga = actor, keluarga
        self.warnings = []
        self._setup_widgets()
        self.fields["nama"].error_messages["required"] = "Isi nama."
        self.fields["frekuensi_posyandu"].widget.attrs.update({"inputmode": "numeric", "min": 0, "max": 31})
        for name in ("jenis_kelamin", "status_dalam_keluarga", "agama", "pendidikan", "pekerjaan"):
            self.fields[name].error_messages["required"] = f"Pilih {WARGA_LABELS[name].split('. ', 1)[1].lower()}."
        _show_if(self, "jenis_kb", "akseptor_kb")
        _show_if(self, "frekuensi_posyandu", "aktif_posyandu")
        _show_if(self, "jenis_kelompok_belajar", "ikut_kelompok_belajar")
        _show_if(self, "jenis_koperasi", "ikut_koperasi")
        _show_if(self, "ibu_menyusui", "jenis_kelamin", JenisKelamin.PEREMPUAN)
        if self.is_bound:
            self.needs_nik_confirm = False
        else:
            self.needs_nik_confirm = bool(self.initial.get("nik_dikonfirmasi"))

    def hidden_in_layout(self):
        # The confirmation box appears only while the NIK has a problem the card may explain.
        return set() if self.needs_nik_confirm else {"nik_dikonfirmasi"}

    def validate_unique(self):
        # A NIK clash is reported by services.nik_taken_message (in clean), which names the place only
        # inside the user's area; the model's generic message would not say where.
        pass

    def clean_nik(self):
        return digits_only(self.cleaned_data.get("nik"))

    def clean(self):
        data = super().clean()
        _require_when(self, data, "akseptor_kb", "jenis_kb", "Pilih jenis KB.")
        _require_when(self, data, "aktif_posyandu", "frekuensi_posyandu", "Isi berapa kali per bulan.", empty=None)
        if data.get("aktif_posyandu") and data.get("frekuensi_posyandu") == 0:
            self.add_error("frekuensi_posyandu", "Sekurang-kurangnya 1 kali per bulan bila aktif di Posyandu.")
        _require_when(self, data, "ikut_kelompok_belajar", "jenis_kelompok_belajar", "Pilih jenis kelompok belajar.")
        _require_when(self, data, "ikut_koperasi", "jenis_koperasi", "Isi jenis koperasi.")
        sex = data.get("jenis_kelamin")
        if sex == JenisKelamin.LAKI_LAKI and data.get("ibu_menyusui"):
            self.add_error("ibu_menyusui", "Ibu menyusui hanya untuk perempuan.")
        if sex == JenisKelamin.LAKI_LAKI and data.get("jenis_kb") == JenisKB.MOW:
            self.add_error("jenis_kb", "MOW (sterilisasi wanita) hanya untuk perempuan.")
        if sex == JenisKelamin.PEREMPUAN and data.get("jenis_kb") == JenisKB.MOP:
            self.add_error("jenis_kb", "MOP (sterilisasi pria) hanya untuk laki-laki.")
        born = data.get("tanggal_lahir")
        if born:
            for p in validation.check_birth_date(born, timezone.localdate()):
                self.add_error("tanggal_lahir", p.message)
        self._clean_nik_rules(data, born, sex)
        self._clean_one_kepala(data)
        return data

    def _clean_nik_rules(self, data, born, sex):
        nik = data.get("nik")
        if not nik:
            data["nik_dikonfirmasi"] = False
            return
        problems = validation.check_nik(nik, tanggal_lahir=born, jenis_kelamin=sex)
        confirm = [p for p in problems if p.kind == validation.CONFIRM]
        self.needs_nik_confirm = bool(confirm)
        if not confirm:
            data["nik_dikonfirmasi"] = False
        for p in validation.blocking(problems, data.get("nik_dikonfirmasi", False)):
            self.add_error("nik", p.message)
        self.warnings = [p.message for p in problems if p.kind == validation.WARNING]
        # A NIK already registered makes any confirmation pointless: say so at once.
        if not any(p.kind == validation.ERROR for p in problems):
            taken = services.nik_taken_message(nik, self.actor, exclude_pk=self.instance.pk)
            if taken:
                self.add_error("nik", taken)

    def _clean_one_kepala(self, data):
        if self.keluarga is None or data.get("status_dalam_keluarga") != StatusDalamKeluarga.KEPALA:
            return
        other = (
            self.keluarga.anggota.filter(status=StatusWarga.AKTIF, status_dalam_keluarga=StatusDalamKeluarga.KEPALA)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if other is not None:
            self.add_error(
                "status_dalam_keluarga",
                f"Keluarga ini sudah mempunyai Kepala Keluarga: {other.nama}. Bila kepala keluarga berganti, "
                f"ubah dulu status {other.nama}.",
            )

    def data_for_service(self):
        return {name: self.cleaned_data[name] for name in services.WARGA_FIELDS}


# -- formsets ------------------------------------------------------------------------------------------


class RowsFormSet(forms.BaseFormSet):
    """Every row counts as new: a row left as it was shown is skipped, so a spare empty row never blocks
    saving (Django would insist on 'initial' rows). Unbound, it shows one row per initial value plus
    `extra` empty ones."""

    def initial_form_count(self):
        return 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return max(len(self.initial or ()), self.min_num) + self.extra

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = self.delete_label

    delete_label = "Hapus baris ini"

    def filled_forms(self):
        return [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]

    def with_one_more_row(self, **kwargs):
        """An unbound copy holding what was typed, with one more empty row (the 'Tambah baris' button)."""
        copy = type(self)(initial=[typed_values(f) for f in self.forms], prefix=self.prefix, **kwargs)
        copy.extra = 1
        return copy


class BaseAnggotaFormSet(RowsFormSet):
    """The members of one new keluarga."""

    delete_label = "Jangan simpan baris ini"

    def clean(self):
        rows = self.filled_forms()
        if not rows:
            raise forms.ValidationError("Isi sekurang-kurangnya satu anggota keluarga.")
        heads = [f for f in rows if f.cleaned_data.get("status_dalam_keluarga") == StatusDalamKeluarga.KEPALA]
        if len(heads) > 1:
            names = ", ".join(f.cleaned_data.get("nama") or "(tanpa nama)" for f in heads)
            for f in heads[1:]:
                f.add_error("status_dalam_keluarga", "Kepala Keluarga sudah dipilih pada anggota lain.")
            raise forms.ValidationError(
                f"Satu keluarga hanya mempunyai satu Kepala Keluarga, tetapi dipilih untuk: {names}. "
                "Ubah status yang lain menjadi Istri, Anak atau Anggota Keluarga lain."
            )
        seen = {}
        for number, f in enumerate(self.forms, start=1):
            if f not in rows:
                continue
            nik = f.cleaned_data.get("nik")
            if nik and nik in seen:
                f.add_error("nik", f"NIK ini sama dengan anggota nomor {seen[nik]}.")
            elif nik:
                seen[nik] = number

    def members_data(self):
        return [f.data_for_service() for f in self.filled_forms()]

    @property
    def warnings(self):
        return [w for f in self.filled_forms() for w in f.warnings]


# Two rows to start with (most households have more than one member); clean() asks for at least one.
# A household form holds at most this many members / sheet rows: a posted TOTAL_FORMS of 10**20 is
# refused at once instead of building thousands of empty forms (Django's own ceiling is 1,000 + max).
MAX_MEMBERS, MAX_SHEET_ROWS = 40, 40


def _bounded_formset(form, formset, *, extra, most):
    """A deletable formset of at most `most` rows, a larger posted count refused before any row is built."""
    return forms.formset_factory(
        form, formset=formset, extra=extra, can_delete=True, max_num=most, absolute_max=most, validate_max=True
    )


AnggotaFormSet = _bounded_formset(WargaForm, BaseAnggotaFormSet, extra=2, most=MAX_MEMBERS)


# -- Kegiatan Warga 4.14.1b ---------------------------------------------------------------------------


class KegiatanWargaForm(forms.Form):
    """The 7 fixed rows: Aktivitas (Y/T) and Keterangan (jenis kegiatan yang diikuti)."""

    def __init__(self, *args, warga, **kwargs):
        existing = {row.kegiatan: row for row in warga.kegiatan.all()}
        initial = {}
        for code, _label in Kegiatan.choices:
            row = existing.get(code)
            initial[f"{code}_aktif"] = row.aktif if row else False
            initial[f"{code}_keterangan"] = row.keterangan if row else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for code, label in Kegiatan.choices:
            self.fields[f"{code}_aktif"] = YaTidakField(label=label)
            self.fields[f"{code}_keterangan"] = forms.CharField(
                label="Keterangan (jenis kegiatan yang diikuti)", max_length=150, required=False
            )
            _show_if(self, f"{code}_keterangan", f"{code}_aktif")

    @property
    def rows(self):
        return [
            SimpleNamespace(number=n, label=label, aktif=self[f"{code}_aktif"], keterangan=self[f"{code}_keterangan"])
            for n, (code, label) in enumerate(Kegiatan.choices, start=1)
        ]

    def clean(self):
        data = super().clean()
        for code, _label in Kegiatan.choices:
            if data.get(f"{code}_aktif") is False:
                data[f"{code}_keterangan"] = ""
        _require_when(self, data, f"{Kegiatan.LAIN_LAIN}_aktif", f"{Kegiatan.LAIN_LAIN}_keterangan",
                      "Sebutkan kegiatan lain yang diikuti.")  # fmt: skip
        return data

    def rows_for_service(self):
        return [
            {
                "kegiatan": code,
                "aktif": self.cleaned_data[f"{code}_aktif"],
                "keterangan": self.cleaned_data[f"{code}_keterangan"],
            }
            for code, _label in Kegiatan.choices
        ]


# -- household sheets 4.14.2b / 4.14.2c ---------------------------------------------------------------


class SheetRowForm(forms.Form):
    kategori_choices = ()

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kategori = forms.ChoiceField(label="Kategori", error_messages={"required": "Pilih kategori."})
    komoditi = forms.CharField(label="Komoditi", max_length=100, error_messages={"required": "Isi komoditi."})
    jumlah = forms.CharField(label="Jumlah", max_length=50, error_messages={"required": "Isi jumlah."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kategori"].choices = [("", BLANK_LABEL), *self.kategori_choices]

    def row_data(self):
        return {name: self.cleaned_data[name] for name in ("id", "kategori", "komoditi", "jumlah")}


class PekaranganRowForm(SheetRowForm):
    kategori_choices = KategoriPekarangan.choices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jumlah"].help_text = "Misalnya 5 ekor, 10 pohon, 2 kolam."


class IndustriRowForm(SheetRowForm):
    kategori_choices = KategoriIndustri.choices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jumlah"].label = "Jumlah (volume)"


class BaseSheetFormSet(RowsFormSet):
    def rows_for_service(self):
        return [f.row_data() for f in self.filled_forms()]


PekaranganFormSet = _bounded_formset(PekaranganRowForm, BaseSheetFormSet, extra=1, most=MAX_SHEET_ROWS)
IndustriFormSet = _bounded_formset(IndustriRowForm, BaseSheetFormSet, extra=1, most=MAX_SHEET_ROWS)


def sheet_initial(rows):
    return [{"id": r.pk, "kategori": r.kategori, "komoditi": r.komoditi, "jumlah": r.jumlah} for r in rows]


# -- leaving ------------------------------------------------------------------------------------------


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("Tanggal tidak boleh di masa depan.")
    return value


class RumahTanggaLeaveForm(forms.Form):
    tanggal_keluar = DateField(
        label="Tidak lagi di dasawisma ini sejak",
        help_text="Tanggal rumah tangga pindah dari wilayah dasawisma atau bubar.",
        error_messages={"required": "Isi tanggalnya."},
    )

    def __init__(self, *args, rumah_tangga=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rumah_tangga = rumah_tangga

    def clean_tanggal_keluar(self):
        value = _not_in_future(self.cleaned_data["tanggal_keluar"])
        problem = services.leave_date_problem(self.rumah_tangga, value) if self.rumah_tangga else None
        if problem:
            raise forms.ValidationError(problem)
        return value


class WargaLeaveForm(forms.Form):
    status = forms.ChoiceField(
        label="Warga ini",
        choices=[(StatusWarga.PINDAH, "Pindah"), (StatusWarga.MENINGGAL, "Meninggal")],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        error_messages={"required": "Pilih pindah atau meninggal."},
    )
    tanggal_status = DateField(label="Tanggal pindah/meninggal", error_messages={"required": "Isi tanggalnya."})
    keterangan = forms.CharField(
        label="Keterangan",
        max_length=255,
        required=False,
        help_text="Misalnya pindah ke mana, atau sebab meninggal.",
    )

    def __init__(self, *args, warga, **kwargs):
        super().__init__(*args, **kwargs)
        self.warga = warga

    def clean_tanggal_status(self):
        value = _not_in_future(self.cleaned_data["tanggal_status"])
        if value < self.warga.tanggal_lahir:
            raise forms.ValidationError("Tanggal tidak boleh sebelum tanggal lahir.")
        return value
