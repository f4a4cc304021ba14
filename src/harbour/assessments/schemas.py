"""API shapes for joint exploitation risk assessments."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema

from harbour.assessments.inputs import ContributionView
from harbour.assessments.models import Assessment

MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100


class AssessmentFilters(Schema):
    person_id: UUID | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class LevelOut(Schema):
    code: str
    label: str
    rank: int


class AssessmentListItem(Schema):
    id: UUID
    person_id: UUID
    status: str
    tool_version: str
    lead: str
    lead_agency: str
    opened_at: datetime.datetime
    computed_level: LevelOut | None
    agreed_level: LevelOut | None
    agreed_at: datetime.datetime | None
    next_review_on: datetime.date | None
    version: int


class AnswerOut(Schema):
    restricted: bool
    indicator: str
    indicator_label: str
    value: str
    timeframe: str
    evidence: str
    source: str


class ContributionOut(Schema):
    id: UUID
    author: str
    agency: str
    status: str
    summary: str
    submitted_at: datetime.datetime | None
    version: int = Field(
        ...,
        description="The contribution's version: send it when you save your contribution, or, as the lead, "
        "withdraw a request not started.",
    )
    answers: list[AnswerOut]


class AssessmentOut(AssessmentListItem):
    computed_points: Decimal | None
    judgement: str
    judgement_reason: str
    rationale: str
    exploitation_types: list[str]
    young_person_words: str
    words_missing_reason: str
    extra_familial_summary: str
    home_protective_factors: str
    opened_from_referral: UUID | None
    contributions: list[ContributionOut]
    closed_at: datetime.datetime | None = None
    close_reason: str = Field("", description="Why it was closed without agreement (empty otherwise).")
    closed_as: str = Field(
        "",
        description=(
            "How it was closed: `without-agreement` (by the lead, with `close_reason`), "
            "`superseded-by-review` (a later review was agreed) or `superseded-by-merge` (two records of "
            "the young person were merged and a later agreed assessment is current); empty otherwise."
        ),
    )


class AssessmentPage(Schema):
    items: list[AssessmentListItem]
    count: int
    page: int
    page_size: int
    next_page: int | None = None


def _level(level: Any) -> LevelOut | None:
    return LevelOut(code=level.code, label=level.label, rank=level.rank) if level is not None else None


def list_item(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "person_id": assessment.person_id,
        "status": assessment.status,
        "tool_version": assessment.tool_version.code,
        "lead": str(assessment.lead),
        "lead_agency": assessment.lead_agency.name,
        "opened_at": assessment.opened_at,
        "computed_level": _level(assessment.computed_level),
        "agreed_level": _level(assessment.agreed_level),
        "agreed_at": assessment.agreed_at,
        "next_review_on": assessment.next_review_on,
        "version": assessment.version,
    }


def detail(
    assessment: Assessment, contributions: list[ContributionView], closed_as: str = ""
) -> AssessmentOut:
    return AssessmentOut(
        **list_item(assessment),
        computed_points=assessment.computed_points,
        judgement=assessment.judgement,
        judgement_reason=assessment.judgement_reason,
        rationale=assessment.rationale,
        exploitation_types=sorted(t.code for t in assessment.exploitation_types.all()),
        young_person_words=assessment.young_person_words,
        words_missing_reason=assessment.words_missing_reason,
        extra_familial_summary=assessment.extra_familial_summary,
        home_protective_factors=assessment.home_protective_factors,
        opened_from_referral=assessment.opened_from_id,
        closed_at=assessment.closed_at,
        close_reason=assessment.close_reason,
        closed_as=closed_as,
        contributions=[
            ContributionOut(
                id=c.contribution_id,
                author=c.author_name,
                agency=c.agency_name,
                status=c.status,
                summary=c.summary,
                submitted_at=c.submitted_at,
                version=c.version,
                answers=[
                    AnswerOut(
                        restricted=a.restricted,
                        indicator=a.indicator_code,
                        indicator_label=a.indicator_label,
                        value=a.value,
                        timeframe=a.timeframe,
                        evidence=a.evidence,
                        source=a.source,
                    )
                    for a in c.answers
                ],
            )
            for c in contributions
        ],
    )


# --- input -----------------------------------------------------------------------------------------

MAX_TEXT = 10_000


class OpenIn(Schema):
    person_id: UUID
    tool_version: str = Field(..., max_length=60)
    referral_id: UUID | None = None


class AnswerIn(Schema):
    indicator: str = Field(..., max_length=60)
    value: str = Field(..., max_length=12)
    timeframe: str = Field("current", max_length=12)
    evidence: str = Field("", max_length=MAX_TEXT)
    source: str = Field("", max_length=300)


class ContributionIn(Schema):
    version: int = Field(..., ge=1)
    summary: str = Field("", max_length=MAX_TEXT)
    answers: list[AnswerIn] = Field(default_factory=list, max_length=200)


class SectionsIn(Schema):
    version: int = Field(..., ge=1)
    young_person_words: str = Field("", max_length=MAX_TEXT)
    words_missing_reason: str = Field("", max_length=MAX_TEXT)
    extra_familial_summary: str = Field("", max_length=MAX_TEXT)
    home_protective_factors: str = Field("", max_length=MAX_TEXT)


class AgreementIn(Schema):
    version: int = Field(..., ge=1)
    agreed_level: str = Field(..., max_length=60)
    rationale: str = Field(..., max_length=MAX_TEXT)
    judgement_reason: str = Field("", max_length=MAX_TEXT)
    exploitation_types: list[str] = Field(default_factory=list, max_length=20)


class ContributorIn(Schema):
    contributor_id: UUID = Field(..., description="The professional to ask (a user id).")


class WithdrawRequestIn(Schema):
    version: int = Field(
        ...,
        ge=1,
        description="The contribution's `version` as you read it; if it was saved since, 409 and nothing "
        "is withdrawn.",
    )


class OfferOut(Schema):
    """An indicator offered by another module (missing, education) about the young person."""

    id: UUID
    restricted: bool = Field(description="A health-restricted item you may not see: no content.")
    indicator: str
    indicator_label: str
    provenance: str
    evidence: str
    source_url: str
    observed_on: datetime.date | None
    timeframe: str
    declined: bool = Field(False, description="You declined it for your own contribution.")
    declined_reason: str = ""
    version: int = Field(
        description=(
            "The offer's version: send it when you take or decline it (it moves when the evidence changes)."
        )
    )


class OfferList(Schema):
    items: list[OfferOut]
    count: int


def offer_out(view: Any, declined: dict[Any, str] | None = None) -> OfferOut:
    """An offer as the API shows it; ``declined`` maps the offers the reader declined to their reasons."""
    declined = declined or {}
    return OfferOut(
        declined=view.offer_id in declined,
        declined_reason=declined.get(view.offer_id, ""),
        id=view.offer_id,
        restricted=view.restricted,
        indicator=view.indicator_code,
        indicator_label=view.indicator_label,
        provenance=view.provenance,
        evidence=view.evidence,
        source_url=view.source_url,
        observed_on=view.observed_on,
        timeframe=view.timeframe,
        version=view.version,
    )


class CloseIn(Schema):
    version: int = Field(..., ge=1)
    reason: str = Field(..., max_length=MAX_TEXT, description="Why it is closed without agreeing a level.")


class OfferAcceptIn(Schema):
    version: int = Field(
        ..., ge=1, description="The offer's `version` as you read it; a stale one gets 409, nothing taken."
    )


class OfferDeclineIn(Schema):
    version: int = Field(
        ..., ge=1, description="The offer's `version` as you read it; a stale one gets 409, nothing declined."
    )
    reason: str = Field(..., max_length=MAX_TEXT, description="Why you are not taking this indicator.")
