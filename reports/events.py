"""The monthly form 4.18a derived from the recorded events (households.models Kehamilan, Kelahiran,
Kematian): its rows, its CATATAN totals, and the numbers a report stores at approval.

Pregnancies and births are counted in the database (households.rules' Q objects); deaths of a month
are few, so their kind (ibu/bayi/balita) is decided in Python by rules.death_kind. Everything runs in a
constant number of queries whatever the number of dasawisma."""

import datetime
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from hierarchy.levels import RANK, Level
from hierarchy.models import Unit
from households import rules
from households.models import Kehamilan, Kelahiran, Kematian
from pkkdata import periods

# The path from each event to the dasawisma it counts in: the one stamped on the row where it happened
# (households.models), not the person's household's dasawisma today (who may see it: selectors.VIA_*).
VIA_KEHAMILAN = VIA_KELAHIRAN = VIA_KEMATIAN = "dasawisma"

# The numbers of the monthly recaps 4.18b-4.19c, in the forms' order.
NUMBER_FIELDS = [
    ("ibu_hamil", "Ibu hamil"),
    ("ibu_melahirkan", "Ibu melahirkan"),
    ("ibu_nifas", "Ibu nifas"),
    ("ibu_meninggal", "Ibu meninggal"),
    ("bayi_lahir_l", "Bayi lahir L"),
    ("bayi_lahir_p", "Bayi lahir P"),
    ("akte_ada", "Akte kelahiran ada"),
    ("akte_tidak", "Akte kelahiran tidak ada"),
    ("bayi_meninggal_l", "Bayi meninggal L"),
    ("bayi_meninggal_p", "Bayi meninggal P"),
    ("balita_meninggal_l", "Balita meninggal L"),
    ("balita_meninggal_p", "Balita meninggal P"),
]
NUMBER_KEYS = [key for key, _label in NUMBER_FIELDS]


# The 7 totals of the CATATAN footer of 4.18a (catatan_totals), in the form's order.
CATATAN_FIELDS = [
    ("ibu_hamil", "Ibu hamil"),
    ("ibu_melahirkan", "Ibu melahirkan"),
    ("ibu_nifas", "Ibu nifas"),
    ("ibu_meninggal", "Ibu meninggal"),
    ("bayi_lahir", "Bayi lahir"),
    ("bayi_meninggal", "Bayi meninggal"),
    ("balita_meninggal", "Balita meninggal"),
]


def empty_numbers():
    return dict.fromkeys(NUMBER_KEYS, 0)


def catatan_totals(numbers):
    """The 7 totals of the CATATAN footer of 4.18a."""
    return {
        "ibu_hamil": numbers["ibu_hamil"],
        "ibu_melahirkan": numbers["ibu_melahirkan"],
        "ibu_nifas": numbers["ibu_nifas"],
        "ibu_meninggal": numbers["ibu_meninggal"],
        "bayi_lahir": numbers["bayi_lahir_l"] + numbers["bayi_lahir_p"],
        "bayi_meninggal": numbers["bayi_meninggal_l"] + numbers["bayi_meninggal_p"],
        "balita_meninggal": numbers["balita_meninggal_l"] + numbers["balita_meninggal_p"],
    }


def _birth_counts():
    return {
        "lahir_l": Count("pk", filter=Q(bayi__jenis_kelamin="L")),
        "lahir_p": Count("pk", filter=Q(bayi__jenis_kelamin="P")),
        "akte_ada": Count("pk", filter=Q(akte_kelahiran=True)),
        "akte_tidak": Count("pk", filter=Q(akte_kelahiran=False)),
    }


def _add_births(numbers, row):
    numbers["bayi_lahir_l"], numbers["bayi_lahir_p"] = row["lahir_l"], row["lahir_p"]
    numbers["akte_ada"], numbers["akte_tidak"] = row["akte_ada"], row["akte_tidak"]


