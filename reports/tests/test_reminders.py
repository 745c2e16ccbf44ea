"""The reminder of reports due (reports.reminders, a step of `manage.py rapikan`): each ketua dasawisma
of a report due and not sent is reminded once per stage (terbuka, terlambat), by e-mail when they have an
address, else in the application; nobody else is."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hierarchy import services as hierarchy_services
from hierarchy.levels import Role
from hierarchy.models import User
from households.models import Kehamilan
from reports import reminders, workflow
from reports.models import Pengingat, Saluran, Tahap

MARCH = (2026, 3)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))


LAST_DAY_OF_MARCH = at(datetime.date(2026, 3, 31))  # March can be sent from today (workflow.opens_on)
EARLY_APRIL = at(datetime.date(2026, 4, 3))  # March due, deadline 5 April
MID_APRIL = at(datetime.date(2026, 4, 10))  # March late


def with_email(user, address):
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


@pytest.fixture
def ketua(cast):
    return with_email(cast.users["ketua_dasawisma"], "ketua.melati1@example.invalid")


def ketua_of(cast, unit, name, email=""):
    user = User.objects.create_user(name, email=email, first_name=name.title(), home_unit=unit)
    hierarchy_services.role_grant(actor=cast.admin, user=user, role=Role.KETUA_DASAWISMA, unit=unit)
    return user


def submit(cast, unit, user, nihil=True):
    report = workflow.get_report(unit, *MARCH)
    return workflow.report_submit(actor=user, report=report, expected_version=report.version, nihil=nihil)


def reminded(unit=None):
    rows = Pengingat.objects.order_by("pk")
    if unit is not None:
        rows = rows.filter(unit=unit)
    return [(r.user.username, r.unit.name, r.tahun, r.bulan, r.tahap, r.saluran) for r in rows]


def test_a_due_report_reminds_its_ketua_once_by_email(cast, ketua):
    line = reminders.remind_due(EARLY_APRIL)
    assert line == "1 pengingat laporan (1 e-mail, 0 di aplikasi)"
    (sent,) = mail.outbox
    assert sent.to == ["ketua.melati1@example.invalid"]
    assert sent.subject == "Laporan Dasawisma Melati 1 bulan Maret 2026 sudah dapat dikirim"
    assert "Maret 2026" in sent.body and "5 April 2026" in sent.body and "NIHIL" in sent.body
    assert "RT 001" in sent.body  # where the group is, as the cadres know it
    # The month only: no resident's name, address or number in the mail.
    assert not any(part in sent.body for part in ["Wijayakusuma", "Rina", "Jl. Melati", cast.w_rina.nik])
    assert reminded() == [("ketua_dasawisma", "Melati 1", 2026, 3, Tahap.TERBUKA, Saluran.EMAIL)]
    assert Pengingat.objects.get().dikirim_pada == EARLY_APRIL

    # The next hourly run, and one a day later, remind nobody again.
    assert (
        reminders.remind_due(EARLY_APRIL + datetime.timedelta(hours=1))
        == "0 pengingat laporan (0 e-mail, 0 di aplikasi)"
    )
    assert reminders.remind_due(EARLY_APRIL + datetime.timedelta(days=1)).startswith("0 pengingat")
    assert len(mail.outbox) == 1 and Pengingat.objects.count() == 1


def test_a_month_is_reminded_from_the_day_its_report_opens(cast, ketua):
    reminders.remind_due(LAST_DAY_OF_MARCH - datetime.timedelta(days=1))
    assert ("ketua_dasawisma", "Melati 1", 2026, 3, Tahap.TERBUKA, Saluran.EMAIL) not in reminded()
    reminders.remind_due(LAST_DAY_OF_MARCH)
    assert ("ketua_dasawisma", "Melati 1", 2026, 3, Tahap.TERBUKA, Saluran.EMAIL) in reminded()
    assert not any(r[3] == 4 for r in reminded())  # April is still being recorded


@pytest.mark.parametrize("nihil", [True, False])
def test_a_sent_report_reminds_nobody(cast, ketua, nihil):
    if not nihil:
        Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=datetime.date(2026, 2, 1))
    submit(cast, cast.dw, ketua, nihil=nihil)
    assert reminders.remind_due(EARLY_APRIL).startswith("0 pengingat")
    assert reminders.remind_due(MID_APRIL).startswith("0 pengingat")
    assert mail.outbox == [] and reminded(cast.dw) == []


def test_a_late_report_gets_the_terlambat_reminder_once(cast, ketua):
    reminders.remind_due(EARLY_APRIL)
    mail.outbox.clear()
    assert reminders.remind_due(MID_APRIL) == "1 pengingat laporan (1 e-mail, 0 di aplikasi)"
    (sent,) = mail.outbox
    assert sent.subject == "Laporan Dasawisma Melati 1 bulan Maret 2026 terlambat"
    assert "belum dikirim" in sent.body and "5 April 2026" in sent.body
    assert reminders.remind_due(MID_APRIL + datetime.timedelta(days=2)).startswith("0 pengingat")
    assert len(mail.outbox) == 1
    assert [r[4] for r in reminded(cast.dw)] == [Tahap.TERBUKA, Tahap.TERLAMBAT]


def test_a_returned_report_not_sent_again_is_late_too(cast, ketua):
    report = submit(cast, cast.dw, ketua)
    reminders.remind_due(EARLY_APRIL)
    assert reminded(cast.dw) == []
    workflow.report_return(actor=cast.users["rt"], report=report, expected_version=report.version, reason="Periksa")
    reminders.remind_due(MID_APRIL)
    assert [r[4] for r in reminded(cast.dw)] == [Tahap.TERLAMBAT]  # first reminded when it is late
    assert "terlambat" in mail.outbox[0].subject


def test_a_ketua_without_email_is_reminded_in_the_application(cast):
    assert cast.users["ketua_dasawisma"].email == ""
    assert reminders.remind_due(EARLY_APRIL) == "1 pengingat laporan (0 e-mail, 1 di aplikasi)"
    assert mail.outbox == []
    assert reminded() == [("ketua_dasawisma", "Melati 1", 2026, 3, Tahap.TERBUKA, Saluran.APLIKASI)]
    assert reminders.remind_due(EARLY_APRIL).startswith("0 pengingat")


def test_only_the_ketua_of_each_unsent_dasawisma_is_reminded(cast, ketua):
    with_email(cast.users["kader"], "kader@example.invalid")  # enters data in Melati 1, does not send
    for name in ["rt", "kelurahan", "outsider"]:
        with_email(cast.users[name], f"{name}@example.invalid")
    mawar = ketua_of(cast, cast.dw_b, "ketua_melati2", "melati2@example.invalid")
    anggrek = ketua_of(cast, cast.dw2, "ketua_anggrek", "anggrek@example.invalid")
    submit(cast, cast.dw2, anggrek)  # Anggrek has sent March
    gone = ketua_of(cast, cast.dw_b, "ketua_lama", "lama@example.invalid")
    User.objects.filter(pk=gone.pk).update(is_active=False)

    assert reminders.remind_due(EARLY_APRIL).startswith("2 pengingat")
    by_address = {m.to[0]: m.subject for m in mail.outbox}
    assert by_address == {
        "ketua.melati1@example.invalid": "Laporan Dasawisma Melati 1 bulan Maret 2026 sudah dapat dikirim",
        mawar.email: "Laporan Dasawisma Melati 2 bulan Maret 2026 sudah dapat dikirim",
    }
    assert {(r[0], r[1]) for r in reminded()} == {("ketua_dasawisma", "Melati 1"), ("ketua_melati2", "Melati 2")}


def test_a_failed_mail_is_not_recorded_and_is_sent_by_the_next_run(cast, ketua, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(reminders.mail, "send_mail", refuse)
    line = reminders.remind_due(EARLY_APRIL)
    assert line == "0 pengingat laporan (0 e-mail, 0 di aplikasi); 1 e-mail gagal, dicoba lagi pada putaran berikutnya"
    assert reminded() == []
    monkeypatch.undo()
    assert reminders.remind_due(EARLY_APRIL).startswith("1 pengingat")
    assert len(mail.outbox) == 1


def test_a_reminder_claimed_by_another_run_at_the_same_moment_is_not_sent_twice(cast, ketua):
    """Two timers at once: the second finds the first one's row when it claims it."""
    Pengingat.objects.create(
        user=ketua, unit=cast.dw, tahun=2026, bulan=3, tahap=Tahap.TERBUKA, dikirim_pada=EARLY_APRIL, saluran="email"
    )
    mailer = reminders._Mailer()
    assert reminders._remind(mailer, ketua, cast.dw, 2026, 3, Tahap.TERBUKA, EARLY_APRIL) is None
    assert mail.outbox == [] and Pengingat.objects.count() == 1


def test_rapikan_runs_the_reminder(cast, capsys):
    call_command("rapikan")
    assert "\npengingat: " in "\n" + capsys.readouterr().out
