"""The missing episodes API: list and record a young person's episodes, read one, record the return, and
the return home interview's actions (assign, offer, decline, complete), through the app's services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut
from harbour.missing import policies, selectors, services
from harbour.missing.models import ReturnInterview
from harbour.missing.schemas import (
    AssignIn,
    CompleteIn,
    DeclineIn,
    EpisodeFilters,
    EpisodeIn,
    EpisodeOut,
    EpisodePage,
    OfferIn,
    ReturnIn,
    episode_out,
)
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
