"""The missing module on the home page: return home interviews due and overdue, and triggers fired.

Imported from ``MissingConfig.ready``. Each queue reads through the missing selectors.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from harbour.missing import selectors
from harbour.missing.selectors import InterviewRow
from harbour.ui.queues import QueueItem, WorkQueue, register

# Items shown on the home page; each queue counts the rest in SQL.
SHOWN = 25


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%-d %b %Y %H:%M")


def _items(rows: list[InterviewRow]) -> list[QueueItem]:
    return [
        QueueItem(
            title=row.person_name,
            url=reverse("missing:interview", args=[row.interview_id]),
            meta=[f"Due by {_when(row.due_at)}", f"{row.status_label}; interviewer: {row.interviewer}"],
            tag="Overdue" if row.overdue else "Due",
        )
        for row in rows
    ]


def interviews_mine(actor: Any) -> list[QueueItem]:
    return _items(selectors.interviews_assigned_to(actor=actor, limit=SHOWN))


def interviews_mine_count(actor: Any) -> int:
    return selectors.interviews_assigned_count(actor=actor)


def interviews_team(actor: Any) -> list[QueueItem]:
    return _items(selectors.interviews_for_managed_teams(actor=actor, limit=SHOWN))


def interviews_team_count(actor: Any) -> int:
    return selectors.interviews_for_managed_teams_count(actor=actor)


def notices(actor: Any) -> list[QueueItem]:
    return [
        QueueItem(
            title=notice.person.full_name,
            url=reverse("missing:person", args=[notice.person_id]),
            meta=[notice.summary, f"Sent {_when(notice.sent_at)}"],
            tag="New",
        )
        for notice in selectors.notices_unread_for(actor=actor, limit=SHOWN)
    ]


def notices_count(actor: Any) -> int:
    return selectors.notices_unread_count(actor=actor)


def rows_to_review(actor: Any) -> list[QueueItem]:
    """Police log rows to review: the file and line only, no names (those are on the review page)."""
    from harbour.missing import imports

    return [
        QueueItem(
            title=f"{row.log_import.filename}, line {row.line_number}",
            url=reverse("missing:unmatched"),
            meta=["Could not be linked to one young person with confidence"],
            tag="To review",
        )
        for row in imports.unmatched_rows_for(actor=actor)[:SHOWN]
    ]


def rows_to_review_count(actor: Any) -> int:
    from harbour.missing import imports

    return imports.unmatched_rows_for(actor=actor).count()


register(
    WorkQueue(
        code="missing-police-log-review",
        title="Police missing-persons log rows to review",
        empty_text="No police log rows are waiting for review.",
        capability="frontdoor.triage",
        items=rows_to_review,
        count=rows_to_review_count,
        limit=SHOWN,
        order=15,
        columns=("Row", "Why", "Status"),
        more_url="missing:unmatched",
    )
)
register(
    WorkQueue(
        code="missing-interviews-mine",
        title="Return home interviews to do",
        empty_text="No return home interviews are assigned to you.",
        capability="person.search",
        items=interviews_mine,
        count=interviews_mine_count,
        limit=SHOWN,
        order=12,
        columns=("Young person", "Due and status", "Status"),
    )
)
register(
    WorkQueue(
        code="missing-interviews-team",
        title="Your team's return home interviews",
        empty_text="Your team has no return home interviews waiting.",
        capability="person.view_team_network",
        items=interviews_team,
        count=interviews_team_count,
        limit=SHOWN,
        order=13,
        columns=("Young person", "Due and status", "Status"),
    )
)
register(
    WorkQueue(
        code="missing-notices",
        title="Missing from home or care: triggers and late interviews",
        empty_text="Nothing new about young people going missing.",
        capability="person.search",
        items=notices,
        count=notices_count,
        limit=SHOWN,
        order=14,
        columns=("Young person", "What happened", "Status"),
    )
)
