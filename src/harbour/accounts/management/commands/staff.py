"""`harbour staff ...`: administer agencies, teams and staff accounts from the command line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.accounts import services
from harbour.accounts.models import Agency, Team, User
from harbour.core import request_context
from harbour.core.models import District


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Administer agencies, teams and staff accounts (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        agency = sub.add_parser("add-agency", help="Add an agency")
        agency.add_argument("name")
        agency.add_argument("--type", required=True, help="Agency type code, e.g. police")
        agency.add_argument("--district", help="District code, e.g. norwich")
        team = sub.add_parser("add-team", help="Add a team to an agency")
        team.add_argument("agency")
        team.add_argument("name")
        user = sub.add_parser("add-user", help="Add a staff account with a first membership")
        user.add_argument("username")
        user.add_argument("--agency", required=True)
        user.add_argument("--team", required=True)
        user.add_argument("--role", required=True, help="Role code, e.g. practitioner")
        user.add_argument("--email", default="")
        user.add_argument("--name", default="", help="Display name")
        deactivate = sub.add_parser("deactivate", help="Deactivate a leaver's account")
        deactivate.add_argument("username")
        reset = sub.add_parser("reset-mfa", help="Remove a user's authenticators so they enrol again")
        reset.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        token = request_context.set_current(request_context.RequestContext(channel="cli"))
        try:
            self._dispatch(options)
        except ValidationError as error:
            raise CommandError(_errors(error)) from error
        finally:
            request_context.reset(token)

    def _team(self, agency_name: str, team_name: str) -> Team:
        team = Team.objects.filter(agency__name=agency_name, name=team_name).first()
        if team is None:
            raise CommandError(f"No team {team_name!r} in agency {agency_name!r}.")
        return team

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "add-agency":
            district = None
            if options["district"]:
                district = District.objects.filter(code=options["district"]).first()
                if district is None:
                    raise CommandError(f"No district {options['district']!r}.")
            agency = services.agency_create(
                actor=None, name=options["name"], agency_type_code=options["type"], district=district
            )
            self.stdout.write(f"Added agency {agency.name}.")
        elif action == "add-team":
            owner = Agency.objects.filter(name=options["agency"]).first()
            if owner is None:
                raise CommandError(f"No agency {options['agency']!r}.")
            team = services.team_create(actor=None, agency=owner, name=options["name"])
            self.stdout.write(f"Added team {team}.")
        elif action == "add-user":
            user = services.user_create(
                actor=None,
                username=options["username"],
                email=options["email"],
                display_name=options["name"],
                team=self._team(options["agency"], options["team"]),
                role_code=options["role"],
            )
            self.stdout.write(
                f"Added {user.username}. Set a password with `harbour changepassword {user.username}`; "
                "they enrol their authenticator at first sign-in."
            )
        elif action == "deactivate":
            services.user_deactivate(actor=None, user=self._user(options["username"]))
            self.stdout.write(f"Deactivated {options['username']}.")
        elif action == "reset-mfa":
            removed = services.user_reset_mfa(actor=None, user=self._user(options["username"]))
            self.stdout.write(f"Removed {removed} authenticator(s) for {options['username']}.")
