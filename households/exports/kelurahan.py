"""The Data Warga of a whole desa/kelurahan, streamed (DataWargaKelurahanExporter).

A kelurahan holds thousands of rumah tangga (up to 20,000 warga in the --scale 50000 demo). Its Data Warga
is written with openpyxl's write-only workbook (each row goes to a temporary file as it is written)
from one query read MEMBERS_PER_FETCH rows at a time, so the process holds one dasawisma's members
and a bounded cursor buffer, whatever the size of the kelurahan; the finished file is then sent in
pieces and removed. A PDF would be laid out whole in memory by WeasyPrint: the kelurahan file is XLSX
only (the PDF stays per dasawisma).
"""

import contextlib
import tempfile
from itertools import groupby

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.cell_range import CellRange

from documents import xlsx
from documents.exporters import RAKERNAS_X, XLSX, Exporter, lampiran_line
from hierarchy.levels import LOCAL_LEVELS, Level, Perm
from hierarchy.models import Unit

from .. import catatan
from ..models import RumahTangga, StatusWarga, Warga
from ..selectors import active_rumah_tangga
from .common import natural_key, registry_key, xlsx_fields, xlsx_signature, xlsx_table_header, xlsx_title
from .data_warga import DATA_WARGA_KOLOM, DataWargaExporter, data_warga_values, group_label

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
        return unit, (unit is None, natural_key(unit.code) if unit else [])

    rows = []
    for dw in (u for u in by_id.values() if u.level == Level.DASAWISMA):
        (dusun, dusun_key), (rw, rw_key), (rt, rt_key) = (group(dw, lv) for lv in (Level.DUSUN, Level.RW, Level.RT))
        place = f"RT {rt.code if rt else '-'} / RW {rw.code if rw else '-'}"
        if dusun:
            place = f"{dusun.name} · {place}"
        key = (dusun_key, rw_key, rt_key, natural_key(dw.code), dw.name, dw.pk)
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
        ordered = sorted(households.values(), key=lambda item: registry_key(item[0]))
        yield dasawisma_id, [(rt, catatan.family_order(rt, people)) for rt, people in ordered]


class _StreamedSheet:
    """Rows being laid out for a write-only sheet. documents.xlsx's helpers (put, merge, field,
    write_row) and the layout functions of common.py take it for a sheet, so the streamed file follows the
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
    this module's docstring); the content is a FileChunks."""

    identifier = "data-warga-kelurahan"
    title = "Data Warga seluruh desa/kelurahan (Lampiran 4.14.1a)"
    required_perm = Perm.VIEW
    formats = (XLSX,)
    scope_level = Level.DESA
    editions = (RAKERNAS_X,)
    form = DataWargaExporter.form
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

    # A progress step counts warga.
    progress_unit = "warga"

    def write(self, *, user, target, period, edition, fmt, options, out, progress=None):
        self.check(user=user, target=target, edition=edition, fmt=fmt)
        self.write_xlsx(target, out, progress)

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
            xlsx_title(sheet, columns, self.heading, lampiran_line(self.form, RAKERNAS_X, with_edition=False))
            left = [
                ("Desa/Kelurahan", kelurahan.name),
                ("Jumlah Dasawisma", str(totals["dasawisma"])),
                ("Jumlah Rumah Tangga", str(totals["rumah_tangga"])),
                ("Jumlah Warga", str(totals["warga"])),
            ]
            right = [(label, area[level].name) for level, label in [(Level.KECAMATAN, "Kecamatan"),
                     (Level.KABKOTA, "Kab/Kota")] if area[level]]  # fmt: skip
            right.append(("Tanggal data", f"{today:%d-%m-%Y}"))
            row = xlsx_fields(sheet, 4, left, right, width) + 1
            header_first = row
            row = xlsx_table_header(sheet, row, columns)
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
            xlsx_signature(sheet, row + 1, width, signature)
            sheet.flush()
            wb.save(file)
        except BaseException:
            _discard(wb)
            raise
