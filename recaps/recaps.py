"""The recaps of the PKK forms, computed: yearly 4.16a-4.17d (Catatan / Rekapitulasi Data dan Kegiatan
Warga) and monthly 4.18b-4.19c (ibu hamil, melahirkan, nifas, ibu meninggal, kelahiran bayi, bayi
meninggal, kematian balita). See docs/pkk-forms.md, sections 4 and 5.

The contract other modules build on (the downloads, the dashboard, the screens):

- ``FORMS`` {lampiran: RecapForm} and ``form_for(level, kind)``: which form a unit keeps;
- ``yearly_recap(unit, tahun, edition)``, ``monthly_recap(unit, tahun, bulan, data)`` and
  ``recap_for(unit, period, edition, data)`` return a ``Recap``: the form, the unit, the period, the
  columns in the paper form's order (``Column``: key, label, merged group header), one ``RecapRow``
  per unit one level below (per rumah tangga at 4.16a), the JUMLAH row and the area header block.

What is counted:

- Rows: the direct children of the unit (``unit.parent``) active in the period, so where RW or
  dusun/lingkungan do not exist the rows are the next level that does, and a kelurahan may mix RW and
  RT rows. Facts are grouped in SQL by the child's ancestor column (a Coalesce of the optional levels
  and the first level every branch has: dusun, RW, RT under a kelurahan), one GROUP BY per table.
- Activity: yearly, everything as of ``as_of`` = min(today, 31 December): units active that day,
  rumah tangga not yet gone (tanggal_keluar), members counted as households.selectors counts them.
  Monthly: units active on some day of the month (reports.workflow.month_overlap_q).
- The JUMLAH row is the sum of the rows. Facts are counted only under active dasawisma and grouped
  by the child that holds them, so the JUMLAH row of a unit equals its row one level up (the
  invariant users check; recaps/tests/test_recap_invariant.py). A child that holds counted facts
  is shown even if it was itself closed (it cannot be, as services.unit_close closes the children
  first, but the numbers must never vanish from a total).
- Monthly numbers: ``data="disetujui"`` sums the snapshots stored at approval of the APPROVED
  dasawisma reports (in SQL, one query); ``data="terkini"`` counts the events as they are now
  (reports.events.numbers_under). Either way ``approval`` says how many of the expected dasawisma
  reports are approved.

Every recap runs a constant number of queries whatever the number of rows: yearly 3 (4.16a: 1);
monthly 1 with the approved numbers, 4 with the current data (those of numbers_under), and one more
for the approver's name when something is approved; one more for the area block unless the unit was
fetched with select_related(*ANCESTORS). Measured against one hand-written SQL statement on the
--scale data set: bench/recap.py.
"""

import datetime
import logging
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    ForeignKey,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django_tasks import task

from documents.exporters import EDITIONS, RAKERNAS_VIII, RAKERNAS_X, Period
from hierarchy.levels import LEVEL_ORDER, RANK, Level
from hierarchy.models import Unit, User, active_q
from households import rules, selectors
from households.models import (
    IndustriRumahTangga,
    Kehamilan,
    KriteriaRumah,
    MakananPokok,
    PemanfaatanPekarangan,
    RumahTangga,
    Warga,
)
from pkkdata import periods
from reports import events, workflow
from reports.models import Status
from reports.workflow import month_overlap_q

from . import ringkasan
from .models import PotretTahunan

logger = logging.getLogger(__name__)

YEARLY, MONTHLY = "tahunan", "bulanan"
DISETUJUI, TERKINI = "disetujui", "terkini"
DATA_CHOICES = {DISETUJUI: "Angka yang disetujui", TERKINI: "Data terkini, belum tentu disetujui"}


# -- the forms -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecapForm:
    lampiran: str  # "4.17c"
    kind: str  # YEARLY or MONTHLY
    level: str  # the level of the sheet's unit (hierarchy.levels.Level)
    title: str  # the form's title as printed
    row_label: str  # header of the row-name column on the paper form (Recap.row_label adapts it)


_YEARLY = "CATATAN DATA DAN KEGIATAN WARGA"
_MONTHLY = "CATATAN IBU HAMIL, MELAHIRKAN, NIFAS, IBU MENINGGAL, KELAHIRAN BAYI, BAYI MENINGGAL DAN KEMATIAN BALITA"
_KEPT_BY: dict[str, str] = {
    Level.RT: "KELOMPOK PKK RT",
    Level.RW: "KELOMPOK PKK RW",
    Level.DUSUN: "KELOMPOK PKK DUSUN/LINGKUNGAN",
    Level.DESA: "TP PKK DESA/KELURAHAN",
    Level.KECAMATAN: "TP PKK KECAMATAN",
    Level.KABKOTA: "TP PKK KABUPATEN/KOTA",
    Level.PROVINSI: "TP PKK PROVINSI",
}
# The row-name column's header by the level of the rows.
ROW_LABELS: dict[str, str] = {
    Level.KABKOTA: "NAMA KABUPATEN/KOTA",
    Level.KECAMATAN: "NAMA KECAMATAN",
    Level.DESA: "NAMA DESA/KELURAHAN",
    Level.DUSUN: "NAMA DUSUN/LINGKUNGAN",
    Level.RW: "NOMOR RW",
    Level.RT: "NOMOR RT",
    Level.DASAWISMA: "NAMA DASAWISMA",
}
_SHORT: dict[str, str] = {Level.DUSUN: "DUSUN/LINGKUNGAN", Level.RW: "RW", Level.RT: "RT"}


