"""Catatan Keluarga (Lampiran 4.15), columns 11-18 under KEGIATAN PKK YANG DIIKUTI: derived per member
and year from Data Warga (4.14.1a), Kegiatan Warga (4.14.1b) and the household's sheets (4.14.2b/c),
then corrected by hand (KoreksiKegiatanPKK).

The form (docs: pkk-forms.md, section 3) says a cell "holds a tick or the name of the activity
followed" and that the columns "can be derived from Data Warga and Kegiatan Warga (e.g. koperasi ->
Berkoperasi, KB -> Perencanaan Sehat, kelompok belajar -> Pendidikan) and corrected by hand". The
derivation, in one table (PEMETAAN below):

| col | Kegiatan PKK                 | derived from (any one followed)                                  |
|-----|------------------------------|------------------------------------------------------------------|
| 11  | Penghayatan dan Pengamalan   | Kegiatan Warga "Penghayatan dan Pengamalan Pancasila" aktif;     |
|     | Pancasila                    | Kegiatan Warga "Kegiatan Keagamaan" aktif                        |
| 12  | Gotong Royong                | Kegiatan Warga "Kerja Bakti", "Rukun Kematian", "Jimpitan",      |
|     |                              | "Arisan" aktif                                                   |
| 13  | Pendidikan dan Keterampilan  | Data Warga 18 kelompok belajar, 19 PAUD/sejenis, 16 BKB          |
| 14  | Pengembangan Kehidupan       | Data Warga 20 ikut kegiatan koperasi                             |
|     | Berkoperasi                  |                                                                  |
| 15  | Pangan                       | the household's Pemanfaatan Tanah Pekarangan rows (4.14.2b, any  |
|     |                              | kategori); its Industri Rumah Tangga rows of kategori Pangan     |
| 16  | Sandang                      | the household's Industri Rumah Tangga rows of kategori Sandang   |
|     |                              | or Konveksi                                                      |
| 17  | Kesehatan                    | Data Warga 15 aktif dalam kegiatan posyandu                      |
| 18  | Perencanaan Sehat            | Data Warga 14 akseptor KB                                        |

- The cell shows the names of the activities followed ("Kerja Bakti, Arisan", "Paket A", "KB Suntik");
  a tick (✓) where the only activity is the column itself and no detail was written (Pancasila,
  Koperasi without its jenis); next to another activity that tick becomes its short name
  ("Pancasila, Keagamaan").
- Household rows (15, 16) are the household's activity: they are written for every member except
  balita, who take part in nothing; a cadre corrects the members who do not take part.
- UP2K (Data Keluarga 19) is not a source: the household record does not say whether the business
  is food or clothing; a household that produces either has an Industri Rumah Tangga row with that
  kategori, which is.
- "Lain-lain" of Kegiatan Warga is free text with no column.
- Data Warga and Kegiatan Warga hold the present state, not a yearly history, so the derivation is
  the same for every year; a past year that differed is corrected by hand (corrections are per year).

A correction (warga, tahun, kolom) overrides the derived value: diikuti=True shows its keterangan or
a tick, diikuti=False leaves the cell empty. Removing it (services.koreksi_kegiatan_set with
diikuti=None) returns the cell to the derived value.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from . import rules, services
from .models import (
    JenisKB,
    KategoriIndustri,
    KategoriPekarangan,
    Kegiatan,
    KegiatanPKK,
    KelompokBelajar,
    KoreksiKegiatanPKK,
    StatusDalamKeluarga,
    StatusWarga,
    Warga,
)

TICK = "✓"


@dataclass(frozen=True)
class Sumber:
    """One source of a column: what it is (shown on the correction screen) and how to read it from a
    member and their household: the name of the activity when followed, else None."""

    nama: str
    baca: Callable
    rumah_tangga: bool = False  # the household's activity, not the member's own
    singkat: str = ""  # shown instead of a tick when other activities share the cell


def _kegiatan(kode, name=None):
    def baca(warga, rumah_tangga):
        row = next((k for k in warga.kegiatan.all() if k.kegiatan == kode), None)
        if row is None or not row.aktif:
            return None
        return name if name is not None else (row.keterangan.strip() or TICK)

    return Sumber(f"Kegiatan Warga: {Kegiatan(kode).label}", baca, singkat=name or Kegiatan(kode).label)


def _flag(nama, attribute, name):
    """A Data Warga Ya/Tidak item; name(warga) gives the text shown."""

    def baca(warga, rumah_tangga):
        return name(warga) if getattr(warga, attribute) else None

    return Sumber(nama, baca)


def _pekarangan():
    order = list(KategoriPekarangan.values)

    def baca(warga, rumah_tangga):
        kinds = sorted({p.kategori for p in rumah_tangga.pekarangan.all()}, key=order.index)
        return ", ".join(KategoriPekarangan(k).label for k in kinds) or None

    return Sumber("Pemanfaatan tanah pekarangan rumah tangga", baca, rumah_tangga=True)


def _industri(*kategori):
    def baca(warga, rumah_tangga):
        present = {i.kategori for i in rumah_tangga.industri.all()}
        return ", ".join(f"Industri {KategoriIndustri(k).label.lower()}" for k in kategori if k in present) or None

    labels = " atau ".join(KategoriIndustri(k).label.lower() for k in kategori)
    return Sumber(f"Industri rumah tangga {labels}", baca, rumah_tangga=True)


def _jenis_label(choices, value, default):
    return choices(value).label if value in choices.values else default


# The table of the module docstring: column -> its sources, in the order their names are shown.
PEMETAAN = {
    KegiatanPKK.PANCASILA: (
        replace(_kegiatan(Kegiatan.PANCASILA), singkat="Pancasila"),
        _kegiatan(Kegiatan.KEAGAMAAN, "Keagamaan"),
    ),
    KegiatanPKK.GOTONG_ROYONG: (
        _kegiatan(Kegiatan.KERJA_BAKTI, "Kerja Bakti"),
        _kegiatan(Kegiatan.RUKUN_KEMATIAN, "Rukun Kematian"),
        _kegiatan(Kegiatan.JIMPITAN, "Jimpitan"),
        _kegiatan(Kegiatan.ARISAN, "Arisan"),
    ),
    KegiatanPKK.PENDIDIKAN: (
        _flag(
            "Data Warga: kelompok belajar",
            "ikut_kelompok_belajar",
            lambda w: _jenis_label(KelompokBelajar, w.jenis_kelompok_belajar, "Kelompok Belajar").split(" (")[0],
        ),
        _flag("Data Warga: PAUD/sejenis", "ikut_paud", lambda w: "PAUD"),
        _flag("Data Warga: Bina Keluarga Balita", "ikut_bkb", lambda w: "BKB"),
    ),
    KegiatanPKK.KOPERASI: (
        replace(
            _flag("Data Warga: kegiatan koperasi", "ikut_koperasi", lambda w: w.jenis_koperasi.strip() or TICK),
            singkat="Koperasi",
        ),
    ),
    KegiatanPKK.PANGAN: (_pekarangan(), _industri(KategoriIndustri.PANGAN)),
    KegiatanPKK.SANDANG: (_industri(KategoriIndustri.SANDANG, KategoriIndustri.KONVEKSI),),
    KegiatanPKK.KESEHATAN: (_flag("Data Warga: aktif posyandu", "aktif_posyandu", lambda w: "Posyandu"),),
    KegiatanPKK.PERENCANAAN_SEHAT: (
        _flag(
            "Data Warga: akseptor KB",
            "akseptor_kb",
            lambda w: f"KB {JenisKB(w.jenis_kb).label}" if w.jenis_kb in JenisKB.values else "KB",
        ),
    ),
}
KOLOM = list(PEMETAAN)  # columns 11-18 in the form's order


@dataclass(frozen=True)
class Sel:
    """One cell of columns 11-18 for a member and year."""

    kolom: str
    turunan: str  # the derived value; "" when not followed
    koreksi: KoreksiKegiatanPKK | None = None

    @property
    def nilai(self):
        """What the form shows."""
        if self.koreksi is None:
            return self.turunan
        if self.koreksi.diikuti:
            return self.koreksi.keterangan.strip() or TICK
        return ""

    @property
    def dikoreksi(self):
        return self.koreksi is not None

    @property
    def label(self):
        return KegiatanPKK(self.kolom).label

    @property
    def sumber(self):
        return [s.nama for s in PEMETAAN[self.kolom]]


def reference_day(tahun, today=None):
    """The day the year's ages are taken on: 31 December, or today for the running year."""
    today = today or timezone.localdate()
    return min(datetime.date(tahun, 12, 31), today)


