"""The household forms as downloads (the exporter contract: documents/exporters.py):

- Data Warga, Lampiran 4.14.1a ("DAFTAR WARGA TP PKK"): the 20 items, one row per member; for one
  rumah tangga, or for a whole dasawisma as one long table grouped by household; and for a whole
  desa/kelurahan (XLSX only, streamed: see DataWargaKelurahanExporter), or, when large, prepared in
  the background with its progress shown (UnduhanKelurahan, unduhan_* at the end).
- Catatan Keluarga, Lampiran 4.15: 19 columns, one row per member, one sheet (XLSX) or one page run
  (PDF) per household; columns 11-18 from households.catatan.

Both layouts come from one description of the columns (the header cells, merged as on the paper form,
and the numbers row), used by the XLSX writer and the PDF templates alike. NIK and No. KK are always
masked: an export leaves the system, so it never carries a full number.
"""

import contextlib
import datetime
import logging
import os
import re
import tempfile
import threading
import uuid
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.cell_range import CellRange

from documents import xlsx
from documents.exporters import RAKERNAS_X, XLSX, Exporter, Period
from documents.pdf import pdf_text, render_pdf
from hierarchy import access
from hierarchy.levels import LOCAL_LEVELS, Level, Perm
from hierarchy.models import Unit

from . import catatan, rules
from .models import (
    BerkebutuhanKhusus,
    JenisKB,
    KelompokBelajar,
    KriteriaRumah,
    RumahTangga,
    StatusUnduhan,
    StatusWarga,
    UnduhanKelurahan,
    Warga,
)
from .selectors import active_rumah_tangga
from .validation import mask

# -- the columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kolom:
    """One printed column: its header (atas; bawah under a merged atas), its number in the numbers row
    (equal neighbours merge), its width (XLSX character widths; the PDF shares them out in proportion)
    and the PDF cell style ("nik": one line, small; "center")."""

    nomor: int
    atas: str
    bawah: str = ""
    lebar: float = 10
    css: str = ""


@dataclass(frozen=True)
class HeaderCell:
    text: str
    column: int  # 0-based
    colspan: int = 1
    rowspan: int = 1


def header_rows(columns):
    """The two header rows and the numbers row: runs of columns with the same `atas` and a `bawah`
    share one merged top cell; a column without `bawah` spans both rows."""
    top, bottom, numbers = [], [], []
    i = 0
    while i < len(columns):
        col = columns[i]
        if not col.bawah:
            top.append(HeaderCell(col.atas, i, rowspan=2))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].atas == col.atas and columns[j].bawah:
            bottom.append(HeaderCell(columns[j].bawah, j))
            j += 1
        top.append(HeaderCell(col.atas, i, colspan=j - i))
        i = j
    i = 0
    while i < len(columns):
        j = i
        while j < len(columns) and columns[j].nomor == columns[i].nomor:
            j += 1
        numbers.append(HeaderCell(str(columns[i].nomor), i, colspan=j - i))
        i = j
    return top, bottom, numbers


DATA_WARGA_KOLOM = [
    Kolom(1, "No. Registrasi", lebar=10),
    Kolom(2, "No. KTP/NIK dan No. KK", "NIK", 19, "nik"),
    Kolom(2, "No. KTP/NIK dan No. KK", "No. KK", 19, "nik"),
    Kolom(3, "Nama", lebar=21),
    Kolom(4, "Jabatan", lebar=12),
    Kolom(5, "Jenis Kelamin", lebar=14),
    Kolom(6, "Tempat Lahir", lebar=12),
    Kolom(7, "Tanggal Lahir / Umur", "Tgl. Lahir", 12, "nik"),
    Kolom(7, "Tanggal Lahir / Umur", "Umur", 7, "center"),
    Kolom(8, "Status Perkawinan", lebar=11),
    Kolom(9, "Status Dalam Keluarga", lebar=12),
    Kolom(10, "Agama", lebar=9),
    Kolom(11, "Alamat, Desa/Kelurahan", lebar=20),
    Kolom(12, "Pendidikan", lebar=12),
    Kolom(13, "Pekerjaan", lebar=12),
    Kolom(14, "Akseptor KB", lebar=10),
    Kolom(15, "Aktif dalam Kegiatan Posyandu", lebar=11),
    Kolom(16, "Mengikuti Bina Keluarga Balita (BKB)", lebar=10),
    Kolom(17, "Memiliki Tabungan", lebar=10),
    Kolom(18, "Mengikuti Kelompok Belajar", lebar=10),
    Kolom(19, "Mengikuti PAUD/ Sejenis", lebar=10),
    Kolom(20, "Ikut dalam Kegiatan Koperasi", lebar=11),
]

KEGIATAN_PKK = "KEGIATAN PKK YANG DIIKUTI"
CATATAN_KOLOM = [
    Kolom(1, "No", lebar=5, css="center"),
    Kolom(2, "Nama Anggota Keluarga", lebar=22),
    Kolom(3, "Status Perkawinan", lebar=10),
    Kolom(4, "L/P", lebar=4, css="center"),
    Kolom(5, "Tempat Lahir", lebar=11),
    Kolom(6, "Tgl/Bln/Thn Lahir", lebar=11, css="nik"),
    Kolom(7, "Agama", lebar=9),
    Kolom(8, "Pendidikan", lebar=11),
    Kolom(9, "Pekerjaan", lebar=11),
    Kolom(10, "Berkebutuhan Khusus", lebar=11),
    *(
        Kolom(11 + i, KEGIATAN_PKK, label, 12, "center")
        for i, label in enumerate(
            [
                "Penghayatan dan Pengamalan Pancasila",
                "Gotong Royong",
                "Pendidikan dan Keterampilan",
                "Pengembangan Kehidupan Berkoperasi",
                "Pangan",
                "Sandang",
                "Kesehatan",
                "Perencanaan Sehat",
            ]
        )
    ),
    Kolom(19, "Keterangan", lebar=16),
]


