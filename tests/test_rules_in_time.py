"""The counts of mothers follow people through time (issue 10): a birth is a delivery, nobody counts
after they stop being there, an open pregnancy stops counting past its HPL. Each rule at its boundary
days, recorded through the services, read back from the 4.18a rows, the numbers of every level's
recap and the 4.18a workbook; and the Python and SQL forms of each rule agree."""

import datetime
import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from documents.exporters import Period, get_exporter
from households import rules
from households import services as household_services
from households.models import Kehamilan, Keluarga, Warga
from households.tests import factories as f
from pkkdata import periods
from recaps import recaps
from reports import events
from reports import services as ev

D = datetime.date
KEYS = ("ibu_hamil", "ibu_melahirkan", "ibu_nifas", "ibu_meninggal")


def _levels(cast):
    return [cast.dw, cast.rt, cast.rw, cast.kel, cast.kec, cast.kota]


def counts(cast, month):
    """(hamil, melahirkan, nifas, meninggal) of the month at every level from Melati 1 up to the kota,
    asserted equal, and the 4.18a rows' statuses of Rina."""
    seen = set()
    for unit in _levels(cast):
        numbers = events.numbers_for(unit, *month)
        seen.add(tuple(numbers[k] for k in KEYS))
        if unit != cast.dw:
            total = recaps.monthly_recap(unit, *month, data=recaps.TERKINI).total
            seen.add(tuple(total[k] for k in KEYS))
    assert len(seen) == 1, (month, seen)
    return seen.pop()


def rina_rows(cast, month):
    rows, _numbers = events.monthly_rows(cast.dw, *month)
    return sorted(
        r.status_ibu or f"meninggal:{r.status_meninggal}"
        for r in rows
        if cast.w_rina.nama in (r.nama_ibu, r.nama_meninggal)
    )


def _birth(cast, day, name="Bayi Wijayakusuma", sex="P", actor="kader", **kwargs):
    return ev.kelahiran_record(
        actor=cast.users[actor], ibu=cast.w_rina, tanggal=day, bayi={"nama": name, "jenis_kelamin": sex},
        akte_kelahiran=True, **kwargs,
    )  # fmt: skip


def _workbook_catatan(cast, month):
    """The CATATAN footer of the 4.18a workbook: {label: number}."""
    exporter = get_exporter("4.18a")
    result = exporter.render(
        user=cast.users["kader"], target=cast.dw, period=Period(*month), edition="rakernas-x", fmt="xlsx", options={}
    )
    ws = load_workbook(io.BytesIO(result.content)).active
    found = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("Jumlah "):
                found[cell.value] = next(
                    (c.value for c in row if c.column > cell.column and isinstance(c.value, int)), None
                )
    return found


# -- a birth is a delivery --------------------------------------------------------------------------


def test_a_birth_without_a_recorded_pregnancy_is_a_delivery_then_nifas(cast):
    _birth(cast, D(2026, 1, 20), confirm_without_pregnancy=True)
    k = Kehamilan.objects.get(ibu=cast.w_rina)
    assert (k.tanggal_mulai, k.tanggal_selesai, k.hasil) == (D(2026, 1, 20), D(2026, 1, 20), "melahirkan")
    assert counts(cast, (2025, 12)) == (0, 0, 0, 0)  # never reaches back into a month already reported
    assert counts(cast, (2026, 1)) == (0, 1, 0, 0)
    assert counts(cast, (2026, 2)) == (0, 0, 1, 0)
    assert counts(cast, (2026, 3)) == (0, 0, 1, 0)  # 20 Jan + 42 days = 3 March
    assert counts(cast, (2026, 4)) == (0, 0, 0, 0)
    assert rina_rows(cast, (2026, 1)) == ["Melahirkan"]
    catatan = _workbook_catatan(cast, (2026, 1))
    assert catatan["Jumlah ibu melahirkan"] == 1 and catatan["Jumlah bayi lahir"] == 1