def _add_death(numbers, death):
    """Count one death where the form counts it (ibu, bayi or balita); other deaths are not on 4.18a."""
    kind = rules.death_kind(death.warga, death.tanggal, death.warga.kehamilan.all())
    if kind == "ibu":
        numbers["ibu_meninggal"] += 1
    elif kind is not None:
        numbers[f"{kind}_meninggal_{death.warga.jenis_kelamin.lower()}"] += 1


def _month_deaths(dasawisma_filter, first, last):
    return list(
        Kematian.objects.filter(dasawisma_filter, tanggal__gte=first, tanggal__lte=last)
        .select_related("warga__keluarga__rumah_tangga")
        .prefetch_related("warga__kehamilan")
    )


# -- a month's numbers, grouped ----------------------------------------------------------------------
# Three statements (mothers, births, deaths), each a values() queryset built from the month, `where`
# (via → Q narrowing the rows to the dasawisma counted, via being the path from the row to its
# dasawisma) and `group` (via → the expression of the group id, e.g. the dasawisma's kecamatan_id).


STATUS_ORDER = ["melahirkan", "hamil", "nifas", "-"]  # which status of a woman a month counts


def mother_status_qs(first, last, per_mother=True):
    """(hamil, melahirkan, nifas) conditions on Kehamilan rows with one status per woman a month, as
    households.rules promises: melahirkan, else hamil, else nifas — a woman who delivered and is pregnant
    again in the same month, or pregnant again during her nifas, is counted once.

    The other pregnancies of the same woman are looked up per mother (per_mother: a correlated EXISTS
    through the index on ibu), so that a statement over an area reads its own pregnancies and those of
    its mothers, not the month's pregnancies of the whole database. Over a provinsi they are read once
    by uncorrelated subqueries hashed by the database instead (per_mother_area says which). Both count
    the same. Measured for a kota's 4.19c of current data: per mother 60 ms against 46 ms in a database
    of that kota alone (--scale 50000), but 64 ms against 143 ms in a database of its provinsi (1M rumah
    tangga), where the uncorrelated lists hold the whole provinsi's month."""
    melahirkan = rules.melahirkan_q(first, last)
    ongoing = rules.hamil_q(first, last)
    if per_mother:
        not_delivered = ~Exists(Kehamilan.objects.filter(melahirkan, ibu=OuterRef("ibu")))
        not_pregnant = ~Exists(Kehamilan.objects.filter(ongoing, ibu=OuterRef("ibu")))
    else:
        not_delivered = ~Q(ibu__in=Kehamilan.objects.filter(melahirkan).values("ibu_id"))
        not_pregnant = ~Q(ibu__in=Kehamilan.objects.filter(ongoing).values("ibu_id"))
    hamil = ongoing & not_delivered
    nifas = rules.nifas_q(first, last) & not_delivered & not_pregnant
    return hamil, melahirkan, nifas


def per_mother_area(unit):
    """Below the provinsi: mother_status_qs looks a mother's other pregnancies up per mother, and
    monthly_numbers decides the mothers' statuses here, so the cost follows the area, not the database."""
    return RANK[unit.level] > RANK[Level.PROVINSI]


def small_area(unit):
    """A kelurahan/desa or anything below it (completeness reads its dasawisma by id first there)."""
    return RANK[unit.level] >= RANK[Level.DESA]


def _mothers(first, last, where, group, per_mother):
    hamil, melahirkan, nifas = mother_status_qs(first, last, per_mother)
    return (
        Kehamilan.objects.filter(where(VIA_KEHAMILAN))
        .filter(hamil | melahirkan | nifas)
        .values(key=group(VIA_KEHAMILAN))
        .annotate(
            hamil=Count("ibu", filter=hamil, distinct=True),
            melahirkan=Count("ibu", filter=melahirkan, distinct=True),
            nifas=Count("ibu", filter=nifas, distinct=True),
        )
        .order_by()
    )


def _births(first, last, where, group):
    return (
        Kelahiran.objects.filter(where(VIA_KELAHIRAN), tanggal__gte=first, tanggal__lte=last)
        .values(key=group(VIA_KELAHIRAN))
        .annotate(**_birth_counts())
        .order_by()
    )


