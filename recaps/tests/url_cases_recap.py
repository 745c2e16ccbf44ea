"""URL cases of the recap screens (recaps/views.py) for the URL-by-role walk
(tests/test_urls_by_role.py): whoever sees a unit sees its recaps; outside the area, and for
a year or month that does not exist, 404. A dasawisma's monthly recap is its 4.18a report page (302)."""

from hierarchy.tests.url_cases import SEE_DW, SEE_KEL, SEE_RT, table

YEAR = 2026
KOTA = {"admin", "kota"}


def _year(attr, tahun=YEAR):
    return lambda c: {"unit_pk": getattr(c, attr).pk, "tahun": tahun}


def _month(attr, tahun=YEAR, bulan=3):
    return lambda c: {"unit_pk": getattr(c, attr).pk, "tahun": tahun, "bulan": bulan}


CASES = [
    ("recaps:rekap", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(redirect=SEE_KEL)),
    ("recaps:rekap", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(redirect=SEE_DW)),
    ("recaps:rekap_tahunan", _year("kota"), "get", None, table(ok=KOTA)),
    ("recaps:rekap_tahunan", _year("kec"), "get", None, table(ok=KOTA | {"kecamatan"})),
    ("recaps:rekap_tahunan", _year("kel"), "get", None, table(ok=SEE_KEL)),
    ("recaps:rekap_tahunan", _year("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("recaps:rekap_tahunan", _year("rt"), "get", None, table(ok=SEE_RT)),
    ("recaps:rekap_tahunan", _year("dw"), "get", None, table(ok=SEE_DW)),
    ("recaps:rekap_tahunan", _year("dw_b"), "get", None, table(ok=SEE_RT)),
    ("recaps:rekap_tahunan", _year("kel2"), "get", None, table(ok=KOTA | {"outsider"})),
    ("recaps:rekap_tahunan", _year("kel", 1999), "get", None, table()),
    ("recaps:rekap_tahunan", _year("kel", 2101), "get", None, table()),
    ("recaps:rekap_bulanan", _month("kota"), "get", None, table(ok=KOTA)),
    ("recaps:rekap_bulanan", _month("kel"), "get", None, table(ok=SEE_KEL)),
    ("recaps:rekap_bulanan", _month("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("recaps:rekap_bulanan", _month("rt"), "get", None, table(ok=SEE_RT)),
    ("recaps:rekap_bulanan", _month("dw"), "get", None, table(redirect=SEE_DW)),
    ("recaps:rekap_bulanan", _month("kel2"), "get", None, table(ok=KOTA | {"outsider"})),
    ("recaps:rekap_bulanan", _month("prov"), "get", None, table(ok={"admin"})),
    ("recaps:rekap_bulanan", _month("kel", bulan=13), "get", None, table()),
    ("recaps:rekap_bulanan", _month("kel", bulan=0), "get", None, table()),
]
