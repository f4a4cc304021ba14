"""Need-to-know rules for people's records: can, filter and explain, from one description.

Each rule that opens a record in full is a *source* (an allocation, a managed team, a grant,
break-glass). ``full_access_q`` turns the sources into one query on people; ``can`` asks that same
query about one person and ``explain`` lists the sources that apply, so the three cannot disagree.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from django.db import connection
from django.db.models import Exists, F, IntegerField, Model, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import Lookup
from django.utils import timezone

from harbour.access.models import AccessGrant, Allocation, BreakGlass, SensitivityLabel
from harbour.accounts.models import Membership
from harbour.core import request_context

FULL: Literal["full"] = "full"
NAME_ONLY: Literal["name_only"] = "name_only"
AccessLevel = Literal["full", "name_only"]


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


def is_staff_member(actor: Any) -> bool:
    """A signed-in, active user with a current place in a team."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    cached = getattr(actor, "_harbour_is_member", None)
    if cached is None:
        cached = bool(actor.current_memberships())
        actor._harbour_is_member = cached
    return bool(cached)


def team_ids_of(actor: Any) -> list[Any]:
    return [m.team_id for m in actor.current_memberships()]


def _managed_team_ids(actor: Any) -> list[Any]:
    if not actor.has_capability("person.view_team_network"):
        return []
    return list(actor.managed_team_ids())


def _current_allocations() -> QuerySet[Allocation]:
    return Allocation.objects.current().filter(network_role__grants_access=True)


# Domain apps may add people who open with someone the actor sees in full (for example the parents
# and carers of a young person). Each source turns "people this actor sees in full" into a condition
# for the linked people; access itself knows nothing of the people app's tables.
LinkedSource = Callable[[Q], Q]
_linked_sources: list[tuple[str, LinkedSource, Callable[[Any, Model], list[str]]]] = []


def register_linked_source(
    code: str, condition: LinkedSource, explain_names: Callable[[Any, Model], list[str]]
) -> None:
    """Register a linked source. ``explain_names(base_q, person)`` names the records it comes through."""
    if code not in {existing for existing, _, _ in _linked_sources}:
        _linked_sources.append((code, condition, explain_names))


# Domain apps may also open people to an actor because of the work the actor does, not because of
# someone they already see (for example the front door sees the young people of its open referrals).
# Each source turns the actor into a condition on people; ``explain_reasons(actor, person)`` words it.
ActorSource = Callable[[Any], Q]
_actor_sources: list[tuple[str, ActorSource, Callable[[Any, Model], list[str]]]] = []


def register_actor_source(
    code: str, condition: ActorSource, explain_reasons: Callable[[Any, Model], list[str]]
) -> None:
    """Register a source of full access that depends on the actor (its code, condition and words)."""
    if code not in {existing for existing, _, _ in _actor_sources}:
        _actor_sources.append((code, condition, explain_reasons))


def full_access_q(actor: Any, *, include_temporary: bool = True) -> Q:
    """People this actor may see in full, as a condition on the Person table.

    With ``include_temporary=False``, only the standing network (allocations and management), not
    grants, break-glass or linked people: that is the actor's caseload.
    """
    condition = _direct_q(actor, include_temporary=include_temporary)
    return condition


def ids_of(condition: Q) -> QuerySet[Any] | None:
    """The subquery of a source written as ``Q(pk__in=<queryset of ids>)``; None for any other shape."""
    if condition.negated or len(condition.children) != 1:
        return None
    child = condition.children[0]
    if isinstance(child, tuple) and child[0] == "pk__in" and isinstance(child[1], QuerySet):
        return child[1].order_by()
    return None


def _any_of(conditions: list[Q]) -> Q:
    """People matching any of the conditions. Those written as ``pk IN (subquery)`` become one
    ``pk IN (... UNION ...)``: PostgreSQL checks an OR of several IN-subqueries against every person
    (a scan of the whole table), but looks up the few people a union gives by their primary key."""
    subqueries: list[QuerySet[Any]] = []
    others: list[Q] = []
    for condition in conditions:
        ids = ids_of(condition)
        if ids is not None:
            subqueries.append(ids)
        elif condition != Q(pk__in=[]):  # a source that gives no one
            others.append(condition)
    combined = Q(pk__in=subqueries[0].union(*subqueries[1:])) if subqueries else Q(pk__in=[])
    for condition in others:
        combined |= condition
    return combined


