"""What the referrals API accepts and returns.

Input is strict (unknown fields refused; ISO dates only). Field names are those the services use, so a
problem anywhere reads as a path: ``subjects.0.date_of_birth``, ``contexts.1.name``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import StringConstraints

from harbour.frontdoor.inputs import ContextInput, ReferralInput, SubjectInput, SubjectSummary
from harbour.frontdoor.models import Referral
from harbour.people.schemas import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    Code,
    DateOfBirth,
    IsoDate,
    NhsNumber,
    StrictInput,
    Text10,
    Text13,
    Text40,
    Text100,
    Text200,
)

# Free text may run over several lines; the services check the length and refuse NUL characters.
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Text500 = Annotated[str, StringConstraints(max_length=500)]


class Coded(Schema):
    code: str
    label: str


# --- input -------------------------------------------------------------------------------------


class SubjectIn(StrictInput):
    """A young person: ``person_id`` of one already known, or the details of a new one."""

    person_id: UUID | None = Field(None, description="A person found with the 'already known?' search.")
    first_name: Text100 = ""
    last_name: Text100 = ""
    date_of_birth: DateOfBirth = Field(None, description="YYYY-MM-DD.")
    gender: Code = Field("", description="A gender code from Harbour's reference data.")
    postcode: Text10 = ""
    nhs_number: NhsNumber = ""
    upn: Text13 = ""
    school: Text200 = Field("", description="The school's id, URN or full name.")
    matched_score: float | None = Field(None, ge=0, le=1, description="The match score you were shown.")


class ContextIn(StrictInput):
    """A place or group the concern is about."""

    name: Text200
    context_type: Code = Field(description="A context type code, such as park-open-space.")
    description: LongText = ""
    address: Annotated[str, StringConstraints(max_length=300)] = ""
    postcode: Text10 = ""
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=8, decimal_places=5)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=8, decimal_places=5)


class ReferralIn(StrictInput):
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=20)
    contexts: list[ContextIn] = Field(default_factory=list, max_length=20)
    concern_types: list[Code] = Field(description="Concern type codes, at least one.", max_length=20)
    urgency: Code = Field(description="immediate-risk, urgent or standard.")
    what_happened: LongText
    happened_on: IsoDate = None
    happened_on_estimate: Text200 = ""
    location_text: Text500 = ""
    location_postcode: Text10 = ""
    people_of_concern: LongText = ""
    young_person_words: LongText = Field("", description="What the young person said, in their own words.")
    parents_aware: Referral.ParentsAware
    parents_not_aware_reason: LongText = ""
    consent: Referral.Consent
    lawful_basis: Code = Field("", description="Required unless consent was given.")
    lawful_basis_note: LongText = ""
    referrer_phone: Text40 = ""

    def to_input(self) -> ReferralInput:
        return ReferralInput(
            subjects=[SubjectInput(**subject.model_dump()) for subject in self.subjects],
            contexts=[ContextInput(**context.model_dump()) for context in self.contexts],
            concern_types=list(self.concern_types),
            urgency=self.urgency,
            what_happened=self.what_happened,
            happened_on=self.happened_on,
            happened_on_estimate=self.happened_on_estimate,
            location_text=self.location_text,
            location_postcode=self.location_postcode,
            people_of_concern=self.people_of_concern,
            young_person_words=self.young_person_words,
            parents_aware=str(self.parents_aware.value),
            parents_not_aware_reason=self.parents_not_aware_reason,
            consent=str(self.consent.value),
            lawful_basis=self.lawful_basis,
            lawful_basis_note=self.lawful_basis_note,
            referrer_phone=self.referrer_phone,
        )


class DecisionIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The version you read; a stale one gets 409.")
    decision_type: Code
    rationale: LongText
    no_further_action_reason: Code = ""
    next_steps: LongText = ""


class WithdrawIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The version you read; a stale one gets 409.")
    reason: LongText = Field(..., description="Why the referral is being withdrawn (required).")


class ReferralFilters(Schema):
    """Paging only: nothing personal travels in the URL."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# --- output ------------------------------------------------------------------------------------


class SubjectOut(Schema):
    person_id: UUID
    name: str
    access_level: str = Field(description="full, or name_only (no date of birth).")
    date_of_birth: date | None


class ContextOut(Schema):
    name: str
    context_type: Coded
    description: str
    address: str
    postcode: str
    latitude: Decimal | None
    longitude: Decimal | None


class DecisionOut(Schema):
    decision_type: Coded
    no_further_action_reason: Coded | None
    rationale: str
    next_steps: str
    decided_by: str
    decided_at: datetime


class WithdrawalOut(Schema):
    withdrawn_at: datetime
    withdrawn_by: str
    reason: str


class BreachOut(Schema):
    """A report that the referral passed its timescale (front door only), kept when re-graded."""

    urgency: Coded
    due_by: datetime
    reported_at: datetime
    regraded_at: datetime | None
    regraded_to: Coded | None


class PublicOut(Schema):
    """What a member of the public told us about themselves (front door only)."""

    relationship: str
    young_person_name: str
    young_person_age: str
    contact_name: str
    contact_details: str


