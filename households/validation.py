"""Checks on NIK and No. KK shared by the entry forms and the Excel import.

A check returns a list of Problem(kind, message): "error" problems refuse the value; "confirm"
problems refuse it unless the cadre confirms that the card really says so; "warning" problems are
only shown. Messages are in Bahasa Indonesia.

NIK: 2 digits province, 2 kabupaten/kota, 2 kecamatan (where it was issued), DDMMYY of birth with 40
added to the day for women, 4-digit serial. No. KK: the same 6-digit area prefix, the issue date as
DDMMYY, a 4-digit serial. The area prefix is checked against the shipped official codes
(data/wilayah), not against the areas imported into the database.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

ERROR, CONFIRM, WARNING = "error", "confirm", "warning"


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str


@cache
def _official_codes():
    folder = Path(settings.BASE_DIR) / "data" / "wilayah"

    def read(name):
        with open(folder / name, encoding="utf-8-sig", newline="") as fh:
            return {row["code"].replace(".", "") for row in csv.DictReader(fh)}

    return read("regencies.csv"), read("districts.csv")


@cache
def regency_codes_text():
    """The official kabupaten/kota codes as the entry pages carry them for their check as typed
    (static/js/households-nomor.js): "1101 1102 ...". The kecamatan codes stay on the server."""
    return " ".join(sorted(_official_codes()[0]))


def _area_problems(number, label):
    regencies, districts = _official_codes()
    if number[:4] not in regencies:
        return [
            Problem(
                CONFIRM,
                f"Empat angka pertama {label} ({number[:4]}) bukan kode kabupaten/kota yang dikenal. "
                "Periksa lagi, atau centang konfirmasi bila memang demikian tertulis di kartu.",
            )
        ]
    if number[:6] not in districts:
        return [
            Problem(
                WARNING,
                f"Kode kecamatan {label} ({number[:6]}) tidak ada dalam daftar terbaru; "
                "mungkin kecamatan lama sebelum pemekaran.",
            )
        ]
    return []


def is_digits(text):
    """Only the digits 0-9: str.isdigit() and \\d also take other scripts' and fullwidth digits, which
    would let one person be entered twice under two spellings of the same number."""
    return bool(text) and text.isascii() and text.isdigit()


def _format_problems(number, label):
    if not number or len(number) != 16 or not is_digits(number):
        return [Problem(ERROR, f"{label} harus tepat 16 angka.")]
    return []


def check_nik(nik, *, tanggal_lahir=None, jenis_kelamin=None):
    problems = _format_problems(nik, "NIK")
    if problems:
        return problems
    problems = _area_problems(nik, "NIK")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    real_day = day - 40 if female else day
    if not (1 <= real_day <= 31 and 1 <= month <= 12):
        problems.append(
            Problem(CONFIRM, "Bagian tanggal lahir pada NIK (angka ke-7 sampai ke-12) bukan tanggal yang sah.")
        )
        return problems
    if jenis_kelamin in ("L", "P") and female != (jenis_kelamin == "P"):
        problems.append(
            Problem(
                CONFIRM,
                "NIK tidak cocok dengan jenis kelamin: untuk perempuan, tanggal lahir pada NIK ditambah 40.",
            )
        )
    if tanggal_lahir is not None and (real_day, month, yy) != (
        tanggal_lahir.day,
        tanggal_lahir.month,
        tanggal_lahir.year % 100,
    ):
        problems.append(
            Problem(
                CONFIRM,
                f"Tanggal lahir pada NIK ({real_day:02d}-{month:02d}-..{yy:02d}) tidak sama dengan tanggal lahir "
                f"yang diisi ({tanggal_lahir:%d-%m-%Y}).",
            )
        )
    return problems


def check_no_kk(no_kk):
    problems = _format_problems(no_kk, "No. KK")
    if problems:
        return problems
    problems = _area_problems(no_kk, "No. KK")
    day, month = int(no_kk[6:8]), int(no_kk[8:10])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        problems.append(Problem(CONFIRM, "Bagian tanggal terbit pada No. KK (angka ke-7 sampai ke-12) tidak sah."))
    return problems


# Nobody living is older; an earlier year is a typing slip (1896 for 1996).
MAX_AGE_YEARS = 120


def check_birth_date(tanggal_lahir, today=None):
    today = today or timezone.localdate()
    if tanggal_lahir > today:
        return [Problem(ERROR, "Tanggal lahir tidak boleh di masa depan.")]
    if tanggal_lahir.year < today.year - MAX_AGE_YEARS:
        return [Problem(ERROR, f"Tanggal lahir lebih dari {MAX_AGE_YEARS} tahun yang lalu: periksa tahunnya.")]
    return []


def blocking(problems, confirmed=False):
    """The problems that refuse the value: errors always, confirm-problems unless confirmed."""
    return [p for p in problems if p.kind == ERROR or (p.kind == CONFIRM and not confirmed)]


def mask(number):
    """6474********0001: the area prefix and the serial stay, the birth/issue date is hidden."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
