"""Two people editing the same member or household (households.versions, issue 11): the second save
over a newer version is refused with what the first person changed, keeps what the second typed, takes
the first person's values where the second did not touch them, and saves on the next click. The same for
every other edit form of the entry screens: No. KK, a household leaving, Kegiatan Warga and the two
household sheets (whose version is their rows', versions.RowSet)."""

import datetime
import re

from django.test import Client
from django.urls import reverse

from households.forms import TIDAK, YA
from households.models import IndustriRumahTangga, KegiatanWarga, Keluarga, PemanfaatanPekarangan, RumahTangga, Warga
from households.tests.url_cases_entry import kegiatan_post, sheet_post, warga_post


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


def _notice(response):
    """The 'Diubah orang lain' notice of a refused save."""
    body = response.content.decode()
    assert response.status_code == 200 and "Diubah orang lain" in body, body
    return body.split('id="diubah-judul"')[1].split("</section>")[0]


def test_the_second_save_of_a_no_kk_is_refused_and_keeps_what_was_typed(cast):
    keluarga = Keluarga.objects.get(pk=cast.w_hendra.keluarga_id)
    url = reverse("households:keluarga_edit", args=[keluarga.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))
    assert _versi(b.get(url)) == read

    assert a.post(url, {"no_kk": "6474021202200007", "versi": read}).status_code == 302
    page = b.post(url, {"no_kk": "6474020503210012", "versi": read})
    notice = _notice(page)
    assert "No. KK" in notice and "(disamarkan)" in notice and "Kader" in notice
    assert "6474021202200007" not in notice and keluarga.no_kk not in notice  # numbers only on the form itself
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == "6474021202200007"
    assert page.context["form"]["no_kk"].value() == "6474020503210012"
    newer = _versi(page)
    assert newer != read

    assert b.post(url, {"no_kk": "6474020503210012", "versi": newer}).status_code == 302
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == "6474020503210012"


def test_a_no_kk_form_sent_unchanged_over_a_newer_one_shows_the_newer(cast):
    keluarga = Keluarga.objects.get(pk=cast.w_hendra.keluarga_id)
    url = reverse("households:keluarga_edit", args=[keluarga.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))
    a.post(url, {"no_kk": "6474021202200007", "versi": read})
    page = b.post(url, {"no_kk": keluarga.no_kk, "versi": read})  # saved as read: would undo the other's
    assert "Diubah orang lain" in page.content.decode()
    assert page.context["form"]["no_kk"].value() == "6474021202200007"
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == "6474021202200007"


def test_the_second_leave_date_is_refused_with_the_first(cast):
    url = reverse("households:rumah_tangga_leave", args=[cast.hh_b.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))
    assert _versi(b.get(url)) == read

    assert a.post(url, {"tanggal_keluar": "2025-06-30", "versi": read}).status_code == 302
    page = b.post(url, {"tanggal_keluar": "2025-07-15", "versi": read})
    notice = _notice(page)
    assert "Tidak lagi di dasawisma sejak" in notice and "<strong>30-06-2025</strong>" in notice
    assert RumahTangga.objects.get(pk=cast.hh_b.pk).tanggal_keluar == datetime.date(2025, 6, 30)
    assert page.context["form"]["tanggal_keluar"].value() == datetime.date(2025, 7, 15)

    assert b.post(url, {"tanggal_keluar": "2025-07-15", "versi": _versi(page)}).status_code == 302
    assert RumahTangga.objects.get(pk=cast.hh_b.pk).tanggal_keluar == datetime.date(2025, 7, 15)


def test_the_second_save_of_kegiatan_warga_shows_the_first_and_merges(cast):
    url = reverse("households:kegiatan_edit", args=[cast.w_rina.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))  # no rows yet: version 0
    assert _versi(b.get(url)) == read

    assert a.post(url, kegiatan_post(kerja_bakti=("1", "Kerja bakti RT")) | {"versi": read}).status_code == 302
    page = b.post(url, kegiatan_post(arisan=("1", "Arisan PKK")) | {"versi": read})
    notice = _notice(page)
    assert "Kerja Bakti — aktivitas" in notice and "<strong>Ya</strong>" in notice
    assert "<strong>Kerja bakti RT</strong>" in notice and "Arisan" not in notice
    rows = {k.kegiatan: (k.aktif, k.keterangan) for k in KegiatanWarga.objects.filter(warga=cast.w_rina)}
    assert rows["kerja_bakti"] == (True, "Kerja bakti RT") and rows["arisan"] == (False, "")
    form = page.context["form"]
    assert form["kerja_bakti_aktif"].value() == YA and form["kerja_bakti_keterangan"].value() == "Kerja bakti RT"
    assert form["arisan_aktif"].value() == YA and form["arisan_keterangan"].value() == "Arisan PKK"
    assert form["jimpitan_aktif"].value() == TIDAK
    newer = _versi(page)
    assert newer != read

    both = kegiatan_post(kerja_bakti=("1", "Kerja bakti RT"), arisan=("1", "Arisan PKK"))
    assert b.post(url, both | {"versi": newer}).status_code == 302
    rows = {k.kegiatan: (k.aktif, k.keterangan) for k in KegiatanWarga.objects.filter(warga=cast.w_rina)}
    assert rows["kerja_bakti"] == (True, "Kerja bakti RT") and rows["arisan"] == (True, "Arisan PKK")


