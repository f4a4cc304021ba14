"""The service navigation: which menu items a signed-in user sees, chosen by their capabilities.

The UI shell must not import domain apps, so items name their destination by URL name and are
resolved with ``reverse``; an item whose URL is not (yet) installed is left out rather than
breaking every page. Domain apps may add items with ``register`` from their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from harbour.accounts.capabilities import CAPABILITIES
from harbour.accounts.mfa import user_has_mfa

# Capabilities that do not involve named young people's records: analysts work on pseudonymised
# data, and partnership leaders and system administrators do not work with records. Every other
# capability is record work, whose holders search for people (new capabilities are included).
NOT_RECORD_WORK = frozenset({"analytics.pseudonymised", "partnership.performance", "admin.system"})
PEOPLE_WORK = frozenset(CAPABILITIES) - NOT_RECORD_WORK


@dataclass(frozen=True)
class NavEntry:
    """A possible menu item: shown when the user holds any of ``any_of`` (or always, if empty)."""

    label: str
    url_name: str
    any_of: frozenset[str] = frozenset()
    order: int = 100
    exact: bool = False  # active only on the page itself, not on pages below it


@dataclass(frozen=True)
class NavItem:
    """A menu item as shown to one user on one page."""

    label: str
    href: str
    current: bool  # this is the page being shown: aria-current="page"
    active: bool  # the page shown is within this section: aria-current="true"


_entries: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> NavEntry:
    """Add a menu item (or replace the one with the same URL name, so repeated set-up is harmless)."""
    _entries[entry.url_name] = entry
    return entry


def unregister(url_name: str) -> None:
    _entries.pop(url_name, None)


def entries() -> list[NavEntry]:
    return sorted(_entries.values(), key=lambda entry: (entry.order, entry.label))


register(NavEntry("Home", "ui:home", order=0, exact=True))
register(NavEntry("Search people", "people:search", any_of=PEOPLE_WORK, order=10))
register(
    NavEntry("Audit", "audit:search", any_of=frozenset({"audit.view_all", "audit.view_network"}), order=80)
)
register(NavEntry("Administration", "admin:index", any_of=frozenset({"admin.system"}), order=90))


def _href(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def items_for(user: Any, path: str, candidates: Iterable[NavEntry] | None = None) -> list[NavItem]:
    """The menu for ``user`` on the page at ``path``; empty for anyone not fully signed in."""
    if user is None or not user.is_authenticated or not user_has_mfa(user):
        return []
    capabilities = user.capabilities()
    items = []
    for entry in entries() if candidates is None else candidates:
        if entry.any_of and not entry.any_of & capabilities:
            continue
        href = _href(entry.url_name)
        if href is None:
            continue
        current = path == href
        active = current or (not entry.exact and href != "/" and path.startswith(href))
        items.append(NavItem(entry.label, href, current=current, active=active))
    return items


def navigation_for(request: HttpRequest) -> list[NavItem]:
    return items_for(getattr(request, "user", None), request.path)
