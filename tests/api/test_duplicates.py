"""The possible-duplicates API: the review queue, merge (with an override for conflicting identifiers),
"not the same person" and unmerge, with the review pages' access rules (person.merge, 404 otherwise)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from harbour.audit.models import AuditEvent
from harbour.people.duplicates import ordered
from harbour.people.models import Person, PersonMerge, PossibleDuplicate
from tests import factories
from tests.api.conftest import assert_error, bearer_headers

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/people/duplicates"
REVIEWERS = ("front-door-officer", "team-manager")  # the roles holding person.merge
OTHERS = (
    "practitioner",
    "police-intelligence-officer",
    "analyst",
    "panel-chair",
    "partnership-leader",
    "data-protection-officer",
    "system-administrator",
)


@pytest.fixture
def pair(world) -> tuple[Person, Person, PossibleDuplicate]:
    """Jade Bishop (inside) and a second record, Jayde Bishop, with a phone number only it holds."""
    jade = world.inside
    jade.refresh_from_db()
    jayde = factories.PersonFactory(
        first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth, phone="07700 900123"
    )
    factories.allocate(jayde, worker=world.breckland_worker)
    a, b = ordered(jade.pk, jayde.pk)
    duplicate = PossibleDuplicate.objects.create(
        person_a_id=a,
        person_b_id=b,
        score=0.97,
        explanation=[{"field": "last_name", "outcome": "agrees", "weight": 6.1, "detail": "Bishop"}],
    )
    return jade, jayde, duplicate


def call(world: Any, role: str, method: str, path: str, body: Any = None) -> Any:
    user = world.breckland_worker if role == "breckland-worker" else world.users[role]
    client = Client()
    headers = bearer_headers(user)
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", **headers)


def merge_body(duplicate: PossibleDuplicate, survivor: Person, **changes: Any) -> dict[str, Any]:
    duplicate.refresh_from_db()
    a, b = duplicate.person_a, duplicate.person_b
    kept, gone = (a, b) if survivor.pk == a.pk else (b, a)
    body: dict[str, Any] = {
        "version": duplicate.version,
        "survivor": str(survivor.pk),
        "survivor_version": kept.version,
        "merged_version": gone.version,
        "reason": "Same girl: same school and mother; police spelt her name differently.",
    }
    body.update(changes)
    return body


def test_reviewers_get_the_queue_and_everyone_else_404(world, pair):
    _jade, _jayde, duplicate = pair
    for role in REVIEWERS:
        response = call(world, role, "get", QUEUE)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == 1
        item = body["items"][0]
        assert item["id"] == str(duplicate.pk)
        assert {item["person_a"]["name"], item["person_b"]["name"]} == {"Jade Bishop", "Jayde Bishop"}
        assert item["identifiers_differ"] == []
    assert AuditEvent.objects.filter(action="duplicate.queue_viewed").count() == len(REVIEWERS)
    for role in (*OTHERS, "breckland-worker"):
        assert_error(call(world, role, "get", QUEUE), 404, "not_found")
        assert_error(call(world, role, "get", f"{QUEUE}/{duplicate.pk}"), 404, "not_found")
    assert Client().get(QUEUE).status_code == 401
    decided = call(world, "team-manager", "get", f"{QUEUE}?status=merged").json()
    assert decided["items"] == []
    assert_error(
        call(world, "team-manager", "get", f"{QUEUE}?status=maybe"), 422, "validation_error", "status"
    )


def test_a_pair_side_by_side(world, pair):
    _jade, _jayde, duplicate = pair
    response = call(world, "front-door-officer", "get", f"{QUEUE}/{duplicate.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    records = {
        body["record_a"]["first_name"]: body["record_a"],
        body["record_b"]["first_name"]: body["record_b"],
    }
    assert records["Jayde"]["known_to"] == ["Breckland Youth Service"]
    assert body["explanation"][0]["field"] == "last_name"
    assert body["merge_id"] is None
    assert AuditEvent.objects.filter(action="duplicate.viewed").count() == 2  # one on each record's trail


def test_merge_with_conflicting_nhs_numbers_needs_an_override_then_unmerge_restores(world, pair):
    jade, jayde, duplicate = pair
    Person.objects.filter(pk=jayde.pk).update(nhs_number="4010232137")
    path = f"{QUEUE}/{duplicate.pk}/merge"
    refused = call(world, "team-manager", "post", path, merge_body(duplicate, jade))
    error = assert_error(refused, 422, "validation_error", "override_reason")
    assert "different NHS numbers" in error["fields"]["override_reason"]
    assert not PersonMerge.objects.exists()

    override = "Health registered her twice in 2019."
    done = call(world, "team-manager", "post", path, merge_body(duplicate, jade, override_reason=override))
    assert done.status_code == 201, done.content
    merge = done.json()
    assert merge["survivor"]["id"] == str(jade.pk)
    assert merge["merged"]["id"] == str(jayde.pk)
    assert merge["override_reason"] == override
    assert merge["identifiers_differ"] == ["nhs_number"]
    assert "phone" in merge["fields_taken"]  # only the closing record held it: kept, as on the page
    jade.refresh_from_db()
    jayde.refresh_from_db()
    assert jayde.merged_into_id == jade.pk
    assert jade.phone == "07700 900123"
    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.MERGED
    assert AuditEvent.objects.filter(action="person.merged").count() == 2
    again = call(world, "team-manager", "post", path, merge_body(duplicate, jade, override_reason=override))
    assert again.status_code in (409, 422)
    assert PersonMerge.objects.count() == 1

    read = call(world, "front-door-officer", "get", f"/api/v1/people/merges/{merge['id']}").json()
    unmerge = f"/api/v1/people/merges/{merge['id']}/unmerge"
    body = {
        "version": read["version"],
        "survivor_version": read["survivor"]["version"],
        "merged_version": read["merged"]["version"],
        "reason": "Health confirmed they are cousins.",
    }
    assert_error(call(world, "practitioner", "post", unmerge, body), 404, "not_found")
    assert_error(
        call(world, "team-manager", "post", unmerge, {**body, "reason": " "}),
        422,
        "validation_error",
        "reason",
    )
    undone = call(world, "team-manager", "post", unmerge, body)
    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_at"] is not None
    assert undone.json()["undo_reason"] == "Health confirmed they are cousins."
    jade.refresh_from_db()
    jayde.refresh_from_db()
    assert jayde.merged_into_id is None
    assert jade.phone == ""
    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.OPEN
    assert AuditEvent.objects.filter(action="person.unmerged").count() == 2
    assert_error(call(world, "team-manager", "post", unmerge, body), 409, "conflict")


def test_merge_checks_the_survivor_the_fields_and_the_versions(world, pair):
    jade, _jayde, duplicate = pair
    path = f"{QUEUE}/{duplicate.pk}/merge"
    stranger = str(world.outside.pk)
    assert_error(
        call(world, "team-manager", "post", path, {**merge_body(duplicate, jade), "survivor": stranger}),
        422,
        "validation_error",
        "survivor",
    )
    assert_error(
        call(world, "team-manager", "post", path, merge_body(duplicate, jade, take_from_merged=["is_staff"])),
        422,
        "validation_error",
        "take_from_merged",
    )
    stale = merge_body(duplicate, jade)
    stale["version"] += 1
    assert_error(call(world, "team-manager", "post", path, stale), 409, "conflict")
    assert_error(
        call(world, "team-manager", "post", path, merge_body(duplicate, jade, reason="")),
        422,
        "validation_error",
        "reason",
    )
    for role in (*OTHERS, "breckland-worker"):
        assert_error(call(world, role, "post", path, merge_body(duplicate, jade)), 404, "not_found")
    assert not PersonMerge.objects.exists()


def test_not_the_same_person(world, pair):
    _jade, _jayde, duplicate = pair
    path = f"{QUEUE}/{duplicate.pk}/not-same"
    assert_error(
        call(world, "practitioner", "post", path, {"version": duplicate.version, "reason": "Twins"}),
        404,
        "not_found",
    )
    assert_error(
        call(world, "front-door-officer", "post", path, {"version": duplicate.version, "reason": ""}),
        422,
        "validation_error",
        "reason",
    )
    response = call(
        world,
        "front-door-officer",
        "post",
        path,
        {"version": duplicate.version, "reason": "Twins: Jade and Jayde."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "not-the-same"
    assert body["decision_reason"] == "Twins: Jade and Jayde."
    assert body["decided_by"] == str(world.users["front-door-officer"])
    assert AuditEvent.objects.filter(action="duplicate.dismissed").count() == 2
    assert_error(
        call(world, "front-door-officer", "post", path, {"version": body["version"], "reason": "Again"}),
        409,
        "conflict",
    )
    assert call(world, "team-manager", "get", QUEUE).json()["count"] == 0
    assert call(world, "team-manager", "get", f"{QUEUE}?status=not-the-same").json()["count"] == 1
