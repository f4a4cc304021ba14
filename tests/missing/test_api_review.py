"""The police log review through the API: the rows an import kept for review, linked to a young person
the reviewer chooses or to the row's best candidate, with the review page's services and rules.

The routes carry ids only; the row's details travel in the answer, and choices in the body."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.test import Client

from harbour.api.api import api
from harbour.audit.models import AuditEvent
from harbour.missing.models import MissingEpisode, UnmatchedLogRow
from tests import factories
from tests.api.conftest import Api, bearer_headers

pytestmark = pytest.mark.django_db

ROWS = "/api/v1/missing/police-log/rows"
HEADER = (
    "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,"
    "reported_at,started_at,ended_at,risk_grade,found_place\n"
)
# Jade Bishop's best-candidate row (a typo in the surname), Tyler Murray's, and a row no one is close to.
JADE = "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n"
TYLER = "NC-4001,Ty,Murrey,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,King's Lynn bus station\n"
NOBODY = "NC-5001,Zebedee,Quillfeather,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,Thetford\n"


@pytest.fixture
def rows(world, tmp_path):
    """The log imported by the front-door officer, who is on Tyler Murray's network (sees him in full)
    but not on Jade Bishop's (sees her by name only). Returns Jade's row (her the best candidate) and a
    row with no candidate."""
    officer = world.users["front-door-officer"]
    factories.allocate(world.outside, worker=officer, role="allocated-social-worker")
    path = tmp_path / "log.csv"
    path.write_text(HEADER + JADE + TYLER + NOBODY, encoding="utf-8")
    call_command("missing_import", str(path), "--as", officer.username, stdout=io.StringIO())
    jade = UnmatchedLogRow.objects.get(data__last_name="Bishopp")
    nobody = UnmatchedLogRow.objects.get(data__last_name="Quillfeather")
    assert jade.best_person == world.inside
    assert nobody.best_person is None
    # Tyler's row is linked at once, so two rows wait (it stays a row of the file, not of the list).
    tyler = UnmatchedLogRow.objects.get(data__last_name="Murrey")
    assert tyler.best_person == world.outside
    tyler.delete()
    return jade, nobody


def _api(user) -> Api:
    return Api(Client(), bearer_headers(user))


def _link(row) -> str:
    return f"{ROWS}/{row.pk}/link"


def _best(row) -> str:
    return f"{ROWS}/{row.pk}/link-best-candidate"


def _set_aside(row) -> str:
    return f"{ROWS}/{row.pk}/set-aside"


def _nothing_linked(*rows) -> None:
    assert not MissingEpisode.objects.exists()
    assert not AuditEvent.objects.filter(action="police_log.row_linked").exists()
    for row in rows:
        version = row.version
        row.refresh_from_db()
        assert (row.resolved_at, row.resolution, row.person_id, row.version) == (None, "", None, version)


def test_the_list_shows_each_row_with_its_version_and_best_candidate_as_the_page_does(world, rows):
    jade, nobody = rows
    response = _api(world.users["front-door-officer"]).get(ROWS)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["next_page"]) == (2, 1, None)
    items = {item["id"]: item for item in body["items"]}
    first = items[str(jade.pk)]
    assert first["version"] == jade.version
    assert first["line_number"] == 2
    assert first["file_name"] == "log.csv"
    assert first["values"]["first_name"] == "Jade"
    assert first["values"]["police_reference"] == "NC-3001"
    # Seen by name only, as the page shows her: a name and the score, never more about her.
    assert first["best_candidate"]["person_id"] == str(world.inside.pk)
    assert first["best_candidate"]["name"] == "Jade Bishop"
    assert first["best_candidate"]["access_level"] == "name_only"
    assert set(first["best_candidate"]) == {"person_id", "name", "score", "access_level"}
    assert items[str(nobody.pk)]["best_candidate"] is None
    # Audited as a page of the review list is.
    event = AuditEvent.objects.filter(action="police_log.review_viewed").latest("occurred_at")
    assert event.detail == {"page": 1, "shown": 2}

    # Once on Jade's network, her record is seen in full.
    factories.allocate(world.inside, worker=world.users["front-door-officer"], role="allocated-social-worker")
    again = _api(world.users["front-door-officer"]).get(ROWS).json()
    assert {item["best_candidate"]["access_level"] for item in again["items"] if item["best_candidate"]} == {
        "full"
    }


def test_the_list_is_paginated(world, rows):
    client = _api(world.users["front-door-officer"])
    first = client.get(ROWS, {"page_size": 1}).json()
    assert (first["count"], first["page"], first["page_size"], first["next_page"]) == (2, 1, 1, 2)
    second = client.get(ROWS, {"page_size": 1, "page": 2}).json()
    assert second["next_page"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {str(row.pk) for row in rows}
    assert client.get(ROWS, {"page_size": 0}).status_code == 422
    assert client.get(ROWS, {"page": "x"}).json()["error"]["fields"] == {"page": "Enter a whole number."}


def test_only_police_log_reviewers_may_use_the_review(world, rows):
    jade, nobody = rows
    lead = world.users["practitioner"]  # sees Jade in full, but does not review police logs
    client = _api(lead)
    assert client.get(ROWS).status_code == 403
    refused = client.post(_link(jade), {"person_id": str(world.inside.pk), "version": jade.version})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert client.post(_best(jade), {"version": jade.version}).status_code == 403
    assert (
        client.post(_set_aside(jade), {"resolution": "in-error", "version": jade.version}).status_code == 403
    )
    _nothing_linked(jade, nobody)
    assert not AuditEvent.objects.filter(action="police_log.row_set_aside").exists()
    assert not AuditEvent.objects.filter(action="police_log.review_viewed").exists()


def test_linking_a_row_to_the_young_person_chosen(world, rows):
    _, nobody = rows
    officer = world.users["front-door-officer"]
    response = _api(officer).post(
        _link(nobody), {"person_id": str(world.outside.pk), "version": nobody.version}
    )
    assert response.status_code == 200
    body = response.json()
    episode = MissingEpisode.objects.get()
    assert body["episode_id"] == str(episode.pk)
    assert body["resolution"] == "chosen-by-reviewer"
    assert body["person_id"] == str(world.outside.pk)
    assert body["version"] == nobody.version + 1
    assert body["resolved_at"]
    assert episode.person == world.outside
    assert episode.import_key == nobody.import_key
    assert episode.found_place == "Thetford"
    event = AuditEvent.objects.get(action="police_log.row_linked")
    assert event.actor_id == officer.pk
    assert event.detail["how"] == "chosen-by-reviewer"
    # It leaves the list.
    assert str(nobody.pk) not in {item["id"] for item in _api(officer).get(ROWS).json()["items"]}


def test_a_stale_version_is_a_conflict_and_nothing_is_saved(world, rows):
    _, nobody = rows
    client = _api(world.users["front-door-officer"])
    first = client.post(_link(nobody), {"person_id": str(world.outside.pk), "version": nobody.version})
    assert first.status_code == 200
    again = client.post(_link(nobody), {"person_id": str(world.outside.pk), "version": nobody.version})
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "conflict"
    assert error["current_version"] == nobody.version + 1
    assert MissingEpisode.objects.count() == 1
    assert AuditEvent.objects.filter(action="police_log.row_linked").count() == 1


def test_a_row_or_person_not_known_is_404(world, rows):
    _, nobody = rows
    client = _api(world.users["front-door-officer"])
    missing_row = client.post(
        f"{ROWS}/{uuid.uuid4()}/link", {"person_id": str(world.outside.pk), "version": 1}
    )
    assert missing_row.status_code == 404
    assert missing_row.json()["error"]["code"] == "not_found"
    assert client.post(f"{ROWS}/{uuid.uuid4()}/link-best-candidate", {"version": 1}).status_code == 404
    assert (
        client.post(f"{ROWS}/not-an-id/link", {"person_id": str(world.outside.pk), "version": 1}).status_code
        == 404
    )
    nobody_known = client.post(_link(nobody), {"person_id": str(uuid.uuid4()), "version": nobody.version})
    assert nobody_known.status_code == 404
    _nothing_linked(nobody)


def test_a_young_person_seen_by_name_only_is_refused(world, rows):
    _, nobody = rows
    response = _api(world.users["front-door-officer"]).post(
        _link(nobody), {"person_id": str(world.inside.pk), "version": nobody.version}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["person_id"].startswith("You can see only this young person's name")
    _nothing_linked(nobody)


def test_bad_input_is_refused_in_the_error_format(world, rows):
    _, nobody = rows
    client = _api(world.users["front-door-officer"])
    person = str(world.outside.pk)
    cases = [
        ({"person_id": person}, {"version": "This field is required."}),
        ({"version": nobody.version}, {"person_id": "This field is required."}),
        ({"person_id": person, "version": 0}, {"version": "Must be 1 or more."}),
        ({"person_id": "Tyler Murray", "version": nobody.version}, {"person_id": "Enter a valid id."}),
        (
            {"person_id": person, "version": nobody.version, "name": "x"},
            {"name": "This field is not allowed."},
        ),
    ]
    for body, fields in cases:
        response = client.post(_link(nobody), body)
        assert response.status_code == 422, body
        assert response.json()["error"]["fields"] == fields, body
    malformed = client.post(_link(nobody), "{not json")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "bad_request"
    # A record that is not a young person's (a parent) is a choice to correct, on person_id.
    parent = factories.PersonFactory(first_name="Dawn", last_name="Murray", kind="parent_carer")
    response = client.post(_link(nobody), {"person_id": str(parent.pk), "version": nobody.version})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"person_id": "Choose a young person known to Harbour."}
    _nothing_linked(nobody)


def test_linking_to_the_best_candidate(world, rows):
    jade, nobody = rows
    officer = world.users["front-door-officer"]
    client = _api(officer)
    # Seen by name only: refused, as "Link" on the page is.
    refused = client.post(_best(jade), {"version": jade.version})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["best_candidate"].startswith("You can see only")
    # No best candidate at all.
    none = client.post(_best(nobody), {"version": nobody.version})
    assert none.status_code == 422
    assert "best_candidate" in none.json()["error"]["fields"]
    assert client.post(_best(jade), {}).status_code == 422
    _nothing_linked(jade, nobody)

    factories.allocate(world.inside, worker=officer, role="allocated-social-worker")
    stale = client.post(_best(jade), {"version": jade.version + 1})
    assert stale.status_code == 409
    _nothing_linked(jade)
    linked = client.post(_best(jade), {"version": jade.version})
    assert linked.status_code == 200
    assert linked.json()["resolution"] == "best-candidate"
    assert MissingEpisode.objects.get().person == world.inside
    assert AuditEvent.objects.get(action="police_log.row_linked").detail["how"] == "best-candidate"


def test_the_routes_carry_ids_only():
    """No name, date of birth or other personal detail in an address: the path holds the row's id, the
    list's query only its page, and the choice travels in the body."""
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/missing/police-log/"):
            continue
        assert set(path.split("{")[1:]) <= {
            "row_id}/link",
            "row_id}/link-best-candidate",
            "row_id}/set-aside",
        }, path
        for operation in operations.values():
            names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            assert names <= {("path", "row_id"), ("query", "page"), ("query", "page_size")}, path