def _sheet(lampiran, kind, level):
    title = f"REKAPITULASI {_YEARLY if kind == YEARLY else _MONTHLY} {_KEPT_BY[level]}"
    return RecapForm(lampiran, kind, level, title, ROW_LABELS[_row_level(level)])


# Dusun/lingkungan and RW are optional: a child of a kelurahan may be a dusun, an RW or an RT.
_OPTIONAL = (Level.DUSUN, Level.RW)


def child_levels(level: str) -> list[str]:
    """The levels a direct child of a unit at `level` may have, top down: the optional levels below it
    and the first level every branch has (desa → dusun, RW, RT; kabkota → kecamatan)."""
    found = []
    for lv in LEVEL_ORDER[RANK[level] + 1 :]:
        found.append(lv)
        if lv not in _OPTIONAL:
            break
    return found


def _row_level(level):
    """The level of the rows on the paper form (the next level down)."""
    return LEVEL_ORDER[RANK[level] + 1]


FORMS = {
    form.lampiran: form
    for form in [
        RecapForm(
            "4.16a",
            YEARLY,
            Level.DASAWISMA,
            f"{_YEARLY} KELOMPOK DASAWISMA",
            "NAMA KEPALA RUMAH TANGGA",
        ),
        _sheet("4.16b", YEARLY, Level.RT),
        _sheet("4.16c", YEARLY, Level.RW),
        _sheet("4.16d", YEARLY, Level.DUSUN),
        _sheet("4.17a", YEARLY, Level.DESA),
        _sheet("4.17b", YEARLY, Level.KECAMATAN),
        _sheet("4.17c", YEARLY, Level.KABKOTA),
        _sheet("4.17d", YEARLY, Level.PROVINSI),
        _sheet("4.18b", MONTHLY, Level.RT),
        _sheet("4.18c", MONTHLY, Level.RW),
        _sheet("4.18d", MONTHLY, Level.DUSUN),
        _sheet("4.19a", MONTHLY, Level.DESA),
        _sheet("4.19b", MONTHLY, Level.KECAMATAN),
        _sheet("4.19c", MONTHLY, Level.KABKOTA),
    ]
}
_BY_LEVEL = {(form.level, form.kind): form for form in FORMS.values()}


def period_problem(tahun: int, bulan: int | None = None, today: datetime.date | None = None) -> str:
    """Why a recap of this period cannot be made ("" when it can): pkkdata.periods' rule, as of today."""
    return periods.period_problem(tahun, bulan, today or timezone.localdate())


def form_for(level: str, kind: str) -> RecapForm | None:
    """The recap form kept at that level, or None (a dasawisma's month is the 4.18a event list, not a
    recap; the forms stop at the kab/kota for the monthly recaps)."""
    return _BY_LEVEL.get((level, kind))


# -- the columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # "jml_l"
    label: str  # the cell under the group header
    group: str = ""  # merged group header; "" for a single column


def column_groups(columns: Iterable[Column]) -> list[tuple[str, list[Column]]]:
    """[(group, [columns])]: runs of consecutive columns sharing a group header (a single column with
    group "" is a run of its own), for the merged header cells of a table."""
    runs: list[tuple[str, list[Column]]] = []
    for col in columns:
        if col.group and runs and runs[-1][0] == col.group:
            runs[-1][1].append(col)
        else:
            runs.append((col.group, [col]))
    return runs


_COUNT_LABELS: dict[str, str] = {
    Level.KECAMATAN: "JML Kecamatan",
    Level.DESA: "JML Desa/Kel",
    Level.DUSUN: "JML Dusun/Lingk",
    Level.RW: "JML RW",
    Level.RT: "JML RT",
    Level.DASAWISMA: "JML Dasawisma",
}
KRT, KK = Column("jml_krt", "JML KRT"), Column("jml_kk", "JML KK")

ANGGOTA = "JUMLAH ANGGOTA KELUARGA"
RUMAH = "KRITERIA RUMAH"
AIR = "SUMBER AIR KELUARGA"
MAKANAN = "MAKANAN POKOK"
KEGIATAN = "WARGA MENGIKUTI KEGIATAN"

_ANGGOTA_HEAD = [
    Column("jml_l", "Total L", ANGGOTA),
    Column("jml_p", "Total P", ANGGOTA),
    Column("balita_l", "Balita L", ANGGOTA),
    Column("balita_p", "Balita P", ANGGOTA),
    Column("jml_pus", "PUS", ANGGOTA),
    Column("jml_wus", "WUS", ANGGOTA),
    Column("ibu_hamil", "Ibu Hamil", ANGGOTA),
    Column("ibu_menyusui", "Ibu Menyusui", ANGGOTA),
    Column("lansia", "Lansia", ANGGOTA),
]
BUTA_ONE = [Column("buta", "3 Buta", ANGGOTA)]
BUTA_LP = [Column("buta_l", "3 Buta L", ANGGOTA), Column("buta_p", "3 Buta P", ANGGOTA)]
_ANGGOTA_TAIL = [Column("berkebutuhan_khusus", "Berkebutuhan Khusus", ANGGOTA)]
_RUMAH_HEAD = [
    Column("rumah_sehat", "Sehat Layak Huni", RUMAH),
    Column("rumah_tidak_sehat", "Tidak Sehat Layak Huni", RUMAH),
    Column("tempat_sampah", "Memiliki Tempat Pembuangan Sampah", RUMAH),
    Column("spal", "Memiliki SPAL dan Penyerapan Air", RUMAH),
]
RUMAH_BY_EDITION = {
    RAKERNAS_X: [Column("mck_septic", "Memiliki Sarana MCK dan Septic Tank", RUMAH)],
    RAKERNAS_VIII: [
        Column("jamban", "Memiliki Jamban Keluarga", RUMAH),
        Column("stiker_p4k", "Menempel Stiker P4K", RUMAH),
    ],
}
_AIR = [
    Column("air_pdam", "PDAM", AIR),
    Column("air_sumur", "Sumur", AIR),
    Column("air_sungai", "Sungai", AIR),
    Column("air_lainnya", "DLL", AIR),
]
SARANA_MCK = Column("jml_sarana_mck", "JUMLAH SARANA MCK")
_MAKANAN = [Column("beras", "Beras", MAKANAN), Column("non_beras", "Non Beras", MAKANAN)]
_KEGIATAN = [
    Column("up2k", "UP2K", KEGIATAN),
    Column("pekarangan", "Pemanfaatan Tanah Pekarangan", KEGIATAN),
    Column("industri", "Industri Rumah Tangga", KEGIATAN),
    Column("kesehatan_lingkungan", "Kesehatan Lingkungan", KEGIATAN),
]

