"""seed_demo --provinsi --scale N (demo.province): all of Kalimantan Timur, on a small N.

Kota Bontang's default groups are made smaller here (one RT of three dasawisma per kelurahan), so that
the whole province seeds in seconds; the province code does not depend on their number."""

from collections import Counter
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.test import RequestFactory, override_settings
from django.utils import timezone

from demo import households as hh
from demo import province
from demo import tree as demo_tree
from demo.reports import DEMO_RETURN_REASON, report_months
from hierarchy.levels import Level
from hierarchy.models import Unit, User
from households import validation
from households.models import Kelahiran, Keluarga, RumahTangga, Warga
from recaps.models import PotretTahunan
from reports.models import Laporan, LogLaporan, Status

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pkk"
SCALE = 600
BATCH = 40
KABKOTA = {
    "64.01": "Kabupaten Paser",
    "64.02": "Kabupaten Kutai Kartanegara",
    "64.03": "Kabupaten Berau",
    "64.07": "Kabupaten Kutai Barat",
    "64.08": "Kabupaten Kutai Timur",
    "64.09": "Kabupaten Penajam Paser Utara",
    "64.11": "Kabupaten Mahakam Ulu",
    "64.71": "Kota Balikpapan",
    "64.72": "Kota Samarinda",
    "64.74": "Kota Bontang",
}


def _wilayah_rows(filename):
    with open(django_settings.BASE_DIR / "data" / "wilayah" / filename, encoding="utf-8") as rows:
        return [line for line in rows if line.startswith("64.")]