def pdf_columns(columns):
    """The PDF's <col> widths (percent of the page width, from the XLSX widths) and cell styles."""
    total = sum(c.lebar for c in columns)
    return [{"width": f"{100 * c.lebar / total:.2f}", "css": c.css} for c in columns]


def pdf_cells(columns, values):
    """One PDF row: (style, text) per column."""
    return [(c.css, pdf_text(v)) for c, v in zip(columns, values, strict=True)]


# -- values of one member ----------------------------------------------------------------------------


def _ya(flag, detail=""):
    if not flag:
        return "Tidak"
    return f"Ya, {detail}" if detail else "Ya"


def _label(choices, value):
    return choices(value).label if value in choices.values else ""


def data_warga_values(warga, rumah_tangga, desa_name, today):
    """The 22 printed cells of one member (the 20 items; 2 and 7 in two cells each)."""
    w = warga
    alamat = w.alamat or rumah_tangga.alamat
    posyandu = f"{w.frekuensi_posyandu} kali/bulan" if w.frekuensi_posyandu else ""
    return [
        w.no_registrasi,
        mask(w.nik),
        mask(w.keluarga.no_kk),
        w.nama,
        w.jabatan,
        w.get_jenis_kelamin_display(),
        w.tempat_lahir,
        w.tanggal_lahir,
        rules.age_years(w.tanggal_lahir, today),
        w.get_status_perkawinan_display(),
        w.get_status_dalam_keluarga_display(),
        w.get_agama_display(),
        ", ".join(part for part in [alamat, desa_name] if part),
        w.get_pendidikan_display(),
        w.get_pekerjaan_display(),
        _ya(w.akseptor_kb, _label(JenisKB, w.jenis_kb)),
        _ya(w.aktif_posyandu, posyandu),
        _ya(w.ikut_bkb),
        _ya(w.punya_tabungan),
        _ya(w.ikut_kelompok_belajar, _label(KelompokBelajar, w.jenis_kelompok_belajar)),
        _ya(w.ikut_paud),
        _ya(w.ikut_koperasi, w.jenis_koperasi),
    ]


def _keterangan(warga):
    parts = []
    if warga.status != StatusWarga.AKTIF and warga.tanggal_status:
        parts.append(f"{warga.get_status_display()} {warga.tanggal_status:%d-%m-%Y}")
    if warga.keterangan:
        parts.append(warga.keterangan)
    return "; ".join(parts)


def catatan_values(number, warga, cells):
    """The 19 printed cells of one member of a Catatan Keluarga."""
    w = warga
    khusus = "" if w.berkebutuhan_khusus == BerkebutuhanKhusus.TIDAK else w.get_berkebutuhan_khusus_display()
    return [
        number,
        w.nama,
        w.get_status_perkawinan_display(),
        w.jenis_kelamin,
        w.tempat_lahir,
        w.tanggal_lahir,
        w.get_agama_display(),
        w.get_pendidikan_display(),
        w.get_pekerjaan_display(),
        khusus,
        *(cell.nilai for cell in cells),
        _keterangan(w),
    ]


def rumah_tangga_facts(rt):
    """The Catatan Keluarga header items of a household (the two program pokok without a column)."""
    air = [label for flag, label in [(rt.air_pdam, "PDAM"), (rt.air_sumur, "Sumur"), (rt.air_sungai, "Sungai")] if flag]
    if rt.air_lainnya:
        air.append(rt.air_lainnya_jenis or "Lainnya")
    jamban = f"Ada, {rt.jumlah_jamban} buah" if rt.punya_jamban else "Tidak ada"
    return {
        "kriteria": _label(KriteriaRumah, rt.kriteria_rumah),
        "jamban": jamban,
        "air": ", ".join(air) or "-",
        "sampah": "Ada" if rt.punya_tempat_sampah else "Tidak ada",
    }


# -- loading -----------------------------------------------------------------------------------------

_AREA_LEVELS = [Level.RT, Level.RW, Level.DUSUN, Level.DESA, Level.KECAMATAN, Level.KABKOTA]
_NATURAL = re.compile(r"(\d+)")


def area_of(dasawisma):
    """{level: Unit} for the dasawisma and its ancestors, loaded once per unit object (one query)."""
    cached = getattr(dasawisma, "_pkk_area", None)
    if cached is None:
        ids = {level: getattr(dasawisma, f"{level}_id") for level in _AREA_LEVELS}
        by_id = type(dasawisma).objects.in_bulk([i for i in ids.values() if i])
        cached = {level: by_id.get(i) for level, i in ids.items()}
        cached[Level.DASAWISMA] = dasawisma
        dasawisma._pkk_area = cached
    return cached


def area_fields(dasawisma):
    """The form's header lines naming the area, top to bottom of the paper's right-hand block."""
    area = area_of(dasawisma)
    rt, rw = area[Level.RT], area[Level.RW]
    lines = [("RT / RW", f"{rt.code if rt else '-'} / {rw.code if rw else '-'}")]
    if area[Level.DUSUN]:
        lines.append(("Dusun/Lingkungan", area[Level.DUSUN].name))
    for level, label in [(Level.DESA, "Desa/Kelurahan"), (Level.KECAMATAN, "Kecamatan"), (Level.KABKOTA, "Kab/Kota")]:
        if area[level]:
            lines.append((label, area[level].name))
    return lines


def _registry_key(rt):
    parts = _NATURAL.split(rt.no_registrasi or "")
    return (not rt.no_registrasi, [int(p) if p.isdigit() else p for p in parts], rt.pk)


