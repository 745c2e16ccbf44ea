"""Domain rules the forms need in several places, kept in one module.

Each rule exists twice on purpose, side by side: as a Python predicate for one person (forms, pages,
exports) and as a Q object for the database (counts over thousands of rows in one query). The tests
check that both agree at the boundaries.

Sources: Lampiran 4.14.1a/4.14.2a (Rakernas X) and the definitions of the 4.18a monthly form.
- balita: under 5 years old; bayi: under 12 months.
- lansia: 60 years old and over.
- WUS (wanita usia subur): a woman aged 15 to 49 (inclusive), whatever her marital status.
- PUS (pasangan usia subur): a married couple with the wife aged 15 to 49; counted once per couple,
  i.e. as the married women aged 15 to 49.
- nifas: the 42 days after delivery.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from pkkdata.periods import add_years

from .models import Warga  # the models never need the rules

if TYPE_CHECKING:
    from .models import Kehamilan, RumahTangga

BALITA_YEARS = 5
LANSIA_YEARS = 60
SUBUR_MIN_YEARS = 15
SUBUR_MAX_YEARS = 49
BAYI_MONTHS = 12
NIFAS_DAYS = 42


def age_years(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed years of age on a date."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_months(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed months of age on a date."""
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    return months


# -- one person ------------------------------------------------------------------------------------


def is_balita(warga: Warga, on: datetime.date) -> bool:
    return warga.tanggal_lahir is not None and 0 <= age_years(warga.tanggal_lahir, on) < BALITA_YEARS


def is_lansia(warga: Warga, on: datetime.date) -> bool:
    return warga.tanggal_lahir is not None and age_years(warga.tanggal_lahir, on) >= LANSIA_YEARS


def is_wus(warga: Warga, on: datetime.date) -> bool:
    return (
        warga.jenis_kelamin == "P"
        and warga.tanggal_lahir is not None
        and SUBUR_MIN_YEARS <= age_years(warga.tanggal_lahir, on) <= SUBUR_MAX_YEARS
    )


def is_pus(warga: Warga, on: datetime.date) -> bool:
    return is_wus(warga, on) and warga.status_perkawinan == "menikah"


def is_buta(warga: Warga) -> bool:
    """One of the '3 buta': cannot read, write or count."""
    return bool(warga.buta_baca or warga.buta_tulis or warga.buta_hitung)


def is_berkebutuhan_khusus(warga: Warga) -> bool:
    return bool(warga.berkebutuhan_khusus) and warga.berkebutuhan_khusus != "tidak"


# -- the same rules for the database ---------------------------------------------------------------
# A person born on day B is under N years old on day D exactly when B > D - N years.


def balita_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}tanggal_lahir__gt": add_years(on, -BALITA_YEARS), f"{prefix}tanggal_lahir__lte": on})


def lansia_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}tanggal_lahir__lte": add_years(on, -LANSIA_YEARS)})


def wus_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}jenis_kelamin": "P",
            f"{prefix}tanggal_lahir__lte": add_years(on, -SUBUR_MIN_YEARS),
            f"{prefix}tanggal_lahir__gt": add_years(on, -(SUBUR_MAX_YEARS + 1)),
        }
    )


def pus_q(on: datetime.date, prefix: str = "") -> Q:
    return wus_q(on, prefix) & Q(**{f"{prefix}status_perkawinan": "menikah"})


def buta_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}buta_baca": True}) | Q(**{f"{prefix}buta_tulis": True}) | Q(**{f"{prefix}buta_hitung": True})


def berkebutuhan_khusus_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}berkebutuhan_khusus": "tidak"})


def counted_q(on: datetime.date, prefix: str = "") -> Q:
    """Members who count on a date: active, or who left/died after it, and born by then."""
    return (Q(**{f"{prefix}status": "aktif"}) | Q(**{f"{prefix}tanggal_status__gt": on})) & Q(
        **{f"{prefix}tanggal_lahir__lte": on}
    )


def is_counted(warga: Warga, on: datetime.date) -> bool:
    """The one-person form of counted_q."""
    return (warga.status == "aktif" or (warga.tanggal_status is not None and warga.tanggal_status > on)) and (
        warga.tanggal_lahir <= on
    )


def keluarga_counted_q(on: datetime.date, prefix: str = "") -> Q:
    """Keluarga (KK) that count on a date: those with at least one member counted then (JML KK). An
    uncorrelated IN, hashed once by the database."""
    return Q(**{f"{prefix}pk__in": Warga.objects.filter(counted_q(on)).values("keluarga_id")})


def is_keluarga_counted(members: Iterable[Warga], on: datetime.date) -> bool:
    return any(is_counted(w, on) for w in members)


# -- households in time ------------------------------------------------------------------------------


