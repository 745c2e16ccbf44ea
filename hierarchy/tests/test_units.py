"""Managing the local groups of a kelurahan: create, rename, move, close."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from hierarchy import services
from hierarchy.levels import Level
from hierarchy.models import Unit


def test_create_rt_under_kelurahan_from_the_screen(client, cast):
    client.force_login(cast.users["sekretaris"])
    url = reverse("hierarchy:unit_create", args=[cast.kel.pk])
    response = client.post(url, {"level": "rt", "code": "003", "name": "003", "active_from": "2026-01-01"})
    assert response.status_code == 302
    rt = Unit.objects.get(parent=cast.kel, code="003")
    assert rt.level == Level.RT and rt.desa_id == cast.kel.pk and rt.rt_id == rt.pk
    assert rt.history.first().history_user == cast.users["sekretaris"]


def test_duplicate_code_is_refused_and_form_keeps_input(client, cast):
    client.force_login(cast.users["kelurahan"])
    url = reverse("hierarchy:unit_create", args=[cast.kel.pk])
    response = client.post(url, {"level": "rt", "code": "002", "name": "RT Dua", "active_from": "2026-01-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kode ini sudah dipakai" in body and 'value="RT Dua"' in body
    assert Unit.objects.filter(parent=cast.kel, code="002").count() == 1


def test_dasawisma_cannot_hang_under_a_kelurahan(cast):
    with pytest.raises(ValidationError):
        services.unit_create(actor=cast.users["kelurahan"], parent=cast.kel, level=Level.DASAWISMA, code="X", name="X")


def test_official_levels_are_not_created_here(cast):
    with pytest.raises(ValidationError):
        services.unit_create(actor=cast.users["admin"], parent=cast.kec, level=Level.DESA, code="1", name="Baru")


def test_move_rewrites_the_whole_subtree(cast):
    services.unit_move(actor=cast.users["kelurahan"], unit=cast.rt, new_parent=cast.kel)
    for unit in [cast.rt, cast.dw, cast.dw_b]:
        row = Unit.objects.get(pk=unit.pk)
        assert row.rw_id is None and row.desa_id == cast.kel.pk and row.rt_id == cast.rt.pk
    assert set(cast.rw.subtree().values_list("pk", flat=True)) == {cast.rw.pk}
    assert Unit.objects.get(pk=cast.rt.pk).parent_id == cast.kel.pk


def test_move_into_an_rw_sets_the_rw_column(cast):
    services.unit_move(actor=cast.users["kelurahan"], unit=cast.rt_b, new_parent=cast.rw)
    assert Unit.objects.get(pk=cast.dw_c.pk).rw_id == cast.rw.pk
    assert set(cast.rw.subtree().filter(level="dasawisma").values_list("name", flat=True)) == {
        "Melati 1", "Melati 2", "Mawar",
    }  # fmt: skip


def test_move_to_another_kelurahan_is_refused(cast):
    with pytest.raises((ValidationError, PermissionDenied)):
        services.unit_move(actor=cast.users["admin"], unit=cast.dw_c, new_parent=cast.rt2)
    assert Unit.objects.get(pk=cast.dw_c.pk).desa_id == cast.kel.pk


def test_rt_cannot_manage_groups(cast):
    with pytest.raises(PermissionDenied):
        services.unit_rename(actor=cast.users["rt"], unit=cast.dw, name="Baru")


def test_close_refuses_while_children_are_open_then_closes(cast):
    actor = cast.users["kelurahan"]
    day = datetime.date(2026, 6, 30)
    with pytest.raises(ValidationError):
        services.unit_close(actor=actor, unit=cast.rt_b, on_date=day)
    services.unit_close(actor=actor, unit=cast.dw_c, on_date=day)
    services.unit_close(actor=actor, unit=cast.rt_b, on_date=day)
    assert not cast.rt_b.is_active_on(datetime.date(2026, 7, 1)) and cast.rt_b.is_active_on(day)
    assert cast.kel.subtree().active_on(datetime.date(2026, 7, 1)).filter(level="dasawisma").count() == 2
    assert cast.kel.subtree().active_on(day).filter(level="dasawisma").count() == 3


def test_close_before_opening_date_is_refused(cast):
    with pytest.raises(ValidationError):
        services.unit_close(actor=cast.users["kelurahan"], unit=cast.dw_c, on_date=datetime.date(2020, 1, 1))


def test_closed_groups_are_hidden_until_asked(client, cast):
    services.unit_close(actor=cast.users["kelurahan"], unit=cast.dw_c, on_date=datetime.date(2025, 1, 1))
    client.force_login(cast.users["kelurahan"])
    url = reverse("hierarchy:unit_detail", args=[cast.rt_b.pk])
    assert "Mawar" not in client.get(url).content.decode()
    assert "Mawar" in client.get(url + "?tutup=1").content.decode()


def test_unit_page_counts_groups_below(client, cast, django_assert_max_num_queries):
    client.force_login(cast.users["kelurahan"])
    with django_assert_max_num_queries(20):
        body = client.get(reverse("hierarchy:unit_detail", args=[cast.kel.pk])).content.decode()
    assert "1 RT · 2 dasawisma" in body  # RW 01
    assert "1 dasawisma" in body  # RT 002


def test_a_group_opens_and_closes_only_on_sensible_dates(cast):
    kelurahan = cast.users["kelurahan"]
    with pytest.raises(ValidationError) as exc:
        services.unit_create(
            actor=kelurahan, parent=cast.rt, level=Level.DASAWISMA, code="DW09", name="Kenanga",
            active_from=datetime.date(9999, 1, 1),
        )  # fmt: skip
    assert "active_from" in exc.value.message_dict and not Unit.objects.filter(code="DW09").exists()
    with pytest.raises(ValidationError) as exc:
        services.unit_close(actor=kelurahan, unit=cast.dw_b, on_date=datetime.date(1899, 12, 31))
    assert "on_date" in exc.value.message_dict and Unit.objects.get(pk=cast.dw_b.pk).active_to is None


def test_a_running_dasawisma_is_not_moved_to_another_rt_but_one_formed_today_is(cast):
    """Its past months are counted under its RT (issue 10): re-form it instead."""
    with pytest.raises(ValidationError, match="bentuk dasawisma baru di RT tujuan"):
        services.unit_move(actor=cast.users["kelurahan"], unit=cast.dw_c, new_parent=cast.rt)
    assert Unit.objects.get(pk=cast.dw_c.pk).rt_id == cast.rt_b.pk
    fresh = services.unit_create(
        actor=cast.users["kelurahan"], parent=cast.rt_b, level="dasawisma", code="DW09", name="Baru"
    )
    services.unit_move(actor=cast.users["kelurahan"], unit=fresh, new_parent=cast.rt)
    assert Unit.objects.get(pk=fresh.pk).rt_id == cast.rt.pk
