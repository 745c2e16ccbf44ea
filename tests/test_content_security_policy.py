"""Content-Security-Policy (django-csp, issue 11): every page says scripts come only from our own static
files; no template carries an inline script or event handler that the policy would block (a
confirmation is data-confirm, read by static/js/confirm.js)."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _policy(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())


def test_pages_forbid_inline_and_foreign_scripts_and_framing(client, cast):
    for user, url in [
        (None, reverse("login")),
        ("kader", reverse("home")),
        ("kelurahan", reverse("hierarchy:unit_detail", args=[cast.dw.pk])),
        ("kelurahan", reverse("hierarchy:account_detail", args=[cast.users["kader"].pk])),
    ]:
        if user:
            client.force_login(cast.users[user])
        response = client.get(url)
        assert response.status_code == 200, url
        policy = _policy(response)
        assert policy["script-src"] == "'self'", url
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", url
        assert policy["form-action"] == "'self'", url


def test_no_template_has_an_inline_script_or_event_handler():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "/pdf/" in str(path) or path.name.startswith("_rekap_style"):
            continue  # PDFs are laid out by WeasyPrint, never run by a browser
        text = path.read_text()
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in INLINE_HANDLER.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    assert found == []


def test_a_confirmation_is_a_data_attribute_read_by_our_script(client, cast):
    client.force_login(cast.users["kelurahan"])
    page = client.get(reverse("hierarchy:unit_detail", args=[cast.dw.pk])).content.decode()
    assert 'data-confirm="Tutup Melati 1?"' in page
    assert "/static/js/confirm" in page
