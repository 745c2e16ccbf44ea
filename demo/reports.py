"""Demo monthly reports for ``manage.py seed_demo``: the months of the demo events, in every state a TP PKK
meets in practice.

For each complete month of the event window (demo.households.EVENT_MONTHS; the current month is still
running and has no report yet) every active dasawisma of the kota gets its report drawn by the age of
the month: old months are nearly all approved, last month is half way through its review:

    months ago   approved  submitted  returned  missing
    3 and more     95 %       1 %        1 %       3 %
    2              85 %       6 %        3 %       6 %
    1              45 %      30 %        5 %      20 %

About one report in eight reached the RT after the deadline (late); a month without events is sent as
nihil; some approved reports were returned once and sent again. A group report (an RT's) exists when all
the reports it approves are approved, sent up automatically at that moment as reports.workflow does,
and the kelurahan approves most of them (fewer for recent months). For the demo accounts the states are
chosen so that each login has something to do: the demo dasawisma's last month was returned with a
reason, its RT has reports waiting for approval and one missing, and one approved report of that RT
changed after approval (a birth recorded late), so it shows "berubah setelah disetujui".

The rows are written in bulk, not through reports.workflow: the transitions of a year of reports one by
one took minutes at --scale. They keep its rules: snapshots are the numbers of reports.events at the
time, every transition has its log row, `version` counts the transitions, actors are the accounts that
hold the role on the unit (the demo administrator where nobody does)."""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from hierarchy.levels import RANK, Level, Role
from hierarchy.models import RoleAssignment, Unit
from pkkdata import periods
from reports import events, workflow
from reports.inbox import CHANGED_MONTHS
from reports.models import Laporan, LogLaporan, Status

from .households import RowWriter

APPROVED, SUBMITTED, RETURNED, MISSING = "approved", "submitted", "returned", "missing"
PROFILES = {  # months ago: weights of the states of a dasawisma report
    1: [(APPROVED, 45), (SUBMITTED, 30), (RETURNED, 5), (MISSING, 20)],
    2: [(APPROVED, 85), (SUBMITTED, 6), (RETURNED, 3), (MISSING, 6)],
    3: [(APPROVED, 95), (SUBMITTED, 1), (RETURNED, 1), (MISSING, 3)],
}
GROUP_APPROVED = {1: 0.35, 2: 0.75, 3: 0.97}  # chance that the kelurahan (or RW) approved a group report
GROUP_RETURNED = 0.02
LATE_CHANCE = 0.12
RETURNED_BEFORE_CHANCE = 0.05
RETURN_REASONS = [
    "Ada kelahiran yang dilaporkan posyandu tetapi belum dicatat. Mohon dilengkapi.",
    "Tanggal persalinan tidak sama dengan buku KIA. Mohon diperiksa.",
    "Ibu hamil baru di rumah nomor 07 belum dicatat.",
    "Status akte kelahiran bayi belum diisi dengan benar.",
]
GROUP_RETURN_REASONS = [
    "Jumlah ibu hamil berbeda dengan data posyandu. Mohon diperiksa kembali.",
    "Mohon dicek lagi kematian balita bulan ini bersama kader.",
]
DEMO_RETURN_REASON = "Kelahiran bayi di dasawisma ini belum dicatat; data posyandu mencatat satu persalinan."
AUTO_COMMENT = "Otomatis: semua laporan di bawahnya disetujui."
LATE_COMMENTS = {
    "kelahiran": "Data demo: kelahiran dicatat setelah laporan disetujui.",
    "kehamilan": "Data demo: kehamilan dicatat setelah laporan disetujui.",
}


@dataclass
class Draft:
    """One report being written: its final fields and its log, in order."""

    unit: Unit
    tahun: int
    bulan: int
    status: str = Status.DRAFT
    fields: dict = field(default_factory=dict)
    log: list = field(default_factory=list)  # (from, to, actor, at, comment)

    def step(self, to_status, actor, at, comment=""):
        self.log.append((self.status, to_status, actor, at, comment))
        self.status = to_status


def report_months(today, months):
    """The complete months of the event window, oldest first, with how many months ago each was."""
    first = periods.add_months(today.replace(day=1), -(months - 1))
    result = []
    day = first
    while day < today.replace(day=1):
        ago = (today.year - day.year) * 12 + today.month - day.month
        result.append((day.year, day.month, ago))
        day = periods.add_months(day, 1)
    return result


def _draw(rng, weights):
    total = sum(w for _state, w in weights)
    x = rng.random() * total
    for state, w in weights:
        x -= w
        if x < 0:
            return state
    return weights[-1][0]


