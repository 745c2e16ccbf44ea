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
