"""The people API: search, read, record and change people, through the people selectors and services.

Reads go through selectors (which apply the access policy and audit), writes through services (which
check permission, validate, lock and audit). This module only translates between JSON and those calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from ninja import Query, Router, Status

from harbour.access import selectors as access_selectors
from harbour.api.auth import current_user
from harbour.api.errors import ApiError, ErrorOut
from harbour.core.errors import ConflictError
from harbour.core.models import Town
from harbour.people import duplicates, merging, selectors, services, validation
from harbour.people import schemas_duplicates as dup_schemas
from harbour.people.matching import AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD, MatchQuery
from harbour.people.models import Ethnicity, Gender, School
from harbour.people.schemas import (
    AddressIn,
    MatchesIn,
    MatchesOut,
    MatchesQuery,
    PeopleFilters,
    PeopleSearch,
    PersonCreate,
    PersonDetail,
    PersonPage,
    PersonUpdate,
    match_out,
    person_detail,
    person_list_item,
)

router = Router(tags=["people"])

# Where the services' field names differ from the API's.
API_FIELD_NAMES = {"school": "school_id", "postcode": "address.postcode"}
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@contextmanager
def _in_api_terms() -> Iterator[None]:
    """Name fields in service errors as the API names them."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {API_FIELD_NAMES.get(name, name): messages for name, messages in exc.message_dict.items()}
        ) from exc
    except ConflictError as exc:
        exc.changed_fields = [API_FIELD_NAMES.get(name, name) for name in exc.changed_fields]
        raise


def _reference_row(model: Any, code: str | None, field: str, errors: dict[str, str]) -> Any:
    """The active reference row with this code; an unknown code is a validation error on the field."""
    if code is None or not code.strip():
        return None
    row = model.objects.filter(code=code.strip(), active=True).first()
    if row is None:
        codes = model.objects.filter(active=True).values_list("code", flat=True)
        errors[field] = f"Must be one of: {', '.join(codes)}."
    return row


def _resolve_codes(
    payload: PersonCreate | PersonUpdate, values: dict[str, Any], errors: dict[str, str]
) -> None:
    """Turn gender and ethnicity codes and the school id into rows, in place."""
    fields = payload.model_fields_set
    if "gender" in fields:
        values["gender"] = _reference_row(Gender, payload.gender, "gender", errors)
    if "ethnicity" in fields:
        values["ethnicity"] = _reference_row(Ethnicity, payload.ethnicity, "ethnicity", errors)
    if "school_id" in fields:
        values["school"] = None
        if payload.school_id is not None:
            values["school"] = School.objects.filter(pk=payload.school_id).first()
            if values["school"] is None:
                errors["school_id"] = "No school has this id."


def _address_input(address: AddressIn, errors: dict[str, str]) -> services.AddressInput:
    town = None
    if address.town is not None and address.town.strip():
        town = Town.objects.filter(name__iexact=address.town.strip()).first()
        if town is None:
            errors["address.town"] = (
                "Harbour does not know this town. Use a town in the county, or leave it out."
            )
    return services.AddressInput(
        line1=address.line1,
        line2=address.line2,
        town=town,
        postcode=address.postcode,
        starts_on=address.starts_on,
    )


def _page(actor: Any, queryset: Any, *, page: int, page_size: int) -> tuple[list[Any], int, bool]:
    """One page of people, each marked full or name-only with one query for the page."""
    count = queryset.count()
    start = (page - 1) * page_size
    people = list(queryset.select_related("gender")[start : start + page_size])
    full = selectors.full_access_ids(actor=actor, person_ids=[person.pk for person in people])
    known_to = access_selectors.known_to_agencies_for(person_ids=[person.pk for person in people])
    items = [
        person_list_item(person, full=person.pk in full, known_to=known_to.get(person.pk, []))
        for person in people
    ]
    return items, count, start + page_size < count


