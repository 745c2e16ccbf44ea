"""manage.py export_recap: one recap file from the command line, through the same exporter as the web
download (recaps/exports.py), registered with its verification code like every download.

    python manage.py export_recap --form 4.17c --unit 64.74 --year 2026 --format xlsx --output rekap.xlsx
    python manage.py export_recap --form 4.19a --unit 64.74.02.1002 --year 2026 --month 11 --format pdf \\
        --output rekap.pdf --data terkini --user sekretaris_berbas

The unit is named by its official code, and a group below a kelurahan by the path of codes from it
("64.74.02.1002/01/001" for RT 001 of RW 01): RW, RT and dasawisma codes repeat across kelurahan.

Who acts. With --user the file is made with that account's rights (the exporter checks them, as on the
web) and signed "Yang membuat" with its name. Without it the command acts as the account "system":
an active superuser with no usable password (it cannot log in), made on first use. Whoever runs a
management command already holds the server, which is more than any account's rights, so the command
does not ask for a person; the register row still needs an account to name (created_by), and "system"
says truthfully that no person downloaded it. Its files leave the "Yang membuat" name blank for a
handwritten one unless --penyusun is given.
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from documents import verification
from documents.exporters import EDITIONS, Period, get_exporter
from documents.models import DokumenRekap
from hierarchy.levels import OFFICIAL_LEVELS, Level
from hierarchy.models import Unit, User
from pkkdata import periods
from recaps import exports as recap_exports
from recaps import recaps

SYSTEM_USERNAME = "system"


def find_unit(text):
    """The unit named by an official code, or by a path of codes from one ("64.74.02.1002/01/001")."""
    first, *rest = [part.strip() for part in text.strip().split("/")]
    unit = Unit.objects.filter(code=first, level__in=[lv.value for lv in OFFICIAL_LEVELS]).first()
    if unit is None:
        raise CommandError(f"Tidak ada wilayah resmi dengan kode {first!r}.")
    for part in rest:
        child = Unit.objects.filter(parent=unit, code=part).first()
        if child is None:
            raise CommandError(f"Tidak ada satuan berkode {part!r} langsung di bawah {unit} ({unit.code}).")
        unit = child
    return unit


def system_actor():
    """The account that acts for a command run without --user (see the module docstring)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, first_name="Sistem", is_superuser=True, is_staff=False)
        user.set_unusable_password()
        user.save()
    elif not (user.is_superuser and user.is_active) or user.has_usable_password():
        raise CommandError(
            f"Akun {SYSTEM_USERNAME!r} sudah ada tetapi bukan akun sistem (superuser aktif tanpa kata sandi): "
            "pakai --user."
        )
    return user


