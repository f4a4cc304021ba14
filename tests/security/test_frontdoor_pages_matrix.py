"""Every role against every front-door web page: the referral pages (which show young people's details),
the queue, the forms, drafts and outcomes, and the public concern form.

Expected outcomes are written out by hand from docs/access.md ("Referrals") and docs/security.md
(capabilities), not computed by the policy under test. Guard tests fail when a front-door page is added
without a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from harbour.frontdoor.models import ReferralDraft
from tests.security.test_referral_access_matrix import ACTORS, READERS, WITHDRAWERS, _user
from tests.security.test_referral_access_matrix import referrals as api_matrix_referrals  # noqa: F401

TRIAGE = {"front-door-officer"}


@pytest.fixture
def made(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The same three referrals as the API matrix: by the practitioner, by the police, from the public."""
    return request.getfixturevalue("api_matrix_referrals")


SUBMIT = {
    "front-door-officer",
    "practitioner",
    "team-manager",
    "police-intelligence-officer",
    "panel-chair",
    "breckland-worker",
}


def _readers(name: str) -> Callable[[str], int]:
    return lambda actor: 200 if actor in READERS[name] else 404


# Pages that show one referral: url name -> expected status per referral, per actor.
REFERRAL_PAGES: dict[str, Callable[[str, str], int]] = {
    "frontdoor:referral": lambda actor, name: _readers(name)(actor),
    "frontdoor:referral_sent": lambda actor, name: _readers(name)(actor),
}
# Triage actions (POST): refused (403) without frontdoor.triage, whatever the referral.
REFERRAL_ACTIONS = {
    "frontdoor:triage_start",
    "frontdoor:decide",
    "frontdoor:regrade",
    "frontdoor:subject_add",
}
# Pages without a record id: who may open them.
PAGES: dict[str, Callable[[str], int]] = {
    "frontdoor:queue": lambda actor: 200 if actor in TRIAGE else 403,
    "frontdoor:referral_new": lambda actor: 200 if actor in SUBMIT else 403,
    "frontdoor:drafts": lambda actor: 200 if actor in SUBMIT else 403,
    "frontdoor:sent": lambda actor: 200 if actor in SUBMIT else 403,
}
# Routes taking a draft or notification id: personal to their owner (checked below).
OWNED = {"frontdoor:draft", "frontdoor:draft_discard", "frontdoor:draft_save", "frontdoor:feedback_read"}


def _frontdoor_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("frontdoor:"):
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_front_door_page_is_in_the_matrix():
    expected = set(REFERRAL_PAGES) | REFERRAL_ACTIONS | set(PAGES) | OWNED | {"frontdoor:withdraw"}
    assert _frontdoor_routes() == expected


def test_referral_pages_matrix(world, made):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for name, referral in made.items():
            for route, expect in REFERRAL_PAGES.items():
                response = client.get(reverse(route, args=[referral.pk]))
                expected = expect(actor, name)
                if response.status_code != expected:
                    failures.append(
                        f"{actor} {route} {name}: expected {expected}, got {response.status_code}"
                    )
                elif expected == 200 and name == "public" and route == "frontdoor:referral":
                    # The sender's own details go to the front door only.
                    shown = "A parent or carer" in response.content.decode()
                    if shown != (actor in TRIAGE):
                        failures.append(f"{actor} {route} {name}: sender details shown={shown}")
    assert not failures, "\n".join(failures)


def test_triage_actions_matrix(world, made):
    referral = made["about_inside_by_practitioner"]
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for route in sorted(REFERRAL_ACTIONS):
            # An empty form: a front-door officer gets it back with errors (a bare "Start triage"
            # button without its version is a bad request), anyone else is refused.
            response = client.post(reverse(route, args=[referral.pk]), {})
            expected = (400 if route == "frontdoor:triage_start" else 422) if actor in TRIAGE else 403
            if response.status_code != expected:
                failures.append(f"{actor} {route}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_withdraw_matrix(world, made):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for name, referral in made.items():
            # An empty form: those who may withdraw get it back with errors (nothing withdrawn).
            response = client.post(reverse("frontdoor:withdraw", args=[referral.pk]), {})
            expected = 422 if actor in WITHDRAWERS[name] else 403 if actor in READERS[name] else 404
            if response.status_code != expected:
                failures.append(f"{actor} {name}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)
    assert all(referral.is_open for referral in made.values())


@pytest.mark.parametrize("route", sorted(PAGES))
def test_pages_matrix(world, route):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        response = client.get(reverse(route))
        if response.status_code != PAGES[route](actor):
            failures.append(f"{actor}: expected {PAGES[route](actor)}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_drafts_are_their_owners_only(world):
    owner = world.users["practitioner"]
    draft = ReferralDraft.objects.create(
        owner=owner, data={"subjects-0-first_name": ["Kacey"]}, form_token="t"
    )
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        response = client.get(reverse("frontdoor:draft", args=[draft.pk]))
        expected = 200 if actor == "practitioner" else (404 if actor in SUBMIT else 403)
        assert response.status_code == expected, actor


def test_signed_out_visitors_reach_only_the_public_form(world, made):
    client = Client()
    referral = made["public"]
    for route in REFERRAL_PAGES:
        response = client.get(reverse(route, args=[referral.pk]))
        assert response.status_code == 302, route
        assert reverse("account_login") in response["Location"], route
    for route in PAGES:
        response = client.get(reverse(route))
        assert response.status_code == 302, route
        assert reverse("account_login") in response["Location"], route
    assert client.get(reverse("concern:form")).status_code == 200
    assert client.get(reverse("concern:sent")).status_code == 200
