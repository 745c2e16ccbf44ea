"""Excel import of Data Warga and Data Keluarga (Lampiran 4.14.1a and 4.14.2a) for one dasawisma.

One sheet, one row per warga; the keluarga's No. KK and the rumah tangga's columns are repeated on
every row of its members. The flow: download the template of the dasawisma (`build_template`), fill
it, upload it (`read_dataset` refuses a bad file), look at the preview (`analyse`: every row with its
problems, nothing written), confirm (`commit`: the same analysis again on fresh data, then every write
in one transaction).

How rows become households (the rule is also printed on the template's "Petunjuk" sheet):
- rows with the same No. KK are one keluarga;
- keluarga with the same No. Registrasi RT are one rumah tangga; a keluarga whose No. Registrasi RT is
  empty joins the rumah tangga with the same Alamat (letter case and extra spaces ignored);
- the rumah tangga columns need to be filled on one row of the household only: empty cells take the
  value from the other rows, and two different filled values are an error;
- an existing warga is found by NIK (a warga without NIK by name and birth date inside his existing
  keluarga), an existing keluarga by No. KK, an existing rumah tangga through its keluarga or else by
  the same No. Registrasi RT/Alamat in this dasawisma. Found records are updated, never duplicated;
  records that did not change are not saved at all (no history row). Nothing is deleted: people
  missing from the file stay as they are (leaving is recorded on the warga page).

Design choice: django-import-export reads, the checks mirror households.services, the writes are bulk
-----------------------------------------------------------------------------------------------------
Reading: `SafeXLSX` (a subclass of import-export's XLSX format) turns the workbook into a tablib Dataset,
refusing formulas, wrong headers, empty sheets and more than MAX_ROWS rows; `WargaRowResource` (an
import-export Resource whose Fields carry our Indonesian headers and our widgets) cleans each row into
typed values, one message per column. `Resource.import_data(dry_run=...)` is not used: one row of our
sheet feeds three models (rumah tangga, keluarga, warga) that only make sense once the rows are grouped,
while import_data saves one instance per row as it reads; its dry run would write every row inside a
savepoint only to roll it back, and would check each row only as far as that row's own save.

Checking (`analyse`, the preview): every row, with the same rules as households.services applies to
the entry forms: services.require_entry (Perm.ENTRY on the dasawisma), validation.check_birth_date,
validation.check_nik / check_no_kk with their "confirm" kind (a "Sesuai kartu" column plays the
confirmation checkbox), a NIK or No. KK registered elsewhere (named only inside the user's area, as
in services.nik_taken_message), one active kepala per keluarga, the dependent fields of the
forms (jenis KB when akseptor Ya, ...), field lengths and choices of the models. What exists is read in
a few queries into dictionaries (NIKs, No. KKs, the dasawisma's households and the members of the
keluarga in the file), never one query per row.

Writing (`commit`): inside one transaction.atomic, with the dasawisma row locked so two confirms do not
interleave, the file is analysed again on fresh data (it may have changed since the preview) and any
error writes nothing. The writes are bulk (bulk_create / bulk_update with django-simple-history's
bulk_create_with_history / bulk_update_with_history and bulk_history_create), one history row per new
or changed record naming the user (change reason "Impor Excel"); unchanged records are not saved. The
services' per-row functions (rumah_tangga_create, keluarga_add, warga_add, warga_update) were the first
version: 5,000 rows took 138 s to commit on SQLite (several queries and a savepoint per member), far
over the 30 s target; the bulk version does the same checks once per row in Python and writes in a few
hundred statements at most (figures: bench/import_warga.py). The kepala rumah
tangga of a new household is chosen as services.rumah_tangga_create chooses it.
"""

import datetime
import hashlib
import io
import os
import re
import secrets
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.db import transaction
from django.utils import timezone
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from documents import xlsx
from hierarchy import access
from hierarchy.levels import Perm
from hierarchy.models import Unit

from . import services, validation
from .models import (
    Agama,
    BerkebutuhanKhusus,
    JenisKB,
    JenisKelamin,
    KelompokBelajar,
    Keluarga,
    KriteriaRumah,
    MakananPokok,
    Pekerjaan,
    Pendidikan,
    RumahTangga,
    StatusDalamKeluarga,
    StatusPerkawinan,
    Warga,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# A 5 MB xlsx that unpacks to gigabytes is a zip bomb, not a list of warga.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
SHEET_TITLE = "Data Warga"
PREFILLED_ROWS = 500
VALIDATED_ROWS = MAX_ROWS + 1
LOOKUP_CHUNK = 900  # stays under SQLite's old limit of 999 parameters per query
BATCH_SIZE = 500
CHANGE_REASON = "Impor Excel"

# -- widgets: one cell to one typed value, or a ValueError with the message for the cadre ------------


def _norm(value):
    """Letter case and spaces do not matter when comparing what people type."""
    return " ".join(str(value).split()).casefold()


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class TeksWidget(widgets.Widget):
    def __init__(self, max_length=None):
        super().__init__()
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, datetime.datetime | datetime.date):
            value = f"{value:%d-%m-%Y}"
        text = " ".join(str(value).split())
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"Terlalu panjang: paling banyak {self.max_length} karakter.")
        return text


class NomorKartuWidget(widgets.Widget):
    """NIK and No. KK: 16 digits kept as text. A number cell is refused: Excel keeps only 15
    significant digits, so the last digit of a 16-digit number may already be lost."""

    def __init__(self, label):
        super().__init__()
        self.label = label

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return ""
        if isinstance(value, bool | int | float):
            raise ValueError(
                f"{self.label} tersimpan sebagai angka, sehingga Excel dapat mengubah angka terakhirnya. "
                f"Ubah format sel menjadi Teks, lalu ketik ulang {self.label}."
            )
        return "".join(str(value).split()).lstrip("'")


class PilihanWidget(widgets.Widget):
    """A choice given by its label on the paper form, its short code or a common alias, in any case."""

    def __init__(self, choices, aliases=None, shown=None):
        super().__init__()
        self.labels = shown or [label for _value, label in choices]
        self.lookup = {}
        for value, label in choices:
            self.lookup[_norm(value)] = value
            self.lookup[_norm(label)] = value
        for alias, value in (aliases or {}).items():
            self.lookup[_norm(alias)] = value

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        found = self.lookup.get(_norm(value))
        if found is None:
            raise ValueError(f"“{value}” bukan pilihan yang dikenal. Pilih salah satu: {', '.join(self.labels)}.")
        return found


class YaTidakWidget(widgets.Widget):
    TRUE = {"ya", "y", "1", "true", "ada", "v", "✓", "√"}
    FALSE = {"tidak", "t", "0", "false", "tidak ada", "-"}

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = _norm(value)
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{value}” tidak dikenal: isi Ya atau Tidak.")


class TanggalWidget(widgets.Widget):
    """A date cell, or text written DD-MM-YYYY (also DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD)."""

    FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            for fmt in self.FORMATS:
                try:
                    return datetime.datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    continue
        raise ValueError(f"“{value}” bukan tanggal: tulis sebagai tanggal atau DD-MM-YYYY, misalnya 17-08-1985.")


