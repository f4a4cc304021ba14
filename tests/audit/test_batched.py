"""Events recorded inside ``audit.batched()`` (the home page's queues) are written together at its end."""

from __future__ import annotations

import pytest
from django.db import transaction

from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain

pytestmark = pytest.mark.django_db


def test_reads_recorded_in_a_batch_are_written_at_its_end_in_order_and_chained(world):
    audit.record(world.users["practitioner"], "person.caseload_viewed", detail={"before": True})
    with audit.batched():
        audit.record(world.users["practitioner"], "referral.queue_viewed", detail={"referrals": 1})
        audit.record(world.users["practitioner"], "education.viewed", detail={"purpose": "queue"})
        assert AuditEvent.objects.count() == 1  # not yet written
    events = list(AuditEvent.objects.order_by("id"))
    assert [event.action for event in events] == [
        "person.caseload_viewed",
        "referral.queue_viewed",
        "education.viewed",
    ]
    assert events[1].previous_hash == events[0].hash
    assert events[2].previous_hash == events[1].hash
    assert not list(verify_chain())


def test_an_event_recorded_in_a_transaction_opened_inside_the_batch_is_written_with_it(world):
    with audit.batched():
        audit.record(world.users["practitioner"], "referral.queue_viewed")
        with transaction.atomic():
            audit.record(world.users["practitioner"], "person.updated")
            # Written now, inside the change's transaction, ahead of the read still waiting.
            assert list(AuditEvent.objects.values_list("action", flat=True)) == ["person.updated"]
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "person.updated",
        "referral.queue_viewed",
    ]
    assert not list(verify_chain())


def test_the_batch_is_written_when_the_block_fails(world):
    def read_then_fail() -> None:
        with audit.batched():
            audit.record(world.users["practitioner"], "referral.queue_viewed")
            raise RuntimeError("a queue failed after its read")

    with pytest.raises(RuntimeError):
        read_then_fail()
    assert AuditEvent.objects.filter(action="referral.queue_viewed").count() == 1
    assert not list(verify_chain())


def test_the_home_page_still_records_its_queues_reads(world):
    client = world.client_for("front-door-officer")
    assert client.get("/").status_code == 200
    assert (
        AuditEvent.objects.filter(
            action="referral.queue_viewed", actor_id=world.users["front-door-officer"].pk
        ).count()
        == 1
    )
    assert not list(verify_chain())
