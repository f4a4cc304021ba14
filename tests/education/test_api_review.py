"""The review of imported education rows through the API: the rows kept for review, linked to a young
person the reviewer chooses, tried again, or set aside, with the review pages' services and rules.

The routes carry ids only; the row's values travel in the answer, and choices in the body."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from harbour.api.api import api
from harbour.audit.models import AuditEvent
from harbour.education import imports
from harbour.education.models import Exclusion, UnmatchedImportRow
from tests import factories
from tests.api.conftest import Api, bearer_headers
from tests.education.helpers import school

pytestmark = pytest.mark.django_db

ROWS = "/api/v1/education/imports/rows"
HEADER = "first_name,last_name,date_of_birth,postcode,school_urn,kind,starts_on,days,reason\n"


@pytest.fixture
def rows(world, tmp_path):
    """A list of two suspensions naming people Harbour cannot match, imported by the team manager (who
    sees Jade Bishop in full and Tyler Murray by name only)."""
    school()
    starts = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    path = tmp_path / "list.csv"
    path.write_text(
        HEADER
        + f"Jay,Bishup,2011-05-03,NR1 1AA,121212,suspension,{starts},2,VA\n"
        + f"Zebedee,Quillfeather,2010-01-09,,121212,suspension,{starts},1,VA\n",
        encoding="utf-8",
    )
    report = imports.import_file(actor=world.users["team-manager"], kind="exclusions", path=path)
    assert len(report.unmatched) == 2
    return (
        UnmatchedImportRow.objects.get(values__last_name="Bishup"),
        UnmatchedImportRow.objects.get(values__last_name="Quillfeather"),
    )


def _api(user) -> Api:
    return Api(Client(), bearer_headers(user))


def _nothing_done(*rows) -> None:
    assert not Exclusion.objects.exists()
    for row in rows:
        version = row.version
        row.refresh_from_db()
        assert (row.resolved_at, row.resolution, row.person_id, row.version) == (None, "", None, version)


def test_the_list_shows_each_row_with_its_version_as_the_page_does(world, rows):
    jay, zeb = rows
    client = _api(world.users["team-manager"])
    response = client.get(ROWS)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["next_page"]) == (2, 1, None)
    item = next(item for item in body["items"] if item["id"] == str(jay.pk))
    assert item["version"] == jay.version
    assert (item["kind"], item["file_name"], item["line_number"]) == ("exclusions", "list.csv", 2)
    assert item["values"]["first_name"] == "Jay"
    assert item["reason"]
    assert (item["resolved_at"], item["resolution"], item["person_id"]) == (None, "", None)
    event = AuditEvent.objects.filter(action="education.unmatched_viewed").latest("occurred_at")
    assert event.detail == {"page": 1, "shown": 2}
    first = client.get(ROWS, {"page_size": 1}).json()
    second = client.get(ROWS, {"page_size": 1, "page": 2}).json()
    assert (first["next_page"], second["next_page"]) == (2, None)
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {str(jay.pk), str(zeb.pk)}


def test_only_education_importers_may_use_the_review(world, rows):
    jay, _ = rows
    client = _api(world.users["practitioner"])  # sees Jade in full, but does not import education lists
    assert client.get(ROWS).status_code == 403
    for route, body in (
        ("link", {"person_id": str(world.inside.pk), "version": jay.version}),
        ("retry", {"version": jay.version}),
        ("set-aside", {"version": jay.version, "resolution": "not-known"}),
    ):
        response = client.post(f"{ROWS}/{jay.pk}/{route}", body)
        assert response.status_code == 403, route
        assert response.json()["error"]["code"] == "permission_denied"
    _nothing_done(jay)


def test_linking_a_row_to_the_young_person_chosen(world, rows):
    jay, _ = rows
    manager = world.users["team-manager"]
    response = _api(manager).post(
        f"{ROWS}/{jay.pk}/link", {"person_id": str(world.inside.pk), "version": jay.version}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["resolution"], body["person_id"]) == ("chosen-by-reviewer", str(world.inside.pk))
    assert body["version"] == jay.version + 1
    exclusion = Exclusion.objects.get()
    assert (exclusion.person, exclusion.source) == (world.inside, "imported")
    event = AuditEvent.objects.get(action="education.unmatched_matched")
    assert event.detail == {"kind": "exclusions", "how": "chosen-by-reviewer"}
    # Again with the version read before: someone (here, the same reviewer) dealt with it since.
    again = _api(manager).post(
        f"{ROWS}/{jay.pk}/link", {"person_id": str(world.inside.pk), "version": jay.version}
    )
    assert again.status_code == 409
    assert again.json()["error"]["current_version"] == jay.version + 1
    assert Exclusion.objects.count() == 1


def test_a_row_or_person_not_known_is_404_and_name_only_is_refused(world, rows):
    jay, _ = rows
    client = _api(world.users["team-manager"])
    assert (
        client.post(
            f"{ROWS}/{uuid.uuid4()}/link", {"person_id": str(world.inside.pk), "version": 1}
        ).status_code
        == 404
    )
    assert (
        client.post(f"{ROWS}/{uuid.uuid4()}/set-aside", {"version": 1, "resolution": "in-error"}).status_code
        == 404
    )
    unknown = client.post(f"{ROWS}/{jay.pk}/link", {"person_id": str(uuid.uuid4()), "version": jay.version})
    assert unknown.status_code == 404
    name_only = client.post(
        f"{ROWS}/{jay.pk}/link", {"person_id": str(world.outside.pk), "version": jay.version}
    )
    assert name_only.status_code == 422
    error = name_only.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["person_id"].startswith("You can see only this young person's name")
    _nothing_done(jay)
    assert not AuditEvent.objects.filter(action="education.unmatched_matched").exists()


def test_bad_input_is_refused_in_the_error_format(world, rows):
    jay, _ = rows
    client = _api(world.users["team-manager"])
    cases = [
        ("link", {"person_id": str(world.inside.pk)}, {"version": "This field is required."}),
        ("link", {"person_id": "Jade Bishop", "version": jay.version}, {"person_id": "Enter a valid id."}),
        ("set-aside", {"version": jay.version}, {"resolution": "This field is required."}),
        (
            "set-aside",
            {"version": jay.version, "resolution": "matched"},
            {"resolution": "Must be one of: recorded-by-hand, not-known, in-error."},
        ),
        ("retry", {"version": "two"}, {"version": "Enter a whole number."}),
    ]
    for route, body, fields in cases:
        response = client.post(f"{ROWS}/{jay.pk}/{route}", body)
        assert response.status_code == 422, (route, body)
        assert response.json()["error"]["fields"] == fields, (route, body)
    assert client.post(f"{ROWS}/{jay.pk}/set-aside", "{oops").status_code == 400
    parent = factories.PersonFactory(first_name="Dawn", last_name="Bishop", kind="parent_carer")
    response = client.post(f"{ROWS}/{jay.pk}/link", {"person_id": str(parent.pk), "version": jay.version})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"person_id": "Choose a young person known to Harbour."}
    _nothing_done(jay)


def test_setting_a_row_aside_with_what_happened(world, rows):
    _, zeb = rows
    manager = world.users["team-manager"]
    client = _api(manager)
    stale = client.post(f"{ROWS}/{zeb.pk}/set-aside", {"version": zeb.version + 1, "resolution": "not-known"})
    assert stale.status_code == 409
    _nothing_done(zeb)
    response = client.post(f"{ROWS}/{zeb.pk}/set-aside", {"version": zeb.version, "resolution": "not-known"})
    assert response.status_code == 200
    body = response.json()
    assert (body["resolution"], body["version"], body["person_id"]) == ("not-known", zeb.version + 1, None)
    event = AuditEvent.objects.get(action="education.unmatched_set_aside")
    assert (event.actor_id, event.detail) == (manager.pk, {"resolution": "not-known"})
    # It leaves the list; a second reviewer who read it before is told, and nothing changes.
    assert str(zeb.pk) not in {item["id"] for item in client.get(ROWS).json()["items"]}
    again = client.post(f"{ROWS}/{zeb.pk}/set-aside", {"version": zeb.version, "resolution": "in-error"})
    assert again.status_code == 409
    zeb.refresh_from_db()
    assert zeb.resolution == "not-known"


def test_trying_a_row_again(world, rows):
    jay, _ = rows
    client = _api(world.users["team-manager"])
    response = client.post(f"{ROWS}/{jay.pk}/retry", {"version": jay.version})
    assert response.status_code == 200
    body = response.json()
    assert (body["resolution"], body["version"]) == ("", jay.version)  # still no one with certainty
    assert client.post(f"{ROWS}/{jay.pk}/retry", {"version": jay.version + 1}).status_code == 409
    _nothing_done(jay)


def test_the_routes_carry_ids_only():
    schema = api.get_openapi_schema()
    paths = [path for path in schema["paths"] if path.startswith("/api/v1/education/imports/")]
    assert len(paths) == 4
    for path in paths:
        for operation in schema["paths"][path].values():
            names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            assert names <= {("path", "row_id"), ("query", "page"), ("query", "page_size")}, path