def _direct_q(actor: Any, *, include_temporary: bool) -> Q:
    if not is_staff_member(actor):
        return Q(pk__in=[])
    sources = _sources(actor, include_temporary=include_temporary)
    condition = _any_of(sources)
    if include_temporary and _linked_sources:
        base = condition
        for _code, linked, _explain in _linked_sources:
            sources.append(linked(base))
        condition = _any_of(sources)
    return condition


def _sources(actor: Any, *, include_temporary: bool) -> list[Q]:
    """Each source of full access on its own (a staff member's), before they are combined."""
    standing = _standing_sources(actor)
    return standing + _temporary_sources(actor) if include_temporary else standing


def _standing_sources(actor: Any) -> list[Q]:
    """The sources of the actor's standing network: allocations, their team's, the teams they manage."""
    allocations = _current_allocations()
    as_worker = allocations.filter(worker=actor)
    sources = [Q(pk__in=as_worker.values("person_id"))]
    if actor.has_capability("person.view_team_cases"):
        as_team_member = allocations.filter(team_id__in=team_ids_of(actor), worker__isnull=True)
        sources.append(Q(pk__in=as_team_member.values("person_id")))
    managed = _managed_team_ids(actor)
    if managed:
        today = timezone.localdate()
        team_members = (
            Membership.objects.filter(team_id__in=managed, starts_on__lte=today)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values("user_id")
        )
        # Two subqueries rather than one with an OR, so that each uses its own index.
        sources.append(Q(pk__in=allocations.filter(team_id__in=managed).values("person_id")))
        sources.append(Q(pk__in=allocations.filter(worker_id__in=team_members).values("person_id")))
    return sources


def _temporary_sources(actor: Any) -> list[Q]:
    """The sources outside the standing network: grants, break-glass, and the apps' actor sources."""
    sources = [
        Q(pk__in=AccessGrant.objects.active().filter(grantee=actor).values("person_id")),
        Q(pk__in=BreakGlass.objects.active().filter(user=actor).values("person_id")),
    ]
    for _code, source, _explain in _actor_sources:
        sources.append(source(actor))
    return sources


def _asked_person_by_person(condition: Q) -> Q:
    """A source written as ``pk IN (subquery)`` rewritten as ``EXISTS (subquery for this person)``."""
    ids = ids_of(condition)
    if ids is None or len(ids.query.values_select) != 1:
        return condition
    column = ids.query.values_select[0]
    return Q(Exists(ids.filter(**{column: OuterRef("pk")})))


def _or(conditions: list[Q]) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        if condition != Q(pk__in=[]):
            combined = condition if combined == Q(pk__in=[]) else combined | condition
    return combined


def ids_in(ids: list[Any], field: str = "pk") -> Q:
    """``field IN ids`` for UUID ids; on PostgreSQL ``field = ANY(%s::uuid[])``, one parameter instead
    of one an id (building and sending thousands took longer than PostgreSQL took to answer), which
    PostgreSQL counts, where ``IN (SELECT unnest(...))`` it guessed at 200 rows and so chose to read
    from the wrong side of a join."""
    if connection.vendor == "postgresql" and len(ids) > _QUERY_PARAMETERS_MAX:
        return Q(_EqualsAny(F(field), list(ids)))
    return Q(**{f"{field}__in": ids})


class _EqualsAny(Lookup):
    """``column = ANY(%s::uuid[])``: a list of UUIDs as one PostgreSQL array parameter."""

    lookup_name = "harbour_equals_any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, Any]:
        # As one array literal in a string ('{id,id,...}'), not a list: psycopg quotes a list's
        # elements one by one (a regular expression each), which for a police officer's thousands of
        # ids cost more than the query. Each id is a UUID (or parsed as one), so the literal holds
        # only hex digits, dashes and commas.
        return "%s", (
            "{" + ",".join(str(pk if isinstance(pk, UUID) else UUID(str(pk))) for pk in value) + "}",
        )

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} = ANY({rhs_sql}::uuid[])", (*lhs_params, *rhs_params)


_QUERY_PARAMETERS_MAX = 50

