"""SQLite's one write lock, held by another writer for longer than the busy timeout.

SQLite lets one connection write at a time. A write waits for the lock up to the busy timeout (20 s,
``DATABASES["default"]["OPTIONS"]["timeout"]``) and is then refused with ``OperationalError: database
is locked`` (``database table is locked`` at once on a shared-cache in-memory database, as the test
suite uses). The refused write's transaction has already rolled back (``transaction.atomic`` rolls
back on the way out; with ``transaction_mode`` ``IMMEDIATE`` the lock is asked for at ``BEGIN``, before
anything is written), so the person is told that nothing has been saved and to try again: a 409 page
(``RequestContextMiddleware``) or a 409 in the API's error format (``api.errors``). Any other database
error is still a server error.
"""

from __future__ import annotations

import logging
import sqlite3

from django.db import OperationalError
from django.http import HttpRequest

from harbour.core import request_context

logger = logging.getLogger(__name__)

BUSY_MESSAGE = "Another change was being saved at the same moment. Nothing has been saved: try again."

# SQLITE_BUSY (another connection holds the lock; with its extended codes) and SQLITE_LOCKED (a
# shared-cache connection holds it), as Python 3.11's sqlite3 names them.
_REFUSED = ("SQLITE_BUSY", "SQLITE_LOCKED")


def database_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite refusing a write because another connection held the write lock."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    name = getattr(cause, "sqlite_errorname", "")
    if name:
        return str(name).startswith(_REFUSED)
    return str(cause).startswith(("database is locked", "database table is locked"))


def refused(request: HttpRequest, error: BaseException) -> None:
    """What every answer to a refused write does: log it (the request id ties it to the access log), and
    leave the session unsaved (saving it needs the same lock, and would turn the answer into an error)."""
    logger.warning(
        "A write waited longer than SQLite's busy timeout (request %s): %s",
        request_context.current().request_id,
        error,
    )
    session = getattr(request, "session", None)
    if session is not None:
        session.modified = False
