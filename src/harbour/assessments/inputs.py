"""Plain data passed into the assessments' services and out of its selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class IndicatorChoice:
    """An active indicator, for pick lists."""

    code: str
    label: str
    category_code: str
    category_label: str
    health_restricted: bool


@dataclass(frozen=True)
class AnswerInput:
    indicator: str
    value: str  # yes, no, not-known
    timeframe: str = "current"
    evidence: str = ""
    source: str = ""


@dataclass(frozen=True)
class AgreeInput:
    agreed_level: str
    rationale: str
    judgement_reason: str = ""
    exploitation_types: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerView:
    """An answer as this actor may see it: restricted answers show only that they exist."""

    indicator_code: str
    indicator_label: str
    category_label: str
    restricted: bool
    value: str = ""
    value_label: str = ""
    timeframe: str = ""
    timeframe_label: str = ""
    evidence: str = ""
    source: str = ""


@dataclass(frozen=True)
class ContributionView:
    contribution_id: UUID
    author_name: str
    agency_name: str
    status: str
    status_label: str
    summary: str
    submitted_at: datetime | None
    version: int
    answers: list[AnswerView]
    is_own: bool


@dataclass(frozen=True)
class OfferView:
    offer_id: UUID
    indicator_code: str
    indicator_label: str
    restricted: bool
    provenance: str = ""
    evidence: str = ""
    source_url: str = ""
    observed_on: date | None = None
    timeframe: str = ""
    version: int = 0  # the offer's version, for optimistic locking when declining it


@dataclass(frozen=True)
class HistoryPoint:
    """One agreed level in a young person's risk history."""

    assessment_id: UUID
    agreed_at: datetime
    level_code: str
    level_label: str
    rank: int
    tool_label: str
    judgement: str
    next_review_on: date | None


@dataclass(frozen=True)
class Movement:
    """How many young people moved from one rank to another between consecutive agreed assessments."""

    from_rank: int
    to_rank: int
    count: int


@dataclass
class AssessmentSummary:
    assessment_id: UUID
    person_id: UUID
    person_name: str
    status: str
    status_label: str
    tool_label: str
    lead_name: str
    lead_agency: str
    opened_at: datetime
    computed_level: str
    agreed_level: str
    next_review_on: date | None
    extra: dict[str, Any] = field(default_factory=dict)
