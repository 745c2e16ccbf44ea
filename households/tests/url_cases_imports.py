"""URL cases of the Excel import for the URL-by-role walk (tests/test_urls_by_role.py).

Only the dasawisma's cadres import (Perm.ENTRY): the levels above see the dasawisma and get 403,
everyone outside the area 404; a unit that is not a dasawisma is 404 for all. A preview token lives in
the session of the user who uploaded, so in the walk (no upload) every token is unknown: 404.

The walk reads every 200 answer as text; the template is an XLSX (binary), so the template downloads
that answer 200 are in DOWNLOAD_CASES, walked by households/tests/test_import.py, which reads the
file's text for the same forbidden names."""

from hierarchy.tests.url_cases import SEE_DW, SEE_RT, table

CADRES = {"admin", "ketua_dasawisma", "kader"}
ABOVE = SEE_DW - CADRES  # they see Melati 1 but do not enter its data
SIBLING_ABOVE = SEE_RT - {"admin"}  # Melati 2 has no cadre in the cast: only the admin imports there


def _dw(c):
    return {"unit_pk": c.dw.pk}


def _dw_b(c):
    return {"unit_pk": c.dw_b.pk}


def _rt(c):
    return {"unit_pk": c.rt.pk}


DOWNLOAD_CASES = [
    ("households:import_template", _dw, "get", None, table(ok=CADRES, forbidden=ABOVE)),
    ("households:import_template", _dw_b, "get", None, table(ok={"admin"}, forbidden=SIBLING_ABOVE)),
    (
        "households:import_template",
        lambda c: {"unit_pk": c.dw2.pk},
        "get",
        None,
        table(ok={"admin"}, forbidden={"kota", "outsider"}),
    ),
]

CASES = [
    ("households:import_template", _rt, "get", None, table()),
    ("households:import_upload", _dw, "get", None, table(ok=CADRES, forbidden=ABOVE)),
    ("households:import_upload", _dw, "post", {}, table(ok=CADRES, forbidden=ABOVE)),
    ("households:import_upload", _dw_b, "get", None, table(ok={"admin"}, forbidden=SIBLING_ABOVE)),
    ("households:import_upload", _rt, "get", None, table()),
    ("households:import_preview", lambda c: {"token": "0" * 32}, "get", None, table()),
    ("households:import_preview", lambda c: {"token": "0" * 32}, "post", {}, table()),
    ("households:import_preview", lambda c: {"token": "bukan-token"}, "get", None, table()),
]