_MONTHLY_GROUPS = {
    "ibu_hamil": ("JUMLAH IBU", "Hamil"),
    "ibu_melahirkan": ("JUMLAH IBU", "Melahirkan"),
    "ibu_nifas": ("JUMLAH IBU", "Nifas"),
    "ibu_meninggal": ("JUMLAH IBU", "Meninggal"),
    "bayi_lahir_l": ("JUMLAH BAYI", "Lahir L"),
    "bayi_lahir_p": ("JUMLAH BAYI", "Lahir P"),
    "akte_ada": ("JUMLAH BAYI", "Akte Ada"),
    "akte_tidak": ("JUMLAH BAYI", "Akte Tidak Ada"),
    "bayi_meninggal_l": ("JUMLAH BAYI", "Meninggal L"),
    "bayi_meninggal_p": ("JUMLAH BAYI", "Meninggal P"),
    "balita_meninggal_l": ("JUMLAH BALITA MENINGGAL", "L"),
    "balita_meninggal_p": ("JUMLAH BALITA MENINGGAL", "P"),
}
MONTHLY_COLUMNS = [Column(key, _MONTHLY_GROUPS[key][1], _MONTHLY_GROUPS[key][0]) for key in events.NUMBER_KEYS]

# 3 Buta is one column at these forms, L and P elsewhere (pkk-forms.md section 4).
_BUTA_ONE_COLUMN = {"4.16a", "4.16b", "4.17a"}


def count_levels(form: RecapForm) -> list[str]:
    """The levels whose active units are counted in the leading columns: every level below the rows'
    level on the paper form (4.17c, rows kecamatan: desa, dusun, RW, RT, dasawisma)."""
    if form.level == Level.DASAWISMA:
        return []
    return LEVEL_ORDER[RANK[_row_level(form.level)] + 1 :]


def columns_for(form: RecapForm, edition: str = RAKERNAS_X) -> list[Column]:
    """The numeric columns of a form in the paper's order (not No, not the name, not KETERANGAN)."""
    leading = [Column(f"jml_{lv}", _COUNT_LABELS[lv]) for lv in count_levels(form)]
    if form.kind == MONTHLY:
        return leading + MONTHLY_COLUMNS
    leading += [KK] if form.level == Level.DASAWISMA else [KRT, KK]
    buta = BUTA_ONE if form.lampiran in _BUTA_ONE_COLUMN else BUTA_LP
    mck = [] if form.level in (Level.DASAWISMA, Level.RT) else [SARANA_MCK]  # from 4.16c upward
    return [
        *leading,
        *_ANGGOTA_HEAD,
        *buta,
        *_ANGGOTA_TAIL,
        *_RUMAH_HEAD,
        *RUMAH_BY_EDITION[edition],
        *_AIR,
        *mck,
        *_MAKANAN,
        *_KEGIATAN,
    ]


# -- the result ------------------------------------------------------------------------------------


@dataclass
class RecapRow:
    label: str  # the row unit's name (or Nama KRT at 4.16a)
    code: str  # the unit's code ("" at 4.16a)
    unit_id: int | None  # the unit of the row, for the click-through (None at 4.16a)
    values: dict[str, int]  # {column key: int}; every column of the recap present (0 when none)
    level: str = ""  # the row unit's level ("" at 4.16a)
    rumah_tangga_id: int | None = None  # at 4.16a: the household of the row


@dataclass
class Step:
    """One step of the approval chain under a unit for a month: the reports of one level (dasawisma,
    then each group level but the top one) and how many of them the level above has approved."""

    reports: str  # whose reports, e.g. "dasawisma", "RT"
    approver: str  # who approves them, e.g. "RT", "Desa/Kelurahan"
    expected: int
    approved: int


@dataclass
class Approval:
    """Monthly recaps: how many of the dasawisma reports expected under the unit are approved, and each
    step of the chain above them (steps[0] is the dasawisma reports' step)."""

    expected: int  # dasawisma active under the unit that month
    approved: int  # of those, approved
    last_approved_by: str  # full name (or username) of who approved the latest of them, "" if none
    last_approved_at: datetime.datetime | None
    steps: list[Step] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.approved == self.expected

    @property
    def pending(self) -> int:
        return self.expected - self.approved


