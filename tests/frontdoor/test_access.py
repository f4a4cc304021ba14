"""The front door sees the young people of its referrals in full while open and for a while after the
decision; referrals are read by their referrer, the front door and the child's network only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from harbour.access import policies
from harbour.frontdoor import selectors, services
from harbour.frontdoor.inputs import SubjectInput
from harbour.frontdoor.models import Referral
from tests.frontdoor.helpers import about, submit

pytestmark = pytest.mark.django_db


def fresh(user):
    policies.forget_cached_access(user)
    return user


def test_front_door_sees_subjects_of_open_referrals_and_then_it_lapses(world, settings):
    officer = world.users["front-door-officer"]
    assert not policies.can_see_full(fresh(officer), world.outside)
    referral = submit(world.users["police-intelligence-officer"], about(world.outside))
    assert policies.can_see_full(fresh(officer), world.outside)
    reasons = policies.explain(fresh(officer), world.outside)
    assert any(
        "There is an open referral about this young person at the front door" in reason.text
        for reason in reasons
    )
    assert [r.code for r in reasons] == ["front_door"]
    # `filter` agrees with `can`.
    assert world.outside in policies.filter_full(officer, type(world.outside).objects.all())
    decided = services.referral_decide(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        decision_type="early-help",
        rationale="Early help offered.",
    )
    assert policies.can_see_full(fresh(officer), world.outside)  # still within the window
    assert "sees the record until" in policies.explain(fresh(officer), world.outside)[0].text
    Referral.objects.filter(pk=decided.pk).update(
        decided_at=timezone.now() - timedelta(days=settings.HARBOUR_FRONT_DOOR_ACCESS_DAYS, minutes=1)
    )
    assert not policies.can_see_full(fresh(officer), world.outside)
    assert world.outside not in policies.filter_full(officer, type(world.outside).objects.all())
    assert policies.explain(fresh(officer), world.outside)[0].code == "name_only"


def test_referrers_do_not_gain_access_by_referring(world):
    referrer = world.users["police-intelligence-officer"]
    submit(referrer, about(world.outside))
    assert not policies.can_see_full(fresh(referrer), world.outside)


def test_who_reads_a_referral(world):
    referral = submit(world.users["police-intelligence-officer"], about(world.outside))
    readers = {
        "police-intelligence-officer",
        "front-door-officer",
        "team-manager",
    }  # team-manager: triage team
    for role, user in world.users.items():
        if role in readers:
            assert selectors.referral_get_for(actor=user, referral_id=referral.pk).pk == referral.pk
        else:
            with pytest.raises(Http404):
                selectors.referral_get_for(actor=user, referral_id=referral.pk)
    # Breckland's worker leads outside's network: the referral is part of the young person's record.
    assert selectors.referral_get_for(actor=world.breckland_worker, referral_id=referral.pk).pk == referral.pk


def test_subjects_shown_name_only_to_those_outside_the_network(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    services.referral_subject_add(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        subject=SubjectInput(person_id=world.outside.pk),
    )
    seen = selectors.referral_get_for(actor=world.users["practitioner"], referral_id=referral.pk)
    by_id = {summary.person_id: summary for summary in seen.subject_summaries}
    assert by_id[world.inside.pk].full
    assert not by_id[world.outside.pk].full
    assert by_id[world.outside.pk].date_of_birth is None


def test_previous_referrals_are_filtered_by_what_the_actor_may_read(world):
    first = submit(world.users["police-intelligence-officer"], about(world.inside))
    second = submit(world.users["practitioner"], about(world.inside))
    practitioner = world.users["practitioner"]  # sees inside in full, so reads both
    assert [r.pk for r in selectors.referral_previous_for(actor=practitioner, referral=second)] == [first.pk]
    outsider = world.breckland_worker
    assert selectors.referral_previous_for(actor=outsider, referral=second) == []
