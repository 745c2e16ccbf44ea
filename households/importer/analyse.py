"""Checking the rows (`analyse`, the preview): every row with its problems per column, the plan of
households, keluarga and warga to write, and the counts; nothing is written.

Who may import is the import's own check (`require_import`: access.may_import_households, the
dasawisma's cadres and TP PKK desa/kelurahan); every row is checked with the same rules as
households.services applies to the entry forms: validation.check_birth_date,
validation.check_nik / check_no_kk with their "confirm" kind (a "Sesuai kartu" column plays the
confirmation checkbox), a NIK or No. KK registered elsewhere (named only inside the user's area, as
in services.nik_taken_message), one active kepala per keluarga, the dependent fields of the
forms (jenis KB when akseptor Ya, ...), field lengths and choices of the models. What exists is read in
a few queries into dictionaries (NIKs, No. KKs, the dasawisma's households and the members of the
keluarga in the file), never one query per row.

A NIK or No. KK registered outside the user's area is a lookup hit, as on the forms
(services.NikLookups, source "impor"): logged once per account, record and field in 24 hours (a preview
shown again, page by page, and the confirm's second analysis log nothing more), and limited per account:
past the limit every number of the file not already answered, registered elsewhere or free, is an error
with services.LOOKUP_LIMIT_MESSAGE, so nothing can be written.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import Level
from hierarchy.models import Unit

from .. import services, validation
from ..models import (
    BerkebutuhanKhusus,
    JenisKelamin,
    Keluarga,
    KriteriaRumah,
    MakananPokok,
    RumahTangga,
    StatusDalamKeluarga,
    SumberCek,
    Warga,
)
from .columns import (
    COLUMN_BY_ATTRIBUTE,
    HEADER_OF,
    RUMAH_TANGGA_IMPORTED,
    WARGA_IMPORTED,
    NomorKartuWidget,
    PilihanWidget,
    TeksWidget,
    YaTidakWidget,
    column_header,
    label_key,
    norm,
)
from .read import WargaRowResource

LOOKUP_CHUNK = 900  # stays under SQLite's old limit of 999 parameters per query

REQUIRED_WARGA = [
    "nama", "jenis_kelamin", "tanggal_lahir", "status_perkawinan", "status_dalam_keluarga", "agama",
    "pendidikan", "pekerjaan",
]  # fmt: skip
# Asked on the paper form for every household: a new household must say Ya or Tidak / choose.
REQUIRED_RUMAH_TANGGA = [
    "makanan_pokok", "punya_jamban", "punya_tempat_sampah", "punya_spal", "stiker_p4k", "punya_mck_septic",
    "kriteria_rumah", "aktivitas_up2k", "kesehatan_lingkungan",
]  # fmt: skip
AIR = ["air_pdam", "air_sumur", "air_sungai", "air_lainnya"]
# (the Ya/Tidak or choice field, the value that asks for details, the details field)
DEPENDENT_WARGA = [
    ("akseptor_kb", True, "jenis_kb"),
    ("aktif_posyandu", True, "frekuensi_posyandu"),
    ("ikut_kelompok_belajar", True, "jenis_kelompok_belajar"),
    ("ikut_koperasi", True, "jenis_koperasi"),
]
DEPENDENT_RUMAH_TANGGA = [
    ("makanan_pokok", MakananPokok.NON_BERAS, "makanan_pokok_jenis"),
    ("air_lainnya", True, "air_lainnya_jenis"),
    ("aktivitas_up2k", True, "jenis_usaha_up2k"),
]


NEW, UPDATE, UNCHANGED, ERROR = "baru", "diperbarui", "tetap", "galat"
ACTION_LABELS = {NEW: "Baru", UPDATE: "Diperbarui", UNCHANGED: "Tidak berubah", ERROR: "Ada kesalahan"}


@dataclass
class Problem:
    column: str  # the header, or "" for the row as a whole
    message: str
    kind: str = "error"  # "error" blocks the import, "warning" is only shown
    confirmable: bool = False  # refused unless confirmed as written on the card


@dataclass
class RowReport:
    number: int
    nama: str = ""
    nik: str = ""  # masked
    action: str = NEW
    problems: list = field(default_factory=list)

    def error(self, column, message):
        self.problems.append(Problem(column, message))

    def warn(self, column, message):
        self.problems.append(Problem(column, message, "warning"))

    @property
    def has_errors(self):
        return any(p.kind == "error" for p in self.problems)

    @property
    def action_label(self):
        return ACTION_LABELS[ERROR if self.has_errors else self.action]


@dataclass
class _Row:
    report: RowReport
    parts: dict
    no_kk: str = ""
    warga: dict = field(default_factory=dict)
    existing: Warga | None = None
    instance: Warga | None = None  # the record written (the commit sets it)


@dataclass
class _KeluargaPlan:
    no_kk: str
    rows: list
    existing: Keluarga | None = None
    confirmed: bool = False
    instance: Keluarga | None = None  # the record written (the commit sets it)

    @property
    def confirm_changed(self):
        return self.existing is not None and self.confirmed and not self.existing.no_kk_dikonfirmasi


@dataclass
class _RumahTanggaPlan:
    key: tuple
    keluarga: list
    existing: RumahTangga | None = None
    data: dict = field(default_factory=dict)
    changed: bool = False
    instance: RumahTangga | None = None  # the record written (the commit sets it)


@dataclass
class Preview:
    rows: list
    plan: list
    counts: dict
    households: dict

    @property
    def has_errors(self):
        return self.counts[ERROR] > 0


def require_import(actor, unit):
    """PermissionDenied unless the actor may import households into the unit (a dasawisma, or every
    dasawisma of a desa): access.may_import_households. The entry forms keep services.require_entry."""
    if not access.may_import_households(actor, unit):
        raise PermissionDenied(
            "Hanya kader dasawisma ini dan TP PKK desa/kelurahan yang dapat mengimpor data warganya."
        )


def analyse(dataset, *, actor, dasawisma, today=None):
    """Check every row against the database without writing anything. Raises PermissionDenied when the
    actor may not import households into the dasawisma (require_import)."""
    require_import(actor, dasawisma)
    return _Analysis(actor, dasawisma, today or timezone.localdate()).run(dataset)


class _Analysis:
    def __init__(self, actor, dasawisma, today):
        self.actor, self.dasawisma, self.today = actor, dasawisma, today
        self.seen_nik = {}  # NIK -> the first row that has it
        self.seen_person = {}  # (No. KK, name, birth date) of rows without NIK -> the first row

    def run(self, dataset):
        resource = WargaRowResource()
        absent = set(getattr(dataset, "absent", ()))
        self.absent_warga = [name for name in WARGA_IMPORTED if column_header("warga", name) in absent]
        rows = []
        for number, raw in zip(dataset.row_numbers, dataset.dict, strict=True):
            parts, errors = resource.parse(raw)
            row = _Row(RowReport(number), parts)
            for header, messages in errors.items():
                for message in messages:
                    row.report.error(header, message)
            rows.append(row)
        self._check_dasawisma_codes(rows)
        for row in rows:
            self._check_row(row)
        self._load_existing(rows)
        self.lookups = services.NikLookups(self.actor, SumberCek.IMPOR, ahead=self._hits_ahead(rows))
        plan = self._group(rows)
        for rt_plan in plan:
            self._match_rumah_tangga(rt_plan)
        plan = _one_plan_per_household(plan)
        for rt_plan in plan:
            self._merge_rumah_tangga(rt_plan)
            for kk_plan in rt_plan.keluarga:
                self._check_members(kk_plan)
        return self._finish(rows, plan)

    # -- one row on its own ------------------------------------------------------------------------

    def _check_dasawisma_codes(self, rows):
        """An empty code means the dasawisma of this page; another dasawisma's rows are refused. So are
        rows whose Dasawisma cell (the template's label, the form's "Dasa Wisma" line) names another one."""
        name = label_key(self.dasawisma.name)
        for row in rows:
            written = row.parts["baris"].get("nama_dasawisma")
            if row.parts["baris"].get("kode_dasawisma") is not None:
                continue  # the code decides (below)
            if written and label_key(written) != name and not label_key(written).endswith(f"›{name}"):
                row.report.error(
                    HEADER_OF["baris__nama_dasawisma"],
                    f"Baris ini untuk dasawisma “{written}”, bukan {self.dasawisma.name}: unggah di halaman "
                    "dasawisma tersebut, atau perbaiki isian Dasawisma/Dasa Wisma di berkas.",
                )
        others = {r.parts["baris"].get("kode_dasawisma") for r in rows} - {None, self.dasawisma.pk}
        entry_ok = {}
        if others:
            units = Unit.objects.filter(pk__in=others, level=Level.DASAWISMA)
            entry_ok = {u.pk: u for u in units if access.may_import_households(self.actor, u)}
        header = HEADER_OF["baris__kode_dasawisma"]
        for row in rows:
            code = row.parts["baris"].get("kode_dasawisma")
            if code in (None, self.dasawisma.pk):
                continue
            if code in entry_ok:
                row.report.error(
                    header,
                    f"Baris ini untuk {entry_ok[code]}, bukan {self.dasawisma}: impor di halaman dasawisma tersebut.",
                )
            else:
                row.report.error(header, "Dasawisma baris ini di luar wilayah Anda atau Anda tidak berhak mengisinya.")

    def _check_row(self, row):
        report, w = row.report, row.parts["warga"]
        report.nama = w.get("nama") or ""
        report.nik = validation.mask(w.get("nik") or "")
        row.no_kk = row.parts["keluarga"].get("no_kk") or ""
        for name in REQUIRED_WARGA:
            header = column_header("warga", name)
            if w.get(name) in (None, "") and header not in _headers_with_errors(report):
                report.error(header, "Wajib diisi.")
        if not row.no_kk and HEADER_OF["keluarga__no_kk"] not in _headers_with_errors(report):
            report.error(HEADER_OF["keluarga__no_kk"], "Wajib diisi.")
        for flag, asks, details in DEPENDENT_WARGA:
            _check_dependent(report, "warga", w, flag, asks, details)
        if w.get("ibu_menyusui") and w.get("jenis_kelamin") == JenisKelamin.LAKI_LAKI:
            report.error(column_header("warga", "ibu_menyusui"), "Ibu menyusui hanya untuk perempuan.")
        born = w.get("tanggal_lahir")
        if born:
            for p in validation.check_birth_date(born, self.today):
                report.error(column_header("warga", "tanggal_lahir"), p.message)
        nik = w.get("nik")
        if nik:
            problems = validation.check_nik(nik, tanggal_lahir=born, jenis_kelamin=w.get("jenis_kelamin"))
            _report_number_problems(report, column_header("warga", "nik"), problems, bool(w.get("nik_dikonfirmasi")))
        if row.no_kk:
            problems = validation.check_no_kk(row.no_kk)
            confirmed = bool(row.parts["keluarga"].get("no_kk_dikonfirmasi"))
            _report_number_problems(report, HEADER_OF["keluarga__no_kk"], problems, confirmed)
        row.warga = _warga_data(w)

    # -- the database, in a few queries ------------------------------------------------------------

    def _load_existing(self, rows):
        """The dasawisma's households, the keluarga of the file's No. KK and their members, and whoever
        holds the file's NIKs: a handful of queries whatever the number of rows."""
        self.households = {}
        self.households_by_key = {}
        for household in RumahTangga.objects.filter(dasawisma=self.dasawisma).order_by("pk"):
            household.dasawisma = self.dasawisma
            self.households[household.pk] = household
            if household.tanggal_keluar is None:
                for key in _keys_of(household):
                    self.households_by_key.setdefault(key, []).append(household)

        self.keluarga_by_kk, foreign = {}, []
        for chunk in _chunks(sorted({r.no_kk for r in rows if r.no_kk})):
            for keluarga in Keluarga.objects.filter(no_kk__in=chunk):
                household = self.households.get(keluarga.rumah_tangga_id)
                if household is None:
                    foreign.append(keluarga.pk)
                else:
                    keluarga.rumah_tangga = household
                    self.keluarga_by_kk[keluarga.no_kk] = keluarga
        for chunk in _chunks(foreign):
            for keluarga in Keluarga.objects.filter(pk__in=chunk).select_related("rumah_tangga__dasawisma"):
                self.keluarga_by_kk[keluarga.no_kk] = keluarga

        own = {k.pk: k for k in self.keluarga_by_kk.values() if k.rumah_tangga.dasawisma_id == self.dasawisma.pk}
        self.members, self.warga_by_nik = {}, {}
        for chunk in _chunks(sorted(own)):
            for warga in Warga.objects.filter(keluarga_id__in=chunk).order_by("pk"):
                warga.keluarga = own[warga.keluarga_id]
                self.members.setdefault(warga.keluarga_id, []).append(warga)
                if warga.nik:
                    self.warga_by_nik[warga.nik] = warga
        others = sorted({r.warga["nik"] for r in rows if r.warga.get("nik")} - set(self.warga_by_nik))
        for chunk in _chunks(others):
            qs = Warga.objects.filter(nik__in=chunk).select_related("keluarga__rumah_tangga__dasawisma")
            self.warga_by_nik.update({w.nik: w for w in qs})

    def _own_area(self, dasawisma):
        return dasawisma.pk == self.dasawisma.pk or access.can_see(self.actor, dasawisma)

    def _hits_ahead(self, rows):
        """The records outside the user's area that the file's numbers hit (services.NikLookups)."""
        ahead = {("no_kk", k.pk) for k in self.keluarga_by_kk.values() if not self._own_area(k.rumah_tangga.dasawisma)}
        niks = {r.warga["nik"] for r in rows if r.warga.get("nik")}
        for nik in niks & set(self.warga_by_nik):
            other = self.warga_by_nik[nik]
            if not self._own_area(other.keluarga.rumah_tangga.dasawisma):
                ahead.add(("nik", other.pk))
        return ahead

    # -- grouping: keluarga by No. KK, rumah tangga by No. Registrasi RT or Alamat ------------------

    def _group(self, rows):
        by_kk = {}
        for row in rows:
            if row.no_kk:
                by_kk.setdefault(row.no_kk, []).append(row)
        keys = {no_kk: _household_key(kk_rows) for no_kk, kk_rows in by_kk.items()}
        # A keluarga without No. Registrasi RT joins the household of the file with the same Alamat.
        registered_at = {}
        for no_kk, key in keys.items():
            if key is not None and key[0] == "reg":
                for row in by_kk[no_kk]:
                    alamat = row.parts["rumah_tangga"].get("alamat")
                    if alamat:
                        registered_at.setdefault(("alamat", norm(alamat)), set()).add(key)
        by_key = {}
        for no_kk, kk_rows in by_kk.items():
            key = keys[no_kk]
            if key is not None and len(registered_at.get(key, ())) == 1:
                key = next(iter(registered_at[key]))
            existing = self.keluarga_by_kk.get(no_kk)
            if key is None and existing is None:
                kk_rows[0].report.error(
                    HEADER_OF["rumah_tangga__alamat"], "Isi Alamat atau No. Registrasi RT rumah tangga keluarga ini."
                )
                continue
            if key is None:
                key = ("rumah_tangga", existing.rumah_tangga_id)
            self._check_same_household(kk_rows, key)
            confirmed = any(r.parts["keluarga"].get("no_kk_dikonfirmasi") for r in kk_rows)
            kk_plan = _KeluargaPlan(no_kk, kk_rows, existing, confirmed)
            self._check_keluarga(kk_plan)
            rt_plan = by_key.setdefault(key, _RumahTanggaPlan(key, []))
            rt_plan.keluarga.append(kk_plan)
        return list(by_key.values())

    def _check_same_household(self, kk_rows, key):
        """All members of one keluarga live in one rumah tangga."""
        if key[0] == "reg":
            name, header = "no_registrasi", HEADER_OF["rumah_tangga__no_registrasi"]
        elif key[0] == "alamat":
            name, header = "alamat", HEADER_OF["rumah_tangga__alamat"]
        else:
            return
        for row in kk_rows:
            value = row.parts["rumah_tangga"].get(name)
            if value and norm(value) != key[1]:
                row.report.error(
                    header, "Anggota satu keluarga (No. KK sama) harus tercatat di satu rumah tangga yang sama."
                )

    def _check_keluarga(self, kk_plan):
        existing = kk_plan.existing
        if existing is None:
            if not self.lookups.free():
                for row in kk_plan.rows:
                    row.report.error(HEADER_OF["keluarga__no_kk"], services.LOOKUP_LIMIT_MESSAGE)
            return
        if existing.rumah_tangga.dasawisma_id != self.dasawisma.pk:
            other = existing.rumah_tangga.dasawisma
            if access.can_see(self.actor, other):
                message = f"No. KK ini sudah terdaftar di {other}."
            elif self.lookups.hit(keluarga=existing):
                message = services.NO_KK_ELSEWHERE
            else:
                message = services.LOOKUP_LIMIT_MESSAGE
            for row in kk_plan.rows:
                row.report.error(HEADER_OF["keluarga__no_kk"], message)
            kk_plan.existing = None
        elif existing.no_kk_dikonfirmasi:
            # Confirmed once on the card: the import does not take that back.
            kk_plan.confirmed = True
            for row in kk_plan.rows:
                _drop_confirmable(row.report, HEADER_OF["keluarga__no_kk"])

    def _match_rumah_tangga(self, rt_plan):
        found = {k.existing.rumah_tangga_id for k in rt_plan.keluarga if k.existing is not None}
        if len(found) > 1:
            for kk_plan in rt_plan.keluarga:
                kk_plan.rows[0].report.error(
                    HEADER_OF["keluarga__no_kk"],
                    "Keluarga-keluarga rumah tangga ini sudah tercatat di rumah tangga yang berbeda; "
                    "periksa No. Registrasi RT/Alamat.",
                )
            return
        if found:
            rt_plan.existing = self.households.get(found.pop())
            return
        candidates = self.households_by_key.get(rt_plan.key, [])
        if len(candidates) == 1:
            rt_plan.existing = candidates[0]

    def _merge_rumah_tangga(self, rt_plan):
        """The household's values: the first filled cell of each column; other filled cells must agree;
        empty everywhere means the stored value (an existing household) or the default (a new one)."""
        rows = [r for k in rt_plan.keluarga for r in k.rows]
        values, first_row = {}, {}
        for row in rows:
            rt_values = row.parts["rumah_tangga"]
            for name in RUMAH_TANGGA_IMPORTED:
                value = rt_values.get(name)
                if value is None or value == "":
                    continue
                if name not in values:
                    values[name], first_row[name] = value, row.report.number
                elif _comparable(value) != _comparable(values[name]):
                    row.report.error(
                        column_header("rumah_tangga", name),
                        f"Berbeda dengan baris {first_row[name]} untuk rumah tangga yang sama "
                        f"(“{_shown(values[name])}”).",
                    )
        existing = rt_plan.existing
        data = {}
        for name in RUMAH_TANGGA_IMPORTED:
            if name in values:
                data[name] = values[name]
                # The keys are compared without case and spaces: such a difference is not a change.
                same_key = existing is not None and norm(values[name]) == norm(getattr(existing, name))
                if name in ("alamat", "no_registrasi") and same_key:
                    data[name] = getattr(existing, name)
            elif existing is not None:
                data[name] = getattr(existing, name)
            elif name in AIR:
                data[name] = False
            elif name in REQUIRED_RUMAH_TANGGA:
                rows[0].report.error(
                    column_header("rumah_tangga", name), "Wajib diisi untuk rumah tangga baru (cukup di satu barisnya)."
                )
            else:
                data[name] = RumahTangga._meta.get_field(name).get_default()
        jamban_changed = existing is None or data.get("punya_jamban") != existing.punya_jamban
        if "punya_jamban" in data and "jumlah_jamban" not in values and jamban_changed:
            data["jumlah_jamban"] = 1 if data["punya_jamban"] else 0
        if data.get("punya_jamban") is False and data.get("jumlah_jamban"):
            rows[0].report.error(
                column_header("rumah_tangga", "jumlah_jamban"), "Isi 0 atau kosongkan bila tidak ada jamban."
            )
        if data.get("punya_jamban") and data.get("jumlah_jamban") == 0:
            rows[0].report.error(column_header("rumah_tangga", "jumlah_jamban"), "Isi jumlah jamban (1 atau lebih).")
        if not data.get("alamat"):
            rows[0].report.error(column_header("rumah_tangga", "alamat"), "Alamat rumah tangga wajib diisi.")
        report = rows[0].report
        for flag, asks, details in DEPENDENT_RUMAH_TANGGA:
            _check_dependent(report, "rumah_tangga", data, flag, asks, details)
        rt_plan.data = data
        if existing is not None:
            rt_plan.changed = any(data.get(n) != getattr(existing, n) for n in RUMAH_TANGGA_IMPORTED if n in data)

    # -- members: who exists, NIK elsewhere, twice in the file, one kepala --------------------------

    def _check_members(self, kk_plan):
        nik_header = column_header("warga", "nik")
        kk = kk_plan.existing
        stored = self.members.get(kk.pk, []) if kk is not None else []
        without_nik = {(norm(w.nama), w.tanggal_lahir): w for w in stored if not w.nik}
        with_nik = {(norm(w.nama), w.tanggal_lahir): w for w in stored if w.nik}
        for row in kk_plan.rows:
            nik = row.warga.get("nik")
            if nik:
                if nik in self.seen_nik:
                    row.report.error(nik_header, f"NIK sama dengan baris {self.seen_nik[nik]}.")
                    continue
                self.seen_nik[nik] = row.report.number
                other = self.warga_by_nik.get(nik)
                if other is not None:
                    self._match_by_nik(row, other, kk)
                    continue
                if not self.lookups.free():
                    row.report.error(nik_header, services.LOOKUP_LIMIT_MESSAGE)
                    continue
            person = (norm(row.warga.get("nama") or ""), row.warga.get("tanggal_lahir"))
            if not nik:
                seen_key = (kk_plan.no_kk, *person)
                if seen_key in self.seen_person:
                    row.report.error(
                        column_header("warga", "nama"),
                        f"Nama dan tanggal lahir sama dengan baris {self.seen_person[seen_key]} pada keluarga ini.",
                    )
                    continue
                self.seen_person[seen_key] = row.report.number
                if person in with_nik:
                    # Matching would erase the stored NIK, a new row would count the person twice.
                    row.report.error(
                        nik_header,
                        f"{with_nik[person].nama} sudah tercatat dengan NIK {validation.mask(with_nik[person].nik)}; "
                        "isi NIK-nya di baris ini.",
                    )
                    continue
            if person in without_nik:
                row.existing = without_nik.pop(person)
        self._check_one_kepala(kk_plan, stored)

    def _match_by_nik(self, row, other, kk):
        dasawisma = other.keluarga.rumah_tangga.dasawisma
        header = column_header("warga", "nik")
        if dasawisma.pk != self.dasawisma.pk:
            if access.can_see(self.actor, dasawisma):
                row.report.error(header, f"NIK ini sudah terdaftar atas nama {other.nama} di {dasawisma}.")
            elif self.lookups.hit(warga=other):
                row.report.error(header, "NIK sudah terdaftar di wilayah lain.")
            else:
                row.report.error(header, services.LOOKUP_LIMIT_MESSAGE)
            return
        if kk is None or other.keluarga_id != kk.pk:
            row.report.error(
                HEADER_OF["keluarga__no_kk"],
                f"{other.nama} sudah tercatat pada keluarga dengan No. KK {validation.mask(other.keluarga.no_kk)}. "
                "Pindah keluarga dicatat lewat halaman warga, bukan lewat impor.",
            )
            return
        row.existing = other
        if other.nik_dikonfirmasi:
            _drop_confirmable(row.report, header)

    def _check_one_kepala(self, kk_plan, stored):
        in_file = {r.existing.pk for r in kk_plan.rows if r.existing is not None}
        heads = [
            (None, w.nama)
            for w in stored
            if w.pk not in in_file and w.is_active and w.status_dalam_keluarga == StatusDalamKeluarga.KEPALA
        ]
        for row in kk_plan.rows:
            if row.existing is not None and not row.existing.is_active:
                continue
            if row.warga.get("status_dalam_keluarga") == StatusDalamKeluarga.KEPALA:
                heads.append((row, row.warga.get("nama")))
        if len(heads) < 2:
            return
        for row, _name in heads:
            if row is None:
                continue
            others = [f"baris {r.report.number}" if r else f"{n} (sudah tercatat)" for r, n in heads if r is not row]
            row.report.error(
                column_header("warga", "status_dalam_keluarga"),
                f"Satu keluarga hanya mempunyai satu Kepala Keluarga; juga: {', '.join(others)}.",
            )

    # -- totals ------------------------------------------------------------------------------------

    def _finish(self, rows, plan):
        counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
        for row in rows:
            existing = row.existing
            if existing is not None:
                # A column the sheet does not have (a paper form's sheet, an older template) changes nothing.
                row.warga.update((name, getattr(existing, name)) for name in self.absent_warga)
            if existing is None:
                row.report.action = NEW
            elif not existing.is_active:
                row.report.action = UNCHANGED
                row.report.warn(
                    "", f"{existing.nama} tercatat {existing.get_status_display().lower()}; baris ini tidak diubah."
                )
            else:
                row.warga["nik_dikonfirmasi"] = row.warga["nik_dikonfirmasi"] or existing.nik_dikonfirmasi
                changed = any(row.warga[n] != getattr(existing, n) for n in row.warga)
                row.report.action = UPDATE if changed else UNCHANGED
            counts[ERROR if row.report.has_errors else row.report.action] += 1
        households = {
            "rumah_tangga_baru": sum(1 for p in plan if p.existing is None),
            "rumah_tangga_diperbarui": sum(1 for p in plan if p.changed),
            "keluarga_baru": sum(1 for p in plan for k in p.keluarga if k.existing is None),
        }
        return Preview([r.report for r in rows], plan, counts, households)


