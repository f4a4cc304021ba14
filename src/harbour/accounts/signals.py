"""Sign-ins and failed sign-ins go to the audit trail (the username tried, never the password)."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from harbour.audit import services as audit


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(user, "user.logged_in", obj=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(user, "user.logged_out", obj=user)


@receiver(user_login_failed)
def audit_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(None, "user.login_failed", detail={"username": username})


@receiver(mfa_signals.authentication_failed)
def audit_mfa_failed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    audit.record(None, "user.mfa_failed", obj=user, detail={"username": user.get_username() if user else ""})


@receiver(mfa_signals.authenticator_added)
def audit_mfa_enrolled(
    sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kwargs: Any
) -> None:
    audit.record(user, "user.mfa_enrolled", obj=user, detail={"type": getattr(authenticator, "type", "")})


@receiver(mfa_signals.authenticator_removed)
def audit_mfa_removed(
    sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kwargs: Any
) -> None:
    audit.record(user, "user.mfa_removed", obj=user, detail={"type": getattr(authenticator, "type", "")})
