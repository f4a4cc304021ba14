"""Two declines of one offered indicator sent together, as two real API requests on two connections.

Both requests read the offer before either writes. The second to write must get a clear answer (422,
already declined, or 409, busy: try again), never a 500, and exactly one decline is kept and audited.
On SQLite this runs twice: on a file database in WAL mode, as production runs it (the second waits for
the first's write lock, then finds its decline), and on the suite's shared-cache in-memory database,
where SQLite refuses a second writer at once ("database table is locked") instead of waiting.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from harbour.assessments import services
from harbour.assessments.models import OfferDecline
from harbour.audit.models import AuditEvent
from tests.api.conftest import bearer_headers
from tests.assessments import helpers

BASE = "/api/v1/assessments/"


@pytest.fixture
def flush_past_the_audit_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A committed test's database is flushed afterwards, which the audit table's append-only triggers
    refuse: lift them for the flush only, in the flush's own transaction (as tests/browser does)."""
    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self: BaseDatabaseOperations, sql_list: Any) -> None:
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute('ALTER TABLE "audit_auditevent" DISABLE TRIGGER USER')
                original(self, sql_list)
                cursor.execute('ALTER TABLE "audit_auditevent" ENABLE TRIGGER USER')
                return
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
            triggers = list(cursor.fetchall())
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            original(self, sql_list)
            for _name, sql in triggers:
                cursor.execute(sql)

    monkeypatch.setattr(BaseDatabaseOperations, "execute_sql_flush", flush)


DATABASES = ["file", "memory"] if connection.vendor == "sqlite" else ["server"]


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """``"file"``: a function that copies the test database to a WAL file and points new connections
    at it (the requests' threads open new connections); otherwise nothing to switch."""
    if request.param != "file":
        yield None
        return
    path = tmp_path / "harbour.sqlite3"
    original = connection.settings_dict["NAME"]

    def switch() -> Path:
        copy = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")
        copy.close()
        connection.settings_dict["NAME"] = str(path)
        return path

    yield switch
    connection.settings_dict["NAME"] = original


def _declines_and_events(path: Path | None, offer_id: Any) -> tuple[int, int]:
    if path is None:
        return (
            OfferDecline.objects.filter(offer_id=offer_id).count(),
            AuditEvent.objects.filter(action="assessment.offer_declined").count(),
        )
    with sqlite3.connect(path) as copy:
        declines = copy.execute(
            "SELECT count(*) FROM assessments_offerdecline WHERE offer_id = ?", [offer_id.hex]
        ).fetchone()[0]
        events = copy.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'assessment.offer_declined'"
        ).fetchone()[0]
    return declines, events


def test_two_declines_sent_together_keep_one_and_the_other_is_told_why(
    flush_past_the_audit_guard, transactional_db, world, monkeypatch, database
):
    assessment = helpers.open_for(world)
    offer = helpers.offer_from_missing(world)
    headers = bearer_headers(world.users["practitioner"])
    path = database() if database else None
    original = services._offer_for_contribution
    both_read = threading.Barrier(2, timeout=20)

    def read_then_wait(*args: Any) -> Any:
        found = original(*args)
        both_read.wait()  # both requests have read the offer; neither has written
        return found

    monkeypatch.setattr(services, "_offer_for_contribution", read_then_wait)
    results: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            results[name] = Client(raise_request_exception=False).post(
                f"{BASE}{assessment.pk}/offers/{offer.pk}/decline",
                data=json.dumps({"reason": f"Declined by request {name}.", "version": offer.version}),
                content_type="application/json",
                **headers,
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    answers = sorted(((r.status_code, r.json()) for r in results.values()), key=lambda answer: answer[0])
    assert len(answers) == 2
    assert answers[0][0] == 200, answers
    status, body = answers[1]
    if database is None and connection.vendor == "sqlite":
        # In memory, the second writer is refused at once: busy, nothing declined, try again.
        assert status in {409, 422}, answers
    else:
        # A file or PostgreSQL: the second waits for the first, then finds its decline.
        assert status == 422, answers
    if status == 422:
        assert body["error"]["fields"] == {"offer_id": "You have already declined this indicator."}
    else:
        assert body["error"]["code"] == "conflict"
        assert body["error"]["current_version"] == offer.version
    assert _declines_and_events(path, offer.pk) == (1, 1)
