"""bin/backup and bin/restore (issue 13, pkkdata/backup.py): a backup restores into an empty database
with every recap of the kota for the last twelve months, and every verification code, as they were.

Each script runs as an operator runs it (a subprocess with DATABASE_URL). What a database holds is read
by `manage.py shell` against that database (SNAPSHOT: the kota's monthly recaps 4.19c of the last twelve
months, approved and current, its yearly recaps 4.17c of the years they touch in both editions, last
year's read from its closing snapshots, the rows of every table, and a registered recap file's
verification row), so the source and the restored database are compared by the same code.

- SQLite: pytest-django's SQLite test database lives in memory, out of reach of another process, so
  the demo is built in a file in tmp_path by `migrate` and `seed_demo` (about 25 s in all, 2 cores).
- PostgreSQL (only when the run is on PostgreSQL): the demo is built in the run's test database,
  committed (a transactional test) so that pg_dump sees it, and restored into a new database that
  the test drops at its end (about 30 s).
- Refusals, on a small SQLite file: a backup with one byte changed, a missing checksum file, a
  target that is not empty; a failed backup leaves no file behind; a backup taken while another
  connection is writing holds what was committed.
"""

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from demo.seed import seed_demo
from pkkdata import periods

ROOT = Path(__file__).resolve().parent.parent
KOTA = "64.74"

# Printed by `manage.py shell -c` against a database: everything the comparison looks at, as JSON.
SNAPSHOT = """
import dataclasses, datetime, json, os
from django.apps import apps
from documents import verification
from documents.exporters import EDITIONS
from hierarchy.levels import Level
from hierarchy.models import Unit
from pkkdata import periods
from recaps import recaps

today = datetime.date.fromisoformat(os.environ["BK_TODAY"])
kota = Unit.objects.get(level=Level.KABKOTA, code=os.environ["BK_KOTA"])

def dump(recap):
    return {
        "form": recap.form.lampiran,
        "rows": [[row.code, row.label, row.level, row.values] for row in recap.rows],
        "total": recap.total,
        "area": recap.area,
        "as_of": recap.as_of,
        "closed_at": recap.closed_at,
        "approval": dataclasses.asdict(recap.approval) if recap.approval else None,
    }

months = [periods.shift_month(today.year, today.month, -back) for back in range(12)]
out = {"monthly": {}, "yearly": {}}
for tahun, bulan in months:
    for data in recaps.DATA_CHOICES:
        out["monthly"][f"{tahun}-{bulan:02d} {data}"] = dump(recaps.monthly_recap(kota, tahun, bulan, data))
for tahun in sorted({tahun for tahun, _ in months} | {today.year - 1}):
    for edition in EDITIONS:
        out["yearly"][f"{tahun} {edition}"] = dump(recaps.yearly_recap(kota, tahun, edition, today=today))
out["tables"] = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
dokumen = verification.find(os.environ["BK_CODE"])
out["dokumen"] = dokumen and {
    "kode": dokumen.kode, "formulir": dokumen.formulir, "unit": dokumen.unit.code, "tahun": dokumen.tahun,
    "bulan": dokumen.bulan, "sha256": dokumen.sha256, "ukuran": dokumen.ukuran, "jumlah": dokumen.jumlah,
    "keterangan": dokumen.keterangan, "approved_at": dokumen.approved_at, "created_by": dokumen.created_by.username,
}
print(json.dumps(out, default=str, sort_keys=True))
"""


def _run(command, url, **env):
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "HTTPS": "0", "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _ok(result):
    assert result.returncode == 0, f"{result.args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def _manage(url, *args, **env):
    return _ok(_run([sys.executable, "manage.py", *args], url, **env))


def _backup(url, directory):
    """bin/backup into directory; the path it prints."""
    result = _ok(_run(["bash", "bin/backup", str(directory)], url))
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.parent == directory and path.is_file()
    return path


def _restore(path, url):
    return _run(["bash", "bin/restore", str(path)], url)


def _sqlite_url(path):
    return f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/...


def _register_code(url, tmp_path):
    """Download last month's 4.19c of the kota (xlsx) as `manage.py export_recap` does: its code and bytes."""
    tahun, bulan = periods.shift_month(*_this_month(), -1)
    output = tmp_path / "rekap-4.19c.xlsx"
    args = ["--form", "4.19c", "--unit", KOTA, "--year", str(tahun), "--month", str(bulan)]
    result = _manage(url, "export_recap", *args, "--format", "xlsx", "--output", str(output))
    code = re.search(r"kode verifikasi ([0-9A-Z-]+)", result.stdout).group(1)
    return code, output.read_bytes()


