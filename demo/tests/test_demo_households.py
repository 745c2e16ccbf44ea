"""The generated demo households (demo.households, run by manage.py seed_demo)."""

import datetime
import random
from collections import Counter
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from demo import households as demo
from demo import tree
from hierarchy.levels import Level
from hierarchy.models import Unit, User
from households import rules, selectors, validation
from households.models import (
    IndustriRumahTangga,
    KegiatanWarga,
    Kehamilan,
    Keluarga,
    PemanfaatanPekarangan,
    RumahTangga,
    Warga,
)
from households.tests import factories as f
from recaps.models import PerubahanDasawisma

BERBAS_TENGAH = "64.74.02.1002"
TODAY = timezone.localdate()


# -- helpers ---------------------------------------------------------------------------------------


def _official(level, code, name, parent=None):
    unit = Unit(level=level, code=code, name=name, parent=parent)
    unit.save()
    return unit


@pytest.fixture
def bontang(db):
    """Two kelurahan of Kota Bontang with their demo groups as seed_demo plans them (Berbas Tengah with RT
    directly under it, Tanjung Laut with RW), and the demo administrator; no households yet."""
    kota = _official(Level.KABKOTA, "64.74", "Kota Bontang", _official(Level.PROVINSI, "64", "Kalimantan Timur"))
    selatan = _official(Level.KECAMATAN, "64.74.02", "Bontang Selatan", kota)
    berbas_tengah = _official(Level.DESA, BERBAS_TENGAH, "Berbas Tengah", selatan)
    tanjung_laut = _official(Level.DESA, "64.74.02.1003", "Tanjung Laut", selatan)
    desa_units = [berbas_tengah, tanjung_laut]
    plans = tree.plan_groups([d.code for d in desa_units], random.Random(tree.DEFAULT_SEED))
    tree.create_groups(plans, desa_units, active_from=datetime.date(TODAY.year - 1, 1, 1))
    assert Unit.objects.filter(level=Level.RW, desa_id=tanjung_laut.pk).exists()
    admin = User.objects.create(username="demo-admin", is_superuser=True, is_staff=True)
    return SimpleNamespace(kota=kota, admin=admin, berbas_tengah=berbas_tengah, with_rw=tanjung_laut)


def dasawisma_of(*desa):
    return Unit.objects.filter(level=Level.DASAWISMA, desa_id__in=[d.pk for d in desa])


def seed(bontang, *desa, seed=2026, **options):
    return demo.seed_households(
        seed=seed, dasawisma_qs=dasawisma_of(*desa), admin=bontang.admin, stdout=StringIO(), **options
    )


def households_snapshot():
    """Every household with its people and sheets, by dasawisma path, independent of primary keys."""

    def path(unit_id):
        unit = units[unit_id]
        return (path(unit.parent_id) if unit.parent_id in units else ()) + (unit.code,)

    units = {u.pk: u for u in Unit.objects.all()}
    fields = ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "status_perkawinan", "status_dalam_keluarga",
              "agama", "pendidikan", "pekerjaan", "tempat_lahir", "buta_baca", "berkebutuhan_khusus",
              "ibu_menyusui", "akseptor_kb", "jenis_kb"]  # fmt: skip
    people = {}
    for row in Warga.objects.values("keluarga__rumah_tangga", "keluarga__no_kk", *fields).order_by("pk"):
        people.setdefault(row.pop("keluarga__rumah_tangga"), []).append(tuple(row.values()))
    kegiatan = Counter(KegiatanWarga.objects.values_list("warga__keluarga__rumah_tangga", flat=True))
    sheets = Counter(PemanfaatanPekarangan.objects.values_list("rumah_tangga", "komoditi"))
    sheets.update(IndustriRumahTangga.objects.values_list("rumah_tangga", "komoditi"))
    houses = []
    for rt in RumahTangga.objects.select_related("krt").order_by("pk"):
        attributes = (rt.no_registrasi, rt.alamat, rt.kriteria_rumah, rt.punya_jamban, rt.air_pdam, rt.krt.nik)
        rows = sorted(komoditi for (pk, komoditi), n in sheets.items() if pk == rt.pk for _ in range(n))
        houses.append((path(rt.dasawisma_id), attributes, tuple(people[rt.pk]), kegiatan[rt.pk], tuple(rows)))
    return sorted(houses)


