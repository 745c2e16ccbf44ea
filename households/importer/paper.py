"""The Data Warga sheet in the paper form's layout (Lampiran 4.14.1a, "DAFTAR WARGA TP PKK") read as an
import: the layout this application exports (households/exports/data_warga.py) and the one many TP PKK
keep in their own workbooks. `read_paper` finds the form's table (its header rows anywhere in the first
rows, merged or not, its numbers row), reads the header block's "Dasa Wisma" and "Desa/Kelurahan", and
turns each member row into a row of the import template (columns.HEADERS), so that the rest of the
import (analyse, preview, commit) is the one the template goes through.

What the paper form does not hold: the household's own data (4.14.2a: makanan pokok, jamban, kriteria
rumah, ...) and the items the recaps need per person (3 buta, berkebutuhan khusus, ibu menyusui). The
export "untuk impor kembali" writes them in columns right of the printed table, under the import
template's own headers, the household's on the row that opens it; they are read from there. Without
them an existing household keeps what is stored and a new one is refused by the analysis, column by
column (nothing is invented).

A row belongs to the table when its Nama is filled or it fills at least three of the form's cells; a
row with only its first cell (or only the extra columns) filled opens a household (the export's
"Rumah tangga ..." row); any other row (the signature block, notes) is skipped."""

import datetime
import re

import tablib

from .columns import COLUMN_BY_ATTRIBUTE, COLUMNS, HEADER_OF, HEADERS, blank, norm

# How far down the form's header rows may start (a title, a Lampiran line and a header block above).
HEADER_SEARCH_ROWS = 40

# The form's items, by what their headers say (checked in this order: "Tanggal Lahir" before "Lahir").
_ITEMS = [
    ("tgl", ("tanggal lahir", "tgl lahir", "tgl. lahir", "tanggal", "tgl")),
    ("umur", ("umur",)),
    ("tempat", ("tempat lahir",)),
    ("reg", ("registrasi", "no. reg", "no reg")),
    ("kk", ("no. kk", "no kk", "nomor kk", "kartu keluarga", "kk")),
    ("nik", ("nik", "ktp")),
    ("jabatan", ("jabatan",)),
    ("kelamin", ("kelamin",)),
    ("perkawinan", ("perkawinan", "kawin")),
    ("dalam_keluarga", ("dalam keluarga", "hubungan")),
    ("agama", ("agama",)),
    ("alamat", ("alamat",)),
    ("pendidikan", ("pendidikan",)),
    ("pekerjaan", ("pekerjaan",)),
    ("bkb", ("bkb", "bina keluarga balita")),
    ("kb", ("akseptor", "kb")),
    ("posyandu", ("posyandu",)),
    ("tabungan", ("tabungan",)),
    ("kelompok", ("kelompok belajar",)),
    ("paud", ("paud",)),
    ("koperasi", ("koperasi",)),
    ("nama", ("nama",)),
]
# Whole words only: "Menikah" names no NIK.
_ITEM_PATTERNS = [(item, re.compile("|".join(rf"\b{re.escape(k)}\b" for k in keys))) for item, keys in _ITEMS]
# item -> the template header it fills (the four Ya/Tidak items with details fill two, see yes_with)
_DIRECT = {
    "reg": HEADER_OF["warga__no_registrasi"],
    "nik": HEADER_OF["warga__nik"],
    "kk": HEADER_OF["keluarga__no_kk"],
    "nama": HEADER_OF["warga__nama"],
    "jabatan": HEADER_OF["warga__jabatan"],
    "kelamin": HEADER_OF["warga__jenis_kelamin"],
    "tempat": HEADER_OF["warga__tempat_lahir"],
    "tgl": HEADER_OF["warga__tanggal_lahir"],
    "perkawinan": HEADER_OF["warga__status_perkawinan"],
    "dalam_keluarga": HEADER_OF["warga__status_dalam_keluarga"],
    "agama": HEADER_OF["warga__agama"],
    "pendidikan": HEADER_OF["warga__pendidikan"],
    "pekerjaan": HEADER_OF["warga__pekerjaan"],
    "bkb": HEADER_OF["warga__ikut_bkb"],
    "tabungan": HEADER_OF["warga__punya_tabungan"],
    "paud": HEADER_OF["warga__ikut_paud"],
}
_WITH_DETAILS = {
    "kb": (HEADER_OF["warga__akseptor_kb"], HEADER_OF["warga__jenis_kb"]),
    "posyandu": (HEADER_OF["warga__aktif_posyandu"], HEADER_OF["warga__frekuensi_posyandu"]),
    "kelompok": (HEADER_OF["warga__ikut_kelompok_belajar"], HEADER_OF["warga__jenis_kelompok_belajar"]),
    "koperasi": (HEADER_OF["warga__ikut_koperasi"], HEADER_OF["warga__jenis_koperasi"]),
}
REQUIRED_ITEMS = ("nama", "nik", "kk", "kelamin", "tgl", "dalam_keluarga")

