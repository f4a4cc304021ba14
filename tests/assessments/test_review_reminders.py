"""`harbour tick` reminds an agreed assessment's lead of its review: once when it is due soon (14 days
unless configured), once when it is overdue, never on every tick, and not once the review has started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from harbour.assessments import ticks as assessment_ticks
from harbour.assessments.models import Assessment, ReviewReminder
from harbour.audit.models import AuditEvent
from harbour.core import ticks
from tests.assessments import helpers

pytestmark = pytest.mark.django_db


def agreed_due_in(world, days: int) -> Assessment:
    assessment = helpers.open_for(world)
    helpers.record_words(world, assessment)
    helpers.agree(world, assessment, "norfolk-no-risk")
    Assessment.objects.filter(pk=assessment.pk).update(
        next_review_on=timezone.localdate() + timedelta(days=days)
    )
    return Assessment.objects.get(pk=assessment.pk)


def tick() -> int:
    results = {r.code: r for r in ticks.run_all(only=["assessments.review_reminders"])}
    assert results["assessments.review_reminders"].ok, results
    return results["assessments.review_reminders"].count


def test_due_soon_then_overdue_each_once(world, django_capture_on_commit_callbacks):
    assessment = agreed_due_in(world, 10)
    lead = world.users["practitioner"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tick() == 1
    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert "is due on" in mail.outbox[0].body
    assert "Jade" not in mail.outbox[0].body + mail.outbox[0].subject
    assert f"/assessments/{assessment.pk}/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="assessment.review_reminded")
    assert event.actor_id is None
    assert str(event.person_id) == str(assessment.person_id)
    assert event.detail["condition"] == "due-soon"
    assert tick() == 0  # once per condition
    # Later the date passes with no review started: one overdue reminder, then nothing.
    later = timezone.now() + timedelta(days=12)
    with transaction.atomic():
        assert assessment_ticks.remind_reviews(later) == 1
        assert assessment_ticks.remind_reviews(later) == 0
    conditions = sorted(ReviewReminder.objects.values_list("condition", flat=True))
    assert conditions == ["due-soon", "overdue"]


def test_far_off_reviews_and_started_reviews_are_not_reminded(world):
    far = agreed_due_in(world, 40)
    assert tick() == 0
    Assessment.objects.filter(pk=far.pk).update(next_review_on=timezone.localdate() - timedelta(days=3))
    helpers.open_for(world)  # the review has started: a newer assessment is open
    assert tick() == 0
    assert not ReviewReminder.objects.exists()


def test_a_first_tick_after_the_date_sends_only_the_overdue_reminder(world):
    agreed_due_in(world, -5)
    assert tick() == 1
    assert list(ReviewReminder.objects.values_list("condition", flat=True)) == ["overdue"]


def test_how_far_ahead_is_a_setting(world, settings):
    agreed_due_in(world, 20)
    assert tick() == 0  # 14 days by default
    settings.HARBOUR_REVIEW_DUE_SOON_DAYS = 21
    assert tick() == 1
    assert list(ReviewReminder.objects.values_list("condition", flat=True)) == ["due-soon"]
