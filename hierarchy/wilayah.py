"""The official areas (Kemendagri codes): provinsi, kabupaten/kota, kecamatan and desa/kelurahan,
loaded into the unit tree from the CSV files in data/wilayah (source and licence: data/wilayah/SOURCE.md).

``import_wilayah`` reads and checks the four files completely before it writes anything, then inserts
level by level with bulk_create: it sets the ancestor columns of the new rows itself (the parent's
columns plus the parent's own id) and fills the own-level column of each level with one UPDATE, so
all of Indonesia (about 91,600 units) is a few dozen statements, not one save() per row. Existing rows
are matched by (level, code): a re-run creates nothing twice and only renames what changed.
"""

import csv
import re
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .levels import OFFICIAL_LEVELS, RANK, Level
from .models import OFFICIAL_CODE_RE, Unit

BATCH_SIZE = 2000
CHANGE_REASON = "import_wilayah"
MAX_ERRORS_SHOWN = 20

# The official levels top down, as plain strings (they name the ancestor columns).
LEVELS = [lv.value for lv in OFFICIAL_LEVELS]
CODE_EXAMPLE = {
    Level.PROVINSI: "64",
    Level.KABKOTA: "64.74",
    Level.KECAMATAN: "64.74.02",
    Level.DESA: "64.74.02.1002",
}


@dataclass(frozen=True)
class SourceFile:
    level: str
    filename: str
    columns: tuple


SOURCES = (
    SourceFile(Level.PROVINSI.value, "provinces.csv", ("code", "name")),
    SourceFile(Level.KABKOTA.value, "regencies.csv", ("code", "province_code", "name")),
    SourceFile(Level.KECAMATAN.value, "districts.csv", ("code", "regency_code", "name")),
    SourceFile(Level.DESA.value, "villages.csv", ("code", "district_code", "name")),
)
SOURCE_OF = {source.level: source for source in SOURCES}
NAME_MAX_LENGTH = Unit._meta.get_field("name").max_length


class WilayahImportError(CommandError):
    """A source file or a --kode value is not valid; nothing was written."""


def default_data_dir():
    return Path(settings.BASE_DIR) / "data" / "wilayah"


# -- names -----------------------------------------------------------------------------------------

# Abbreviations that stay upper case when an all-caps name is title-cased.
ABBREVIATIONS = frozenset({"DKI", "DI", "DIY", "NAD", "NTB", "NTT", "RI", "NKRI", "PJKA", "UPT", "SP"})
# Conjunctions written in lower case inside a name ("Kabupaten Pangkajene dan Kepulauan").
LOWER_WORDS = frozenset({"dan"})
_ROMAN = re.compile(r"^(?=[IVX])X{0,3}(IX|IV|V?I{0,3})$")
_SEGMENT_SPLIT = re.compile(r"([-/(])")


def _capitalize(segment):
    """Upper-case the first letter, lower-case the rest ("KI'E" -> "Ki'e", "(UTARA)" -> "(Utara)")."""
    lowered = segment.lower()
    for index, char in enumerate(lowered):
        if char.isalpha():
            return lowered[:index] + char.upper() + lowered[index + 1 :]
    return lowered


def _title_word(word, first):
    bare = word.strip(".,()")
    if bare.upper() in ABBREVIATIONS or _ROMAN.match(bare.upper()):
        return word.upper()
    if not first and word.lower() in LOWER_WORDS:
        return word.lower()
    return "".join(_capitalize(part) for part in _SEGMENT_SPLIT.split(word))


def readable_name(name):
    """An all-caps name in title case, known abbreviations kept upper case:
    "KOTA BONTANG" -> "Kota Bontang", "DKI JAKARTA" -> "DKI Jakarta". A name that already has
    lower-case letters is kept as written (spaces tidied)."""
    name = " ".join(name.split())
    if name != name.upper() or not any(char.isalpha() for char in name):
        return name
    return " ".join(_title_word(word, index == 0) for index, word in enumerate(name.split(" ")))


def unit_name(level, name):
    """The stored name: the source's name, provinsi and kabupaten/kota made readable (they come all caps)."""
    if level in (Level.PROVINSI, Level.KABKOTA):
        return readable_name(name)
    return " ".join(name.split())


# -- reading and checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    parent_code: str | None
    name: str
    line: int