def _deaths(first, last, where, group):
    """One row per death and pregnancy of the dead (LEFT JOIN: one row with none): only what
    rules.death_kind reads, so no model rows and no prefetch."""
    return (
        Kematian.objects.filter(where(VIA_KEMATIAN), tanggal__gte=first, tanggal__lte=last)
        .values(
            "pk",
            "tanggal",
            key=group(VIA_KEMATIAN),
            jenis_kelamin=F("warga__jenis_kelamin"),
            tanggal_lahir=F("warga__tanggal_lahir"),
            hamil_mulai=F("warga__kehamilan__tanggal_mulai"),
            hamil_selesai=F("warga__kehamilan__tanggal_selesai"),
        )
        .order_by()
    )


def _count(first, last, where, group, per_mother):
    """{group id: numbers} from the three statements."""
    return _fold(
        _mothers(first, last, where, group, per_mother), _births(first, last, where, group),
        _deaths(first, last, where, group),
    )  # fmt: skip


def _fold(mothers, births, deaths):
    """{group id: numbers} from the rows of the three statements."""
    result = defaultdict(empty_numbers)
    for row in mothers:
        numbers = result[row["key"]]
        numbers["ibu_hamil"], numbers["ibu_melahirkan"], numbers["ibu_nifas"] = (
            row["hamil"],
            row["melahirkan"],
            row["nifas"],
        )
    for row in births:
        _add_births(result[row["key"]], row)
    dead = {}
    for row in deaths:
        key, person, pregnancies = dead.setdefault(row["pk"], (row["key"], SimpleNamespace(**row), []))
        if row["hamil_mulai"] is not None:
            pregnancies.append(SimpleNamespace(tanggal_mulai=row["hamil_mulai"], tanggal_selesai=row["hamil_selesai"]))
    for key, person, pregnancies in dead.values():
        kind = rules.death_kind(person, person.tanggal, pregnancies)
        if kind == "ibu":
            result[key]["ibu_meninggal"] += 1
        elif kind is not None:
            result[key][f"{kind}_meninggal_{person.jenis_kelamin.lower()}"] += 1
    return dict(result)


def numbers_by(group_column, tahun, bulan, unit_filter=None, per_mother=True):
    """{group id: numbers} for one month, grouped by an ancestor column of the dasawisma (e.g. "rt",
    "desa", or "dasawisma" itself), over dasawisma matching unit_filter (a Q on Unit); per_mother:
    see mother_status_qs (False for a kecamatan or more). Three queries."""
    first, last = periods.month_bounds(tahun, bulan)
    dasawisma = Unit.objects.filter(unit_filter if unit_filter is not None else Q(), level=Level.DASAWISMA)

    def where(via):
        return Q(**{f"{via}__in": dasawisma})

    def group(via):
        return F(f"{via}__{group_column}_id")

    return _count(first, last, where, group, per_mother)


def _on_path(q, via):
    """A Q on Unit (lookups with constant values) re-rooted at the path `via` to a unit."""
    children = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_on_path(child, via))
        elif isinstance(child, tuple) and not hasattr(child[1], "resolve_expression"):
            children.append((f"{via}__{child[0]}", child[1]))
        else:
            raise ValueError(f"{child!r}: hanya pencarian dengan nilai tetap yang bisa dipindah ke jalur lain.")
    return Q(*children, _connector=q.connector, _negated=q.negated)


