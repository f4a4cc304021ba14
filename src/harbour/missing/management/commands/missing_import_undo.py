"""`harbour missing_import_undo --list --as USERNAME`: the latest police log imports, with their ids.
`harbour missing_import_undo IMPORT_ID --as USERNAME --reason "..."`: undo one as a whole.

The work is done by ``harbour.missing.import_undo``: see its docstring and docs/missing.md.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from harbour.accounts.models import User
from harbour.missing import import_undo


class Command(BaseCommand):
    help = "Undo a police missing-persons log import as a whole (or --list the latest imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("import_id", nargs="?", help="The import's id (see --list).")
        parser.add_argument("--as", dest="username", required=True, help="The user the undo is done as.")
        parser.add_argument("--reason", default="", help="Why the import is being undone (kept and audited).")
        parser.add_argument("--list", action="store_true", help="List the latest imports and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {options['username']!r}.")
        try:
            if options["list"]:
                self._list(user)
                return
            if not options["import_id"]:
                raise CommandError("Give the import's id (see --list), or --list.")
            report = import_undo.police_log_import_undo(
                actor=user, log_import_id=options["import_id"], reason=options["reason"]
            )
        except PermissionDenied as error:
            raise CommandError(
                f"{user.username} may not undo police log imports (needs the import capability)."
            ) from error
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"import": error.messages}
            raise CommandError(" ".join(m for found in messages.values() for m in found)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Undone: {report.episodes:,} episodes removed ({report.linked_from_review:,} of them linked "
                f"by reviewers), {report.interviews:,} return home interviews, {report.review_rows:,} rows "
                "kept for review."
            )
        )
        if report.triggers_fired or report.breach_notices:
            self.stdout.write(
                f"{report.triggers_fired:,} triggers had fired on these episodes: they stay fired and their "
                f"notices were sent. {report.breach_notices:,} notices of an interview past 72 hours were "
                "removed with their interviews. Tell those who were notified."
            )

    def _list(self, user: User) -> None:
        imports = import_undo.police_log_imports_for(actor=user)
        if not imports:
            self.stdout.write("No police log imports.")
            return
        for found in imports:
            when = timezone.localtime(found.started_at)
            state = (
                f"undone {timezone.localtime(found.undone_at):%Y-%m-%d %H:%M} by {found.undone_by}"
                if found.undone_at
                else f"{found.loaded:,} loaded, {found.unmatched:,} for review"
            )
            self.stdout.write(
                f"{found.pk}  {when:%Y-%m-%d %H:%M}  {found.filename}  {found.rows:,} rows  "
                f"by {found.imported_by}  {state}"
            )
