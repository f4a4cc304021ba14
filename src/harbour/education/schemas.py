"""The education API's shapes: a young person's education summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema

from harbour.education.selectors import EducationSummary


class PlacementOut(Schema):
    id: UUID
    school: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None


class AttendanceOut(Schema):
    id: UUID
    academic_year: int
    term: str
    sessions_possible: int
    sessions_attended: int
    percentage: Decimal
    below_90: bool


class ExclusionOut(Schema):
    id: UUID
    school: str
    kind: str
    permanent: bool
    starts_on: dt.date
    days: Decimal | None
    reason: str
    reason_dfe_code: str
    status: str


class PeriodOut(Schema):
    id: UUID
    what: str
    starts_on: dt.date
    ends_on: dt.date | None
    detail: str


class MissingEducationOut(Schema):
    id: UUID
    reported_on: dt.date
    reported_by: str
    open: bool
    enquiries_due_on: dt.date
    enquiries: int
    outcome: str | None
    closed_on: dt.date | None


class IndicatorOut(Schema):
    code: str
    source_kind: str
    source_id: str
    observed_on: dt.date
    evidence: str


class EducationOut(Schema):
    person_id: UUID
    placements: list[PlacementOut]
    attendance: list[AttendanceOut]
    exclusions: list[ExclusionOut]
    periods: list[PeriodOut]
    missing_education: list[MissingEducationOut]
    indicators: list[IndicatorOut]


def education_out(summary: EducationSummary) -> EducationOut:
    periods = [
        PeriodOut(
            id=row.pk,
            what="part-time-timetable",
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            detail=f"{row.hours_per_week} hours a week",
        )
        for row in summary.part_time_timetables
    ]
    periods += [
        PeriodOut(
            id=row.pk,
            what="alternative-provision",
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            detail=row.provider,
        )
        for row in summary.alternative_provisions
    ]
    periods += [
        PeriodOut(id=row.pk, what="home-education", starts_on=row.starts_on, ends_on=row.ends_on, detail="")
        for row in summary.home_education
    ]
    return EducationOut(
        person_id=summary.person.pk,
        placements=[
            PlacementOut(id=p.pk, school=p.school.name, kind=p.kind, starts_on=p.starts_on, ends_on=p.ends_on)
            for p in summary.placements
        ],
        attendance=[
            AttendanceOut(
                id=a.pk,
                academic_year=a.academic_year,
                term=a.term.code,
                sessions_possible=a.sessions_possible,
                sessions_attended=a.sessions_attended,
                percentage=a.percentage,
                below_90=a.below_90,
            )
            for a in summary.attendance
        ],
        exclusions=[
            ExclusionOut(
                id=e.pk,
                school=e.school.name,
                kind=e.kind.code,
                permanent=e.kind.permanent,
                starts_on=e.starts_on,
                days=e.days,
                reason=e.reason.code,
                reason_dfe_code=e.reason.dfe_code,
                status=e.status,
            )
            for e in summary.exclusions
        ],
        periods=periods,
        missing_education=[
            MissingEducationOut(
                id=c.pk,
                reported_on=c.reported_on,
                reported_by=c.reported_by,
                open=c.is_open,
                enquiries_due_on=c.enquiries_due_on,
                enquiries=len(c.enquiries.all()),
                outcome=c.outcome.code if c.outcome else None,
                closed_on=c.closed_on,
            )
            for c in summary.missing_education
        ],
        indicators=[
            IndicatorOut(
                code=i.code,
                source_kind=i.source_kind,
                source_id=i.source_id,
                observed_on=i.observed_on,
                evidence=i.evidence,
            )
            for i in summary.indicators
        ],
    )
