"""The assessments' periodic job (``harbour tick``): remind the lead when an agreed assessment's review
is due within ``HARBOUR_REVIEW_DUE_SOON_DAYS`` days (``selectors.review_horizon``), and again when it is
overdue.

Once per condition: a ``ReviewReminder`` row per assessment, condition (``due-soon``, ``overdue``) and
review date makes a later tick skip it. An assessment whose young person already has a newer one open
(the review has started), or whose lead has left, is not reminded. Each reminder is an email to the lead
with a link and no names, and ``assessment.review_reminded`` in the audit trail (no actor); the lead's
home page already lists the reviews due.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from harbour.assessments.models import Assessment, ReviewReminder
from harbour.assessments.selectors import review_horizon
from harbour.audit import services as audit
from harbour.core.ticks import TickJob, register


def remind_reviews(now: datetime) -> int:
    """Send each reminder not yet sent for an agreed assessment whose review is near or past."""
    today = timezone.localdate(now)
    horizon = review_horizon(today)
    open_people = Assessment.objects.filter(status=Assessment.Status.OPEN).values("person_id")
    due = (
        Assessment.objects.filter(
            status=Assessment.Status.AGREED, next_review_on__lte=horizon, lead__is_active=True
        )
        .exclude(person_id__in=open_people)
        .select_related("lead")
        .order_by("next_review_on", "pk")
    )
    sent = 0
    for assessment in due:
        assert assessment.next_review_on is not None
        condition = (
            ReviewReminder.Condition.OVERDUE
            if assessment.next_review_on < today
            else ReviewReminder.Condition.DUE_SOON
        )
        reminder, created = ReviewReminder.objects.get_or_create(
            assessment=assessment,
            condition=condition,
            review_on=assessment.next_review_on,
            defaults={"recipient": assessment.lead, "sent_at": now},
        )
        if not created:
            continue
        sent += 1
        audit.record(
            None,
            "assessment.review_reminded",
            assessment,
            person_id=assessment.person_id,
            detail={
                "condition": condition,
                "review_on": assessment.next_review_on.isoformat(),
                "told": assessment.lead.get_username(),
            },
        )
        reminder_id = str(reminder.pk)
        transaction.on_commit(
            lambda reminder_id=reminder_id: email_review_reminder.enqueue(reminder_id=reminder_id)  # type: ignore[misc]
        )
    return sent


@task()
def email_review_reminder(*, reminder_id: str) -> None:
    """Email the lead that a review is due or overdue (the young person is named only in Harbour)."""
    reminder = ReviewReminder.objects.select_related("recipient").filter(pk=reminder_id).first()
    if reminder is None or reminder.emailed_at is not None or not reminder.recipient.email:
        return
    overdue = reminder.condition == ReviewReminder.Condition.OVERDUE
    link = f"{settings.HARBOUR_SITE_URL}{reverse('assessments:detail', args=[reminder.assessment_id])}"
    send_mail(
        subject="Harbour: a risk assessment review is " + ("overdue" if overdue else "due soon"),
        message=render_to_string(
            "assessments/email/review.txt",
            {"overdue": overdue, "review_on": reminder.review_on, "link": link},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[reminder.recipient.email],
    )
    ReviewReminder.objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())


def register_jobs() -> None:
    register(
        TickJob(
            "assessments.review_reminders",
            "Remind leads of joint assessment reviews due soon or overdue (once per condition)",
            remind_reviews,
        )
    )
