"""The missing episodes API: list and record a young person's episodes, read one, re-grade it, record the
return, and the return home interview's actions (assign, offer, decline, complete); read and keep the young
person's Philomena profile; all through the app's services. And the police log review (the rows an import
kept, linked to a young person), through the review page's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from harbour.api.auth import current_user
from harbour.api.errors import ApiError, ErrorOut, fields_renamed
from harbour.api.pagination import next_page_url
from harbour.core.errors import NameOnlyError
from harbour.missing import imports, policies, selectors, services
from harbour.missing.models import MissingProfilePhoto, ReturnInterview
from harbour.missing.schemas import (
    AssignIn,
    CompleteIn,
    DeclineIn,
    EpisodeFilters,
    EpisodeIn,
    EpisodeOut,
    EpisodePage,
    LogRowLinkedOut,
    LogRowOut,
    LogRowPage,
    OfferIn,
    ProfileIn,
    ProfileOut,
    RegradeIn,
    ReturnIn,
    ReviewFilters,
    RowLinkIn,
    RowSetAsideIn,
    RowVersionIn,
    episode_out,
    log_row_linked_out,
    log_row_out,
    profile_out,
)
from harbour.people import selectors as people_selectors
from harbour.people.models import Person

router = Router(tags=["missing"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/people/{person_id}/episodes",
    response={200: EpisodePage, **ERRORS},
    summary="List a young person's missing episodes",
)
def episodes_list(request: HttpRequest, person_id: UUID, filters: Query[EpisodeFilters]) -> EpisodePage:
    """The missing episodes of a young person whose record you see in full, newest first (404 otherwise)."""
    episodes = selectors.episodes_for(actor=current_user(request), person_id=person_id)
    start = (filters.page - 1) * filters.page_size
    shown = episodes[start : start + filters.page_size]
    more = start + filters.page_size < len(episodes)
    return EpisodePage(
        items=[episode_out(episode) for episode in shown],
        count=len(episodes),
        page=filters.page,
        page_size=filters.page_size,
        next_page=filters.page + 1 if more else None,
    )


@router.post(
    "/people/{person_id}/episodes",
    response={201: EpisodeOut, **ERRORS},
    summary="Record a missing episode",
)
def episodes_create(request: HttpRequest, person_id: UUID, payload: EpisodeIn) -> Status[EpisodeOut]:
    """Record that a young person went missing (needs `person.edit` and full access to their record).
    Triggers are evaluated at once."""
    actor = current_user(request)
    selectors.episodes_for(actor=actor, person_id=person_id)  # 404 unless seen in full (and audited)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    episode = services.episode_record(actor=actor, person=person, data=payload.to_input())
    return Status(
        201, episode_out(selectors.episode_get_for(actor=actor, episode_id=episode.pk, purpose="api.created"))
    )


@router.get("/episodes/{episode_id}", response={200: EpisodeOut, **ERRORS}, summary="Read a missing episode")
def episodes_get(request: HttpRequest, episode_id: UUID) -> EpisodeOut:
    """One episode of a young person whose record you see in full, with its return home interview's clock."""
    return episode_out(
        selectors.episode_get_for(actor=current_user(request), episode_id=episode_id, purpose="api")
    )


WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}


@router.post(
    "/episodes/{episode_id}/return",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Record the young person's return",
)
def episodes_return(request: HttpRequest, episode_id: UUID, payload: ReturnIn) -> EpisodeOut:
    """Record when and where they were found, by whom and how they came back (needs `person.edit` and
    full access, as on the episode page). The return home interview's 72-hour clock starts."""
    actor = current_user(request)
    episode = selectors.episode_get_for(actor=actor, episode_id=episode_id, purpose="api.return")
    if not policies.can_record(actor, episode.person):
        raise PermissionDenied
    services.episode_record_return(
        actor=actor, episode=episode, version=payload.version, data=payload.to_input()
    )
    return episode_out(selectors.episode_get_for(actor=actor, episode_id=episode_id, purpose="api.returned"))


@router.post(
    "/episodes/{episode_id}/regrades",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Re-grade the police risk of a missing episode",
)
def episodes_regrade(request: HttpRequest, episode_id: UUID, payload: RegradeIn) -> EpisodeOut:
    """Record a new police risk grade with the reason, as "Change the police risk grade" on the episode
    page does (needs `person.edit` and full access). Answers with the episode and its `risk_grades`."""
    actor = current_user(request)
    episode = selectors.episode_get_for(actor=actor, episode_id=episode_id, purpose="api.regrade")
    if not policies.can_record(actor, episode.person):
        raise PermissionDenied
    with fields_renamed({"grade": "risk_grade"}):
        services.episode_regrade(
            actor=actor,
            episode=episode,
            version=payload.version,
            grade=payload.risk_grade,
            reason=payload.reason,
            changed_at=payload.changed_at,
        )
    return episode_out(selectors.episode_get_for(actor=actor, episode_id=episode_id, purpose="api.regraded"))


