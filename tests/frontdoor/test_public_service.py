"""The public concern service writes and never reads: it gives back only the reference."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from harbour.audit.models import AuditEvent
from harbour.frontdoor import selectors, services
from harbour.frontdoor.inputs import PublicConcernInput
from harbour.frontdoor.models import Referral

pytestmark = pytest.mark.django_db

TEXT = "  I run the takeaway on Magdalen St.  Two lads (14?) come in every night with a man who pays\ncash.  "


def concern(**changes) -> PublicConcernInput:
    return dataclasses.replace(
        PublicConcernInput(
            relationship="business", what_happened=TEXT, where="Magdalen St ", when="most nights"
        ),
        **changes,
    )


def test_returns_only_the_reference_and_keeps_text_exactly(reference):
    receipt = services.referral_submit_public(data=concern(), client_address="198.51.100.7")
    assert [field.name for field in dataclasses.fields(receipt)] == ["reference"]
    stored = Referral.objects.get(reference=receipt.reference)
    assert stored.what_happened == TEXT
    assert stored.location_text == "Magdalen St "
    assert (stored.source, stored.referrer, stored.urgency.code) == ("public", None, "standard")
    assert stored.subjects.count() == 0
    event = AuditEvent.objects.get(action="referral.public_submitted")
    assert event.actor_id is None
    assert TEXT.strip()[:20] not in str(event.detail)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"relationship": ""}, "relationship"),
        ({"relationship": "police"}, "relationship"),
        ({"what_happened": "   \n "}, "what_happened"),
        ({"what_happened": "x" * 10_001}, "what_happened"),
        ({"where": "x" * 501}, "where"),
        ({"contact_details": "x" * 501}, "contact_details"),
        ({"young_person_name": "x" * 201}, "young_person_name"),
        ({"what_happened": "bad \x00 byte"}, "what_happened"),
    ],
)
def test_validation(reference, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        services.referral_submit_public(data=concern(**changes), client_address="198.51.100.7")
    assert field in excinfo.value.message_dict
    assert Referral.objects.count() == 0


def test_a_repeated_form_token_creates_nothing(reference):
    first = services.referral_submit_public(data=concern(), client_address="x", idempotency_key="tok")
    again = services.referral_submit_public(data=concern(), client_address="x", idempotency_key="tok")
    assert first == again
    assert Referral.objects.count() == 1


def test_public_concerns_reach_the_queue_and_nobody_else(world):
    receipt = services.referral_submit_public(data=concern(), client_address="x")
    rows = selectors.referral_queue_for(actor=world.users["front-door-officer"])
    assert [row.reference for row in rows] == [receipt.reference]
    assert rows[0].referrer == "Member of the public"
    assert selectors.referral_queue_for(actor=world.users["practitioner"]) == []
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.referral_sent_by(actor=AnonymousUser())) == []
    assert list(selectors.feedback_unread_for(actor=AnonymousUser())) == []


def test_deciding_a_public_concern_sends_no_feedback(world):
    receipt = services.referral_submit_public(data=concern(), client_address="x")
    referral = Referral.objects.get(reference=receipt.reference)
    services.referral_decide(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        decision_type="no-further-action",
        no_further_action_reason="not-enough-to-identify",
        rationale="Passed to the contexts team for the takeaway.",
    )
    assert referral.notifications.count() == 0
