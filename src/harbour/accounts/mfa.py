from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator


def user_has_mfa(user: Any) -> bool:
    """True when the user has enrolled a TOTP authenticator (cached on the user for the request)."""
    cached = getattr(user, "_harbour_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._harbour_has_mfa = cached
    return bool(cached)
