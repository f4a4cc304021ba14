"""Work queues on the home page, registered by the apps that own the work.

The UI shell must not import domain apps, so each app registers its own queues from its
``AppConfig.ready``::

    from harbour.ui.queues import QueueItem, WorkQueue, register

    register(WorkQueue(
        code="break-glass-review",
        title="Break-glass uses to review",
        empty_text="No break-glass uses waiting for your review.",
        capability="audit.view_network",
        items=lambda actor: [QueueItem(title=..., url=..., meta=[...], tag="Overdue")
                             for use in break_glass_to_review_for(actor=actor)],
        order=20,
    ))

``items`` must apply the same access policy as the rest of the app (use a selector): the home page
shows whatever it returns to the actor.

A queue that can be long (a manager's whole team's caseload) gives ``count`` too: then ``items``
returns only the first ``limit`` items and ``count`` says how many there are in all, so the home page
does not build thousands of rows to show twenty. ``count`` is asked only when ``items`` returned
``limit`` items: fewer means they are all there is (most queues are short, and a count is one more
query, or for a queue filtered by access, three).

On PostgreSQL the queues are filled on ``HARBOUR_QUEUE_THREADS`` threads at once, each with its own
database connection: a page of a dozen queues spends about half its time waiting for the database, and
one queue's wait is another's turn to run. Each thread runs in a copy of the request's context (its
audit details, its kept answers: ``core/request_context.py``), so ``items`` and ``count`` must not rely
on anything else of the request's thread. A queue runs on the request's own thread, as do all of them,
when the request's connection is inside a transaction, whose uncommitted rows other connections
cannot see (a test's transaction, or a page that wrote first).
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueItem:
    """One piece of work: what it is, where to do it, a few facts, and an optional status tag."""

    title: str
    url: str
    meta: list[str] = field(default_factory=list)
    tag: str | None = None

    @property
    def meta_html(self) -> SafeString:
        """The facts escaped, one a line (built here, not by a loop in the template: a manager's page
        shows some 150 items, and the template's loop cost more than the rest of the row)."""
        return format_html_join(mark_safe("<br>"), "{}", ((fact,) for fact in self.meta))


@dataclass(frozen=True)
class WorkQueue:
    code: str
    title: str
    empty_text: str
    capability: str | None  # None: every signed-in user has this queue
    items: Callable[[Any], list[QueueItem]]
    order: int = 100
    columns: tuple[str, str, str] = ("Item", "Details", "Status")
    limit: int = 25  # items shown on the home page; the count is always the full number
    more_url: str | None = None  # URL name of a page listing them all, linked when some are hidden
    # How many items there are in all; when given, ``items`` returns the first ``limit`` of them (so
    # fewer than ``limit`` are all of them, and the count is not asked).
    count: Callable[[Any], int] | None = None


@dataclass(frozen=True)
class FilledQueue:
    """A queue with its items for one actor, ready to show."""

    queue: WorkQueue
    items: list[QueueItem]
    failed: bool = False
    total: int | None = None  # from the queue's ``count``; None: all the items were built

    @property
    def code(self) -> str:
        return self.queue.code

    @property
    def title(self) -> str:
        return self.queue.title

    @cached_property
    def count(self) -> int:
        return len(self.items) if self.total is None else max(self.total, len(self.items))

    @cached_property
    def shown(self) -> list[QueueItem]:
        return self.items[: self.queue.limit]

    @cached_property
    def hidden_count(self) -> int:
        return max(0, self.count - self.queue.limit)

    @cached_property
    def has_tags(self) -> bool:
        return any(item.tag for item in self.shown)

    @cached_property
    def rows_html(self) -> SafeString:
        """The shown items as the table's rows, escaped, built here rather than by a loop in the
        template: a manager's page shows some 80 rows, and the template's tags for each cost more
        than the rest of the page's rendering."""
        if self.has_tags:
            return format_html_join(
                "\n",
                _ROW_WITH_TAG,
                ((item.url, item.title, item.meta_html, _tag_html(item.tag)) for item in self.shown),
            )
        return format_html_join("\n", _ROW, ((item.url, item.title, item.meta_html) for item in self.shown))


_ROW = (
    '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
    '<a class="govuk-link" href="{}">{}</a></th><td class="govuk-table__cell">{}</td></tr>'
)
_ROW_WITH_TAG = _ROW.removesuffix("</tr>") + '<td class="govuk-table__cell">{}</td></tr>'


def _tag_html(tag: str | None) -> SafeString:
    return format_html('<strong class="govuk-tag">{}</strong>', tag) if tag else mark_safe("")


_registry: dict[str, WorkQueue] = {}


def register(queue: WorkQueue) -> WorkQueue:
    """Add a queue (or replace the one with the same code, so repeated set-up is harmless)."""
    _registry[queue.code] = queue
    return queue


def unregister(code: str) -> None:
    _registry.pop(code, None)


def registered() -> list[WorkQueue]:
    return sorted(_registry.values(), key=lambda queue: (queue.order, queue.title))


def queues_for(actor: Any) -> list[WorkQueue]:
    """The queues this actor has, by capability, in display order."""
    if actor is None or not actor.is_authenticated:
        return []
    capabilities = actor.capabilities()
    return [queue for queue in registered() if queue.capability is None or queue.capability in capabilities]


def fill(queue: WorkQueue, actor: Any) -> FilledQueue:
    """Run the queue's query for the actor. One failing queue must not take the home page down."""
    try:
        items = list(queue.items(actor))
        total = queue.count(actor) if queue.count is not None and len(items) >= queue.limit else None
    except Exception:  # a domain app's bug: log it (no personal data) and say so on the page
        logger.exception("Work queue %s could not be loaded", queue.code)
        return FilledQueue(queue, [], failed=True)
    return FilledQueue(queue, items, total=total)


def filled_queues_for(actor: Any) -> list[FilledQueue]:
    """Every queue the actor has, filled, in display order: on several threads where that is safe."""
    queues = queues_for(actor)
    if len(queues) < 2 or not _threads_allowed():
        return [fill(queue, actor) for queue in queues]
    pool = _pool()
    futures = [pool.submit(contextvars.copy_context().run, _fill_on_worker, queue, actor) for queue in queues]
    return [future.result() for future in futures]


def _threads_allowed() -> bool:
    # SQLite allows one writer and its tests share one in-memory database: one thread there. A
    # transaction open on the request's connection holds rows the workers' connections cannot see.
    return (
        settings.HARBOUR_QUEUE_THREADS > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _fill_on_worker(queue: WorkQueue, actor: Any) -> FilledQueue:
    # A worker's connection lives as a request's does: kept for CONN_MAX_AGE, closed when unusable.
    close_old_connections()
    try:
        return fill(queue, actor)
    finally:
        close_old_connections()


_pool_lock = threading.Lock()
_pool_of: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's threads, started on first use: gunicorn forks its workers after loading the
    application, and threads do not survive a fork."""
    with _pool_lock:
        pool = _pool_of.get(os.getpid())
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=settings.HARBOUR_QUEUE_THREADS, thread_name_prefix="queues")
            _pool_of.clear()
            _pool_of[os.getpid()] = pool
        return pool
