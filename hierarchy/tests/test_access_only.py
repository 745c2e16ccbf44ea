"""hierarchy.access is the one source of rights: no other module of ours reads the permission rows
(UnitUserObjectPermission), the raw grants, or guardian's own helpers. The rows are written only by
hierarchy.services (sync_user_permissions) and defined in hierarchy.models. Tests may read the rows
to check them; migrations are generated."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ["pkkdata", "hierarchy", "documents", "households", "reports", "recaps", "demo", "bench"]

RULES = [
    # (what, pattern, the modules allowed to use it)
    (
        "the permission rows",
        re.compile(r"UnitUserObjectPermission|userobjectpermission", re.IGNORECASE),
        {"hierarchy/models.py", "hierarchy/access.py", "hierarchy/services.py"},
    ),
    ("the raw grants", re.compile(r"\b_?grants\(|\b_Grant\b|_pkk_grants"), {"hierarchy/access.py"}),
    ("django-guardian", re.compile(r"^\s*(from|import) guardian\b", re.MULTILINE), {"hierarchy/models.py"}),
]


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            yield path.relative_to(ROOT).as_posix(), path.read_text()


def _offences():
    found = []
    for name, text in _sources():
        for what, pattern, allowed in RULES:
            if name not in allowed and pattern.search(text):
                found.append(f"{name} reads {what}: ask a verb of hierarchy.access")
    return found


def test_only_access_reads_rights():
    assert _offences() == []


def test_the_check_sees_a_raw_read():
    assert RULES[1][1].search("held = {g.perm for g in access.grants(user)}")
    assert RULES[0][1].search("user.unituserobjectpermission_set.all()")
    assert RULES[2][1].search("x = 1\nfrom guardian.shortcuts import get_perms\n")
