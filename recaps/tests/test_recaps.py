"""The recap computations (recaps/recaps.py) against numbers counted by hand on the test cast: every
form's leading columns, the yearly indicators of a household and their sums, the older edition's
columns, mixed children (RT beside RW under a kelurahan), closed and new units, monthly approved
numbers against the current data, and a query count that does not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.exporters import RAKERNAS_VIII, Period
from hierarchy.levels import Level
from hierarchy.models import Unit
from households.models import IndustriRumahTangga, Kehamilan, Kelahiran, Kematian, PemanfaatanPekarangan
from households.tests import factories as f
from recaps import exports as recap_exports
from recaps import recaps
from recaps.models import RingkasanDasawisma
from reports import workflow
from reports.models import Status

D = datetime.date
TODAY = D(2026, 6, 15)  # yearly recaps of 2025 count as of 31 December 2025
YEAR = 2025
MONTH = (2026, 3)


def yearly(unit, edition=recaps.RAKERNAS_X, tahun=YEAR):
    return recaps.yearly_recap(unit, tahun, edition, today=TODAY)


def by_label(recap):
    return {row.label: row.values for row in recap.rows}


def keys(recap):
    return [c.key for c in recap.columns]


# -- the forms and their columns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "kind", "lampiran"),
    [
        (Level.DASAWISMA, recaps.YEARLY, "4.16a"),
        (Level.RT, recaps.YEARLY, "4.16b"),
        (Level.RW, recaps.YEARLY, "4.16c"),
        (Level.DUSUN, recaps.YEARLY, "4.16d"),
        (Level.DESA, recaps.YEARLY, "4.17a"),
        (Level.KECAMATAN, recaps.YEARLY, "4.17b"),
        (Level.KABKOTA, recaps.YEARLY, "4.17c"),
        (Level.PROVINSI, recaps.YEARLY, "4.17d"),
        (Level.RT, recaps.MONTHLY, "4.18b"),
        (Level.RW, recaps.MONTHLY, "4.18c"),
        (Level.DUSUN, recaps.MONTHLY, "4.18d"),
        (Level.DESA, recaps.MONTHLY, "4.19a"),
        (Level.KECAMATAN, recaps.MONTHLY, "4.19b"),
        (Level.KABKOTA, recaps.MONTHLY, "4.19c"),
        (Level.DASAWISMA, recaps.MONTHLY, None),  # 4.18a is the event list on the report page
        (Level.PROVINSI, recaps.MONTHLY, None),
    ],
)
def test_each_level_keeps_its_form(level, kind, lampiran):
    form = recaps.form_for(level, kind)
    assert (form.lampiran if form else None) == lampiran


# The leading count columns, as the tables of pkk-forms.md sections 4 and 5 list them.
LEADING = {
    "4.16a": ["jml_kk"],
    "4.16b": ["jml_krt", "jml_kk"],
    "4.16c": ["jml_dasawisma", "jml_krt", "jml_kk"],
    "4.16d": ["jml_rt", "jml_dasawisma", "jml_krt", "jml_kk"],
    "4.17a": ["jml_rw", "jml_rt", "jml_dasawisma", "jml_krt", "jml_kk"],
    "4.17b": ["jml_dusun", "jml_rw", "jml_rt", "jml_dasawisma", "jml_krt", "jml_kk"],
    "4.17c": ["jml_desa", "jml_dusun", "jml_rw", "jml_rt", "jml_dasawisma", "jml_krt", "jml_kk"],
    "4.17d": ["jml_kecamatan", "jml_desa", "jml_dusun", "jml_rw", "jml_rt", "jml_dasawisma", "jml_krt", "jml_kk"],
    "4.18b": [],
    "4.18c": ["jml_dasawisma"],
    "4.18d": ["jml_rt", "jml_dasawisma"],
    "4.19a": ["jml_rw", "jml_rt", "jml_dasawisma"],
    "4.19b": ["jml_dusun", "jml_rw", "jml_rt", "jml_dasawisma"],
    "4.19c": ["jml_desa", "jml_dusun", "jml_rw", "jml_rt", "jml_dasawisma"],
}


@pytest.mark.parametrize("lampiran", sorted(LEADING))
def test_leading_columns_follow_the_paper_form(lampiran):
    form = recaps.FORMS[lampiran]
    columns = [c.key for c in recaps.columns_for(form)]
    leading = LEADING[lampiran]
    assert columns[: len(leading)] == leading
    first_indicator = "jml_l" if form.kind == recaps.YEARLY else "ibu_hamil"
    assert columns[len(leading)] == first_indicator


def test_yearly_indicator_blocks_by_level_and_edition():
    x = [c.key for c in recaps.columns_for(recaps.FORMS["4.17c"])]
    assert x[x.index("lansia") + 1 : x.index("lansia") + 3] == ["buta_l", "buta_p"]
    assert "mck_septic" in x and "jamban" not in x and "stiker_p4k" not in x
    assert x.index("air_lainnya") + 1 == x.index("jml_sarana_mck") < x.index("beras")
    assert x[-4:] == ["up2k", "pekarangan", "industri", "kesehatan_lingkungan"]
    old = [c.key for c in recaps.columns_for(recaps.FORMS["4.17c"], RAKERNAS_VIII)]
    assert old[old.index("spal") + 1 : old.index("spal") + 3] == ["jamban", "stiker_p4k"] and "mck_septic" not in old
    for lampiran in ("4.16a", "4.16b", "4.17a"):
        k = [c.key for c in recaps.columns_for(recaps.FORMS[lampiran])]
        assert "buta" in k and "buta_l" not in k
    for lampiran in ("4.16a", "4.16b"):
        assert "jml_sarana_mck" not in [c.key for c in recaps.columns_for(recaps.FORMS[lampiran])]
    monthly = recaps.columns_for(recaps.FORMS["4.19a"])
    groups = [(g, [c.label for c in cols]) for g, cols in recaps.column_groups(monthly)]
    assert groups[3:] == [
        ("JUMLAH IBU", ["Hamil", "Melahirkan", "Nifas", "Meninggal"]),
        ("JUMLAH BAYI", ["Lahir L", "Lahir P", "Akte Ada", "Akte Tidak Ada", "Meninggal L", "Meninggal P"]),
        ("JUMLAH BALITA MENINGGAL", ["L", "P"]),
    ]


# -- yearly: hand-counted ---------------------------------------------------------------------------------


@pytest.fixture
def richer(cast):
    """The cast's households plus what a year records, counted by hand in the tests below.

    Melati 1: hh_a (Hendra, Rina pregnant since Nov 2025 and menyusui, Dimas balita) with a pekarangan;
              hh_b (Sumiati, lansia, buta, fisik; tidak sehat, no jamban, sungai) with an industri and UP2K;
              hh_d left in June 2025 (not counted); hh_e with 2 keluarga: Yusuf (L, 1990) and in the
              second KK Wati (P, 2001, lajang: WUS, not PUS) and Joko who moved out in 2025 (not counted)
              and Tono who moved out in 2026 (counted in 2025), Sari and Sinta (P, balita), a baby born in 2026 (not
              counted in 2025),
              jamban 2, stiker P4K, non beras, sumur + lainnya, kesehatan lingkungan.
    Melati 2: hh_c (Bambang).
    """
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=D(2025, 11, 1))
    PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_a, kategori="toga", komoditi="Jahe", jumlah="5")
    PemanfaatanPekarangan.objects.create(rumah_tangga=cast.hh_a, kategori="warung_hidup", komoditi="Cabai", jumlah="9")
    IndustriRumahTangga.objects.create(rumah_tangga=cast.hh_b, kategori="pangan", komoditi="Kue", jumlah="20")
    cast.hh_b.aktivitas_up2k = True
    cast.hh_b.save()
    gone = f.rumah_tangga(cast.dw, tanggal_keluar=D(2025, 6, 30))
    f.warga(f.keluarga(gone), "Pergi Wijayakusuma", D(1970, 1, 1), "L", status_dalam_keluarga="kepala")
    cast.hh_e = f.rumah_tangga(
        cast.dw,
        jumlah_jamban=2,
        stiker_p4k=True,
        makanan_pokok="non_beras",
        air_pdam=False,
        air_sumur=True,
        air_lainnya=True,
        kesehatan_lingkungan=True,
        punya_mck_septic=False,
        punya_spal=False,
        punya_tempat_sampah=False,
    )
    first = f.keluarga(cast.hh_e)
    second = f.keluarga(cast.hh_e)
    cast.w_yusuf = f.warga(first, "Yusuf Wijayakusuma", D(1990, 3, 3), "L", status_dalam_keluarga="kepala")
    f.warga(second, "Wati Wijayakusuma", D(2001, 7, 7), "P", status_dalam_keluarga="kepala")
    f.warga(second, "Joko Wijayakusuma", D(1999, 1, 1), "L", status="pindah", tanggal_status=D(2025, 5, 1))
    f.warga(second, "Tono Wijayakusuma", D(1998, 1, 1), "L", status="pindah", tanggal_status=D(2026, 2, 1))
    f.warga(first, "Bayi Wijayakusuma", D(2026, 1, 10), "P")
    f.warga(first, "Sari Wijayakusuma", D(2024, 5, 5), "P")
    f.warga(first, "Sinta Wijayakusuma", D(2025, 1, 1), "P")
    cast.hh_e.krt = cast.w_yusuf
    cast.hh_e.save()
    return cast


def test_4_16a_one_row_per_household_counted_by_hand(richer):
    recap = yearly(richer.dw)
    assert recap.form.lampiran == "4.16a" and recap.as_of == D(2025, 12, 31)
    assert [r.label for r in recap.rows] == ["Hendra Wijayakusuma", "Sumiati Wijayakusuma", "Yusuf Wijayakusuma"]
    assert [r.rumah_tangga_id for r in recap.rows] == [richer.hh_a.pk, richer.hh_b.pk, richer.hh_e.pk]
    rows = by_label(recap)
    hendra = rows["Hendra Wijayakusuma"]
    assert hendra == hendra | {
        "jml_kk": 1, "jml_l": 2, "jml_p": 1, "balita_l": 1, "balita_p": 0, "jml_pus": 1, "jml_wus": 1,
        "ibu_hamil": 1, "ibu_menyusui": 1, "lansia": 0, "buta": 0, "berkebutuhan_khusus": 0,
        "rumah_sehat": 1, "rumah_tidak_sehat": 0, "tempat_sampah": 1, "spal": 1, "mck_septic": 1,
        "air_pdam": 1, "air_sumur": 0, "air_sungai": 0, "air_lainnya": 0, "beras": 1, "non_beras": 0,
        "up2k": 0, "pekarangan": 1, "industri": 0, "kesehatan_lingkungan": 0,
    }  # fmt: skip
    sumiati = rows["Sumiati Wijayakusuma"]
    assert sumiati == sumiati | {
        "jml_l": 0, "jml_p": 1, "jml_pus": 0, "jml_wus": 0, "lansia": 1, "buta": 1, "berkebutuhan_khusus": 1,
        "rumah_sehat": 0, "rumah_tidak_sehat": 1, "air_pdam": 0, "air_sungai": 1, "up2k": 1, "pekarangan": 0,
        "industri": 1,
    }  # fmt: skip
    yusuf = rows["Yusuf Wijayakusuma"]
    # Joko moved out before the end of 2025, Tono after it; the baby was born in 2026.
    assert yusuf == yusuf | {
        "jml_kk": 2, "jml_l": 2, "jml_p": 3, "balita_l": 0, "balita_p": 2, "jml_wus": 1, "jml_pus": 0,
        "tempat_sampah": 0, "spal": 0, "mck_septic": 0, "air_pdam": 0, "air_sumur": 1, "air_lainnya": 1,
        "beras": 0, "non_beras": 1, "kesehatan_lingkungan": 1,
    }  # fmt: skip
    assert recap.total["jml_kk"] == 4 and recap.total["jml_l"] == 4 and recap.total["jml_p"] == 5
    assert "jml_krt" not in recap.total and "jml_sarana_mck" not in recap.total
    assert recap.area[:2] == [("Kelompok Dasawisma", "Melati 1"), ("RT", "001")]
    assert recap.area[-1] == ("Provinsi", "Kalimantan Timur")


def test_the_running_year_counts_as_of_today(richer):
    recap = recaps.yearly_recap(richer.dw, 2026, today=D(2026, 3, 1))
    assert recap.as_of == D(2026, 3, 1)
    yusuf = by_label(recap)["Yusuf Wijayakusuma"]
    assert (yusuf["jml_l"], yusuf["jml_p"]) == (1, 4)  # Tono gone, the baby born


def test_4_16b_sums_the_dasawisma_of_an_rt(richer):
    recap = yearly(richer.rt)
    assert recap.form.lampiran == "4.16b" and recap.row_label == "NAMA DASAWISMA"
    assert [(r.label, r.unit_id) for r in recap.rows] == [("Melati 1", richer.dw.pk), ("Melati 2", richer.dw_b.pk)]
    melati1, melati2 = recap.rows[0].values, recap.rows[1].values
    assert (melati1["jml_krt"], melati1["jml_kk"], melati1["jml_l"], melati1["jml_p"]) == (3, 4, 4, 5)
    assert (melati1["balita_l"], melati1["balita_p"], melati1["jml_pus"], melati1["jml_wus"]) == (1, 2, 1, 2)
    assert (melati1["lansia"], melati1["ibu_menyusui"], melati1["berkebutuhan_khusus"]) == (1, 1, 1)
    assert (melati1["ibu_hamil"], melati1["buta"], melati1["pekarangan"], melati1["industri"]) == (1, 1, 1, 1)
    assert (melati2["jml_krt"], melati2["jml_kk"], melati2["jml_l"], melati2["jml_p"]) == (1, 1, 1, 0)
    assert recap.total["jml_krt"] == 4 and recap.total["jml_l"] == 5
    assert recap.total == {k: melati1[k] + melati2[k] for k in keys(recap)}


def test_4_16b_row_of_a_dasawisma_equals_its_4_16a_total(richer):
    """The group counts (one GROUP BY per table) agree with the household counts of
    households.selectors.with_counts that 4.16a shows."""
    row = yearly(richer.rt).rows[0].values
    total = yearly(richer.dw).total
    assert {k: row[k] for k in total} == total and row["jml_krt"] == 3


def test_older_edition_has_jamban_and_stiker_p4k(richer):
    recap = yearly(richer.rt, RAKERNAS_VIII)
    assert recap.edition == RAKERNAS_VIII
    assert "mck_septic" not in recap.total
    # Melati 1: hh_a and hh_e have a jamban, hh_b has none; only hh_e has the sticker.
    assert (recap.rows[0].values["jamban"], recap.rows[0].values["stiker_p4k"]) == (2, 1)
    assert recap.total["jamban"] == 3  # with Bambang's house


def test_4_17a_mixes_rw_and_rt_rows_and_counts_the_units(richer):
    recap = yearly(richer.kel)
    assert recap.form.lampiran == "4.17a"
    assert [(r.label, r.level) for r in recap.rows] == [("RW 01", Level.RW), ("RT 002", Level.RT)]
    assert recap.row_label == "RW / RT"
    rw, rt = recap.rows[0].values, recap.rows[1].values
    assert (rw["jml_rw"], rw["jml_rt"], rw["jml_dasawisma"], rw["jml_krt"]) == (1, 1, 2, 4)
    assert (rt["jml_rw"], rt["jml_rt"], rt["jml_dasawisma"], rt["jml_krt"]) == (0, 1, 1, 0)
    assert (recap.total["jml_rw"], recap.total["jml_rt"], recap.total["jml_dasawisma"]) == (1, 2, 3)
    assert recap.total["buta"] == 1 and "buta_l" not in recap.total


def test_4_17c_kota_splits_3_buta_and_sums_the_sarana_mck(richer):
    recap = yearly(richer.kota)
    assert recap.form.lampiran == "4.17c" and recap.row_label == "NAMA KECAMATAN"
    assert [r.label for r in recap.rows] == ["Bontang Selatan", "Bontang Barat"]
    selatan, barat = recap.rows[0].values, recap.rows[1].values
    assert (selatan["jml_desa"], selatan["jml_rw"], selatan["jml_rt"], selatan["jml_dasawisma"]) == (1, 1, 2, 3)
    assert (barat["jml_desa"], barat["jml_rw"], barat["jml_rt"], barat["jml_dasawisma"]) == (1, 0, 1, 1)
    assert (selatan["buta_l"], selatan["buta_p"], selatan["balita_l"], selatan["balita_p"]) == (0, 1, 1, 2)
    # jamban: hh_a 1, hh_b 0, hh_e 2, hh_c 1 in Bontang Selatan; hh_x 1 in Bontang Barat.
    assert (selatan["jml_sarana_mck"], barat["jml_sarana_mck"]) == (4, 1)
    assert (barat["jml_krt"], barat["jml_l"], barat["jml_p"], barat["jml_pus"]) == (1, 1, 1, 1)
    assert recap.area == [("Kabupaten/Kota", "Kota Bontang"), ("Provinsi", "Kalimantan Timur")]


def test_closed_and_new_units_are_left_out(richer):
    richer.dw_b.active_to = D(2025, 10, 31)
    richer.dw_b.save()
    Unit(level=Level.DASAWISMA, code="DW09", name="Baru", parent=richer.rt, active_from=D(2026, 1, 5)).save()
    recap = yearly(richer.rt)
    assert [r.label for r in recap.rows] == ["Melati 1"]
    assert recap.total["jml_krt"] == 3  # Bambang's household is in the closed dasawisma
    kel = yearly(richer.kel)
    assert kel.rows[0].values["jml_dasawisma"] == 1 and kel.total["jml_dasawisma"] == 2
    closed = yearly(richer.dw_b)
    assert not closed.active and closed.rows == []
    assert [r.label for r in yearly(richer.rt, tahun=2024).rows] == ["Melati 1", "Melati 2"]
    with_new = recaps.yearly_recap(richer.rt, 2026, today=D(2026, 2, 1))
    assert [r.label for r in with_new.rows] == ["Melati 1", "Baru"]


def test_a_closed_child_still_holding_active_groups_keeps_its_row(richer):
    """services.unit_close refuses this, but data edited by hand must not vanish from a total: RW 01
    closed while its RT and dasawisma stay open still has its row, with its own name."""
    Unit.objects.filter(pk=richer.rw.pk).update(active_to=D(2025, 6, 30))
    recap = yearly(richer.kel)
    assert [(r.label, r.unit_id) for r in recap.rows] == [("RW 01", richer.rw.pk), ("RT 002", richer.rt_b.pk)]
    assert recap.rows[0].values["jml_rw"] == 0 and recap.rows[0].values["jml_krt"] == 4
    assert recap.total["jml_krt"] == yearly(richer.kec).total["jml_krt"] == 4


def test_yearly_recap_refuses_an_unknown_edition(cast):
    with pytest.raises(ValueError, match="Edisi 'rakernas-ix' tidak dikenal"):
        recaps.yearly_recap(cast.rt, 2025, "rakernas-ix")


# -- query counts ---------------------------------------------------------------------------------------


def _grow(cast, dasawisma=8, households=3):
    """More dasawisma (under RT 001, and in a new RW and RT of each kelurahan) with households, members,
    pregnancies, sheets and a death each."""
    parents = [cast.rt]
    for kel in (cast.kel, cast.kel2):
        rw = Unit(level=Level.RW, code="09", name="09", parent=kel, active_from=D(2024, 1, 1))
        rw.save()
        rt = Unit(level=Level.RT, code="009", name="009", parent=rw, active_from=D(2024, 1, 1))
        rt.save()
        parents.append(rt)
    for p, parent in enumerate(parents):
        for n in range(dasawisma):
            code = f"DW{n + 10}"
            dw = Unit(level=Level.DASAWISMA, code=code, name=f"Baru {p} {n}", parent=parent, active_from=D(2024, 1, 1))
            dw.save()
            for h in range(households):
                rt_row = f.rumah_tangga(dw)
                kk = f.keluarga(rt_row)
                mother = f.warga(kk, f"Ibu {p} {n} {h}", D(1992, 1, 1), "P", status_perkawinan="menikah")
                child = f.warga(kk, f"Anak {p} {n} {h}", D(2023, 1, 1), "L")
                Kehamilan.objects.create(ibu=mother, tanggal_mulai=D(2026, 2, 1))
                PemanfaatanPekarangan.objects.create(rumah_tangga=rt_row, kategori="toga", komoditi="x", jumlah="1")
            Kematian.objects.create(warga=child, tanggal=D(2026, 3, 5), sebab="Sakit")


def _count(fn):
    """(queries, result) of fn with nothing kept (recaps.ringkasan): every dasawisma counted, the most."""
    RingkasanDasawisma.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


@pytest.mark.parametrize(
    ("attr", "call"),
    [
        ("kota", lambda u: recaps.yearly_recap(u, 2026)),
        ("kel", lambda u: recaps.yearly_recap(u, 2026)),
        ("rt", lambda u: recaps.yearly_recap(u, 2026)),
        ("kota", lambda u: recaps.monthly_recap(u, *MONTH)),
        ("kota", lambda u: recaps.monthly_recap(u, *MONTH, recaps.TERKINI)),
        ("kel", lambda u: recaps.monthly_recap(u, *MONTH, recaps.TERKINI)),
        ("rt", lambda u: recaps.monthly_recap(u, *MONTH, recaps.TERKINI)),
    ],
)
def test_query_count_does_not_grow_with_the_data(cast, attr, call):
    approve_march(cast)
    baby = f.warga(cast.hh_c.keluarga.get(), "Bayi Uji", D(2025, 12, 1), "L")
    Kematian.objects.create(warga=baby, tanggal=D(2026, 3, 5), sebab="Sakit")  # deaths load in two more queries
    unit = Unit.objects.select_related(*recaps.ANCESTORS).get(pk=getattr(cast, attr).pk)
    small, before = _count(lambda: call(unit))
    _grow(cast)
    many, after = _count(lambda: call(unit))
    assert after.total != before.total and len(after.rows) >= len(before.rows)
    assert many == small <= 8


def test_query_count_of_4_16a_does_not_grow(cast):
    small, _ = _count(lambda: recaps.yearly_recap(cast.dw, 2026))
    for n in range(15):
        kk = f.keluarga(f.rumah_tangga(cast.dw))
        f.warga(kk, f"Warga {n}", D(1980, 1, 1), "L", status_dalam_keluarga="kepala")
    many, recap = _count(lambda: recaps.yearly_recap(cast.dw, 2026))
    assert len(recap.rows) == 17 and many == small <= 3


# -- monthly: approved numbers and the current data ------------------------------------------------------


def approve_march(cast):
    """Rina (Melati 1) pregnant since February: Melati 1's March report is sent and approved by the RT."""
    Kehamilan.objects.get_or_create(ibu=cast.w_rina, tanggal_mulai=D(2026, 2, 1))
    report = workflow.get_report(cast.dw, *MONTH)
    report = workflow.report_submit(actor=cast.users["ketua_dasawisma"], report=report, expected_version=0)
    return workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)


