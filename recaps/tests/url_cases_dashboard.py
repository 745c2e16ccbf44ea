"""URL cases of the dashboard (recaps:dasbor) for the URL-by-role walk
(tests/test_urls_by_role.py).

Whoever sees a desa/kelurahan, kecamatan, kota or provinsi sees its dashboard; below the kelurahan
(RW, RT, dasawisma) there is none, so everybody gets 404 there, those who see the unit with a message."""

from hierarchy.tests.url_cases import SEE_KEL, table


def _unit(attr):
    return lambda c: {"unit_pk": getattr(c, attr).pk}


CASES = [
    ("recaps:dasbor", _unit("kel"), "get", None, table(ok=SEE_KEL)),
    ("recaps:dasbor", _unit("kec"), "get", None, table(ok={"admin", "kota", "kecamatan"})),
    ("recaps:dasbor", _unit("kota"), "get", None, table(ok={"admin", "kota"})),
    ("recaps:dasbor", _unit("prov"), "get", None, table(ok={"admin"})),
    ("recaps:dasbor", _unit("kel2"), "get", None, table(ok={"admin", "kota", "outsider"})),
    ("recaps:dasbor", _unit("rw"), "get", None, table()),
    ("recaps:dasbor", _unit("rt"), "get", None, table()),
    ("recaps:dasbor", _unit("dw"), "get", None, table()),
]
