"""What the education services take: plain values, from a form, the API or an import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class ExclusionInput:
    school_id: UUID
    kind: str  # ExclusionKind code
    starts_on: dt.date
    reason: str  # ExclusionReason code
    days: Decimal | None = None
    status: str = "in-force"
    note: str = ""


@dataclass(frozen=True)
class AttendanceInput:
    academic_year: int
    term: str  # Term code
    sessions_possible: int
    sessions_attended: int
    school_id: UUID | None = None


@dataclass(frozen=True)
class PlacementInput:
    school_id: UUID
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class PartTimeTimetableInput:
    starts_on: dt.date
    hours_per_week: Decimal
    reason: str
    review_on: dt.date
    ends_on: dt.date | None = None
    school_id: UUID | None = None


@dataclass(frozen=True)
class AlternativeProvisionInput:
    provider: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    hours_per_week: Decimal | None = None
    reason: str = ""
    commissioned_by_id: UUID | None = None


@dataclass(frozen=True)
class HomeEducationInput:
    starts_on: dt.date
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class MissingEducationInput:
    reported_on: dt.date
    reported_by: str
    enquiries_due_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class EnquiryInput:
    made_on: dt.date
    made_with: str
    result: str
    next_due_on: dt.date | None = None