def _interview(request: HttpRequest, interview_id: UUID) -> tuple[Any, ReturnInterview]:
    actor = current_user(request)
    return actor, selectors.interview_get_for(actor=actor, interview_id=interview_id)


def _worked(actor: Any, interview: ReturnInterview) -> EpisodeOut:
    return episode_out(
        selectors.episode_get_for(actor=actor, episode_id=interview.episode_id, purpose="api.interview")
    )


@router.post(
    "/interviews/{interview_id}/assign",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Assign the return home interview",
)
def interviews_assign(request: HttpRequest, interview_id: UUID, payload: AssignIn) -> EpisodeOut:
    """Choose the interviewer (the interview team's managers, or whoever may edit the record): someone
    independent of the young person's care (422 on `interviewer_id` otherwise)."""
    actor, interview = _interview(request, interview_id)
    if not policies.can_assign(actor, interview):
        raise PermissionDenied
    services.interview_assign(
        actor=actor, interview=interview, version=payload.version, interviewer_id=payload.interviewer_id
    )
    return _worked(actor, interview)


def _require_worker(actor: Any, interview: ReturnInterview) -> None:
    if not policies.can_work_interview(actor, interview):
        raise PermissionDenied


@router.post(
    "/interviews/{interview_id}/offer",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Record that the interview was offered",
)
def interviews_offer(request: HttpRequest, interview_id: UUID, payload: OfferIn) -> EpisodeOut:
    """The interviewer (or the interview team's managers) records when it was offered and whether the
    young person accepted."""
    actor, interview = _interview(request, interview_id)
    _require_worker(actor, interview)
    services.interview_offer(
        actor=actor,
        interview=interview,
        version=payload.version,
        offered_at=payload.offered_at,
        accepted=payload.accepted,
    )
    return _worked(actor, interview)


@router.post(
    "/interviews/{interview_id}/decline",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Record that the interview did not happen",
)
def interviews_decline(request: HttpRequest, interview_id: UUID, payload: DeclineIn) -> EpisodeOut:
    """Declined or not possible: when, the `reason` (a code), and what the carers said."""
    actor, interview = _interview(request, interview_id)
    _require_worker(actor, interview)
    services.interview_decline(
        actor=actor,
        interview=interview,
        version=payload.version,
        declined_at=payload.declined_at,
        reason=payload.reason,
        carers_said=payload.carers_said,
    )
    return _worked(actor, interview)


@router.post(
    "/interviews/{interview_id}/complete",
    response={200: EpisodeOut, **WRITE_ERRORS},
    summary="Record the return home interview",
)
def interviews_complete(request: HttpRequest, interview_id: UUID, payload: CompleteIn) -> EpisodeOut:
    """What was found, recorded by someone independent of the young person's care. Indicators chosen are
    offered to the joint assessment with the interview as their source."""
    actor, interview = _interview(request, interview_id)
    _require_worker(actor, interview)
    services.interview_complete(
        actor=actor, interview=interview, version=payload.version, data=payload.to_input()
    )
    return _worked(actor, interview)


# --- the Philomena profile ---------------------------------------------------------------------------


def _has_photo(profile: Any) -> bool:
    return profile is not None and MissingProfilePhoto.objects.filter(profile=profile).exists()


@router.get(
    "/people/{person_id}/profile",
    response={200: ProfileOut, **ERRORS},
    summary="Read a young person's missing profile",
)
def profile_get(request: HttpRequest, person_id: UUID) -> ProfileOut:
    """The young person's Philomena profile (Part 1), for those who see their record in full (404
    otherwise), as the profile page and its PDF show it. With no profile yet, every box is empty and
    `version` is null. The photo is not in the API."""
    person, profile = selectors.profile_get_for(actor=current_user(request), person_id=person_id)
    return profile_out(person.pk, profile, has_photo=_has_photo(profile))


@router.put(
    "/people/{person_id}/profile",
    response={200: ProfileOut, **WRITE_ERRORS},
    summary="Save a young person's missing profile",
)
def profile_put(request: HttpRequest, person_id: UUID, payload: ProfileIn) -> ProfileOut:
    """Replace the whole profile, as saving the profile page does (needs `person.edit` and full access):
    every box, empty text for an empty one, and the `version` you read (null to start one; stale: 409)."""
    actor = current_user(request)
    person, _profile = selectors.profile_get_for(actor=actor, person_id=person_id)
    if not policies.can_record(actor, person):
        raise PermissionDenied
    profile = services.profile_save(
        actor=actor, person=person, version=payload.version, data=payload.to_input()
    )
    return profile_out(person.pk, profile, has_photo=_has_photo(profile))


