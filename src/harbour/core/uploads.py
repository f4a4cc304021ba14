"""The steps every import page shares, whatever it imports (``UploadedFile`` models): reading the
file's bytes as CSV text, moving an upload from one status to the next at most once, and emptying
uploads past their time. Each importing app keeps its own model, statuses and audit codes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Collection
from typing import Any, TextIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

# How long an upload not yet imported is kept: long enough to come back to it after a meeting, short
# enough that a forgotten file does not sit in the database.
KEPT_HOURS = 24

NOT_UTF8 = "The file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8."


def kept_until(now: dt.datetime | None = None) -> dt.datetime:
    """When an upload made now expires."""
    return (now or timezone.now()) + dt.timedelta(hours=KEPT_HOURS)


def too_large(limit: int, command: str) -> str:
    """The page's message for a file over its limit, naming the command that takes any size."""
    return (
        f"The file must be smaller than {filesizeformat(limit)}. Split it, or ask an administrator to "
        f"import it with {command}."
    )


def csv_text(content: bytes) -> TextIO:
    """The file's bytes as CSV text, decoded as it is read (a large file is not copied whole): UTF-8,
    with or without the byte order mark spreadsheets write. Reading bytes that are not UTF-8 raises
    ``UnicodeDecodeError``; ``NOT_UTF8`` says what to do about it."""
    return io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")


def upload_for(uploads: QuerySet[Any], *, actor: Any, upload_id: Any) -> Any:
    """An upload, for whoever uploaded it only: 404 alike for one that does not exist and someone
    else's. Without its content (a page never shows the rows)."""
    upload = uploads.filter(pk=upload_id, uploaded_by=actor).defer("content").first()
    if upload is None:
        raise Http404
    return upload


def claim(uploads: QuerySet[Any], **changes: Any) -> bool:
    """Apply ``changes`` to the upload ``uploads`` finds (filtered on the status it must be in) in one
    conditional UPDATE, and say whether it was found. Of two requests or task runs at once only one
    finds it, on SQLite and PostgreSQL alike, with no lock held between requests: so a second click
    confirms nothing and a task run twice imports once."""
    now = timezone.now()
    changes.setdefault("updated_at", now)
    return bool(uploads.update(version=F("version") + 1, **changes))


def confirm(
    uploads: QuerySet[Any],
    *,
    actor: Any,
    upload: Any,
    record: Callable[[], object],
    enqueue: Callable[[str], object],
) -> bool:
    """Send an upload ready to import to its task, once: True when this call sent it; False when it had
    already been sent (a second click, a second tab), has expired or is not ready. ``record`` audits it
    (in the same transaction) and ``enqueue`` queues the task with the upload's id once it commits."""
    if upload.uploaded_by_id != actor.pk:
        raise PermissionDenied("Only whoever uploaded a file can import it.")
    now = timezone.now()
    status = type(upload).Status
    with transaction.atomic():
        ready = uploads.filter(pk=upload.pk, uploaded_by=actor, status=status.READY, expires_at__gt=now)
        sent = claim(ready, status=status.QUEUED, confirmed_at=now)
        if sent:
            record()
            upload_id = str(upload.pk)
            transaction.on_commit(lambda: enqueue(upload_id))
    return sent


def finish(uploads: QuerySet[Any], **changes: Any) -> bool:
    """Record an upload's outcome; its content is emptied whatever the outcome."""
    return claim(uploads, content=None, finished_at=timezone.now(), **changes)


def expire(
    uploads: QuerySet[Any],
    now: dt.datetime,
    *,
    waiting: Collection[str],
    expired: str,
    record: Callable[[Any], object],
) -> int:
    """Empty the content of the uploads past their time (a tick job); those still waiting to be imported
    (``waiting`` statuses) become ``expired``. ``record`` audits each, before its status changes.
    Returns how many were emptied."""
    count = 0
    due = uploads.filter(expires_at__lte=now, content__isnull=False).defer("content")
    for upload in due.select_related("uploaded_by").order_by("pk"):
        status = expired if upload.status in waiting else upload.status
        claim(uploads.filter(pk=upload.pk), content=None, status=status, updated_at=now)
        record(upload)
        count += 1
    return count


def status_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """An upload's page (``context["upload"]``), or for htmx its ``status`` partial alone: 286 tells htmx
    to stop asking once the upload no longer waits. ``expired`` and ``kept_hours`` are added."""
    upload = context["upload"]
    past = upload.expires_at <= timezone.now()
    context.setdefault("expired", upload.status == upload.Status.READY and past)
    context.setdefault("kept_hours", KEPT_HOURS)
    if getattr(request, "htmx", False):
        return render(request, f"{template}#status", context, status=200 if upload.waiting else 286)
    return render(request, template, context)


def tell_not_sent(request: HttpRequest, upload: Any) -> None:
    """Say why confirming an upload sent nothing: it has expired, or it had been sent already."""
    if upload.status in {upload.Status.READY, upload.Status.EXPIRED}:
        hours = KEPT_HOURS
        messages.error(request, f"This file was kept for {hours} hours and has expired. Upload it again.")
    else:
        messages.info(request, "This file had already been sent to be imported: it is imported once.")