def numbers_under(unit, tahun, bulan, group_levels=None, unit_filter=None):
    """{group id: numbers} for one month over the dasawisma under `unit` that match unit_filter (a Q
    on Unit with constant values, e.g. "active in the month"), grouped by the first set column of
    group_levels (default: the unit's own level, so one entry, the unit's; ["rw", "rt"] under a
    kelurahan: per RW, and per RT where there is no RW). As numbers_by, but the dasawisma are narrowed
    on the row's own join to its unit, which also gives the group: cheaper to run than an IN (subquery)
    on the units. Three queries."""
    first, last = periods.month_bounds(tahun, bulan)
    group_levels = list(group_levels or [unit.level])
    unit_filter = unit_filter if unit_filter is not None else Q()

    def where(via):
        return Q(**{f"{via}__{unit.level}_id": unit.pk, f"{via}__level": Level.DASAWISMA}) & _on_path(unit_filter, via)

    def group(via):
        columns = [F(f"{via}__{lv}_id") for lv in group_levels]
        return columns[0] if len(columns) == 1 else Coalesce(*columns, output_field=IntegerField())

    return _count(first, last, where, group, per_mother_area(unit))


def _mothers_counted_in_sql(unit, months, bounds, window):
    """{month: (hamil, melahirkan, nifas)}: one statement with three filtered counts per month and
    status, exactly the conditions numbers_by counts for one month (mother_status_qs)."""
    counts = {}
    for i, month in enumerate(months):
        hamil, melahirkan, nifas = mother_status_qs(*bounds[month], per_mother_area(unit))
        counts[f"hamil_{i}"] = Count("ibu", filter=hamil, distinct=True)
        counts[f"melahirkan_{i}"] = Count("ibu", filter=melahirkan, distinct=True)
        counts[f"nifas_{i}"] = Count("ibu", filter=nifas, distinct=True)
    found = Kehamilan.objects.filter(window, **{f"{VIA_KEHAMILAN}__{unit.level}_id": unit.pk}).aggregate(**counts)
    return {m: (found[f"hamil_{i}"], found[f"melahirkan_{i}"], found[f"nifas_{i}"]) for i, m in enumerate(months)}


def _is_there(row, day):
    """rules.there_q of nifas_q for a row read by _mothers_counted_here: the mother not dead or moved
    out on the day, and her household not gone."""
    present = row.status == "aktif" or (row.tanggal_status is not None and row.tanggal_status > day)
    return present and (row.keluar is None or row.keluar > day)


def _mothers_counted_here(unit, months, bounds, window):
    """{month: (hamil, melahirkan, nifas)} as _mothers_counted_in_sql counts them, decided here: one
    query reads the window's pregnancies under the unit and the other pregnancies of the same women
    (wherever they count), then rules.status_ibu gives each its status in the months it can have one
    (_months_of) and one status per woman is kept as mother_status_qs keeps it. A few microseconds a
    pregnancy and month, where Django took 50 ms to build the statement of 36 filtered counts for any
    area (the tests compare both)."""
    column = f"{unit.level}_id"
    rows = (
        Kehamilan.objects.filter(
            window, ibu__in=Kehamilan.objects.filter(window, **{f"{VIA_KEHAMILAN}__{column}": unit.pk}).values("ibu")
        )
        .annotate(
            here=F(f"{VIA_KEHAMILAN}__{column}"), status=F("ibu__status"), tanggal_status=F("ibu__tanggal_status"),
            keluar=F("ibu__keluarga__rumah_tangga__tanggal_keluar"),
        )
        .values_list(
            "ibu_id", "tanggal_mulai", "perkiraan_lahir", "tanggal_selesai", "hasil", "lanjutan", "pindah_pada",
            "here", "status", "tanggal_status", "keluar", named=True,
        )
        .order_by()
    )  # fmt: skip
    firsts = [bounds[month][0] for month in months]
    lasts = [bounds[month][1] for month in months]
    here = [{"hamil": set(), "melahirkan": set(), "nifas": set()} for _ in months]
    anywhere = [{"hamil": set(), "melahirkan": set()} for _ in months]
    unit_pk = unit.pk
    for row in rows:
        for i in _months_of(row, firsts, lasts):
            status = rules.status_ibu(row, firsts[i], lasts[i])  # nifas: whether she is still there, below
            if status is None:
                continue
            if status in anywhere[i]:
                anywhere[i][status].add(row.ibu_id)
            if row.here == unit_pk and (status != "nifas" or _is_there(row, firsts[i])):
                here[i][status].add(row.ibu_id)
    return {
        month: (
            len(here[i]["hamil"] - anywhere[i]["melahirkan"]),
            len(here[i]["melahirkan"]),
            len(here[i]["nifas"] - anywhere[i]["melahirkan"] - anywhere[i]["hamil"]),
        )
        for i, month in enumerate(months)
    }