def household_qs(target, on):
    """The target's households: the one asked for, or the dasawisma's that had not left by `on`."""
    if isinstance(target, RumahTangga):
        return RumahTangga.objects.filter(pk=target.pk)
    return active_rumah_tangga(RumahTangga.objects.filter(dasawisma=target), on)


def data_warga_households(target, today=None):
    """[(rumah tangga, [active members in the form's order])] in a constant number of queries."""
    today = today or timezone.localdate()
    members = Warga.objects.filter(status=StatusWarga.AKTIF)
    households = (
        household_qs(target, today)
        .select_related("krt")
        .prefetch_related(Prefetch("keluarga__anggota", queryset=members))
    )
    rows = []
    for rt in sorted(households, key=_registry_key):
        people = [w for kel in rt.keluarga.all() for w in kel.anggota.all()]
        rows.append((rt, catatan.family_order(rt, people)))
    return rows


# -- XLSX --------------------------------------------------------------------------------------------


def _xlsx_table_header(ws, first_row, columns):
    top, bottom, numbers = header_rows(columns)
    for cell in top:
        last_col = cell.column + cell.colspan
        xlsx.merge(ws, first_row, cell.column + 1, first_row + cell.rowspan - 1, last_col, cell.text)
    for cell in bottom:
        xlsx.merge(ws, first_row + 1, cell.column + 1, first_row + 1, cell.column + 1, cell.text)
    for cell in numbers:
        first_col = cell.column + 1
        xlsx.merge(
            ws, first_row + 2, first_col, first_row + 2, first_col + cell.colspan - 1, int(cell.text), bold=False
        )
    ws.row_dimensions[first_row].height = 30
    ws.row_dimensions[first_row + 1].height = 42
    return first_row + 3


def _xlsx_title(ws, columns, title, lampiran):
    width = len(columns)
    xlsx.merge(ws, 1, 1, 1, width, title, border=False)
    ws.row_dimensions[1].height = 22
    xlsx.merge(ws, 2, 1, 2, width, lampiran, bold=False, border=False)


def _xlsx_fields(ws, first_row, left, right, width):
    """The header block in two halves like the paper form."""
    half = width // 2
    for offset, (label, value) in enumerate(left):
        xlsx.field(ws, first_row + offset, 1, label, value, label_span=3, value_span=half - 4)
    for offset, (label, value) in enumerate(right):
        xlsx.field(ws, first_row + offset, half + 1, label, value, label_span=3, value_span=width - half - 3)
    return first_row + max(len(left), len(right))


def _xlsx_signature(ws, row, width, signature):
    half = width // 2
    xlsx.merge(
        ws, row, half + 1, row, width, f"{signature['tempat']}, ........................", bold=False, border=False
    )
    xlsx.merge(ws, row + 1, 1, row + 1, half, "Mengetahui,", bold=False, border=False)
    xlsx.merge(ws, row + 2, 1, row + 2, half, signature["kiri"], bold=False, border=False)
    xlsx.merge(ws, row + 2, half + 1, row + 2, width, signature["kanan"], bold=False, border=False)
    xlsx.merge(ws, row + 6, 1, row + 6, half, "( ................................ )", bold=False, border=False)
    xlsx.merge(ws, row + 6, half + 1, row + 6, width, "( ................................ )", bold=False, border=False)


def _write_members(ws, row, values_list):
    for values in values_list:
        xlsx.write_row(ws, row, values, align=xlsx.WRAP)
        row += 1
    return row


# -- the exporters -----------------------------------------------------------------------------------


def _signature(dasawisma):
    desa = area_of(dasawisma)[Level.DESA]
    return {"tempat": desa.name if desa else "", "kiri": "Ketua Kelompok Dasawisma", "kanan": "Kader Dasawisma"}


class HouseholdExporter(Exporter):
    """A form kept per dasawisma and per household: the target is a dasawisma or one RumahTangga."""

    required_perm = Perm.VIEW
    scope_level = Level.DASAWISMA
    editions = (RAKERNAS_X,)
    lampiran = ""

    def unit_of(self, target):
        return target.dasawisma if isinstance(target, RumahTangga) else target

    def name_parts(self, target, period):
        dasawisma = self.unit_of(target)
        area = area_of(dasawisma)
        parts = [area[Level.DESA].code if area[Level.DESA] else "", area[Level.RT].code if area[Level.RT] else ""]
        parts.append(dasawisma.code)
        if isinstance(target, RumahTangga):
            parts.append(f"rumah-tangga-{target.pk}")
        return parts


