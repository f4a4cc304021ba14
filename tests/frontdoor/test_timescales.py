"""Working-day timescales: weekends, England and Wales bank holidays, clock changes, end of day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from harbour.frontdoor import timescales

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A Europe/London wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("submitted", "days", "due"),
    [
        # Same working day: by 17:00 that day (GMT in winter, so 17:00 UTC).
        ("2026-11-25 10:00", 0, "2026-11-25 17:00"),
        # After 17:00: the end of the next working day.
        ("2026-11-25 17:30", 0, "2026-11-26 17:00"),
        ("2026-11-25 16:59", 1, "2026-11-26 17:00"),
        ("2026-11-25 17:00", 1, "2026-11-27 17:00"),
        # Friday evening and weekends roll to Monday.
        ("2026-11-27 18:00", 0, "2026-11-30 17:00"),
        ("2026-11-28 09:00", 0, "2026-11-30 17:00"),
        ("2026-11-29 23:59", 1, "2026-12-01 17:00"),
        ("2026-11-27 12:00", 1, "2026-11-30 17:00"),
        # Christmas 2026: 25 Friday, Boxing Day Saturday observed Monday 28.
        ("2026-12-24 12:00", 1, "2026-12-29 17:00"),
        ("2026-12-24 18:00", 0, "2026-12-29 17:00"),
        ("2026-12-25 10:00", 1, "2026-12-30 17:00"),
        # Christmas 2027: 25 and 26 fall at the weekend, observed Monday 27 and Tuesday 28.
        ("2027-12-24 16:00", 1, "2027-12-29 17:00"),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        ("2027-03-25 12:00", 1, "2027-03-30 17:00"),
        ("2027-03-25 17:30", 0, "2027-03-30 17:00"),
        # Late summer bank holiday 2026 (31 August).
        ("2026-08-28 12:00", 1, "2026-09-01 17:00"),
    ],
)
def test_due_by(submitted, days, due):
    assert timescales.due_by(at(submitted), days) == at(due).astimezone(UTC)


def test_results_are_utc_and_follow_the_clock_change():
    # Clocks go forward on Sunday 29 March 2026: Friday 17:00 is GMT, Monday 17:00 is BST (16:00 UTC).
    friday = timescales.due_by(at("2026-03-27 10:00"), 0)
    monday = timescales.due_by(at("2026-03-27 10:00"), 1)
    assert friday == utc("2026-03-27 17:00")
    assert monday == utc("2026-03-30 16:00")
    assert monday.tzinfo == UTC
    # Clocks go back on Sunday 25 October 2026.
    assert timescales.due_by(at("2026-10-23 18:00"), 0) == utc("2026-10-26 17:00")


def test_submitted_in_utc_is_read_in_london_time():
    # 16:30 UTC on a summer day is 17:30 in London: after the end of the working day.
    assert timescales.due_by(utc("2026-07-01 16:30"), 0) == utc("2026-07-02 16:00")


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        timescales.due_by(datetime(2026, 7, 1, 12), 0)


def test_working_day_is_a_setting(settings):
    settings.HARBOUR_WORKING_DAY = "08:30-16:30"
    assert timescales.due_by(at("2026-11-25 16:45"), 0) == at("2026-11-26 16:30").astimezone(UTC)
    settings.HARBOUR_WORKING_DAY = "17:00-09:00"
    with pytest.raises(ValueError, match="HARBOUR_WORKING_DAY"):
        timescales.working_hours()


def test_working_hours_between_skips_nights_weekends_and_holidays():
    assert timescales.working_hours_between(at("2026-11-25 10:00"), at("2026-11-25 12:30")) == 2.5
    # Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert timescales.working_hours_between(at("2026-11-27 16:00"), at("2026-11-30 10:00")) == 2.0
    # Over Christmas 2026: 24th 16:00-17:00, then nothing until the 29th 09:00-10:00.
    assert timescales.working_hours_between(at("2026-12-24 16:00"), at("2026-12-29 10:00")) == 2.0
    assert timescales.working_hours_between(at("2026-11-25 12:00"), at("2026-11-25 10:00")) == 0.0


def test_is_working_day():
    assert not timescales.is_working_day(datetime(2027, 3, 29).date())  # Easter Monday
    assert timescales.is_working_day(datetime(2027, 3, 30).date())