def _months_of(kehamilan, firsts, lasts):
    """The indexes of the consecutive months (their first and last days) in which rules.status_ibu can
    give the pregnancy a status; in every other month it gives None: none before the month holding the
    earlier of its start and its end, none after NIFAS_DAYS past its end (hamil while open: until
    rules.counts_until)."""
    end = kehamilan.tanggal_selesai
    from_day = kehamilan.tanggal_mulai if end is None else min(kehamilan.tanggal_mulai, end)
    until = rules.counts_until(kehamilan) if end is None else end + datetime.timedelta(days=rules.NIFAS_DAYS)
    return range(bisect_left(lasts, from_day), bisect_right(firsts, until))


def monthly_numbers(unit, months):
    """{(tahun, bulan): numbers over NUMBER_KEYS} for everything under the unit, for a run of
    consecutive months: month by month what numbers_for counts (the tests compare them). Four queries
    whatever the number of months or dasawisma.

    The mothers of a kabupaten/kota or less are given their status a month here
    (_mothers_counted_here), those of a provinsi in the database (_mothers_counted_in_sql), whose
    statement reads the month's pregnancies of the whole database: measured at --scale 50000, 5 ms
    instead of 60 ms for an RT, 20 instead of 65 for a kelurahan, 55 instead of 140 for a kecamatan,
    about the same for the kota (5,000 pregnancies); in a database of a provinsi of 1M rumah tangga, the
    same kota 125 ms here against 519 ms there (the cost follows the kota, not the provinsi). A kota of
    15,000 pregnancies took 650 ms here against 470 ms there (--scale 150000)."""
    result = {month: empty_numbers() for month in months}
    bounds = {month: periods.month_bounds(*month) for month in months}
    start, end = bounds[months[0]][0], bounds[months[-1]][1]
    column = f"{unit.level}_id"

    # Mothers: every pregnancy that touches the window (it may count hamil, melahirkan or nifas in one
    # of its months).
    window = Q(tanggal_mulai__lte=end) & (
        Q(tanggal_selesai__isnull=True) | Q(tanggal_selesai__gte=start - datetime.timedelta(days=rules.NIFAS_DAYS))
    )
    count = _mothers_counted_here if per_mother_area(unit) else _mothers_counted_in_sql
    for month, (hamil, melahirkan, nifas) in count(unit, months, bounds, window).items():
        result[month].update(ibu_hamil=hamil, ibu_melahirkan=melahirkan, ibu_nifas=nifas)

    births = (
        Kelahiran.objects.filter(tanggal__gte=start, tanggal__lte=end, **{f"{VIA_KELAHIRAN}__{column}": unit.pk})
        .annotate(y=ExtractYear("tanggal"), m=ExtractMonth("tanggal"))
        .order_by()
        .values("y", "m")
        .annotate(**_birth_counts())
    )
    for row in births:
        _add_births(result[(row["y"], row["m"])], row)

    deaths = (
        Kematian.objects.filter(tanggal__gte=start, tanggal__lte=end, **{f"{VIA_KEMATIAN}__{column}": unit.pk})
        .select_related("warga")
        .prefetch_related("warga__kehamilan")
    )
    for death in deaths:
        _add_death(result[(death.tanggal.year, death.tanggal.month)], death)
    return result


def numbers_for(unit, tahun, bulan):
    """The month's numbers of everything under one unit."""
    return numbers_under(unit, tahun, bulan).get(unit.pk, empty_numbers())


