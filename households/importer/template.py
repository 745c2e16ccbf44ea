"""The downloadable templates: the empty Data Warga sheet of one dasawisma (`build_template`: the code
and name of the dasawisma filled in) or of a whole kelurahan (`build_kelurahan_template`: the code
empty, a dropdown of the kelurahan's dasawisma on the Dasawisma column, their list on a sheet of its
own), with a dropdown per choice column and a "Petunjuk" sheet with the rules of the import and a note
per column."""

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from documents import xlsx

from .columns import COLUMNS, HEADERS, MAX_ROWS, PREFILLED_ROWS, SHEET_TITLE, NomorKartuWidget, TanggalWidget

VALIDATED_ROWS = MAX_ROWS + 1
HEADER_FILL = PatternFill("solid", fgColor="E2EFDA")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
LIST_TITLE = "Daftar Dasawisma"
EXAMPLE_LABEL = "RT 001 › (nama dasawisma)"  # when the kelurahan has no dasawisma yet


def build_template(dasawisma, label):
    """The empty Data Warga sheet of one dasawisma, with dropdowns, and a sheet of instructions.
    label: the readable name of the dasawisma (its path, e.g. 'Berbas Tengah › RT 001 › Melati 1')."""
    book, sheet = _data_sheet()
    for row in range(2, PREFILLED_ROWS + 2):
        xlsx.put(sheet, row, 1, dasawisma.pk)
        xlsx.put(sheet, row, 2, label).fill = LOCKED_FILL
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
    _instructions(book.create_sheet("Petunjuk"), label, DASAWISMA_LINES, ALL_OR_NOTHING_LINES)
    return xlsx.to_bytes(book)


def build_kelurahan_template(desa_label, labels):
    """The empty Data Warga sheet of a whole kelurahan: the same columns, Kode Dasawisma empty, a dropdown
    on Dasawisma listing `labels` (the kelurahan's active dasawisma by their path in it, 'RT 001 ›
    Melati 1'), kept on the sheet "Daftar Dasawisma" (a list written in the rule itself holds 255
    characters at most), and the instructions saying how a row finds its dasawisma."""
    book, sheet = _data_sheet()
    sheet.column_dimensions["B"].width = max([22, *(min(len(label) + 2, 45) for label in labels)])
    listing = book.create_sheet(LIST_TITLE)
    xlsx.write_row(listing, 1, ["Dasawisma (tulis atau pilih di kolom Dasawisma)"], bold=True)
    for row, label in enumerate(labels, start=2):
        xlsx.put(listing, row, 1, label)
    xlsx.column_widths(listing, [max([48, *(len(label) + 2 for label in labels)])])
    if labels:
        rule = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(LIST_TITLE)}!$A$2:$A${len(labels) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Dasawisma tidak ada di daftar",
            error=f"Pilih dari daftar (lembar “{LIST_TITLE}”), atau tulis nama yang hanya dipakai satu dasawisma.",
        )
        rule.add(f"B2:B{VALIDATED_ROWS}")
        sheet.add_data_validation(rule)
    example = labels[0] if labels else EXAMPLE_LABEL
    notes = {
        "Kode Dasawisma": "Biarkan kosong (kolom tersembunyi). Bila terisi, kode itu yang dipakai.",
        "Dasawisma": "Pilih dari daftar, atau tulis nama yang hanya dipakai satu dasawisma. Kosong: ikut baris "
        "di atasnya.",
    }
    _instructions(book.create_sheet("Petunjuk"), desa_label, kelurahan_lines(example), HOLD_BACK_LINES, notes)
    return xlsx.to_bytes(book)


def _data_sheet():
    """(workbook, the Data Warga sheet): headers, widths, number formats and the choice dropdowns."""
    book, sheet = xlsx.new_workbook(SHEET_TITLE)
    xlsx.write_row(sheet, 1, HEADERS, bold=True, align=xlsx.CENTER)
    for index in range(1, len(HEADERS) + 1):
        sheet.cell(row=1, column=index).fill = HEADER_FILL
    sheet.row_dimensions[1].height = 45
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
    sheet.freeze_panes = "A2"
    xlsx.print_setup(sheet, header_rows=(1, 1))
    return book, sheet


DASAWISMA_LINES = ["2. Kolom Kode Dasawisma (tersembunyi) dan Dasawisma sudah terisi; jangan diubah."]


def kelurahan_lines(example):
    """How a row of the kelurahan template finds its dasawisma (the rule of importer.kelurahan)."""
    return [
        "2. Kolom Dasawisma: pilih dasawisma warga itu dari daftar, yaitu jalurnya di kelurahan",
        f"   (misalnya “{example}”; semua dasawisma aktif ada di lembar “{LIST_TITLE}”), atau tulis namanya",
        "   saja bila nama itu hanya dipakai satu dasawisma di kelurahan ini. Huruf besar/kecil dan spasi",
        "   tidak berpengaruh.",
        "   Baris yang kolom Dasawisma-nya kosong ikut dasawisma baris di atasnya: cukup isi di baris pertama",
        "   setiap rumah tangga. Baris pertama berkas wajib diisi.",
        "   Kolom Kode Dasawisma (tersembunyi) biarkan kosong; bila terisi (disalin dari templat satu dasawisma),",
        "   kode itulah yang dipakai dan harus kode dasawisma aktif di kelurahan ini.",
    ]


ALL_OR_NOTHING_LINES = [
    "• Sebelum disimpan, semua baris diperiksa dan ditampilkan. Bila ada satu baris salah, tidak ada",
    "  yang disimpan: perbaiki berkas lalu unggah lagi.",
]
HOLD_BACK_LINES = [
    "• Sebelum disimpan, semua baris diperiksa dan ditampilkan per dasawisma. Anda memilih: simpan",
    "  dasawisma yang semua barisnya benar dan tahan dasawisma yang ada baris salahnya, atau simpan hanya",
    "  bila semua baris benar. Setiap dasawisma disimpan utuh atau tidak sama sekali; berkas yang sama",
    "  boleh diunggah lagi setelah diperbaiki: yang sudah tersimpan tidak digandakan.",
]


def _instructions(sheet, label, placement, saving, notes=None):
    """The "Petunjuk" sheet: placement, the lines on how a row finds its dasawisma; saving, the lines
    on what the confirm saves; notes, {header: note} in place of a column's own note."""
    notes = notes or {}
    lines = [
        (f"Impor Data Warga dan Data Keluarga — {label}", True),
        ("", False),
        ("Cara mengisi", True),
        ("1. Isi lembar “Data Warga”: satu baris untuk satu warga. Jangan ubah judul kolom di baris 1.", False),
        *((line, False) for line in placement),
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
        *((line, False) for line in saving),
        ("", False),
        ("Kolom", True),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        xlsx.put(sheet, row, 1, text, bold=bold)
    first = len(lines) + 1
    xlsx.write_row(sheet, first, ["Kolom", "Keterangan", "Pilihan"], bold=True)
    for offset, column in enumerate(COLUMNS, start=1):
        note = notes.get(column.header, column.note)
        xlsx.write_row(sheet, first + offset, [column.header, note, ", ".join(column.dropdown)])
    for row in range(first, first + len(COLUMNS) + 1):
        for col in (1, 2, 3):
            sheet.cell(row=row, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    xlsx.column_widths(sheet, [34, 60, 60])
    xlsx.print_setup(sheet, landscape=False)