def _this_month():
    today = timezone.localdate()
    return today.year, today.month


def _snapshot(url, code):
    today = timezone.localdate().isoformat()
    result = _manage(url, "shell", "--verbosity", "0", "-c", SNAPSHOT, BK_TODAY=today, BK_KOTA=KOTA, BK_CODE=code)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_restored_alike(source_url, restored_url, code, content):
    before = _snapshot(source_url, code)
    after = _snapshot(restored_url, code)
    # The comparison means something: the demo's recaps have numbers, approved ones too, and the code is there.
    approved = [recap for key, recap in before["monthly"].items() if key.endswith("disetujui")]
    assert sum(recap["approval"]["approved"] for recap in approved) > 0
    assert any(any(recap["total"].values()) for recap in approved)
    assert any(recap["closed_at"] for recap in before["yearly"].values())  # last year read from its closing
    assert before["tables"]["households.Warga"] > 1000
    assert before["dokumen"] and before["dokumen"]["kode"] == code
    assert len(before["monthly"]) == 24
    for key in before["monthly"]:
        assert after["monthly"][key] == before["monthly"][key], f"monthly recap {key} differs after the restore"
    for key in before["yearly"]:
        assert after["yearly"][key] == before["yearly"][key], f"yearly recap {key} differs after the restore"
    assert after["tables"] == before["tables"]
    assert after["dokumen"] == before["dokumen"]
    # The downloaded file still verifies against the restored register (the page compares the sha256).
    assert hashlib.sha256(content).hexdigest() == after["dokumen"]["sha256"]
    assert after == before


def _checksum_verifies(path):
    """The checksum file is in sha256sum's format: `sha256sum -c` in the backup folder accepts it."""
    result = subprocess.run(
        ["sha256sum", "-c", path.name + ".sha256"], cwd=path.parent, capture_output=True, text=True, check=False
    )
    return result.returncode == 0


# -- whole demo, SQLite and PostgreSQL ---------------------------------------------------------------


def test_sqlite_backup_restores_every_recap_and_verification_code(tmp_path):
    source_url = _sqlite_url(tmp_path / "sumber.sqlite3")
    _manage(source_url, "migrate", "--noinput", "--verbosity", "0")
    _manage(source_url, "seed_demo", "--seed", "11", "--password", "demo-uji")
    code, content = _register_code(source_url, tmp_path)

    backups = tmp_path / "cadangan"
    path = _backup(source_url, backups)
    assert re.fullmatch(r"pkkdata-sumber-\d{8}T\d{6}Z\.sqlite3", path.name)
    assert backups.stat().st_mode & 0o777 == 0o700 and path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in backups.iterdir()) == [path.name, path.name + ".sha256"]
    assert _checksum_verifies(path)

    target = tmp_path / "pulih.sqlite3"
    result = _ok(_restore(path, _sqlite_url(target)))
    assert "manage.py migrate" in result.stdout
    _manage(_sqlite_url(target), "migrate", "--noinput", "--check")  # the same version: nothing to migrate
    _assert_restored_alike(source_url, _sqlite_url(target), code, content)


def _pg_url(settings_dict, name):
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    login = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    options = settings_dict.get("OPTIONS") or {}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{login}{settings_dict['HOST'] or ''}{port}/{quote(name, safe='')}{query}"


