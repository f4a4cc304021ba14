"""The return home interview's clock: clock hours of elapsed time from the return, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harbour.missing import policies


def due_at_for(returned_at: datetime) -> datetime:
    """When the return home interview is due: ``HARBOUR_RHI_HOURS`` hours of elapsed time after the return.

    Computed in UTC: adding hours to a Europe/London time would add wall-clock hours, an hour out
    across a change of the clocks.
    """
    return returned_at.astimezone(UTC) + timedelta(hours=policies.rhi_hours())
