"""Demo households for ``manage.py seed_demo``: 10 to 20 generated rumah tangga in every demo dasawisma,
and with ``scale`` a city-sized data set for benchmarks.

What is generated, and why it looks the way it does:

- Household shapes: a couple with 0 to 4 children living at home, a young couple, a single parent, an
  elderly couple or an elderly person alone, three generations (a widowed grandparent with the family),
  a single adult. About one house in ten holds a second keluarga with its own Kartu Keluarga (a married
  child's family, or a sibling's). The kepala of the first keluarga is the kepala rumah tangga.
- Ages follow from the mothers' ages (first child at 19-32, two to six years apart, children leave
  home between 19 and 27), which gives a young pyramid with many children and young adults and
  roughly one person in ten aged 60 or over. Marital status follows the place in the family (kepala
  and istri menikah, widowed grandparents janda/duda, children lajang).
- Religion (mostly Islam), birthplaces (Bontang for those born here, else the regions most people
  came from: Sulawesi Selatan, Jawa, the rest of Kalimantan), education by age and birth cohort, jobs
  by age and sex, KB for married women of 15-49, posyandu/BKB for mothers of balita, ibu menyusui for
  mothers of babies under 2, some pregnancies (about 2 % of women of 15-49), the 3 buta (mostly older
  women who never finished primary school), berkebutuhan khusus (more often with age).
- NIK and No. KK pass households.validation.check_nik/check_no_kk: the area prefix is the kecamatan of
  the dasawisma for most people, another Bontang kecamatan for some, and the area of their birthplace
  for some adults who moved here (Samarinda, Makassar, Surabaya ...). Serials are unique; a number
  already in the database (real data entered before) is never reused.
- Kegiatan Warga: only the rows an adult takes part in are stored (aktif, with a keterangan); a missing
  row reads as "T" on the form.

Determinism and idempotence: every dasawisma draws from its own ``random.Random`` and Faker seeded
with the demo seed and the codes of the dasawisma and its parents, so its households do not depend on
which other dasawisma were filled before. A dasawisma that already has a rumah tangga is left alone, so
a second run changes nothing.

Speed and memory: rows are generated and inserted one kelurahan at a time (RowWriter: executemany on
SQLite, COPY on PostgreSQL). The demo households get one history row each ("+", by the demo
administrator, reason "Data demo (seed_demo)"), written in bulk too, so that the change history of a
household starts at its creation like data entered by hand and a first edit has something to compare
with; it costs about 40 % more time (measured: the default demo about 4 s of CPU on SQLite; --scale
50000 about a minute on PostgreSQL, under 200 MB).
"""

import csv
import datetime
import io
import json
import math
import random
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from itertools import accumulate
from operator import itemgetter

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

from hierarchy.levels import LOCAL_LEVELS, Level
from hierarchy.models import Unit
from households import rules
from households.models import (
    Agama,
    BerkebutuhanKhusus,
    HasilKehamilan,
    IndustriRumahTangga,
    JenisKB,
    JenisKelamin,
    KategoriIndustri,
    KategoriPekarangan,
    Kegiatan,
    KegiatanWarga,
    Kehamilan,
    Kelahiran,
    KelompokBelajar,
    Keluarga,
    Kematian,
    KriteriaRumah,
    MakananPokok,
    Pekerjaan,
    PemanfaatanPekarangan,
    Pendidikan,
    RumahTangga,
    StatusDalamKeluarga,
    StatusPerkawinan,
    StatusWarga,
    Warga,
)
from pkkdata import periods
from recaps import ringkasan

from . import tree

HOUSEHOLDS_PER_DASAWISMA = (10, 20)
MEAN_HOUSEHOLDS_PER_DASAWISMA = sum(HOUSEHOLDS_PER_DASAWISMA) / 2
DASAWISMA_PER_NEW_RT = (3, 6)  # --scale: the extra RT are a little fuller than the default demo's
# The monthly events: twelve months up to today. Chances per birth (infant deaths about 20 per 1,000
# births; maternal deaths rare, Indonesia about 190 per 100,000), per child under six (deaths at 1-4
# years, a few a year in a city of 30,000), and per family of an extra newborn (see newborn()).
EVENT_MONTHS = 12
INFANT_DEATH_CHANCE = 0.02
MATERNAL_DEATH_CHANCE = 0.004
CHILD_DEATH_CHANCE = 0.0025
EXTRA_BIRTH_CHANCE = 0.03
# Pregnancies running today: about as many as the births of nine months, so that the twelve months'
# "ibu hamil" stay level (the pregnancies behind past births count in the earlier months).
PREGNANT_CHANCE = 0.08
# Life as the rules of households.rules must follow it (issue 10), so that the demo shows them working:
# of the running pregnancies, some women moved away during it (it ends "pindah"), some were never
# closed by the cadre (past their HPL: on the cadre's list); some births come without a recorded
# pregnancy; a few households left the dasawisma during the months.
PREGNANT_MOVED_CHANCE = 0.04
PREGNANCY_NOT_CLOSED_CHANCE = 0.03
UNRECORDED_PREGNANCY_CHANCE = 0.05
HOUSEHOLD_LEFT_CHANCE = 0.01
INFANT_CAUSES = ["Berat badan lahir rendah", "Asfiksia", "Infeksi (sepsis)", "Pneumonia", "Kelainan bawaan",
                 "Diare"]  # fmt: skip
CHILD_CAUSES = ["Diare", "Pneumonia", "Demam berdarah", "Tenggelam", "Kecelakaan lalu lintas", "Campak"]
MATERNAL_CAUSES = ["Perdarahan pascapersalinan", "Preeklamsia/eklamsia", "Infeksi nifas"]
BONTANG_AREAS = ("647401", "647402", "647403")  # the kecamatan of Kota Bontang, codes without dots
NULL = r"\N"  # how COPY reads a missing value; no generated text is ever "\N"
CHANGE_REASON = tree.CHANGE_REASON

L, P = JenisKelamin.LAKI_LAKI, JenisKelamin.PEREMPUAN
KEPALA, ISTRI, ANAK, LAIN = (
    StatusDalamKeluarga.KEPALA,
    StatusDalamKeluarga.ISTRI,
    StatusDalamKeluarga.ANAK,
    StatusDalamKeluarga.LAIN,
)
MENIKAH, LAJANG, JANDA, DUDA = (
    StatusPerkawinan.MENIKAH,
    StatusPerkawinan.LAJANG,
    StatusPerkawinan.JANDA,
    StatusPerkawinan.DUDA,
)


class Weights:
    """A weighted choice, drawn with one random number (the tables are used for every person)."""

    def __init__(self, pairs):
        self.values = [value for value, _weight in pairs]
        self.cumulative = list(accumulate(weight for _value, weight in pairs))

    def draw(self, rng):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


# The test cast marks people by surname (Wijayakusuma in Berbas Tengah, Siregar in Belimbing) to catch
# pages that leak names from outside a user's area; the demo must never produce those surnames.
RESERVED_SURNAMES = {"Wijayakusuma", "Siregar"}

# Batak marga: passed from father to children, which Faker's independent surnames would not do.
BATAK_MARGA = [
    "Damanik", "Hutagalung", "Hutapea", "Hutasoit", "Manullang", "Marpaung", "Marbun", "Nainggolan", "Nababan",
    "Napitupulu", "Sihombing", "Samosir", "Saragih", "Sihotang", "Simanjuntak", "Sinaga", "Simbolon", "Sitompul",
    "Sitorus", "Sirait", "Situmorang", "Tampubolon",
]  # fmt: skip

