"""Emails from the front door. They leave the system, so they carry a reference and a link, nothing more:
no names, no details of the concern or the decision. Staff read those in Harbour after signing in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks import task


def referral_link(referral_id: Any) -> str:
    """The referral's page in Harbour (it asks the reader to sign in first)."""
    try:
        path = reverse("frontdoor:referral", args=[referral_id])
    except NoReverseMatch:  # the staff pages are not installed: send them to the home page
        path = "/"
    return f"{settings.HARBOUR_SITE_URL}{path}"


def _send(template: str, subject: str, recipient: str, context: dict[str, Any]) -> None:
    send_mail(
        subject=subject,
        message=render_to_string(f"frontdoor/email/{template}", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[recipient],
    )


@task()
def send_acknowledgement(*, referral_id: str) -> None:
    """Tell a referrer their referral arrived, with its reference and when a decision is due."""
    from harbour.frontdoor.models import Referral

    referral = Referral.objects.select_related("referrer").filter(pk=referral_id).first()
    if referral is None or referral.referrer is None or not referral.referrer.email:
        return
    _send(
        "acknowledgement.txt",
        f"Harbour: referral {referral.reference} received",
        referral.referrer.email,
        {
            "reference": referral.reference,
            "due_by": timezone.localtime(referral.due_by),
            "link": referral_link(referral.pk),
        },
    )


def _unsent(notification_id: str) -> Any:
    """The notification to email, or None when it is gone, already emailed or its recipient has no
    address (a task may run twice: sending once is the point)."""
    from harbour.frontdoor.models import ReferralNotification

    notification = (
        ReferralNotification.objects.select_related("recipient", "referral")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None or not notification.recipient.email:
        return None
    return notification


def _mark_emailed(notification: Any) -> None:
    type(notification).objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


@task()
def email_feedback(*, notification_id: str) -> None:
    """Tell the referrer by email that their referral has a decision (the decision itself is in Harbour)."""
    notification = _unsent(notification_id)
    if notification is None:
        return
    _send(
        "feedback.txt",
        f"Harbour: referral {notification.referral.reference} has a decision",
        notification.recipient.email,
        {"reference": notification.referral.reference, "link": referral_link(notification.referral_id)},
    )
    _mark_emailed(notification)


@task()
def email_breach_report(*, notification_id: str) -> None:
    """Tell a triage team manager by email that a referral passed its timescale without a decision."""
    notification = _unsent(notification_id)
    if notification is None:
        return
    _send(
        "breach.txt",
        f"Harbour: referral {notification.referral.reference} is past its timescale",
        notification.recipient.email,
        {
            "reference": notification.referral.reference,
            "due_by": timezone.localtime(notification.referral.due_by),
            "link": referral_link(notification.referral_id),
        },
    )
    _mark_emailed(notification)


@task()
def email_withdrawal(*, notification_id: str) -> None:
    """Tell the referrer, or the triage officer working on it, that a referral was withdrawn (the reason
    is in Harbour)."""
    notification = _unsent(notification_id)
    if notification is None:
        return
    _send(
        "withdrawn.txt",
        f"Harbour: referral {notification.referral.reference} was withdrawn",
        notification.recipient.email,
        {"reference": notification.referral.reference, "link": referral_link(notification.referral_id)},
    )
    _mark_emailed(notification)
