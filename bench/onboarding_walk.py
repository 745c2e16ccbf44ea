"""The README's "Memulai untuk TP PKK", walked in a real browser and counted: from an empty installation
(the official area codes of Kota Bontang and one administrator) to a cadre of the example workbook
(docs/examples/kelompok-kader-contoh.xlsx) logged in with her own password.

    /path/to/venv-with-playwright/bin/python bench/onboarding_walk.py [--screenshots DIR]

Needs Python Playwright (pip install playwright) and Debian's chromium (/usr/bin/chromium); neither is
in requirements-dev.txt. The script makes a SQLite database in a temporary folder, migrates it, imports
the official codes of Kota Bontang, creates the administrator with a random password (kept by nobody),
starts `manage.py runserver` on a free port with the project's .venv, and then, at 360 px wide, as a
person would:

1. the administrator opens Kota Bontang and creates the TP PKK kota account (one-time password);
2. TP PKK kota logs in, chooses her own password, opens Kelurahan Bontang Kuala, uploads the example
   workbook, looks at the preview and saves: the handover page shows 46 slips;
3. one ketua dasawisma logs in with the one-time password of her slip and chooses her own.

It prints the clicks (buttons and links), the fields typed and the files chosen per step, and the wall
time of each step (the browser's and the server's time, not a person's reading time).
"""

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "kelompok-kader-contoh.xlsx"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


class Counter:
    def __init__(self, page, shots):
        self.page, self.shots = page, shots
        self.steps, self.current = [], None

    def step(self, name):
        self.current = {"name": name, "clicks": 0, "typed": 0, "files": 0, "started": time.perf_counter()}
        self.steps.append(self.current)

    def click(self, locator):
        self.current["clicks"] += 1
        locator.click()
        self.page.wait_for_load_state()

    def type(self, locator, value):
        self.current["typed"] += 1
        locator.fill(value)

    def file(self, locator, path):
        self.current["files"] += 1
        locator.set_input_files(str(path))

    def shot(self, name):
        if self.shots:
            self.page.screenshot(path=str(Path(self.shots) / f"{name}.png"), full_page=True)

    def done(self):
        self.current["seconds"] = time.perf_counter() - self.current["started"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args):
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "manage.py"), *args], check=True, env=env,
                   cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip


def _login(c, base, username, password):
    page = c.page
    page.goto(f"{base}/masuk/")
    c.type(page.locator("#id_username"), username)
    c.type(page.locator("#id_password"), password)
    c.click(page.get_by_role("button", name="Masuk"))


def _choose_password(c, old, new):
    page = c.page
    assert page.url.endswith("/sandi/"), page.url
    c.type(page.locator("#id_old_password"), old)
    c.type(page.locator("#id_new_password1"), new)
    c.type(page.locator("#id_new_password2"), new)
    c.click(page.get_by_role("button", name="Simpan kata sandi baru"))


def _logout(page):
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("button", name=re.compile("^Keluar")).click()
    page.wait_for_load_state()


def walk(base, admin_password, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        c = Counter(page, shots)

        c.step("administrator: akun TP PKK kota")
        _login(c, base, "admin", admin_password)
        c.click(page.locator("summary", has_text="Menu"))
        c.click(page.get_by_role("link", name="Wilayah & kelompok"))
        c.click(page.get_by_role("link", name=re.compile("Kota Bontang")))  # one province: its page opens
        c.click(page.get_by_role("link", name="+ Akun di satuan ini"))
        c.type(page.locator("#id_username"), "tp-kota")
        c.type(page.locator("#id_first_name"), "Wulan Sari")
        c.type(page.locator("#id_phone"), "081234500001")
        c.click(page.get_by_role("button", name="Simpan"))
        one_time = page.locator(".handover-list .secret").nth(1).inner_text()
        c.shot("1-akun-kota")
        c.done()
        _logout(page)

        c.step("TP PKK kota: kelompok dan kader satu kelurahan")
        _login(c, base, "tp-kota", one_time)
        own = "Sandi-" + secrets.token_urlsafe(8)
        _choose_password(c, one_time, own)
        c.click(page.locator("summary", has_text="Menu"))
        c.click(page.get_by_role("link", name="Wilayah & kelompok"))
        c.click(page.get_by_role("link", name=re.compile("Bontang Utara")))  # her kota's page opens
        c.click(page.get_by_role("link", name=re.compile("Bontang Kuala")))
        c.click(page.get_by_role("link", name="Kelompok dan kader dari Excel"))
        c.shot("2-unggah")
        c.file(page.locator("input[type=file]"), EXAMPLE)
        c.click(page.get_by_role("button", name="Unggah dan periksa"))
        c.shot("3-pratinjau")
        c.click(page.get_by_role("button", name=re.compile("^Simpan")))
        slips = page.locator(".handover-list li")
        count = slips.count()
        c.shot("4-serah-terima")
        if shots:  # the slips as the browser prints them on A4
            page.pdf(path=str(Path(shots) / "4-slip.pdf"), format="A4")
        first = slips.filter(has_text="Ketua Dasawisma").first
        username = first.locator(".secret").nth(0).inner_text()
        password = first.locator(".secret").nth(1).inner_text()
        c.done()
        _logout(page)

        c.step("ketua dasawisma: masuk pertama kali")
        _login(c, base, username, password)
        _choose_password(c, password, "Sandi-" + secrets.token_urlsafe(8))
        c.shot("5-beranda-kader")
        home = page.url
        c.done()
        browser.close()
    return c.steps, count, home


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenshots", metavar="DIR", help="save a screenshot of each page here")
    args = parser.parse_args()
    if args.screenshots:
        Path(args.screenshots).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        admin_password = secrets.token_urlsafe(16)
        env = dict(
            os.environ,
            DEBUG="1",
            DATABASE_URL=f"sqlite:///{folder}/walk.sqlite3",
            PRIVATE_DIR=f"{folder}/private",
            DJANGO_SUPERUSER_PASSWORD=admin_password,
        )
        _manage(env, "migrate", "-v", "0")
        _manage(env, "import_wilayah", "--kode", "64.74")
        _manage(env, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.invalid")
        port = _free_port()
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "manage.py"), "runserver", "--noreload",
             f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            steps, slips, home = walk(base, admin_password, args.screenshots)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"slips on the handover page: {slips}; the cadre ends on {home.removeprefix(base)}")
    print("| step | clicks | fields typed | files chosen | seconds |")
    print("|---|---|---|---|---|")
    for s in steps:
        print(f"| {s['name']} | {s['clicks']} | {s['typed']} | {s['files']} | {s['seconds']:.1f} |")
    total = {k: sum(s[k] for s in steps) for k in ("clicks", "typed", "files", "seconds")}
    print(f"| all | {total['clicks']} | {total['typed']} | {total['files']} | {total['seconds']:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
