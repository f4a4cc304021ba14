"""The lead withdraws a request while the professional asked writes to it (saves their contribution, or
takes an offered indicator): two real API requests on two connections, both having read the request
before either writes.

Each order is tried (the second writes once the first has committed). Exactly one wins and the other
gets a clear answer, never a 500: if the contributor's write commits first, the withdrawal finds the
version moved (409) and the contribution stays; if the withdrawal commits first, the write finds the
request gone under its lock (404, as for any record they no longer see) and nothing is written. On
SQLite's shared-cache in-memory database (the suite's), either writer may instead be refused at once as
busy (409, nothing written by it), so there only consistency is checked. Runs on a SQLite file in WAL
mode, in memory, and on PostgreSQL (the fixtures come from test_decline_race)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from harbour.assessments import services
from harbour.assessments.models import Contribution
from harbour.audit.models import AuditEvent
from tests.api.conftest import bearer_headers
from tests.assessments import helpers
from tests.assessments.test_decline_race import database, flush_past_the_audit_guard

__all__ = ["database", "flush_past_the_audit_guard"]  # fixtures used below

BASE = "/api/v1/assessments/"
WITHDRAWN = "assessment.contribution_request_withdrawn"
WRITES = {"save": "assessment.contribution_saved", "accept": "assessment.offer_accepted"}


def _state(path: Path | None, contribution_id: Any, write: str) -> tuple[int, int, int]:
    """How many rows the request has (0 or 1), and how many write and withdrawal events were recorded."""
    actions = (WRITES[write], WITHDRAWN)
    if path is None:
        rows = Contribution.objects.filter(pk=contribution_id).count()
        return rows, *(AuditEvent.objects.filter(action=action).count() for action in actions)
    with sqlite3.connect(path) as copy:
        rows = copy.execute(
            "SELECT count(*) FROM assessments_contribution WHERE id = ?", [contribution_id.hex]
        ).fetchone()[0]
        counts = [
            copy.execute("SELECT count(*) FROM audit_auditevent WHERE action = ?", [action]).fetchone()[0]
            for action in actions
        ]
    return rows, *counts


@pytest.mark.parametrize("first", ["contributor", "lead"])
@pytest.mark.parametrize("write", ["save", "accept"])
def test_a_withdrawal_and_a_contributors_write_sent_together_leave_one_outcome(
    flush_past_the_audit_guard, transactional_db, world, monkeypatch, database, write, first
):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    contribution = helpers.ask(world, assessment, officer)
    offer = helpers.offer_from_missing(world)
    lead_headers = bearer_headers(world.users["practitioner"])
    officer_headers = bearer_headers(officer, name="officer")
    path = database() if database else None

    # Both services have read (policy checks, the request, its version) before their one transaction:
    # each waits there until the other has read too; then ``first`` writes and commits, then the other.
    both_read = threading.Barrier(2, timeout=20)
    first_done = threading.Event()

    @contextlib.contextmanager
    def atomic_in_turn(*args: Any, **kwargs: Any) -> Iterator[None]:
        both_read.wait()
        goes_first = threading.current_thread().name == first
        if not goes_first:
            assert first_done.wait(timeout=20)
        try:
            with transaction.atomic(*args, **kwargs):
                yield
        finally:
            if goes_first:
                first_done.set()

    monkeypatch.setattr(
        services,
        "transaction",
        SimpleNamespace(atomic=atomic_in_turn, on_commit=transaction.on_commit),
    )
    results: dict[str, Any] = {}

    def send(name: str) -> None:
        client = Client(raise_request_exception=False)
        if name == "lead":
            method, url, data, headers = (
                client.post,
                f"{BASE}{assessment.pk}/contributors/{contribution.pk}/withdraw",
                {"version": contribution.version},
                lead_headers,
            )
        elif write == "save":
            answer = {"indicator": "missing-repeat", "value": "yes", "evidence": "Four episodes."}
            method, url, data, headers = (
                client.put,
                f"{BASE}{assessment.pk}/contribution",
                {"version": contribution.version, "answers": [answer]},
                officer_headers,
            )
        else:
            method, url, data, headers = (
                client.post,
                f"{BASE}{assessment.pk}/offers/{offer.pk}/accept",
                {"version": offer.version},
                officer_headers,
            )
        try:
            results[name] = method(url, data=json.dumps(data), content_type="application/json", **headers)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(name,), name=name) for name in ("contributor", "lead")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = {name: response.status_code for name, response in results.items()}
    assert set(statuses) == {"contributor", "lead"}
    assert 500 not in statuses.values(), {name: r.content for name, r in results.items()}
    state = _state(path, contribution.pk, write)
    written = (statuses["contributor"], statuses["lead"], state) == (200, 409, (1, 1, 0))
    withdrawn = (statuses["contributor"], statuses["lead"], state) == (404, 200, (0, 0, 1))
    if database is None and connection.vendor == "sqlite":
        # In memory, SQLite refuses a second writer at once, even one that overlaps the other request's
        # smaller writes (its sign-in, the audit event of the read that answers it, which may come after
        # its write committed): either request may answer busy (409). The data is still one outcome.
        assert state in {(1, 1, 0), (0, 0, 1), (1, 0, 0)}, (statuses, state)
    elif first == "contributor":
        # Written first: the withdrawal, which read the old version, finds it moved; nothing withdrawn.
        assert written, (statuses, state)
    else:
        # Withdrawn first: the write, which read the request, finds it gone under its lock.
        assert withdrawn, (statuses, state)
