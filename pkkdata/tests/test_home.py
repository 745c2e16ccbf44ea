"""The home page's role card says what each role does where the user meets it."""

import pytest
from django.urls import reverse

APPROVE = "Menyetujui atau mengembalikan laporan"


@pytest.mark.parametrize(
    ("user", "approves"),
    [("rt", True), ("kelurahan", True), ("rw", False), ("kecamatan", False), ("kota", False)],
)
def test_the_role_card_promises_approvals_only_on_the_approval_chain(client, cast, user, approves):
    """Under the default chain (RT -> kelurahan) no report ever waits for an RW, a kecamatan or a kota."""
    client.force_login(cast.users[user])
    body = client.get(reverse("home")).content.decode()
    assert (APPROVE in body) is approves
    assert ("Menunggu persetujuan Anda" in body) is approves
