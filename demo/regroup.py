"""Groups re-formed and households moved in the demo's past, as the rules of issue 10 must take them:
the events keep the dasawisma where they happened, a running pregnancy ends in the old group and goes
on in the new one (households.services.events_follow_move, the same as for a move made today, here
with a day in the past).

- In one kelurahan, a dasawisma is re-formed: a new group takes over all its households on the first
  day of the month four months ago, and the old one closes the day before.
- Elsewhere, one household moves to the neighbouring dasawisma of its RT two months ago."""

import datetime

from django.db.models import Count
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import Unit
from households import services
from households.models import RumahTangga
from pkkdata import periods

CHANGE_REASON = "Data demo: dibentuk ulang"


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def move_in_past(households, target, day, actor):
    """Move households to target as of `day` (in the past): the move dated in their history, and their
    events follow it as households.services.events_follow_move says."""
    for rt in households:
        rt.dasawisma = target
        rt._history_date = _at(day)  # django-simple-history dates the change on the day of the move
        rt._history_user = actor
        rt._change_reason = CHANGE_REASON
        rt.save(update_fields=["dasawisma", "updated_at"])
    services.events_follow_move(actor=actor, households=households, dasawisma=target, day=day)


def regroup(kota, today, actor):
    """The re-formed dasawisma and the moved household (see the module). Returns (old, new, moved)."""
    dasawisma = Unit.objects.filter(level=Level.DASAWISMA, kabkota_id=kota.pk)
    if dasawisma.filter(active_to__isnull=False).exists():
        return None  # done by an earlier run: a second run changes nothing
    candidates = dasawisma.annotate(n=Count("rumah_tangga")).order_by("desa__code", "rt_id", "code")
    desas = list(dict.fromkeys(candidates.values_list("desa_id", flat=True)))
    if len(desas) < 3:
        return None
    reformed_on = periods.add_months(today.replace(day=1), -4)
    # the group of the last kelurahan with the most pregnancies before the day, so that it shows
    old = (
        candidates.filter(desa_id=desas[-1])
        .annotate(hamil=Count("rumah_tangga__keluarga__anggota__kehamilan"))
        .order_by("-hamil", "pk")
        .first()
    )
    new = Unit(
        level=Level.DASAWISMA, parent_id=old.parent_id, code=f"{old.code}B", name=f"{old.name} Baru",
        active_from=reformed_on,
    )  # fmt: skip
    new._history_user, new._change_reason = actor, CHANGE_REASON
    new.save()
    move_in_past(list(RumahTangga.objects.filter(dasawisma=old)), new, reformed_on, actor)
    old.active_to = reformed_on - datetime.timedelta(days=1)
    old._history_user, old._change_reason = actor, CHANGE_REASON
    old.save(update_fields=["active_to", "updated_at"])

    moved_on = periods.add_months(today.replace(day=1), -2) + datetime.timedelta(days=9)
    pair = None
    for rt_id in candidates.filter(desa_id=desas[-2]).values_list("rt_id", flat=True).distinct():
        # from a group that keeps ten households to one that stays within twenty
        sources = [g for g in candidates.filter(rt_id=rt_id) if g.n > 10]
        targets = [g for g in candidates.filter(rt_id=rt_id) if g.n < 20]
        found = [(a, b) for a in sources for b in targets if a.pk != b.pk]
        if found:
            pair = found[0]
            break
    moved = None
    if pair is not None:
        moved = RumahTangga.objects.filter(dasawisma=pair[0], tanggal_keluar__isnull=True).order_by("pk").first()
        if moved is not None:
            move_in_past([moved], pair[1], moved_on, actor)
    return old, new, moved
