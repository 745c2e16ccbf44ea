"""URL cases of the jobs app (tests/test_urls_by_role.py): the list of one's own jobs is every signed-in
user's; one job's pages are its owner's only (households/tests/url_cases_exports.py, with a real job)."""

from hierarchy.tests.url_cases import LOGGED_IN, table

CASES = [
    ("jobs:daftar", lambda c: {}, "get", None, table(ok=LOGGED_IN)),
]
