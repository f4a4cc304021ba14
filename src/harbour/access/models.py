"""Who is in a young person's professional network, and who else has been let in, for how long."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from harbour.core.models import BaseModel, ReferenceData


class NetworkRole(ReferenceData):
    """Lead professional, allocated social worker, youth worker, school safeguarding lead..."""

    grants_access = models.BooleanField(
        default=True, help_text="Whether holding this role in a network lets the worker see the record."
    )


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def current(self) -> AllocationQuerySet:
        today = timezone.localdate()
        return self.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


class Allocation(BaseModel):
    """One agency, team or worker in a young person's professional network, for a period.

    A row naming a worker lets that worker in; a row naming a team (and no worker) lets the team's
    members in; a row naming only an agency records that the agency is involved (it shows in the
    "known to" view) without opening the record to everyone in that agency.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="allocations")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    network_role = models.ForeignKey(NetworkRole, on_delete=models.PROTECT, related_name="allocations")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        indexes = [
            models.Index(fields=["worker", "person"], name="allocation_worker_person"),
            models.Index(fields=["team", "person"], name="allocation_team_person"),
            # The records allocated to a team as a whole (no named worker): its members see them.
            models.Index(
                fields=["team", "person"], condition=Q(worker__isnull=True), name="allocation_team_only"
            ),
        ]

    def __str__(self) -> str:
        who = self.worker or self.team or self.agency
        return f"{who} as {self.network_role}"


_Row = TypeVar("_Row", bound=models.Model)


class ActiveQuerySet(models.QuerySet[_Row]):
    """For rows that are in force until ``expires_at`` unless revoked."""

    def active(self) -> ActiveQuerySet[_Row]:
        return self.filter(expires_at__gt=timezone.now(), revoked_at__isnull=True)


class AccessGrant(BaseModel):
    """Time-limited access given by someone entitled to give it (a panel chair, a manager)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="access_grants")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants_given"
    )
    reason = models.TextField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    expiry_recorded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When `harbour tick` recorded that the grant expired.",
    )

    objects = ActiveQuerySet["AccessGrant"].as_manager()

    def __str__(self) -> str:
        return f"Grant to {self.grantee} until {self.expires_at:%Y-%m-%d %H:%M}"


class BreakGlass(BaseModel):
    """Emergency access the user gave themselves, with a reason; their manager is told."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="break_glass")
    reason = models.TextField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    flagged_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="break_glass_flags",
        help_text="The manager told about this use of break-glass.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    expiry_recorded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When `harbour tick` recorded that the access expired.",
    )

    objects = ActiveQuerySet["BreakGlass"].as_manager()

    class Meta:
        verbose_name_plural = "break-glass uses"

    def __str__(self) -> str:
        return f"Break-glass by {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class SensitivityLabel(ReferenceData):
    """A label on an item that narrows who sees it, such as health-restricted."""

    required_capability = models.CharField(
        max_length=60, blank=True, help_text="Capability needed to see labelled items."
    )
    allowed_agency_types = models.ManyToManyField(
        "accounts.AgencyType",
        blank=True,
        help_text="If any are chosen, only staff of these agency types see labelled items.",
    )
