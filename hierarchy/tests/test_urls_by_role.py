"""Every URL pattern, requested by every role: the status each must get, and no name from outside the
user's area in any page. A new URL pattern without a row here fails test_every_url_is_covered."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

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
    expected = {role: default for role in ROLES}
    expected["anon"] = 302
    for group, members in groups.items():
        for role in members:
            expected[role] = STATUS[group]
    return expected


# (url name, kwargs builder, method, POST data, expected statuses)
CASES = [
    ("home", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
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
        table(ok=MGR_KEL, forbidden={"kota", "kecamatan"}),
    ),
    ("hierarchy:unit_edit", lambda c: {"pk": c.rt.pk}, "get", None, table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL)),
    ("hierarchy:unit_move", lambda c: {"pk": c.rt.pk}, "get", None, table(ok=MGR_KEL, forbidden=SEE_RT - MGR_KEL)),
    (
        "hierarchy:unit_close",
        lambda c: {"pk": c.dw_b.pk},
        "post",
        {"on_date": "2026-01-31"},
        table(redirect=MGR_KEL, forbidden=SEE_RT - MGR_KEL),
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
OTHER_SIDE = {"outsider": ["Berbas Tengah", "Melati", "Mawar"]}
for _role in ["kecamatan", "kelurahan", "sekretaris", "rw", "rt", "ketua_dasawisma", "kader", "nobody"]:
    OTHER_SIDE[_role] = ["Belimbing", "Anggrek", "Bontang Barat"]


def _all_url_names():
    names = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                if p.namespace == "admin":
                    continue  # the Django admin is covered by admin:index and its own superuser-only gate
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_covered():
    covered = {case[0] for case in CASES}
    assert _all_url_names() - covered == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_status_and_scope(client, cast, case, role):
    name, kwargs, method, data, expected = case
    if role != "anon":
        client.force_login(cast.users[role])
    url = reverse(name, kwargs=kwargs(cast))
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == expected[role], f"{role} {method.upper()} {url}"
    if response.status_code == 200:
        body = response.content.decode()
        for forbidden in OTHER_SIDE.get(role, []):
            assert forbidden not in body, f"{role} sees {forbidden!r} on {url}"


@pytest.mark.parametrize("role", LOGGED_IN)
def test_get_on_post_only_views_is_refused(client, cast, role):
    client.force_login(cast.users[role])
    for name, kwargs in [("hierarchy:unit_close", {"pk": cast.dw_b.pk}), ("hierarchy:account_active", {"pk": 1})]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 405
