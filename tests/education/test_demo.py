"""The demo education records: concentrated among the young people at higher risk, deterministic,
and offered to the joint assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from harbour.assessments.models import OfferedIndicator
from harbour.demo.education import _Builder, _completed_terms, seed_education
from harbour.demo.referrals import seed_referrals
from harbour.demo.seed import SeedOptions, seed_database
from harbour.education.models import AttendanceRecord, Exclusion, MissingEducationCase

AS_OF = dt.date(2026, 3, 14)
SMALL = SeedOptions(scale=0.05, seed=7, as_of=AS_OF)


@pytest.fixture
def county(reference):
    report = seed_database(SMALL)
    seed_referrals(seed=SMALL.seed, as_of=AS_OF, scale=SMALL.scale, demo_users=report.demo_users)
    return report


def test_completed_terms_count_back_across_years():
    assert _completed_terms(dt.date(2026, 3, 14), 3) == [(2025, "autumn"), (2024, "summer"), (2024, "spring")]
    assert _completed_terms(dt.date(2026, 10, 1), 2) == [(2025, "summer"), (2025, "spring")]
    assert _completed_terms(dt.date(2026, 6, 1), 1) == [(2025, "spring")]


def test_the_plan_is_deterministic(county):
    def plan():
        builder = _Builder(seed=SMALL.seed, as_of=AS_OF, demo_users=county.demo_users)
        builder.build()
        return [
            (type(row).__name__, row.id, row.person_id if hasattr(row, "person_id") else None)
            for rows in builder.rows.values()
            for row in rows
        ]

    assert plan() == plan()


def test_records_concentrate_among_higher_risk_young_people_and_are_offered(county):
    stats = seed_education(seed=SMALL.seed, as_of=AS_OF, demo_users=county.demo_users)
    builder = _Builder(seed=SMALL.seed, as_of=AS_OF, demo_users=county.demo_users)
    pupils, higher = builder.people()
    pupil_ids = {pupil[0] for pupil in pupils}
    assert higher & pupil_ids, "no higher-risk pupils in the small county"
    excluded = set(Exclusion.objects.values_list("person_id", flat=True))
    assert excluded
    share_higher = len(excluded & higher) / len(higher & pupil_ids)
    share_others = len(excluded - higher) / max(1, len(pupil_ids - higher))
    assert share_higher > 3 * share_others
    assert AttendanceRecord.objects.exists()
    assert stats.counts["education.Exclusion"] == Exclusion.objects.count()
    assert stats.offered == OfferedIndicator.objects.filter(source_app="education").count()
    assert stats.offered > 0
    assert MissingEducationCase.objects.count() == stats.counts["education.MissingEducationCase"]
