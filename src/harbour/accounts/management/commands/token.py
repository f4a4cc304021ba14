"""`harbour token create USERNAME` and `harbour token revoke TOKEN_HINT_OR_ID`: personal access tokens.

`create` prints the new token alone on standard output, once (so `TOKEN=$(harbour token create ...)`
works); what it is for and when it expires go to standard error.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from harbour.accounts.models import User
from harbour.accounts.tokens import api_token_create, api_token_find, api_token_revoke
from harbour.core import request_context

DEFAULT_DAYS = 90
MAX_DAYS = 366


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise CommandError("--days must be a whole number of days.") from None
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
    return days


def _problem(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Make or revoke a personal access token for the API."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,revoke}")
        create = actions.add_parser("create", help="Print a new API token for USERNAME (shown once).")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for (default: 'cli').")
        create.add_argument(
            "--days",
            type=_days,
            default=DEFAULT_DAYS,
            help=f"Days until it expires (1 to {MAX_DAYS}, default {DEFAULT_DAYS}).",
        )
        revoke = actions.add_parser("revoke", help="Stop a token working, by its hint or id.")
        revoke.add_argument("token", metavar="TOKEN_HINT_OR_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        context = request_context.set_current(request_context.RequestContext(channel="cli"))
        try:
            if options["action"] == "create":
                self._create(options["username"], options["name"] or "cli", options["days"])
            else:
                self._revoke(options["token"])
        finally:
            request_context.reset(context)

    def _create(self, username: str, name: str, days: int) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        expires_at = timezone.now() + timedelta(days=days)
        try:
            token, raw = api_token_create(actor=None, user=user, name=name, expires_at=expires_at)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(_problem(exc) if isinstance(exc, ValidationError) else str(exc)) from exc
        self.stdout.write(raw)
        expires = timezone.localtime(expires_at).strftime("%-d %B %Y at %H:%M")
        self.stderr.write(
            f"Token {token.hint}... ({token.name}) for {user.get_username()}, id {token.pk}, "
            f"expires {expires}. Copy it now: it will not be shown again."
        )

    def _revoke(self, hint_or_id: str) -> None:
        try:
            token = api_token_find(hint_or_id=hint_or_id)
            token = api_token_revoke(actor=None, token=token)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(_problem(exc) if isinstance(exc, ValidationError) else str(exc)) from exc
        self.stdout.write(f"Revoked token {token.hint}... ({token.name}) for {token.user.get_username()}.")
