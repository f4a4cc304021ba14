"""gunicorn settings for ``harbour serve`` (``-c python:harbour.core.gunicorn_conf``).

The application is loaded in the master (``preload_app``), which then warms Django and freezes its
objects out of garbage collection before it forks the workers (see warm.py for why). The command line
still sets the bind address, workers, timeouts and logs.
"""

from __future__ import annotations

from typing import Any

preload_app = True


def when_ready(server: Any) -> None:
    """In the master, once the application is loaded and before any worker is forked."""
    from django.db import connections

    from harbour.core.warm import warm_and_freeze

    frozen = warm_and_freeze()
    # Nothing above connects to the database; close anything that did, so no worker inherits a socket.
    connections.close_all()
    server.log.info("Harbour warmed: %d objects frozen out of garbage collection", frozen)
