"""Two people editing the same record (issue 11): an edit form carries the version it was read at, and a
save over a newer version is refused with what the other person changed, so nothing is silently lost.

The version of a record is the id of its latest change-history row (django-simple-history writes one on
every save, the bulk imports included), so it changes with every write and is exact. A service given
`version` locks the row, compares, and raises EditedMeanwhile with the other person's changes (the
history diff between the version read and now: field, before, after, who, when); the view shows them
above the form, which keeps what this person typed and now carries the new version, so that saving
again is a deliberate choice.

A service that takes no `version` (keluarga_update, rumah_tangga_leave) is called by the view inside one
transaction.atomic() after check_version, so the row lock is held until the write commits.

Rows edited together in one form (the 7 Kegiatan Warga rows of a member, a household's Pemanfaatan
Pekarangan or Industri Rumah Tangga sheet) are a RowSet: their version is the latest history id among the
set's rows (added, changed and removed rows all write one), not the parent's, which changes with edits of
the parent's own fields and not with the rows. The parent's row is locked instead of the rows (a row
about to be added has none to lock)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


class EditedMeanwhile(ValidationError):
    """Someone saved the record after this person opened the form."""

    def __init__(self, *, version, changes, by, at, read=None):
        self.version, self.changes, self.by, self.at, self.read = version, changes, by, at, read
        super().__init__(
            "Data ini baru saja diubah orang lain sesudah formulir ini dibuka. Perubahan mereka tertera di atas; "
            "isian Anda masih di formulir: periksa, lalu simpan lagi."
        )


def version_of(instance) -> int:
    """The id of the record's latest change-history row (0 when it has none); of a RowSet: its rows'."""
    if isinstance(instance, RowSet):
        return instance.version()
    return instance.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def parse_version(text) -> int | None:
    """The version a form carried ("" or junk: None, no check). ASCII digits only: str.isdigit() also
    takes superscripts, which int() refuses."""
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 19 else None


def _shown(record, field):
    if field.is_relation:
        related = getattr(record, field.name, None)
        return str(related) if related is not None else "—"
    value = getattr(record, field.attname)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value) or "—")
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if value is None or value == "":
        return "—"
    return value.strftime("%d-%m-%Y") if hasattr(value, "strftime") else str(value)


def check_version(instance, version, *, hidden=()):
    """Lock the record's row and refuse a save over a version newer than `version` (None: no check).
    hidden: fields whose values are not shown (NIK, No. KK: only that they changed)."""
    if version is None:
        return
    type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    current = version_of(instance)
    if current == version:
        return
    history = instance.history
    now = history.filter(history_id=current).select_related("history_user").first()
    read = history.filter(history_id=version).first()
    changes = []
    if now is not None and read is not None:
        delta = now.diff_against(read)
        fields = {f.name: f for f in type(instance)._meta.concrete_fields}
        for change in delta.changes:
            field = fields.get(change.field)
            if field is None:
                continue
            label = str(field.verbose_name)
            if change.field in hidden:
                changes.append(Change(label, "(disamarkan)", "(diubah)"))
            else:
                changes.append(Change(label, _shown(read, field), _shown(now, field)))
    by = ""
    if now is not None and now.history_user is not None:
        by = now.history_user.get_full_name() or now.history_user.username
    raise EditedMeanwhile(version=current, changes=changes, by=by, at=now.history_date if now else None, read=read)


def merged(current, read, typed):
    """The record to show again after EditedMeanwhile: what is saved now, with every value this person
    changed from what they read put back on top (a field the other person changed and this person did
    not keeps the other person's value; one both changed keeps this person's, and the notice lists it).
    current: the record as saved now; read: its history row at the version read; typed: {field: value}."""
    for name, value in typed.items():
        if read is None or getattr(read, name, value) != value:
            setattr(current, name, value)
    return current


# -- rows edited together in one form -------------------------------------------------------------


@dataclass(frozen=True)
class RowSet:
    """The rows of one form: `history` is their change-history (e.g. KegiatanWarga.history.filter(warga_id=..)),
    `parent` the record they belong to (its row is locked while checking), `key` what tells the rows
    apart ("id"; "kegiatan" for the fixed rows), `fields` what the form edits. fixed_keys: rows that
    always exist for the form, with the model's defaults until first saved (the 7 Kegiatan Warga rows);
    without them rows are added and removed. label: a row's name in the notice."""

    parent: models.Model
    history: models.QuerySet
    fields: tuple[str, ...]
    key: str = "id"
    fixed_keys: Iterable = ()
    label: Callable = str

    def version(self) -> int:
        return self.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0

    def rows(self, upto=None) -> dict:
        """{key: model instance} as the rows were at history id `upto` (None: now)."""
        history = self.history if upto is None else self.history.filter(history_id__lte=upto)
        latest = {}
        for record in history.order_by("history_id"):
            latest[record.id] = record
        model = self.history.model.instance_type
        rows = {k: model(**{self.key: k}) for k in self.fixed_keys}
        for record in latest.values():
            if record.history_type != "-":
                row = record.instance
                rows[getattr(row, self.key)] = row
        return rows

    def values(self, rows) -> dict:
        """{key: {field: value}} of rows()."""
        return {k: {name: getattr(row, name) for name in self.fields} for k, row in rows.items()}

    def check(self, version):
        """check_version for the set: lock the parent, refuse when the rows changed after `version`.
        EditedMeanwhile.read is then values() of the rows as read."""
        if version is None:
            return
        type(self.parent).objects.select_for_update().filter(pk=self.parent.pk).first()
        current = self.version()
        if current == version:
            return
        read, now = self.rows(upto=version), self.rows()
        fields = [self.history.model.instance_type._meta.get_field(name) for name in self.fields]
        changes = []
        for k, row in now.items():
            before = read.get(k)
            if before is None:
                changes.append(Change(f"{self.label(row)} (baris baru)", "—", _summary(row, fields)))
                continue
            for field in fields:
                if getattr(before, field.attname) != getattr(row, field.attname):
                    changes.append(
                        Change(
                            f"{self.label(before)} — {field.verbose_name}", _shown(before, field), _shown(row, field)
                        )
                    )
        for k, before in read.items():
            if k not in now:
                changes.append(Change(f"{self.label(before)} (baris dihapus)", _summary(before, fields), "—"))
        latest = self.history.filter(history_id=current).select_related("history_user").first()
        by = ""
        if latest is not None and latest.history_user is not None:
            by = latest.history_user.get_full_name() or latest.history_user.username
        raise EditedMeanwhile(
            version=current, changes=changes, by=by, at=latest.history_date if latest else None, read=self.values(read)
        )


def _summary(row, fields):
    return ", ".join(_shown(row, field) for field in fields)


def merged_rows(read, now, typed):
    """The rows to show again after a RowSet's EditedMeanwhile, by merged()'s rule for each row and field.
    read, now: {key: {field: value}} (RowSet.values); typed: [(key or None for a new row, {field: value})]
    as this person sent them, rows they removed left out. Returns the same shape as typed:
    - a row in both: each field this person changed from what they read is theirs, the others are now's;
    - a row the other person removed: gone if this person left it as read, else kept as a new row;
    - a row the other person added: added; one this person removed stays removed; new rows stay."""
    result = []
    for k, values in typed:
        before, current = read.get(k), now.get(k)
        if k is None or current is None:
            if k is not None and before == values:
                continue  # removed by the other person, untouched here
            result.append((None, values))
            continue
        result.append((k, {n: v if before is None or before.get(n) != v else current[n] for n, v in values.items()}))
    sent = {k for k, _values in typed}
    result += [(k, values) for k, values in now.items() if k not in read and k not in sent]
    return result
