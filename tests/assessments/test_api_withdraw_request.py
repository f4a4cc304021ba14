"""The API's withdrawal of a request to contribute, with the page's rules: the lead only, a request with
nothing in it, the contribution's version as the detail gives it (409 when it was saved since)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harbour.assessments.models import Contribution
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _withdraw(client: Any, assessment_id: Any, contribution_id: Any, version: Any) -> Any:
    return client.post(
        f"{BASE}{assessment_id}/contributors/{contribution_id}/withdraw",
        data=json.dumps({"version": version}),
        content_type="application/json",
    )


def _contributions(client: Any, assessment_id: Any) -> dict[str, dict]:
    response = client.get(f"{BASE}{assessment_id}")
    assert response.status_code == 200, response.content
    return {row["author"]: row for row in response.json()["contributions"]}


def test_the_lead_withdraws_a_request_through_the_api(world):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    contribution = helpers.ask(world, assessment, officer)
    lead = world.client_for("practitioner")
    shown = _contributions(lead, assessment.pk)[str(officer)]
    assert shown["id"] == str(contribution.pk)
    assert shown["version"] == contribution.version

    # Others who read the assessment, the officer asked among them: 403. Nothing withdrawn.
    for other in (world.client_for("team-manager"), world.client_for(officer)):
        assert _withdraw(other, assessment.pk, contribution.pk, shown["version"]).status_code == 403
    assert (
        _withdraw(world.client_for(world.breckland_worker), assessment.pk, contribution.pk, 1).status_code
        == 404
    )
    missing_version = lead.post(
        f"{BASE}{assessment.pk}/contributors/{contribution.pk}/withdraw",
        data="{}",
        content_type="application/json",
    )
    assert missing_version.status_code == 422
    assert Contribution.objects.filter(pk=contribution.pk).exists()

    withdrawn = _withdraw(lead, assessment.pk, contribution.pk, shown["version"])
    assert withdrawn.status_code == 200, withdrawn.content
    assert str(officer) not in {row["author"] for row in withdrawn.json()["contributions"]}
    assert AuditEvent.objects.filter(action="assessment.contribution_request_withdrawn").count() == 1
    assert world.client_for(officer).get(f"{BASE}{assessment.pk}").status_code == 404  # access ended

    again = _withdraw(lead, assessment.pk, contribution.pk, shown["version"])
    assert again.status_code == 404  # no such request on this assessment any more


def test_a_stale_or_started_request_is_not_withdrawn(world):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    contribution = helpers.ask(world, assessment, officer)
    lead = world.client_for("practitioner")
    shown = _contributions(lead, assessment.pk)[str(officer)]["version"]
    helpers.answer(officer, contribution, helpers.yes("missing-repeat"))

    stale = _withdraw(lead, assessment.pk, contribution.pk, shown)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    now = _contributions(lead, assessment.pk)[str(officer)]["version"]
    assert now > shown

    started = _withdraw(lead, assessment.pk, contribution.pk, now)
    assert started.status_code == 422
    assert "contribution_id" in started.json()["error"]["fields"]

    own = helpers.lead_contribution(assessment)
    refused = _withdraw(lead, assessment.pk, own.pk, own.version)
    assert refused.status_code == 422
    assert "contribution_id" in refused.json()["error"]["fields"]
    assert Contribution.objects.filter(assessment=assessment).count() == 2
    assert not AuditEvent.objects.filter(action="assessment.contribution_request_withdrawn").exists()