class DataWargaExporter(HouseholdExporter):
    identifier = "data-warga"
    title = "Data Warga (Lampiran 4.14.1a)"
    lampiran = "LAMPIRAN 4.14.1a"
    heading = "DAFTAR WARGA TP PKK"

    def _content(self, target):
        today = timezone.localdate()
        dasawisma = self.unit_of(target)
        desa = area_of(dasawisma)[Level.DESA]
        households = data_warga_households(target, today)
        groups = [
            (rt, [data_warga_values(w, rt, desa.name if desa else "", today) for w in members])
            for rt, members in households
        ]
        single = isinstance(target, RumahTangga)
        krt = target.krt.nama if single and target.krt else ""
        left = [("Dasa Wisma", dasawisma.name)]
        left.append(("Nama Kepala Rumah Tangga", krt) if single else ("Jumlah Rumah Tangga", str(len(groups))))
        left.append(("Tanggal data", f"{today:%d-%m-%Y}"))
        return {
            "dasawisma": dasawisma,
            "single": single,
            "groups": groups,
            "left": left,
            "right": area_fields(dasawisma),
            "signature": _signature(dasawisma),
        }

    def render_xlsx(self, *, user, target, period, edition, options):
        content = self._content(target)
        columns = DATA_WARGA_KOLOM
        wb, ws = xlsx.new_workbook("Data Warga")
        _xlsx_title(ws, columns, self.heading, self.lampiran)
        row = _xlsx_fields(ws, 4, content["left"], content["right"], len(columns)) + 1
        header_first = row
        row = _xlsx_table_header(ws, row, columns)
        for rt, members in content["groups"]:
            if not content["single"]:
                xlsx.merge(ws, row, 1, row, len(columns), group_label(rt, len(members)), align=xlsx.LEFT)
                row += 1
            row = _write_members(ws, row, members)
        if not content["groups"]:
            xlsx.merge(ws, row, 1, row, len(columns), "Belum ada rumah tangga yang tercatat.", bold=False)
            row += 1
        _xlsx_signature(ws, row + 1, len(columns), content["signature"])
        xlsx.column_widths(ws, [c.lebar for c in columns])
        xlsx.print_setup(ws, header_rows=(header_first, header_first + 2))
        ws.freeze_panes = ws.cell(row=header_first + 3, column=1)
        return xlsx.to_bytes(wb)

    def render_pdf(self, *, user, target, period, edition, options):
        content = self._content(target)
        top, bottom, numbers = header_rows(DATA_WARGA_KOLOM)
        groups = [
            (group_label(rt, len(m)), [pdf_cells(DATA_WARGA_KOLOM, values) for values in m])
            for rt, m in content["groups"]
        ]
        context = {
            **content,
            "groups": groups,
            "title": self.heading,
            "lampiran": self.lampiran,
            "top": top,
            "bottom": bottom,
            "numbers": numbers,
            "cols": pdf_columns(DATA_WARGA_KOLOM),
            "width": len(DATA_WARGA_KOLOM),
        }
        return render_pdf("households/exports/data_warga.html", context)


class CatatanKeluargaExporter(HouseholdExporter):
    identifier = "catatan-keluarga"
    title = "Catatan Keluarga (Lampiran 4.15)"
    lampiran = "LAMPIRAN 4.15"
    heading = "CATATAN KELUARGA"

    def name_parts(self, target, period):
        return [str(period.tahun), *super().name_parts(target, period)]

    def _content(self, target, period):
        today = timezone.localdate()
        dasawisma = self.unit_of(target)
        # The year's households: those that had not left before it began.
        qs = household_qs(target, datetime.date(period.tahun, 1, 1))
        sheets = []
        for book in sorted(
            catatan.catatan_keluarga(qs, period.tahun, today), key=lambda b: _registry_key(b.rumah_tangga)
        ):
            rt = book.rumah_tangga
            krt = rt.krt.nama if rt.krt else (book.anggota[0][0].nama if book.anggota else f"#{rt.pk}")
            left = [
                ("CATATAN KELUARGA DARI", krt),
                ("ANGGOTA KELOMPOK DASAWISMA", dasawisma.name),
                ("TAHUN", str(period.tahun)),
            ]
            facts = rumah_tangga_facts(rt)
            right = [
                ("KRITERIA RUMAH", facts["kriteria"]),
                ("JAMBAN KELUARGA", facts["jamban"]),
                ("SUMBER AIR", facts["air"]),
                ("TEMPAT SAMPAH", facts["sampah"]),
            ]
            rows = [catatan_values(n, w, cells) for n, (w, cells) in enumerate(book.anggota, start=1)]
            sheets.append({"krt": krt, "left": left, "right": right, "rows": rows})
        return {"dasawisma": dasawisma, "sheets": sheets, "signature": _signature(dasawisma)}

    def render_xlsx(self, *, user, target, period, edition, options):
        content = self._content(target, period)
        columns = CATATAN_KOLOM
        wb = None
        for number, sheet in enumerate(content["sheets"], start=1):
            title = f"{number} {sheet['krt']}"
            if wb is None:
                wb, ws = xlsx.new_workbook(title)
            else:
                ws = xlsx.add_sheet(wb, title)
            _xlsx_title(ws, columns, self.heading, self.lampiran)
            row = _xlsx_fields(ws, 4, sheet["left"], sheet["right"], len(columns)) + 1
            header_first = row
            row = _xlsx_table_header(ws, row, columns)
            row = _write_members(ws, row, sheet["rows"])
            _xlsx_signature(ws, row + 1, len(columns), content["signature"])
            xlsx.column_widths(ws, [c.lebar for c in columns])
            xlsx.print_setup(ws, header_rows=(header_first, header_first + 2))
            ws.freeze_panes = ws.cell(row=header_first + 3, column=1)
        if wb is None:
            wb, ws = xlsx.new_workbook("Catatan Keluarga")
            _xlsx_title(ws, columns, self.heading, self.lampiran)
            xlsx.merge(ws, 4, 1, 4, len(columns), "Belum ada rumah tangga yang tercatat.", bold=False, border=False)
            xlsx.print_setup(ws)
        return xlsx.to_bytes(wb)

    def render_pdf(self, *, user, target, period, edition, options):
        content = self._content(target, period)
        top, bottom, numbers = header_rows(CATATAN_KOLOM)
        for sheet in content["sheets"]:
            sheet["rows"] = [pdf_cells(CATATAN_KOLOM, values) for values in sheet["rows"]]
        context = {
            **content,
            "title": self.heading,
            "lampiran": self.lampiran,
            "top": top,
            "bottom": bottom,
            "numbers": numbers,
            "cols": pdf_columns(CATATAN_KOLOM),
            "width": len(CATATAN_KOLOM),
            "tahun": period.tahun,
        }
        return render_pdf("households/exports/catatan_keluarga.html", context)


# -- a whole desa/kelurahan, streamed ----------------------------------------------------------------
#
# A kelurahan holds thousands of rumah tangga (up to 20,000 warga in the --scale 50000 demo). Its Data Warga
# is written with openpyxl's write-only workbook (each row goes to a temporary file as it is written)
# from one query read MEMBERS_PER_FETCH rows at a time, so the process holds one dasawisma's members
# and a bounded cursor buffer, whatever the size of the kelurahan; the finished file is then sent in
# pieces and removed. A PDF would be laid out whole in memory by WeasyPrint: the kelurahan file is XLSX
# only (the PDF stays per dasawisma).

