"""What missing episodes and return home interviews offer to the joint exploitation risk assessment.

Uses the assessments app's interface (docs/assessments.md, "Indicators offered by other modules"):
``indicator_offer`` is idempotent on (source app, kind, id, indicator), so offering again updates the
evidence instead of adding a second offer. Offers run inside the caller's transaction.

- A recorded episode offers ``missing-episode-recent`` (source kind ``episode``), and, when it is the
  third or later episode started within 90 days, ``missing-repeat`` (source kind ``repeat``, one offer per
  young person, its evidence updated with each episode).
- A completed return home interview offers each indicator the interviewer chose (source kind
  ``return-interview``), with where they were and who with as the evidence.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from harbour.missing.models import MissingEpisode, ReturnInterview

SOURCE_APP = "missing"
EPISODE_INDICATOR = "missing-episode-recent"
REPEAT_INDICATOR = "missing-repeat"
REPEAT_COUNT = 3  # the catalogue's wording: 3 or more in 90 days
REPEAT_DAYS = 90
MAX_EVIDENCE = 1000


def indicator_choices() -> list[Any]:
    """The catalogue the interview form offers (active indicators, by category then label)."""
    from harbour.assessments import selectors as assessment_selectors

    return list(assessment_selectors.indicator_choices())


def unknown_codes_problem(codes: list[str]) -> str | None:
    """A message when some chosen indicator codes are not in the active catalogue."""
    if not codes:
        return None
    known = {choice.code for choice in indicator_choices()}
    unknown = sorted(set(codes) - known)
    if unknown:
        return "Choose indicators from the list: some are not in the catalogue."
    return None


def _evidence(interview: ReturnInterview) -> str:
    parts = []
    if interview.where_been:
        parts.append(f"Where they were: {interview.where_been}")
    if interview.who_with:
        parts.append(f"Who with: {interview.who_with}")
    if interview.harm:
        parts.append(f"Harm: {interview.harm}")
    text = " ".join(parts) or "Identified in the return home interview."
    return text[:MAX_EVIDENCE]


def offer_indicators(*, actor: Any, interview: ReturnInterview) -> int:
    """Offer the interview's chosen indicators to the joint assessment. Returns how many were offered."""
    from harbour.assessments import services as assessment_services

    assert interview.completed_at is not None
    url = reverse("missing:interview", args=[interview.pk])
    for code in interview.indicator_codes:
        assessment_services.indicator_offer(
            actor=actor,
            person=interview.person,
            indicator_code=code,
            source_app=SOURCE_APP,
            source_kind="return-interview",
            source_id=str(interview.pk),
            source_url=url,
            observed_on=timezone.localdate(interview.completed_at),
            evidence=_evidence(interview),
        )
    return len(interview.indicator_codes)


def offer_episode(*, actor: Any, episode: MissingEpisode) -> None:
    """Offer "went missing recently" (and "repeated episodes") for a recorded episode.

    An indicator an administrator has retired from the catalogue is not offered: recording the episode
    must not fail because of the assessment's catalogue.
    """
    from harbour.assessments import services as assessment_services

    active = {choice.code for choice in indicator_choices()}
    if EPISODE_INDICATOR in active:
        assessment_services.indicator_offer(
            actor=actor,
            person=episode.person,
            indicator_code=EPISODE_INDICATOR,
            source_app=SOURCE_APP,
            source_kind="episode",
            source_id=str(episode.pk),
            source_url=reverse("missing:episode", args=[episode.pk]),
            observed_on=timezone.localdate(episode.started_at),
            evidence=f"{episode.kind.label} from {episode.setting.label.lower()}.",
        )
    since = episode.started_at - timedelta(days=REPEAT_DAYS)
    recent = MissingEpisode.objects.filter(
        person_id=episode.person_id, started_at__gt=since, started_at__lte=episode.started_at
    ).count()
    if recent >= REPEAT_COUNT and REPEAT_INDICATOR in active:
        assessment_services.indicator_offer(
            actor=actor,
            person=episode.person,
            indicator_code=REPEAT_INDICATOR,
            source_app=SOURCE_APP,
            source_kind="repeat",
            source_id=str(episode.person_id),
            source_url=reverse("missing:person", args=[episode.person_id]),
            observed_on=timezone.localdate(episode.started_at),
            evidence=f"{recent} missing episodes in the {REPEAT_DAYS} days to this one.",
        )
