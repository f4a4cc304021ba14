"""Importing a police missing-persons log from the web page: the file is kept when it is uploaded, and
once whoever uploaded it confirms, a background task validates, matches and loads it with the same code
as ``harbour missing_import`` (``imports.police_log_import``), so the policy, the checks, the matching,
the one transaction and the ``police_log.imported`` audit are the command's.

A log can be a million rows, so unlike the education page's nothing is checked in the request (see
docs/decisions/0015-police-log-uploads-checked-in-the-task.md). The task writes where it has got to
on the upload (at most once a second), for its page: validating (rows so far), matching (young people
so far), loading; then imported, or not imported with the problems by line (the first
``imports.MAX_ERRORS_LISTED``) or a reason.

The file's bytes are kept in ``PoliceLogUpload.content`` only while the upload waits: they are emptied
when it is imported, refused or fails, and by the tick job ``missing.uploads`` once it expires
(``core.uploads.KEPT_HOURS`` after the upload). Audit events carry counts and codes, never the file's
name or its rows. See docs/missing.md, "Importing a police log".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from harbour.audit import services as audit
from harbour.core import uploads as shared
from harbour.missing import imports, policies
from harbour.missing.models import PoliceLogUpload

logger = logging.getLogger(__name__)

Status = PoliceLogUpload.Status

# Rows (and young people) between two looks at whether the upload's progress is due a save.
PROGRESS_EVERY = 1_000
# The upload's progress is saved at most this often (a new stage is saved at once).
SAVE_EVERY_SECONDS = 1.0
COMMAND = "harbour missing_import"


def _require_import(actor: Any) -> None:
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: import a police missing-persons log.")


def upload_store(*, actor: Any, file_name: str, content: bytes) -> PoliceLogUpload:
    """Keep an uploaded police log for its uploader to import. Nothing is read from it yet: a log
    can be a million rows, so its rows are checked by the import's task."""
    _require_import(actor)
    limit = settings.HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError({"file": shared.too_large(limit, COMMAND)})
    if not content.strip():
        raise ValidationError({"file": "The selected file is empty."})
    if not content.strip().count(b"\n"):
        raise ValidationError({"file": "The file has a header row but no rows under it."})
    with transaction.atomic():
        upload = PoliceLogUpload.objects.create(
            uploaded_by=actor,
            file_name=PurePath(file_name).name[:255] or "police-log.csv",
            file_sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content,
            status=Status.READY,
            expires_at=shared.kept_until(),
        )
        audit.record(actor, "police_log.uploaded", upload, detail={"bytes": len(content)})
    return upload


def upload_confirm(*, actor: Any, upload: PoliceLogUpload) -> bool:
    """Send an uploaded log to be imported. True when this call sent it; False when it had already been
    sent (a second click, a second tab), has expired or is not ready: it is imported once."""
    _require_import(actor)
    return shared.confirm(
        PoliceLogUpload.objects.all(),
        actor=actor,
        upload=upload,
        record=lambda: audit.record(
            actor, "police_log.upload_confirmed", upload, detail={"bytes": upload.size}
        ),
        enqueue=_enqueue,
    )


def _enqueue(upload_id: str) -> None:
    from harbour.missing.tasks import import_upload

    import_upload.enqueue(upload_id=upload_id)


# Why an upload was not imported, for its page (a code in the audit; the page has the words).
FAILURES = {
    "problems": "The file has problems, listed below by line. Nothing has been imported: correct them "
    "and upload the file again.",
    "unreadable": "The file could not be read. Nothing has been imported.",
    "not-allowed": "You no longer hold the permission to import police logs, so nothing has been imported.",
    "error": "Something went wrong while importing, and nothing has been imported. Upload the file again; "
    "if it happens again, tell your administrator the time it happened.",
}


