"""What the forms and the API hand to the front door's services: plain, typed values.

Field names here are the names validation errors use (``subjects.0.date_of_birth``, ``contexts.1.name``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class SubjectInput:
    """A young person the referral is about: one already known (``person_id``) or a new one."""

    person_id: UUID | None = None  # chosen from the "already known?" matches the actor was shown
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    gender: str = ""  # a people.Gender code
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""
    school: str = ""  # a school's id, URN or exact name
    matched_score: float | None = None  # the "already known?" score shown when it was chosen


@dataclass(frozen=True)
class ContextInput:
    """A place or group the concern is about."""

    name: str
    context_type: str  # a ContextType code
    description: str = ""
    address: str = ""
    postcode: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class ReferralInput:
    subjects: list[SubjectInput]
    contexts: list[ContextInput]
    concern_types: list[str]
    urgency: str
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
    lawful_basis: str
    lawful_basis_note: str
    referrer_phone: str = ""


@dataclass(frozen=True)
class PublicConcernInput:
    """What a member of the public tells us. Kept exactly as written."""

    relationship: str
    what_happened: str
    where: str = ""
    when: str = ""
    young_person_name: str = ""
    young_person_age: str = ""
    contact_name: str = ""
    contact_details: str = ""


@dataclass(frozen=True)
class QueueRow:
    """One referral on the front-door queue, with its subjects at the actor's access level."""

    referral_id: UUID
    reference: str
    source: str
    status: str
    status_label: str
    urgency_code: str
    urgency_label: str
    concern_types: list[str]
    submitted_at: datetime  # UTC
    due_by: datetime  # UTC
    overdue: bool
    working_hours_waited: float
    subjects: list[SubjectSummary] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    referrer: str = ""
    referrer_agency: str = ""
    re_referrals: int = 0
    triaged_by: str = ""
    version: int = 1


@dataclass(frozen=True)
class SubjectSummary:
    person_id: UUID
    name: str
    full: bool  # False: name-only (no date of birth shown)
    age: int | None = None
    date_of_birth: date | None = None