MEMBERS_PER_FETCH = 1000  # warga rows per round trip of the cursor
BYTES_PER_PIECE = 64 * 1024  # the download goes out in pieces of this size
# Building the file runs at about this many warga per second on the benchmark machine
# (bench/data_warga_stream.py); the download page warns when the estimate passes SLOW_SECONDS.
WARGA_PER_SECOND = 2000
SLOW_SECONDS = 2

_EDGE_FIRST = Border(left=xlsx.THIN, top=xlsx.THIN, bottom=xlsx.THIN)
_EDGE_MIDDLE = Border(top=xlsx.THIN, bottom=xlsx.THIN)
_EDGE_LAST = Border(right=xlsx.THIN, top=xlsx.THIN, bottom=xlsx.THIN)
DASAWISMA_FILL = PatternFill("solid", fgColor="E7EEF6")


def _natural(text):
    return [int(p) if p.isdigit() else p for p in _NATURAL.split(text or "")]


def kelurahan_dasawisma(kelurahan):
    """The kelurahan's dasawisma in the order of its groups (dusun, RW, RT, then the dasawisma; codes
    read as numbers where they are numbers; an RT outside any RW after those inside one) as
    [(dasawisma id, label)], and {level: unit} for its kecamatan and kab/kota: one query."""
    units = Unit.objects.filter(
        Q(desa_id=kelurahan.pk, level__in=LOCAL_LEVELS) | Q(pk__in=[kelurahan.kecamatan_id, kelurahan.kabkota_id])
    )
    by_id = {u.pk: u for u in units}
    area = {level: by_id.get(getattr(kelurahan, f"{level}_id")) for level in (Level.KECAMATAN, Level.KABKOTA)}

    def group(dw, level):
        unit = by_id.get(getattr(dw, f"{level}_id"))
        return unit, (unit is None, _natural(unit.code) if unit else [])

    rows = []
    for dw in (u for u in by_id.values() if u.level == Level.DASAWISMA):
        (dusun, dusun_key), (rw, rw_key), (rt, rt_key) = (group(dw, lv) for lv in (Level.DUSUN, Level.RW, Level.RT))
        place = f"RT {rt.code if rt else '-'} / RW {rw.code if rw else '-'}"
        if dusun:
            place = f"{dusun.name} · {place}"
        key = (dusun_key, rw_key, rt_key, _natural(dw.code), dw.name, dw.pk)
        rows.append((key, dw.pk, f"Dasawisma {dw.name} · {place}"))
    return [(pk, label) for _key, pk, label in sorted(rows)], area


def _kelurahan_households(kelurahan, today):
    return active_rumah_tangga(RumahTangga.objects.filter(dasawisma__desa_id=kelurahan.pk), today)


def kelurahan_totals(kelurahan, today=None):
    """{"dasawisma", "rumah_tangga", "warga"}: what the kelurahan's Data Warga lists (households that had
    not left by today, with at least one active member, and those members), in one query."""
    today = today or timezone.localdate()
    aktif = Q(keluarga__anggota__status=StatusWarga.AKTIF)
    return _kelurahan_households(kelurahan, today).aggregate(
        dasawisma=Count("dasawisma", distinct=True, filter=aktif),
        rumah_tangga=Count("pk", distinct=True, filter=aktif),
        warga=Count("keluarga__anggota", filter=aktif),
    )


def estimated_seconds(warga):
    return warga / WARGA_PER_SECOND


# What a member's row and its household's band read (data_warga_values, group_label, family_order):
# the kelurahan's query loads no more, which about halves the memory a chunk of rows takes (the KRT
# would be a whole Warga otherwise). A field read but not loaded would cost a query per row: the query-count test with
# few and many members catches it.
_DATA_WARGA_FIELDS = (
    *("no_registrasi", "nik", "nama", "jabatan", "jenis_kelamin", "tempat_lahir", "tanggal_lahir"),
    *("status_perkawinan", "status_dalam_keluarga", "agama", "alamat", "pendidikan", "pekerjaan"),
    *("akseptor_kb", "jenis_kb", "aktif_posyandu", "frekuensi_posyandu", "ikut_bkb", "punya_tabungan"),
    *("ikut_kelompok_belajar", "jenis_kelompok_belajar", "ikut_paud", "ikut_koperasi", "jenis_koperasi"),
    *("keluarga", "keluarga__no_kk", "keluarga__rumah_tangga", "keluarga__rumah_tangga__dasawisma"),
    *("keluarga__rumah_tangga__no_registrasi", "keluarga__rumah_tangga__alamat"),
    *("keluarga__rumah_tangga__krt", "keluarga__rumah_tangga__krt__nama", "keluarga__rumah_tangga__krt__keluarga"),
)


