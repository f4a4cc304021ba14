"""`harbour audit verify`: prove the audit chain has not been altered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` checks every event's hash and link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        problems = list(verify_chain())
        if problems:
            for problem in problems[:50]:
                self.stderr.write(f"event {problem.event_id}: {problem.problem}")
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {total} events.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} events verified."))