@dataclass
class Recap:
    form: RecapForm
    unit: Unit
    period: Period  # Period(tahun) or Period(tahun, bulan)
    edition: str  # RAKERNAS_X / RAKERNAS_VIII
    data: str  # DISETUJUI (approved snapshots, monthly default) or TERKINI (current data); yearly: TERKINI
    columns: list[Column]
    rows: list[RecapRow]
    total: dict[str, int]  # the JUMLAH row
    area: list[tuple[str, str]]  # (label, name): the header block, from the unit up to the provinsi, the form's words
    approval: Approval | None = None  # monthly only
    as_of: datetime.date | None = None  # yearly: the day the counts are taken (min(today, 31 December))
    active: bool = True  # whether the sheet's unit itself was active in the period
    row_label: str = ""  # the row-name column's header for these rows (the form's, or e.g. "RW / RT")
    # yearly: when the year's snapshots were taken (recaps.closing), None when counted from today's data
    closed_at: datetime.datetime | None = None

    @property
    def groups(self) -> list[tuple[str, list[Column]]]:
        return column_groups(self.columns)


_AREA_WORDS: dict[str, str] = {
    Level.PROVINSI: "Provinsi",
    Level.KABKOTA: "Kabupaten/Kota",
    Level.KECAMATAN: "Kecamatan",
    Level.DESA: "Desa/Kelurahan",
    Level.DUSUN: "Dusun/Lingkungan",
    Level.RW: "RW",
    Level.RT: "RT",
    Level.DASAWISMA: "Kelompok Dasawisma",
}


def _area(chain):
    """[(label, name)] of the unit and its ancestors, bottom up."""
    return [(_AREA_WORDS[u.level], u.name) for u in sorted(chain, key=lambda u: -RANK[u.level])]


# The ancestor foreign keys of a unit: fetch a unit with select_related(*ANCESTORS) and its recap's area
# block needs no query (the recap screens do).
ANCESTORS = LEVEL_ORDER[:-1]


def area_block(unit: Unit) -> list[tuple[str, str]]:
    """[(label, name)] from the unit up to the provinsi: no query when the unit was fetched with
    select_related(*ANCESTORS), else one."""
    ancestors = []
    for level in LEVEL_ORDER[: RANK[unit.level]]:
        if getattr(unit, f"{level}_id") is None:
            continue
        if not typing.cast(ForeignKey, Unit._meta.get_field(level)).is_cached(unit):
            ancestors = unit.ancestors()
            break
        ancestors.append(getattr(unit, level))
    return _area([unit, *ancestors])


# -- shared pieces of the queries ------------------------------------------------------------------


def _child_key(level, prefix=""):
    """The id of the direct child of a `level` unit holding the row reached by prefix (a unit row):
    the first of its child-level columns that is set."""
    columns = [F(f"{prefix}{lv}_id") for lv in child_levels(level)]
    return columns[0] if len(columns) == 1 else Coalesce(*columns, output_field=IntegerField())


def _add(into, key, values):
    target = into.setdefault(key, {})
    for name, n in values.items():
        if name != "key":
            target[name] = target.get(name, 0) + (n or 0)


def _member_counts(on):
    """Data Keluarga items 2-11 over Warga rows already narrowed to rules.counted_q(on)
    (selectors.member_count_annotations with rows_counted), JML KK (rules.keluarga_counted_q: the
    keluarga of those rows, each once, as selectors.with_counts counts it; a statement of its own over
    the keluarga cost more than this column), and ibu hamil as with_counts counts it: a counted woman
    with a pregnancy running that day (an uncorrelated IN, hashed once)."""
    return {
        **selectors.member_count_annotations(on, prefix="", rows_counted=True),
        "jml_kk": Count("keluarga", distinct=True),
        "ibu_hamil": Count("pk", filter=Q(pk__in=Kehamilan.objects.filter(rules.hamil_on_q(on)).values("ibu_id"))),
    }


def _units_below_qs(unit_id, unit_level, levels, active_filter, annotations=None, relations=None):
    """The units active in the period under the unit, grouped by the direct child that holds them and
    by level (a values() queryset; _fold_units reads it).

    Grouping by level as well needs no FILTER per column (cheaper to compile and to run). A child's
    own (child, its level) group holds the child alone, the one group whose parent is the unit: its
    code and name come along as MAX(...), which spares a query for the rows. `annotations` are read
    from the dasawisma groups (reports are joined to the dasawisma through `relations`)."""
    qs = Unit.objects.filter(
        active_filter,
        **{f"{unit_level}_id": unit_id},
        level__in=sorted({*levels, *child_levels(unit_level)}, key=RANK.__getitem__),
    )
    if relations:
        qs = qs.annotate(**relations)
    return (
        qs.values(key=_child_key(unit_level), unit_level=F("level"))
        .annotate(
            n=Count("pk"),
            child_parent=Max("parent_id"),
            child_code=Max("code"),
            child_name=Max("name"),
            **(annotations or {}),
        )
        .order_by()
    )


def _fold_units(unit, levels, rows, annotation_names=()):
    """({child id: {"jml_<level>": n, **annotations}}, {child id: the child}) from _units_below_qs."""
    found: dict[int, dict] = {}
    children: dict[int, Unit] = {}
    for row in rows:
        key, level = row["key"], row["unit_level"]
        if key is None:
            continue
        values = found.setdefault(key, {})
        if level in levels:
            values[f"jml_{level}"] = row["n"]
        if level == Level.DASAWISMA:
            values.update({name: row[name] for name in annotation_names})
        if row["child_parent"] == unit.pk:
            children[key] = Unit(pk=key, level=level, code=row["child_code"], name=row["child_name"], parent_id=unit.pk)
    return found, children


