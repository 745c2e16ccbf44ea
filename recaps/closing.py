"""Closing a year: the yearly recaps of a finished year are kept as they were on 31 December.

``close_year(tahun)`` takes, for every dasawisma active on 31 December, one PotretTahunan: all its yearly
counts as of that day (recaps.recaps._yearly_facts per dasawisma), its 4.16a rows, and where it stood in
the tree. From then on recaps.yearly_recap of that year sums these snapshots instead of counting today's
data, so households entered later are not in it, flags (menyusui, 3 buta, berkebutuhan khusus, house
criteria) stay as they were, and a regrouping or move afterwards changes nothing.

Why a snapshot rather than the history tables: the counts of a year involve every household, member,
pregnancy and sheet as they were on one day; rebuilding that from django-simple-history's rows for a
whole kota is a query over every history table per recap, while the snapshot is taken once (one
command in January, `manage.py tutup_tahun`) and read in one small query, the same way a monthly
report keeps the numbers it was approved with. Years before the first closing are counted from today's
data as of their 31 December, and the screens say so.

Run it once a year, early in January (a timer: see the README); running it again adds only the
dasawisma that have no snapshot for that year, and never changes one."""

import datetime
from collections import defaultdict

from django.db import transaction

from hierarchy.levels import LEVEL_ORDER, Level
from hierarchy.models import Unit, active_q
from households.models import RumahTangga

from . import recaps
from .models import PotretTahunan

PATH_LEVELS = [lv for lv in LEVEL_ORDER if lv != Level.DASAWISMA]


def _path(dasawisma):
    return {level: getattr(dasawisma, f"{level}_id") for level in PATH_LEVELS if getattr(dasawisma, f"{level}_id")}


@transaction.atomic
def close_year(tahun: int, under: Unit | None = None) -> int:
    """Snapshot every dasawisma active on 31 December of tahun (under the unit, or everywhere) that has
    none yet for that year. Returns how many were taken. A constant number of queries per kelurahan."""
    on = datetime.date(tahun, 12, 31)
    kelurahan = Unit.objects.filter(level=Level.DESA).filter(active_q(on))
    if under is not None:
        kelurahan = (
            kelurahan.filter(**{f"{under.level}_id": under.pk})
            if under.level != Level.DESA
            else kelurahan.filter(pk=under.pk)
        )
    taken = 0
    done = set(PotretTahunan.objects.filter(tahun=tahun).values_list("dasawisma_id", flat=True))
    for desa in kelurahan.order_by("pk"):
        dasawisma = [
            d for d in Unit.objects.filter(active_q(on), level=Level.DASAWISMA, desa_id=desa.pk) if d.pk not in done
        ]
        if not dasawisma:
            continue
        facts = recaps._yearly_facts(desa, on, by_dasawisma=True)
        households = defaultdict(list)
        for dasawisma_id, row in recaps.household_rows(RumahTangga.objects.filter(dasawisma__in=dasawisma), on):
            households[dasawisma_id].append(
                {"label": row.label, "rumah_tangga_id": row.rumah_tangga_id, "values": row.values}
            )
        PotretTahunan.objects.bulk_create(
            PotretTahunan(
                dasawisma=d,
                tahun=tahun,
                per_tanggal=on,
                fakta=facts.get(d.pk, {}),
                rumah_tangga=households[d.pk],
                jalur=_path(d),
            )
            for d in dasawisma
        )
        taken += len(dasawisma)
    return taken