# The columns the export writes right of the printed table, under the template's headers: the household's
# (on the row that opens it) and the person's items that are not on the paper form.
HOUSEHOLD_COLUMNS = tuple(c for c in COLUMNS if c.part == "rumah_tangga")
PERSON_COLUMNS = tuple(
    COLUMN_BY_ATTRIBUTE[a]
    for a in (
        "warga__buta_baca",
        "warga__buta_tulis",
        "warga__buta_hitung",
        "warga__berkebutuhan_khusus",
        "warga__ibu_menyusui",
        "warga__nik_dikonfirmasi",
        "keluarga__no_kk_dikonfirmasi",
    )
)
HOUSEHOLD_EXTRAS = tuple(c.header for c in HOUSEHOLD_COLUMNS)
PERSON_EXTRAS = tuple(c.header for c in PERSON_COLUMNS)
# Headers of the import template that neither the form nor the export's extra columns have.
TEMPLATE_ONLY = {
    HEADER_OF[a]
    for a in (
        "baris__kode_dasawisma",
        "warga__jenis_kelamin",
        "warga__jenis_kb",
        "warga__frekuensi_posyandu",
        "warga__jenis_kelompok_belajar",
        "warga__jenis_koperasi",
    )
}
_EXTRAS = {norm(h): h for h in HOUSEHOLD_EXTRAS + PERSON_EXTRAS}
_RT_ALAMAT = HEADER_OF["rumah_tangga__alamat"]
_WARGA_ALAMAT = HEADER_OF["warga__alamat"]
_DASAWISMA = HEADER_OF["baris__nama_dasawisma"]

_YES_NO = re.compile(r"^\s*(ya|y|tidak|t)\b\s*[,:;\-–]?\s*(.*?)\s*$", re.IGNORECASE)
_TITLE = "daftar warga tp pkk"


