"""Data Warga, Lampiran 4.14.1a ("DAFTAR WARGA TP PKK"): its 22 printed columns (the 20 items), the
values of one member (NIK and No. KK masked: an export leaves the system), the households of a target
in the form's order, and DataWargaExporter (one rumah tangga, or a whole dasawisma as one long table
grouped by household; XLSX and PDF)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from openpyxl.utils import get_column_letter

from documents import xlsx
from documents.pdf import render_pdf
from hierarchy import access
from hierarchy.levels import Level, Perm

from .. import catatan, rules
from ..importer.columns import PilihanWidget, YaTidakWidget
from ..importer.paper import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from ..models import AksesNIK, JenisKB, KelompokBelajar, RumahTangga, StatusWarga, Warga
from ..validation import mask
from .common import (
    HouseholdExporter,
    Kolom,
    area_fields,
    area_of,
    choice_label,
    dasawisma_signature,
    header_rows,
    household_qs,
    pdf_cells,
    pdf_columns,
    registry_key,
    xlsx_fields,
    xlsx_signature,
    xlsx_table_header,
    xlsx_title,
)

DATA_WARGA_KOLOM = [
    Kolom(1, "No. Registrasi", lebar=10),
    Kolom(2, "No. KTP/NIK dan No. KK", "NIK", 19, "nik"),
    Kolom(2, "No. KTP/NIK dan No. KK", "No. KK", 19, "nik"),
    Kolom(3, "Nama", lebar=18),
    Kolom(4, "Jabatan", lebar=12),
    Kolom(5, "Jenis Kelamin", lebar=14),
    Kolom(6, "Tempat Lahir", lebar=12),
    Kolom(7, "Tanggal Lahir / Umur", "Tgl. Lahir", 12, "nik"),
    Kolom(7, "Tanggal Lahir / Umur", "Umur", 7, "center"),
    Kolom(8, "Status Perkawinan", lebar=11),
    Kolom(9, "Status Dalam Keluarga", lebar=12),
    Kolom(10, "Agama", lebar=9),
    Kolom(11, "Alamat, Desa/Kelurahan", lebar=16),
    Kolom(12, "Pendidikan", lebar=14),
    Kolom(13, "Pekerjaan", lebar=13),
    Kolom(14, "Akseptor KB", lebar=11),
    Kolom(15, "Aktif dalam Kegiatan Posyandu", lebar=12),
    Kolom(16, "Mengikuti Bina Keluarga Balita (BKB)", lebar=10),
    Kolom(17, "Memiliki Tabungan", lebar=12),
    Kolom(18, "Mengikuti Kelompok Belajar", lebar=12),
    Kolom(19, "Mengikuti PAUD/ Sejenis", lebar=10),
    Kolom(20, "Ikut dalam Kegiatan Koperasi", lebar=11),
]


def _ya(flag, detail=""):
    if not flag:
        return "Tidak"
    return f"Ya, {detail}" if detail else "Ya"


def data_warga_values(warga, rumah_tangga, desa_name, today, *, reveal=False):
    """The 22 printed cells of one member (the 20 items; 2 and 7 in two cells each). NIK and No. KK
    masked, unless `reveal` (the export for importing back, whose reveals are logged)."""
    w = warga
    alamat = w.alamat or rumah_tangga.alamat
    posyandu = f"{w.frekuensi_posyandu} kali/bulan" if w.frekuensi_posyandu else ""
    shown = (lambda number: number or "") if reveal else mask
    return [
        w.no_registrasi,
        shown(w.nik),
        shown(w.keluarga.no_kk),
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
        _ya(w.akseptor_kb, choice_label(JenisKB, w.jenis_kb)),
        _ya(w.aktif_posyandu, posyandu),
        _ya(w.ikut_bkb),
        _ya(w.punya_tabungan),
        _ya(w.ikut_kelompok_belajar, choice_label(KelompokBelajar, w.jenis_kelompok_belajar)),
        _ya(w.ikut_paud),
        _ya(w.ikut_koperasi, w.jenis_koperasi),
    ]


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
    for rt in sorted(households, key=registry_key):
        people = [w for kel in rt.keluarga.all() for w in kel.anggota.all()]
        rows.append((rt, catatan.family_order(rt, people)))
    return rows


def group_label(rt, count):
    """The row that opens a household in the dasawisma-wide Data Warga."""
    krt = rt.krt.nama if rt.krt else "-"
    reg = f"No. {rt.no_registrasi} · " if rt.no_registrasi else ""
    return f"Rumah tangga {reg}Kepala: {krt} · {rt.alamat} · {count} anggota"


# The export "untuk impor kembali": right of the printed table, after one empty column, the columns the
# import needs and the paper form does not hold, under the import template's headers (importer/paper.py).
FOR_IMPORT = "impor"


def import_cell(instance, column):
    """A stored value as the import template writes it in `column`: Ya/Tidak, a choice's label, or the
    value."""
    value = getattr(instance, column.name)
    if isinstance(column.widget, YaTidakWidget):
        return "Ya" if value else "Tidak"
    if isinstance(column.widget, PilihanWidget):
        return getattr(instance, f"get_{column.name}_display")() if value else ""
    return value


def household_extras(rt):
    return [import_cell(rt, column) for column in HOUSEHOLD_COLUMNS]


def person_extras(warga):
    return [import_cell(warga.keluarga if c.part == "keluarga" else warga, c) for c in PERSON_COLUMNS]


def log_reveals(user, households):
    """One AksesNIK ("buka") per NIK and per No. KK the export shows unmasked, like services.nik_reveal."""
    reveals, seen_kk = [], set()
    for _rt, members in households:
        for w in members:
            if w.nik:
                reveals.append(AksesNIK(user=user, warga=w, field="nik"))
            if w.keluarga_id not in seen_kk:
                seen_kk.add(w.keluarga_id)
                reveals.append(AksesNIK(user=user, keluarga=w.keluarga, field="no_kk"))
    AksesNIK.objects.bulk_create(reveals, batch_size=500)


class DataWargaExporter(HouseholdExporter):
    identifier = "data-warga"
    pdf_warga_per_second = 50
    title = "Data Warga (Lampiran 4.14.1a)"
    form = "4.14.1a"
    heading = "DAFTAR WARGA TP PKK"

    def _content(self, target, *, user=None, for_import=False):
        today = timezone.localdate()
        dasawisma = self.unit_of(target)
        if for_import and not access.has_perm(user, Perm.REVEAL_NIK, dasawisma):
            raise PermissionDenied("Peran Anda tidak dapat mengunduh NIK dan No. KK lengkap.")
        desa = area_of(dasawisma)[Level.DESA]
        households = data_warga_households(target, today)
        if for_import:
            log_reveals(user, households)
        groups = [
            (
                rt,
                [
                    data_warga_values(w, rt, desa.name if desa else "", today, reveal=for_import)
                    + (person_extras(w) if for_import else [])
                    for w in members
                ],
            )
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
            "signature": dasawisma_signature(dasawisma),
        }

    def render_xlsx(self, *, user, target, period, edition, options):
        for_import = bool(options.get(FOR_IMPORT))
        content = self._content(target, user=user, for_import=for_import)
        columns = DATA_WARGA_KOLOM
        width = len(columns)
        wb, ws = xlsx.new_workbook("Data Warga")
        xlsx_title(ws, columns, self.heading, self.lampiran_line(edition))
        row = xlsx_fields(ws, 4, content["left"], content["right"], width) + 1
        header_first = row
        row = xlsx_table_header(ws, row, columns)
        extra_first = width + 2  # one empty column between the form and the columns for the import
        if for_import:
            self._extra_headers(ws, header_first, extra_first)
        for rt, members in content["groups"]:
            if not content["single"]:
                xlsx.merge(ws, row, 1, row, width, group_label(rt, len(members)), align=xlsx.LEFT)
                if for_import:
                    xlsx.write_row(ws, row, household_extras(rt), first_column=extra_first)
                row += 1
            elif for_import and members:
                xlsx.write_row(ws, row, household_extras(rt), first_column=extra_first)
            for values in members:
                xlsx.write_row(ws, row, values[:width], align=xlsx.WRAP)
                if for_import:
                    first = extra_first + len(HOUSEHOLD_COLUMNS)
                    xlsx.write_row(ws, row, values[width:], first_column=first)
                row += 1
        if not content["groups"]:
            xlsx.merge(ws, row, 1, row, width, "Belum ada rumah tangga yang tercatat.", bold=False)
            row += 1
        xlsx_signature(ws, row + 1, width, content["signature"])
        xlsx.column_widths(ws, [c.lebar for c in columns])
        xlsx.print_setup(ws, header_rows=(header_first, header_first + 2))
        if for_import:
            # Only the form is printed; the columns for the import stay on screen.
            ws.print_area = f"A1:{get_column_letter(width)}{row + 8}"
        ws.freeze_panes = ws.cell(row=header_first + 3, column=1)
        return xlsx.to_bytes(wb)

    def _extra_headers(self, ws, header_first, first_column):
        xlsx.put(
            ws,
            header_first - 1,
            first_column,
            "Kolom untuk impor kembali (tidak dicetak; jangan diubah judulnya)",
            bold=True,
            border=False,
            align=xlsx.LEFT,
        )
        for offset, extra in enumerate(HOUSEHOLD_COLUMNS + PERSON_COLUMNS):
            column = first_column + offset
            xlsx.merge(ws, header_first, column, header_first + 2, column, extra.header, align=xlsx.WRAP)
            ws.column_dimensions[get_column_letter(column)].width = extra.width

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
            "lampiran": self.lampiran_line(edition),
            "top": top,
            "bottom": bottom,
            "numbers": numbers,
            "cols": pdf_columns(DATA_WARGA_KOLOM),
            "width": len(DATA_WARGA_KOLOM),
        }
        return render_pdf("households/exports/data_warga.html", context)
