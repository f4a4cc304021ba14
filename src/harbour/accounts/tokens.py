"""Personal access tokens for the API: made, shown once, stored only as a SHA-256, revocable.

The raw token leaves this module once, in the return value of ``api_token_create``; the audit trail
and the database hold only its hash and its hint (the first characters, to recognise it by).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from harbour.accounts.models import ApiToken, User
from harbour.audit import services as audit

HINT_LENGTH = 12
LAST_USED_GRANULARITY = timedelta(minutes=1)
NAME_MAX_LENGTH = 100


def _may_manage_tokens_of(actor: Any, user: User) -> bool:
    """Actor ``None`` is the operator at the command line; otherwise yourself, or an administrator."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.pk == user.pk or actor.has_capability("admin.system")


def api_token_create(
    *, actor: Any, user: User, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``. Returns the stored token and the raw token, which is never stored."""
    if not _may_manage_tokens_of(actor, user):
        raise PermissionDenied("Not allowed: token.create.")
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the token a name, such as the system that will use it."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Must be {NAME_MAX_LENGTH} characters or fewer."
    if not user.is_active:
        errors["user"] = "This account is not active."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    raw = ApiToken.new_raw_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            token_hash=ApiToken.hash(raw),
            hint=raw[:HINT_LENGTH],
            expires_at=expires_at,
        )
        audit.record(
            actor,
            "token.created",
            token,
            detail={
                "user": user.get_username(),
                "name": name,
                "hint": token.hint,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, raw


def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Stop a token working from now on."""
    if not _may_manage_tokens_of(actor, token.user):
        raise PermissionDenied("Not allowed: token.revoke.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError("This token was already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor,
            "token.revoked",
            token,
            detail={"user": token.user.get_username(), "name": token.name, "hint": token.hint},
        )
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user a usable token belongs to, or None. Notes the use, at most once a minute."""
    raw = raw.strip()
    if not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(token_hash=ApiToken.hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    threshold = now - LAST_USED_GRANULARITY
    if token.last_used_at is None or token.last_used_at <= threshold:
        # Conditional, so concurrent requests write once; update() leaves version and updated_at alone.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold)
        ).update(last_used_at=now)
    user: User = token.user
    return user


def api_token_find(*, hint_or_id: str) -> ApiToken:
    """The one token with this id or hint (for the command line). Ambiguous or unknown: ValidationError."""
    value = hint_or_id.strip()
    if value.startswith(ApiToken.PREFIX) and len(value) > HINT_LENGTH:
        # Someone pasted the whole token: find it by its hash, and never echo it back.
        found = ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash(value)).first()
        if found is None:
            raise ValidationError("No token matches.")
        return found
    matches = ApiToken.objects.select_related("user")
    try:
        by_id = matches.filter(pk=value).first()
    except ValidationError:
        by_id = None
    if by_id is not None:
        return by_id
    candidates = list(matches.filter(hint=value)[:2])
    if not candidates:
        raise ValidationError("No token has this id or hint.")
    if len(candidates) > 1:
        raise ValidationError("More than one token has this hint: give the token's id instead.")
    return candidates[0]