# --- the police log review --------------------------------------------------------------------------


@router.get(
    "/police-log/rows",
    response={200: LogRowPage, **ERRORS},
    summary="List the police log rows kept for review",
)
def police_log_rows(request: HttpRequest, filters: Query[ReviewFilters]) -> LogRowPage:
    """The rows of imported police logs that could not be linked to one young person with confidence,
    oldest import first, as the review page shows them (`frontdoor.triage` only; 403 otherwise): each
    with its `version` and its best candidate, `name_only` when you see that young person by name only."""
    page, seen_in_full = imports.unmatched_review_page_for(
        actor=current_user(request), number=filters.page, page_size=filters.page_size
    )
    next_page = page.next_page_number() if page.has_next() else None
    return LogRowPage(
        items=[log_row_out(row, seen_in_full=seen_in_full) for row in page.object_list],
        count=page.paginator.count,
        page=page.number,
        page_size=filters.page_size,
        next=next_page_url(request, next_page, filters.page_size),
        next_page=next_page,
    )


@router.post(
    "/police-log/rows/{row_id}/link",
    response={200: LogRowLinkedOut, **WRITE_ERRORS},
    summary="Link a police log row to the young person you chose",
)
def police_log_row_link(request: HttpRequest, row_id: UUID, payload: RowLinkIn) -> LogRowLinkedOut:
    """Link a row to the young person it is about, as "Find the young person" does: their episode is
    created as the import would have. 404 for a person unknown to you; 422 on `person_id` for one you see
    by name only (with the name alone you cannot check the row is about them); 409 if the row was dealt
    with since you read it."""
    actor = current_user(request)
    row = imports.unmatched_row_get_for(actor=actor, row_id=row_id)
    people_selectors.person_known_for(actor=actor, person_id=payload.person_id)
    with fields_renamed({"person": "person_id"}):
        episode = imports.unmatched_row_link(
            actor=actor,
            row=row,
            person_id=payload.person_id,
            version=payload.version,
            chosen_by_reviewer=True,
        )
    return log_row_linked_out(imports.unmatched_row_get_for(actor=actor, row_id=row_id), episode)


@router.post(
    "/police-log/rows/{row_id}/link-best-candidate",
    response={200: LogRowLinkedOut, **WRITE_ERRORS},
    summary="Link a police log row to its best candidate",
)
def police_log_row_link_best(request: HttpRequest, row_id: UUID, payload: RowVersionIn) -> LogRowLinkedOut:
    """Link a row to its best candidate, as "Link" on the review page does. 422 on `best_candidate` when
    the row has none, or you see them by name only; 409 if the row was dealt with since you read it."""
    actor = current_user(request)
    row = imports.unmatched_row_get_for(actor=actor, row_id=row_id)
    if row.best_person_id is None:
        message = "This row has no best candidate: find the young person it is about and link it to them."
        raise ApiError(422, "validation_error", message, fields={"best_candidate": message})
    try:
        with fields_renamed({"person": "best_candidate"}):
            episode = imports.unmatched_row_link(
                actor=actor, row=row, person_id=row.best_person_id, version=payload.version
            )
    except NameOnlyError as refusal:
        raise NameOnlyError(refusal.message, field="best_candidate") from refusal
    return log_row_linked_out(imports.unmatched_row_get_for(actor=actor, row_id=row_id), episode)


@router.post(
    "/police-log/rows/{row_id}/set-aside",
    response={200: LogRowOut, **WRITE_ERRORS},
    summary="Set a police log row aside",
)
def police_log_row_set_aside(request: HttpRequest, row_id: UUID, payload: RowSetAsideIn) -> LogRowOut:
    """As "Set aside" on the review page: no episode is created and the row leaves the review, with
    `resolution` saying what happened to it. 422 once the row was dealt with; 409 if it was dealt with
    since you read it."""
    actor = current_user(request)
    row = imports.unmatched_row_get_for(actor=actor, row_id=row_id)
    row = imports.unmatched_row_set_aside(
        actor=actor, row=row, resolution=payload.resolution, version=payload.version
    )
    row = imports.unmatched_row_get_for(actor=actor, row_id=row_id)
    return log_row_out(row, seen_in_full=imports.unmatched_best_seen_in_full(actor=actor, rows=[row]))