@router.get("/", response={200: PersonPage, **ERRORS}, summary="List your people")
def people_list(request: HttpRequest, filters: Query[PeopleFilters]) -> PersonPage:
    """The people you may see in full: your caseload and the records you have been let into."""
    actor = current_user(request)
    queryset = selectors.person_list_for(actor=actor)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    items, count, more = _page(actor, queryset, page=filters.page, page_size=filters.page_size)
    next_url = None
    if more:
        # Only the list's own filters, so nothing a caller added (a name, say) is echoed into a URL.
        params = QueryDict(mutable=True)
        if filters.kind:
            params["kind"] = filters.kind
        params["page"] = str(filters.page + 1)
        params["page_size"] = str(filters.page_size)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return PersonPage(
        items=items,
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        next=next_url,
        next_page=filters.page + 1 if more else None,
    )


@router.post("/search", response={200: PersonPage, **ERRORS}, summary="Search people")
def people_search(request: HttpRequest, payload: PeopleSearch) -> PersonPage:
    """People known to Harbour who match. Those outside your professional network come name-only.

    A POST so that names and identifiers stay out of URLs, server logs and browser history.
    """
    actor = current_user(request)
    queryset = selectors.person_search_for(
        actor=actor, text=payload.text, kind=payload.kind, date_of_birth=payload.date_of_birth
    )
    items, count, more = _page(actor, queryset, page=payload.page, page_size=payload.page_size)
    selectors.person_search_audit(actor=actor, text=payload.text, result_count=count)
    return PersonPage(
        items=items,
        count=count,
        page=payload.page,
        page_size=payload.page_size,
        next=None,
        next_page=payload.page + 1 if more else None,
    )


def _match_query(payload: MatchesIn | MatchesQuery) -> MatchQuery:
    """The matcher's question, after the checks a query string or body cannot make by itself."""
    errors: dict[str, str] = {}
    if payload.gender.strip():
        _reference_row(Gender, payload.gender, "gender", errors)
    for field, problem in (
        ("nhs_number", validation.nhs_number_problem(payload.nhs_number.strip())),
        ("upn", validation.upn_problem(payload.upn.strip())),
    ):
        if problem:
            errors[field] = problem
    if payload.school is not None and not School.objects.filter(pk=payload.school).exists():
        errors["school"] = "No school has this id."
    if errors:
        raise ValidationError(errors)
    query = MatchQuery(
        first_name=payload.first_name,
        last_name=payload.last_name,
        middle_names=payload.middle_names,
        date_of_birth=payload.date_of_birth,
        postcode=payload.postcode,
        nhs_number=payload.nhs_number,
        upn=payload.upn,
        school_id=payload.school,
        gender=payload.gender.strip(),
    )
    if query.is_empty():
        raise ApiError(
            422,
            "validation_error",
            "Give something to match on: a first name or last name, a date of birth, a postcode, "
            "an NHS number or a unique pupil number.",
        )
    return query


def _matches(request: HttpRequest, payload: MatchesIn | MatchesQuery) -> MatchesOut:
    views = selectors.person_matches_for(
        actor=current_user(request), query=_match_query(payload), limit=payload.limit
    )
    return MatchesOut(
        items=[match_out(view) for view in views],
        count=len(views),
        auto_link_threshold=AUTO_LINK_THRESHOLD,
        review_threshold=REVIEW_THRESHOLD,
    )


@router.post("/matches", response={200: MatchesOut, **ERRORS}, summary="Is this young person already known?")
def people_matches(request: HttpRequest, payload: MatchesIn) -> MatchesOut:
    """Ranked candidates for the details given, each with a score between 0 and 1 and an explanation
    per field (agrees, close, disagrees or missing, and its weight). Those outside your network come
    name-only. The recommended form: the details travel in the body, never in a URL."""
    return _matches(request, payload)


@router.get(
    "/matches", response={200: MatchesOut, **ERRORS}, summary="Is this young person already known? (query)"
)
def people_matches_get(request: HttpRequest, filters: Query[MatchesQuery]) -> MatchesOut:
    """The same answer as ``POST /api/v1/people/matches``, from query parameters. Query strings end up
    in proxies' and browsers' logs: prefer the POST (docs/decisions/0007-matches-by-get-and-post.md)."""
    return _matches(request, filters)


