"""person_matches_for: full or name-only per candidate, nothing for roles without person.search,
one audit event per lookup that keeps no date of birth, postcode or identifier."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from harbour.audit.models import AuditEvent
from harbour.people import matching
from harbour.people.matching import MatchQuery
from harbour.people.selectors import NAME_ONLY_DETAILS, person_matches_for


@pytest.fixture(autouse=True)
def _fresh_reference_cache() -> None:
    matching.forget_reference_data()


def _by_id(views):
    return {view.person_id: view for view in views}


def test_outside_the_network_is_name_only(world):
    query = MatchQuery(
        first_name="Tyler", last_name="Murray", date_of_birth=dt.date(2011, 4, 2), postcode="IP24 2AB"
    )
    views = _by_id(person_matches_for(actor=world.users["practitioner"], query=query))
    view = views[world.outside.pk]
    assert not view.is_full
    assert view.date_of_birth is None
    assert view.postcode == ""
    assert [agency.name for agency in view.known_to] == ["Breckland Youth Service"]
    # The outcome and weight of each field, but the details say only whether it agreed.
    assert {c.detail for c in view.fields} <= set(NAME_ONLY_DETAILS.values())
    assert {c.field: c.outcome for c in view.fields}["postcode"] == "agrees"
    assert view.probability > 0.5


def test_inside_the_network_is_full(world):
    query = MatchQuery(first_name="Jade", last_name="Bishop", date_of_birth=dt.date(2011, 2, 4))
    [view] = [
        v
        for v in person_matches_for(actor=world.users["practitioner"], query=query)
        if v.person_id == world.inside.pk
    ]
    assert view.is_full
    assert view.date_of_birth == dt.date(2011, 4, 2)
    assert view.postcode == "NR3 1JE"
    assert {c.field: c.detail for c in view.fields}["date_of_birth"] == "Day and month the other way round."


def test_the_same_person_is_full_for_their_worker_and_name_only_for_others(world):
    query = MatchQuery(first_name="Tyler", last_name="Murray")
    assert _by_id(person_matches_for(actor=world.breckland_worker, query=query))[world.outside.pk].is_full
    assert not _by_id(person_matches_for(actor=world.users["front-door-officer"], query=query))[
        world.outside.pk
    ].is_full


def test_an_identifier_never_reveals_an_outsiders_name(world):
    """Without a name like the one held, a name-only candidate is not shown at all, so an NHS number,
    a date of birth or a postcode cannot be turned into a name."""
    outsider = world.outside
    outsider.nhs_number = "4010232137"
    outsider.save()
    for query in (
        MatchQuery(nhs_number="4010232137"),
        MatchQuery(first_name="Someone", last_name="Else", nhs_number="4010232137"),
        MatchQuery(date_of_birth=outsider.date_of_birth, postcode="IP24 2AB"),
    ):
        views = person_matches_for(actor=world.users["practitioner"], query=query)
        assert outsider.pk not in _by_id(views), query
    # Their own worker sees them in full, found by the number alone.
    assert outsider.pk in _by_id(
        person_matches_for(actor=world.breckland_worker, query=MatchQuery(nhs_number="4010232137"))
    )


@pytest.mark.parametrize("role", ["analyst", "partnership-leader", "system-administrator"])
def test_roles_without_person_search_get_nothing(world, role):
    with pytest.raises(PermissionDenied):
        person_matches_for(actor=world.users[role], query=MatchQuery(first_name="Jade", last_name="Bishop"))
    assert not AuditEvent.objects.filter(action="person.matches_viewed").exists()


def test_one_audit_event_per_lookup_without_the_other_values(world):
    query = MatchQuery(
        first_name="Jade",
        last_name="Bishop",
        date_of_birth=dt.date(2011, 4, 2),
        postcode="NR3 1JE",
        nhs_number="9434765919",
    )
    views = person_matches_for(actor=world.users["front-door-officer"], query=query)
    [event] = AuditEvent.objects.filter(action="person.matches_viewed")
    assert event.detail["text"] == "Jade Bishop"
    assert event.detail["fields"] == ["first_name", "last_name", "date_of_birth", "postcode", "nhs_number"]
    assert event.detail["results"] == len(views)
    assert [str(world.inside.pk), "name_only"] in event.detail["shown"]
    recorded = str(event.detail) + event.reason
    for value in ("2011", "NR3", "9434765919"):
        assert value not in recorded
