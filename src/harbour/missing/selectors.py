"""Reads of missing episodes, interviews and profiles, through the young person's access rules.

Whoever sees the young person in full sees their missing history; anyone else who may know of them sees
their name only. One episode, interview or profile is 404 alike when missing or not visible. Each read
writes one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.accounts.models import User
from harbour.audit import services as audit
from harbour.core import uploads
from harbour.missing import policies
from harbour.missing.models import (
    MissingEpisode,
    MissingNotice,
    MissingProfile,
    MissingProfilePhoto,
    PoliceLogUpload,
    ReturnInterview,
    TriggerFiring,
)
from harbour.people import selectors as people_selectors
from harbour.people.models import Person
from harbour.people.selectors import PersonView


@dataclass(frozen=True)
class MissingHistory:
    """A young person's missing history as this actor may see it (empty lists when name-only)."""

    view: PersonView
    episodes: list[MissingEpisode]
    firings: list[TriggerFiring]
    profile: MissingProfile | None
    can_record: bool

    @property
    def is_full(self) -> bool:
        return self.view.is_full


def _episodes() -> QuerySet[MissingEpisode]:
    return MissingEpisode.objects.select_related(
        "person",
        "kind",
        "setting",
        "risk_grade",
        "found_by",
        "found_town",
        "return_method",
        "placement_agency",
        "interview",
        "interview__interviewer",
        "interview__team",
        "interview__decline_reason",
    ).prefetch_related("interview__factors", "grade_changes__grade")


def history_for(*, actor: Any, person_id: UUID) -> MissingHistory:
    """The young person's episodes, triggers and profile; name-only outside the network."""
    view = people_selectors.person_get_for(actor=actor, person_id=person_id, purpose="missing")
    if not view.is_full:
        return MissingHistory(view=view, episodes=[], firings=[], profile=None, can_record=False)
    person = view.person
    return MissingHistory(
        view=view,
        episodes=list(_episodes().filter(person=person)),
        firings=list(TriggerFiring.objects.filter(person=person).select_related("trigger", "episode")),
        profile=MissingProfile.objects.filter(person=person).select_related("updated_by").first(),
        can_record=policies.can_record(actor, person),
    )


def episodes_for(*, actor: Any, person_id: UUID) -> list[MissingEpisode]:
    """For the API: the episodes of a young person the actor sees in full (404 otherwise)."""
    history = history_for(actor=actor, person_id=person_id)
    if not history.is_full:
        raise Http404
    return history.episodes


def episode_get_for(*, actor: Any, episode_id: UUID, purpose: str = "page") -> MissingEpisode:
    episode = _episodes().filter(pk=episode_id).first()
    if episode is None or not policies.can_view_person(actor, episode.person):
        raise Http404
    audit.record(
        actor, "missing_episode.viewed", episode, person_id=episode.person_id, detail={"purpose": purpose}
    )
    return episode


def interview_get_for(*, actor: Any, interview_id: UUID) -> ReturnInterview:
    interview = (
        ReturnInterview.objects.select_related(
            "episode", "episode__kind", "episode__setting", "person", "team", "interviewer", "decline_reason"
        )
        .prefetch_related("factors")
        .filter(pk=interview_id)
        .first()
    )
    if interview is None or not policies.can_view_person(actor, interview.person):
        raise Http404
    audit.record(actor, "return_interview.viewed", interview, person_id=interview.person_id)
    return interview


def profile_get_for(
    *, actor: Any, person_id: UUID, export: bool = False
) -> tuple[Any, MissingProfile | None]:
    """The young person and their Philomena profile (full access only). ``export``: audited as a download."""
    person = people_selectors.person_get_full_for(
        actor=actor, person_id=person_id, purpose="missing-profile-pdf" if export else "missing-profile"
    )
    profile = MissingProfile.objects.filter(person=person).select_related("updated_by").first()
    if export:
        if profile is None:
            raise Http404
        audit.record(
            actor, "missing_profile.exported", profile, person_id=person.pk, detail={"format": "pdf"}
        )
    return person, profile