AGAMA_WEIGHTS = Weights([
    (Agama.ISLAM, 870), (Agama.KRISTEN, 75), (Agama.KATOLIK, 40), (Agama.BUDDHA, 7), (Agama.HINDU, 5),
    (Agama.KONGHUCU, 2), (Agama.KEPERCAYAAN, 1),
])  # fmt: skip

# Where the adults who moved to Bontang were born, by the region a household comes from; the 6-digit
# area code is where their NIK was issued when they kept the one from home (all in data/wilayah).
ORIGINS = {
    "sulawesi": [("Makassar", "737101"), ("Pare-Pare", "737201"), ("Bone", "730801"), ("Sidrap", ""),
                 ("Pinrang", ""), ("Wajo", ""), ("Palu", "")],
    "jawa": [("Surabaya", "357801"), ("Malang", "357301"), ("Semarang", "337401"), ("Yogyakarta", "347101"),
             ("Jember", ""), ("Lamongan", ""), ("Banyuwangi", ""), ("Solo", ""), ("Bandung", "")],
    "kalimantan": [("Samarinda", "647201"), ("Samarinda", "647204"), ("Balikpapan", "647101"),
                   ("Tenggarong", "640201"), ("Sangatta", "640801"), ("Banjarmasin", "637101")],
    "batak": [("Medan", "127101"), ("Pematangsiantar", ""), ("Tarutung", ""), ("Balige", "")],
    "timur": [("Manado", "717101"), ("Kupang", "537101"), ("Ambon", ""), ("Toraja", ""), ("Mataram", "")],
    "bali": [("Denpasar", ""), ("Singaraja", "")],
}  # fmt: skip
MUSLIM_ORIGINS = Weights([("sulawesi", 45), ("jawa", 35), ("kalimantan", 20)])
CHRISTIAN_ORIGINS = Weights([("batak", 40), ("timur", 40), ("jawa", 10), ("kalimantan", 10)])

# Households: the shape of the first keluarga, how many children a couple has (some have left home
# by now), the children of a young second keluarga.
SHAPES = Weights([("inti", 54), ("muda", 6), ("tunggal", 8), ("lansia", 12), ("tiga", 14), ("lajang", 6)])
CHILDREN_WANTED = Weights([(0, 5), (1, 15), (2, 35), (3, 28), (4, 17)])
CHILDREN_OF_YOUNG_FAMILY = Weights([(0, 30), (1, 45), (2, 25)])
JAMBAN_COUNT = Weights([(1, 80), (2, 17), (3, 3)])

ADULT_EDUCATION = {  # by birth cohort (born up to the year): the older, the less schooling
    1965: Weights([(Pendidikan.BELUM_SEKOLAH, 6), (Pendidikan.TIDAK_TAMAT_SD, 14), (Pendidikan.SD, 34),
                   (Pendidikan.SMP, 16), (Pendidikan.SMA, 21), (Pendidikan.DIPLOMA, 3), (Pendidikan.S1, 6)]),
    1985: Weights([(Pendidikan.BELUM_SEKOLAH, 1), (Pendidikan.TIDAK_TAMAT_SD, 4), (Pendidikan.SD, 18),
                   (Pendidikan.SMP, 19), (Pendidikan.SMA, 39), (Pendidikan.DIPLOMA, 6), (Pendidikan.S1, 12),
                   (Pendidikan.S2, 1)]),
    9999: Weights([(Pendidikan.TIDAK_TAMAT_SD, 1), (Pendidikan.SD, 7), (Pendidikan.SMP, 14), (Pendidikan.SMA, 50),
                   (Pendidikan.DIPLOMA, 8), (Pendidikan.S1, 18), (Pendidikan.S2, 2)]),
}  # fmt: skip
EDUCATION_19_22 = Weights([(Pendidikan.SMA, 70), (Pendidikan.SMP, 12), (Pendidikan.SD, 4), (Pendidikan.DIPLOMA, 8),
                           (Pendidikan.S1, 6)])  # fmt: skip

# Bontang lives from its industry (fertiliser, LNG) and its port: most men work for private companies.
JOBS_MEN = Weights([(Pekerjaan.SWASTA, 44), (Pekerjaan.WIRAUSAHA, 14), (Pekerjaan.PEDAGANG, 9), (Pekerjaan.PNS, 7),
                    (Pekerjaan.TNI_POLRI, 3), (Pekerjaan.PETANI, 3), (Pekerjaan.LAINNYA, 12),
                    (Pekerjaan.TIDAK_BEKERJA, 8)])  # fmt: skip
JOBS_WOMEN = Weights([(Pekerjaan.IRT, 50), (Pekerjaan.SWASTA, 17), (Pekerjaan.PEDAGANG, 10), (Pekerjaan.WIRAUSAHA, 8),
                      (Pekerjaan.PNS, 7), (Pekerjaan.LAINNYA, 4), (Pekerjaan.TIDAK_BEKERJA, 4)])  # fmt: skip
JOBS_19_22 = Weights([(Pekerjaan.PELAJAR, 40), (Pekerjaan.SWASTA, 35), (Pekerjaan.TIDAK_BEKERJA, 15),
                      (Pekerjaan.WIRAUSAHA, 5), (Pekerjaan.PEDAGANG, 5)])  # fmt: skip
JOBS_OLD_MEN = Weights([(Pekerjaan.TIDAK_BEKERJA, 45), (Pekerjaan.LAINNYA, 20), (Pekerjaan.PEDAGANG, 10),
                        (Pekerjaan.WIRAUSAHA, 10), (Pekerjaan.PETANI, 15)])  # fmt: skip
JOBS_OLD_WOMEN = Weights([(Pekerjaan.IRT, 60), (Pekerjaan.TIDAK_BEKERJA, 30), (Pekerjaan.PEDAGANG, 10)])
BERKEBUTUHAN_KHUSUS = Weights([(BerkebutuhanKhusus.FISIK, 60), (BerkebutuhanKhusus.MENTAL, 25),
                               (BerkebutuhanKhusus.LAINNYA, 15)])  # fmt: skip
KB_WEIGHTS = Weights([(JenisKB.SUNTIK, 45), (JenisKB.PIL, 20), (JenisKB.IMPLAN, 11), (JenisKB.IUD, 9),
                      (JenisKB.KONDOM, 5), (JenisKB.MOW, 4), (JenisKB.LAINNYA, 1)])  # fmt: skip

