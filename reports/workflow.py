"""The review of the monthly report: every transition, its rights and its rules, in one place.

The chain. settings.PKK_APPROVAL_LEVELS lists the approving levels bottom up (default ["rt", "desa"];
"rw" and "kecamatan" can be added). A dasawisma's report is approved by its nearest ancestor on the
chain (its RT). Every approving level except the top one has a report of its own (an RT report),
which is submitted automatically when all the reports it approves are approved, and approved by the
next approving ancestor that exists (RW where there is one, else the desa/kelurahan). The top level
approves; there is no report above it.

Who acts. The ketua dasawisma (kirim_laporan) submits the dasawisma's report. An approval or a return
is made by a holder of setujui_laporan granted on the approving unit itself (the ketua kelompok PKK RT
on that RT, the TP PKK on that desa/kelurahan) or by the system administrator; higher levels see every
status but do not approve on behalf of a lower one.

States: draf → dikirim → disetujui, or dikirim → dikembalikan (with a reason) → dikirim ... An
approved report can be approved again when its data changed after approval (a new snapshot), and
returned while the report above it is not yet submitted. Each transition is one conditional UPDATE on
(pk, version): of two approvers acting at once one wins, the other gets ConflictError.

Locking. While a dasawisma's report for a month is submitted or approved, its cadres cannot change
that month's events (is_locked); a return unlocks it. Changes by TP PKK desa/kelurahan staff are
allowed and show as "berubah setelah disetujui" until approved again.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hierarchy import access
from hierarchy.access import AnyUser
from hierarchy.levels import LEVEL_ORDER, RANK, Level, Perm
from hierarchy.models import Unit, User, active_q
from pkkdata import periods

from . import events
from .models import Laporan, LogLaporan, Status

LOCKED_STATES = (Status.SUBMITTED, Status.APPROVED)


class ConflictError(Exception):
    """Somebody else changed the report first; nothing was written."""


def chain() -> list[str]:
    return list(settings.PKK_APPROVAL_LEVELS)


def reporting_levels() -> list[str]:
    """Levels that have a report: dasawisma and every approving level but the top one."""
    return [Level.DASAWISMA, *chain()[:-1]]


def approver_unit_id(unit: Unit) -> int | None:
    """The id of the unit whose approvers review `unit`'s report: its nearest ancestor on the chain
    above its own level (skipping levels absent here, such as RW in many kelurahan), or None at the
    top. Read from the ancestor columns: no query."""
    for level in sorted(chain(), key=lambda lv: -RANK[lv]):
        if RANK[level] < RANK[unit.level] and getattr(unit, f"{level}_id"):
            return getattr(unit, f"{level}_id")
    return None


def approver_unit(unit: Unit) -> Unit | None:
    target_id = approver_unit_id(unit)
    return Unit.objects.get(pk=target_id) if target_id else None


def month_overlap_q(tahun: int, bulan: int, prefix: str = "") -> Q:
    """Units active on some day of the month (a group closed or opened mid-month is expected)."""
    return active_q(*periods.month_bounds(tahun, bulan), prefix=prefix)


def reviewed_units(unit: Unit, tahun: int, bulan: int) -> list[Unit]:
    """The units whose reports `unit` approves in that month."""
    levels = [lv for lv in reporting_levels() if RANK[lv] > RANK[unit.level]]
    candidates = Unit.objects.filter(**{f"{unit.level}_id": unit.pk}, level__in=levels).filter(
        month_overlap_q(tahun, bulan)
    )
    return [u for u in candidates.order_by("code") if approver_unit_id(u) == unit.pk]


def opens_on(tahun: int, bulan: int) -> datetime.date:
    """The first day a month's report can be sent (or marked nihil): the month's last day. Before it the
    cadres are still recording the month, and a submission would lock them out of its last days."""
    return periods.month_bounds(tahun, bulan)[1]


def deadline(tahun: int, bulan: int) -> datetime.date:
    """The last day a month's report counts as on time: the deadline day of the next month."""
    nxt = periods.add_months(datetime.date(tahun, bulan, 1), 1)
    return nxt.replace(day=settings.PKK_REPORT_DEADLINE_DAY)


def get_report(unit: Unit, tahun: int, bulan: int) -> Laporan:
    report, _created = Laporan.objects.get_or_create(unit=unit, tahun=tahun, bulan=bulan)
    return report


def lock_month_of(dasawisma: Unit) -> None:
    """Take the dasawisma's row lock until the transaction ends. A submission and every event write
    take it before they look at the month, so a nihil report cannot be sent while an event of that
    month is being saved (one of the two waits and then sees the other). No-op on SQLite, which runs
    one writing transaction at a time anyway."""
    Unit.objects.select_for_update().filter(pk=dasawisma.pk).exists()


def is_locked(dasawisma: Unit, day: datetime.date) -> bool:
    """Whether the cadres of this dasawisma may no longer change events dated `day`."""
    return Laporan.objects.filter(unit=dasawisma, tahun=day.year, bulan=day.month, status__in=LOCKED_STATES).exists()


