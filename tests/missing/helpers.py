"""Builders shared by the missing tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from harbour.missing import services
from harbour.missing.forms import local_datetime
from harbour.missing.inputs import EpisodeInput, InterviewInput, ProfileInput, ReturnInput
from harbour.missing.models import MissingEpisode, MissingProfile, ReturnInterview


def uk(day: date, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock time as an aware datetime (the first of two when the clocks go back)."""
    return local_datetime(day, time(hour, minute))


def episode_input(started_at: datetime, **changes: Any) -> EpisodeInput:
    data = EpisodeInput(
        kind="missing",
        setting="home",
        started_at=started_at,
        reported_by="Mother",
        police_reference="NC-2026-0001",
        risk_grade="medium",
    )
    return replace(data, **changes)


def record(actor: Any, person: Any, started_at: datetime, **changes: Any) -> MissingEpisode:
    return services.episode_record(actor=actor, person=person, data=episode_input(started_at, **changes))


def record_return(actor: Any, episode: MissingEpisode, ended_at: datetime, **changes: Any) -> ReturnInterview:
    episode.refresh_from_db()
    return services.episode_record_return(
        actor=actor,
        episode=episode,
        version=episode.version,
        data=ReturnInput(ended_at=ended_at, **changes),
    )


def interview_input(completed_at: datetime, **changes: Any) -> InterviewInput:
    data = InterviewInput(
        completed_at=completed_at,
        where_been="A flat in Great Yarmouth",
        who_with="Two older men she did not know",
        how_travelled="Driven there in a car",
        factors=["older-people"],
        young_person_words="They said I owed them.",
    )
    return replace(data, **changes)


def save_profile(actor: Any, person: Any, **fields: str) -> MissingProfile:
    """A Philomena profile through the service (a short description unless told otherwise)."""
    fields.setdefault("description", "About 160 cm, slim, dyed red hair.")
    return services.profile_save(actor=actor, person=person, version=None, data=ProfileInput(**fields))
