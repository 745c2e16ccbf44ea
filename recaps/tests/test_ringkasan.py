"""The kept per-dasawisma counts (recaps.ringkasan): every write to a counted table is noted by the
database's triggers, whatever wrote it; a recap reads the kept counts and counts anew only the
dasawisma that changed; after every kind of change the kept path gives what counting everything anew
gives; a write that commits while a recap is counting is never hidden by what that recap keeps."""

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hierarchy import services as hierarchy_services
from hierarchy.levels import Level
from hierarchy.models import Unit
from hierarchy.tests.cast import build_cast
from households import services
from households.models import Kehamilan, Keluarga, RumahTangga, Warga
from households.tests import factories as f
from households.tests.cast import add_households
from jobs import housekeeping
from recaps import recaps, ringkasan
from recaps.models import PerubahanDasawisma, RingkasanDasawisma
from reports import services as ev

D = datetime.date


def noted():
    """{dasawisma id: version} of every dasawisma noted so far, and forget the notes."""
    found = ringkasan.versions(Q(level=Level.DASAWISMA))
    PerubahanDasawisma.objects.all().delete()
    return set(found)


def _nonzero(facts):
    return {k: {n: v for n, v in d.items() if v} for k, d in facts.items() if any(d.values())}


def counted_now(unit, on):
    """The unit's facts by child counted from the data now, without reading or keeping anything."""
    return _nonzero(recaps.counted_now(unit, on))


def kept_path(unit, on):
    return _nonzero(recaps._yearly_facts(unit, on))


def same_as_counted_now(cast, on=None):
    on = on or timezone.localdate()
    for unit in (cast.rt, cast.kel, cast.kec, cast.kota, cast.prov):
        assert kept_path(unit, on) == counted_now(unit, on), unit


# -- the triggers ------------------------------------------------------------------------------------


def test_every_kind_of_write_notes_its_dasawisma(cast):
    noted()
    f.warga(f.keluarga(cast.hh_a), "Sari Wijayakusuma", D(2000, 1, 1), "P")
    assert noted() == {cast.dw.pk}  # a keluarga and a warga, both in Melati 1

    Warga.objects.filter(pk=cast.w_bambang.pk).update(buta_baca=True)  # a bulk update, no signal
    assert noted() == {cast.dw_b.pk}

    RumahTangga.objects.filter(pk=cast.hh_c.pk).update(dasawisma=cast.dw_c)  # a move notes both sides
    assert noted() == {cast.dw_b.pk, cast.dw_c.pk}

    Keluarga.objects.filter(rumah_tangga=cast.hh_c).update(rumah_tangga=cast.hh_a)
    assert noted() == {cast.dw_c.pk, cast.dw.pk}

    Warga.objects.bulk_create([Warga(keluarga=cast.w_togar.keluarga, nama="Rudi Siregar", tanggal_lahir=D(2001, 2, 2),
                                     jenis_kelamin="L")])  # fmt: skip
    assert noted() == {cast.dw2.pk}

    Kehamilan.objects.create(ibu=cast.w_maria, tanggal_mulai=D(2026, 9, 1), dasawisma=cast.dw)
    assert noted() == {cast.dw.pk, cast.dw2.pk}  # the pregnancy's own dasawisma and the mother's

    f.rumah_tangga(cast.dw_b, alamat="Jl. Melati 2 No. 8").delete()
    assert noted() == {cast.dw_b.pk}

    with transaction.atomic():  # a write rolled back notes nothing
        f.warga(f.keluarga(cast.hh_a), "Tono Wijayakusuma", D(2001, 1, 1), "L")
        transaction.set_rollback(True)
    assert noted() == set()