JABATAN_WOMEN = ["Kader Posyandu", "Kader PKK", "Kader Dasawisma", "Pengurus Majelis Taklim", "Bendahara RT"]
JABATAN_MEN = ["Ketua RT", "Pengurus Masjid", "Sekretaris RT", "Linmas", "Pengurus Karang Taruna"]
KOPERASI = ["Koperasi simpan pinjam", "Koperasi karyawan", "Koperasi wanita", "Koperasi serba usaha"]
NON_BERAS = ["Sagu", "Jagung", "Singkong", "Ubi"]
AIR_LAINNYA = ["Air isi ulang", "Air hujan"]
UP2K = ["Warung sembako", "Kue basah", "Amplang", "Jahit pakaian", "Laundry", "Warung makan", "Pulsa dan token"]
PEKARANGAN = {
    KategoriPekarangan.PETERNAKAN: [("Ayam kampung", "{n} ekor", 4, 20), ("Bebek", "{n} ekor", 3, 12)],
    KategoriPekarangan.PERIKANAN: [("Lele", "{n} kolam", 1, 2), ("Nila", "{n} kolam", 1, 2)],
    KategoriPekarangan.WARUNG_HIDUP: [("Cabai", "{n} polybag", 5, 30), ("Tomat", "{n} polybag", 5, 20),
                                      ("Kangkung", "{n} bedeng", 1, 4)],
    KategoriPekarangan.LUMBUNG_HIDUP: [("Singkong", "{n} pohon", 5, 20), ("Ubi jalar", "{n} bedeng", 1, 3)],
    KategoriPekarangan.TOGA: [("Jahe", "{n} polybag", 3, 10), ("Kunyit", "{n} polybag", 3, 10),
                              ("Sereh", "{n} rumpun", 2, 8), ("Lidah buaya", "{n} pot", 2, 6)],
    KategoriPekarangan.TANAMAN_KERAS: [("Mangga", "{n} pohon", 1, 3), ("Rambutan", "{n} pohon", 1, 2),
                                       ("Kelapa", "{n} pohon", 1, 4)],
    KategoriPekarangan.TANAMAN_LAINNYA: [("Anggrek", "{n} pot", 3, 15), ("Pisang", "{n} rumpun", 1, 5)],
}  # fmt: skip
INDUSTRI = {
    KategoriIndustri.PANGAN: [("Amplang", "{n} bungkus/minggu", 20, 100), ("Kerupuk ikan", "{n} kg/minggu", 5, 30),
                              ("Kue basah", "{n} buah/hari", 30, 150), ("Sambal ikan", "{n} botol/minggu", 10, 40)],
    KategoriIndustri.SANDANG: [("Jahitan pakaian", "{n} potong/bulan", 10, 60), ("Sulaman", "{n} buah/bulan", 5, 20)],
    KategoriIndustri.JASA: [("Laundry", "{n} kg/minggu", 20, 100), ("Salon", "{n} pelanggan/minggu", 5, 30)],
}  # fmt: skip
KEAGAMAAN = {
    Agama.ISLAM: ["Pengajian", "Majelis taklim", "Yasinan"],
    Agama.KRISTEN: ["Persekutuan doa", "Ibadah rumah tangga"],
    Agama.KATOLIK: ["Doa lingkungan", "Doa rosario"],
    Agama.HINDU: ["Persembahyangan di pura"],
    Agama.BUDDHA: ["Puja bakti di vihara"],
    Agama.KONGHUCU: ["Ibadah di klenteng"],
    Agama.KEPERCAYAAN: ["Sarasehan"],
}
KEGIATAN_LAIN = ["Senam sehat", "Karang Taruna", "Kelompok tani", "Bank sampah"]


def years_before(day, years):
    """The date `years` (a float) before `day`."""
    return day - datetime.timedelta(days=round(years * 365.2425))


def years_after(day, years):
    return day + datetime.timedelta(days=round(years * 365.2425))


# -- one dasawisma ---------------------------------------------------------------------------------


@dataclass
class Person:
    sex: str
    born: datetime.date
    status: str  # status dalam keluarga
    marital: str
    mother: "Person | None" = None
    nama: str = ""


@dataclass
class FamilyPlan:
    members: list  # Person, kepala first
    religion: str
    origin: str
    marga: str = ""  # Batak families only


@dataclass
class HouseRows:
    """The rows of one rumah tangga as dicts of column values; a reference to a parent row is the parent's
    dict under the field name (filled with its id at insert time)."""

    rumah_tangga: dict
    keluarga: list = field(default_factory=list)
    warga: list = field(default_factory=list)  # the kepala of the first keluarga first
    kegiatan: list = field(default_factory=list)
    kehamilan: list = field(default_factory=list)
    kelahiran: list = field(default_factory=list)
    kematian: list = field(default_factory=list)
    pekarangan: list = field(default_factory=list)
    industri: list = field(default_factory=list)