@router.post("/", response={201: PersonDetail, **ERRORS}, summary="Record a new person")
def people_create(request: HttpRequest, payload: PersonCreate) -> Status[Any]:
    """Record a person. You can see the record in full for 30 days, until a network is allocated."""
    actor = current_user(request)
    values = payload.model_dump(
        exclude_unset=True,
        exclude={"first_name", "last_name", "address", "aliases", "gender", "ethnicity", "school_id"},
    )
    errors: dict[str, str] = {}
    _resolve_codes(payload, values, errors)
    address = _address_input(payload.address, errors) if payload.address is not None else None
    if errors:
        raise ValidationError(errors)
    with _in_api_terms():
        person = services.person_create(
            actor=actor,
            data=services.PersonInput(
                first_name=payload.first_name,
                last_name=payload.last_name,
                values=values,
                address=address,
                aliases=list(payload.aliases),
            ),
        )
    view = selectors.person_get_for(actor=actor, person_id=person.pk, purpose="api.created")
    return Status(201, person_detail(view))


# --- possible duplicates, merge and unmerge (declared before /{person_id}, which would take "duplicates") --
# The same access as the review pages (people/views_duplicates.py): only person.merge holders, and 404 for
# everyone else, as for a missing record; the reads and writes are the pages' own selectors and services.

DUPLICATE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}


@router.get(
    "/duplicates",
    response={200: dup_schemas.DuplicatePage, **ERRORS},
    summary="Possible duplicates to review",
)
def duplicates_list(request: HttpRequest, filters: Query[dup_schemas.DuplicateFilters]) -> Any:
    """The review queue (`person.merge`): pairs with this `status` (`open` by default), highest score
    first."""
    actor = current_user(request)
    pairs = duplicates.duplicate_list_for(actor=actor, status=filters.status)
    count = pairs.count()
    start = (filters.page - 1) * filters.page_size
    shown = list(pairs.select_related("decided_by")[start : start + filters.page_size])
    duplicates.duplicate_list_audit(
        actor=actor, status=filters.status, page_number=filters.page, shown=len(shown)
    )
    more = start + filters.page_size < count
    return dup_schemas.DuplicatePage(
        items=[dup_schemas.PairListItem(**dup_schemas.pair_list_item(pair)) for pair in shown],
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        next_page=filters.page + 1 if more else None,
    )


@router.get(
    "/duplicates/{pair_id}", response={200: dup_schemas.PairOut, **ERRORS}, summary="A possible duplicate"
)
def duplicates_get(request: HttpRequest, pair_id: UUID) -> Any:
    """Both records side by side, with the scorer's explanation and the versions to send back."""
    return dup_schemas.pair_out(
        duplicates.duplicate_get_for(actor=current_user(request), pair_id=pair_id, purpose="api")
    )


@router.post(
    "/duplicates/{pair_id}/merge",
    response={201: dup_schemas.MergeOut, **DUPLICATE_ERRORS},
    summary="Merge a possible duplicate",
)
def duplicates_merge(request: HttpRequest, pair_id: UUID, payload: dup_schemas.MergeIn) -> Status[Any]:
    """Merge the pair into the `survivor` record. Records whose NHS numbers, UPNs or dates of birth differ
    need an `override_reason` (422 on that field otherwise). Stale versions get 409."""
    actor = current_user(request)
    pair = duplicates.duplicate_get_for(actor=actor, pair_id=pair_id, purpose="api.merge").pair
    if payload.survivor not in (pair.person_a_id, pair.person_b_id):
        raise ValidationError({"survivor": "Give the id of one of the two records of this pair."})
    if unknown := dup_schemas.unknown_fields(payload.take_from_merged):
        raise ValidationError({"take_from_merged": f"These fields cannot be taken: {', '.join(unknown)}."})
    survivor, merged = (
        (pair.person_a, pair.person_b)
        if payload.survivor == pair.person_a_id
        else (pair.person_b, pair.person_a)
    )
    done = merging.person_merge(
        actor=actor,
        survivor=survivor,
        merged=merged,
        survivor_version=payload.survivor_version,
        merged_version=payload.merged_version,
        reason=payload.reason,
        override_reason=payload.override_reason,
        take_from_merged=sorted(
            set(payload.take_from_merged) | set(merging.fields_only_on(merged, survivor))
        ),
        duplicate=pair,
        duplicate_version=payload.version,
    )
    return Status(201, dup_schemas.merge_out(done))