def test_setting_a_row_aside(world, rows):
    jade, nobody = rows
    officer = world.users["front-door-officer"]
    client = _api(officer)
    response = client.post(_set_aside(jade), {"resolution": "not-known", "version": jade.version})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(jade.pk)
    assert body["version"] == jade.version + 1
    assert body["resolution"] == "not-known"
    assert body["resolved_at"]
    assert body["line_number"] == 2
    assert body["best_candidate"]["access_level"] == "name_only"  # as the list shows her
    assert not MissingEpisode.objects.exists()
    jade.refresh_from_db()
    assert (jade.resolution, jade.resolved_by, jade.person) == ("not-known", officer, None)
    event = AuditEvent.objects.get(action="police_log.row_set_aside")
    assert event.actor_id == officer.pk
    assert event.detail == {"import": str(jade.log_import_id), "line": 2, "resolution": "not-known"}
    # It leaves the list; the rows still waiting say so.
    items = client.get(ROWS).json()["items"]
    assert [item["id"] for item in items] == [str(nobody.pk)]
    assert (items[0]["resolution"], items[0]["resolved_at"]) == ("", None)

    # Dealt with: stale with the version read before, refused (422) with the current one.
    stale = client.post(_set_aside(jade), {"resolution": "in-error", "version": jade.version - 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert stale.json()["error"]["current_version"] == jade.version
    again = client.post(_set_aside(jade), {"resolution": "in-error", "version": jade.version})
    assert again.status_code == 422
    assert again.json()["error"]["message"] == "This row has already been dealt with."
    linked = client.post(_link(jade), {"person_id": str(world.outside.pk), "version": jade.version})
    assert linked.status_code == 422
    assert linked.json()["error"]["message"] == "This row has already been set aside."
    assert AuditEvent.objects.filter(action="police_log.row_set_aside").count() == 1
    assert not MissingEpisode.objects.exists()


def test_setting_aside_refuses_bad_input_in_the_error_format(world, rows):
    _, nobody = rows
    client = _api(world.users["front-door-officer"])
    cases = [
        ({"version": nobody.version}, {"resolution": "This field is required."}),
        ({"resolution": "in-error"}, {"version": "This field is required."}),
        ({"resolution": "in-error", "version": 0}, {"version": "Must be 1 or more."}),
        (
            {"resolution": "in-error", "version": nobody.version, "reason": "x"},
            {"reason": "This field is not allowed."},
        ),
    ]
    for body, fields in cases:
        response = client.post(_set_aside(nobody), body)
        assert response.status_code == 422, body
        assert response.json()["error"]["fields"] == fields, body
    # An outcome that links the row is not a way to set it aside.
    for resolution in ("best-candidate", "chosen-by-reviewer", "gone"):
        response = client.post(_set_aside(nobody), {"resolution": resolution, "version": nobody.version})
        assert response.status_code == 422, resolution
        assert response.json()["error"]["code"] == "validation_error"
        assert set(response.json()["error"]["fields"]) == {"resolution"}, resolution
    assert (
        client.post(f"{ROWS}/{uuid.uuid4()}/set-aside", {"resolution": "in-error", "version": 1}).status_code
        == 404
    )
    assert (
        client.post(f"{ROWS}/not-an-id/set-aside", {"resolution": "in-error", "version": 1}).status_code
        == 404
    )
    _nothing_linked(nobody)
    assert not AuditEvent.objects.filter(action="police_log.row_set_aside").exists()
