"""The assessments API: the lead asks a colleague to contribute, and contributors list the indicators other
modules offer and take one into their own answers, with the pages' rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harbour.assessments.models import Answer, Contribution, OfferDecline
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _post(client: Any, url: str, body: Any = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def _offer(world: Any, code: str = "missing-repeat") -> Any:
    return helpers.offer_from_missing(world, code, "Third episode in six weeks; found in Great Yarmouth.")


def _offer_with_evidence(world: Any, evidence: str, code: str = "missing-repeat") -> Any:
    return helpers.offer_from_missing(world, code, evidence)


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

    taken = _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept", {"version": item["version"]})
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
    version = {"version": offer.version}
    assert _post(manager, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept", version).status_code == 404
    unknown = _post(
        world.client_for("practitioner"), f"{BASE}{assessment.pk}/offers/{assessment.pk}/accept", version
    )
    assert unknown.status_code == 404
    helpers.record_words(world, assessment)
    helpers.agree(world, assessment, "norfolk-no-risk")
    client = world.client_for("practitioner")
    assert client.get(f"{BASE}{assessment.pk}/offers").json()["items"] == []
    assert _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept", version).status_code == 403
    assert not Answer.objects.filter(offer=offer).exists()


def test_an_offer_is_declined_with_a_reason_for_your_own_contribution_only(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    client = world.client_for("practitioner")
    url = f"{BASE}{assessment.pk}/offers/{offer.pk}/decline"
    empty = _post(client, url, {"reason": " ", "version": offer.version})
    assert empty.status_code == 422
    assert "reason" in empty.json()["error"]["fields"]
    assert (
        _post(
            world.client_for("team-manager"), url, {"reason": "Not mine", "version": offer.version}
        ).status_code
        == 404
    )
    reason = "The episode was recorded against the wrong young person; police are correcting it."
    declined = _post(client, url, {"reason": reason, "version": offer.version})
    assert declined.status_code == 200, declined.content
    assert declined.json()["computed_level"]["code"] == "norfolk-no-risk"  # nothing taken, nothing scored
    event = AuditEvent.objects.get(action="assessment.offer_declined")
    assert event.reason == reason
    assert event.detail["indicator"] == "missing-repeat"
    again = _post(client, url, {"reason": reason, "version": offer.version})
    assert again.status_code == 422
    assert "offer_id" in again.json()["error"]["fields"]
    [mine] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert mine["declined"] is True
    assert mine["declined_reason"] == reason
    # The officer decides for their own contribution: still offered to them.
    [theirs] = world.client_for(officer).get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert theirs["declined"] is False
    # Taking it after all replaces the decision.
    taken = _post(client, f"{BASE}{assessment.pk}/offers/{offer.pk}/accept", {"version": offer.version})
    assert taken.status_code == 200
    [after] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert after["declined"] is False
    assert (
        _post(client, url, {"reason": reason, "version": offer.version}).status_code == 422
    )  # already in the answers


def test_a_decline_sent_with_a_stale_version_of_the_offer_is_refused(world):
    """The module that offered the indicator changed its evidence after the client read the offers: the
    decline is refused with 409 and the current version, nothing is declined, and the same decline sent
    again with the version read afresh goes through."""
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    [listed] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert listed["version"] == offer.version
    url = f"{BASE}{assessment.pk}/offers/{offer.pk}/decline"
    unversioned = _post(client, url, {"reason": "Recorded against the wrong young person."})
    assert unversioned.status_code == 422
    assert "version" in unversioned.json()["error"]["fields"]
    # The return home interview is corrected: the same offer, new evidence, a new version.
    changed = _offer_with_evidence(world, "Fourth episode in six weeks; found in Norwich with two adults.")
    assert changed.pk == offer.pk
    assert changed.version == listed["version"] + 1
    stale = _post(
        client, url, {"reason": "Recorded against the wrong young person.", "version": listed["version"]}
    )
    assert stale.status_code == 409, stale.content
    error = stale.json()["error"]
    assert error["code"] == "conflict"
    assert error["current_version"] == changed.version
    assert not OfferDecline.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.offer_declined").exists()
    [fresh] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    assert fresh["evidence"].startswith("Fourth episode")
    again = _post(
        client, url, {"reason": "Recorded against the wrong young person.", "version": fresh["version"]}
    )
    assert again.status_code == 200, again.content
    assert OfferDecline.objects.filter(offer=offer).count() == 1


def test_an_accept_sent_with_a_stale_version_of_the_offer_is_refused(world):
    """As declining: the module that offered the indicator changed its evidence after the client read the
    offers, so taking it would take evidence nobody read. 409 with the current version, nothing taken,
    nothing re-scored; the same accept with the version read afresh goes through."""
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    [listed] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    url = f"{BASE}{assessment.pk}/offers/{offer.pk}/accept"
    unversioned = _post(client, url)
    assert unversioned.status_code == 422
    assert "version" in unversioned.json()["error"]["fields"]
    changed = _offer_with_evidence(world, "Fourth episode in six weeks; found in Norwich with two adults.")
    assert changed.version == listed["version"] + 1
    assessment.refresh_from_db()
    seen = (assessment.version, assessment.computed_level_id)
    stale = _post(client, url, {"version": listed["version"]})
    assert stale.status_code == 409, stale.content
    error = stale.json()["error"]
    assert error["code"] == "conflict"
    assert error["current_version"] == changed.version
    assert not Answer.objects.filter(offer=offer).exists()
    assert not AuditEvent.objects.filter(action="assessment.offer_accepted").exists()
    assessment.refresh_from_db()
    assert (assessment.version, assessment.computed_level_id) == seen  # nothing re-scored
    [fresh] = client.get(f"{BASE}{assessment.pk}/offers").json()["items"]
    again = _post(client, url, {"version": fresh["version"]})
    assert again.status_code == 200, again.content
    answer = Answer.objects.get(offer=offer)
    assert answer.evidence.startswith("Fourth episode")  # the evidence the client read afresh
