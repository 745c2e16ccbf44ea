"""The monthly report screens as their users meet them: the ketua dasawisma sends the month, the RT
approves from its checklist, the RT report reaches the kelurahan, which returns it with a reason; the
nihil button, two people acting at once, changes after approval, the completeness table and its
drill-down, the WhatsApp reminder, and who gets 403 or 404."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from hierarchy import services as hierarchy_services
from hierarchy.levels import Level, Role
from hierarchy.models import User
from households.models import Kehamilan
from households.tests import factories as f
from pkkdata import periods
from reports import services as services_events
from reports import workflow
from reports.models import Laporan, LogLaporan, Status

MARCH = (2026, 3)
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def pregnant(cast):
    """Rina (Melati 1) pregnant since February: March has an event in Melati 1, none in Melati 2."""
    return Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))


def url(name, *args):
    return reverse(f"reports:{name}", args=args)


def page_url(unit, month=MARCH):
    return url("laporan_unit", unit.pk, *month)


def get(client, user, address):
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


def post(client, user, address, data, follow=True):
    client.force_login(user)
    return client.post(address, data, follow=follow)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def report(unit, month=MARCH):
    return Laporan.objects.get(unit=unit, tahun=month[0], bulan=month[1])


def act(client, user, laporan, aksi, **extra):
    return post(client, user, url("laporan_aksi", laporan.pk), {"aksi": aksi, "versi": laporan.version, **extra})


def submitted(cast, unit, user="admin", nihil=False):
    laporan = workflow.get_report(unit, *MARCH)
    return workflow.report_submit(actor=cast.users[user], report=laporan, expected_version=laporan.version, nihil=nihil)


def approved(cast, laporan, user="rt"):
    return workflow.report_approve(actor=cast.users[user], report=laporan, expected_version=laporan.version)


# -- the whole path --------------------------------------------------------------------------------


def test_report_goes_from_ketua_to_rt_to_kelurahan_and_comes_back_with_the_reason(client, cast, pregnant):
    ketua, rt, kelurahan = cast.users["ketua_dasawisma"], cast.users["rt"], cast.users["kelurahan"]

    # The ketua dasawisma sees the month's book and sends it.
    body = get(client, ketua, page_url(cast.dw))
    assert "Rina Wijayakusuma" in body and "Kirim ke RT" in body and "Kirim sebagai NIHIL" not in body
    response = act(client, ketua, report(cast.dw), "kirim")
    assert "Laporan Dasawisma Melati 1 bulan Maret 2026 dikirim untuk disetujui." in messages_of(response)
    assert report(cast.dw).status == Status.SUBMITTED
    assert "Kirim ke RT" not in get(client, ketua, page_url(cast.dw))
    # Melati 2 had nothing this month: it goes as nihil.
    submitted(cast, cast.dw_b, nihil=True)

    # The RT finds both in its inbox and approves them from the checklist.
    home = get(client, rt, reverse("home"))
    assert "Menunggu persetujuan Anda" in home and "Dasawisma Melati 1" in home and "Dasawisma Melati 2" in home
    rt_page = get(client, rt, page_url(cast.rt))
    picks = re.findall(r'name="pilih" value="(\d+:\d+)"', rt_page)
    assert sorted(picks) == sorted(f"{r.pk}:{r.version}" for r in [report(cast.dw), report(cast.dw_b)])
    assert "Setujui semua yang dipilih" in rt_page
    response = post(client, rt, url("laporan_setujui_banyak"), {"pilih": picks, "kembali": page_url(cast.rt)})
    assert "2 laporan disetujui." in messages_of(response)
    assert response.redirect_chain[-1][0] == page_url(cast.rt)
    assert report(cast.dw).status == report(cast.dw_b).status == Status.APPROVED

    # The RT report went up by itself and waits for the kelurahan.
    assert report(cast.rt).status == Status.SUBMITTED
    assert "RT 001" in get(client, kelurahan, reverse("home"))
    kel_page = get(client, kelurahan, page_url(cast.kel))
    assert f'id="laporan-{report(cast.rt).pk}"' in kel_page and "Kembalikan laporan" in kel_page

    # Returning without a reason is refused; with one it goes back.
    response = act(client, kelurahan, report(cast.rt), "kembalikan", alasan="   ")
    assert "Tuliskan alasan laporan dikembalikan." in messages_of(response)
    assert report(cast.rt).status == Status.SUBMITTED
    response = act(client, kelurahan, report(cast.rt), "kembalikan", alasan="Jumlah ibu hamil belum cocok")
    assert report(cast.rt).status == Status.RETURNED

    # The RT sees the reason on its page and in its inbox.
    rt_page = get(client, rt, page_url(cast.rt))
    assert "Dikembalikan dengan alasan:" in rt_page and "Jumlah ibu hamil belum cocok" in rt_page
    assert "Kirim ulang" in rt_page
    assert "Jumlah ibu hamil belum cocok" in get(client, rt, reverse("home"))
    # The history says who did what.
    log = [(entry.from_status, entry.to_status) for entry in LogLaporan.objects.filter(laporan=report(cast.rt))]
    assert log == [("draf", "dikirim"), ("dikirim", "dikembalikan")]
    assert "Kelurahan" in rt_page  # the kelurahan user's name in the history


def test_rt_sends_its_returned_report_again(client, cast, pregnant):
    approved(cast, submitted(cast, cast.dw, "ketua_dasawisma"))
    approved(cast, submitted(cast, cast.dw_b, nihil=True))
    rt_report = report(cast.rt)
    workflow.report_return(
        actor=cast.users["kelurahan"], report=rt_report, expected_version=rt_report.version, reason="Cek lagi"
    )
    response = act(client, cast.users["rt"], report(cast.rt), "kirim_ulang")
    assert "Laporan RT 001 bulan Maret 2026 dikirim ulang." in messages_of(response)
    assert report(cast.rt).status == Status.SUBMITTED


def test_returned_dasawisma_report_shows_the_reason_to_the_ketua(client, cast, pregnant):
    laporan = submitted(cast, cast.dw, "ketua_dasawisma")
    act(client, cast.users["rt"], laporan, "kembalikan", alasan="Tanggal HPL Ibu Rina belum diisi")
    body = get(client, cast.users["ketua_dasawisma"], page_url(cast.dw))
    assert "Dikembalikan dengan alasan:" in body and "Tanggal HPL Ibu Rina belum diisi" in body
    assert "Kirim ke RT" in body  # sent again after fixing


def test_rw_in_the_chain_reviews_the_rt_reports_under_it(client, cast, pregnant, settings):
    settings.PKK_APPROVAL_LEVELS = ["rt", "rw", "desa"]
    approved(cast, submitted(cast, cast.dw, "ketua_dasawisma"))
    approved(cast, submitted(cast, cast.dw_b, nihil=True))
    rw_page = get(client, cast.users["rw"], page_url(cast.rw))
    assert f'name="pilih" value="{report(cast.rt).pk}:{report(cast.rt).version}"' in rw_page
    kel_page = get(client, cast.users["kelurahan"], page_url(cast.kel))
    assert re.findall(r'class="row-name" href="[^"]+">([^<]+)</a>', kel_page)[:2] == ["RT 002", "RW 01"]


# -- nihil -----------------------------------------------------------------------------------------


def test_month_without_events_offers_only_the_nihil_button(client, cast):
    ketua = cast.users["ketua_dasawisma"]
    body = get(client, ketua, page_url(cast.dw))
    assert "Kirim sebagai NIHIL" in body and "Kirim ke RT" not in body
    assert "Tidak ada peristiwa tercatat pada bulan ini." in body
    response = act(client, ketua, report(cast.dw), "kirim")
    assert "Tidak ada peristiwa tercatat bulan ini: kirim sebagai laporan nihil." in messages_of(response)
    assert report(cast.dw).status == Status.DRAFT
    response = act(client, ketua, report(cast.dw), "kirim_nihil")
    assert "Laporan NIHIL Dasawisma Melati 1 bulan Maret 2026 dikirim untuk disetujui." in messages_of(response)
    laporan = report(cast.dw)
    assert laporan.status == Status.SUBMITTED and laporan.nihil
    assert "NIHIL" in get(client, cast.users["rt"], page_url(cast.rt))


def test_month_with_events_cannot_go_as_nihil(client, cast, pregnant):
    ketua = cast.users["ketua_dasawisma"]
    get(client, ketua, page_url(cast.dw))
    response = act(client, ketua, report(cast.dw), "kirim_nihil")
    assert "Bulan ini ada peristiwa tercatat, jadi laporannya tidak nihil." in messages_of(response)
    assert report(cast.dw).status == Status.DRAFT


def test_future_month_and_other_people_get_no_submit_button(client, cast):
    assert "Kirim sebagai NIHIL" not in get(client, cast.users["ketua_dasawisma"], page_url(cast.dw, (2099, 1)))
    assert not Laporan.objects.filter(tahun=2099).exists()
    for name in ["kader", "rt", "kelurahan"]:
        body = get(client, cast.users[name], page_url(cast.dw))
        assert "Kirim sebagai NIHIL" not in body and "Kirim ke RT" not in body
    assert not Laporan.objects.exists()  # looking does not create reports


# -- two people at once ----------------------------------------------------------------------------


def test_stale_version_shows_the_conflict_message_and_changes_nothing(client, cast, pregnant):
    laporan = submitted(cast, cast.dw, "ketua_dasawisma")
    stale = laporan.version
    approved(cast, laporan, "admin")  # somebody else acted after the RT opened the page
    logs = LogLaporan.objects.count()
    response = post(
        client,
        cast.users["rt"],
        url("laporan_aksi", laporan.pk),
        {"aksi": "kembalikan", "versi": stale, "alasan": "Nama suami salah"},
    )
    (message,) = messages_of(response)
    assert message.startswith("Laporan ini baru saja diubah oleh orang lain")
    assert "Nama suami salah" in message  # what was typed is not lost
    assert report(cast.dw).status == Status.APPROVED and LogLaporan.objects.count() == logs


def test_checklist_lists_each_failure_with_its_reason(client, cast, pregnant):
    a = submitted(cast, cast.dw, "ketua_dasawisma")
    b = submitted(cast, cast.dw_b, nihil=True)
    picks = [f"{a.pk}:{a.version}", f"{b.pk}:{b.version}"]
    approved(cast, b, "admin")
    response = post(client, cast.users["rt"], url("laporan_setujui_banyak"), {"pilih": picks})
    shown = messages_of(response)
    assert "1 laporan disetujui." in shown
    assert (
        "Dasawisma Melati 2 (Maret 2026) tidak disetujui: Laporan ini sudah disetujui dan datanya tidak berubah."
        in shown
    )


def test_checklist_with_nothing_ticked_says_so(client, cast):
    response = post(client, cast.users["rt"], url("laporan_setujui_banyak"), {})
    assert "Belum ada laporan yang dipilih." in messages_of(response)


def test_checklist_ignores_reports_outside_the_area(client, cast):
    outside = submitted(cast, cast.dw2, nihil=True)
    response = post(client, cast.users["rt"], url("laporan_setujui_banyak"), {"pilih": [f"{outside.pk}:1"]})
    assert "1 laporan yang dipilih tidak ditemukan." in messages_of(response)
    assert report(cast.dw2).status == Status.SUBMITTED


# -- change after approval -------------------------------------------------------------------------


def test_change_after_approval_shows_the_difference_and_can_be_approved_again(client, cast, pregnant):
    approved(cast, submitted(cast, cast.dw, "ketua_dasawisma"))
    services_events.kematian_record(actor=cast.users["kelurahan"], warga=cast.w_dimas, tanggal=DAY, sebab="demam")
    body = get(client, cast.users["rt"], page_url(cast.rt))
    assert "Berubah setelah disetujui" in body
    assert re.search(r"Balita meninggal L: <del>0</del> → <ins>1</ins>", body)
    assert "Setujui ulang" in body
    response = act(client, cast.users["rt"], report(cast.dw), "setujui")
    assert "Laporan Dasawisma Melati 1 bulan Maret 2026 disetujui." in messages_of(response)
    assert "Berubah setelah disetujui" not in get(client, cast.users["rt"], page_url(cast.rt))


# -- rights ----------------------------------------------------------------------------------------


def test_people_without_the_right_get_403_with_the_reason(client, cast, pregnant):
    laporan = submitted(cast, cast.dw, "ketua_dasawisma")
    for name in ["kader", "ketua_dasawisma", "kelurahan", "kota"]:
        client.force_login(cast.users[name])
        response = client.post(url("laporan_aksi", laporan.pk), {"aksi": "setujui", "versi": laporan.version})
        assert response.status_code == 403
        assert "Anda tidak menyetujui laporan satuan ini." in response.content.decode()
    client.force_login(cast.users["rt"])
    response = client.post(url("laporan_aksi", laporan.pk), {"aksi": "kirim", "versi": laporan.version})
    assert response.status_code == 403
    assert report(cast.dw).status == Status.SUBMITTED


def test_pages_outside_the_area_are_not_found(client, cast):
    client.force_login(cast.users["outsider"])
    assert client.get(page_url(cast.dw)).status_code == 404
    assert client.get(url("kelengkapan", cast.kel.pk)).status_code == 404
    laporan = workflow.get_report(cast.dw, *MARCH)
    assert client.post(url("laporan_aksi", laporan.pk), {"aksi": "setujui", "versi": 0}).status_code == 404
    client.force_login(cast.users["kader"])
    assert client.get(page_url(cast.rt)).status_code == 404
    assert client.get(page_url(cast.dw_b)).status_code == 404


def test_get_on_the_actions_is_refused(client, cast):
    client.force_login(cast.users["rt"])
    laporan = workflow.get_report(cast.dw, *MARCH)
    assert client.get(url("laporan_aksi", laporan.pk)).status_code == 405
    assert client.get(url("laporan_setujui_banyak")).status_code == 405


def test_redirect_after_an_action_stays_on_this_site(client, cast):
    laporan = workflow.get_report(cast.dw, *MARCH)
    response = post(
        client,
        cast.users["ketua_dasawisma"],
        url("laporan_aksi", laporan.pk),
        {"aksi": "kirim_nihil", "versi": 0, "kembali": "https://example.com/"},
        follow=False,
    )
    assert response["Location"] == page_url(cast.dw)


def test_a_kelurahan_reviews_its_rt_reports_a_page_at_a_time(client, cast):
    admin = cast.users["admin"]
    for i in range(26):  # with RT 001 and RT 002: 28 reports the kelurahan approves
        hierarchy_services.unit_create(
            actor=admin, parent=cast.kel, level=Level.RT, code=f"{i + 10:03d}", name=f"{i + 10:03d}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip

    def reviewed(body):
        return re.findall(r'class="row-name" href="[^"]+">([^<]+)</a>', body.split("Dasawisma terlambat")[0])

    first = get(client, cast.users["kelurahan"], page_url(cast.kel))
    assert len(reviewed(first)) == 25 and reviewed(first)[:3] == ["RT 001", "RT 002", "RT 010"]
    assert "Halaman 1 dari 2 (28 laporan)" in first
    second = get(client, cast.users["kelurahan"], page_url(cast.kel) + "?hal=2")
    assert reviewed(second) == ["RT 033", "RT 034", "RT 035"]
    assert 'href="?hal=1">‹ Sebelumnya' in second
    assert "Dasawisma Melati 1" in second  # the late dasawisma are listed on every page


# -- completeness ----------------------------------------------------------------------------------


def cells_of(body, row_name):
    """The cell texts of one row of the completeness table, symbols and small notes left out."""
    row = re.search(
        rf"<tr>\s*<th scope=\"row\" class=\"sticky\">(?:<a [^>]*>)?{re.escape(row_name)}.*?</tr>", body, re.S
    )
    assert row, f"no row {row_name}"
    cells = re.findall(r"<td class=\"cell (\w+)\".*?>(.*?)</td>", row.group(0), re.S)
    return [
        (state, re.sub(r"<small class=\"sub\">.*?</small>|<[^>]+>|[✓◐✗]", "", text).split()) for state, text in cells
    ]


def test_completeness_table_counts_approved_over_expected_and_drills_down(client, cast, pregnant):
    approved(cast, submitted(cast, cast.dw, "ketua_dasawisma"))
    submitted(cast, cast.dw_b, nihil=True)
    kelurahan = cast.users["kelurahan"]
    body = get(client, kelurahan, url("kelengkapan", cast.kel.pk) + "?sampai=2026-03")
    assert "April 2025 – Maret 2026" in body
    rw_cells = cells_of(body, "RW 01")
    assert len(rw_cells) == 13  # 12 months and the row total
    assert rw_cells[11] == ("sebagian", ["1/2"])  # March: Melati 1 approved, Melati 2 waiting
    assert rw_cells[10] == ("belum", ["0/2"])
    assert rw_cells[12] == ("sebagian", ["1/24", "4%"])
    assert cells_of(body, "RT 002")[11] == ("belum", ["0/1"])
    assert "1 menunggu" in body
    totals = re.search(r"<tfoot>.*</tfoot>", body, re.S).group(0)
    assert "1/3" in totals and "33%" in totals

    # RW 01 → RT 001 → the dasawisma rows, whose March cell opens that dasawisma's report.
    drill = re.search(r'href="([^"]+)">RW 01</a>', body).group(1)
    assert drill == url("kelengkapan", cast.rw.pk)
    body = get(client, kelurahan, drill + "?sampai=2026-03")
    body = get(client, kelurahan, re.search(r'href="([^"]+)">RT 001</a>', body).group(1) + "?sampai=2026-03")
    assert cells_of(body, "Melati 1")[11] == ("lengkap", ["1/1"])
    assert f'href="{page_url(cast.dw)}"' in body


def test_completeness_never_goes_above_100_percent_when_groups_close(client, cast):
    admin = cast.users["admin"]
    hierarchy_services.unit_close(actor=admin, unit=cast.dw_c, on_date=datetime.date(2026, 2, 28))
    for unit in (cast.dw, cast.dw_b, cast.dw_c):
        laporan = workflow.get_report(unit, *MARCH)
        laporan.status = Status.APPROVED
        laporan.save()
    body = get(client, cast.users["kelurahan"], url("kelengkapan", cast.kel.pk) + "?sampai=2026-03")
    assert cells_of(body, "RT 002")[11][0] == "kosong"
    percents = [int(p) for p in re.findall(r"(\d+)%", body)]
    assert percents and max(percents) <= 100
    assert "2/2" in re.search(r"<tfoot>.*</tfoot>", body, re.S).group(0)


def test_completeness_month_picker_refuses_a_bad_month(client, cast):
    body = get(client, cast.users["kelurahan"], url("kelengkapan", cast.kel.pk) + "?sampai=2026-13")
    assert "Bulan tidak sah" in body
    assert "table-scroll" in body  # the default months are still shown


def test_completeness_marks_the_latest_month_over_for_a_phone_to_open_at(client, cast):
    """static/js/tabel-geser.js scrolls the table to the column marked data-mulai: the last month of the
    table, or last month when the table reaches into months not over yet (none when all of it is)."""
    today = timezone.localdate()
    last = periods.shift_month(today.year, today.month, -1)

    def marked(query=""):
        body = get(client, cast.users["kelurahan"], url("kelengkapan", cast.kel.pk) + query)
        return re.findall(r'<th scope="col" data-mulai><abbr title="([^"]+)"', body)

    assert marked() == [periods.month_label(*last)]
    assert marked("?sampai=2025-06") == ["Juni 2025"]
    ahead = periods.shift_month(*last, 4)
    assert marked(f"?sampai={ahead[0]:04d}-{ahead[1]:02d}") == [periods.month_label(*last)]
    assert marked(f"?sampai={today.year + 1:04d}-12") == []


def test_completeness_queries_do_not_grow_with_the_groups(client, cast, django_assert_max_num_queries):
    client.force_login(cast.users["kelurahan"])
    address = url("kelengkapan", cast.kel.pk)
    with django_assert_max_num_queries(12):
        client.get(address)
    for i in range(15):
        rt = hierarchy_services.unit_create(
            actor=cast.users["admin"], parent=cast.kel, level=Level.RT, code=f"{i + 10:03d}", name=f"{i + 10:03d}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip
        hierarchy_services.unit_create(
            actor=cast.users["admin"], parent=rt, level=Level.DASAWISMA, code="DW01", name=f"Kenanga {i}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        body = client.get(address).content.decode()
    assert "RT 024" in body


def test_a_long_completeness_table_is_shown_a_page_at_a_time_with_the_whole_area_in_its_totals(client, cast):
    admin = cast.users["admin"]
    for i in range(30):
        rt = hierarchy_services.unit_create(
            actor=admin, parent=cast.kel, level=Level.RT, code=f"{i + 10:03d}", name=f"{i + 10:03d}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip
        dw = hierarchy_services.unit_create(
            actor=admin, parent=rt, level=Level.DASAWISMA, code="DW01", name=f"Kenanga {i}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip
        if i == 29:  # on the last page
            laporan = workflow.get_report(dw, *MARCH)
            laporan.status = Status.APPROVED
            laporan.save()
    address = url("kelengkapan", cast.kel.pk) + "?sampai=2026-03"
    first = get(client, cast.users["kelurahan"], address)
    rows = re.findall(r'<th scope="row" class="sticky"><a [^>]*>([^<]+)</a>', first)
    assert len(rows) == 25 and rows[:3] == ["RT 002", "RW 01", "RT 010"]  # 32 children by code, RT 039 last
    assert "Baris 1–25 dari 32" in first and "Halaman 1 dari 2" in first
    second_address = re.search(r'<a href="([^"]+)">Berikutnya', first).group(1)
    assert unescape(second_address) == "?sampai=2026-03&hal=2"
    second = get(client, cast.users["kelurahan"], url("kelengkapan", cast.kel.pk) + unescape(second_address))
    assert re.findall(r'<th scope="row" class="sticky"><a [^>]*>([^<]+)</a>', second)[-1] == "RT 039"
    assert cells_of(second, "RT 039")[11] == ("lengkap", ["1/1"])

    def march_total(body):
        return re.findall(
            r"<td class=\"cell (\w+)\".*?>(.*?)</td>", re.search(r"<tfoot>.*</tfoot>", body, re.S).group(0), re.S
        )[11]

    # The JUMLAH row counts all 33 dasawisma on both pages, the approved one on page 2 included.
    assert march_total(first) == march_total(second) and "1/33" in march_total(first)[1]


# -- reminders -------------------------------------------------------------------------------------


def test_late_dasawisma_gets_a_whatsapp_reminder_to_its_ketua(client, cast):
    User.objects.filter(pk=cast.users["ketua_dasawisma"].pk).update(phone="081234567890")
    body = get(client, cast.users["rt"], page_url(cast.rt))
    link = unescape(re.search(r'href="(https://wa\.me/[^"]+)"', body).group(1))
    parts = urlsplit(link)
    assert parts.path == "/6281234567890"
    assert " " not in link and "\n" not in link  # the message is urlencoded
    (text,) = parse_qs(parts.query)["text"]
    assert "Dasawisma Melati 1" in text and "Maret 2026" in text and "5 April 2026" in text
    assert text.startswith("Yth. Ketua Dasawisma")
    assert "Belum ada ketua dasawisma yang tercatat untuk diingatkan." in body  # Melati 2 has none

    kel_page = get(client, cast.users["kelurahan"], page_url(cast.kel))
    assert "Dasawisma terlambat (3)" in kel_page and "https://wa.me/6281234567890?text=" in kel_page


def test_no_reminder_link_without_a_phone_number(client, cast):
    body = get(client, cast.users["rt"], page_url(cast.dw))
    assert "wa.me" not in body
    assert "Nomor HP Ketua Dasawisma belum tercatat" in body


def test_no_reminder_before_the_deadline_or_to_oneself(client, cast):
    User.objects.filter(pk=cast.users["ketua_dasawisma"].pk).update(phone="081234567890")
    assert "wa.me" not in get(client, cast.users["ketua_dasawisma"], page_url(cast.dw))
    submitted(cast, cast.dw, nihil=True)
    assert "https://wa.me/6281234567890" not in get(client, cast.users["rt"], page_url(cast.rt))


# -- bounded queries -------------------------------------------------------------------------------


def _more_dasawisma(cast, n):
    ketua_role = Role.KETUA_DASAWISMA
    for i in range(n):
        dw = hierarchy_services.unit_create(
            actor=cast.users["admin"], parent=cast.rt, level=Level.DASAWISMA, code=f"DW{i + 10}", name=f"Kenanga {i}",
            active_from=datetime.date(2024, 1, 1),
        )  # fmt: skip
        household = f.rumah_tangga(dw, alamat=f"Jl. Kenanga {i}")
        mother = f.warga(f.keluarga(household), f"Ibu Kenanga {i}", datetime.date(1990, 1, 1), "P",
                         status_perkawinan="menikah", status_dalam_keluarga="kepala")  # fmt: skip
        Kehamilan.objects.create(ibu=mother, tanggal_mulai=datetime.date(2026, 2, 1))
        ketua = User.objects.create_user(f"ketua{i}", phone="08123456789")
        hierarchy_services.role_grant(actor=cast.users["admin"], user=ketua, role=ketua_role, unit=dw)
        if i % 2:
            laporan = workflow.get_report(dw, *MARCH)
            workflow.report_submit(actor=ketua, report=laporan, expected_version=laporan.version)


@pytest.mark.parametrize(("who", "unit", "queries"), [("rt", "rt", 18), ("kelurahan", "kel", 15)])
def test_review_pages_take_the_same_queries_for_one_row_or_many(client, cast, pregnant, who, unit, queries,
                                                                django_assert_max_num_queries):  # fmt: skip
    client.force_login(cast.users[who])
    address = page_url(getattr(cast, unit))
    with django_assert_max_num_queries(queries):
        client.get(address)
    _more_dasawisma(cast, 12)
    with django_assert_max_num_queries(queries):
        body = client.get(address).content.decode()
    if who == "rt":
        assert body.count('class="report-row"') == 14 and "Kenanga 11" in body
    else:  # Melati 1, Melati 2, Mawar and the six Kenanga that did not send
        assert "Dasawisma terlambat (9)" in body


def test_the_dasawisma_month_page_links_its_4_18a_download(client, cast, pregnant):
    body = get(client, cast.users["kader"], page_url(cast.dw))
    link = reverse("recaps:rekap_unduh_bulanan", args=[cast.dw.pk, *MARCH])
    assert f'href="{link}"' in body and "Unduh buku catatan 4.18a" in body
    assert client.get(link).status_code == 200  # the download form for that month
    # An RT's month page is a list of its dasawisma, with no 4.18a of its own.
    assert "Unduh buku catatan 4.18a" not in get(client, cast.users["rt"], page_url(cast.rt))


def test_a_womans_card_offers_her_pregnancy_and_birth_with_her_chosen(client, cast):
    """Events from where the person is (issue 12): the household page's card of a woman of 10 to 55 offers
    "Catat hamil" and "Catat kelahiran", and the form opens with her as the mother."""
    client.force_login(cast.users["kader"])
    body = client.get(reverse("households:rumah_tangga_detail", args=[cast.hh_a.pk])).content.decode()
    hamil = reverse("reports:kehamilan_add", kwargs={"unit_pk": cast.dw.pk}) + f"?ibu={cast.w_rina.pk}"
    assert f'href="{hamil}"' in body
    assert f"?ibu={cast.w_hendra.pk}" not in body and f"?ibu={cast.w_dimas.pk}" not in body  # men, children
    form = client.get(hamil).content.decode()
    assert f'<option value="{cast.w_rina.pk}" selected>' in form
    # Sumiati (76) is past the age; the kecamatan sees the page but records nothing.
    body = client.get(reverse("households:rumah_tangga_detail", args=[cast.hh_b.pk])).content.decode()
    assert "Catat hamil" not in body
    client.force_login(cast.users["kecamatan"])
    assert (
        "Catat hamil" not in client.get(reverse("households:rumah_tangga_detail", args=[cast.hh_a.pk])).content.decode()
    )


def test_every_members_card_offers_recording_a_death_with_the_member_chosen(client, cast):
    """Events from where the person is (issue 12): "Catat kematian" on every active member's card, the form
    opening with that member chosen; not for a role that records no events."""
    client.force_login(cast.users["kader"])
    body = client.get(reverse("households:rumah_tangga_detail", args=[cast.hh_b.pk])).content.decode()
    url = reverse("reports:kematian_add", kwargs={"unit_pk": cast.dw.pk}) + f"?warga={cast.w_sumiati.pk}"
    assert f'href="{url}"' in body
    form = client.get(url).content.decode()
    assert f'<option value="{cast.w_sumiati.pk}" selected>' in form
    client.force_login(cast.users["kecamatan"])
    body = client.get(reverse("households:rumah_tangga_detail", args=[cast.hh_b.pk])).content.decode()
    assert "Catat kematian" not in body
