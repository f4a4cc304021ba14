"""Who sees the partnership figures: partnership leaders and analysts (aggregates only, no names)."""

from __future__ import annotations

from typing import Any

from harbour.access import policies as access

VIEW_CAPABILITIES = frozenset({"partnership.performance", "analytics.pseudonymised"})


def can_view_figures(actor: Any) -> bool:
    """A current staff member holding ``partnership.performance`` or ``analytics.pseudonymised``."""
    return access.is_staff_member(actor) and bool(VIEW_CAPABILITIES & set(actor.capabilities()))
