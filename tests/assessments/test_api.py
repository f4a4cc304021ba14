"""The assessments API: open, contribute, record the sections and agree, with the documented errors."""

from __future__ import annotations

import json

import pytest

from harbour.assessments.models import Assessment
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_lead_runs_an_assessment_through_the_api(world):
    client = world.client_for("practitioner")
    opened = _send(
        client, "post", BASE, {"person_id": str(world.inside.pk), "tool_version": "norfolk-screening-2024"}
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assessment_id = body["id"]
    assert body["computed_level"]["code"] == "norfolk-no-risk"
    own = body["contributions"][0]
    contribution = Assessment.objects.get(pk=assessment_id).contributions.get()
    refused = _send(
        client,
        "put",
        f"{BASE}{assessment_id}/contribution",
        {"version": contribution.version, "answers": [{"indicator": "missing-repeat", "value": "yes"}]},
    )
    assert refused.status_code == 422
    assert "answers.0.evidence" in refused.json()["error"]["fields"]
    saved = _send(
        client,
        "put",
        f"{BASE}{assessment_id}/contribution",
        {
            "version": contribution.version,
            "summary": "Children's services' view.",
            "answers": [{"indicator": "missing-repeat", "value": "yes", "evidence": "Four episodes."}],
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["computed_level"]["code"] == "norfolk-medium"
    assert own["author"]
    version = saved.json()["version"]
    no_words = _send(
        client,
        "post",
        f"{BASE}{assessment_id}/agreement",
        {"version": version, "agreed_level": "norfolk-medium", "rationale": "Agreed."},
    )
    assert no_words.status_code == 422
    assert "young_person_words" in no_words.json()["error"]["fields"]
    sections = _send(
        client,
        "post",
        f"{BASE}{assessment_id}/sections",
        {"version": version, "words_missing_reason": "Declined to meet."},
    )
    assert sections.status_code == 200
    stale = _send(
        client,
        "post",
        f"{BASE}{assessment_id}/agreement",
        {"version": version, "agreed_level": "norfolk-medium", "rationale": "Agreed."},
    )
    assert stale.status_code == 409
    agreed = _send(
        client,
        "post",
        f"{BASE}{assessment_id}/agreement",
        {
            "version": sections.json()["version"],
            "agreed_level": "norfolk-medium",
            "rationale": "Agreed.",
            "exploitation_types": ["county-lines"],
        },
    )
    assert agreed.status_code == 200, agreed.content
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["next_review_on"]


def test_api_writes_refused_outside_the_network_and_for_non_leads(world):
    outsider = world.client_for(world.breckland_worker)
    response = _send(
        outsider, "post", BASE, {"person_id": str(world.inside.pk), "tool_version": "norfolk-screening-2024"}
    )
    assert response.status_code == 404
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    police = world.client_for(officer)
    refused = _send(
        police,
        "post",
        f"{BASE}{assessment.pk}/agreement",
        {"version": assessment.version, "agreed_level": "norfolk-high", "rationale": "x"},
    )
    assert refused.status_code == 403
    assert _send(outsider, "put", f"{BASE}{assessment.pk}/contribution", {"version": 1}).status_code == 404
    bad_tool = _send(
        world.client_for("team-manager"),
        "post",
        BASE,
        {"person_id": str(world.inside.pk), "tool_version": "nope"},
    )
    assert bad_tool.status_code == 422