class BilanganWidget(widgets.Widget):
    def __init__(self, minimum=0, maximum=None):
        super().__init__()
        self.minimum, self.maximum = minimum, maximum

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\d{1,9}", value.strip(), re.ASCII):
            number = int(value.strip())
        if number is None:
            raise ValueError(f"“{value}” bukan bilangan bulat; isi dengan angka, misalnya 2.")
        if number < self.minimum or (self.maximum is not None and number > self.maximum):
            upper = f" sampai {self.maximum}" if self.maximum is not None else " atau lebih"
            raise ValueError(f"Isi dengan bilangan {self.minimum}{upper}.")
        return number


# -- the columns -------------------------------------------------------------------------------------

YA_TIDAK = ["Ya", "Tidak"]


def _max(model, name):
    return model._meta.get_field(name).max_length


@dataclass(frozen=True)
class Column:
    header: str
    attribute: str  # <part>__<field>: part is baris, rumah_tangga, keluarga or warga
    widget: widgets.Widget
    width: int = 14
    dropdown: tuple = ()
    note: str = ""

    @property
    def part(self):
        return self.attribute.split("__", 1)[0]

    @property
    def name(self):
        return self.attribute.split("__", 1)[1]


def _choice(header, attribute, choices, aliases=None, width=16, note="", shown=None):
    widget = PilihanWidget(choices, aliases, shown)
    return Column(header, attribute, widget, width, tuple(widget.labels), note)


def _yes_no(header, attribute, width=11, note=""):
    return Column(header, attribute, YaTidakWidget(), width, tuple(YA_TIDAK), note)


def _text(header, attribute, model, width=18, note=""):
    return Column(header, attribute, TeksWidget(_max(model, attribute.split("__", 1)[1])), width, (), note)


COLUMNS = [
    Column("Kode Dasawisma", "baris__kode_dasawisma", BilanganWidget(1), 10, (), "Sudah terisi; jangan diubah."),
    Column("Dasawisma", "baris__nama_dasawisma", TeksWidget(), 22, (), "Sudah terisi, hanya untuk dibaca."),
    _text("No. Registrasi RT", "rumah_tangga__no_registrasi", RumahTangga, 12, "Nomor registrasi rumah tangga."),
    _text("Alamat", "rumah_tangga__alamat", RumahTangga, 28, "Alamat rumah tangga."),
    Column("No. KK", "keluarga__no_kk", NomorKartuWidget("No. KK"), 20, (), "16 angka, ditulis sebagai teks."),
    Column("NIK", "warga__nik", NomorKartuWidget("NIK"), 20, (), "16 angka, ditulis sebagai teks."),
    _text("Nama", "warga__nama", Warga, 26),
    _text("Jabatan", "warga__jabatan", Warga, 14, "Jabatan di PKK atau masyarakat, boleh kosong."),
    _choice(
        "Jenis Kelamin (L/P)",
        "warga__jenis_kelamin",
        JenisKelamin.choices,
        {"laki laki": "L", "pria": "L", "wanita": "P"},
        10,
        shown=["L", "P"],
    ),
    _text("Tempat Lahir", "warga__tempat_lahir", Warga, 16),
    Column("Tanggal Lahir", "warga__tanggal_lahir", TanggalWidget(), 13, (), "Tanggal, atau teks DD-MM-YYYY."),
    _choice(
        "Status Perkawinan",
        "warga__status_perkawinan",
        StatusPerkawinan.choices,
        {"kawin": "menikah", "belum kawin": "lajang", "belum menikah": "lajang"},
    ),
    _choice(
        "Status Dalam Keluarga",
        "warga__status_dalam_keluarga",
        StatusDalamKeluarga.choices,
        {"kepala": "kepala", "kk": "kepala", "lainnya": "lain", "anggota lain": "lain", "famili lain": "lain"},
        20,
    ),
    _choice(
        "Agama",
        "warga__agama",
        Agama.choices,
        {"protestan": "kristen", "kristen protestan": "kristen", "katholik": "katolik", "budha": "buddha"},
        12,
    ),
    _choice(
        "Pendidikan",
        "warga__pendidikan",
        Pendidikan.choices,
        {
            "tidak sekolah": "belum_sekolah",
            "belum sekolah": "belum_sekolah",
            "mi": "sd",
            "mts": "smp",
            "sma": "sma",
            "smk": "sma",
            "ma": "sma",
            "d1": "diploma",
            "d2": "diploma",
            "d3": "diploma",
            "d4": "s1",
            "s1": "s1",
        },  # fmt: skip
        18,
    ),
    _choice(
        "Pekerjaan",
        "warga__pekerjaan",
        Pekerjaan.choices,
        {
            "pelajar": "pelajar",
            "mahasiswa": "pelajar",
            "tni": "tni_polri",
            "polri": "tni_polri",
            "asn": "pns",
            "wiraswasta": "wirausaha",
            "karyawan swasta": "swasta",
            "belum bekerja": "tidak_bekerja",
            "irt": "irt",
        },  # fmt: skip
        18,
    ),
    _yes_no("Akseptor KB", "warga__akseptor_kb"),
    _choice("Jenis KB", "warga__jenis_kb", JenisKB.choices, {"implant": "implan"}, 11, "Isi bila Akseptor KB Ya."),
    _yes_no("Aktif Posyandu", "warga__aktif_posyandu"),
    Column(
        "Frekuensi Posyandu (kali/bulan)",
        "warga__frekuensi_posyandu",
        BilanganWidget(1, 31),
        14,
        (),
        "Isi bila Aktif Posyandu Ya.",
    ),
    _yes_no("Ikut BKB", "warga__ikut_bkb", note="Bina Keluarga Balita."),
    _yes_no("Memiliki Tabungan", "warga__punya_tabungan"),
    _yes_no("Ikut Kelompok Belajar", "warga__ikut_kelompok_belajar", 13),
    _choice(
        "Jenis Kelompok Belajar",
        "warga__jenis_kelompok_belajar",
        KelompokBelajar.choices,
        {"kf": "kf", "keaksaraan fungsional": "kf"},
        16,
        "Isi bila Ikut Kelompok Belajar Ya.",
    ),
    _yes_no("Ikut PAUD", "warga__ikut_paud", note="PAUD/sejenis."),
    _yes_no("Ikut Koperasi", "warga__ikut_koperasi"),
    _text("Jenis Koperasi", "warga__jenis_koperasi", Warga, 16, "Isi bila Ikut Koperasi Ya."),
    _yes_no("Buta Baca", "warga__buta_baca"),
    _yes_no("Buta Tulis", "warga__buta_tulis"),
    _yes_no("Buta Hitung", "warga__buta_hitung"),
    _choice(
        "Berkebutuhan Khusus",
        "warga__berkebutuhan_khusus",
        BerkebutuhanKhusus.choices,
        {"tidak ada": "tidak", "-": "tidak"},
        14,
        "Kosong berarti Tidak.",
    ),
    _yes_no("Ibu Menyusui", "warga__ibu_menyusui"),
    _choice(
        "Makanan Pokok",
        "rumah_tangga__makanan_pokok",
        MakananPokok.choices,
        {"non-beras": "non_beras", "bukan beras": "non_beras"},
        13,
    ),
    _text(
        "Jenis Makanan Pokok Non Beras",
        "rumah_tangga__makanan_pokok_jenis",
        RumahTangga,
        16,
        "Isi bila Makanan Pokok Non beras.",
    ),
    _yes_no("Jamban Keluarga", "rumah_tangga__punya_jamban"),
    Column("Jumlah Jamban", "rumah_tangga__jumlah_jamban", BilanganWidget(0, 50), 10, (), "Kosong: 1 bila ada."),
    _yes_no("Sumber Air PDAM", "rumah_tangga__air_pdam", note="Kosong berarti Tidak."),
    _yes_no("Sumber Air Sumur", "rumah_tangga__air_sumur", note="Kosong berarti Tidak."),
    _yes_no("Sumber Air Sungai", "rumah_tangga__air_sungai", note="Kosong berarti Tidak."),
    _yes_no("Sumber Air Lainnya", "rumah_tangga__air_lainnya", note="Kosong berarti Tidak."),
    _text(
        "Sumber Air Lainnya (Sebutkan)",
        "rumah_tangga__air_lainnya_jenis",
        RumahTangga,
        16,
        "Isi bila Sumber Air Lainnya Ya.",
    ),
    _yes_no("Tempat Sampah", "rumah_tangga__punya_tempat_sampah"),
    _yes_no("SPAL", "rumah_tangga__punya_spal", note="Saluran pembuangan air limbah."),
    _yes_no("Stiker P4K", "rumah_tangga__stiker_p4k"),
    _yes_no("MCK dan Septic Tank", "rumah_tangga__punya_mck_septic", 13),
    _choice(
        "Kriteria Rumah",
        "rumah_tangga__kriteria_rumah",
        KriteriaRumah.choices,
        {"sehat": "sehat", "tidak sehat": "tidak_sehat", "kurang sehat": "tidak_sehat"},
        20,
    ),
    _yes_no("Aktivitas UP2K", "rumah_tangga__aktivitas_up2k"),
    _text("Jenis Usaha UP2K", "rumah_tangga__jenis_usaha_up2k", RumahTangga, 16, "Isi bila Aktivitas UP2K Ya."),
    _yes_no("Kesehatan Lingkungan", "rumah_tangga__kesehatan_lingkungan", 13),
    _yes_no(
        "NIK Sesuai KTP",
        "warga__nik_dikonfirmasi",
        12,
        "Isi Ya hanya bila NIK ditolak pemeriksaan tetapi memang begitu tertulis di KTP.",
    ),
    _yes_no(
        "No. KK Sesuai Kartu",
        "keluarga__no_kk_dikonfirmasi",
        12,
        "Isi Ya hanya bila No. KK ditolak pemeriksaan tetapi memang begitu tertulis di kartu.",
    ),
]
HEADERS = [c.header for c in COLUMNS]
COLUMN_BY_ATTRIBUTE = {c.attribute: c for c in COLUMNS}
HEADER_OF = {c.attribute: c.header for c in COLUMNS}
_NORMALISED_HEADERS = {_norm(h): h for h in HEADERS}
# Cells that may be filled on an otherwise empty row: the template fills them in advance.
_PREFILLED = {"Kode Dasawisma", "Dasawisma"}

