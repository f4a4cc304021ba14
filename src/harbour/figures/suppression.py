"""Small-number suppression: counts below ``HARBOUR_SMALL_NUMBER_THRESHOLD`` are never shown.

With filters (a district, an age band, a gender, an ethnic group) a count of 1 or 2 can point at one
child, so every count below the threshold (0 included) is shown as "fewer than 5" and left out of the
chart. Where a total is shown beside its parts, one hidden part could be worked out by subtraction,
so the next smallest part is hidden too (complementary suppression). A rate is shown only when both
its numbers are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings

K = TypeVar("K")


def threshold() -> int:
    """The smallest count shown; 0 or 1 in the setting means every count is shown."""
    value = int(settings.HARBOUR_SMALL_NUMBER_THRESHOLD)
    return value if value > 1 else 0


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: ``value`` is ``None`` when suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        if self.value is None:
            return f"fewer than {threshold()}"
        return f"{self.value:,}"


def count(value: int) -> Count:
    """One count on its own (no total beside it that could reveal it)."""
    return Count(None if value < threshold() else value)


def counts(values: Mapping[K, int], *, total_shown: bool = False) -> dict[K, Count]:
    """Counts that are parts of one whole. With ``total_shown``, a single hidden part is not left alone:
    the next smallest shown part is hidden too, so no part can be worked out from the total."""
    limit = threshold()
    shown = {key: Count(None if value < limit else value) for key, value in values.items()}
    hidden = [key for key, cell in shown.items() if cell.suppressed]
    if total_shown and len(hidden) == 1:
        visible = sorted((value, str(key), key) for key, value in values.items() if not shown[key].suppressed)
        if visible:
            shown[visible[0][2]] = Count(None)
    return shown


def rate(numerator: Count, denominator: Count) -> str:
    """A percentage, or "not shown" when either number is hidden (or there is nothing to divide by)."""
    if numerator.value is None or denominator.value is None:
        return "not shown"
    if denominator.value == 0:
        return "not applicable"
    return f"{round(100 * numerator.value / denominator.value)}%"
