"""URL cases of the recap screens (reports/views_recap.py) for the URL-by-role walk
(hierarchy/tests/test_urls_by_role.py): whoever sees a unit sees its recaps; outside the area, and for
a year or month that does not exist, 404. A dasawisma's monthly recap is its 4.18a report page (302)."""

from hierarchy.tests.url_cases import SEE_DW, SEE_KEL, SEE_RT, table

YEAR = 2026
KOTA = {"admin", "kota"}


def _year(attr, tahun=YEAR):
    return lambda c: {"unit_pk": getattr(c, attr).pk, "tahun": tahun}


def _month(attr, tahun=YEAR, bulan=3):
    return lambda c: {"unit_pk": getattr(c, attr).pk, "tahun": tahun, "bulan": bulan}


CASES = [
    ("reports:rekap", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(redirect=SEE_KEL)),
    ("reports:rekap", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(redirect=SEE_DW)),
    ("reports:rekap_tahunan", _year("kota"), "get", None, table(ok=KOTA)),
    ("reports:rekap_tahunan", _year("kec"), "get", None, table(ok=KOTA | {"kecamatan"})),
    ("reports:rekap_tahunan", _year("kel"), "get", None, table(ok=SEE_KEL)),
    ("reports:rekap_tahunan", _year("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("reports:rekap_tahunan", _year("rt"), "get", None, table(ok=SEE_RT)),
    ("reports:rekap_tahunan", _year("dw"), "get", None, table(ok=SEE_DW)),
    ("reports:rekap_tahunan", _year("dw_b"), "get", None, table(ok=SEE_RT)),
    ("reports:rekap_tahunan", _year("kel2"), "get", None, table(ok=KOTA | {"outsider"})),
    ("reports:rekap_tahunan", _year("kel", 1999), "get", None, table()),
    ("reports:rekap_tahunan", _year("kel", 2101), "get", None, table()),
    ("reports:rekap_bulanan", _month("kota"), "get", None, table(ok=KOTA)),
    ("reports:rekap_bulanan", _month("kel"), "get", None, table(ok=SEE_KEL)),
    ("reports:rekap_bulanan", _month("rw"), "get", None, table(ok=SEE_KEL | {"rw"})),
    ("reports:rekap_bulanan", _month("rt"), "get", None, table(ok=SEE_RT)),
    ("reports:rekap_bulanan", _month("dw"), "get", None, table(redirect=SEE_DW)),
    ("reports:rekap_bulanan", _month("kel2"), "get", None, table(ok=KOTA | {"outsider"})),
    ("reports:rekap_bulanan", _month("prov"), "get", None, table(ok={"admin"})),
    ("reports:rekap_bulanan", _month("kel", bulan=13), "get", None, table()),
    ("reports:rekap_bulanan", _month("kel", bulan=0), "get", None, table()),
]
