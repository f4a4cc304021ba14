from __future__ import annotations

from typing import Any

from django.apps import AppConfig

YOUR_YOUNG_PEOPLE_LIMIT = 20
DUPLICATES_SHOWN = 25
# The two names a possible-duplicates item shows (Person.NAME_FIELDS of each record).
DUPLICATE_ITEM_NAMES = tuple(
    f"{side}__{name}" for side in ("person_a", "person_b") for name in ("first_name", "last_name")
)


def your_young_people(actor: Any) -> list[Any]:
    """Home-page queue: the first young people in this actor's caseload, with their age and who leads
    (``your_young_people_count`` gives the full count)."""
    from harbour.people import selectors
    from harbour.people.models import Person

    # Only what an item shows: every column of 20 people was read and converted for a name and an age.
    people = selectors.person_caseload_for(actor=actor).only("date_of_birth", *Person.NAME_FIELDS)
    return caseload_items(actor, list(people[:YOUR_YOUNG_PEOPLE_LIMIT]))


def caseload_items(actor: Any, people: list[Any]) -> list[Any]:
    """Queue items for these young people: their age and who leads (networks read in one query)."""
    from django.urls import reverse

    from harbour.access.models import Allocation
    from harbour.accounts.models import Team, User
    from harbour.ui.queues import QueueItem

    # Plain rows, not model instances: some 60 allocations for 20 young people, each with its role,
    # worker, team and agency, were six objects a row to build for a phrase.
    networks: dict[Any, list[tuple[Any, str, str]]] = {}
    for person_id, worker_id, label, *names in (
        Allocation.objects.current()
        .filter(person_id__in=[person.pk for person in people], network_role__grants_access=True)
        .order_by("network_role__sort_order", "starts_on")
        .values_list(
            "person_id",
            "worker_id",
            "network_role__label",
            *(f"worker__{name}" for name in User.NAME_FIELDS),
            "team__name",
            "team__agency__name",
            "agency__name",
        )
    ):
        display_name, first_name, last_name, username, team, team_agency, agency = names
        if worker_id is not None:
            who = User.name_from(display_name, first_name, last_name, username)
        else:
            who = Team.name_from(team, team_agency) if team is not None else agency
        networks.setdefault(person_id, []).append((worker_id, label, who))
    items = []
    for person in people:
        network = networks.get(person.pk, [])
        mine = next((label for worker_id, label, _ in network if worker_id == actor.pk), None)
        if mine is not None:
            role = f"You are the {mine.lower()}"
        elif network:
            _, label, who = network[0]
            role = f"{label}: {who}"
        else:
            role = "No one is allocated"
        age = f"Age {person.age}" if person.age is not None else "Age not known"
        items.append(
            QueueItem(
                title=person.full_name, url=reverse("people:detail", args=[person.pk]), meta=[age, role]
            )
        )
    return items


def your_young_people_count(actor: Any) -> int:
    from harbour.people import selectors

    return selectors.person_caseload_for(actor=actor).count()


def parents_and_carers_of(base: Any) -> Any:
    """The parents and carers of the young people matched by ``base``: those who can see a young
    person in full can see, in full, the parents and carers who keep them safe."""
    from django.db.models import Q

    from harbour.access.policies import ids_of
    from harbour.people.models import Person, Relationship

    # The ids themselves when ``base`` is a subquery of ids: read through the people table, PostgreSQL
    # scanned all of it to find them.
    seen: Any = ids_of(base)
    if seen is None:
        seen = Person.objects.filter(base).values("pk")
    links = Relationship.objects.filter(person_id__in=seen, relationship_type__is_parent_or_carer=True)
    return Q(pk__in=links.values("other_id"))


def explain_parent_or_carer(base: Any, person: Any) -> list[str]:
    from harbour.people.models import Person, Relationship

    links = Relationship.objects.filter(
        other_id=person.pk, relationship_type__is_parent_or_carer=True, person__in=Person.objects.filter(base)
    ).select_related("person", "relationship_type")
    return [
        f"{person} is {link.person}'s {link.relationship_type.label.lower()}, and you can see "
        f"{link.person}'s record in full."
        for link in links
    ]


def break_glass_to_review(actor: Any) -> list[Any]:
    """Home-page queue: uses of break-glass by the manager's team, waiting for their review."""
    from django.urls import reverse
    from django.utils import timezone

    from harbour.access import selectors as access_selectors
    from harbour.accounts.models import User
    from harbour.people.models import Person
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
        # Only what an item shows, not every column of the use, the user and the young person.
        for use in access_selectors.break_glass_to_review_for(actor=actor).only(
            "created_at",
            *(f"user__{name}" for name in User.NAME_FIELDS),
            *(f"person__{name}" for name in Person.NAME_FIELDS),
        )
    ]


def duplicates_to_review(actor: Any) -> list[Any]:
    """Home-page queue: the first open possible duplicates, most likely first (people/duplicates.py);
    ``duplicates_to_review_count`` gives the full count."""
    from django.urls import reverse

    from harbour.people import duplicates
    from harbour.people.models import Person
    from harbour.ui.queues import QueueItem

    # Plain rows: a pair and its two people were three model instances for two names and a score.
    pairs = duplicates.duplicate_list_for(actor=actor).values_list(
        "pk", "score", "found_at", *DUPLICATE_ITEM_NAMES
    )
    items = []
    for pk, score, found_at, first_a, last_a, first_b, last_b in pairs[:DUPLICATES_SHOWN]:
        items.append(
            QueueItem(
                title=f"{Person.name_from(first_a, last_a)} and {Person.name_from(first_b, last_b)}",
                url=reverse("people:duplicate_compare", args=[pk]),
                meta=[f"{round(score * 100)}% likely", f"Found {found_at:%-d %B %Y}"],
                tag="To review",
            )
        )
    return items


def duplicates_to_review_count(actor: Any) -> int:
    from harbour.people import duplicates

    return duplicates.duplicate_list_for(actor=actor).count()


class PeopleConfig(AppConfig):
    name = "harbour.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from harbour.access import policies
        from harbour.ui.queues import WorkQueue, register

        policies.register_linked_source("parent_or_carer", parents_and_carers_of, explain_parent_or_carer)

        from harbour.core.ticks import register as register_tick
        from harbour.people.duplicates import SCAN_TICK

        register_tick(SCAN_TICK)
        register(
            WorkQueue(
                code="possible-duplicates",
                title="Possible duplicates to review",
                empty_text="No possible duplicates are waiting for review.",
                capability="person.merge",
                items=duplicates_to_review,
                count=duplicates_to_review_count,
                limit=DUPLICATES_SHOWN,
                order=30,
                columns=("Records", "Likelihood and when found", "Status"),
                more_url="people:duplicates",
            )
        )

        register(
            WorkQueue(
                code="your-young-people",
                title="Your young people",
                empty_text="No young people are allocated to you.",
                capability="person.edit",
                items=your_young_people,
                count=your_young_people_count,
                order=10,
                columns=("Young person", "Age and role", "Status"),
                limit=YOUR_YOUNG_PEOPLE_LIMIT,
                more_url="people:caseload",
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
