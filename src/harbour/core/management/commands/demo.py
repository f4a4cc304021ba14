"""`harbour demo`: try Harbour on this computer with a synthetic county.

Migrates a SQLite database under ./var/ (or the database DATABASE_URL names), seeds it the first
time, prints the demo logins and serves on 127.0.0.1. Running it again keeps the data and is quick.
The seeding and the logins come from the demo app's commands (`seed`, `demo_logins`), called by
name so that core does not import it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_PORT = 8000


def database_problem() -> str | None:
    """Why the demo must not touch this database, or None."""
    if os.environ.get("DATABASE_URL"):
        return None  # chosen explicitly
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        return "the database is not SQLite"
    var_dir = Path(settings.VAR_DIR).resolve()
    name = Path(str(database["NAME"])).resolve()
    if not name.is_relative_to(var_dir):
        return f"the SQLite database {name} is not under {var_dir}"
    return None


class Command(BaseCommand):
    help = (
        "Run the demo: migrate ./var/harbour.sqlite3, seed a synthetic county if it is empty, print the "
        "demo logins and serve on http://127.0.0.1:8000/."
    )
    requires_system_checks = []  # checked before serving; the database may not exist yet

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Size of the county to seed (1: about 2,000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed for the synthetic data.")
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help="Port on 127.0.0.1 (default 8000)."
        )
        parser.add_argument("--no-serve", action="store_true", help="Set up and print the logins, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo never runs in production (HARBOUR_ENV=prod).")
        problem = database_problem()
        if problem is not None:
            raise CommandError(
                f"The demo only uses a SQLite database under ./var/ unless DATABASE_URL is set: {problem}."
            )
        if not apps.is_installed("harbour.demo"):
            raise CommandError("The demo needs the harbour.demo app in INSTALLED_APPS.")
        # Demo mode shows the demo users' codes on the sign-in page. `harbour demo` sets it before
        # settings load; `manage.py demo` gets it here (settings are read per request for this one).
        os.environ["HARBOUR_DEMO_MODE"] = "1"
        settings.HARBOUR_DEMO_MODE = True
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)

        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("reference", "load", stdout=io.StringIO())
        person = apps.get_model("people", "Person")
        if person.objects.exists():
            self.stdout.write(f"Keeping the existing data ({person.objects.count():,} person records).")
        else:
            call_command("seed", scale=options["scale"], seed=options["seed"], stdout=self.stdout)
        if finders.find("dist/app.css") is None:
            self.stderr.write("The front-end is not built: run `make assets` (npm ci && npm run build).")
        self.stdout.write("")
        call_command("demo_logins", stdout=self.stdout)
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(
            self.style.SUCCESS(f"\nHarbour demo: {url}  (Ctrl+C stops it; run again to resume)")
        )
        if options["no_serve"]:
            return
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
