"""``seed_demo --provinsi --scale N``: the demo for a whole province, Kalimantan Timur (code 64), with
about N rumah tangga in its ten kabupaten/kota, for benchmarks at province scale (issue 14).

- The official areas of the province (``import_wilayah --kode 64``: its kabupaten/kota, kecamatan and
  desa/kelurahan from data/wilayah), then Kota Bontang with its groups and the demo accounts exactly as
  the city demo makes them (demo.tree.build_demo_tree, the same random streams).
- N is shared among the kabupaten/kota by their population (Sensus Penduduk 2020, rounded), and within
  each among its desa/kelurahan as ``--scale`` shares a kota among its kelurahan
  (demo.households.extra_dasawisma_shares): Kota Bontang gets the same RT and dasawisma as
  ``seed_demo --scale <its share>`` (and never fewer than the default demo's), the other desa get RTs
  of 3 to 6 new dasawisma of 10 to 20 households each. With a small N a desa may get none.
- Households as in the city demo (demo.households.DasawismaGenerator, a dasawisma's households depend
  only on the seed and its codes), with the birthplace and the other kecamatan of their own kabupaten/kota.
- Then the re-formed dasawisma and the moved household in Bontang (demo.regroup), the monthly reports
  (demo.reports.seed_reports_of_area) and last year closed (recaps.closing.close_year).

Memory stays flat: nothing is kept for the whole province. Groups and households are made one desa at
a time, written (COPY on PostgreSQL) in batches of about HOUSEHOLDS_PER_BATCH households and committed
per desa; reports are drawn and written per kecamatan and month, each kabupaten/kota in its own
transaction; last year is closed per kecamatan (with more work_mem, see _enough_work_mem). A run that
stops half way can be run again: what is in place is found and left alone, what is missing is added.
On PostgreSQL two processes (WORKERS, `seed_demo --workers`) do each step at once, each taking the next
kabupaten/kota (households, reports) or kecamatan (closing) with its own connection (_each); what they
write is what one process writes, but the ids.
The planner statistics are refreshed (ANALYZE) each time the households a process wrote have doubled, so that the
lookups of the next desa keep using their indexes.
"""

import copy
import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone
from faker import Faker

from hierarchy.levels import LOCAL_LEVELS, Level
from hierarchy.models import Unit
from households.models import RumahTangga
from recaps.closing import close_year

from . import households as hh
from . import tree
from .regroup import regroup
from .reports import report_actors, seed_reports_of_area

PROVINSI_CODE = "64"  # Kalimantan Timur
# Population in thousands (Sensus Penduduk 2020, rounded): how N is shared among the kabupaten/kota.
POPULATION = {
    "64.01": 275,  # Kabupaten Paser
    "64.02": 729,  # Kabupaten Kutai Kartanegara
    "64.03": 248,  # Kabupaten Berau
    "64.07": 166,  # Kabupaten Kutai Barat
    "64.08": 434,  # Kabupaten Kutai Timur
    "64.09": 179,  # Kabupaten Penajam Paser Utara
    "64.11": 33,  # Kabupaten Mahakam Ulu
    "64.71": 688,  # Kota Balikpapan
    "64.72": 828,  # Kota Samarinda
    "64.74": 179,  # Kota Bontang
}
# Where the people born in the kabupaten/kota were born (its main town), as "Bontang" in the city demo.
HOME_TOWN = {
    "64.01": "Tanah Grogot",
    "64.02": "Tenggarong",
    "64.03": "Tanjung Redeb",
    "64.07": "Sendawar",
    "64.08": "Sangatta",
    "64.09": "Penajam",
    "64.11": "Ujoh Bilang",
    "64.71": "Balikpapan",
    "64.72": "Samarinda",
    "64.74": "Bontang",
}
HOUSEHOLDS_PER_BATCH = 1000
# Processes writing at once on PostgreSQL (_each, `seed_demo --workers`): two keep both cores of the
# benchmark machine busy, one generating rows while the other's are written.
WORKERS = 2
ANALYZE_FROM = 5000  # households written before the first ANALYZE; then at every doubling


def household_targets(scale, codes):
    """{kabupaten/kota code: rumah tangga wanted}: scale shared by POPULATION, largest remainder."""
    total = sum(POPULATION[c] for c in codes)
    raw = {c: scale * POPULATION[c] / total for c in codes}
    shares = {c: int(x) for c, x in raw.items()}
    for c in sorted(raw, key=lambda c: (shares[c] - raw[c], c))[: scale - sum(shares.values())]:
        shares[c] += 1
    return shares


class _Progress:
    def __init__(self, stdout):
        self.stdout, self.start = stdout, time.monotonic()

    def write(self, text):
        if self.stdout is not None:
            self.stdout.write(f"[{time.monotonic() - self.start:6.0f} s] {text}")


class _Analyzer:
    """ANALYZE of the household tables each time the households written have doubled (PostgreSQL)."""

    def __init__(self):
        self.written, self.next_at = 0, ANALYZE_FROM

    def add(self, n):
        self.written += n
        if self.written >= self.next_at:
            hh.analyze_household_tables()
            self.next_at = 2 * self.written


