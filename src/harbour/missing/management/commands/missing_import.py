"""`harbour missing_import FILE.csv --as USERNAME [--mapping mapping.json]`: import a police missing log.

Every row is validated first; if any is bad, each problem is printed with its line number and nothing
is loaded. A valid file is matched (each distinct young person once) and loaded in one transaction,
with progress printed as it goes; rows that could not be linked to one young person with confidence
are written to an unmatched report for review. Running the same file again loads nothing twice. The
work is done by ``harbour.missing.imports.police_log_import``. See docs/missing.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.accounts.models import User
from harbour.missing import imports

MAX_ERRORS_SHOWN = imports.MAX_ERRORS_LISTED


def _mapping(path: Path | None) -> dict[str, str]:
    """The column mapping file: Harbour field name to the file's column name."""
    if path is None:
        return {}
    try:
        mapping = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"Could not read the mapping: {error}") from error
    if not isinstance(mapping, dict):
        raise CommandError("The mapping must be a JSON object.")
    unknown = sorted(set(mapping) - set(imports.FIELDS))
    if unknown or not all(isinstance(v, str) for v in mapping.values()):
        raise CommandError(f"The mapping must map these fields to column names: {', '.join(imports.FIELDS)}.")
    return mapping


class Command(BaseCommand):
    help = "Import a police missing-persons log (CSV): validate, match to known young people, load."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="The user the import is done as.")
        parser.add_argument(
            "--mapping", type=Path, help="JSON: Harbour field name to the file's column name."
        )
        parser.add_argument(
            "--unmatched-report",
            type=Path,
            help="Where to write the unmatched rows (default: FILE.unmatched.csv beside the file).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows read, checked and written at a time."
        )
        parser.add_argument("--progress-every", type=int, default=10_000, help="Print progress every N rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {options['username']!r}.")
        mapping = _mapping(options["mapping"])
        digest = hashlib.sha256()
        with path.open("rb") as raw:
            for chunk in iter(lambda: raw.read(1 << 20), b""):
                digest.update(chunk)

        def rows() -> Iterator[tuple[int, dict[str, str]]]:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                yield from imports.read_rows(stream, mapping)

        try:
            report = imports.police_log_import(
                actor=user,
                rows=rows,
                filename=path.name,
                sha256=digest.hexdigest(),
                batch_size=options["batch_size"],
                progress=self.stdout.write,
                progress_every=options["progress_every"],
            )
        except PermissionDenied as error:
            raise CommandError(
                f"{user.username} may not import police logs (needs frontdoor.triage)."
            ) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            for problem in report.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"line {problem.line}: {problem.message}")
            if len(report.errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"... and {len(report.errors) - MAX_ERRORS_SHOWN:,} more problems")
            raise CommandError(
                f"{len(report.errors):,} problems found: nothing was loaded. "
                "Correct the file and run it again."
            )
        target = options["unmatched_report"] or path.with_suffix(".unmatched.csv")
        if report.unmatched and report.log_import is not None:
            with target.open("w", encoding="utf-8", newline="") as out:
                imports.write_unmatched_report(report.log_import, out)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows:,} rows: {report.loaded:,} loaded, "
                f"{report.unmatched:,} unmatched (for review), {report.already_loaded:,} already loaded."
            )
        )
        spent = report.timings
        self.stdout.write(
            f"{report.identities:,} distinct young people matched ({report.linked_by_nhs_number:,} linked "
            f"by NHS number, {report.linked_by_matcher:,} by the matcher). Read and validated in "
            f"{spent['read'] + spent['validate']:.1f} s, matched in {spent['match']:.1f} s, "
            f"loaded in {spent['load']:.1f} s ({report.writer})."
        )
        if report.unmatched:
            self.stdout.write(f"Unmatched rows written to {target}.")
        if report.log_import is not None:
            self.stdout.write(
                f"Import {report.log_import.pk} (to undo it as a whole: harbour missing_import_undo "
                f"{report.log_import.pk} --as USERNAME --reason ...)."
            )
