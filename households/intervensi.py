"""Daftar sasaran intervensi: the people and houses that technical agencies (OPD teknis) and community
resources act on, per area (pkk-forms.md, "Why the data exists: intervention").

Five lists, each a selector scoped by hierarchy.access and limited to one area (a unit and everything
below it). People count when they are counted today (rules.counted_q: active, born, not yet moved or
dead) and live in a household still recorded in its dasawisma (selectors.active_rumah_tangga); houses
count when the household is still recorded.

1. ``buta``: warga 3 buta, i.e. buta baca, buta tulis or buta hitung (one or more; the row says which).
2. ``khusus``: warga berkebutuhan khusus (fisik, mental, lainnya; the row says which).
3. ``rumah``: rumah tangga whose kriteria rumah is "tidak sehat layak huni" (the row lists the missing
   facilities: jamban, SPAL, tempat sampah, MCK and septic tank).
4. ``sanitasi``: rumah tangga without a jamban keluarga, or without clean water (see
   ``punya_air_bersih``).
5. ``hamil``: warga with a pregnancy running today (rules.hamil_on_q).

NIK are always masked here (validation.mask): the lists go to people outside the dasawisma.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from documents import xlsx
from hierarchy import access
from hierarchy.levels import LEVEL_ORDER, RANK, Level, Perm
from hierarchy.models import Unit

from . import rules, selectors
from .models import Kehamilan, KriteriaRumah, RumahTangga, StatusWarga, Warga
from .validation import mask

# The lists put names, ages and addresses of an area's most vulnerable residents side by side, for
# people outside the dasawisma. The permission that already means "may see who is who across an area"
# is buka_nik, held exactly by TP PKK desa/kelurahan, kecamatan and kabupaten/kota; cadres and RT/RW
# leaders see their own households on the household pages and have no need for area-wide lists.
INTERVENSI_PERM = Perm.REVEAL_NIK
PER_PAGE = 50

# The lowest level a list is shown for: below the desa/kelurahan a list would be the few rows that the
# household pages already show, and every row names its RT and dasawisma anyway.
LOWEST_LEVEL = Level.DESA


# -- clean water: the one rule for these lists -----------------------------------------------------


def punya_air_bersih(rumah_tangga):
    """Whether a household has clean water (air bersih), for the intervention lists.

    The form records where the water comes from (PDAM / sumur / sungai / lainnya), not its quality. We
    count PDAM and sumur as clean water; a household whose only sources are sungai and/or lainnya (or
    that has no source ticked) has no clean water. "Lainnya" is not proven clean, so it is listed: the
    row shows what "lainnya" is, so the agency can judge.
    """
    return bool(rumah_tangga.air_pdam or rumah_tangga.air_sumur)


def air_bersih_q(prefix=""):
    """The database form of ``punya_air_bersih``."""
    return Q(**{f"{prefix}air_pdam": True}) | Q(**{f"{prefix}air_sumur": True})


# -- the selectors ---------------------------------------------------------------------------------

_WARGA_DW = selectors.VIA_WARGA.removesuffix("__")  # a warga's dasawisma row
# The ancestors each row names: dasawisma › RT › RW › dusun › desa/kelurahan (› kecamatan for big areas).
_PATH_LEVELS = ["rt", "rw", "dusun", "desa", "kecamatan"]


def _in_area(qs, user, unit, via):
    """Rows the user may see in the lists (scope on INTERVENSI_PERM), limited to the unit's subtree."""
    qs = access.scope(qs, user, INTERVENSI_PERM, via)
    if unit is not None:
        qs = qs.filter(**{f"{via}{unit.level}_id": unit.pk})
    return qs


def _path_order(dw):
    return [
        F(f"{dw}__desa__code").asc(nulls_first=True),
        F(f"{dw}__dusun__code").asc(nulls_first=True),
        F(f"{dw}__rw__code").asc(nulls_first=True),
        F(f"{dw}__rt__code").asc(nulls_first=True),
        F(f"{dw}__code").asc(),
    ]


def _warga(user, unit, on):
    active_households = selectors.active_rumah_tangga(RumahTangga.objects.all(), on).values("pk")
    qs = Warga.objects.filter(rules.counted_q(on), keluarga__rumah_tangga__in=active_households)
    return (
        _in_area(qs, user, unit, selectors.VIA_WARGA)
        .select_related("keluarga__rumah_tangga", _WARGA_DW, *(f"{_WARGA_DW}__{lv}" for lv in _PATH_LEVELS))
        .order_by(*_path_order(_WARGA_DW), "nama", "pk")
    )


