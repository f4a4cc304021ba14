"""Demonstration mode: show the demo logins on the sign-in page and the demo users' current codes.

Only when ``HARBOUR_DEMO_MODE`` is on (settings refuse it in production), and only for users whose
username starts with ``demo-``: real accounts never have their codes shown, whatever the setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

DEMO_PREFIX = "demo-"


def demo_mode() -> bool:
    return (
        bool(getattr(settings, "HARBOUR_DEMO_MODE", False)) and getattr(settings, "HARBOUR_ENV", "") != "prod"
    )


def is_demo_user(user: Any) -> bool:
    return bool(user is not None and str(getattr(user, "username", "")).startswith(DEMO_PREFIX))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    agency: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts to offer on the sign-in page, by role."""
    if not demo_mode():
        return []
    users = get_user_model().objects.filter(username__startswith=DEMO_PREFIX, is_active=True)
    logins = []
    for user in users:
        membership = user.primary_membership()
        logins.append(
            (
                membership.role.sort_order if membership else 10_000,
                DemoLogin(
                    username=user.username,
                    name=str(user),
                    role=membership.role.label if membership else "No role",
                    agency=membership.team.agency.name if membership else "",
                ),
            )
        )
    return [login for _, login in sorted(logins, key=lambda pair: (pair[0], pair[1].username))]


def demo_password() -> str:
    if not demo_mode():
        return ""
    return str(getattr(settings, "HARBOUR_DEMO_PASSWORD", "") or "")


def pending_login_user(request: HttpRequest) -> Any:
    """The user part-way through signing in (password given, code not yet), or None."""
    stage = getattr(request, "_login_stage", None)  # set by allauth's login_stage_required
    if stage is not None:
        return stage.login.user
    # Reading the stashed login marks it as in use, which keeps a half-finished sign-in alive, so
    # only look on the page that asks for the code.
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "mfa_authenticate":
        return None
    from allauth.account.internal.stagekit import unstash_login

    login = unstash_login(request, peek=True)
    return login.user if login is not None else None


def totp_code(user: Any, at: float | None = None) -> str | None:
    """The user's authenticator code at the given time (now by default), or None if not enrolled."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = decrypt(authenticator.data["secret"])
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


@dataclass(frozen=True)
class DemoCode:
    username: str
    code: str
    seconds_left: int


def demo_code_for(request: HttpRequest) -> DemoCode | None:
    """The current code of the demo user signing in, when demonstration mode is on."""
    if not demo_mode():
        return None
    user = pending_login_user(request)
    if not is_demo_user(user):
        return None
    now = time.time()
    code = totp_code(user, at=now)
    if code is None:
        return None
    period = mfa_settings.TOTP_PERIOD
    return DemoCode(username=user.username, code=code, seconds_left=period - int(now) % period)