WARGA_IMPORTED = [c.name for c in COLUMNS if c.part == "warga"]
RUMAH_TANGGA_IMPORTED = [c.name for c in COLUMNS if c.part == "rumah_tangga"]
REQUIRED_WARGA = [
    "nama", "jenis_kelamin", "tanggal_lahir", "status_perkawinan", "status_dalam_keluarga", "agama",
    "pendidikan", "pekerjaan",
]  # fmt: skip
# Asked on the paper form for every household: a new household must say Ya or Tidak / choose.
REQUIRED_RUMAH_TANGGA = [
    "makanan_pokok", "punya_jamban", "punya_tempat_sampah", "punya_spal", "stiker_p4k", "punya_mck_septic",
    "kriteria_rumah", "aktivitas_up2k", "kesehatan_lingkungan",
]  # fmt: skip
AIR = ["air_pdam", "air_sumur", "air_sungai", "air_lainnya"]
# (the Ya/Tidak or choice field, the value that asks for details, the details field)
DEPENDENT_WARGA = [
    ("akseptor_kb", True, "jenis_kb"),
    ("aktif_posyandu", True, "frekuensi_posyandu"),
    ("ikut_kelompok_belajar", True, "jenis_kelompok_belajar"),
    ("ikut_koperasi", True, "jenis_koperasi"),
]
DEPENDENT_RUMAH_TANGGA = [
    ("makanan_pokok", MakananPokok.NON_BERAS, "makanan_pokok_jenis"),
    ("air_lainnya", True, "air_lainnya_jenis"),
    ("aktivitas_up2k", True, "jenis_usaha_up2k"),
]


def _header(part, name):
    return HEADER_OF[f"{part}__{name}"]


