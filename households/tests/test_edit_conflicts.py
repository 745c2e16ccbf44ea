"""Two people editing the same member or household (households.versions, issue 11): the second save
over a newer version is refused with what the first person changed, keeps what the second typed, takes
the first person's values where the second did not touch them, and saves on the next click."""

import re

from django.test import Client
from django.urls import reverse

from households.models import RumahTangga, Warga
from households.tests.url_cases_entry import warga_post


def _versi(response):
    return re.search(r'name="versi" value="(\d+)"', response.content.decode()).group(1)


def _client(cast, user):
    client = Client()
    client.force_login(cast.users[user])
    return client


def _rina_base(cast):
    return warga_post(
        nama="Rina Wijayakusuma", nik=cast.w_rina.nik, jenis_kelamin="P", tanggal_lahir="1988-08-17",
        status_dalam_keluarga="istri", status_perkawinan="menikah", tempat_lahir="Bontang", keterangan="",
        agama="islam", pendidikan="sma", pekerjaan="irt",
    )  # fmt: skip


def test_the_second_save_of_a_member_shows_the_first_and_merges(cast):
    url = reverse("households:warga_edit", args=[cast.w_rina.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    base = _rina_base(cast)
    assert a.post(url, base).status_code == 302  # the record as both read it
    read = _versi(a.get(url))
    assert _versi(b.get(url)) == read

    assert a.post(url, base | {"tempat_lahir": "Samarinda", "versi": read}).status_code == 302
    page = b.post(url, base | {"keterangan": "Pindah kamar", "versi": read})
    body = page.content.decode()
    assert page.status_code == 200 and "Diubah orang lain" in body
    assert "Kader" in body and "Bontang" in body and "<strong>Samarinda</strong>" in body
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    assert (rina.tempat_lahir, rina.keterangan) == ("Samarinda", "")  # nothing of the second save written
    form = page.context["form"]
    assert form["tempat_lahir"].value() == "Samarinda" and form["keterangan"].value() == "Pindah kamar"
    newer = _versi(page)
    assert newer != read

    again = b.post(url, base | {"tempat_lahir": "Samarinda", "keterangan": "Pindah kamar", "versi": newer})
    assert again.status_code == 302
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    assert (rina.tempat_lahir, rina.keterangan) == ("Samarinda", "Pindah kamar")


def test_a_nik_changed_by_someone_else_is_not_shown_in_the_notice(cast):
    url = reverse("households:warga_edit", args=[cast.w_rina.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    base = _rina_base(cast)
    a.post(url, base)
    read = _versi(a.get(url))
    a.post(url, base | {"nik": "", "versi": read})
    body = b.post(url, base | {"keterangan": "x", "versi": read}).content.decode()
    assert "(disamarkan)" in body and cast.w_rina.nik not in body.split("Diubah orang lain")[1].split("</section>")[0]


def test_a_form_without_a_version_saves_as_before(cast):
    url = reverse("households:warga_edit", args=[cast.w_rina.pk])
    assert _client(cast, "kader").post(url, _rina_base(cast) | {"keterangan": "tanpa versi"}).status_code == 302
    assert Warga.objects.get(pk=cast.w_rina.pk).keterangan == "tanpa versi"


def test_the_second_save_of_a_household_shows_the_first(cast):
    url = reverse("households:rumah_tangga_edit", args=[cast.hh_a.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    form = a.get(url).context["form"]
    # the form as a browser sends it: ticked boxes only
    data = {f"rt-{name}": ("on" if value is True else "" if value is None else value)
            for name, value in ((n, form[n].value()) for n in form.fields) if value is not False}  # fmt: skip
    data["rt-krt"] = str(cast.w_hendra.pk)
    read = _versi(a.get(url))
    assert a.post(url, data | {"rt-alamat": "Jl. Melati 1 No. 3", "versi": read}).status_code == 302
    page = b.post(url, data | {"rt-kriteria_rumah": "tidak_sehat", "versi": read})
    assert page.status_code == 200 and "Jl. Melati 1 No. 3" in page.content.decode()
    household = RumahTangga.objects.get(pk=cast.hh_a.pk)
    assert household.alamat == "Jl. Melati 1 No. 3" and household.kriteria_rumah == "sehat"
    shown = page.context["form"]
    assert shown["alamat"].value() == "Jl. Melati 1 No. 3" and shown["kriteria_rumah"].value() == "tidak_sehat"
