"""`harbour demo_logins`: the demo users, their roles and the password (``harbour demo`` prints it)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandParser

from harbour.accounts.models import User
from harbour.demo.constants import DEMO_ROLES, DEMO_USERNAME_PREFIX, demo_password


class Command(BaseCommand):
    help = "List the demo users (one per role) with the demo password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--secrets",
            action="store_true",
            help="Also show each demo user's authenticator (TOTP) secret, to add to an app.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = list(User.objects.filter(username__startswith=DEMO_USERNAME_PREFIX).order_by("username"))
        if not users:
            self.stdout.write("There are no demo users: run `harbour seed` (or `harbour demo`) first.")
            return
        secrets: dict[Any, str] = {}
        if options["secrets"]:
            for authenticator in Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP):
                secrets[authenticator.user_id] = decrypt(authenticator.data["secret"])
        rows = []
        for user in users:
            membership = user.primary_membership()
            role_code = membership.role.code if membership else ""
            order = DEMO_ROLES.index(role_code) if role_code in DEMO_ROLES else len(DEMO_ROLES)
            rows.append(
                (
                    order,
                    user.username,
                    membership.role.label if membership else "(no role)",
                    membership.team.name if membership else "",
                    secrets.get(user.pk, ""),
                )
            )
        rows.sort()
        width_user = max(len("Username"), *(len(r[1]) for r in rows))
        width_role = max(len("Role"), *(len(r[2]) for r in rows))
        width_team = max(len("Team"), *(len(r[3]) for r in rows))
        header = f"{'Username':<{width_user}}  {'Role':<{width_role}}  {'Team':<{width_team}}"
        if secrets:
            header += "  Authenticator secret"
        self.stdout.write(header.rstrip())
        self.stdout.write("-" * len(header.rstrip()))
        for _, username, role, team, secret in rows:
            line = f"{username:<{width_user}}  {role:<{width_role}}  {team:<{width_team}}  {secret}"
            self.stdout.write(line.rstrip())
        self.stdout.write(f"\nPassword for every demo user: {demo_password()}")
        self.stdout.write(
            "Each is enrolled in two-step verification; in demo mode the sign-in page shows the current code."
        )