def test_approved_numbers_stay_while_the_current_data_changes(cast):
    approve_march(cast)
    recap = recaps.monthly_recap(cast.rt, *MONTH)
    assert recap.form.lampiran == "4.18b" and recap.data == recaps.DISETUJUI
    assert by_label(recap)["Melati 1"]["ibu_hamil"] == 1 and recap.total["ibu_hamil"] == 1
    a = recap.approval
    assert (a.expected, a.approved, a.pending, a.complete) == (2, 1, 1, False)
    assert a.last_approved_by == "Rt" and a.last_approved_at is not None

    # After the approval: a second pregnancy in Melati 1, a birth in Melati 2.
    mother = f.warga(cast.hh_a.keluarga.get(), "Ani Wijayakusuma", D(1999, 9, 9), "P", status_perkawinan="menikah")
    Kehamilan.objects.create(ibu=mother, tanggal_mulai=D(2026, 1, 10))
    wife = f.warga(cast.hh_c.keluarga.get(), "Siti Wijayakusuma", D(1990, 2, 2), "P", status_perkawinan="menikah")
    k = Kehamilan.objects.create(
        ibu=wife, tanggal_mulai=D(2025, 7, 1), tanggal_selesai=D(2026, 3, 8), hasil="melahirkan"
    )
    baby = f.warga(wife.keluarga, "Bayi Wijayakusuma", D(2026, 3, 8), "P", nik=None)
    Kelahiran.objects.create(ibu=wife, bayi=baby, kehamilan=k, tanggal=D(2026, 3, 8), akte_kelahiran=False)

    approved = recaps.monthly_recap(cast.rt, *MONTH)
    assert approved.total["ibu_hamil"] == 1 and approved.total["bayi_lahir_p"] == 0
    current = recaps.monthly_recap(cast.rt, *MONTH, recaps.TERKINI)
    assert current.data == recaps.TERKINI
    assert by_label(current)["Melati 1"]["ibu_hamil"] == 2
    melati2 = by_label(current)["Melati 2"]
    assert (melati2["ibu_melahirkan"], melati2["bayi_lahir_p"], melati2["akte_tidak"], melati2["akte_ada"]) == (
        1,
        1,
        1,
        0,
    )
    assert current.approval.approved == 1  # the same reports, whatever the data shown

    # Melati 2 sends its report and the RT approves it: now both are in, with Melati 2's new numbers.
    report = workflow.get_report(cast.dw_b, *MONTH)
    report = workflow.report_submit(actor=cast.users["admin"], report=report, expected_version=0)
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    both = recaps.monthly_recap(cast.rt, *MONTH)
    assert both.approval.complete and (both.approval.expected, both.approval.approved) == (2, 2)
    assert (both.total["ibu_hamil"], both.total["ibu_melahirkan"], both.total["bayi_lahir_p"]) == (1, 1, 1)