def _rows(unit, columns, values_by_child, children):
    """One row per direct child active in the period (or holding counted facts), by level and code."""
    missing = [k for k, v in values_by_child.items() if k not in children and any(v.values())]
    if missing:  # a closed child still holding counted facts (services.unit_close prevents it): named here
        children.update(
            {u.pk: u for u in Unit.objects.filter(pk__in=missing, parent=unit).only("pk", "level", "code", "name")}
        )
    # Mixed rows (RW beside RT under a kelurahan): the higher level first, then by code.
    ordered = sorted(children.values(), key=lambda u: (RANK[u.level], u.code, u.pk))
    levels = {c.level for c in ordered}
    homogeneous = len(levels) <= 1
    rows = [
        RecapRow(
            label=child.name if homogeneous else str(child),
            code=child.code,
            unit_id=child.pk,
            values={c.key: values_by_child.get(child.pk, {}).get(c.key, 0) for c in columns},
            level=child.level,
        )
        for child in ordered
    ]
    if homogeneous:
        row_label = ROW_LABELS[levels.pop()] if levels else ROW_LABELS[_row_level(unit.level)]
    else:
        row_label = " / ".join(_SHORT.get(lv, ROW_LABELS[lv]) for lv in LEVEL_ORDER if lv in levels)
    return rows, row_label


def _total(columns, rows):
    return {c.key: sum(r.values[c.key] for r in rows) for c in columns}


def _form(unit, kind):
    """The form kept at the unit's level; ValueError when there is none."""
    form = form_for(unit.level, kind)
    if form is None:
        what = "tahunan" if kind == YEARLY else "bulanan"
        raise ValueError(f"Tidak ada rekap {what} untuk {Level(unit.level).label}.")
    return form


# -- yearly: 4.16a-4.17d ---------------------------------------------------------------------------


def as_of_day(tahun: int, today: datetime.date | None = None) -> datetime.date:
    """The day a yearly recap counts: 31 December of the year, or today for the running year."""
    today = today or timezone.localdate()
    return min(today, datetime.date(tahun, 12, 31))


def _household_counts(on, prefix="", among=None):
    """Counts over rumah tangga rows (Data Keluarga items 12-20), as Count/Sum expressions. `among` (a Q
    over the pekarangan and industri rows, through "rumah_tangga__") narrows their lists to the rows
    counted: the list of a kota's pekarangan is hashed once, where every pekarangan of a provinsi would
    outgrow work_mem and be scanned again for each household."""
    among = among if among is not None else Q()

    def yes(condition):
        return Count(f"{prefix}pk", filter=condition)

    def flag(name):
        return yes(Q(**{f"{prefix}{name}": True}))

    return {
        "rumah_sehat": yes(Q(**{f"{prefix}kriteria_rumah": KriteriaRumah.SEHAT})),
        "rumah_tidak_sehat": yes(Q(**{f"{prefix}kriteria_rumah": KriteriaRumah.TIDAK_SEHAT})),
        "tempat_sampah": flag("punya_tempat_sampah"),
        "spal": flag("punya_spal"),
        "mck_septic": flag("punya_mck_septic"),
        "jamban": flag("punya_jamban"),
        "stiker_p4k": flag("stiker_p4k"),
        "air_pdam": flag("air_pdam"),
        "air_sumur": flag("air_sumur"),
        "air_sungai": flag("air_sungai"),
        "air_lainnya": flag("air_lainnya"),
        "jml_sarana_mck": Sum(f"{prefix}jumlah_jamban"),
        "beras": yes(Q(**{f"{prefix}makanan_pokok": MakananPokok.BERAS})),
        "non_beras": yes(Q(**{f"{prefix}makanan_pokok": MakananPokok.NON_BERAS})),
        "up2k": flag("aktivitas_up2k"),
        # An uncorrelated IN: one hashed lookup per household, not one subquery each.
        "pekarangan": yes(
            Q(**{f"{prefix}pk__in": PemanfaatanPekarangan.objects.filter(among).values("rumah_tangga_id")})
        ),
        "industri": yes(Q(**{f"{prefix}pk__in": IndustriRumahTangga.objects.filter(among).values("rumah_tangga_id")})),
        "kesehatan_lingkungan": flag("kesehatan_lingkungan"),
    }


def _count_facts(on, where, key):
    """{key: {fact: n}}: the yearly facts of the rumah tangga present on the day and of their members
    counted that day, for the rows matching where(path to the rumah tangga), grouped by key(path to
    the rumah tangga) (two queries)."""
    found: dict[int, dict[str, int]] = {}

    def collect(qs, to_household, annotations):
        rows = qs.filter(where(to_household) & rules.present_q(on, to_household))
        for row in rows.values(key=key(to_household)).annotate(**annotations).order_by():
            _add(found, row["key"], row)

    counts = _household_counts(on, among=where("rumah_tangga__"))
    collect(RumahTangga.objects.all(), "", {"jml_krt": Count("pk"), **counts})
    collect(Warga.objects.filter(rules.counted_q(on)), "keluarga__rumah_tangga__", _member_counts(on))
    for values in found.values():
        values["buta"] = values.get("buta_l", 0) + values.get("buta_p", 0)
    return found


# Every fact _count_facts gives (the names of its annotations, and "buta").
FACT_KEYS = (
    "jml_krt",
    *_household_counts(datetime.date(2000, 1, 1)),
    *_member_counts(datetime.date(2000, 1, 1)),
    "buta",
)


def _by_dasawisma(to_household):
    return F(f"{to_household}dasawisma_id")


def dasawisma_facts(on: datetime.date, dasawisma: Q) -> dict[int, dict[str, int]]:
    """{dasawisma id: {key: n}}: each dasawisma's own facts on the day, for the dasawisma matching
    `dasawisma` (a Q over Unit), active or not: what recaps.ringkasan keeps (two queries)."""
    ids = Unit.objects.filter(dasawisma).values("pk")
    return _count_facts(on, lambda to_household: Q(**{f"{to_household}dasawisma_id__in": ids}), _by_dasawisma)


