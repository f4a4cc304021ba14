"""Reads of people's records, always through the access policy, always audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from harbour.access import policies
from harbour.access import selectors as access_selectors
from harbour.audit import services as audit
from harbour.people import validation
from harbour.people.models import Person
from harbour.people.names import fold


@dataclass(frozen=True)
class PersonView:
    """A person as one actor may see them. Name-only views carry no other personal detail."""

    person: Person
    level: policies.AccessLevel
    known_to: list[Any]
    reasons: list[policies.Reason]

    @property
    def is_full(self) -> bool:
        return self.level == policies.FULL


def _get_visible(actor: Any, person_id: Any) -> Person:
    if not policies.is_staff_member(actor):
        raise Http404
    person = Person.objects.select_related("gender", "ethnicity", "school").filter(pk=person_id).first()
    if person is None or not policies.can(actor, "person.see_known", person):
        raise Http404
    return person


def person_get_for(*, actor: Any, person_id: Any, purpose: str = "summary") -> PersonView:
    """The person as this actor may see them; missing and forbidden alike give 404."""
    person = _get_visible(actor, person_id)
    level = policies.level(actor, person)
    audit.record(actor, "person.viewed", person, detail={"level": level, "purpose": purpose})
    return PersonView(
        person=person,
        level=level,
        known_to=access_selectors.known_to_agencies(person_id=person.pk),
        reasons=policies.explain(actor, person),
    )


def person_get_full_for(*, actor: Any, person_id: Any, purpose: str) -> Person:
    """For pages that exist only in full (network, chronology, edit): 404 unless the actor may see it all."""
    person = _get_visible(actor, person_id)
    if not policies.can_see_full(actor, person):
        raise Http404
    audit.record(actor, "person.viewed", person, detail={"level": policies.FULL, "purpose": purpose})
    return person


def person_get_for_edit(*, actor: Any, person_id: Any) -> Person:
    person = _get_visible(actor, person_id)
    if not policies.can(actor, "person.edit", person):
        raise Http404
    return person


def person_search_for(
    *, actor: Any, text: str = "", kind: str | None = None, date_of_birth: Any = None
) -> QuerySet[Person]:
    """People matching the text, at name-only level for those outside their network.

    Name words must each start a name or alias word; an NHS number (spaces allowed) or a UPN matches
    exactly. A search with no name in it (only an identifier or a date of birth) looks only among
    people the actor may see in full: otherwise anyone could learn an outsider's date of birth or NHS
    number from which name the search returned. The fuzzy "already known?" matcher belongs to the
    front door (people.matching).
    """
    queryset = policies.filter_queryset(actor, "person.see_known", Person.objects.all())
    compact = re.sub(r"\s+", "", text)
    identifier: Q | None = None
    if validation.NHS_NUMBER.match(compact):
        identifier = Q(nhs_number=compact)
        words: list[str] = []
    elif validation.UPN.match(compact.upper()):
        identifier = Q(upn=compact.upper())
        words = []
    else:
        words = fold(text).split()[:6]
    for word in words:
        queryset = queryset.filter(
            Q(search_name__startswith=word)
            | Q(search_name__contains=f" {word}")
            | Q(aliases__search_name__startswith=word)
            | Q(aliases__search_name__contains=f" {word}")
        )
    if identifier is not None:
        queryset = queryset.filter(identifier)
    if kind:
        queryset = queryset.filter(kind=kind)
    if date_of_birth is not None:
        # The date narrows only the people the actor sees in full. Filtering name-only people by it
        # would confirm an outsider's date of birth to anyone who guessed it.
        full = policies.full_access_q(actor)
        queryset = queryset.filter((full & Q(date_of_birth=date_of_birth)) | ~full)
    if not words:
        queryset = policies.filter_queryset(actor, "person.see_full", queryset)
    return queryset.distinct().order_by("last_name", "first_name", "id")


def person_search_audit(*, actor: Any, text: str, result_count: int) -> None:
    audit.record(actor, "person.searched", detail={"text": text[:200], "results": result_count})


def full_access_ids(*, actor: Any, person_ids: list[Any]) -> set[Any]:
    """Of these people, the ones this actor may see in full (one query, for lists)."""
    return set(
        policies.filter_queryset(
            actor, "person.see_full", Person.objects.filter(pk__in=person_ids)
        ).values_list("pk", flat=True)
    )


def person_list_for(*, actor: Any) -> QuerySet[Person]:
    """The people this actor may see in full: their caseload and what they have been let into."""
    return policies.filter_queryset(actor, "person.see_full", Person.objects.all()).order_by(
        "last_name", "first_name", "id"
    )


def person_caseload_for(*, actor: Any) -> QuerySet[Person]:
    """The young people in this actor's standing network (allocated to them, their team, or the teams
    they manage), without records opened for a while by a grant or break-glass."""
    if not policies.is_staff_member(actor):
        return Person.objects.none()
    return (
        Person.objects.filter(policies.full_access_q(actor, include_temporary=False))
        .filter(kind=Person.Kind.YOUNG_PERSON)
        .order_by("last_name", "first_name", "id")
    )


def person_caseload_audit(*, actor: Any, page_number: int, shown: int) -> None:
    """Record that the actor read a page of their caseload (names and ages of their young people)."""
    audit.record(actor, "person.caseload_viewed", detail={"page": page_number, "shown": shown})
