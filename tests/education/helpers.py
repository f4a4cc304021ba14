"""Builders shared by the education tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from harbour.assessments.models import OfferedIndicator
from harbour.education import services
from harbour.education.inputs import AttendanceInput, ExclusionInput
from harbour.education.models import Exclusion
from harbour.people.models import School


def school(name: str = "Magdalen Academy", urn: str = "121212") -> School:
    found, _ = School.objects.get_or_create(urn=urn, defaults={"name": name, "phase": "Secondary"})
    return found


def exclude(
    actor: Any,
    person: Any,
    *,
    starts_on: dt.date,
    kind: str = "permanent-exclusion",
    days: Decimal | None = None,
    reason: str = "persistent-disruptive-behaviour",
) -> Exclusion:
    if kind == "suspension" and days is None:
        days = Decimal("3")
    exclusion, _ = services.exclusion_record(
        actor=actor,
        person=person,
        data=ExclusionInput(school_id=school().pk, kind=kind, starts_on=starts_on, reason=reason, days=days),
    )
    return exclusion


def attend(
    actor: Any, person: Any, *, possible: int, attended: int, year: int = 2025, term: str = "autumn"
) -> Any:
    return services.attendance_record(
        actor=actor,
        person=person,
        data=AttendanceInput(
            academic_year=year, term=term, sessions_possible=possible, sessions_attended=attended
        ),
    )


def offers(person: Any, *, current: bool = True) -> dict[str, OfferedIndicator]:
    """The assessment app's offers about this person from education, by indicator code."""
    rows = OfferedIndicator.objects.filter(person=person, source_app="education").select_related("indicator")
    if current:
        rows = rows.filter(withdrawn_at__isnull=True)
    return {row.indicator.code: row for row in rows}
