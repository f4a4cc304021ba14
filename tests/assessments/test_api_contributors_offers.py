"""The assessments API: the lead asks a colleague to contribute, and contributors list the indicators other
modules offer and take one into their own answers, with the pages' rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harbour.assessments.models import Answer, Contribution
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _post(client: Any, url: str, body: Any = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def _offer(world: Any, code: str = "missing-repeat") -> Any:
    return helpers.offer_from_missing(world, code, "Third episode in six weeks; found in Great Yarmouth.")


def test_the_lead_asks_a_colleague_as_on_the_page(world):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    url = f"{BASE}{assessment.pk}/contributors"
    refused = _post(world.client_for("team-manager"), url, {"contributor_id": str(officer.pk)})
    assert refused.status_code == 403  # reads it (the practitioner's manager) but does not lead it
    nobody = _post(world.client_for("practitioner"), url, {"contributor_id": str(world.users["analyst"].pk)})
    assert nobody.status_code == 422
    assert "contributor_id" in nobody.json()["error"]["fields"]
    asked = _post(world.client_for("practitioner"), url, {"contributor_id": str(officer.pk)})
    assert asked.status_code == 201, asked.content
    authors = {c["author"] for c in asked.json()["contributions"]}
    assert str(officer) in authors
    assert Contribution.objects.filter(assessment=assessment, author=officer).exists()
    event = AuditEvent.objects.get(action="assessment.contribution_requested")
    assert event.detail["contributor"] == str(officer.pk)
    again = _post(world.client_for("practitioner"), url, {"contributor_id": str(officer.pk)})
    assert again.status_code == 422  # already asked: not among those the page offers
    outsider = _post(world.client_for(world.breckland_worker), url, {"contributor_id": str(officer.pk)})
    assert outsider.status_code == 404


def test_offers_are_listed_and_taken_into_your_own_contribution(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    listed = client.get(f"{BASE}{assessment.pk}/offers")
    assert listed.status_code == 200, listed.content
    [item] = listed.json()["items"]
    assert item["id"] == str(offer.pk)
    assert item["indicator"] == "missing-repeat"
    assert item["restricted"] is False
    assert "return interview" in item["provenance"]
    assert item["evidence"].startswith("Third episode")
    assert world.client_for(world.breckland_worker).get(f"{BASE}{assessment.pk}/offers").status_code == 404

    taken = _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept")
    assert taken.status_code == 200, taken.content
    assert taken.json()["computed_level"]["code"] == "norfolk-medium"
    answer = Answer.objects.get(
        contribution=helpers.lead_contribution(assessment), indicator__code="missing-repeat"
    )
    assert answer.value == Answer.Value.YES
    assert answer.offer_id == offer.pk
    assert "Missing" in answer.source
    assert AuditEvent.objects.filter(action="assessment.offer_accepted").count() == 1


def test_only_those_with_a_contribution_take_an_offer_and_only_while_open(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    manager = world.client_for("team-manager")  # reads the assessment, was not asked
    assert _post(manager, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept").status_code == 404
    unknown = _post(world.client_for("practitioner"), f"{BASE}{assessment.pk}/offers/{assessment.pk}/accept")
    assert unknown.status_code == 404
    helpers.record_words(world, assessment)
    helpers.agree(world, assessment, "norfolk-no-risk")
    client = world.client_for("practitioner")
    assert client.get(f"{BASE}{assessment.pk}/offers").json()["items"] == []
    assert _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept").status_code == 403
    assert not Answer.objects.filter(offer=offer).exists()


def test_an_offer_is_declined_with_a_reason_for_your_own_contribution_only(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    client = world.client_for("practitioner")
    url = f"{BASE}{assessment.pk}/offers/{offer.pk}/decline"
    empty = _post(client, url, {"reason": " "})
    assert empty.status_code == 422
    assert "reason" in empty.json()["error"]["fields"]
    assert _post(world.client_for("team-manager"), url, {"reason": "Not mine"}).status_code == 404
    reason = "The episode was recorded against the wrong young person; police are correcting it."
    declined = _post(client, url, {"reason": reason})
    assert declined.status_code == 200, declined.content
    assert declined.json()["computed_level"]["code"] == "norfolk-no-risk"  # nothing taken, nothing scored
    event = AuditEvent.objects.get(action="assessment.offer_declined")
    assert event.reason == reason
    assert event.detail["indicator"] == "missing-repeat"
    again = _post(client, url, {"reason": reason})
    assert again.status_code == 422
    assert "offer_id" in again.json()["error"]["fields"]
    [mine] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert mine["declined"] is True
    assert mine["declined_reason"] == reason
    # The officer decides for their own contribution: still offered to them.
    [theirs] = world.client_for(officer).get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert theirs["declined"] is False
    # Taking it after all replaces the decision.
    taken = _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept")
    assert taken.status_code == 200
    [after] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert after["declined"] is False
    assert _post(client, url, {"reason": reason}).status_code == 422  # already in the answers
