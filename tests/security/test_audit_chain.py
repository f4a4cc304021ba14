"""The audit trail: one event per action, a verifiable hash chain, and a table that refuses changes."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.people import selectors
from harbour.people.services import person_update


def _events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def test_viewing_a_person_writes_exactly_one_event(world):
    practitioner = world.users["practitioner"]
    selectors.person_get_for(actor=practitioner, person_id=world.inside.pk)
    events = _events("person.viewed", person_id=world.inside.pk)
    assert events.count() == 1
    event = events.get()
    assert event.actor_id == practitioner.pk
    assert event.actor_agency == "Norfolk Children's Services"
    assert event.detail["level"] == "full"


def test_name_only_view_is_audited_with_its_level(world):
    selectors.person_get_for(actor=world.users["practitioner"], person_id=world.outside.pk)
    assert _events("person.viewed", person_id=world.outside.pk).get().detail["level"] == "name_only"


def test_an_edit_writes_exactly_one_event_with_the_change(world):
    person = world.inside
    person_update(
        actor=world.users["practitioner"],
        person=person,
        version=person.version,
        changes={"preferred_name": "JJ"},
    )
    event = _events("person.changed", person_id=person.pk).get()
    assert event.detail["changes"] == {"preferred_name": {"from": "", "to": "JJ"}}


def test_chain_verifies_when_intact(world, capsys):
    for _ in range(3):
        selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    call_command("audit", "verify")
    assert "Audit chain intact" in capsys.readouterr().out


def _disable_guard():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")


def test_chain_verification_fails_when_a_row_is_altered(world):
    for _ in range(3):
        selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    victim = AuditEvent.objects.order_by("id")[1]
    _disable_guard()  # an attacker with database rights; the test's transaction restores the guard
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_username = %s WHERE id = %s", ["someone_else", victim.id]
        )
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("audit", "verify")


def test_chain_verification_fails_when_a_row_is_removed(world):
    for _ in range(3):
        selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    victim = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.id])
    problems = list(audit.verify_chain())
    assert [p.problem for p in problems] == ["does not link to the event before it"]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_database_refuses_update_and_delete_of_audit_rows(world, statement):
    selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="person.viewed").count() == 1


def test_events_chain_in_order(world):
    selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    selectors.person_get_for(actor=world.users["practitioner"], person_id=world.outside.pk)
    first, second = AuditEvent.objects.order_by("id")[:2]
    assert second.previous_hash == first.hash
    assert first.previous_hash == audit.GENESIS_HASH