class WargaRowResource(resources.Resource):
    """One spreadsheet row: the Fields map our Indonesian headers to the parts of a parsed row
    (baris, rumah_tangga, keluarga, warga) through the widgets above."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = {
            c.attribute: Field(attribute=c.attribute, column_name=c.header, widget=c.widget) for c in COLUMNS
        }

    def get_export_headers(self, selected_fields=None):
        return list(HEADERS)

    def parse(self, row):
        """({part: {field: typed value}}, {header: [messages]}) for one row (a dict header -> cell) of the
        dataset. Each Field reads its column and cleans it with its widget; a widget's ValueError is the
        message for that column."""
        parts = {"baris": {}, "rumah_tangga": {}, "keluarga": {}, "warga": {}}
        errors = {}
        for column in self.get_import_fields():
            part, name = column.attribute.split("__", 1)
            try:
                parts[part][name] = column.clean(row)
            except ValueError as exc:
                errors[column.column_name] = [str(exc)]
        return parts, errors

    def get_import_fields(self):
        # The same list for every row: computed once instead of once per row.
        if not hasattr(self, "_import_fields"):
            self._import_fields = super().get_import_fields()
        return self._import_fields


# -- the file --------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The whole file is refused; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SafeXLSX(XLSX):
    """import-export's XLSX format, read defensively: formulas refused (the cell is named), headers
    checked, at most MAX_ROWS data rows, empty rows skipped. The dataset carries `row_numbers`, the sheet
    row of each data row, for the messages."""

    def create_dataset(self, in_stream):
        data = bytes(in_stream)
        if len(data) > MAX_BYTES:
            raise ImportFileError(too_big_message())
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ImportFileError(NOT_XLSX)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                    raise ImportFileError(NOT_XLSX)
                # Reading cell types is slow; a quick look at the sheets' XML tells whether it is needed.
                may_have_formulas = any(
                    _FORMULA_TAG.search(archive.read(name))
                    for name in archive.namelist()
                    if name.startswith("xl/worksheets/") and name.endswith(".xml")
                )
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise ImportFileError(NOT_XLSX) from exc
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportFileError(NOT_XLSX) from exc
        try:
            return self._read(book, may_have_formulas)
        except ImportFileError:
            raise
        except Exception as exc:  # a damaged sheet inside a valid zip: a message, not a stack trace
            raise ImportFileError(NOT_XLSX) from exc
        finally:
            book.close()

    def _read(self, book, may_have_formulas):
        if not book.worksheets:
            raise ImportFileError(EMPTY)
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        if may_have_formulas:
            _refuse_formulas(sheet)
        rows = sheet.iter_rows(values_only=True)
        headers = list(next(rows, None) or ())
        while headers and _blank(headers[-1]):
            headers.pop()
        if not headers:
            raise ImportFileError(EMPTY)
        positions = _check_headers(headers)
        prefilled = {i for i, target in positions.items() if HEADERS[target] in _PREFILLED}
        dataset = tablib.Dataset(headers=HEADERS)
        dataset.row_numbers = []
        last_filled = 1
        for number, cells in enumerate(rows, start=2):
            if not any(not _blank(v) for i, v in enumerate(cells) if i not in prefilled):
                # A thousand empty rows in a row end the data (a sheet may be formatted to row 1,048,576).
                if number - last_filled > PREFILLED_ROWS + 1000:
                    break
                continue
            last_filled = number
            if len(dataset) >= MAX_ROWS:
                raise ImportFileError(
                    f"Berkas berisi lebih dari {MAX_ROWS:,} baris data warga.".replace(",", ".")
                    + " Bagi menjadi beberapa berkas."
                )
            values = [None] * len(HEADERS)
            for index, target in positions.items():
                if index < len(cells):
                    values[target] = cells[index]
            dataset.append(values)
            dataset.row_numbers.append(number)
        if not len(dataset):
            raise ImportFileError(EMPTY)
        return dataset


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _refuse_formulas(sheet, limit=5):
    """Name the first cells that hold a formula: its value would be whatever Excel last computed."""
    found = []
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                found.append(f"{get_column_letter(cell.column)}{cell.row}")
                if len(found) == limit:
                    break
        if len(found) == limit:
            break
    if found:
        raise ImportFileError(
            f"Sel {', '.join(found)} berisi rumus. Impor hanya menerima nilai: salin sel itu, lalu tempel "
            "sebagai nilai saja (Paste Special › Values), atau ketik ulang isinya."
        )


NOT_XLSX = (
    "Berkas tidak dapat dibuka sebagai buku kerja Excel (.xlsx). Berkas .xls, .csv, .ods atau lainnya "
    "tidak diterima: buka berkas itu lalu simpan sebagai “Excel Workbook (.xlsx)”, atau pakai templat "
    "yang diunduh dari halaman ini."
)
EMPTY = "Berkas kosong: tidak ada baris data warga di bawah baris judul kolom."


def too_big_message():
    return f"Berkas lebih besar dari {MAX_BYTES // (1024 * 1024)} MB. Bagi menjadi beberapa berkas."


def _check_headers(headers):
    """{position in the file: position in HEADERS}; a message listing what is missing or unknown."""
    positions, unknown, seen = {}, [], set()
    for index, header in enumerate(headers):
        if _blank(header):
            continue
        canonical = _NORMALISED_HEADERS.get(_norm(header))
        if canonical is None or canonical in seen:
            unknown.append(str(header).strip())
            continue
        seen.add(canonical)
        positions[index] = HEADERS.index(canonical)
    missing = [h for h in HEADERS if h not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("kolom yang tidak ada: " + ", ".join(f"“{h}”" for h in missing))
        if unknown:
            parts.append("kolom yang tidak dikenal atau ganda: " + ", ".join(f"“{h}”" for h in unknown))
        raise ImportFileError(
            "Judul kolom pada baris 1 tidak sesuai templat (" + "; ".join(parts) + "). Unduh templat terbaru "
            "dan salin data ke dalamnya."
        )
    return positions


def check_file_name(name):
    if not str(name or "").lower().endswith(".xlsx"):
        raise ImportFileError(
            "Hanya berkas Excel .xlsx yang diterima (bukan .xls, .csv atau lainnya). Simpan berkas sebagai "
            "“Excel Workbook (.xlsx)”, atau pakai templat yang diunduh dari halaman ini."
        )


def read_dataset(data, name):
    """The tablib Dataset of an uploaded file, or ImportFileError with the reason."""
    check_file_name(name)
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_big_message())
    return SafeXLSX().create_dataset(data)


# -- preview ---------------------------------------------------------------------------------------

NEW, UPDATE, UNCHANGED, ERROR = "baru", "diperbarui", "tetap", "galat"
ACTION_LABELS = {NEW: "Baru", UPDATE: "Diperbarui", UNCHANGED: "Tidak berubah", ERROR: "Ada kesalahan"}


@dataclass
class Problem:
    column: str  # the header, or "" for the row as a whole
    message: str
    kind: str = "error"  # "error" blocks the import, "warning" is only shown
    confirmable: bool = False  # refused unless confirmed as written on the card


@dataclass
class RowReport:
    number: int
    nama: str = ""
    nik: str = ""  # masked
    action: str = NEW
    problems: list = field(default_factory=list)

    def error(self, column, message):
        self.problems.append(Problem(column, message))

    def warn(self, column, message):
        self.problems.append(Problem(column, message, "warning"))

    @property
    def has_errors(self):
        return any(p.kind == "error" for p in self.problems)

    @property
    def action_label(self):
        return ACTION_LABELS[ERROR if self.has_errors else self.action]


@dataclass
class _Row:
    report: RowReport
    parts: dict
    no_kk: str = ""
    warga: dict = field(default_factory=dict)
    existing: Warga | None = None
    instance: Warga | None = None  # the record written (the commit sets it)


@dataclass
class _KeluargaPlan:
    no_kk: str
    rows: list
    existing: Keluarga | None = None
    confirmed: bool = False
    instance: Keluarga | None = None  # the record written (the commit sets it)

    @property
    def confirm_changed(self):
        return self.existing is not None and self.confirmed and not self.existing.no_kk_dikonfirmasi


@dataclass
class _RumahTanggaPlan:
    key: tuple
    keluarga: list
    existing: RumahTangga | None = None
    data: dict = field(default_factory=dict)
    changed: bool = False
    instance: RumahTangga | None = None  # the record written (the commit sets it)


@dataclass
class Preview:
    rows: list
    plan: list
    counts: dict
    households: dict

    @property
    def has_errors(self):
        return self.counts[ERROR] > 0

    @property
    def problem_rows(self):
        return [r for r in self.rows if r.problems]


def analyse(dataset, *, actor, dasawisma, today=None):
    """Check every row against the database without writing anything. Raises PermissionDenied when the
    actor may not enter data in the dasawisma."""
    services.require_entry(actor, dasawisma)
    return _Analysis(actor, dasawisma, today or timezone.localdate()).run(dataset)


class _Analysis:
    def __init__(self, actor, dasawisma, today):
        self.actor, self.dasawisma, self.today = actor, dasawisma, today
        self.seen_nik = {}  # NIK -> the first row that has it
        self.seen_person = {}  # (No. KK, name, birth date) of rows without NIK -> the first row

    def run(self, dataset):
        resource = WargaRowResource()
        rows = []
        for number, raw in zip(dataset.row_numbers, dataset.dict, strict=True):
            parts, errors = resource.parse(raw)
            row = _Row(RowReport(number), parts)
            for header, messages in errors.items():
                for message in messages:
                    row.report.error(header, message)
            rows.append(row)
        self._check_dasawisma_codes(rows)
        for row in rows:
            self._check_row(row)
        self._load_existing(rows)
        plan = self._group(rows)
        for rt_plan in plan:
            self._match_rumah_tangga(rt_plan)
        plan = _one_plan_per_household(plan)
        for rt_plan in plan:
            self._merge_rumah_tangga(rt_plan)
            for kk_plan in rt_plan.keluarga:
                self._check_members(kk_plan)
        return self._finish(rows, plan)

    # -- one row on its own ------------------------------------------------------------------------

    def _check_dasawisma_codes(self, rows):
        """An empty code means the dasawisma of this page; another dasawisma's rows are refused."""
        others = {r.parts["baris"].get("kode_dasawisma") for r in rows} - {None, self.dasawisma.pk}
        entry_ok = {}
        if others:
            allowed = access.scope(Unit.objects.filter(pk__in=others), self.actor, Perm.ENTRY)
            entry_ok = {u.pk: u for u in allowed}
        header = HEADER_OF["baris__kode_dasawisma"]
        for row in rows:
            code = row.parts["baris"].get("kode_dasawisma")
            if code in (None, self.dasawisma.pk):
                continue
            if code in entry_ok:
                row.report.error(
                    header,
                    f"Baris ini untuk {entry_ok[code]}, bukan {self.dasawisma}: impor di halaman dasawisma tersebut.",
                )
            else:
                row.report.error(header, "Dasawisma baris ini di luar wilayah Anda atau Anda tidak berhak mengisinya.")

    def _check_row(self, row):
        report, w = row.report, row.parts["warga"]
        report.nama = w.get("nama") or ""
        report.nik = validation.mask(w.get("nik") or "")
        row.no_kk = row.parts["keluarga"].get("no_kk") or ""
        for name in REQUIRED_WARGA:
            header = _header("warga", name)
            if w.get(name) in (None, "") and header not in _headers_with_errors(report):
                report.error(header, "Wajib diisi.")
        if not row.no_kk and HEADER_OF["keluarga__no_kk"] not in _headers_with_errors(report):
            report.error(HEADER_OF["keluarga__no_kk"], "Wajib diisi.")
        for flag, asks, details in DEPENDENT_WARGA:
            _check_dependent(report, "warga", w, flag, asks, details)
        if w.get("ibu_menyusui") and w.get("jenis_kelamin") == JenisKelamin.LAKI_LAKI:
            report.error(_header("warga", "ibu_menyusui"), "Ibu menyusui hanya untuk perempuan.")
        born = w.get("tanggal_lahir")
        if born:
            for p in validation.check_birth_date(born, self.today):
                report.error(_header("warga", "tanggal_lahir"), p.message)
        nik = w.get("nik")
        if nik:
            problems = validation.check_nik(nik, tanggal_lahir=born, jenis_kelamin=w.get("jenis_kelamin"))
            _report_number_problems(report, _header("warga", "nik"), problems, bool(w.get("nik_dikonfirmasi")))
        if row.no_kk:
            problems = validation.check_no_kk(row.no_kk)
            confirmed = bool(row.parts["keluarga"].get("no_kk_dikonfirmasi"))
            _report_number_problems(report, HEADER_OF["keluarga__no_kk"], problems, confirmed)
        row.warga = _warga_data(w)

    # -- the database, in a few queries ------------------------------------------------------------

    def _load_existing(self, rows):
        """The dasawisma's households, the keluarga of the file's No. KK and their members, and whoever
        holds the file's NIKs: a handful of queries whatever the number of rows."""
        self.households = {}
        self.households_by_key = {}
        for household in RumahTangga.objects.filter(dasawisma=self.dasawisma).order_by("pk"):
            household.dasawisma = self.dasawisma
            self.households[household.pk] = household
            if household.tanggal_keluar is None:
                for key in _keys_of(household):
                    self.households_by_key.setdefault(key, []).append(household)

        self.keluarga_by_kk, foreign = {}, []
        for chunk in _chunks(sorted({r.no_kk for r in rows if r.no_kk})):
            for keluarga in Keluarga.objects.filter(no_kk__in=chunk):
                household = self.households.get(keluarga.rumah_tangga_id)
                if household is None:
                    foreign.append(keluarga.pk)
                else:
                    keluarga.rumah_tangga = household
                    self.keluarga_by_kk[keluarga.no_kk] = keluarga
        for chunk in _chunks(foreign):
            for keluarga in Keluarga.objects.filter(pk__in=chunk).select_related("rumah_tangga__dasawisma"):
                self.keluarga_by_kk[keluarga.no_kk] = keluarga

        own = {k.pk: k for k in self.keluarga_by_kk.values() if k.rumah_tangga.dasawisma_id == self.dasawisma.pk}
        self.members, self.warga_by_nik = {}, {}
        for chunk in _chunks(sorted(own)):
            for warga in Warga.objects.filter(keluarga_id__in=chunk).order_by("pk"):
                warga.keluarga = own[warga.keluarga_id]
                self.members.setdefault(warga.keluarga_id, []).append(warga)
                if warga.nik:
                    self.warga_by_nik[warga.nik] = warga
        others = sorted({r.warga["nik"] for r in rows if r.warga.get("nik")} - set(self.warga_by_nik))
        for chunk in _chunks(others):
            qs = Warga.objects.filter(nik__in=chunk).select_related("keluarga__rumah_tangga__dasawisma")
            self.warga_by_nik.update({w.nik: w for w in qs})

    # -- grouping: keluarga by No. KK, rumah tangga by No. Registrasi RT or Alamat ------------------

    def _group(self, rows):
        by_kk = {}
        for row in rows:
            if row.no_kk:
                by_kk.setdefault(row.no_kk, []).append(row)
        keys = {no_kk: _household_key(kk_rows) for no_kk, kk_rows in by_kk.items()}
        # A keluarga without No. Registrasi RT joins the household of the file with the same Alamat.
        registered_at = {}
        for no_kk, key in keys.items():
            if key is not None and key[0] == "reg":
                for row in by_kk[no_kk]:
                    alamat = row.parts["rumah_tangga"].get("alamat")
                    if alamat:
                        registered_at.setdefault(("alamat", _norm(alamat)), set()).add(key)
        by_key = {}
        for no_kk, kk_rows in by_kk.items():
            key = keys[no_kk]
            if key is not None and len(registered_at.get(key, ())) == 1:
                key = next(iter(registered_at[key]))
            existing = self.keluarga_by_kk.get(no_kk)
            if key is None and existing is None:
                kk_rows[0].report.error(
                    HEADER_OF["rumah_tangga__alamat"], "Isi Alamat atau No. Registrasi RT rumah tangga keluarga ini."
                )
                continue
            if key is None:
                key = ("rumah_tangga", existing.rumah_tangga_id)
            self._check_same_household(kk_rows, key)
            confirmed = any(r.parts["keluarga"].get("no_kk_dikonfirmasi") for r in kk_rows)
            kk_plan = _KeluargaPlan(no_kk, kk_rows, existing, confirmed)
            self._check_keluarga(kk_plan)
            rt_plan = by_key.setdefault(key, _RumahTanggaPlan(key, []))
            rt_plan.keluarga.append(kk_plan)
        return list(by_key.values())

    def _check_same_household(self, kk_rows, key):
        """All members of one keluarga live in one rumah tangga."""
        if key[0] == "reg":
            name, header = "no_registrasi", HEADER_OF["rumah_tangga__no_registrasi"]
        elif key[0] == "alamat":
            name, header = "alamat", HEADER_OF["rumah_tangga__alamat"]
        else:
            return
        for row in kk_rows:
            value = row.parts["rumah_tangga"].get(name)
            if value and _norm(value) != key[1]:
                row.report.error(
                    header, "Anggota satu keluarga (No. KK sama) harus tercatat di satu rumah tangga yang sama."
                )

    def _check_keluarga(self, kk_plan):
        existing = kk_plan.existing
        if existing is None:
            return
        if existing.rumah_tangga.dasawisma_id != self.dasawisma.pk:
            other = existing.rumah_tangga.dasawisma
            message = (
                f"No. KK ini sudah terdaftar di {other}."
                if access.can_see(self.actor, other)
                else "No. KK ini sudah terdaftar di wilayah lain."
            )
            for row in kk_plan.rows:
                row.report.error(HEADER_OF["keluarga__no_kk"], message)
            kk_plan.existing = None
        elif existing.no_kk_dikonfirmasi:
            # Confirmed once on the card: the import does not take that back.
            kk_plan.confirmed = True
            for row in kk_plan.rows:
                _drop_confirmable(row.report, HEADER_OF["keluarga__no_kk"])

    def _match_rumah_tangga(self, rt_plan):
        found = {k.existing.rumah_tangga_id for k in rt_plan.keluarga if k.existing is not None}
        if len(found) > 1:
            for kk_plan in rt_plan.keluarga:
                kk_plan.rows[0].report.error(
                    HEADER_OF["keluarga__no_kk"],
                    "Keluarga-keluarga rumah tangga ini sudah tercatat di rumah tangga yang berbeda; "
                    "periksa No. Registrasi RT/Alamat.",
                )
            return
        if found:
            rt_plan.existing = self.households.get(found.pop())
            return
        candidates = self.households_by_key.get(rt_plan.key, [])
        if len(candidates) == 1:
            rt_plan.existing = candidates[0]

    def _merge_rumah_tangga(self, rt_plan):
        """The household's values: the first filled cell of each column; other filled cells must agree;
        empty everywhere means the stored value (an existing household) or the default (a new one)."""
        rows = [r for k in rt_plan.keluarga for r in k.rows]
        values, first_row = {}, {}
        for row in rows:
            rt_values = row.parts["rumah_tangga"]
            for name in RUMAH_TANGGA_IMPORTED:
                value = rt_values.get(name)
                if value is None or value == "":
                    continue
                if name not in values:
                    values[name], first_row[name] = value, row.report.number
                elif _comparable(value) != _comparable(values[name]):
                    row.report.error(
                        _header("rumah_tangga", name),
                        f"Berbeda dengan baris {first_row[name]} untuk rumah tangga yang sama "
                        f"(“{_shown(values[name])}”).",
                    )
        existing = rt_plan.existing
        data = {}
        for name in RUMAH_TANGGA_IMPORTED:
            if name in values:
                data[name] = values[name]
                # The keys are compared without case and spaces: such a difference is not a change.
                same_key = existing is not None and _norm(values[name]) == _norm(getattr(existing, name))
                if name in ("alamat", "no_registrasi") and same_key:
                    data[name] = getattr(existing, name)
            elif existing is not None:
                data[name] = getattr(existing, name)
            elif name in AIR:
                data[name] = False
            elif name in REQUIRED_RUMAH_TANGGA:
                rows[0].report.error(
                    _header("rumah_tangga", name), "Wajib diisi untuk rumah tangga baru (cukup di satu barisnya)."
                )
            else:
                data[name] = RumahTangga._meta.get_field(name).get_default()
        jamban_changed = existing is None or data.get("punya_jamban") != existing.punya_jamban
        if "punya_jamban" in data and "jumlah_jamban" not in values and jamban_changed:
            data["jumlah_jamban"] = 1 if data["punya_jamban"] else 0
        if data.get("punya_jamban") is False and data.get("jumlah_jamban"):
            rows[0].report.error(
                _header("rumah_tangga", "jumlah_jamban"), "Isi 0 atau kosongkan bila tidak ada jamban."
            )
        if data.get("punya_jamban") and data.get("jumlah_jamban") == 0:
            rows[0].report.error(_header("rumah_tangga", "jumlah_jamban"), "Isi jumlah jamban (1 atau lebih).")
        if not data.get("alamat"):
            rows[0].report.error(_header("rumah_tangga", "alamat"), "Alamat rumah tangga wajib diisi.")
        report = rows[0].report
        for flag, asks, details in DEPENDENT_RUMAH_TANGGA:
            _check_dependent(report, "rumah_tangga", data, flag, asks, details)
        rt_plan.data = data
        if existing is not None:
            rt_plan.changed = any(data.get(n) != getattr(existing, n) for n in RUMAH_TANGGA_IMPORTED if n in data)

    # -- members: who exists, NIK elsewhere, twice in the file, one kepala --------------------------

    def _check_members(self, kk_plan):
        nik_header = _header("warga", "nik")
        kk = kk_plan.existing
        stored = self.members.get(kk.pk, []) if kk is not None else []
        without_nik = {(_norm(w.nama), w.tanggal_lahir): w for w in stored if not w.nik}
        with_nik = {(_norm(w.nama), w.tanggal_lahir): w for w in stored if w.nik}
        for row in kk_plan.rows:
            nik = row.warga.get("nik")
            if nik:
                if nik in self.seen_nik:
                    row.report.error(nik_header, f"NIK sama dengan baris {self.seen_nik[nik]}.")
                    continue
                self.seen_nik[nik] = row.report.number
                other = self.warga_by_nik.get(nik)
                if other is not None:
                    self._match_by_nik(row, other, kk)
                    continue
            person = (_norm(row.warga.get("nama") or ""), row.warga.get("tanggal_lahir"))
            if not nik:
                seen_key = (kk_plan.no_kk, *person)
                if seen_key in self.seen_person:
                    row.report.error(
                        _header("warga", "nama"),
                        f"Nama dan tanggal lahir sama dengan baris {self.seen_person[seen_key]} pada keluarga ini.",
                    )
                    continue
                self.seen_person[seen_key] = row.report.number
                if person in with_nik:
                    # Matching would erase the stored NIK, a new row would count the person twice.
                    row.report.error(
                        nik_header,
                        f"{with_nik[person].nama} sudah tercatat dengan NIK {validation.mask(with_nik[person].nik)}; "
                        "isi NIK-nya di baris ini.",
                    )
                    continue
            if person in without_nik:
                row.existing = without_nik.pop(person)
        self._check_one_kepala(kk_plan, stored)

    def _match_by_nik(self, row, other, kk):
        dasawisma = other.keluarga.rumah_tangga.dasawisma
        header = _header("warga", "nik")
        if dasawisma.pk != self.dasawisma.pk:
            if access.can_see(self.actor, dasawisma):
                row.report.error(header, f"NIK ini sudah terdaftar atas nama {other.nama} di {dasawisma}.")
            else:
                row.report.error(header, "NIK sudah terdaftar di wilayah lain.")
            return
        if kk is None or other.keluarga_id != kk.pk:
            row.report.error(
                HEADER_OF["keluarga__no_kk"],
                f"{other.nama} sudah tercatat pada keluarga dengan No. KK {validation.mask(other.keluarga.no_kk)}. "
                "Pindah keluarga dicatat lewat halaman warga, bukan lewat impor.",
            )
            return
        row.existing = other
        if other.nik_dikonfirmasi:
            _drop_confirmable(row.report, header)

    def _check_one_kepala(self, kk_plan, stored):
        in_file = {r.existing.pk for r in kk_plan.rows if r.existing is not None}
        heads = [
            (None, w.nama)
            for w in stored
            if w.pk not in in_file and w.is_active and w.status_dalam_keluarga == StatusDalamKeluarga.KEPALA
        ]
        for row in kk_plan.rows:
            if row.existing is not None and not row.existing.is_active:
                continue
            if row.warga.get("status_dalam_keluarga") == StatusDalamKeluarga.KEPALA:
                heads.append((row, row.warga.get("nama")))
        if len(heads) < 2:
            return
        for row, _name in heads:
            if row is None:
                continue
            others = [f"baris {r.report.number}" if r else f"{n} (sudah tercatat)" for r, n in heads if r is not row]
            row.report.error(
                _header("warga", "status_dalam_keluarga"),
                f"Satu keluarga hanya mempunyai satu Kepala Keluarga; juga: {', '.join(others)}.",
            )

    # -- totals ------------------------------------------------------------------------------------

    def _finish(self, rows, plan):
        counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
        for row in rows:
            existing = row.existing
            if existing is None:
                row.report.action = NEW
            elif not existing.is_active:
                row.report.action = UNCHANGED
                row.report.warn(
                    "", f"{existing.nama} tercatat {existing.get_status_display().lower()}; baris ini tidak diubah."
                )
            else:
                row.warga["nik_dikonfirmasi"] = row.warga["nik_dikonfirmasi"] or existing.nik_dikonfirmasi
                changed = any(row.warga[n] != getattr(existing, n) for n in row.warga)
                row.report.action = UPDATE if changed else UNCHANGED
            counts[ERROR if row.report.has_errors else row.report.action] += 1
        households = {
            "rumah_tangga_baru": sum(1 for p in plan if p.existing is None),
            "rumah_tangga_diperbarui": sum(1 for p in plan if p.changed),
            "keluarga_baru": sum(1 for p in plan for k in p.keluarga if k.existing is None),
        }
        return Preview([r.report for r in rows], plan, counts, households)