@dataclass
class Row:
    """One row of 4.18a: a mother's status, a birth, or a death (or a combination for one person)."""

    nama_ibu: str = ""
    nama_suami: str = ""
    status_ibu: str = ""
    nama_bayi: str = ""
    bayi_jenis_kelamin: str = ""
    bayi_tanggal_lahir: object = None
    akte: bool | None = None
    nama_meninggal: str = ""
    status_meninggal: str = ""
    meninggal_jenis_kelamin: str = ""
    tanggal_meninggal: object = None
    sebab_meninggal: str = ""
    keterangan: str = ""
    extra: dict = field(default_factory=dict)


def _suami(ibu):
    """The husband's name for the form: the married male kepala keluarga of a mother who is his istri
    (a daughter living in her parents' KK gets no name rather than her father's)."""
    if ibu.status_dalam_keluarga != "istri":
        return ""
    husband = next(
        (
            m
            for m in ibu.keluarga.anggota.all()
            if m.status_dalam_keluarga == "kepala" and m.jenis_kelamin == "L" and m.status_perkawinan == "menikah"
        ),
        None,
    )
    return husband.nama if husband else ""


def monthly_rows(dasawisma, tahun, bulan):
    """The rows of 4.18a for one dasawisma and month, and its numbers."""
    first, last = periods.month_bounds(tahun, bulan)
    here = Q(**{VIA_KEHAMILAN: dasawisma})
    pregnancies = (
        Kehamilan.objects.filter(here)
        .filter(rules.hamil_q(first, last) | rules.melahirkan_q(first, last) | rules.nifas_q(first, last))
        .select_related("ibu__keluarga__rumah_tangga")
        .prefetch_related("ibu__keluarga__anggota")
        .order_by("ibu__nama", "tanggal_mulai")
    )
    # One status per woman (melahirkan, else hamil, else nifas), as the numbers count her.
    status_of, mother = {}, {}
    for k in pregnancies:
        status = rules.status_ibu(k, first, last, gone=rules.gone_on(k.ibu))
        if status is not None and STATUS_ORDER.index(status) < STATUS_ORDER.index(status_of.get(k.ibu_id, "-")):
            status_of[k.ibu_id], mother[k.ibu_id] = status, k.ibu
    rows = [
        Row(nama_ibu=ibu.nama, nama_suami=_suami(ibu), status_ibu=status_of[pk].capitalize(), extra={"ibu_id": pk})
        for pk, ibu in mother.items()
    ]
    births = (
        Kelahiran.objects.filter(**{VIA_KELAHIRAN: dasawisma}, tanggal__gte=first, tanggal__lte=last)
        .select_related("ibu__keluarga", "bayi")
        .prefetch_related("ibu__keluarga__anggota")
        .order_by("tanggal", "pk")
    )
    # A mother who delivered this month has one row: her "Melahirkan" status on the birth row itself.
    delivered = {b.ibu_id for b in births}
    rows = [r for r in rows if not (r.status_ibu == "Melahirkan" and r.extra.get("ibu_id") in delivered)]
    for b in births:
        rows.append(
            Row(
                nama_ibu=b.ibu.nama,
                nama_suami=_suami(b.ibu),
                status_ibu="Melahirkan",
                nama_bayi=b.bayi.nama,
                bayi_jenis_kelamin=b.bayi.jenis_kelamin,
                bayi_tanggal_lahir=b.tanggal,
                akte=b.akte_kelahiran,
            )
        )
    for death in _month_deaths(Q(**{VIA_KEMATIAN: dasawisma}), first, last):
        kind = rules.death_kind(death.warga, death.tanggal, death.warga.kehamilan.all())
        if kind is None:
            continue
        rows.append(
            Row(
                nama_meninggal=death.warga.nama,
                status_meninggal={"ibu": "Ibu", "bayi": "Bayi", "balita": "Balita"}[kind],
                meninggal_jenis_kelamin=death.warga.jenis_kelamin,
                tanggal_meninggal=death.tanggal,
                sebab_meninggal=death.sebab,
            )
        )
    return rows, numbers_for(dasawisma, tahun, bulan)
