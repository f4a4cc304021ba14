"""The need-to-know rule asked three ways gives one answer.

``full_access_q`` (the network as one query), ``visible_among`` (person by person, for a queue's rows)
and ``full_access_id_set`` (the network read once as ids) must agree for every actor and every person,
through every source: allocation, team, management, a grant, and parents and carers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from harbour.access import policies
from harbour.access.models import AccessGrant
from harbour.accounts.models import User
from harbour.core import request_context
from harbour.people.models import Person, Relationship, RelationshipType
from tests.factories import PersonFactory


@pytest.fixture
def county(world):
    mother = PersonFactory(first_name="Donna", last_name="Bishop", kind=Person.Kind.PARENT_CARER)
    Relationship.objects.create(
        person=world.inside,
        other=mother,
        relationship_type=RelationshipType.objects.filter(is_parent_or_carer=True).first(),
    )
    AccessGrant.objects.create(
        person=world.outside,
        grantee=world.users["police-intelligence-officer"],
        granted_by=world.users["team-manager"],
        reason="Joint visit on Friday.",
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    world.extra["mother"] = mother
    return world


def _fresh(user: User) -> User:
    """The user as a new request would load them: no answers remembered from an earlier call."""
    return User.objects.get(pk=user.pk)


def _every_actor(world) -> list[User]:
    return [*world.users.values(), world.breckland_worker]


def test_person_by_person_agrees_with_the_network_query(county):
    everyone = list(Person.objects.values_list("pk", flat=True))
    for user in _every_actor(county):
        expected = set(
            Person.objects.filter(policies.full_access_q(_fresh(user))).values_list("pk", flat=True)
        )
        assert policies.visible_among(_fresh(user), everyone) == expected, user.username
        held = policies.full_access_id_set(_fresh(user))
        assert held is not None
        assert set(held) == expected, user.username
        for person in Person.objects.all():
            assert policies.can_see_full(_fresh(user), person) == (person.pk in expected)


def test_the_sources_reach_whom_they_should(county):
    practitioner = _fresh(county.users["practitioner"])
    seen = policies.visible_among(
        practitioner, [county.inside.pk, county.outside.pk, county.extra["mother"].pk]
    )
    assert seen == {county.inside.pk, county.extra["mother"].pk}  # a parent opens with their child
    officer = _fresh(county.users["police-intelligence-officer"])
    assert policies.visible_among(officer, [county.outside.pk]) == {county.outside.pk}  # the grant
    standing = policies.visible_among(
        _fresh(county.users["police-intelligence-officer"]), [county.outside.pk], include_temporary=False
    )
    assert standing == set()  # a grant is not part of the standing network (the caseload)


def test_a_network_too_large_to_hold_is_asked_person_by_person(county, monkeypatch):
    from harbour.missing.models import MissingEpisode  # any table with a person_id will do

    monkeypatch.setattr(policies, "_ID_SET_MAX", 0)
    practitioner = _fresh(county.users["practitioner"])
    assert policies.full_access_id_set(practitioner) is None
    everyone = list(Person.objects.values_list("pk", flat=True))
    expected = set(Person.objects.filter(policies.full_access_q(practitioner)).values_list("pk", flat=True))
    assert policies.visible_among(practitioner, everyone) == expected
    rows = policies.rows_about_people_seen(_fresh(county.users["practitioner"]), MissingEpisode.objects.all())
    assert sorted(row.pk for row in rows) == sorted(
        MissingEpisode.objects.filter(person_id__in=expected).values_list("pk", flat=True)
    )
    caseload = Person.objects.filter(policies.network_q(_fresh(county.users["practitioner"])))
    assert set(caseload.values_list("pk", flat=True)) == set(
        Person.objects.filter(policies.full_access_q(practitioner, include_temporary=False)).values_list(
            "pk", flat=True
        )
    )


def test_answers_are_kept_for_the_request_and_forgotten_when_access_changes(county):
    officer = _fresh(county.users["police-intelligence-officer"])
    kept = request_context.start_cache()  # as the middleware does for each request
    try:
        assert policies.visible_among(officer, [county.inside.pk]) == set()
        AccessGrant.objects.create(
            person=county.inside,
            grantee=officer,
            granted_by=county.users["team-manager"],
            reason="Strategy meeting tomorrow.",
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        assert policies.visible_among(officer, [county.inside.pk]) == set()  # kept for this request
        policies.forget_cached_access(officer)
        assert policies.visible_among(officer, [county.inside.pk]) == {county.inside.pk}
    finally:
        request_context.end_cache(kept)
    # Outside a request nothing is kept.
    assert policies.visible_among(officer, [county.inside.pk]) == {county.inside.pk}


def test_a_network_known_to_be_too_large_is_not_read_again(county, monkeypatch):
    monkeypatch.setattr(policies, "_too_large_at", {})
    monkeypatch.setattr(policies, "_ID_SET_MAX", 0)
    practitioner = _fresh(county.users["practitioner"])
    assert policies.full_access_id_set(practitioner) is None  # found too large: remembered as a hint
    monkeypatch.setattr(policies, "_ID_SET_MAX", 5_000)
    expected = set(Person.objects.filter(policies.full_access_q(practitioner)).values_list("pk", flat=True))
    everyone = list(Person.objects.values_list("pk", flat=True))
    kept = request_context.start_cache()  # a later request
    try:
        assert policies.full_access_id_set(_fresh(practitioner)) is None  # not read again
        assert policies.visible_among(_fresh(practitioner), everyone) == expected  # the same answer
        assert policies.can_see_full(_fresh(practitioner), county.extra["mother"])
        assert not policies.can_see_full(_fresh(practitioner), county.outside)
    finally:
        request_context.end_cache(kept)
    monkeypatch.setattr(policies, "_TOO_LARGE_HINT_SECONDS", 0.0)  # once the hint expires, read again
    assert policies.full_access_id_set(_fresh(practitioner)) == frozenset(expected)


def test_a_network_larger_than_a_caseload_asks_about_parents_and_carers_only_for_the_rest(
    county, monkeypatch
):
    monkeypatch.setattr(policies, "_FILTER_BY_IDS_MAX", 0)  # every network counts as larger than a caseload
    everyone = list(Person.objects.values_list("pk", flat=True))
    for user in _every_actor(county):
        expected = set(
            Person.objects.filter(policies.full_access_q(_fresh(user))).values_list("pk", flat=True)
        )
        kept = request_context.start_cache()
        try:
            assert policies.visible_among(_fresh(user), everyone) == expected, user.username
        finally:
            request_context.end_cache(kept)
    practitioner = _fresh(county.users["practitioner"])
    assert policies.visible_among(practitioner, [county.extra["mother"].pk]) == {county.extra["mother"].pk}


def test_the_standing_network_read_with_everyone_the_actor_sees_is_the_same(county):
    """Both id sets come from one query: the standing network (the caseload) must be what
    ``full_access_q(include_temporary=False)`` gives, whichever is asked for first."""
    for user in _every_actor(county):
        standing = set(
            Person.objects.filter(policies.full_access_q(_fresh(user), include_temporary=False)).values_list(
                "pk", flat=True
            )
        )
        everyone = set(
            Person.objects.filter(policies.full_access_q(_fresh(user))).values_list("pk", flat=True)
        )
        for first in (True, False):
            kept = request_context.start_cache()
            try:
                actor = _fresh(user)
                policies.full_access_id_set(actor, include_temporary=first)
                assert policies.full_access_id_set(actor, include_temporary=False) == standing, user.username
                assert policies.full_access_id_set(actor) == everyone, user.username
            finally:
                request_context.end_cache(kept)
    officer = county.users["police-intelligence-officer"]  # a grant is not part of the standing network
    assert county.outside.pk in policies.full_access_id_set(_fresh(officer))
    assert county.outside.pk not in policies.full_access_id_set(_fresh(officer), include_temporary=False)


@pytest.mark.parametrize("caseload_most", [500, 0])
def test_ids_as_one_array_parameter_give_the_same_answers(county, monkeypatch, caseload_most):
    """On PostgreSQL more than a few ids go as one array (``= ANY``): the same answers on every path."""
    from harbour.missing.models import MissingEpisode

    monkeypatch.setattr(policies, "_QUERY_PARAMETERS_MAX", 0)
    monkeypatch.setattr(policies, "_FILTER_BY_IDS_MAX", caseload_most)
    everyone = list(Person.objects.values_list("pk", flat=True))
    for user in _every_actor(county):
        expected = set(
            Person.objects.filter(policies.full_access_q(_fresh(user))).values_list("pk", flat=True)
        )
        kept = request_context.start_cache()
        try:
            assert policies.visible_among(_fresh(user), everyone) == expected, user.username
            rows = policies.rows_about_people_seen(_fresh(user), MissingEpisode.objects.all())
            assert {row.pk for row in rows} == set(
                MissingEpisode.objects.filter(person_id__in=expected).values_list("pk", flat=True)
            )
            caseload = set(
                Person.objects.filter(policies.network_q(_fresh(user))).values_list("pk", flat=True)
            )
            assert caseload == set(
                Person.objects.filter(
                    policies.full_access_q(_fresh(user), include_temporary=False)
                ).values_list("pk", flat=True)
            ), user.username
        finally:
            request_context.end_cache(kept)
        assert policies.visible_among(_fresh(user), everyone) == expected, user.username  # outside a request