@pytest.fixture(scope="module")
def provinsi(django_db_setup, django_db_blocker):
    """The province seeded once for the module (in a transaction rolled back at its end), with the sizes
    of the batches of households written."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    batches = []
    insert = hh._insert

    def counting_insert(houses, writer):
        batches.append(len(houses))
        return insert(houses, writer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_tree, "RW_PER_DESA", (1, 1))
        mp.setattr(demo_tree, "RT_PER_RW", (1, 1))
        mp.setattr(demo_tree, "RT_PER_DESA", (1, 1))
        mp.setattr(demo_tree, "DASAWISMA_PER_RT", (3, 3))
        mp.setattr(province, "HOUSEHOLDS_PER_BATCH", BATCH)
        mp.setattr(hh, "_insert", counting_insert)
        with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True, PASSWORD_HASHERS=fast):
            out = StringIO()
            call_command("seed_demo", provinsi=True, scale=SCALE, stdout=out)
            yield out.getvalue(), batches
            transaction.set_rollback(True)


def test_the_ten_kabupaten_kota_with_their_official_codes_and_names(provinsi):
    prov = Unit.objects.get(level=Level.PROVINSI)
    assert (prov.code, prov.name) == ("64", "Kalimantan Timur")
    assert dict(Unit.objects.filter(level=Level.KABKOTA).values_list("code", "name")) == KABKOTA
    assert Unit.objects.filter(level=Level.KECAMATAN).count() == len(_wilayah_rows("districts.csv"))
    assert Unit.objects.filter(level=Level.DESA).count() == len(_wilayah_rows("villages.csv"))
    out, _batches = provinsi
    assert f"Satuan demo di {len(_wilayah_rows('villages.csv'))} kelurahan" in out


def test_households_are_spread_over_the_province_by_population(provinsi):
    per_kabkota = Counter(RumahTangga.objects.values_list("dasawisma__kabkota__code", flat=True))
    assert set(per_kabkota) == set(KABKOTA)
    targets = province.household_targets(SCALE, list(KABKOTA))
    assert sum(targets.values()) == SCALE and targets["64.72"] > targets["64.74"] > targets["64.11"]
    for code, wanted in targets.items():
        if code == "64.74":
            continue  # Bontang holds at least the (here smaller) default demo
        dasawisma = -(-wanted // 15)  # about 15 households each, rounded up
        assert 10 * dasawisma <= per_kabkota[code] <= 20 * dasawisma, code
    # the desa of a kabupaten get RTs of new dasawisma, each with 10 to 20 households
    counts = (
        Unit.objects.filter(level=Level.DASAWISMA, active_to__isnull=True)
        .exclude(kabkota__code="64.74")
        .annotate(n=Count("rumah_tangga"))
        .values_list("n", flat=True)
    )
    assert counts and all(10 <= n <= 20 for n in counts)


def test_people_are_from_their_own_kabupaten(provinsi):
    outside = Warga.objects.exclude(keluarga__rumah_tangga__dasawisma__kabkota__code="64.74")
    assert not outside.filter(tempat_lahir="Bontang").exists()
    born_here = Counter(
        outside.filter(keluarga__rumah_tangga__dasawisma__kabkota__code="64.72").values_list("tempat_lahir", flat=True)
    )
    assert born_here.most_common(1)[0][0] == "Samarinda"
    for w in outside.select_related("keluarga__rumah_tangga__dasawisma__kecamatan").order_by("pk")[:300]:
        assert not validation.check_nik(w.nik, tanggal_lahir=w.tanggal_lahir, jenis_kelamin=w.jenis_kelamin)
        # the Kartu Keluarga is issued in the kecamatan of the house
        assert w.keluarga.no_kk.startswith(w.keluarga.rumah_tangga.dasawisma.kecamatan.code.replace(".", ""))
    assert Warga.objects.values("nik").distinct().count() == Warga.objects.count()
    assert Keluarga.objects.values("no_kk").distinct().count() == Keluarga.objects.count()


def test_written_in_small_batches(provinsi):
    """Memory does not grow with N: no batch holds much more than HOUSEHOLDS_PER_BATCH households (the
    last dasawisma added to a batch has at most 20)."""
    _out, batches = provinsi
    assert sum(batches) == RumahTangga.objects.count()
    assert max(batches) < BATCH + 20


def test_demo_accounts_log_in_and_have_their_work(provinsi, client):
    for username in ["demo-admin", *demo_tree_usernames()]:
        request = RequestFactory().get("/")
        assert authenticate(request=request, username=username, password=PASSWORD) is not None, username
    client.force_login(User.objects.get(username="demo-kader"))
    assert client.get("/").status_code == 200
    kader_dw = User.objects.get(username="demo-kader").role_assignments.get().unit
    assert kader_dw.kabkota.code == "64.74"
    assert 10 <= RumahTangga.objects.filter(dasawisma=kader_dw).count() <= 20
    tahun, bulan, _ago = report_months(timezone.localdate(), 12)[-1]
    own = Laporan.objects.get(unit=kader_dw, tahun=tahun, bulan=bulan)
    assert own.status == Status.RETURNED and own.return_reason == DEMO_RETURN_REASON


def demo_tree_usernames():
    return [username for username, role, _anchor in demo_tree.DEMO_ACCOUNTS if role is not None]


def test_reports_and_last_year_closed_everywhere(provinsi):
    with_reports = set(Laporan.objects.values_list("unit__kabkota__code", flat=True))
    assert with_reports == set(KABKOTA)
    assert LogLaporan.objects.count() >= Laporan.objects.count()
    approved = Laporan.objects.filter(status=Status.APPROVED, unit__level=Level.DASAWISMA).first()
    assert approved.snapshot is not None and approved.approved_by_id is not None
    assert approved.approved_at <= timezone.now()
    assert set(PotretTahunan.objects.values_list("dasawisma__kabkota__code", flat=True)) == set(KABKOTA)
    assert Kelahiran.objects.exclude(dasawisma__kabkota__code="64.74").exists()


def test_running_twice_adds_nothing(provinsi, settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def everything():
        return (
            sorted(Unit.objects.values_list("pk", "code", "name", "updated_at")),
            sorted(User.objects.values_list("pk", "username", "password")),
            RumahTangga.objects.count(),
            Warga.objects.count(),
            Warga.history.count(),
            sorted(Laporan.objects.values_list("pk", "status", "version")),
            LogLaporan.objects.count(),
            PotretTahunan.objects.count(),
        )

    before = everything()
    out = StringIO()
    call_command("seed_demo", provinsi=True, scale=SCALE, stdout=out)
    assert everything() == before
    assert "dibuat 0 rumah tangga" in out.getvalue()


def test_provinsi_needs_scale(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--provinsi memerlukan --scale"):
        call_command("seed_demo", provinsi=True, stdout=StringIO())


def test_household_targets_share_by_population():
    targets = province.household_targets(1_000_000, list(province.POPULATION))
    assert sum(targets.values()) == 1_000_000
    assert 45_000 < targets["64.74"] < 50_000  # Bontang: about what --scale 50000 makes of the city
    assert province.household_targets(7, ["64.11", "64.72"]) == {"64.11": 0, "64.72": 7}
