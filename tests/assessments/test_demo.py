"""The demo assessments: believable histories, the same each time for one seed, and work in the
demo users' queues."""

from __future__ import annotations

import datetime as dt

import pytest

from harbour.assessments.models import Answer, Assessment, Contribution
from harbour.demo.assessments import seed_assessments
from harbour.demo.referrals import seed_referrals
from harbour.demo.seed import SeedOptions, seed_database

AS_OF = dt.date(2026, 3, 14)
SMALL = SeedOptions(scale=0.1, seed=7, as_of=AS_OF)


@pytest.fixture
def county(reference):
    report = seed_database(SMALL)
    seed_referrals(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=report.demo_users)
    return report


def _snapshot():
    return sorted(
        (str(a.person_id), a.opened_at, a.status, a.agreed_level.code if a.agreed_level else "")
        for a in Assessment.objects.select_related("agreed_level")
    )


def test_demo_assessments_have_histories_reviews_and_open_work(county):
    stats = seed_assessments(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=county.demo_users)
    assert stats.assessments == Assessment.objects.count() > 10
    assert stats.escalations > 0
    assert stats.de_escalations > 0
    statuses = set(Assessment.objects.values_list("status", flat=True))
    assert statuses == {"open", "agreed", "closed"}
    assert Assessment.objects.filter(opened_from__isnull=False).exists()
    assert Assessment.objects.exclude(judgement="").exists()
    assert Answer.objects.filter(value="yes").exists()
    assert Contribution.objects.filter(status="requested").exists()
    # Every agreed assessment has its review date and either the young person's words or a reason.
    for assessment in Assessment.objects.exclude(status="open"):
        assert assessment.next_review_on is not None
        assert assessment.young_person_words or assessment.words_missing_reason
    # At most one open and one current agreed assessment per young person.
    for status in ("open", "agreed"):
        people = list(Assessment.objects.filter(status=status).values_list("person_id", flat=True))
        assert len(people) == len(set(people))
    # Opened no later than the as-of day.
    assert max(Assessment.objects.values_list("opened_at", flat=True)).date() <= AS_OF


def test_demo_assessments_are_deterministic(county):
    seed_assessments(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=county.demo_users)
    first = _snapshot()
    Answer.objects.all().delete()
    Contribution.objects.all().delete()
    Assessment.objects.all().delete()
    seed_assessments(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=county.demo_users)
    assert _snapshot() == first
