"""Notices at the top of a young person's summary page, registered by the apps that own what they say.

The people app must not reach into domain apps, so each app registers its own from ``AppConfig.ready``::

    from harbour.ui.record_notices import register

    register("assessments-open", lambda actor, person: render_to_string(...) if ... else "")

A notice is asked only for someone the actor sees in full, and returns HTML (a GOV.UK notification
banner, say) or an empty string. It must read through the app's own selectors, and audit what it shows
as the app's pages would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

Notice = Callable[[Any, Any], str]

_registry: dict[str, Notice] = {}


def register(code: str, notice: Notice) -> None:
    """Add a notice (or replace the one with the same code, so repeated set-up is harmless)."""
    _registry[code] = notice


def notices_for(actor: Any, person: Any) -> list[SafeString]:
    """The notices for this young person's summary, in the order they were registered."""
    # Each notice is its app's own rendered template.
    return [mark_safe(html) for notice in _registry.values() if (html := notice(actor, person))]  # noqa: S308
