"""Closing a year (recaps.closing, manage.py tutup_tahun): the yearly recaps of a closed year keep the
numbers of 31 December whatever is entered, corrected or moved afterwards; the running year follows
the data; the cross-level invariant holds on the snapshots."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from documents.exporters import Period, get_exporter
from households import services
from households.models import Warga
from households.tests import factories as f
from pkkdata import periods
from recaps import recaps
from recaps.closing import close_year
from recaps.models import PotretTahunan

D = datetime.date


def numbers(cast, tahun=2025):
    """{unit name: its JUMLAH} over the chain Melati 1 -> RT 001 -> RW 01 -> kelurahan -> kecamatan, each
    asserted equal to its row one level up, for keys every level's form has; and the recaps."""

    def pick(values):
        return tuple(values.get(k, 0) for k in ("jml_kk", "jml_l", "jml_p", "lansia"))

    chain = [cast.rt, cast.rw, cast.kel, cast.kec, cast.kota]
    recap = {u.pk: recaps.yearly_recap(u, tahun) for u in [cast.dw, *chain]}
    found = {}
    for child, parent in zip([cast.dw, *chain[:-1]], chain, strict=True):
        row = next(r for r in recap[parent.pk].rows if r.unit_id == child.pk)
        assert pick(recap[child.pk].total) == pick(row.values), (child, parent)
        found[child.name] = pick(recap[child.pk].total)
    return found, recap


def test_a_closed_year_keeps_its_numbers_whatever_happens_afterwards(cast):
    before, recap = numbers(cast)
    assert recap[cast.kel.pk].closed_at is None
    rows_416a = [(r.label, r.values) for r in recap[cast.dw.pk].rows]
    assert close_year(2025) == 4  # every dasawisma active on 31 December 2025
    closed, recap = numbers(cast)
    assert closed == before and recap[cast.kel.pk].closed_at is not None
    assert [(r.label, r.values) for r in recap[cast.dw.pk].rows] == rows_416a

    # 2026: a household entered, a member found to be buta, a household moved to another RT
    household = f.rumah_tangga(cast.dw, alamat="Jl. Melati 1 No. 20")
    f.warga(f.keluarga(household), "Yusuf Wijayakusuma", D(1970, 1, 1), "L", status_dalam_keluarga="kepala")
    Warga.objects.filter(pk=cast.w_hendra.pk).update(buta_baca=True)
    services.rumah_tangga_move(actor=cast.users["kelurahan"], rumah_tangga=cast.hh_b, dasawisma=cast.dw_c)

    after, recap = numbers(cast)
    assert after == before  # at every level of the chain, 2025 is as it was
    assert [(r.label, r.values) for r in recap[cast.dw.pk].rows] == rows_416a
    running, _recap = numbers(cast, 2026)  # the running year follows the data
    assert running["Melati 1"] != before["Melati 1"]


def test_an_unclosed_past_year_is_counted_from_todays_data_and_says_so(cast, client):
    f.rumah_tangga(cast.dw, alamat="Jl. Melati 1 No. 30")
    assert recaps.yearly_recap(cast.kel, 2025).closed_at is None
    client.force_login(cast.users["kelurahan"])
    url = reverse("recaps:rekap_tahunan", args=[cast.kel.pk, 2025])
    assert "Tahun ini belum ditutup" in client.get(url).content.decode()
    call_command("tutup_tahun", "--tahun", "2025", stdout=io.StringIO())
    assert "disimpan saat tahun ditutup" in client.get(url).content.decode()
    running = client.get(reverse("recaps:rekap_tahunan", args=[cast.kel.pk, 2026])).content.decode()
    assert "(tahun berjalan)" in running


def test_closing_twice_adds_only_what_is_missing_and_the_running_year_is_refused(cast):
    out = io.StringIO()
    call_command("tutup_tahun", stdout=out)  # last year by default: 2025 on the test clock
    assert "Tahun 2025 ditutup: 4 dasawisma" in out.getvalue()
    first = list(PotretTahunan.objects.order_by("pk").values_list("pk", "fakta"))
    assert close_year(2025) == 0
    assert list(PotretTahunan.objects.order_by("pk").values_list("pk", "fakta")) == first
    with pytest.raises(CommandError, match="belum selesai"):
        call_command("tutup_tahun", "--tahun", "2026", stdout=io.StringIO())


def _xlsx_texts(cast, unit, tahun):
    result = get_exporter("4.17a").render(
        user=cast.users["kelurahan"], target=unit, period=Period(tahun), edition="rakernas-x", fmt="xlsx", options={}
    )
    ws = load_workbook(io.BytesIO(result.content)).active
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_the_files_say_whether_the_year_is_closed(cast):
    assert "Keadaan per 31 Desember 2025, dihitung dari data sekarang (tahun belum ditutup)." in _xlsx_texts(
        cast, cast.kel, 2025
    )
    close_year(2025)
    closed = [t for t in _xlsx_texts(cast, cast.kel, 2025) if t.startswith("Keadaan per")]
    assert closed and closed[0].startswith("Keadaan per 31 Desember 2025 (tahun ditutup ")
    today = periods.date_label(timezone.localdate())
    assert f"Keadaan per {today} (tahun berjalan)." in _xlsx_texts(cast, cast.kel, 2026)
