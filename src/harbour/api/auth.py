"""Who is calling the API: a personal access token (machines) or a signed-in browser session.

Tokens are looked up by their SHA-256; the raw token is never stored. A browser session must have
passed two-step verification (the sign-in middleware lets /api/ through, so the check is here) and
must send Django's CSRF token with every unsafe request.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie, HttpBearer

from harbour.accounts.mfa import user_has_mfa
from harbour.accounts.models import User
from harbour.accounts.tokens import api_token_authenticate
from harbour.api.errors import ApiError

REFUSED_MESSAGE = "This API token is not valid: it may have expired or been revoked."
NO_MFA_MESSAGE = (
    "Set up two-step verification (an authenticator app) for your account before you use the API."
)
CSRF_MESSAGE = "The CSRF check failed: send the X-CSRFToken header with the token from your session."


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hbr_...``: a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(raw=token)
        if user is None:
            # A wrong token is refused outright rather than falling back to the session.
            raise ApiError(401, "unauthorised", REFUSED_MESSAGE)
        request.user = user
        return user


class SessionMFAAuth(APIKeyCookie):
    """The browser's session, for users who have enrolled MFA; unsafe methods need the CSRF token."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF is checked in authenticate(), after we know there is a signed-in user, so that an
        # anonymous caller is told 401 (sign in) rather than 403 (CSRF).
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user.is_active:
            return None
        if not user_has_mfa(user):
            raise ApiError(403, "permission_denied", NO_MFA_MESSAGE)
        if not getattr(request, "_ninja_csrf_exempt", False) and _csrf_fails(request):
            raise ApiError(403, "permission_denied", CSRF_MESSAGE)
        return cast(User, user)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, reporting failure instead of rendering the HTML failure page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponseForbidden()


def _csrf_protected_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover (never called)
    return HttpResponse()


def _csrf_fails(request: HttpRequest) -> bool:
    """Whether an unsafe request lacks a valid CSRF token (safe methods always pass)."""
    check = _CsrfCheck(_csrf_protected_view)
    # API views are exempt from the global middleware; run the check here as if they were not.
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    return check.process_view(request, _csrf_protected_view, (), {}) is not None


def current_user(request: HttpRequest) -> User:
    """The authenticated caller (both authenticators leave the user on ``request.user``)."""
    user = request.user
    if not user.is_authenticated:
        raise ApiError(401, "unauthorised", "Sign in, or send a personal access token.")
    return cast(User, user)