def seed_province(*, seed, password, stdout, scale, rng, fake, today, active_from, workers=WORKERS):
    """The province demo (see the module). Returns a demo.tree.DemoResult."""
    progress = _Progress(stdout)
    with transaction.atomic():
        call_command("import_wilayah", kode=[PROVINSI_CODE], stdout=stdout)
        demo = tree.build_demo_tree(rng, fake, password, active_from=active_from)
    admin = demo.admin
    provinsi = Unit.objects.get(level=Level.PROVINSI, code=PROVINSI_CODE)
    kabkota = list(Unit.objects.filter(level=Level.KABKOTA, provinsi_id=provinsi.pk).order_by("code"))
    missing = sorted(set(POPULATION) - {k.code for k in kabkota})
    if missing:
        raise tree.DemoError(f"Kabupaten/kota {', '.join(missing)} tidak ada setelah import_wilayah.")
    kabkota = [k for k in kabkota if k.code in POPULATION]
    progress.write(f"Wilayah, satuan Kota Bontang dan akun demo siap; {scale} rumah tangga untuk {len(kabkota)} "
                   "kabupaten/kota.")  # fmt: skip

    # Groups and households, desa by desa, the kabupaten/kota in parallel (_each), the largest first.
    planned = Counter(p.key[0] for p in demo.group_plans if p.level == Level.DASAWISMA)  # Bontang's default
    targets = household_targets(scale, [k.code for k in kabkota])
    writer = hh.RowWriter(admin=admin, now=timezone.now())
    analyzer = _Analyzer()  # one per process: each ANALYZEs when what it wrote has doubled

    def fill_kabkota(k):
        result, counts = hh.HouseholdResult(), tree.GroupCounts()
        filler = _DesaFiller(
            seed=seed, admin=admin, today=today, active_from=active_from, writer=writer, analyzer=analyzer
        )
        desa_units = list(Unit.objects.filter(level=Level.DESA, kabkota_id=k.pk).order_by("code"))
        wanted = {d.pk: planned.get(d.code, 0) for d in desa_units}
        extra = hh.extra_dasawisma_shares(targets[k.code], wanted)
        kecamatan = Unit.objects.filter(level=Level.KECAMATAN, kabkota_id=k.pk).values_list("code", flat=True)
        filler.areas = tuple(sorted(code.replace(".", "") for code in kecamatan))
        filler.home_town = HOME_TOWN[k.code]
        for desa in desa_units:
            n = wanted[desa.pk] + extra.get(desa.pk, 0)
            result, counts = _again_if_crossed(partial(filler.fill, desa, n), result, counts)
            hh.forget_logged_queries()
        return result, counts, f"{k.name}: {result.rumah_tangga} rumah tangga di {len(desa_units)} desa/kelurahan."

    result = hh.HouseholdResult()
    by_size = sorted(kabkota, key=lambda k: (-targets[k.code], k.code))
    for part, counts, message in _each(by_size, fill_kabkota, workers):
        for name in ("rumah_tangga", "keluarga", "warga", "dasawisma_filled", "dasawisma_skipped"):
            setattr(result, name, getattr(result, name) + getattr(part, name))
        for level, n in counts.created.items():
            demo.counts.created[level] = demo.counts.created.get(level, 0) + n
        progress.write(message)
    n_desa = Unit.objects.filter(level=Level.DESA, kabkota__in=kabkota).count()
    if result.rumah_tangga:
        hh.analyze_household_tables()
    progress.write(
        f"Rumah tangga demo: dibuat {result.rumah_tangga} rumah tangga ({result.keluarga} keluarga, "
        f"{result.warga} warga) di {result.dasawisma_filled} dasawisma; "
        f"{result.dasawisma_skipped} dasawisma sudah berisi dan dilewati."
    )

    with transaction.atomic():
        regroup(demo.kota, today, admin)

    actor = report_actors(provinsi, admin)

    def reports_of(k):
        with transaction.atomic():
            written = seed_reports_of_area(
                area=k, actor=actor, writer=writer, seed=seed, today=today, demo_dasawisma=demo.chain["dasawisma"]
            )
        hh.forget_logged_queries()
        return Counter(written)

    statuses = sum(_each(by_size, reports_of, workers), Counter())
    progress.write(f"Laporan bulanan demo: {sum(statuses.values())} laporan dibuat.")

    def close(kecamatan):
        with transaction.atomic():
            _enough_work_mem()
            close_year(today.year - 1, under=kecamatan)
        hh.forget_logged_queries()

    _each(Unit.objects.filter(level=Level.KECAMATAN, provinsi_id=provinsi.pk).order_by("code"), close, workers)
    progress.write(f"Tahun {today.year - 1} ditutup.")

    logins = tree.login_rows([(admin, demo.admin_created), *list(demo.accounts.values())], password)
    hh.finish_bulk_load()
    progress.write("ANALYZE selesai.")
    return tree.DemoResult(groups=demo.counts, logins=logins, kelurahan=n_desa)


