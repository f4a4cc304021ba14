"""Front-door timescales in working days, with England and Wales bank holidays.

A working day is Monday to Friday, not a bank holiday in England and Wales (from the ``holidays``
package), between the hours in ``settings.HARBOUR_WORKING_DAY`` (default ``09:00-17:00``, Europe/London).

A referral is *received* on the day it was submitted if that is a working day and it arrived before the
end of that working day; otherwise it is received on the next working day. It is due by the end of the
working day that lies ``working_days_to_decide`` working days after the day it was received: 0 (urgent,
immediate risk) means the end of the day it was received; 1 (standard) the end of the next working day.
Times are computed in Europe/London, so clock changes are handled, and returned in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

LONDON = ZoneInfo("Europe/London")


@cache
def _bank_holidays() -> holidays.HolidayBase:
    # England and Wales share one set of bank holidays; the package's "ENG" subdivision is it.
    return holidays.country_holidays("GB", subdiv="ENG")


def working_hours() -> tuple[time, time]:
    """The start and end of a working day, from ``settings.HARBOUR_WORKING_DAY`` ("09:00-17:00")."""
    text = getattr(settings, "HARBOUR_WORKING_DAY", "09:00-17:00")
    start_text, _, end_text = text.partition("-")
    start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    if end <= start:
        raise ValueError("HARBOUR_WORKING_DAY must read like 09:00-17:00, with the end after the start.")
    return start, end


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` (``day`` itself when count is 0)."""
    for _ in range(count):
        day = next_working_day(day)
    return day


def received_on(submitted_at: datetime) -> date:
    """The working day a referral counts as received: that day if in time, else the next working day."""
    local = submitted_at.astimezone(LONDON)
    _, day_end = working_hours()
    if is_working_day(local.date()) and local.time() < day_end:
        return local.date()
    return next_working_day(local.date())


def end_of_working_day(day: date) -> datetime:
    """The end of that working day, in UTC."""
    _, day_end = working_hours()
    return datetime.combine(day, day_end, tzinfo=LONDON).astimezone(UTC)


def due_by(submitted_at: datetime, working_days_to_decide: int) -> datetime:
    """When the front door must have decided: the end of the working day that many working days on."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware.")
    return end_of_working_day(add_working_days(received_on(submitted_at), working_days_to_decide))


def working_hours_between(start: datetime, end: datetime) -> float:
    """Working hours (on working days, within the working day's hours) between two instants."""
    if end <= start:
        return 0.0
    day_start, day_end = working_hours()
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(day):
            opens = datetime.combine(day, day_start, tzinfo=LONDON)
            closes = datetime.combine(day, day_end, tzinfo=LONDON)
            overlap = min(closes, local_end) - max(opens, local_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return round(total.total_seconds() / 3600, 2)
