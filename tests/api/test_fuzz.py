"""Whatever a client sends, the API answers in its documented shapes: never a 500, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import PEOPLE, SEARCH, Api, assert_error, person_url

FIELDS = [
    "first_name",
    "last_name",
    "middle_names",
    "date_of_birth",
    "gender",
    "ethnicity",
    "kind",
    "nhs_number",
    "upn",
    "email",
    "interpreter_needed",
    "school_id",
    "address",
    "aliases",
    "version",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=120),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=6)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _documented(response, ok: int) -> None:
    if response.status_code != ok:
        assert response.status_code in {400, 403, 404, 409, 422}, response.content
        assert_error(response, response.status_code, response.json()["error"]["code"])


@FUZZ
@given(body=bodies)
def test_create_with_any_body(world, api_as, body):
    api: Api = api_as("practitioner")
    _documented(api.post(PEOPLE, {"first_name": "Leon", "last_name": "Greenwood", **body}), 201)


@FUZZ
@given(body=bodies)
def test_update_with_any_body(world, api_as, body):
    api: Api = api_as("practitioner")
    world.inside.refresh_from_db()
    _documented(api.patch(person_url(world.inside), {"version": world.inside.version, **body}), 200)


SEARCH_FIELDS = ["text", "kind", "date_of_birth", "page", "page_size"]
search_values = (
    json_values
    | st.integers(min_value=-2, max_value=200)
    | st.sampled_from(["jade", "9434765919", "young_person", "parent_carer", "2011-04-02", "1", ""])
)
search_bodies = st.dictionaries(
    st.sampled_from(SEARCH_FIELDS) | st.text(max_size=12), search_values, max_size=5
)


@FUZZ
@given(body=search_bodies)
def test_search_with_any_body(world, api_as, body):
    api: Api = api_as("practitioner")
    response = api.post(SEARCH, body)
    _documented(response, 200)
    if response.status_code == 200:
        for item in response.json()["items"]:
            assert item["access_level"] == "full" or "date_of_birth" not in item


@FUZZ
@given(raw=st.binary(max_size=60))
def test_search_with_any_bytes(world, api_as, raw):
    api: Api = api_as("practitioner")
    _documented(api.post(SEARCH, raw), 200)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["kind", "page", "page_size", "q", "text", "date_of_birth"]), st.text(max_size=40)
    )
)
def test_list_with_any_parameters(world, api_as, params):
    api: Api = api_as("practitioner")
    response = api.get(PEOPLE, params)
    _documented(response, 200)
    if response.status_code == 200:
        assert [item["id"] for item in response.json()["items"]] in ([str(world.inside.pk)], [])


@FUZZ
@given(raw=st.binary(max_size=60))
def test_create_with_any_bytes(world, api_as, raw):
    api: Api = api_as("practitioner")
    response = api.post(PEOPLE, raw)
    if raw == b"":
        assert_error(response, 422, "validation_error")
        return
    try:
        parsed = json.loads(raw)
    except ValueError:
        assert_error(response, 400, "bad_request")
    else:
        assert not isinstance(parsed, dict) or response.status_code in {201, 422}
        _documented(response, 201)