class Command(BaseCommand):
    help = (
        "Mengunduh satu rekap (Lampiran 4.16a-4.19c, atau 4.18a) sebagai XLSX atau PDF ke sebuah berkas, "
        "sama seperti unduhan di web, lengkap dengan kode verifikasinya."
    )

    def add_arguments(self, parser):
        parser.add_argument("--form", required=True, help="Lampiran, mis. 4.17c atau 4.19a.")
        parser.add_argument(
            "--unit",
            required=True,
            help="Kode wilayah (mis. 64.74), atau jalur kode di bawahnya (mis. 64.74.02.1002/01/001).",
        )
        parser.add_argument("--year", required=True, help="Tahun.")
        parser.add_argument("--month", help="Bulan 1-12 (rekap bulanan 4.18-4.19).")
        parser.add_argument("--format", required=True, help="xlsx atau pdf.")
        parser.add_argument("--output", required=True, help="Nama berkas yang ditulis.")
        parser.add_argument("--edition", default=None, help=f"Edisi formulir: {', '.join(EDITIONS)}.")
        parser.add_argument("--data", default=None, help="disetujui (bawaan) atau terkini (rekap bulanan).")
        parser.add_argument("--user", default=None, help="Nama akun yang mengunduh (bawaan: akun sistem).")
        parser.add_argument("--ketua", default=None, help="Nama ketua pada blok tanda tangan.")
        parser.add_argument("--penyusun", default=None, help="Nama yang membuat pada blok tanda tangan.")
        parser.add_argument("--tempat", default=None, help="Tempat pada blok tanda tangan.")
        parser.add_argument("--tanggal", default=None, help="Tanggal pada blok tanda tangan (YYYY-MM-DD).")
        parser.add_argument("--kertas", default="A4", help="A4 (bawaan) atau F4 (PDF).")
        parser.add_argument(
            "--situs", default=None, help="Alamat situs untuk tautan verifikasi, mis. https://pkk.example."
        )

    def handle(self, *args, **opts):
        exporter = self._exporter(opts["form"])
        fmt = (opts["format"] or "").lower()
        if fmt not in exporter.formats:
            raise CommandError(f"Format {opts['format']!r} tidak dikenal: pilih xlsx atau pdf.")
        period = self._period(exporter, opts["year"], opts["month"])
        edition = opts["edition"] or exporter.editions[0]
        if edition not in exporter.editions:
            raise CommandError(
                f"Edisi {edition!r} tidak tersedia untuk Lampiran {exporter.lampiran} "
                f"(tersedia: {', '.join(exporter.editions)})."
            )
        unit = find_unit(opts["unit"])
        if unit.level != exporter.scope_level:
            raise CommandError(
                f"Lampiran {exporter.lampiran} dibuat untuk tingkat {Level(exporter.scope_level).label}, "
                f"sedangkan {opts['unit']} adalah {unit.get_level_display()} ({unit.name})."
            )
        user = self._user(opts["user"])
        options = self._options(opts, exporter, user)
        try:
            with transaction.atomic():
                result = exporter.render(
                    user=user, target=unit, period=period, edition=edition, fmt=fmt, options=options
                )
        except PermissionDenied:
            raise CommandError(f"Akun {user.username} tidak berhak melihat data {unit}.") from None
        output = Path(opts["output"])
        try:
            output.write_bytes(result.content)
        except OSError as exc:
            raise CommandError(f"Berkas {output} tidak dapat ditulis: {exc.strerror}.") from None
        sha = verification.sha256_of(result.content)
        dokumen = DokumenRekap.objects.filter(sha256=sha, created_by=user).order_by("-created_at", "-pk").first()
        code = f", kode verifikasi {dokumen.kode}" if dokumen else ""
        size = len(result.content)
        self.stdout.write(f"Lampiran {exporter.lampiran} {unit} {period.label}: {output} ({size} byte){code}.")

    @staticmethod
    def _exporter(form):
        identifiers = {e.identifier for e in recap_exports.EXPORTERS}
        if form not in identifiers:
            known = ", ".join(sorted(identifiers))
            raise CommandError(f"Formulir {form!r} tidak dikenal. Pilih salah satu: {known}.")
        return get_exporter(form)

    @staticmethod
    def _period(exporter, year, month):
        try:
            tahun = int(year)
        except ValueError:
            raise CommandError(f"Tahun {year!r} bukan angka.") from None
        problem = periods.period_problem(tahun, None, timezone.localdate())
        if problem:
            raise CommandError(problem)
        if not exporter.monthly:
            if month is not None:
                raise CommandError(f"Lampiran {exporter.lampiran} adalah rekap tahunan: jangan isi --month.")
            return Period(tahun)
        if month is None:
            raise CommandError(f"Lampiran {exporter.lampiran} adalah rekap bulanan: isi --month (1-12).")
        try:
            bulan = int(month)
        except ValueError:
            raise CommandError(f"Bulan {month!r} bukan angka 1-12.") from None
        if not 1 <= bulan <= 12:
            raise CommandError(f"Bulan {bulan} tidak ada: isi 1-12.")
        problem = recaps.period_problem(tahun, bulan)
        if problem:
            raise CommandError(problem)
        return Period(tahun, bulan)

    @staticmethod
    def _user(username):
        if username is None:
            return system_actor()
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"Tidak ada akun aktif bernama {username!r}.")
        return user

    @staticmethod
    def _options(opts, exporter, user):
        options = {"kertas": opts["kertas"].upper(), "verifikasi_url": verification.page_url(opts["situs"])}
        if options["kertas"] not in recap_exports.PAPERS:
            raise CommandError(f"Ukuran kertas {opts['kertas']!r} tidak dikenal: pilih A4 atau F4.")
        data = opts["data"]
        if data is not None:
            if data not in recap_exports.DATA_MODES:
                raise CommandError(f"Pilihan --data {data!r} tidak dikenal: pilih disetujui atau terkini.")
            if not exporter.monthly:
                raise CommandError("--data hanya untuk rekap bulanan.")
            options["data"] = data
        for key in ("ketua", "penyusun", "tempat"):
            if opts[key] is not None:
                options[key] = opts[key]
        if opts["penyusun"] is None and user.username == SYSTEM_USERNAME:
            options["penyusun"] = ""  # a blank line to sign by hand, not "Sistem"
        if opts["tanggal"]:
            try:
                options["tanggal"] = datetime.date.fromisoformat(opts["tanggal"])
            except ValueError:
                raise CommandError(f"Tanggal {opts['tanggal']!r} tidak sah: tulis YYYY-MM-DD.") from None
        return options
