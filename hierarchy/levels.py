"""The levels of the tree and the roles granted on them: plain data that models, access checks,
forms and the demo generator share."""

from django.db import models


class Level(models.TextChoices):
    PROVINSI = "provinsi", "Provinsi"
    KABKOTA = "kabkota", "Kabupaten/Kota"
    KECAMATAN = "kecamatan", "Kecamatan"
    DESA = "desa", "Desa/Kelurahan"
    DUSUN = "dusun", "Dusun/Lingkungan"
    RW = "rw", "RW"
    RT = "rt", "RT"
    DASAWISMA = "dasawisma", "Dasawisma"


# Top-down order. Every unit row carries one ancestor column per level, named after the level.
LEVEL_ORDER = [choice.value for choice in Level]
RANK = {level: index for index, level in enumerate(LEVEL_ORDER)}

# Levels whose codes are official (Kemendagri) and come from import_wilayah.
OFFICIAL_LEVELS = (Level.PROVINSI, Level.KABKOTA, Level.KECAMATAN, Level.DESA)
# Levels created by the users inside a desa/kelurahan.
LOCAL_LEVELS = (Level.DUSUN, Level.RW, Level.RT, Level.DASAWISMA)

# Which parent levels each level may hang under (RW and dusun/lingkungan are optional).
ALLOWED_PARENTS = {
    Level.PROVINSI: (),
    Level.KABKOTA: (Level.PROVINSI,),
    Level.KECAMATAN: (Level.KABKOTA,),
    Level.DESA: (Level.KECAMATAN,),
    Level.DUSUN: (Level.DESA,),
    Level.RW: (Level.DESA, Level.DUSUN),
    Level.RT: (Level.DESA, Level.DUSUN, Level.RW),
    Level.DASAWISMA: (Level.RT,),
}


# A dasawisma groups 10 to 20 households; outside that the screens warn.
DASAWISMA_MIN, DASAWISMA_MAX = 10, 20


def is_above(level_a, level_b):
    """True when level_a is strictly higher in the tree than level_b."""
    return RANK[level_a] < RANK[level_b]


def child_levels(level):
    return [lv for lv, parents in ALLOWED_PARENTS.items() if level in parents]


class Perm:
    """Object permissions on unit rows (django-guardian). A role is a named set of them."""

    VIEW = "lihat_data"
    ENTRY = "isi_data_warga"
    SUBMIT = "kirim_laporan"
    APPROVE = "setujui_laporan"
    MANAGE_UNITS = "kelola_satuan"
    MANAGE_ACCOUNTS = "kelola_akun"
    REVEAL_NIK = "buka_nik"

    CHOICES = [
        (VIEW, "Melihat data dan rekap di wilayahnya"),
        (ENTRY, "Mengisi dan mengubah data warga dan peristiwa"),
        (SUBMIT, "Mengirim laporan bulanan dasawisma"),
        (APPROVE, "Menyetujui atau mengembalikan laporan"),
        (MANAGE_UNITS, "Mengelola RW, dusun/lingkungan, RT dan dasawisma"),
        (MANAGE_ACCOUNTS, "Mengelola akun dan peran di wilayahnya"),
        (REVEAL_NIK, "Membuka NIK dan No. KK yang disamarkan"),
    ]
    LABELS = dict(CHOICES)


class Role(models.TextChoices):
    KADER = "kader_dasawisma", "Kader Dasawisma"
    KETUA_DASAWISMA = "ketua_dasawisma", "Ketua Dasawisma"
    KETUA_RT = "ketua_rt", "Ketua Kelompok PKK RT"
    KETUA_RW = "ketua_rw", "Ketua Kelompok PKK RW"
    TP_DESA_KETUA = "tp_desa_ketua", "Ketua TP PKK Desa/Kelurahan"
    TP_DESA_ADMIN = "tp_desa_admin", "Sekretaris/Admin TP PKK Desa/Kelurahan"
    TP_KECAMATAN = "tp_kecamatan", "TP PKK Kecamatan"
    TP_KABKOTA = "tp_kabkota", "TP PKK Kabupaten/Kota"


# The level a role is granted on, and what it allows there and below.
ROLE_LEVEL = {
    Role.KADER: Level.DASAWISMA,
    Role.KETUA_DASAWISMA: Level.DASAWISMA,
    Role.KETUA_RT: Level.RT,
    Role.KETUA_RW: Level.RW,
    Role.TP_DESA_KETUA: Level.DESA,
    Role.TP_DESA_ADMIN: Level.DESA,
    Role.TP_KECAMATAN: Level.KECAMATAN,
    Role.TP_KABKOTA: Level.KABKOTA,
}

ROLE_PERMS = {
    Role.KADER: {Perm.VIEW, Perm.ENTRY},
    Role.KETUA_DASAWISMA: {Perm.VIEW, Perm.ENTRY, Perm.SUBMIT},
    Role.KETUA_RT: {Perm.VIEW, Perm.APPROVE},
    Role.KETUA_RW: {Perm.VIEW, Perm.APPROVE},
    Role.TP_DESA_KETUA: {Perm.VIEW, Perm.APPROVE, Perm.MANAGE_UNITS, Perm.MANAGE_ACCOUNTS, Perm.REVEAL_NIK},
    Role.TP_DESA_ADMIN: {Perm.VIEW, Perm.APPROVE, Perm.MANAGE_UNITS, Perm.MANAGE_ACCOUNTS, Perm.REVEAL_NIK},
    Role.TP_KECAMATAN: {Perm.VIEW, Perm.APPROVE, Perm.MANAGE_ACCOUNTS, Perm.REVEAL_NIK},
    Role.TP_KABKOTA: {Perm.VIEW, Perm.APPROVE, Perm.MANAGE_ACCOUNTS, Perm.REVEAL_NIK},
}

ALL_PERMS = [code for code, _label in Perm.CHOICES]
