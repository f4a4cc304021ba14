"""Periodic jobs run by `harbour tick` (from cron or a systemd timer, every few minutes).

Core knows no domain app: each app registers its jobs in its ``AppConfig.ready``::

    from harbour.core.ticks import TickJob, register
    register(TickJob("access.expiries", "Record expired grants and break-glass", record_expiries))

A job takes the time of the tick and returns how many things it did. Jobs must be idempotent: a
tick may run twice, overlap another, or follow a missed one. ``run_all`` runs each job in its own
transaction, so one failing job rolls back only its own work and the others still run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickJob:
    code: str
    description: str
    run: Callable[[datetime], int]


@dataclass(frozen=True)
class TickResult:
    code: str
    count: int
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


_jobs: dict[str, TickJob] = {}


def register(job: TickJob) -> TickJob:
    """Add a job. Registering the same job again is harmless; another job with its code is refused."""
    existing = _jobs.get(job.code)
    if existing is not None and existing != job:
        raise ValueError(f"A different tick job is already registered as {job.code!r}.")
    _jobs[job.code] = job
    return job


def unregister(code: str) -> None:
    _jobs.pop(code, None)


def jobs() -> list[TickJob]:
    return [_jobs[code] for code in sorted(_jobs)]


def run_all(now: datetime | None = None, *, only: Iterable[str] | None = None) -> list[TickResult]:
    """Run every registered job (or those named in ``only``), each in its own transaction."""
    now = now or timezone.now()
    wanted = set(only) if only is not None else None
    if wanted is not None:
        unknown = sorted(wanted - set(_jobs))
        if unknown:
            raise ValueError(f"No tick job called {', '.join(unknown)}.")
    results: list[TickResult] = []
    for job in jobs():
        if wanted is not None and job.code not in wanted:
            continue
        started = time.perf_counter()
        try:
            with transaction.atomic():
                count = int(job.run(now))
        except Exception as error:  # one failing job must not stop the others
            logger.exception("Tick job %s failed", job.code)
            results.append(TickResult(job.code, 0, time.perf_counter() - started, type(error).__name__))
            continue
        results.append(TickResult(job.code, count, time.perf_counter() - started))
    return results