def is_present(rumah_tangga: RumahTangga, on: datetime.date) -> bool:
    """A household is present on a day unless it left on or before it (tanggal_keluar)."""
    return rumah_tangga.tanggal_keluar is None or rumah_tangga.tanggal_keluar > on


def present_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}tanggal_keluar__isnull": True}) | Q(**{f"{prefix}tanggal_keluar__gt": on})


# -- people in time ---------------------------------------------------------------------------------
# Somebody stops being there on the day she dies or moves out (Warga.tanggal_status) or her household
# leaves the dasawisma (RumahTangga.tanggal_keluar), whichever comes first: she counts up to the day
# before, in every monthly and yearly count.


def gone_on(warga: Warga) -> datetime.date | None:
    """The day the person stopped being there (died, moved out, or her household left), or None."""
    days = []
    if warga.status != "aktif" and warga.tanggal_status is not None:
        days.append(warga.tanggal_status)
    left = warga.keluarga.rumah_tangga.tanggal_keluar
    if left is not None:
        days.append(left)
    return min(days) if days else None


def is_there(warga: Warga, on: datetime.date) -> bool:
    gone = gone_on(warga)
    return gone is None or gone > on


def there_q(on: datetime.date, prefix: str = "") -> Q:
    """The database form of is_there; prefix is the path to the Warga (e.g. "ibu__")."""
    return (Q(**{f"{prefix}status": "aktif"}) | Q(**{f"{prefix}tanggal_status__gt": on})) & present_q(
        on, f"{prefix}keluarga__rumah_tangga__"
    )


# -- the monthly form (4.18a): mothers and babies ----------------------------------------------------
# One status per woman per month, so nobody is counted twice in a month:
#   melahirkan  she delivered (a live or still birth) in the month; every birth is a delivery (a birth
#               recorded without an earlier pregnancy brings its own pregnancy row, begun and ended on
#               the day of birth: reports.services.kelahiran_record), and twins are one delivery;
#   hamil       otherwise, her pregnancy was running on some day of the month: from its start to the day
#               before it ended; a pregnancy nobody closed runs until HAMIL_LEWAT_HPL_DAYS after its HPL
#               (without an HPL, MAX_PREGNANCY_DAYS after its start), and then stops counting and is on
#               the cadre's list to say how it ended;
#   nifas       otherwise, the 42 days after a delivery reach into the month and she was still there on
#               the month's first day (a mother who died or moved during nifas is not nifas afterwards).
# Where: each event counts in the dasawisma stamped on it when it was recorded (the household's dasawisma
# on the event's day), so a household that moves, or a group re-formed, never moves a past month. A
# pregnancy running when its household moves ends there that day ("pindah") and goes on in the new
# dasawisma as a continuation (lanjutan), which counts from the month after the move; a mother in nifas
# has her nifas continued there the same way (a NIFAS_LANJUTAN row begun on the day of the move).
# A woman who dies or moves out has her running pregnancy closed that day (hasil ibu_meninggal or
# pindah), so she stops counting as hamil the same way.
# Deaths: ibu meninggal = a woman who dies while pregnant or within 42 days of the end of a pregnancy;
# bayi meninggal = under 12 months old; balita meninggal = 12 to 59 months old.

DELIVERY_OUTCOMES = ("melahirkan", "lahir_mati")
# A term pregnancy runs to 42 weeks, two weeks past the HPL (40 weeks): a pregnancy still open later
# than that was not closed by the cadre, and stops counting.
HAMIL_LEWAT_HPL_DAYS = 14
MAX_PREGNANCY_DAYS = 300  # about ten months from the first day known


def counts_until(kehamilan: Kehamilan) -> datetime.date:
    """The last day an open pregnancy counts as hamil: HAMIL_LEWAT_HPL_DAYS after its HPL, or
    MAX_PREGNANCY_DAYS after its start without one."""
    if kehamilan.perkiraan_lahir is not None:
        return kehamilan.perkiraan_lahir + datetime.timedelta(days=HAMIL_LEWAT_HPL_DAYS)
    return kehamilan.tanggal_mulai + datetime.timedelta(days=MAX_PREGNANCY_DAYS)


def is_overdue(kehamilan: Kehamilan, on: datetime.date) -> bool:
    """An open pregnancy past counts_until: it no longer counts and the cadre is asked how it ended."""
    return kehamilan.tanggal_selesai is None and on > counts_until(kehamilan)


def _open_until_q(day: datetime.date, prefix: str) -> Q:
    """Open, and still counting on `day` (counts_until(k) >= day)."""
    return Q(**{f"{prefix}tanggal_selesai__isnull": True}) & (
        Q(**{f"{prefix}perkiraan_lahir__gte": day - datetime.timedelta(days=HAMIL_LEWAT_HPL_DAYS)})
        | Q(
            **{
                f"{prefix}perkiraan_lahir__isnull": True,
                f"{prefix}tanggal_mulai__gte": day - datetime.timedelta(days=MAX_PREGNANCY_DAYS),
            }
        )
    )