def test_versions_only_grow_and_fold_keeps_them(cast):
    f.warga(f.keluarga(cast.hh_a), "Sari Wijayakusuma", D(2000, 1, 1), "P")
    Warga.objects.filter(pk=cast.w_bambang.pk).update(buta_baca=True)
    before = ringkasan.versions(Q(level=Level.DASAWISMA))
    assert before[cast.dw.pk] >= 2 and PerubahanDasawisma.objects.filter(dasawisma_id=cast.dw.pk).count() >= 2
    assert ringkasan.fold() > 0
    assert ringkasan.versions(Q(level=Level.DASAWISMA)) == before
    assert PerubahanDasawisma.objects.filter(dasawisma_id=cast.dw.pk).count() == 1
    Warga.objects.filter(pk=cast.w_hendra.pk).update(buta_baca=True)
    assert ringkasan.versions(Q(pk=cast.dw.pk)) == {cast.dw.pk: before[cast.dw.pk] + 1}


# -- what a recap reads --------------------------------------------------------------------------------


def test_a_recap_counts_anew_only_the_dasawisma_that_changed(cast):
    today = timezone.localdate()
    first = recaps.yearly_recap(cast.kota, today.year).total
    kept = {r.dasawisma_id: r.versi for r in RingkasanDasawisma.objects.filter(per_tanggal=today)}
    assert set(kept) == {cast.dw.pk, cast.dw_b.pk, cast.dw_c.pk, cast.dw2.pk}

    with CaptureQueriesContext(connection) as nothing_changed:
        assert recaps.yearly_recap(cast.kota, today.year).total == first
    assert not any("households_warga" in q["sql"] for q in nothing_changed.captured_queries)

    f.warga(f.keluarga(cast.hh_c), "Sari Wijayakusuma", D(2000, 1, 1), "P")
    with CaptureQueriesContext(connection) as one_changed:
        total = recaps.yearly_recap(cast.kota, today.year).total
    assert total["jml_p"] == first["jml_p"] + 1
    counting = [q["sql"] for q in one_changed.captured_queries if "households_warga" in q["sql"]]
    assert len(counting) == 1 and str(cast.dw_b.pk) in counting[0] and str(cast.dw.pk) not in counting[0]
    now_kept = {r.dasawisma_id: r.versi for r in RingkasanDasawisma.objects.all()}
    assert now_kept[cast.dw_b.pk] > kept[cast.dw_b.pk] and now_kept[cast.dw.pk] == kept[cast.dw.pk]


def test_the_kept_path_follows_life(cast):
    today = timezone.localdate()
    kelurahan = cast.admin
    same_as_counted_now(cast)  # and keeps everything

    # a baby born (a new warga) and a pregnancy
    ev.kehamilan_record(actor=kelurahan, ibu=cast.w_rina, tanggal_mulai=today - datetime.timedelta(days=40))
    same_as_counted_now(cast)
    # a death
    ev.warga_leave(actor=kelurahan, warga=cast.w_sumiati, status="meninggal", on_date=today)
    same_as_counted_now(cast)
    # a household moved to a dasawisma of another RT
    services.rumah_tangga_move(actor=kelurahan, rumah_tangga=cast.hh_a, dasawisma=cast.dw_c)
    same_as_counted_now(cast)
    # a household leaving
    services.rumah_tangga_leave(actor=kelurahan, rumah_tangga=cast.hh_c, on_date=today)
    same_as_counted_now(cast)
    # a flag changed by a bulk update (no model signal)
    Warga.objects.filter(pk=cast.w_bambang.pk).update(berkebutuhan_khusus="netra")
    same_as_counted_now(cast)
    # a group re-formed: Melati 2, now empty, closed; its kept count stays but is no longer read
    hierarchy_services.unit_close(actor=cast.admin, unit=cast.dw_b, on_date=today - datetime.timedelta(days=1))
    same_as_counted_now(cast)
    assert cast.dw_b.pk not in ringkasan.facts_under(cast.kel, today, recaps.dasawisma_facts, recaps.FACT_KEYS)
    # a dasawisma moved under another RT (the tree is read at every recap, nothing is counted anew)
    Unit.objects.filter(pk=cast.dw.pk).update(rt_id=cast.rt_b.pk, parent_id=cast.rt_b.pk)
    same_as_counted_now(cast)


