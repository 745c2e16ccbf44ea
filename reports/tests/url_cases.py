"""URL cases of the monthly report screens (reports/urls.py) for the URL-by-role walk
(tests/test_urls_by_role.py).

The POSTs are fixed data on a March 2026 report of Melati 1 that nobody sent: the people with the right
get their action tried and a message (302); those inside the area without it get 403, outsiders 404."""

from hierarchy.tests.url_cases import LOGGED_IN, SEE_DW, SEE_KEL, SEE_RT, table
from reports import workflow

MONTH = {"tahun": 2026, "bulan": 3}
# Hold setujui_laporan somewhere.
APPROVERS = {"admin", "kota", "kecamatan", "kelurahan", "sekretaris", "rw", "rt", "outsider"}


def _unit(attr, **extra):
    return lambda c: {"unit_pk": getattr(c, attr).pk, **MONTH, **extra}


def _report(attr):
    return lambda c: {"pk": workflow.get_report(getattr(c, attr), *MONTH.values()).pk}


CASES = [
    ("reports:laporan_unit", _unit("dw"), "get", None, table(ok=SEE_DW)),
    ("reports:laporan_unit", _unit("dw_b"), "get", None, table(ok=SEE_RT)),
    ("reports:laporan_unit", _unit("rt"), "get", None, table(ok=SEE_RT)),
    ("reports:laporan_unit", _unit("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("reports:laporan_unit", _unit("kel"), "get", None, table(ok=SEE_KEL)),
    ("reports:laporan_unit", _unit("kec"), "get", None, table(ok={"admin", "kota", "kecamatan"})),
    ("reports:laporan_unit", _unit("dw2"), "get", None, table(ok={"admin", "kota", "outsider"})),
    ("reports:laporan_unit", lambda c: {"unit_pk": c.dw.pk, "tahun": 2026, "bulan": 13}, "get", None, table()),
    ("reports:laporan_terkini", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(redirect=SEE_DW)),
    (
        "reports:laporan_aksi",
        _report("dw"),
        "post",
        {"aksi": "setujui", "versi": "0"},
        table(redirect={"admin", "rt"}, forbidden=SEE_DW - {"admin", "rt"}),
    ),
    (
        "reports:laporan_aksi",
        _report("dw"),
        "post",
        {"aksi": "kirim_nihil", "versi": "0"},
        table(redirect={"admin", "ketua_dasawisma"}, forbidden=SEE_DW - {"admin", "ketua_dasawisma"}),
    ),
    (
        "reports:laporan_aksi",
        _report("dw2"),
        "post",
        {"aksi": "kembalikan", "versi": "0", "alasan": "Periksa lagi"},
        table(redirect={"admin"}, forbidden={"kota", "outsider"}),
    ),
    (
        "reports:laporan_setujui_banyak",
        lambda c: {},
        "post",
        {},
        table(redirect=APPROVERS, forbidden=set(LOGGED_IN) - APPROVERS),
    ),
    ("reports:kelengkapan", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=SEE_KEL)),
    ("reports:kelengkapan", lambda c: {"unit_pk": c.rt.pk}, "get", None, table(ok=SEE_RT)),
    ("reports:kelengkapan", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(ok=SEE_DW)),
    ("reports:kelengkapan", lambda c: {"unit_pk": c.kota.pk}, "get", None, table(ok={"admin", "kota"})),
    ("reports:kelengkapan", lambda c: {"unit_pk": c.kel2.pk}, "get", None, table(ok={"admin", "kota", "outsider"})),
]
