"""The missing module's periodic jobs (``harbour tick``).

- ``missing.rhi_breaches``: report each return home interview not completed (or declined with a reason)
  by its due time, once (``breach_reported_at``): an in-app notice and an email to the interviewer, the
  managers of the interview team and the young person's lead professional;
  ``return_interview.breach_reported`` in the audit trail.
- ``missing.triggers``: evaluate the triggers for young people with recent episodes (they fire once per
  condition; see triggers.py).
- ``missing.uploads``: empty the content of police logs uploaded on the import page and not imported
  within ``core.uploads.KEPT_HOURS`` (see uploads.py); ``police_log.upload_expired`` in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.accounts.models import User
from harbour.audit import services as audit
from harbour.core.ticks import TickJob, register
from harbour.missing import notifications, triggers, uploads
from harbour.missing.models import MissingNotice, ReturnInterview

OPEN = ReturnInterview.OPEN_STATUSES


def _told_about(interview: ReturnInterview) -> list[User]:
    users: dict[Any, User] = {}
    if interview.interviewer is not None and interview.interviewer.is_active:
        users[interview.interviewer.pk] = interview.interviewer
    if interview.team_id is not None:
        for manager in triggers.managers_of([interview.team_id]):
            users.setdefault(manager.pk, manager)
    for lead in triggers.lead_professionals(interview.person_id):
        users.setdefault(lead.pk, lead)
    return sorted(users.values(), key=lambda user: user.get_username())


def report_breaches(now: datetime) -> int:
    """Report each open interview past its due time that has not been reported. Returns how many."""
    overdue = list(
        ReturnInterview.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN, due_at__lte=now, breach_reported_at__isnull=True)
        .select_related("interviewer")
        .order_by("due_at", "pk")
    )
    for interview in overdue:
        recipients = _told_about(interview)
        local_due = timezone.localtime(interview.due_at)
        notices = MissingNotice.objects.bulk_create(
            [
                MissingNotice(
                    recipient=user,
                    person_id=interview.person_id,
                    kind=MissingNotice.Kind.BREACH,
                    interview=interview,
                    summary=f"A return home interview due {local_due:%-d %b %Y %H:%M} has not been held",
                    sent_at=now,
                )
                for user in recipients
            ]
        )
        audit.record(
            None,
            "return_interview.breach_reported",
            interview,
            person_id=interview.person_id,
            detail={"due_at": interview.due_at.isoformat(), "told": [u.get_username() for u in recipients]},
        )
        for notice in notices:
            notice_id = str(notice.pk)
            transaction.on_commit(
                lambda notice_id=notice_id: notifications.email_notice.enqueue(notice_id=notice_id)  # type: ignore[misc]
            )
    ReturnInterview.objects.filter(pk__in=[i.pk for i in overdue]).update(breach_reported_at=now)
    return len(overdue)


def register_jobs() -> None:
    register(
        TickJob(
            "missing.rhi_breaches",
            "Report return home interviews not held within 72 hours of the return",
            report_breaches,
        )
    )
    register(
        TickJob(
            "missing.triggers", "Fire missing-episode triggers (once per condition)", triggers.evaluate_all
        )
    )
    register(
        TickJob(
            "missing.uploads",
            "Empty the content of uploaded police logs not imported within a day",
            uploads.uploads_expire,
        )
    )