def _drop_confirmable(report, header):
    """A number once confirmed as written on the card stays confirmed."""
    report.problems = [p for p in report.problems if not (p.column == header and p.confirmable)]


def _headers_with_errors(report):
    return {p.column for p in report.problems if p.kind == "error"}


def _check_dependent(report, part, values, flag, asks, details):
    header = _header(part, details)
    if header in _headers_with_errors(report):
        return
    filled = values.get(details) not in (None, "")
    if values.get(flag) == asks and not filled:
        report.error(header, f"Wajib diisi bila {_header(part, flag)} {_shown(asks)}.")
    elif values.get(flag) != asks and filled:
        report.error(
            header,
            f"Diisi, padahal {_header(part, flag)} bukan {_shown(asks)}: ubah {_header(part, flag)} atau kosongkan.",
        )


def _report_number_problems(report, header, problems, confirmed):
    if header in _headers_with_errors(report):
        return
    for p in problems:
        if p.kind == validation.WARNING:
            report.warn(header, p.message)
        elif p.kind == validation.ERROR or not confirmed:
            if p.kind == validation.CONFIRM:
                column = _confirm_column(header)
                if "centang konfirmasi" in p.message:
                    message = p.message.replace("centang konfirmasi", f"isi kolom “{column}” dengan Ya")
                else:
                    message = f"{p.message} Bila memang demikian tertulis di kartu, isi kolom “{column}” dengan Ya."
                report.problems.append(Problem(header, message, confirmable=True))
            else:
                report.problems.append(Problem(header, p.message))


