"""The import of a whole kelurahan at once: one Data Warga workbook (the same columns, read by the same
reader, read.read_dataset) with the rows of many of its dasawisma.

How a row finds its dasawisma (`Directory`, `_place`; printed on the kelurahan template's Petunjuk):
- by "Kode Dasawisma", the dasawisma's pk, when filled (a row copied from a dasawisma's template): it
  must be a dasawisma of this kelurahan, open today; a "Dasawisma" cell beside it must name the same one;
- else by "Dasawisma": its path in the kelurahan ("RT 001 › Melati 1", "RW 01 › RT 001 › Melati 1", the
  path with the kelurahan, as the dasawisma template writes it), or its name alone when only one open
  dasawisma of the kelurahan has it; letter case and spaces are ignored, ">" is read as "›";
- both empty: the dasawisma of the row above (a household's rows need the dasawisma once).
A row that finds none (the first row empty, an unknown, closed or other kelurahan's dasawisma: the
same message for the last two, so nothing leaks) is an error on that row and column, and so is every
row below it that follows it.

The preview (`analyse_kelurahan`) splits the rows by dasawisma into sub-datasets that keep their sheet
row numbers and runs the dasawisma import's own analysis (analyse.analyse) on each; across dasawisma it
checks what one dasawisma's analysis cannot see: a NIK or a No. KK on rows of two dasawisma is an error
on the later rows, naming the first. Nothing is written.

The confirm (`commit_kelurahan`, run by the background job importer.job) analyses everything again on
fresh data, then commits dasawisma by dasawisma with write.commit (each in its own transaction, analysed
again under its lock). `strict`: nothing at all when any row is wrong; else the dasawisma with a wrong
row are held back and the others saved. A dasawisma whose commit fails at that moment (the data changed
meanwhile) is rolled back alone: the others stay saved, and the same file uploaded again completes it
(found records are updated, never duplicated)."""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import PATH_LEVELS, Unit, path_related

from .. import validation
from .analyse import ERROR, NEW, UNCHANGED, UPDATE, Preview, RowReport, analyse, require_import
from .columns import COLUMN_BY_ATTRIBUTE, HEADER_OF, blank, label_key
from .template import EXAMPLE_LABEL, LIST_TITLE
from .write import ImportBlocked, commit

KODE = HEADER_OF["baris__kode_dasawisma"]
DASAWISMA = HEADER_OF["baris__nama_dasawisma"]
NIK = HEADER_OF["warga__nik"]
NO_KK = HEADER_OF["keluarga__no_kk"]
NAMA = HEADER_OF["warga__nama"]


class Directory:
    """The dasawisma of one desa (one query, closed ones included so that they are named as closed), found
    by pk or by a typed label."""

    def __init__(self, desa, today):
        self.desa, self.today = desa, today
        units = (
            Unit.objects.filter(level=Level.DASAWISMA, desa_id=desa.pk).select_related(*path_related()).order_by("pk")
        )
        self.by_pk = {unit.pk: unit for unit in units}
        self.by_key = {}
        for unit in self.by_pk.values():
            for key in _keys(unit):
                self.by_key.setdefault(key, []).append(unit)

    @staticmethod
    def label(unit):
        """'RW 01 › RT 001 › Melati 1': the dasawisma's path in the kelurahan."""
        return unit.path_label(within=Level.DESA)

    def is_open(self, unit):
        return unit.is_active_on(self.today)

    def open_labels(self):
        """The labels of the dasawisma open today, in order (the template's dropdown)."""
        return sorted((self.label(u) for u in self.by_pk.values() if self.is_open(u)), key=label_key)

    def example(self):
        """A label to show as an example: one of this kelurahan's own (never another's name)."""
        labels = self.open_labels()
        return labels[0] if labels else EXAMPLE_LABEL

    def by_code(self, code):
        """(dasawisma, None) or (None, the message for the Kode Dasawisma column)."""
        unit = self.by_pk.get(code)
        if unit is None:
            return None, (
                f"Kode Dasawisma {code} bukan kode dasawisma di {self.desa}. Kosongkan kolom ini dan pilih "
                "dasawismanya di kolom Dasawisma."
            )
        if not self.is_open(unit):
            return None, self._closed(unit)
        return unit, None

    def find(self, text):
        """(dasawisma, None) or (None, the message for the Dasawisma column)."""
        found = self.by_key.get(label_key(text), [])
        open_ones = [u for u in found if self.is_open(u)]
        if len(open_ones) == 1:
            return open_ones[0], None
        if open_ones:
            return None, (
                f"Ada {len(open_ones)} dasawisma “{text}” di {self.desa}: tulis jalurnya, misalnya "
                f"“{self.label(open_ones[0])}”."
            )
        if found:
            return None, self._closed(found[0])
        return None, (
            f"“{text}” bukan dasawisma di {self.desa}. Pilih dari daftar kolom ini (lembar “{LIST_TITLE}” "
            f"templat kelurahan), misalnya “{self.example()}”."
        )

    def names(self, unit, text):
        """Whether the typed text is one of the labels of this dasawisma."""
        return unit in self.by_key.get(label_key(text), [])

    def _closed(self, unit):
        if unit.active_to is not None and unit.active_to < self.today:
            return (
                f"Dasawisma {self.label(unit)} sudah ditutup per {unit.active_to:%d-%m-%Y}; pilih dasawisma yang aktif."
            )
        return f"Dasawisma {self.label(unit)} baru aktif mulai {unit.active_from:%d-%m-%Y}; pilih dasawisma yang aktif."