def test_group_reports_are_not_counted_as_dasawisma_reports(cast):
    """When all of RT 001's dasawisma are approved, the RT's own report goes up and is approved by the
    kelurahan: the kelurahan's recap still counts the three dasawisma reports only, once."""
    approve_march(cast)
    report = workflow.get_report(cast.dw_b, *MONTH)
    report = workflow.report_submit(actor=cast.users["admin"], report=report, expected_version=0, nihil=True)
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    rt_report = workflow.get_report(cast.rt, *MONTH)
    assert rt_report.status == Status.SUBMITTED
    workflow.report_approve(actor=cast.users["kelurahan"], report=rt_report, expected_version=rt_report.version)
    recap = recaps.monthly_recap(cast.kel, *MONTH)
    assert (recap.approval.expected, recap.approval.approved) == (3, 2)
    assert recap.total["ibu_hamil"] == 1  # Rina, once
    assert recap.approval.last_approved_by == "Rt"  # the latest dasawisma approval, not the kelurahan's
    rw, rt = recap.rows
    assert (rw.label, rw.values["jml_dasawisma"], rw.values["ibu_hamil"]) == ("RW 01", 2, 1)
    assert (rt.label, rt.values["jml_rt"], rt.values["ibu_hamil"]) == ("RT 002", 1, 0)


