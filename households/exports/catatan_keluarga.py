"""Catatan Keluarga, Lampiran 4.15: its 19 printed columns (11-18, the PKK activities, from
households.catatan), the values of one member, the header items of a household, and
CatatanKeluargaExporter (one sheet (XLSX) or one page run (PDF) per household of the year)."""

import datetime

from django.utils import timezone

from documents import xlsx
from documents.pdf import render_pdf

from .. import catatan
from ..models import BerkebutuhanKhusus, KriteriaRumah, StatusWarga
from .common import (
    HouseholdExporter,
    Kolom,
    choice_label,
    dasawisma_signature,
    header_rows,
    household_qs,
    pdf_cells,
    pdf_columns,
    registry_key,
    write_members,
    xlsx_fields,
    xlsx_signature,
    xlsx_table_header,
    xlsx_title,
)

KEGIATAN_PKK = "KEGIATAN PKK YANG DIIKUTI"
CATATAN_KOLOM = [
    Kolom(1, "No", lebar=5, css="center"),
    Kolom(2, "Nama Anggota Keluarga", lebar=18),
    Kolom(3, "Status Perkawinan", lebar=10),
    Kolom(4, "L/P", lebar=4, css="center"),
    Kolom(5, "Tempat Lahir", lebar=11),
    Kolom(6, "Tgl/Bln/Thn Lahir", lebar=11, css="nik"),
    Kolom(7, "Agama", lebar=9),
    Kolom(8, "Pendidikan", lebar=11),
    Kolom(9, "Pekerjaan", lebar=11),
    Kolom(10, "Berkebutuhan Khusus", lebar=13),
    *(
        Kolom(11 + i, KEGIATAN_PKK, label, 12.5, "center")
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
    Kolom(19, "Keterangan", lebar=14),
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
        "kriteria": choice_label(KriteriaRumah, rt.kriteria_rumah),
        "jamban": jamban,
        "air": ", ".join(air) or "-",
        "sampah": "Ada" if rt.punya_tempat_sampah else "Tidak ada",
    }


class CatatanKeluargaExporter(HouseholdExporter):
    identifier = "catatan-keluarga"
    pdf_warga_per_second = 27
    title = "Catatan Keluarga (Lampiran 4.15)"
    form = "4.15"
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
            catatan.catatan_keluarga(qs, period.tahun, today), key=lambda b: registry_key(b.rumah_tangga)
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
        return {"dasawisma": dasawisma, "sheets": sheets, "signature": dasawisma_signature(dasawisma)}

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
            xlsx_title(ws, columns, self.heading, self.lampiran_line(edition))
            row = xlsx_fields(ws, 4, sheet["left"], sheet["right"], len(columns)) + 1
            header_first = row
            row = xlsx_table_header(ws, row, columns)
            row = write_members(ws, row, sheet["rows"])
            xlsx_signature(ws, row + 1, len(columns), content["signature"])
            xlsx.column_widths(ws, [c.lebar for c in columns])
            xlsx.print_setup(ws, header_rows=(header_first, header_first + 2))
            ws.freeze_panes = ws.cell(row=header_first + 3, column=1)
        if wb is None:
            wb, ws = xlsx.new_workbook("Catatan Keluarga")
            xlsx_title(ws, columns, self.heading, self.lampiran_line(edition))
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
            "lampiran": self.lampiran_line(edition),
            "top": top,
            "bottom": bottom,
            "numbers": numbers,
            "cols": pdf_columns(CATATAN_KOLOM),
            "width": len(CATATAN_KOLOM),
            "tahun": period.tahun,
        }
        return render_pdf("households/exports/catatan_keluarga.html", context)