def undone(fn):
    """Run fn and undo what it wrote (a rolled-back savepoint): its result, as if it never ran."""
    with transaction.atomic():
        result = fn()
        transaction.set_rollback(True)
    return result


def age(warga):
    return rules.age_years(warga.tanggal_lahir, TODAY)


# -- the command -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_fills_every_dasawisma_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("seed_demo", stdout=out)

    per_dasawisma = dict(
        Unit.objects.filter(level=Level.DASAWISMA, active_to__isnull=True)  # not the one re-formed (demo.regroup)
        .annotate(n=Count("rumah_tangga"))
        .values_list("pk", "n")
    )
    assert len(per_dasawisma) > 500
    assert all(10 <= n <= 20 for n in per_dasawisma.values())
    # the recaps' triggers noted every row written; the seed folded them to one row per dasawisma
    noted = list(PerubahanDasawisma.objects.values_list("dasawisma_id", flat=True))
    assert set(per_dasawisma) <= set(noted) and len(noted) == len(set(noted))
    n_rt, n_kel, n_warga = RumahTangga.objects.count(), Keluarga.objects.count(), Warga.objects.count()
    assert n_kel > n_rt and 3 * n_rt < n_warga < 4.5 * n_rt
    assert (
        f"Rumah tangga demo: dibuat {n_rt} rumah tangga ({n_kel} keluarga, {n_warga} warga) di "
        f"{len(per_dasawisma)} dasawisma; 0 dasawisma sudah berisi dan dilewati." in out.getvalue()
    )
    # the demo kader's dasawisma is filled too: the demo accounts see households at once
    kader_dw = User.objects.get(username="demo-kader").role_assignments.get().unit
    assert 10 <= RumahTangga.objects.filter(dasawisma=kader_dw).count() <= 20

    def everything():
        return (
            sorted(RumahTangga.objects.values_list("pk", "dasawisma", "krt", "alamat", "updated_at")),
            sorted(Warga.objects.values_list("pk", "keluarga", "nik", "nama", "updated_at")),
            sorted(Keluarga.objects.values_list("pk", "rumah_tangga", "no_kk")),
            KegiatanWarga.objects.count(),
            Kehamilan.objects.count(),
            RumahTangga.history.count(),
            Warga.history.count(),
        )

    before = everything()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert everything() == before
    assert (
        f"dibuat 0 rumah tangga (0 keluarga, 0 warga) di 0 dasawisma; {len(per_dasawisma)} dasawisma sudah berisi"
        in out.getvalue()
    )


@pytest.mark.django_db
def test_scale_must_be_a_positive_number_of_households(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="bilangan bulat positif"):
        call_command("seed_demo", scale=0, stdout=StringIO())
    assert not Unit.objects.exists()


# -- what is generated -----------------------------------------------------------------------------


