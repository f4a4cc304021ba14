"""Closing a joint assessment without agreeing a level (the young person moved away): the lead only, with
a reason, audited; contributions stop and the access they gave ends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harbour.assessments.models import Assessment
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"
REASON = "The family moved to Leeds; the case has been transferred to Leeds children's services."


def _close(client: Any, assessment: Assessment, **body: Any) -> Any:
    data = {"version": assessment.version, "reason": REASON, **body}
    return client.post(f"{BASE}{assessment.pk}/close", data=json.dumps(data), content_type="application/json")


def test_the_lead_closes_with_a_reason_and_the_contributors_access_ends(world):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    officer_client = world.client_for(officer)
    assert officer_client.get(f"{BASE}{assessment.pk}").status_code == 200  # asked: sees it while open
    assessment.refresh_from_db()
    lead = world.client_for("practitioner")
    assert _close(world.client_for("team-manager"), assessment).status_code == 403  # reads it, not the lead
    empty = _close(lead, assessment, reason="  ")
    assert empty.status_code == 422
    assert "reason" in empty.json()["error"]["fields"]
    assert _close(lead, assessment, version=assessment.version + 1).status_code == 409
    closed = _close(lead, assessment)
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed"
    assert body["close_reason"] == REASON
    assert body["closed_at"] is not None
    assert body["agreed_level"] is None
    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.closed_by == world.users["practitioner"]
    event = AuditEvent.objects.get(action="assessment.closed")
    assert event.reason == REASON
    assert event.detail["contributions_waiting"] == 2  # the officer's and the lead's own, never sent
    assert officer_client.get(f"{BASE}{assessment.pk}").status_code == 404  # the access it gave has ended
    again = _close(lead, saved)
    assert again.status_code == 422
    assert "status" in again.json()["error"]["fields"]
    # A new assessment may be opened for the young person later.
    assert helpers.open_for(world).status == Assessment.Status.OPEN


def test_an_agreed_assessment_cannot_be_closed_this_way(world):
    assessment = helpers.open_for(world)
    helpers.record_words(world, assessment)
    agreed = helpers.agree(world, assessment, "norfolk-no-risk")
    response = _close(world.client_for("practitioner"), agreed)
    assert response.status_code == 422
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.AGREED
