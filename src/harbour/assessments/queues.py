"""Assessments on the home page: work waiting for the actor (or their team), and reviews due.

Imported from ``AssessmentsConfig.ready``. Both queues read through selectors that apply the access
policy: a manager sees their team members' items only for young people the manager sees in full.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from harbour.assessments import selectors
from harbour.ui.queues import QueueItem, WorkQueue, register

# Items shown on the home page; each queue counts the rest.
SHOWN = 25


def assessments_waiting(actor: Any) -> list[QueueItem]:
    items = []
    for assessment, what, whose in selectors.waiting_for(actor=actor, limit=SHOWN):
        level = assessment.computed_level.label if assessment.computed_level else "Not scored yet"
        meta = [
            f"{what} from {whose}" if whose and whose != str(actor) else f"Your {what.lower()}",
            f"{assessment.tool_version.tool.label}: computed level {level}",
        ]
        items.append(
            QueueItem(
                title=assessment.person.full_name,
                url=reverse("assessments:detail", args=[assessment.pk]),
                meta=meta,
                tag=what,
            )
        )
    return items


def reviews_due(actor: Any) -> list[QueueItem]:
    today = timezone.localdate()
    items = []
    for assessment in selectors.reviews_due_for(actor=actor, limit=SHOWN):
        due = assessment.next_review_on
        assert due is not None
        level = assessment.agreed_level.label if assessment.agreed_level else ""
        items.append(
            QueueItem(
                title=assessment.person.full_name,
                url=reverse("assessments:detail", args=[assessment.pk]),
                meta=[f"Review due {due:%-d %b %Y}", f"Agreed level {level}, led by {assessment.lead}"],
                tag="Overdue" if due < today else "Due soon",
            )
        )
    return items


def assessments_waiting_count(actor: Any) -> int:
    return selectors.waiting_count(actor=actor)


def reviews_due_count(actor: Any) -> int:
    return selectors.reviews_due_count(actor=actor)


register(
    WorkQueue(
        code="assessments-waiting",
        title="Joint assessments waiting for you",
        empty_text="No joint exploitation risk assessments are waiting for your contribution or agreement.",
        capability="assessment.contribute",
        items=assessments_waiting,
        count=assessments_waiting_count,
        limit=SHOWN,
        order=12,
        columns=("Young person", "Waiting for", "Status"),
    )
)
register(
    WorkQueue(
        code="assessments-reviews-due",
        title="Risk assessment reviews due",
        empty_text="No joint exploitation risk assessment reviews are due soon.",
        capability="assessment.lead",
        items=reviews_due,
        count=reviews_due_count,
        limit=SHOWN,
        order=13,
        columns=("Young person", "Review", "Status"),
    )
)
