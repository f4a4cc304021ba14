"""Changing who may see a young person's record: allocations, grants and break-glass."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from harbour.access import policies
from harbour.access.models import AccessGrant, Allocation, BreakGlass, NetworkRole
from harbour.access.tasks import notify_break_glass
from harbour.accounts.models import Agency, Membership, Role, Team
from harbour.audit import services as audit

MAX_GRANT_DAYS = 90
MIN_REASON_LENGTH = 10


def allocation_add(
    *,
    actor: Any,
    person: Any,
    agency: Agency,
    network_role: NetworkRole,
    team: Team | None = None,
    worker: Any = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Allocation:
    """Add an agency, team or worker to a young person's professional network."""
    policies.require(actor, "network.manage", person)
    if team is not None and team.agency_id != agency.pk:
        raise ValidationError({"team": "The team must belong to the agency chosen."})
    if not policies.can_see_full(actor, person) and (
        worker == actor or (team is not None and worker is None and team.pk in policies.team_ids_of(actor))
    ):
        # The front door may set up a network for a record it cannot see, but not open it to itself:
        # that would be break-glass without the reason, the expiry or the manager being told.
        raise ValidationError({"worker": "You cannot add yourself or your own team to this network."})
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date."})
    with transaction.atomic():
        allocation = Allocation.objects.create(
            person=person,
            agency=agency,
            team=team,
            worker=worker,
            network_role=network_role,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit.record(
            actor,
            "allocation.added",
            allocation,
            person_id=person.pk,
            detail={"role": network_role.code, "agency": agency.name, "worker": str(worker or "")},
        )
    return allocation


def allocation_end(*, actor: Any, allocation: Allocation, ends_on: date | None = None) -> Allocation:
    policies.require(actor, "network.manage", allocation.person)
    ends_on = ends_on or timezone.localdate()
    if ends_on < allocation.starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date."})
    with transaction.atomic():
        allocation.ends_on = ends_on
        allocation.version += 1
        allocation.save(update_fields=["ends_on", "version", "updated_at"])
        audit.record(actor, "allocation.ended", allocation, person_id=allocation.person_id)
    return allocation


def grant_give(*, actor: Any, person: Any, grantee: Any, reason: str, expires_at: Any) -> AccessGrant:
    """Give a colleague time-limited access, for example for a panel meeting."""
    policies.require(actor, "grant.give", person)
    errors: dict[str, str] = {}
    if len(reason.strip()) < MIN_REASON_LENGTH:
        errors["reason"] = "Say why this colleague needs access (at least 10 characters)."
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = "The access must end in the future."
    elif expires_at > now + timedelta(days=MAX_GRANT_DAYS):
        errors["expires_at"] = f"Access can be given for at most {MAX_GRANT_DAYS} days at a time."
    if not policies.is_staff_member(grantee):
        errors["grantee"] = "Choose a colleague with a current team membership."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            person=person, grantee=grantee, granted_by=actor, reason=reason.strip(), expires_at=expires_at
        )
        audit.record(
            actor,
            "grant.given",
            grant,
            person_id=person.pk,
            reason=grant.reason,
            detail={"grantee": grantee.get_username(), "expires_at": expires_at.isoformat()},
        )
    return grant


def grant_revoke(*, actor: Any, grant: AccessGrant) -> AccessGrant:
    policies.require(actor, "grant.give", grant.person)
    with transaction.atomic():
        grant.revoked_at = timezone.now()
        grant.version += 1
        grant.save(update_fields=["revoked_at", "version", "updated_at"])
        audit.record(actor, "grant.revoked", grant, person_id=grant.person_id)
    return grant


def first_data_protection_officer() -> Any:
    today = timezone.localdate()
    dpo_roles = [
        role.pk for role in Role.objects.filter(active=True) if "audit.view_all" in role.capabilities
    ]
    membership = (
        Membership.objects.filter(role_id__in=dpo_roles, starts_on__lte=today, user__is_active=True)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
        .select_related("user")
        .order_by("starts_on")
        .first()
    )
    return membership.user if membership else None


def manager_of(user: Any) -> Any:
    """The manager of the user's primary team: someone else in that team whose role manages it."""
    membership = user.primary_membership()
    if membership is None:
        return None
    today = timezone.localdate()
    manager_membership = (
        Membership.objects.filter(team_id=membership.team_id, role__manages_team=True, starts_on__lte=today)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
        .exclude(user=user)
        .select_related("user")
        .order_by("starts_on")
        .first()
    )
    return manager_membership.user if manager_membership else None


def break_glass_open(*, actor: Any, person: Any, reason: str, hours: int | None = None) -> BreakGlass:
    """Open a record in an emergency: a reason is required, access expires, the manager is told."""
    policies.require(actor, "break_glass.use", person)
    max_hours = settings.HARBOUR_BREAK_GLASS_HOURS
    hours = max_hours if hours is None else hours
    errors: dict[str, str] = {}
    if len(reason.strip()) < MIN_REASON_LENGTH:
        errors["reason"] = "Say why you need this record now (at least 10 characters)."
    if not 1 <= hours <= max_hours:
        errors["hours"] = f"Break-glass access lasts between 1 and {max_hours} hours."
    if errors:
        raise ValidationError(errors)
    # With no other manager in their team, the data protection officer is told instead.
    manager = manager_of(actor) or first_data_protection_officer()
    with transaction.atomic():
        use = BreakGlass.objects.create(
            person=person,
            user=actor,
            reason=reason.strip(),
            expires_at=timezone.now() + timedelta(hours=hours),
            flagged_to=manager,
        )
        audit.record(
            actor,
            "break_glass.opened",
            use,
            person_id=person.pk,
            reason=use.reason,
            detail={"hours": hours, "flagged_to": manager.get_username() if manager else ""},
        )
        if manager is not None and manager.email:
            transaction.on_commit(lambda: notify_break_glass.enqueue(break_glass_id=str(use.pk)))
    policies.forget_cached_access(actor)
    return use


def break_glass_review(*, actor: Any, use: BreakGlass, note: str) -> BreakGlass:
    """The manager records that they have looked at a use of break-glass."""
    if use.flagged_to_id != actor.pk and not actor.has_capability("audit.view_all"):
        raise ValidationError("Only the manager it was flagged to can review this use of break-glass.")
    with transaction.atomic():
        use.reviewed_at = timezone.now()
        use.review_note = note.strip()
        use.version += 1
        use.save(update_fields=["reviewed_at", "review_note", "version", "updated_at"])
        audit.record(actor, "break_glass.reviewed", use, person_id=use.person_id)
    return use
