"""URL cases of the household browsing screens (households/urls_browse.py) for the URL-by-role walk
(tests/test_urls_by_role.py).

POST data is fixed (the walk passes it as is), so the POST cases send no household id: a user with the
right gets the form back with its message (200); the others are refused before any form is read."""

from django.utils import timezone

from hierarchy.tests.url_cases import LOGGED_IN, MGR_KEL, SEE_DW, SEE_KEL, SEE_RT, table

ENTRY_DW = {"admin", "ketua_dasawisma", "kader"}  # enter data in Melati 1
REVEAL = SEE_KEL  # buka_nik over Berbas Tengah: TP PKK kelurahan and up
HISTORY = SEE_KEL | {"ketua_dasawisma", "kader"}  # access.may_see_history
THIS_YEAR = timezone.localdate().year

CASES = [
    ("households:rumah_tangga_list", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(ok=SEE_DW)),
    ("households:rumah_tangga_list", lambda c: {"unit_pk": c.dw_b.pk}, "get", None, table(ok=SEE_RT)),
    (
        "households:rumah_tangga_list",
        lambda c: {"unit_pk": c.dw2.pk},
        "get",
        None,
        table(ok={"admin", "kota", "outsider"}),
    ),
    ("households:rumah_tangga_list", lambda c: {"unit_pk": c.rt.pk}, "get", None, table()),  # not a dasawisma
    ("households:warga_search", lambda c: {}, "get", None, table(ok=set(LOGGED_IN) - {"nobody"}, forbidden={"nobody"})),
    ("households:rumah_tangga_detail", lambda c: {"pk": c.hh_a.pk}, "get", None, table(ok=SEE_DW)),
    ("households:rumah_tangga_detail", lambda c: {"pk": c.hh_c.pk}, "get", None, table(ok=SEE_RT)),
    (
        "households:rumah_tangga_detail",
        lambda c: {"pk": c.hh_x.pk},
        "get",
        None,
        table(ok={"admin", "kota", "outsider"}),
    ),
    (
        "households:rumah_tangga_history",
        lambda c: {"pk": c.hh_a.pk},
        "get",
        None,
        table(ok=HISTORY, forbidden={"rw", "rt"}),
    ),
    (
        "households:rumah_tangga_history",
        lambda c: {"pk": c.hh_c.pk},
        "get",
        None,
        table(ok=SEE_KEL, forbidden={"rw", "rt"}),
    ),
    (
        "households:rumah_tangga_move",
        lambda c: {"pk": c.hh_a.pk},
        "get",
        None,
        table(ok=MGR_KEL, forbidden=SEE_DW - MGR_KEL),
    ),
    (
        "households:rumah_tangga_move",
        lambda c: {"pk": c.hh_a.pk},
        "post",
        {},
        table(ok=MGR_KEL, forbidden=SEE_DW - MGR_KEL),
    ),
    (
        "households:nik_reveal",
        lambda c: {"pk": c.w_hendra.pk},
        "post",
        {},
        table(ok=REVEAL, forbidden=SEE_DW - REVEAL),
    ),
    (
        "households:kk_reveal",
        lambda c: {"pk": c.w_hendra.keluarga_id},
        "post",
        {},
        table(ok=REVEAL, forbidden=SEE_DW - REVEAL),
    ),
    ("households:nik_reveal", lambda c: {"pk": c.w_togar.pk}, "post", {}, table(ok={"admin", "kota", "outsider"})),
    ("households:pendataan", lambda c: {"unit_pk": c.dw.pk}, "get", None, table(ok=SEE_DW)),
    (
        "households:pendataan",
        lambda c: {"unit_pk": c.dw.pk},
        "post",
        {"tahun": str(THIS_YEAR)},
        table(ok=ENTRY_DW, forbidden=SEE_DW - ENTRY_DW),
    ),
]
