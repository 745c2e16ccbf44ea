"""What the unit pages count of the apps built on the tree. The tree knows no households: the households
app registers how many are present in each dasawisma (AppConfig.ready()), so this app never imports it
and the count follows that app's one rule of who is present on a day."""

import datetime
from collections.abc import Callable, Iterable

# dasawisma ids, day -> {dasawisma id: households present that day}
HouseholdCounter = Callable[[Iterable[int], datetime.date], dict[int, int]]

_household_counter: list[HouseholdCounter] = []

# dasawisma id, day -> [(household label, the address of its move page)] of the households present that day
HouseholdLister = Callable[[int, datetime.date], list[tuple[str, str]]]

_household_lister: list[HouseholdLister] = []


def register_household_counter(counter: HouseholdCounter) -> None:
    _household_counter[:] = [counter]


def households_present(dasawisma_ids: Iterable[int], day: datetime.date) -> dict[int, int]:
    """Households present on the day per dasawisma id ({} when no app counts households)."""
    ids = list(dasawisma_ids)
    if not ids or not _household_counter:
        return {}
    return _household_counter[0](ids, day)


def register_household_lister(lister: HouseholdLister) -> None:
    _household_lister[:] = [lister]


def households_held(dasawisma_id: int, day: datetime.date) -> list[tuple[str, str]]:
    """The households a dasawisma holds on the day, each with the address of its move page ([] when no
    app keeps households): a dasawisma is closed only once they have moved or left."""
    return _household_lister[0](dasawisma_id, day) if _household_lister else []
