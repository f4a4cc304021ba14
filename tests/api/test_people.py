"""People through the API: name-only or full as the access policy says, created and changed through
the services, with optimistic locking, and every read audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from harbour.audit.models import AuditEvent
from harbour.people.models import Person
from tests import factories
from tests.api.conftest import PEOPLE, SEARCH, assert_error, person_url

NAME_ONLY_KEYS = {"access_level", "id", "kind", "first_name", "last_name", "known_to"}
PERSONAL_DETAIL_KEYS = {"date_of_birth", "current_address", "identifiers", "gender", "phone", "email", "age"}


def _viewed(person: Any) -> int:
    return AuditEvent.objects.filter(action="person.viewed", person_id=person.pk).count()


# --- search (POST, so names and identifiers stay out of URLs) ----------------------------------


def test_search_shows_own_case_in_full_and_others_name_only(world, api_as):
    api = api_as("practitioner")
    response = api.post(SEARCH, {"text": "jade"})
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    assert page["page"] == 1
    assert page["next"] is None
    assert page["next_page"] is None
    jade = page["items"][0]
    assert jade["access_level"] == "full"
    assert jade["date_of_birth"] == "2011-04-02"
    assert jade["version"] == 1
    tyler = api.post(SEARCH, {"text": "tyler murray"}).json()["items"][0]
    assert tyler["access_level"] == "name_only"
    assert set(tyler) == NAME_ONLY_KEYS
    assert tyler["known_to"] == [
        {
            "id": str(world.breckland_team.agency.pk),
            "name": "Breckland Youth Service",
            "phone": "",
            "email": "",
        }
    ]


def test_search_without_a_name_looks_only_among_own_cases(world, api_as):
    api = api_as("practitioner")
    own = api.post(SEARCH, {}).json()
    assert [item["first_name"] for item in own["items"]] == ["Jade"]
    assert api.post(SEARCH, {"date_of_birth": "2011-04-02"}).json()["count"] == 1
    world.outside.date_of_birth = dt.date(2011, 4, 2)
    world.outside.save()
    assert [i["first_name"] for i in api.post(SEARCH, {"date_of_birth": "2011-04-02"}).json()["items"]] == [
        "Jade"
    ]
    assert api.post(SEARCH, {"text": "9434765919"}).json()["count"] == 1
    assert api_as(world.breckland_worker).post(SEARCH, {"text": "943 476 5919"}).json()["count"] == 0


def test_search_matches_names_and_filters(world, api_as):
    api = api_as("practitioner")
    found = api.post(SEARCH, {"text": "bish"}).json()
    assert [item["last_name"] for item in found["items"]] == ["Bishop"]
    assert api.post(SEARCH, {"text": "murray"}).json()["count"] == 1
    assert api.post(SEARCH, {"text": "jade", "kind": "parent_carer"}).json()["count"] == 0
    assert api.post(SEARCH, {"text": "jade", "kind": "young_person"}).json()["count"] == 1
    assert api.post(SEARCH, {"text": "jade", "date_of_birth": "2011-04-02"}).json()["count"] == 1
    assert api.post(SEARCH, {"text": "jade", "date_of_birth": "2011-04-03"}).json()["count"] == 0
    assert api.post(SEARCH, {"text": "jade", "date_of_birth": None}).json()["count"] == 1


def test_search_is_audited_once_per_call_and_is_not_a_view(world, api_as):
    api = api_as("practitioner")
    api.post(SEARCH, {"text": "murray"})
    searches = AuditEvent.objects.filter(action="person.searched")
    assert searches.count() == 1
    event = searches.get()
    assert event.detail == {"text": "murray", "results": 1}
    assert event.actor_username == "practitioner"
    assert event.channel == "api"
    assert not AuditEvent.objects.filter(action="person.viewed").exists()
    api.post(SEARCH, {"text": "murray", "page": 2})
    assert searches.count() == 2


def test_search_pages(world, api_as):
    for n in range(4):
        factories.PersonFactory(first_name="Riley", last_name=f"Ashby{n}")
    api = api_as("practitioner")
    first = api.post(SEARCH, {"text": "riley", "page_size": 3}).json()
    assert first["count"] == 4
    assert first["page_size"] == 3
    assert len(first["items"]) == 3
    assert first["next"] is None  # a search's next page is another POST, not an address
    assert first["next_page"] == 2
    second = api.post(SEARCH, {"text": "riley", "page_size": 3, "page": first["next_page"]}).json()
    assert second["page"] == 2
    assert len(second["items"]) == 1
    assert second["next"] is None
    assert second["next_page"] is None
    names = [item["last_name"] for item in first["items"] + second["items"]]
    assert names == sorted(names)
    assert api.post(SEARCH, {"text": "riley", "page": 9}).json()["items"] == []
    assert api.post(SEARCH, {"text": "riley", "page": 9}).json()["next_page"] is None


def test_search_body_is_validated(world, api_as):
    api = api_as("practitioner")
    assert_error(api.post(SEARCH, {"page": 0}), 422, "validation_error", "page")
    assert_error(api.post(SEARCH, {"page": 10**20}), 422, "validation_error", "page")
    assert_error(api.post(SEARCH, {"page": "two"}), 422, "validation_error", "page")
    assert_error(api.post(SEARCH, {"text": "x" * 201}), 422, "validation_error", "text")
    assert_error(api.post(SEARCH, {"text": "jade\nbishop"}), 422, "validation_error", "text")
    assert_error(api.post(SEARCH, {"text": None}), 422, "validation_error", "text")
    assert_error(api.post(SEARCH, {"page_size": 500}), 422, "validation_error", "page_size")
    assert_error(api.post(SEARCH, {"page_size": 0}), 422, "validation_error", "page_size")
    error = assert_error(api.post(SEARCH, {"date_of_birth": "02/04/2011"}), 422, "validation_error")
    assert error["fields"]["date_of_birth"] == "Enter a real date in the format YYYY-MM-DD."
    error = assert_error(api.post(SEARCH, {"kind": "alien"}), 422, "validation_error", "kind")
    assert error["fields"]["kind"] == "Must be one of: young_person, parent_carer, other."
    assert not AuditEvent.objects.filter(action="person.searched").exists()


def test_search_refuses_the_old_q_field(world, api_as):
    response = api_as("practitioner").post(SEARCH, {"q": "jade"})
    error = assert_error(response, 422, "validation_error", "q")
    assert set(error["fields"]) == {"q"}
    assert error["fields"]["q"] == "This field is not allowed."
    assert "jade" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.searched").exists()


def test_search_is_not_a_get(world, api_as):
    api = api_as("practitioner")
    response = api.get(SEARCH, {"text": "jade"})
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    assert "Jade" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.searched").exists()


# --- your people (GET, no personal data in the query) ------------------------------------------


def _list_ids(api: Any, params: dict[str, Any] | None = None) -> list[str]:
    response = api.get(PEOPLE, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_list_shows_only_people_seen_in_full(world, api_as):
    api = api_as("practitioner")
    response = api.get(PEOPLE)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    assert page["page"] == 1
    assert page["next"] is None
    assert page["next_page"] is None
    [jade] = page["items"]
    assert jade["id"] == str(world.inside.pk)
    assert jade["access_level"] == "full"
    assert jade["date_of_birth"] == "2011-04-02"
    ids = {item["id"] for item in page["items"]}
    assert str(world.outside.pk) not in ids
    assert str(world.team_case.pk) not in ids
    # Tyler is known to Harbour and the practitioner finds him name-only, but he is not theirs.
    tyler = api.post(SEARCH, {"text": "tyler murray"}).json()["items"]
    assert [item["access_level"] for item in tyler] == ["name_only"]
    assert str(world.outside.pk) not in _list_ids(api, {"kind": "young_person"})


def test_list_never_carries_name_only_items(world, api_as):
    for n in range(3):
        factories.PersonFactory(first_name="Riley", last_name=f"Ashby{n}")  # known, in nobody's network
    actors = [*world.users, world.breckland_worker]
    for actor in actors:
        api = api_as(actor)
        page = api.get(PEOPLE, {"page_size": 100}).json()
        assert all(item["access_level"] == "full" for item in page["items"]), actor
        listed = {item["id"] for item in page["items"]}
        for person in (world.inside, world.outside, world.team_case):
            level = api.get(person_url(person)).json().get("access_level")
            assert (str(person.pk) in listed) == (level == "full"), (actor, person)
    assert {i["id"] for i in api_as(world.breckland_worker).get(PEOPLE).json()["items"]} == {
        str(world.outside.pk),
        str(world.team_case.pk),
    }


def test_list_filters_by_kind(world, api_as):
    carer = factories.PersonFactory(first_name="Dawn", last_name="Bishop", kind=Person.Kind.PARENT_CARER)
    factories.allocate(carer, worker=world.users["practitioner"])
    api = api_as("practitioner")
    assert _list_ids(api, {"kind": "parent_carer"}) == [str(carer.pk)]
    assert _list_ids(api, {"kind": "young_person"}) == [str(world.inside.pk)]
    assert _list_ids(api, {"kind": "other"}) == []
    assert set(_list_ids(api)) == {str(carer.pk), str(world.inside.pk)}


def test_list_takes_no_text_or_date_of_birth(world, api_as):
    """The list has no search in it: ``q``, ``text`` and ``date_of_birth`` are ignored, not applied,
    so nobody comes to rely on putting a name in the URL."""
    api = api_as("practitioner")
    everyone = _list_ids(api)
    assert everyone == [str(world.inside.pk)]
    assert _list_ids(api, {"q": "x"}) == everyone
    assert _list_ids(api, {"q": "tyler"}) == everyone
    assert _list_ids(api, {"text": "nobody"}) == everyone
    assert _list_ids(api, {"date_of_birth": "1999-01-01"}) == everyone
    assert _list_ids(api, {"q": "9999999999"}) == everyone
    assert not AuditEvent.objects.filter(action="person.searched").exists()


def test_list_is_not_audited_as_a_search_or_a_view(world, api_as):
    api_as("practitioner").get(PEOPLE)
    assert not AuditEvent.objects.filter(action="person.searched").exists()
    assert not AuditEvent.objects.filter(action="person.viewed").exists()


def test_list_pages(world, api_as):
    for n in range(4):
        riley = factories.PersonFactory(first_name="Riley", last_name=f"Ashby{n}")
        factories.allocate(riley, worker=world.users["practitioner"])
    api = api_as("practitioner")
    first = api.get(PEOPLE, {"page_size": 3}).json()
    assert first["count"] == 5
    assert len(first["items"]) == 3
    assert first["next_page"] == 2
    assert first["next"].startswith("http://testserver/api/v1/people/?")
    assert "page=2" in first["next"]
    assert "page_size=3" in first["next"]
    second = api.client.get(first["next"], **api.headers).json()
    assert second["page"] == 2
    assert len(second["items"]) == 2
    assert second["next"] is None
    assert second["next_page"] is None
    names = [item["last_name"] for item in first["items"] + second["items"]]
    assert names == sorted(names)
    assert len({item["id"] for item in first["items"] + second["items"]}) == 5
    assert api.get(PEOPLE, {"page": 9}).json()["items"] == []
    kind_page = api.get(PEOPLE, {"page_size": 3, "kind": "young_person"}).json()
    assert "kind=young_person" in kind_page["next"]


def test_list_next_does_not_echo_ignored_parameters(world, api_as):
    for n in range(2):
        riley = factories.PersonFactory(first_name="Riley", last_name=f"Ashby{n}")
        factories.allocate(riley, worker=world.users["practitioner"])
    page = (
        api_as("practitioner")
        .get(PEOPLE, {"page_size": 1, "q": "Tyler Murray", "date_of_birth": "2011-04-02"})
        .json()
    )
    assert page["next"] is not None
    assert "Tyler" not in page["next"]
    assert "q=" not in page["next"]
    assert "date_of_birth" not in page["next"]


def test_list_parameters_are_validated(world, api_as):
    api = api_as("practitioner")
    assert_error(api.get(PEOPLE, {"page": 0}), 422, "validation_error", "page")
    assert_error(api.get(PEOPLE, {"page": 10**20}), 422, "validation_error", "page")
    assert_error(api.get(PEOPLE, {"page": "two"}), 422, "validation_error", "page")
    assert_error(api.get(PEOPLE, {"page_size": 500}), 422, "validation_error", "page_size")
    error = assert_error(api.get(PEOPLE, {"kind": "alien"}), 422, "validation_error", "kind")
    assert error["fields"]["kind"] == "Must be one of: young_person, parent_carer, other."


def test_staff_without_a_team_find_nobody(world):
    from django.test import Client

    from tests.api.conftest import bearer_headers

    loner = factories.UserFactory(username="loner")
    client = Client()
    headers = bearer_headers(loner)
    response = client.get(PEOPLE, **headers)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    for body in ({}, {"text": "jade"}, {"text": "9434765919"}):
        response = client.post(SEARCH, data=json.dumps(body), content_type="application/json", **headers)
        assert response.status_code == 200
        assert response.json()["count"] == 0, body


# --- one person --------------------------------------------------------------------------------


def test_get_in_full_for_the_network(world, api_as):
    response = api_as("practitioner").get(person_url(world.inside))
    assert response.status_code == 200
    body = response.json()
    assert body["access_level"] == "full"
    assert body["first_name"] == "Jade"
    assert body["date_of_birth"] == "2011-04-02"
    assert body["identifiers"] == {"nhs_number": "9434765919", "upn": ""}
    assert body["current_address"]["postcode"] == "NR3 1JE"
    assert body["version"] == 1
    assert body["known_to"][0]["name"] == "Norfolk Children's Services"
    assert any("lead professional" in reason for reason in body["why"])


def test_get_name_only_outside_the_network(world, api_as):
    response = api_as("practitioner").get(person_url(world.outside))
    assert response.status_code == 200
    body = response.json()
    assert body["access_level"] == "name_only"
    assert body["first_name"] == "Tyler"
    assert not PERSONAL_DETAIL_KEYS & set(body)
    assert "3 Earls Street" not in response.content.decode()
    assert "2011" not in response.content.decode()
    assert body["known_to"][0]["name"] == "Breckland Youth Service"
    assert "not in this young person's professional network" in body["why"][0]


def test_manager_sees_the_team_case_in_full(world, api_as):
    assert api_as("team-manager").get(person_url(world.inside)).json()["access_level"] == "full"
    assert api_as(world.breckland_worker).get(person_url(world.inside)).json()["access_level"] == "name_only"


def test_missing_person_is_not_found(world, api_as):
    api = api_as("practitioner")
    assert_error(api.get(f"{PEOPLE}00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert_error(api.get(f"{PEOPLE}not-a-uuid"), 404, "not_found")


def test_every_get_writes_exactly_one_view_event(world, api_as):
    api = api_as("practitioner")
    for person, expected_level in ((world.inside, "full"), (world.outside, "name_only")):
        api.get(person_url(person))
        assert _viewed(person) == 1
        event = AuditEvent.objects.get(action="person.viewed", person_id=person.pk)
        assert event.detail["level"] == expected_level
        assert event.actor_username == "practitioner"
        assert event.channel == "api"
        api.get(person_url(person))
        assert _viewed(person) == 2


# --- create ------------------------------------------------------------------------------------

FULL_BODY = {
    "first_name": "Kayden",
    "middle_names": "Lee",
    "last_name": "Okafor",
    "preferred_name": "Kay",
    "date_of_birth": "2010-07-15",
    "gender": "male",
    "ethnicity": "black-african",
    "kind": "young_person",
    "nhs_number": "943 476 5919",
    "upn": "a12345678901b",
    "first_language": "English",
    "interpreter_needed": False,
    "disability": "",
    "phone": "07700 900123",
    "email": "kay@example.org",
    "address": {
        "line1": "4 Rose Lane",
        "town": "norwich",
        "postcode": "nr13qu",
        "starts_on": "2023-09-01",
    },
    "aliases": ["KO", "Kayzee"],
}


def test_create_in_full(world, api_as):
    response = api_as("practitioner").post(PEOPLE, FULL_BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["access_level"] == "full"
    assert body["version"] == 1
    assert body["gender"] == {"code": "male", "label": body["gender"]["label"]}
    assert body["ethnicity"]["code"] == "black-african"
    assert body["identifiers"] == {"nhs_number": "9434765919", "upn": "A12345678901B"}
    assert body["current_address"] == {
        "line1": "4 Rose Lane",
        "line2": "",
        "town": "Norwich",
        "postcode": "NR1 3QU",
        "starts_on": "2023-09-01",
    }
    assert sorted(alias["name"] for alias in body["aliases"]) == ["KO", "Kayzee"]
    assert any("recorded" in reason.lower() or "since" in reason for reason in body["why"])
    person = Person.objects.get(pk=body["id"])
    assert person.date_of_birth == dt.date(2010, 7, 15)
    created = AuditEvent.objects.get(action="person.created", person_id=person.pk)
    assert created.actor_username == "practitioner"


def test_create_with_names_only(world, api_as):
    response = api_as("front-door-officer").post(PEOPLE, {"first_name": "Leon", "last_name": "Greenwood"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "young_person"
    assert body["date_of_birth"] is None
    assert body["current_address"] is None


def test_create_needs_the_capability(world, api_as):
    response = api_as("analyst").post(PEOPLE, {"first_name": "Leon", "last_name": "Greenwood"})
    assert_error(response, 403, "permission_denied")
    assert not Person.objects.filter(last_name="Greenwood").exists()


def test_create_reports_service_checks_on_the_field(world, api_as):
    api = api_as("practitioner")
    error = assert_error(
        api.post(PEOPLE, {"first_name": " ", "last_name": "Greenwood", "nhs_number": "1234567890"}),
        422,
        "validation_error",
    )
    assert error["fields"]["first_name"] == "Enter a first name."
    assert "check digit" in error["fields"]["nhs_number"]
    error = assert_error(
        api.post(
            PEOPLE,
            {
                "first_name": "Leon",
                "last_name": "Greenwood",
                "address": {"line1": "1 High St", "postcode": "nowhere"},
            },
        ),
        422,
        "validation_error",
        "address.postcode",
    )
    error = assert_error(
        api.post(
            PEOPLE,
            {
                "first_name": "Leon",
                "last_name": "Greenwood",
                "address": {"line1": "1 High St", "town": "Atlantis"},
            },
        ),
        422,
        "validation_error",
        "address.town",
    )
    error = assert_error(
        api.post(
            PEOPLE,
            {
                "first_name": "Leon",
                "last_name": "Greenwood",
                "school_id": "00000000-0000-0000-0000-000000000000",
            },
        ),
        422,
        "validation_error",
        "school_id",
    )
    assert not Person.objects.filter(last_name="Greenwood").exists()


# --- update and optimistic locking -------------------------------------------------------------


def test_update_changes_fields_and_bumps_the_version(world, api_as):
    api = api_as("practitioner")
    response = api.patch(person_url(world.inside), {"version": 1, "preferred_name": "JJ", "gender": "female"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["preferred_name"] == "JJ"
    assert body["gender"]["code"] == "female"
    assert body["first_name"] == "Jade"
    changed = AuditEvent.objects.get(action="person.changed", person_id=world.inside.pk)
    assert set(changed.detail["changes"]) == {"preferred_name", "gender"}


def test_update_can_clear_a_date(world, api_as):
    response = api_as("practitioner").patch(person_url(world.inside), {"version": 1, "date_of_birth": None})
    assert response.status_code == 200, response.content
    assert response.json()["date_of_birth"] is None


def test_stale_version_conflicts_and_keeps_the_first_change(world, api_as):
    first_editor = api_as("practitioner")
    second_editor = api_as("team-manager")
    first = first_editor.patch(person_url(world.inside), {"version": 1, "preferred_name": "JJ"})
    assert first.status_code == 200
    second = second_editor.patch(person_url(world.inside), {"version": 1, "preferred_name": "Jadey"})
    error = assert_error(second, 409, "conflict", "preferred_name")
    assert error["current_version"] == 2
    assert error["changed_fields"] == ["preferred_name"]
    assert "Jade" not in second.content.decode()  # no personal data in the error
    world.inside.refresh_from_db()
    assert world.inside.preferred_name == "JJ"
    assert world.inside.version == 2


def test_update_outside_the_network_is_not_found(world, api_as):
    response = api_as("practitioner").patch(person_url(world.outside), {"version": 1, "preferred_name": "T"})
    assert_error(response, 404, "not_found")
    world.outside.refresh_from_db()
    assert world.outside.preferred_name == ""


def test_update_needs_a_version_and_a_change(world, api_as):
    api = api_as("practitioner")
    assert_error(
        api.patch(person_url(world.inside), {"preferred_name": "JJ"}), 422, "validation_error", "version"
    )
    assert_error(
        api.patch(person_url(world.inside), {"version": "1", "preferred_name": "JJ"}),
        422,
        "validation_error",
        "version",
    )
    error = assert_error(api.patch(person_url(world.inside), {"version": 1}), 422, "validation_error")
    assert "at least one field" in error["message"]
    assert_error(
        api.patch(person_url(world.inside), {"version": 1, "first_name": None}),
        422,
        "validation_error",
        "first_name",
    )


def test_update_sets_and_clears_reference_fields(world, api_as):
    from harbour.people.models import School

    school = School.objects.create(name="Sewell Park Academy", urn="121212")
    api = api_as("practitioner")
    response = api.patch(
        person_url(world.inside), {"version": 1, "school_id": str(school.pk), "gender": "female"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["school"] == {"id": str(school.pk), "name": "Sewell Park Academy"}
    response = api.patch(person_url(world.inside), {"version": 2, "school_id": None, "gender": None})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["school"] is None
    assert body["gender"] is None
    assert body["version"] == 3
