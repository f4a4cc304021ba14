"""Reads about access itself: who is in a network, break-glass uses waiting for a manager's review."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from harbour.access.models import AccessGrant, Allocation, BreakGlass


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


def known_to_agencies_for(*, person_ids: list[Any]) -> dict[Any, list[Any]]:
    """``known_to_agencies`` for many people in one query, for lists and search results."""
    result: dict[Any, dict[Any, Any]] = {}
    allocations = (
        Allocation.objects.current()
        .filter(person_id__in=person_ids)
        .select_related("agency")
        .order_by("network_role__sort_order", "starts_on")
    )
    for allocation in allocations:
        result.setdefault(allocation.person_id, {}).setdefault(allocation.agency_id, allocation.agency)
    return {person_id: list(agencies.values()) for person_id, agencies in result.items()}


def grants_for(*, person_id: Any) -> QuerySet[AccessGrant]:
    """Time-limited grants in force on a person's record (callers check the actor may see it)."""
    return (
        AccessGrant.objects.active()
        .filter(person_id=person_id)
        .select_related("grantee", "granted_by")
        .order_by("expires_at")
    )


def break_glass_to_review_for(*, actor: Any) -> QuerySet[BreakGlass]:
    return (
        BreakGlass.objects.filter(flagged_to=actor, reviewed_at__isnull=True)
        .select_related("user", "person")
        .order_by("-created_at")
    )