def _rumah(user, unit, on):
    members = (
        Warga.objects.filter(rules.counted_q(on), keluarga__rumah_tangga=OuterRef("pk"))
        .order_by()
        .values("keluarga__rumah_tangga")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = selectors.active_rumah_tangga(RumahTangga.objects.all(), on)
    return (
        _in_area(qs, user, unit, selectors.VIA_RUMAH_TANGGA)
        .select_related("krt", "dasawisma", *(f"dasawisma__{lv}" for lv in _PATH_LEVELS))
        .annotate(jml_anggota=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)))
        .order_by(*_path_order("dasawisma"), "krt__nama", "pk")
    )


def warga_3_buta(user, unit=None, on=None):
    """Warga buta baca, buta tulis or buta hitung (any of the three)."""
    return _warga(user, unit, on or timezone.localdate()).filter(rules.buta_q())


def warga_berkebutuhan_khusus(user, unit=None, on=None):
    return _warga(user, unit, on or timezone.localdate()).filter(rules.berkebutuhan_khusus_q())


def rumah_tidak_sehat(user, unit=None, on=None):
    """Rumah tangga with kriteria rumah 'tidak sehat layak huni'."""
    return _rumah(user, unit, on or timezone.localdate()).filter(kriteria_rumah=KriteriaRumah.TIDAK_SEHAT)


def rumah_tanpa_jamban_atau_air_bersih(user, unit=None, on=None):
    """Rumah tangga without a jamban keluarga, or without clean water (punya_air_bersih)."""
    return _rumah(user, unit, on or timezone.localdate()).filter(Q(punya_jamban=False) | ~air_bersih_q())


def ibu_hamil(user, unit=None, on=None):
    """Warga with a pregnancy running on the day; the latest such pregnancy gives its dates."""
    on = on or timezone.localdate()
    running = Kehamilan.objects.filter(rules.hamil_on_q(on), ibu=OuterRef("pk")).order_by("-tanggal_mulai", "-pk")
    return (
        _warga(user, unit, on)
        .filter(Exists(running))
        .annotate(
            hamil_sejak=Subquery(running.values("tanggal_mulai")[:1]),
            hpl=Subquery(running.values("perkiraan_lahir")[:1]),
        )
    )


# -- what each row says ----------------------------------------------------------------------------


def _buta(warga, on):
    kinds = [name for name, flag in (("baca", warga.buta_baca), ("tulis", warga.buta_tulis),
                                     ("hitung", warga.buta_hitung)) if flag]  # fmt: skip
    return "Buta " + ", ".join(kinds)


def _khusus(warga, on):
    return f"Berkebutuhan khusus: {warga.get_berkebutuhan_khusus_display().lower()}"


def _missing_facilities(rt):
    missing = [
        label
        for label, present in (
            ("jamban keluarga", rt.punya_jamban),
            ("SPAL", rt.punya_spal),
            ("tempat sampah", rt.punya_tempat_sampah),
            ("MCK dan septic tank", rt.punya_mck_septic),
        )
        if not present
    ]
    return f"tidak ada {', '.join(missing)}" if missing else ""


def _rumah_tidak_sehat(rt, on):
    missing = _missing_facilities(rt)
    return "Rumah tidak sehat layak huni" + (f"; {missing}" if missing else "")


def _sumber_air(rt):
    sources = [label for label, flag in (("PDAM", rt.air_pdam), ("sumur", rt.air_sumur),
                                         ("sungai", rt.air_sungai)) if flag]  # fmt: skip
    if rt.air_lainnya:
        sources.append(f"lainnya ({rt.air_lainnya_jenis})" if rt.air_lainnya_jenis else "lainnya")
    return ", ".join(sources)


def _sanitasi(rt, on):
    needs = []
    if not rt.punya_jamban:
        needs.append("Tanpa jamban keluarga")
    if not punya_air_bersih(rt):
        sources = _sumber_air(rt)
        needs.append(f"Tanpa air bersih (sumber air: {sources})" if sources else "Tanpa air bersih (sumber air kosong)")
    return "; ".join(needs)


def _hamil(warga, on):
    text = f"Hamil sejak {warga.hamil_sejak:%d-%m-%Y}"
    if warga.hpl:
        text += f"; HPL {warga.hpl:%d-%m-%Y}"
        if warga.hpl < on:
            text += " (sudah lewat, perlu diperbarui)"
    return text


@dataclass(frozen=True)
class Daftar:
    key: str
    label: str  # the tab
    judul: str  # the heading and the spreadsheet title
    aturan: str  # who is on the list, in the users' words
    jenis: str  # "warga" or "rumah"
    select: Callable
    kebutuhan: Callable

    @property
    def via(self):
        return selectors.VIA_WARGA if self.jenis == "warga" else selectors.VIA_RUMAH_TANGGA

    @property
    def satuan(self):
        return "orang" if self.jenis == "warga" else "rumah tangga"


