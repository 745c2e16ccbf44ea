"""Bad input in the address never reaches a stack trace."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("name", "args"),
    [("hierarchy:account_list", []), ("households:warga_search", []), ("documents:verifikasi", [])],
)
def test_a_nul_in_the_address_is_a_400_page_not_a_500(client, cast, name, args):
    client.force_login(cast.users["kelurahan"])
    response = client.get(reverse(name, args=args), {"q": "a\x00b", "kode": "\x00"})
    assert response.status_code == 400
    assert "Permintaan tidak sah" in response.content.decode()


def test_pages_of_a_signed_in_person_are_not_kept_by_a_shared_phone(client, cast):
    client.force_login(cast.users["kader"])
    for name, args in [("home", []), ("households:rumah_tangga_detail", [cast.hh_a.pk])]:
        cache = client.get(reverse(name, args=args)).get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache
    client.logout()
    # the public verification page holds no personal data: a browser may keep it
    assert "no-store" not in client.get(reverse("documents:verifikasi")).get("Cache-Control", "")
