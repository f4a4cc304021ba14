"""`harbour tick`: run the periodic jobs once. Schedule it every few minutes (cron or systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.core.ticks import jobs, run_all


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (reminders, timescale breaches, expiries) once. Each job runs in its own "
        "transaction and can safely run again; exits non-zero if any job failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--job", action="append", dest="only", metavar="CODE", help="Run only this job (repeat for more)."
        )
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in jobs():
                self.stdout.write(f"{job.code:<32} {job.description}")
            return
        try:
            results = run_all(only=options["only"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        verbose = options["verbosity"] >= 1
        for result in results:
            if not result.ok:
                self.stderr.write(f"{result.code}: failed ({result.error}); see the log.")
            elif verbose:
                self.stdout.write(f"{result.code}: {result.count} ({result.seconds:.2f}s)")
        failed = [result.code for result in results if not result.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} tick jobs failed: {', '.join(failed)}.")
