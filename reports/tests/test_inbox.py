"""The inbox on the home page, per role: the ketua dasawisma's own months (jatuh tempo, terlambat,
dikembalikan with the reason), the reports waiting for an approver, and late dasawisma counted for
kelurahan and up."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hierarchy.levels import Level
from hierarchy.models import Unit
from households.models import Kehamilan, Warga
from households.tests import factories as f
from reports import workflow
from reports.inbox import inbox_for
from reports.models import Laporan, Status

MARCH = (2026, 3)
EARLY_APRIL = datetime.date(2026, 4, 3)  # March still due (deadline 5 April)
MID_APRIL = datetime.date(2026, 4, 10)  # March overdue


@pytest.fixture
def pregnant(cast):
    return Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))


def submit(cast, unit, user="admin", nihil=False):
    report = workflow.get_report(unit, *MARCH)
    return workflow.report_submit(actor=cast.users[user], report=report, expected_version=report.version, nihil=nihil)


def months_of(box):
    (dasawisma,) = box["dasawisma"]
    return {m["month"]: m for m in dasawisma["months"]}


def test_ketua_sees_last_month_due_then_late_and_this_month_due(cast):
    ketua = cast.users["ketua_dasawisma"]
    months = months_of(inbox_for(ketua, today=EARLY_APRIL))
    assert list(months) == ["Maret 2026", "April 2026"]
    assert months["Maret 2026"]["state"].key == "jatuh_tempo"
    assert months["Maret 2026"]["state"].label == "Jatuh tempo 5 April 2026"
    assert months["Maret 2026"]["url"] == reverse("reports:laporan_unit", args=[cast.dw.pk, 2026, 3])
    # April is still running: its report opens on its last day (issue 10)
    assert months["April 2026"]["state"].label == "Dapat dikirim mulai 30 April 2026 · jatuh tempo 5 Mei 2026"
    late = months_of(inbox_for(ketua, today=MID_APRIL))["Maret 2026"]["state"]
    assert (late.key, late.label) == ("terlambat", "Terlambat")


def test_ketua_sees_a_returned_report_with_its_reason_and_then_its_approval(cast, pregnant):
    ketua = cast.users["ketua_dasawisma"]
    report = submit(cast, cast.dw, "ketua_dasawisma")
    assert months_of(inbox_for(ketua, today=EARLY_APRIL))["Maret 2026"]["state"].key == "menunggu"
    report = workflow.report_return(
        actor=cast.users["rt"], report=report, expected_version=report.version, reason="Nama suami kosong"
    )
    march = months_of(inbox_for(ketua, today=EARLY_APRIL))["Maret 2026"]
    assert march["state"].key == "dikembalikan" and march["reason"] == "Nama suami kosong"
    report = workflow.report_submit(actor=ketua, report=report, expected_version=report.version)
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    assert months_of(inbox_for(ketua, today=EARLY_APRIL))["Maret 2026"]["state"].label == "Disetujui"


def test_rt_sees_what_waits_for_its_approval_with_a_link_to_its_checklist(cast, pregnant):
    rt = cast.users["rt"]
    box = inbox_for(rt, today=EARLY_APRIL)
    assert box["approver"] and box["waiting_count"] == 0 and box["dasawisma"] == [] and box["overdue"] is None
    report = submit(cast, cast.dw, "ketua_dasawisma")
    box = inbox_for(rt, today=EARLY_APRIL)
    assert box["waiting_count"] == 1
    (item,) = box["waiting"]
    assert item["name"] == "Dasawisma Melati 1" and item["month"] == "Maret 2026"
    assert item["url"] == reverse("reports:laporan_unit", args=[cast.rt.pk, 2026, 3]) + f"#laporan-{report.pk}"
    # Nobody else approves a dasawisma report.
    for name in ["kelurahan", "outsider"]:
        assert inbox_for(cast.users[name], today=EARLY_APRIL)["waiting_count"] == 0
    # Under the default chain (RT -> kelurahan) no report ever waits for an RW, a kecamatan or a kota:
    # their home page does not promise them an approval task (issue 10).
    for name in ["rw", "kecamatan", "kota"]:
        assert not inbox_for(cast.users[name], today=EARLY_APRIL).get("approver")


def test_kelurahan_gets_the_rt_report_once_all_its_dasawisma_are_approved(cast, pregnant):
    for unit, user, nihil in [(cast.dw, "ketua_dasawisma", False), (cast.dw_b, "admin", True)]:
        report = submit(cast, unit, user, nihil)
        workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    box = inbox_for(cast.users["sekretaris"], today=EARLY_APRIL)
    assert [w["name"] for w in box["waiting"]] == ["RT 001"]
    assert box["waiting"][0]["url"].startswith(reverse("reports:laporan_unit", args=[cast.kel.pk, 2026, 3]))
    rt_report = workflow.get_report(cast.rt, *MARCH)
    workflow.report_return(
        actor=cast.users["sekretaris"], report=rt_report, expected_version=rt_report.version, reason="Cek angka"
    )
    (returned,) = inbox_for(cast.users["rt"], today=EARLY_APRIL)["returned_groups"]
    assert returned["name"] == "RT 001" and returned["reason"] == "Cek angka"


def test_kelurahan_and_up_count_late_dasawisma_in_their_area(cast):
    submit(cast, cast.dw_b, nihil=True)
    kel = inbox_for(cast.users["kelurahan"], today=MID_APRIL)["overdue"]
    assert kel["month"] == "Maret 2026" and kel["deadline"] == "5 April 2026"
    assert [(u["name"], u["count"]) for u in kel["units"]] == [("Kelurahan Berbas Tengah", 2)]
    assert kel["units"][0]["url"] == reverse("reports:kelengkapan", args=[cast.kel.pk]) + "?sampai=2026-03"
    assert inbox_for(cast.users["kecamatan"], today=MID_APRIL)["overdue"]["total"] == 2
    assert inbox_for(cast.users["kota"], today=MID_APRIL)["overdue"]["total"] == 3  # and Anggrek in Belimbing
    assert inbox_for(cast.users["outsider"], today=MID_APRIL)["overdue"]["units"][0]["name"] == "Kelurahan Belimbing"
    # Before 5 April, March is not late yet: the inbox speaks of February.
    assert inbox_for(cast.users["kelurahan"], today=EARLY_APRIL)["overdue"]["month"] == "Februari 2026"
    for name in ["rw", "rt", "ketua_dasawisma", "kader"]:
        assert inbox_for(cast.users[name], today=MID_APRIL)["overdue"] is None


def test_people_without_reports_to_mind_get_no_inbox(cast):
    for name in ["kader", "nobody"]:
        assert not inbox_for(cast.users[name], today=MID_APRIL)["any"]


def test_home_page_shows_the_inbox(client, cast, pregnant):
    submit(cast, cast.dw, "ketua_dasawisma")
    client.force_login(cast.users["rt"])
    body = client.get(reverse("home")).content.decode()
    assert "Menunggu persetujuan Anda" in body and "Dasawisma Melati 1" in body
    client.force_login(cast.users["outsider"])
    body = client.get(reverse("home")).content.decode()
    assert "Dasawisma terlambat" in body and "Melati" not in body and "Berbas" not in body


def test_inbox_takes_a_few_queries_whatever_the_area(cast, django_assert_max_num_queries):
    # approvers: one more for the approved reports that may have changed (none here; see below)
    for name, queries in [("ketua_dasawisma", 3), ("rt", 4), ("kelurahan", 6), ("kota", 6), ("admin", 5)]:
        user = type(cast.users[name]).objects.get(pk=cast.users[name].pk)  # grants not loaded yet
        with django_assert_max_num_queries(queries):
            inbox_for(user, today=MID_APRIL)


def test_admin_sees_every_waiting_report_and_the_count_beyond_the_list(cast):
    from reports.inbox import WAITING_SHOWN

    report = submit(cast, cast.dw2, nihil=True)
    assert report.status == Status.SUBMITTED
    box = inbox_for(cast.users["admin"], today=MID_APRIL)
    assert box["waiting_count"] == 1 and box["waiting"][0]["name"] == "Dasawisma Anggrek"
    assert WAITING_SHOWN == 10


def test_a_report_that_changed_after_approval_asks_its_approver_to_approve_again(cast, pregnant):
    report = submit(cast, cast.dw, "ketua_dasawisma")
    report = workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    assert inbox_for(cast.users["rt"], today=MID_APRIL)["changed"] == []
    # a pregnancy recorded late by the kelurahan: March's numbers are no longer the approved ones
    born = datetime.date(1996, 1, 5)
    sari = f.warga(cast.w_rina.keluarga, "Sari Wijayakusuma", born, "P", status_perkawinan="menikah")
    Kehamilan.objects.create(ibu=sari, tanggal_mulai=datetime.date(2026, 3, 10))
    rt = type(cast.users["rt"]).objects.get(pk=cast.users["rt"].pk)  # grants not loaded yet
    with CaptureQueriesContext(connection) as queries:
        (item,) = inbox_for(rt, today=MID_APRIL)["changed"]
    assert len(queries) <= 4 + 3  # the inbox, and three to count the one month with an approved report
    assert item["name"] == "Dasawisma Melati 1" and item["month"] == "Maret 2026"
    assert item["url"].endswith(f"#laporan-{report.pk}")
    assert inbox_for(cast.users["kelurahan"], today=MID_APRIL)["changed"] == []  # not the kelurahan's to approve
    page = render_to_string("reports/_inbox.html", {"inbox": inbox_for(cast.users["rt"], today=MID_APRIL)})
    assert "Berubah setelah disetujui" in page and item["url"] in page
    report.refresh_from_db()
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    assert inbox_for(cast.users["rt"], today=MID_APRIL)["changed"] == []
    # outside the watched months it is not looked for
    assert inbox_for(cast.users["rt"], today=datetime.date(2026, 9, 1))["changed"] == []


def _another_kelurahan_grows(cast, dasawisma=10, women=300):
    """Ten more dasawisma in Belimbing (another kelurahan, another kecamatan) with their reports of
    January to March approved, and 300 women pregnant, delivering or in nifas around March: none of it
    is the RT of Melati's."""
    start = Unit.objects.filter(parent=cast.rt2).count()
    groups = []
    for i in range(start, start + dasawisma):
        unit = Unit(level=Level.DASAWISMA, code=f"DW{i + 10:02d}", name=f"Kamboja {i}", parent=cast.rt2)
        unit.save()
        groups.append(unit)
    Laporan.objects.bulk_create(
        Laporan(unit=unit, tahun=t, bulan=b, status=Status.APPROVED, snapshot={})
        for unit in groups
        for t, b in [(2026, 1), (2026, 2), MARCH]
    )
    keluarga = cast.w_maria.keluarga
    born = datetime.date(1995, 1, 1)
    people = Warga.objects.bulk_create(
        Warga(keluarga=keluarga, nama=f"Ibu {i}", tanggal_lahir=born, jenis_kelamin="P", status_perkawinan="menikah",
              nik=f.make_nik(born, "P"), status_dalam_keluarga="istri", agama="islam", pendidikan="sma",
              pekerjaan="swasta")
        for i in range(women)
    )  # fmt: skip
    starts = [datetime.date(2025, 7, 1), datetime.date(2025, 12, 1), datetime.date(2026, 3, 1)]
    Kehamilan.objects.bulk_create(
        Kehamilan(ibu=w, dasawisma=groups[i % dasawisma], tanggal_mulai=starts[i % 3],
                  tanggal_selesai=datetime.date(2026, 3, 15) if i % 3 == 0 else None,
                  hasil="melahirkan" if i % 3 == 0 else "")
        for i, w in enumerate(people)
    )  # fmt: skip


def test_the_rt_inbox_asks_the_same_whatever_another_kelurahan_holds(cast, pregnant):
    """Issue 14: the RT chair's inbox counted every approved report of the city for four months and the
    city's pregnancies before narrowing to her RT. Its statements now start from her own units (the
    approved reports' units by id, the other pregnancies of her mothers by the mother), so another
    kelurahan growing changes neither what she is asked nor how many statements ask it. (What each
    statement reads depends on the planner and the data's size: bench/pages.py measures it at
    --scale 50000 and 150000, docs/BENCHMARKS.md.)"""
    report = submit(cast, cast.dw, "ketua_dasawisma")
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)

    def measure():
        rt = type(cast.users["rt"]).objects.get(pk=cast.users["rt"].pk)  # grants loaded again
        with CaptureQueriesContext(connection) as queries:
            box = inbox_for(rt, today=MID_APRIL)
        return len(queries), box

    queries, box = measure()
    assert box["changed"] == [] and box["waiting_count"] == 0
    _another_kelurahan_grows(cast)
    assert measure() == (queries, box)
