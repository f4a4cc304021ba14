"""On PostgreSQL the home page fills its queues on several threads, each with its own connection; in a
transaction, and on SQLite, one after another on the request's own thread (ui/queues.py)."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.core import request_context
from harbour.people.models import Person
from harbour.ui import queues
from harbour.ui.queues import QueueItem, WorkQueue, filled_queues_for
from tests import factories
from tests.assessments.test_decline_race import flush_past_the_audit_guard  # noqa: F401 (a fixture)

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="queues are filled on threads on PostgreSQL only",
)


@pytest.fixture
def in_a_request() -> Iterator[str]:
    """What RequestContextMiddleware sets up for a request."""
    context = request_context.set_current(
        request_context.RequestContext(request_id="req-threads", channel="web")
    )
    cache = request_context.start_cache()
    try:
        yield "req-threads"
    finally:
        request_context.end_cache(cache)
        request_context.reset(context)


class Recorder:
    """Test queues that say which thread filled them, read the database, record that they were read,
    and ask the request's kept answers one shared question."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}
        self.shared_computed = 0
        self.lock = threading.Lock()

    def _shared(self) -> int:
        with self.lock:
            self.shared_computed += 1
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return Person.objects.count()

    def register(self, code: str, order: int, *, fail: bool = False) -> None:
        def items(actor: Any) -> list[QueueItem]:
            self.threads[code] = threading.current_thread().name
            if fail:
                raise RuntimeError("a domain app's bug")
            people = request_context.once_a_request("people-count", self._shared)
            audit.record(actor, "education.queue_viewed", detail={"queue": code, "shown": 1})
            return [QueueItem(title=f"{code}: {people} people", url="/")]

        queues.register(
            WorkQueue(code=code, title=code, empty_text="", capability=None, items=items, order=order)
        )


@pytest.mark.postgres
@on_postgresql
def test_on_postgresql_queues_are_filled_on_threads_in_order_with_one_audit_batch(
    flush_past_the_audit_guard,  # noqa: F811 (the fixture imported above)
    transactional_db,
    world,
    only_test_queues,
    in_a_request,
    settings,
):
    settings.HARBOUR_QUEUE_THREADS = 3
    actor = world.users["practitioner"]
    factories.PersonFactory()
    people = Person.objects.count()
    recorder = Recorder()
    for order, code in enumerate(["first", "second", "broken", "fourth"]):
        recorder.register(code, order, fail=code == "broken")
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    with audit.batched():
        filled = filled_queues_for(actor)

    assert [queue.code for queue in filled] == ["first", "second", "broken", "fourth"]
    assert all(name.startswith("queues") for name in recorder.threads.values()), recorder.threads
    assert [item.title for item in filled[0].items] == [f"first: {people} people"]
    assert filled[2].failed  # one failing queue does not take the others down
    assert not filled[3].failed
    assert recorder.shared_computed == 1  # asked by three threads, worked out once
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert sorted(event.detail["queue"] for event in events) == ["first", "fourth", "second"]
    assert {event.request_id for event in events} == {in_a_request}
    assert [event.id for event in events] == list(range(events[0].id, events[0].id + 3))  # one INSERT
    assert all(later.previous_hash == earlier.hash for earlier, later in itertools.pairwise(events))


@pytest.mark.django_db
def test_inside_a_transaction_queues_are_filled_on_the_requests_own_thread(
    world, only_test_queues, in_a_request, settings
):
    """A test's transaction (as any open on the request's connection) holds rows that other connections
    cannot see: the queues read them on the request's own connection. SQLite always does."""
    settings.HARBOUR_QUEUE_THREADS = 3
    actor = world.users["practitioner"]
    factories.PersonFactory()
    people = Person.objects.count()
    recorder = Recorder()
    recorder.register("first", 1)
    recorder.register("second", 2)
    assert connection.in_atomic_block

    with audit.batched():
        filled = filled_queues_for(actor)

    assert set(recorder.threads.values()) == {threading.current_thread().name}
    assert [item.title for queue in filled for item in queue.items] == [
        f"first: {people} people",
        f"second: {people} people",
    ]


@pytest.mark.postgres
@on_postgresql
def test_one_thread_when_so_configured(
    flush_past_the_audit_guard,  # noqa: F811 (the fixture imported above)
    transactional_db,
    world,
    only_test_queues,
    in_a_request,
    settings,
):
    settings.HARBOUR_QUEUE_THREADS = 1
    recorder = Recorder()
    recorder.register("first", 1)
    recorder.register("second", 2)

    filled_queues_for(world.users["practitioner"])

    assert set(recorder.threads.values()) == {threading.current_thread().name}
