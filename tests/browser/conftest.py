"""Browser tests: Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by Playwright
(pytest-playwright) against Django's live server, at a phone's 360 px. Skipped where chromium is not
installed. Screenshots of each step go to BROWSER_SHOTS (default var/browser-shots/, not committed)."""

import os
import shutil
from pathlib import Path

import pytest

from hierarchy.tests.cast import build_cast
from households.tests.cast import add_households

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = Path(os.environ.get("BROWSER_SHOTS", Path(__file__).resolve().parents[2] / "var" / "browser-shots"))

# Playwright's sync API keeps an event loop in the test's thread; Django refuses database work in a
# thread with a running loop unless told that this is deliberate (only for these tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # The live server reads the recaps from the read replica (pkkdata.dbrouter; a test mirror here).
    replica = pytest.mark.django_db(databases=["default", "replica"])
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(replica)
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "id-ID"}


@pytest.fixture
def shot(page, request):
    """shot(name): a full-page screenshot of this step, as an artifact of the run."""
    folder = SHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(name):
        page.screenshot(path=str(folder / f"{next(counter):02d}-{name}.png"), full_page=True)

    return take


PASSWORD = "Sandi-Kader-2026"


@pytest.fixture
def cast_live(transactional_db):
    """The test cast, committed (the live server's thread reads it), each account with PASSWORD."""
    cast = add_households(build_cast())
    for user in cast.users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return cast
