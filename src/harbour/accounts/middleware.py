"""Staff must enrol TOTP before they reach anything but enrolment; idle sessions end."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from harbour.accounts.mfa import user_has_mfa

# Paths a signed-in user without MFA may still reach: sign-in and enrolment, assets, the public site.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/public/", "/api/", "/concern/")


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not user_has_mfa(user)
        ):
            messages.info(request, "Set up your authenticator app before you continue.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Signs out a session idle for ``HARBOUR_IDLE_MINUTES``.

    The time of the last request is written to the session at most once a minute
    (``TOUCH_SECONDS``): writing it on every request saved the session on every page, a database
    write and commit that cost 10 to 20 ms of each home page. So a session may end up to a minute
    sooner than the idle limit after its last request, never later.
    """

    SESSION_KEY = "harbour_last_seen"
    TOUCH_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(self.SESSION_KEY)
            if last_seen is not None and now - float(last_seen) > settings.HARBOUR_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.HARBOUR_IDLE_MINUTES} minutes without activity.",
                )
                return redirect(settings.LOGIN_URL)
            if last_seen is None or now - float(last_seen) >= self.TOUCH_SECONDS:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)