def keep_ahead(now: datetime.datetime) -> str:
    """The hourly housekeeping step (`manage.py rapikan`): folds the change rows and counts every
    dasawisma whose kept count is old for today, before the morning's first recap."""
    folded = ringkasan.fold()
    counted = ringkasan.count_ahead(timezone.localtime(now).date(), dasawisma_facts)
    return f"{folded} baris perubahan dilipat, {counted} ringkasan dasawisma dihitung"


@task()
def count_ahead_under(unit_id: int, day: str) -> int:
    """The work a recap leaves on the task queue when too many of its area's kept counts were old
    (recaps.ringkasan.facts_under gave None): counts them ahead, kelurahan by kelurahan, so that the
    next recap of the area adds up kept rows. Nothing once the day is over or the unit is gone.
    Returns how many were counted."""
    on = datetime.date.fromisoformat(day)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or on != timezone.localdate():
        return 0
    return ringkasan.count_ahead(on, dasawisma_facts, under=unit)


COUNT_AHEAD_EVERY = 600  # seconds: one count_ahead_under per unit and day in this time (per process)


def _count_ahead_later(unit: Unit, on: datetime.date) -> None:
    """Leaves count_ahead_under for the unit on the task queue, unless this process did so in the last
    COUNT_AHEAD_EVERY seconds. A queue that cannot take it is logged; the recap is answered anyway."""
    if not cache.add(f"recaps:hitung-depan:{unit.pk}:{on.isoformat()}", True, timeout=COUNT_AHEAD_EVERY):
        return
    try:
        count_ahead_under.enqueue(unit.pk, on.isoformat())
    except Exception:  # the queue's own errors (database, Redis) differ by backend
        logger.warning("hitung ringkasan di depan tidak masuk antrean (satuan %s)", unit.pk, exc_info=True)


def _under(unit, on):
    """where() of _count_facts: rows whose rumah tangga is in a dasawisma under the unit active on the day."""

    def where(to_household):
        to_dasawisma = f"{to_household}dasawisma__"
        return Q(**{f"{to_dasawisma}{unit.level}_id": unit.pk}) & active_q(on, prefix=to_dasawisma)

    return where


def _yearly_facts(unit, on, by_dasawisma=False):
    """{child id: {key: n}} of everything counted under the unit on the day. Today, the kept counts of
    its active dasawisma (recaps.ringkasan, counted anew where old) added up by the child holding each,
    or, when too many were old, counted now with the keeping left to the task queue; another day,
    counted now. With by_dasawisma, {dasawisma id: {key: n}} counted now (recaps.closing)."""
    if by_dasawisma:
        return _count_facts(on, _under(unit, on), _by_dasawisma)
    if on == timezone.localdate():
        kept = ringkasan.facts_under(unit, on, dasawisma_facts, FACT_KEYS, key=_child_key(unit.level))
        if kept is not None:
            return {k: v for k, v in kept.items() if k is not None}
        _count_ahead_later(unit, on)
    return counted_now(unit, on)


def counted_now(unit: Unit, on: datetime.date) -> dict[int, dict[str, int]]:
    """_yearly_facts counted from the data now, nothing kept or read from what is kept (two queries)."""
    return _count_facts(on, _under(unit, on), lambda to_household: _child_key(unit.level, f"{to_household}dasawisma__"))


def area_figures(unit: Unit, on: datetime.date) -> dict[str, int]:
    """Everything the yearly recaps count under the unit on a day, summed over the whole unit (every
    fact key, whatever columns a form shows; no unit counts): {key: n}. Three queries when what is kept
    is current, seven when some dasawisma are counted anew (recaps.ringkasan). The dashboard's
    key figures are these, so that its tiles and the recap's JUMLAH row are one count."""
    total: dict[str, dict[str, int]] = {}
    for values in _yearly_facts(unit, on).values():
        _add(total, "unit", values)
    return total.get("unit", {})


def household_rows(households: "QuerySet[typing.Any]", on: datetime.date) -> list[tuple[int, RecapRow]]:
    """4.16a: (dasawisma id, one RecapRow) per rumah tangga of `households` present on the day, with its
    Data Keluarga counts under every key of 4.16a (one query)."""
    households = (
        selectors.with_counts(selectors.active_rumah_tangga(households, on).select_related("krt"), on=on)
        .annotate(
            di_pekarangan=Exists(PemanfaatanPekarangan.objects.filter(rumah_tangga=OuterRef("pk"))),
            di_industri=Exists(IndustriRumahTangga.objects.filter(rumah_tangga=OuterRef("pk"))),
        )
        .order_by("krt__nama", "pk")
    )
    rows = []
    for rt in households:
        facts = {
            "jml_kk": rt.jml_kk,
            "jml_l": rt.jml_l,
            "jml_p": rt.jml_p,
            "balita_l": rt.balita_l,
            "balita_p": rt.balita_p,
            "jml_pus": rt.jml_pus,
            "jml_wus": rt.jml_wus,
            "ibu_hamil": rt.ibu_hamil,
            "ibu_menyusui": rt.ibu_menyusui,
            "lansia": rt.lansia,
            "buta": rt.buta_l + rt.buta_p,
            "berkebutuhan_khusus": rt.berkebutuhan_khusus,
            "rumah_sehat": rt.kriteria_rumah == KriteriaRumah.SEHAT,
            "rumah_tidak_sehat": rt.kriteria_rumah == KriteriaRumah.TIDAK_SEHAT,
            "tempat_sampah": rt.punya_tempat_sampah,
            "spal": rt.punya_spal,
            "mck_septic": rt.punya_mck_septic,
            "jamban": rt.punya_jamban,
            "stiker_p4k": rt.stiker_p4k,
            "air_pdam": rt.air_pdam,
            "air_sumur": rt.air_sumur,
            "air_sungai": rt.air_sungai,
            "air_lainnya": rt.air_lainnya,
            "beras": rt.makanan_pokok == MakananPokok.BERAS,
            "non_beras": rt.makanan_pokok == MakananPokok.NON_BERAS,
            "up2k": rt.aktivitas_up2k,
            "pekarangan": rt.di_pekarangan,
            "industri": rt.di_industri,
            "kesehatan_lingkungan": rt.kesehatan_lingkungan,
        }
        label = rt.krt.nama if rt.krt_id and rt.krt else f"(tanpa kepala rumah tangga) {rt.alamat}"
        values = {key: int(n) for key, n in facts.items()}
        rows.append(
            (rt.dasawisma_id, RecapRow(label=label, code="", unit_id=None, values=values, rumah_tangga_id=rt.pk))
        )
    return rows


