"""The recaps as downloads (the exporter contract: documents/exporters.py), laid out like the paper forms:

- one exporter per recap form of recaps.recaps.FORMS (4.16a-d and 4.17a-d yearly, 4.18b-d and
  4.19a-c monthly), identifier = the lampiran ("4.17c"), kept at the form's level;
- one for 4.18a, the dasawisma's monthly book of events (reports.events.monthly_rows).

Every file has the title, the area and period block, the merged group headers with the numbered
columns under them, the rows, the JUMLAH row, a KETERANGAN column, the signature block (Mengetahui,
the unit's ketua; Yang membuat, the person who prepared it; place and date), landscape print setup
with the header repeated on each page and page numbers.

Every delivered file is registered (documents.verification): a code is drawn first and printed in the
file (XLSX: a line under the signature block and the page footer; PDF: under the signature and in
every page's footer), then the exact bytes are hashed and stored with the JUMLAH numbers. A monthly
recap of approved data whose approval is complete also prints who approved it last and when; a file
of current data says that it is not approved.

``options`` (all optional; the download page prefills them from ``signature_defaults``):
    ketua, penyusun, tempat   str   the names and place of the signature block
    tanggal                   date  the date of the signature block (today)
    data                      str   "disetujui" (default) or "terkini", monthly recaps only
    kertas                    str   "A4" (default) or "F4"
    verifikasi_url            str   the verification page as printed (default: verification.page_url())
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from documents import verification, xlsx
from documents.exporters import (
    DEFAULT_EDITION,
    PDF,
    RAKERNAS_VIII,
    RAKERNAS_X,
    XLSX,
    Exporter,
    clean_filename_part,
    lampiran_line,
)
from documents.pdf import pdf_text, render_pdf
from hierarchy.levels import LOCAL_LEVELS, Level, Perm, Role
from hierarchy.models import RoleAssignment
from households.exports.common import area_of
from pkkdata import periods
from reports import events, workflow
from reports.models import Laporan, Status

from . import recaps

DISETUJUI, TERKINI = recaps.DISETUJUI, recaps.TERKINI
DATA_MODES = recaps.DATA_CHOICES
PAPERS = ("A4", "F4")
EMPTY_NAME = "( .................................... )"

# The role whose holder signs "Mengetahui" for a unit of each level.
KETUA_ROLE = {
    Level.KABKOTA: Role.TP_KABKOTA,
    Level.KECAMATAN: Role.TP_KECAMATAN,
    Level.DESA: Role.TP_DESA_KETUA,
    Level.RW: Role.KETUA_RW,
    Level.RT: Role.KETUA_RT,
    Level.DASAWISMA: Role.KETUA_DASAWISMA,
}


# -- the columns and their headers -------------------------------------------------------------------


@dataclass(frozen=True)
class Kolom:
    """One printed column: its header texts top down (a run of neighbours sharing a text merges into
    one cell; the last text spans the remaining header rows), its XLSX width, its cell style ("num",
    "name", "center" or "") and its PDF width (the PDF shares the page out in proportion to these; the
    XLSX width when not given)."""

    path: tuple
    lebar: float = 6
    css: str = "num"
    pdf_lebar: float | None = None

    @property
    def pdf_width(self):
        return self.lebar if self.pdf_lebar is None else self.pdf_lebar


@dataclass(frozen=True)
class HeaderCell:
    text: str
    row: int  # 0-based header row
    column: int  # 0-based
    rowspan: int = 1
    colspan: int = 1


def header_cells(columns):
    """The merged header cells of the columns (depth = the longest path), top row first."""
    depth = max(len(c.path) for c in columns)
    cells = []

    def walk(level, start, end):
        i = start
        while i < end:
            text = columns[i].path[level]
            j = i + 1
            if len(columns[i].path) > level + 1:
                while j < end and len(columns[j].path) > level + 1 and columns[j].path[level] == text:
                    j += 1
                cells.append(HeaderCell(text, level, i, colspan=j - i))
                walk(level + 1, i, j)
            else:
                cells.append(HeaderCell(text, level, i, rowspan=depth - level))
            i = j

    walk(0, 0, len(columns))
    return sorted(cells, key=lambda c: (c.row, c.column)), depth


def recap_columns(recap):
    """No, the row unit, the recap's columns (merged under their group), KETERANGAN. On paper the up
    to 35 number columns of a yearly recap need every millimetre (their headers break only between
    words): No, the row names (they wrap) and KETERANGAN are narrower in the PDF than in the XLSX."""
    return [
        Kolom(("No",), 4.5, "center", pdf_lebar=3.5),
        Kolom((recap.row_label or recap.form.row_label,), 16, "name", pdf_lebar=13),
        *(Kolom((c.group, c.label) if c.group else (c.label,), 6, "num") for c in recap.columns),
        Kolom(("KETERANGAN",), 9, "", pdf_lebar=7),
    ]


KELAHIRAN, KEMATIAN = "CATATAN KELAHIRAN", "CATATAN KEMATIAN"
KOLOM_418A = [
    Kolom(("No",), 4, "center"),
    Kolom(("Nama Ibu",), 16, "name"),
    Kolom(("Nama Suami",), 16, "name"),
    Kolom(("Status Ibu (Hamil/ Melahirkan/ Nifas)",), 11, ""),
    Kolom((KELAHIRAN, "Nama Bayi"), 15, "name"),
    Kolom((KELAHIRAN, "Jenis Kelamin", "L"), 4, "center"),
    Kolom((KELAHIRAN, "Jenis Kelamin", "P"), 4, "center"),
    Kolom((KELAHIRAN, "Tanggal Lahir"), 10, "center"),
    Kolom((KELAHIRAN, "Akte Kelahiran", "Ada"), 5, "center"),
    Kolom((KELAHIRAN, "Akte Kelahiran", "Tidak Ada"), 5, "center"),
    Kolom((KEMATIAN, "Nama Ibu/Bayi/ Balita"), 15, "name"),
    Kolom((KEMATIAN, "Status (Ibu/Bayi/ Balita)"), 8, ""),
    Kolom((KEMATIAN, "Jenis Kelamin", "L"), 4, "center"),
    Kolom((KEMATIAN, "Jenis Kelamin", "P"), 4, "center"),
    Kolom((KEMATIAN, "Tanggal Meninggal"), 10, "center"),
    Kolom((KEMATIAN, "Sebab Meninggal"), 12, ""),
    Kolom(("Keterangan",), 12, ""),
]
# The columns whose ticks the JUMLAH row of 4.18a adds up (0-based).
SUMMED_418A = (5, 6, 8, 9, 12, 13)


# -- the signature block -----------------------------------------------------------------------------


def ketua_title(unit):
    if unit.level == Level.DASAWISMA:
        return f"Ketua Kelompok Dasawisma {unit.name}"
    if unit.level in (Level.RT, Level.RW):
        return f"Ketua Kelompok PKK {unit.get_level_display()} {unit.name}"
    if unit.level == Level.DUSUN:
        return f"Ketua Kelompok PKK Dusun/Lingkungan {unit.name}"
    if unit.level == Level.DESA:
        return f"Ketua TP PKK {unit.kind_label} {unit.name}"
    if unit.level == Level.KABKOTA:
        return f"Ketua TP PKK {unit.name}"
    return f"Ketua TP PKK {unit.get_level_display()} {unit.name}"


def ketua_name(unit):
    """The full name of the active holder of the unit's ketua role (the first by name), or ""."""
    role = KETUA_ROLE.get(unit.level)
    if role is None:
        return ""
    holder = (
        RoleAssignment.objects.filter(unit=unit, role=role, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
        .first()
    )
    return holder.user.display_name if holder else ""


def _place_name(name):
    for prefix in ("kota administrasi ", "kabupaten ", "kota ", "kab. "):
        if name.lower().startswith(prefix):
            return name[len(prefix) :]
    return name


def default_place(unit):
    """The kelurahan/desa for a unit inside one, else the kabupaten/kota (or the province)."""
    for level in (Level.DESA, Level.KABKOTA, Level.PROVINSI):
        if getattr(unit, f"{level}_id"):
            place = unit if unit.pk == getattr(unit, f"{level}_id") else getattr(unit, level)
            return _place_name(place.name)
    return ""


def signature_defaults(unit, user):
    """The signature fields as the accounts give them (the download page prefills its form with these)."""
    return {
        "ketua": ketua_name(unit),
        "penyusun": user.display_name if getattr(user, "is_authenticated", False) else "",
        "tempat": default_place(unit),
        "tanggal": timezone.localdate(),
    }


# -- what one file holds -----------------------------------------------------------------------------


@dataclass
class Lembar:
    """Everything one file prints, whatever its format."""

    lampiran: str  # the form's Rakernas X number ("4.17c"): its name in the project and the registry
    judul: str
    lampiran_line: str  # the line under the title: the form's number in the edition printed (lampiran_line)
    columns: list
    rows: list  # [[value per column]]
    total: list  # the JUMLAH row, one value per column (None where blank)
    total_span: int  # how many leading columns the word JUMLAH covers
    left: list
    right: list
    empty_text: str
    status_line: str
    approval: tuple | None  # (approved_by, approved_at) printed, or None
    signature: dict
    jumlah: list  # [(group, label, value)] registered with the code
    data: str
    kertas: str = "A4"
    catatan: list = field(default_factory=list)  # 4.18a's CATATAN footer [(label, n)]
    kode: str = ""
    url: str = ""
    at: datetime.datetime | None = None
    downloaded_by: str = ""

    @property
    def code_line(self):
        return f"Kode verifikasi: {self.kode} · periksa keaslian berkas di {self.url}?kode={self.kode}"

    @property
    def downloaded_line(self):
        return f"Diunduh oleh {self.downloaded_by} pada {timezone.localtime(self.at):%d-%m-%Y %H:%M}"


def _signature(unit, user, options):
    """The signature block: what the user typed, else what the accounts say (signature_defaults)."""
    ketua = options["ketua"] if "ketua" in options else ketua_name(unit)
    penyusun = options.get("penyusun", user.display_name)
    tempat = options["tempat"] if "tempat" in options else default_place(unit)
    tanggal = options.get("tanggal") or timezone.localdate()
    tempat = (tempat or "").strip()
    return {
        "tempat_tanggal": f"{tempat}, {periods.date_label(tanggal)}" if tempat else periods.date_label(tanggal),
        "ketua_title": ketua_title(unit),
        "ketua": (ketua or "").strip(),
        "penyusun": (penyusun or "").strip(),
    }


def _approval_time(at):
    return f"{timezone.localtime(at):%d-%m-%Y %H:%M}" if at else ""


def _year_line(recap):
    """A yearly recap's day, and whether its year is closed (recaps.closing) or still follows the data."""
    as_of = periods.date_label(recap.as_of)
    if recap.closed_at is not None:
        closed = periods.date_label(timezone.localtime(recap.closed_at).date())
        return f"Keadaan per {as_of} (tahun ditutup {closed}: angka tidak berubah lagi)."
    if recap.period.tahun < timezone.localdate().year:
        return f"Keadaan per {as_of}, dihitung dari data sekarang (tahun belum ditutup)."
    return f"Keadaan per {as_of} (tahun berjalan)."


def _steps_line(approval):
    """Each step of the approval chain, when there is more than the dasawisma reports' own."""
    if len(approval.steps) < 2:
        return ""
    line = "; ".join(
        f"laporan {st.reports} disetujui {st.approver}: {st.approved} dari {st.expected}" for st in approval.steps
    )
    return f" {line[0].upper()}{line[1:]}."


def _status_of_recap(recap, data):
    """The status line of a recap file (the day of a yearly one; the approval of a monthly one) and
    the approval it registers."""
    approval = recap.approval
    if approval is None:  # yearly: no approval chain
        return _year_line(recap), None
    if data == TERKINI:
        return "Data terkini, belum disetujui.", None
    if approval.complete:
        line = f"Disetujui oleh {approval.last_approved_by} pada {_approval_time(approval.last_approved_at)}."
        return line + _steps_line(approval), (approval.last_approved_by, approval.last_approved_at)
    return (
        f"Persetujuan belum lengkap: {approval.approved} dari {approval.expected} laporan disetujui "
        "(laporan yang belum disetujui tidak termasuk dalam angka)." + _steps_line(approval),
        None,
    )


# -- the exporters -----------------------------------------------------------------------------------


class _RecapFileExporter(Exporter):
    """The shared half of the recap files: options, registration and both layouts."""

    required_perm = Perm.VIEW
    lampiran = ""
    monthly = False
    pdf_template = "recaps/pdf/rekap.html"

    def file_stem(self, target, period):
        """rekap-4.17c_64.74_2026; a group below a kelurahan by its path of codes from it
        (rekap-4.18a_64.74.02.1002_01_001_DW01_2026-03), as RW, RT and dasawisma codes repeat."""
        codes = [target.code]
        if target.level in LOCAL_LEVELS:
            path = [u for u in target.ancestors() if u.level == Level.DESA or u.level in LOCAL_LEVELS]
            codes = [u.code for u in path] + codes
        parts = [f"rekap-{self.lampiran}", *codes, period.slug]
        return "_".join(clean_filename_part(p) for p in parts)

    def render(self, *, user, target, period, edition, fmt, options=None):
        """As the contract's, with the choices that change the numbers or columns in the file name, so
        that an approved and a current-data file of the same month never share a name."""
        result = super().render(user=user, target=target, period=period, edition=edition, fmt=fmt, options=options)
        extra = []
        if self.monthly and (options or {}).get("data") == TERKINI:
            extra.append("terkini")
        if edition != DEFAULT_EDITION:
            extra.append(edition)
        if not extra:
            return result
        stem, dot, ext = result.filename.rpartition(".")
        return dataclasses.replace(result, filename=f"{stem}_{'_'.join(extra)}{dot}{ext}")

    def render_xlsx(self, *, user, target, period, edition, options):
        return self._deliver(XLSX, user, target, period, edition, options)

    def render_pdf(self, *, user, target, period, edition, options):
        return self._deliver(PDF, user, target, period, edition, options)

    def _deliver(self, fmt, user, unit, period, edition, options):
        if self.monthly and not period.bulan:
            raise ValueError(f"Lampiran {self.lampiran} adalah rekap bulanan: bulan harus diisi.")
        if not self.monthly and period.bulan:
            raise ValueError(f"Lampiran {self.lampiran} adalah rekap tahunan: tanpa bulan.")
        data = options.get("data") or DISETUJUI
        if data not in DATA_MODES:
            raise ValueError(f"Pilihan data {data!r} tidak dikenal.")
        kertas = options.get("kertas") or "A4"
        if kertas not in PAPERS:
            raise ValueError(f"Ukuran kertas {kertas!r} tidak tersedia.")
        sheet = self.sheet(user=user, unit=unit, period=period, edition=edition, data=data)
        sheet.signature = _signature(unit, user, options)
        sheet.kertas = kertas
        sheet.kode = verification.new_code()
        sheet.url = options.get("verifikasi_url") or verification.page_url()
        sheet.at = timezone.now()
        sheet.downloaded_by = user.display_name
        content = write_xlsx(sheet) if fmt == XLSX else write_pdf(sheet, self.pdf_template)
        verification.register(
            kode=sheet.kode,
            formulir=self.lampiran,
            judul=sheet.judul,
            unit=unit,
            period=period,
            edisi=edition,
            data=sheet.data,
            fmt=fmt,
            content=content,
            jumlah=sheet.jumlah,
            keterangan=sheet.status_line,
            approval=sheet.approval,
            user=user,
            at=sheet.at,
        )
        return content

    def sheet(self, *, user, unit, period, edition, data):
        raise NotImplementedError


def _period_fields(period):
    if period.bulan:
        return [("BULAN", periods.BULAN[period.bulan - 1]), ("TAHUN", str(period.tahun))]
    return [("TAHUN", str(period.tahun))]


class RecapExporter(_RecapFileExporter):
    """One recap form of recaps.recaps (4.16a-4.19c)."""

    def __init__(self, form):
        self.form = form
        self.lampiran = form.lampiran
        self.identifier = form.lampiran
        self.title = f"{form.title} (Lampiran {form.lampiran})"
        self.scope_level = form.level
        self.monthly = form.kind == recaps.MONTHLY
        self.editions = (RAKERNAS_X,) if self.monthly else (RAKERNAS_X, RAKERNAS_VIII)

    def sheet(self, *, user, unit, period, edition, data):
        if self.monthly:
            recap = recaps.monthly_recap(unit, period.tahun, period.bulan, data=data)
        else:
            recap = recaps.yearly_recap(unit, period.tahun, edition=edition)
            data = TERKINI
        columns = recap_columns(recap)
        keys = [c.key for c in recap.columns]
        rows = [[n, row.label, *(row.values.get(k, 0) for k in keys), None] for n, row in enumerate(recap.rows, 1)]
        total = [None, None, *(recap.total.get(k, 0) for k in keys), None]
        status_line, approval = _status_of_recap(recap, data)
        return Lembar(
            lampiran=self.lampiran,
            judul=recap.form.title,
            lampiran_line=lampiran_line(self.lampiran, edition),
            columns=columns,
            rows=rows,
            total=total,
            total_span=2,
            left=list(recap.area),
            right=_period_fields(period),
            empty_text="Belum ada data yang tercatat.",
            status_line=status_line,
            approval=approval,
            signature={},
            jumlah=[(c.group, c.label, recap.total.get(c.key, 0)) for c in recap.columns],
            data=data,
        )


def _tick(flag):
    return 1 if flag else None


class Catatan418aExporter(_RecapFileExporter):
    """4.18a: the dasawisma's book of mothers, births and deaths of one month, with its JUMLAH row and
    the CATATAN footer of 7 totals."""

    identifier = lampiran = "4.18a"
    title = "Buku Catatan Ibu Hamil, Melahirkan, Nifas, Kelahiran dan Kematian (Lampiran 4.18a)"
    judul = (
        "BUKU CATATAN IBU HAMIL, MELAHIRKAN, NIFAS, IBU MENINGGAL, KELAHIRAN BAYI, BAYI MENINGGAL "
        "DAN KEMATIAN BALITA DALAM KELOMPOK DASAWISMA"
    )
    scope_level = Level.DASAWISMA
    editions = (RAKERNAS_X,)
    monthly = True
    pdf_template = "recaps/pdf/rekap_418a.html"

    def sheet(self, *, user, unit, period, edition, data):
        event_rows, numbers = events.monthly_rows(unit, period.tahun, period.bulan)
        rows = [
            [
                n,
                r.nama_ibu,
                r.nama_suami,
                r.status_ibu,
                r.nama_bayi,
                _tick(r.bayi_jenis_kelamin == "L"),
                _tick(r.bayi_jenis_kelamin == "P"),
                r.bayi_tanggal_lahir,
                _tick(r.akte is True),
                _tick(r.akte is False),
                r.nama_meninggal,
                r.status_meninggal,
                _tick(r.meninggal_jenis_kelamin == "L"),
                _tick(r.meninggal_jenis_kelamin == "P"),
                r.tanggal_meninggal,
                r.sebab_meninggal,
                r.keterangan,
            ]
            for n, r in enumerate(event_rows, 1)
        ]
        total = [None] * len(KOLOM_418A)
        for index in SUMMED_418A:
            total[index] = sum(row[index] or 0 for row in rows)
        totals = events.catatan_totals(numbers)
        catatan = [(label, totals[key]) for key, label in events.CATATAN_FIELDS]
        status_line, approval = self._status(unit, period, numbers, data)
        return Lembar(
            lampiran=self.lampiran,
            judul=self.judul,
            lampiran_line=lampiran_line(self.lampiran, edition),
            columns=KOLOM_418A,
            rows=rows,
            total=total,
            total_span=4,
            left=_area_418a(unit),
            right=_period_fields(period),
            empty_text="Tidak ada peristiwa tercatat pada bulan ini (NIHIL).",
            status_line=status_line,
            approval=approval,
            signature={},
            jumlah=[("CATATAN", label, n) for label, n in catatan],
            data=data,
            catatan=catatan,
        )

    @staticmethod
    def _status(unit, period, numbers, data):
        """Approved when the dasawisma's report of the month is approved and its numbers have not
        changed since (the rows printed are always the current ones)."""
        if data == TERKINI:
            return "Data terkini, belum disetujui.", None
        report = (
            Laporan.objects.select_related("approved_by")
            .filter(unit=unit, tahun=period.tahun, bulan=period.bulan)
            .first()
        )
        if report is None or report.status != Status.APPROVED:
            state = report.get_status_display() if report else Status.DRAFT.label
            return f"Data terkini, belum disetujui (laporan bulan ini: {state}).", None
        if workflow.changed_since_approval(report, now=numbers):
            return "Data terkini, berubah setelah disetujui: belum disetujui lagi.", None
        name = report.approved_by.display_name if report.approved_by else ""
        return f"Disetujui oleh {name} pada {_approval_time(report.approved_at)}", (name, report.approved_at)


def _area_418a(dasawisma):
    area = area_of(dasawisma)
    lines = [("Kelompok Dasawisma", dasawisma.name)]
    for level, label in [
        (Level.RT, "Kelompok PKK RT"),
        (Level.RW, "Kelompok PKK RW"),
        (Level.DUSUN, "Dusun/Lingkungan"),
        (Level.DESA, "Desa/Kelurahan"),
    ]:
        lines.append((label, area[level].name if area[level] else "-"))
    return lines


# -- XLSX --------------------------------------------------------------------------------------------


def _xlsx_fields(ws, first_row, left, right, width):
    """The header block in two halves like the paper form (label over 3 columns, then the value)."""
    half = max(width // 2, 5)
    for offset, (label, value) in enumerate(left):
        xlsx.field(ws, first_row + offset, 1, label, value, label_span=3, value_span=max(half - 4, 1))
    for offset, (label, value) in enumerate(right):
        xlsx.field(ws, first_row + offset, half + 1, label, value, label_span=3, value_span=max(width - half - 3, 1))
    return first_row + max(len(left), len(right))


def _xlsx_line(ws, row, width, text, *, bold=False):
    xlsx.merge(ws, row, 1, row, width, text, bold=bold, border=False, align=xlsx.LEFT)


def write_xlsx(sheet):
    columns, width = sheet.columns, len(sheet.columns)
    wb, ws = xlsx.new_workbook(f"Lampiran {sheet.lampiran}")
    xlsx.merge(ws, 1, 1, 1, width, sheet.judul, border=False)
    ws.row_dimensions[1].height = 30
    xlsx.merge(ws, 2, 1, 2, width, sheet.lampiran_line, bold=False, border=False)
    row = _xlsx_fields(ws, 4, sheet.left, sheet.right, width) + 1

    header_first = row
    cells, depth = header_cells(columns)
    for c in cells:
        xlsx.merge(ws, row + c.row, c.column + 1, row + c.row + c.rowspan - 1, c.column + c.colspan, c.text)
    for r in range(depth):
        ws.row_dimensions[row + r].height = 48 if r == depth - 1 else 28
    numbers_row = row + depth
    for index in range(width):
        xlsx.put(ws, numbers_row, index + 1, index + 1, border=True, align=xlsx.CENTER)
    row = numbers_row + 1

    aligns = [xlsx.CENTER if c.css in ("num", "center") else xlsx.WRAP for c in columns]
    for values in sheet.rows:
        for index, value in enumerate(values):
            xlsx.put(ws, row, index + 1, value, border=True, align=aligns[index])
        row += 1
    if not sheet.rows:
        xlsx.merge(ws, row, 1, row, width, sheet.empty_text, bold=False)
        row += 1
    xlsx.merge(ws, row, 1, row, sheet.total_span, "JUMLAH")
    for index in range(sheet.total_span, width):
        xlsx.put(ws, row, index + 1, sheet.total[index], bold=True, border=True, align=xlsx.CENTER)
    row += 2

    if sheet.catatan:
        _xlsx_line(ws, row, width, "CATATAN:", bold=True)
        row += 1
        for label, n in sheet.catatan:
            xlsx.merge(ws, row, 1, row, 5, f"Jumlah {label.lower()}", bold=False, border=False, align=xlsx.LEFT)
            xlsx.put(ws, row, 6, n, align=xlsx.LEFT)
            row += 1
        row += 1
    if sheet.status_line:
        _xlsx_line(ws, row, width, sheet.status_line, bold=True)
        row += 2

    row = _xlsx_signature(ws, row, width, sheet.signature) + 1
    _xlsx_line(ws, row, width, sheet.code_line)
    _xlsx_line(ws, row + 1, width, sheet.downloaded_line)

    xlsx.column_widths(ws, [c.lebar for c in columns])
    xlsx.print_setup(ws, header_rows=(header_first, numbers_row))
    if sheet.kertas == "F4":
        ws.page_setup.paperSize = 14  # Folio 8.5 x 13 in, the F4 of Indonesian offices
    ws.oddFooter.left.text = f"Kode verifikasi {sheet.kode}"
    ws.oddFooter.left.size = ws.oddFooter.center.size = 8
    ws.freeze_panes = f"C{numbers_row + 1}"  # a coordinate: the cell may lie in a merged range
    return xlsx.to_bytes(wb)


def _xlsx_signature(ws, row, width, signature):
    half = width // 2
    left = (1, half)
    right = (half + 1, width)

    def line(r, span, text, bold=False):
        xlsx.merge(ws, r, span[0], r, span[1], text, bold=bold, border=False)

    line(row, right, signature["tempat_tanggal"])
    line(row + 1, left, "Mengetahui,")
    line(row + 1, right, "Yang membuat,")
    line(row + 2, left, signature["ketua_title"])
    line(row + 6, left, signature["ketua"] or EMPTY_NAME, bold=bool(signature["ketua"]))
    line(row + 6, right, signature["penyusun"] or EMPTY_NAME, bold=bool(signature["penyusun"]))
    return row + 6


# -- PDF ---------------------------------------------------------------------------------------------


def write_pdf(sheet, template):
    columns = sheet.columns
    cells, depth = header_cells(columns)
    header_rows = [[c for c in cells if c.row == r] for r in range(depth)]
    total_lebar = sum(c.pdf_width for c in columns)
    context = {
        "sheet": sheet,
        "title": sheet.judul,
        "cols": [f"{100 * c.pdf_width / total_lebar:.2f}" for c in columns],
        "header_rows": header_rows,
        "numbers": range(1, len(columns) + 1),
        "rows": [[(c.css, pdf_text(v)) for c, v in zip(columns, values, strict=True)] for values in sheet.rows],
        "total": [(c.css, pdf_text(v)) for c, v in list(zip(columns, sheet.total, strict=True))[sheet.total_span :]],
        "width": len(columns),
        "page_size": "330mm 215mm" if sheet.kertas == "F4" else "A4 landscape",
    }
    return render_pdf(template, context)


EXPORTERS = [*(RecapExporter(form) for form in recaps.FORMS.values()), Catatan418aExporter()]
