"""The "already known?" htmx fragment: POST only, CSRF, staff with person.search, the radio contract."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.people import matching

URL = "/people/matches/"


@pytest.fixture(autouse=True)
def _fresh_reference_cache() -> None:
    matching.forget_reference_data()


def test_route_is_stable():
    assert reverse("people:matches") == URL


def test_fragment_lists_candidates_with_scores_and_a_new_person_option(world):
    client = world.client_for("practitioner")
    response = client.post(
        URL,
        {
            "first_name": "Jade",
            "last_name": "Bishop",
            "date_of_birth_day": "2",
            "date_of_birth_month": "4",
            "date_of_birth_year": "2011",
            "postcode": "nr3 1je",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, never a page
    assert 'aria-live="polite"' in html
    assert "1 possible match already known" in html or "possible matches already known" in html
    assert f'name="person" type="radio" value="{world.inside.pk}"' in html
    assert 'value="new"' in html
    assert "None of these: new young person" in html
    assert "This is the young person: <strong>Jade Bishop</strong>" in html
    assert "over 99.9% match" in html
    assert "govuk-tag--green" in html
    assert "2 April 2011" in html  # in the practitioner's network
    assert "How each detail compares" in html
    assert "Same date of birth." in html
    assert AuditEvent.objects.filter(action="person.matches_viewed").count() == 1


def test_name_only_rows_show_who_to_contact_and_no_details(world):
    agency = world.breckland_team.agency
    agency.contact_phone = "01362 000000"
    agency.save()
    html = (
        world.client_for("practitioner")
        .post(URL, {"first_name": "Tyler", "last_name": "Murray", "postcode": "IP24 2AB"})
        .content.decode()
    )
    assert "Tyler Murray" in html
    assert "Name only" in html
    assert "Known to:" in html
    assert "Breckland Youth Service, 01362 000000" in html
    assert "IP24" not in html
    assert "April 2011" not in html


def test_prefix_for_several_young_people(world):
    html = (
        world.client_for("front-door-officer")
        .post(
            URL, {"prefix": "subjects-1", "subjects-1-first_name": "Amelia", "subjects-1-last_name": "Nowak"}
        )
        .content.decode()
    )
    assert 'id="subjects-1-matches"' in html
    assert 'name="subjects-1-person"' in html
    assert f'value="{world.team_case.pk}"' in html


def test_too_little_typed_runs_no_lookup(world):
    client = world.client_for("front-door-officer")
    for data in (
        {},
        {"first_name": "J"},
        {"nhs_number": "94347"},
        {"date_of_birth_day": "2", "date_of_birth_month": "4", "date_of_birth_year": "20"},
    ):
        response = client.post(URL, data)
        assert response.status_code == 200
        assert "Type at least two letters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.matches_viewed").exists()


def test_half_typed_values_are_ignored_not_errors(world):
    response = world.client_for("front-door-officer").post(
        URL,
        {
            "first_name": "Jade",
            "last_name": "Bishop",
            "date_of_birth_day": "31",
            "date_of_birth_month": "2",
            "date_of_birth_year": "2011",
            "gender": "nonsense",
        },
    )
    assert response.status_code == 200
    assert "Jade Bishop" in response.content.decode()


def test_get_is_not_allowed_and_csrf_is_required(world):
    client = world.client_for("front-door-officer")
    assert client.get(URL, {"first_name": "Jade"}).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["front-door-officer"])
    assert strict.post(URL, {"first_name": "Jade", "last_name": "Bishop"}).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "partnership-leader", "system-administrator"])
def test_roles_without_person_search_are_refused(world, role):
    assert world.client_for(role).post(URL, {"first_name": "Jade", "last_name": "Bishop"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.post(URL, {"first_name": "Jade", "last_name": "Bishop"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="person.matches_viewed").exists()