def _keys(unit):
    """The labels a dasawisma is found by: every tail of its path ('Melati 1', 'RT 001 › Melati 1', ...,
    'Kelurahan Berbas Tengah › RW 01 › RT 001 › Melati 1'), its own part also as 'Dasawisma Melati 1'."""
    parts = [str(getattr(unit, level)) for level in PATH_LEVELS if getattr(unit, f"{level}_id")]
    keys = set()
    for own in {parts[-1], unit.title}:
        path = [*parts[:-1], own]
        keys.update(label_key(" › ".join(path[start:])) for start in range(len(path)))
    return keys


# -- the preview ---------------------------------------------------------------------------------------


@dataclass
class Group:
    """The rows of one dasawisma: a dataset of the file's rows with their sheet row numbers, the problems
    seen across dasawisma ({row number: [(column, message)]}) and the dasawisma analysis of its rows."""

    dasawisma: Unit
    label: str
    dataset: tablib.Dataset
    across: dict = field(default_factory=dict)
    preview: Preview | None = None

    @property
    def rows(self):
        return len(self.dataset)

    @property
    def counts(self):
        return self.preview.counts

    @property
    def has_errors(self):
        return self.preview.has_errors


@dataclass
class KelurahanPreview:
    desa: Unit
    groups: list  # Group, in the order of their dasawisma labels
    unplaced: list  # RowReport of the rows that found no dasawisma

    @property
    def total(self):
        return sum(g.rows for g in self.groups) + len(self.unplaced)

    @property
    def counts(self):
        counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: len(self.unplaced)}
        for group in self.groups:
            for key in counts:
                counts[key] += group.counts[key]
        return counts

    @property
    def has_errors(self):
        return bool(self.unplaced) or any(g.has_errors for g in self.groups)

    @property
    def ready(self):
        """The dasawisma whose every row is right."""
        return [g for g in self.groups if not g.has_errors]

    @property
    def held(self):
        """The dasawisma with a wrong row: held back when the others are saved."""
        return [g for g in self.groups if g.has_errors]

    def group(self, dasawisma_pk):
        return next((g for g in self.groups if g.dasawisma.pk == dasawisma_pk), None)


def analyse_kelurahan(dataset, *, actor, desa, only=None, today=None):
    """The preview of a kelurahan file: its rows placed in their dasawisma and each dasawisma's rows
    analysed (only: the pk of the one dasawisma to analyse, for a page of its rows; the others are then
    placed but not analysed). Raises PermissionDenied when the actor may not import into the desa."""
    require_import(actor, desa)
    today = today or timezone.localdate()
    directory = Directory(desa, today)
    placed, unplaced = _place(dataset, directory)
    groups = {}
    for number, unit, values in placed:
        if unit.pk not in groups:
            label = directory.label(unit)
            groups[unit.pk] = Group(unit, label, tablib.Dataset(headers=list(dataset.headers)))
            groups[unit.pk].dataset.row_numbers = []
            groups[unit.pk].dataset.absent = list(getattr(dataset, "absent", ()))
        groups[unit.pk].dataset.append(values)
        groups[unit.pk].dataset.row_numbers.append(number)
    for number, unit, column, message in _across(dataset.headers, placed, directory):
        groups[unit.pk].across.setdefault(number, []).append((column, message))
    ordered = sorted(groups.values(), key=lambda g: label_key(g.label))
    for group in ordered:
        if only is None or group.dasawisma.pk == only:
            group.preview = analyse(group.dataset, actor=actor, dasawisma=group.dasawisma, today=today)
            _add_problems(group.preview, group.across)
    return KelurahanPreview(desa, ordered, unplaced)


