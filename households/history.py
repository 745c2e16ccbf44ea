"""The change history of one rumah tangga as readable rows: who, when, what, and which fields went
from what to what.

The history of a household is spread over the simple-history tables of the rumah tangga, its
keluarga, their warga, the warga's kegiatan rows, corrections and pregnancies, and the two sheets.
Each table is read once (a fixed number of queries whatever the length of the history); a household's
history is small, so the rows are merged and paginated in Python. NIK and No. KK are masked here, so no
page built on these rows can show them."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Subquery
from django.utils.text import capfirst

from hierarchy.models import Unit

from .models import (
    IndustriRumahTangga,
    KegiatanWarga,
    Kehamilan,
    Keluarga,
    KoreksiKegiatanPKK,
    PemanfaatanPekarangan,
    RumahTangga,
    Warga,
)
from .validation import mask

MASKED_FIELDS = {"nik", "no_kk"}
ACTIONS = {"+": "dicatat", "~": "diubah", "-": "dihapus"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: datetime.datetime
    who: str
    action: str  # "+", "~" or "-"
    subject: str
    changes: list = field(default_factory=list)  # Change rows; for "+" the values first recorded

    @property
    def action_label(self):
        return ACTIONS.get(self.action, self.action)


def _records(rumah_tangga_pk):
    """Every historical record of the household and what hangs from it, one query per table."""
    keluarga_ids = Keluarga.history.filter(rumah_tangga_id=rumah_tangga_pk).values("id")
    warga_ids = Warga.history.filter(keluarga_id__in=Subquery(keluarga_ids)).values("id")
    tables = [
        RumahTangga.history.filter(id=rumah_tangga_pk),
        Keluarga.history.filter(rumah_tangga_id=rumah_tangga_pk),
        Warga.history.filter(keluarga_id__in=Subquery(keluarga_ids)),
        KegiatanWarga.history.filter(warga_id__in=Subquery(warga_ids)),
        KoreksiKegiatanPKK.history.filter(warga_id__in=Subquery(warga_ids)),
        Kehamilan.history.filter(ibu_id__in=Subquery(warga_ids)),
        PemanfaatanPekarangan.history.filter(rumah_tangga_id=rumah_tangga_pk),
        IndustriRumahTangga.history.filter(rumah_tangga_id=rumah_tangga_pk),
    ]
    return [list(qs.select_related("history_user").order_by("history_date", "history_id")) for qs in tables]


class _Names:
    """Display names of the objects that history rows point to, from the records already loaded (a
    deleted warga keeps its name) and one query for the dasawisma units named."""

    def __init__(self, tables):
        self.warga = {}
        self.keluarga = {}
        for rec in tables[2]:
            self.warga[rec.id] = rec.nama  # records are in date order: the last name wins
        for rec in tables[1]:
            self.keluarga[rec.id] = rec.no_kk
        unit_ids = {rec.dasawisma_id for rec in tables[0]}
        self.units = {u.pk: str(u) for u in Unit.objects.filter(pk__in=unit_ids)}

    def warga_name(self, pk):
        return self.warga.get(pk, "(anggota tidak dikenal)")

    def subject(self, rec):
        model = rec.instance_type
        if model is RumahTangga:
            return "Rumah tangga"
        if model is Keluarga:
            return f"Keluarga (No. KK {mask(rec.no_kk)})"
        if model is Warga:
            return f"Warga {rec.nama}"
        if model is KegiatanWarga:
            return f"Kegiatan warga {self.warga_name(rec.warga_id)}: {_choice_label(rec, 'kegiatan')}"
        if model is KoreksiKegiatanPKK:
            return (
                f"Koreksi catatan keluarga {self.warga_name(rec.warga_id)} {rec.tahun}: {_choice_label(rec, 'kolom')}"
            )
        if model is Kehamilan:
            return f"Kehamilan {self.warga_name(rec.ibu_id)}"
        if model is PemanfaatanPekarangan:
            return f"Pemanfaatan pekarangan: {_choice_label(rec, 'kategori')} {rec.komoditi}"
        if model is IndustriRumahTangga:
            return f"Industri rumah tangga: {_choice_label(rec, 'kategori')} {rec.komoditi}"
        return str(rec.instance_type._meta.verbose_name)

    def value(self, model, name, value):
        """One field value as the user reads it."""
        if value is None or value == "":
            return "—"
        if name in MASKED_FIELDS:
            return mask(value)
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            if name in ("krt", "warga", "ibu"):
                return self.warga_name(value)
            if name == "keluarga":
                return f"KK {mask(self.keluarga.get(value, ''))}"
            if name == "dasawisma":
                return self.units.get(value, f"#{value}")
            return f"#{value}"
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Ya" if value else "Tidak"
        if isinstance(value, datetime.datetime):
            return f"{value:%d-%m-%Y %H:%M}"
        if isinstance(value, datetime.date):
            return f"{value:%d-%m-%Y}"
        return str(value)


def _choice_label(rec, name):
    return str(dict(rec.instance_type._meta.get_field(name).flatchoices).get(getattr(rec, name), getattr(rec, name)))


def _label(model, name):
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _tracked_names(rec):
    return [f.name for f in rec.tracked_fields]


def _who(rec):
    user = rec.history_user
    return user.display_name if user is not None else "sistem"


def _initial_values(rec, names):
    """For a creation: the values first recorded, leaving out the keys and what is empty or "no"
    (a new member has a dozen Tidak answers; listing them hides what was actually entered)."""
    model = rec.instance_type
    changes = []
    for name in _tracked_names(rec):
        if name in ("id", "rumah_tangga", "keluarga"):
            continue
        raw = getattr(rec, model._meta.get_field(name).attname)
        if raw is None or raw == "" or raw is False:
            continue
        changes.append(Change(_label(model, name), "", names.value(model, name, raw)))
    return changes


def household_history(rumah_tangga_pk):
    """All the rows of a household's history, newest first."""
    tables = _records(rumah_tangga_pk)
    names = _Names(tables)
    rows = []
    for records in tables:
        previous = {}
        for rec in records:
            model = rec.instance_type
            before = previous.get(rec.id)
            previous[rec.id] = rec
            if rec.history_type == "-":
                changes = []
            elif before is None:
                # A creation, or the first record of an object saved before its history was kept.
                changes = _initial_values(rec, names)
            else:
                delta = rec.diff_against(before)
                if not delta.changes:
                    continue  # a save that changed nothing the user can see
                changes = [
                    Change(
                        _label(model, c.field), names.value(model, c.field, c.old), names.value(model, c.field, c.new)
                    )
                    for c in _in_form_order(model, delta.changes)
                ]
            rows.append(HistoryRow(rec.history_date, _who(rec), rec.history_type, names.subject(rec), changes))
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


def _in_form_order(model, changes):
    order = {f.name: i for i, f in enumerate(model._meta.fields)}
    return sorted(changes, key=lambda c: order.get(c.field, len(order)))
