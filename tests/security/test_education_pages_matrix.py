"""Every role against every education page and API route: education records follow the young person's
record access.

Expected outcomes are written out by hand from docs/education.md ("Who sees and records it") and the
world fixture's networks, not computed by the policy under test: `inside` is seen in full by its lead
professional (the practitioner) and their team manager; `outside` and `team_case` by the Breckland
youth worker. Recording needs `person.edit` as well, which all of those hold. Everyone else gets 404,
as for a record that does not exist. A guard test fails when an education route is added without a row.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from harbour.education import services
from harbour.education.inputs import HomeEducationInput, MissingEducationInput
from harbour.education.models import EducationUpload, ImportBatch, UnmatchedImportRow
from tests.api.conftest import bearer_headers
from tests.education.helpers import exclude
from tests.security.test_referral_access_matrix import ACTORS, _user

FULL = {
    "inside": {"practitioner", "team-manager"},
    "outside": {"breckland-worker"},
    "team_case": {"breckland-worker"},
}
RECORD = FULL  # every actor who sees these young people in full also holds person.edit

PERSON_PAGES = {"education:person"}
RECORD_PAGES = {"education:record", "education:record_choose"}  # the list of kinds, and one kind
OBJECT_PAGES = {
    "education:exclusion_status",
    "education:enquiry_add",
    "education:missing_close",
    "education:period_end",
}


def _education_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("education:"):
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return names


# The review of imported rows: education.import holders only (the team manager role), 403 for others.
IMPORTERS = {"team-manager"}
IMPORT_PAGES = {"education:unmatched", "education:unmatched_set_aside", "education:unmatched_link"}
IMPORT_ACTIONS = {"education:unmatched_retry"}  # POST only
# Importing a list from the page: importers only (403); an upload is seen by its uploader only (404 for
# another importer: tests/education/test_uploads.py).
UPLOAD_PAGES = {"education:upload_new", "education:upload"}
UPLOAD_ACTIONS = {"education:upload_confirm"}  # POST only


def test_every_education_page_is_in_the_matrix():
    assert (
        _education_routes()
        == PERSON_PAGES
        | {"education:record"}
        | OBJECT_PAGES
        | IMPORT_PAGES
        | IMPORT_ACTIONS
        | UPLOAD_PAGES
        | UPLOAD_ACTIONS
    )


@pytest.fixture
def kept_row(world) -> UnmatchedImportRow:
    """A children-missing-education row kept for review: valid, but no one matches Kacey Holt."""
    batch = ImportBatch.objects.create(
        kind="cme", file_name="cme.csv", file_sha256="0" * 64, imported_by=world.users["team-manager"]
    )
    return UnmatchedImportRow.objects.create(
        batch=batch,
        kind="cme",
        line_number=2,
        row_key="k",
        values={
            "first_name": "Kacey",
            "last_name": "Holt",
            "date_of_birth": "2012-01-01",
            "reported_on": "2026-11-02",
            "reported_by": "Attendance service",
        },
        reason="No known young person matches these details.",
    )


def test_import_review_pages_matrix(world, kept_row):
    row = kept_row
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        expected = 200 if actor in IMPORTERS else 403
        for url in (
            reverse("education:unmatched"),
            reverse("education:unmatched_set_aside", args=[row.pk]),
            reverse("education:unmatched_link", args=[row.pk]),
        ):
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{actor} {url}: expected {expected}, got {response.status_code}")
            elif expected == 200 and "Kacey" not in response.content.decode():
                failures.append(f"{actor} {url}: the row is not shown")
        if actor not in IMPORTERS:
            response = client.post(reverse("education:unmatched_retry", args=[row.pk]))
            if response.status_code != 403:
                failures.append(f"{actor} retry: expected 403, got {response.status_code}")
        # Linking without choosing anyone: the form back with the problem for importers (422).
        expected = 422 if actor in IMPORTERS else 403
        response = client.post(
            reverse("education:unmatched_link", args=[row.pk]), {"action": "link", "version": row.version}
        )
        if response.status_code != expected:
            failures.append(f"{actor} POST link: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)
    row.refresh_from_db()
    assert row.resolved_at is None


def test_upload_pages_matrix(world):
    manager = world.users["team-manager"]
    upload = EducationUpload.objects.create(
        uploaded_by=manager,
        kind="cme",
        file_name="cme.csv",
        file_sha256="0" * 64,
        size=10,
        content=b"synthetic",
        status=EducationUpload.Status.READY,
        rows=1,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        expected = 200 if actor in IMPORTERS else 403
        for url in (reverse("education:upload_new"), reverse("education:upload", args=[upload.pk])):
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{actor} {url}: expected {expected}, got {response.status_code}")
        # Posting: an empty form back for importers (422), 403 for everyone else; nothing is imported.
        response = client.post(reverse("education:upload_new"), {})
        if response.status_code != (422 if actor in IMPORTERS else 403):
            failures.append(f"{actor} POST upload_new: got {response.status_code}")
        if actor not in IMPORTERS:
            response = client.post(reverse("education:upload_confirm", args=[upload.pk]))
            if response.status_code != 403:
                failures.append(f"{actor} POST upload_confirm: expected 403, got {response.status_code}")
    assert not failures, "\n".join(failures)
    upload.refresh_from_db()
    assert upload.status == EducationUpload.Status.READY
    assert not ImportBatch.objects.exists()


@pytest.fixture
def records(world) -> dict[str, dict[str, Any]]:
    """An exclusion, a missing-education case and a home-education period for each young person."""
    made: dict[str, dict[str, Any]] = {}
    for name, recorder in (
        ("inside", world.users["practitioner"]),
        ("outside", world.breckland_worker),
        ("team_case", world.breckland_worker),
    ):
        person = getattr(world, name)
        today = timezone.localdate()
        case, _ = services.missing_education_report(
            actor=recorder,
            person=person,
            data=MissingEducationInput(reported_on=today, reported_by="Attendance service"),
        )
        made[name] = {
            "person": person,
            "exclusion": exclude(recorder, person, starts_on=today, kind="suspension", days=Decimal("1")),
            "case": case,
            "home": services.home_education_record(
                actor=recorder, person=person, data=HomeEducationInput(starts_on=today - dt.timedelta(days=3))
            ),
        }
    return made


def _urls(made: dict[str, Any]) -> dict[str, str]:
    return {
        "education:person": reverse("education:person", args=[made["person"].pk]),
        "education:record": reverse("education:record", args=[made["person"].pk]) + "?what=exclusion",
        "education:record_choose": reverse("education:record", args=[made["person"].pk]),
        "education:exclusion_status": reverse("education:exclusion_status", args=[made["exclusion"].pk]),
        "education:enquiry_add": reverse("education:enquiry_add", args=[made["case"].pk]),
        "education:missing_close": reverse("education:missing_close", args=[made["case"].pk]),
        "education:period_end": reverse("education:period_end", args=["home-education", made["home"].pk]),
    }


def test_education_pages_matrix(world, records):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        for name, made in records.items():
            for route, url in _urls(made).items():
                allowed = FULL[name] if route in PERSON_PAGES else RECORD[name]
                expected = 200 if actor in allowed else 404
                response = client.get(url)
                if response.status_code != expected:
                    failures.append(
                        f"{actor} {route} {name}: expected {expected}, got {response.status_code}"
                    )
                # A refused POST changes nothing and answers the same.
                if route != "education:person" and expected == 404:
                    posted = client.post(url, {})
                    if posted.status_code != 404:
                        failures.append(
                            f"{actor} POST {route} {name}: expected 404, got {posted.status_code}"
                        )
    assert not failures, "\n".join(failures)


def test_education_api_matrix(world, records):
    failures = []
    for actor in ACTORS:
        headers = bearer_headers(_user(world, actor), name=f"matrix-{actor}")
        client = Client()
        for name, made in records.items():
            response = client.get("/api/v1/education/", {"person_id": str(made["person"].pk)}, **headers)
            expected = 200 if actor in FULL[name] else 404
            if response.status_code != expected:
                failures.append(f"{actor} {name}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_signed_out_visitors_are_sent_to_sign_in(world, records):
    client = Client()
    for url in _urls(records["inside"]).values():
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


# The review of imported rows in the API: education.import holders only (403 for everyone else).
REVIEW_API = {
    ("get", "/api/v1/education/imports/rows"),
    ("post", "/api/v1/education/imports/rows/{row_id}/link"),
    ("post", "/api/v1/education/imports/rows/{row_id}/retry"),
    ("post", "/api/v1/education/imports/rows/{row_id}/set-aside"),
}


def test_every_import_review_api_route_is_in_the_matrix():
    from harbour.api.api import api

    routes = {
        (method, path)
        for path, methods in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/education/imports/")
        for method in methods
    }
    assert routes == REVIEW_API


def test_import_review_api_matrix(world, kept_row):
    row = kept_row
    failures = []
    for actor in ACTORS:
        headers = bearer_headers(_user(world, actor), name=f"review-{actor}")
        client = Client()
        allowed = actor in IMPORTERS
        response = client.get("/api/v1/education/imports/rows", **headers)
        expected = 200 if allowed else 403
        if response.status_code != expected:
            failures.append(f"{actor} GET rows: expected {expected}, got {response.status_code}")
        elif allowed and "Kacey" not in response.content.decode():
            failures.append(f"{actor} GET rows: the row is not shown")
        # A stale version: a conflict for importers (nothing changes), 403 for everyone else.
        for route, body in (
            ("link", {"person_id": str(world.inside.pk), "version": row.version + 1}),
            ("retry", {"version": row.version + 1}),
            ("set-aside", {"version": row.version + 1, "resolution": "in-error"}),
        ):
            response = client.post(
                f"/api/v1/education/imports/rows/{row.pk}/{route}",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )
            expected = 409 if allowed else 403
            if response.status_code != expected:
                failures.append(f"{actor} POST {route}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)
    row.refresh_from_db()
    assert row.resolved_at is None