def derive(warga, rumah_tangga, tahun, today=None):
    """{kolom: derived value} for one member (kegiatan, pekarangan and industri prefetched)."""
    balita = rules.is_balita(warga, reference_day(tahun, today))
    values = {}
    for kolom, sources in PEMETAAN.items():
        followed = []
        for source in sources:
            if source.rumah_tangga and balita:
                continue
            name = source.baca(warga, rumah_tangga)
            if name:
                followed.append((source, name))
        if len(followed) == 1:
            values[kolom] = followed[0][1]
        else:
            names = [source.singkat if name == TICK else name for source, name in followed]
            values[kolom] = ", ".join(dict.fromkeys(names))
    return values


def cells(warga, rumah_tangga, tahun, today=None):
    """The 8 cells of one member for a year, corrections applied (koreksi_kegiatan prefetched)."""
    corrections = {k.kolom: k for k in warga.koreksi_kegiatan.all() if k.tahun == tahun}
    derived = derive(warga, rumah_tangga, tahun, today)
    return [Sel(kolom, derived[kolom], corrections.get(kolom)) for kolom in KOLOM]


# -- loading: constant queries for a whole dasawisma -----------------------------------------------


def warga_prefetch(tahun):
    """What cells() reads on each member, for Warga querysets (one query each, whatever the count)."""
    return ["kegiatan", Prefetch("koreksi_kegiatan", queryset=KoreksiKegiatanPKK.objects.filter(tahun=tahun))]


