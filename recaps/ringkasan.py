"""Each dasawisma's yearly facts of one day, kept, so that a recap above the dasawisma adds up one row
per dasawisma instead of counting every warga of its area (issue 14): the kota's 4.17c and the
dashboard's key figures read 3,000 small rows instead of 180,000 members, a provinsi's 60,000.

What is kept is the count itself, made by the one counting code (recaps.recaps.dasawisma_facts, the
same GROUP BY as a live recap), never a second way of counting. It is trusted only while nothing it
counted has changed:

- Every write to a counted table (rumah tangga, keluarga, warga, kehamilan, pekarangan, industri)
  adds a row to PerubahanDasawisma for each dasawisma it touched, by the database's own triggers, in
  the writer's transaction (migration 0002_ringkasan): a form, an import, a bulk update or a COPY alike.
  The sum of those rows per dasawisma (its version) grows with every committed write.
- A count is kept with the version read *before* it was counted (RingkasanDasawisma.versi) and the
  day it counts (per_tanggal: ages and dates change the numbers from one day to the next). A write
  that commits after the version was read raises the version, so the kept count is not trusted again;
  a write committed between the two reads is in the count, which is then merely counted once more.
- A recap reads the versions of its area's dasawisma (one query), their kept counts (one query),
  counts again only those that are old or missing (one query per counted table, for just those
  dasawisma) and keeps them. When more than BY_LIST_UP_TO are old (the first recap of a kota or a
  provinsi in the morning, or after an import), it keeps nothing: the recap is counted from the data as
  before, at the cost of one count, and the counting ahead of that area is left to the task queue
  (recaps.recaps.count_ahead_under), never done in the request.

The tree is not part of what is kept: which dasawisma are active on the day and under which child of
the unit each stands is read from the tree at every recap, so a dasawisma closed, re-opened or moved
needs no recount. The hourly housekeeping (`manage.py rapikan`) folds each dasawisma's change rows
into one and counts every old dasawisma for the day ahead of the first recap of the morning.

A kept count may be deleted at any time (it is counted again on the next recap); a failure to keep
one is logged and the recap is still answered.
"""

import datetime
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Expression, F, IntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from hierarchy.levels import Level
from hierarchy.models import Unit, active_q

from .models import PerubahanDasawisma, RingkasanDasawisma

logger = logging.getLogger(__name__)

# counts(on, dasawisma_q) -> {dasawisma id: {key: n}}: the dasawisma's own facts on the day, for the
# dasawisma matching dasawisma_q (a Q over Unit), whether active or not.
Counter = Callable[[datetime.date, Q], dict[int, dict[str, int]]]

# Up to this many old or missing counts a recap counts them (by a list of ids) and keeps them; above,
# facts_under gives None: the recap counts its whole area itself and the keeping is work for the queue.
BY_LIST_UP_TO = 300


def versions(dasawisma: Q) -> dict[int, int]:
    """{dasawisma id: version} for the dasawisma matching `dasawisma` (a Q over Unit); those never
    written since the triggers exist have no rows (version 0)."""
    wanted = Q(dasawisma_id__in=Unit.objects.filter(dasawisma).values("pk"))
    rows = (
        PerubahanDasawisma.objects.filter(wanted)
        .values("dasawisma_id")
        .annotate(versi=Sum("bobot"))
        .order_by()
        .values_list("dasawisma_id", "versi")
    )
    return dict(rows)


def facts_under(
    unit: Unit, on: datetime.date, counter: Counter, keys: Iterable[str], key: Expression | F | None = None
) -> dict[int, dict[str, int]] | None:
    """{value of `key`: {name: n}}: the facts `keys` of the dasawisma under the unit active on the day,
    added up by `key` (an expression over Unit, e.g. the child of the unit holding each dasawisma; the
    dasawisma's id when None). What is kept and still current is added up by the database; what was
    old or missing is counted anew, kept, and added here. None, with nothing counted or kept, when more
    than BY_LIST_UP_TO are old or missing; None too when a count of another day was kept meanwhile (a
    recap across midnight). The caller then counts everything itself."""
    area = _area(unit)
    refreshed = _refresh(area, on, counter, key, most=BY_LIST_UP_TO)
    if refreshed is None:
        return None
    rows, fresh = refreshed
    found: dict[int, dict[str, int]] = {}
    if len(fresh) < len(rows):
        # Only the rows found current above: a row counted anew here may not be readable yet where
        # this reads (a replica behind the primary), and a current row is replaced only by a newer one.
        sums = {name: Sum(Cast(KeyTextTransform(name, "ringkasan__fakta"), IntegerField()), default=0) for name in keys}
        current_rows = (
            Unit.objects.filter(area, active_q(on))
            .exclude(pk__in=list(fresh))
            .values(key=key if key is not None else F("pk"))
            .annotate(_n=Count("pk"), _n_day=Count("pk", filter=Q(ringkasan__per_tanggal=on)), **sums)
            .order_by()
        )
        for row in current_rows:
            if row.pop("_n") != row.pop("_n_day"):
                return None
            found[row.pop("key")] = row
    for pk, k in rows:
        if pk in fresh:
            target = found.setdefault(k, {})
            for name, n in fresh[pk].items():
                target[name] = target.get(name, 0) + n
    return found


