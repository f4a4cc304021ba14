"""Reads of people's records, always through the access policy, always audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404

from harbour.access import policies
from harbour.access import selectors as access_selectors
from harbour.audit import services as audit
from harbour.people import matching, validation
from harbour.people.models import Address, Person
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


def person_known_for(*, actor: Any, person_id: Any) -> Person:
    """A person the actor may know of (by name at least), for an id they send to act on; 404 alike for
    missing and forbidden. Not audited: it shows nothing, the action that follows is audited."""
    return _get_visible(actor, person_id)


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
    queryset = queryset.filter(merged_into__isnull=True)  # merged records leave search (people/merging.py)
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
    """Of these people, the ones this actor may see in full (checked person by person, for lists)."""
    return policies.visible_among(actor, person_ids)


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
    # Ordered by an expression equal to the surname, not the column: with the column PostgreSQL walks
    # the whole names index checking each person against the network (a third of a second for a
    # caseload of 20 at scale 10); with the expression it finds the network first, then sorts it.
    return (
        Person.objects.filter(policies.network_q(actor))
        .filter(kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True)
        .order_by(Concat("last_name", Value("")), "first_name", "id")
    )


def person_caseload_audit(*, actor: Any, page_number: int, shown: int) -> None:
    """Record that the actor read a page of their caseload (names and ages of their young people)."""
    audit.record(actor, "person.caseload_viewed", detail={"page": page_number, "shown": shown})


# --- "already known?" matches --------------------------------------------------------------------

# What a name-only match says about each field: whether it agreed and how much that weighed, never
# how it differed (a detail such as "day and month the other way round" or "an earlier address" would
# tell the officer something about the record they may not see).
NAME_ONLY_DETAILS = {
    "agrees": "Agrees with what you entered.",
    "close": "Close to what you entered.",
    "disagrees": "Differs from what you entered.",
    "missing": "Not given, or not held.",
}
# Candidates scored per lookup before the name-only ones without name evidence are dropped.
MATCHES_CONSIDERED = 50


@dataclass(frozen=True)
class MatchView:
    """One candidate as this actor may see it. Name-only matches carry the name, who knows the young
    person, the score and each field's outcome and weight: no date of birth, address or identifier."""

    person_id: Any
    level: policies.AccessLevel
    first_name: str
    last_name: str
    probability: float
    fields: list[matching.FieldComparison]
    known_to: list[Any]
    date_of_birth: Any = None  # full matches only
    postcode: str = ""  # full matches only: the current address's postcode

    @property
    def is_full(self) -> bool:
        return self.level == policies.FULL

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def _name_agrees(result: matching.MatchResult) -> bool:
    """The officer typed something like the name held (agrees or close, either way round)."""
    return any(
        comparison.field in {"first_name", "last_name"} and comparison.outcome in {"agrees", "close"}
        for comparison in result.fields
    )


def _given_fields(query: matching.MatchQuery) -> list[str]:
    given = {
        "first_name": bool(query.first_name.strip()),
        "last_name": bool(query.last_name.strip()),
        "middle_names": bool(query.middle_names.strip()),
        "date_of_birth": query.date_of_birth is not None,
        "postcode": bool(query.postcode.strip()),
        "nhs_number": bool(query.nhs_number.strip()),
        "upn": bool(query.upn.strip()),
        "school": query.school_id is not None,
        "gender": bool(query.gender),
    }
    return [name for name, present in given.items() if present]


def person_matches_for(*, actor: Any, query: matching.MatchQuery, limit: int = 10) -> list[MatchView]:
    """Is this young person already known? Ranked candidates, in full or name-only as the actor may see
    each, audited once per lookup.

    Refused (PermissionDenied) without ``person.search``: the check runs over everyone Harbour holds.
    A name-only candidate is shown only when the name typed agrees with, or is close to, the name held,
    so a date of birth, postcode or NHS number never reveals the name of someone outside the actor's
    network (the same rule as search); and its fields say only agrees, close, differs or missing.
    """
    if not (policies.is_staff_member(actor) and actor.has_capability("person.search")):
        raise PermissionDenied("Checking whether a young person is known needs person.search.")
    results = matching.matches_for(query, limit=max(limit, MATCHES_CONSIDERED))
    ids = [result.person_id for result in results]
    full = full_access_ids(actor=actor, person_ids=ids)
    chosen = [result for result in results if result.person_id in full or _name_agrees(result)][:limit]
    chosen_ids = [result.person_id for result in chosen]
    people = Person.objects.in_bulk(chosen_ids)
    addresses: dict[Any, str] = {}
    for address in Address.objects.filter(person_id__in=[pk for pk in chosen_ids if pk in full]):
        if address.ends_on is None and address.person_id not in addresses:
            addresses[address.person_id] = address.postcode  # ordered latest move first
    known_to = access_selectors.known_to_agencies_for(person_ids=chosen_ids)
    views: list[MatchView] = []
    for result in chosen:
        person = people[result.person_id]
        is_full = result.person_id in full
        fields = result.fields
        if not is_full:
            fields = [
                matching.FieldComparison(c.field, c.outcome, c.weight, NAME_ONLY_DETAILS[c.outcome])
                for c in result.fields
            ]
        views.append(
            MatchView(
                person_id=person.pk,
                level=policies.FULL if is_full else policies.NAME_ONLY,
                first_name=person.first_name,
                last_name=person.last_name,
                probability=result.probability,
                fields=fields,
                known_to=known_to.get(person.pk, []),
                date_of_birth=person.date_of_birth if is_full else None,
                postcode=addresses.get(person.pk, "") if is_full else "",
            )
        )
    # As for search: the names typed (as person.searched keeps its text), which other fields were
    # given but not their values, and which records were shown at which level.
    audit.record(
        actor,
        "person.matches_viewed",
        detail={
            "text": " ".join(part for part in (query.first_name.strip(), query.last_name.strip()) if part)[
                :200
            ],
            "fields": _given_fields(query),
            "results": len(views),
            "shown": [[str(view.person_id), view.level] for view in views],
        },
    )
    return views
