"""The onboarding sheet of a kelurahan: its groups (dusun/lingkungan, RW, RT, dasawisma) and the people
who hold roles in them, one row per person (or per group without anyone yet).

Headers are recognised tolerantly (`loose`: letter case, spaces and punctuation do not matter, and the
abbreviations TP PKK offices use: "No HP", "Nomor WA", "Jabatan", "Nama DW" ...). The file is read by
the Data Warga import's defensive reader (households.importer.read.SafeXLSX: size, cells, formulas,
zip bombs), with this layout; the template is written here."""

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from hierarchy.levels import Role
from households.importer.read import MAX_BYTES, ImportFileError, SafeXLSX, check_file_name, too_big_message

SHEET_TITLE = "Kelompok dan Kader"
MAX_ROWS = 3000

DUSUN = "Dusun/Lingkungan"
RW = "RW"
RT = "RT"
KODE_DASAWISMA = "Kode Dasawisma"
NAMA_DASAWISMA = "Nama Dasawisma"
NAMA = "Nama Lengkap"
HP = "No. HP/WA"
PERAN = "Peran"
PENGGUNA = "Nama Pengguna"

HEADERS = [DUSUN, RW, RT, KODE_DASAWISMA, NAMA_DASAWISMA, NAMA, HP, PERAN, PENGGUNA]
# The columns a file must have; the others (dusun, RW, a dasawisma's code, a chosen username) may be
# left out where a kelurahan has none.
REQUIRED = [RT, NAMA_DASAWISMA, NAMA, HP, PERAN]


def loose(value):
    """How people type headers and roles: case, spaces and punctuation do not matter."""
    return " ".join(re.sub(r"[.,:;/_\-()]", " ", str(value)).split()).casefold()


_HEADER_WORDS = {
    DUSUN: ["dusun lingkungan", "dusun", "lingkungan", "nama dusun", "nama lingkungan"],
    RW: ["rw", "no rw", "nomor rw", "kode rw", "rukun warga"],
    RT: ["rt", "no rt", "nomor rt", "kode rt", "rukun tetangga"],
    KODE_DASAWISMA: ["kode dasawisma", "kode dasa wisma", "kode dw", "no dasawisma", "nomor dasawisma"],
    NAMA_DASAWISMA: [
        "nama dasawisma", "dasawisma", "dasa wisma", "nama dasa wisma", "nama dw", "dw",
        "kelompok dasawisma", "nama kelompok dasawisma",
    ],
    NAMA: ["nama lengkap", "nama", "nama kader", "nama pengurus", "nama anggota"],
    HP: [
        "no hp wa", "no hp", "nomor hp", "hp", "no wa", "nomor wa", "wa", "whatsapp", "no whatsapp", "hp wa",
        "no telp", "no telepon", "nomor telepon", "telepon", "telp", "nomor hp wa",
    ],
    PERAN: ["peran", "jabatan", "tugas", "kedudukan", "peran jabatan"],
    PENGGUNA: ["nama pengguna", "username", "user", "akun", "nama akun"],
}  # fmt: skip
_HEADER_OF = {word: header for header, words in _HEADER_WORDS.items() for word in words}

# The roles a kelurahan hands out, with the words the sheets use for them.
_ROLE_WORDS = {
    Role.KADER: ["kader", "kader dasawisma", "kader dw", "anggota", "anggota dasawisma"],
    Role.KETUA_DASAWISMA: ["ketua dasawisma", "ketua dw", "ketua kelompok dasawisma", "ketua dasa wisma"],
    Role.KETUA_RT: ["ketua rt", "ketua kelompok pkk rt", "ketua pkk rt", "ketua kelompok rt", "ketua pokja rt"],
    Role.KETUA_RW: ["ketua rw", "ketua kelompok pkk rw", "ketua pkk rw", "ketua kelompok rw"],
    Role.TP_DESA_KETUA: ["ketua tp pkk", "ketua tp pkk desa", "ketua tp pkk kelurahan", "ketua tim penggerak pkk"],
    # Above a kelurahan: recognised so that the message says who may grant them.
    Role.TP_KECAMATAN: ["tp pkk kecamatan", "ketua tp pkk kecamatan", "sekretaris tp pkk kecamatan"],
    Role.TP_KABKOTA: ["tp pkk kota", "tp pkk kabupaten", "ketua tp pkk kota", "ketua tp pkk kabupaten"],
    Role.TP_DESA_ADMIN: [
        "sekretaris", "admin", "sekretaris tp pkk", "admin tp pkk", "sekretaris tp pkk desa",
        "sekretaris tp pkk kelurahan", "admin tp pkk desa", "admin tp pkk kelurahan",
    ],
}  # fmt: skip
_ROLE_OF = {word: role for role, words in _ROLE_WORDS.items() for word in words}
# What the template's dropdown offers (the first word of each role).
ROLE_CHOICES = ["Kader", "Ketua Dasawisma", "Ketua RT", "Ketua RW", "Ketua TP PKK", "Sekretaris TP PKK"]


