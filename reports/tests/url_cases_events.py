"""URL cases of the monthly vital events screens (reports/urls_events.py) for the URL-by-role walk
(tests/test_urls_by_role.py), and the POST data those screens take, shared with
reports/tests/test_events_views.py.

Everybody who sees a dasawisma sees its months. Recording is for its cadres and for the TP PKK
desa/kelurahan (corrections): the other viewers (kota, kecamatan, RW, RT) get 403, everybody who does
not see the dasawisma 404."""

import datetime

from django.utils import timezone

from hierarchy.tests.url_cases import MGR_KEL, SEE_DW, SEE_RT, table
from households.models import Kehamilan

RECORD = MGR_KEL | {"ketua_dasawisma", "kader"}  # admin, kelurahan, sekretaris and Melati 1's cadres
VIEW_ONLY = SEE_DW - RECORD  # kota, kecamatan, rw, rt
# Belimbing: its TP PKK (the outsider) corrects there; kota sees it; the admin does everything.
BELIMBING_RECORD = {"admin", "outsider"}

# A recent date in the past, so that the walk's POSTs are valid whenever the suite runs.
DAY = timezone.localdate() - datetime.timedelta(days=20)
ISO = DAY.isoformat()


def kehamilan_post(ibu, mulai=ISO, hpl=""):
    return {"ibu": str(ibu.pk), "tanggal_mulai": mulai, "perkiraan_lahir": hpl}


def kelahiran_post(ibu, tanggal=ISO, konfirmasi=False, twin=None, **bayi):
    """The birth form as a browser posts it; twin: the bayi kedua fields, or None for one baby."""
    data = {
        "ibu": str(ibu.pk),
        "tanggal": tanggal,
        "bayi_nama": "Putri",
        "bayi_jenis_kelamin": "P",
        "bayi_nik": "",
        "bayi_tempat_lahir": "Bontang",
        "bayi_akte": "1",
        "bayi2_nama": "",
        "bayi2_nik": "",
        "bayi2_tempat_lahir": "",
    }
    data.update({f"bayi_{name}": value for name, value in bayi.items()})
    if twin:
        data.update({f"bayi2_{name}": value for name, value in twin.items()})
    if konfirmasi:
        data["konfirmasi"] = "on"
    return data


def kematian_post(warga, tanggal=ISO, sebab="sakit tua", konfirmasi=False):
    data = {"warga": str(warga.pk), "tanggal": tanggal, "sebab": sebab}
    if konfirmasi:
        data["konfirmasi"] = "on"
    return data


def pregnancy(ibu, mulai=None):
    """An ongoing pregnancy written straight to the database (the builders run before the request)."""
    return Kehamilan.objects.create(ibu=ibu, tanggal_mulai=mulai or DAY - datetime.timedelta(days=90))


def record(status="ok"):
    """Melati 1's recorders may; its other viewers are refused; nobody else finds it."""
    return table(**{status: RECORD}, forbidden=VIEW_ONLY)


def belimbing(status="ok"):
    return table(**{status: BELIMBING_RECORD}, forbidden={"kota"})


def sibling():
    """Melati 2: the kelurahan corrects there; its RT/RW/kota viewers are refused; Melati 1's cadres
    do not find it."""
    return table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL)


def dw(c):
    return {"unit_pk": c.dw.pk}


def post_case(name, kwargs, data_for, expected):
    """A POST case whose data names cast members. The walk passes a case's data as is, and the members'
    ids differ between runs (PostgreSQL sequences are not rolled back), so the kwargs builder, which the
    walk calls with the cast just before the request, fills the data in place."""
    data = {}

    def build(c):
        data.clear()
        data.update(data_for(c))
        return kwargs(c)

    return (name, build, "post", data, expected)


CASES = [
    ("reports:kejadian_dasawisma", dw, "get", None, table(ok=SEE_DW)),
    ("reports:kejadian_dasawisma", lambda c: {"unit_pk": c.dw_b.pk}, "get", None, table(ok=SEE_RT)),
    (
        "reports:kejadian_dasawisma",
        lambda c: {"unit_pk": c.dw2.pk},
        "get",
        None,
        table(ok={"admin", "kota", "outsider"}),
    ),
    ("reports:kejadian_dasawisma", lambda c: {"unit_pk": c.rt.pk}, "get", None, table()),  # not a dasawisma
    ("reports:kehamilan_add", dw, "get", None, record()),
    ("reports:kehamilan_add", lambda c: {"unit_pk": c.dw_b.pk}, "get", None, sibling()),
    ("reports:kehamilan_add", lambda c: {"unit_pk": c.dw2.pk}, "get", None, belimbing()),
    ("reports:kehamilan_add", lambda c: {"unit_pk": c.kel.pk}, "get", None, table()),  # not a dasawisma
    ("reports:kehamilan_add", dw, "post", {}, record()),  # an empty POST: the form with its messages
    post_case("reports:kehamilan_add", dw, lambda c: kehamilan_post(c.w_rina), record("redirect")),
    ("reports:kehamilan_end", lambda c: {"pk": pregnancy(c.w_rina).pk}, "get", None, record()),
    (
        "reports:kehamilan_end",
        lambda c: {"pk": pregnancy(c.w_rina).pk},
        "post",
        {"tanggal": ISO, "hasil": "keguguran"},
        record("redirect"),
    ),
    ("reports:kehamilan_end", lambda c: {"pk": pregnancy(c.w_maria).pk}, "get", None, belimbing()),
    ("reports:kelahiran_add", dw, "get", None, record()),
    ("reports:kelahiran_add", lambda c: {"unit_pk": c.dw2.pk}, "get", None, belimbing()),
    # Without a recorded pregnancy the form asks to confirm (200); confirmed, it saves.
    post_case("reports:kelahiran_add", dw, lambda c: kelahiran_post(c.w_rina), record()),
    post_case("reports:kelahiran_add", dw, lambda c: kelahiran_post(c.w_rina, konfirmasi=True), record("redirect")),
    ("reports:kematian_add", dw, "get", None, record()),
    ("reports:kematian_add", lambda c: {"unit_pk": c.dw_b.pk}, "get", None, sibling()),
    post_case("reports:kematian_add", dw, lambda c: kematian_post(c.w_sumiati), record("redirect")),
]