def kelurahan_members(kelurahan, dasawisma_order, today=None, chunk_size=MEMBERS_PER_FETCH):
    """The kelurahan's Data Warga rows, one dasawisma at a time, in the order of dasawisma_order (ids):
    yields (dasawisma id, [(rumah tangga, [its active members in the form's order])]) with the
    households in registry order, as data_warga_households orders one dasawisma.

    One query (each member joined to its keluarga, rumah tangga and KRT), read chunk_size rows at a
    time (a server-side cursor on PostgreSQL). The database orders the members by dasawisma; the
    registry order (numbers read as numbers) is sorted here, so one dasawisma's members are held at a
    time, never the kelurahan's."""
    if not dasawisma_order:
        return
    today = today or timezone.localdate()
    position = Case(
        *(When(keluarga__rumah_tangga__dasawisma_id=pk, then=Value(i)) for i, pk in enumerate(dasawisma_order)),
        default=Value(len(dasawisma_order)),
        output_field=IntegerField(),
    )
    members = (
        Warga.objects.filter(
            status=StatusWarga.AKTIF, keluarga__rumah_tangga__in=_kelurahan_households(kelurahan, today)
        )
        .select_related("keluarga__rumah_tangga__krt")
        .only(*_DATA_WARGA_FIELDS)
        .order_by(position, "keluarga__rumah_tangga_id", "pk")
        .iterator(chunk_size=chunk_size)
    )
    for dasawisma_id, rows in groupby(members, key=lambda w: w.keluarga.rumah_tangga.dasawisma_id):
        households = {}
        for w in rows:
            rumah_tangga = w.keluarga.rumah_tangga
            households.setdefault(rumah_tangga.pk, (rumah_tangga, []))[1].append(w)
        ordered = sorted(households.values(), key=lambda item: _registry_key(item[0]))
        yield dasawisma_id, [(rt, catatan.family_order(rt, people)) for rt, people in ordered]


class _StreamedSheet:
    """Rows being laid out for a write-only sheet. documents.xlsx's helpers (put, merge, field,
    write_row) and the layout functions above take it for a sheet, so the streamed file follows the
    same rules as the others (user text never a formula, the same boxes and merges) without a second
    copy of them. flush() appends the rows laid out so far to the sheet, in order, and forgets them;
    a row cannot be touched once flushed."""

    def __init__(self, ws):
        self.ws = ws
        self.row_dimensions = ws.row_dimensions  # heights must be set before their row is flushed
        self.next_row = 1
        self._cells = {}
        self._looks = {}

    def cell(self, row, column):
        if row < self.next_row:
            raise ValueError(f"baris {row} sudah ditulis ke berkas")
        cell = self._cells.get((row, column))
        if cell is None:
            cell = self._cells[row, column] = WriteOnlyCell(self.ws)
        return cell

    def put(self, row, column, value, look, style):
        """xlsx.put(self, row, column, value) (the value's rules: text never a formula, dates as dates),
        then the look that style(cell) gives a cell (its font, fill, border and alignment), worked out
        once per look on a template cell and copied by reference. Setting a border or an alignment
        makes openpyxl look it up in the workbook's tables by hashing it, which took most of the time
        of a kelurahan file when done for each of its 22 cells per warga."""
        cell = xlsx.put(self, row, column, value)
        template = self._looks.get(look)
        if template is None:
            template = WriteOnlyCell(self.ws)
            style(template)
            template = self._looks[look] = template._style
        own = cell._style if cell._style is not None else StyleArray()  # keeps put's number format, quote prefix
        for part in ("fontId", "fillId", "borderId", "alignmentId"):
            setattr(own, part, getattr(template, part))
        cell._style = own
        return cell

    def merge_cells(self, *, start_row, start_column, end_row, end_column):
        self.ws.merged_cells.add(
            CellRange(min_row=start_row, min_col=start_column, max_row=end_row, max_col=end_column)
        )

    def flush(self):
        rows = {}
        for (row, column), cell in self._cells.items():
            rows.setdefault(row, {})[column] = cell
        for row in range(self.next_row, max(rows, default=self.next_row - 1) + 1):
            cells = rows.get(row, {})
            self.ws.append([cells.get(column) for column in range(1, max(cells, default=0) + 1)])
        self.next_row = max(self.next_row, max(rows, default=0) + 1)
        self._cells.clear()


class _OneCell:
    """A stand-in sheet whose every cell is the given one: lets xlsx.put style a template cell."""

    def __init__(self, cell):
        self._cell = cell

    def cell(self, row, column):
        return self._cell


def _warga_look(cell):
    xlsx.put(_OneCell(cell), 1, 1, None, border=True, align=xlsx.WRAP)  # as xlsx.write_row(..., align=WRAP)


def _write_warga(sheet, row, values):
    for column, value in enumerate(values, start=1):
        sheet.put(row, column, value, "warga", _warga_look)


def _band_look(edge, fill):
    def look(cell):
        xlsx.put(_OneCell(cell), 1, 1, None, bold=True, align=xlsx.LEFT)
        cell.border = edge
        if fill is not None:
            cell.fill = fill

    return look


def _band(sheet, row, width, text, fill=None):
    """A label row across the table, boxed like a merged cell but not merged: the text runs on over the
    empty cells to its right. (A write-only sheet keeps its merges in memory until the file is closed;
    one per household would grow with the kelurahan.)"""
    for column in range(1, width + 1):
        edge = _EDGE_FIRST if column == 1 else _EDGE_LAST if column == width else _EDGE_MIDDLE
        look = ("band", id(edge), id(fill))
        sheet.put(row, column, text if column == 1 else None, look, _band_look(edge, fill))


class FileChunks:
    """A finished file sent as a stream (a streamed ExportResult.content): read BYTES_PER_PIECE at a
    time and closed after the last piece, or as soon as the response is closed (StreamingHttpResponse
    calls close(), also when the connection drops half-way). The file is an anonymous temporary file,
    so closing it removes it. `size` is its length in bytes (the response's Content-Length, so the
    browser shows the download's progress)."""

    def __init__(self, file, piece_size=BYTES_PER_PIECE):
        self._file = file
        self.piece_size = piece_size
        self.size = file.seek(0, 2)
        file.seek(0)

    def __iter__(self):
        try:
            while piece := self._file.read(self.piece_size):
                yield piece
        finally:
            self.close()

    def close(self):
        self._file.close()

    @property
    def closed(self):
        return self._file.closed


def _discard(wb):
    # A write-only sheet writes its rows to a named temporary file of openpyxl's that only save() (or
    # the end of the process) removes: when the export fails half-way, close the sheet and remove it
    # now. Whatever goes wrong here must not hide the error that got us here.
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


