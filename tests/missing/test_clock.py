"""The 72-hour clock: clock hours of elapsed time from the return, computed in UTC, shown in UK time.

Breaches are reported by `harbour tick`, once each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.missing import services, ticks
from harbour.missing.forms import local_datetime
from harbour.missing.models import MissingNotice, ReturnInterview
from tests.missing.helpers import interview_input, record, record_return, uk

pytestmark = pytest.mark.django_db


def _returned(world, ended_at):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, ended_at - timedelta(hours=20))
    return record_return(practitioner, episode, ended_at)


def test_return_at_night_is_due_72_hours_later(world):
    interview = _returned(world, uk(date(2026, 6, 2), 23, 40))
    assert interview.due_at == datetime(2026, 6, 5, 22, 40, tzinfo=UTC)
    assert timezone.localtime(interview.due_at).strftime("%a %d %H:%M") == "Fri 05 23:40"


def test_weekends_count_hours_like_any_other_day(world):
    # Friday 18:00: due Monday 18:00, not three working days later.
    interview = _returned(world, uk(date(2026, 6, 5), 18, 0))
    assert timezone.localtime(interview.due_at).strftime("%A %H:%M") == "Monday 18:00"


def test_clocks_going_back_keeps_72_hours_of_real_time(world):
    # Saturday 24 October 2026, 22:00 BST; the clocks go back at 02:00 on Sunday 25 October.
    returned = uk(date(2026, 10, 24), 22, 0)
    interview = _returned(world, returned)
    assert interview.due_at - interview.returned_at == timedelta(hours=72)
    assert interview.due_at == datetime(2026, 10, 27, 21, 0, tzinfo=UTC)
    # On the wall clock it is due at 21:00 GMT: an hour earlier than 72 wall-clock hours would say.
    assert timezone.localtime(interview.due_at).strftime("%a %d %H:%M %Z") == "Tue 27 21:00 GMT"
    assert timezone.localtime(returned).strftime("%H:%M %Z") == "22:00 BST"


def test_clocks_going_forward_keeps_72_hours_of_real_time(world):
    # Saturday 28 March 2026, 12:00 GMT; the clocks go forward at 01:00 on Sunday 29 March.
    interview = _returned(world, uk(date(2026, 3, 28), 12, 0))
    assert interview.due_at == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert timezone.localtime(interview.due_at).strftime("%H:%M %Z") == "13:00 BST"


def test_an_hour_that_happens_twice_is_read_as_the_first():
    first = local_datetime(date(2026, 10, 25), datetime(2026, 1, 1, 1, 30).time())
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_hour_that_does_not_exist_is_refused():
    with pytest.raises(ValidationError):
        local_datetime(date(2026, 3, 29), datetime(2026, 1, 1, 1, 30).time())


def test_hours_come_from_settings(world, settings):
    settings.HARBOUR_RHI_HOURS = 48
    interview = _returned(world, uk(date(2026, 6, 2), 10, 0))
    assert interview.due_at - interview.returned_at == timedelta(hours=48)


def test_tick_reports_a_breach_once_to_the_lead_professional(world, django_capture_on_commit_callbacks):
    interview = _returned(world, uk(date(2026, 6, 2), 10, 0))
    before_due = interview.due_at - timedelta(minutes=1)
    assert ticks.report_breaches(before_due) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert ticks.report_breaches(interview.due_at) == 1
    assert ticks.report_breaches(interview.due_at + timedelta(hours=1)) == 0
    notices = MissingNotice.objects.filter(kind=MissingNotice.Kind.BREACH)
    assert [n.recipient for n in notices] == [world.users["practitioner"]]
    assert AuditEvent.objects.filter(action="return_interview.breach_reported").count() == 1
    assert any("missing from home or care" in message.subject for message in mail.outbox)
    assert "Jade" not in "".join(message.body for message in mail.outbox)  # no names in email


def test_completed_in_time_is_not_a_breach(world):
    interview = _returned(world, uk(date(2026, 6, 2), 10, 0))
    interview = services.interview_assign(
        actor=world.users["practitioner"],
        interview=interview,
        version=interview.version,
        interviewer_id=world.breckland_worker.pk,
    )
    services.interview_complete(
        actor=world.breckland_worker,
        interview=interview,
        version=interview.version,
        data=interview_input(interview.returned_at + timedelta(hours=30)),
    )
    assert ticks.report_breaches(interview.due_at + timedelta(days=1)) == 0
    interview.refresh_from_db()
    assert interview.status == ReturnInterview.Status.COMPLETED


def test_declined_with_a_reason_stops_the_clock(world):
    interview = _returned(world, uk(date(2026, 6, 2), 10, 0))
    interview = services.interview_assign(
        actor=world.users["practitioner"],
        interview=interview,
        version=interview.version,
        interviewer_id=world.breckland_worker.pk,
    )
    services.interview_decline(
        actor=world.breckland_worker,
        interview=interview,
        version=interview.version,
        declined_at=interview.returned_at + timedelta(hours=5),
        reason="young-person-declined",
        carers_said="Mum said she came home by taxi.",
    )
    assert ticks.report_breaches(interview.due_at + timedelta(days=1)) == 0