class DasawismaGenerator:
    """Draws the households of one dasawisma from its own seeded random streams."""

    def __init__(self, *, seed_key, area, today, fake, kecamatan_areas=BONTANG_AREAS, home_town="Bontang"):
        self.rng = random.Random(seed_key)
        self.fake = fake
        self.fake.seed_instance(self.rng.getrandbits(64))
        self.area = area  # the kecamatan code without dots, e.g. "647402"
        # the other kecamatan of the kabupaten/kota, and where those born here were born (--provinsi)
        self.other_areas = [a for a in kecamatan_areas if a != area]
        self.home_town = home_town
        self.today = today
        # The twelve months of monthly events: from the first day of the month eleven months ago to today.
        self.events_from = periods.add_months(today.replace(day=1), -(EVENT_MONTHS - 1))

    # -- people ----------------------------------------------------------------------------------

    def born_at_age(self, age):
        return years_before(self.today, age + self.rng.random())

    def children(self, parent, count, *, leave=(19, 27)):
        """Children born to a parent who are still living at home today (older ones have left)."""
        rng, kids = self.rng, []
        mother = parent if parent.sex == P else None
        at = rng.triangular(19, 32, 23)
        for _ in range(count):
            born = years_after(parent.born, at)
            if born > self.today:
                break
            if rules.age_years(born, self.today) < rng.randint(*leave):
                kids.append(Person(rng.choice((L, P)), born, ANAK, LAJANG, mother=mother))
            at += rng.triangular(1.5, 6, 2.5)
        return kids

    def couple(self, wife_age, *, older_by=(-1, 8)):
        rng = self.rng
        wife = Person(P, self.born_at_age(wife_age), ISTRI, MENIKAH)
        husband_age = max(18, wife_age + rng.triangular(older_by[0], older_by[1], 3))
        husband = Person(L, self.born_at_age(husband_age), KEPALA, MENIKAH)
        return husband, wife

    def first_family(self):
        rng = self.rng
        shape = SHAPES.draw(rng)
        n_children = CHILDREN_WANTED.draw(rng)
        if shape in ("inti", "tiga"):
            husband, wife = self.couple(rng.triangular(21, 62, 34))
            members = [husband, wife, *self.children(wife, n_children)]
            if shape == "tiga":
                old = rules.age_years(husband.born, self.today) + rng.randint(22, 32)
                sex = P if rng.random() < 0.75 else L
                members.append(Person(sex, self.born_at_age(min(old, 92)), LAIN, JANDA if sex == P else DUDA))
            return members
        if shape == "muda":
            return list(self.couple(rng.triangular(19, 31, 24), older_by=(0, 6)))
        if shape == "tunggal":
            sex = P if rng.random() < 0.8 else L
            parent = Person(sex, self.born_at_age(rng.triangular(28, 58, 42)), KEPALA, JANDA if sex == P else DUDA)
            return [parent, *self.children(parent, max(1, n_children))]
        if shape == "lansia":
            if rng.random() < 0.6:
                husband, wife = self.couple(rng.triangular(58, 84, 66), older_by=(0, 7))
                return [husband, wife]
            sex = P if rng.random() < 0.75 else L
            return [Person(sex, self.born_at_age(rng.triangular(60, 88, 68)), KEPALA, JANDA if sex == P else DUDA)]
        # lajang: a young worker on their own, or someone widowed or divorced in middle age
        if rng.random() < 0.6:
            sex = L if rng.random() < 0.6 else P
            return [Person(sex, self.born_at_age(rng.triangular(20, 36, 24)), KEPALA, LAJANG)]
        sex = P if rng.random() < 0.7 else L
        return [Person(sex, self.born_at_age(rng.triangular(40, 70, 55)), KEPALA, JANDA if sex == P else DUDA)]

    def second_family(self, first):
        """A married child's family (the son heads the second KK) or a sibling's family, or None."""
        rng = self.rng
        head = first[0]
        head_age = rules.age_years(head.born, self.today)
        if head_age >= 48 and rng.random() < 0.2:
            son_age = head_age - rng.randint(22, 30)
            if son_age < 22:
                return None
            husband = Person(L, self.born_at_age(son_age), KEPALA, MENIKAH)
            wife = Person(P, self.born_at_age(max(19, son_age - rng.triangular(-1, 6, 2))), ISTRI, MENIKAH)
        elif 25 <= head_age < 50 and rng.random() < 0.04:
            husband, wife = self.couple(max(20, head_age + rng.randint(-8, 6)))
        else:
            return None
        return [husband, wife, *self.children(wife, CHILDREN_OF_YOUNG_FAMILY.draw(rng), leave=(40, 40))]

    # -- attributes ------------------------------------------------------------------------------

    def name(self, sex, marga=""):
        fake, rng = self.fake, self.rng
        first = fake.first_name_male() if sex == L else fake.first_name_female()
        if marga:
            return f"{first} {marga}"
        if rng.random() < 0.35:  # many Indonesians have a single name
            return first
        while True:
            second = fake.last_name_male() if sex == L else fake.last_name_female()
            if second not in RESERVED_SURNAMES and second not in BATAK_MARGA:
                return f"{first} {second}"

    def birthplace(self, person, origin):
        rng = self.rng
        year = person.born.year
        in_bontang = 0.85 if year >= 2000 else 0.45 if year >= 1985 else 0.12
        if rng.random() < in_bontang:
            return self.home_town, ""
        return rng.choice(ORIGINS[origin])

    def nik(self, person, origin_area):
        rng = self.rng
        age = rules.age_years(person.born, self.today)
        if origin_area and age >= 17 and rng.random() < 0.35:
            area = origin_area  # came with the NIK issued where they lived before
        elif rng.random() < 0.08 and self.other_areas:
            area = rng.choice(self.other_areas)  # registered first in another kecamatan of the kota
        else:
            area = self.area
        day = person.born.day + (40 if person.sex == P else 0)
        return f"{area}{day:02d}{person.born.month:02d}{person.born.year % 100:02d}{rng.randint(1, 2999):04d}"

    def no_kk(self, members):
        """Issued in the kecamatan, on a day after the youngest member was born (a KK is reissued when
        a child is added)."""
        rng = self.rng
        youngest = max(m.born for m in members)
        start = max(youngest, years_after(members[0].born, 17), datetime.date(2005, 1, 1))
        issued = start + datetime.timedelta(days=rng.randint(7, max(7, (self.today - start).days)))
        issued = min(issued, self.today)
        return f"{self.area}{issued:%d%m%y}{rng.randint(1, 2999):04d}"

    def education(self, age, born):
        rng = self.rng
        if age < 7:
            return Pendidikan.BELUM_SEKOLAH
        if age <= 12:
            return Pendidikan.SD
        if age <= 15:
            return Pendidikan.SMP
        if age <= 18:
            return Pendidikan.SMA
        if age <= 22:
            return EDUCATION_19_22.draw(rng)
        cohort = next(year for year in sorted(ADULT_EDUCATION) if born.year <= year)
        return ADULT_EDUCATION[cohort].draw(rng)

    def job(self, age, sex, pendidikan):
        rng = self.rng
        if age < 7:
            return Pekerjaan.TIDAK_BEKERJA
        if age <= 18:
            return Pekerjaan.PELAJAR if rng.random() < 0.95 else Pekerjaan.TIDAK_BEKERJA
        if age <= 22:
            return JOBS_19_22.draw(rng)
        if age >= 60:
            return (JOBS_OLD_MEN if sex == L else JOBS_OLD_WOMEN).draw(rng)
        job = (JOBS_MEN if sex == L else JOBS_WOMEN).draw(rng)
        if job == Pekerjaan.PNS and pendidikan in (Pendidikan.BELUM_SEKOLAH, Pendidikan.TIDAK_TAMAT_SD, Pendidikan.SD):
            return Pekerjaan.SWASTA
        return job

    def warga(self, person, plan, *, mothers_of_babies, mothers_of_balita, hamil):
        rng, today = self.rng, self.today
        age = rules.age_years(person.born, today)
        adult = age >= 17
        tempat, origin_area = self.birthplace(person, plan.origin)
        pendidikan = self.education(age, person.born)
        pekerjaan = self.job(age, person.sex, pendidikan)
        w = {
            "nik": self.nik(person, origin_area),
            "nama": person.nama,
            "jenis_kelamin": person.sex,
            "tempat_lahir": tempat,
            "tanggal_lahir": person.born,
            "status_perkawinan": person.marital,
            "status_dalam_keluarga": person.status,
            "agama": plan.religion,
            "pendidikan": pendidikan,
            "pekerjaan": pekerjaan,
        }
        low_school = pendidikan in (Pendidikan.BELUM_SEKOLAH, Pendidikan.TIDAK_TAMAT_SD)
        if age >= 15 and (
            (low_school and rng.random() < (0.65 if person.sex == P else 0.35))
            or (person.sex == P and age >= 60 and rng.random() < 0.04)
        ):
            w["buta_baca"] = w["buta_tulis"] = True
            w["buta_hitung"] = rng.random() < 0.4
            if rng.random() < 0.15:
                w["ikut_kelompok_belajar"], w["jenis_kelompok_belajar"] = True, KelompokBelajar.KF
        elif (
            16 <= age <= 25
            and pekerjaan != Pekerjaan.PELAJAR
            and pendidikan in (Pendidikan.SD, Pendidikan.SMP)
            and rng.random() < 0.1
        ):
            w["ikut_kelompok_belajar"] = True
            w["jenis_kelompok_belajar"] = (
                KelompokBelajar.PAKET_B if pendidikan == Pendidikan.SD else KelompokBelajar.PAKET_C
            )
        if rng.random() < (0.04 if age >= 60 else 0.012):
            w["berkebutuhan_khusus"] = BERKEBUTUHAN_KHUSUS.draw(rng)
        mother_of_balita = id(person) in mothers_of_balita
        if person.sex == P and person.marital == MENIKAH and 15 <= age <= 49 and not hamil and rng.random() < 0.6:
            w["akseptor_kb"], w["jenis_kb"] = True, KB_WEIGHTS.draw(rng)
        if id(person) in mothers_of_babies and rng.random() < 0.85:
            w["ibu_menyusui"] = True
        if rng.random() < (0.8 if age < 5 or mother_of_balita else 0.3 if age >= 60 else 0):  # 60+: posyandu lansia
            w["aktif_posyandu"], w["frekuensi_posyandu"] = True, 1
        w["ikut_bkb"] = mother_of_balita and rng.random() < 0.45
        w["ikut_paud"] = 3 <= age <= 6 and rng.random() < 0.55
        w["punya_tabungan"] = rng.random() < (0.55 if adult else 0.2 if age >= 7 else 0)
        if age >= 23 and rng.random() < 0.08:
            w["ikut_koperasi"], w["jenis_koperasi"] = True, rng.choice(KOPERASI)
        if person.sex == P and 25 <= age <= 60 and rng.random() < 0.04:
            w["jabatan"] = rng.choice(JABATAN_WOMEN)
        elif person.sex == L and 35 <= age <= 65 and rng.random() < 0.02:
            w["jabatan"] = rng.choice(JABATAN_MEN)
        return w

    def kegiatan(self, w, age):
        """The Kegiatan Warga rows an adult takes part in (the others read as T on the form)."""
        if age < 17:
            return []
        rng, rows = self.rng, []
        woman = w["jenis_kelamin"] == P

        def add(kegiatan, chance, keterangan):
            if rng.random() < chance:
                rows.append({"warga": w, "kegiatan": kegiatan, "aktif": True, "keterangan": keterangan})

        add(Kegiatan.PANCASILA, 0.12, rng.choice(["Upacara hari besar nasional", "Penyuluhan P4"]))
        add(Kegiatan.KERJA_BAKTI, 0.3 if woman else 0.55, "Kerja bakti lingkungan RT")
        add(Kegiatan.RUKUN_KEMATIAN, 0.35, "Rukun kematian RT")
        add(Kegiatan.KEAGAMAAN, 0.65 if woman else 0.5, rng.choice(KEAGAMAAN[w["agama"]]))
        add(Kegiatan.JIMPITAN, 0.2, "Jimpitan RT")
        add(Kegiatan.ARISAN, 0.5 if woman else 0.1, rng.choice(["Arisan PKK RT", "Arisan dasawisma", "Arisan RT"]))
        add(Kegiatan.LAIN_LAIN, 0.05, rng.choice(KEGIATAN_LAIN))
        return rows

    # -- the rumah tangga ------------------------------------------------------------------------

    def family_plan(self, members, religion=None, origin=None, marga=None):
        rng = self.rng
        religion = religion or AGAMA_WEIGHTS.draw(rng)
        if origin is None:
            if religion in (Agama.KRISTEN, Agama.KATOLIK):
                origin = CHRISTIAN_ORIGINS.draw(rng)
            elif religion == Agama.HINDU:
                origin = "bali"
            else:
                origin = MUSLIM_ORIGINS.draw(rng)
        plan = FamilyPlan(members, religion, origin)
        if origin == "batak":
            plan.marga = marga or rng.choice(BATAK_MARGA)
        for m in members:
            # a Batak wife and a widowed grandmother keep their own father's marga
            own = plan.marga if plan.marga and (m.status in (KEPALA, ANAK) or m.sex == L) else ""
            m.nama = self.name(m.sex, own or (rng.choice(BATAK_MARGA) if plan.marga else ""))
        return plan

    def house(self, dasawisma_id, number, street):
        rng, today = self.rng, self.today
        first = self.first_family()
        self.newborn(first)
        families = [self.family_plan(first)]
        second = self.second_family(first)
        if second:
            self.newborn(second)
        if second:  # a son or brother of the house: the same religion (and marga)
            families.append(self.family_plan(second, families[0].religion, families[0].origin, families[0].marga))

        rumah_tangga = {"dasawisma_id": dasawisma_id}
        rows = HouseRows(rumah_tangga)
        pregnant_in_house = False
        for plan in families:
            babies = {id(m.mother) for m in plan.members if m.mother and (today - m.born).days < 730}
            balita_mothers = {id(m.mother) for m in plan.members if m.mother and rules.age_years(m.born, today) < 5}
            under_one = {id(m.mother) for m in plan.members if m.mother and (today - m.born).days < 365}
            keluarga = {"rumah_tangga": rumah_tangga, "no_kk": self.no_kk(plan.members)}
            members, by_person = [], {}
            for person in plan.members:
                age = rules.age_years(person.born, today)
                hamil = (
                    person.sex == P
                    and person.marital == MENIKAH
                    and 18 <= age <= 42
                    and id(person) not in under_one
                    and rng.random() < PREGNANT_CHANCE
                )
                w = self.warga(person, plan, mothers_of_babies=babies, mothers_of_balita=balita_mothers, hamil=hamil)
                w["keluarga"] = keluarga
                members.append(w)
                by_person[id(person)] = w
                rows.kegiatan += self.kegiatan(w, age)
                if hamil:
                    pregnant_in_house = True
                    rows.kehamilan.append(self.pregnancy(w))
            self.vital_events(plan, by_person, rows)
            rows.keluarga.append(keluarga)
            rows.warga += members
        rumah_tangga["krt"] = rows.warga[0]
        self.household_left(rows)
        for event in (*rows.kehamilan, *rows.kelahiran, *rows.kematian):
            event["dasawisma_id"] = dasawisma_id  # counted where it happened (households.models)
        self.house_attributes(rumah_tangga, number, street, pregnant_in_house)
        self.sheets(rows)
        return rows

    # -- the monthly events (4.18a) ---------------------------------------------------------------

    def pregnancy(self, w):
        """A pregnancy running today; or one the cadre never closed (past its HPL); or one that ended
        when the woman moved away."""
        rng, today = self.rng, self.today
        chance = rng.random()
        if chance < PREGNANCY_NOT_CLOSED_CHANCE:
            start = today - datetime.timedelta(days=rng.randint(300, 330))
        else:
            start = today - datetime.timedelta(days=rng.randint(0, 270))
        kehamilan = {"ibu": w, "tanggal_mulai": start, "perkiraan_lahir": start + datetime.timedelta(days=280)}
        moved_away = PREGNANCY_NOT_CLOSED_CHANCE <= chance < PREGNANCY_NOT_CLOSED_CHANCE + PREGNANT_MOVED_CHANCE
        if moved_away and (today - start).days >= 2:
            moved = start + datetime.timedelta(days=rng.randint(1, (today - start).days - 1))
            w["status"], w["tanggal_status"] = StatusWarga.PINDAH, moved
            w["keterangan"] = "Pindah ke luar kota"
            kehamilan["tanggal_selesai"], kehamilan["hasil"] = moved, HasilKehamilan.PINDAH
        return kehamilan

    def household_left(self, rows):
        """Sometimes the whole household left during the months, after its last event: gone from the
        counts from that day, its running pregnancies ended "pindah" (households.services)."""
        rng, today = self.rng, self.today
        if rng.random() >= HOUSEHOLD_LEFT_CHANCE:
            return
        days = [self.events_from]
        days += [k["tanggal_mulai"] for k in rows.kehamilan] + [
            k["tanggal_selesai"] for k in rows.kehamilan if k.get("tanggal_selesai")
        ]
        days += [b["tanggal"] for b in rows.kelahiran] + [d["tanggal"] for d in rows.kematian]
        days += [w["tanggal_status"] for w in rows.warga if w.get("tanggal_status")]
        after = max(days) + datetime.timedelta(days=1)
        if after >= today:
            return
        left = after + datetime.timedelta(days=rng.randint(0, (today - after).days - 1))
        rows.rumah_tangga["tanggal_keluar"] = left
        for k in rows.kehamilan:
            if not k.get("tanggal_selesai"):
                k["tanggal_selesai"], k["hasil"] = left, HasilKehamilan.PINDAH

    def newborn(self, members):
        """Sometimes a baby born during the event months to a young married mother without a baby yet
        (the family shapes alone give about 13 births per 1,000 people a year; Indonesia has about 16)."""
        rng, today = self.rng, self.today
        if rng.random() >= EXTRA_BIRTH_CHANCE:
            return
        mother = next((m for m in members if m.sex == P and m.marital == MENIKAH), None)
        if mother is None or not 20 <= rules.age_years(mother.born, today) <= 40:
            return
        if any(m.mother is mother and (today - m.born).days < 450 for m in members):
            return
        born = self.events_from + datetime.timedelta(days=rng.randint(0, (today - self.events_from).days))
        members.append(Person(rng.choice((L, P)), born, ANAK, LAJANG, mother=mother))

    def vital_events(self, plan, by_person, rows):
        """The pregnancy and birth behind every baby born in the event months (or whose mother's nifas
        reaches into them), and the deaths of those months: infants (about 20 per 1,000 births, most in the
        first weeks), a few children of 1-4 years, and rarely a mother within 42 days of delivery."""
        rng, today = self.rng, self.today
        births_from = self.events_from - datetime.timedelta(days=rules.NIFAS_DAYS)
        for person in plan.members:
            w = by_person[id(person)]
            if person.mother is not None and person.born >= births_from:
                ibu = by_person[id(person.mother)]
                unrecorded = rng.random() < UNRECORDED_PREGNANCY_CHANCE
                if unrecorded:  # the birth brings its own pregnancy, begun and ended that day
                    kehamilan = {"ibu": ibu, "tanggal_mulai": person.born}
                else:
                    start = person.born - datetime.timedelta(days=rng.randint(259, 287))
                    kehamilan = {
                        "ibu": ibu,
                        "tanggal_mulai": start,
                        "perkiraan_lahir": start + datetime.timedelta(days=280),
                    }
                kehamilan.update(tanggal_selesai=person.born, hasil=HasilKehamilan.MELAHIRKAN)
                rows.kehamilan.append(kehamilan)
                registered = rng.random() < (0.85 if (today - person.born).days > 60 else 0.45)
                rows.kelahiran.append(
                    {"ibu": ibu, "bayi": w, "kehamilan": kehamilan, "tanggal": person.born,
                     "akte_kelahiran": registered, "tanpa_kehamilan_dikonfirmasi": unrecorded}
                )  # fmt: skip
                if rng.random() < INFANT_DEATH_CHANCE:
                    lived = int(min((today - person.born).days, 364) * rng.random() ** 3)
                    self.death(w, person.born + datetime.timedelta(days=lived), INFANT_CAUSES, rows)
                    nursing = [
                        m
                        for m in plan.members
                        if m.mother is person.mother and m is not person and (today - m.born).days < 730
                    ]
                    if not nursing:  # her only baby died: she no longer breastfeeds
                        ibu["ibu_menyusui"] = False
                elif rng.random() < MATERNAL_DEATH_CHANCE and ibu.get("status") != StatusWarga.MENINGGAL:
                    day = person.born + datetime.timedelta(days=rng.randint(0, rules.NIFAS_DAYS - 1))
                    if day <= today:
                        self.death(ibu, day, MATERNAL_CAUSES, rows)
            elif rules.age_years(person.born, today) < 6 and rng.random() < CHILD_DEATH_CHANCE:
                first = max(self.events_from, periods.add_years(person.born, 1))
                last = min(today, periods.add_years(person.born, 5) - datetime.timedelta(days=1))
                if first <= last:
                    day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
                    self.death(w, day, CHILD_CAUSES, rows)

    def death(self, w, day, causes, rows):
        w["status"], w["tanggal_status"] = StatusWarga.MENINGGAL, day
        w["ibu_menyusui"] = False
        rows.kematian.append({"warga": w, "tanggal": day, "sebab": self.rng.choice(causes)})

    def house_attributes(self, rt, number, street, pregnant_in_house):
        rng = self.rng
        rt["no_registrasi"] = f"{number:02d}"
        rt["alamat"] = f"{street} No. {rng.randint(1, 9) + number * 2}"
        sehat = rng.random() >= 0.05
        rt["kriteria_rumah"] = KriteriaRumah.SEHAT if sehat else KriteriaRumah.TIDAK_SEHAT
        if rng.random() < 0.03:
            rt["makanan_pokok"], rt["makanan_pokok_jenis"] = MakananPokok.NON_BERAS, rng.choice(NON_BERAS)
        jamban = rng.random() >= (0.01 if sehat else 0.4)
        rt["punya_jamban"] = jamban
        rt["jumlah_jamban"] = JAMBAN_COUNT.draw(rng) if jamban else 0
        pdam = rt["air_pdam"] = rng.random() < (0.74 if sehat else 0.35)
        sumur = rt["air_sumur"] = rng.random() < 0.33
        sungai = rt["air_sungai"] = rng.random() < (0.012 if sehat else 0.4)
        lainnya = rt["air_lainnya"] = rng.random() < 0.06
        if lainnya:
            rt["air_lainnya_jenis"] = rng.choice(AIR_LAINNYA)
        if not (pdam or sumur or sungai or lainnya):
            rt["air_sumur"] = True
        rt["punya_tempat_sampah"] = rng.random() < (0.93 if sehat else 0.5)
        rt["punya_spal"] = rng.random() < (0.88 if sehat else 0.35)
        rt["punya_mck_septic"] = jamban and rng.random() < (0.93 if sehat else 0.4)
        rt["stiker_p4k"] = rng.random() < (0.75 if pregnant_in_house else 0.03)
        if rng.random() < 0.09:
            rt["aktivitas_up2k"], rt["jenis_usaha_up2k"] = True, rng.choice(UP2K)
        rt["kesehatan_lingkungan"] = rng.random() < 0.14

    def sheets(self, rows):
        rng = self.rng

        def draw(catalogue):
            kategori = rng.choice(sorted(catalogue))
            komoditi, unit, low, high = rng.choice(catalogue[kategori])
            return {"rumah_tangga": rows.rumah_tangga, "kategori": kategori, "komoditi": komoditi,
                    "jumlah": unit.format(n=rng.randint(low, high))}  # fmt: skip

        if rng.random() < 0.18:
            rows.pekarangan += [draw(PEKARANGAN) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.05:
            rows.industri.append(draw(INDUSTRI))

    def households(self, dasawisma_id):
        rng = self.rng
        streets = [self.fake.street_name() for _ in range(rng.randint(1, 2))]
        count = rng.randint(*HOUSEHOLDS_PER_DASAWISMA)
        return [self.house(dasawisma_id, n, streets[(n - 1) * len(streets) // count]) for n in range(1, count + 1)]


# -- --scale: more groups --------------------------------------------------------------------------


def _key_paths(desa, units):
    """Plan keys (paths of codes from the kelurahan down) of the local units of one kelurahan."""
    by_pk = {u.pk: u for u in units}
    keys = {desa.pk: (desa.code,)}

    def key(pk):
        if pk not in keys:
            keys[pk] = (*key(by_pk[pk].parent_id), by_pk[pk].code)
        return keys[pk]

    return {u.pk: key(u.pk) for u in units}


def extra_dasawisma_shares(target, current):
    """{kelurahan id: number of dasawisma to add} so that the dasawisma hold about `target` rumah tangga
    (about 15 each), shared in proportion to current ({kelurahan id: dasawisma there now}; a kelurahan
    without any counts as one) by largest remainder, ties to the lower id; {} when none are missing."""
    missing = math.ceil(target / MEAN_HOUSEHOLDS_PER_DASAWISMA) - sum(current.values())
    if missing <= 0:
        return {}
    total = sum(current.values()) or len(current)
    raw = {pk: missing * (n or 1) / total for pk, n in current.items()}
    shares = {pk: math.floor(x) for pk, x in raw.items()}
    for pk in sorted(raw, key=lambda pk: (shares[pk] - raw[pk], pk))[: missing - sum(shares.values())]:
        shares[pk] += 1
    return shares


def plan_extra_groups(*, seed, target, desa_units, units_by_desa):
    """GroupPlans (demo.tree) of the RT and dasawisma to add so that the dasawisma of these
    kelurahan hold about `target` rumah tangga, shared in proportion to each kelurahan's current
    number of dasawisma. New RT continue the numbering under the parents that hold RT now (the RW where
    the kelurahan has them, the kelurahan itself otherwise); new dasawisma continue the flower names."""
    current = {d.pk: sum(1 for u in units_by_desa[d.pk] if u.level == Level.DASAWISMA) for d in desa_units}
    shares = extra_dasawisma_shares(target, current)
    if not shares:
        return []

    plans = []
    for desa in sorted(desa_units, key=lambda d: d.code):
        if not shares[desa.pk]:
            continue
        rng = random.Random(f"{seed}:skala:{desa.code}")
        units = units_by_desa[desa.pk]
        keys = _key_paths(desa, units)
        by_pk = {u.pk: u for u in units}
        rts = [u for u in units if u.level == Level.RT]
        parent_ids = sorted({rt.parent_id for rt in rts}, key=lambda pk: keys.get(pk, ())) or [desa.pk]
        # the existing ancestors of the new RT, so that create_groups finds them by (parent, code)
        seen = set()
        for pk in parent_ids:
            chain = []
            while pk != desa.pk and pk not in seen:
                seen.add(pk)
                chain.append(by_pk[pk])
                pk = by_pk[pk].parent_id
            for u in reversed(chain):
                plans.append(tree.GroupPlan(u.level, u.code, u.name, keys[u.pk][:-1], keys[u.pk]))
        next_rt = dict.fromkeys(parent_ids, 1)
        for rt in rts:
            if rt.code.isdigit():
                next_rt[rt.parent_id] = max(next_rt[rt.parent_id], int(rt.code) + 1)
        flower_counts = defaultdict(int)
        for u in units:
            if u.level == Level.DASAWISMA:
                flower, _, number = u.name.rpartition(" ")
                if number.isdigit():
                    flower_counts[flower] = max(flower_counts[flower], int(number))
        left, turn = shares[desa.pk], 0
        while left > 0:
            parent_pk = parent_ids[turn % len(parent_ids)]
            turn += 1
            parent_key = keys.get(parent_pk, (desa.code,))
            code = f"{next_rt[parent_pk]:03d}"
            next_rt[parent_pk] += 1
            rt_key = (*parent_key, code)
            plans.append(tree.GroupPlan(Level.RT, code, code, parent_key, rt_key))
            for n in range(1, min(left, rng.randint(*DASAWISMA_PER_NEW_RT)) + 1):
                flower = rng.choice(tree.DASAWISMA_NAMES)
                flower_counts[flower] += 1
                plans.append(
                    tree.GroupPlan(
                        Level.DASAWISMA,
                        f"DW{n:02d}",
                        f"{flower} {flower_counts[flower]}",
                        rt_key,
                        (*rt_key, f"DW{n:02d}"),
                    )
                )
                left -= 1
    return plans


def add_groups_for_scale(*, seed, target, desa_units, active_from, actor):
    """Create the extra RT and dasawisma for `target` rumah tangga: (GroupCounts, the new dasawisma)."""
    units_by_desa = defaultdict(list)
    for u in Unit.objects.filter(desa_id__in=[d.pk for d in desa_units], level__in=LOCAL_LEVELS):
        units_by_desa[u.desa_id].append(u)
    plans = plan_extra_groups(seed=seed, target=target, desa_units=desa_units, units_by_desa=units_by_desa)
    if not plans:
        return tree.GroupCounts(), []
    units, counts = tree.create_groups(plans, desa_units, active_from=active_from, actor=actor)
    return counts, [units[p.key] for p in plans if p.level == Level.DASAWISMA]


# -- all of it -------------------------------------------------------------------------------------


@dataclass
class HouseholdResult:
    rumah_tangga: int = 0
    keluarga: int = 0
    warga: int = 0
    dasawisma_filled: int = 0
    dasawisma_skipped: int = 0
    groups: tree.GroupCounts = field(default_factory=tree.GroupCounts)


def _make_unique(rows, column, model):
    """Make a NIK/No. KK column unique among the rows and against the database by moving the 4-digit
    serial on (earlier kelurahan of this run are already in the database)."""
    values = [row[column] for row in rows]
    # one query per kelurahan where the database allows it (PostgreSQL), else SQLite's 999 parameters
    size = connection.features.max_query_params or len(values) or 1
    in_db = set()
    for i in range(0, len(values), size):
        in_db.update(model.objects.filter(**{f"{column}__in": values[i : i + size]}).values_list(column, flat=True))
    taken = set()
    for row in rows:
        number = row[column]
        while number in taken or number in in_db:
            number = f"{number[:-4]}{int(number[-4:]) % 9999 + 1:04d}"
            if model.objects.filter(**{column: number}).exists():
                in_db.add(number)
        taken.add(number)
        row[column] = number


class RowWriter:
    """Bulk inserts of plain dicts, each row with its "+" history row (django-simple-history's columns:
    the demo administrator, the change reason, the time of the run).

    Django's bulk_create prepares every value through its field and made the default demo take half a
    minute; here only date columns are converted, SQLite gets executemany and PostgreSQL COPY. Ids are
    reserved first so that child rows point to their parents without reading anything back: on
    PostgreSQL from the table's sequence (no lock, so that several writers may run at once), on SQLite
    above both the highest id and the AUTOINCREMENT counter (ids of deleted rows are never reused, their
    history stays theirs)."""

    def __init__(self, *, admin, now):
        self.user_id = admin.pk if admin else None
        self.now = now
        self.specs = {}

    def spec(self, model):
        if model not in self.specs:
            ops = connection.ops
            fields = model._meta.concrete_fields
            now = ops.adapt_datetimefield_value(self.now)
            defaults, dates, converted = {}, [], []
            for f in fields:
                value = f.get_default()
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    value = now  # the rows of the households never set them; a row's own value wins
                elif f.get_internal_type() == "DateField":
                    dates.append(f.attname)
                if f.get_internal_type() == "DateTimeField":
                    converted.append((f.attname, ops.adapt_datetimefield_value))
                elif f.get_internal_type() == "JSONField":
                    converted.append((f.attname, json.dumps))
                defaults[f.attname] = value.value if isinstance(value, Enum) else value
            relations = [(f.name, f.attname) for f in fields if f.is_relation]
            try:
                history = get_history_manager_for_model(model).model
            except NotHistoricalModelError:  # the monthly reports (--provinsi): no history table
                history_table, history_columns = None, []
            else:
                history_table = history._meta.db_table
                history_columns = [f.attname for f in history._meta.concrete_fields if not f.primary_key]
            extra = {
                "history_date": now,
                "history_change_reason": CHANGE_REASON,
                "history_type": "+",
                "history_user_id": self.user_id,
            }
            allowed = set(defaults) | {name for name, _attname in relations}
            self.specs[model] = (
                defaults, relations, dates, converted, allowed, history_table, history_columns, extra,
            )  # fmt: skip
        return self.specs[model]

    def reserve_ids(self, model, rows):
        if not rows:
            return
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Taken from the table's sequence one by one in one statement: no lock, so that the province
                # seed's processes write at once (the ids of a batch need not follow each other).
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, len(rows)],
                )
                ids = [pk_value for (pk_value,) in cursor.fetchall()]
            elif connection.vendor == "sqlite":
                quote = connection.ops.quote_name
                cursor.execute(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                    f"COALESCE((SELECT MAX({quote(pk)}) FROM {quote(table)}), 0))",
                    [table],
                )
                first = cursor.fetchone()[0] + 1
                ids = range(first, first + len(rows))
            else:
                raise NotImplementedError(f"Data demo hanya untuk PostgreSQL dan SQLite, bukan {connection.vendor}.")
        for row, pk_value in zip(rows, ids, strict=True):
            row["id"] = pk_value

    def insert(self, model, rows):
        if not rows:
            return
        defaults, relations, dates, converted, allowed, history_table, history_columns, extra = self.spec(model)
        adapt_date = connection.ops.adapt_datefield_value
        columns = list(defaults)
        row_values = itemgetter(*columns)
        history_row_values = itemgetter(*history_columns) if history_table else None
        values, history_values = [], []
        for row in rows:
            unknown = row.keys() - allowed
            if unknown:
                raise ValueError(f"{model.__name__}: unknown fields {sorted(unknown)}")
            full = defaults.copy()
            full.update(row)
            for name, attname in relations:
                parent = full.get(name)
                if parent.__class__ is dict:
                    full[attname] = parent["id"]
                elif parent is not None and attname != name:  # a model instance
                    full[attname] = parent.pk
            for attname in dates:
                if full[attname] is not None:
                    full[attname] = adapt_date(full[attname])
            for attname, convert in converted:
                if attname in row and row[attname] is not None:
                    full[attname] = convert(row[attname])
            values.append(row_values(full))
            if history_row_values is not None:
                full.update(extra)
                history_values.append(history_row_values(full))
        self._write(model._meta.db_table, columns, values)
        if history_table:
            self._write(history_table, history_columns, history_values)

    def _write(self, table, columns, values):
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: five times faster than multi-row INSERTs here (measured with 20,000 warga rows)
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerows([NULL if v is None else v for v in row] for row in values)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", buffer
                )
            else:
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", values
                )


