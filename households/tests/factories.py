"""Small builders for household tests: valid NIK/No. KK and members with sensible defaults."""

import datetime
import itertools

from households.models import Keluarga, RumahTangga, Warga

# Serials wrap at 10,000 (4 digits); numbers only need to be unique inside one test's database.
_serial = itertools.count(1)


def make_nik(birth, sex, area="647402", serial=None):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{area}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial or next(_serial) % 10000:04d}"


def make_no_kk(area="647402", issued=datetime.date(2016, 6, 1)):  # tests type 2015 numbers by hand
    return f"{area}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{next(_serial) % 10000:04d}"


def rumah_tangga(dasawisma, **fields):
    defaults = {"alamat": "Jl. Contoh No. 1", "air_pdam": True}
    defaults.update(fields)
    return RumahTangga.objects.create(dasawisma=dasawisma, **defaults)


def keluarga(rt, **fields):
    return Keluarga.objects.create(rumah_tangga=rt, no_kk=fields.pop("no_kk", None) or make_no_kk(), **fields)


def warga(kel, nama, born, sex="L", **fields):
    defaults = {
        "status_dalam_keluarga": "anak",
        "agama": "islam",
        "pendidikan": "sma",
        "pekerjaan": "swasta",
        "status_perkawinan": "lajang",
    }
    defaults.update(fields)
    if "nik" not in defaults:
        defaults["nik"] = make_nik(born, sex)
    return Warga.objects.create(keluarga=kel, nama=nama, tanggal_lahir=born, jenis_kelamin=sex, **defaults)


def leave(member, status, on_date):
    """A member moved out (pindah) or died (meninggal) on a date, as the data stands afterwards. The
    leaving itself (its checks, the death event, the next kepala) is reports.services.warga_leave's,
    tested in reports/tests/test_member_leaves.py."""
    Warga.objects.filter(pk=member.pk).update(status=status, tanggal_status=on_date)
    member.refresh_from_db()
    return member
