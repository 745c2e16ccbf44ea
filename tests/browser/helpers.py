"""What the browser tests do on a page: fill a form from the same POST data the view tests use, and ask
axe-core (axe-playwright-python, its own copy of axe.min.js) for serious or critical violations."""

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.conftest import PASSWORD

_axe = Axe()


def fill(page, data, skip=()):
    """Type data ({field name: value as a browser posts it}) into the page's form fields. Empty values
    are left as the page has them, and so are fields the page hides (a dependent field whose question
    was answered "no")."""
    for name, value in data.items():
        if name in skip or name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")) or value == "":
            continue
        field = page.locator(f'[name="{name}"]')
        if not field.count():
            continue
        first = field.first
        if first.get_attribute("type") != "hidden" and not field.last.is_visible():
            continue
        kind = (first.get_attribute("type") or first.evaluate("e => e.tagName")).lower()
        if kind == "radio":
            if value != "":
                page.locator(f'[name="{name}"][value="{value}"]').check()
        elif kind == "checkbox":
            first.set_checked(value in ("on", "1", True))
        elif kind == "select":
            if value != "":
                first.select_option(str(value))
        elif kind != "hidden":
            first.fill(str(value))


def serious_violations(page):
    """The axe-core violations of impact serious or critical on the page, as short strings."""
    results = _axe.run(page)
    found = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def fill_in_steps(page, data):
    """Fill a form shown in steps (households-entry.js) from the step on show: each step's fields, then
    "Lanjut", up to the last step. Returns the number of the last step ("Langkah n dari n")."""
    count = page.locator(".step-count")
    for _ in range(100):
        fill(page, data)
        at, total = (int(word) for word in count.inner_text().split()[1::2])
        if at == total:
            return total
        page.get_by_role("button", name="Lanjut ›").click()
        assert count.inner_text() == f"Langkah {at + 1} dari {total}"
    raise AssertionError("the steps never end")


def open_new_household(page, live_server, cast, username="kader"):
    """Log in through the form and open the cast's dasawisma's "Rumah tangga baru" page."""
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("households:rumah_tangga_create", args=[cast.dw.pk]))
    page.wait_for_load_state()