def test_twins_without_a_recorded_pregnancy_are_one_delivery(cast):
    _birth(cast, D(2026, 2, 3), name="Kembar A", sex="L", confirm_without_pregnancy=True)
    second = _birth(cast, D(2026, 2, 3), name="Kembar B", sex="P")  # the first twin brought the pregnancy
    assert Kehamilan.objects.filter(ibu=cast.w_rina).count() == 1 and second.tanpa_kehamilan_dikonfirmasi
    numbers = events.numbers_for(cast.kel, 2026, 2)
    assert (numbers["ibu_melahirkan"], numbers["bayi_lahir_l"], numbers["bayi_lahir_p"]) == (1, 1, 1)


def test_a_new_pregnancy_cannot_start_before_the_last_one_ended(cast):
    _birth(cast, D(2026, 3, 5), confirm_without_pregnancy=True)
    with pytest.raises(ValidationError, match="Kehamilan sebelumnya berakhir pada 05-03-2026"):
        ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2026, 3, 1))
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2026, 3, 6))


# -- nobody counts after they stop being there -------------------------------------------------------


@pytest.mark.parametrize(
    ("died", "february"),
    [
        (D(2026, 2, 1), (0, 0, 0, 1)),  # died on the month's first day: ibu meninggal, never nifas in it
        (D(2026, 2, 10), (0, 0, 1, 1)),  # nifas for nine days of February, then died: both, once each
    ],
)
def test_a_mother_who_dies_in_nifas_is_ibu_meninggal_not_nifas_afterwards(cast, died, february):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 5, 1))
    _birth(cast, D(2026, 1, 25))  # nifas until 8 March
    ev.kematian_record(actor=cast.users["kader"], warga=cast.w_rina, tanggal=died, sebab="Perdarahan")
    assert counts(cast, (2026, 1)) == (0, 1, 0, 0)
    assert counts(cast, (2026, 2)) == february
    assert counts(cast, (2026, 3)) == (0, 0, 0, 0)
    assert rina_rows(cast, (2026, 3)) == []
    assert "Nifas" not in rina_rows(cast, (2026, 2)) or february[2] == 1


@pytest.mark.parametrize(
    ("moved", "hamil_in_march"),
    [(D(2026, 3, 1), 0), (D(2026, 3, 2), 1)],  # the day she moves she is no longer there
)
def test_a_pregnant_woman_who_moves_away_stops_counting_that_day(cast, moved, hamil_in_march):
    k = ev.kehamilan_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 11, 1), perkiraan_lahir=D(2026, 8, 1)
    )
    ev.warga_leave(actor=cast.users["kader"], warga=cast.w_rina, status="pindah", on_date=moved)
    k.refresh_from_db()
    assert (k.tanggal_selesai, k.hasil) == (moved, "pindah")
    assert counts(cast, (2026, 2)) == (1, 0, 0, 0)
    assert counts(cast, (2026, 3)) == (hamil_in_march, 0, 0, 0)
    assert counts(cast, (2026, 4)) == (0, 0, 0, 0)
    assert not Kehamilan.objects.filter(tanggal_selesai__isnull=True).exists()  # not on the cadre's list


def test_a_household_that_leaves_takes_its_mothers_out_of_every_count(cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 5, 1))
    _birth(cast, D(2026, 1, 25))  # nifas until 8 March
    household_services.rumah_tangga_leave(actor=cast.users["kader"], rumah_tangga=cast.hh_a, on_date=D(2026, 2, 14))
    assert counts(cast, (2026, 2)) == (0, 0, 1, 0)
    assert counts(cast, (2026, 3)) == (0, 0, 0, 0)


