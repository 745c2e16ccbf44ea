"""The recap screens: a user sees the recap of their unit and of the units below (one link per row to
that unit's recap), nothing outside their area, the period chooser, the data switch with its labels,
the edition switch, and a constant number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hierarchy.levels import Level
from hierarchy.models import Unit
from households.models import Kehamilan
from households.tests import factories as f
from pkkdata import periods
from recaps.models import RingkasanDasawisma
from reports import workflow

D = datetime.date
MONTH = (2026, 3)


def yearly_url(unit, tahun=2026, query=""):
    return reverse("recaps:rekap_tahunan", args=[unit.pk, tahun]) + query


def monthly_url(unit, tahun=2026, bulan=3, query=""):
    return reverse("recaps:rekap_bulanan", args=[unit.pk, tahun, bulan]) + query


def get(client, cast, role, url):
    client.force_login(cast.users[role])
    return client.get(url)


def body_of(response):
    assert response.status_code == 200
    return response.content.decode()


def jumlah(body):
    """The numbers of the JUMLAH row, as printed."""
    foot = re.search(r"<tfoot>(.*?)</tfoot>", body, re.S).group(1)
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", foot)]


def header_cells(body):
    head = re.search(r"<thead>(.*?)</thead>", body, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


@pytest.fixture
def march(cast):
    """Rina pregnant in March 2026; Melati 1's March report approved by the RT."""
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=D(2026, 2, 1))
    report = workflow.get_report(cast.dw, *MONTH)
    report = workflow.report_submit(actor=cast.users["ketua_dasawisma"], report=report, expected_version=0)
    workflow.report_approve(actor=cast.users["rt"], report=report, expected_version=report.version)
    return cast


def test_kelurahan_sees_its_recap_with_a_link_per_row(client, cast):
    body = body_of(get(client, cast, "kelurahan", yearly_url(cast.kel)))
    assert "Rekap 4.17a" in body and "TP PKK DESA/KELURAHAN" in body
    assert f'href="{yearly_url(cast.rw)}">RW 01</a>' in body
    assert f'href="{yearly_url(cast.rt_b)}">RT 002</a>' in body
    # JML RW, RT, Dasawisma, KRT, KK, then Total L and P: 3 households, Hendra, Dimas, Bambang, Rina, Sumiati.
    assert jumlah(body)[:7] == [1, 2, 3, 3, 3, 3, 2]
    assert 'class="table-scroll"' in body
    assert "Keadaan per" in body


def test_a_user_sees_the_units_below_but_not_outside(client, cast):
    assert get(client, cast, "kelurahan", yearly_url(cast.rt)).status_code == 200
    assert get(client, cast, "kelurahan", monthly_url(cast.rw)).status_code == 200
    assert get(client, cast, "kelurahan", yearly_url(cast.kel2)).status_code == 404
    assert get(client, cast, "kelurahan", yearly_url(cast.kec)).status_code == 404
    assert get(client, cast, "rt", yearly_url(cast.rt_b)).status_code == 404
    body = body_of(get(client, cast, "rt", yearly_url(cast.rt)))
    assert "Berbas Tengah" in body  # the area block names the kelurahan above
    assert f'href="{yearly_url(cast.kel)}"' not in body  # but the crumbs link only what the RT sees


def test_rows_of_a_dasawisma_link_to_the_households(client, cast):
    body = body_of(get(client, cast, "kader", yearly_url(cast.dw)))
    assert "Rekap 4.16a" in body and "NAMA KEPALA RUMAH TANGGA" in body
    detail = reverse("households:rumah_tangga_detail", args=[cast.hh_a.pk])
    assert f'href="{detail}">Hendra Wijayakusuma</a>' in body
    assert "Bambang" not in body
    today = timezone.localdate()
    month = (2026, 12) if today.year > 2026 else periods.shift_month(today.year, today.month, -1)
    assert f'href="{reverse("reports:laporan_unit", args=[cast.dw.pk, *month])}">Rekap bulanan' in body


def test_a_dasawisma_month_is_its_report_page(client, cast):
    response = get(client, cast, "kader", monthly_url(cast.dw))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:laporan_unit", args=[cast.dw.pk, *MONTH])


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("recaps:rekap_bulanan", args=[c.kel.pk, 2026, 13]),
        lambda c: reverse("recaps:rekap_bulanan", args=[c.kel.pk, 2026, 0]),
        lambda c: reverse("recaps:rekap_tahunan", args=[c.kel.pk, 1800]),
        lambda c: reverse("recaps:rekap_tahunan", args=[c.kel.pk, 2101]),
    ],
)
def test_a_period_that_does_not_exist_is_404(client, cast, url):
    assert get(client, cast, "kelurahan", url(cast)).status_code == 404


def test_monthly_shows_approved_numbers_and_what_is_missing(client, march):
    body = body_of(get(client, march, "kelurahan", monthly_url(march.kel)))
    assert "Rekap 4.19a" in body and "Angka yang disetujui." in body
    assert "2 dari 3 laporan dasawisma belum disetujui" in body
    assert "Terakhir disetujui oleh Rt" in body
    assert 'aria-current="true">Angka yang disetujui</a>' in body
    # JML RW, RT, Dasawisma, then Hamil: Rina, approved.
    assert jumlah(body)[:4] == [1, 2, 3, 1]
    # a dasawisma row opens its 4.18a report page
    rt_body = body_of(get(client, march, "rt", monthly_url(march.rt)))
    assert f'href="{reverse("reports:laporan_unit", args=[march.dw.pk, *MONTH])}">Melati 1</a>' in rt_body


