"""URL cases of the onboarding screens for the URL-by-role walk (tests/test_urls_by_role.py)."""

from hierarchy.tests.url_cases import ACC, LOGGED_IN, SEE_RT, table

CASES = [
    ("onboarding:upload", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=ACC)),
    # A kelurahan only: an RT is not found for those who manage accounts, forbidden for those who see it.
    ("onboarding:upload", lambda c: {"unit_pk": c.rt.pk}, "get", None, table(forbidden=SEE_RT - ACC)),
    ("onboarding:template", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=ACC)),
    # Another person's, or a used, preview: not found.
    ("onboarding:preview", lambda c: {"token": "0" * 32}, "get", None, table(missing=LOGGED_IN)),
]