# Ids are checked this many at a time (SQLite allows 32,766 parameters a query).
_VISIBLE_CHUNK = 5_000


def visible_among(actor: Any, person_ids: Iterable[Any], *, include_temporary: bool = True) -> set[Any]:
    """Of these people, the ones this actor sees in full, remembered for the rest of the request.

    From the ids of the people the actor's sources give, read once a request, with their linked
    people (parents and carers) for a caseload (``full_access_id_set``), and for a larger network
    asked about only for the people not found among them; or, for a network too large to hold, by
    asking about these people alone (``_seen_among``): never the actor's whole network for the rows
    a page shows. With ``include_temporary=False``: the ones in the actor's standing network (their
    caseload).
    """
    return _visible(actor, person_ids, include_temporary=include_temporary, read_ids=True)


def _visible(actor: Any, person_ids: Iterable[Any], *, include_temporary: bool, read_ids: bool) -> set[Any]:
    wanted = set(person_ids)
    if not wanted or not is_staff_member(actor):
        return set()
    held, known = request_context.kept(_id_set_key(actor, include_temporary))
    if held and known is not None:
        return wanted & known
    cache: dict[Any, bool] = request_context.once_a_request(
        ("access-checked", actor.pk, include_temporary), dict
    )
    unknown = [pk for pk in wanted if pk not in cache]
    if unknown:
        held, direct = request_context.kept(_direct_key(actor, include_temporary))
        if not held and read_ids:
            direct = _direct_id_set(actor, include_temporary)
        if direct is not None and len(direct) <= _FILTER_BY_IDS_MAX:
            # A caseload: its parents and carers too are few, read once for the rest of the request.
            known = full_access_id_set(actor, include_temporary=include_temporary)
            if known is not None:
                return wanted & known
        for start in range(0, len(unknown), _VISIBLE_CHUNK):
            chunk = unknown[start : start + _VISIBLE_CHUNK]
            if direct is None:
                found = _seen_among(actor, chunk, include_temporary=include_temporary)
            else:
                found = _seen_among_held(direct, chunk, include_temporary=include_temporary)
            cache.update({pk: pk in found for pk in chunk})
    return {pk for pk in wanted if cache[pk]}


def _seen_among_held(direct: frozenset[Any], ids: list[Any], *, include_temporary: bool) -> set[Any]:
    """Of these people, those among the ids the actor's sources give, and of the rest those linked
    (a parent or carer) to one of them: the linked people are looked up for the rest only."""
    found = {pk for pk in ids if pk in direct}
    rest = [pk for pk in ids if pk not in direct]
    if rest and direct and include_temporary and _linked_sources:
        base = _ids_condition(direct)
        found |= _among([linked(base) for _code, linked, _explain in _linked_sources], rest)
    return found


def _ids_condition(ids: Iterable[Any]) -> Q:
    """People with these ids as ``pk IN (subquery)`` (the shape linked sources look up by), the ids
    one array parameter on PostgreSQL (a list is one query parameter an id)."""
    people = Allocation._meta.get_field("person").related_model._default_manager
    return Q(pk__in=people.filter(ids_in(list(ids))).values("pk"))


def _narrowed(condition: Q, ids: list[Any]) -> QuerySet[Any] | None:
    """A source written as ``pk IN (subquery)`` narrowed to these people: the subquery's rows about
    them, found through its person index. None for any other shape."""
    subquery = ids_of(condition)
    if subquery is None or len(subquery.query.values_select) != 1:
        return None
    return subquery.filter(ids_in(ids, subquery.query.values_select[0]))


def _among(conditions: list[Q], ids: list[Any]) -> set[Any]:
    """Which of these people match any of the conditions: one query for those written as
    ``pk IN (subquery)`` (each narrowed to these people, then ``UNION``), one each for the others."""
    people = Allocation._meta.get_field("person").related_model._default_manager
    narrowed: list[QuerySet[Any]] = []
    found: set[Any] = set()
    for condition in conditions:
        if condition == Q(pk__in=[]):  # a source that gives no one
            continue
        subquery = _narrowed(condition, ids)
        if subquery is None:
            found |= set(people.filter(ids_in(ids)).filter(condition).values_list("pk", flat=True))
        else:
            narrowed.append(subquery)
    if narrowed:
        combined = narrowed[0].union(*narrowed[1:]) if len(narrowed) > 1 else narrowed[0]
        found |= {next(iter(row.values())) for row in combined}
    return found & set(ids)