def current_numbers(report: Laporan) -> dict[str, int]:
    return events.numbers_for(report.unit, report.tahun, report.bulan)


def changed_since_approval(report: Laporan, now: dict[str, int] | None = None) -> dict[str, tuple[int, int]]:
    """{key: (approved, now)} for the numbers that differ from the stored snapshot (empty if none).
    `now` may be passed when the caller has already counted the month (a list of reports)."""
    if report.status != Status.APPROVED or report.snapshot is None:
        return {}
    now = now if now is not None else current_numbers(report)
    return {
        k: (report.snapshot.get(k, 0), now.get(k, 0))
        for k in events.NUMBER_KEYS
        if report.snapshot.get(k, 0) != now.get(k, 0)
    }


# -- rights ----------------------------------------------------------------------------------------


def can_submit(user: AnyUser, report: Laporan) -> bool:
    return report.unit.level == Level.DASAWISMA and access.has_perm(user, Perm.SUBMIT, report.unit)


def may_send(user: AnyUser, report: Laporan) -> bool:
    """Whether the report is one for this user to send: a dasawisma's, of a month the group was active
    in, a draft or returned, and the user holds kirim_laporan there (report_submit's rules but the day:
    whether it can be sent today is `opens_on`). The report page's "Kirim" form and the ketua's home
    page (reports.cadre_month.reports_to_send) ask this. `report.unit` is read."""
    active = report.unit.is_active_between(*periods.month_bounds(report.tahun, report.bulan))
    return active and report.status in (Status.DRAFT, Status.RETURNED) and can_submit(user, report)


def is_approver(user: AnyUser) -> bool:
    """Whether the user approves reports anywhere under the configured chain: setujui_laporan granted on
    a unit of an approving level (a TP PKK kecamatan or kota holds the right, but under the default
    chain RT -> kelurahan no report ever waits for them), or the administrator."""
    levels = set(chain())
    return access.is_global(user) or any(level in levels for level, _unit in access.units_granted(user, Perm.APPROVE))


def approves_on(user: AnyUser, unit_id: int) -> bool:
    """setujui_laporan granted on this very unit (not inherited from above), or the administrator."""
    return access.holds_directly(user, Perm.APPROVE, unit_id)


def can_review(user: AnyUser, report: Laporan) -> bool:
    """Approve or return: setujui_laporan granted on the approving unit itself."""
    target_id = approver_unit_id(report.unit)
    return target_id is not None and approves_on(user, target_id)


def reviewable_q(user: AnyUser) -> Q:
    """Reports whose approving unit is one the user approves on (for inboxes and checklists)."""
    if access.is_global(user):
        return Q()
    q = Q(pk__in=[])
    for level, unit_id in access.units_granted(user, Perm.APPROVE):
        # A report's unit lies under the approving unit, and no approving level sits between them.
        between = [lv for lv in chain() if RANK[level] < RANK[lv]]
        cond = Q(**{f"unit__{level}_id": unit_id}) & ~Q(unit_id=unit_id)
        for lv in between:
            cond &= Q(**{f"unit__{lv}_id__isnull": True}) | Q(unit__level=lv)
        q |= cond
    return q


# -- transitions -----------------------------------------------------------------------------------


