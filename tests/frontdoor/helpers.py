"""Builders shared by the front-door backend tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from harbour.frontdoor import services
from harbour.frontdoor.inputs import ContextInput, ReferralInput, SubjectInput
from harbour.frontdoor.models import Referral


def referral_input(**changes: Any) -> ReferralInput:
    data = ReferralInput(
        subjects=[],
        contexts=[],
        concern_types=["child-criminal-exploitation"],
        urgency="standard",
        what_happened="Seen being driven to Great Yarmouth by an older man late at night.",
        happened_on=None,
        happened_on_estimate="over the last few weeks",
        location_text="Great Yarmouth seafront",
        location_postcode="NR30 2EZ",
        people_of_concern="An older man known as 'T'.",
        young_person_words="He said 'I owe them, I have to go'.",
        parents_aware="yes",
        parents_not_aware_reason="",
        consent="not-sought",
        lawful_basis="public-task-safeguarding",
        lawful_basis_note="",
    )
    return replace(data, **changes)


def about(person: Any, **changes: Any) -> ReferralInput:
    return referral_input(subjects=[SubjectInput(person_id=person.pk)], **changes)


def new_child(**fields: Any) -> SubjectInput:
    values = {"first_name": "Kacey", "last_name": "Holt", "gender": "female", "postcode": "NR2 4AB"}
    values.update(fields)
    return SubjectInput(**values)


def park() -> ContextInput:
    return ContextInput(name="Chapelfield Gardens", context_type="park-open-space", postcode="NR2 1NY")


def submit(actor: Any, data: ReferralInput | None = None, key: str | None = None) -> Referral:
    return services.referral_submit(
        actor=actor, data=data or referral_input(contexts=[park()]), idempotency_key=key or uuid.uuid4().hex
    )
