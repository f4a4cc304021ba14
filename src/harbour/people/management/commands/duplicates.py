"""`harbour duplicates scan [--all]`: look for possible duplicate records of young people."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from harbour.core import request_context
from harbour.people.duplicates import changed_since, duplicates_scan
from harbour.people.models import DuplicateScan, Person


class Command(BaseCommand):
    help = (
        "Look for possible duplicate records among young people and put them in the review queue. "
        "Without --all, only records changed since the last scan are compared (with everyone). "
        "Nothing is merged: a reviewer decides each pair."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="Scan for possible duplicates.")
        scan.add_argument(
            "--all", action="store_true", help="Compare every young person, not just changed records."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = request_context.set_current(request_context.RequestContext(channel="cli"))
        try:
            self._scan(all_records=options["all"])
        finally:
            request_context.reset(token)

    def _scan(self, *, all_records: bool) -> None:
        last = DuplicateScan.objects.order_by("-started_at").values_list("started_at", flat=True).first()
        if all_records or last is None:
            self.stdout.write("Comparing every young person's record with the others...")
            result = duplicates_scan(progress=self.stdout.write)
        else:
            self.stdout.write(
                f"Comparing the records changed since {timezone.localtime(last):%-d %B %Y %H:%M}..."
            )
            result = duplicates_scan(
                people=Person.objects.filter(pk__in=changed_since(last).values("pk")),
                progress=self.stdout.write,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Compared {result.people_scanned:,} records in {result.seconds:.1f}s: "
                f"{result.pairs_found:,} new possible duplicates, "
                f"{result.pairs_updated:,} open ones re-scored, "
                f"{result.pairs_decided_skipped:,} already decided (left as they are)."
            )
        )
