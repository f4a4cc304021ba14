"""The partnership figures for one actor: policy check, the panels, and one audit event per view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from harbour.audit import services as audit
from harbour.figures import panels, policies, summary, suppression
from harbour.figures.counting import count_live, counts_for
from harbour.figures.filters import Filters, Period, cohort, period_of
from harbour.figures.panels import Panel

# A filtered cohort up to this size is read once as a list of ids, which every panel then uses: as a
# subquery (district, age band, ...) repeated in each panel's query, PostgreSQL planned it badly (about
# a second a query at scale 10). Larger cohorts stay a subquery (SQLite allows 32,766 query parameters).
COHORT_AS_LIST_MAX = 20_000
# PostgreSQL takes the list as one array parameter: Norwich's 13 to 15 year olds at scale 100 (22,890)
# took 2.4 s a view as a list and 7.1 s as a subquery.
COHORT_AS_LIST_MAX_POSTGRESQL = 500_000


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    period: Period
    panels: list[Panel]
    threshold: int
    counted_at: datetime | None  # when the summary read was counted; None: counted for this view
    refresh_minutes: int


def figures_for(*, actor: Any, filters: Filters) -> Dashboard:
    """Every panel for the filters, counts already suppressed. Refused (403) without the capability.

    Writes one ``figures.viewed`` event: the filters, which name groups, never a person.
    """
    if not policies.can_view_figures(actor):
        raise PermissionDenied("Partnership figures need partnership.performance or analytics.pseudonymised.")
    period = period_of(filters.months)
    found = summary.summary_counts(filters, period.today)
    if found is not None:
        values, counted = found
        counts = counts_for(values, period)
        counted_at: datetime | None = counted.counted_at
    else:
        counts = count_live(period, _chosen(filters, period))
        counted_at = None
    result = Dashboard(
        filters=filters,
        period=period,
        panels=panels.all_panels(counts),
        threshold=suppression.threshold(),
        counted_at=counted_at,
        refresh_minutes=settings.HARBOUR_FIGURES_REFRESH_MINUTES,
    )
    audit.record(actor, "figures.viewed", None, detail=filters.audit_detail())
    return result


def _chosen(filters: Filters, period: Period) -> Any:
    """The chosen young people's ids (a list, or a subquery when there are very many), or None for all."""
    people: Any = cohort(filters, today=period.today)
    if people is not None:
        most = COHORT_AS_LIST_MAX_POSTGRESQL if connection.vendor == "postgresql" else COHORT_AS_LIST_MAX
        ids = list(people.values_list("pk", flat=True)[: most + 1])
        if len(ids) <= most:
            people = ids
    return people
