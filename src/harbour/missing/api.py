"""The missing episodes API: list and record a young person's episodes, read one episode."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut
from harbour.missing import selectors, services
from harbour.missing.schemas import EpisodeFilters, EpisodeIn, EpisodeOut, EpisodePage, episode_out
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