def _insert(houses, writer):
    tables = [
        (RumahTangga, [h.rumah_tangga for h in houses]),
        (Keluarga, [k for h in houses for k in h.keluarga]),
        (Warga, [w for h in houses for w in h.warga]),
        (KegiatanWarga, [k for h in houses for k in h.kegiatan]),
        (Kehamilan, [k for h in houses for k in h.kehamilan]),
        (Kelahiran, [k for h in houses for k in h.kelahiran]),
        (Kematian, [k for h in houses for k in h.kematian]),
        (PemanfaatanPekarangan, [p for h in houses for p in h.pekarangan]),
        (IndustriRumahTangga, [i for h in houses for i in h.industri]),
    ]
    rows = dict(tables)
    _make_unique(rows[Keluarga], "no_kk", Keluarga)
    _make_unique(rows[Warga], "nik", Warga)
    for model, model_rows in tables:
        writer.reserve_ids(model, model_rows)
    # rumah_tangga.krt points to a warga inserted after it: the foreign keys are checked at commit
    for model, model_rows in tables:
        writer.insert(model, model_rows)
    return len(rows[RumahTangga]), len(rows[Keluarga]), len(rows[Warga])


def analyze_household_tables():
    """Refresh the planner statistics of the tables just filled (PostgreSQL). Until autovacuum gets round
    to them (never, where it is off) the planner takes the new tables for empty: listing one dasawisma of
    the --scale data set took minutes instead of milliseconds."""
    if connection.vendor != "postgresql":
        return
    models = [Unit, RumahTangga, Keluarga, Warga, KegiatanWarga, Kehamilan, Kelahiran, Kematian,
              PemanfaatanPekarangan, IndustriRumahTangga]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


