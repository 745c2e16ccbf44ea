"""A form page that comes back with errors lists every message at its top, each a link to its field, and
takes the focus there (pkkdata/formtags.py, drawn by base.html): the household page with its keluarga
and members is several forms, and its errors may sit screens apart on a phone."""

import re

from django.urls import reverse

from households.tests.url_cases_entry import BUDI, SITI, rumah_tangga_post


def _summary(body):
    found = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', body, re.S)
    return found and found[1]


def test_a_household_with_errors_in_two_forms_lists_both_and_links_to_each(client, cast):
    client.force_login(cast.users["kader"])
    data = rumah_tangga_post(BUDI, SITI)
    data["rt-alamat"] = ""  # the rumah tangga's form
    member_name = next(key for key in data if key.startswith("anggota-") and key.endswith("-nama"))
    data[member_name] = ""  # a member's form in the formset
    response = client.post(reverse("households:rumah_tangga_create", args=[cast.dw.pk]), data)
    body = response.content.decode()
    summary = _summary(body)
    assert response.status_code == 200 and summary, "the page shows the summary"
    assert 'tabindex="-1" autofocus' in body and 'role="alert"' in body
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert len(anchors) >= 2
    for anchor in anchors:
        assert f'id="{anchor}"' in body, anchor  # every link lands on its field
    assert "Baris " in summary  # a member's message says which member
    # The summary sits before the page's own content, right under the header.
    assert body.index('class="error-summary"') < body.index("<h1")


def test_no_summary_on_a_page_without_errors_or_on_a_get(client, cast):
    client.force_login(cast.users["kader"])
    url = reverse("households:rumah_tangga_create", args=[cast.dw.pk])
    assert "error-summary" not in client.get(url).content.decode()
    client.force_login(cast.users["kelurahan"])
    search = client.get(reverse("households:warga_search"), {"q": "x" * 500}).content.decode()
    assert "error-summary" not in search
