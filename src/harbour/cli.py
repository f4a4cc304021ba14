"""The `harbour` command: demo, seed, serve, worker, tick, token, and every Django management command."""

from __future__ import annotations

import os
import sys

DEMO_TASK_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(
            "usage: harbour COMMAND [options]\n\n"
            "  demo [--scale N] [--port P]   migrate ./var, seed if empty, serve, print the demo logins\n"
            "  seed --scale N --seed S       deterministic synthetic county\n"
            "  serve [--port P]              production web server (gunicorn)\n"
            "  worker                        run background tasks\n"
            "  tick                          periodic jobs (reminders, timescale breaches, expiries)\n"
            "  token create USERNAME         print a new API token (token revoke HINT ends one)\n"
            "  audit verify                  prove the audit chain is intact\n\n"
            "Every Django management command also works: harbour migrate, harbour createsuperuser, ...\n"
        )
        if not args:
            return
        args = ["help"]
    if args[0] == "demo":
        # The demo shows demo users' current authenticator codes on the sign-in pages; settings read
        # this once at start-up, and production refuses it whatever the environment says.
        os.environ.setdefault("HARBOUR_DEMO_MODE", "1")
        # No `harbour worker` beside the demo's server: background tasks (emails, an uploaded education
        # list's import) run in the request that queues them, once it commits.
        os.environ.setdefault("HARBOUR_TASK_BACKEND", DEMO_TASK_BACKEND)
    if args[0] == "worker":
        args = ["db_worker", *args[1:]]
    execute_from_command_line(["harbour", *args])


if __name__ == "__main__":
    main()
