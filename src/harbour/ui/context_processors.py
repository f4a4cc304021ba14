from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest

from harbour.ui.demo import demo_mode
from harbour.ui.navigation import navigation_for

T = TypeVar("T")


def _once(compute: Callable[[], T]) -> Callable[[], T]:
    """Computed when a template first asks for it (templates call callables), then remembered."""
    return cache(compute)


def _account(request: HttpRequest) -> dict[str, str] | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    membership = user.primary_membership()
    return {
        "name": str(user),
        "agency": membership.team.agency.name if membership else "",
    }


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's shell needs: demo mode, the menu and the signed-in user (the last two are
    worked out only if the page shows them)."""
    return {
        "harbour_demo_mode": demo_mode(),
        "harbour_env": settings.HARBOUR_ENV,
        "harbour_navigation": _once(lambda: navigation_for(request)),
        "harbour_account": _once(lambda: _account(request)),
    }
