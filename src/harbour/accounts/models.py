"""Agencies, teams, roles, users and their memberships, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from harbour.accounts.capabilities import CAPABILITIES
from harbour.core import request_context
from harbour.core.models import BaseModel, ReferenceData


class AgencyType(ReferenceData):
    """Children's services, police, health, education setting, youth services and so on."""


class Agency(BaseModel):
    name = models.CharField(max_length=200, unique=True)
    agency_type = models.ForeignKey(AgencyType, on_delete=models.PROTECT, related_name="agencies")
    district = models.ForeignKey(
        "core.District", on_delete=models.PROTECT, null=True, blank=True, related_name="agencies"
    )
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(BaseModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_unique_name_in_agency")]

    def __str__(self) -> str:
        return Team.name_from(self.name, self.agency.name)

    @staticmethod
    def name_from(name: str, agency_name: str) -> str:
        """A team's name as ``str(team)`` gives it, from a row read without the model."""
        return f"{name} ({agency_name})"


class Role(ReferenceData):
    """A named set of capabilities; administrators change what a role allows."""

    capabilities = models.JSONField(default=list, blank=True)
    manages_team = models.BooleanField(
        default=False, help_text="Holders manage their team: they see its members' young people in full."
    )

    def clean(self) -> None:
        unknown = sorted(set(self.capabilities) - set(CAPABILITIES))
        if unknown:
            raise ValidationError({"capabilities": f"Unknown capabilities: {', '.join(unknown)}."})


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    # The columns ``str(user)`` reads: a list that shows names reads only these (``.only()``).
    NAME_FIELDS = ("display_name", "first_name", "last_name", "username")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return User.name_from(self.display_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(display_name: str, first_name: str, last_name: str, username: str) -> str:
        """A user's name as ``str(user)`` gives it (the name they chose, else their full name, else
        their username), from a row read without the model (``NAME_FIELDS``, in order)."""
        return display_name or f"{first_name} {last_name}".strip() or username

    def active_memberships(self) -> models.QuerySet[Membership]:
        today = timezone.localdate()
        return (
            self.memberships.filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
            .filter(starts_on__lte=today)
            .select_related("team__agency", "role")
        )

    def current_memberships(self) -> list[Membership]:
        """``active_memberships()``, read once a request (a home page asked it a dozen times)."""
        return request_context.once_a_request(
            ("memberships", self.pk), lambda: list(self.active_memberships())
        )

    def managed_team_ids(self) -> list[Any]:
        """The teams this user manages now (a current membership in an active role that manages)."""
        return [m.team_id for m in self.current_memberships() if m.role.manages_team and m.role.active]

    def capabilities(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_capabilities_cache", None)
        if cached is None:
            codes: set[str] = set()
            for membership in self.current_memberships():
                if membership.role.active:
                    codes.update(membership.role.capabilities)
            cached = frozenset(codes)
            self._capabilities_cache = cached
        return cached

    def has_capability(self, code: str) -> bool:
        return code in self.capabilities()

    def primary_membership(self) -> Membership | None:
        memberships = sorted(self.current_memberships(), key=lambda m: (not m.is_primary, m.starts_on))
        return memberships[0] if memberships else None

    @property
    def agency_name(self) -> str:
        membership = self.primary_membership()
        return membership.team.agency.name if membership else ""


class Membership(BaseModel):
    """A user's place in a team, in a role, for a period."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    is_primary = models.BooleanField(default=True)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "starts_on"]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.team}"

    def clean(self) -> None:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date."})


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(BaseModel):
    """A personal access token for machines. Only its SHA-256 is stored; it is shown once."""

    PREFIX = "hbr_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to recognise the token.")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects: Any = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}...)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw_token(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
