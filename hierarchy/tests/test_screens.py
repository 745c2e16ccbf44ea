"""What users found when they clicked through the screens on a phone (the browser walkthrough)."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hierarchy import services
from hierarchy.models import Unit, User


def test_a_unit_closed_today_can_be_reopened(client, cast):
    today = timezone.localdate()
    services.unit_close(actor=cast.users["kelurahan"], unit=cast.dw_c, on_date=today)
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("hierarchy:unit_detail", args=[cast.dw_c.pk])).content.decode()
    assert reverse("hierarchy:unit_reopen", args=[cast.dw_c.pk]) in body
    assert reverse("hierarchy:unit_close", args=[cast.dw_c.pk]) not in body


def test_a_closed_unit_takes_no_new_groups_or_accounts(client, cast):
    day = timezone.localdate() - datetime.timedelta(days=1)
    services.unit_close(actor=cast.users["kelurahan"], unit=cast.dw_c, on_date=day)
    services.unit_close(actor=cast.users["kelurahan"], unit=cast.rt_b, on_date=day)
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("hierarchy:unit_create", args=[cast.rt_b.pk]),
        {"level": "dasawisma", "code": "DW09", "name": "Baru", "active_from": "2026-01-01"},
    )
    assert response.status_code == 200 and "sudah ditutup" in response.content.decode()
    assert not Unit.objects.filter(parent=cast.rt_b, code="DW09").exists()
    assert client.get(reverse("hierarchy:account_create", args=[cast.dw_c.pk])).status_code == 403


def test_rt_rows_do_not_count_themselves(client, cast):
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("hierarchy:unit_detail", args=[cast.kel.pk])).content.decode()
    assert "RT 002" in body and "· 1 RT" in body  # only RW 01 contains an RT
    assert body.count("· 1 RT") == 1


def test_rt_numbers_are_padded_and_prefixes_dropped(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.post(
        reverse("hierarchy:unit_create", args=[cast.kel.pk]),
        {"level": "rt", "code": "2", "name": "RT 2", "active_from": "2026-01-01"},
    )
    assert "Kode ini sudah dipakai" in response.content.decode()  # "2" is RT 002
    client.post(
        reverse("hierarchy:unit_create", args=[cast.kel.pk]),
        {"level": "rt", "code": "7", "name": "", "active_from": "2026-01-01"},
    )
    assert str(Unit.objects.get(parent=cast.kel, code="007")) == "RT 007"


def test_date_inputs_carry_iso_values_for_phone_pickers(client, cast):
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("hierarchy:unit_create", args=[cast.kel.pk])).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in body


def test_pages_stay_indonesian_for_an_english_phone(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.post(reverse("hierarchy:unit_create", args=[cast.kel.pk]), {}, HTTP_ACCEPT_LANGUAGE="en-US")
    body = response.content.decode()
    assert "This field is required" not in body and "tidak boleh kosong" in body


def test_home_links_only_to_units_the_user_can_open(client, cast):
    client.force_login(cast.users["kecamatan"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("hierarchy:unit_detail", args=[cast.kota.pk]) not in body
    assert reverse("hierarchy:unit_detail", args=[cast.kec.pk]) in body


def test_typing_the_logout_address_asks_instead_of_failing(client, cast):
    client.force_login(cast.users["kader"])
    response = client.get(reverse("logout"))
    assert response.status_code == 200 and "Keluar dari aplikasi?" in response.content.decode()
    response = client.post(reverse("logout"), follow=True)
    assert "Anda sudah keluar" in response.content.decode()


def test_new_password_from_the_kelurahan_lifts_a_lockout(client, cast):
    kader = cast.users["kader"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "kader", "password": "salah"})
    locked = client.post(reverse("login"), {"username": "kader", "password": "salah"})
    assert locked.status_code == 429 and "15 menit" in locked.content.decode()
    services.account_set_password(actor=cast.users["kelurahan"], user=kader, password="Sandi-Baru-Kader-26")
    response = client.post(reverse("login"), {"username": "kader", "password": "Sandi-Baru-Kader-26"})
    assert response.status_code == 302
    assert User.objects.get(pk=kader.pk).last_login is not None