def test_when_many_are_old_the_recap_counts_its_area_and_the_queue_keeps_them(cast, monkeypatch):
    """Above BY_LIST_UP_TO old counts a request keeps nothing: it counts its area as a live recap does
    (one count, at the cost of the floor) and leaves the counting ahead to the task queue (run at once
    by the tests' immediate backend), after which the next recap counts nothing."""
    today = timezone.localdate()
    monkeypatch.setattr(ringkasan, "BY_LIST_UP_TO", 2)  # the cast's kota has four dasawisma
    cache.clear()
    task, queue = recaps.count_ahead_under, _Queue()
    monkeypatch.setattr(recaps, "count_ahead_under", queue)
    with CaptureQueriesContext(connection) as first:
        assert kept_path(cast.kota, today) == counted_now(cast.kota, today)
    assert not RingkasanDasawisma.objects.exists()
    assert not any("recaps_ringkasandasawisma" in q["sql"] and "INSERT" in q["sql"] for q in first.captured_queries)
    assert queue.left == [(cast.kota.pk, today.isoformat())]
    kept_path(cast.kota, today)
    assert len(queue.left) == 1  # once per unit and day while COUNT_AHEAD_EVERY lasts

    assert task.call(cast.kota.pk, today.isoformat()) == 4
    expected = counted_now(cast.kota, today)
    with CaptureQueriesContext(connection) as after:
        assert kept_path(cast.kota, today) == expected
    assert not any("households_" in q["sql"] for q in after.captured_queries)
    # up to BY_LIST_UP_TO old: counted by their ids and kept in the request, as before
    f.warga(f.keluarga(cast.hh_c), "Sari Wijayakusuma", D(2000, 1, 1), "P")
    assert kept_path(cast.kota, today) == counted_now(cast.kota, today)
    version = ringkasan.versions(Q(pk=cast.dw_b.pk))[cast.dw_b.pk]
    assert RingkasanDasawisma.objects.get(dasawisma=cast.dw_b).versi == version


class _Queue:
    """Stands in for the task: what was left on the queue, or a queue that is down."""

    def __init__(self, down=False):
        self.left, self.down = [], down

    def enqueue(self, *args):
        if self.down:
            raise ConnectionError("antrean mati")
        self.left.append(args)


def test_the_queued_count_ahead_runs_on_the_queue_and_stops_with_its_day(cast, monkeypatch):
    today = timezone.localdate()
    monkeypatch.setattr(ringkasan, "BY_LIST_UP_TO", 0)
    cache.clear()
    recaps.yearly_recap(cast.kel, today.year)  # the immediate backend runs the task it leaves
    under = Unit.objects.filter(level=Level.DASAWISMA, desa=cast.kel, active_to__isnull=True)
    assert set(RingkasanDasawisma.objects.values_list("dasawisma_id", flat=True)) == set(
        under.values_list("pk", flat=True)
    )
    assert recaps.count_ahead_under.call(cast.kota.pk, (today - datetime.timedelta(days=1)).isoformat()) == 0
    assert recaps.count_ahead_under.call(-1, today.isoformat()) == 0


def test_a_queue_that_cannot_take_the_work_does_not_stop_the_recap(cast, monkeypatch, caplog):
    today = timezone.localdate()
    monkeypatch.setattr(ringkasan, "BY_LIST_UP_TO", 0)
    cache.clear()
    monkeypatch.setattr(recaps, "count_ahead_under", _Queue(down=True))
    assert kept_path(cast.kota, today) == counted_now(cast.kota, today)
    assert "tidak masuk antrean" in caplog.text