def finish_bulk_load():
    """After a whole seed: the change rows the recaps' triggers noted for every row written (one per
    row on SQLite) folded into one per dasawisma, as the hourly housekeeping does, and the planner's
    statistics of every table (PostgreSQL; SQLite plans without them): autovacuum would get to it, but
    the first recaps would be planned on empty tables until then."""
    ringkasan.fold()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def forget_logged_queries():
    # With DEBUG on (seed_demo insists on it) Django keeps the SQL of the last 9000 queries; bulk inserts
    # make each of them large. Drop them between kelurahan, unless a test is capturing queries on purpose.
    if not connection.force_debug_cursor:
        connection.queries_log.clear()


PATH_LEVELS = ("kecamatan_id", "desa_id", "dusun_id", "rw_id", "rt_id")


def path_codes(dasawisma):
    """{unit id: code} of the kecamatan, kelurahan, dusun, RW and RT above these dasawisma (one query)."""
    ids = {getattr(d, c) for d in dasawisma for c in PATH_LEVELS}
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "code"))


def dasawisma_seed_key(seed, dw, codes):
    """The seed and the codes from the kelurahan down: the same dasawisma draws the same households."""
    path = [codes[getattr(dw, c)] if getattr(dw, c) else "" for c in PATH_LEVELS[1:]]
    return ":".join([str(seed), *path, dw.code])