def _seen_among(actor: Any, ids: list[Any], *, include_temporary: bool) -> set[Any]:
    """Of these people, the ones ``full_access_q`` gives: each source asked about them alone, then
    whether the rest are linked (a parent or carer) to someone the actor sees. The same sources and
    the same linked conditions as ``full_access_q``, so the two cannot disagree."""
    if not is_staff_member(actor):
        return set()
    sources = _sources(actor, include_temporary=include_temporary)
    found = _among(sources, ids)
    rest = [pk for pk in ids if pk not in found]
    if rest and include_temporary and _linked_sources:
        base = _any_of(sources)
        found |= _among([linked(base) for _code, linked, _explain in _linked_sources], rest)
    return found


def person_by_person_q(actor: Any, *, include_temporary: bool = True) -> Q:
    """``full_access_q`` asked of each person on its own: the same sources, each an ``EXISTS`` that
    looks up this person through its index, so the actor's whole network is never worked out (for a
    condition on another query; ``visible_among`` answers for a list of people more cheaply).
    """
    if not is_staff_member(actor):
        return Q(pk__in=[])
    sources = _sources(actor, include_temporary=include_temporary)
    direct = [_asked_person_by_person(source) for source in sources]
    if not include_temporary:
        return _or(direct)
    base = _or(direct)
    linked = [_asked_person_by_person(linked(base)) for _code, linked, _explain in _linked_sources]
    return _or(direct + linked)


def full_access_ids(actor: Any, *, include_temporary: bool = True) -> QuerySet[Any]:
    """The ids of the people ``full_access_q`` gives, as a subquery for another table's ``person_id``:
    the union of the sources itself, so the database never reads the whole people table for it."""
    condition = full_access_q(actor, include_temporary=include_temporary)
    ids = ids_of(condition)
    if ids is not None:
        return ids
    people = Allocation._meta.get_field("person").related_model._default_manager
    return people.filter(condition).values("pk")


# Up to this many people, the people an actor sees in full are read once a request as a set of ids;
# beyond it (a manager of a very large team) they stay a subquery and are asked person by person.
_ID_SET_MAX = 5_000


# Up to this many people, rows about them are found by person (their index); beyond, by the rows.
_FILTER_BY_IDS_MAX = 500


def _read_ids(condition: Q) -> set[Any] | None:
    """The ids a ``pk IN (subquery)`` condition gives, or None: another shape, or more than the most."""
    ids = ids_of(condition)
    if ids is None:
        return None
    found = {next(iter(row.values())) for row in ids[: _ID_SET_MAX + 1]}
    return found if len(found) <= _ID_SET_MAX else None


def full_access_id_set(actor: Any, *, include_temporary: bool = True) -> frozenset[Any] | None:
    """The ids of the people ``full_access_q`` gives, worked out once a request, or None when there
    are too many to hold (then callers use ``full_access_q`` or ``visible_among``).

    The sources are read first and the linked people (parents and carers) looked up from their ids:
    as one query, PostgreSQL misjudged the sources' size (thousands instead of a caseload of twenty)
    and read every relationship in the county to find a practitioner's young people's parents.
    """
    return request_context.once_a_request(
        _id_set_key(actor, include_temporary), lambda: _find_full_access_ids(actor, include_temporary)
    )


def _id_set_key(actor: Any, include_temporary: bool) -> tuple[str, Any, bool]:
    return ("access-ids", actor.pk, include_temporary)


# When an actor's sources were last found to give too many people to hold as ids (the front door sees
# every young person on a referral of the last 30 days, some 5,800 at scale 100): for a while their
# later requests do not read 5,000 ids only to give them up (30 ms), and ask about the people a page
# shows instead. A hint about how to ask, never an answer: every form gives the same answer, so a
# network that has shrunk meanwhile is only asked about the slower way until the hint expires.
_TOO_LARGE_HINT_SECONDS = 600.0
_too_large_at: dict[tuple[Any, bool], float] = {}


