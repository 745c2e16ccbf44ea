"""Backups that restore (issue 13): what `bin/backup` and `bin/restore` do, without starting Django.

The database is the one DATABASE_URL names, read by the same parser as the settings
(pkkdata.env.env_database; unset means the SQLite file db.sqlite3 in the project folder, and a relative
SQLite path is taken from the project folder as the application does when it runs from there).

- PostgreSQL: `pg_dump --format=custom`, restored by `pg_restore --no-owner --exit-on-error` in one
  transaction. Host, port, user and database come from the URL; the password only through PGPASSWORD
  in the child's environment, never on a command line (which every user of the machine can read).
- SQLite: sqlite3's online backup API, a consistent copy while the application keeps running, checked
  with `PRAGMA integrity_check`; restored with the same API into the target file.

A backup is one dated file (`pkkdata-<db>-20261205T221500Z.dump` or `.sqlite3`) written under a
temporary name and renamed when complete, and beside it `<file>.sha256` in `sha256sum` format (run
`sha256sum -c` in that folder). Nothing partial is left behind on failure. A restore checks the
checksum first, and writes only into a database that has no table yet.

    python -m pkkdata.backup backup [DIR]     # prints the path of the new file
    python -m pkkdata.backup restore FILE
"""

import argparse
import datetime
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import psycopg2
from django.core.exceptions import ImproperlyConfigured

from .env import env_database

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = BASE_DIR / "var" / "backup"
PREFIX = "pkkdata"
PG_SUFFIX = ".dump"
SQLITE_SUFFIX = ".sqlite3"
CHECKSUM_SUFFIX = ".sha256"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Keys of the URL's query string that libpq understands (Django hands OPTIONS to psycopg2 as they are).
_LIBPQ_KEYS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslpassword",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "gssencmode",
    "keepalives",
    "keepalives_idle",
}


class BackupError(Exception):
    """A failure the operator can act on; the message (Indonesian) is printed as it is."""


@dataclass(frozen=True)
class Database:
    """The database DATABASE_URL names."""

    engine: str  # "postgresql" or "sqlite"
    name: str  # the PostgreSQL database, or the SQLite file (absolute)
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The database's name as a file name part: `pkkdata`, or the SQLite file's stem."""
        raw = Path(self.name).stem if self.engine == "sqlite" else self.name
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw).strip("._") or "db"

    @property
    def suffix(self) -> str:
        return SQLITE_SUFFIX if self.engine == "sqlite" else PG_SUFFIX

    def describe(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite {self.name}"
        where = f"{self.host or 'localhost'}:{self.port or '5432'}"
        return f"PostgreSQL {self.name} di {where}"


def database(environ: Mapping[str, str] | None = None) -> Database:
    """The database named by DATABASE_URL in ``environ`` (os.environ when None)."""
    env = dict(os.environ if environ is None else environ)
    try:
        config = env_database("DATABASE_URL", BASE_DIR / "db.sqlite3", environ=env)
    except ImproperlyConfigured as exc:
        raise BackupError(f"DATABASE_URL tidak sah: {exc}") from None
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        return Database("sqlite", str(path if path.is_absolute() else BASE_DIR / path))
    options = tuple(sorted((k, str(v)) for k, v in config.get("OPTIONS", {}).items() if k in _LIBPQ_KEYS))
    return Database(
        "postgresql",
        config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"],
        options=options,
    )


# -- PostgreSQL --------------------------------------------------------------------------------------


def _conninfo_value(value: str) -> str:
    """A libpq connection-string value, quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pg_args(db: Database) -> list[str]:
    """Connection arguments of pg_dump / pg_restore: no password (PGPASSWORD carries it), never a prompt."""
    args = ["--no-password"]
    if db.host:
        args.append(f"--host={db.host}")
    if db.port:
        args.append(f"--port={db.port}")
    if db.user:
        args.append(f"--username={db.user}")
    conninfo = " ".join(f"{k}={_conninfo_value(v)}" for k, v in (("dbname", db.name), *db.options))
    args.append(f"--dbname={conninfo}")
    return args