def _pg_admin(settings_dict):
    params = {
        "dbname": "postgres",
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    conn.autocommit = True
    return conn


@pytest.fixture
def empty_pg_database():
    """A new, empty PostgreSQL database beside the test database (its URL), dropped at the end."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_pulih_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin(settings_dict)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield _pg_url(settings_dict, name)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore need the run on PostgreSQL")
@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump (another connection) sees the demo
def test_postgresql_backup_restores_every_recap_and_verification_code(tmp_path, empty_pg_database):
    seed_demo(seed=11, password="demo-uji")
    source_url = _pg_url(connection.settings_dict, connection.settings_dict["NAME"])
    code, content = _register_code(source_url, tmp_path)

    path = _backup(source_url, tmp_path / "cadangan")
    assert re.fullmatch(rf"pkkdata-{re.escape(connection.settings_dict['NAME'])}-\d{{8}}T\d{{6}}Z\.dump", path.name)
    assert _checksum_verifies(path)

    # A database that has tables is refused, and left as it was.
    refused = _restore(path, source_url)
    assert refused.returncode != 0 and "tidak kosong" in refused.stderr

    result = _ok(_restore(path, empty_pg_database))
    assert "manage.py migrate" in result.stdout
    _manage(empty_pg_database, "migrate", "--noinput", "--check")
    _assert_restored_alike(source_url, empty_pg_database, code, content)

    # Restoring once more into the now filled database is refused too.
    again = _restore(path, empty_pg_database)
    assert again.returncode != 0 and "tidak kosong" in again.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs the run on PostgreSQL")
def test_postgresql_backup_of_a_missing_database_fails_and_leaves_no_file(tmp_path):
    url = _pg_url(connection.settings_dict, f"tidak_ada_{uuid.uuid4().hex[:8]}")
    result = _run(["bash", "bin/backup", str(tmp_path / "cadangan")], url)
    assert result.returncode != 0 and "gagal" in result.stderr and result.stdout == ""
    assert list((tmp_path / "cadangan").iterdir()) == []


# -- refusals and failures, on a small SQLite file ---------------------------------------------------


def _small_database(path, rows=3):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE catatan (id INTEGER PRIMARY KEY, isi TEXT)")
    conn.executemany("INSERT INTO catatan (isi) VALUES (?)", [(f"baris {i}" * 50,) for i in range(rows)])
    conn.commit()
    conn.close()


def _rows(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, isi FROM catatan ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def small_backup(tmp_path):
    source = tmp_path / "kecil.sqlite3"
    _small_database(source, rows=200)
    return source, _backup(_sqlite_url(source), tmp_path / "cadangan")


def test_a_backup_with_one_byte_changed_is_refused(tmp_path, small_backup):
    _source, path = small_backup
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    target = tmp_path / "pulih.sqlite3"
    result = _restore(path, _sqlite_url(target))
    assert result.returncode != 0
    assert "Checksum" in result.stderr and "tidak cocok" in result.stderr
    assert not target.exists()


def test_a_backup_without_its_checksum_file_is_refused(tmp_path, small_backup):
    _source, path = small_backup
    Path(f"{path}.sha256").unlink()
    target = tmp_path / "pulih.sqlite3"
    result = _restore(path, _sqlite_url(target))
    assert result.returncode != 0 and "checksum" in result.stderr and "tidak ada" in result.stderr
    assert not target.exists()


def test_restore_into_a_database_that_has_tables_is_refused(tmp_path, small_backup):
    _source, path = small_backup
    target = tmp_path / "terisi.sqlite3"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE lain (x)")
    conn.commit()
    conn.close()
    before = target.read_bytes()
    result = _restore(path, _sqlite_url(target))
    assert result.returncode != 0 and "tidak kosong" in result.stderr
    assert target.read_bytes() == before


def test_restore_into_an_empty_sqlite_file_and_a_new_one(tmp_path, small_backup):
    source, path = small_backup
    empty = tmp_path / "kosong.sqlite3"
    empty.touch()
    for target in (empty, tmp_path / "baru.sqlite3"):
        _ok(_restore(path, _sqlite_url(target)))
        assert _rows(target) == _rows(source)


def test_a_backup_of_the_wrong_kind_is_refused(tmp_path, small_backup):
    _source, path = small_backup
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL target needs the run on PostgreSQL")
    result = _restore(path, _pg_url(connection.settings_dict, "postgres"))
    assert result.returncode != 0 and "cadangan SQLite" in result.stderr


def test_a_failed_backup_leaves_no_file(tmp_path):
    backups = tmp_path / "cadangan"
    missing = _run(["bash", "bin/backup", str(backups)], _sqlite_url(tmp_path / "tidak-ada.sqlite3"))
    assert missing.returncode != 0 and "tidak ada" in missing.stderr and missing.stdout == ""
    assert not (tmp_path / "tidak-ada.sqlite3").exists()  # not created by the attempt
    broken = tmp_path / "rusak.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    result = _run(["bash", "bin/backup", str(backups)], _sqlite_url(broken))
    assert result.returncode != 0 and result.stderr.startswith("bin/backup: ")
    assert list(backups.iterdir()) == []


def test_a_sqlite_backup_while_another_connection_writes_holds_what_was_committed(tmp_path):
    source = tmp_path / "berjalan.sqlite3"
    _small_database(source)
    committed = _rows(source)
    writer = sqlite3.connect(source, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO catatan (isi) VALUES ('belum disimpan')")
        path = _backup(_sqlite_url(source), tmp_path / "cadangan")
        writer.execute("COMMIT")
    finally:
        writer.close()
    target = tmp_path / "pulih.sqlite3"
    _ok(_restore(path, _sqlite_url(target)))
    assert _rows(target) == committed
    assert len(_rows(source)) == len(committed) + 1