def test_people_have_a_plausible_age_and_sex_structure(bontang):
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    people = list(Warga.objects.all())
    n = len(people)
    assert n > 2000

    def share(condition):
        return sum(1 for w in people if condition(w)) / n

    assert 0.05 < share(lambda w: age(w) < 5) < 0.12  # balita
    assert 0.22 < share(lambda w: age(w) < 15) < 0.35
    assert 0.06 < share(lambda w: age(w) >= 60) < 0.14  # lansia: about one in ten
    assert share(lambda w: age(w) >= 80) > 0
    assert 0.44 < share(lambda w: w.jenis_kelamin == "L") < 0.53
    assert all(age(w) <= 100 and w.tanggal_lahir <= TODAY for w in people)

    adults = [w for w in people if age(w) >= 15]
    buta = [w for w in adults if rules.is_buta(w)]
    assert 0.01 < len(buta) / len(adults) < 0.05
    assert sum(1 for w in buta if w.jenis_kelamin == "P") > len(buta) / 2  # mostly older women
    assert sum(1 for w in buta if age(w) >= 45) > len(buta) / 2
    assert 0.005 < share(rules.is_berkebutuhan_khusus) < 0.03

    # schooling and work follow age
    for w in people:
        if age(w) < 7:
            assert w.pendidikan == "belum_sekolah" and w.pekerjaan == "tidak_bekerja"
        elif 7 <= age(w) <= 12:
            assert w.pendidikan == "sd"
        elif 13 <= age(w) <= 15:
            assert w.pendidikan == "smp"
        if w.pekerjaan == "irt":
            assert w.jenis_kelamin == "P"
        if w.akseptor_kb:
            assert rules.is_pus(w, TODAY) and w.jenis_kb
    religions = Counter(w.agama for w in people)
    assert religions["islam"] > 0.8 * n and religions["kristen"] + religions["katolik"] > 0.04 * n


def test_mothers_babies_and_pregnancies_fit_together(bontang):
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    babies_of = Counter()
    for kel_id, born in Warga.objects.filter(status_dalam_keluarga="anak").values_list("keluarga", "tanggal_lahir"):
        if (TODAY - born).days < 730:
            babies_of[kel_id] += 1
    menyusui = list(Warga.objects.filter(ibu_menyusui=True))
    assert menyusui
    for ibu in menyusui:
        assert ibu.jenis_kelamin == "P" and ibu.status_perkawinan != "lajang"
        assert babies_of[ibu.keluarga_id], "an ibu menyusui has a baby under 2 in her keluarga"

    wus = Warga.objects.filter(rules.wus_q(TODAY)).count()
    # the open pregnancies (those that ended are the births of the event months: test_demo_events.py)
    pregnancies = list(Kehamilan.objects.filter(tanggal_selesai__isnull=True).select_related("ibu"))
    assert 0.015 < len(pregnancies) / wus < 0.07  # about 4 % of the women of 15-49
    for k in pregnancies:
        assert rules.is_pus(k.ibu, TODAY) and k.ibu.status == "aktif"
        assert TODAY - datetime.timedelta(days=330) <= k.tanggal_mulai <= TODAY
        assert k.perkiraan_lahir == k.tanggal_mulai + datetime.timedelta(days=280) and k.tanggal_selesai is None
    # a few were never closed by the cadre: past their HPL they no longer count (households.rules)
    running = [k for k in pregnancies if not rules.is_overdue(k, TODAY)]
    assert len(running) < len(pregnancies) < len(running) * 1.1
    # the Data Keluarga count of ibu hamil (item 8) sees every running one
    assert sum(selectors.with_counts(RumahTangga.objects.all()).values_list("ibu_hamil", flat=True)) == len(running)


def test_every_nik_and_no_kk_passes_the_checks_and_is_unique(bontang):
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    people = list(Warga.objects.select_related("keluarga__rumah_tangga__dasawisma__kecamatan"))
    for w in people:
        problems = validation.check_nik(w.nik, tanggal_lahir=w.tanggal_lahir, jenis_kelamin=w.jenis_kelamin)
        assert not validation.blocking(problems, w.nik_dikonfirmasi), (w.nik, problems)
        assert not problems  # not even a warning: every area code is a current one
    assert len({w.nik for w in people}) == len(people)

    # most NIKs were issued in the kecamatan where the dasawisma lies, some elsewhere in Bontang, and
    # some adults brought theirs from another kabupaten/kota (Samarinda, Makassar ...)
    own = sum(1 for w in people if w.nik[:6] == w.keluarga.rumah_tangga.dasawisma.kecamatan.code.replace(".", ""))
    movers = [w for w in people if not w.nik.startswith("6474")]
    assert own > 0.75 * len(people)
    assert 0.01 * len(people) < len(movers) < 0.15 * len(people)
    assert all(age(w) >= 17 for w in movers)

    numbers = list(Keluarga.objects.values_list("no_kk", flat=True))
    assert len(set(numbers)) == len(numbers)
    for no_kk in numbers:
        assert not validation.check_no_kk(no_kk), no_kk


