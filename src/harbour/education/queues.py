"""Education on the home page: children missing education enquiries open or overdue, and new
exclusions of young people in the actor's network. Imported from ``EducationConfig.ready``; each queue
reads through the education selectors (policy applied, one audit event per list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from harbour.education import selectors
from harbour.ui import navigation
from harbour.ui.navigation import NavEntry
from harbour.ui.queues import QueueItem, WorkQueue, register

# Items shown on the home page; each queue counts the rest in SQL.
SHOWN = 25


def _day(value: Any) -> str:
    return value.strftime("%-d %b %Y")


def missing_education_enquiries(actor: Any) -> list[QueueItem]:
    today = timezone.localdate()
    items = []
    for case in selectors.missing_cases_open_for(actor=actor, limit=SHOWN):
        overdue = case.enquiries_due_on < today
        items.append(
            QueueItem(
                title=case.person.full_name,
                url=reverse("education:person", args=[case.person_id]) + "#missing-education",
                meta=[
                    f"Reported {_day(case.reported_on)}",
                    f"Next enquiry due {_day(case.enquiries_due_on)}",
                ],
                tag="Overdue" if overdue else "Open",
            )
        )
    return items


def new_exclusions(actor: Any) -> list[QueueItem]:
    return [
        QueueItem(
            title=exclusion.person.full_name,
            url=reverse("education:person", args=[exclusion.person_id]) + "#exclusions",
            meta=[
                f"{exclusion.kind.label} from {exclusion.school.name}",
                f"From {_day(exclusion.starts_on)}",
            ],
            tag="Permanent" if exclusion.kind.permanent else None,
        )
        for exclusion in selectors.recent_exclusions_for(actor=actor, limit=SHOWN)
    ]


def missing_education_count(actor: Any) -> int:
    return selectors.missing_cases_open_count(actor=actor)


def new_exclusions_count(actor: Any) -> int:
    return selectors.recent_exclusions_count(actor=actor)


register(
    WorkQueue(
        code="education-missing",
        title="Children missing education: open enquiries",
        empty_text="No young person you work with is missing education.",
        capability="person.edit",
        items=missing_education_enquiries,
        count=missing_education_count,
        limit=SHOWN,
        order=40,
        columns=("Young person", "Reported and next enquiry", "Status"),
    )
)
register(
    WorkQueue(
        code="education-exclusions",
        title="New exclusions in your network",
        empty_text="No young person you work with has been suspended or excluded in the last 4 weeks.",
        capability="person.edit",
        items=new_exclusions,
        count=new_exclusions_count,
        limit=SHOWN,
        order=45,
        columns=("Young person", "Exclusion", "Kind"),
    )
)

# Menu item: the imported rows waiting for review, for those who import the lists.
navigation.register(
    NavEntry("Education imports", "education:unmatched", frozenset({"education.import"}), order=60)
)