def _sheet_rows(formset):
    """The rows of a re-shown sheet as the browser sends them back."""
    return [
        {
            name: "" if row.initial.get(name) is None else str(row.initial[name])
            for name in ("id", "kategori", "komoditi", "jumlah")
        }
        for row in formset.forms
        if row.initial
    ]


def test_the_second_save_of_a_pekarangan_sheet_shows_the_first_and_merges(cast):
    jahe = PemanfaatanPekarangan.objects.create(
        rumah_tangga=cast.hh_a, kategori="toga", komoditi="Jahe", jumlah="10 pohon"
    )
    lele = PemanfaatanPekarangan.objects.create(
        rumah_tangga=cast.hh_a, kategori="perikanan", komoditi="Lele", jumlah="1 kolam"
    )
    url = reverse("households:pekarangan_edit", args=[cast.hh_a.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))
    assert _versi(b.get(url)) == read
    as_read = [
        {"id": str(jahe.pk), "kategori": "toga", "komoditi": "Jahe", "jumlah": "10 pohon"},
        {"id": str(lele.pk), "kategori": "perikanan", "komoditi": "Lele", "jumlah": "1 kolam"},
    ]

    first = [
        as_read[0] | {"jumlah": "12 pohon"},
        as_read[1],
        {"id": "", "kategori": "toga", "komoditi": "Kunyit", "jumlah": "5 pohon"},
    ]
    assert a.post(url, sheet_post("pekarangan", *first) | {"versi": read}).status_code == 302
    page = b.post(url, sheet_post("pekarangan", as_read[0], as_read[1] | {"jumlah": "2 kolam"}) | {"versi": read})
    notice = _notice(page)
    assert "Jahe — jumlah" in notice and "10 pohon" in notice and "<strong>12 pohon</strong>" in notice
    assert "Kunyit (baris baru)" in notice and "Lele" not in notice
    assert PemanfaatanPekarangan.objects.get(pk=lele.pk).jumlah == "1 kolam"
    shown = {row["komoditi"]: row for row in _sheet_rows(page.context["formset"])}
    assert shown["Jahe"]["jumlah"] == "12 pohon" and shown["Lele"]["jumlah"] == "2 kolam"  # theirs and mine
    assert shown["Kunyit"]["id"] != "" and len(shown) == 3
    newer = _versi(page)
    assert newer != read

    assert b.post(url, sheet_post("pekarangan", *shown.values()) | {"versi": newer}).status_code == 302
    saved = PemanfaatanPekarangan.objects.filter(rumah_tangga=cast.hh_a).order_by("komoditi")
    assert list(saved.values_list("komoditi", "jumlah")) == [
        ("Jahe", "12 pohon"),
        ("Kunyit", "5 pohon"),
        ("Lele", "2 kolam"),
    ]


def test_a_sheet_row_removed_by_the_other_is_kept_only_if_changed_here(cast):
    amplang = IndustriRumahTangga.objects.create(
        rumah_tangga=cast.hh_a, kategori="pangan", komoditi="Amplang", jumlah="20 kg"
    )
    kerupuk = IndustriRumahTangga.objects.create(
        rumah_tangga=cast.hh_a, kategori="pangan", komoditi="Kerupuk", jumlah="5 kg"
    )
    url = reverse("households:industri_edit", args=[cast.hh_a.pk])
    a, b = _client(cast, "kader"), _client(cast, "ketua_dasawisma")
    read = _versi(a.get(url))
    rows = [
        {"id": str(amplang.pk), "kategori": "pangan", "komoditi": "Amplang", "jumlah": "20 kg"},
        {"id": str(kerupuk.pk), "kategori": "pangan", "komoditi": "Kerupuk", "jumlah": "5 kg"},
    ]
    assert a.post(url, sheet_post("industri") | {"versi": read}).status_code == 302  # both rows removed
    page = b.post(url, sheet_post("industri", rows[0] | {"jumlah": "25 kg"}, rows[1]) | {"versi": read})
    notice = _notice(page)
    assert "Amplang (baris dihapus)" in notice and "Kerupuk (baris dihapus)" in notice
    assert not IndustriRumahTangga.objects.filter(rumah_tangga=cast.hh_a).exists()
    shown = _sheet_rows(page.context["formset"])
    assert shown == [
        {"id": "", "kategori": "pangan", "komoditi": "Amplang", "jumlah": "25 kg"}
    ]  # changed here: kept, as new

    assert b.post(url, sheet_post("industri", *shown) | {"versi": _versi(page)}).status_code == 302
    assert list(IndustriRumahTangga.objects.filter(rumah_tangga=cast.hh_a).values_list("komoditi", "jumlah")) == [
        ("Amplang", "25 kg")
    ]


def test_tambah_baris_keeps_the_version_read(cast):
    url = reverse("households:pekarangan_edit", args=[cast.hh_a.pk])
    kader = _client(cast, "kader")
    read = _versi(kader.get(url))
    row = {"id": "", "kategori": "toga", "komoditi": "Jahe", "jumlah": "1"}
    assert _versi(kader.post(url, sheet_post("pekarangan", row) | {"versi": read, "tambah_baris": "1"})) == read
