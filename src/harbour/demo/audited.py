"""Audit events for what the seed writes in bulk, as ``audit.record`` writes them one at a time.

Where a stage of the seed reproduces a service's writes in bulk (the education indicators it offers),
it records the same events the service would: by the system (no actor), in the same order, each
chained to the one before under the same lock, so ``harbour audit verify`` holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.core import request_context

# (action, the object it concerns, the person it concerns, detail)
Entry = tuple[str, models.Model, Any, dict[str, Any]]


def record_many(entries: Iterable[Entry], batch_size: int = 2000) -> int:
    """Append one system event per entry, in order. Returns how many."""
    context = request_context.current()
    events: list[AuditEvent] = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit.ADVISORY_LOCK_KEY])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        previous = previous or audit.GENESIS_HASH
        for action, obj, about, detail in entries:
            object_type, object_id = audit.object_reference(obj)
            person_id = obj.pk if about is None and object_type == "people.person" else about
            event = AuditEvent(
                occurred_at=timezone.now(),
                actor_id=None,
                actor_username="",
                actor_agency="",
                action=action,
                object_type=object_type,
                object_id=object_id,
                person_id=person_id,
                reason="",
                detail=json.loads(json.dumps(detail, default=str)),
                request_id=context.request_id,
                ip_address=context.ip_address,
                channel=context.channel,
                previous_hash=previous,
            )
            event.hash = previous = audit.compute_hash(event)
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
