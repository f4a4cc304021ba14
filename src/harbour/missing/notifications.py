"""Emails about missing episodes. They leave the system, so they carry a link or a reference, never a name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task


def person_link(person_id: Any) -> str:
    return f"{settings.HARBOUR_SITE_URL}{reverse('missing:person', args=[person_id])}"


def _send(template: str, subject: str, recipient: str, context: dict[str, Any]) -> None:
    send_mail(
        subject=subject,
        message=render_to_string(f"missing/email/{template}", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[recipient],
    )


def _contact_for(user: Any) -> str:
    """Who the placing authority should call: the recorder's team or agency, else the service address."""
    membership = user.primary_membership() if user is not None else None
    if membership is not None:
        team = membership.team
        for contact in (
            team.contact_email,
            team.contact_phone,
            team.agency.contact_email,
            team.agency.contact_phone,
        ):
            if contact:
                return f"{team.agency.name} ({contact})"
    return str(settings.DEFAULT_FROM_EMAIL)


@task()
def email_notice(*, notice_id: str) -> None:
    """Email a member of staff that a trigger fired or an interview passed 72 hours (details in Harbour)."""
    from harbour.missing.models import MissingNotice

    notice = MissingNotice.objects.select_related("recipient").filter(pk=notice_id).first()
    if notice is None or notice.emailed_at is not None or not notice.recipient.email:
        return
    _send(
        "notice.txt",
        "Harbour: missing from home or care",
        notice.recipient.email,
        {"summary": notice.summary, "link": person_link(notice.person_id)},
    )
    MissingNotice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())


@task()
def email_placing_authority(*, firing_id: str) -> None:
    """Tell the placing authority's contact that a young person they placed went missing (no name)."""
    from harbour.missing.models import TriggerFiring

    firing = TriggerFiring.objects.select_related("episode").filter(pk=firing_id).first()
    if firing is None or firing.episode is None or not firing.emailed_to:
        return
    _send(
        "placing_authority.txt",
        "Harbour: a young person you placed has been reported missing",
        firing.emailed_to,
        {
            "reference": str(firing.episode.pk)[:8],
            "police_reference": firing.episode.police_reference,
            "contact": _contact_for(firing.episode.recorded_by),
        },
    )