@router.post(
    "/duplicates/{pair_id}/not-same",
    response={200: dup_schemas.PairOut, **DUPLICATE_ERRORS},
    summary="Record that a possible duplicate is two young people",
)
def duplicates_not_same(request: HttpRequest, pair_id: UUID, payload: dup_schemas.NotSameIn) -> Any:
    """Decide the pair is two different young people, with a `reason`. A later scan never reopens it."""
    actor = current_user(request)
    view = duplicates.duplicate_get_for(actor=actor, pair_id=pair_id, purpose="api.dismiss")
    duplicates.duplicate_dismiss(actor=actor, pair=view.pair, version=payload.version, reason=payload.reason)
    return dup_schemas.pair_out(
        duplicates.duplicate_get_for(actor=actor, pair_id=pair_id, purpose="api.dismissed")
    )


@router.get("/merges/{merge_id}", response={200: dup_schemas.MergeOut, **ERRORS}, summary="A merge")
def merges_get(request: HttpRequest, merge_id: UUID) -> Any:
    """A merge (`person.merge`), with the versions an unmerge needs."""
    actor = current_user(request)
    record = merging.merge_get_for(actor=actor, merge_id=merge_id)
    merging.merge_view_audit(actor=actor, merge=record)
    return dup_schemas.merge_out(record)


@router.post(
    "/merges/{merge_id}/unmerge",
    response={200: dup_schemas.MergeOut, **DUPLICATE_ERRORS},
    summary="Undo a merge",
)
def merges_unmerge(request: HttpRequest, merge_id: UUID, payload: dup_schemas.UnmergeIn) -> Any:
    """Put both records back exactly as they were, with a `reason`. The pair is open for review again."""
    actor = current_user(request)
    record = merging.merge_get_for(actor=actor, merge_id=merge_id)
    result = merging.person_unmerge(
        actor=actor,
        merge=record,
        version=payload.version,
        survivor_version=payload.survivor_version,
        merged_version=payload.merged_version,
        reason=payload.reason,
    )
    return dup_schemas.merge_out(
        merging.merge_get_for(actor=actor, merge_id=merge_id),
        not_restored=result.not_restored,
        fields_kept=result.fields_kept,
    )


@router.get("/{person_id}", response={200: PersonDetail, **ERRORS}, summary="Read a person")
def people_get(request: HttpRequest, person_id: UUID) -> Any:
    """The person in full if you are in their network (or have been let in); otherwise name-only."""
    view = selectors.person_get_for(actor=current_user(request), person_id=person_id, purpose="api")
    return person_detail(view)


@router.patch(
    "/{person_id}", response={200: PersonDetail, 409: ErrorOut, **ERRORS}, summary="Change a person"
)
def people_update(request: HttpRequest, person_id: UUID, payload: PersonUpdate) -> Any:
    """Change some of a person's details. Send the version you read; if someone saved since, you get 409."""
    actor = current_user(request)
    person = selectors.person_get_for_edit(actor=actor, person_id=person_id)
    values = payload.model_dump(exclude_unset=True, exclude={"version", "gender", "ethnicity", "school_id"})
    errors: dict[str, str] = {}
    _resolve_codes(payload, values, errors)
    if errors:
        raise ValidationError(errors)
    if not values:
        raise ApiError(
            422, "validation_error", "Send at least one field to change, with the version you read."
        )
    with _in_api_terms():
        updated = services.person_update(actor=actor, person=person, version=payload.version, changes=values)
    view = selectors.person_get_for(actor=actor, person_id=updated.pk, purpose="api.changed")
    return person_detail(view)
