"""Bad input gets a 400 or 422 in the one error format, naming the field, echoing nothing sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from harbour.people.models import Person
from tests.api.conftest import PEOPLE, SEARCH, assert_error, person_url

NAMES = {"first_name": "Leon", "last_name": "Greenwood"}
DATE_MESSAGE = "Enter a real date in the format YYYY-MM-DD."


@pytest.mark.parametrize(
    "value",
    ["2010-13-45", "yesterday", "2010-02-30", "15/07/2010", "20100715", 20100715, "2010-07-15T10:00:00"],
)
def test_malformed_dates(world, api_as, value):
    response = api_as("practitioner").post(PEOPLE, {**NAMES, "date_of_birth": value})
    error = assert_error(response, 422, "validation_error", "date_of_birth")
    assert error["fields"]["date_of_birth"] == DATE_MESSAGE
    assert str(value) not in response.content.decode()


def test_malformed_date_in_a_nested_field(world, api_as):
    body = {**NAMES, "address": {"line1": "1 High Street", "starts_on": "soon"}}
    error = assert_error(
        api_as("practitioner").post(PEOPLE, body), 422, "validation_error", "address.starts_on"
    )
    assert error["fields"]["address.starts_on"] == DATE_MESSAGE


def test_future_date_of_birth(world, api_as):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    error = assert_error(
        api_as("practitioner").post(PEOPLE, {**NAMES, "date_of_birth": tomorrow}),
        422,
        "validation_error",
        "date_of_birth",
    )
    assert error["fields"]["date_of_birth"] == "Date of birth must be today or in the past."


def test_date_of_birth_before_1900(world, api_as):
    error = assert_error(
        api_as("practitioner").post(PEOPLE, {**NAMES, "date_of_birth": "1850-01-01"}),
        422,
        "validation_error",
        "date_of_birth",
    )
    assert error["fields"]["date_of_birth"] == "Date of birth must be after 1900."


def test_impossible_date_of_birth_on_update(world, api_as):
    response = api_as("practitioner").patch(
        person_url(world.inside), {"version": 1, "date_of_birth": "1850-06-01"}
    )
    assert_error(response, 422, "validation_error", "date_of_birth")
    world.inside.refresh_from_db()
    assert world.inside.date_of_birth == dt.date(2011, 4, 2)
    assert world.inside.version == 1


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("first_name", 100),
        ("last_name", 100),
        ("middle_names", 200),
        ("phone", 40),
        ("first_language", 60),
        ("upn", 13),
    ],
)
def test_over_long_fields(world, api_as, field, limit):
    response = api_as("practitioner").post(PEOPLE, {**NAMES, field: "x" * (limit + 1)})
    error = assert_error(response, 422, "validation_error", field)
    assert error["fields"][field] == f"Must be {limit} characters or fewer."


def test_over_long_nested_field(world, api_as):
    body = {**NAMES, "address": {"line1": "x" * 201}}
    error = assert_error(api_as("practitioner").post(PEOPLE, body), 422, "validation_error", "address.line1")
    assert error["fields"]["address.line1"] == "Must be 200 characters or fewer."
    body = {**NAMES, "aliases": ["ok", "y" * 201]}
    assert_error(api_as("practitioner").post(PEOPLE, body), 422, "validation_error", "aliases.1")


def test_unknown_kind(world, api_as):
    error = assert_error(
        api_as("practitioner").post(PEOPLE, {**NAMES, "kind": "alien"}), 422, "validation_error", "kind"
    )
    assert error["fields"]["kind"] == "Must be one of: young_person, parent_carer, other."
    assert "alien" not in str(error)


def test_unknown_reference_codes(world, api_as):
    response = api_as("practitioner").post(PEOPLE, {**NAMES, "gender": "xyz", "ethnicity": "martian"})
    error = assert_error(response, 422, "validation_error", "gender")
    assert error["fields"]["gender"].startswith("Must be one of: female, male")
    assert error["fields"]["ethnicity"].startswith("Must be one of: ")
    assert "xyz" not in response.content.decode()


def test_unknown_fields_are_refused(world, api_as):
    api = api_as("practitioner")
    error = assert_error(api.post(PEOPLE, {**NAMES, "is_admin": True}), 422, "validation_error", "is_admin")
    assert error["fields"]["is_admin"] == "This field is not allowed."
    assert_error(api.post(PEOPLE, {**NAMES, "search_name": "x"}), 422, "validation_error", "search_name")
    assert_error(
        api.post(PEOPLE, {**NAMES, "address": {"line1": "1 High St", "flat": "2"}}),
        422,
        "validation_error",
        "address.flat",
    )
    assert_error(
        api.patch(person_url(world.inside), {"version": 1, "id": "x"}), 422, "validation_error", "id"
    )
    assert_error(api.post(SEARCH, {"text": "jade", "name": "x"}), 422, "validation_error", "name")
    assert not Person.objects.filter(last_name="Greenwood").exists()


def test_missing_required_fields(world, api_as):
    error = assert_error(
        api_as("practitioner").post(PEOPLE, {"first_name": "Leon"}), 422, "validation_error", "last_name"
    )
    assert error["fields"]["last_name"] == "This field is required."


def test_wrong_types(world, api_as):
    api = api_as("practitioner")
    error = assert_error(api.post(PEOPLE, {**NAMES, "interpreter_needed": "yes"}), 422, "validation_error")
    assert error["fields"]["interpreter_needed"] == "Must be true or false."
    error = assert_error(
        api.post(PEOPLE, {"first_name": 7, "last_name": "Greenwood"}), 422, "validation_error"
    )
    assert error["fields"]["first_name"] == "Must be text."
    assert_error(api.post(PEOPLE, {**NAMES, "email": "not an email"}), 422, "validation_error", "email")
    assert_error(api.post(PEOPLE, {**NAMES, "phone": "0770\x00"}), 422, "validation_error", "phone")
    assert_error(api.post(PEOPLE, {**NAMES, "aliases": "KO"}), 422, "validation_error", "aliases")


def test_several_problems_are_reported_together(world, api_as):
    body = {
        "first_name": "x" * 101,
        "last_name": "Greenwood",
        "date_of_birth": "yesterday",
        "kind": "alien",
        "colour": "red",
    }
    error = assert_error(api_as("practitioner").post(PEOPLE, body), 422, "validation_error")
    assert set(error["fields"]) == {"first_name", "date_of_birth", "kind", "colour"}


@pytest.mark.parametrize("url", [PEOPLE, SEARCH])
@pytest.mark.parametrize(
    "body", ['{"first_name": "Leon", ', "not json", "{'first_name': 'Leon'}", b"\xff\xfe"]
)
def test_malformed_json(world, api_as, url, body):
    response = api_as("practitioner").post(url, body)
    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize("url", [PEOPLE, SEARCH])
@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", ""])
def test_json_that_is_not_an_object(world, api_as, url, body):
    error = assert_error(api_as("practitioner").post(url, body), 422, "validation_error")
    assert error["message"] == "Send the details as a JSON object."


def test_unknown_address_and_wrong_method(world, api_as):
    api = api_as("practitioner")
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(Client().get("/api/v1/"), 404, "not_found")
    response = api.client.delete(person_url(world.inside), **api.headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    response = api.client.put(SEARCH, data="{}", content_type="application/json", **api.headers)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_missing_trailing_slash_redirects(world, api_as):
    api = api_as("practitioner")
    response = api.get("/api/v1/people", {"kind": "young_person", "page": 2})
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/people/?kind=young_person&page=2"
    response = api.post("/api/v1/people", NAMES)
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/people/"
    assert not Person.objects.filter(last_name="Greenwood").exists()


def test_server_errors_give_a_reference_not_a_traceback(world, api_as, monkeypatch):
    from harbour.people import selectors

    def broken(**kwargs):
        raise RuntimeError("secret detail about Jade Bishop")

    monkeypatch.setattr(selectors, "person_get_for", broken)
    response = api_as("practitioner").get(person_url(world.inside))
    error = assert_error(response, 500, "server_error")
    assert "Jade" not in response.content.decode()
    assert response["X-Request-ID"] in error["message"]


def test_a_malformed_id_is_not_found_whatever_the_body(world, api_as):
    response = api_as("practitioner").patch(f"{PEOPLE}not-a-uuid", {"version": "x", "colour": "red"})
    assert_error(response, 404, "not_found")
