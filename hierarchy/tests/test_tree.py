import pytest

from hierarchy import access
from hierarchy.levels import Perm
from hierarchy.models import Unit


def test_ancestor_columns_are_copied(cast):
    dw = Unit.objects.get(pk=cast.dw.pk)
    assert dw.rt_id == cast.rt.pk and dw.rw_id == cast.rw.pk and dw.desa_id == cast.kel.pk
    assert dw.kabkota_id == cast.kota.pk and dw.dasawisma_id == dw.pk
    assert Unit.objects.get(pk=cast.dw_c.pk).rw_id is None  # RT 002 hangs directly under the kelurahan


def test_subtree_is_one_equality(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(cast.kel.subtree().values_list("name", flat=True))
    assert names == {"Berbas Tengah", "01", "001", "002", "Melati 1", "Melati 2", "Mawar"}


@pytest.mark.parametrize(
    ("user", "unit", "expected"),
    [
        ("kader", "dw", True),
        ("kader", "dw_b", False),
        ("rt", "dw_b", True),
        ("rt", "dw_c", False),
        ("kelurahan", "dw_c", True),
        ("kelurahan", "dw2", False),
        ("kota", "dw2", True),
        ("outsider", "dw", False),
        ("nobody", "kel", False),
    ],
)
def test_view_reaches_down_only(cast, user, unit, expected):
    assert access.has_perm(cast.users[user], Perm.VIEW, getattr(cast, unit)) is expected