def profile_photo_get_for(*, actor: Any, person_id: UUID) -> MissingProfilePhoto:
    """The photo on the young person's profile, for those who see the young person in full. Audited as a
    view of the person for this purpose; 404 when there is none."""
    person = people_selectors.person_get_full_for(
        actor=actor, person_id=person_id, purpose="missing-profile-photo"
    )
    photo = MissingProfilePhoto.objects.filter(profile__person=person).first()
    if photo is None:
        raise Http404
    return photo


@dataclass(frozen=True)
class InterviewRow:
    interview_id: UUID
    person_name: str
    due_at: datetime
    status_label: str
    interviewer: str
    overdue: bool


def _rows(queryset: QuerySet[ReturnInterview], now: datetime, limit: int | None = None) -> list[InterviewRow]:
    # Only what a row shows: every column of the interview, young person and interviewer made the
    # query take longer to build than to run.
    ordered = (
        queryset.select_related("person", "interviewer")
        .only(
            "due_at",
            "status",
            *(f"person__{name}" for name in Person.NAME_FIELDS),
            *(f"interviewer__{name}" for name in User.NAME_FIELDS),
        )
        .order_by("due_at", "pk")
    )
    return [
        InterviewRow(
            interview_id=i.pk,
            person_name=i.person.full_name,
            due_at=i.due_at,
            status_label=i.get_status_display(),
            interviewer=str(i.interviewer) if i.interviewer else "Not assigned",
            overdue=i.due_at <= now,
        )
        for i in (ordered if limit is None else ordered[:limit])
    ]


OPEN = ReturnInterview.OPEN_STATUSES


def _assigned(actor: Any) -> QuerySet[ReturnInterview]:
    if not access.is_staff_member(actor):
        return ReturnInterview.objects.none()
    return ReturnInterview.objects.filter(status__in=OPEN, interviewer=actor)


def _of_managed_teams(actor: Any) -> QuerySet[ReturnInterview]:
    managed = policies.managed_team_ids(actor)
    if not managed:
        return ReturnInterview.objects.none()
    return ReturnInterview.objects.filter(status__in=OPEN, team_id__in=managed)


def interviews_assigned_to(*, actor: Any, limit: int | None = None) -> list[InterviewRow]:
    """Open interviews the actor is to do, soonest due first (``limit``: only the first ones)."""
    rows = _rows(_assigned(actor), timezone.now(), limit)
    if rows:
        audit.record(actor, "return_interview.queue_viewed", detail={"queue": "assigned", "shown": len(rows)})
    return rows


def interviews_assigned_count(*, actor: Any) -> int:
    return _assigned(actor).count()


def interviews_for_managed_teams(*, actor: Any, limit: int | None = None) -> list[InterviewRow]:
    """Open interviews of the teams the actor manages, soonest due first (``limit``: only the first ones)."""
    rows = _rows(_of_managed_teams(actor), timezone.now(), limit)
    if rows:
        audit.record(actor, "return_interview.queue_viewed", detail={"queue": "team", "shown": len(rows)})
    return rows


def interviews_for_managed_teams_count(*, actor: Any) -> int:
    return _of_managed_teams(actor).count()


def _unread_notices(actor: Any) -> QuerySet[MissingNotice]:
    if not access.is_staff_member(actor):
        return MissingNotice.objects.none()
    return MissingNotice.objects.filter(recipient=actor, read_at__isnull=True)


def notices_unread_for(*, actor: Any, limit: int = 200) -> list[MissingNotice]:
    """The actor's own unread notices (triggers fired, 72-hour breaches), newest first."""
    shown = ("summary", "sent_at", "person_id", *(f"person__{name}" for name in Person.NAME_FIELDS))
    return list(_unread_notices(actor).select_related("person").only(*shown)[:limit])


def notices_unread_count(*, actor: Any) -> int:
    return _unread_notices(actor).count()


def upload_get_for(*, actor: Any, upload_id: UUID) -> PoliceLogUpload:
    """A police log uploaded on the import page, for whoever uploaded it only: import holders (403
    otherwise), and 404 alike for an upload that does not exist and someone else's. Without its content;
    not audited, as its page shows counts, problems by line and the file's name only."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: import a police missing-persons log.")
    upload: PoliceLogUpload = uploads.upload_for(
        PoliceLogUpload.objects.select_related("log_import"), actor=actor, upload_id=upload_id
    )
    return upload
