"""Reads about access itself: who is in a network, break-glass uses waiting for a manager's review."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from harbour.access.models import Allocation, BreakGlass


def network_for(*, person_id: Any) -> QuerySet[Allocation]:
    """Current members of a person's professional network (callers check the actor may see it)."""
    return (
        Allocation.objects.current()
        .filter(person_id=person_id)
        .select_related("agency", "team", "worker", "network_role")
        .order_by("network_role__sort_order", "starts_on")
    )


def known_to_agencies(*, person_id: Any) -> list[Any]:
    """Agencies currently involved, with their contact route: what the name-only view shows."""
    seen: dict[Any, Any] = {}
    for allocation in network_for(person_id=person_id):
        seen.setdefault(allocation.agency_id, allocation.agency)
    return list(seen.values())


def break_glass_to_review_for(*, actor: Any) -> QuerySet[BreakGlass]:
    return (
        BreakGlass.objects.filter(flagged_to=actor, reviewed_at__isnull=True)
        .select_related("user", "person")
        .order_by("-created_at")
    )