def seed_households(*, seed, dasawisma_qs, admin, stdout=None, scale=None, today=None, active_from=None):
    """Fill every dasawisma of dasawisma_qs that has no rumah tangga yet with 10-20 generated ones.

    scale: the number of rumah tangga wanted in the kelurahan of these dasawisma; when the dasawisma
    there hold fewer (about 15 each), RT and dasawisma are added first. Runs in one transaction."""
    today = today or timezone.localdate()
    active_from = active_from or datetime.date(today.year - 1, 1, 1)
    result = HouseholdResult()
    with transaction.atomic():
        dasawisma = list(dasawisma_qs.filter(level=Level.DASAWISMA))
        if scale:
            desa_units = list(Unit.objects.filter(pk__in={d.desa_id for d in dasawisma}).order_by("code"))
            result.groups, added = add_groups_for_scale(
                seed=seed, target=scale, desa_units=desa_units, active_from=active_from, actor=admin
            )
            dasawisma += added
        dasawisma = [d for d in dasawisma if d.is_active_on(today)]
        filled = set(
            RumahTangga.objects.filter(dasawisma__in=[d.pk for d in dasawisma]).values_list("dasawisma_id", flat=True)
        )
        result.dasawisma_skipped = len(filled)

        codes = path_codes(dasawisma)

        def seed_key(dw):
            return dasawisma_seed_key(seed, dw, codes)

        by_desa = defaultdict(list)
        for dw in dasawisma:
            if dw.pk not in filled:
                by_desa[dw.desa_id].append(dw)
        fake = Faker("id_ID")
        writer = RowWriter(admin=admin, now=timezone.now())
        for desa_id in sorted(by_desa, key=lambda pk: codes[pk]):
            houses = []
            for dw in sorted(by_desa[desa_id], key=seed_key):
                generator = DasawismaGenerator(
                    seed_key=seed_key(dw), area=codes[dw.kecamatan_id].replace(".", ""), today=today, fake=fake
                )
                houses += generator.households(dw.pk)
            n_rt, n_kel, n_warga = _insert(houses, writer)
            result.rumah_tangga += n_rt
            result.keluarga += n_kel
            result.warga += n_warga
            result.dasawisma_filled += len(by_desa[desa_id])
            forget_logged_queries()
        if result.rumah_tangga:
            analyze_household_tables()

    if stdout is not None:
        if result.groups.created:
            stdout.write(
                f"Satuan tambahan untuk --scale: dibuat {result.groups.created.get(Level.RT, 0)} RT dan "
                f"{result.groups.created.get(Level.DASAWISMA, 0)} dasawisma."
            )
        stdout.write(
            f"Rumah tangga demo: dibuat {result.rumah_tangga} rumah tangga ({result.keluarga} keluarga, "
            f"{result.warga} warga) di {result.dasawisma_filled} dasawisma; "
            f"{result.dasawisma_skipped} dasawisma sudah berisi dan dilewati."
        )
    return result