class _Progress:
    """Writes where the import has got to on the upload: a new stage at once, otherwise at most once
    every ``SAVE_EVERY_SECONDS``. Outside the load's transaction, so each save is seen at once."""

    STATUS = {"validating": Status.VALIDATING, "matching": Status.MATCHING, "loading": Status.LOADING}

    def __init__(self, upload_id: Any) -> None:
        self.upload_id = upload_id
        self.stage = ""
        self.saved_at = 0.0
        self.fields: dict[str, Any] = {}

    def __call__(self, stage: imports.Stage) -> None:
        if stage.name == "validating":
            self.fields.update(rows=stage.done, problems=stage.problems)
        elif stage.name == "matching":
            self.fields.update(to_match=stage.total, matched=stage.done)
        now = time.monotonic()
        if stage.name == self.stage and now - self.saved_at < SAVE_EVERY_SECONDS:
            return
        self.stage, self.saved_at = stage.name, now
        waiting = PoliceLogUpload.objects.filter(pk=self.upload_id, status__in=PoliceLogUpload.WAITING)
        shared.claim(waiting, status=self.STATUS[stage.name], progress_at=timezone.now(), **self.fields)


def upload_import(*, upload_id: Any, progress_every: int = PROGRESS_EVERY) -> str:
    """Import a confirmed upload (the background task). Runs the import at most once: only the run
    that moves the upload from queued to validating goes on. Returns what became of it."""
    queued = PoliceLogUpload.objects.filter(pk=upload_id, status=Status.QUEUED)
    if not shared.claim(queued, status=Status.VALIDATING, progress_at=timezone.now()):
        return "skipped"
    upload = PoliceLogUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    content, upload.content = bytes(upload.content or b""), None  # one copy of the file in memory
    this = PoliceLogUpload.objects.filter(pk=upload_id)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        yield from imports.read_rows(shared.csv_text(content))

    def loaded(report: imports.ImportReport) -> None:
        # Inside the load's transaction: the upload is imported exactly when the rows are.
        shared.finish(this, status=Status.IMPORTED, log_import=report.log_import, rows=report.rows)

    code, rows_read, problem_count = "", 0, 0
    problems: list[list[Any]] = []
    try:
        report = imports.police_log_import(
            actor=upload.uploaded_by,
            rows=rows,
            filename=upload.file_name,
            sha256=upload.file_sha256,
            progress_every=progress_every,
            stage=_Progress(upload.pk),
            on_loaded=loaded,
        )
    except PermissionDenied:
        code = "not-allowed"
    except UnicodeDecodeError:
        code, problem_count, problems = "unreadable", 1, [[None, shared.NOT_UTF8]]
    except ValueError as error:  # the file has no column the import needs
        code, problem_count, problems = "unreadable", 1, [[1, str(error)]]
    except Exception as error:  # recorded on the upload; the type only, as a message may hold a row
        logger.error("Police log upload %s failed to import: %s", upload.pk, type(error).__name__)
        code = "error"
    else:
        if report.ok:
            return Status.IMPORTED
        code, rows_read, problem_count = "problems", report.rows, len(report.errors)
        problems = [[error.line, error.message] for error in report.errors[: imports.MAX_ERRORS_LISTED]]
    status = Status.REFUSED if problems else Status.FAILED
    with transaction.atomic():
        shared.finish(
            this,
            status=status,
            failure=code,
            rows=rows_read,
            problems=problem_count,
            problem_list=problems,
        )
        detail = {"reason": code, "rows": rows_read, "problems": problem_count}
        audit.record(upload.uploaded_by, "police_log.upload_failed", upload, detail=detail)
    return status


def uploads_expire(now: dt.datetime) -> int:
    """Empty the content of uploads past their time (the tick job ``missing.uploads``); those still
    waiting to be imported become expired. Returns how many were emptied."""
    return shared.expire(
        PoliceLogUpload.objects.all(),
        now,
        waiting={Status.READY, *PoliceLogUpload.WAITING},
        expired=Status.EXPIRED,
        record=lambda upload: audit.record(
            None, "police_log.upload_expired", upload, detail={"was": upload.status}
        ),
    )
