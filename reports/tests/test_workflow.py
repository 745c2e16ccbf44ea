"""The monthly report's review: every transition allowed and refused by role and area, locking,
change after approval, the RT report going up by itself, and two approvers acting at once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from households.models import Kehamilan
from reports import services as services_events
from reports import workflow
from reports.models import LogLaporan, Status

MONTH = (2026, 3)
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def pregnant(cast):
    """Rina (Melati 1) pregnant since February, so March has an event for Melati 1."""
    return Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))


def report(cast, unit="dw"):
    return workflow.get_report(getattr(cast, unit), *MONTH)


def submit(cast, unit="dw", user="ketua_dasawisma", nihil=False):
    r = report(cast, unit)
    return workflow.report_submit(actor=cast.users[user], report=r, expected_version=r.version, nihil=nihil)


def approve(cast, r, user="rt"):
    return workflow.report_approve(actor=cast.users[user], report=r, expected_version=r.version)


def test_ketua_dasawisma_submits_and_rt_approves_with_a_snapshot(cast, pregnant):
    r = submit(cast)
    assert r.status == Status.SUBMITTED and r.submitted_by == cast.users["ketua_dasawisma"]
    r = approve(cast, r)
    assert r.status == Status.APPROVED and r.snapshot["ibu_hamil"] == 1
    assert [(log.from_status, log.to_status) for log in r.log.all()] == [("draf", "dikirim"), ("dikirim", "disetujui")]


@pytest.mark.parametrize("user", ["kader", "rt", "kelurahan", "outsider"])
def test_only_the_ketua_dasawisma_submits(cast, pregnant, user):
    with pytest.raises(PermissionDenied):
        submit(cast, user=user)


def test_empty_month_goes_only_as_nihil_and_nihil_only_when_empty(cast, pregnant):
    with pytest.raises(ValidationError):
        submit(cast, nihil=True)  # there is a pregnancy
    with pytest.raises(ValidationError):
        submit(cast, unit="dw_b", user="admin")  # nothing happened in Melati 2
    r = submit(cast, unit="dw_b", user="admin", nihil=True)
    assert r.nihil and r.status == Status.SUBMITTED


def test_future_month_cannot_be_submitted(cast):
    r = workflow.get_report(cast.dw, 2099, 1)
    with pytest.raises(ValidationError):
        workflow.report_submit(actor=cast.users["ketua_dasawisma"], report=r, expected_version=0, nihil=True)


@pytest.mark.parametrize(
    ("today", "opens"),
    [(datetime.date(2026, 3, 30), False), (datetime.date(2026, 3, 31), True), (datetime.date(2026, 4, 2), True)],
)
@pytest.mark.parametrize("nihil", [False, True])
def test_a_month_is_reported_from_its_last_day(cast, pregnant, monkeypatch, client, today, opens, nihil):
    """Before its last day the month is still being recorded: neither a report nor a nihil is sent, and
    the ketua's page says when it opens instead of offering the button."""
    monkeypatch.setattr(workflow.timezone, "localdate", lambda: today)
    unit, user = ("dw_b", "admin") if nihil else ("dw", "ketua_dasawisma")
    if opens:
        assert submit(cast, unit=unit, user=user, nihil=nihil).status == Status.SUBMITTED
    else:
        with pytest.raises(ValidationError, match="baru dapat dikirim mulai 31 Maret 2026"):
            submit(cast, unit=unit, user=user, nihil=nihil)
        assert report(cast, unit).status == Status.DRAFT
    if not nihil:
        client.force_login(cast.users["ketua_dasawisma"])
        body = client.get(reverse("reports:laporan_unit", args=[cast.dw.pk, *MONTH])).content.decode()
        assert ("dapat dikirim mulai <strong>31 Maret 2026</strong>" in body) is (not opens)


@pytest.mark.parametrize("user", ["kelurahan", "kecamatan", "kota", "outsider", "ketua_dasawisma", "rw"])
def test_only_the_rt_approves_a_dasawisma_report(cast, pregnant, user):
    r = submit(cast)
    with pytest.raises(PermissionDenied):
        approve(cast, r, user)
    assert report(cast).status == Status.SUBMITTED


def test_return_needs_a_reason_and_unlocks(cast, pregnant):
    r = submit(cast)
    with pytest.raises(ValidationError):
        workflow.report_return(actor=cast.users["rt"], report=r, expected_version=r.version, reason="  ")
    r = workflow.report_return(actor=cast.users["rt"], report=r, expected_version=r.version, reason="Cek tanggal HPL")
    assert r.status == Status.RETURNED and r.return_reason == "Cek tanggal HPL"
    assert not workflow.is_locked(cast.dw, DAY)
    r = workflow.report_submit(actor=cast.users["ketua_dasawisma"], report=r, expected_version=r.version)
    assert r.status == Status.SUBMITTED and r.return_reason == ""


def test_submitted_month_is_locked_for_cadres_but_not_for_the_kelurahan(cast, pregnant):
    submit(cast)
    with pytest.raises(ValidationError):
        services_events.kematian_record(actor=cast.users["kader"], warga=cast.w_dimas, tanggal=DAY, sebab="sakit")
    other_month = datetime.date(2026, 4, 2)
    assert not workflow.is_locked(cast.dw, other_month)
    services_events.kematian_record(actor=cast.users["kelurahan"], warga=cast.w_dimas, tanggal=DAY, sebab="sakit")