def overdue_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}tanggal_selesai__isnull": True}) & ~_open_until_q(on, prefix)


def melahirkan_q(first: datetime.date, last: datetime.date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}hasil__in": DELIVERY_OUTCOMES,
            f"{prefix}tanggal_selesai__gte": first,
            f"{prefix}tanggal_selesai__lte": last,
        }
    )


def hamil_q(first: datetime.date, last: datetime.date, prefix: str = "") -> Q:
    ongoing = Q(**{f"{prefix}tanggal_mulai__lte": last}) & (
        _open_until_q(first, prefix) | Q(**{f"{prefix}tanggal_selesai__gt": first})
    )
    # continued after a move: from the month after the move (that month stays with the old dasawisma)
    continued_later = Q(**{f"{prefix}lanjutan": True, f"{prefix}tanggal_mulai__gt": first})
    return ongoing & ~continued_later & ~melahirkan_q(first, last, prefix)


NIFAS_LANJUTAN = "nifas_lanjutan"


def nifas_q(first: datetime.date, last: datetime.date, prefix: str = "") -> Q:
    """Delivered before the month, the 42 days after the delivery reach into the month, and the mother
    was still there on its first day; after a move, in the dasawisma she was in on that day (the
    delivery's row before the move, its NIFAS_LANJUTAN row from the move on)."""
    window = Q(
        **{
            f"{prefix}tanggal_selesai__lt": first,
            f"{prefix}tanggal_selesai__gte": first - datetime.timedelta(days=NIFAS_DAYS),
        }
    )
    here_before_move = Q(**{f"{prefix}hasil__in": DELIVERY_OUTCOMES}) & (
        Q(**{f"{prefix}pindah_pada__isnull": True}) | Q(**{f"{prefix}pindah_pada__gt": first})
    )
    here_after_move = Q(**{f"{prefix}hasil": NIFAS_LANJUTAN, f"{prefix}tanggal_mulai__lte": first})
    return window & (here_before_move | here_after_move) & there_q(first, f"{prefix}ibu__")


def is_hamil_on(kehamilan: Kehamilan, on: datetime.date) -> bool:
    """A pregnancy counts on a day from its start until it ended (the end day excluded), or, open, until
    counts_until: the one-day form of hamil_q (a delivery on the day itself ends it)."""
    if kehamilan.tanggal_mulai > on:
        return False
    if kehamilan.tanggal_selesai is None:
        return on <= counts_until(kehamilan)
    return kehamilan.tanggal_selesai > on


def hamil_on_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}tanggal_mulai__lte": on}) & (
        _open_until_q(on, prefix) | Q(**{f"{prefix}tanggal_selesai__gt": on})
    )


def status_ibu(
    kehamilan: Kehamilan, first: datetime.date, last: datetime.date, gone: datetime.date | None = None
) -> str | None:
    """'melahirkan', 'hamil', 'nifas' or None for one pregnancy in one month (same rule as the Qs);
    gone: the day the mother stopped being there (gone_on), if she did."""
    end = kehamilan.tanggal_selesai
    delivered = kehamilan.hasil in DELIVERY_OUTCOMES
    if delivered and end is not None and first <= end <= last:
        return "melahirkan"
    continued_later = kehamilan.lanjutan and kehamilan.tanggal_mulai > first
    running = end > first if end is not None else counts_until(kehamilan) >= first
    if kehamilan.tanggal_mulai <= last and running and not continued_later:
        return "hamil"
    moved = kehamilan.pindah_pada
    here = (delivered and (moved is None or moved > first)) or (
        kehamilan.hasil == NIFAS_LANJUTAN and kehamilan.tanggal_mulai <= first
    )
    if (
        here
        and end is not None
        and first - datetime.timedelta(days=NIFAS_DAYS) <= end < first
        and (gone is None or gone > first)
    ):
        return "nifas"
    return None


def death_kind(warga: Warga, tanggal: datetime.date, kehamilan: Iterable[Kehamilan] = ()) -> str | None:
    """'ibu', 'bayi', 'balita' or None for a death on `tanggal` of `warga`, given her pregnancies."""
    if warga.jenis_kelamin == "P":
        for k in kehamilan:
            end = k.tanggal_selesai
            if k.tanggal_mulai <= tanggal and (end is None or tanggal <= end + datetime.timedelta(days=NIFAS_DAYS)):
                return "ibu"
    months = age_months(warga.tanggal_lahir, tanggal)
    if months < BAYI_MONTHS:
        return "bayi"
    if months < BALITA_YEARS * 12:
        return "balita"
    return None
