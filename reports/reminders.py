"""The reminder of monthly reports due: a step of `manage.py rapikan` (hourly, registered in
ReportsConfig.ready()).

What is due is what the ketua dasawisma's inbox lists (reports.inbox): the report of last month and of
this month, once it can be sent (workflow.opens_on) and while it is not sent (a draft, or returned and
not sent again), for a dasawisma active in that month. `inbox.state_of` says whether a month is due and
`inbox.is_late` whether its deadline has passed; `inbox.ketua_by_dasawisma` who must send it. Each
ketua is reminded at most once per report and stage: "terbuka" (the report can be sent) and "terlambat"
(its deadline has passed). The unique `Pengingat` row is the claim, committed before the mail goes out
(no lock is held while a mail server answers): a second run, or two timers at once, finds it and sends
nothing, and a mail that fails deletes its row, so the next run tries again.

The channel is e-mail when the ketua has an address, else the application (the inbox already shows the
report as due). A mail names only the group, the month and the deadline: nothing about its residents."""

import datetime
import logging

from django.core import mail
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import Unit, User, path_related
from pkkdata import periods

from . import inbox, workflow
from .models import Laporan, Pengingat, Saluran, Status, Tahap

logger = logging.getLogger(__name__)

# The inbox's states of an unsent report that ask the ketua to send it (see inbox.state_of).
DUE_STATES = {"jatuh_tempo", "terlambat", "dikembalikan"}


def due_months(today: datetime.date) -> list[tuple[int, int, str]]:
    """[(tahun, bulan, tahap)] of the months the inbox lists to a ketua dasawisma (last month and this
    month) whose unsent report is due today, with the stage of a reminder about it."""
    this = (today.year, today.month)
    months = []
    for tahun, bulan in [periods.shift_month(*this, -1), this]:
        if inbox.state_of(Status.DRAFT, tahun, bulan, today).key not in DUE_STATES:
            continue  # the month is still being recorded: its report cannot be sent yet
        late = inbox.is_late(Status.DRAFT, tahun, bulan, today)
        months.append((tahun, bulan, Tahap.TERLAMBAT if late else Tahap.TERBUKA))
    return months


def unsent_dasawisma(tahun: int, bulan: int) -> list[int]:
    """The ids of the dasawisma active in the month whose report for it is not sent (one query; the
    rule of the inbox's count of late dasawisma)."""
    sent = Laporan.objects.filter(unit=OuterRef("pk"), tahun=tahun, bulan=bulan, status__in=inbox.SENT)
    units = Unit.objects.filter(level=Level.DASAWISMA).filter(workflow.month_overlap_q(tahun, bulan))
    return list(units.exclude(Exists(sent)).order_by("code", "pk").values_list("pk", flat=True))


def message(dasawisma: Unit, tahun: int, bulan: int, tahap: str) -> tuple[str, str]:
    """(subject, body) of the mail: the group and where it is, the month and the deadline, nothing else
    (`dasawisma` with its ancestors loaded: select_related(*path_related()))."""
    month = periods.month_label(tahun, bulan)
    due = periods.date_label(workflow.deadline(tahun, bulan))
    if tahap == Tahap.TERLAMBAT:
        subject = f"Laporan {dasawisma.title} bulan {month} terlambat"
        first = f"Laporan bulanan {dasawisma.title} untuk bulan {month} belum dikirim, padahal batasnya {due}."
    else:
        subject = f"Laporan {dasawisma.title} bulan {month} sudah dapat dikirim"
        first = f"Laporan bulanan {dasawisma.title} untuk bulan {month} sudah dapat dikirim. Batasnya {due}."
    body = (
        f"{first}\n({dasawisma.path_label()})\n\n"
        "Silakan buka aplikasi Data PKK dan kirim laporannya dari Beranda. Bila bulan itu tidak ada "
        "peristiwa, kirim sebagai laporan NIHIL.\n\n"
        "Pesan ini dikirim otomatis oleh aplikasi Data PKK."
    )
    return subject, body


class _Mailer:
    """One connection for the run, opened at the first mail; once a mail fails (`down`), the run tries
    no more."""

    def __init__(self):
        self.connection = None
        self.down = False

    def send(self, to: str, subject: str, body: str) -> None:
        if self.connection is None:
            self.connection = mail.get_connection()
            self.connection.open()
        mail.send_mail(subject, body, None, [to], connection=self.connection)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class _MailFailed(Exception):
    pass


def _remind(mailer, user: User, dasawisma: Unit, tahun: int, bulan: int, tahap: str, now) -> str | None:
    """Claim the reminder and send it; the channel used, or None when another run claimed it at the same
    moment. Raises _MailFailed when the mail could not be sent (the claim is then undone)."""
    saluran = Saluran.EMAIL if user.email else Saluran.APLIKASI
    # The claim commits on its own (a short write), then the mail goes out with no lock held: a slow mail
    # server never holds the database. A failed mail undoes the claim, so the next run tries again.
    row, created = Pengingat.objects.get_or_create(
        user=user,
        unit=dasawisma,
        tahun=tahun,
        bulan=bulan,
        tahap=tahap,
        defaults={"dikirim_pada": now, "saluran": saluran},
    )
    if created and saluran == Saluran.EMAIL:
        try:
            mailer.send(user.email, *message(dasawisma, tahun, bulan, tahap))
        except Exception as exc:  # a mail server down or an address refused: retried by the next run
            logger.exception("pengingat: e-mail ke pengguna %s gagal", user.pk)
            Pengingat.objects.filter(pk=row.pk).delete()
            raise _MailFailed from exc
    return saluran if created else None


def remind_due(now: datetime.datetime) -> str:
    """The housekeeping step: remind every ketua dasawisma of each report due and not sent, once per
    report and stage. Returns the summary line of `manage.py rapikan`."""
    today = timezone.localdate(now)
    sent = {Saluran.EMAIL: 0, Saluran.APLIKASI: 0}
    failed = 0
    mailer = _Mailer()
    try:
        for tahun, bulan, tahap in due_months(today):
            # Three queries per month when everybody has been reminded already (most runs).
            ketua = inbox.ketua_by_dasawisma(unsent_dasawisma(tahun, bulan))
            done = set(
                Pengingat.objects.filter(tahun=tahun, bulan=bulan, tahap=tahap).values_list("user_id", "unit_id")
            )
            todo = [
                (unit_id, user) for unit_id, users in ketua.items() for user in users if (user.pk, unit_id) not in done
            ]
            units = Unit.objects.select_related(*path_related()).in_bulk({unit_id for unit_id, _user in todo})
            for unit_id, user in todo:
                if mailer.down and user.email:
                    failed += 1  # a mail failed this run: the others are left for the next one
                    continue
                try:
                    saluran = _remind(mailer, user, units[unit_id], tahun, bulan, tahap, now)
                except _MailFailed:
                    mailer.down = True
                    failed += 1
                    continue
                if saluran is not None:
                    sent[saluran] += 1
    finally:
        mailer.close()
    total = sent[Saluran.EMAIL] + sent[Saluran.APLIKASI]
    line = f"{total} pengingat laporan ({sent[Saluran.EMAIL]} e-mail, {sent[Saluran.APLIKASI]} di aplikasi)"
    if failed:
        line += f"; {failed} e-mail gagal, dicoba lagi pada putaran berikutnya"
    return line