class Clock:
    """Plausible times of the review of a month, never in the future."""

    def __init__(self, rng, now):
        self.rng, self.now = rng, now
        self.tz = timezone.get_current_timezone()

    def at(self, day):
        moment = datetime.datetime.combine(day, datetime.time(self.rng.randint(7, 20), self.rng.randint(0, 59)))
        return min(timezone.make_aware(moment, self.tz), self.now - datetime.timedelta(minutes=5))

    def submitted(self, tahun, bulan, late):
        due = workflow.deadline(tahun, bulan)
        if late:
            return self.at(due + datetime.timedelta(days=self.rng.randint(1, 20)))
        _first, last = periods.month_bounds(tahun, bulan)
        return self.at(last + datetime.timedelta(days=self.rng.randint(0, (due - last).days)))

    def later(self, moment, max_hours=72):
        return min(moment + datetime.timedelta(hours=self.rng.randint(1, max_hours)), self.now)


def report_actors(area, admin):
    """{(unit id, "submit"|"approve"): user}: who holds the ketua/approver role on each unit of the area
    (a kota, or a provinsi)."""
    submit_roles = {Role.KETUA_DASAWISMA}
    approve_roles = {Role.KETUA_RT, Role.KETUA_RW, Role.TP_DESA_KETUA, Role.TP_DESA_ADMIN, Role.TP_KECAMATAN}
    actors = {}
    assignments = RoleAssignment.objects.filter(**{f"unit__{area.level}_id": area.pk})
    for ra in assignments.select_related("user").order_by("pk"):
        kind = "submit" if ra.role in submit_roles else "approve" if ra.role in approve_roles else None
        if kind:
            actors.setdefault((ra.unit_id, kind), ra.user)
    return lambda unit_id, kind: actors.get((unit_id, kind), admin)


def seed_reports(*, kota, admin, seed, today=None, months=12, demo_dasawisma=None, stdout=None):
    """Write the demo reports of the kota's units, unless the kota already has reports (then nothing)."""
    today = today or timezone.localdate()
    if Laporan.objects.filter(unit__kabkota_id=kota.pk).exists():
        if stdout is not None:
            stdout.write("Laporan bulanan demo sudah ada; dilewati.")
        return 0
    rng = random.Random(f"{seed}:laporan")
    clock = Clock(rng, timezone.now())
    actor = report_actors(kota, admin)
    levels = workflow.reporting_levels()
    drafts = []
    for tahun, bulan, ago in report_months(today, months):
        units = list(
            Unit.objects.filter(workflow.month_overlap_q(tahun, bulan), kabkota_id=kota.pk, level__in=levels).order_by(
                "code", "pk"
            )
        )
        numbers = {
            level: events.numbers_by(level, tahun, bulan, Q(kabkota_id=kota.pk), per_mother=False) for level in levels
        }  # 3 queries per level
        month = _dasawisma_reports(units, numbers, tahun, bulan, ago, rng, clock, actor, demo_dasawisma, today)
        month += _group_reports(units, month, numbers, tahun, bulan, ago, rng, clock, actor)
        drafts += month
    _late_birth(drafts, demo_dasawisma, today)
    _copy(drafts, RowWriter(admin=admin, now=timezone.now()))
    if stdout is not None:
        counts = defaultdict(int)
        for d in drafts:
            counts[d.status] += 1
        stdout.write(
            f"Laporan bulanan demo: {len(drafts)} laporan — {counts[Status.APPROVED]} disetujui, "
            f"{counts[Status.SUBMITTED]} menunggu persetujuan, {counts[Status.RETURNED]} dikembalikan; "
            "laporan yang tidak ada terhitung belum dikirim."
        )
    return len(drafts)


