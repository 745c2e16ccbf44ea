"""Two people editing the same record (issue 11): an edit form carries the version it was read at, and a
save over a newer version is refused with what the other person changed, so nothing is silently lost.

The version of a record is the id of its latest change-history row (django-simple-history writes one on
every save, the bulk imports included), so it changes with every write and is exact. A service given
`version` locks the row, compares, and raises EditedMeanwhile with the other person's changes (the
history diff between the version read and now: field, before, after, who, when); the view shows them
above the form, which keeps what this person typed and now carries the new version, so that saving
again is a deliberate choice."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError


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
    """The id of the record's latest change-history row (0 when it has none)."""
    return instance.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def parse_version(text) -> int | None:
    """The version a form carried ("" or junk: None, no check)."""
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 19 else None


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