class PaperLayoutError(Exception):
    """The sheet is the form's layout but cannot be read; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def is_paper(first_row):
    """Whether the sheet's first row is the form's title (the export's), not the template's headers."""
    return any(isinstance(v, str) and norm(v) == _TITLE for v in first_row)


def item_of(text):
    """The form's item a header names ("Akseptor KB" -> "kb"), or None."""
    if blank(text) or not isinstance(text, str):
        return None
    words = norm(text).replace("_", " ")
    for item, pattern in _ITEM_PATTERNS:
        if pattern.search(words):
            return item
    return None


class _Table:
    """Where the form's items and the extra columns sit, found from its header rows."""

    def __init__(self, top):
        self.items = {}  # column index -> item
        # column index -> template header: the import template's own headers, written exactly
        self.extras = {i: _EXTRAS[norm(t)] for i, t in enumerate(top) if isinstance(t, str) and norm(t) in _EXTRAS}
        for index, text in enumerate(top):
            item = None if index in self.extras else item_of(text)
            if item is not None and item not in self.items.values():
                self.items[index] = item
        if "alamat" not in self.items.values():
            # A table whose address column is headed just "Alamat": the form's item 11.
            for index, header in list(self.extras.items()):
                if header == _RT_ALAMAT:
                    self.items[index] = "alamat"
                    del self.extras[index]
        self.last_item = max(self.items, default=-1)

    def sub_headers(self, row):
        """The second header row: what sits under a merged header ("NIK" and "No. KK" under "No. KTP/NIK
        dan No. KK", "Tgl. Lahir" and "Umur" under "Tanggal Lahir / Umur") names its own column."""
        named = [(i, item_of(t)) for i, t in enumerate(row[: self.last_item + 1]) if not blank(t)]
        if not named or any(item is None for _i, item in named):
            return False  # a row of data, not of headers
        for index, item in named:
            taken = {i for c, i in self.items.items() if c != index}
            if item not in taken or self.items.get(index) == item:
                self.items[index] = item
        self.last_item = max(self.items, default=-1)
        return True

    def usable(self):
        return "nama" in self.items.values() and len(set(self.items.values())) >= 6

    def missing(self):
        return [i for i in REQUIRED_ITEMS if i not in self.items.values()]


_COLUMN_NUMBER = re.compile(r"\(?\d{1,2}\)?")
_CARD_NUMBER = re.compile(r"[\d*]{10,}")


def _numbers_row(cells):
    """The form's row of column numbers (1, 2, 2, 3, ... as numbers, or typed "1", "(2)")."""
    filled = [v for v in cells if not blank(v)]
    return len(filled) >= 5 and all(
        (isinstance(v, int | float) and not isinstance(v, bool))
        or (isinstance(v, str) and _COLUMN_NUMBER.fullmatch(v.strip()))
        for v in filled
    )


def _holds_card_number(cells):
    return any(isinstance(v, str) and _CARD_NUMBER.search("".join(v.split())) for v in cells)


def _field_values(cells, fields):
    """The header block: "Dasa Wisma : Melati 1" and "Desa/Kelurahan : Berbas Tengah" (label, then the
    next filled cell)."""
    for index, value in enumerate(cells):
        if not isinstance(value, str):
            continue
        label = norm(value).rstrip(":").strip()
        if label in ("dasa wisma", "dasawisma", "kelompok dasa wisma"):
            key = "dasawisma"
        elif label in ("desa/kelurahan", "desa/kel", "kelurahan", "desa", "desa / kelurahan"):
            key = "desa"
        else:
            continue
        rest = [v for v in cells[index + 1 :] if not blank(v) and str(v).strip() != ":"]
        if rest and key not in fields:
            fields[key] = str(rest[0]).strip().lstrip(":").strip()


def yes_with(value):
    """("Ya"/"Tidak"/the cell as written, details) from "Ya, Pil", "Ya (2 kali/bulan)", "Tidak", "Y"."""
    if blank(value) or isinstance(value, bool):
        return value, None
    match = _YES_NO.match(str(value))
    if match is None:
        return value, None
    if match[1].lower() in ("tidak", "t"):
        return "Tidak", None  # "Tidak ada", "Tidak (-)": no details to keep
    flag = "Ya"
    detail = match[2]
    if detail.startswith("(") and detail.endswith(")"):  # "Ya (Pil)"
        detail = detail[1:-1].strip()
    return flag, detail or None


def _frequency(detail):
    found = re.search(r"\d+", detail or "")
    return int(found[0]) if found else detail


def _without_desa(alamat, desa):
    """Column 11 "Alamat, Desa/Kelurahan" as the export writes it ("Jl. Melati 2, Berbas Tengah"): the
    address without ", <desa>". Only after a comma: "Jl. Pasarbaru" in Desa Baru stays whole."""
    if not isinstance(alamat, str) or not desa:
        return alamat
    return re.sub(rf",\s*{re.escape(desa.strip())}\s*$", "", alamat.strip(), flags=re.IGNORECASE).strip()


def read_paper(rows, *, max_rows, rows_word, is_template_header, first_number=1):
    """The form's rows as the template's: a tablib Dataset with HEADERS, `row_numbers` and `absent` (the
    template's columns the sheet does not give: what is stored stays), or None when no table of the form
    is found in the first HEADER_SEARCH_ROWS rows, or when the table found is the import template's own
    (is_template_header(text) names a template header: the template must have its headers on row 1).
    `rows` iterates the sheet's rows (tuples of cell values) from row `first_number`. PaperLayoutError
    for a table that cannot be read."""
    fields, table, number = {}, None, first_number - 1
    for number, cells in enumerate(rows, start=first_number):
        candidate = _Table(cells)
        if candidate.usable():
            if any(isinstance(t, str) and is_template_header(t) in TEMPLATE_ONLY for t in cells):
                return None  # the template with lines above its headers: read_dataset says what is wrong
            table, header_number = candidate, number
            break
        _field_values(cells, fields)
        if number - first_number >= HEADER_SEARCH_ROWS:
            return None
    if table is None:
        return None
    dataset = tablib.Dataset(headers=list(HEADERS))
    dataset.row_numbers = []
    household, kk_in_household = {}, set()
    header_rows_left = 2  # the sub-header row and the numbers row may follow the headers
    for number, cells in enumerate(rows, start=header_number + 1):
        if header_rows_left:
            header_rows_left -= 1
            if _numbers_row(cells[: table.last_item + 1]):
                header_rows_left = 0
                continue
            if table.sub_headers(cells):
                continue
        values = {item: cells[i] if i < len(cells) else None for i, item in table.items.items()}
        form_cells = [v for item, v in values.items() if item != "reg" and not blank(v)]
        if header_rows_left and blank(values.get("nama")) and len(form_cells) >= 2 and not _holds_card_number(cells):
            continue  # a second header row of the sheet's own ("L/P", "Ya/Tidak" under the items)
        extras = {h: cells[i] for i, h in table.extras.items() if i < len(cells) and not blank(cells[i])}
        if blank(values.get("nama")) and len(form_cells) < 3:
            if form_cells:
                continue  # a note or the signature block
            if not blank(values.get("reg")) or extras:
                household = {h: v for h, v in extras.items() if h in HOUSEHOLD_EXTRAS}
                kk_in_household = set()
            continue
        if len(dataset) >= max_rows:
            raise PaperLayoutError(
                f"Berkas berisi lebih dari {max_rows:,} baris {rows_word}. Bagi menjadi beberapa berkas.".replace(
                    ",", "."
                )
            )
        own_household = {h: v for h, v in extras.items() if h in HOUSEHOLD_EXTRAS}
        kk = "".join(str(values.get("kk") or "").split())
        if household and not own_household and kk not in kk_in_household:
            # A keluarga added below a household without a row of its own: it joins that household only
            # when it lives at its address.
            alamat = _without_desa(values.get("alamat"), fields.get("desa"))
            if not blank(alamat) and norm(alamat) != norm(household.get(_RT_ALAMAT) or ""):
                household = {}
        kk_in_household.add(kk)
        # The household's columns on a member row (the export of one rumah tangga) hold for the rows below.
        household.update(own_household)
        dataset.append(_template_row(values, extras, household, fields))
        dataset.row_numbers.append(number)
    if table.missing():
        names = ", ".join(_ITEM_NAMES[i] for i in table.missing())
        raise PaperLayoutError(
            f"Tabel Data Warga (4.14.1a) dikenali, tetapi kolom ini tidak ditemukan: {names}. Periksa judul kolom "
            "tabel, atau pakai templat impor."
        )
    dataset.absent = [h for h in HEADERS if h not in _given(table)]
    return dataset


def _given(table):
    """The template's headers the sheet's columns fill."""
    given = {_DASAWISMA, *table.extras.values()}
    for item in table.items.values():
        if item in _DIRECT:
            given.add(_DIRECT[item])
        elif item in _WITH_DETAILS:
            given.update(_WITH_DETAILS[item])
        elif item == "alamat":
            given.update((_RT_ALAMAT, _WARGA_ALAMAT))
    return given


_ITEM_NAMES = {
    "nama": "Nama",
    "nik": "No. KTP/NIK",
    "kk": "No. KK",
    "kelamin": "Jenis Kelamin",
    "tgl": "Tanggal Lahir",
    "dalam_keluarga": "Status Dalam Keluarga",
}


def _template_row(values, extras, household, fields):
    row = dict.fromkeys(HEADERS)
    row[_DASAWISMA] = fields.get("dasawisma")
    for item, value in values.items():
        if item in _DIRECT:
            row[_DIRECT[item]] = value
        elif item in _WITH_DETAILS:
            flag, detail = yes_with(value)
            flag_header, detail_header = _WITH_DETAILS[item]
            row[flag_header] = flag
            row[detail_header] = _frequency(detail) if item == "posyandu" else detail
    if isinstance(row[HEADER_OF["warga__tanggal_lahir"]], datetime.datetime):
        row[HEADER_OF["warga__tanggal_lahir"]] = row[HEADER_OF["warga__tanggal_lahir"]].date()
    row.update(household)  # from the row that opened the household (or its first member's row)
    row.update(extras)
    alamat = _without_desa(values.get("alamat"), fields.get("desa"))
    if blank(row[_RT_ALAMAT]):
        row[_RT_ALAMAT] = alamat
    elif not blank(alamat) and norm(alamat) != norm(row[_RT_ALAMAT]):
        row[_WARGA_ALAMAT] = alamat
    return [row[h] for h in HEADERS]
