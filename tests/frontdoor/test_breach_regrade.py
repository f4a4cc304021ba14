"""Re-grading a referral after its breach was reported: the report stays as history, marked re-graded,
and a new breach is reported against the new timescale if (and only if) that one passes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core import ticks
from harbour.frontdoor import services
from harbour.frontdoor import ticks as frontdoor_ticks
from harbour.frontdoor.models import Referral, ReferralBreach, ReferralNotification
from tests.api.conftest import bearer_headers
from tests.frontdoor.helpers import about, park, referral_input, submit

pytestmark = pytest.mark.django_db


def tick() -> int:
    return {r.code: r for r in ticks.run_all(only=["frontdoor.breaches"])}["frontdoor.breaches"].count


def regrade(world: Any, referral: Referral, urgency: str) -> Referral:
    referral.refresh_from_db()
    return services.referral_regrade(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        urgency=urgency,
        reason="New information from the school.",
    )


def test_a_tick_keeps_each_breach_report_as_history(world):
    referral = submit(world.users["practitioner"], about(world.inside, urgency="urgent"))
    Referral.objects.filter(pk=referral.pk).update(due_by=timezone.now() - timedelta(hours=2))
    assert tick() == 1
    breach = ReferralBreach.objects.get()
    assert breach.referral_id == referral.pk
    assert breach.urgency.code == "urgent"
    assert breach.managers_told == 1
    assert breach.regraded_at is None
    assert AuditEvent.objects.get(action="referral.breach_reported").detail["urgency"] == "urgent"


def test_regrading_to_a_timescale_not_yet_passed_marks_the_breach_and_reports_again_only_if_it_passes(world):
    referral = submit(world.users["practitioner"], about(world.inside, urgency="urgent"))
    Referral.objects.filter(pk=referral.pk).update(due_by=timezone.now() - timedelta(hours=2))
    assert tick() == 1
    regraded = regrade(world, referral, "standard")  # due by the end of the next working day
    assert regraded.due_by > timezone.now()
    assert regraded.breach_reported_at is None
    old = ReferralBreach.objects.get()
    assert old.regraded_at is not None
    assert old.regraded_by == world.users["front-door-officer"]
    assert old.regraded_to.code == "standard"
    assert AuditEvent.objects.get(action="referral.regraded").detail["breach_regraded"] is True
    # The new timescale has not passed: nothing new is reported, and the old notice is still there.
    assert tick() == 0
    assert ReferralBreach.objects.count() == 1
    assert ReferralNotification.objects.filter(kind="breach").count() == 1
    # When it passes, a new breach is reported against the new timescale.
    with transaction.atomic():
        assert frontdoor_ticks.report_breaches(regraded.due_by + timedelta(minutes=1)) == 1
    new = ReferralBreach.objects.exclude(pk=old.pk).get()
    assert new.urgency.code == "standard"
    assert new.due_by == regraded.due_by
    assert new.regraded_at is None
    assert ReferralNotification.objects.filter(kind="breach").count() == 2


def test_regrading_to_a_timescale_already_passed_is_reported_as_a_new_breach(world):
    referral = submit(world.users["practitioner"], about(world.inside, urgency="standard"))
    long_ago = timezone.now() - timedelta(days=14)
    Referral.objects.filter(pk=referral.pk).update(submitted_at=long_ago, due_by=long_ago + timedelta(days=1))
    assert tick() == 1
    regrade(world, referral, "urgent")
    assert tick() == 1
    first, second = ReferralBreach.objects.order_by("reported_at", "created_at")
    assert first.urgency.code == "standard"
    assert first.regraded_to.code == "urgent"
    assert second.urgency.code == "urgent"
    assert second.regraded_at is None
    assert tick() == 0  # once per timescale


def test_a_regrade_that_keeps_the_due_time_keeps_the_report(world):
    referral = submit(world.users["practitioner"], referral_input(urgency="urgent", contexts=[park()]))
    long_ago = timezone.now() - timedelta(days=14)
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=long_ago, due_by=long_ago + timedelta(hours=1)
    )
    referral.refresh_from_db()
    regrade(world, referral, "urgent")  # puts the due time where the urgency says (long ago)
    assert tick() == 1
    kept = regrade(world, referral, "immediate-risk")  # the same working day: the same due time
    assert kept.breach_reported_at is not None
    assert ReferralBreach.objects.get().regraded_at is None
    assert AuditEvent.objects.filter(action="referral.regraded").last().detail["breach_regraded"] is False
    assert tick() == 0


def test_the_referral_page_and_api_show_the_history_to_the_front_door(world):
    referral = submit(world.users["practitioner"], about(world.inside, urgency="urgent"))
    Referral.objects.filter(pk=referral.pk).update(due_by=timezone.now() - timedelta(hours=2))
    tick()
    regrade(world, referral, "standard")
    url = reverse("frontdoor:referral", args=[referral.pk])
    officer_page = world.client_for("front-door-officer").get(url).content.decode()
    assert "Past its timescale (Urgent): re-graded" in officer_page
    assert "Re-graded to Standard" in officer_page
    manager_page = world.client_for("team-manager").get(url).content.decode()
    assert "Past its timescale (Urgent): re-graded" in manager_page
    referrer_page = world.client_for("practitioner").get(url).content.decode()
    assert "Past its timescale" not in referrer_page
    response = Client().get(
        f"/api/v1/referrals/{referral.pk}", **bearer_headers(world.users["front-door-officer"])
    )
    breaches = json.loads(response.content)["breaches"]
    assert [(b["urgency"]["code"], b["regraded_to"]["code"]) for b in breaches] == [("urgent", "standard")]
