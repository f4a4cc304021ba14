"""The missing API's writes after an episode: the return (when, where found, found by, how returned) and the
return home interview's actions (assign, offer, decline, complete), with the pages' permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from harbour.assessments.models import OfferedIndicator
from harbour.audit.models import AuditEvent
from harbour.missing.models import ReturnInterview
from tests.api.conftest import assert_error
from tests.missing.helpers import record, record_return

pytestmark = pytest.mark.django_db


def ago(**delta: Any) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def test_the_return_is_recorded_and_starts_the_clock(world, api_as):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    url = f"/api/v1/missing/episodes/{episode.pk}/return"
    api = api_as("practitioner")
    body = {
        "version": episode.version,
        "ended_at": ago(hours=2),
        "found_place": "Bus station",
        "found_town": "Great Yarmouth",
        "found_postcode": "nr30 1ab",
        "found_by": "police",
        "return_method": "police-transport",
    }
    assert_error(api.post(url, {**body, "found_by": "a-neighbour"}), 422, "validation_error", "found_by")
    assert_error(api.post(url, {**body, "ended_at": ago(days=3)}), 422, "validation_error", "ended_at")
    assert_error(api.post(url, {**body, "version": episode.version + 1}), 409, "conflict")
    assert_error(api_as("analyst").post(url, body), 404, "not_found")
    response = api.post(url, body)
    assert response.status_code == 200, response.content
    returned = response.json()
    assert returned["ended_at"] is not None
    assert returned["found_place"] == "Bus station"
    assert returned["found_town"] == "Great Yarmouth"
    assert returned["found_postcode"] == "NR30 1AB"
    assert (returned["found_by"], returned["return_method"]) == ("police", "police-transport")
    interview = returned["interview"]
    assert interview["status"] == "to-offer"
    assert interview["version"] >= 1
    assert AuditEvent.objects.filter(action="missing_episode.returned").count() == 1
    again = api.post(url, {**body, "version": returned["version"]})
    assert_error(again, 422, "validation_error", "ended_at")  # already ended


def test_a_youth_worker_is_assigned_offers_and_completes_the_interview(world, api_as):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=3))
    worker = world.breckland_worker  # Breckland Youth Service: independent of Jade's care
    base = f"/api/v1/missing/interviews/{interview.pk}"
    assert_error(
        api_as(worker).post(f"{base}/offer", {"version": 1, "offered_at": ago(hours=1)}), 404, "not_found"
    )
    refused = api_as("practitioner").post(
        f"{base}/assign", {"version": interview.version, "interviewer_id": str(practitioner.pk)}
    )
    assert_error(refused, 422, "validation_error", "interviewer_id")  # not independent of her care
    assigned = api_as("practitioner").post(
        f"{base}/assign", {"version": interview.version, "interviewer_id": str(worker.pk)}
    )
    assert assigned.status_code == 200, assigned.content
    version = assigned.json()["interview"]["version"]
    # The lead professional may assign, but only the interviewer (or the team's managers) records.
    assert_error(
        api_as("practitioner").post(f"{base}/offer", {"version": version, "offered_at": ago(hours=1)}),
        403,
        "permission_denied",
    )
    worker_api = api_as(worker)
    offered = worker_api.post(
        f"{base}/offer", {"version": version, "offered_at": ago(hours=1), "accepted": True}
    )
    assert offered.status_code == 200, offered.content
    assert offered.json()["interview"]["status"] == "accepted"
    version = offered.json()["interview"]["version"]
    missing_where = worker_api.post(f"{base}/complete", {"version": version, "completed_at": ago(minutes=5)})
    assert_error(missing_where, 422, "validation_error", "where_been")
    done = worker_api.post(
        f"{base}/complete",
        {
            "version": version,
            "completed_at": ago(minutes=5),
            "where_been": "A flat in Great Yarmouth",
            "who_with": "Older men she did not know",
            "how_travelled": "Driven in a car",
            "factors": ["older-people", "money-gifts"],
            "indicator_codes": ["missing-found-out-of-area"],
            "young_person_words": "They gave me a phone.",
        },
    )
    assert done.status_code == 200, done.content
    assert done.json()["interview"]["status"] == "completed"
    assert done.json()["interview"]["within_72_hours"] is True
    findings = done.json()["interview"]
    assert findings["where_been"] == "A flat in Great Yarmouth"
    assert findings["factors"] == ["money-gifts", "older-people"]
    assert findings["indicator_codes"] == ["missing-found-out-of-area"]
    assert findings["interviewer"] == str(worker)
    saved = ReturnInterview.objects.get(pk=interview.pk)
    assert saved.interviewer == worker
    assert saved.where_been == "A flat in Great Yarmouth"
    assert sorted(saved.factors.values_list("code", flat=True)) == ["money-gifts", "older-people"]
    offer = OfferedIndicator.objects.get(person=world.inside, indicator__code="missing-found-out-of-area")
    assert offer.source_id == str(interview.pk)
    assert AuditEvent.objects.filter(action="return_interview.completed", actor_id=worker.pk).count() == 1
    late = worker_api.post(
        f"{base}/decline",
        {"version": saved.version, "declined_at": ago(minutes=1), "reason": "young-person-declined"},
    )
    assert_error(late, 422, "validation_error", "reason")  # already completed


def test_a_declined_interview_keeps_the_reason_and_what_carers_said(world, api_as):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=3))
    worker = world.breckland_worker
    api_as("practitioner").post(
        f"/api/v1/missing/interviews/{interview.pk}/assign",
        {"version": interview.version, "interviewer_id": str(worker.pk)},
    )
    interview.refresh_from_db()
    url = f"/api/v1/missing/interviews/{interview.pk}/decline"
    body = {
        "version": interview.version,
        "declined_at": ago(hours=1),
        "reason": "parent-declined",
        "carers_said": "Mum said she is exhausted and will talk to the school instead.",
    }
    assert_error(api_as(worker).post(url, {**body, "reason": "busy"}), 422, "validation_error", "reason")
    response = api_as(worker).post(url, body)
    assert response.status_code == 200, response.content
    assert response.json()["interview"]["status"] == "declined"
    assert response.json()["interview"]["decline_reason"] == "parent-declined"
    assert response.json()["interview"]["carers_said"] == body["carers_said"]
    saved = ReturnInterview.objects.select_related("decline_reason").get(pk=interview.pk)
    assert saved.decline_reason.code == "parent-declined"
    assert saved.carers_said == body["carers_said"]
    event = AuditEvent.objects.get(action="return_interview.declined")
    assert event.detail["reason"] == "parent-declined"