def _place(dataset, directory):
    """([(row number, dasawisma, row values)], [RowReport of a row without dasawisma]), in sheet order."""
    headers = list(dataset.headers)
    at = {header: headers.index(header) for header in (KODE, DASAWISMA, NIK, NAMA)}
    code_widget = COLUMN_BY_ATTRIBUTE["baris__kode_dasawisma"].widget
    placed, unplaced = [], []
    above = None  # (the dasawisma of the row above or None, the row that named it)
    for number, values in zip(dataset.row_numbers, dataset, strict=True):
        code, name = values[at[KODE]], values[at[DASAWISMA]]
        unit, column, message = None, DASAWISMA, ""
        if not blank(code):
            column = KODE
            try:
                unit, message = directory.by_code(code_widget.clean(code))
            except ValueError as exc:
                message = str(exc)
            if unit is not None and not blank(name) and not directory.names(unit, name):
                message = (
                    f"“{name}” bukan dasawisma berkode {unit.pk} di kolom Kode Dasawisma "
                    f"({directory.label(unit)}). Kosongkan salah satu kolom."
                )
                unit, column = None, DASAWISMA
            above = (unit, number)
        elif not blank(name):
            unit, message = directory.find(name)
            above = (unit, number)
        elif above is None:
            message = (
                "Isi kolom Dasawisma di baris pertama. Baris yang kolom ini kosong ikut dasawisma baris di atasnya."
            )
        elif above[0] is None:
            message = f"Kolom ini kosong: baris ini ikut baris {above[1]}, yang dasawismanya tidak dikenal."
        else:
            unit = above[0]
        if unit is not None:
            placed.append((number, unit, values))
            continue
        nik = _card_number("warga__nik", values[at[NIK]])
        report = RowReport(number, nama=_text(values[at[NAMA]]), nik=validation.mask(nik))
        report.error(column, message)
        unplaced.append(report)
    return placed, unplaced


def _across(headers, placed, directory):
    """(row number, dasawisma, column, message) of every later row whose NIK, or No. KK, an earlier row of
    another dasawisma has: one person, one keluarga, in one dasawisma."""
    at = {column: list(headers).index(column) for column in (NIK, NO_KK)}
    first = {NIK: {}, NO_KK: {}}
    attributes = {NIK: "warga__nik", NO_KK: "keluarga__no_kk"}
    what = {NIK: "satu warga", NO_KK: "satu keluarga"}
    for number, unit, values in placed:
        for column, seen in first.items():
            value = _card_number(attributes[column], values[at[column]])
            if not value:
                continue
            first_number, first_unit = seen.setdefault(value, (number, unit))
            if first_unit.pk != unit.pk:
                yield (
                    number,
                    unit,
                    column,
                    f"{column} sama dengan baris {first_number} di dasawisma {directory.label(first_unit)}: "
                    f"{what[column]} dicatat di satu dasawisma saja.",
                )


def _add_problems(preview, problems):
    """The problems seen across dasawisma added to the rows of one dasawisma's preview, and its counts
    moved accordingly (a row with an error counts as an error)."""
    if not problems:
        return
    for report in preview.rows:
        for column, message in problems.get(report.number, ()):
            was_wrong = report.has_errors
            report.error(column, message)
            if not was_wrong:
                preview.counts[report.action] -= 1
                preview.counts[ERROR] += 1


def _card_number(attribute, value):
    """A NIK or No. KK cell as the import reads it ("" when empty or unreadable: the analysis says why)."""
    try:
        return COLUMN_BY_ATTRIBUTE[attribute].widget.clean(value) or ""
    except ValueError:
        return ""


def _text(value):
    return "" if blank(value) else " ".join(str(value).split())


# -- the confirm ---------------------------------------------------------------------------------------


@dataclass
class KelurahanResult:
    saved: list  # (Group, the Preview write.commit returned)
    held: list  # Group with a wrong row, not saved
    failed: list  # Group whose commit failed at that moment (the data changed meanwhile)
    unplaced: int  # rows without a dasawisma, not saved

    @property
    def new(self):
        return sum(p.counts[NEW] for _g, p in self.saved)

    @property
    def updated(self):
        return sum(p.counts[UPDATE] for _g, p in self.saved)


def commit_kelurahan(dataset, *, actor, desa, strict, progress=None):
    """Analyse the file again on fresh data, then commit it dasawisma by dasawisma (write.commit: its own
    transaction each). strict: ImportBlocked when any row is wrong, nothing written; else the dasawisma
    with a wrong row are held back (ImportBlocked when no dasawisma is left to save). progress(done,
    total) after each dasawisma. A dasawisma whose commit fails (ImportBlocked, ValidationError,
    IntegrityError: changed meanwhile) is listed as failed; the others stay saved."""
    checked = analyse_kelurahan(dataset, actor=actor, desa=desa)
    if (strict and checked.has_errors) or not checked.ready:
        raise ImportBlocked(checked)
    ready = checked.ready
    result = KelurahanResult([], checked.held, [], len(checked.unplaced))
    if progress is not None:
        progress(0, len(ready))
    for done, group in enumerate(ready, start=1):
        try:
            preview = commit(group.dataset, actor=actor, dasawisma=group.dasawisma)
        except (ImportBlocked, ValidationError, IntegrityError):
            result.failed.append(group)
        else:
            result.saved.append((group, preview))
        if progress is not None:
            progress(done, len(ready))
    return result