class DataWargaKelurahanExporter(Exporter):
    """Data Warga 4.14.1a of every dasawisma of a desa/kelurahan, as one sheet: the same title, numbered
    columns and masked numbers as the dasawisma file, one band per dasawisma (in the order of its RW
    and RT) and one per household (in registry order) above its members. XLSX only, streamed (see
    above); the content is a FileChunks."""

    identifier = "data-warga-kelurahan"
    title = "Data Warga seluruh desa/kelurahan (Lampiran 4.14.1a)"
    required_perm = Perm.VIEW
    formats = (XLSX,)
    scope_level = Level.DESA
    editions = (RAKERNAS_X,)
    lampiran = DataWargaExporter.lampiran
    heading = DataWargaExporter.heading
    chunk_size = MEMBERS_PER_FETCH

    def render_xlsx(self, *, user, target, period, edition, options):
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileChunks closes it once sent
        try:
            self.write_xlsx(target, file)
        except BaseException:
            file.close()
            raise
        return FileChunks(file)

    def write_xlsx(self, kelurahan, file, progress=None):
        """Writes the workbook to `file`. progress(done, total), when given, hears how many of the
        kelurahan's warga are written: at the start, each time another chunk_size are done, and at
        the end (a background job shows it; the streamed download passes none)."""
        today = timezone.localdate()
        columns = DATA_WARGA_KOLOM
        width = len(columns)
        dasawisma, area = kelurahan_dasawisma(kelurahan)
        totals = kelurahan_totals(kelurahan, today)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(xlsx.sheet_title("Data Warga"))
        try:
            sheet = _StreamedSheet(ws)
            _xlsx_title(sheet, columns, self.heading, self.lampiran)
            left = [
                ("Desa/Kelurahan", kelurahan.name),
                ("Jumlah Dasawisma", str(totals["dasawisma"])),
                ("Jumlah Rumah Tangga", str(totals["rumah_tangga"])),
                ("Jumlah Warga", str(totals["warga"])),
            ]
            right = [(label, area[level].name) for level, label in [(Level.KECAMATAN, "Kecamatan"),
                     (Level.KABKOTA, "Kab/Kota")] if area[level]]  # fmt: skip
            right.append(("Tanggal data", f"{today:%d-%m-%Y}"))
            row = _xlsx_fields(sheet, 4, left, right, width) + 1
            header_first = row
            row = _xlsx_table_header(sheet, row, columns)
            # Widths and frozen panes head the sheet's XML: set before the first row goes out.
            xlsx.column_widths(ws, [c.lebar for c in columns])
            ws.freeze_panes = f"A{header_first + 3}"
            xlsx.print_setup(ws, header_rows=(header_first, header_first + 2))
            sheet.flush()

            labels = dict(dasawisma)
            order = [pk for pk, _label in dasawisma]
            done, reported = 0, 0
            if progress:
                progress(0, totals["warga"])
            for dasawisma_id, households in kelurahan_members(kelurahan, order, today, self.chunk_size):
                count = sum(len(members) for _rt, members in households)
                label = f"{labels.get(dasawisma_id, '-')} · {len(households)} rumah tangga, {count} warga"
                _band(sheet, row, width, label, fill=DASAWISMA_FILL)
                row += 1
                for rt, members in households:
                    _band(sheet, row, width, group_label(rt, len(members)))
                    row += 1
                    for w in members:
                        _write_warga(sheet, row, data_warga_values(w, rt, kelurahan.name, today))
                        row += 1
                sheet.flush()
                done += count
                if progress and done - reported >= self.chunk_size:
                    progress(done, totals["warga"])
                    reported = done
            if progress and done != reported:
                progress(done, totals["warga"])
            if row == header_first + 3:
                xlsx.merge(sheet, row, 1, row, width, "Belum ada rumah tangga yang tercatat.", bold=False)
                row += 1
            signature = {
                "tempat": kelurahan.name,
                "kiri": "Ketua TP PKK Desa/Kelurahan",
                "kanan": "Sekretaris TP PKK Desa/Kelurahan",
            }
            _xlsx_signature(sheet, row + 1, width, signature)
            sheet.flush()
            wb.save(file)
        except BaseException:
            _discard(wb)
            raise


def group_label(rt, count):
    """The row that opens a household in the dasawisma-wide Data Warga."""
    krt = rt.krt.nama if rt.krt else "-"
    reg = f"No. {rt.no_registrasi} · " if rt.no_registrasi else ""
    return f"Rumah tangga {reg}Kepala: {krt} · {rt.alamat} · {count} anggota"


EXPORTERS = [DataWargaExporter(), CatatanKeluargaExporter(), DataWargaKelurahanExporter()]


# -- the kelurahan's Data Warga prepared in the background ----------------------------------------------
#
# A large kelurahan takes seconds to build (about WARGA_PER_SECOND warga a second), during which a
# streamed download sends nothing. Instead the user asks for the file (unduhan_minta), a thread of the
# web process writes it under settings.PKK_EXPORT_DIR while the job's row counts the warga written, and
# a page shows that count until the file is ready. State lives in the database and the directory, so
# any worker process can answer the page and serve the file.

logger = logging.getLogger(__name__)

OFFERED_AGAIN = datetime.timedelta(minutes=10)  # a ready file this young is offered instead of a new one
KEPT_FOR = datetime.timedelta(days=1)  # older jobs and files are removed when a new job starts
# A job whose row has not moved for this long died with its process (a restart, a killed worker): a
# progress step is written at least every MEMBERS_PER_FETCH warga, a fraction of a second apart.
STALLED_AFTER = datetime.timedelta(minutes=10)
_OUR_FILE = re.compile(r"^[0-9a-f]{32}\.(xlsx|part)$")

