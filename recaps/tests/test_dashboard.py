"""The dashboard (recaps:dasbor): the numbers of its charts and tables against events recorded by hand
in the cast, who sees it, the SVG's escaping, and a number of queries that does not grow with the area.

Events are dated relative to today (the page always shows the twelve months up to the current one);
`ago(k, day)` is that day of the month k months before the current one."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import Unit
from households import rules
from households.models import StatusWarga
from households.tests import factories as f
from pkkdata import periods
from recaps import dashboard, svg
from recaps.models import RingkasanDasawisma
from reports import events
from reports import services as ev
from reports.models import Laporan, Status

TODAY = timezone.localdate()


def month(k):
    return periods.shift_month(TODAY.year, TODAY.month, -k)


def ago(k, day):
    return datetime.date(*month(k), day)


def label(k):
    return periods.month_label(*month(k))


@pytest.fixture
def recorded(cast):
    """Berbas Tengah: Rina pregnant from 6 months ago, twins 3 months ago (the girl dies last month),
    a boy of 3 dies last month, Sari dies pregnant 4 months ago. Belimbing: Maria pregnant from 6 months
    ago, still pregnant."""
    admin = cast.users["admin"]
    ev.kehamilan_record(actor=admin, ibu=cast.w_rina, tanggal_mulai=ago(6, 15))
    cast.putra = ev.kelahiran_record(actor=admin, ibu=cast.w_rina, tanggal=ago(3, 1),
                                     bayi={"nama": "Putra Wijayakusuma", "jenis_kelamin": "L"},
                                     akte_kelahiran=True)  # fmt: skip
    cast.putri = ev.kelahiran_record(actor=admin, ibu=cast.w_rina, tanggal=ago(3, 1),
                                     bayi={"nama": "Putri Wijayakusuma", "jenis_kelamin": "P"},
                                     akte_kelahiran=False)  # fmt: skip
    ev.kematian_record(actor=admin, warga=cast.putri.bayi, tanggal=ago(1, 5), sebab="Sakit")
    bayu = f.warga(cast.w_rina.keluarga, "Bayu Wijayakusuma", periods.add_years(ago(1, 5), -3), "L")
    ev.kematian_record(actor=admin, warga=bayu, tanggal=ago(1, 5), sebab="Demam")
    sari = f.warga(f.keluarga(cast.hh_c), "Sari Wijayakusuma", datetime.date(1995, 3, 3), "P",
                   status_dalam_keluarga="kepala", status_perkawinan="menikah")  # fmt: skip
    ev.kehamilan_record(actor=admin, ibu=sari, tanggal_mulai=ago(5, 1))
    ev.kematian_record(actor=admin, warga=sari, tanggal=ago(4, 10), sebab="Perdarahan")
    ev.kehamilan_record(actor=admin, ibu=cast.w_maria, tanggal_mulai=ago(6, 15))
    return cast


def _page(client, user, unit):
    client.force_login(user)
    response = client.get(reverse("recaps:dasbor", args=[unit.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _section(body, ident):
    return re.search(rf'<section class="card chart-card" id="{ident}".*?</section>', body, re.S).group(0)


def _row(body, ident, k):
    """The cells of month k's row in a chart's table."""
    row = re.search(rf'<tr data-bulan="{month(k)[0]:04d}-{month(k)[1]:02d}".*?</tr>', _section(body, ident), re.S)
    return re.findall(r"<td>(.*?)</td>", row.group(0))


def _svgs(body):
    return re.findall(r"<svg .*?</svg>", body, re.S)


# -- the numbers -----------------------------------------------------------------------------------


def test_births_deaths_and_mothers_appear_in_their_month(client, recorded):
    body = _page(client, recorded.users["kelurahan"], recorded.kel)
    # Kelahiran: L, P, Jumlah
    assert _row(body, "kelahiran", 3) == ["1", "1", "2"]
    assert _row(body, "kelahiran", 2) == ["0", "0", "0"]
    # Kematian: Ibu, Bayi, Balita, Jumlah
    assert _row(body, "kematian", 4) == ["1", "0", "0", "1"]
    assert _row(body, "kematian", 1) == ["0", "1", "1", "2"]
    # Ibu: Hamil, Melahirkan, Nifas (Maria lives in Belimbing: not here)
    assert [_row(body, "ibu", k) for k in (7, 6, 5, 4, 3, 2, 1, 0)] == [
        ["0", "0", "0"], ["1", "0", "0"], ["2", "0", "0"], ["2", "0", "0"],
        ["0", "1", "0"], ["0", "0", "1"], ["0", "0", "0"], ["0", "0", "0"],
    ]  # fmt: skip
    totals = re.search(r"<tfoot>.*?</tfoot>", _section(body, "kelahiran"), re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", totals) == ["1", "1", "2"]

    births, deaths, mothers, _reports = _svgs(body)
    assert f"<title>{label(3)}: Laki-laki 1, Perempuan 1; jumlah 2</title>" in births
    assert f"<title>{label(1)}: Ibu 0, Bayi 1, Balita 1; jumlah 2</title>" in deaths
    assert f"<title>{label(5)}: Hamil 2, Melahirkan 0, Nifas 0; jumlah 2</title>" in mothers
    # The total is printed above the bar, not only in the tooltip.
    column = re.search(rf"<g class=\"col\"><title>{label(3)}:.*?</g>", births).group(0)
    assert re.search(r'font-weight="700">2</text>', column)


def test_the_kota_counts_both_kelurahan(client, recorded):
    body = _page(client, recorded.users["kota"], recorded.kota)
    assert _row(body, "ibu", 6) == ["2", "0", "0"]  # Rina and Maria
    assert _row(body, "ibu", 0) == ["1", "0", "0"]  # Maria, still pregnant this month
    assert _row(body, "kelahiran", 3) == ["1", "1", "2"]


@pytest.mark.parametrize("attr", ["kel", "kec", "kec2", "kota", "prov"])
def test_twelve_months_at_once_agree_with_the_monthly_recap_numbers(recorded, attr):
    unit = getattr(recorded, attr)
    months = dashboard.months_window(TODAY)
    assert months[-1] == (TODAY.year, TODAY.month) and len(months) == 12
    assert events.monthly_numbers(unit, months) == {m: events.numbers_for(unit, *m) for m in months}


def test_current_month_is_labelled_running_and_data_is_current(client, recorded):
    body = _page(client, recorded.users["kelurahan"], recorded.kel)
    assert "Data terkini" in body
    current = re.search(r'<tr data-bulan="[0-9-]+" class="running"><th scope="row">(.*?)</th>', body).group(1)
    short = f"{periods.BULAN_SINGKAT[TODAY.month - 1]} {TODAY.year}"
    assert current == f'<abbr title="{label(0)}">{short}</abbr> <small>berjalan</small>'
    assert all(">berjalan</text>" in chart for chart in _svgs(body))
    # The oldest month shown is eleven months back.
    assert f'data-bulan="{month(11)[0]:04d}-{month(11)[1]:02d}"' in body
    assert f'data-bulan="{month(12)[0]:04d}-{month(12)[1]:02d}"' not in body


def _report(unit, k, status):
    return Laporan.objects.create(unit=unit, tahun=month(k)[0], bulan=month(k)[1], status=status,
                                  submitted_at=timezone.now())  # fmt: skip


def test_completeness_percent_of_expected_dasawisma_reports(client, cast):
    _report(cast.dw, 1, Status.APPROVED)
    _report(cast.dw_b, 1, Status.SUBMITTED)
    _report(cast.dw_c, 1, Status.RETURNED)
    _report(cast.dw2, 1, Status.APPROVED)  # Belimbing: not expected in Berbas Tengah
    body = _page(client, cast.users["kelurahan"], cast.kel)
    # % dikirim, % disetujui, Diharapkan, Dikirim, Disetujui: 2 of 3 sent (66%, never rounded up), 1 approved
    assert _row(body, "kelengkapan", 1) == ["66%", "33%", "3", "2", "1"]
    assert _row(body, "kelengkapan", 2) == ["0%", "0%", "3", "0", "0"]
    reports = _svgs(body)[3]
    assert f"<title>{label(1)}: % dikirim 66%, % disetujui 33%</title>" in reports
    body = _page(client, cast.users["kota"], cast.kota)
    assert _row(body, "kelengkapan", 1) == ["75%", "50%", "4", "3", "2"]


def test_completeness_has_no_percent_before_a_group_exists(client, cast):
    Unit.objects.filter(level=Level.DASAWISMA).update(active_from=ago(0, 1))
    body = _page(client, cast.users["kelurahan"], cast.kel)
    assert _row(body, "kelengkapan", 1) == ["–", "–", "0", "0", "0"]
    reports = _svgs(body)[3]
    assert f"<title>{label(1)}: % dikirim –, % disetujui –</title>" in reports


# -- key figures -----------------------------------------------------------------------------------


def _tiles(body):
    found = re.findall(r'<dt>(.*?)</dt>\s*<dd class="value">(?:<a [^>]*>)?(\d+)', body)
    return {name: int(value) for name, value in found}


def test_key_figures_of_the_area_today(client, cast):
    admin = cast.users["admin"]
    dimas_balita = int(rules.is_balita(cast.w_dimas, TODAY))
    # A girl of two (balita), a woman of twenty (WUS, not PUS), Rina pregnant now.
    kel_m = f.keluarga(cast.hh_c)
    f.warga(kel_m, "Ayu Wijayakusuma", periods.add_years(TODAY, -2), "P")
    f.warga(kel_m, "Dewi Wijayakusuma", periods.add_years(TODAY, -20), "P")
    ev.kehamilan_record(actor=admin, ibu=cast.w_rina, tanggal_mulai=TODAY - datetime.timedelta(days=20))
    # Not counted: a household that left, and a member who moved away.
    gone = f.rumah_tangga(cast.dw_c, tanggal_keluar=TODAY - datetime.timedelta(days=1))
    kel_gone = f.keluarga(gone)
    f.warga(kel_gone, "Gani Wijayakusuma", datetime.date(1990, 1, 1), "L")
    gina = f.warga(kel_gone, "Gina Wijayakusuma", datetime.date(1995, 1, 1), "P", status_perkawinan="menikah")
    ev.kehamilan_record(actor=admin, ibu=gina, tanggal_mulai=TODAY - datetime.timedelta(days=10))
    f.warga(kel_m, "Pindah Wijayakusuma", datetime.date(1991, 1, 1), "L", status=StatusWarga.PINDAH,
            tanggal_status=TODAY - datetime.timedelta(days=3))  # fmt: skip

    tiles = _tiles(_page(client, cast.users["kelurahan"], cast.kel))
    assert tiles == {
        "Warga": 7,  # Hendra, Rina, Dimas, Sumiati, Bambang, Ayu, Dewi
        "Rumah tangga": 3,
        "Keluarga (KK)": 4,
        "Balita": 1 + dimas_balita,
        "PUS": 1,
        "WUS": 2,
        "Lansia": 1,
        "3 buta": 1,
        "Berkebutuhan khusus": 1,
        "Rumah tidak sehat layak huni": 1,
        "Ibu hamil saat ini": 1,
    }
    kota = _tiles(_page(client, cast.users["kota"], cast.kota))
    assert (kota["Warga"], kota["Rumah tangga"], kota["PUS"]) == (9, 4, 2)  # + Togar and Maria Siregar


def test_tiles_link_to_the_intervention_lists(client, cast):
    body = _page(client, cast.users["kelurahan"], cast.kel)
    assert f"{reverse('households:intervensi', args=[cast.kel.pk])}?daftar=buta" in body
    # The 3 buta tile says L/P.
    assert "L 0 · P 1" in body


# -- who sees it -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "attr", "status"),
    [
        ("kelurahan", "kel", 200),
        ("sekretaris", "kel", 200),
        ("kecamatan", "kel", 200),
        ("kecamatan", "kec", 200),
        ("kota", "kota", 200),
        ("admin", "prov", 200),
        ("kota", "prov", 404),  # above the role
        ("kecamatan", "kec2", 404),  # a sibling kecamatan
        ("outsider", "kel", 404),
        ("rw", "kel", 404),
        ("rt", "kel", 404),
        ("kader", "kel", 404),
        ("admin", "rt", 404),  # no dashboard below the kelurahan
        ("admin", "dw", 404),
        ("kelurahan", "rw", 404),
    ],
)
def test_who_sees_the_dashboard(client, cast, role, attr, status):
    client.force_login(cast.users[role])
    response = client.get(reverse("recaps:dasbor", args=[getattr(cast, attr).pk]))
    assert response.status_code == status


def test_below_the_kelurahan_a_message_points_to_the_kelurahan(client, cast):
    client.force_login(cast.users["kelurahan"])
    response = client.get(reverse("recaps:dasbor", args=[cast.rt.pk]))
    body = response.content.decode()
    assert response.status_code == 404
    assert dashboard.NOT_AVAILABLE in body
    assert reverse("recaps:dasbor", args=[cast.kel.pk]) in body
    assert "<svg" not in body


def test_outside_the_area_nothing_leaks(client, cast):
    client.force_login(cast.users["outsider"])
    response = client.get(reverse("recaps:dasbor", args=[cast.rt.pk]))
    assert response.status_code == 404
    assert "Berbas" not in response.content.decode() and dashboard.NOT_AVAILABLE not in response.content.decode()


def test_home_links_to_the_dashboard_and_the_recap(client, cast):
    client.force_login(cast.users["kelurahan"])
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("recaps:dasbor", args=[cast.kel.pk])}">Dasbor<' in body
    assert f'href="{reverse("recaps:rekap", args=[cast.kel.pk])}">Rekap<' in body
    client.force_login(cast.users["rt"])
    body = client.get(reverse("home")).content.decode()
    assert ">Dasbor<" not in body
    assert f'href="{reverse("recaps:rekap", args=[cast.rt.pk])}">Rekap<' in body


# -- the SVG ---------------------------------------------------------------------------------------


def test_unit_names_are_escaped_in_the_svg(client, cast):
    Unit.objects.filter(pk=cast.kel.pk).update(name='Berbas <Tengah> & "Co"')
    body = _page(client, cast.users["kelurahan"], cast.kel)
    charts = _svgs(body)
    assert len(charts) == 4
    for chart in charts:
        assert "<Tengah>" not in chart
        # Well-formed XML, and the name reads back exactly as typed (escaped once, not twice).
        desc = ET.fromstring(chart).find("{http://www.w3.org/2000/svg}desc").text
        assert 'Berbas <Tengah> & "Co"' in desc


def test_svg_builder_escapes_every_text():
    ticks = [svg.Tick(("<b>", "&"), "<i>full</i>"), svg.Tick(("x", ""), "y")]
    series = [svg.Series("<script>alert(1)</script>", (1, None)), svg.Series("a&b", (2, 3))]
    for chart in (
        svg.bar_chart(ident='"x', title="<t>", desc="&", ticks=ticks, series=series, highlight=1, highlight_label="<"),
        svg.line_chart(ident="y", title="<t>", desc="&", ticks=ticks, series=series, highlight=0, highlight_label="<"),
    ):
        assert "<script>" not in chart and "<b>" not in chart and "<i>" not in chart
        root = ET.fromstring(chart)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "<script>alert(1)</script>" in texts and "a&b" in texts and "<b>" in texts and "<" in texts
        assert root.find("{http://www.w3.org/2000/svg}title").text == "<t>"


def _bars(chart):
    root = ET.fromstring(chart)
    return [
        float(r.get("height"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        for r in g.findall("{http://www.w3.org/2000/svg}rect")
        if r.get("fill-opacity") != "0"
    ]


def test_bars_are_proportional_and_stacked():
    ticks = [svg.Tick((m,), m) for m in ("Jan", "Feb", "Mar")]
    chart = svg.bar_chart(ident="c", title="t", desc="d", ticks=ticks,
                          series=[svg.Series("a", (1, 2, 0)), svg.Series("b", (0, 2, 0))])  # fmt: skip
    a1, a2, b2 = _bars(chart)
    assert a2 == pytest.approx(2 * a1) and b2 == pytest.approx(a2)
    # An empty month still has its tooltip.
    assert "<title>Mar: a 0, b 0; jumlah 0</title>" in chart


def test_line_chart_leaves_a_gap_where_there_is_no_value():
    ticks = [svg.Tick((m,), m) for m in ("Jan", "Feb", "Mar")]
    chart = svg.line_chart(ident="c", title="t", desc="d", ticks=ticks, top=100, suffix="%",
                           series=[svg.Series("a", (10, None, 30))])  # fmt: skip
    path = re.search(r'<path d="([^"]+)" fill="none"', chart).group(1)
    assert path.count("M") == 2 and "L" not in path
    assert ">100%</text>" in chart


@pytest.mark.parametrize(
    ("largest", "expected"), [(0, (4, 1)), (1, (1, 1)), (3, (3, 1)), (7, (8, 2)), (41, (60, 20)), (245, (300, 100))]
)
def test_axis_top_holds_the_largest_value(largest, expected):
    assert svg.nice_scale(largest) == expected


def test_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="Seri 's': 2 nilai untuk 1 kolom"):
        svg.bar_chart(ident="c", title="t", desc="d", ticks=[svg.Tick(("a",), "a")], series=[svg.Series("s", (1, 2))])


# -- queries ---------------------------------------------------------------------------------------


HUSBAND, WIFE, BONTANG_BARAT = datetime.date(1980, 1, 1), datetime.date(1990, 1, 1), "647403"


def _grow(cast, dasawisma_count=6):
    """More dasawisma in Belimbing, each with households, members and events of every kind."""
    admin = cast.users["admin"]
    for i in range(dasawisma_count):
        dw = Unit(level=Level.DASAWISMA, code=f"DX{i:02d}", name=f"Anggrek {i}", parent=cast.rt2,
                  active_from=datetime.date(2024, 1, 1))  # fmt: skip
        dw.save()
        for j in range(3):
            kel = f.keluarga(f.rumah_tangga(dw))
            f.warga(kel, f"Kepala {i}{j} Siregar", HUSBAND, "L", status_dalam_keluarga="kepala",
                    status_perkawinan="menikah", nik=f.make_nik(HUSBAND, "L", area=BONTANG_BARAT))  # fmt: skip
            ibu = f.warga(kel, f"Istri {i}{j} Siregar", WIFE, "P", status_dalam_keluarga="istri",
                          status_perkawinan="menikah", nik=f.make_nik(WIFE, "P", area=BONTANG_BARAT))  # fmt: skip
            child_born = periods.add_years(ago(2, 3), -2)
            anak = f.warga(kel, f"Anak {i}{j} Siregar", child_born, "L",
                           nik=f.make_nik(child_born, "L", area=BONTANG_BARAT))  # fmt: skip
            ev.kehamilan_record(actor=admin, ibu=ibu, tanggal_mulai=ago(8, 1))
            ev.kelahiran_record(actor=admin, ibu=ibu, tanggal=ago(4, 2), bayi={"nama": "Bayi", "jenis_kelamin": "P"},
                                akte_kelahiran=True)  # fmt: skip
            ev.kematian_record(actor=admin, warga=anak, tanggal=ago(2, 3), sebab="Sakit")
        Laporan.objects.create(unit=dw, tahun=month(1)[0], bulan=month(1)[1], status=Status.APPROVED)


def _count_queries(client, user, unit):
    """The queries of the dashboard when every dasawisma is counted anew (no kept count: the most),
    the session already written this minute (pkkdata.middleware.SessionRefreshMiddleware)."""
    RingkasanDasawisma.objects.all().delete()
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("recaps:dasbor", args=[unit.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_area(client, recorded, django_assert_max_num_queries):
    small = _count_queries(client, recorded.users["kelurahan"], recorded.kel)
    _grow(recorded)
    assert _count_queries(client, recorded.users["kelurahan"], recorded.kel) == small
    big = _count_queries(client, recorded.users["kota"], recorded.kota)
    assert big == small - 1  # a kelurahan's completeness reads its dasawisma by id first
    client.force_login(recorded.users["admin"])
    # session and user 2, unit 1, events 4, completeness 3, key figures 3, children 1, grants 1, session save 3
    with django_assert_max_num_queries(18):
        body = client.get(reverse("recaps:dasbor", args=[recorded.prov.pk])).content.decode()
    assert _row(body, "kelahiran", 4) == ["0", "18", "18"]
    assert _row(body, "kematian", 2) == ["0", "0", "18", "18"]


@pytest.mark.parametrize("attr", ["kel", "kec", "kota"])
def test_key_figures_agree_with_the_yearly_recap(recorded, cast, attr):
    """Two independent counts of the same people and houses today: the dashboard's tiles and the
    JUMLAH row of the yearly recap (4.17a-c) of the same unit."""
    from recaps import recaps

    unit = getattr(cast, attr)
    today = timezone.localdate()
    figures = dashboard.key_figures(unit, today)
    total = recaps.yearly_recap(unit, today.year, today=today).total
    pairs = {
        "jml_l": "jml_l", "jml_p": "jml_p", "balita_l": "balita_l", "balita_p": "balita_p", "jml_pus": "jml_pus",
        "jml_wus": "jml_wus", "ibu_hamil": "ibu_hamil", "ibu_menyusui": "ibu_menyusui", "lansia": "lansia",
        "berkebutuhan_khusus": "berkebutuhan_khusus", "rumah_tangga": "jml_krt", "jml_kk": "jml_kk",
        "rumah_tidak_sehat": "rumah_tidak_sehat",
    }  # fmt: skip
    assert {k: figures[k] for k in pairs} == {k: total[v] for k, v in pairs.items()}
    buta = total["buta_l"] + total["buta_p"] if "buta_l" in total else total["buta"]
    assert figures["buta_l"] + figures["buta_p"] == buta
    assert figures["jml_l"] + figures["jml_p"] > 0  # the cast's people are there
