"""`harbour education_import exclusions|cme FILE.csv --as USERNAME`: load a list of exclusions or of
children missing education. See docs/education.md, "Importing lists"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.accounts.models import User
from harbour.education import imports


class Command(BaseCommand):
    help = (
        "Import a CSV list of suspensions and exclusions (exclusions) or of children missing education "
        "(cme). The whole file is checked first: any bad row refuses it, listed by line number, and "
        "nothing is loaded. Rows not matched to one known young person are kept for review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["exclusions", "cme"], help="Which list the file is.")
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, header row first).")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="The username the import is recorded as (must hold education.import).",
        )
        parser.add_argument(
            "--mapping",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Read a field from a differently named column (repeatable), or a JSON file of them.",
        )
        parser.add_argument(
            "--unmatched-report",
            type=Path,
            default=None,
            help="Write the rows kept for review to this CSV file (default: FILE.unmatched.csv).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user called {options['username']!r}.")

        def progress(stage: str, done: int, total: int) -> None:
            self.stdout.write(f"  {stage} {done:,} of {total:,} rows")

        try:
            mapping = imports.parse_mapping(options["mapping"])
            report = imports.import_file(
                actor=actor, kind=options["kind"], path=path, mapping=mapping, progress=progress
            )
        except imports.ImportRefusedError as error:
            raise CommandError(str(error)) from error
        except PermissionDenied as error:
            raise CommandError(f"{actor.username} does not hold education.import.") from error
        if not report.ok:
            listed = report.errors[: imports.MAX_ERRORS_LISTED]
            for problem in listed:
                self.stderr.write(str(problem))
            more = len(report.errors) - len(listed)
            if more:
                self.stderr.write(f"... and {more:,} more problems.")
            raise CommandError(
                f"Nothing was imported: {len(report.errors):,} problems in the file. "
                "Correct them and run again."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.rows:,} rows: {report.created:,} new, "
                f"{report.already_held:,} already held, {len(report.unmatched):,} kept for review."
            )
        )
        if report.unmatched:
            target = options["unmatched_report"] or path.with_name(f"{path.stem}.unmatched.csv")
            imports.write_unmatched_report(report, target)
            self.stdout.write(f"The rows kept for review are in {target}.")