def _rumah_tangga_rows(dasawisma, on, columns):
    """4.16a: one row per rumah tangga present on the day (one query)."""
    rows = [row for _dasawisma_id, row in household_rows(RumahTangga.objects.filter(dasawisma=dasawisma), on)]
    for row in rows:
        row.values = {c.key: row.values[c.key] for c in columns}
    return rows


# -- a closed year: the snapshots taken at its end (recaps.closing) -------------------------------------


def _closed_year(unit, tahun):
    """The snapshots of a closed year under the unit, grouped where they stood on 31 December (their
    stored path, so a later regrouping or move changes nothing), or None when the year is not closed."""
    if unit.level in (Level.PROVINSI, Level.KABKOTA, Level.KECAMATAN, Level.DESA):
        # groups never move across a kelurahan: the ancestor columns of today are those of then
        snapshots = PotretTahunan.objects.filter(tahun=tahun, **{f"dasawisma__{unit.level}_id": unit.pk})
    else:
        snapshots = PotretTahunan.objects.filter(tahun=tahun, dasawisma__desa_id=unit.desa_id)
    if unit.level == Level.DASAWISMA:
        found = list(snapshots.filter(dasawisma=unit))
    else:  # the 4.16a rows are read only for a dasawisma's own recap
        rows = snapshots.defer("rumah_tangga").order_by("dasawisma_id")
        found = [p for p in rows if p.jalur.get(unit.level) == unit.pk]
    return found or None


def _snapshot_facts(unit, snapshots):
    """{child id: {key: n}}: the snapshots' facts added up by the child of the unit holding each."""
    found: dict[int, dict[str, int]] = {}
    levels = child_levels(unit.level)
    for snapshot in snapshots:
        path = {**snapshot.jalur, Level.DASAWISMA: snapshot.dasawisma_id}
        key = next((path[level] for level in levels if path.get(level)), None)
        if key is not None:
            _add(found, key, snapshot.fakta)
    return found


def _snapshot_rows(snapshot, columns):
    return [
        RecapRow(
            label=row["label"],
            code="",
            unit_id=None,
            values={c.key: row["values"].get(c.key, 0) for c in columns},
            rumah_tangga_id=row["rumah_tangga_id"],
        )
        for row in snapshot.rumah_tangga
    ]


def yearly_recap(unit: Unit, tahun: int, edition: str = RAKERNAS_X, today: datetime.date | None = None) -> Recap:
    """The yearly recap (4.16a-4.17d) of a unit, as of min(today, 31 December of tahun)."""
    form = _form(unit, YEARLY)
    if edition not in EDITIONS:
        raise ValueError(f"Edisi {edition!r} tidak dikenal.")
    on = as_of_day(tahun, today)
    columns = columns_for(form, edition)
    active = unit.is_active_on(on)
    snapshots = _closed_year(unit, tahun) if on.year == tahun and on.month == 12 and on.day == 31 else None
    if unit.level == Level.DASAWISMA:
        if snapshots:
            rows = _snapshot_rows(snapshots[0], columns)
        else:
            rows = _rumah_tangga_rows(unit, on, columns) if active else []
        row_label = form.row_label
    else:
        found = _snapshot_facts(unit, snapshots) if snapshots else _yearly_facts(unit, on)
        levels = count_levels(form)
        counts, children = _fold_units(unit, levels, _units_below_qs(unit.pk, unit.level, levels, active_q(on)))
        for key, values in counts.items():
            _add(found, key, values)
        rows, row_label = _rows(unit, columns, found, children)
    return Recap(
        form=form,
        unit=unit,
        period=Period(tahun),
        edition=edition,
        data=TERKINI,
        columns=columns,
        rows=rows,
        total=_total(columns, rows),
        area=area_block(unit),
        as_of=on,
        active=active,
        row_label=row_label,
        closed_at=min(p.dibuat for p in snapshots) if snapshots else None,
    )


# -- monthly: 4.18b-4.19c --------------------------------------------------------------------------


def _month_units_qs(unit_id, unit_level, levels, tahun, bulan, with_numbers):
    """_units_below_qs for a month, each unit joined to its approved report of the month (at most one):
    per child also the dasawisma reports approved, the latest approval, and when asked the sums of
    the numbers stored in their snapshots at approval."""
    # Only dasawisma reports are joined: group reports (an RT's) would count the same numbers twice.
    report = FilteredRelation(
        "laporan",
        condition=Q(laporan__tahun=tahun, laporan__bulan=bulan, laporan__status=Status.APPROVED)
        & Q(level=Level.DASAWISMA),
    )
    # The latest approval and its approver's id in the same query: the greatest "<time>|<user id>"
    # (times written the same way sort as text). The approver's name is one more small query
    # (_approval): joining the accounts to every report costs more than that query.
    approval = Concat(
        Cast("report__approved_at", CharField()),
        Value("|"),
        Cast("report__approved_by_id", CharField()),
        output_field=CharField(),
    )
    annotations = {
        "approved": Count("report"),
        "last_approved_at": Max("report__approved_at"),
        "last_approval": Max(approval, filter=Q(report__approved_at__isnull=False)),
    }
    if with_numbers:
        for key in events.NUMBER_KEYS:
            annotations[key] = Sum(Cast(KeyTextTransform(key, "report__snapshot"), IntegerField()))
    return _units_below_qs(unit_id, unit_level, levels, month_overlap_q(tahun, bulan), annotations, {"report": report})


