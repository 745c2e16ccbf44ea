"""The ketua dasawisma's "Kirim laporan <bulan>" on her home page (issue 12): each report of her
dasawisma she can send now (a month that is over, a draft or returned, in a month the group was active,
the last twelve months), latest first, a button to the month's report page at its sending form. Not for
a kader, nor for those above; gone once the report is sent or approved."""

import datetime

from django.urls import reverse
from django.utils import timezone

from hierarchy.models import Unit
from households.models import Kehamilan
from pkkdata import periods
from reports import workflow
from reports.cadre_month import SEND_MONTHS, reports_to_send
from reports.models import Laporan, Status

MID_MAY = datetime.date(2026, 5, 15)


def _months(cast, today, user="ketua_dasawisma"):
    return [k.month for k in reports_to_send(cast.users[user], cast.dw, today)]


def _sent(cast, tahun, bulan, status=Status.SUBMITTED, **fields):
    return Laporan.objects.create(unit=cast.dw, tahun=tahun, bulan=bulan, status=status, **fields)


def test_the_months_over_and_unsent_latest_first(cast):
    months = _months(cast, MID_MAY)
    # May is running (it opens on 31 May); April and the ten months before it are over and unsent.
    assert len(months) == SEND_MONTHS - 1
    assert months[:3] == ["April 2026", "Maret 2026", "Februari 2026"] and months[-1] == "Juni 2025"
    first = reports_to_send(cast.users["ketua_dasawisma"], cast.dw, MID_MAY)[0]
    assert first.url == reverse("reports:laporan_unit", args=[cast.dw.pk, 2026, 4]) + "#kirim"
    assert first.state.key == "terlambat"  # April's deadline (5 May) has passed
    # On the month's last day its report can be sent, and it is offered.
    assert _months(cast, datetime.date(2026, 5, 31))[0] == "Mei 2026"


def test_sent_and_approved_months_are_not_offered_returned_ones_are_with_their_reason(cast):
    _sent(cast, 2026, 4)
    _sent(cast, 2026, 3, Status.APPROVED)
    _sent(cast, 2026, 2, Status.RETURNED, return_reason="Nama bayi belum diisi")
    months = _months(cast, MID_MAY)
    assert "April 2026" not in months and "Maret 2026" not in months
    returned = reports_to_send(cast.users["ketua_dasawisma"], cast.dw, MID_MAY)[0]
    assert returned.month == "Februari 2026"
    assert returned.state.key == "dikembalikan" and returned.reason == "Nama bayi belum diisi"


def test_months_before_the_group_began_are_not_offered(cast):
    Unit.objects.filter(pk=cast.dw.pk).update(active_from=datetime.date(2026, 3, 10))
    cast.dw.refresh_from_db()
    assert _months(cast, MID_MAY) == ["April 2026", "Maret 2026"]


def test_only_the_ketua_is_offered_to_send(cast):
    assert _months(cast, MID_MAY, "ketua_dasawisma")
    for who in ("kader", "rt", "kelurahan", "outsider"):
        assert _months(cast, MID_MAY, who) == [], who


def test_the_home_page_shows_it_to_the_ketua_only(client, cast):
    today = timezone.localdate()
    last = periods.shift_month(today.year, today.month, -1)
    label = periods.month_label(*last)
    client.force_login(cast.users["ketua_dasawisma"])
    body = client.get(reverse("home")).content.decode()
    assert f"Kirim laporan {label}" in body
    assert reverse("reports:laporan_unit", args=[cast.dw.pk, *last]) + "#kirim" in body
    # Twelve months are due (the cast's groups began in 2024): three buttons, the others counted.
    due = reports_to_send(cast.users["ketua_dasawisma"], cast.dw, today)
    assert body.count("Kirim laporan ") == 3
    assert f"Masih ada {len(due) - 3} laporan bulan sebelumnya" in body
    for who in ("kader", "rt", "kelurahan"):
        client.force_login(cast.users[who])
        assert "Kirim laporan " not in client.get(reverse("home")).content.decode(), who


def test_the_button_leads_to_the_sending_form_and_sending_takes_it_off(client, cast):
    today = timezone.localdate()
    last = periods.shift_month(today.year, today.month, -1)
    label = periods.month_label(*last)
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=periods.month_bounds(*last)[0])
    ketua = cast.users["ketua_dasawisma"]
    client.force_login(ketua)
    page = client.get(reverse("reports:laporan_unit", args=[cast.dw.pk, *last]))
    body = page.content.decode()
    assert 'id="kirim"' in body and 'value="kirim"' in body  # the month has an event: sent as a report
    report = Laporan.objects.get(unit=cast.dw, tahun=last[0], bulan=last[1])
    client.post(reverse("reports:laporan_aksi", args=[report.pk]), {"aksi": "kirim", "versi": report.version})
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and report.submitted_by == ketua
    assert f"Kirim laporan {label}" not in client.get(reverse("home")).content.decode()
    # Returned by the RT, it is offered again.
    workflow.report_return(actor=cast.users["rt"], report=report, expected_version=report.version, reason="Cek HPL")
    body = client.get(reverse("home")).content.decode()
    assert f"Kirim laporan {label}" in body and "Alasan dikembalikan: Cek HPL" in body
