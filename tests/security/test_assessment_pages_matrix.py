"""Every role against every joint-assessment page that takes an assessment id, and the API.

Expected outcomes are written out by hand from docs/assessments.md ("Access"): an assessment is seen by
whoever sees the young person in full, asked contributors while it is open, and nobody else (404).
Lead-only actions answer 403 to others who see it. A guard test fails when an assessments page is added
without a row here.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from harbour.assessments import services
from tests.conftest import ROLES

ACTORS = [*ROLES, "breckland-worker"]
# Who sees `inside` in full in the world fixture (see test_access_matrix.FULL).
SEES_INSIDE = {"practitioner", "team-manager"}
# Pages with an assessment id (GET) and who gets 200; everyone else 404.
ASSESSMENT_PAGES = {
    "assessments:detail": SEES_INSIDE,
    # Only the lead (the practitioner) has a contribution in this assessment; others who see it: 404.
    "assessments:contribution": {"practitioner"},
}
# Lead-only actions (POST, empty form): the lead gets the form back (422); others who see it 403;
# the rest 404.
LEAD_ACTIONS = {"assessments:request", "assessments:sections", "assessments:agree", "assessments:close"}
# Actions on an offered indicator for your own contribution (POST, empty form, with an assessment and an
# offer id): only the practitioner has a contribution, and gets the form back (422); everyone else 404.
OFFER_ACTIONS = {"assessments:offer_decline"}
# The lead's actions on one request to contribute (POST, empty form, with an assessment and a contribution
# id): the lead gets the page back with nothing withdrawn (302); the professional asked, who reads the
# assessment while asked, and the others who see it 403; the rest 404.
REQUEST_ACTIONS = {"assessments:request_withdraw"}
# Routes with more ids, or none, checked in tests/assessments: offer_accept (assessment and offer),
# person and new (in test_access_matrix.WEB_ROUTES), movement (partnership.performance).
ELSEWHERE = {"assessments:offer_accept", "assessments:person", "assessments:new", "assessments:movement"}


def _routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("assessments:"):
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return names


def _user(world, actor):
    return world.breckland_worker if actor == "breckland-worker" else world.users[actor]


@pytest.fixture
def assessment(world):
    return services.assessment_open(
        actor=world.users["practitioner"], person_id=world.inside.pk, tool_version="norfolk-screening-2024"
    )


def test_every_assessments_page_is_in_the_matrix():
    assert _routes() == set(ASSESSMENT_PAGES) | LEAD_ACTIONS | OFFER_ACTIONS | REQUEST_ACTIONS | ELSEWHERE


def test_assessment_pages_matrix(world, assessment):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for route, allowed in ASSESSMENT_PAGES.items():
            response = client.get(reverse(route, args=[assessment.pk]))
            expected = 200 if actor in allowed else 404
            if response.status_code != expected:
                failures.append(f"{actor} {route}: expected {expected}, got {response.status_code}")
        api = client.get(f"/api/v1/assessments/{assessment.pk}")
        expected = 200 if actor in SEES_INSIDE else 404
        if api.status_code != expected:
            failures.append(f"{actor} api: expected {expected}, got {api.status_code}")
    assert not failures, "\n".join(failures)


def test_lead_actions_matrix(world, assessment):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for route in sorted(LEAD_ACTIONS):
            response = client.post(reverse(route, args=[assessment.pk]), {})
            expected = 422 if actor == "practitioner" else 403 if actor in SEES_INSIDE else 404
            if response.status_code != expected:
                failures.append(f"{actor} {route}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_offer_actions_matrix(world, assessment):
    offer = services.indicator_offer(
        actor=world.users["practitioner"],
        person=world.inside,
        indicator_code="missing-repeat",
        source_app="missing",
        source_kind="return-interview",
        source_id="matrix",
        source_url="/missing/",
        observed_on=datetime.date(2026, 5, 3),
        evidence="Third episode in six weeks.",
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for route in sorted(OFFER_ACTIONS):
            response = client.post(reverse(route, args=[assessment.pk, offer.pk]), {})
            expected = 422 if actor == "practitioner" else 404
            if response.status_code != expected:
                failures.append(f"{actor} {route}: expected {expected}, got {response.status_code}")
    signed_out = Client().post(reverse("assessments:offer_decline", args=[assessment.pk, offer.pk]), {})
    assert signed_out.status_code == 302
    assert not failures, "\n".join(failures)


def test_request_actions_matrix(world, assessment):
    asked = world.users["police-intelligence-officer"]
    contribution = services.contribution_request(
        actor=world.users["practitioner"], assessment_id=assessment.pk, contributor_id=asked.pk
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for route in sorted(REQUEST_ACTIONS):
            response = client.post(reverse(route, args=[assessment.pk, contribution.pk]), {})
            if actor == "practitioner":
                expected = 302
            elif actor in SEES_INSIDE or actor == "police-intelligence-officer":
                expected = 403
            else:
                expected = 404
            if response.status_code != expected:
                failures.append(f"{actor} {route}: expected {expected}, got {response.status_code}")
    signed_out = Client().post(
        reverse("assessments:request_withdraw", args=[assessment.pk, contribution.pk]), {}
    )
    assert signed_out.status_code == 302
    assert reverse("account_login") in signed_out["Location"]
    assert not failures, "\n".join(failures)
    assert type(contribution).objects.filter(pk=contribution.pk).exists()  # nothing was withdrawn


def test_signed_out_visitors_are_sent_to_sign_in(world, assessment):
    client = Client()
    for route in ASSESSMENT_PAGES:
        response = client.get(reverse(route, args=[assessment.pk]))
        assert response.status_code == 302, route
        assert reverse("account_login") in response["Location"], route
    assert client.get(f"/api/v1/assessments/{assessment.pk}").status_code == 401
