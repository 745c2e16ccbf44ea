"""The columns of the Data Warga import sheet: one Column per header, with the widget that cleans its
cell into a typed value (or a ValueError with the message for the cadre), its width and dropdown in the
template and its note on the "Petunjuk" sheet; and the sheet's name and size, shared by the reader
(read.py) and the template (template.py)."""

import datetime
import re
from dataclasses import dataclass

from import_export import widgets

from ..models import (
    Agama,
    BerkebutuhanKhusus,
    JenisKB,
    JenisKelamin,
    KelompokBelajar,
    KriteriaRumah,
    MakananPokok,
    Pekerjaan,
    Pendidikan,
    RumahTangga,
    StatusDalamKeluarga,
    StatusPerkawinan,
    Warga,
)

SHEET_TITLE = "Data Warga"
MAX_ROWS = 5000
PREFILLED_ROWS = 500

# -- widgets: one cell to one typed value, or a ValueError with the message for the cadre ------------


def norm(value):
    """Letter case and spaces do not matter when comparing what people type."""
    return " ".join(str(value).split()).casefold()


def label_key(text):
    """A typed dasawisma label as it is compared: letter case and spaces ignored, ">" read as "›"."""
    return "".join(str(text).replace(">", "›").split()).casefold()


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class TeksWidget(widgets.Widget):
    def __init__(self, max_length=None):
        super().__init__()
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        if blank(value):
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
        if blank(value):
            return ""
        if isinstance(value, bool | int | float):
            raise ValueError(
                f"{self.label} tersimpan sebagai angka, sehingga Excel dapat mengubah angka terakhirnya. "
                f"Ubah format sel menjadi Teks, lalu ketik ulang {self.label}."
            )
        text = "".join(str(value).split()).lstrip("'")
        if "*" in text:
            raise ValueError(
                f"{self.label} ini disamarkan (tanda *), seperti pada unduhan biasa. Ketik {self.label} lengkap "
                "dari kartunya, atau unduh Data Warga “untuk impor kembali” (dengan nomor lengkap)."
            )
        return text


class PilihanWidget(widgets.Widget):
    """A choice given by its label on the paper form, its short code or a common alias, in any case."""

    def __init__(self, choices, aliases=None, shown=None):
        super().__init__()
        self.labels = shown or [label for _value, label in choices]
        self.lookup = {}
        for value, label in choices:
            self.lookup[norm(value)] = value
            self.lookup[norm(label)] = value
        for alias, value in (aliases or {}).items():
            self.lookup[norm(alias)] = value

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        found = self.lookup.get(norm(value))
        if found is None:
            raise ValueError(f"“{value}” bukan pilihan yang dikenal. Pilih salah satu: {', '.join(self.labels)}.")
        return found


class YaTidakWidget(widgets.Widget):
    TRUE = {"ya", "y", "1", "true", "ada", "v", "✓", "√"}
    FALSE = {"tidak", "t", "0", "false", "tidak ada", "-"}

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = norm(value)
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{value}” tidak dikenal: isi Ya atau Tidak.")


class TanggalWidget(widgets.Widget):
    """A date cell, or text written DD-MM-YYYY (also DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD)."""

    FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            for fmt in self.FORMATS:
                try:
                    # A calendar date, not a moment: no time zone to attach.
                    return datetime.datetime.strptime(value.strip(), fmt).date()  # noqa: DTZ007
                except ValueError:
                    continue
        raise ValueError(f"“{value}” bukan tanggal: tulis sebagai tanggal atau DD-MM-YYYY, misalnya 17-08-1985.")


class BilanganWidget(widgets.Widget):
    def __init__(self, minimum=0, maximum=None):
        super().__init__()
        self.minimum, self.maximum = minimum, maximum

    def clean(self, value, row=None, **kwargs):
        if blank(value):
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
        },
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
        },
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
    _text("No. Registrasi Warga", "warga__no_registrasi", Warga, 12, "Butir 1 formulir 4.14.1a, boleh kosong."),
    _text("Alamat Warga", "warga__alamat", Warga, 24, "Kosongkan bila sama dengan alamat rumah tangga."),
]
HEADERS = [c.header for c in COLUMNS]
# Columns added after the template went out: a sheet without them is still read. A column a sheet does
# not have keeps what is stored for a warga already recorded (the dataset's `absent`, analyse._finish); an
# empty cell in a column it has clears the value, as in every other column.
OPTIONAL_HEADERS = ("No. Registrasi Warga", "Alamat Warga")
# The columns read from an uploaded sheet: the template's, and a few to spare (a column of notes, an empty
# column between ours: what sits under an empty header is ignored, as it always was). Content further
# right is refused before the sheet is read, and cells there are never converted.
MAX_COLUMNS = len(HEADERS) + 10
# Cells an uploaded workbook may hold, counted over every sheet as the file is streamed, empty cells that
# carry a format included (each costs the XML parser as much as a filled one): every row of the template
# filled to the last spare column. A 5 MB file can hold millions (issue 11: 2.2 million, 33 s of a web
# worker); this keeps the worst accepted file near the cost of a full template.
MAX_CELLS = MAX_ROWS * MAX_COLUMNS
COLUMN_BY_ATTRIBUTE = {c.attribute: c for c in COLUMNS}
HEADER_OF = {c.attribute: c.header for c in COLUMNS}

WARGA_IMPORTED = [c.name for c in COLUMNS if c.part == "warga"]
RUMAH_TANGGA_IMPORTED = [c.name for c in COLUMNS if c.part == "rumah_tangga"]


def column_header(part, name):
    return HEADER_OF[f"{part}__{name}"]
