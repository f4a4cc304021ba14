"""Every role against every page of the possible-duplicates queue and the merges: only holders of
``person.merge`` (shipped: front-door officer, team manager) get in; everyone else gets 404, as for a
missing record. Written out by hand from the rule, with a guard for new routes."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from harbour.people import merging
from harbour.people.duplicates import ordered
from harbour.people.models import PersonMerge, PossibleDuplicate
from tests import factories
from tests.conftest import ROLES

ACTORS = [*ROLES, "breckland-worker"]
MERGERS = {"front-door-officer", "team-manager"}

# url name -> (method, id kind); GET pages answer 200 to mergers, POST-only ones 405 to a GET.
ROUTES = {
    "people:duplicates": ("get", None),
    "people:duplicate_compare": ("get", "pair"),
    "people:duplicate_merge": ("post", "pair"),
    "people:duplicate_dismiss": ("post", "pair"),
    "people:merges": ("get", None),
    "people:merge_detail": ("get", "merge"),
    "people:merge_undo": ("post", "merge"),
}


def _duplicate_routes() -> set[str]:
    found: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "api":
                    continue  # the API's routes are in tests/security/test_access_matrix.py
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif (
                isinstance(entry, URLPattern)
                and entry.name
                and (
                    {"pair_id", "merge_id"} & set(entry.pattern.converters)
                    or entry.callback.__module__.endswith("views_duplicates")
                )
            ):
                found.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return found


def test_every_duplicate_route_is_in_the_matrix():
    assert _duplicate_routes() == set(ROUTES)


@pytest.fixture
def objects(world):
    again = factories.PersonFactory(
        first_name="Jade", last_name="Bishop", date_of_birth=world.inside.date_of_birth
    )
    a, b = ordered(world.inside.pk, again.pk)
    pair = PossibleDuplicate.objects.create(person_a_id=a, person_b_id=b, score=0.9, explanation=[])
    other = factories.PersonFactory(
        first_name="Tyler", last_name="Murrey", date_of_birth=world.outside.date_of_birth
    )
    merge = merging.person_merge(
        actor=world.users["front-door-officer"],
        survivor=world.outside,
        merged=other,
        survivor_version=world.outside.version,
        merged_version=other.version,
        reason="Same boy.",
    )
    return {"pair": pair, "merge": merge}


def _url(name: str, kind: str | None, objects: dict) -> str:
    if kind is None:
        return reverse(name)
    key = "pair_id" if kind == "pair" else "merge_id"
    return reverse(name, kwargs={key: objects[kind].pk})


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_duplicate_route_matrix(world, objects, route):
    method, kind = ROUTES[route]
    failures = []
    for actor in ACTORS:
        user = world.breckland_worker if actor == "breckland-worker" else world.users[actor]
        client = world.client_for(user)
        url = _url(route, kind, objects)
        if method == "get":
            expected = 200 if actor in MERGERS else 404
            response = client.get(url)
        else:
            # An empty POST: reviewers get the form back with errors (422); everyone else 404, and
            # nothing changes.
            expected = 422 if actor in MERGERS else 404
            response = client.post(url, {})
        if response.status_code != expected:
            failures.append(
                f"{actor} {method.upper()} {route}: expected {expected}, got {response.status_code}"
            )
    assert not failures, "\n".join(failures)
    assert PossibleDuplicate.objects.get(pk=objects["pair"].pk).status == PossibleDuplicate.Status.OPEN
    assert not PersonMerge.objects.get(pk=objects["merge"].pk).is_undone


def test_anonymous_visitors_are_sent_to_sign_in(world, objects, client):
    for route, (method, kind) in ROUTES.items():
        url = _url(route, kind, objects)
        response = client.get(url) if method == "get" else client.post(url, {})
        assert response.status_code == 302, route
        assert reverse("account_login") in response["Location"], route


def test_a_merged_record_points_to_its_survivor_only_for_those_who_may_know_it(world, objects):
    merged = objects["merge"].merged
    for actor in ACTORS:
        user = world.breckland_worker if actor == "breckland-worker" else world.users[actor]
        response = world.client_for(user).get(reverse("people:detail", args=[merged.pk]))
        # Roles without person.search see no one they are not let into: 404, as for any record.
        expected = 404 if actor in {"analyst", "partnership-leader", "system-administrator"} else 200
        assert response.status_code == expected, actor
        if expected == 200:
            assert "This record was merged into" in response.content.decode(), actor
