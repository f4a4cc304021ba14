"""Triggers and an imported police log: imported episodes count toward a condition, but a condition
fires only on a current episode (one that started or ended within 7 days of its import), so importing
past years does not alert anyone about old runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.missing import imports, triggers
from harbour.missing.models import MissingEpisode, MissingNotice, TriggerFiring
from tests.missing.helpers import record
from tests.missing.test_import_bulk import _import, _row, _uk

pytestmark = pytest.mark.django_db


def _episode(reference: str, days_ago: float, hours: int = 6, **values: str) -> dict[str, str]:
    """A log row for the practitioner's young person: missing ``days_ago``, back ``hours`` later."""
    started = timezone.now() - timedelta(days=days_ago)
    return _row(
        police_reference=reference,
        started_at=_uk(started),
        ended_at=_uk(started + timedelta(hours=hours)),
        **values,
    )


def _fired() -> list[tuple[str, str]]:
    return sorted(
        (firing.trigger.code, firing.episode.police_reference if firing.episode else "")
        for firing in TriggerFiring.objects.select_related("trigger", "episode")
    )


def _tick() -> int:
    return triggers.evaluate_all(timezone.now())


def test_an_old_run_imported_fires_nothing(world):
    """Three episodes in a fortnight two months ago, from care: history. The tick that looks at the
    young people the import touched fires neither the run nor the first episode in care."""
    rows = [_episode(f"NC-{n}", days_ago, missing_from="care") for n, days_ago in enumerate((70, 64, 58))]
    assert _import(world, rows).loaded == 3
    assert _tick() == 0
    assert _fired() == []
    assert not MissingNotice.objects.exists()
    assert MissingEpisode.objects.filter(person=world.inside).count() == 3  # they count as history


def test_a_current_episode_that_completes_a_run_fires_once(world):
    rows = [
        _episode("NC-1", 20),
        _episode("NC-2", 12),
        _episode("NC-3", 3),  # back two and a half days before the import: current
    ]
    _import(world, rows)
    assert _tick() == 1
    assert _fired() == [("three-in-30-days", "NC-3")]
    assert _tick() == 0  # once per condition


def test_a_run_that_became_history_does_not_hold_back_a_current_episode_of_it(world):
    """Three in 30 days, all more than a week before the import (no alert), then a fourth within the
    same 30 days that is current: the pattern holds now, and the fourth fires."""
    rows = [_episode(f"NC-{n}", days_ago) for n, days_ago in enumerate((26, 22, 18))]
    rows.append(_episode("NC-9", 2))
    _import(world, rows)
    _tick()
    assert _fired() == [("three-in-30-days", "NC-9")]


def test_a_young_person_still_missing_when_imported_is_current(world):
    started = timezone.now() - timedelta(days=2)
    _import(world, [_row(police_reference="NC-1", started_at=_uk(started), ended_at="", missing_from="care")])
    _tick()
    assert _fired() == [("first-episode-in-care", "NC-1")]


def test_a_first_episode_in_care_long_ago_means_no_first_now(world):
    started = timezone.now() - timedelta(days=2)
    rows = [
        _episode("NC-1", 300, missing_from="care"),  # the first in care: history, no news now
        _row(police_reference="NC-2", started_at=_uk(started), ended_at="", missing_from="care"),
    ]
    _import(world, rows)
    _tick()
    assert _fired() == []  # and NC-2, current, is not the first


def test_staff_records_fire_as_before_however_old(world):
    """A worker recording past episodes is deliberate, and unchanged: the run fires."""
    practitioner = world.users["practitioner"]
    for days_ago in (70, 64, 58):
        record(practitioner, world.inside, timezone.now() - timedelta(days=days_ago))
    assert _fired() == [("three-in-30-days", "NC-2026-0001")]


def test_the_current_window_is_the_interview_window():
    assert triggers.IMPORT_CURRENT_DAYS == imports.INTERVIEW_WITHIN_DAYS
