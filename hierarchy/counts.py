"""What the unit pages count of the apps built on the tree. The tree knows no households: the households
app registers how many are present in each dasawisma (AppConfig.ready()), so this app never imports it
and the count follows that app's one rule of who is present on a day."""

import datetime
from collections.abc import Callable, Iterable

# dasawisma ids, day -> {dasawisma id: households present that day}
HouseholdCounter = Callable[[Iterable[int], datetime.date], dict[int, int]]

_household_counter: list[HouseholdCounter] = []


def register_household_counter(counter: HouseholdCounter) -> None:
    _household_counter[:] = [counter]


def households_present(dasawisma_ids: Iterable[int], day: datetime.date) -> dict[int, int]:
    """Households present on the day per dasawisma id ({} when no app counts households)."""
    ids = list(dasawisma_ids)
    if not ids or not _household_counter:
        return {}
    return _household_counter[0](ids, day)
