"""URL cases of the recap downloads and the verification page for the URL-by-role walk
(tests/test_urls_by_role.py).

Everyone who sees a unit opens its download page (the form); outside the area, for a level without
that recap, a year or a month that does not exist: 404. The verification page is public.

The walk reads every 200 answer as text, and a file is binary: the downloads that answer a file are
in DOWNLOAD_CASES (url name, kwargs builder, POST data, expected statuses), walked by
recaps/tests/test_recap_exports.py, which reads the files' text for names from the other side."""

from hierarchy.tests.url_cases import ROLES, SEE_DW, SEE_KEL, SEE_RT, table

MONTH = {"tahun": 2026, "bulan": 3}
KOTA = {"admin", "kota"}


def _year(attr, tahun=2026):
    return lambda c: {"unit_pk": getattr(c, attr).pk, "tahun": tahun}


def _month(attr, **month):
    return lambda c: {"unit_pk": getattr(c, attr).pk, **(month or MONTH)}


CASES = [
    ("recaps:rekap_unduh_tahunan", _year("kota"), "get", None, table(ok=KOTA)),
    ("recaps:rekap_unduh_tahunan", _year("kec"), "get", None, table(ok=KOTA | {"kecamatan"})),
    ("recaps:rekap_unduh_tahunan", _year("kel"), "get", None, table(ok=SEE_KEL)),
    ("recaps:rekap_unduh_tahunan", _year("rt"), "get", None, table(ok=SEE_RT)),
    ("recaps:rekap_unduh_tahunan", _year("dw"), "get", None, table(ok=SEE_DW)),
    ("recaps:rekap_unduh_tahunan", _year("kel2"), "get", None, table(ok=KOTA | {"outsider"})),
    ("recaps:rekap_unduh_tahunan", _year("kel", tahun=1800), "get", None, table()),
    ("recaps:rekap_unduh_tahunan", _year("kel", tahun=2999), "get", None, table()),
    ("recaps:rekap_unduh_bulanan", _month("kota"), "get", None, table(ok=KOTA)),
    ("recaps:rekap_unduh_bulanan", _month("kel"), "get", None, table(ok=SEE_KEL)),
    ("recaps:rekap_unduh_bulanan", _month("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("recaps:rekap_unduh_bulanan", _month("dw"), "get", None, table(ok=SEE_DW)),  # 4.18a
    ("recaps:rekap_unduh_bulanan", _month("kel", tahun=2026, bulan=13), "get", None, table()),
    ("recaps:rekap_unduh_bulanan", _month("prov"), "get", None, table()),  # no monthly provincial form
    ("documents:verifikasi", lambda c: {}, "get", None, table(ok=ROLES)),
]

DOWNLOAD_CASES = [
    ("recaps:rekap_unduh_tahunan", _year("kota"), {"format": "xlsx"}, table(ok=KOTA)),
    ("recaps:rekap_unduh_tahunan", _year("kel"), {"format": "pdf", "edisi": "rakernas-viii"}, table(ok=SEE_KEL)),
    ("recaps:rekap_unduh_tahunan", _year("dw"), {"format": "xlsx"}, table(ok=SEE_DW)),
    ("recaps:rekap_unduh_tahunan", _year("kel2"), {"format": "xlsx"}, table(ok=KOTA | {"outsider"})),
    ("recaps:rekap_unduh_bulanan", _month("kota"), {"format": "pdf", "data": "terkini"}, table(ok=KOTA)),
    ("recaps:rekap_unduh_bulanan", _month("rt"), {"format": "xlsx"}, table(ok=SEE_RT)),
    ("recaps:rekap_unduh_bulanan", _month("dw"), {"format": "pdf"}, table(ok=SEE_DW)),
    ("recaps:rekap_unduh_bulanan", _month("dw_b"), {"format": "xlsx"}, table(ok=SEE_RT)),
]
