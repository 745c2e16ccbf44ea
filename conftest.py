import pytest


@pytest.fixture
def cast(db):
    """The fixed cast (hierarchy/tests/cast.py) with its households (households/tests/cast.py)."""
    from hierarchy.tests.cast import build_cast
    from households.tests.cast import add_households

    return add_households(build_cast())