def _pg_env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    if db.password:
        env["PGPASSWORD"] = db.password
    env.setdefault("PGCONNECT_TIMEOUT", "10")  # a timer's backup must not hang on an unreachable server
    return env


def _run(command: Sequence[str], env: Mapping[str, str], what: str) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"Program {tool} tidak ditemukan: pasang klien PostgreSQL (Debian: postgresql-client).")
    result = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} gagal ({tool}, kode {result.returncode}):\n{detail}")


def _pg_connect(db: Database) -> psycopg2.extensions.connection:
    params = {"dbname": db.name, "user": db.user, "host": db.host, "port": db.port, "password": db.password}
    params = {k: v for k, v in params.items() if v}
    params.update(dict(db.options))
    params.setdefault("connect_timeout", "10")
    try:
        return psycopg2.connect(**params)
    except psycopg2.Error as exc:
        raise BackupError(f"Tidak dapat terhubung ke {db.describe()}: {str(exc).strip()}") from None


def _pg_tables(db: Database) -> int:
    """How many tables (and views) the database has in its public schema."""
    conn = _pg_connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            )
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def _pg_dump(db: Database, into: Path) -> None:
    env = _pg_env(db)
    _run(["pg_dump", "--format=custom", f"--file={into}", *_pg_args(db)], env, f"Pencadangan {db.describe()}")
    # The archive must be readable in full: its table of contents lists every object.
    _run(["pg_restore", "--list", str(into)], env, "Pemeriksaan berkas cadangan")


def _pg_restore(db: Database, source: Path) -> None:
    env = _pg_env(db)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",  # grants name roles of the old server; the restoring user owns everything
            "--exit-on-error",
            "--single-transaction",  # all or nothing: a failed restore leaves the database empty
            *_pg_args(db),
            str(source),
        ],
        env,
        f"Pemulihan ke {db.describe()}",
    )


# -- SQLite ------------------------------------------------------------------------------------------


