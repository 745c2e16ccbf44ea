"""The demo's monthly reports (demo.reports): every state a TP PKK meets, consistent with the events and
with the rules of reports.workflow, and something to do for each demo login."""

import datetime
import os
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from demo import reports as demo
from hierarchy.levels import Level
from hierarchy.models import Unit, User
from households import rules
from households.models import Kelahiran, Kematian, Warga
from pkkdata import periods
from reports import completeness, events, workflow
from reports.inbox import inbox_for
from reports.models import Laporan, LogLaporan, Status

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module in a transaction rolled back at its end; each test runs in
    a savepoint of it (pytest-django's own transaction), so what one test writes the next does not see."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True, PASSWORD_HASHERS=fast):
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
        yield Unit.objects.get(code="64.74")
        transaction.set_rollback(True)


def test_reports_in_every_state_and_consistent_with_the_events(demo_city):
    months = demo.report_months(TODAY, 12)
    assert len(months) == 11 and months[-1][2] == 1 and months[0][2] == 11
    reports = list(Laporan.objects.select_related("unit"))
    dasawisma_reports = [r for r in reports if r.unit.level == Level.DASAWISMA]
    states = Counter(r.status for r in dasawisma_reports)
    assert {Status.APPROVED, Status.SUBMITTED, Status.RETURNED} <= set(states)
    assert states[Status.APPROVED] > 0.8 * len(dasawisma_reports)
    assert any(r.nihil for r in dasawisma_reports) and not all(r.nihil for r in dasawisma_reports)
    late = [r for r in dasawisma_reports if r.submitted_at.date() > workflow.deadline(r.tahun, r.bulan)]
    assert 0.05 < len(late) / len(dasawisma_reports) < 0.25
    assert all(r.return_reason for r in reports if r.status == Status.RETURNED)

    # missing: last month some active dasawisma have no report at all, and they count as not submitted
    tahun, bulan, _ago = months[-1]
    active = Unit.objects.filter(workflow.month_overlap_q(tahun, bulan), level=Level.DASAWISMA, kabkota=demo_city)
    sent = {r.unit_id for r in dasawisma_reports if (r.tahun, r.bulan) == (tahun, bulan)}
    missing = active.exclude(pk__in=sent).count()
    assert missing > 0
    _children, cells = completeness.table(demo_city, [(tahun, bulan)])
    expected = sum(c[(tahun, bulan)].expected for c in cells.values())
    submitted = sum(c[(tahun, bulan)].submitted for c in cells.values())
    assert expected == active.count() and submitted <= expected - missing

    # the numbers: every approved snapshot is the month as the events give it, but one (changed later)
    changed = []
    for tahun, bulan, _ago in months:
        for level in workflow.reporting_levels():
            now = events.numbers_by(level, tahun, bulan, Q(kabkota_id=demo_city.pk))
            for r in reports:
                if (r.tahun, r.bulan) == (tahun, bulan) and r.unit.level == level and r.status == Status.APPROVED:
                    current = now.get(r.unit_id, events.empty_numbers())
                    assert r.nihil == (r.unit.level == Level.DASAWISMA and not any(current.values()))
                    if workflow.changed_since_approval(r, now=current):
                        changed.append(r)
    assert len(changed) == 1 and changed[0].unit.level == Level.DASAWISMA
    assert changed[0].log.last().comment in demo.LATE_COMMENTS.values()


def test_every_transition_is_logged_in_order_and_in_the_past(demo_city):
    now = timezone.now()
    logs = defaultdict(list)
    for log in LogLaporan.objects.order_by("at", "pk"):
        logs[log.laporan_id].append(log)
    for r in Laporan.objects.all():
        chain = logs[r.pk]
        assert len(chain) == r.version
        assert chain[0].from_status == Status.DRAFT and chain[-1].to_status == r.status
        assert all(a.to_status == b.from_status for a, b in pairwise(chain))
        assert all(log.at <= now for log in chain)
        last_sent = [log for log in chain if log.to_status == Status.SUBMITTED][-1]
        assert r.submitted_at == last_sent.at and r.submitted_by_id == last_sent.actor_id
        if r.status == Status.APPROVED:
            assert r.approved_at == chain[-1].at and r.approved_by_id == chain[-1].actor_id and r.snapshot
        assert (r.tahun, r.bulan) < (TODAY.year, TODAY.month)  # the running month has no report yet


def test_a_group_report_exists_only_when_everything_below_is_approved(demo_city):
    reports = {(r.unit_id, r.tahun, r.bulan): r for r in Laporan.objects.select_related("unit")}
    groups = [r for r in reports.values() if r.unit.level != Level.DASAWISMA]
    assert groups and any(r.status == Status.APPROVED for r in groups)
    assert any(r.status == Status.SUBMITTED for r in groups)
    for g in groups:
        below = workflow.reviewed_units(g.unit, g.tahun, g.bulan)
        children = [reports.get((u.pk, g.tahun, g.bulan)) for u in below]
        assert children and all(c is not None and c.status == Status.APPROVED for c in children)
        assert g.submitted_at >= max(c.approved_at for c in children)


def test_each_demo_login_has_something_to_do(demo_city, client):

    tahun, bulan, _ago = demo.report_months(TODAY, 12)[-1]
    ketua = User.objects.get(username="demo-ketua-dasawisma")
    dasawisma = ketua.role_assignments.get().unit
    own = Laporan.objects.get(unit=dasawisma, tahun=tahun, bulan=bulan)
    assert own.status == Status.RETURNED and own.return_reason == demo.DEMO_RETURN_REASON
    assert not workflow.is_locked(dasawisma, periods.month_bounds(tahun, bulan)[0])  # the cadres can fix it

    rt = User.objects.get(username="demo-rt")
    box = inbox_for(rt)
    assert box["waiting_count"] > 0
    siblings = Unit.objects.filter(level=Level.DASAWISMA, rt_id=dasawisma.rt_id).exclude(pk=dasawisma.pk)
    assert Laporan.objects.filter(unit__in=siblings, tahun=tahun, bulan=bulan, status=Status.SUBMITTED).exists()
    assert siblings.exclude(laporan__tahun=tahun, laporan__bulan=bulan).exists()  # one missing: a reminder

    # the report that changed after approval is in the RT's inbox, to be approved again
    assert len(box["changed"]) == 1 and box["changed"][0]["name"].startswith("Dasawisma")

    kelurahan = User.objects.get(username="demo-kelurahan")
    assert inbox_for(kelurahan)["waiting_count"] > 0

    client.force_login(ketua)
    page = client.get("/").content.decode()
    assert demo.DEMO_RETURN_REASON in page


def test_rates_of_the_city(demo_city):
    """Births about 16 per 1,000 people a year, infant deaths about 20 per 1,000 births, a few under-five
    deaths, and rare maternal deaths — over the whole demo kota."""

    first = periods.month_bounds(*demo.report_months(TODAY, 12)[0][:2])[0]
    people = Warga.objects.filter(rules.counted_q(first)).count()
    births = Kelahiran.objects.filter(tanggal__gte=first).count()
    per_year = 365 / ((TODAY - first).days + 1)
    assert 13 < births / people * 1000 * per_year < 20
    kinds = Counter(
        rules.death_kind(d.warga, d.tanggal, d.warga.kehamilan.all())
        for d in Kematian.objects.filter(tanggal__gte=first)
        .select_related("warga")
        .prefetch_related("warga__kehamilan")
    )
    assert 5 <= kinds["bayi"] / births * 1000 <= 40
    assert 1 <= kinds["balita"] <= 10
    assert 0 <= kinds["ibu"] <= 4

    # a mother whose only baby died no longer counts as ibu menyusui
    bereaved = 0
    for birth in Kelahiran.objects.filter(bayi__status="meninggal").select_related("ibu"):
        living = Warga.objects.filter(
            keluarga=birth.ibu.keluarga_id, status="aktif", tanggal_lahir__gt=TODAY - datetime.timedelta(days=730)
        )
        if not living.exists():
            bereaved += 1
            assert not birth.ibu.ibu_menyusui, birth.ibu.nama
    assert bereaved > 0


def test_a_second_run_adds_no_report(demo_city):
    before = (Laporan.objects.count(), LogLaporan.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Laporan.objects.count(), LogLaporan.objects.count()) == before
