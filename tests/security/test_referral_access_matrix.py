"""Every role against every API route that reads or decides a referral (referrals carry personal data).

Expected outcomes are written out by hand from the rules in docs/access.md ("Referrals"): a referral is
read by its referrer, by front-door officers (frontdoor.triage), by the managers of its triage team and
by those who see one of its young people in full. Only front-door officers decide. A guard test fails
when a new route with a referral id is added without a row here.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from harbour.frontdoor import services
from harbour.frontdoor.inputs import PublicConcernInput, ReferralInput, SubjectInput
from harbour.frontdoor.models import Referral
from tests.api.conftest import bearer_headers
from tests.conftest import ROLES

ACTORS = [*ROLES, "breckland-worker"]
API_REFERRAL_ROUTES = {
    ("get", "/api/v1/referrals/{referral_id}"),
    ("post", "/api/v1/referrals/{referral_id}/decision"),
    ("post", "/api/v1/referrals/{referral_id}/withdraw"),
}
# Who reads which referral. In the world fixture every named role sits in the Norwich adolescent team,
# which is therefore the front door's team: its team manager manages the triage team.
READERS = {
    "about_inside_by_practitioner": {"practitioner", "front-door-officer", "team-manager"},
    "about_outside_by_police": {
        "police-intelligence-officer",
        "front-door-officer",
        "team-manager",
        "breckland-worker",
    },
    "public": {"front-door-officer", "team-manager"},
}
# Who may withdraw which (open) referral: its own referrer or the front door. Other readers are
# refused (403); those who may not read it get 404, as for a missing record.
WITHDRAWERS = {
    "about_inside_by_practitioner": {"front-door-officer", "practitioner"},
    "about_outside_by_police": {"front-door-officer", "police-intelligence-officer"},
    "public": {"front-door-officer"},
}


def _data(person) -> ReferralInput:
    return ReferralInput(
        subjects=[SubjectInput(person_id=person.pk)],
        contexts=[],
        concern_types=["county-lines"],
        urgency="standard",
        what_happened="Found in a flat in another town with cash and two phones.",
        happened_on=None,
        happened_on_estimate="",
        location_text="",
        location_postcode="",
        people_of_concern="",
        young_person_words="",
        parents_aware="yes",
        parents_not_aware_reason="",
        consent="not-sought",
        lawful_basis="public-task-safeguarding",
        lawful_basis_note="",
    )


def _user(world, actor):
    return world.breckland_worker if actor == "breckland-worker" else world.users[actor]


@pytest.fixture
def referrals(world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    inside = services.referral_submit(
        actor=world.users["practitioner"], data=_data(world.inside), idempotency_key="a"
    )
    outside = services.referral_submit(
        actor=world.users["police-intelligence-officer"], data=_data(world.outside), idempotency_key="b"
    )
    receipt = services.referral_submit_public(
        data=PublicConcernInput(relationship="parent-carer", what_happened="Worried about my daughter."),
        client_address="192.0.2.1",
    )
    return {
        "about_inside_by_practitioner": inside,
        "about_outside_by_police": outside,
        "public": Referral.objects.get(reference=receipt.reference),
    }


def test_every_api_referral_route_is_in_the_matrix():
    from harbour.api.api import api

    schema = api.get_openapi_schema()
    routes = {
        (method, path)
        for path, methods in schema["paths"].items()
        if "{referral_id}" in path
        for method in methods
    }
    assert routes == API_REFERRAL_ROUTES


def test_api_referral_read_matrix(world, referrals):
    failures = []
    for actor in ACTORS:
        client = Client()
        headers = bearer_headers(_user(world, actor))
        for name, referral in referrals.items():
            response = client.get(f"/api/v1/referrals/{referral.pk}", **headers)
            expected = 200 if actor in READERS[name] else 404
            if response.status_code != expected:
                failures.append((actor, name, response.status_code, expected))
            elif expected == 200:
                public = response.json()["public"]
                # A member of the public's own details go to the front door only.
                if name == "public" and (public is not None) != (actor == "front-door-officer"):
                    failures.append((actor, name, "public details", public))
    assert not failures


def test_api_referral_decision_matrix(world, referrals):
    failures = []
    for actor in ACTORS:
        client = Client()
        headers = bearer_headers(_user(world, actor))
        referral = referrals["about_outside_by_police"]
        referral.refresh_from_db()
        body = {
            "version": referral.version,
            "decision_type": "early-help",
            "rationale": "Early help offered.",
        }
        response = client.post(
            f"/api/v1/referrals/{referral.pk}/decision",
            data=json.dumps(body),
            content_type="application/json",
            **headers,
        )
        expected = 200 if actor == "front-door-officer" else 403
        if response.status_code != expected:
            failures.append((actor, response.status_code, expected))
    assert not failures


def test_api_referral_withdraw_matrix(world, referrals):
    failures = []
    for actor in ACTORS:
        headers = bearer_headers(_user(world, actor))
        for name, referral in referrals.items():
            # A stale version: those who may withdraw get 409 and nothing changes.
            response = Client().post(
                f"/api/v1/referrals/{referral.pk}/withdraw",
                data=json.dumps({"version": 999, "reason": "Sent twice by mistake."}),
                content_type="application/json",
                **headers,
            )
            expected = 409 if actor in WITHDRAWERS[name] else 403 if actor in READERS[name] else 404
            if response.status_code != expected:
                failures.append((actor, name, response.status_code, expected))
    assert not failures
    for referral in referrals.values():
        referral.refresh_from_db()
        assert referral.is_open


def test_anonymous_callers_read_no_referral(world, referrals):
    for referral in referrals.values():
        assert Client().get(f"/api/v1/referrals/{referral.pk}").status_code == 401
    assert Client().get("/api/v1/referrals/").status_code == 401
