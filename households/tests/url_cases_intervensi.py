"""URL cases of the intervention lists for the URL-by-role walk (tests/test_urls_by_role.py).

Only TP PKK desa/kelurahan and up (buka_nik) open the lists; cadres, RT and RW get 403 on their own
groups; a group below the kelurahan sends a TP user on to the kelurahan's lists."""

from hierarchy.tests.url_cases import SEE_KEL, table

GROUP_LEADERS = {"rw", "rt", "ketua_dasawisma", "kader"}

CASES = [
    ("households:intervensi", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=SEE_KEL)),
    ("households:intervensi", lambda c: {"unit_pk": c.kec.pk}, "get", None, table(ok={"admin", "kota", "kecamatan"})),
    ("households:intervensi", lambda c: {"unit_pk": c.kota.pk}, "get", None, table(ok={"admin", "kota"})),
    ("households:intervensi", lambda c: {"unit_pk": c.kel2.pk}, "get", None, table(ok={"admin", "kota", "outsider"})),
    (
        "households:intervensi",
        lambda c: {"unit_pk": c.dw.pk},
        "get",
        None,
        table(redirect=SEE_KEL, forbidden=GROUP_LEADERS),
    ),
    (
        "households:intervensi",
        lambda c: {"unit_pk": c.rt.pk},
        "get",
        None,
        table(redirect=SEE_KEL, forbidden={"rw", "rt"}),
    ),
    ("households:intervensi", lambda c: {"unit_pk": c.rw.pk}, "get", None, table(redirect=SEE_KEL, forbidden={"rw"})),
    ("households:intervensi", lambda c: {"unit_pk": 999999}, "get", None, table()),
    # the log of reveals: the same people as the lists, on their own area
    ("households:akses_nik", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=SEE_KEL)),
    ("households:akses_nik", lambda c: {"unit_pk": c.kec.pk}, "get", None, table(ok={"admin", "kota", "kecamatan"})),
    (
        "households:akses_nik",
        lambda c: {"unit_pk": c.dw.pk},
        "get",
        None,
        table(ok=SEE_KEL, forbidden=GROUP_LEADERS),
    ),
]