def test_each_keluarga_has_one_kepala_and_the_krt_heads_the_first_keluarga(bontang):
    seed(bontang, bontang.berbas_tengah)
    heads = Keluarga.objects.annotate(n=Count("anggota", filter=Q(anggota__status_dalam_keluarga="kepala")))
    assert set(heads.values_list("n", flat=True)) == {1}
    two_kk = RumahTangga.objects.annotate(n=Count("keluarga")).filter(n=2).count()
    assert 0.03 * RumahTangga.objects.count() < two_kk < 0.25 * RumahTangga.objects.count()
    for rt in RumahTangga.objects.prefetch_related("keluarga__anggota"):
        first = min(rt.keluarga.all(), key=lambda k: k.pk)
        assert rt.krt_id == next(m.pk for m in first.anggota.all() if m.status_dalam_keluarga == "kepala")
        for kel in rt.keluarga.all():
            members = list(kel.anggota.all())
            kepala = next(m for m in members if m.status_dalam_keluarga == "kepala")
            istri = [m for m in members if m.status_dalam_keluarga == "istri"]
            assert len(istri) <= 1
            if istri:
                assert istri[0].jenis_kelamin == "P" and kepala.jenis_kelamin == "L"
                assert istri[0].status_perkawinan == kepala.status_perkawinan == "menikah"
            else:
                assert kepala.status_perkawinan in ("lajang", "janda", "duda")
            for m in members:
                if m.status_dalam_keluarga == "anak":
                    assert m.status_perkawinan == "lajang" and age(m) < age(kepala) - 15
                if m.status_dalam_keluarga == "lain":
                    assert m.status_perkawinan == ("janda" if m.jenis_kelamin == "P" else "duda")
                if m.status_perkawinan == "janda":
                    assert m.jenis_kelamin == "P"
                if m.status_perkawinan == "duda":
                    assert m.jenis_kelamin == "L"


def test_houses_look_like_data_keluarga(bontang):
    seed(bontang, bontang.berbas_tengah, bontang.with_rw)
    houses = list(RumahTangga.objects.all())
    n = len(houses)
    assert 0.01 < sum(h.kriteria_rumah == "tidak_sehat" for h in houses) / n < 0.12
    assert 0 < sum(not h.punya_jamban for h in houses) / n < 0.08
    assert sum(h.air_sungai for h in houses) > 0
    assert sum(h.air_pdam or h.air_sumur for h in houses) > 0.9 * n
    for h in houses:
        assert h.air_pdam or h.air_sumur or h.air_sungai or h.air_lainnya
        assert h.punya_jamban == (h.jumlah_jamban > 0)
        assert h.alamat and h.no_registrasi
    assert PemanfaatanPekarangan.objects.exists() and IndustriRumahTangga.objects.exists()
    ages = [age(k.warga) for k in KegiatanWarga.objects.select_related("warga")]
    assert ages and min(ages) >= 17  # Kegiatan Warga rows for adults only, the ones they take part in
    assert set(KegiatanWarga.objects.values_list("aktif", flat=True)) == {True}

    # the Data Keluarga counts add up to the people
    totals = selectors.with_counts(RumahTangga.objects.all()).values_list("jml_anggota", "jml_kk")
    assert sum(a for a, _ in totals) == Warga.objects.filter(status="aktif").count()  # the dead drop out
    assert sum(k for _, k in totals) == Keluarga.objects.count()