GAGAL_UMUM = (
    "Berkas tidak dapat disusun karena ada kesalahan di server. Silakan coba lagi; bila tetap gagal, hubungi admin."
)
GAGAL_SIMPAN = (
    "Berkas tidak dapat disimpan di server (ruang penyimpanan penuh?). Silakan coba lagi nanti atau hubungi admin."
)
GAGAL_TERHENTI = "Penyusunan berkas terhenti (server dimulai ulang). Silakan coba lagi."


def export_dir():
    return Path(settings.PKK_EXPORT_DIR)


def unduhan_path(job, suffix=".xlsx"):
    """Where the job's file lives; None if its stored name is not one of ours (never a path)."""
    name = f"{job.berkas}{suffix}"
    return export_dir() / name if _OUR_FILE.match(name) else None


def unduhan_filename(job):
    """The name the browser saves it under: the same as the streamed download's."""
    stem = DataWargaKelurahanExporter().file_stem(job.kelurahan, Period(job.created_at.year))
    return f"{stem}.{XLSX}"


def unduhan_periksa(job, now=None):
    """The job as the user should see it: a job that stopped moving is marked failed, a ready job whose
    file was removed is marked failed too (both offer to try again)."""
    now = now or timezone.now()
    if job.berjalan and job.updated_at < now - STALLED_AFTER:
        _selesai(job, StatusUnduhan.GAGAL, GAGAL_TERHENTI)
    elif job.status == StatusUnduhan.SIAP and not (unduhan_path(job) and unduhan_path(job).exists()):
        _selesai(job, StatusUnduhan.GAGAL, "Berkas sudah dihapus dari server. Silakan minta lagi.")
    return job


def _selesai(job, status, pesan=""):
    job.status, job.pesan_galat, job.finished_at = status, pesan, timezone.now()
    job.save(update_fields=["status", "pesan_galat", "finished_at", "updated_at"])


def unduhan_minta(*, user, kelurahan):
    """The user's job for the kelurahan's Data Warga: one still running, or a file ready less than
    OFFERED_AGAIN ago, is reused; otherwise a new job is created and started (in a daemon thread
    once the row is committed, or inline when settings.PKK_EXPORT_INLINE). job.thread is the thread
    (None when reused or inline), for callers that wait on it. PermissionDenied without the
    exporter's permission on the kelurahan."""
    exporter = DataWargaKelurahanExporter
    if kelurahan.level != exporter.scope_level or not access.has_perm(user, exporter.required_perm, kelurahan):
        raise PermissionDenied("Peran Anda tidak mengizinkan mengunduh formulir ini.")
    now = timezone.now()
    recent = UnduhanKelurahan.objects.filter(user=user, kelurahan=kelurahan, created_at__gte=now - KEPT_FOR)
    for job in recent.order_by("-created_at")[:3]:
        unduhan_periksa(job, now)
        if job.berjalan or (job.status == StatusUnduhan.SIAP and job.finished_at >= now - OFFERED_AGAIN):
            job.thread = None
            return job
    _bersihkan(now)
    job = UnduhanKelurahan.objects.create(user=user, kelurahan=kelurahan, berkas=uuid.uuid4().hex)
    job.thread = None
    if settings.PKK_EXPORT_INLINE:
        unduhan_jalankan(job.pk)
        job.refresh_from_db()
    else:
        job.thread = threading.Thread(target=_di_thread, args=(job.pk,), name=f"unduhan-{job.pk}", daemon=True)
        # The thread reads the row through its own connection: it must be committed first.
        transaction.on_commit(job.thread.start)
    return job


def _di_thread(job_id):
    try:
        unduhan_jalankan(job_id)
    except Exception:  # unduhan_jalankan records its own failures; this is the last resort
        logger.exception("unduhan %s: gagal di luar penyusunan berkas", job_id)
    finally:
        connection.close()  # the thread's own connection, opened by its first query


def unduhan_jalankan(job_id):
    """Builds the job's file: written to <name>.part and renamed once complete, so a ready name is
    always a whole file and a failure leaves none. The user sees a message, never the error."""
    job = UnduhanKelurahan.objects.select_related("kelurahan").get(pk=job_id)
    UnduhanKelurahan.objects.filter(pk=job.pk).update(status=StatusUnduhan.DIPROSES, updated_at=timezone.now())

    def progress(done, total):
        UnduhanKelurahan.objects.filter(pk=job.pk).update(selesai=done, total=total, updated_at=timezone.now())

    part, final = unduhan_path(job, ".part"), unduhan_path(job)
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as file:
            DataWargaKelurahanExporter().write_xlsx(job.kelurahan, file, progress=progress)
        os.replace(part, final)
    except Exception as exc:
        logger.exception("unduhan %s: Data Warga %s gagal disusun", job.pk, job.kelurahan.code)
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        job.refresh_from_db()
        _selesai(job, StatusUnduhan.GAGAL, GAGAL_SIMPAN if isinstance(exc, OSError) else GAGAL_UMUM)
        return
    job.refresh_from_db()
    _selesai(job, StatusUnduhan.SIAP)


def _bersihkan(now):
    """Removes the jobs created more than KEPT_FOR ago with their files, and any file of ours left in
    the directory that old (a .part whose process died): two queries and one directory listing."""
    cutoff = now - KEPT_FOR
    old = UnduhanKelurahan.objects.filter(created_at__lt=cutoff)
    for job in old.only("berkas"):
        for suffix in (".xlsx", ".part"):
            path = unduhan_path(job, suffix)
            if path:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
    old.delete()
    with contextlib.suppress(OSError):
        for entry in os.scandir(export_dir()):
            with contextlib.suppress(OSError):
                if _OUR_FILE.match(entry.name) and entry.stat().st_mtime < cutoff.timestamp():
                    os.unlink(entry.path)
