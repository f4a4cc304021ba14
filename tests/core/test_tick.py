"""`harbour tick`: a registry of periodic jobs, each in its own transaction, and access's expiry job."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from harbour.access.models import AccessGrant, BreakGlass
from harbour.access.ticks import BREAK_GLASS_EXPIRED, GRANTS_EXPIRED
from harbour.accounts.models import AgencyType
from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain
from harbour.core import ticks
from harbour.core.ticks import TickJob, register, run_all, unregister

NOW = timezone.now()


@pytest.fixture
def temporary_jobs() -> Iterator[list[str]]:
    codes: list[str] = []
    yield codes
    for code in codes:
        unregister(code)


def add(codes: list[str], job: TickJob) -> TickJob:
    codes.append(job.code)
    return register(job)


def test_access_jobs_are_registered_by_the_access_app() -> None:
    registered = {job.code: job for job in ticks.jobs()}
    assert registered["access.grants_expired"] is GRANTS_EXPIRED
    assert registered["access.break_glass_expired"] is BREAK_GLASS_EXPIRED


def test_registering_is_idempotent_but_a_code_names_one_job(temporary_jobs: list[str]) -> None:
    job = add(temporary_jobs, TickJob("test.one", "One", lambda now: 0))
    register(job)
    with pytest.raises(ValueError, match="already registered"):
        register(TickJob("test.one", "Another", lambda now: 1))


@pytest.mark.django_db
def test_a_failing_job_rolls_back_its_own_work_and_the_others_still_run(temporary_jobs: list[str]) -> None:
    def writes_then_fails(now: dt.datetime) -> int:
        AgencyType.objects.create(code="written-then-undone", label="Undone")
        raise RuntimeError("boom")

    def writes(now: dt.datetime) -> int:
        AgencyType.objects.get_or_create(code="kept", defaults={"label": "Kept"})
        return 1

    add(temporary_jobs, TickJob("test.a_fails", "Fails", writes_then_fails))
    add(temporary_jobs, TickJob("test.b_works", "Works", writes))
    results = {r.code: r for r in run_all(NOW, only=["test.a_fails", "test.b_works"])}

    assert not results["test.a_fails"].ok
    assert results["test.a_fails"].error == "RuntimeError"
    assert results["test.b_works"].ok
    assert results["test.b_works"].count == 1
    assert not AgencyType.objects.filter(code="written-then-undone").exists()
    assert AgencyType.objects.filter(code="kept").exists()

    with pytest.raises(CommandError, match="1 of 2 tick jobs failed"):
        call_command(
            "tick", only=["test.a_fails", "test.b_works"], stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_unknown_job_is_refused() -> None:
    with pytest.raises(ValueError, match="No tick job"):
        run_all(NOW, only=["no.such.job"])


def make_grant(
    world: Any, person: Any, *, expires_at: dt.datetime, revoked_at: dt.datetime | None = None
) -> AccessGrant:
    return AccessGrant.objects.create(
        person=person,
        grantee=world.users["panel-chair"],
        granted_by=world.users["team-manager"],
        reason="Attending the MACE panel for this young person",
        expires_at=expires_at,
        revoked_at=revoked_at,
    )


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_expiries_are_recorded_exactly_once(world: Any) -> None:
    hour = dt.timedelta(hours=1)
    expired = make_grant(world, world.inside, expires_at=NOW - hour)
    running = make_grant(world, world.outside, expires_at=NOW + hour)
    revoked_first = make_grant(world, world.team_case, expires_at=NOW - hour, revoked_at=NOW - 2 * hour)
    revoked_after = make_grant(world, world.team_case, expires_at=NOW - 2 * hour, revoked_at=NOW - hour)
    glass = BreakGlass.objects.create(
        person=world.outside,
        user=world.users["practitioner"],
        reason="Missing overnight, need contacts",
        expires_at=NOW - hour,
    )
    open_glass = BreakGlass.objects.create(
        person=world.inside,
        user=world.users["practitioner"],
        reason="Missing overnight, need contacts",
        expires_at=NOW + hour,
    )

    first = {r.code: r.count for r in run_all(NOW)}
    second = {r.code: r.count for r in run_all(NOW)}

    assert first["access.grants_expired"] == 2
    assert first["access.break_glass_expired"] == 1
    assert second["access.grants_expired"] == second["access.break_glass_expired"] == 0
    grant_events = events("grant.expired")
    assert [e.object_id for e in grant_events] == [str(revoked_after.pk), str(expired.pk)]
    assert grant_events[1].person_id == world.inside.pk
    assert grant_events[1].detail["grantee"] == "panel_chair"
    assert grant_events[1].actor_username == ""  # the system, not a person
    assert [e.object_id for e in events("break_glass.expired")] == [str(glass.pk)]
    for row in (expired, revoked_after, glass):
        row.refresh_from_db()
        assert row.expiry_recorded_at == NOW
    for row in (running, revoked_first, open_glass):
        row.refresh_from_db()
        assert row.expiry_recorded_at is None

    later = {r.code: r.count for r in run_all(NOW + 2 * hour) if r.code.startswith("access.")}
    assert later == {"access.grants_expired": 1, "access.break_glass_expired": 1}
    assert len(events("grant.expired")) == 3
    assert len(events("break_glass.expired")) == 2
    assert list(verify_chain()) == []


def test_tick_command_lists_and_runs_the_jobs(world: Any) -> None:
    make_grant(world, world.inside, expires_at=timezone.now() - dt.timedelta(minutes=5))
    listing = io.StringIO()
    call_command("tick", list=True, stdout=listing)
    assert "access.grants_expired" in listing.getvalue()

    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "access.grants_expired: 1" in out.getvalue()
    out = io.StringIO()
    call_command("tick", only=["access.grants_expired"], stdout=out)
    assert out.getvalue().strip().startswith("access.grants_expired: 0")
    with pytest.raises(CommandError, match="No tick job"):
        call_command("tick", only=["nope"], stdout=io.StringIO())
