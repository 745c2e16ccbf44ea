"""The fixed cast of the test suite: two kelurahan in two kecamatan of Kota Bontang, their groups,
one user for every role on one chain through Berbas Tengah (in cast.users by name), and one
outsider (TP PKK of Belimbing).

    64 Kalimantan Timur
    └─ 64.74 Kota Bontang                          kota
       ├─ 64.74.02 Bontang Selatan                 kecamatan
       │  └─ 64.74.02.1002 Berbas Tengah           kelurahan, sekretaris
       │     ├─ RW 01                               rw
       │     │  └─ RT 001                           rt
       │     │     ├─ Dasawisma Melati 1            ketua_dasawisma, kader
       │     │     └─ Dasawisma Melati 2
       │     └─ RT 002 (no RW)
       │        └─ Dasawisma Mawar
       └─ 64.74.03 Bontang Barat
          └─ 64.74.03.1001 Belimbing               outsider
             └─ RT 001
                └─ Dasawisma Anggrek
"""

import datetime
from types import SimpleNamespace

from hierarchy import services
from hierarchy.levels import Level, Role
from hierarchy.models import Unit, User

START = datetime.date(2024, 1, 1)


def _unit(level, code, name, parent=None):
    unit = Unit(level=level, code=code, name=name, parent=parent, active_from=START)
    unit.save()
    return unit


def build_cast():
    c = SimpleNamespace()
    c.prov = _unit(Level.PROVINSI, "64", "Kalimantan Timur")
    c.kota = _unit(Level.KABKOTA, "64.74", "Kota Bontang", c.prov)
    c.kec = _unit(Level.KECAMATAN, "64.74.02", "Bontang Selatan", c.kota)
    c.kec2 = _unit(Level.KECAMATAN, "64.74.03", "Bontang Barat", c.kota)
    c.kel = _unit(Level.DESA, "64.74.02.1002", "Berbas Tengah", c.kec)
    c.kel2 = _unit(Level.DESA, "64.74.03.1001", "Belimbing", c.kec2)
    c.rw = _unit(Level.RW, "01", "01", c.kel)
    c.rt = _unit(Level.RT, "001", "001", c.rw)
    c.rt_b = _unit(Level.RT, "002", "002", c.kel)
    c.dw = _unit(Level.DASAWISMA, "DW01", "Melati 1", c.rt)
    c.dw_b = _unit(Level.DASAWISMA, "DW02", "Melati 2", c.rt)
    c.dw_c = _unit(Level.DASAWISMA, "DW03", "Mawar", c.rt_b)
    c.rt2 = _unit(Level.RT, "001", "001", c.kel2)
    c.dw2 = _unit(Level.DASAWISMA, "DW01", "Anggrek", c.rt2)

    c.admin = User.objects.create_superuser("admin", "admin@example.invalid", None)
    c.users = {"admin": c.admin}
    roles = [
        ("kota", Role.TP_KABKOTA, c.kota),
        ("kecamatan", Role.TP_KECAMATAN, c.kec),
        ("kelurahan", Role.TP_DESA_KETUA, c.kel),
        ("sekretaris", Role.TP_DESA_ADMIN, c.kel),
        ("rw", Role.KETUA_RW, c.rw),
        ("rt", Role.KETUA_RT, c.rt),
        ("ketua_dasawisma", Role.KETUA_DASAWISMA, c.dw),
        ("kader", Role.KADER, c.dw),
        ("outsider", Role.TP_DESA_KETUA, c.kel2),
    ]
    for name, role, unit in roles:
        user = User.objects.create_user(name, first_name=name.replace("_", " ").title(), home_unit=unit)
        services.role_grant(actor=c.admin, user=user, role=role, unit=unit)
        c.users[name] = user
    nobody = User.objects.create_user("nobody", home_unit=c.kel)  # an account without any role
    c.users["nobody"] = nobody
    return c