DAFTAR_LIST = [
    Daftar(
        "buta",
        "3 Buta",
        "Warga 3 Buta",
        "Warga yang buta baca, buta tulis, atau buta hitung (salah satu atau lebih).",
        "warga",
        warga_3_buta,
        _buta,
    ),
    Daftar(
        "khusus",
        "Berkebutuhan Khusus",
        "Warga Berkebutuhan Khusus",
        "Warga yang tercatat berkebutuhan khusus: fisik, mental, atau lainnya.",
        "warga",
        warga_berkebutuhan_khusus,
        _khusus,
    ),
    Daftar(
        "rumah",
        "Rumah Tidak Sehat",
        "Rumah Tidak Sehat Layak Huni",
        "Rumah tangga dengan kriteria rumah tidak sehat layak huni.",
        "rumah",
        rumah_tidak_sehat,
        _rumah_tidak_sehat,
    ),
    Daftar(
        "sanitasi",
        "Jamban & Air Bersih",
        "Rumah Tangga Tanpa Jamban atau Air Bersih",
        "Rumah tangga yang tidak mempunyai jamban keluarga, atau yang tidak mendapat air bersih: "
        "sumber airnya bukan PDAM dan bukan sumur (hanya sungai atau sumber lain).",
        "rumah",
        rumah_tanpa_jamban_atau_air_bersih,
        _sanitasi,
    ),
    Daftar(
        "hamil",
        "Ibu Hamil",
        "Ibu Hamil",
        "Warga yang sedang hamil pada tanggal ini (kehamilan sudah dimulai dan belum berakhir).",
        "warga",
        ibu_hamil,
        _hamil,
    ),
]
DAFTAR = {d.key: d for d in DAFTAR_LIST}
DEFAULT = DAFTAR_LIST[0].key

COMMON_NOTE = "Hanya warga aktif di rumah tangga yang masih tercatat di dasawisma."


def counts(user, unit, on=None):
    """{list key: number of rows} for the tab bar: one COUNT per list."""
    on = on or timezone.localdate()
    return {d.key: d.select(user, unit, on).count() for d in DAFTAR_LIST}


def child_level(unit):
    """The level one below the unit when the list is broken down by area (kecamatan and higher), else
    None: from desa/kelurahan down the rows name their RT and dasawisma themselves."""
    if RANK[unit.level] >= RANK[LOWEST_LEVEL]:
        return None
    return LEVEL_ORDER[RANK[unit.level] + 1]


def per_wilayah(daftar, user, unit, on=None):
    """[(child unit, count)] of the list for each area one level below the unit: one GROUP BY and one
    query for the names. Areas closed before the day drop out unless they still have rows."""
    level = child_level(unit)
    if level is None:
        return []
    on = on or timezone.localdate()
    column = f"{daftar.via}{level}_id"
    by_child = dict(daftar.select(user, unit, on).order_by().values_list(column).annotate(n=Count("pk")))
    children = Unit.objects.filter(parent=unit, level=level).order_by("code")
    return [(c, by_child.get(c.pk, 0)) for c in children if by_child.get(c.pk) or c.is_active_on(on)]


# -- rows, the same for the page and the spreadsheet -----------------------------------------------


@dataclass(frozen=True)
class Baris:
    nama: str
    nik: str  # masked
    jenis_kelamin: str  # "L"/"P"; "" for a house
    umur: int | None
    jml_anggota: int | None  # houses only
    alamat: str
    dasawisma: str
    rt: str
    rw_dusun: str
    desa: str
    kecamatan: str
    kebutuhan: str

    @property
    def jalur(self):
        """Dasawisma Melati 1 › RT 001 › RW 01 › Berbas Tengah."""
        return " › ".join(p for p in (self.dasawisma, self.rt, self.rw_dusun, self.desa) if p)


def _place(dasawisma):
    def name(level):
        unit = getattr(dasawisma, level) if getattr(dasawisma, f"{level}_id") else None
        return str(unit) if unit is not None else ""

    desa = dasawisma.desa if dasawisma.desa_id else None
    return {
        "dasawisma": dasawisma.title,
        "rt": name("rt"),
        "rw_dusun": " / ".join(p for p in (name("dusun"), name("rw")) if p),
        "desa": desa.title if desa is not None else "",
        "kecamatan": name("kecamatan"),
    }


def _krt_name(rt):
    if rt.krt is None:
        return "(kepala rumah tangga belum diisi)"
    if rt.krt.status != StatusWarga.AKTIF:
        return f"{rt.krt.nama} ({rt.krt.get_status_display().lower()})"
    return rt.krt.nama


