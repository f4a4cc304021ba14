"""Two submissions with one idempotency key: the database's unique constraint settles the race.

The service first looks for a referral with the caller's key. Two requests sent together both miss it;
the second insert is then refused by the `(referrer, idempotency_key)` constraint, and the service
answers with the first referral, marked as a replay (so the API says 200, not 201).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from harbour.audit.models import AuditEvent
from harbour.frontdoor import services
from harbour.frontdoor.models import Referral
from harbour.people.models import Person
from tests.api.conftest import bearer_headers
from tests.frontdoor.helpers import new_child, park, referral_input


@pytest.mark.django_db
def test_the_constraint_refuses_a_second_referral_with_the_same_key(world):
    referrer = world.users["practitioner"]
    services.referral_submit(actor=referrer, data=referral_input(contexts=[park()]), idempotency_key="k-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            reference="HR-1999-000001",
            urgency_id=Referral.objects.get().urgency_id,
            what_happened="x",
            submitted_at=Referral.objects.get().submitted_at,
            due_by=Referral.objects.get().due_by,
            referrer=referrer,
            idempotency_key="k-1",
        )
    # Another caller may use the same key.
    other = services.referral_submit(
        actor=world.users["team-manager"], data=referral_input(contexts=[park()]), idempotency_key="k-1"
    )
    assert not getattr(other, "replayed", False)
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_loser_found_only_through_the_constraint_gets_the_first_referral(world, monkeypatch):
    referrer = world.users["practitioner"]
    data = referral_input(subjects=[new_child()], contexts=[park()])
    first = services.referral_submit(actor=referrer, data=data, idempotency_key="race-1")
    assert not getattr(first, "replayed", False)

    # The second's look-up misses (as if the first committed just after it), so it goes on to insert.
    original = services._existing_for_key
    seen: list[Referral | None] = []

    def lookup(actor: Any, key: str) -> Referral | None:
        seen.append(original(actor, key))
        return None if len(seen) == 1 else seen[-1]

    monkeypatch.setattr(services, "_existing_for_key", lookup)
    second = services.referral_submit(actor=referrer, data=data, idempotency_key="race-1")
    assert len(seen) == 2  # missed once, then found after the constraint refused the insert
    assert seen[0] is not None  # it was there all along
    assert second.pk == first.pk
    assert second.replayed is True  # type: ignore[attr-defined]
    assert Referral.objects.count() == 1
    assert Person.objects.filter(first_name="Kacey", last_name="Holt").count() == 1  # nothing half-made
    assert AuditEvent.objects.filter(action="referral.submitted").count() == 1


@pytest.mark.django_db
def test_api_answers_200_with_the_first_referral_when_the_insert_loses(world, monkeypatch):
    client = Client()
    headers = bearer_headers(world.users["practitioner"])
    payload = json.dumps(
        {
            "contexts": [{"name": "Chapelfield Gardens", "context_type": "park-open-space"}],
            "concern_types": ["county-lines"],
            "urgency": "standard",
            "what_happened": "Seen at the station with older men late at night.",
            "parents_aware": "yes",
            "consent": "not-sought",
            "lawful_basis": "public-task-safeguarding",
        }
    )

    def send() -> Any:
        return client.post(
            "/api/v1/referrals/",
            data=payload,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="api-race",
            **headers,
        )

    first = send()
    assert first.status_code == 201, first.content
    original = services._existing_for_key
    calls = {"n": 0}

    def lookup(actor: Any, key: str) -> Referral | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else original(actor, key)

    monkeypatch.setattr(services, "_existing_for_key", lookup)
    second = send()
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.json()["id"]
    assert calls["n"] == 2
    assert Referral.objects.count() == 1


@pytest.fixture
def flush_past_the_audit_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A committed test's database is flushed (TRUNCATE) afterwards, which the audit table's append-only
    trigger refuses: lift it for the flush only, in the flush's own transaction (as tests/browser does).
    Set up before ``transactional_db`` so it is still in place when that flushes."""
    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self: BaseDatabaseOperations, sql_list: Any) -> None:
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "audit_auditevent" DISABLE TRIGGER USER')
            original(self, sql_list)
            cursor.execute('ALTER TABLE "audit_auditevent" ENABLE TRIGGER USER')

    monkeypatch.setattr(BaseDatabaseOperations, "execute_sql_flush", flush)


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite serialises writers before the look-up could race",
)
def test_two_concurrent_submissions_make_one_referral_on_postgresql(
    flush_past_the_audit_guard, transactional_db, world, monkeypatch
):
    """Two real transactions on two connections, both past the look-up before either inserts."""
    assert connection.vendor == "postgresql"
    referrer = world.users["practitioner"]
    data = referral_input(subjects=[new_child()], contexts=[park()])
    original = services._existing_for_key
    both_looked = threading.Barrier(2, timeout=20)
    first_lookups: set[int] = set()

    def lookup(actor: Any, key: str) -> Referral | None:
        found = original(actor, key)
        thread = threading.get_ident()
        if thread not in first_lookups:
            first_lookups.add(thread)
            both_looked.wait()  # neither has inserted yet: both miss
        return found

    monkeypatch.setattr(services, "_existing_for_key", lookup)
    results: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            results[name] = services.referral_submit(actor=referrer, data=data, idempotency_key="pg-race")
        except Exception as exc:  # reported by the assertions below
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, Referral) for result in results.values()), results
    a, b = results["a"], results["b"]
    assert a.pk == b.pk
    assert sorted([bool(getattr(a, "replayed", False)), bool(getattr(b, "replayed", False))]) == [False, True]
    assert Referral.objects.filter(idempotency_key="pg-race").count() == 1
    assert Person.objects.filter(first_name="Kacey", last_name="Holt").count() == 1
    assert AuditEvent.objects.filter(action="referral.submitted").count() == 1
