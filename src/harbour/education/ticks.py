"""The education app's periodic jobs: keep the indicators offered to the joint assessment true as time
passes (an exclusion leaves its 12-month window, a part-time timetable ends, a period starts), and
empty uploaded lists that were never imported once they expire."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from harbour.core.ticks import TickJob, register
from harbour.education import indicators, uploads
from harbour.people.models import Person


def refresh_indicators(now: datetime) -> int:
    """Offer and withdraw for everyone whose indicators may have changed with time. Returns changes.

    Time changes them only from one day to the next (every write refreshes its young person at once),
    so the sweep runs once a day: the first tick of each day, remembered in the shared cache after it
    succeeded. Without a shared cache it runs at every tick, which is slower but just as correct.
    """
    today = timezone.localdate(now)
    done_key = f"education.indicators:{today.isoformat()}"
    if cache.get(done_key):
        return 0
    changes = 0
    ids = indicators.people_to_refresh(today)
    for person in Person.objects.filter(pk__in=ids).order_by("pk"):
        offered, withdrawn = indicators.refresh_for(actor=None, person=person, today=today)
        changes += offered + withdrawn
    transaction.on_commit(lambda: cache.set(done_key, True, timeout=2 * 24 * 3600))
    return changes


def register_jobs() -> None:
    register(
        TickJob(
            "education.indicators",
            "Offer and withdraw education indicators for the joint assessment as time passes",
            refresh_indicators,
        )
    )
    register(
        TickJob(
            "education.uploads",
            "Empty the content of uploaded education lists not imported within a day",
            uploads.uploads_expire,
        )
    )