def _known_too_large(actor: Any, include_temporary: bool) -> bool:
    found_at = _too_large_at.get((actor.pk, include_temporary))
    return found_at is not None and time.monotonic() - found_at < _TOO_LARGE_HINT_SECONDS


def _find_full_access_ids(actor: Any, include_temporary: bool) -> frozenset[Any] | None:
    """The sources' ids, then the people linked to them (parents and carers) looked up by those ids."""
    direct = _direct_id_set(actor, include_temporary)
    if direct is None:
        return None
    found = set(direct)
    if direct and include_temporary and _linked_sources:  # linked to no one: no one
        base = _ids_condition(direct)
        for _code, linked, _explain in _linked_sources:
            more = _read_ids(linked(base))
            if more is None:
                return None
            found |= more
    return frozenset(found) if len(found) <= _ID_SET_MAX else None


def _direct_key(actor: Any, include_temporary: bool) -> tuple[str, Any, bool]:
    return ("access-direct-ids", actor.pk, include_temporary)


def _direct_id_set(actor: Any, include_temporary: bool) -> frozenset[Any] | None:
    """The ids of the people the actor's sources give, without the linked people, once a request;
    None when there are too many to hold, or when the network was found too large a while ago."""
    return request_context.once_a_request(
        _direct_key(actor, include_temporary), lambda: _find_direct_ids(actor, include_temporary)
    )


def _find_direct_ids(actor: Any, include_temporary: bool) -> frozenset[Any] | None:
    if not is_staff_member(actor):
        return frozenset()
    if _known_too_large(actor, include_temporary):
        return None
    if not _known_too_large(actor, True):
        # Both sets in one query (a page asks for the caseload and for everyone the actor sees), read
        # once a request under its own key: the home page's queue threads may ask for the two sets at
        # the same moment, and each would otherwise read both.
        both = request_context.once_a_request(
            ("access-both-ids", actor.pk), lambda: _read_both_id_sets(actor)
        )
        if both is not None:
            for temporary, ids in zip((False, True), both, strict=True):
                _note_size(actor, temporary, ids)
                request_context.keep(_direct_key(actor, temporary), ids)
            return both[1] if include_temporary else both[0]
    found = _read_ids(_any_of(_sources(actor, include_temporary=include_temporary)))
    ids = None if found is None else frozenset(found)
    _note_size(actor, include_temporary, ids)
    return ids


def _note_size(actor: Any, include_temporary: bool, ids: frozenset[Any] | None) -> None:
    if ids is None:
        _too_large_at[(actor.pk, include_temporary)] = time.monotonic()
    else:
        _too_large_at.pop((actor.pk, include_temporary), None)


def _read_both_id_sets(actor: Any) -> tuple[frozenset[Any] | None, frozenset[Any] | None] | None:
    """(the standing network's ids, the ids of everyone the sources give), read as one ``UNION`` of
    the sources, each row marked with whether its source is temporary; None in either place when
    there are too many, and None for both when the sources cannot be read this way or the rows run
    past twice the most (then the standing network may be among the rows not read)."""
    marked: list[QuerySet[Any]] = []
    for temporary, conditions in ((0, _standing_sources(actor)), (1, _temporary_sources(actor))):
        for condition in conditions:
            if condition == Q(pk__in=[]):  # a source that gives no one
                continue
            ids = ids_of(condition)
            if ids is None or len(ids.query.values_select) != 1:
                return None
            marked.append(ids.annotate(temporary=Value(temporary, output_field=IntegerField())))
    if not marked:
        return frozenset(), frozenset()
    combined = marked[0].union(*marked[1:]) if len(marked) > 1 else marked[0]
    most = 2 * _ID_SET_MAX + 2
    rows = [tuple(row.values()) for row in combined[:most]]
    if len(rows) >= most:
        return None
    standing = frozenset(person_id for person_id, temporary in rows if not temporary)
    everyone = frozenset(person_id for person_id, _ in rows)
    return (
        standing if len(standing) <= _ID_SET_MAX else None,
        everyone if len(everyone) <= _ID_SET_MAX else None,
    )


