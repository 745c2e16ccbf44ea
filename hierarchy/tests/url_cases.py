"""URL cases of the hierarchy app for the URL-by-role walk (tests/test_urls_by_role.py).

Each case: (url name, kwargs builder taking the cast, method, POST data, {role: expected status})."""

ROLES = [
    "anon", "admin", "kota", "kecamatan", "kelurahan", "sekretaris",
    "rw", "rt", "ketua_dasawisma", "kader", "outsider", "nobody",
]  # fmt: skip
LOGGED_IN = [r for r in ROLES if r != "anon"]
MGR_KEL = {"admin", "kelurahan", "sekretaris"}  # manage the groups of Berbas Tengah
SEE_KEL = MGR_KEL | {"kota", "kecamatan"}
SEE_RT = SEE_KEL | {"rw", "rt"}
SEE_DW = SEE_RT | {"ketua_dasawisma", "kader"}
ACC = {"admin", "kota", "kecamatan", "kelurahan", "sekretaris"}  # manage accounts over the chain
NO_ACC = {"rw", "rt", "ketua_dasawisma", "kader", "nobody"}


STATUS = {"ok": 200, "redirect": 302, "forbidden": 403, "missing": 404}


def table(default=404, **groups):
    """{role: status}: anonymous users are sent to the login page unless a group names them."""
    expected = dict.fromkeys(ROLES, default)
    expected["anon"] = 302
    for group, members in groups.items():
        for role in members:
            expected[role] = STATUS[group]
    return expected


# (url name, kwargs builder, method, POST data, expected statuses)
CASES = [
    ("home", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
    ("healthz", lambda c: {}, "get", None, table(ok=ROLES)),  # for an uptime monitor: no login, no data
    ("healthz_web", lambda c: {}, "get", None, table(ok=ROLES)),  # for a load balancer
    ("service_worker", lambda c: {}, "get", None, table(ok=ROLES)),  # the phone's offline copy: no data
    ("offline", lambda c: {}, "get", None, table(ok=ROLES)),
    ("antrian", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
    ("login", lambda c: {}, "get", None, table(ok={"anon"}, redirect=LOGGED_IN)),
    ("logout", lambda c: {}, "post", {}, table(redirect=ROLES)),
    ("password_change", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
    ("password_change_done", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
    ("hierarchy:unit_roots", lambda c: {}, "get", None, table(redirect=set(LOGGED_IN) - {"nobody"}, ok={"nobody"})),
    ("hierarchy:unit_detail", lambda c: {"pk": c.kel.pk}, "get", None, table(ok=SEE_KEL)),
    ("hierarchy:unit_detail", lambda c: {"pk": c.dw.pk}, "get", None, table(ok=SEE_DW)),
    (
        "hierarchy:unit_create",
        lambda c: {"pk": c.kel.pk},
        "get",
        None,
        table(ok=MGR_KEL | {"kota", "kecamatan"}),  # kecamatan and kota set a kelurahan up (may_add_groups)
    ),
    ("hierarchy:unit_edit", lambda c: {"pk": c.rt.pk}, "get", None, table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL)),
    ("hierarchy:unit_move", lambda c: {"pk": c.rt.pk}, "get", None, table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL)),
    (
        "hierarchy:unit_close",
        lambda c: {"pk": c.dw_b.pk},
        "post",
        {"on_date": "2026-01-31"},
        # Melati 2 still holds a household: the page lists it instead of closing
        table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL),
    ),
    (
        "hierarchy:unit_reopen",
        lambda c: {"pk": c.dw_b.pk},
        "post",
        {},
        table(redirect=MGR_KEL, forbidden=SEE_RT - MGR_KEL),
    ),
    (
        "hierarchy:account_create",
        lambda c: {"unit_pk": c.dw.pk},
        "get",
        None,
        table(ok=ACC, forbidden={"rw", "rt", "ketua_dasawisma", "kader"}),
    ),
    ("hierarchy:account_list", lambda c: {}, "get", None, table(ok=ACC | {"outsider"}, forbidden=NO_ACC)),
    ("hierarchy:account_detail", lambda c: {"pk": c.users["kader"].pk}, "get", None, table(ok=ACC, forbidden=NO_ACC)),
    ("hierarchy:account_edit", lambda c: {"pk": c.users["kader"].pk}, "get", None, table(ok=ACC, forbidden=NO_ACC)),
    (
        "hierarchy:account_edit",
        lambda c: {"pk": c.users["kota"].pk},
        "get",
        None,
        table(ok={"admin"}, forbidden=NO_ACC | {"kota"}),
    ),
    ("hierarchy:account_password", lambda c: {"pk": c.users["kader"].pk}, "get", None, table(ok=ACC, forbidden=NO_ACC)),
    ("hierarchy:role_grant", lambda c: {"pk": c.users["kader"].pk}, "get", None, table(ok=ACC, forbidden=NO_ACC)),
    (
        "hierarchy:account_active",
        lambda c: {"pk": c.users["kader"].pk},
        "post",
        {"aktif": "0"},
        table(redirect=ACC, forbidden=NO_ACC),
    ),
    (
        "hierarchy:role_revoke",
        lambda c: {"pk": c.users["kader"].role_assignments.get().pk},
        "post",
        {},
        table(redirect=ACC, forbidden=NO_ACC),
    ),
    ("admin:index", lambda c: {}, "get", None, table(ok={"admin"}, redirect=set(ROLES) - {"admin"})),
]


# Names that must never appear in a page shown to a user of the other kelurahan's side.
OTHER_SIDE = {"outsider": ["Berbas Tengah", "Melati", "Mawar", "Wijayakusuma"]}
for _role in ["kecamatan", "kelurahan", "sekretaris", "rw", "rt", "ketua_dasawisma", "kader", "nobody"]:
    OTHER_SIDE[_role] = ["Belimbing", "Anggrek", "Bontang Barat", "Siregar"]
# Below the kelurahan, a user also must not see the households of a sibling dasawisma or RT.
OTHER_SIDE["kader"] += ["Bambang Wijayakusuma"]
OTHER_SIDE["ketua_dasawisma"] += ["Bambang Wijayakusuma"]