def test_monthly_deaths_and_nifas_by_hand(cast):
    """Current data of a month at the kota: a nifas mother, a bayi and a balita death, by kecamatan."""
    mother = f.warga(cast.hh_x.keluarga.get(), "Rosa Siregar", D(1996, 1, 1), "P", status_perkawinan="menikah")
    Kehamilan.objects.create(
        ibu=mother, tanggal_mulai=D(2025, 5, 1), tanggal_selesai=D(2026, 2, 10), hasil="melahirkan"
    )
    bayi = f.warga(cast.hh_x.keluarga.get(), "Bayi Siregar", D(2025, 8, 1), "L")
    Kematian.objects.create(warga=bayi, tanggal=D(2026, 3, 2), sebab="Demam")
    balita = f.warga(cast.hh_a.keluarga.get(), "Putri Wijayakusuma", D(2023, 1, 1), "P")
    Kematian.objects.create(warga=balita, tanggal=D(2026, 3, 20), sebab="Diare")
    recap = recaps.monthly_recap(cast.kota, *MONTH, recaps.TERKINI)
    assert recap.form.lampiran == "4.19c"
    selatan, barat = by_label(recap)["Bontang Selatan"], by_label(recap)["Bontang Barat"]
    assert (barat["ibu_nifas"], barat["bayi_meninggal_l"], barat["balita_meninggal_p"]) == (1, 1, 0)
    assert (selatan["ibu_nifas"], selatan["bayi_meninggal_l"], selatan["balita_meninggal_p"]) == (0, 0, 1)
    assert (selatan["jml_desa"], selatan["jml_rw"], selatan["jml_rt"], selatan["jml_dasawisma"]) == (1, 1, 2, 3)
    assert recap.approval.expected == 4 and recap.approval.approved == 0
    assert recaps.monthly_recap(cast.kota, *MONTH).total["balita_meninggal_p"] == 0  # nothing approved