def _confirm_column(header):
    return (
        HEADER_OF["warga__nik_dikonfirmasi"]
        if header == HEADER_OF["warga__nik"]
        else HEADER_OF["keluarga__no_kk_dikonfirmasi"]
    )


def _warga_data(values):
    data = {}
    for name in WARGA_IMPORTED:
        value = values.get(name)
        column = COLUMN_BY_ATTRIBUTE[f"warga__{name}"]
        if isinstance(column.widget, YaTidakWidget):
            value = bool(value)
        elif name == "berkebutuhan_khusus":
            value = value or BerkebutuhanKhusus.TIDAK
        elif isinstance(column.widget, PilihanWidget | TeksWidget | NomorKartuWidget):
            value = value or ""
        data[name] = value
    data["nik"] = data["nik"] or None
    return data


def _household_key(rows):
    """("reg", number) when a row gives the No. Registrasi RT, else ("alamat", address), else None."""
    for row in rows:
        value = row.parts["rumah_tangga"].get("no_registrasi")
        if value:
            return ("reg", _norm(value))
    for row in rows:
        value = row.parts["rumah_tangga"].get("alamat")
        if value:
            return ("alamat", _norm(value))
    return None


def _one_plan_per_household(plan):
    """Groups of the file found to be one stored household (one by its No. Registrasi RT, the other by
    its Alamat) become one group, so that the household is checked and written once."""
    merged, by_household = [], {}
    for rt_plan in plan:
        if rt_plan.existing is None:
            merged.append(rt_plan)
        elif rt_plan.existing.pk in by_household:
            by_household[rt_plan.existing.pk].keluarga += rt_plan.keluarga
        else:
            by_household[rt_plan.existing.pk] = rt_plan
            merged.append(rt_plan)
    return merged