def role_of(value):
    """The Role a typed role names, or None."""
    return _ROLE_OF.get(loose(value))


class OnboardingXLSX(SafeXLSX):
    headers = HEADERS
    required = REQUIRED
    paper_form = False
    sheet_title = SHEET_TITLE
    prefilled = frozenset()
    max_rows = MAX_ROWS
    rows_word = "kelompok atau kader"

    def canonical(self, header):
        return _HEADER_OF.get(loose(header))


def read_sheet(data, name):
    """The rows of an uploaded onboarding workbook (a tablib Dataset with `row_numbers`), or
    ImportFileError with the reason."""
    check_file_name(name)
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_big_message())
    return OnboardingXLSX().create_dataset(data)


_HEADER_FILL = PatternFill("solid", fgColor="E2EFDA")
_NOTES = [
    "Satu baris untuk satu orang yang memegang peran, dengan kelompoknya. Kelompok tanpa pengurus boleh "
    "ditulis di baris sendiri (kolom nama, HP dan peran dikosongkan).",
    "Dusun/Lingkungan dan RW boleh dikosongkan bila kelurahan tidak memakainya. RT wajib (nomor, misalnya 1 "
    "atau 001). Dasawisma ditulis dengan namanya; kodenya boleh dikosongkan (dibuat DW01, DW02 ...).",
    "Kelompok yang sudah ada dicocokkan dengan kodenya, atau dengan namanya di bawah induk yang sama: "
    "tidak dibuat dua kali. Mengunggah berkas yang sama lagi tidak membuat apa pun dua kali.",
    "Peran: Kader, Ketua Dasawisma (baris dengan dasawisma), Ketua RT (baris dengan RT), Ketua RW (baris "
    "dengan RW), Ketua TP PKK atau Sekretaris TP PKK (baris tanpa kelompok: kelurahan itu sendiri).",
    "No. HP/WA dipakai untuk mengirim akun lewat WhatsApp dan untuk mengenali orang yang sudah punya akun. "
    "Nama pengguna boleh dikosongkan: dibuat dari nama.",
    "Akun baru mendapat kata sandi sekali pakai yang tampil sekali setelah disimpan (kirim lewat WhatsApp "
    "atau cetak slipnya); saat pertama masuk setiap orang membuat kata sandinya sendiri.",
]


def build_template(label, rows=()):
    """The onboarding workbook (bytes) for the kelurahan named by label: empty, or with rows (lists in
    the order of HEADERS; the demo's example and the tests fill it)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    widths = [18, 6, 6, 15, 22, 28, 16, 20, 18]
    for column, (header, width) in enumerate(zip(HEADERS, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    for values in rows:
        sheet.append(list(values))
    roles = DataValidation(type="list", formula1='"' + ",".join(ROLE_CHOICES) + '"', allow_blank=True)
    roles.error, roles.errorTitle = "Pilih peran dari daftar.", "Peran"
    sheet.add_data_validation(roles)
    roles.add(f"H2:H{MAX_ROWS + 1}")
    for column in ("B", "C", "G"):  # numbers typed as text: 001 keeps its zeros, 0812... its 0
        for row in range(2, max(502, len(rows) + 2)):
            sheet[f"{column}{row}"].number_format = "@"
    notes = book.create_sheet("Petunjuk")
    notes["A1"] = f"Kelompok dan kader · {label}"
    notes["A1"].font = Font(bold=True)
    for row, text in enumerate(_NOTES, start=3):
        notes.cell(row=row, column=1, value=f"{row - 2}. {text}")
    notes.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
