"""Searching for people: by name, nickname, NHS number; name-only results for those outside the network."""

from __future__ import annotations

from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.people.models import PersonAlias

SEARCH = "/people/"


def test_search_page_uses_post_so_search_text_stays_out_of_urls(world):
    client = world.client_for("practitioner")
    page = client.get(reverse("people:search"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html
    assert "Record a new person" in html
    assert reverse("people:search") == SEARCH


def test_search_finds_by_nickname_and_audits_once(world):
    PersonAlias.objects.create(person=world.inside, name="Jaydee")
    client = world.client_for("practitioner")
    page = client.post(reverse("people:search"), {"text": "jaydee"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jade Bishop" in html
    assert reverse("people:detail", args=[world.inside.pk]) in html
    assert "2 April 2011" in html  # in the practitioner's network: date of birth shown
    assert "NR3" in html  # postcode district
    assert "NR3 1JE" not in html  # but not the full postcode
    events = AuditEvent.objects.filter(action="person.searched")
    assert events.count() == 1
    assert events.get().detail["results"] == 1


def test_search_finds_by_nhs_number(world):
    client = world.client_for("practitioner")
    for typed in ("9434765919", "943 476 5919"):
        page = client.post(reverse("people:search"), {"text": typed})
        assert page.status_code == 200
        assert "Jade Bishop" in page.content.decode(), typed


def test_people_outside_the_network_are_listed_with_who_knows_them(world):
    page = world.client_for("practitioner").post(reverse("people:search"), {"text": "Tyler"})
    html = page.content.decode()
    assert "Tyler Murray" in html
    assert "Known to: Breckland Youth Service" in html
    assert reverse("people:detail", args=[world.outside.pk]) in html
    assert "2 April 2011" not in html
    assert "IP24" not in html


def test_search_by_date_of_birth_narrows(world):
    client = world.client_for("practitioner")
    page = client.post(
        reverse("people:search"),
        {"text": "Jade", "date_of_birth_day": "3", "date_of_birth_month": "4", "date_of_birth_year": "2011"},
    )
    assert "0 people found" in page.content.decode()
    page = client.post(
        reverse("people:search"),
        {"text": "Jade", "date_of_birth_day": "2", "date_of_birth_month": "4", "date_of_birth_year": "2011"},
    )
    assert "1 person found" in page.content.decode()


def test_empty_search_is_refused_without_searching(world):
    page = world.client_for("practitioner").post(reverse("people:search"), {"text": ""})
    assert page.status_code == 422
    assert "govuk-error-summary" in page.content.decode()
    assert not AuditEvent.objects.filter(action="person.searched").exists()


def test_live_search_returns_only_the_results(world):
    client = world.client_for("practitioner")
    page = client.post(reverse("people:search"), {"text": "Bishop"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="search-results"' in html
    assert "<html" not in html
    assert "Jade Bishop" in html
    # One letter is not yet a search.
    page = client.post(reverse("people:search"), {"text": "B"}, HTTP_HX_REQUEST="true")
    assert "Jade Bishop" not in page.content.decode()
    assert AuditEvent.objects.filter(action="person.searched").count() == 1


def test_results_are_paged_by_post(world):
    from tests import factories

    for _ in range(55):
        factories.PersonFactory(first_name="Riley", last_name="Greenwood")
    client = world.client_for("practitioner")
    first = client.post(reverse("people:search"), {"text": "Riley"}).content.decode()
    assert "55 people found" in first
    assert "Page 1 of 2" in first
    second = client.post(reverse("people:search"), {"text": "Riley", "page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    assert second.count("Riley Greenwood") == 5


def test_people_without_create_do_not_see_the_record_link(world):
    page = world.client_for("data-protection-officer").get(reverse("people:search"))
    assert page.status_code == 200
    assert "Record a new person" not in page.content.decode()