def _clock_at(monkeypatch, day):
    """The run's clock moved to 08:00 of the day (local time)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_new_day_counts_again(cast, monkeypatch):
    """Ages change with the day: Dimas (born 1 February 2022) is a balita until 1 February 2027."""
    before, after = D(2027, 1, 31), D(2027, 2, 1)
    _clock_at(monkeypatch, before)
    assert kept_path(cast.kel, before)[cast.rw.pk]["balita_l"] == 1
    assert RingkasanDasawisma.objects.get(dasawisma=cast.dw).per_tanggal == before
    _clock_at(monkeypatch, after)
    assert kept_path(cast.kel, after)[cast.rw.pk].get("balita_l", 0) == 0
    assert kept_path(cast.kel, after) == counted_now(cast.kel, after)
    assert {r.per_tanggal for r in RingkasanDasawisma.objects.filter(dasawisma__in=[cast.dw, cast.dw_b])} == {after}


def test_another_day_is_counted_now_and_keeps_nothing(cast):
    """A recap of a past day (31 December of a year not closed) is counted from the data now: what is
    kept is today's."""
    today = timezone.localdate()
    recaps.yearly_recap(cast.kel, today.year)
    kept = {(r.dasawisma_id, r.per_tanggal) for r in RingkasanDasawisma.objects.all()}
    last_year = recaps.yearly_recap(cast.kel, today.year - 1)
    assert last_year.total["jml_l"] == sum(v.get("jml_l", 0) for v in counted_now(cast.kel, last_year.as_of).values())
    assert {(r.dasawisma_id, r.per_tanggal) for r in RingkasanDasawisma.objects.all()} == kept


def test_housekeeping_counts_ahead_so_the_morning_recap_counts_nothing(cast):
    today = timezone.localdate()
    f.warga(f.keluarga(cast.hh_a), "Sari Wijayakusuma", D(2000, 1, 1), "P")
    steps = dict(housekeeping.run_all())
    assert "4 ringkasan dasawisma dihitung" in steps["ringkasan"]
    assert "GAGAL" not in steps["ringkasan"]
    with CaptureQueriesContext(connection) as ctx:
        recaps.yearly_recap(cast.prov, today.year)
    assert not any("households_" in q["sql"] for q in ctx.captured_queries)
    assert dict(housekeeping.run_all())["ringkasan"].endswith(" 0 ringkasan dasawisma dihitung")


def test_a_lost_kept_count_is_counted_again(cast):
    today = timezone.localdate()
    first = recaps.yearly_recap(cast.kel, today.year).total
    RingkasanDasawisma.objects.filter(dasawisma=cast.dw).delete()
    assert recaps.yearly_recap(cast.kel, today.year).total == first


# -- at once, on PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers")
def test_a_write_committed_while_a_recap_counts_is_not_hidden(transactional_db):
    """The recap counts before the write commits and keeps its count after: the count must not be
    trusted afterwards, since the write raised the version read before counting."""
    cast = add_households(build_cast())
    today = timezone.localdate()
    counted, written = threading.Event(), threading.Event()
    errors = []

    def slow_counter(on, dasawisma):
        found = recaps.dasawisma_facts(on, dasawisma)  # counted without the new member
        counted.set()
        written.wait(10)  # the member is committed meanwhile
        return found

    def recap():
        try:
            ringkasan.facts_under(cast.kel, today, slow_counter, recaps.FACT_KEYS)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def write():
        try:
            counted.wait(10)
            f.warga(f.keluarga(cast.hh_a), "Sari Wijayakusuma", D(2000, 1, 1), "P")
        finally:
            written.set()
            connection.close()

    threads = [threading.Thread(target=recap), threading.Thread(target=write)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    kept = RingkasanDasawisma.objects.get(dasawisma=cast.dw)
    assert kept.fakta["jml_p"] == 2  # the count made before the write, kept...
    facts = ringkasan.facts_under(cast.kel, today, recaps.dasawisma_facts, recaps.FACT_KEYS)
    assert facts[cast.dw.pk]["jml_p"] == 3  # ...and not trusted: the write raised the version
