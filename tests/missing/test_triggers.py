"""Triggers fire once per condition: not again on every tick, nor for every later episode in the run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core import ticks as core_ticks
from harbour.missing import triggers
from harbour.missing.models import MissingNotice, MissingTrigger, TriggerFiring
from tests.missing.helpers import record, uk

pytestmark = pytest.mark.django_db


def _fired(code):
    return TriggerFiring.objects.filter(trigger__code=code)


def test_three_episodes_in_30_days_fires_once(world):
    practitioner = world.users["practitioner"]
    record(practitioner, world.inside, uk(date(2026, 9, 1), 20))
    record(practitioner, world.inside, uk(date(2026, 9, 10), 21))
    assert not _fired("three-in-30-days").exists()
    record(practitioner, world.inside, uk(date(2026, 9, 25), 22))
    assert _fired("three-in-30-days").count() == 1
    # A fourth inside the same run is the same condition.
    record(practitioner, world.inside, uk(date(2026, 9, 28), 22))
    assert _fired("three-in-30-days").count() == 1
    # Ticks do not fire it again.
    now = timezone.now()
    assert triggers.evaluate_all(now) == 0
    assert triggers.evaluate_all(now + timedelta(minutes=5)) == 0
    results = core_ticks.run_all(now, only=["missing.triggers"])
    assert results[0].ok
    assert results[0].count == 0
    assert _fired("three-in-30-days").count() == 1
    notice = MissingNotice.objects.get(firing__trigger__code="three-in-30-days")
    assert notice.recipient == practitioner  # the lead professional
    assert "strategy discussion" in notice.summary
    assert AuditEvent.objects.filter(action="missing_trigger.fired").count() == 1


def test_a_new_run_after_the_window_fires_again(world):
    practitioner = world.users["practitioner"]
    for day in (1, 5, 9):
        record(practitioner, world.inside, uk(date(2026, 5, day), 20))
    for day in (10, 14, 18):
        record(practitioner, world.inside, uk(date(2026, 7, day), 20))
    assert _fired("three-in-30-days").count() == 2


def test_episodes_spread_out_do_not_fire(world):
    practitioner = world.users["practitioner"]
    for month in (3, 5, 7):
        record(practitioner, world.inside, uk(date(2026, month, 1), 20))
    assert not _fired("three-in-30-days").exists()


def test_first_episode_in_care_notifies_the_lead_professional_once(world):
    practitioner = world.users["practitioner"]
    record(practitioner, world.inside, uk(date(2026, 6, 1), 20), setting="home")
    assert not _fired("first-episode-in-care").exists()
    record(practitioner, world.inside, uk(date(2026, 8, 1), 20), setting="care")
    record(practitioner, world.inside, uk(date(2026, 10, 1), 20), setting="care")
    assert _fired("first-episode-in-care").count() == 1
    assert (
        MissingNotice.objects.filter(
            firing__trigger__code="first-episode-in-care", recipient=practitioner
        ).count()
        == 1
    )


def test_out_of_area_emails_the_placing_authority_without_a_name(world, django_capture_on_commit_callbacks):
    practitioner = world.users["practitioner"]
    with django_capture_on_commit_callbacks(execute=True):
        record(
            practitioner,
            world.inside,
            uk(date(2026, 6, 1), 20),
            setting="care",
            out_of_area=True,
            placing_authority="Suffolk County Council",
            placing_authority_email="missing@suffolk.example",
        )
    firing = _fired("out-of-area").get()
    assert firing.emailed_to == "missing@suffolk.example"
    sent = [m for m in mail.outbox if m.to == ["missing@suffolk.example"]]
    assert len(sent) == 1
    assert "Jade" not in sent[0].body
    assert "Bishop" not in sent[0].body


def test_an_inactive_trigger_does_not_fire(world):
    MissingTrigger.objects.filter(code="first-episode-in-care").update(active=False)
    record(world.users["practitioner"], world.inside, uk(date(2026, 8, 1), 20), setting="care")
    assert not _fired("first-episode-in-care").exists()


def test_thresholds_come_from_reference_data(world):
    trigger = MissingTrigger.objects.get(code="three-in-30-days")
    trigger.rule = {**trigger.rule, "count": 2}
    trigger.save()
    practitioner = world.users["practitioner"]
    record(practitioner, world.inside, uk(date(2026, 9, 1), 20))
    record(practitioner, world.inside, uk(date(2026, 9, 2), 20))
    assert _fired("three-in-30-days").count() == 1


def test_nobody_allocated_tells_the_front_door_managers(world):
    # world.outside's only allocation is the Breckland worker as lead professional: end it.
    world.outside.allocations.update(ends_on=timezone.localdate() - timedelta(days=1))
    assert triggers.lead_professionals(world.outside.pk) == [world.users["team-manager"]]
