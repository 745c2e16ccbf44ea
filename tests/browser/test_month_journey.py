"""Journey 3 of issue 12, in a real browser at 360 px, each person in her own browser: the ketua
dasawisma sends last month's report (a month that is over), the ketua RT returns it with a reason, the
ketua dasawisma reads the reason and sends it again, the RT approves, the kelurahan approves the RT's
report, and the kota downloads 4.19c as XLSX and PDF with the month's birth in it. Every page passed is
checked by axe-core."""

import datetime
import io
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hierarchy.levels import Level
from hierarchy.models import Unit
from pkkdata.periods import add_months
from recaps.recaps import monthly_recap
from reports import services as event_services
from reports import workflow
from reports.models import Laporan
from tests.browser.conftest import PASSWORD, SHOTS
from tests.browser.helpers import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _last_month():
    day = add_months(timezone.localdate(), -1)
    return day.year, day.month


def _others_approved(cast, tahun, bulan):
    """Every other dasawisma of the kelurahan sent as nihil and approved, and the RT reports that makes
    go up, so that Melati 1's report is the one the chain waits for."""
    for dasawisma in Unit.objects.filter(desa=cast.kel, level=Level.DASAWISMA).exclude(pk=cast.dw.pk):
        report = workflow.get_report(dasawisma, tahun, bulan)
        report = workflow.report_submit(actor=cast.admin, report=report, expected_version=report.version, nihil=True)
        workflow.report_approve(actor=cast.admin, report=report, expected_version=report.version)


class People:
    """One browser context per person, logged in through the form."""

    def __init__(self, browser, args, base, failures, shot_folder):
        self.browser, self.args, self.base, self.failures = browser, args, base, failures
        self.pages, self.folder, self.count = {}, shot_folder, 0

    def __call__(self, username):
        if username not in self.pages:
            context = self.browser.new_context(**self.args)
            page = context.new_page()
            page.goto(f"{self.base}/masuk/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            page.wait_for_load_state()
            self.pages[username] = page
        return self.pages[username]

    def check(self, page, where):
        self.failures.extend(f"{where}: {v}" for v in serious_violations(page))
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{where}.png"), full_page=True)


def test_a_month_goes_up_the_chain_and_comes_down_as_the_kota_recap(
    live_server, browser, browser_context_args, cast_live, tmp_path, request
):
    cast, failures = cast_live, []
    tahun, bulan = _last_month()
    birth_day = datetime.date(tahun, bulan, 10)
    event_services.kelahiran_record(
        actor=cast.users["kader"], ibu=cast.w_rina, tanggal=birth_day,
        bayi={"nama": "Bayi Ny. Rina", "jenis_kelamin": "P"}, akte_kelahiran=False, confirm_without_pregnancy=True,
    )  # fmt: skip
    _others_approved(cast, tahun, bulan)
    folder = SHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    people = People(browser, browser_context_args, live_server.url, failures, folder)
    report_url = live_server.url + reverse("reports:laporan_unit", args=[cast.dw.pk, tahun, bulan])

    ketua = people("ketua_dasawisma")
    ketua.goto(report_url)
    people.check(ketua, "ketua-laporan")
    ketua.get_by_role("button", name="Kirim ke RT").click()
    ketua.wait_for_load_state()
    assert Laporan.objects.get(unit=cast.dw, tahun=tahun, bulan=bulan).status == "dikirim"

    rt = people("rt")
    rt.goto(live_server.url + "/")
    people.check(rt, "rt-beranda")
    rt.goto(report_url)
    rt.locator("summary", has_text="Kembalikan").click()
    rt.fill("textarea[name=alasan]", "Tanggal lahir bayi Ny. Rina perlu diperiksa lagi.")
    people.check(rt, "rt-kembalikan")
    rt.get_by_role("button", name="Kembalikan laporan").click()
    rt.wait_for_load_state()
    assert Laporan.objects.get(unit=cast.dw, tahun=tahun, bulan=bulan).status == "dikembalikan"

    ketua.goto(report_url)
    assert "perlu diperiksa lagi" in ketua.content()
    people.check(ketua, "ketua-dikembalikan")
    ketua.get_by_role("button", name="Kirim ke RT").click()
    ketua.wait_for_load_state()

    rt.goto(report_url)
    rt.get_by_role("button", name="Setujui", exact=True).click()
    rt.wait_for_load_state()
    assert Laporan.objects.get(unit=cast.dw, tahun=tahun, bulan=bulan).status == "disetujui"

    # RT 001's report went up by itself; the kelurahan approves it on her page of the month.
    kelurahan = people("kelurahan")
    kelurahan.goto(live_server.url + reverse("reports:laporan_unit", args=[cast.kel.pk, tahun, bulan]))
    people.check(kelurahan, "kelurahan-bulan")
    kelurahan.locator(f"#laporan-{Laporan.objects.get(unit=cast.rt, tahun=tahun, bulan=bulan).pk}").get_by_role(
        "button", name="Setujui", exact=True
    ).click()
    kelurahan.wait_for_load_state()
    assert Laporan.objects.get(unit=cast.rt, tahun=tahun, bulan=bulan).status == "disetujui"

    kota = people("kota")
    kota.goto(live_server.url + reverse("recaps:dasbor", args=[cast.kota.pk]))
    people.check(kota, "kota-dasbor")
    download = live_server.url + reverse("recaps:rekap_unduh_bulanan", args=[cast.kota.pk, tahun, bulan])
    recap = monthly_recap(cast.kota, tahun, bulan)
    assert recap.total["bayi_lahir_p"] == 1  # the approved numbers hold the birth
    for fmt in ("xlsx", "pdf"):
        kota.goto(download)
        people.check(kota, f"kota-unduh-{fmt}")
        kota.locator(f'[name="format"][value="{fmt}"], select[name="format"]').first.evaluate(
            "(e, v) => { if (e.tagName === 'SELECT') { e.value = v; } else { e.checked = true; } }", fmt
        )
        with kota.expect_download() as info:
            kota.get_by_role("button", name="Unduh berkas").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name.startswith("rekap-4.19c_64.74_") and path.suffix == f".{fmt}"
        if fmt == "xlsx":
            ws = load_workbook(io.BytesIO(path.read_bytes())).active
            keys = [column.key for column in recap.columns]
            jumlah = next(row for row in ws.iter_rows(values_only=True) if row[0] == "JUMLAH")
            assert jumlah[2 + keys.index("bayi_lahir_p")] == 1
        else:
            assert path.read_bytes().startswith(b"%PDF")
    assert failures == []