def test_change_after_approval_shows_the_difference_and_is_approved_again(cast, pregnant):
    r = approve(cast, submit(cast))
    assert workflow.changed_since_approval(r) == {}
    services_events.kematian_record(actor=cast.users["kelurahan"], warga=cast.w_dimas, tanggal=DAY, sebab="demam")
    assert workflow.changed_since_approval(r) == {"balita_meninggal_l": (0, 1)}
    r = approve(cast, r)
    assert r.snapshot["balita_meninggal_l"] == 1 and workflow.changed_since_approval(r) == {}
    assert r.log.last().comment.startswith("Disetujui ulang")


def test_rt_report_goes_up_when_all_its_dasawisma_are_approved(cast, pregnant):
    approve(cast, submit(cast))
    rt_report = report(cast, "rt")
    assert rt_report.status == Status.DRAFT  # Melati 2 is still missing
    approve(cast, submit(cast, unit="dw_b", user="admin", nihil=True))
    rt_report = report(cast, "rt")
    assert rt_report.status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        approve(cast, rt_report, "rt")  # the RT does not approve its own report
    rt_report = approve(cast, rt_report, "kelurahan")
    assert rt_report.status == Status.APPROVED and rt_report.snapshot["ibu_hamil"] == 1


def test_kelurahan_returns_the_rt_report_and_the_rt_sends_it_again(cast, pregnant):
    approve(cast, submit(cast))
    approve(cast, submit(cast, unit="dw_b", user="admin", nihil=True))
    rt_report = report(cast, "rt")
    rt_report = workflow.report_return(
        actor=cast.users["sekretaris"], report=rt_report, expected_version=rt_report.version, reason="Angka hamil?"
    )
    # With the RT report returned, the RT may return a dasawisma report it had approved.
    dw_report = report(cast)
    dw_report = workflow.report_return(
        actor=cast.users["rt"], report=dw_report, expected_version=dw_report.version, reason="Periksa lagi"
    )
    dw_report = workflow.report_submit(
        actor=cast.users["ketua_dasawisma"], report=dw_report, expected_version=dw_report.version
    )
    approve(cast, dw_report)
    rt_report = report(cast, "rt")
    assert rt_report.status == Status.SUBMITTED  # it went up again by itself


def test_approved_report_cannot_be_returned_while_the_report_above_is_submitted(cast, pregnant):
    dw_report = approve(cast, submit(cast))
    approve(cast, submit(cast, unit="dw_b", user="admin", nihil=True))
    dw_report = report(cast)
    with pytest.raises(ValidationError):
        workflow.report_return(actor=cast.users["rt"], report=dw_report, expected_version=dw_report.version, reason="x")


def test_two_approvers_at_once_one_wins(cast, pregnant):
    r = submit(cast)
    stale_version = r.version
    workflow.report_approve(actor=cast.users["rt"], report=r, expected_version=stale_version)
    with pytest.raises(workflow.ConflictError):
        workflow.report_return(
            actor=cast.users["admin"], report=report(cast), expected_version=stale_version, reason="telat"
        )
    assert report(cast).status == Status.APPROVED
    assert LogLaporan.objects.filter(laporan=r).count() == 2


def test_approve_many_reports_from_a_checklist(cast, pregnant):
    a = submit(cast)
    b = submit(cast, unit="dw_b", user="admin", nihil=True)
    approved, failed = workflow.report_approve_many(actor=cast.users["rt"], items=[(a, a.version), (b, b.version)])
    assert len(approved) == 2 and failed == []
    assert report(cast, "rt").status == Status.SUBMITTED


def test_inbox_query_finds_the_reports_each_approver_reviews(cast, pregnant):
    from reports.models import Laporan

    submit(cast)
    mine = Laporan.objects.filter(workflow.reviewable_q(cast.users["rt"]), status=Status.SUBMITTED)
    assert [r.unit for r in mine] == [cast.dw]
    assert not Laporan.objects.filter(workflow.reviewable_q(cast.users["kelurahan"]), status=Status.SUBMITTED)
    assert not Laporan.objects.filter(workflow.reviewable_q(cast.users["outsider"]), status=Status.SUBMITTED)


def test_deadline_is_the_fifth_of_the_next_month(settings):
    assert workflow.deadline(2026, 12) == datetime.date(2027, 1, 5)
    settings.PKK_REPORT_DEADLINE_DAY = 10
    assert workflow.deadline(2026, 1) == datetime.date(2026, 2, 10)


def test_rw_in_the_chain_reviews_the_rt_under_it(cast, pregnant, settings):
    settings.PKK_APPROVAL_LEVELS = ["rt", "rw", "desa"]
    assert workflow.approver_unit(cast.rt) == cast.rw
    assert workflow.approver_unit(cast.rt_b) == cast.kel  # RT 002 has no RW
    assert workflow.approver_unit(cast.rw) == cast.kel
    approve(cast, submit(cast))
    approve(cast, submit(cast, unit="dw_b", user="admin", nihil=True))
    rt_report = report(cast, "rt")
    with pytest.raises(PermissionDenied):
        approve(cast, rt_report, "kelurahan")
    approve(cast, rt_report, "rw")
    assert report(cast, "rw").status == Status.SUBMITTED
