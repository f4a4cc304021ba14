from __future__ import annotations

from typing import Any

from django.apps import AppConfig

YOUR_YOUNG_PEOPLE_LIMIT = 20


def your_young_people(actor: Any) -> list[Any]:
    """Home-page queue: the young people this actor sees in full, with their age and who leads."""
    from django.urls import reverse

    from harbour.access import selectors as access_selectors
    from harbour.people import selectors
    from harbour.people.models import Person
    from harbour.ui.queues import QueueItem

    people = selectors.person_list_for(actor=actor).filter(kind=Person.Kind.YOUNG_PERSON)
    items = []
    for person in people[:YOUR_YOUNG_PEOPLE_LIMIT]:
        network = list(access_selectors.network_for(person_id=person.pk))
        mine = next((allocation for allocation in network if allocation.worker_id == actor.pk), None)
        if mine is not None:
            role = f"You are the {mine.network_role.label.lower()}"
        elif network:
            lead = network[0]
            role = f"{lead.network_role.label}: {lead.worker or lead.team or lead.agency}"
        else:
            role = "No one is allocated"
        age = f"Age {person.age}" if person.age is not None else "Age not known"
        items.append(
            QueueItem(
                title=person.full_name, url=reverse("people:detail", args=[person.pk]), meta=[age, role]
            )
        )
    return items


def break_glass_to_review(actor: Any) -> list[Any]:
    """Home-page queue: uses of break-glass by the manager's team, waiting for their review."""
    from django.urls import reverse
    from django.utils import timezone

    from harbour.access import selectors as access_selectors
    from harbour.ui.queues import QueueItem

    page = reverse("access:break_glass_review")
    return [
        QueueItem(
            title=f"{use.user} used break-glass access",
            url=f"{page}#use-{use.pk}",
            meta=[
                f"Record of {use.person}",
                timezone.localtime(use.created_at).strftime("%-d %B %Y at %H:%M"),
            ],
            tag="To review",
        )
        for use in access_selectors.break_glass_to_review_for(actor=actor)
    ]


class PeopleConfig(AppConfig):
    name = "harbour.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from harbour.ui.queues import WorkQueue, register

        register(
            WorkQueue(
                code="your-young-people",
                title="Your young people",
                empty_text="No young people are allocated to you.",
                capability="person.edit",
                items=your_young_people,
                order=10,
                columns=("Young person", "Age and role", "Status"),
                limit=YOUR_YOUNG_PEOPLE_LIMIT,
            )
        )
        # The break-glass review queue belongs to access, but access may not import the UI shell
        # (import-linter: cross-cutting apps never import ui), so it is registered here. Uses are
        # flagged to the user's team manager, or to the data protection officer when there is none,
        # so both have the queue (a queue names one capability).
        for code, capability in (
            ("break-glass-review", "audit.view_network"),
            ("break-glass-review-dpo", "audit.view_all"),
        ):
            register(
                WorkQueue(
                    code=code,
                    title="Break-glass uses to review",
                    empty_text="No break-glass uses are waiting for your review.",
                    capability=capability,
                    items=break_glass_to_review,
                    order=20,
                    columns=("Who", "Details", "Status"),
                )
            )