def seed_reports_of_area(*, area, actor, writer, seed, today=None, months=12, demo_dasawisma=None):
    """--provinsi: the demo reports of one kabupaten/kota (area), unless it has reports already (then
    nothing). Returns {status: number written}.

    As seed_reports, but each kelurahan draws from its own random stream (so what a kelurahan gets does
    not depend on the rest of the province), and the reports are drawn and written per kecamatan and
    month, so that memory does not grow with the size of the province: only the month's numbers of the
    area are kept, and they hold only the units with events. The reports of the demo RT wait until the
    end for _late_birth; actor is report_actors(provinsi, admin). The rows are written by writer (a
    demo.households.RowWriter: COPY on PostgreSQL), several times faster than bulk_create here."""
    today = today or timezone.localdate()
    in_area = Q(**{f"{area.level}_id": area.pk})
    if Laporan.objects.filter(**{f"unit__{area.level}_id": area.pk}).exists():
        return {}
    levels = workflow.reporting_levels()
    now = timezone.now()
    streams = {}
    for desa in Unit.objects.filter(in_area, level=Level.DESA).order_by("code"):
        rng = random.Random(f"{seed}:laporan:{desa.code}")
        streams[desa.pk] = (rng, Clock(rng, now))
    kecamatan = list(Unit.objects.filter(in_area, level=Level.KECAMATAN).order_by("code").values_list("pk", flat=True))
    demo_rt = demo_dasawisma.rt_id if demo_dasawisma else None
    held, counts = [], defaultdict(int)
    for tahun, bulan, ago in report_months(today, months):
        # per_mother: the area is a small part of the province (see reports.events.mother_status_qs)
        numbers = {level: events.numbers_by(level, tahun, bulan, in_area) for level in levels}
        for kecamatan_id in kecamatan:
            by_desa = defaultdict(list)
            month_units = Unit.objects.filter(
                workflow.month_overlap_q(tahun, bulan), kecamatan_id=kecamatan_id, level__in=levels
            ).order_by("code", "pk")
            for unit in month_units:
                by_desa[unit.desa_id].append(unit)
            month = []
            for desa_id, units in by_desa.items():
                rng, clock = streams[desa_id]
                drafts = _dasawisma_reports(units, numbers, tahun, bulan, ago, rng, clock, actor, demo_dasawisma, today)
                month += drafts + _group_reports(units, drafts, numbers, tahun, bulan, ago, rng, clock, actor)
            held += [d for d in month if demo_rt is not None and d.unit.rt_id == demo_rt]
            _copy([d for d in month if demo_rt is None or d.unit.rt_id != demo_rt], writer)
            for d in month:
                counts[d.status] += 1
    _late_birth(held, demo_dasawisma, today)
    _copy(held, writer)
    return counts


def _dasawisma_reports(units, numbers, tahun, bulan, ago, rng, clock, actor, demo_dasawisma, today):
    drafts = []
    profile = PROFILES[min(ago, 3)]
    demo_rt = demo_dasawisma.rt_id if demo_dasawisma else None
    demo_siblings = [u for u in units if u.level == Level.DASAWISMA and u.rt_id == demo_rt and u != demo_dasawisma]
    for unit in units:
        if unit.level != Level.DASAWISMA:
            continue
        state = _draw(rng, profile)
        late = rng.random() < LATE_CHANCE
        returned_before = rng.random() < RETURNED_BEFORE_CHANCE
        if ago == 1 and demo_dasawisma is not None:
            # something for each demo login to do this month
            if unit == demo_dasawisma:
                state, late = RETURNED, False
            elif demo_siblings and unit == demo_siblings[0]:
                state = SUBMITTED
            elif len(demo_siblings) > 1 and unit == demo_siblings[-1]:
                state = MISSING
        if state == MISSING:
            continue
        month_numbers = numbers[Level.DASAWISMA].get(unit.pk, events.empty_numbers())
        nihil = not any(month_numbers.values())
        draft = Draft(unit, tahun, bulan)
        submitter, approver = actor(unit.pk, "submit"), actor(workflow.approver_unit_id(unit), "approve")
        sent = clock.submitted(tahun, bulan, late)
        draft.step(Status.SUBMITTED, submitter, sent, "Nihil" if nihil else "")
        if state == APPROVED and returned_before:
            back = clock.later(sent, 48)
            draft.step(Status.RETURNED, approver, back, rng.choice(RETURN_REASONS))
            sent = clock.later(back, 96)
            draft.step(Status.SUBMITTED, submitter, sent, "Nihil" if nihil else "")
        fields = {"nihil": nihil, "submitted_at": sent, "submitted_by": submitter}
        if state == APPROVED:
            at = clock.later(sent)
            draft.step(Status.APPROVED, approver, at)
            fields.update(approved_at=at, approved_by=approver, snapshot=month_numbers)
        elif state == RETURNED:
            reason = DEMO_RETURN_REASON if unit == demo_dasawisma else rng.choice(RETURN_REASONS)
            draft.step(Status.RETURNED, approver, clock.later(sent), reason)
            fields["return_reason"] = reason
        draft.fields = fields
        drafts.append(draft)
    return drafts