def _each(items, work, workers):
    """[work(item) for item in items], in up to `workers` processes at once on PostgreSQL, each with its
    own connection; work commits its own transactions and returns something that can be pickled.
    Items are handed out in order, each to the first process free. In one process where that cannot
    work: on SQLite (one writer), or inside a transaction (its rows are invisible to other connections)."""
    items = list(items)
    if workers < 2 or len(items) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [work(item) for item in items]
    global _WORK
    connections.close_all()  # a forked process must open its own connection, never share this one
    _WORK = (work, items)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=context) as pool:
            return list(pool.map(_work_on, range(len(items))))
    finally:
        _WORK = None


_WORK = None  # (work, items) of _each, read by its forked processes


_INHERITED: list = []  # a forked process's copies of the parent's open connections: kept, never used


def _work_on(index):
    work, items = _WORK
    for alias in connections:
        wrapper = connections[alias]
        if wrapper.connection is not None:
            # Opened by the parent after all (another thread, a fixture): its socket is the parent's. Not
            # closed here (that would end the parent's session), not used, not freed: a new one is opened.
            _INHERITED.append(wrapper.connection)
            wrapper.connection = None
    try:
        return work(items[index])
    finally:
        connections.close_all()


def _again_if_crossed(fill, result, counts):
    """fill(result, counts) in a transaction of its own, once more if another process of _each wrote the
    same NIK or No. KK meanwhile (an adult's NIK may come from another kabupaten/kota: _make_unique sees
    only what is committed) or the two processes deadlocked; the second time the other's rows are
    committed and the numbers move on. Returns what fill added to copies of result and counts."""
    driver = connection.Database  # COPY's errors come from the driver itself, not wrapped by Django
    crossed = (IntegrityError, OperationalError, driver.IntegrityError, driver.OperationalError)
    for attempt in (1, 2, 3):
        trial_result, trial_counts = copy.deepcopy(result), copy.deepcopy(counts)
        try:
            with transaction.atomic():
                fill(trial_result, trial_counts)
            return trial_result, trial_counts
        except crossed:
            if attempt == 3:
                raise


def _enough_work_mem():
    """For this transaction (PostgreSQL): enough work_mem for the yearly counts of close_year to hash
    their uncorrelated "IN (all pekarangan/industri rows)" (recaps.recaps._household_counts). With the
    default 4 MB and about 270,000 pekarangan rows (1,000,000 households) the planner can no longer hash
    it and scans the whole list once per household: one kelurahan took minutes instead of a second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")


class _DesaFiller:
    """One desa at a time: the groups it lacks, then households in its empty dasawisma."""

    def __init__(self, *, seed, admin, today, active_from, writer, analyzer):
        self.seed, self.admin, self.today, self.active_from, self.writer = seed, admin, today, active_from, writer
        self.fake = Faker("id_ID")
        self.areas: tuple = hh.BONTANG_AREAS
        self.home_town = "Bontang"
        self.analyzer = analyzer

    def fill(self, desa, dasawisma_wanted, result, counts):
        units = list(Unit.objects.filter(desa_id=desa.pk, level__in=LOCAL_LEVELS))
        have = sum(1 for u in units if u.level == Level.DASAWISMA)
        if dasawisma_wanted > have:
            plans = hh.plan_extra_groups(
                seed=self.seed,
                target=dasawisma_wanted * hh.MEAN_HOUSEHOLDS_PER_DASAWISMA,
                desa_units=[desa],
                units_by_desa={desa.pk: units},
            )
            if plans:
                _units, created = tree.create_groups(plans, [desa], active_from=self.active_from, actor=self.admin)
                for level, n in created.created.items():
                    counts.created[level] = counts.created.get(level, 0) + n
                units = list(Unit.objects.filter(desa_id=desa.pk, level__in=LOCAL_LEVELS))
        dasawisma = [u for u in units if u.level == Level.DASAWISMA and u.is_active_on(self.today)]
        filled = set(
            RumahTangga.objects.filter(dasawisma__in=[d.pk for d in dasawisma]).values_list("dasawisma_id", flat=True)
        )
        result.dasawisma_skipped += len(filled)
        todo = [d for d in dasawisma if d.pk not in filled]
        if not todo:
            return
        codes = hh.path_codes(todo)
        todo.sort(key=lambda dw: hh.dasawisma_seed_key(self.seed, dw, codes))
        houses: list = []
        for dw in todo:
            generator = hh.DasawismaGenerator(
                seed_key=hh.dasawisma_seed_key(self.seed, dw, codes),
                area=codes[dw.kecamatan_id].replace(".", ""),
                today=self.today,
                fake=self.fake,
                kecamatan_areas=self.areas,
                home_town=self.home_town,
            )
            houses += generator.households(dw.pk)
            result.dasawisma_filled += 1
            if len(houses) >= HOUSEHOLDS_PER_BATCH:
                self._write(houses, result)
                houses = []
        if houses:
            self._write(houses, result)

    def _write(self, houses, result):
        n_rt, n_kel, n_warga = hh._insert(houses, self.writer)
        result.rumah_tangga += n_rt
        result.keluarga += n_kel
        result.warga += n_warga
        self.analyzer.add(n_rt)
