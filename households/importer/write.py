"""Writing (`commit`, the confirm): inside one transaction.atomic, with the dasawisma row locked so two
confirms do not interleave, the file is analysed again on fresh data (it may have changed since the
preview) and any error writes nothing (ImportBlocked).

The writes are bulk (bulk_create / bulk_update with django-simple-history's bulk_create_with_history /
bulk_update_with_history and bulk_history_create), one history row per new or changed record naming
the user (change reason "Impor Excel"); unchanged records are not saved. The services' per-row
functions (rumah_tangga_create, keluarga_add, warga_add, warga_update) were the first version: 5,000
rows took 138 s to commit on SQLite (several queries and a savepoint per member), far over the 30 s
target; the bulk version does the same checks once per row in Python and writes in a few hundred
statements at most (figures: bench/import_warga.py). The kepala rumah tangga of a new household is
chosen as services.rumah_tangga_create chooses it.
"""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hierarchy.models import Unit

from ..models import Keluarga, RumahTangga, StatusDalamKeluarga, Warga
from .analyse import UPDATE, analyse
from .columns import RUMAH_TANGGA_IMPORTED, WARGA_IMPORTED

BATCH_SIZE = 500
CHANGE_REASON = "Impor Excel"


class ImportBlocked(Exception):
    """Some row has an error (the file or the data in the database changed since the preview)."""

    def __init__(self, preview):
        super().__init__("Impor dibatalkan: ada baris yang salah.")
        self.preview = preview


def commit(dataset, *, actor, dasawisma):
    """Analyse again on fresh data and write everything in one transaction: all or nothing.
    Raises ImportBlocked when a row has an error, PermissionDenied without the right to enter data.
    (No progress steps: written inside this transaction, another connection would see none of them.)"""
    with transaction.atomic():
        # One import at a time into a dasawisma: a second confirm waits here, then finds the rows in place.
        list(Unit.objects.select_for_update().filter(pk=dasawisma.pk).values_list("pk", flat=True))
        preview = analyse(dataset, actor=actor, dasawisma=dasawisma)
        if preview.has_errors:
            raise ImportBlocked(preview)
        _write(preview.plan, actor=actor, dasawisma=dasawisma)
    return preview


def _write(plan, *, actor, dasawisma):
    """Every write in bulk, with one history row per new or changed record naming the actor. Records
    that did not change are not touched. The order keeps the database constraints true at each step."""
    now = timezone.now()
    history = {"default_user": actor, "default_change_reason": CHANGE_REASON, "default_date": now}

    new_households, changed_households = [], []
    for rt_plan in plan:
        if rt_plan.existing is None:
            rt_plan.instance = RumahTangga(dasawisma=dasawisma, **rt_plan.data)
            new_households.append(rt_plan.instance)
        else:
            rt_plan.instance = rt_plan.existing
            if rt_plan.changed:
                _assign(rt_plan.existing, rt_plan.data, now)
                changed_households.append(rt_plan.existing)
    # The history row of a new household waits for its kepala rumah tangga (set once the warga exist).
    RumahTangga.objects.bulk_create(new_households, batch_size=BATCH_SIZE)
    _update(changed_households, RumahTangga, RUMAH_TANGGA_IMPORTED, history)

    new_keluarga, confirmed_keluarga = [], []
    for rt_plan in plan:
        for kk_plan in rt_plan.keluarga:
            if kk_plan.existing is None:
                kk_plan.instance = Keluarga(
                    rumah_tangga=rt_plan.instance, no_kk=kk_plan.no_kk, no_kk_dikonfirmasi=kk_plan.confirmed
                )
                new_keluarga.append(kk_plan.instance)
            else:
                kk_plan.instance = kk_plan.existing
                if kk_plan.confirm_changed:
                    _assign(kk_plan.existing, {"no_kk_dikonfirmasi": True}, now)
                    confirmed_keluarga.append(kk_plan.existing)
    bulk_create_with_history(new_keluarga, Keluarga, batch_size=BATCH_SIZE, **history)
    _update(confirmed_keluarga, Keluarga, ["no_kk_dikonfirmasi"], history)

    # Members who are not (or stop being) kepala first, then the kepala, then the new members: a change
    # of kepala inside a keluarga never has two active kepala at one moment.
    new_warga, others, heads = [], [], []
    for rt_plan in plan:
        for kk_plan in rt_plan.keluarga:
            for row in kk_plan.rows:
                if row.existing is None:
                    row.instance = Warga(keluarga=kk_plan.instance, **row.warga)
                    new_warga.append(row.instance)
                elif row.report.action == UPDATE:
                    row.instance = _assign(row.existing, row.warga, now)
                    is_head = row.warga["status_dalam_keluarga"] == StatusDalamKeluarga.KEPALA
                    (heads if is_head else others).append(row.existing)
    _update(others, Warga, WARGA_IMPORTED, history)
    _update(heads, Warga, WARGA_IMPORTED, history)
    bulk_create_with_history(new_warga, Warga, batch_size=BATCH_SIZE, **history)

    for rt_plan in plan:
        if rt_plan.existing is None:
            rt_plan.instance.krt = _kepala_rumah_tangga(rt_plan)
    RumahTangga.objects.bulk_update(new_households, ["krt"], batch_size=BATCH_SIZE)
    RumahTangga.history.bulk_history_create(new_households, batch_size=BATCH_SIZE, **history)


def _assign(instance, data, now):
    for name, value in data.items():
        setattr(instance, name, value)
    instance.updated_at = now
    return instance


def _update(objs, model, fields, history):
    if objs:
        bulk_update_with_history(objs, model, [*fields, "updated_at"], batch_size=BATCH_SIZE, **history)


def _kepala_rumah_tangga(rt_plan):
    """As services.rumah_tangga_create chooses: the first kepala keluarga, else the oldest member."""
    members = [row.instance for kk_plan in rt_plan.keluarga for row in kk_plan.rows]
    for warga in members:
        if warga.status_dalam_keluarga == StatusDalamKeluarga.KEPALA:
            return warga
    return min(members, key=lambda w: w.tanggal_lahir) if members else None
