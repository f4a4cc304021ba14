"""The figures summary: every group's counts, counted at once by ``harbour tick``, read by the page.

Counting a year of referrals, assessments and episodes for every view took seconds at scale 100. The
groups the filters can choose are few (a district or any, an age band or any, a gender or any, an
ethnic group or any: some 3,000 at most), so every group's counts are worked out in one pass and kept
as one row a group; the page then reads one row. Each young person counts in each group they belong
to, through the same counting rules as a live count (counting.py), so distinct counts stay distinct and
the two ways give the same numbers (tests/figures hold them to it).

A young person's groups: the district of each current address (an address with no end date), their
age band today, their gender, their ethnic group; see filters.py for the live form of each. Records
about anyone else (a parent, a merged record) count only for "everyone", as in a live count.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Hashable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from harbour.figures.counting import EVERYONE, RULES_VERSION, Group, Placement, count_facts, read_facts
from harbour.figures.filters import PERIODS, AgeBands, Filters, ethnicity_code_of, period_of
from harbour.figures.models import FiguresGroupCounts, FiguresSummary
from harbour.people.models import Address, Person

logger = logging.getLogger(__name__)

SUMMARY_MONTHS = tuple(months for months, _label in PERIODS)


class YoungPeoplesGroups(Placement):
    """Each young person's cell: the districts of their current addresses, their age band today, their
    gender and their ethnic group. Anyone else (a parent, a merged record) is in the cell of "any"."""

    def __init__(self, today: date) -> None:
        districts: dict[Any, set[str]] = defaultdict(set)
        for person_id, district in Address.objects.filter(
            ends_on__isnull=True,
            town__district__isnull=False,
            person__kind=Person.Kind.YOUNG_PERSON,
            person__merged_into__isnull=True,
        ).values_list("person_id", "town__district__code"):
            districts[person_id].add(district)
        self._cells: dict[Any, tuple[frozenset[str], str, str, str]] = {}
        interned: dict[tuple[frozenset[str], str, str, str], tuple[frozenset[str], str, str, str]] = {}
        people = Person.objects.filter(kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True).values_list(
            "pk", "date_of_birth", "gender__code", "ethnicity__group"
        )
        age_band = AgeBands(today)
        for person_id, date_of_birth, gender, ethnic_group in people:
            cell = (
                frozenset(districts.get(person_id, ())),
                age_band(date_of_birth),
                gender or "",
                ethnicity_code_of(ethnic_group),
            )
            self._cells[person_id] = interned.setdefault(cell, cell)
        self._groups: dict[Hashable, tuple[Group, ...]] = {}

    def cell(self, person_id: Any) -> Hashable:
        return self._cells.get(person_id)

    def groups(self, cell: Hashable) -> tuple[Group, ...]:
        found = self._groups.get(cell)
        if found is None:
            found = self._groups[cell] = (EVERYONE,) if cell is None else _groups(*cell)  # type: ignore[misc]
        return found


def _groups(districts: frozenset[str], age_band: str, gender: str, ethnicity: str) -> tuple[Group, ...]:
    """Each combination of "this value or any" for the four filters (a value not known: any only)."""
    return tuple(
        itertools.product(
            ("", *sorted(districts)),
            ("", age_band) if age_band else ("",),
            ("", gender) if gender else ("",),
            ("", ethnicity),
        )
    )


def summary_count(now: datetime | None = None) -> FiguresSummary:
    """Count every group for the periods ending today and keep the rows; older summaries are removed.

    Called by the tick job below; one transaction, so the page reads the old summary until this commits.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    periods = [period_of(months, today) for months in SUMMARY_MONTHS]
    counted = count_facts(read_facts(periods, None), periods, YoungPeoplesGroups(today))
    with transaction.atomic():
        summary = FiguresSummary.objects.create(
            counted_for=today,
            counted_at=now,
            seconds=0.0,
            group_count=len(counted),
            rules_version=RULES_VERSION,
        )
        FiguresGroupCounts.objects.bulk_create(
            (
                FiguresGroupCounts(
                    summary=summary,
                    district=group[0],
                    age_band=group[1],
                    gender=group[2],
                    ethnicity=group[3],
                    counts=dict(counts),
                )
                for group, counts in counted.items()
            ),
            batch_size=500,
        )
        if EVERYONE not in counted:
            FiguresGroupCounts.objects.create(summary=summary, counts={})
        FiguresSummary.objects.exclude(pk=summary.pk).delete()
        summary.seconds = round(time.perf_counter() - started, 3)
        summary.save(update_fields=["seconds"])
    logger.info("figures summary counted", extra={"groups": summary.group_count, "seconds": summary.seconds})
    return summary


def refresh_due(now: datetime) -> bool:
    latest = FiguresSummary.objects.order_by("-counted_at").first()
    if latest is None or latest.counted_for != timezone.localdate(now):
        return True
    if latest.rules_version != RULES_VERSION:  # counted before a deployment changed what is counted
        return True
    return now - latest.counted_at >= timedelta(minutes=settings.HARBOUR_FIGURES_REFRESH_MINUTES)


def refresh_if_due(now: datetime) -> int:
    """The tick job: count again when the day has changed or the last count is old. Returns the groups
    counted (0 when nothing was due)."""
    if not refresh_due(now):
        return 0
    return summary_count(now).group_count


def summary_counts(filters: Filters, today: date) -> tuple[dict[str, int], FiguresSummary] | None:
    """The chosen group's counts from today's summary, or ``None`` when there is none to read (none
    counted today, or only under other counting rules)."""
    if filters.months not in SUMMARY_MONTHS:
        return None
    summary = (
        FiguresSummary.objects.filter(counted_for=today, rules_version=RULES_VERSION)
        .order_by("-counted_at")
        .first()
    )
    if summary is None:
        return None
    values = (
        FiguresGroupCounts.objects.filter(
            summary=summary,
            district=filters.district,
            age_band=filters.age_band,
            gender=filters.gender,
            ethnicity=filters.ethnicity,
        )
        .values_list("counts", flat=True)
        .first()
    )
    # No row: no young person is in the group, so every count is 0.
    return dict(values or {}), summary
