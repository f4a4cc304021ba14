"""Administering agencies, teams and staff accounts. Used by the `harbour agency|team|user` commands.

The actor is the administrator doing it (None when run from the command line by the operator, which
the audit trail records as the system channel).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from harbour.accounts.models import Agency, AgencyType, Membership, Role, Team, User
from harbour.audit import services as audit


def _require_admin(actor: Any) -> None:
    if actor is not None and not actor.has_capability("admin.system"):
        raise ValidationError("Only a system administrator can change agencies, teams and accounts.")


def agency_create(*, actor: Any, name: str, agency_type_code: str, district: Any = None) -> Agency:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the agency's name."})
    agency_type = AgencyType.objects.filter(code=agency_type_code, active=True).first()
    if agency_type is None:
        codes = ", ".join(AgencyType.objects.filter(active=True).values_list("code", flat=True))
        raise ValidationError(
            {"agency_type": f"Unknown agency type {agency_type_code!r}. Use one of: {codes}."}
        )
    if Agency.objects.filter(name=name).exists():
        raise ValidationError({"name": f"An agency called {name!r} already exists."})
    with transaction.atomic():
        agency = Agency.objects.create(name=name, agency_type=agency_type, district=district)
        audit.record(actor, "agency.created", agency, detail={"name": name, "type": agency_type.code})
    return agency


def team_create(*, actor: Any, agency: Agency, name: str) -> Team:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the team's name."})
    if Team.objects.filter(agency=agency, name=name).exists():
        raise ValidationError({"name": f"{agency.name} already has a team called {name!r}."})
    with transaction.atomic():
        team = Team.objects.create(agency=agency, name=name)
        audit.record(actor, "team.created", team, detail={"agency": agency.name, "name": name})
    return team


def user_create(
    *,
    actor: Any,
    username: str,
    email: str,
    display_name: str,
    team: Team,
    role_code: str,
    starts_on: date | None = None,
) -> User:
    """Create a staff account with its first membership. The user sets a password and enrols MFA."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    username = username.strip()
    if not username:
        errors["username"] = "Enter a username."
    elif User.objects.filter(username=username).exists():
        errors["username"] = f"The username {username!r} is taken."
    role = Role.objects.filter(code=role_code, active=True).first()
    if role is None:
        codes = ", ".join(Role.objects.filter(active=True).values_list("code", flat=True))
        errors["role"] = f"Unknown role {role_code!r}. Use one of: {codes}."
    if errors or role is None:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User(username=username, email=email.strip(), display_name=display_name.strip())
        user.set_unusable_password()
        user.save()
        Membership.objects.create(
            user=user, team=team, role=role, starts_on=starts_on or timezone.localdate()
        )
        audit.record(actor, "user.created", user, detail={"team": str(team), "role": role_code})
    return user


def membership_add(
    *, actor: Any, user: User, team: Team, role_code: str, is_primary: bool = False
) -> Membership:
    _require_admin(actor)
    role = Role.objects.filter(code=role_code, active=True).first()
    if role is None:
        raise ValidationError({"role": f"Unknown role {role_code!r}."})
    with transaction.atomic():
        membership = Membership.objects.create(user=user, team=team, role=role, is_primary=is_primary)
        audit.record(actor, "membership.added", membership, detail={"team": str(team), "role": role_code})
    return membership


def user_deactivate(*, actor: Any, user: User) -> User:
    """Stop a leaver signing in, and end their memberships today; their audit trail stays."""
    _require_admin(actor)
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        Membership.objects.filter(user=user, ends_on__isnull=True).update(ends_on=timezone.localdate())
        user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor, "user.deactivated", user)
    return user


def user_reset_mfa(*, actor: Any, user: User) -> int:
    """Remove a user's authenticators (lost phone); they must enrol again at their next sign-in."""
    _require_admin(actor)
    with transaction.atomic():
        removed, _ = Authenticator.objects.filter(user=user).delete()
        audit.record(actor, "user.mfa_reset", user, detail={"authenticators_removed": removed})
    return removed
