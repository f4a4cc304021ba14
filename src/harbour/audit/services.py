"""Writing and verifying the audit trail.

Each event carries the hash of the one before it. Writers take a lock so that two transactions
cannot both chain onto the same predecessor: an advisory transaction lock on PostgreSQL; on SQLite
the database's single writer (BEGIN IMMEDIATE) already serialises them.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core import request_context

GENESIS_HASH = "0" * 64
# The PostgreSQL advisory lock that orders appends to the chain (arbitrary, fixed: "the audit chain").
# Whatever appends events other than through ``record`` (the demo's bulk seed) takes it too.
ADVISORY_LOCK_KEY = 7_407_101


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": str(event.actor_id) if event.actor_id else "",
        "actor_username": event.actor_username,
        "actor_agency": event.actor_agency,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": str(event.person_id) if event.person_id else "",
        "reason": event.reason,
        "detail": event.detail,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "channel": event.channel,
        "previous_hash": event.previous_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def object_reference(obj: Any) -> tuple[str, str]:
    """The (object type, object id) an event records for ``obj``: ``("people.person", "<uuid>")``."""
    if obj is None:
        return "", ""
    meta = getattr(obj, "_meta", None)
    object_type = meta.label_lower if meta is not None else type(obj).__name__.lower()
    return object_type, str(getattr(obj, "pk", ""))


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    person_id: Any = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction so the event and the change commit together."""
    context = request_context.current()
    object_type, object_id = object_reference(obj)
    if person_id is None and object_type == "people.person":
        person_id = getattr(obj, "pk", None)
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    agency = ""
    if actor_id is not None:
        agency = getattr(actor, "_audit_agency", None) or actor.agency_name
        actor._audit_agency = agency
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_username=actor.get_username() if actor_id else "",
        actor_agency=agency,
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        reason=reason,
        detail=json.loads(json.dumps(detail or {}, default=str)),
        request_id=context.request_id,
        ip_address=context.ip_address,
        channel=context.channel,
    )
    waiting = _batch.get()
    # Deferred only when no transaction was opened inside the batch (a test's own transaction, or the
    # request's, was open before it): a change's event must commit with the change.
    if waiting is not None and len(connection.atomic_blocks) == waiting.depth:
        waiting.events.append(event)
        return event
    _append([event])
    return event


@dataclass
class _Batch:
    """Events recorded inside ``batched()`` and waiting to be written together, and how many
    transactions were open when the batch began."""

    depth: int
    events: list[AuditEvent]


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("audit_batch", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Write the events recorded inside this block together when it ends, in one transaction: one
    lock, one read of the chain's end and one INSERT, instead of a transaction (and a commit waiting
    for the disk) for each. For pages that read several lists, each recording that it was read (the
    home page's queues). An event recorded inside a transaction is still written in it at once, so a
    change and its event commit together. The events are written even when the block fails: the
    reads they record took place."""
    waiting = _Batch(depth=len(connection.atomic_blocks), events=[])
    token = _batch.set(waiting)
    try:
        yield
    finally:
        _batch.reset(token)
        if waiting.events:
            _append(waiting.events)


def _append(events: list[AuditEvent]) -> None:
    """Chain the events onto the end of the trail, in order, and insert them."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        for event in events:
            event.previous_hash = previous
            event.hash = previous = compute_hash(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Walk the whole chain in order and yield every event whose hash or link does not hold."""
    expected_previous = GENESIS_HASH
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        for event in batch:
            # Re-read JSON through the same path it was hashed from (round-trip normalises it).
            if event.previous_hash != expected_previous:
                yield ChainProblem(event.id, "does not link to the event before it")
            if compute_hash(event) != event.hash:
                yield ChainProblem(event.id, "its contents do not match its hash (it was altered)")
            expected_previous = event.hash
            last_id = event.id