def every_nth(model, count):
    """About `count` rows spread evenly over the table: the same rows on every run (no ORDER BY RANDOM())."""
    rows = list(model.objects.order_by("pk"))
    return rows[:: max(1, len(rows) // count)][:count]


def test_generated_rows_pass_model_validation(bontang):
    seed(bontang, bontang.berbas_tengah)
    samples = [
        *every_nth(RumahTangga, 30),
        *every_nth(Keluarga, 30),
        *every_nth(Warga, 100),
        *every_nth(KegiatanWarga, 50),
        *Kehamilan.objects.all()[:10],
        *PemanfaatanPekarangan.objects.all()[:10],
        *IndustriRumahTangga.objects.all()[:10],
    ]
    for obj in samples:
        obj.full_clean()


def test_demo_households_have_their_creation_in_the_history(bontang):
    seed(bontang, bontang.berbas_tengah)
    for model in (RumahTangga, Keluarga, Warga, KegiatanWarga):
        history = model.history.all()
        assert history.count() == model.objects.count()
        assert set(history.values_list("history_type", "history_user__username", "history_change_reason")) == {
            ("+", "demo-admin", "Data demo (seed_demo)")
        }
    rt = RumahTangga.objects.first()
    assert rt.history.get().krt_id == rt.krt_id  # the history row holds the household as it is


# -- determinism and idempotence -------------------------------------------------------------------


def test_same_seed_same_households_another_seed_others(bontang):
    def seeded(number):
        return undone(lambda: (seed(bontang, bontang.berbas_tengah, seed=number), households_snapshot())[1])

    first = seeded(2026)
    assert first and seeded(2026) == first
    assert seeded(7) != first


def test_a_dasawisma_draws_the_same_households_whatever_was_filled_before(bontang):
    one, two = list(dasawisma_of(bontang.berbas_tengah).order_by("pk")[:2])

    def fill(*groups):
        for group in groups:
            demo.seed_households(seed=1, dasawisma_qs=Unit.objects.filter(pk__in=group), admin=bontang.admin)
        return households_snapshot()

    assert undone(lambda: fill([one.pk, two.pk])) == undone(lambda: fill([two.pk], [one.pk]))


def test_ids_of_deleted_households_are_not_reused(bontang):
    """A deleted household keeps its history under its id: a new one must not take that id."""
    one, two = list(dasawisma_of(bontang.berbas_tengah).order_by("pk")[:2])
    demo.seed_households(seed=1, dasawisma_qs=Unit.objects.filter(pk=one.pk), admin=bontang.admin)
    last = RumahTangga.objects.order_by("-pk").first()
    deleted_rt, deleted_warga = last.pk, Warga.objects.order_by("-pk").first()
    assert deleted_warga.keluarga.rumah_tangga_id == deleted_rt
    last.delete()
    demo.seed_households(seed=1, dasawisma_qs=Unit.objects.filter(pk=two.pk), admin=bontang.admin)
    assert RumahTangga.objects.filter(dasawisma=two).order_by("pk").first().pk > deleted_rt
    assert Warga.objects.filter(keluarga__rumah_tangga__dasawisma=two).order_by("pk").first().pk > deleted_warga.pk


def test_a_dasawisma_with_households_is_left_alone(bontang):
    dasawisma = list(dasawisma_of(bontang.berbas_tengah).order_by("pk"))
    entered = f.rumah_tangga(dasawisma[0], alamat="Jl. Diisi Kader No. 1")
    kepala = f.warga(
        f.keluarga(entered), "Kepala Diisi Kader", datetime.date(1980, 1, 1), status_dalam_keluarga="kepala"
    )
    entered.krt = kepala
    entered.save()

    result = seed(bontang, bontang.berbas_tengah)
    assert result.dasawisma_skipped == 1 and result.dasawisma_filled == len(dasawisma) - 1
    assert list(RumahTangga.objects.filter(dasawisma=dasawisma[0])) == [entered]
    assert all(10 <= RumahTangga.objects.filter(dasawisma=dw).count() <= 20 for dw in dasawisma[1:])


def test_a_number_already_in_the_database_is_never_reused(bontang):
    def numbers():
        seed(bontang, bontang.berbas_tengah)
        people = Warga.objects.order_by("pk").values_list("nik", "tanggal_lahir", "jenis_kelamin")
        return list(people[:40]), list(Keluarga.objects.order_by("pk").values_list("no_kk", flat=True)[:10])

    generated, kk = undone(numbers)
    # someone entered by hand in another kelurahan holds the numbers the demo will draw
    other = dasawisma_of(bontang.with_rw).first()
    for nik, born, sex in generated:
        f.warga(f.keluarga(f.rumah_tangga(other), no_kk=kk.pop() if kk else None), "Warga Asli", born, sex, nik=nik)
    taken = set(Warga.objects.values_list("nik", flat=True))

    seed(bontang, bontang.berbas_tengah)
    demo_people = Warga.objects.filter(keluarga__rumah_tangga__dasawisma__desa=bontang.berbas_tengah)
    assert not taken & set(demo_people.values_list("nik", flat=True))
    for w in demo_people:  # a moved serial keeps the number valid
        assert not validation.check_nik(w.nik, tanggal_lahir=w.tanggal_lahir, jenis_kelamin=w.jenis_kelamin)


# -- --scale ---------------------------------------------------------------------------------------


def test_scale_adds_rt_and_dasawisma_until_the_target(bontang):
    kelurahan = [bontang.berbas_tengah, bontang.with_rw]
    before = {d.pk: list(Unit.objects.filter(desa_id=d.pk, level__in=[Level.RT, Level.DASAWISMA])) for d in kelurahan}
    result = seed(bontang, *kelurahan, scale=2000)

    dasawisma = dasawisma_of(*kelurahan)
    assert dasawisma.count() == 134  # 2,000 households at about 15 per dasawisma
    assert result.groups.created[Level.DASAWISMA] == 134 - sum(
        1 for units in before.values() for u in units if u.level == Level.DASAWISMA
    )
    per_dasawisma = dasawisma.annotate(n=Count("rumah_tangga")).values_list("n", flat=True)
    assert all(10 <= n <= 20 for n in per_dasawisma)
    assert 1850 <= RumahTangga.objects.count() <= 2150
    assert result.rumah_tangga == RumahTangga.objects.count()

    for desa in kelurahan:
        old_rt = {u.pk for u in before[desa.pk] if u.level == Level.RT}
        new_rt = Unit.objects.filter(desa_id=desa.pk, level=Level.RT).exclude(pk__in=old_rt)
        assert new_rt.exists()
        # new RT continue the numbering under the same parents, with 3-6 dasawisma (the last maybe fewer)
        parents = set(Unit.objects.filter(pk__in=old_rt).values_list("parent_id", flat=True))
        assert set(new_rt.values_list("parent_id", flat=True)) <= parents
        for parent_id in parents:
            codes = sorted(Unit.objects.filter(parent_id=parent_id, level=Level.RT).values_list("code", flat=True))
            assert codes == [f"{n:03d}" for n in range(1, len(codes) + 1)]
        sizes = sorted(rt.children.count() for rt in new_rt)
        assert sizes[-1] <= 6 and sizes[1] >= 3
        for rt in new_rt:
            assert rt.desa_id == desa.pk and rt.rt_id == rt.pk and rt.kecamatan_id == desa.kecamatan_id
        names = list(dasawisma.filter(desa_id=desa.pk).values_list("name", flat=True))
        assert len(names) == len(set(names))
        if desa == bontang.with_rw:
            assert all(rt.rw_id for rt in new_rt)

    # the same target again: nothing more
    again = seed(bontang, *kelurahan, scale=2000)
    assert not again.groups.created and again.rumah_tangga == 0 and dasawisma.count() == 134


def test_scale_below_what_the_groups_hold_adds_nothing(bontang):
    result = seed(bontang, bontang.berbas_tengah, scale=10)
    assert not result.groups.created
    assert result.dasawisma_filled == dasawisma_of(bontang.berbas_tengah).count()
