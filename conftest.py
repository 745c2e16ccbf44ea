import pytest


@pytest.fixture
def cast(db):
    """The fixed cast (hierarchy/tests/cast.py) with its households (households/tests/cast.py)."""
    from hierarchy.tests.cast import build_cast
    from households.tests.cast import add_households

    return add_households(build_cast())


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests log in many times; production keeps Django's slow, strong hasher."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "hierarchy.hashers.OneTimePasswordHasher",
    ]
