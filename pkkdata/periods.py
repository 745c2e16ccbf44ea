"""Calendar helpers every app shares: month names, month arithmetic and what a valid period is.

A ground helper: it imports nothing of ours, so any app may use it."""

import datetime

# The years a form of this system may name: a report's year is stored within them; a recap also stops
# at the running year (period_problem).
FIRST_YEAR = 2000
LAST_YEAR = 2100

BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
# Where a table or a button has room for three letters (the dashboard's chart, the month buttons).
BULAN_SINGKAT = [name[:3] for name in BULAN]


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for dom in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, dom)
        except ValueError:
            continue
    raise ValueError(day)


def month_label(tahun: int, bulan: int) -> str:
    """'Maret 2026', as the forms write BULAN and TAHUN."""
    return f"{BULAN[bulan - 1]} {tahun}"


def short_month_label(tahun: int, bulan: int) -> str:
    """'Sep 2026': beside the month on a 360 px screen."""
    return f"{BULAN_SINGKAT[bulan - 1]} {tahun}"


def shift_month(tahun: int, bulan: int, months: int) -> tuple[int, int]:
    """(tahun, bulan) `months` later (or earlier, when negative)."""
    day = add_months(datetime.date(tahun, bulan, 1), months)
    return day.year, day.month


def date_label(day: datetime.date) -> str:
    """'5 Maret 2026', as a date is written on the forms and in messages."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def month_bounds(tahun: int, bulan: int) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of a month."""
    first = datetime.date(tahun, bulan, 1)
    return first, add_months(first, 1) - datetime.timedelta(days=1)


def is_valid_month(tahun: int, bulan: int) -> bool:
    """Whether (tahun, bulan) names a month this system can hold at all; whether it has begun is
    period_problem's question."""
    return FIRST_YEAR <= tahun <= LAST_YEAR and 1 <= bulan <= 12


def period_problem(tahun: int, bulan: int | None, today: datetime.date) -> str:
    """Why a period cannot be shown ("" when it can): before FIRST_YEAR, a month that does not exist,
    or a period that has not begun (its numbers would be today's under a future label)."""
    if not FIRST_YEAR <= tahun <= today.year:
        return f"Tahun harus antara {FIRST_YEAR} dan {today.year}."
    if bulan is not None and not (1 <= bulan <= 12 and (tahun, bulan) <= (today.year, today.month)):
        return "Bulan itu tidak ada atau belum berjalan."
    return ""
