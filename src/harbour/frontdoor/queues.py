"""The front door on the home page and in the menu: referrals to triage, and outcomes for referrers.

Imported from ``FrontdoorConfig.ready``. Each queue reads through the front door's selectors, which
apply the access policy (and audit the read of the triage queue).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from harbour.frontdoor import selectors
from harbour.frontdoor.models import ReferralNotification
from harbour.ui import navigation
from harbour.ui.navigation import NavEntry
from harbour.ui.queues import QueueItem, WorkQueue, register

# Items shown on the home page; each queue counts the rest in SQL and links to its full list.
SHOWN = 25


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%-d %b %Y %H:%M")


def referrals_to_triage(actor: Any) -> list[QueueItem]:
    """The first open referrals, most urgent and longest waiting first; breaches tagged overdue."""
    items = []
    for row in selectors.referral_queue_for(actor=actor, limit=SHOWN):
        about = [subject.name for subject in row.subjects] + list(row.contexts)
        meta = [
            ", ".join(about) if about else "Young person not yet identified",
            f"{row.urgency_label}: due by {_when(row.due_by)}",
        ]
        if row.re_referrals:
            meta.append(
                f"Referred {row.re_referrals} time{'' if row.re_referrals == 1 else 's'} before in 12 months"
            )
        tag = "Overdue" if row.overdue else ("In triage" if row.status == "in-triage" else None)
        items.append(
            QueueItem(
                title=row.reference,
                url=reverse("frontdoor:referral", args=[row.referral_id]),
                meta=meta,
                tag=tag,
            )
        )
    return items


def referrals_to_triage_count(actor: Any) -> int:
    return selectors.referral_queue_count(actor=actor)


def _outcome_verb(notice: ReferralNotification) -> str:
    return "Withdrawn" if notice.kind == ReferralNotification.Kind.WITHDRAWN else "Decided"


def referral_outcomes(actor: Any) -> list[QueueItem]:
    """The newest decisions on the actor's referrals, and withdrawals that concern them, not read yet."""
    return [
        QueueItem(
            title=notice.referral.reference,
            url=reverse("frontdoor:referral", args=[notice.referral_id]),
            meta=[notice.summary, f"{_outcome_verb(notice)} {_when(notice.sent_at)}"],
            tag="New",
        )
        # Only what an item shows: the referral's reference, not its every column and its decision's.
        for notice in selectors.feedback_unread_for(actor=actor)
        .select_related(None)
        .select_related("referral")
        .only("referral__reference", "kind", "summary", "sent_at")[:SHOWN]
    ]


def referral_outcomes_count(actor: Any) -> int:
    return selectors.feedback_unread_for(actor=actor).count()


register(
    WorkQueue(
        code="frontdoor-triage",
        title="Referrals to triage",
        empty_text="No referrals are waiting for a decision.",
        capability="frontdoor.triage",
        items=referrals_to_triage,
        count=referrals_to_triage_count,
        limit=SHOWN,
        order=5,
        columns=("Referral", "About and due", "Status"),
        more_url="frontdoor:queue",
    )
)
register(
    WorkQueue(
        code="referral-outcomes",
        title="Outcomes of your referrals",
        empty_text="No new outcomes. You will see here what the front door decided about your referrals.",
        capability="referral.submit",
        items=referral_outcomes,
        count=referral_outcomes_count,
        limit=SHOWN,
        order=30,
        columns=("Referral", "Outcome", "Status"),
        more_url="frontdoor:sent",
    )
)

# Menu items: the queue for the front door, and referrers' own referrals.
navigation.register(NavEntry("Front door", "frontdoor:queue", frozenset({"frontdoor.triage"}), order=20))
navigation.register(NavEntry("Your referrals", "frontdoor:sent", frozenset({"referral.submit"}), order=30))