def _group_reports(units, month, numbers, tahun, bulan, ago, rng, clock, actor):
    """The reports of the approving groups (RT, and RW where the chain has it), bottom up."""
    by_unit = {d.unit.pk: d for d in month}
    group_levels = sorted((lv for lv in workflow.reporting_levels() if lv != Level.DASAWISMA), key=lambda lv: -RANK[lv])
    drafts = []
    for level in group_levels:
        children = defaultdict(list)
        for unit in units:
            parent = workflow.approver_unit_id(unit)
            if unit.level != level and RANK[unit.level] > RANK[level]:
                children[parent].append(unit)
        for unit in (u for u in units if u.level == level):
            below = children.get(unit.pk, [])
            reports = [by_unit.get(u.pk) for u in below]
            if not below or any(r is None or r.status != Status.APPROVED for r in reports):
                continue
            draft = Draft(unit, tahun, bulan)
            sent = max(r.fields["approved_at"] for r in reports)
            draft.step(Status.SUBMITTED, actor(unit.pk, "approve"), sent, AUTO_COMMENT)
            fields = {"submitted_at": sent, "submitted_by": actor(unit.pk, "approve")}
            approver = actor(workflow.approver_unit_id(unit), "approve")
            x = rng.random()
            if x < GROUP_APPROVED[min(ago, 3)]:
                at = clock.later(sent, 120)
                draft.step(Status.APPROVED, approver, at)
                snapshot = numbers[level].get(unit.pk, events.empty_numbers())
                fields.update(approved_at=at, approved_by=approver, snapshot=snapshot)
            elif x < GROUP_APPROVED[min(ago, 3)] + GROUP_RETURNED:
                reason = rng.choice(GROUP_RETURN_REASONS)
                draft.step(Status.RETURNED, approver, clock.later(sent, 120), reason)
                fields["return_reason"] = reason
            draft.fields = fields
            drafts.append(draft)
            by_unit[unit.pk] = draft
    return drafts


def _late_birth(drafts, demo_dasawisma, today):
    """One approved report of the demo RT whose month changed afterwards: its snapshot lacks one birth
    (or one ibu hamil), as if it had been recorded after the approval."""
    if demo_dasawisma is None:
        return
    candidates = [
        d
        for d in drafts
        if d.unit.level == Level.DASAWISMA and d.unit.rt_id == demo_dasawisma.rt_id and d.status == Status.APPROVED
    ]
    # first the months the approver's inbox watches (reports.inbox.CHANGED_MONTHS), the latest first
    recent = (today.year * 12 + today.month) - (CHANGED_MONTHS - 1)
    candidates.sort(key=lambda d: (d.tahun * 12 + d.bulan >= recent, d.tahun, d.bulan), reverse=True)
    groups = [[d for d in candidates if d.tahun * 12 + d.bulan >= recent], candidates]
    for group in groups:
        for keys in (["bayi_lahir_l", "ibu_melahirkan"], ["bayi_lahir_p", "ibu_melahirkan"], ["ibu_hamil"]):
            for draft in group:
                snapshot = dict(draft.fields["snapshot"])
                if not all(snapshot[k] > 0 for k in keys):
                    continue
                for k in keys:
                    snapshot[k] -= 1
                if keys[0].startswith("bayi_lahir"):
                    akte = "akte_ada" if snapshot["akte_ada"] > 0 else "akte_tidak"
                    snapshot[akte] = max(0, snapshot[akte] - 1)
                draft.fields["snapshot"] = snapshot
                comment = LATE_COMMENTS["kelahiran" if keys[0].startswith("bayi_lahir") else "kehamilan"]
                draft.log[-1] = (*draft.log[-1][:4], comment)
                return


def _copy(drafts, writer):
    """The drafts' reports and their logs, through a demo.households.RowWriter: ids reserved first, then
    COPY on PostgreSQL (several times faster than bulk_create), each with the times the draft gave it
    (the reports were written over the past year, not now)."""
    reports, logs = [], []
    for d in drafts:
        report = {"unit": d.unit, "tahun": d.tahun, "bulan": d.bulan, "status": d.status, "version": len(d.log),
                  "updated_at": d.log[-1][3], **d.fields}  # fmt: skip
        reports.append(report)
        logs += [
            {"laporan": report, "from_status": from_status, "to_status": to_status, "actor": who, "at": at,
             "comment": comment}
            for from_status, to_status, who, at, comment in d.log
        ]  # fmt: skip
    writer.reserve_ids(Laporan, reports)
    writer.reserve_ids(LogLaporan, logs)
    writer.insert(Laporan, reports)
    writer.insert(LogLaporan, logs)
