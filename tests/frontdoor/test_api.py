"""The referrals API: submission with idempotency, errors in the documented format, reading, listing and
deciding."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from harbour.audit.models import AuditEvent
from harbour.frontdoor.models import Referral
from tests.api.conftest import Api, assert_error, bearer_headers

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api(world: Any, role: str) -> Api:
    user = world.breckland_worker if role == "breckland-worker" else world.users[role]
    return Api(Client(), bearer_headers(user))


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "subjects": [],
        "contexts": [
            {"name": "Chapelfield Gardens", "context_type": "park-open-space", "postcode": "NR2 1NY"}
        ],
        "concern_types": ["child-sexual-exploitation"],
        "urgency": "urgent",
        "what_happened": "An adult has been messaging her and offering lifts.\nShe was upset.",
        "young_person_words": "He said he'd look after me.",
        "parents_aware": "yes",
        "consent": "not-sought",
        "lawful_basis": "public-task-safeguarding",
    }
    data.update(changes)
    return data


def post(client: Api, data: Any, key: str | None = "key-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    raw = data if isinstance(data, str) else json.dumps(data)
    return client.client.post(
        REFERRALS, data=raw, content_type="application/json", **client.headers, **headers
    )


def test_submit_returns_201_then_200_for_the_same_key(world):
    client = api(world, "practitioner")
    first = post(client, body(subjects=[{"person_id": str(world.inside.pk)}]))
    assert first.status_code == 201, first.content
    created = first.json()
    assert created["reference"].startswith("HR-")
    assert created["subjects"][0]["access_level"] == "full"
    assert created["urgency"]["code"] == "urgent"
    again = post(client, body(what_happened="changed text"))
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again.json()["what_happened"] == created["what_happened"]
    assert Referral.objects.count() == 1
    assert post(client, body(), key="key-2").status_code == 201


def test_missing_idempotency_key_is_a_bad_request(world):
    response = post(api(world, "practitioner"), body(), key=None)
    assert_error(response, 400, "bad_request", "Idempotency-Key")
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"concern_types": None}, "concern_types"),
        ({"urgency": None}, "urgency"),
        ({"what_happened": None}, "what_happened"),
        ({"parents_aware": None}, "parents_aware"),
        ({"consent": None}, "consent"),
        ({"consent": "maybe"}, "consent"),
        ({"parents_aware": "sometimes"}, "parents_aware"),
        ({"happened_on": "01/02/2026"}, "happened_on"),
        ({"happened_on": "2026-02-30"}, "happened_on"),
        (
            {"subjects": [{"first_name": "Kacey", "last_name": "Holt", "date_of_birth": "2011-13-01"}]},
            "subjects.0.date_of_birth",
        ),
        ({"subjects": [{"person_id": "not-a-uuid"}]}, "subjects.0.person_id"),
        ({"subjects": [{"person_id": str(uuid.uuid4())}]}, "subjects.0.person_id"),
        ({"subjects": [{"first_name": "", "last_name": "Holt"}]}, "subjects.0.first_name"),
        ({"subjects": [{"first_name": "Kacey", "last_name": ""}]}, "subjects.0.last_name"),
        (
            {"subjects": [{"first_name": "Kacey", "last_name": "Holt", "nhs_number": "123"}]},
            "subjects.0.nhs_number",
        ),
        ({"subjects": [{"first_name": "Kacey", "last_name": "Holt", "unknown": 1}]}, "subjects.0.unknown"),
        ({"contexts": [{"context_type": "park-open-space"}]}, "contexts.0.name"),
        ({"contexts": [{"name": "Park", "context_type": "moon"}]}, "contexts.0.context_type"),
        ({"contexts": [{"name": "Park", "context_type": "other", "latitude": 91}]}, "contexts.0.latitude"),
        ({"subjects": [], "contexts": []}, "subjects"),
        ({"concern_types": []}, "concern_types"),
        ({"concern_types": ["nonsense"]}, "concern_types"),
        ({"urgency": "whenever"}, "urgency"),
        ({"what_happened": " "}, "what_happened"),
        ({"what_happened": "x" * 10_001}, "what_happened"),
        ({"lawful_basis": ""}, "lawful_basis"),
        ({"parents_aware": "no"}, "parents_not_aware_reason"),
        ({"location_postcode": "NOPE"}, "location_postcode"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_validation_errors_name_the_field(world, changes, field):
    data = body()
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    response = post(api(world, "practitioner"), data)
    error = assert_error(response, 422, "validation_error", field)
    assert "x" * 50 not in json.dumps(error)  # never echoes what was sent
    assert Referral.objects.count() == 0


def test_malformed_json_is_a_bad_request(world):
    assert_error(post(api(world, "practitioner"), "{not json"), 400, "bad_request")


def test_roles_without_referral_submit_get_403(world):
    assert_error(post(api(world, "analyst"), body()), 403, "permission_denied")


def test_unauthenticated_gets_401(world):
    response = Client().post(REFERRALS, data=json.dumps(body()), content_type="application/json")
    assert_error(response, 401, "unauthorised")


def test_read_is_audited_and_404_for_outsiders(world):
    created = post(api(world, "practitioner"), body(subjects=[{"person_id": str(world.inside.pk)}])).json()
    url = f"{REFERRALS}{created['id']}"
    assert api(world, "front-door-officer").get(url).status_code == 200
    assert_error(api(world, "breckland-worker").get(url), 404, "not_found")
    assert_error(api(world, "practitioner").get(f"{REFERRALS}{uuid.uuid4()}"), 404, "not_found")
    event = AuditEvent.objects.filter(action="referral.viewed").latest("id")
    assert event.person_id == world.inside.pk


def test_list_is_the_queue_for_triage_and_own_referrals_otherwise(world):
    mine = post(api(world, "practitioner"), body(urgency="standard"), key="a").json()
    theirs = post(api(world, "police-intelligence-officer"), body(), key="b").json()
    queue = api(world, "front-door-officer").get(REFERRALS).json()
    assert [item["id"] for item in queue["items"]] == [theirs["id"], mine["id"]]  # urgent first
    assert queue["count"] == 2
    own = api(world, "practitioner").get(REFERRALS).json()
    assert [item["id"] for item in own["items"]] == [mine["id"]]
    paged = api(world, "front-door-officer").get(REFERRALS, {"page_size": 1}).json()
    assert paged["next_page"] == 2
    assert "page=2" in paged["next"]


def test_decision_through_the_api(world, django_capture_on_commit_callbacks):
    created = post(api(world, "practitioner"), body()).json()
    officer = api(world, "front-door-officer")
    url = f"{REFERRALS}{created['id']}/decision"
    decision = {
        "version": created["version"],
        "decision_type": "early-help",
        "rationale": "Family support offered.",
    }
    assert_error(api(world, "practitioner").post(url, decision), 403, "permission_denied")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(url, decision)
    assert response.status_code == 200, response.content
    decided = response.json()
    assert decided["status"] == "decided"
    assert decided["decisions"][0]["decision_type"]["code"] == "early-help"
    assert len(mail.outbox) == 1
    stale = officer.post(url, decision)
    error = assert_error(stale, 409, "conflict")
    assert error["current_version"] == decided["version"]
    assert_error(
        officer.post(url, {**decision, "version": decided["version"], "rationale": ""}),
        422,
        "validation_error",
        "rationale",
    )