class ReferralListItem(Schema):
    id: UUID
    version: int
    reference: str
    source: str
    status: str
    urgency: Coded
    concern_types: list[Coded]
    subjects: list[SubjectOut]
    contexts: list[str]
    submitted_at: datetime
    due_by: datetime
    overdue: bool
    decision: Coded | None


class ReferralOut(ReferralListItem):
    what_happened: str
    happened_on: date | None
    happened_on_estimate: str
    location_text: str
    location_postcode: str
    people_of_concern: str
    young_person_words: str
    parents_aware: str
    parents_not_aware_reason: str
    consent: str
    lawful_basis: Coded | None
    lawful_basis_note: str
    referrer: str
    referrer_agency: str
    referrer_phone: str
    context_details: list[ContextOut]
    public: PublicOut | None
    decisions: list[DecisionOut]
    withdrawal: WithdrawalOut | None = None
    breaches: list[BreachOut] = Field(default_factory=list)


class ReferralPage(Schema):
    items: list[ReferralListItem]
    count: int
    page: int
    page_size: int
    next: str | None = None
    next_page: int | None = None


# --- building the output -----------------------------------------------------------------------


def _coded(row: Any) -> Coded | None:
    return Coded(code=row.code, label=row.label) if row is not None else None


def _subject(summary: SubjectSummary) -> SubjectOut:
    return SubjectOut(
        person_id=summary.person_id,
        name=summary.name,
        access_level="full" if summary.full else "name_only",
        date_of_birth=summary.date_of_birth,
    )


def referral_list_item(
    referral: Referral, summaries: list[SubjectSummary], *, now: datetime
) -> dict[str, Any]:
    decision = referral.decision
    return {
        "id": referral.pk,
        "version": referral.version,
        "reference": referral.reference,
        "source": referral.source,
        "status": referral.status,
        "urgency": _coded(referral.urgency),
        "concern_types": [_coded(row) for row in referral.concern_types.all()],
        "subjects": [_subject(summary) for summary in summaries],
        "contexts": [context.name for context in referral.contexts.all()],
        "submitted_at": referral.submitted_at,
        "due_by": referral.due_by,
        "overdue": referral.is_open and referral.due_by <= now,
        "decision": _coded(decision.decision_type) if decision is not None else None,
    }


def referral_detail(
    referral: Referral, summaries: list[SubjectSummary], *, now: datetime, front_door: bool
) -> ReferralOut:
    public = None
    if referral.source == Referral.Source.PUBLIC and front_door:
        public = PublicOut(
            relationship=referral.public_relationship,
            young_person_name=referral.public_young_person_name,
            young_person_age=referral.public_young_person_age,
            contact_name=referral.public_contact_name,
            contact_details=referral.public_contact_details,
        )
    return ReferralOut(
        **referral_list_item(referral, summaries, now=now),
        what_happened=referral.what_happened,
        happened_on=referral.happened_on,
        happened_on_estimate=referral.happened_on_estimate,
        location_text=referral.location_text,
        location_postcode=referral.location_postcode,
        people_of_concern=referral.people_of_concern,
        young_person_words=referral.young_person_words,
        parents_aware=referral.parents_aware,
        parents_not_aware_reason=referral.parents_not_aware_reason,
        consent=referral.consent,
        lawful_basis=_coded(referral.lawful_basis),
        lawful_basis_note=referral.lawful_basis_note,
        referrer=str(referral.referrer) if referral.referrer else "",
        referrer_agency=referral.referrer_agency.name if referral.referrer_agency else "",
        referrer_phone=referral.referrer_phone,
        context_details=[
            ContextOut(
                name=context.name,
                context_type=Coded(code=context.context_type.code, label=context.context_type.label),
                description=context.description,
                address=context.address,
                postcode=context.postcode,
                latitude=context.latitude,
                longitude=context.longitude,
            )
            for context in referral.contexts.all()
        ],
        public=public,
        decisions=[
            DecisionOut(
                decision_type=Coded(code=d.decision_type.code, label=d.decision_type.label),
                no_further_action_reason=_coded(d.no_further_action_reason),
                rationale=d.rationale,
                next_steps=d.next_steps,
                decided_by=str(d.decided_by),
                decided_at=d.decided_at,
            )
            for d in referral.decisions.select_related(
                "decision_type", "no_further_action_reason", "decided_by"
            ).order_by("-decided_at")
        ],
        withdrawal=WithdrawalOut(
            withdrawn_at=referral.withdrawn_at,
            withdrawn_by=str(referral.withdrawn_by) if referral.withdrawn_by else "",
            reason=referral.withdrawal_reason,
        )
        if referral.withdrawn_at is not None
        else None,
        breaches=[
            BreachOut(
                urgency=Coded(code=b.urgency.code, label=b.urgency.label),
                due_by=b.due_by,
                reported_at=b.reported_at,
                regraded_at=b.regraded_at,
                regraded_to=_coded(b.regraded_to),
            )
            for b in referral.breaches.select_related("urgency", "regraded_to")
        ]
        if front_door
        else [],
    )