def _transition(report, *, actor, expected_version, to_status, comment="", **fields):
    """Move the report to to_status if nobody changed it since expected_version; log it."""
    from_status = report.status
    updated = Laporan.objects.filter(pk=report.pk, version=expected_version).update(
        status=to_status, version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise ConflictError("Laporan ini baru saja diubah oleh orang lain. Muat ulang halaman dan periksa lagi.")
    LogLaporan.objects.create(
        laporan=report, from_status=from_status, to_status=to_status, actor=actor, comment=comment
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_submit(*, actor: User, report: Laporan, expected_version: int, nihil: bool = False) -> Laporan:
    """The ketua dasawisma sends the month's report to the RT; a month without events only as nihil."""
    if not can_submit(actor, report):
        raise PermissionDenied("Hanya ketua dasawisma ini yang dapat mengirim laporannya.")
    if report.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError("Laporan ini sudah dikirim.")
    opens = opens_on(report.tahun, report.bulan)
    if timezone.localdate() < opens:
        raise ValidationError(
            f"Laporan {periods.month_label(report.tahun, report.bulan)} baru dapat dikirim mulai "
            f"{periods.date_label(opens)}, hari terakhir bulan itu: sampai saat itu kader masih mencatat."
        )
    lock_month_of(report.unit)
    numbers = current_numbers(report)
    has_events = any(numbers.values())
    if nihil and has_events:
        raise ValidationError("Bulan ini ada peristiwa tercatat, jadi laporannya tidak nihil.")
    if not nihil and not has_events:
        raise ValidationError("Tidak ada peristiwa tercatat bulan ini: kirim sebagai laporan nihil.")
    return _transition(
        report,
        actor=actor,
        expected_version=expected_version,
        to_status=Status.SUBMITTED,
        comment="Nihil" if nihil else "",
        nihil=nihil,
        submitted_at=timezone.now(),
        submitted_by=actor,
        return_reason="",
    )


def _parent_report(report):
    parent = approver_unit(report.unit)
    if parent is None or parent.level not in reporting_levels():
        return None
    return get_report(parent, report.tahun, report.bulan)


def _children_all_approved(unit, tahun, bulan):
    units = reviewed_units(unit, tahun, bulan)
    if not units:
        return False
    approved = Laporan.objects.filter(unit__in=units, tahun=tahun, bulan=bulan, status=Status.APPROVED).count()
    return approved == len(units)


def _auto_submit_parent(report, actor):
    parent = _parent_report(report)
    if parent is None:
        return
    # Locked before the children are counted: when two children are approved at once, the second
    # waits here for the first to commit and then sees both approved (else neither would submit it).
    parent = Laporan.objects.select_for_update().get(pk=parent.pk)
    if parent.status not in (Status.DRAFT, Status.RETURNED):
        return
    if _children_all_approved(parent.unit, parent.tahun, parent.bulan):
        _transition(
            parent,
            actor=actor,
            expected_version=parent.version,
            to_status=Status.SUBMITTED,
            comment="Otomatis: semua laporan di bawahnya disetujui.",
            submitted_at=timezone.now(),
            submitted_by=actor,
            return_reason="",
        )


@transaction.atomic
def report_approve(*, actor: User, report: Laporan, expected_version: int) -> Laporan:
    """Approve a submitted report (or approve again one whose data changed), storing its numbers."""
    if not can_review(actor, report):
        raise PermissionDenied("Anda tidak menyetujui laporan satuan ini.")
    if report.status == Status.APPROVED and not changed_since_approval(report):
        raise ValidationError("Laporan ini sudah disetujui dan datanya tidak berubah.")
    if report.status not in (Status.SUBMITTED, Status.APPROVED):
        raise ValidationError("Hanya laporan yang sudah dikirim yang dapat disetujui.")
    if report.unit.level != Level.DASAWISMA and not _children_all_approved(report.unit, report.tahun, report.bulan):
        raise ValidationError("Masih ada laporan di bawahnya yang belum disetujui.")
    again = report.status == Status.APPROVED
    report = _transition(
        report,
        actor=actor,
        expected_version=expected_version,
        to_status=Status.APPROVED,
        comment="Disetujui ulang: data berubah setelah disetujui." if again else "",
        approved_at=timezone.now(),
        approved_by=actor,
        snapshot=current_numbers(report),
    )
    _auto_submit_parent(report, actor)
    return report


@transaction.atomic
def report_return(*, actor: User, report: Laporan, expected_version: int, reason: str) -> Laporan:
    """Send a report back with a reason; the cadres (or the group below) fix it and send it again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tuliskan alasan laporan dikembalikan."})
    if not can_review(actor, report):
        raise PermissionDenied("Anda tidak menyetujui laporan satuan ini.")
    if report.status not in (Status.SUBMITTED, Status.APPROVED):
        raise ValidationError("Hanya laporan yang sudah dikirim yang dapat dikembalikan.")
    parent = _parent_report(report)
    if report.status == Status.APPROVED and parent is not None and parent.status in LOCKED_STATES:
        raise ValidationError(
            "Laporan di atasnya sudah dikirim: minta laporan itu dikembalikan dulu sebelum mengubah yang ini."
        )
    return _transition(
        report, actor=actor, expected_version=expected_version, to_status=Status.RETURNED, comment=reason,
        return_reason=reason,
    )  # fmt: skip


@transaction.atomic
def report_resubmit_group(*, actor: User, report: Laporan, expected_version: int) -> Laporan:
    """A returned group report (e.g. an RT's) goes up again once all reports below it are approved."""
    if report.unit.level == Level.DASAWISMA:
        raise ValidationError("Laporan dasawisma dikirim oleh ketua dasawisma.")
    if not approves_on(actor, report.unit_id):
        raise PermissionDenied("Hanya pengurus satuan ini yang dapat mengirim ulang laporannya.")
    if report.status != Status.RETURNED:
        raise ValidationError("Hanya laporan yang dikembalikan yang dikirim ulang.")
    if not _children_all_approved(report.unit, report.tahun, report.bulan):
        raise ValidationError("Setujui dulu semua laporan di bawahnya.")
    return _transition(
        report, actor=actor, expected_version=expected_version, to_status=Status.SUBMITTED,
        submitted_at=timezone.now(), submitted_by=actor, return_reason="",
    )  # fmt: skip


def report_approve_many(
    *, actor: User, items: Iterable[tuple[Laporan, int]]
) -> tuple[list[Laporan], list[tuple[Laporan, str]]]:
    """Approve several reports from a checklist: items is [(report, expected_version)]. Each one is
    its own transaction; returns (approved, [(report, message)]) so one conflict does not undo the rest."""
    approved, failed = [], []
    # Lower levels first, so that an RT report becomes submitted before it is reached.
    for report, version in sorted(items, key=lambda item: -LEVEL_ORDER.index(item[0].unit.level)):
        try:
            approved.append(report_approve(actor=actor, report=report, expected_version=version))
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            failed.append((report, message))
    return approved, failed
