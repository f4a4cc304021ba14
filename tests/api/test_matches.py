"""GET and POST /api/v1/people/matches: the same ranking both ways, name-only outside the network,
and validation errors in the documented format."""

from __future__ import annotations

import datetime as dt

from harbour.audit.models import AuditEvent
from harbour.people import matching
from tests.api.conftest import assert_error

MATCHES = "/api/v1/people/matches"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_get_and_post_give_the_same_ranking(world, api_as):
    matching.forget_reference_data()
    api = api_as("front-door-officer")
    details = {
        "first_name": "Jayde",
        "last_name": "Bishop",
        "date_of_birth": "2011-04-02",
        "postcode": "NR3 1JE",
    }
    by_post = api.post(MATCHES, details)
    by_get = api.get(MATCHES, details)
    assert _ids(by_post) == _ids(by_get)
    assert _ids(by_post)[0] == str(world.inside.pk)
    assert by_post.json() == by_get.json()
    top = by_post.json()["items"][0]
    assert 0 <= top["score"] <= 1
    assert {field["field"] for field in top["fields"]} >= {"first_name", "last_name", "date_of_birth"}
    first = next(field for field in top["fields"] if field["field"] == "first_name")
    assert first["level"] == "close"
    assert AuditEvent.objects.filter(action="person.matches_viewed").count() == 2


def test_outside_the_network_is_name_only_without_details(world, api_as):
    api = api_as("practitioner")  # Tyler Murray is Breckland's young person
    response = api.post(MATCHES, {"first_name": "Tyler", "last_name": "Murray", "postcode": "IP24 2AB"})
    [item] = [item for item in response.json()["items"] if item["id"] == str(world.outside.pk)]
    assert item["access_level"] == "name_only"
    assert item["display_name"] == "Tyler Murray"
    assert "date_of_birth" not in item
    assert "postcode" not in item
    assert item["known_to"][0]["name"] == "Breckland Youth Service"
    postcode = next(field for field in item["fields"] if field["field"] == "postcode")
    assert postcode["level"] == "agrees"
    assert "IP24" not in str(item)
    assert "address" not in postcode["detail"]


def test_inside_the_network_is_full(world, api_as):
    response = api_as("practitioner").post(MATCHES, {"first_name": "Jade", "last_name": "Bishop"})
    [item] = [item for item in response.json()["items"] if item["id"] == str(world.inside.pk)]
    assert item["access_level"] == "full"
    assert item["date_of_birth"] == "2011-04-02"
    assert item["postcode"] == "NR3 1JE"


def test_limit_is_applied(world, api_as):
    response = api_as("front-door-officer").get(MATCHES, {"last_name": "Bishop", "limit": 1})
    assert len(_ids(response)) == 1


def test_validation_errors(world, api_as):
    api = api_as("front-door-officer")
    assert_error(
        api.post(MATCHES, {"first_name": "Jade", "date_of_birth": "02/04/2011"}),
        422,
        "validation_error",
        "date_of_birth",
    )
    assert_error(
        api.get(MATCHES, {"first_name": "Jade", "date_of_birth": "2011-02-30"}),
        422,
        "validation_error",
        "date_of_birth",
    )
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert_error(
        api.post(MATCHES, {"first_name": "Jade", "date_of_birth": tomorrow}),
        422,
        "validation_error",
        "date_of_birth",
    )
    error = assert_error(
        api.post(MATCHES, {"first_name": "Jade", "gender": "martian"}), 422, "validation_error", "gender"
    )
    assert "male" in error["fields"]["gender"]
    assert_error(api.get(MATCHES, {"first_name": "Jade", "limit": 0}), 422, "validation_error", "limit")
    assert_error(api.post(MATCHES, {"first_name": "Jade", "limit": 51}), 422, "validation_error", "limit")
    assert_error(api.post(MATCHES, {"nhs_number": "1234567890"}), 422, "validation_error", "nhs_number")
    assert_error(
        api.post(MATCHES, {"first_name": "Jade", "shoe_size": 9}), 422, "validation_error", "shoe_size"
    )
    nothing = assert_error(api.post(MATCHES, {}), 422, "validation_error")
    assert "match on" in nothing["message"]
    assert_error(api.get(MATCHES, {"first_name": "  "}), 422, "validation_error")
    assert not AuditEvent.objects.filter(action="person.matches_viewed").exists()


def test_roles_without_person_search_are_refused(world, api_as):
    for role in ("analyst", "system-administrator", "partnership-leader"):
        response = api_as(role).post(MATCHES, {"first_name": "Jade", "last_name": "Bishop"})
        assert_error(response, 403, "permission_denied")


def test_signed_out_callers_are_refused(world, client):
    assert_error(client.get(MATCHES, {"first_name": "Jade"}), 401, "unauthorised")


def test_request_lines_are_logged_without_their_query_string():
    import logging

    from harbour.core.logging import NoQueryStringFilter

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /api/v1/people/matches?first_name=Jade&last_name=Bishop HTTP/1.1", "200", "512"),
        None,
    )
    assert NoQueryStringFilter().filter(record)
    assert record.getMessage() == '"GET /api/v1/people/matches HTTP/1.1" 200 512'


def test_the_production_access_log_has_no_query_strings():
    from harbour.core.management.commands.serve import gunicorn_argv

    argv = gunicorn_argv(bind="127.0.0.1:8000", workers=1, timeout=30, access_log=True)
    log_format = argv[argv.index("--access-logformat") + 1]
    assert "%(U)s" in log_format
    assert "%(r)s" not in log_format
    assert "%(q)s" not in log_format
