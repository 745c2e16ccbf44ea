"""What every benchmark script here starts with: the project on the import path and Django set up as
in production (DEBUG off, so no query log grows during the runs), with a throwaway SECRET_KEY when none
is given. The scripts run as `python bench/<script>.py`, which puts this folder on the import path."""

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
    os.environ.setdefault("DEBUG", "0")
    if os.environ["DEBUG"] in ("0", "false", "False", ""):
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # throwaway, for this benchmark only
    import django

    django.setup()


DEMO_ACCOUNTS = ["demo-kader", "demo-ketua-dasawisma", "demo-rt", "demo-kelurahan", "demo-kecamatan", "demo-kota"]


def demo_homes():
    """The unit of each demo account of seed_demo, one per role on one chain through Kelurahan Berbas
    Tengah (after setup_django); stops the script when the accounts are missing."""
    from hierarchy.models import User

    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ACCOUNTS)}
    if len(users) < len(DEMO_ACCOUNTS):
        sys.exit("Akun demo tidak ada: jalankan dulu manage.py seed_demo --scale 50000 pada basis data ini.")
    return users, {name: users[name].role_assignments.select_related("unit").get().unit for name in DEMO_ACCOUNTS}