def test_a_dasawisma_has_no_monthly_recap_and_bad_choices_are_refused(cast):
    with pytest.raises(ValueError, match="Tidak ada rekap bulanan untuk Dasawisma"):
        recaps.monthly_recap(cast.dw, *MONTH)
    with pytest.raises(ValueError, match="Pilihan data 'semua' tidak dikenal"):
        recaps.monthly_recap(cast.rt, *MONTH, "semua")
    assert recaps.recap_for(cast.rt, Period(2026, 3)).form.lampiran == "4.18b"
    assert recaps.recap_for(cast.rt, Period(2026)).form.lampiran == "4.16b"
    assert recaps.recap_for(cast.rt, Period(2026, 3), data=recaps.TERKINI).data == recaps.TERKINI


def test_the_latest_approver_is_named_by_name_or_username(cast):
    """The approval line names who approved the latest dasawisma report: the RT's ketua (first name
    "Rt"), then an administrator without a name (username)."""
    approve_march(cast)
    assert recaps.monthly_recap(cast.kel, *MONTH).approval.last_approved_by == "Rt"
    report = workflow.get_report(cast.dw_b, *MONTH)
    report = workflow.report_submit(actor=cast.users["admin"], report=report, expected_version=0, nihil=True)
    workflow.report_approve(actor=cast.users["admin"], report=report, expected_version=report.version)
    approval = recaps.monthly_recap(cast.kel, *MONTH).approval
    assert (approval.approved, approval.last_approved_by) == (2, "admin")


