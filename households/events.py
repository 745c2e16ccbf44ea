"""The monthly form 4.18a derived from the recorded events (households.models Kehamilan, Kelahiran,
Kematian): its rows, its CATATAN totals, and the numbers a report stores at approval.

Pregnancies and births are counted in the database (households.rules' Q objects); deaths of a month
are few, so their kind (ibu/bayi/balita) is decided in Python by rules.death_kind. Everything runs in a
constant number of queries whatever the number of dasawisma."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear

from hierarchy.models import Unit

from . import rules
from .models import Kehamilan, Kelahiran, Kematian

VIA_KEHAMILAN = "ibu__keluarga__rumah_tangga__dasawisma"
VIA_KELAHIRAN = "ibu__keluarga__rumah_tangga__dasawisma"
VIA_KEMATIAN = "warga__keluarga__rumah_tangga__dasawisma"

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


def numbers_by(group_column, tahun, bulan, unit_filter=None):
    """{group id: numbers} for one month, grouped by an ancestor column of the dasawisma (e.g. "rt",
    "desa", or "dasawisma" itself), over dasawisma matching unit_filter (a Q on Unit). Four queries."""
    first, last = rules.month_bounds(tahun, bulan)
    unit_filter = unit_filter if unit_filter is not None else Q()
    result = defaultdict(empty_numbers)

    def prefixed(via):
        return Q(**{f"{via}__in": Unit.objects.filter(unit_filter, level="dasawisma")})

    key = f"{VIA_KEHAMILAN}__{group_column}"
    rows = (
        Kehamilan.objects.filter(prefixed(VIA_KEHAMILAN))
        .filter(rules.hamil_q(first, last) | rules.melahirkan_q(first, last) | rules.nifas_q(first, last))
        .values(key)
        .annotate(
            hamil=Count("ibu", filter=rules.hamil_q(first, last), distinct=True),
            melahirkan=Count("ibu", filter=rules.melahirkan_q(first, last), distinct=True),
            nifas=Count("ibu", filter=rules.nifas_q(first, last), distinct=True),
        )
    )
    for row in rows:
        numbers = result[row[key]]
        numbers["ibu_hamil"], numbers["ibu_melahirkan"], numbers["ibu_nifas"] = (
            row["hamil"],
            row["melahirkan"],
            row["nifas"],
        )

    key = f"{VIA_KELAHIRAN}__{group_column}"
    rows = (
        Kelahiran.objects.filter(prefixed(VIA_KELAHIRAN), tanggal__gte=first, tanggal__lte=last)
        .values(key)
        .annotate(**_birth_counts())
    )
    for row in rows:
        _add_births(result[row[key]], row)

    dasawisma_ids = {}
    deaths = _month_deaths(prefixed(VIA_KEMATIAN), first, last)
    if deaths:
        ids = {d.warga.keluarga.rumah_tangga.dasawisma_id for d in deaths}
        dasawisma_ids = dict(Unit.objects.filter(pk__in=ids).values_list("pk", f"{group_column}_id"))
    for death in deaths:
        _add_death(result[dasawisma_ids[death.warga.keluarga.rumah_tangga.dasawisma_id]], death)
    return dict(result)


def monthly_numbers(unit, months):
    """{(tahun, bulan): numbers over NUMBER_KEYS} for everything under the unit, for a run of
    consecutive months. Four queries whatever the number of months or dasawisma."""
    column = f"{unit.level}_id"
    result = {month: empty_numbers() for month in months}
    bounds = {month: rules.month_bounds(*month) for month in months}
    start, end = bounds[months[0]][0], bounds[months[-1]][1]

    # Mothers: every pregnancy that touches the window, then one filtered count per month and status,
    # exactly the three conditions numbers_by counts for one month.
    counts = {}
    for i, month in enumerate(months):
        first, last = bounds[month]
        counts[f"hamil_{i}"] = Count("ibu", filter=rules.hamil_q(first, last), distinct=True)
        counts[f"melahirkan_{i}"] = Count("ibu", filter=rules.melahirkan_q(first, last), distinct=True)
        counts[f"nifas_{i}"] = Count("ibu", filter=rules.nifas_q(first, last), distinct=True)
    window = Q(tanggal_mulai__lte=end) & (
        Q(tanggal_selesai__isnull=True) | Q(tanggal_selesai__gte=start - datetime.timedelta(days=rules.NIFAS_DAYS))
    )
    mothers = Kehamilan.objects.filter(window, **{f"{VIA_KEHAMILAN}__{column}": unit.pk}).aggregate(**counts)
    for i, month in enumerate(months):
        numbers = result[month]
        numbers["ibu_hamil"] = mothers[f"hamil_{i}"]
        numbers["ibu_melahirkan"] = mothers[f"melahirkan_{i}"]
        numbers["ibu_nifas"] = mothers[f"nifas_{i}"]

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
    return numbers_by(unit.level, tahun, bulan, Q(**{f"{unit.level}_id": unit.pk})).get(unit.pk, empty_numbers())


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
    first, last = rules.month_bounds(tahun, bulan)
    here = Q(**{VIA_KEHAMILAN: dasawisma})
    pregnancies = (
        Kehamilan.objects.filter(here)
        .filter(rules.hamil_q(first, last) | rules.melahirkan_q(first, last) | rules.nifas_q(first, last))
        .select_related("ibu__keluarga")
        .prefetch_related("ibu__keluarga__anggota")
        .order_by("ibu__nama", "tanggal_mulai")
    )
    rows = []
    seen = set()
    for k in pregnancies:
        status = rules.status_ibu(k, first, last)
        if status is None or (k.ibu_id, status) in seen:
            continue
        seen.add((k.ibu_id, status))
        rows.append(
            Row(
                nama_ibu=k.ibu.nama,
                nama_suami=_suami(k.ibu),
                status_ibu=status.capitalize(),
                extra={"ibu_id": k.ibu_id},
            )
        )
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