class _Errors:
    def __init__(self):
        self.messages = []

    def add(self, filename, line, message):
        self.messages.append(f"{filename} baris {line}: {message}")

    def raise_if_any(self, data_dir):
        if not self.messages:
            return
        shown = self.messages[:MAX_ERRORS_SHOWN]
        more = len(self.messages) - len(shown)
        text = f"Data wilayah di {data_dir} tidak sah; tidak ada yang disimpan.\n" + "\n".join(
            f"  - {message}" for message in shown
        )
        if more:
            text += f"\n  ... dan {more} kesalahan lain."
        raise WilayahImportError(text)


def _level_of_code(code):
    for level in LEVELS:
        if OFFICIAL_CODE_RE[level].match(code):
            return level
    return None


def _parent_code(code):
    return code.rsplit(".", 1)[0] if "." in code else None


def _read_file(data_dir, source, errors):
    """Rows of one file, checked on their own (columns, code format, parent prefix, duplicates, name)."""
    path = data_dir / source.filename
    label = Level(source.level).label
    rows = []
    seen = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                errors.add(source.filename, 1, f"berkas kosong; baris judul harus {','.join(source.columns)}.")
                return rows
            if tuple(cell.strip() for cell in header) != source.columns:
                errors.add(
                    source.filename,
                    1,
                    f"baris judul harus persis {','.join(source.columns)}, tertulis {','.join(header)}.",
                )
                return rows
            for record in reader:
                line = reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if len(record) != len(source.columns):
                    errors.add(source.filename, line, f"ada {len(record)} kolom, seharusnya {len(source.columns)}.")
                    continue
                code = record[0].strip()
                parent_code = record[1].strip() if len(source.columns) == 3 else None
                name = record[-1].strip()
                if not OFFICIAL_CODE_RE[source.level].match(code):
                    errors.add(
                        source.filename,
                        line,
                        f"kode {code!r} tidak sesuai format kode {label} (contoh {CODE_EXAMPLE[source.level]}).",
                    )
                    continue
                if parent_code is not None and parent_code != _parent_code(code):
                    errors.add(
                        source.filename,
                        line,
                        f"kode induk {parent_code!r} tidak cocok dengan kode {code} (seharusnya {_parent_code(code)}).",
                    )
                    continue
                if code in seen:
                    errors.add(source.filename, line, f"kode {code} ganda (sudah ada di baris {seen[code]}).")
                    continue
                seen[code] = line
                if not name:
                    errors.add(source.filename, line, f"nama untuk kode {code} kosong.")
                    continue
                if len(unit_name(source.level, name)) > NAME_MAX_LENGTH:
                    errors.add(source.filename, line, f"nama untuk kode {code} lebih dari {NAME_MAX_LENGTH} karakter.")
                    continue
                rows.append(Row(code, parent_code, name, line))
    except UnicodeDecodeError:
        errors.add(source.filename, _first_undecodable_line(path), "berkas bukan teks UTF-8.")
    except csv.Error as exc:
        errors.add(source.filename, reader.line_num, f"CSV rusak ({exc}).")
    return rows


def _first_undecodable_line(path):
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _normalize_kode(kode):
    """--kode given as None, a string or a list of strings, each possibly comma-separated."""
    if kode is None:
        return []
    items = [kode] if isinstance(kode, str | int) else list(kode)
    codes = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part and part not in codes:
                codes.append(part)
    if not codes and items:
        raise WilayahImportError("Kode wilayah kosong: isi --kode dengan kode seperti 64, 64.74 atau 64.74.02.")
    return codes


