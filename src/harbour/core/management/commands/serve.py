"""`harbour serve`: the production web server (gunicorn running ``harbour.wsgi:application``).

It binds to 127.0.0.1 by default: put a reverse proxy that terminates TLS in front of it. No access
log by default, because request lines can carry search terms (names); ``--access-log`` turns it on.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_PORT = 8000
MAX_DEFAULT_WORKERS = 8
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'


def default_workers() -> int:
    configured = os.environ.get("WEB_CONCURRENCY")
    if configured:
        return int(configured)
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def gunicorn_argv(*, bind: str, workers: int, timeout: int, access_log: bool) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "harbour.wsgi:application",
        # Load the application in the master, warm it and freeze its objects before forking (warm.py).
        "--config",
        "python:harbour.core.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "30",
        "--error-logfile",
        "-",
    ]
    if access_log:
        # gunicorn's default format logs the request line, query string included ("%(r)s"); a query
        # string can carry personal data (GET /api/v1/people/matches?...), so log the path (%(U)s) only.
        argv += ["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT]
    return argv


class Command(BaseCommand):
    help = "Run Harbour with gunicorn (production web server), on 127.0.0.1:8000 unless told otherwise."
    requires_system_checks = []  # gunicorn loads the application and Django checks it there

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help="Port on 127.0.0.1 (default 8000)."
        )
        parser.add_argument(
            "--bind",
            default=None,
            help="Address to bind instead, for example 0.0.0.0:8000 or unix:/run/harbour.sock.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default: WEB_CONCURRENCY, or 2 x CPUs + 1, at most 8).",
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="Seconds before a stuck worker is restarted."
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="Log each request to standard output (request lines may contain names).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the gunicorn command and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        bind = options["bind"] or f"127.0.0.1:{options['port']}"
        argv = gunicorn_argv(
            bind=bind, workers=workers, timeout=options["timeout"], access_log=options["access_log"]
        )
        if options["dry_run"]:
            self.stdout.write(shlex.join(argv))
            return
        self.stdout.write(f"Serving Harbour on {bind} with {workers} workers (gunicorn).")
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
        os.execv(sys.executable, argv)  # noqa: S606 (replace this process: signals reach gunicorn directly)
