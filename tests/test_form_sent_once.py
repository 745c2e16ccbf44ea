"""Each create form counts once (hierarchy.receipts, issue 11): the same form sent again (a double tap,
a retry on bad signal) shows the first result instead of recording a second birth or member; a form
corrected after an error is still one form. Two copies at the same moment: tests/test_double_posts.py."""

import datetime
import re

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from hierarchy.models import KirimanForm
from hierarchy.receipts import ALREADY_SENT
from households.models import Kelahiran, Warga
from reports.tests.url_cases_events import kelahiran_post

DAY = datetime.date(2026, 3, 10)


def _key(page):
    return re.search(r'name="kirim_id" value="([0-9a-f]{32})"', page.content.decode()).group(1)


def _birth_form(client, cast):
    url = reverse("reports:kelahiran_add", args=[cast.dw.pk])
    return url, _key(client.get(url))


def _birth(cast, key, **extra):
    return {**kelahiran_post(cast.w_rina, tanggal=DAY.isoformat(), konfirmasi=True), "kirim_id": key, **extra}


def test_a_birth_form_sent_twice_records_one_birth_and_shows_the_first_result(client, cast):
    client.force_login(cast.users["kader"])
    url, key = _birth_form(client, cast)
    first = client.post(url, _birth(cast, key))
    assert first.status_code == 302 and Kelahiran.objects.count() == 1
    again = client.post(url, _birth(cast, key))
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert ALREADY_SENT in [str(m) for m in get_messages(again.wsgi_request)]
    assert Kelahiran.objects.count() == 1 and Warga.objects.filter(nama="Putri").count() == 1
    other = _birth_form(client, cast)[1]  # a new form has a new key
    assert other != key


def test_a_form_corrected_after_an_error_is_still_one_form(client, cast):
    client.force_login(cast.users["kader"])
    url, key = _birth_form(client, cast)
    wrong = client.post(url, _birth(cast, key, tanggal="2099-01-01"))
    assert wrong.status_code == 200 and _key(wrong) == key  # the form comes back with its own key
    assert not KirimanForm.objects.exists()
    assert client.post(url, _birth(cast, key)).status_code == 302
    assert client.post(url, _birth(cast, key)).status_code == 302
    assert Kelahiran.objects.count() == 1


def test_a_member_without_nik_added_twice_is_added_once(client, cast):
    client.force_login(cast.users["kader"])
    url = reverse("households:warga_add", args=[cast.w_rina.keluarga_id])
    key = _key(client.get(url))
    form = client.get(url).context["form"]
    data = dict.fromkeys(form.fields, "")
    data.update(
        nama="Ayu Wijayakusuma", jenis_kelamin="P", tanggal_lahir="2001-05-05", status_dalam_keluarga="anak",
        status_perkawinan="lajang", agama="islam", pendidikan="sma", pekerjaan="pelajar", berkebutuhan_khusus="tidak",
        kirim_id=key,
    )  # fmt: skip
    for name in ("akseptor_kb", "aktif_posyandu", "ikut_bkb", "punya_tabungan", "ikut_kelompok_belajar", "ikut_paud",
                 "ikut_koperasi", "ibu_menyusui"):  # fmt: skip
        data[name] = "0"
    first = client.post(url, data)
    assert first.status_code == 302, first.context["form"].errors
    assert client.post(url, data).status_code == 302
    assert Warga.objects.filter(nama="Ayu Wijayakusuma").count() == 1


def test_the_key_is_one_persons_a_colleague_with_the_same_key_is_not_sent_to_it(client, cast):
    """Keys are per person: another account's form never lands on someone else's result."""
    client.force_login(cast.users["kader"])
    url, key = _birth_form(client, cast)
    client.post(url, _birth(cast, key))
    other = Client()
    other.force_login(cast.users["ketua_dasawisma"])
    response = other.post(url, _birth(cast, key, bayi_nama="Putra", bayi_jenis_kelamin="L"))
    assert response.status_code == 302 and Kelahiran.objects.count() == 2  # twins, recorded by two people
