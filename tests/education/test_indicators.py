"""Derived indicators: the rules at their boundaries, offered with provenance, withdrawn when untrue."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.assessments.models import OfferedIndicator
from harbour.audit.models import AuditEvent
from harbour.core import ticks as core_ticks
from harbour.education import indicators, services
from harbour.education.inputs import HomeEducationInput, MissingEducationInput, PartTimeTimetableInput
from harbour.education.models import AttendanceRecord, EducationIndicatorOffer
from harbour.education.ticks import refresh_indicators
from tests.education.helpers import attend, exclude, offers

pytestmark = pytest.mark.django_db


def test_twelve_months_before_handles_leap_day():
    assert indicators.twelve_months_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert indicators.twelve_months_before(dt.date(2026, 12, 3)) == dt.date(2025, 12, 3)


def test_permanent_exclusion_exactly_twelve_months_ago_counts_and_a_day_more_does_not(world):
    actor, child = world.users["practitioner"], world.inside
    today = dt.date(2026, 6, 15)
    exclusion = exclude(actor, child, starts_on=dt.date(2025, 6, 15))
    found = indicators.derived_for(child, today=today)
    assert found[indicators.PERMANENT_12M].source_id == str(exclusion.pk)
    assert indicators.PERMANENT_12M not in indicators.derived_for(child, today=today + dt.timedelta(days=1))


def test_suspension_counts_as_a_suspension_not_a_permanent_exclusion(world):
    actor, child = world.users["practitioner"], world.inside
    exclude(actor, child, starts_on=timezone.localdate(), kind="suspension", days=Decimal("2.5"))
    found = indicators.derived_for(child)
    assert set(found) == {indicators.SUSPENSION_12M}
    assert "2.5 school days" in found[indicators.SUSPENSION_12M].evidence


def test_future_exclusion_does_not_count_yet(world):
    actor, child = world.users["practitioner"], world.inside
    exclude(actor, child, starts_on=timezone.localdate() + dt.timedelta(days=3))
    assert indicators.PERMANENT_12M not in indicators.derived_for(child)


@pytest.mark.parametrize(
    ("possible", "attended", "below"),
    [(100, 90, False), (100, 89, True), (1000, 899, True), (10, 9, False), (7, 6, True), (200, 180, False)],
)
def test_attendance_under_90_is_strict(world, possible, attended, below):
    record = attend(world.users["practitioner"], world.inside, possible=possible, attended=attended)
    assert record.below_90 is below
    assert (indicators.ATTENDANCE_BELOW_90 in indicators.derived_for(world.inside)) is below


def test_attendance_percentage_is_rounded_half_up_to_one_place(world):
    record = attend(world.users["practitioner"], world.inside, possible=1000, attended=899)
    assert record.percentage == Decimal("89.9")
    record = attend(world.users["practitioner"], world.inside, possible=8, attended=7)  # 87.5
    assert record.percentage == Decimal("87.5")


def test_only_the_latest_term_counts(world):
    actor, child = world.users["practitioner"], world.inside
    attend(actor, child, possible=100, attended=70, year=2024, term="summer")
    attend(actor, child, possible=100, attended=95, year=2025, term="autumn")
    assert indicators.ATTENDANCE_BELOW_90 not in indicators.derived_for(child)
    attend(actor, child, possible=100, attended=80, year=2025, term="spring")
    assert indicators.ATTENDANCE_BELOW_90 in indicators.derived_for(child)


def test_recording_offers_with_provenance_in_the_same_transaction(world):
    actor, child = world.users["practitioner"], world.inside
    exclusion = exclude(actor, child, starts_on=timezone.localdate() - dt.timedelta(days=10))
    offer = offers(child)[indicators.PERMANENT_12M]
    assert offer.source_kind == "exclusion"
    assert offer.source_id == str(exclusion.pk)
    assert offer.source_url == f"/education/people/{child.pk}/#exclusions"
    assert offer.observed_on == exclusion.starts_on
    assert "Permanent exclusion from Magdalen Academy" in offer.evidence
    assert AuditEvent.objects.filter(action="indicator.offered", person_id=child.pk).count() == 1


def test_an_unchanged_indicator_is_not_offered_again(world):
    actor, child = world.users["practitioner"], world.inside
    exclude(actor, child, starts_on=timezone.localdate())
    services.home_education_record(
        actor=actor, person=child, data=HomeEducationInput(starts_on=timezone.localdate())
    )
    assert set(offers(child)) == {indicators.PERMANENT_12M, indicators.HOME_EDUCATED}
    assert AuditEvent.objects.filter(action="indicator.offered", person_id=child.pk).count() == 2


def test_overturned_exclusion_is_withdrawn(world):
    actor, child = world.users["practitioner"], world.inside
    exclusion = exclude(actor, child, starts_on=timezone.localdate())
    assert indicators.PERMANENT_12M in offers(child)
    services.exclusion_status_change(
        actor=actor, exclusion=exclusion, status="overturned", version=exclusion.version
    )
    assert indicators.PERMANENT_12M not in offers(child)
    assert indicators.PERMANENT_12M in offers(child, current=False)
    assert not EducationIndicatorOffer.objects.filter(person=child).exists()


def test_attendance_rising_to_90_withdraws(world):
    actor, child = world.users["practitioner"], world.inside
    attend(actor, child, possible=100, attended=85)
    assert indicators.ATTENDANCE_BELOW_90 in offers(child)
    attend(actor, child, possible=100, attended=90)  # the same term, corrected
    assert indicators.ATTENDANCE_BELOW_90 not in offers(child)


def test_closing_a_missing_education_case_withdraws(world):
    actor, child = world.users["practitioner"], world.inside
    case, _ = services.missing_education_report(
        actor=actor,
        person=child,
        data=MissingEducationInput(reported_on=timezone.localdate(), reported_by="Magdalen Academy"),
    )
    assert indicators.MISSING_EDUCATION in offers(child)
    services.missing_education_close(
        actor=actor,
        case=case,
        outcome="found-on-roll-in-area",
        closed_on=timezone.localdate(),
        version=case.version,
    )
    assert indicators.MISSING_EDUCATION not in offers(child)


def test_a_newer_exclusion_replaces_the_source(world):
    actor, child = world.users["practitioner"], world.inside
    today = timezone.localdate()
    first = exclude(actor, child, starts_on=today - dt.timedelta(days=40))
    second = exclude(actor, child, starts_on=today - dt.timedelta(days=2))
    current = offers(child)
    assert current[indicators.PERMANENT_12M].source_id == str(second.pk)
    earlier = OfferedIndicator.objects.get(source_app="education", source_id=str(first.pk))
    assert earlier.withdrawn_at is not None


def test_the_tick_withdraws_when_the_window_passes(world):
    actor, child = world.users["practitioner"], world.inside
    today = timezone.localdate()
    exclude(actor, child, starts_on=indicators.twelve_months_before(today))
    services.part_time_timetable_record(
        actor=actor,
        person=child,
        data=PartTimeTimetableInput(
            starts_on=today - dt.timedelta(days=5),
            ends_on=today,
            hours_per_week=Decimal("15"),
            reason="Phased return after a permanent exclusion.",
            review_on=today,
        ),
    )
    assert set(offers(child)) == {indicators.PERMANENT_12M, indicators.PART_TIME}
    results = core_ticks.run_all(timezone.now(), only=["education.indicators"])
    assert results[0].ok
    assert results[0].count == 0
    tomorrow = timezone.now() + dt.timedelta(days=1)
    results = core_ticks.run_all(tomorrow, only=["education.indicators"])
    assert results[0].ok
    assert results[0].count == 2
    assert offers(child) == {}


def test_the_tick_offers_a_period_that_has_started(world):
    actor, child = world.users["practitioner"], world.inside
    starts = timezone.localdate() + dt.timedelta(days=1)
    services.home_education_record(actor=actor, person=child, data=HomeEducationInput(starts_on=starts))
    assert offers(child) == {}
    core_ticks.run_all(timezone.now() + dt.timedelta(days=1), only=["education.indicators"])
    assert set(offers(child)) == {indicators.HOME_EDUCATED}


def test_writes_need_edit_rights_over_the_young_person(world):
    with pytest.raises(PermissionDenied):
        exclude(world.users["practitioner"], world.outside, starts_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        exclude(world.users["analyst"], world.inside, starts_on=timezone.localdate())


@settings(max_examples=300, deadline=None)
@given(possible=st.integers(min_value=1, max_value=100_000), data=st.data())
def test_under_90_agrees_with_exact_fractions(possible, data):
    attended = data.draw(st.integers(min_value=0, max_value=possible))
    record = AttendanceRecord(sessions_possible=possible, sessions_attended=attended)
    assert record.below_90 == (Fraction(attended, possible) < Fraction(9, 10))
    # The percentage shown rounds, but never says 90.0% or more for a record under 90%.
    assert record.percentage == (Decimal(attended) * 100 / Decimal(possible)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def test_the_sweep_runs_once_a_day(world, django_capture_on_commit_callbacks):
    actor, child = world.users["practitioner"], world.inside
    today = timezone.localdate()
    period = services.home_education_record(
        actor=actor, person=child, data=HomeEducationInput(starts_on=today - dt.timedelta(days=3))
    )
    assert set(offers(child)) == {indicators.HOME_EDUCATED}
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_indicators(timezone.now()) == 0
    # Changed behind the services' back: today's sweep has run, so it waits for tomorrow's.
    type(period).objects.filter(pk=period.pk).update(ends_on=today - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_indicators(timezone.now()) == 0
    assert set(offers(child)) == {indicators.HOME_EDUCATED}
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_indicators(timezone.now() + dt.timedelta(days=1)) == 1
    assert offers(child) == {}
