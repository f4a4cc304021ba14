"""The education API's shapes: a young person's education summary, and the review of imported rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema

from harbour.education.models import UnmatchedImportRow
from harbour.education.selectors import EducationSummary
from harbour.people.schemas import MAX_PAGE, MAX_PAGE_SIZE, StrictInput


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


# --- the review of imported rows -------------------------------------------------------------------------


class ReviewFilters(StrictInput):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="A page past the last gives the last.")
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ImportRowOut(Schema):
    id: UUID
    version: int = Field(description="Send it when you link the row, try it again or set it aside.")
    kind: str = Field(description="`exclusions` or `cme` (children missing education).")
    import_id: UUID
    file_name: str
    imported_at: dt.datetime
    imported_by: str
    line_number: int
    values: dict[str, str] = Field(description="The row as the list gave it, by column name.")
    reason: str = Field(description="Why it was kept for review.")
    resolved_at: dt.datetime | None = None
    resolution: str = Field("", description="Once dealt with: how (empty while it waits).")
    person_id: UUID | None = Field(None, description="Once linked or matched: the young person.")


class ImportRowPage(Schema):
    items: list[ImportRowOut]
    count: int
    page: int
    page_size: int
    next: str | None = Field(None, description="The next page's address, or null on the last page.")
    next_page: int | None


class ImportRowLinkIn(StrictInput):
    person_id: UUID = Field(description="The young person the row is about, whose record you see in full.")
    version: int = Field(..., ge=1, description="The row's version, as you read it.")


class ImportRowVersionIn(StrictInput):
    version: int = Field(..., ge=1, description="The row's version, as you read it.")


class ImportRowSetAsideIn(StrictInput):
    version: int = Field(..., ge=1, description="The row's version, as you read it.")
    resolution: Literal["recorded-by-hand", "not-known", "in-error"] = Field(
        description="What happened to it: recorded by hand on the young person's record, not a young "
        "person Harbour holds (passed back to the education service), or a duplicate or error in the list."
    )


def import_row_out(row: UnmatchedImportRow) -> ImportRowOut:
    return ImportRowOut(
        id=row.pk,
        version=row.version,
        kind=row.kind,
        import_id=row.batch_id,
        file_name=row.batch.file_name,
        imported_at=row.batch.created_at,
        imported_by=str(row.batch.imported_by),
        line_number=row.line_number,
        values={name: str(value) for name, value in (row.values or {}).items() if value not in (None, "")},
        reason=row.reason,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        person_id=row.person_id,
    )