def rows(daftar, objects, on=None):
    """Baris for each object of the list (objects from daftar.select, already fetched with their places)."""
    on = on or timezone.localdate()
    result = []
    for obj in objects:
        if daftar.jenis == "warga":
            household = obj.keluarga.rumah_tangga
            person = {
                "nama": obj.nama,
                "nik": mask(obj.nik),
                "jenis_kelamin": obj.jenis_kelamin,
                "umur": rules.age_years(obj.tanggal_lahir, on),
                "jml_anggota": None,
                "alamat": obj.alamat or household.alamat,
            }
        else:
            household = obj
            person = {
                "nama": _krt_name(obj),
                "nik": mask(obj.krt.nik) if obj.krt else "",
                "jenis_kelamin": "",
                "umur": None,
                "jml_anggota": obj.jml_anggota,
                "alamat": obj.alamat,
            }
        result.append(Baris(**person, **_place(household.dasawisma), kebutuhan=daftar.kebutuhan(obj, on)))
    return result


# -- the spreadsheet -------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def area_label(unit, ancestors):
    """'Kelurahan Berbas Tengah, Kecamatan Bontang Selatan, Kota Bontang' (without the province)."""
    chain = [unit] + [a for a in reversed(ancestors) if a.level != Level.PROVINSI]
    return ", ".join(u.title for u in chain)


def filename(daftar, unit, on):
    return f"sasaran-intervensi-{daftar.key}-{slugify(unit.name) or unit.pk}-{on:%Y%m%d}.xlsx"


def workbook(daftar, unit, ancestors, objects, on):
    """The list as an XLSX (bytes): title, area, date and rule above a header row repeated on every
    printed page; landscape. Every cell through documents.xlsx, so no text becomes a formula."""
    wide_area = RANK[unit.level] < RANK[Level.KECAMATAN]
    person = daftar.jenis == "warga"
    headers = ["No", "Nama" if person else "Nama Kepala Rumah Tangga", "NIK (disamarkan)"]
    widths = [5, 28, 20]
    if person:
        headers += ["L/P", "Umur (tahun)"]
        widths += [5, 8]
    else:
        headers += ["Jumlah anggota"]
        widths += [10]
    headers += ["Alamat", "Dasawisma", "RT", "RW/Dusun", "Desa/Kelurahan"]
    widths += [30, 18, 9, 12, 22]
    if wide_area:
        headers.append("Kecamatan")
        widths.append(20)
    headers.append("Kebutuhan intervensi")
    widths.append(40)
    last = len(headers)

    wb, ws = xlsx.new_workbook(_SHEET_FORBIDDEN.sub("-", daftar.label))
    xlsx.merge(ws, 1, 1, 1, last, f"DAFTAR SASARAN INTERVENSI — {daftar.judul.upper()}", border=False)
    xlsx.merge(ws, 2, 1, 2, last, f"Wilayah: {area_label(unit, ancestors)}", bold=False, border=False)
    xlsx.merge(ws, 3, 1, 3, last, f"Keadaan per tanggal {on:%d-%m-%Y}", bold=False, border=False)
    xlsx.merge(ws, 4, 1, 4, last, f"{daftar.aturan} {COMMON_NOTE}", bold=False, border=False)
    xlsx.merge(
        ws, 5, 1, 5, last, "Berisi data pribadi: hanya untuk keperluan intervensi, jangan disebarluaskan.",
        bold=False, border=False,
    )  # fmt: skip
    ws.row_dimensions[4].height = 32  # merged cells do not grow with wrapped text
    header_row = 7
    xlsx.write_row(ws, header_row, headers, bold=True, align=xlsx.CENTER)

    row_number = header_row
    for number, baris in enumerate(rows(daftar, objects, on), start=1):
        row_number = header_row + number
        values = [number, baris.nama, baris.nik]
        values += [baris.jenis_kelamin, baris.umur] if person else [baris.jml_anggota]
        values += [baris.alamat, baris.dasawisma, baris.rt, baris.rw_dusun, baris.desa]
        if wide_area:
            values.append(baris.kecamatan)
        values.append(baris.kebutuhan)
        xlsx.write_row(ws, row_number, values, align=xlsx.WRAP)
    total = row_number - header_row
    xlsx.merge(ws, row_number + 2, 1, row_number + 2, 3, f"Jumlah: {total} {daftar.satuan}", border=False)

    xlsx.column_widths(ws, widths)
    xlsx.print_setup(ws, header_rows=(header_row, header_row))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return xlsx.to_bytes(wb)
