"""The front door's periodic job: report referrals past their timescale, once each.

A referral still open after its ``due_by`` is reported to the managers of its triage team (or, when it
has none yet, of every team that holds ``frontdoor.triage``): an in-app notice and an email each, and
``referral.breach_reported`` in the audit trail. ``breach_reported_at`` makes it happen once; each report is
kept as a ``ReferralBreach`` (the urgency and due time it breached). Re-grading the urgency marks the
report re-graded and clears ``breach_reported_at``, so a breach of the new timescale is reported afresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.accounts.models import Membership, User
from harbour.audit import services as audit
from harbour.core.ticks import TickJob, register
from harbour.frontdoor import notifications
from harbour.frontdoor.models import Referral, ReferralBreach, ReferralNotification
from harbour.frontdoor.policies import OPEN_STATUSES


def managers_of(team_ids: list[Any]) -> list[User]:
    """The active users who manage any of these teams today (a current membership in a managing role),
    by username, each once."""
    today = timezone.localdate()
    memberships = (
        Membership.objects.filter(
            team_id__in=team_ids,
            role__manages_team=True,
            role__active=True,
            starts_on__lte=today,
            user__is_active=True,
        )
        .exclude(ends_on__lt=today)
        .select_related("user")
        .order_by("user__username")
    )
    users: dict[Any, User] = {}
    for membership in memberships:
        users.setdefault(membership.user_id, membership.user)
    return list(users.values())


def _front_door_team_ids() -> list[Any]:
    from harbour.frontdoor.services import _triage_role_ids

    today = timezone.localdate()
    return list(
        Membership.objects.filter(role_id__in=_triage_role_ids(), starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("team_id", flat=True)
        .distinct()
    )


def report_breaches(now: datetime) -> int:
    """Report each open referral past its due time that has not been reported. Returns how many."""
    overdue = list(
        Referral.objects.select_for_update(of=("self",))
        .select_related("urgency")
        .filter(status__in=OPEN_STATUSES, due_by__lte=now, breach_reported_at__isnull=True)
        .order_by("due_by", "pk")
    )
    fallback: list[Any] | None = None
    for referral in overdue:
        if referral.triage_team_id is not None:
            managers = managers_of([referral.triage_team_id])
        else:
            fallback = fallback if fallback is not None else _front_door_team_ids()
            managers = managers_of(fallback)
        created = ReferralNotification.objects.bulk_create(
            [
                ReferralNotification(
                    recipient=manager,
                    referral=referral,
                    kind=ReferralNotification.Kind.BREACH,
                    summary=f"Referral {referral.reference} is past its timescale",
                    sent_at=now,
                )
                for manager in managers
            ]
        )
        ReferralBreach.objects.create(
            referral=referral,
            urgency_id=referral.urgency_id,
            due_by=referral.due_by,
            reported_at=now,
            managers_told=len(managers),
        )
        audit.record(
            None,
            "referral.breach_reported",
            referral,
            detail={
                "reference": referral.reference,
                "urgency": referral.urgency.code,
                "due_by": referral.due_by.isoformat(),
                "told": [manager.get_username() for manager in managers],
            },
        )
        for notification in created:
            notification_id = str(notification.pk)
            transaction.on_commit(
                lambda notification_id=notification_id: notifications.email_breach_report.enqueue(  # type: ignore[misc]
                    notification_id=notification_id
                )
            )
    Referral.objects.filter(pk__in=[referral.pk for referral in overdue]).update(breach_reported_at=now)
    return len(overdue)


def register_jobs() -> None:
    register(
        TickJob(
            "frontdoor.breaches",
            "Report referrals past their timescale to the front door's managers",
            report_breaches,
        )
    )