def _drop_confirmable(report, header):
    """A number once confirmed as written on the card stays confirmed."""
    report.problems = [p for p in report.problems if not (p.column == header and p.confirmable)]


def _headers_with_errors(report):
    return {p.column for p in report.problems if p.kind == "error"}


def _check_dependent(report, part, values, flag, asks, details):
    header = column_header(part, details)
    if header in _headers_with_errors(report):
        return
    filled = values.get(details) not in (None, "")
    if values.get(flag) == asks and not filled:
        report.error(header, f"Wajib diisi bila {column_header(part, flag)} {_shown(asks)}.")
    elif values.get(flag) != asks and filled:
        report.error(
            header,
            f"Diisi, padahal {column_header(part, flag)} bukan {_shown(asks)}: "
            f"ubah {column_header(part, flag)} atau kosongkan.",
        )


def _report_number_problems(report, header, problems, confirmed):
    if header in _headers_with_errors(report):
        return
    for p in problems:
        if p.kind == validation.WARNING:
            report.warn(header, p.message)
        elif p.kind == validation.ERROR or not confirmed:
            if p.kind == validation.CONFIRM:
                column = _confirm_column(header)
                if "centang konfirmasi" in p.message:
                    message = p.message.replace("centang konfirmasi", f"isi kolom “{column}” dengan Ya")
                else:
                    message = f"{p.message} Bila memang demikian tertulis di kartu, isi kolom “{column}” dengan Ya."
                report.problems.append(Problem(header, message, confirmable=True))
            else:
                report.problems.append(Problem(header, p.message))


