"""Access's periodic job: write to the audit trail when grants and break-glass access run out.

Access already stops at ``expires_at`` (policies compare with the clock); this job makes the end
visible in the audit trail, as ``grant.expired`` and ``break_glass.expired``, exactly once each.
Rows revoked before they expired ended by revocation (already audited) and are left alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from django.db.models import F, Model, Q, QuerySet

from harbour.access.models import AccessGrant, BreakGlass
from harbour.audit import services as audit
from harbour.core.ticks import TickJob, register

_Row = TypeVar("_Row", bound=Model)


def _expired_unrecorded(queryset: QuerySet[_Row], now: datetime) -> QuerySet[_Row]:
    """Rows that reached ``expires_at`` by ``now`` while still in force, not yet recorded.

    ``select_for_update`` makes a second, overlapping tick on PostgreSQL wait and then skip the rows
    the first one recorded; SQLite's single writer serialises the ticks already.
    """
    return (
        queryset.select_for_update(of=("self",))
        .filter(expires_at__lte=now, expiry_recorded_at__isnull=True)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=F("expires_at")))
        .order_by("expires_at", "pk")
    )


def record_expired_grants(now: datetime) -> int:
    grants = list(_expired_unrecorded(AccessGrant.objects.select_related("grantee"), now))
    for grant in grants:
        audit.record(
            None,
            "grant.expired",
            grant,
            person_id=grant.person_id,
            detail={"grantee": grant.grantee.get_username(), "expires_at": grant.expires_at.isoformat()},
        )
    AccessGrant.objects.filter(pk__in=[grant.pk for grant in grants]).update(expiry_recorded_at=now)
    return len(grants)


def record_expired_break_glass(now: datetime) -> int:
    uses = list(_expired_unrecorded(BreakGlass.objects.select_related("user"), now))
    for use in uses:
        audit.record(
            None,
            "break_glass.expired",
            use,
            person_id=use.person_id,
            detail={"user": use.user.get_username(), "expires_at": use.expires_at.isoformat()},
        )
    BreakGlass.objects.filter(pk__in=[use.pk for use in uses]).update(expiry_recorded_at=now)
    return len(uses)


GRANTS_EXPIRED = TickJob(
    "access.grants_expired",
    "Record in the audit trail each access grant that has expired",
    record_expired_grants,
)
BREAK_GLASS_EXPIRED = TickJob(
    "access.break_glass_expired",
    "Record in the audit trail each use of break-glass whose time has run out",
    record_expired_break_glass,
)


def register_jobs() -> None:
    register(GRANTS_EXPIRED)
    register(BREAK_GLASS_EXPIRED)