def test_each_unit_and_month_gets_its_own_monthly_numbers(cast):
    """The same statements run for every unit, month and choice of data: each recap shows its own."""
    approve_march(cast)
    balita = f.warga(cast.hh_x.keluarga.get(), "Putri Siregar", D(2023, 1, 1), "P")
    Kematian.objects.create(warga=balita, tanggal=D(2026, 3, 20), sebab="Diare")
    every = [
        (unit.pk, month, data, recaps.monthly_recap(unit, *month, data).total)
        for month in [(2026, 2), MONTH]
        for unit in [cast.kota, cast.kec, cast.kec2, cast.kel, cast.kel2, cast.rw, cast.rt, cast.rt_b]
        for data in recaps.DATA_CHOICES
    ]
    totals = {
        (unit_pk, month, data): total["ibu_hamil"] + total["balita_meninggal_p"]
        for unit_pk, month, data, total in every
    }
    assert totals[(cast.kec2.pk, MONTH, recaps.TERKINI)] == 1 and totals[(cast.kec2.pk, (2026, 2), recaps.TERKINI)] == 0
    assert totals[(cast.rt.pk, MONTH, recaps.DISETUJUI)] == 1 and totals[(cast.kel2.pk, MONTH, recaps.DISETUJUI)] == 0


def _steps(unit):
    return [(s.reports, s.approver, s.approved, s.expected) for s in recaps.monthly_recap(unit, *MONTH).approval.steps]