def test_the_data_switch_shows_current_data_clearly_labelled(client, march):
    mother = f.warga(march.hh_c.keluarga.get(), "Ani Wijayakusuma", D(1999, 9, 9), "P", status_perkawinan="menikah")
    Kehamilan.objects.create(ibu=mother, tanggal_mulai=D(2026, 1, 10))
    approved = body_of(get(client, march, "kelurahan", monthly_url(march.kel)))
    current = body_of(get(client, march, "kelurahan", monthly_url(march.kel, query="?data=terkini")))
    assert jumlah(approved)[3] == 1 and jumlah(current)[3] == 2
    assert "Data terkini, belum tentu disetujui." in current and "Angka yang disetujui." not in current
    assert 'aria-current="true">Data terkini, belum tentu disetujui</a>' in current
    # the row links keep the choice
    assert f'href="{monthly_url(march.rw, query="?data=terkini")}">RW 01</a>' in current
    # anything else is the default
    assert jumlah(body_of(get(client, march, "kelurahan", monthly_url(march.kel, query="?data=x"))))[3] == 1


def test_the_edition_switch(client, cast):
    x = body_of(get(client, cast, "kelurahan", yearly_url(cast.kel)))
    old = body_of(get(client, cast, "kelurahan", yearly_url(cast.kel, query="?edisi=rakernas-viii")))
    assert "Memiliki Sarana MCK dan Septic Tank" in header_cells(x) and "Menempel Stiker P4K" not in header_cells(x)
    assert "Menempel Stiker P4K" in header_cells(old) and "Memiliki Jamban Keluarga" in header_cells(old)
    assert "Memiliki Sarana MCK dan Septic Tank" not in header_cells(old)
    assert f'href="{yearly_url(cast.rw, query="?edisi=rakernas-viii")}">RW 01</a>' in old
    unknown = body_of(get(client, cast, "kelurahan", yearly_url(cast.kel, query="?edisi=rakernas-ix")))
    assert header_cells(unknown) == header_cells(x)


def test_the_merged_group_headers(client, cast):
    cells = header_cells(body_of(get(client, cast, "kota", yearly_url(cast.kota))))
    assert cells[:3] == ["No", "NAMA KECAMATAN", "JML Desa/Kel"]
    assert "JUMLAH ANGGOTA KELUARGA" in cells and "KRITERIA RUMAH" in cells and "3 Buta L" in cells


def test_the_chooser_redirects_to_the_period_it_names(client, cast):
    client.force_login(cast.users["kelurahan"])
    url = reverse("recaps:rekap", args=[cast.kel.pk])
    assert client.get(url)["Location"] == yearly_url(cast.kel, timezone.localdate().year)
    assert client.get(url, {"tahun": "2025", "bulan": ""})["Location"] == yearly_url(cast.kel, 2025)
    assert client.get(url, {"tahun": "2025", "bulan": "3", "data": "terkini"})["Location"] == monthly_url(
        cast.kel, 2025, 3, "?data=terkini"
    )
    assert client.get(url, {"tahun": "2025", "edisi": "rakernas-viii"})["Location"] == yearly_url(
        cast.kel, 2025, "?edisi=rakernas-viii"
    )
    response = client.get(url, {"tahun": "1800"}, follow=True)
    this_year = timezone.localdate().year
    assert response.status_code == 200 and f"Pilih tahun 2000–{this_year}" in response.content.decode()
    # a period that has not begun: today's numbers under a future label would mislead
    response = client.get(url, {"tahun": str(this_year + 1)}, follow=True)
    assert response.status_code == 200 and "bulan yang sudah berjalan" in response.content.decode()
    assert client.get(yearly_url(cast.kel, this_year + 1)).status_code == 404
    response = client.get(url, {"tahun": "2025", "bulan": "13"}, follow=True)
    assert response.status_code == 200 and "Pilih tahun" in response.content.decode()
    assert client.get(reverse("recaps:rekap", args=[cast.kel2.pk]), {"tahun": "2025"}).status_code == 404


def test_a_provinsi_month_says_there_is_no_such_form(client, cast):
    body = body_of(get(client, cast, "admin", monthly_url(cast.prov)))
    assert "Tidak ada rekap bulanan" in body


def _queries(client, url):
    """Queries of one page with nothing kept (recaps.ringkasan: every dasawisma counted, the most)."""
    RingkasanDasawisma.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("monthly", [False, True])
def test_the_page_takes_the_same_queries_with_many_rows(client, cast, monthly, django_assert_max_num_queries):
    client.force_login(cast.users["kelurahan"])
    url = monthly_url(cast.kel) if monthly else yearly_url(cast.kel)
    few = _queries(client, url)
    for n in range(12):
        rt = Unit(
            level=Level.RT, code=f"{n + 10:03d}", name=f"{n + 10:03d}", parent=cast.kel, active_from=D(2024, 1, 1)
        )
        rt.save()
        dw = Unit(level=Level.DASAWISMA, code="DW01", name=f"Baru {n}", parent=rt, active_from=D(2024, 1, 1))
        dw.save()
        f.warga(f.keluarga(f.rumah_tangga(dw)), f"Warga {n}", D(1980, 1, 1), "L", status_dalam_keluarga="kepala")
    RingkasanDasawisma.objects.all().delete()
    with django_assert_max_num_queries(few):
        body = body_of(client.get(url))
    assert body.count('<th scope="row" class="name"><a') == 14