def test_a_household_that_leaves_ends_a_running_pregnancy_as_pindah(cast):
    k = ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2026, 4, 1))
    household_services.rumah_tangga_leave(actor=cast.users["kader"], rumah_tangga=cast.hh_a, on_date=D(2026, 6, 1))
    k.refresh_from_db()
    assert (k.tanggal_selesai, k.hasil) == (D(2026, 6, 1), "pindah")
    assert [counts(cast, (2026, m))[0] for m in (5, 6)] == [1, 0]


# -- an open pregnancy does not count forever ----------------------------------------------------------


@pytest.mark.parametrize(
    ("hpl", "counted_in_march"),
    [(D(2026, 2, 14), False), (D(2026, 2, 15), True)],  # HPL + 14 days = 28 February / 1 March
)
def test_an_open_pregnancy_stops_counting_two_weeks_past_its_hpl(cast, hpl, counted_in_march):
    k = ev.kehamilan_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 6, 1), perkiraan_lahir=hpl
    )
    assert counts(cast, (2026, 2))[0] == 1
    assert counts(cast, (2026, 3))[0] == int(counted_in_march)
    assert counts(cast, (2026, 4))[0] == 0
    assert rules.is_overdue(k, D(2026, 3, 1)) is not counted_in_march


def test_an_open_pregnancy_without_hpl_stops_counting_after_ten_months(cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 3, 1))
    # 1 March 2025 + 300 days = 25 December 2025
    assert [counts(cast, m)[0] for m in [(2025, 12), (2026, 1)]] == [1, 0]


def test_the_cadres_month_page_asks_how_an_overdue_pregnancy_ended(client, cast):
    ev.kehamilan_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 6, 1), perkiraan_lahir=D(2026, 2, 14)
    )
    client.force_login(cast.users["kader"])
    body = client.get(reverse("reports:kejadian_dasawisma", args=[cast.dw.pk]) + "?bulan=2026-03").content.decode()
    assert "lewat" in body.lower() and cast.w_rina.nama in body


# -- the Python and SQL forms agree --------------------------------------------------------------------


def test_python_and_sql_forms_agree_around_every_boundary(cast):
    """Every pregnancy shape (open with HPL, open without, delivered, lost) for mothers who stay, die or
    move, on every day and month around the boundaries: is_hamil_on = hamil_on_q, status_ibu = the
    month's Qs, is_there = there_q."""
    shapes = [
        {"tanggal_mulai": D(2025, 6, 1), "perkiraan_lahir": D(2026, 2, 14)},
        {"tanggal_mulai": D(2025, 4, 30)},
        {"tanggal_mulai": D(2025, 6, 1), "tanggal_selesai": D(2026, 1, 20), "hasil": "melahirkan"},
        {"tanggal_mulai": D(2025, 9, 1), "tanggal_selesai": D(2025, 12, 31), "hasil": "keguguran"},
        {"tanggal_mulai": D(2026, 2, 10), "perkiraan_lahir": D(2026, 5, 1), "lanjutan": True},  # after a move
        # a delivery whose nifas moved on 10 February, and the row continuing that nifas
        {
            "tanggal_mulai": D(2025, 4, 1),
            "tanggal_selesai": D(2026, 1, 20),
            "hasil": "melahirkan",
            "pindah_pada": D(2026, 2, 10),
        },
        {
            "tanggal_mulai": D(2026, 2, 10),
            "tanggal_selesai": D(2026, 1, 20),
            "hasil": "nifas_lanjutan",
            "lanjutan": True,
        },
    ]
    fates = [None, ("meninggal", D(2026, 2, 10)), ("pindah", D(2026, 3, 1))]
    keluarga = cast.w_rina.keluarga
    made = []
    for i, (shape, fate) in enumerate(itertools.product(shapes, fates)):
        woman = Warga.objects.create(
            keluarga=keluarga, nama=f"Ibu {i}", jenis_kelamin="P", tanggal_lahir=D(1990, 1, 1),
            status_dalam_keluarga="lain", agama="islam", pendidikan="sma", pekerjaan="lainnya",
            status=fate[0] if fate else "aktif", tanggal_status=fate[1] if fate else None,
        )  # fmt: skip
        made.append(Kehamilan.objects.create(ibu=woman, **shape))
    # a family whose only member moved out on 10 February, beside the cast's families
    gone = f.keluarga(cast.hh_c)
    f.warga(gone, "Tono Wijayakusuma", D(1970, 1, 1), "L", status="pindah", tanggal_status=D(2026, 2, 10))
    families = list(Keluarga.objects.prefetch_related("anggota"))
    days = [D(2025, 12, 31) + datetime.timedelta(days=n) for n in range(0, 75, 3)]
    for day in days:
        in_sql = set(Kehamilan.objects.filter(rules.hamil_on_q(day)).values_list("pk", flat=True))
        assert in_sql == {k.pk for k in made if rules.is_hamil_on(k, day)}, day
        there = set(Warga.objects.filter(rules.there_q(day)).values_list("pk", flat=True))
        assert there == {w.pk for w in Warga.objects.all() if rules.is_there(w, day)}, day
        counted = set(Keluarga.objects.filter(rules.keluarga_counted_q(day)).values_list("pk", flat=True))
        assert counted == {k.pk for k in families if rules.is_keluarga_counted(k.anggota.all(), day)}, day
    for month in [(2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4)]:
        first, last = periods.month_bounds(*month)
        for name, q in [("hamil", rules.hamil_q), ("melahirkan", rules.melahirkan_q), ("nifas", rules.nifas_q)]:
            in_sql = set(Kehamilan.objects.filter(q(first, last)).values_list("pk", flat=True))
            in_python = {
                k.pk
                for k in Kehamilan.objects.select_related("ibu__keluarga__rumah_tangga")
                if rules.status_ibu(k, first, last, gone=rules.gone_on(k.ibu)) == name
            }
            assert in_sql == in_python, (month, name)


