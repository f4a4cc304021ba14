"""Shared fixtures: reference data, and a small county with one user per role and people in and
outside their networks (`world`)."""

from __future__ import annotations

import copy
import functools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models import signals
from django.test import Client

from harbour.accounts.models import AgencyType, Team, User
from harbour.core.management.commands.reference import MODEL_ORDER as REFERENCE_MODEL_ORDER
from harbour.core.management.commands.reference import load_reference_data, reference_files
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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On PostgreSQL, the tests' connections commit without waiting for the write-ahead log to reach
    the disk (`synchronous_commit=off`, a per-session setting). A crash could lose the last few commits
    of a throwaway test database; what every other connection sees is unchanged."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


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


@dataclass
class _ReferenceSnapshot:
    """The rows `load_reference_data()` wrote into empty reference tables, per model in load order."""

    tables: list[tuple[type[models.Model], list[dict[str, Any]]]]


_reference_snapshots: dict[str, _ReferenceSnapshot] = {}


@functools.cache
def _reference_models() -> list[type[models.Model]]:
    """The models the shipped reference files fill, in the loader's order, then their many-to-many
    tables."""
    labels: list[str] = []
    for path in reference_files():
        labels.extend(label for label in json.loads(path.read_text()) if label not in labels)
    ordered = [label for label in REFERENCE_MODEL_ORDER if label in labels] + [
        label for label in labels if label not in REFERENCE_MODEL_ORDER
    ]
    found = [apps.get_model(label) for label in ordered]
    through = [
        field.remote_field.through
        for model in found
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return found + through


def _all_empty(connection: Any, tables: list[type[models.Model]]) -> bool:
    quote = connection.ops.quote_name
    exists = " OR ".join(f"EXISTS (SELECT 1 FROM {quote(m._meta.db_table)})" for m in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN {exists} THEN 0 ELSE 1 END")
        return bool(cursor.fetchone()[0])


def _rows_of(model: type[models.Model]) -> list[dict[str, Any]]:
    columns = [field.attname for field in model._meta.concrete_fields]
    return list(model._base_manager.order_by("pk").values(*columns))


def _restore_reference(connection: Any, snapshot: _ReferenceSnapshot) -> None:
    """Insert the snapshot's rows as they were first loaded (same keys and values), sending the
    `pre_save`/`post_save` signals `load_reference_data()` would have sent."""
    with transaction.atomic(using=connection.alias):
        for model, rows in snapshot.tables:
            objects = [model(**copy.deepcopy(row)) for row in rows]
            signalled = not model._meta.auto_created
            if signalled:
                for obj in objects:
                    signals.pre_save.send(
                        sender=model, instance=obj, raw=False, using=connection.alias, update_fields=None
                    )
            model._base_manager.using(connection.alias).bulk_create(objects)
            if signalled:
                for obj in objects:
                    signals.post_save.send(
                        sender=model,
                        instance=obj,
                        created=True,
                        raw=False,
                        using=connection.alias,
                        update_fields=None,
                    )


@pytest.fixture
def reference(db: Any) -> None:
    """The shipped reference data, as `harbour reference load` writes it.

    The loader's first run in a process writes it for real (about two thousand queries, a row at a
    time); its rows are kept and later tests get the same rows in one bulk insert per table. That is
    done only into empty reference tables, and only when no one listens for many-to-many changes (the
    bulk insert cannot send those); otherwise the loader runs again.
    """
    from django.db import connection

    tables = _reference_models()
    through = [m for m in tables if m._meta.auto_created]
    if any(signals.m2m_changed.has_listeners(m) for m in through) or not _all_empty(connection, tables):
        load_reference_data()
        return
    snapshot = _reference_snapshots.get(connection.alias)
    if snapshot is not None:
        _restore_reference(connection, snapshot)
        return
    load_reference_data()
    _reference_snapshots[connection.alias] = _ReferenceSnapshot(
        [(model, _rows_of(model)) for model in tables]
    )


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