def rows_about_people_seen(
    actor: Any, queryset: QuerySet[Any], *, field: str = "person_id", include_temporary: bool = True
) -> QuerySet[Any]:
    """The rows of ``queryset`` about people the actor sees in full (``include_temporary=False``: in
    their standing network). By the ids of those people when there are not too many; otherwise each
    row's person is checked on its own, so ``queryset`` should then be short (a queue's open cases).
    """
    direct = _direct_id_set(actor, include_temporary)
    if direct is not None and len(direct) <= _FILTER_BY_IDS_MAX:  # a caseload: look its rows up by person
        ids = full_access_id_set(actor, include_temporary=include_temporary)
        if ids is not None and len(ids) <= _FILTER_BY_IDS_MAX:
            return queryset.filter(ids_in(list(ids), field))
    # Otherwise the people the rows are about, checked against the actor's (a queue's rows are far
    # fewer than a large network: filtering by thousands of ids made PostgreSQL scan the table).
    about = queryset.order_by().values_list(field, flat=True).distinct()
    seen = visible_among(actor, about, include_temporary=include_temporary)
    return queryset.filter(ids_in(list(seen), field))


def network_q(actor: Any) -> Q:
    """The people in the actor's standing network (``full_access_q(include_temporary=False)``), as
    their ids when there are not too many: as a subquery joined to the people table, PostgreSQL
    misjudged its size (thousands instead of twenty) and read every young person."""
    ids = full_access_id_set(actor, include_temporary=False)
    if ids is None:
        return full_access_q(actor, include_temporary=False)
    return ids_in(list(ids))