def _sqlite_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing file (sqlite3.connect would create a missing one)."""
    if not path.is_file():
        raise BackupError(f"Berkas basis data SQLite {path} tidak ada.")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"Berkas SQLite {path} tidak dapat dibuka: {exc}.") from None


def _sqlite_check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} bukan basis data SQLite yang utuh: {exc}.") from None
    if result != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in result[:5])
        raise BackupError(f"{path} tidak utuh (PRAGMA integrity_check): {problems}")


def _sqlite_tables(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = _sqlite_readonly(path)
    try:
        return int(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} bukan basis data SQLite: {exc}.") from None
    finally:
        conn.close()


def _sqlite_copy(source: Path, into: Path) -> None:
    """Copy a database with the online backup API (a consistent snapshot, also while the app writes)."""
    src = _sqlite_readonly(source)
    try:
        dst = sqlite3.connect(into)
        try:
            src.backup(dst)
            _sqlite_check(dst, into)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Penyalinan {source} ke {into} gagal: {exc}.") from None
    finally:
        src.close()


# -- files -------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def _make_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} bukan folder.")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Folder cadangan {directory} tidak dapat dibuat: {exc.strerror}.") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BackupError(f"Folder cadangan {directory} tidak dapat ditulisi.")


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the cleanup below


# -- the two commands --------------------------------------------------------------------------------


def backup(directory: Path, *, environ: Mapping[str, str] | None = None, now: datetime.datetime | None = None) -> Path:
    """Back up the database into a new dated file in ``directory``, with its checksum file; its path."""
    db = database(environ)
    directory = Path(directory).absolute()
    _make_dir(directory)
    stamp = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"{PREFIX}-{db.label}-{stamp}{db.suffix}"
    final_sum = checksum_path(final)
    if final.exists() or final_sum.exists():
        raise BackupError(f"{final} sudah ada: satu cadangan per detik.")
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{final.name}.", suffix=".part")
    os.close(fd)
    tmp, tmp_sum, renamed = Path(tmp_name), None, None
    try:
        if db.engine == "sqlite":
            _sqlite_copy(Path(db.name), tmp)
        else:
            _pg_dump(db, tmp)
        os.chmod(tmp, 0o600)
        _fsync(tmp)
        line = f"{sha256_file(tmp)}  {final.name}\n"
        fd, sum_name = tempfile.mkstemp(dir=directory, prefix=f".{final_sum.name}.", suffix=".part")
        tmp_sum = Path(sum_name)
        with os.fdopen(fd, "w") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        renamed = final
        os.replace(tmp_sum, final_sum)
        _fsync(directory)
    except BaseException:
        _remove(tmp, tmp_sum, renamed)
        raise
    return final


def verify(path: Path) -> None:
    """Refuse a backup whose checksum file is missing, malformed or does not match its bytes."""
    if not path.is_file():
        raise BackupError(f"Berkas cadangan {path} tidak ada.")
    sum_file = checksum_path(path)
    if not sum_file.is_file():
        raise BackupError(f"Berkas checksum {sum_file} tidak ada: cadangan tidak dapat diperiksa, tidak dipulihkan.")
    match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)\n?", sum_file.read_text(errors="replace"))
    if match is None:
        raise BackupError(f"Berkas checksum {sum_file} tidak berformat sha256sum.")
    if sha256_file(path) != match.group(1).lower():
        raise BackupError(
            f"Checksum {path} tidak cocok dengan {sum_file.name}: berkas rusak atau diubah, tidak dipulihkan."
        )


def restore(path: Path, *, environ: Mapping[str, str] | None = None) -> Database:
    """Restore a verified backup into the (empty) database DATABASE_URL names; that database."""
    path = Path(path).absolute()
    db = database(environ)
    verify(path)
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    kind = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PG_MAGIC) else None
    if kind is None:
        raise BackupError(f"{path} bukan cadangan pkkdata (bukan arsip pg_dump maupun berkas SQLite).")
    if kind != db.engine:
        raise BackupError(
            f"{path} adalah cadangan {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}, sedangkan DATABASE_URL "
            f"menunjuk {db.describe()}."
        )
    tables = _sqlite_tables(Path(db.name)) if db.engine == "sqlite" else _pg_tables(db)
    if tables:
        raise BackupError(
            f"{db.describe()} tidak kosong ({tables} tabel): pemulihan hanya ke basis data baru yang kosong. "
            "Buat basis data baru (PostgreSQL: createdb; SQLite: nama berkas baru) dan arahkan DATABASE_URL ke sana."
        )
    if db.engine == "postgresql":
        _pg_restore(db, path)
        return db
    target = Path(db.name)
    if not target.parent.is_dir():
        raise BackupError(f"Folder {target.parent} tidak ada.")
    created = not target.exists()
    try:
        _sqlite_copy(path, target)
        if created:
            os.chmod(target, 0o600)
    except BaseException:
        if created:
            _remove(target, target.with_name(target.name + "-journal"))
        raise
    return db


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pkkdata.backup", description="Cadangan dan pemulihan basis data.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup", help="cadangkan ke DIR").add_argument("dir", nargs="?", default=str(DEFAULT_DIR))
    commands.add_parser("restore", help="pulihkan FILE").add_argument("file")
    args = parser.parse_args(argv)
    prog = f"bin/{args.command}"
    os.umask(0o077)  # backups hold personal data: only the owner reads them
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    try:
        if args.command == "backup":
            print(backup(Path(args.dir)))
        else:
            db = restore(Path(args.file))
            print(f"Dipulihkan ke {db.describe()} dari {args.file}.")
            print(
                "Langkah berikutnya: .venv/bin/python manage.py migrate (dengan DATABASE_URL yang sama), "
                "yang tidak mengubah apa pun bila versi aplikasi sama dengan saat pencadangan."
            )
    except BackupError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: dihentikan; tidak ada berkas setengah jadi yang tertinggal.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
