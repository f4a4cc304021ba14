"""Shared fixtures: reference data, and a small county with one user per role and people in and
outside their networks (`world`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from harbour.accounts.models import AgencyType, Team, User
from harbour.core.management.commands.reference import load_reference_data
from harbour.people.models import Person
from tests import factories

ROLES = [
    "front-door-officer",
    "practitioner",
    "team-manager",
    "police-intelligence-officer",
    "analyst",
    "panel-chair",
    "partnership-leader",
    "data-protection-officer",
    "system-administrator",
]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Argon2 is deliberately slow; tests make many users and prove nothing about hashing speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # allauth keeps sign-in rate limits and used TOTP codes in the cache; production shares a database
    # cache between processes, tests get a fresh in-memory one each so no limit leaks between tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def reference(db: Any) -> None:
    load_reference_data()


@dataclass
class World:
    """A small county. `users[role]` sit in Norwich children's services' adolescent team unless noted.

    - `inside`: a young person whose lead professional is `users["practitioner"]`.
    - `outside`: a young person allocated only to Breckland youth service's worker `breckland_worker`.
    - `team_case`: allocated to the Norwich adolescent team as a whole (no named worker).
    """

    norwich_team: Team
    breckland_team: Team
    users: dict[str, User]
    breckland_worker: User
    inside: Person
    outside: Person
    team_case: Person
    extra: dict[str, Any] = field(default_factory=dict)

    def client_for(self, role_or_user: str | User) -> Client:
        user = self.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(reference: None) -> World:
    childrens = factories.AgencyFactory(
        name="Norfolk Children's Services", agency_type=AgencyType.objects.get(code="childrens-services")
    )
    youth = factories.AgencyFactory(
        name="Breckland Youth Service", agency_type=AgencyType.objects.get(code="youth-services")
    )
    norwich_team = factories.TeamFactory(agency=childrens, name="Norwich adolescent team")
    breckland_team = factories.TeamFactory(agency=youth, name="Breckland youth work team")
    users = {
        role: factories.make_user(role.replace("-", "_"), role=role, team=norwich_team) for role in ROLES
    }
    breckland_worker = factories.make_user("breckland_worker", role="practitioner", team=breckland_team)
    inside = factories.PersonFactory(first_name="Jade", last_name="Bishop", nhs_number="9434765919")
    factories.add_address(inside)
    factories.allocate(inside, worker=users["practitioner"])
    outside = factories.PersonFactory(first_name="Tyler", last_name="Murray")
    factories.add_address(outside, line1="3 Earls Street", postcode="IP24 2AB")
    factories.allocate(outside, worker=breckland_worker)
    team_case = factories.PersonFactory(first_name="Amelia", last_name="Nowak")
    factories.allocate(team_case, team=breckland_team)
    return World(norwich_team, breckland_team, users, breckland_worker, inside, outside, team_case)