def filter_full(actor: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(full_access_q(actor))


def can_see_full(actor: Any, person: Model) -> bool:
    if not is_staff_member(actor):
        return False
    # One person: asked about alone unless the request already holds the actor's ids (reading a large
    # network's ids to answer for one record cost more than the record's page).
    return person.pk in _visible(actor, [person.pk], include_temporary=True, read_ids=False)


def forget_cached_access(actor: Any) -> None:
    """Drop this request's answers after the actor's access changed (a grant, break-glass)."""
    request_context.forget(
        lambda key: (
            isinstance(key, tuple)
            and key[0] in ("access-checked", "access-ids", "access-direct-ids", "access-both-ids")
            and key[1] == actor.pk
        )
    )


def level(actor: Any, person: Model) -> AccessLevel:
    return FULL if can_see_full(actor, person) else NAME_ONLY


# Actions that need only a capability, whichever person they touch. ``person.merge`` covers
# reviewing possible duplicates, comparing any two records' identity details, merge and unmerge.
_CAPABILITY_ONLY_ACTIONS: dict[str, str] = {
    "person.create": "person.create",
    "audit.view_all": "audit.view_all",
    "person.merge": "person.merge",
}


def can(actor: Any, action: str, obj: Model | None = None) -> bool:
    """May this actor do this action (to this person)? Unknown actions are refused."""
    if not is_staff_member(actor):
        return False
    if action in _CAPABILITY_ONLY_ACTIONS:
        return bool(actor.has_capability(_CAPABILITY_ONLY_ACTIONS[action]))
    match action:
        case "person.see_known":
            return actor.has_capability("person.search") or bool(obj is not None and can_see_full(actor, obj))
        case "person.see_full":
            return obj is not None and can_see_full(actor, obj)
        case "person.edit":
            return obj is not None and actor.has_capability("person.edit") and can_see_full(actor, obj)
        case "network.manage":
            return (
                obj is not None
                and actor.has_capability("network.manage")
                and (can_see_full(actor, obj) or actor.has_capability("frontdoor.triage"))
            )
        case "grant.give":
            return obj is not None and actor.has_capability("grant.give") and can_see_full(actor, obj)
        case "break_glass.use":
            return obj is not None and actor.has_capability("break_glass.use")
        case "audit.view_person":
            if actor.has_capability("audit.view_all"):
                return True
            return obj is not None and actor.has_capability("audit.view_network") and can_see_full(actor, obj)
        case _:
            return False


def filter_queryset(actor: Any, action: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The same rule as ``can``, as SQL, for the person-level actions that lists need."""
    if not is_staff_member(actor):
        return queryset.none()
    match action:
        case "person.see_known":
            return queryset if actor.has_capability("person.search") else filter_full(actor, queryset)
        case "person.see_full":
            return filter_full(actor, queryset)
        case "person.edit":
            if not actor.has_capability("person.edit"):
                return queryset.none()
            return filter_full(actor, queryset)
        case _:
            raise ValueError(f"No queryset rule for {action!r}.")


def require(actor: Any, action: str, obj: Model | None = None) -> None:
    from django.core.exceptions import PermissionDenied

    if not can(actor, action, obj):
        raise PermissionDenied(f"Not allowed: {action}.")


def _date(value: Any) -> str:
    return value.strftime("%-d %B %Y")


def _datetime(value: Any) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y at %H:%M")


def _actor_source_reasons(actor: Any, person: Model) -> list[Reason]:
    return [
        Reason(code, text)
        for code, _source, explain_reasons in _actor_sources
        for text in explain_reasons(actor, person)
    ]


def explain(actor: Any, person: Model) -> list[Reason]:
    """Why this actor sees this person as they do, in words for the "why can I see this?" panel."""
    if not is_staff_member(actor):
        return []
    reasons: list[Reason] = []
    allocations = (
        _current_allocations()
        .filter(person_id=person.pk)
        .select_related("agency", "team", "worker", "network_role")
    )
    team_ids = set(team_ids_of(actor)) if actor.has_capability("person.view_team_cases") else set()
    managed = set(_managed_team_ids(actor))
    for allocation in allocations:
        if allocation.worker_id == actor.pk:
            reasons.append(
                Reason(
                    "allocated_worker",
                    f"You are the {allocation.network_role.label.lower()} "
                    f"({allocation.agency.name}) since {_date(allocation.starts_on)}.",
                )
            )
        elif allocation.worker_id is None and allocation.team_id in team_ids:
            reasons.append(
                Reason(
                    "allocated_team",
                    f"Your team, {allocation.team.name if allocation.team else ''}, is allocated as "
                    f"{allocation.network_role.label.lower()} since {_date(allocation.starts_on)}.",
                )
            )
        elif managed and (
            allocation.team_id in managed
            or (
                allocation.worker is not None
                and allocation.worker.active_memberships().filter(team_id__in=managed).exists()
            )
        ):
            worker = allocation.worker or allocation.team
            role = allocation.network_role.label.lower()
            reasons.append(Reason("manager", f"You manage {worker}, the {role} for this young person."))
    for grant in (
        AccessGrant.objects.active().filter(grantee=actor, person_id=person.pk).select_related("granted_by")
    ):
        reasons.append(
            Reason(
                "grant",
                f"{grant.granted_by} gave you access until {_datetime(grant.expires_at)}: {grant.reason}",
            )
        )
    for use in (
        BreakGlass.objects.active().filter(user=actor, person_id=person.pk).select_related("flagged_to")
    ):
        told = (
            f"{use.flagged_to} has been told" if use.flagged_to else "Nobody could be told: tell your manager"
        )
        reasons.append(
            Reason(
                "break_glass",
                f"You used break-glass access, which ends {_datetime(use.expires_at)}. "
                f"Your reason: {use.reason}. {told}.",
            )
        )
    reasons.extend(_actor_source_reasons(actor, person))
    if not reasons and _linked_sources:
        base = _direct_q(actor, include_temporary=True)
        for code, _linked, explain_names in _linked_sources:
            for text in explain_names(base, person):
                reasons.append(Reason(code, text))
    if not reasons:
        reasons.append(
            Reason(
                "name_only",
                "You are not in this young person's professional network, so you see only their name "
                "and which agencies know them. Contact one of those agencies, or ask for access.",
            )
        )
    return reasons


def can_see_label(actor: Any, label: SensitivityLabel | None) -> bool:
    """Whether an item carrying this sensitivity label may be shown to the actor.

    An unlabelled item follows the record's own access. A labelled one also needs the label's
    capability (if it names one) and, if the label lists agency types, a current membership of an
    agency of one of those types (health-restricted items are seen by health staff).
    """
    if label is None:
        return True
    if not is_staff_member(actor):
        return False
    if not label.active:  # a retired label no longer narrows access
        return True
    if label.required_capability and not actor.has_capability(label.required_capability):
        return False
    allowed_types = {t.pk for t in label.allowed_agency_types.all()}
    if not allowed_types:
        return True
    actor_types = {m.team.agency.agency_type_id for m in actor.current_memberships()}
    return bool(allowed_types & actor_types)
