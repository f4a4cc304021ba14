"""Every role against every page and API route that shows a person's data, inside and outside the
role's network: full where the rule says so, name-only where that is the rule, refused otherwise.

The expected outcome is written out by hand from the access rules (not computed by the policy under
test), and a guard test fails when a new person route is added without a row here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLES

ACTORS = [*ROLES, "breckland-worker"]
PEOPLE = ["inside", "outside", "team_case"]

# Who sees whom in full, from the world fixture: the practitioner is inside's lead professional and
# the team manager manages the practitioner's team; Breckland's worker is outside's lead professional
# and a member of the Breckland team that team_case is allocated to as a whole.
FULL = {
    ("practitioner", "inside"),
    ("team-manager", "inside"),
    ("breckland-worker", "outside"),
    ("breckland-worker", "team_case"),
}
CAN_EDIT = {"practitioner", "team-manager", "police-intelligence-officer", "breckland-worker"}
CAN_GIVE_ACCESS = {"team-manager", "panel-chair"}
CAN_BREAK_GLASS = {
    "front-door-officer",
    "practitioner",
    "team-manager",
    "police-intelligence-officer",
    "panel-chair",
    "breckland-worker",
}
AUDIT_ALL = {"data-protection-officer"}
# Roles with no casework see no one, not even by name: analysts work on pseudonymised data.
NO_PEOPLE = {"analyst", "partnership-leader", "system-administrator"}
AUDIT_NETWORK = {"team-manager"}


@dataclass(frozen=True)
class Case:
    actor: str
    person: str

    @property
    def full(self) -> bool:
        return (self.actor, self.person) in FULL


def _detail(case: Case) -> str | int:
    if case.full:
        return "full"
    return 404 if case.actor in NO_PEOPLE else "name_only"


def _full_only(case: Case) -> int:
    return 200 if case.full else 404


def _edit(case: Case) -> int:
    if not case.full:
        return 404
    return 200 if case.actor in CAN_EDIT else 404


def _grant(case: Case) -> int:
    if not case.full:
        return 404
    return 200 if case.actor in CAN_GIVE_ACCESS else 403


def _break_glass(case: Case) -> int:
    if case.actor in NO_PEOPLE:
        return 404
    if case.full:
        return 302  # already open: back to the record
    return 200 if case.actor in CAN_BREAK_GLASS else 403


def _audit(case: Case) -> int:
    if case.actor in AUDIT_ALL:
        return 200
    if case.actor in AUDIT_NETWORK:
        return 200 if case.full else 404
    return 403  # the audit trail is not a page this role has at all


# url name -> expected outcome (an HTTP status, or "full"/"name_only" for pages shown at both levels)
WEB_ROUTES: dict[str, Callable[[Case], int | str]] = {
    "people:detail": _detail,
    "people:network": _full_only,
    "people:chronology": _full_only,
    "people:edit": _edit,
    "people:address_add": _edit,
    "people:alias_add": _edit,
    "people:grant_give": _grant,
    "people:break_glass": _break_glass,
    "access:break_glass": lambda case: 307,  # a permanent alias of people:break_glass
    "audit:person": _audit,
    # Joint exploitation risk assessments: the history is part of the record; opening one needs
    # assessment.lead (every role that sees someone in full in this world has it).
    "assessments:person": _full_only,
    "assessments:new": _full_only,
    # Missing from home or care: the history page is name-only outside the network (its contents are
    # checked in tests/missing/test_access.py); recording needs person.edit. No one has a profile in
    # this world, so its PDF is 404 for all (tests/missing/test_views.py downloads one).
    "missing:person": lambda case: 404 if case.actor in NO_PEOPLE else 200,
    "missing:episode_new": _edit,
    "missing:profile": _edit,
    "missing:profile_pdf": lambda case: 404,
    # The profile photo: without a profile the photo page sends an editor back to start one; no one has
    # a photo, so the image is 404 for all; removing is POST only (its checks: test_profile_photo.py).
    "missing:profile_photo": lambda case: 302 if _edit(case) == 200 else _edit(case),
    "missing:profile_photo_image": lambda case: 404,
    "missing:profile_photo_remove": lambda case: 405,
    # Education follows the record: read in full only; recording needs person.edit (the kinds of record
    # and the other education pages are checked in tests/security/test_education_pages_matrix.py).
    "education:person": _full_only,
    "education:record": _edit,
}


def _person_routes() -> set[str]:
    """Every named URL that takes a person id."""
    found: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and "person_id" in entry.pattern.converters and entry.name:
                found.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return found


API_PERSON_ROUTES = {
    ("get", "/api/v1/people/{person_id}"),
    ("patch", "/api/v1/people/{person_id}"),
    # Missing episodes and the profile: checked by tests/security/test_missing_pages_matrix.py.
    ("get", "/api/v1/missing/people/{person_id}/episodes"),
    ("post", "/api/v1/missing/people/{person_id}/episodes"),
    ("get", "/api/v1/missing/people/{person_id}/profile"),
    ("put", "/api/v1/missing/people/{person_id}/profile"),
}


def test_every_person_route_is_in_the_matrix():
    assert {name for name in _person_routes() if not name.startswith("api:")} == set(WEB_ROUTES)


def test_every_api_person_route_is_in_the_matrix():
    from harbour.api.api import api

    schema = api.get_openapi_schema()
    routes = {
        (method, path)
        for path, methods in schema["paths"].items()
        if "{person_id}" in path
        for method in methods
    }
    assert routes == API_PERSON_ROUTES


def _user(world, actor: str):
    return world.breckland_worker if actor == "breckland-worker" else world.users[actor]


def _dob_text(person) -> str:
    return person.date_of_birth.strftime("%-d %B %Y")


@pytest.mark.parametrize("route", sorted(WEB_ROUTES))
def test_web_route_matrix(world, route):
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            case = Case(actor, name)
            expected = WEB_ROUTES[route](case)
            response = client.get(reverse(route, kwargs={"person_id": person.pk}))
            body = response.content.decode()
            if expected in ("full", "name_only"):
                ok = response.status_code == 200 and (
                    (expected == "full" and _dob_text(person) in body)
                    or (expected == "name_only" and _dob_text(person) not in body and "Known to" in body)
                )
                if ok and expected == "name_only":
                    ok = person.nhs_number == "" or person.nhs_number not in body
            else:
                ok = response.status_code == expected
            if ok and response.status_code == 200:
                ok = person.first_name in body
            if not ok:
                failures.append(f"{actor} -> {name}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_api_person_read_matrix(world):
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            case = Case(actor, name)
            response = client.get(f"/api/v1/people/{person.pk}")
            data = response.json() if response.status_code == 200 else {}
            level = data.get("access_level")
            expected = _detail(case)
            leaked = expected == "name_only" and ("date_of_birth" in data or "nhs_number" in data)
            if expected == 404:
                if response.status_code != 404:
                    failures.append(f"{actor} -> {name}: expected 404, got {response.status_code}")
            elif response.status_code != 200 or level != expected or leaked:
                failures.append(f"{actor} -> {name}: expected {expected}, got {response.status_code} {level}")
    assert not failures, "\n".join(failures)


def test_api_person_update_matrix(world):
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            person.refresh_from_db()
            case = Case(actor, name)
            expected = 200 if _edit(case) == 200 else 404
            response = client.patch(
                f"/api/v1/people/{person.pk}",
                data=json.dumps({"version": person.version, "preferred_name": f"{actor[:20]}"}),
                content_type="application/json",
            )
            if response.status_code != expected:
                failures.append(f"{actor} -> {name}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_api_search_is_name_only_outside_the_network(world):
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            case = Case(actor, name)
            response = client.post(
                "/api/v1/people/search",
                data=json.dumps({"text": f"{person.first_name} {person.last_name}"}),
                content_type="application/json",
            )
            assert response.status_code == 200, (actor, name, response.content)
            matching = [i for i in response.json()["items"] if i["id"] == str(person.pk)]
            if _detail(case) == 404:
                assert matching == [], (actor, name)
                continue
            [item] = matching
            assert item["access_level"] == _detail(case), (actor, name)
            if not case.full:
                assert "date_of_birth" not in item, (actor, name)


MERGE_REVIEWERS = {"front-door-officer", "team-manager"}  # the roles holding person.merge


def test_api_duplicates_routes_matrix(world):
    """The possible-duplicates routes name two people's identities: person.merge holders only, 404 for
    every other role (as on the review pages), whatever the young people's networks."""
    from harbour.people.duplicates import ordered
    from harbour.people.models import PossibleDuplicate

    a, b = ordered(world.inside.pk, world.outside.pk)
    pair = PossibleDuplicate.objects.create(person_a_id=a, person_b_id=b, score=0.9, explanation=[])
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        expected = 200 if actor in MERGE_REVIEWERS else 404
        for path in ("/api/v1/people/duplicates", f"/api/v1/people/duplicates/{pair.pk}"):
            if (status := client.get(path).status_code) != expected:
                failures.append(f"{actor} -> GET {path}: expected {expected}, got {status}")
        stale = {"version": 999, "reason": "Checking access."}
        merge = {**stale, "survivor": str(a), "survivor_version": 999, "merged_version": 999}
        for path, body in (
            (f"/api/v1/people/duplicates/{pair.pk}/merge", merge),
            (f"/api/v1/people/duplicates/{pair.pk}/not-same", stale),
        ):
            # Stale versions: holders get 409 (nothing changes), everyone else the 404 of a missing pair.
            status = client.post(path, data=json.dumps(body), content_type="application/json").status_code
            if status != (409 if actor in MERGE_REVIEWERS else 404):
                failures.append(f"{actor} -> POST {path}: got {status}")
    assert not failures, "\n".join(failures)
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.OPEN


def test_anonymous_visitors_see_nothing(world, client):
    for route in WEB_ROUTES:
        response = client.get(reverse(route, kwargs={"person_id": world.inside.pk}))
        assert response.status_code in (302, 307), route
        if response.status_code == 302:
            assert reverse("account_login") in response["Location"], route
    assert client.get(f"/api/v1/people/{world.inside.pk}").status_code == 401
