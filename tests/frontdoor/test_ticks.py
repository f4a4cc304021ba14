"""`harbour tick` reports each referral past its timescale once, to the triage team's managers."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core import ticks
from harbour.frontdoor import selectors, services
from harbour.frontdoor.models import Referral, ReferralNotification
from tests import factories
from tests.frontdoor.helpers import about, submit

pytestmark = pytest.mark.django_db


def overdue(referral: Referral, hours: int = 1) -> None:
    Referral.objects.filter(pk=referral.pk).update(due_by=timezone.now() - timedelta(hours=hours))


def test_breach_reported_once_to_the_manager_in_app_and_by_email(world, django_capture_on_commit_callbacks):
    manager = world.users["team-manager"]  # manages the Norwich team, where the front-door officer works
    late = submit(world.users["practitioner"], about(world.inside))
    on_time = submit(world.users["practitioner"])
    overdue(late)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        results = {result.code: result for result in ticks.run_all(only=["frontdoor.breaches"])}
    assert results["frontdoor.breaches"].count == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.breach_reported_at is not None
    assert on_time.breach_reported_at is None
    report = selectors.breach_reports_unread_for(actor=manager).get()
    assert report.referral == late
    assert [email.to for email in mail.outbox] == [[manager.email]]
    assert late.reference in mail.outbox[0].body
    assert "Jade" not in mail.outbox[0].body
    event = AuditEvent.objects.get(action="referral.breach_reported")
    assert event.actor_id is None
    assert event.detail["told"] == [manager.username]
    # A second tick reports nothing new.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = {result.code: result for result in ticks.run_all(only=["frontdoor.breaches"])}
    assert again["frontdoor.breaches"].count == 0
    assert mail.outbox == []
    assert ReferralNotification.objects.filter(kind="breach").count() == 1
    assert AuditEvent.objects.filter(action="referral.breach_reported").count() == 1


def test_decided_referrals_are_not_breaches(world):
    referral = submit(world.users["practitioner"])
    services.referral_decide(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        decision_type="advice-and-signposting",
        rationale="Advice given to the school.",
    )
    overdue(referral, hours=48)
    assert ticks.run_all(only=["frontdoor.breaches"])[0].count == 0


def test_only_managers_of_the_triage_team_are_told(world):
    other_manager = factories.make_user("other_manager", role="team-manager", team=world.breckland_team)
    referral = submit(world.users["practitioner"])
    overdue(referral)
    ticks.run_all(only=["frontdoor.breaches"])
    recipients = set(
        ReferralNotification.objects.filter(kind="breach").values_list("recipient__username", flat=True)
    )
    assert recipients == {world.users["team-manager"].username}
    assert other_manager.username not in recipients


def test_the_command_runs_the_job(world):
    referral = submit(world.users["practitioner"])
    overdue(referral)
    out = io.StringIO()
    call_command("tick", "--job", "frontdoor.breaches", stdout=out)
    assert "frontdoor.breaches: 1" in out.getvalue()
    referral.refresh_from_db()
    assert referral.breach_reported_at is not None


def test_the_queue_flags_breaches(world):
    referral = submit(world.users["practitioner"])
    overdue(referral)
    rows = selectors.referral_queue_for(actor=world.users["front-door-officer"])
    assert [row.overdue for row in rows] == [True]