def _confirm_column(header):
    return (
        HEADER_OF["warga__nik_dikonfirmasi"]
        if header == HEADER_OF["warga__nik"]
        else HEADER_OF["keluarga__no_kk_dikonfirmasi"]
    )


def _warga_data(values):
    data = {}
    for name in WARGA_IMPORTED:
        value = values.get(name)
        column = COLUMN_BY_ATTRIBUTE[f"warga__{name}"]
        if isinstance(column.widget, YaTidakWidget):
            value = bool(value)
        elif name == "berkebutuhan_khusus":
            value = value or BerkebutuhanKhusus.TIDAK
        elif isinstance(column.widget, PilihanWidget | TeksWidget | NomorKartuWidget):
            value = value or ""
        data[name] = value
    data["nik"] = data["nik"] or None
    return data


def _household_key(rows):
    """("reg", number) when a row gives the No. Registrasi RT, else ("alamat", address), else None."""
    for row in rows:
        value = row.parts["rumah_tangga"].get("no_registrasi")
        if value:
            return ("reg", norm(value))
    for row in rows:
        value = row.parts["rumah_tangga"].get("alamat")
        if value:
            return ("alamat", norm(value))
    return None


def _one_plan_per_household(plan):
    """Groups of the file found to be one stored household (one by its No. Registrasi RT, the other by
    its Alamat) become one group, so that the household is checked and written once."""
    merged, by_household = [], {}
    for rt_plan in plan:
        if rt_plan.existing is None:
            merged.append(rt_plan)
        elif rt_plan.existing.pk in by_household:
            by_household[rt_plan.existing.pk].keluarga += rt_plan.keluarga
        else:
            by_household[rt_plan.existing.pk] = rt_plan
            merged.append(rt_plan)
    return merged


def _keys_of(household):
    """The keys a stored household is found by, as _household_key builds them from the file: its
    No. Registrasi RT, and its Alamat (for a file row without No. Registrasi RT)."""
    keys = [("alamat", norm(household.alamat))] if household.alamat else []
    if household.no_registrasi:
        keys.append(("reg", norm(household.no_registrasi)))
    return keys


def _comparable(value):
    return norm(value) if isinstance(value, str) else value


def _shown(value):
    if value is True:
        return "Ya"
    if value is False:
        return "Tidak"
    for choices in (MakananPokok, KriteriaRumah):
        if value in choices.values:
            return choices(value).label
    return str(value)


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]
