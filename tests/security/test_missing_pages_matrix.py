"""Every role against every missing page and API route that takes an episode, interview or person id.

Expected outcomes are written out by hand from docs/missing.md ("Who sees what"): episodes and interviews
are part of the young person's record (full access only; 404 otherwise); recording needs person.edit;
interview actions need the assigned interviewer or the interview team's manager. A guard test fails when
a missing page is added without a row here.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from harbour.missing.inputs import PROFILE_FIELDS
from tests.api.conftest import bearer_headers
from tests.missing.helpers import record, record_return
from tests.security.test_access_matrix import ACTORS, FULL, _user

# Who sees the episode about `inside` (Jade) in full: her lead professional and his team manager.
INSIDE_FULL = {actor for actor, person in FULL if person == "inside"}
EPISODE_PAGES = {"missing:episode", "missing:interview"}
# POSTs: an empty form for a permitted actor is 422; no full access is 404; full access without the
# right to act is 403.
EPISODE_ACTIONS = {
    "missing:episode_return": "record",
    "missing:episode_regrade": "record",
    "missing:episode_report": "record",
}
INTERVIEW_ACTIONS = {
    "missing:interview_assign": "assign",
    "missing:interview_offer": "work",
    "missing:interview_decline": "work",
    "missing:interview_complete": "work",
}
PERSON_PAGES = {
    "missing:person",
    "missing:episode_new",
    "missing:profile",
    "missing:profile_pdf",
    "missing:profile_photo",
    "missing:profile_photo_image",
    "missing:profile_photo_remove",
}  # access matrix
OWNED = {"missing:notice_read"}
# The police log review: the front door only (403 for everyone else).
REVIEW = {
    "missing:unmatched",
    "missing:unmatched_link",
    "missing:unmatched_choose",
    "missing:unmatched_set_aside",
}
TRIAGE = {"front-door-officer"}
# Importing a police log from the page: the front door only (403); an upload is seen by its uploader only
# (404 for another importer: tests/missing/test_uploads.py).
UPLOADS = {"missing:upload_new", "missing:upload", "missing:upload_confirm"}
# The list of police log imports and undoing one: the front door only (403 for everyone else).
IMPORTS = {"missing:imports", "missing:import_undo"}
# In this world the interview's team is Breckland's youth work team, which has no manager: only the lead
# professional and the team manager (who may edit Jade's record) may assign; nobody is assigned yet, so
# nobody may work it.
ALLOWED = {
    "record": {"practitioner", "team-manager"},
    "assign": {"practitioner", "team-manager"},
    "work": set(),
}


def _missing_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("missing:"):
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_missing_page_is_in_a_matrix():
    expected = (
        EPISODE_PAGES
        | set(EPISODE_ACTIONS)
        | set(INTERVIEW_ACTIONS)
        | PERSON_PAGES
        | OWNED
        | REVIEW
        | UPLOADS
        | IMPORTS
    )
    assert _missing_routes() == expected


@pytest.fixture
def made(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=2))
    open_episode = record(practitioner, world.inside, timezone.now() - timedelta(hours=1))
    return {"episode": episode, "interview": interview, "open_episode": open_episode}


def _status_for(actor: str, kind: str) -> int:
    if actor not in INSIDE_FULL:
        return 404
    return 422 if actor in ALLOWED[kind] else 403


def test_pages_matrix(world, made):
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        urls = {
            "missing:episode": reverse("missing:episode", args=[made["episode"].pk]),
            "missing:interview": reverse("missing:interview", args=[made["interview"].pk]),
        }
        for route, url in urls.items():
            expected = 200 if actor in INSIDE_FULL else 404
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{actor} GET {route}: expected {expected}, got {response.status_code}")
        for route, kind in EPISODE_ACTIONS.items():
            target = made["open_episode"] if route == "missing:episode_return" else made["episode"]
            response = client.post(reverse(route, args=[target.pk]), {})
            expected = _status_for(actor, kind)
            if response.status_code != expected:
                failures.append(f"{actor} POST {route}: expected {expected}, got {response.status_code}")
        for route, kind in INTERVIEW_ACTIONS.items():
            response = client.post(reverse(route, args=[made["interview"].pk]), {})
            expected = _status_for(actor, kind)
            if response.status_code != expected:
                failures.append(f"{actor} POST {route}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_api_matrix(world, made):
    failures = []
    for actor in ACTORS:
        client = Client()
        headers = bearer_headers(_user(world, actor))
        expected = 200 if actor in INSIDE_FULL else 404
        for url in (
            f"/api/v1/missing/people/{world.inside.pk}/episodes",
            f"/api/v1/missing/episodes/{made['episode'].pk}",
        ):
            response = client.get(url, **headers)
            if response.status_code != expected:
                failures.append(f"{actor} GET {url}: expected {expected}, got {response.status_code}")
        response = client.post(
            f"/api/v1/missing/people/{world.inside.pk}/episodes",
            data="{}",
            content_type="application/json",
            **headers,
        )
        # An empty body is refused by the schema (422) before any access check, for everyone signed in.
        if response.status_code != 422:
            failures.append(f"{actor} POST episodes: expected 422, got {response.status_code}")
        # The profile reads in full only (the PDF's rule); no one has a profile in this world.
        response = client.get(f"/api/v1/missing/people/{world.inside.pk}/profile", **headers)
        if response.status_code != expected:
            failures.append(f"{actor} GET profile: expected {expected}, got {response.status_code}")
        # Writes with well-formed bodies the service refuses (no grade or reason; an empty profile): 422 for
        # those who may record, 403 for others who see her in full, 404 for everyone else.
        for method, url, body in (
            (
                client.post,
                f"/api/v1/missing/episodes/{made['episode'].pk}/regrades",
                {"version": made["episode"].version, "risk_grade": "", "reason": ""},
            ),
            (
                client.put,
                f"/api/v1/missing/people/{world.inside.pk}/profile",
                {"version": None, **dict.fromkeys(PROFILE_FIELDS, "")},
            ),
        ):
            response = method(url, data=json.dumps(body), content_type="application/json", **headers)
            wanted = _status_for(actor, "record")
            if response.status_code != wanted:
                failures.append(
                    f"{actor} {method.__name__} {url}: expected {wanted}, got {response.status_code}"
                )
    assert not failures, "\n".join(failures)


# The missing API's routes for one episode or one young person, all checked by test_api_matrix above.
EPISODE_AND_PERSON_API = {
    ("get", "/api/v1/missing/people/{person_id}/episodes"),
    ("post", "/api/v1/missing/people/{person_id}/episodes"),
    ("get", "/api/v1/missing/episodes/{episode_id}"),
    ("post", "/api/v1/missing/episodes/{episode_id}/regrades"),
    ("get", "/api/v1/missing/people/{person_id}/profile"),
    ("put", "/api/v1/missing/people/{person_id}/profile"),
}


def test_every_episode_and_person_api_route_is_in_the_matrix():
    """Routes for one episode or one young person (the return and the interviews' actions are checked
    in tests/missing/test_api_return_and_interview.py)."""
    from harbour.api.api import api

    routes = {
        (method, path)
        for path, methods in api.get_openapi_schema()["paths"].items()
        if path.startswith(("/api/v1/missing/people/", "/api/v1/missing/episodes/"))
        and not path.endswith("/return")
        for method in methods
    }
    assert routes == EPISODE_AND_PERSON_API


def test_notices_are_personal(world, made):
    from harbour.missing.models import MissingNotice

    notice = MissingNotice.objects.create(
        recipient=world.users["practitioner"],
        person=world.inside,
        kind=MissingNotice.Kind.TRIGGER,
        summary="Test",
        sent_at=timezone.now(),
    )
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        response = client.post(reverse("missing:notice_read", args=[notice.pk]))
        expected = 302 if actor == "practitioner" else 404
        assert response.status_code == expected, actor


def test_police_log_review_matrix(world):
    import uuid

    from harbour.missing.models import PoliceLogImport, UnmatchedLogRow

    log = PoliceLogImport.objects.create(
        filename="log.csv",
        sha256="0" * 64,
        imported_by=world.users["front-door-officer"],
        started_at=timezone.now(),
    )
    row = UnmatchedLogRow.objects.create(log_import=log, line_number=2, import_key=uuid.uuid4().hex, data={})
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        expected = 200 if actor in TRIAGE else 403
        response = client.get(reverse("missing:unmatched"))
        if response.status_code != expected:
            failures.append(f"{actor} GET review: expected {expected}, got {response.status_code}")
        # No young person chosen: the front door gets the page back with the problem (422).
        expected = 422 if actor in TRIAGE else 403
        response = client.post(reverse("missing:unmatched_link", args=[row.pk]), {})
        if response.status_code != expected:
            failures.append(f"{actor} POST link: expected {expected}, got {response.status_code}")
        # Finding the young person: the page for the front door, the form back without a choice (422).
        expected = 200 if actor in TRIAGE else 403
        response = client.get(reverse("missing:unmatched_choose", args=[row.pk]))
        if response.status_code != expected:
            failures.append(f"{actor} GET choose: expected {expected}, got {response.status_code}")
        expected = 422 if actor in TRIAGE else 403
        response = client.post(
            reverse("missing:unmatched_choose", args=[row.pk]), {"action": "link", "version": row.version}
        )
        if response.status_code != expected:
            failures.append(f"{actor} POST choose: expected {expected}, got {response.status_code}")
        # Setting aside without saying what happened: the list again with the problem (422).
        response = client.post(
            reverse("missing:unmatched_set_aside", args=[row.pk]), {"version": row.version}
        )
        if response.status_code != expected:
            failures.append(f"{actor} POST set aside: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


# The police log review in the API: the front door only (403 for everyone else), as the pages.
REVIEW_API = {
    ("get", "/api/v1/missing/police-log/rows"),
    ("post", "/api/v1/missing/police-log/rows/{row_id}/link"),
    ("post", "/api/v1/missing/police-log/rows/{row_id}/link-best-candidate"),
    ("post", "/api/v1/missing/police-log/rows/{row_id}/set-aside"),
}


def test_every_police_log_review_api_route_is_in_the_matrix():
    from harbour.api.api import api

    routes = {
        (method, path)
        for path, methods in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/missing/police-log/")
        for method in methods
    }
    assert routes == REVIEW_API


def test_police_log_review_api_matrix(world):
    import uuid

    from harbour.missing.models import PoliceLogImport, UnmatchedLogRow

    log = PoliceLogImport.objects.create(
        filename="log.csv",
        sha256="0" * 64,
        imported_by=world.users["front-door-officer"],
        started_at=timezone.now(),
    )
    row = UnmatchedLogRow.objects.create(
        log_import=log, line_number=2, import_key=uuid.uuid4().hex, data={}, best_person=world.inside
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        headers = bearer_headers(_user(world, actor), name=f"review-{actor}")
        allowed = actor in TRIAGE
        response = client.get("/api/v1/missing/police-log/rows", **headers)
        expected = 200 if allowed else 403
        if response.status_code != expected:
            failures.append(f"{actor} GET rows: expected {expected}, got {response.status_code}")
        # Jade is seen by name only by the front door in this world: refused (422) for them, 403 for others.
        for route, body in (
            ("link", {"person_id": str(world.inside.pk), "version": row.version}),
            ("link-best-candidate", {"version": row.version}),
        ):
            response = client.post(
                f"/api/v1/missing/police-log/rows/{row.pk}/{route}",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )
            expected = 422 if allowed else 403
            if response.status_code != expected:
                failures.append(f"{actor} POST {route}: expected {expected}, got {response.status_code}")
        # Setting aside with a version already moved on: a conflict (409) for the front door, 403 otherwise.
        response = client.post(
            f"/api/v1/missing/police-log/rows/{row.pk}/set-aside",
            data=json.dumps({"resolution": "in-error", "version": row.version + 1}),
            content_type="application/json",
            **headers,
        )
        expected = 409 if allowed else 403
        if response.status_code != expected:
            failures.append(f"{actor} POST set-aside: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)
    row.refresh_from_db()
    assert row.resolved_at is None


def test_police_log_upload_matrix(world):
    from harbour.missing.models import PoliceLogImport, PoliceLogUpload

    upload = PoliceLogUpload.objects.create(
        uploaded_by=world.users["front-door-officer"],
        file_name="log.csv",
        file_sha256="0" * 64,
        size=9,
        content=b"synthetic",
        status=PoliceLogUpload.Status.READY,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        expected = 200 if actor in TRIAGE else 403
        for url in (reverse("missing:upload_new"), reverse("missing:upload", args=[upload.pk])):
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{actor} GET {url}: expected {expected}, got {response.status_code}")
        # Posting no file: the form back for the front door (422), 403 for everyone else.
        response = client.post(reverse("missing:upload_new"), {})
        if response.status_code != (422 if actor in TRIAGE else 403):
            failures.append(f"{actor} POST upload_new: got {response.status_code}")
        if actor not in TRIAGE:
            response = client.post(reverse("missing:upload_confirm", args=[upload.pk]))
            if response.status_code != 403:
                failures.append(f"{actor} POST upload_confirm: expected 403, got {response.status_code}")
    assert not failures, "\n".join(failures)
    upload.refresh_from_db()
    assert upload.status == PoliceLogUpload.Status.READY
    assert not PoliceLogImport.objects.exists()


def test_police_log_imports_matrix(world):
    """The imports list and the undo page: the front door only; a post without a reason undoes nothing
    (422), and nobody else may post at all (403)."""
    from harbour.missing.models import PoliceLogImport

    log_import = PoliceLogImport.objects.create(
        filename="log.csv",
        sha256="0" * 64,
        imported_by=world.users["front-door-officer"],
        started_at=timezone.now(),
        finished_at=timezone.now(),
        rows=1,
    )
    failures = []
    for actor in ACTORS:
        client = Client()
        client.force_login(_user(world, actor))
        expected = 200 if actor in TRIAGE else 403
        for url in (reverse("missing:imports"), reverse("missing:import_undo", args=[log_import.pk])):
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{actor} GET {url}: expected {expected}, got {response.status_code}")
        response = client.post(reverse("missing:import_undo", args=[log_import.pk]), {"reason": ""})
        if response.status_code != (422 if actor in TRIAGE else 403):
            failures.append(f"{actor} POST import_undo: got {response.status_code}")
    assert not failures, "\n".join(failures)
    log_import.refresh_from_db()
    assert log_import.undone_at is None