# -- facts stay where they happened ---------------------------------------------------------------------


def test_a_household_that_moves_keeps_its_past_under_the_old_dasawisma(cast, monkeypatch):
    """Rina (Melati 1, RT 001) delivered in January and is pregnant again; on 10 June her household moves
    to Mawar (RT 002). Her past months stay with Melati 1 and RT 001 (4.18a rows and every level), June
    too; from July she counts in Mawar; the kelurahan's numbers never change."""
    _birth(cast, D(2026, 1, 20), confirm_without_pregnancy=True)
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2026, 4, 1))
    months = [(2026, m) for m in range(1, 10)]

    def by_unit():
        return {
            month: tuple(
                tuple(events.numbers_for(u, *month)[k] for k in KEYS)
                for u in (cast.dw, cast.rt, cast.dw_c, cast.rt_b, cast.kel)
            )
            for month in months
        }

    def rows_of_melati(month):
        return [r.status_ibu for r in events.monthly_rows(cast.dw, *month)[0] if r.nama_ibu == cast.w_rina.nama]

    before = by_unit()
    melati_rows = {month: rows_of_melati(month) for month in months[:6]}
    monkeypatch.setattr(household_services.timezone, "localdate", lambda: D(2026, 6, 10))
    household_services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_a, dasawisma=cast.dw_c)
    after = by_unit()
    for month in months[:6]:  # January to June: unchanged everywhere, 4.18a rows included
        assert after[month] == before[month], month
        assert rows_of_melati(month) == melati_rows[month], month
    assert after[(2026, 6)][0] == (1, 0, 0, 0) and after[(2026, 6)][2] == (0, 0, 0, 0)
    for month in months[6:]:  # from July: in Mawar and RT 002, the kelurahan as before
        melati, rt, mawar, rt_b, kel = after[month]
        assert melati == rt == (0, 0, 0, 0) and mawar == rt_b == (1, 0, 0, 0) == kel, month
    running = Kehamilan.objects.get(ibu=cast.w_rina, tanggal_selesai__isnull=True)
    assert (running.dasawisma, running.lanjutan, running.tanggal_mulai) == (cast.dw_c, True, D(2026, 6, 10))
    # the birth in Mawar later is Mawar's, and the January one stays in Melati 1
    monkeypatch.setattr(ev.timezone, "localdate", lambda: D(2026, 12, 5))
    _birth(cast, D(2026, 12, 1), name="Adik Wijayakusuma", actor="admin")
    assert events.numbers_for(cast.dw_c, 2026, 12)["ibu_melahirkan"] == 1
    assert events.numbers_for(cast.dw, 2026, 1)["ibu_melahirkan"] == 1