def _area(unit: Unit) -> Q:
    """The dasawisma under the unit (a Q over Unit)."""
    return Q(level=Level.DASAWISMA, **{f"{unit.level}_id": unit.pk})


def _refresh(area, on, counter, key=None, most=None):
    """Counts anew, and keeps, the facts of the active dasawisma matching `area` whose kept count is
    old or missing: ([(dasawisma id, value of key)], {dasawisma id: facts counted anew}); None, with
    nothing counted, when more than `most` are."""
    current = versions(area)  # first: a write committed after this read makes what is kept old
    kept = (
        Unit.objects.filter(area, active_q(on))
        .annotate(k=key if key is not None else F("pk"))
        .values_list("pk", "k", "ringkasan__per_tanggal", "ringkasan__versi")
        .order_by()
    )
    rows, stale = [], []
    for pk, k, day, versi in kept:
        rows.append((pk, k))
        if day != on or versi != current.get(pk, 0):
            stale.append(pk)
    if most is not None and len(stale) > most:
        return None
    fresh = {}
    if stale:
        counted = counter(on, area if len(stale) > BY_LIST_UP_TO else Q(pk__in=stale))
        fresh = {pk: counted.get(pk, {}) for pk in stale}
        keep(on, fresh, current)
    return rows, fresh


def keep(on: datetime.date, facts: dict[int, dict[str, int]], current: dict[int, int]) -> None:
    """Keeps the counts, each with the version read before it was counted. A kept count is replaced
    only by one of a later day, or of the same day and a version as new (two recaps keeping at once:
    the one that read the older version does not overwrite the newer). In the order of the ids, so two
    recaps keeping the same rows wait for each other instead of deadlocking; a failure loses only the
    keeping (logged), never the recap."""
    table = connection.ops.quote_name(RingkasanDasawisma._meta.db_table)
    rows = [(pk, on.isoformat(), current.get(pk, 0), json.dumps(facts[pk])) for pk in sorted(facts)]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), 1000):
                part = rows[start : start + 1000]
                cursor.execute(
                    f"INSERT INTO {table} (dasawisma_id, per_tanggal, versi, fakta) VALUES "
                    + ", ".join(["(%s, %s, %s, %s)"] * len(part))
                    + " ON CONFLICT (dasawisma_id) DO UPDATE SET per_tanggal = excluded.per_tanggal,"
                    " versi = excluded.versi, fakta = excluded.fakta"
                    f" WHERE excluded.per_tanggal > {table}.per_tanggal"
                    f" OR (excluded.per_tanggal = {table}.per_tanggal AND excluded.versi >= {table}.versi)",
                    [value for row in part for value in row],
                )
    except DatabaseError:
        logger.warning("ringkasan dasawisma tidak tersimpan (%d dasawisma)", len(rows), exc_info=True)


# -- housekeeping ------------------------------------------------------------------------------------


def fold() -> int:
    """Folds each dasawisma's change rows into one with the same sum (the versions do not change).
    Deletes exactly the rows it added up, by id: a write committing meanwhile keeps its row. Returns
    how many rows were removed."""
    removed = 0
    many = (
        PerubahanDasawisma.objects.values("dasawisma_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("dasawisma_id")
        .values_list("dasawisma_id", flat=True)
    )
    dasawisma = list(many)
    for start in range(0, len(dasawisma), 500):
        chunk = dasawisma[start : start + 500]
        with transaction.atomic():
            ids, sums = [], defaultdict(int)
            for pk, dasawisma_id, bobot in PerubahanDasawisma.objects.filter(dasawisma_id__in=chunk).values_list(
                "pk", "dasawisma_id", "bobot"
            ):
                ids.append(pk)
                sums[dasawisma_id] += bobot
            for part in range(0, len(ids), 5000):
                PerubahanDasawisma.objects.filter(pk__in=ids[part : part + 5000]).delete()
            PerubahanDasawisma.objects.bulk_create(
                PerubahanDasawisma(dasawisma_id=d, bobot=total) for d, total in sorted(sums.items())
            )
            removed += len(ids) - len(sums)
    return removed


def count_ahead(on: datetime.date, counter: Counter, under: Unit | None = None) -> int:
    """Counts, kelurahan by kelurahan, every active dasawisma (under the unit, or everywhere) whose kept
    count is old or missing for the day. Returns how many were counted."""
    dasawisma = Unit.objects.filter(active_q(on), _area(under) if under is not None else Q(level=Level.DASAWISMA))
    counted = 0
    for desa_id in dasawisma.order_by("desa_id").values_list("desa_id", flat=True).distinct():
        counted += len(_refresh(Q(level=Level.DASAWISMA, desa_id=desa_id), on, counter)[1])
    return counted