def _keys_of(household):
    """The keys a stored household is found by, as _household_key builds them from the file: its
    No. Registrasi RT, and its Alamat (for a file row without No. Registrasi RT)."""
    keys = [("alamat", _norm(household.alamat))] if household.alamat else []
    if household.no_registrasi:
        keys.append(("reg", _norm(household.no_registrasi)))
    return keys


def _comparable(value):
    return _norm(value) if isinstance(value, str) else value


def _shown(value):
    if value is True:
        return "Ya"
    if value is False:
        return "Tidak"
    for choices in (MakananPokok, KriteriaRumah):
        if value in choices.values:
            return choices(value).label
    return str(value)


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


# -- commit ----------------------------------------------------------------------------------------


class ImportBlocked(Exception):
    """Some row has an error (the file or the data in the database changed since the preview)."""

    def __init__(self, preview):
        super().__init__("Impor dibatalkan: ada baris yang salah.")
        self.preview = preview


def commit(dataset, *, actor, dasawisma):
    """Analyse again on fresh data and write everything in one transaction: all or nothing.
    Raises ImportBlocked when a row has an error, PermissionDenied without the right to enter data."""
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


# -- the uploaded file between preview and confirm -------------------------------------------------

UPLOAD_MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")


def upload_dir():
    path = Path(tempfile.gettempdir()) / "pkkdata-import"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _upload_path(token):
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return upload_dir() / f"{token}.xlsx"


