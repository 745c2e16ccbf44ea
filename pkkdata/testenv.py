"""pytest plugin loaded before Django starts (see pytest.ini): test runs are development runs, so
DEBUG defaults to on (a random SECRET_KEY kept out of the repository, no HTTPS redirect). Django's
test runner still runs the tests themselves with DEBUG off."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")