@pytest.mark.parametrize(("moved", "june_in"), [(D(2026, 6, 10), "dw"), (D(2026, 6, 1), "dw_c")])
def test_a_mother_in_nifas_who_moves_is_nifas_where_she_is_each_month(cast, monkeypatch, moved, june_in):
    """Delivered 25 May in Melati 1 (nifas until 6 July); the household moves to Mawar. May stays
    melahirkan in Melati 1; June is nifas where she was on 1 June; July is nifas in Mawar."""
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 9, 1))
    _birth(cast, D(2026, 5, 25))
    monkeypatch.setattr(household_services.timezone, "localdate", lambda: moved)
    household_services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_a, dasawisma=cast.dw_c)

    def status(unit, month):
        return tuple(events.numbers_for(unit, *month)[k] for k in KEYS)

    assert status(cast.dw, (2026, 5)) == (0, 1, 0, 0) and status(cast.dw_c, (2026, 5)) == (0, 0, 0, 0)
    june = {"dw": status(cast.dw, (2026, 6)), "dw_c": status(cast.dw_c, (2026, 6))}
    assert june[june_in] == (0, 0, 1, 0) and sum(map(sum, june.values())) == 1
    assert status(cast.dw, (2026, 7)) == (0, 0, 0, 0) and status(cast.dw_c, (2026, 7)) == (0, 0, 1, 0)
    assert status(cast.dw_c, (2026, 8)) == (0, 0, 0, 0)
    for month in [(2026, 5), (2026, 6), (2026, 7)]:  # the kelurahan counts her once, as before the move
        assert status(cast.kel, month) == (0, int(month == (2026, 5)), int(month != (2026, 5)), 0)


def test_a_birth_recorded_after_the_move_but_born_before_it_ends_the_pregnancy_where_she_was(cast, monkeypatch):
    """Pregnant in Melati 1; the household moves to Mawar on 10 June; the birth of 5 June is recorded
    afterwards: the delivery is Melati 1's (June melahirkan there), the continuation in Mawar never was,
    and the nifas of July is Mawar's."""
    ev.kehamilan_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=D(2025, 10, 1), perkiraan_lahir=D(2026, 7, 1)
    )
    monkeypatch.setattr(household_services.timezone, "localdate", lambda: D(2026, 6, 10))
    household_services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_a, dasawisma=cast.dw_c)
    monkeypatch.undo()
    _birth(cast, D(2026, 6, 5), actor="admin")  # no confirmation asked: the pregnancy was recorded
    assert not Kehamilan.objects.filter(ibu=cast.w_rina, tanggal_selesai__isnull=True).exists()

    def status(unit, month):
        return tuple(events.numbers_for(unit, *month)[k] for k in KEYS)

    assert status(cast.dw, (2026, 6)) == (0, 1, 0, 0) and status(cast.dw_c, (2026, 6)) == (0, 0, 0, 0)
    assert events.numbers_for(cast.dw, 2026, 6)["bayi_lahir_p"] == 1
    assert status(cast.dw, (2026, 7)) == (0, 0, 0, 0) and status(cast.dw_c, (2026, 7)) == (0, 0, 1, 0)
    assert status(cast.kel, (2026, 8)) == (0, 0, 0, 0)
