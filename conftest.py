import pytest


@pytest.fixture
def cast(db):
    from hierarchy.tests.cast import build_cast

    return build_cast()