RUMAH_TANGGA_PREFETCH = ["pekarangan", "industri"]


def is_anggota_tahun(warga, tahun):
    """Whether a member belongs in a year's Catatan Keluarga: born by its end, still there at its start."""
    start, end = datetime.date(tahun, 1, 1), datetime.date(tahun, 12, 31)
    still_there = warga.status == StatusWarga.AKTIF or (
        warga.tanggal_status is not None and warga.tanggal_status >= start
    )
    return warga.tanggal_lahir <= end and still_there


def anggota_tahun_q(tahun, prefix=""):
    """The same rule as is_anggota_tahun, for the database."""
    start, end = datetime.date(tahun, 1, 1), datetime.date(tahun, 12, 31)
    return Q(**{f"{prefix}tanggal_lahir__lte": end}) & (
        Q(**{f"{prefix}status": StatusWarga.AKTIF}) | Q(**{f"{prefix}tanggal_status__gte": start})
    )


_FAMILY_ORDER = {v: i for i, v in enumerate(StatusDalamKeluarga.values)}


def family_order(rumah_tangga, members):
    """The household's members as the paper form lists them: the KRT's keluarga first, then each
    keluarga as entered; inside a keluarga the kepala, istri, anak, others, the eldest first."""
    return sorted(
        members,
        key=lambda w: (
            w.keluarga_id != getattr(rumah_tangga.krt, "keluarga_id", None),
            w.keluarga_id,
            _FAMILY_ORDER.get(w.status_dalam_keluarga, 9),
            w.tanggal_lahir,
            w.pk,
        ),
    )


@dataclass
class CatatanRumahTangga:
    """One household's Catatan Keluarga for a year: its members, each with their 8 cells."""

    rumah_tangga: object
    tahun: int
    anggota: list = field(default_factory=list)  # [(warga, [Sel, ...]), ...]


def catatan_keluarga(rumah_tangga_qs, tahun, today=None):
    """Catatan Keluarga of every household in the queryset, in a constant number of queries: the
    households (with their dasawisma and KRT), keluarga, members, kegiatan, corrections, pekarangan
    and industri; one query each."""
    members = Warga.objects.filter(anggota_tahun_q(tahun)).prefetch_related(*warga_prefetch(tahun))
    households = rumah_tangga_qs.select_related("dasawisma", "krt").prefetch_related(
        *RUMAH_TANGGA_PREFETCH, Prefetch("keluarga__anggota", queryset=members)
    )
    result = []
    for rt in households:
        people = [w for kel in rt.keluarga.all() for w in kel.anggota.all()]
        catatan = CatatanRumahTangga(rt, tahun)
        catatan.anggota = [(w, cells(w, rt, tahun, today)) for w in family_order(rt, people)]
        result.append(catatan)
    return result


def warga_for_koreksi(qs, tahun):
    """A Warga queryset loaded for the correction screen of one year."""
    return qs.select_related("keluarga__rumah_tangga__dasawisma").prefetch_related(
        *warga_prefetch(tahun), *(f"keluarga__rumah_tangga__{name}" for name in RUMAH_TANGGA_PREFETCH)
    )


@transaction.atomic
def koreksi_simpan(*, actor, warga, tahun, pilihan):
    """Save the correction screen: pilihan is {kolom: (diikuti True/False/None, keterangan)}. Only the
    columns that change are written (each through services.koreksi_kegiatan_set, which checks that the
    actor is a cadre of the member's dasawisma); returns how many changed."""
    existing = {k.kolom: k for k in KoreksiKegiatanPKK.objects.filter(warga=warga, tahun=tahun)}
    changed = 0
    for kolom, (diikuti, keterangan) in pilihan.items():
        current = existing.get(kolom)
        if diikuti is None and current is None:
            continue
        if current is not None and current.diikuti == diikuti and current.keterangan == keterangan:
            continue
        services.koreksi_kegiatan_set(
            actor=actor, warga=warga, tahun=tahun, kolom=kolom, diikuti=diikuti, keterangan=keterangan
        )
        changed += 1
    return changed
