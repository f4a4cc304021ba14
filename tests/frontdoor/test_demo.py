"""The demo front door: every concern type, urgency and decision, breaches, public concerns, contexts and
re-referrals, the same each time for one seed."""

from __future__ import annotations

import datetime as dt

import pytest

from harbour.demo.referrals import _Builder, seed_referrals
from harbour.demo.seed import SeedOptions, seed_database
from harbour.frontdoor import selectors
from harbour.frontdoor.models import (
    ConcernType,
    DecisionType,
    Referral,
    ReferralBreach,
    ReferralContext,
    ReferralDecision,
    ReferralNotification,
    ReferralSequence,
    Urgency,
)

AS_OF = dt.date(2026, 3, 14)
SMALL = SeedOptions(scale=0.02, seed=7, as_of=AS_OF)


@pytest.fixture
def county(reference):
    return seed_database(SMALL)


def plan(report):
    builder = _Builder(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=report.demo_users)
    assert builder.load_people_and_staff()
    builder.build()
    builder.number()
    return builder


def test_the_plan_is_deterministic(county):
    first, again = plan(county), plan(county)
    assert [(r.id, r.reference, r.submitted_at, r.urgency.code) for r in first.referrals] == [
        (r.id, r.reference, r.submitted_at, r.urgency.code) for r in again.referrals
    ]
    assert [(s.referral_id, s.person_id) for s in first.subjects] == [
        (s.referral_id, s.person_id) for s in again.subjects
    ]
    assert [(d.referral_id, d.decision_type.code) for d in first.decision_rows] == [
        (d.referral_id, d.decision_type.code) for d in again.decision_rows
    ]


def test_the_demo_front_door_has_every_kind_of_thing(county):
    stats = seed_referrals(
        seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=county.demo_users, progress=None
    )
    referrals = Referral.objects.all()
    used_concerns = set(referrals.values_list("concern_types__code", flat=True))
    assert set(ConcernType.objects.values_list("code", flat=True)) <= used_concerns
    assert set(Urgency.objects.values_list("code", flat=True)) == set(
        referrals.values_list("urgency__code", flat=True)
    )
    assert set(DecisionType.objects.values_list("code", flat=True)) == set(
        ReferralDecision.objects.values_list("decision_type__code", flat=True)
    )
    nfa = ReferralDecision.objects.filter(decision_type__code="no-further-action")
    assert nfa.exists()
    assert not nfa.filter(no_further_action_reason__isnull=True).exists()
    assert all(d.rationale for d in ReferralDecision.objects.all())
    assert referrals.filter(source="public", referrer__isnull=True).count() >= 4
    assert ReferralContext.objects.filter(context_type__code="park-open-space").exists()
    assert ReferralContext.objects.filter(context_type__code="shop-takeaway").exists()
    assert ReferralContext.objects.filter(context_type__code="group-young-people").exists()
    assert stats.re_referrals > 0
    open_referrals = referrals.filter(status__in=["submitted", "in-triage"])
    assert open_referrals.filter(due_by__lt=dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC)).count() >= 3
    # Every decision is the referral's current one, and staff referrers were told.
    for referral in referrals.filter(status="decided").select_related("decision"):
        assert referral.decision.referral_id == referral.pk
    told = ReferralNotification.objects.filter(kind="feedback").count()
    assert told == referrals.filter(status="decided", referrer__isnull=False).count()
    # Late decisions had their breach reported, and the report is kept as history, as the tick keeps it.
    late = referrals.filter(breach_reported_at__isnull=False)
    assert late.exists()
    breaches = ReferralBreach.objects.all()
    assert breaches.count() == late.count()
    for breach in breaches.select_related("referral"):
        assert breach.reported_at == breach.referral.breach_reported_at
        assert breach.due_by == breach.referral.due_by
        assert breach.urgency_id == breach.referral.urgency_id
        assert breach.managers_told >= 1
    # References continue from the demo's: a new referral takes the next number.
    year = referrals.order_by("-submitted_at").first().submitted_at.year
    assert (
        ReferralSequence.objects.get(year=year).last
        == referrals.filter(reference__startswith=f"HR-{year}-").count()
    )
    # The front-door officer's queue works on the demo data.
    officer = county_user(county, "front-door-officer")
    rows = selectors.referral_queue_for(actor=officer)
    assert len(rows) == open_referrals.count()
    assert any(row.overdue for row in rows)


def county_user(report, role):
    from harbour.accounts.models import User

    return User.objects.get(username=report.demo_users[role])