def _month_units(unit, tahun, bulan, levels, with_numbers):
    """({child id: counts, approvals and approved numbers}, {child id: the child}) for a month. One
    query."""
    rows = _month_units_qs(unit.pk, unit.level, levels, tahun, bulan, with_numbers)
    names = ["approved", "last_approved_at", "last_approval", *(events.NUMBER_KEYS if with_numbers else [])]
    return _fold_units(unit, levels, rows, names)


def _approval(by_child):
    """The Approval line, from the counts and the latest approval found by _month_units (and one query
    for the approver's name when there is an approval)."""
    expected = sum(v.get("jml_dasawisma", 0) for v in by_child.values())
    approved = sum(v.get("approved", 0) for v in by_child.values())
    latest = max(
        ((v["last_approved_at"], v.get("last_approval") or "") for v in by_child.values() if v.get("last_approved_at")),
        default=None,
    )
    if latest is None:
        return Approval(expected=expected, approved=approved, last_approved_by="", last_approved_at=None)
    last, text = latest
    user_id = text.rpartition("|")[2]
    user = None
    if user_id.isdigit():
        user = User.objects.filter(pk=int(user_id)).values("username", "first_name", "last_name").first()
    name = ""
    if user is not None:
        name = f"{user['first_name']} {user['last_name']}".strip() or user["username"]
    return Approval(expected=expected, approved=approved, last_approved_by=name, last_approved_at=last)


def _steps(unit, tahun, bulan, approval):
    """The approval chain's steps under the unit for the month: the dasawisma reports (from approval),
    then the reports of each group level below the top approver (one query, none when the chain has a
    single level), each with the level that approves them (reports.workflow.chain)."""
    chain = workflow.chain()
    steps = [Step(Level(Level.DASAWISMA).label, Level(chain[0]).label, approval.expected, approval.approved)]
    group_levels = [lv for lv in workflow.reporting_levels()[1:] if RANK[lv] >= RANK[unit.level]]
    if not group_levels:
        return steps
    # the month's approved report of each unit, joined alone (not every month's reports)
    approved = FilteredRelation(
        "laporan", condition=Q(laporan__tahun=tahun, laporan__bulan=bulan, laporan__status=Status.APPROVED)
    )
    rows = (
        Unit.objects.filter(Q(pk=unit.pk) | Q(**{f"{unit.level}_id": unit.pk}), level__in=group_levels)
        .filter(month_overlap_q(tahun, bulan))
        .annotate(approved_report=approved)
        .values("level")
        .annotate(expected=Count("pk"), approved=Count("approved_report"))
        .order_by()
    )
    found = {row["level"]: row for row in rows}
    for level in group_levels:
        row = found.get(level, {"expected": 0, "approved": 0})
        above = chain[chain.index(level) + 1]
        steps.append(Step(Level(level).label, Level(above).label, row["expected"], row["approved"]))
    return steps


def _current_numbers(unit, tahun, bulan):
    """{child id: numbers} counted from the events as they are now (reports.events.numbers_under),
    grouped by the child that holds them, over the dasawisma active in the month."""
    return events.numbers_under(unit, tahun, bulan, child_levels(unit.level), month_overlap_q(tahun, bulan))


def monthly_recap(unit: Unit, tahun: int, bulan: int, data: str = DISETUJUI) -> Recap:
    """The monthly recap (4.18b-4.19c) of a unit: approved numbers (default) or the current data."""
    form = _form(unit, MONTHLY)
    if data not in DATA_CHOICES:
        raise ValueError(f"Pilihan data {data!r} tidak dikenal.")
    columns = columns_for(form)
    levels = sorted({*count_levels(form), Level.DASAWISMA}, key=RANK.__getitem__)
    by_child, children = _month_units(unit, tahun, bulan, levels, with_numbers=data == DISETUJUI)
    approval = _approval(by_child)
    approval.steps = _steps(unit, tahun, bulan, approval)
    wanted = {c.key for c in columns}
    found = {key: {k: v or 0 for k, v in values.items() if k in wanted} for key, values in by_child.items()}
    if data == TERKINI:
        for key, values in _current_numbers(unit, tahun, bulan).items():
            _add(found, key, values)
    rows, row_label = _rows(unit, columns, found, children)
    return Recap(
        form=form,
        unit=unit,
        period=Period(tahun, bulan),
        edition=RAKERNAS_X,
        data=data,
        columns=columns,
        rows=rows,
        total=_total(columns, rows),
        area=area_block(unit),
        approval=approval,
        active=unit.is_active_between(*periods.month_bounds(tahun, bulan)),
        row_label=row_label,
    )


def recap_for(unit: Unit, period: Period, edition: str = RAKERNAS_X, data: str | None = None) -> Recap:
    """The recap of a unit for a Period: monthly when the period has a month, else yearly."""
    if period.bulan:
        return monthly_recap(unit, period.tahun, period.bulan, data or DISETUJUI)
    return yearly_recap(unit, period.tahun, edition)