def store_upload(data):
    """Keep the uploaded bytes until the confirm: (token, sha256)."""
    purge_uploads()
    token = secrets.token_hex(16)
    descriptor = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(data)
    return token, hashlib.sha256(data).hexdigest()


def load_upload(token, sha256):
    """The stored bytes, or None when the token is unknown, older than an hour or the file changed."""
    path = _upload_path(token)
    if path is None:
        return None
    try:
        age = time.time() - path.stat().st_mtime
        if age > UPLOAD_MAX_AGE_SECONDS:
            path.unlink(missing_ok=True)
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def discard_upload(token):
    path = _upload_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def purge_uploads(now=None):
    """Delete the uploads older than an hour (previews nobody confirmed)."""
    now = now or time.time()
    for path in upload_dir().glob("*.xlsx"):
        try:
            if now - path.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
                path.unlink()
        except FileNotFoundError:
            continue


# -- the template ----------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="E2EFDA")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")


def build_template(dasawisma, label):
    """The empty Data Warga sheet of one dasawisma, with dropdowns, and a sheet of instructions.
    label: the readable name of the dasawisma (its path, e.g. 'Berbas Tengah › RT 001 › Melati 1')."""
    book, sheet = xlsx.new_workbook(SHEET_TITLE)
    xlsx.write_row(sheet, 1, HEADERS, bold=True, align=xlsx.CENTER)
    for index in range(1, len(HEADERS) + 1):
        sheet.cell(row=1, column=index).fill = HEADER_FILL
    sheet.row_dimensions[1].height = 45
    for row in range(2, PREFILLED_ROWS + 2):
        xlsx.put(sheet, row, 1, dasawisma.pk)
        xlsx.put(sheet, row, 2, label).fill = LOCKED_FILL
    xlsx.column_widths(sheet, [c.width for c in COLUMNS])
    sheet.column_dimensions["A"].hidden = True
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}2:{letter}{VALIDATED_ROWS}"
        if isinstance(column.widget, NomorKartuWidget) or column.name == "no_registrasi":
            sheet.column_dimensions[letter].number_format = "@"  # 16 digits stay text, not 6.47E+15
        elif isinstance(column.widget, TanggalWidget):
            sheet.column_dimensions[letter].number_format = "DD-MM-YYYY"
        if column.dropdown:
            choices = '"' + ",".join(column.dropdown) + '"'
            assert len(choices) <= 255, column.header  # Excel's limit for a list written in the rule
            rule = DataValidation(
                type="list",
                formula1=choices,
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="Pilihan tidak dikenal",
                error="Pilih dari daftar: " + ", ".join(column.dropdown),
            )
            rule.add(cells)
            sheet.add_data_validation(rule)
    code_rule = DataValidation(
        type="whole",
        operator="equal",
        formula1=str(dasawisma.pk),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Kode dasawisma",
        error="Kolom ini sudah terisi kode dasawisma; jangan diubah.",
    )
    code_rule.add(f"A2:A{VALIDATED_ROWS}")
    sheet.add_data_validation(code_rule)
    sheet.freeze_panes = "A2"
    xlsx.print_setup(sheet, header_rows=(1, 1))
    _instructions(book.create_sheet("Petunjuk"), label)
    return xlsx.to_bytes(book)


def _instructions(sheet, label):
    lines = [
        (f"Impor Data Warga dan Data Keluarga — {label}", True),
        ("", False),
        ("Cara mengisi", True),
        ("1. Isi lembar “Data Warga”: satu baris untuk satu warga. Jangan ubah judul kolom di baris 1.", False),
        ("2. Kolom Kode Dasawisma (tersembunyi) dan Dasawisma sudah terisi; jangan diubah.", False),
        ("3. Tulis NIK dan No. KK sebagai teks (16 angka). Jangan pakai rumus di sel mana pun.", False),
        ("4. Tanggal Lahir: isi sebagai tanggal atau teks DD-MM-YYYY, misalnya 17-08-1985.", False),
        ("5. Kolom pilihan boleh diisi dari daftar atau diketik (huruf besar/kecil tidak berpengaruh).", False),
        ("6. Simpan sebagai Excel (.xlsx), paling besar 5 MB dan paling banyak 5.000 baris warga.", False),
        ("", False),
        ("Keluarga dan rumah tangga", True),
        ("• Baris dengan No. KK yang sama adalah satu keluarga.", False),
        ("• Keluarga dengan No. Registrasi RT yang sama adalah satu rumah tangga. Bila No. Registrasi RT", False),
        ("  kosong: keluarga dengan Alamat yang sama (huruf besar/kecil, spasi diabaikan) satu rumah tangga.", False),
        ("• Kolom rumah tangga (Makanan Pokok sampai Kesehatan Lingkungan) cukup diisi di satu baris rumah", False),
        ("  tangga itu; sel kosong mengikuti baris lain. Dua isian yang berbeda dianggap salah.", False),
        ("• Sumber air yang kosong berarti Tidak. Jumlah Jamban kosong berarti 1 bila ada jamban.", False),
        ("", False),
        ("Impor ulang", True),
        ("• Warga yang sudah tercatat dikenali dari NIK (warga tanpa NIK: dari nama dan tanggal lahir di", False),
        ("  keluarganya), keluarga dari No. KK. Data yang ada diperbarui, tidak digandakan.", False),
        ("• Warga yang tidak ada di berkas tidak dihapus. Pindah/meninggal dicatat di halaman warga.", False),
        ("• Sebelum disimpan, semua baris diperiksa dan ditampilkan. Bila ada satu baris salah, tidak ada", False),
        ("  yang disimpan: perbaiki berkas lalu unggah lagi.", False),
        ("", False),
        ("Kolom", True),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        xlsx.put(sheet, row, 1, text, bold=bold)
    first = len(lines) + 1
    xlsx.write_row(sheet, first, ["Kolom", "Keterangan", "Pilihan"], bold=True)
    for offset, column in enumerate(COLUMNS, start=1):
        xlsx.write_row(sheet, first + offset, [column.header, column.note, ", ".join(column.dropdown)])
    for row in range(first, first + len(COLUMNS) + 1):
        for col in (1, 2, 3):
            sheet.cell(row=row, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    xlsx.column_widths(sheet, [34, 60, 60])
    xlsx.print_setup(sheet, landscape=False)
