"""Every URL pattern, requested by every role: the status each must get, and no name from outside the
user's area in any page. A new URL pattern without a row here fails test_every_url_is_covered."""

import importlib
import pkgutil

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hierarchy.tests.cast import build_cast
from hierarchy.tests.url_cases import LOGGED_IN, OTHER_SIDE, ROLES
from households.tests.cast import add_households


def _collect_cases():
    """The cases of every app: modules named url_cases* in <app>/tests/."""
    cases = []
    for app in ["hierarchy", "documents", "jobs", "households", "reports", "recaps", "demo"]:
        try:
            package = importlib.import_module(f"{app}.tests")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("url_cases"):
                cases += importlib.import_module(f"{app}.tests.{info.name}").CASES
    return cases


CASES = _collect_cases()


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


@pytest.fixture(scope="module")
def walk_cast(django_db_setup, django_db_blocker):
    """The cast, built once for the whole walk in a transaction rolled back at its end. Every case
    runs inside it (pytest-django's per-test transaction becomes a savepoint), and every role's request
    inside a savepoint of its own, so nothing one request writes reaches the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield add_households(build_cast())
        transaction.set_rollback(True)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_status_and_scope(client, db, walk_cast, case):
    """One case, every role. Each role's request runs in a savepoint that is rolled back, so a POST
    that succeeds for one role leaves the data as it was for the next."""
    cast = walk_cast
    name, kwargs, method, data, expected = case
    failures = []
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if role != "anon":
                client.force_login(cast.users[role])
            url = reverse(name, kwargs=kwargs(cast))
            response = client.post(url, data) if method == "post" else client.get(url)
            if response.status_code != expected[role]:
                failures.append(f"{role} {method.upper()} {url}: {response.status_code}, expected {expected[role]}")
            elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                body = response.content.decode()
                failures += [f"{role} sees {x!r} on {url}" for x in OTHER_SIDE.get(role, []) if x in body]
            transaction.set_rollback(True)
    assert failures == []


@pytest.mark.parametrize("role", LOGGED_IN)
def test_get_on_post_only_views_is_refused(client, db, walk_cast, role):
    cast = walk_cast
    client.force_login(cast.users[role])
    for name, kwargs in [("hierarchy:unit_close", {"pk": cast.dw_b.pk}), ("hierarchy:account_active", {"pk": 1})]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 405