def read_wilayah(data_dir=None, kode=None):
    """Read and check the four files. Returns ({level: [Row]} of all rows, [kode]); raises
    WilayahImportError listing the problems (file and line) when anything is wrong. Parents missing from
    the files are looked up in the database."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    kodes = _normalize_kode(kode)
    if not data_dir.is_dir():
        raise WilayahImportError(f"Folder data wilayah tidak ditemukan: {data_dir}")
    missing = [source.filename for source in SOURCES if not (data_dir / source.filename).is_file()]
    if missing:
        raise WilayahImportError(f"Berkas wilayah tidak ditemukan di {data_dir}: {', '.join(missing)}.")
    bad_kode = [code for code in kodes if _level_of_code(code) is None]
    if bad_kode:
        raise WilayahImportError(
            f"Kode wilayah tidak sah: {', '.join(bad_kode)}. Gunakan kode resmi seperti 64 (provinsi), "
            "64.74 (kabupaten/kota), 64.74.02 (kecamatan) atau 64.74.02.1002 (desa/kelurahan)."
        )

    errors = _Errors()
    rows, broken = {}, set()
    for source in SOURCES:
        before = len(errors.messages)
        rows[source.level] = _read_file(data_dir, source, errors)
        if len(errors.messages) > before:
            broken.add(source.level)

    # Every parent must be in the parent level's file or already in the database (not checked under a
    # file that has errors of its own: they would only repeat them).
    for upper, lower in pairwise(LEVELS):
        if upper in broken:
            continue
        in_file = {row.code for row in rows[upper]}
        wanted = {row.parent_code for row in rows[lower]} - in_file
        in_db = set(_in_batches(Unit.objects.filter(level=upper), "code", wanted)) if wanted else set()
        for row in rows[lower]:
            if row.parent_code not in in_file and row.parent_code not in in_db:
                errors.add(
                    SOURCE_OF[lower].filename,
                    row.line,
                    f"kode induk {row.parent_code} untuk {row.code} tidak ada di {SOURCE_OF[upper].filename} "
                    "maupun di basis data.",
                )
    errors.raise_if_any(data_dir)

    for code in kodes:
        level = _level_of_code(code)
        if not any(row.code == code for row in rows[level]):
            raise WilayahImportError(f"Kode {code} tidak ditemukan di {SOURCE_OF[level].filename}.")
    return rows, kodes


def _in_batches(queryset, field_name, values, *extra):
    """values_list(field_name, *extra) of the rows whose field_name is in values, in batches."""
    values = list(values)
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        flat = not extra
        yield from queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, *extra, flat=flat)


def _selected(code, kodes):
    """The code is one of the kodes, under one of them, or an ancestor of one of them."""
    return any(code == k or code.startswith(k + ".") or k.startswith(code + ".") for k in kodes)


# -- writing -----------------------------------------------------------------------------------------


@dataclass
class LevelCount:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0

    @property
    def total(self):
        return self.created + self.renamed + self.unchanged


@dataclass
class ImportSummary:
    data_dir: Path
    kode: list = field(default_factory=list)
    dry_run: bool = False
    counts: dict = field(default_factory=lambda: {level: LevelCount() for level in LEVELS})
    seconds: float = 0.0

    @property
    def created(self):
        return sum(count.created for count in self.counts.values())

    @property
    def renamed(self):
        return sum(count.renamed for count in self.counts.values())

    @property
    def unchanged(self):
        return sum(count.unchanged for count in self.counts.values())

    def as_text(self):
        scope = f"kode {', '.join(self.kode)}" if self.kode else "seluruh Indonesia"
        lines = [
            f"Impor wilayah dari {self.data_dir} ({scope}):",
            f"  {'Tingkat':<16}{'Baru':>10}{'Ganti nama':>12}{'Tetap':>10}",
        ]
        for level in LEVELS:
            count = self.counts[level]
            label = str(Level(level).label)
            lines.append(f"  {label:<16}{_n(count.created):>10}{_n(count.renamed):>12}{_n(count.unchanged):>10}")
        lines.append(f"  {'Jumlah':<16}{_n(self.created):>10}{_n(self.renamed):>12}{_n(self.unchanged):>10}")
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        if self.dry_run:
            lines.append(f"Uji coba (--dry-run) selesai dalam {seconds} detik: tidak ada perubahan yang disimpan.")
        else:
            lines.append(f"Selesai dalam {seconds} detik.")
        return "\n".join(lines)


def _n(number):
    return f"{number:,}".replace(",", ".")


def _ancestor_columns(level):
    """The ancestor columns of the official levels down to level, itself included."""
    return [f"{lv}_id" for lv in LEVELS[: RANK[level] + 1]]


def _existing(level, kodes):
    """{code: (id, name, ancestor ids top down)} of the rows of that level already in the database."""
    queryset = Unit.objects.filter(level=level)
    if kodes:
        match = Q()
        for k in kodes:
            ancestors = [k[:index] for index, char in enumerate(k) if char == "."]
            match |= Q(code=k) | Q(code__startswith=f"{k}.") | Q(code__in=ancestors)
        queryset = queryset.filter(match)
    columns = _ancestor_columns(level)
    existing = {}
    for code, pk, name, *ancestors in queryset.values_list("code", "id", "name", *columns).iterator(chunk_size=5000):
        ancestors[-1] = pk  # the own-level column is the own id
        existing[code] = (pk, name, tuple(ancestors))
    return existing


def _parents_from_db(level, codes):
    """{code: ancestor ids} of parents that are in the database but not in the files."""
    columns = _ancestor_columns(level)
    found = {}
    for code, pk, *ancestors in _in_batches(Unit.objects.filter(level=level), "code", codes, "id", *columns):
        ancestors[-1] = pk
        found[code] = tuple(ancestors)
    return found


def _import_level(level, rows, parents, existing, count):
    """Create the new rows of one level and rename the changed ones, each with its history row
    (django-simple-history, reason CHANGE_REASON). Returns {code: ancestor ids} of the level."""
    now = timezone.now()
    known = {}
    new, renames = [], {}
    for row in rows:
        name = unit_name(level, row.name)
        current = existing.get(row.code)
        if current is not None:
            pk, old_name, ancestors = current
            known[row.code] = ancestors
            if old_name != name:
                renames[pk] = name
            else:
                count.unchanged += 1
            continue
        above = parents[row.parent_code] if row.parent_code else ()
        unit = Unit(level=level, code=row.code, name=name, parent_id=above[-1] if above else None)
        for column, pk in zip(LEVELS, above, strict=False):
            setattr(unit, f"{column}_id", pk)
        new.append((row.code, unit, above))

    if renames:
        renamed = list(Unit.objects.in_bulk(list(renames)).values())
        for unit in renamed:
            unit.name, unit.updated_at = renames[unit.pk], now
        Unit.objects.bulk_update(renamed, ["name", "updated_at"], batch_size=BATCH_SIZE)
        Unit.history.bulk_history_create(
            renamed, batch_size=BATCH_SIZE, update=True, default_change_reason=CHANGE_REASON, default_date=now
        )
        count.renamed = len(renamed)
    if new:
        units = [unit for _code, unit, _above in new]
        Unit.objects.bulk_create(units, batch_size=BATCH_SIZE)
        if any(unit.pk is None for unit in units):  # a backend that returns no ids
            ids = dict(_in_batches(Unit.objects.filter(level=level), "code", [code for code, *_ in new], "id"))
            for code, unit, _above in new:
                unit.pk = ids[code]
        # The own-level column is the row's own id: one UPDATE for the whole level.
        Unit.objects.filter(level=level, **{f"{level}__isnull": True}).update(**{level: F("id")})
        Unit.history.bulk_history_create(
            units, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON, default_date=now
        )
        for code, unit, above in new:
            known[code] = (*above, unit.pk)
        count.created = len(new)
    return known


def import_wilayah(*, data_dir=None, kode=None, stdout=None, dry_run=False):
    """Load the official areas from data_dir (default data/wilayah) into the unit tree.

    kode: None for all of Indonesia, or a code / list of codes (each may be comma-separated) of a
    provinsi, kabupaten/kota, kecamatan or desa/kelurahan: only those areas, everything under them and
    their ancestors are loaded. Writes nothing when a file is malformed (WilayahImportError, a
    CommandError) or with dry_run. Returns an ImportSummary; prints it to stdout when given."""
    started = time.monotonic()
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    with transaction.atomic():
        rows, kodes = read_wilayah(data_dir, kode)
        summary = ImportSummary(data_dir=data_dir, kode=kodes, dry_run=dry_run)
        parents = {}
        for level in LEVELS:
            level_rows = rows[level]
            if kodes:
                level_rows = [row for row in level_rows if _selected(row.code, kodes)]
            if level != LEVELS[0]:
                missing = {row.parent_code for row in level_rows} - parents.keys()
                if missing:
                    parents.update(_parents_from_db(LEVELS[RANK[level] - 1], missing))
            parents = _import_level(level, level_rows, parents, _existing(level, kodes), summary.counts[level])
        if dry_run:
            transaction.set_rollback(True)
    summary.seconds = time.monotonic() - started
    if stdout is not None:
        stdout.write(summary.as_text() + "\n")
    return summary
