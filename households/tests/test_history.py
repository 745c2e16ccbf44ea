"""The change history of a household: who changed what, from what to what, on one page for the whole
household, masked, in a bounded number of queries, and only for the people answerable for the data."""

import re
from itertools import pairwise

import pytest
from django.urls import reverse

from households import services, validation
from households.history import household_history
from households.tests import factories as f


def history_page(client, user, rumah_tangga, **params):
    client.force_login(user)
    return client.get(reverse("households:rumah_tangga_history", args=[rumah_tangga.pk]), params)


def test_a_change_shows_old_and_new_value_and_who_made_it(client, cast):
    services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_a, data={"alamat": "Jl. Kenanga 5"})
    body = history_page(client, cast.users["kelurahan"], cast.hh_a).content.decode()
    entry = body[body.index('<li class="hist') : body.index("</li>", body.index('<li class="hist'))]
    assert "Rumah tangga" in entry and "diubah" in entry and "oleh Kader" in entry
    assert re.search(r"Alamat:</span> <del>Jl\. Melati 1 No\. 2</del> → <ins>Jl\. Kenanga 5</ins>", entry)


def test_changes_of_members_kegiatan_and_sheets_are_in_the_household_history(client, cast):
    kader = cast.users["kader"]
    services.warga_update(
        actor=kader, warga=cast.w_rina, data={"pekerjaan": "pedagang", "akseptor_kb": True, "jenis_kb": "pil"}
    )
    kegiatan = cast.w_rina.kegiatan.model(warga=cast.w_rina, kegiatan="arisan", aktif=True)
    kegiatan._history_user = kader
    kegiatan.save()
    sheet = cast.hh_a.pekarangan.model(rumah_tangga=cast.hh_a, kategori="toga", komoditi="Kunyit", jumlah="3")
    sheet._history_user = kader
    sheet.save()
    body = history_page(client, cast.users["kader"], cast.hh_a).content.decode()
    assert "Warga Rina Wijayakusuma" in body
    assert "<del>Swasta</del> → <ins>Pedagang</ins>" in body
    assert "<del>Tidak</del> → <ins>Ya</ins>" in body  # akseptor KB
    assert "Kegiatan warga Rina Wijayakusuma: Arisan" in body
    assert "Pemanfaatan pekarangan: TOGA Kunyit" in body


def test_newest_first(cast):
    services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_b, data={"alamat": "Satu"})
    services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_b, data={"alamat": "Dua"})
    rows = household_history(cast.hh_b.pk)
    assert [c.new for c in rows[0].changes] == ["Dua"] and [c.new for c in rows[1].changes] == ["Satu"]
    assert all(a.when >= b.when for a, b in pairwise(rows))


def test_nik_and_no_kk_are_masked_in_the_history(client, cast):
    old_nik = cast.w_hendra.nik
    new_nik = f.make_nik(cast.w_hendra.tanggal_lahir, "L")
    services.warga_update(actor=cast.users["kader"], warga=cast.w_hendra, data={"nik": new_nik})
    kel = cast.w_hendra.keluarga
    old_kk, new_kk = kel.no_kk, f.make_no_kk()
    services.keluarga_update(actor=cast.users["kader"], keluarga=kel, no_kk=new_kk)
    for role in ["kader", "kota"]:
        body = history_page(client, cast.users[role], cast.hh_a).content.decode()
        for number in [old_nik, new_nik, old_kk, new_kk]:
            assert number not in body
        assert f"<del>{validation.mask(old_nik)}</del> → <ins>{validation.mask(new_nik)}</ins>" in body
        assert f"<del>{validation.mask(old_kk)}</del> → <ins>{validation.mask(new_kk)}</ins>" in body


def test_a_deleted_member_stays_in_the_history_by_name(client, cast):
    services.warga_delete(actor=cast.users["kader"], warga=cast.w_dimas)
    body = history_page(client, cast.users["kader"], cast.hh_a).content.decode()
    assert "Warga Dimas Wijayakusuma" in body and "dihapus" in body


def test_the_kepala_rumah_tangga_is_named_not_numbered(client, cast):
    services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_a, data={}, krt=cast.w_rina)
    body = history_page(client, cast.users["kader"], cast.hh_a).content.decode()
    assert "<del>Hendra Wijayakusuma</del> → <ins>Rina Wijayakusuma</ins>" in body


def test_a_move_names_both_dasawisma(client, cast):
    services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_a, dasawisma=cast.dw_b)
    body = history_page(client, cast.users["kelurahan"], cast.hh_a).content.decode()
    assert "<del>Melati 1</del> → <ins>Melati 2</ins>" in body and "oleh Kelurahan" in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("kader", 200), ("ketua_dasawisma", 200), ("kelurahan", 200), ("sekretaris", 200), ("kecamatan", 200),
        ("kota", 200), ("admin", 200), ("rt", 403), ("rw", 403), ("outsider", 404), ("nobody", 404),
    ],
)  # fmt: skip
def test_who_may_read_the_history(client, cast, role, status):
    assert history_page(client, cast.users[role], cast.hh_a).status_code == status


def test_kader_cannot_read_the_history_of_the_sibling_dasawisma(client, cast):
    assert history_page(client, cast.users["kader"], cast.hh_c).status_code == 404


def test_rt_is_told_why(client, cast):
    response = history_page(client, cast.users["rt"], cast.hh_a)
    assert "hanya untuk kader dasawisma ini dan TP PKK desa/kelurahan ke atas" in response.content.decode()


def _edit_many_times(cast, n):
    for i in range(n):
        services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_a, data={"alamat": f"Jl. {i}"})
        services.warga_update(actor=cast.users["kader"], warga=cast.w_rina, data={"keterangan": f"catatan {i}"})


@pytest.mark.parametrize("edits", [1, 40])
def test_history_in_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries, edits):
    _edit_many_times(cast, edits)
    client.force_login(cast.users["kelurahan"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("households:rumah_tangga_history", args=[cast.hh_a.pk]))
    assert response.status_code == 200


def test_history_is_paginated(client, cast):
    _edit_many_times(cast, 20)
    body = history_page(client, cast.users["kader"], cast.hh_a).content.decode()
    assert body.count('<li class="hist') == 30 and "Halaman 1 dari 2" in body
    body = history_page(client, cast.users["kader"], cast.hh_a, hal=2).content.decode()
    assert "Halaman 2 dari 2" in body and "Rumah tangga" in body


def test_saves_that_change_nothing_are_left_out(cast):
    before = len(household_history(cast.hh_a.pk))
    services.rumah_tangga_update(actor=cast.users["kader"], rumah_tangga=cast.hh_a, data={})
    assert len(household_history(cast.hh_a.pk)) == before


def test_creation_lists_what_was_entered(cast):
    rows = household_history(cast.hh_b.pk)
    created = [r for r in rows if r.subject == "Warga Sumiati Wijayakusuma" and r.action == "+"]
    assert created and {c.label: c.new for c in created[0].changes}["Tanggal lahir"] == "20-01-1950"
