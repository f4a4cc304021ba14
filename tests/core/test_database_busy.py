"""A write that waits on SQLite's one write lock longer than the busy timeout: the page and the API say
another change was being saved and nothing has been saved (409), never a server error, and nothing of
the refused write is kept; the same write sent again once the lock is free goes through.

The lock is really held: the test database is copied to a WAL file (as production runs SQLite), a
second connection takes the write lock (``BEGIN IMMEDIATE``), and the request, on its own connection
with a busy timeout of a fifth of a second, waits for it in vain. Any other database error is still a
server error."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from harbour.assessments import services
from harbour.assessments.models import Assessment
from harbour.audit.models import AuditEvent
from harbour.core.busy import BUSY_MESSAGE
from tests.api.conftest import bearer_headers
from tests.assessments import helpers
from tests.assessments import test_decline_race as race

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one write lock")

flush_past_the_audit_guard = race.flush_past_the_audit_guard  # the fixture: lets the flush past the triggers

REASON = "The family moved to Leeds; the case has been transferred."


@pytest.fixture
def wal_file(tmp_path: Path) -> Iterator[Callable[[], Path]]:
    """A function that copies the test database to a WAL file and points new connections at it, with a
    busy timeout of 0.2 s. Requests then run in their own threads (so on their own connections)."""
    settings = connection.settings_dict
    original = settings["NAME"], settings["OPTIONS"]
    path = tmp_path / "harbour.sqlite3"

    def switch() -> Path:
        copy = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")
        copy.close()
        settings["NAME"], settings["OPTIONS"] = str(path), {**original[1], "timeout": 0.2}
        return path

    yield switch
    settings["NAME"], settings["OPTIONS"] = original


def _send(client: Client, method: str, url: str, **kwargs: Any) -> Any:
    """One request on its own connection (a new thread), as a second worker process would be."""
    answer: dict[str, Any] = {}

    def run() -> None:
        try:
            answer["response"] = getattr(client, method)(url, **kwargs)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return answer["response"]


def _held(path: Path) -> sqlite3.Connection:
    """Another writer holding SQLite's write lock (a long import, say)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def _state(path: Path, assessment_id: Any) -> tuple[str, int]:
    with sqlite3.connect(path) as copy:
        status = copy.execute(
            "SELECT status FROM assessments_assessment WHERE id = ?", [assessment_id.hex]
        ).fetchone()[0]
        closed = copy.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'assessment.closed'")
        return status, closed.fetchone()[0]


@sqlite_only
def test_a_page_write_refused_the_lock_says_so_and_keeps_nothing(
    flush_past_the_audit_guard, transactional_db, world, wal_file
):
    assessment = helpers.open_for(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["practitioner"])
    path = wal_file()
    url = reverse("assessments:close", args=[assessment.pk])
    body = {"version": assessment.version, "reason": REASON}

    other = _held(path)
    try:
        refused = _send(client, "post", url, data=body)
    finally:
        other.rollback()
        other.close()
    assert refused.status_code == 409
    text = refused.content.decode()
    assert BUSY_MESSAGE in text
    assert '<h1 class="govuk-heading-l">Not saved: try again</h1>' in text  # its own page, not the 500's
    assert _state(path, assessment.pk) == (Assessment.Status.OPEN, 0)  # nothing half-written

    again = _send(client, "post", url, data=body)
    assert again.status_code == 302
    assert _state(path, assessment.pk) == (Assessment.Status.CLOSED, 1)


@sqlite_only
def test_an_api_write_refused_the_lock_gets_409_in_the_error_format_and_keeps_nothing(
    flush_past_the_audit_guard, transactional_db, world, wal_file
):
    assessment = helpers.open_for(world)
    headers = bearer_headers(world.users["practitioner"])
    path = wal_file()
    client = Client(raise_request_exception=False)
    url = f"/api/v1/assessments/{assessment.pk}/close"
    body = {"version": assessment.version, "reason": REASON}

    other = _held(path)
    try:
        refused = _send(client, "post", url, data=body, content_type="application/json", **headers)
    finally:
        other.rollback()
        other.close()
    assert refused.status_code == 409, refused.content
    assert refused.json() == {"error": {"code": "busy", "message": BUSY_MESSAGE, "fields": {}}}
    assert _state(path, assessment.pk) == (Assessment.Status.OPEN, 0)

    again = _send(client, "post", url, data=body, content_type="application/json", **headers)
    assert again.status_code == 200, again.content
    assert _state(path, assessment.pk) == (Assessment.Status.CLOSED, 1)


def test_any_other_database_error_is_still_a_server_error(world, monkeypatch):
    assessment = helpers.open_for(world)

    def broken(**kwargs: Any) -> Any:
        raise OperationalError("no such table: assessments_assessment")

    monkeypatch.setattr(services, "assessment_close", broken)
    body = {"version": assessment.version, "reason": REASON}
    page_client = Client(raise_request_exception=False)
    page_client.force_login(world.users["practitioner"])
    page = page_client.post(reverse("assessments:close", args=[assessment.pk]), body)
    assert page.status_code == 500
    api = Client(raise_request_exception=False).post(
        f"/api/v1/assessments/{assessment.pk}/close",
        data=body,
        content_type="application/json",
        **bearer_headers(world.users["practitioner"]),
    )
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "server_error"
    assert not AuditEvent.objects.filter(action="assessment.closed").exists()