def test_an_approved_recap_says_how_far_each_step_of_the_chain_has_come(cast, client):
    """Under the default chain (RT -> kelurahan): the dasawisma reports the RTs approved, then the RT
    reports the kelurahan approved, counted under the recap's unit (issue 10)."""
    approve_march(cast)
    assert _steps(cast.kec) == [("Dasawisma", "RT", 1, 3), ("RT", "Desa/Kelurahan", 0, 2)]
    nihil = workflow.get_report(cast.dw_b, *MONTH)
    workflow.report_submit(actor=cast.users["admin"], report=nihil, expected_version=0, nihil=True)
    nihil.refresh_from_db()
    workflow.report_approve(actor=cast.users["rt"], report=nihil, expected_version=nihil.version)
    rt_report = workflow.get_report(cast.rt, *MONTH)  # went up by itself once both were approved
    assert rt_report.status == Status.SUBMITTED
    workflow.report_approve(actor=cast.users["kelurahan"], report=rt_report, expected_version=rt_report.version)
    assert _steps(cast.kec) == [("Dasawisma", "RT", 2, 3), ("RT", "Desa/Kelurahan", 1, 2)]
    assert _steps(cast.rt) == [("Dasawisma", "RT", 2, 2), ("RT", "Desa/Kelurahan", 1, 1)]
    client.force_login(cast.users["kecamatan"])
    body = client.get(reverse("recaps:rekap_bulanan", args=[cast.kec.pk, *MONTH])).content.decode()
    assert "Laporan Dasawisma disetujui RT: <strong>2</strong> dari 3" in body
    assert "Laporan RT disetujui Desa/Kelurahan: <strong>1</strong> dari 2" in body
    line = recap_exports._steps_line(recaps.monthly_recap(cast.kec, *MONTH).approval)  # the files' sentence
    assert line == " Laporan Dasawisma disetujui RT: 2 dari 3; laporan RT disetujui Desa/Kelurahan: 1 dari 2."
