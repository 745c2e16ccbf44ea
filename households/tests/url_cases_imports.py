"""URL cases of the Excel import for the URL-by-role walk (tests/test_urls_by_role.py).

The dasawisma's cadres and TP PKK desa/kelurahan import (access.may_import_households): the others who
see the dasawisma (RT, RW, kecamatan, kota) get 403, everyone outside the area 404; a unit that is not a
dasawisma is 404 for all. A preview token lives in
the session of the user who uploaded, so in the walk (no upload) every token is unknown: 404.

The walk reads every 200 answer as text; the template is an XLSX (binary), so the template downloads
that answer 200 are in DOWNLOAD_CASES, walked by households/tests/test_import.py, which reads the
file's text for the same forbidden names."""

from hierarchy.tests.url_cases import MGR_KEL, SEE_DW, SEE_RT, table

IMPORTERS = {"ketua_dasawisma", "kader"} | MGR_KEL  # the cadres of Melati 1 and TP PKK Berbas Tengah
ABOVE = SEE_DW - IMPORTERS  # they see Melati 1 but do not import into it
SIBLING_ABOVE = SEE_RT - MGR_KEL  # Melati 2 has no cadre in the cast


def _dw(c):
    return {"unit_pk": c.dw.pk}


def _dw_b(c):
    return {"unit_pk": c.dw_b.pk}


def _rt(c):
    return {"unit_pk": c.rt.pk}


DOWNLOAD_CASES = [
    ("households:import_template", _dw, "get", None, table(ok=IMPORTERS, forbidden=ABOVE)),
    ("households:import_template", _dw_b, "get", None, table(ok=MGR_KEL, forbidden=SIBLING_ABOVE)),
    (
        "households:import_template",
        lambda c: {"unit_pk": c.dw2.pk},
        "get",
        None,
        table(ok={"admin", "outsider"}, forbidden={"kota"}),  # Anggrek: TP PKK Belimbing imports there
    ),
]

CASES = [
    ("households:import_template", _rt, "get", None, table()),
    ("households:import_upload", _dw, "get", None, table(ok=IMPORTERS, forbidden=ABOVE)),
    ("households:import_upload", _dw, "post", {}, table(ok=IMPORTERS, forbidden=ABOVE)),
    ("households:import_upload", _dw_b, "get", None, table(ok=MGR_KEL, forbidden=SIBLING_ABOVE)),
    ("households:import_upload", _rt, "get", None, table()),
    ("households:import_preview", lambda c: {"token": "0" * 32}, "get", None, table()),
    ("households:import_preview", lambda c: {"token": "0" * 32}, "post", {}, table()),
    ("households:import_preview", lambda c: {"token": "bukan-token"}, "get", None, table()),
]

# The import of a whole kelurahan (households/views_imports_kelurahan.py): TP PKK desa/kelurahan only
# (access.may_import_households on the desa); kecamatan and kota see the kelurahan and get 403, the
# cadres, RT and RW do not see it: 404. A unit that is not a desa is 404 for all.
KEL_ABOVE = {"kota", "kecamatan"}


def _kel(c):
    return {"unit_pk": c.kel.pk}


CASES += [
    ("households:import_kelurahan_upload", _kel, "get", None, table(ok=MGR_KEL, forbidden=KEL_ABOVE)),
    ("households:import_kelurahan_upload", _kel, "post", {}, table(ok=MGR_KEL, forbidden=KEL_ABOVE)),
    (
        "households:import_kelurahan_upload",
        lambda c: {"unit_pk": c.kel2.pk},
        "get",
        None,
        table(ok={"admin", "outsider"}, forbidden={"kota"}),
    ),
    ("households:import_kelurahan_upload", _rt, "get", None, table()),
    ("households:import_kelurahan_upload", _dw, "get", None, table()),
    # An XLSX: the walk reads its text for the names of the other side.
    ("households:import_kelurahan_template", _kel, "get", None, table(ok=MGR_KEL, forbidden=KEL_ABOVE)),
    ("households:import_kelurahan_template", _dw, "get", None, table()),
    ("households:import_kelurahan_preview", lambda c: {"token": "0" * 32}, "get", None, table()),
    ("households:import_kelurahan_preview", lambda c: {"token": "0" * 32}, "post", {"cara": "tahan"}, table()),
    ("households:import_kelurahan_rows", lambda c: {"token": "0" * 32, "unit_pk": c.dw.pk}, "get", None, table()),
]
