"""Importing a list from the web page: the file is checked when it is uploaded, kept until whoever
uploaded it confirms the import, then imported in the background by the same code as
``harbour education_import`` (``imports.check_file`` and ``imports.import_content``), so the policy,
the checks, the matching and the audit are the command's.

The file's bytes are kept in ``EducationUpload.content`` only while the upload waits: they are emptied
when it is imported or fails, and by the tick job ``education.uploads`` once it expires
(``KEPT_HOURS`` after the upload). A file with problems is never kept. Audit events carry counts and
codes, never the file's name or its rows. See docs/education.md, "Importing lists".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from harbour.audit import services as audit
from harbour.core import uploads as shared
from harbour.education import imports, policies
from harbour.education.models import EducationUpload

logger = logging.getLogger(__name__)

KEPT_HOURS = shared.KEPT_HOURS

WEB_MAPPING_HINT = (
    "Name the column in the file's first row as this page shows, or import the file with "
    "harbour education_import and --mapping."
)

Status = EducationUpload.Status


@dataclass
class UploadCheck:
    """What the check of an uploaded file found. ``refusal``: a problem with the whole file."""

    upload: EducationUpload
    errors: list[imports.RowError] = field(default_factory=list)
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return self.upload.status == Status.READY


def upload_check(*, actor: Any, kind: str, file_name: str, content: bytes) -> UploadCheck:
    """Check an uploaded list row by row, writing nothing to the education records. A clean file is
    kept for its importer to confirm; a file with problems is not kept (its metadata and counts are)."""
    policies.require_import(actor)
    if kind not in imports.FIELDS:
        raise ValidationError({"kind": "Choose which list the file is."})
    limit = settings.HARBOUR_EDUCATION_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError({"file": shared.too_large(limit, "harbour education_import")})
    if not content:
        raise ValidationError({"file": "The selected file is empty."})
    refusal = ""
    parsed: list[imports.ParsedRow] = []
    errors: list[imports.RowError] = []
    try:
        text = imports.decode(content)
        parsed, errors = imports.check_file(
            kind, io.StringIO(text, newline=""), mapping_hint=WEB_MAPPING_HINT
        )
    except imports.ImportRefusedError as error:
        refusal = str(error)
    if not refusal and not errors and not parsed:
        refusal = "The file has a header row but no rows under it."
    ready = not refusal and not errors
    with transaction.atomic():
        upload = EducationUpload.objects.create(
            uploaded_by=actor,
            kind=kind,
            file_name=PurePath(file_name).name[:255] or "upload.csv",
            file_sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content if ready else None,
            status=Status.READY if ready else Status.REFUSED,
            rows=len(parsed),
            problems=len(errors) + (1 if refusal else 0),
            expires_at=shared.kept_until(),
        )
        audit.record(
            actor,
            "education.upload_checked",
            upload,
            detail={
                "kind": kind,
                "bytes": len(content),
                "rows": len(parsed),
                "problems": upload.problems,
                "outcome": "ready" if ready else ("unreadable" if refusal else "refused"),
            },
        )
    return UploadCheck(upload=upload, errors=errors, refusal=refusal)


def upload_confirm(*, actor: Any, upload: EducationUpload) -> bool:
    """Send a checked upload to be imported. True when this call sent it; False when it had already
    been sent (a second click, a second tab), has expired or is not ready: it is imported once."""
    policies.require_import(actor)
    return shared.confirm(
        EducationUpload.objects.all(),
        actor=actor,
        upload=upload,
        record=lambda: audit.record(
            actor, "education.upload_confirmed", upload, detail={"kind": upload.kind, "rows": upload.rows}
        ),
        enqueue=_enqueue,
    )


def _enqueue(upload_id: str) -> None:
    from harbour.education.tasks import import_upload

    import_upload.enqueue(upload_id=upload_id)


# Why an upload was not imported, for its page and the audit (a code; the page has the words).
FAILURES = {
    "problems": "The file has problems now that it did not have when it was checked (a school or a "
    "reason code may have changed since). Nothing has been imported: upload it again to see them.",
    "refused": "The file could not be read when it was imported. Nothing has been imported: upload it again.",
    "not-allowed": "You no longer hold the permission to import education lists, so nothing has been "
    "imported.",
    "error": "Something went wrong while importing, and nothing has been imported. Upload the file again; "
    "if it happens again, tell your administrator the time it happened.",
}


def upload_import(*, upload_id: Any) -> str:
    """Import a confirmed upload (the background task). Runs the import at most once: only the run
    that moves the upload from queued to importing goes on. Returns what became of it."""
    queued = EducationUpload.objects.filter(pk=upload_id, status=Status.QUEUED)
    if not shared.claim(queued, status=Status.IMPORTING):
        return "skipped"
    upload = EducationUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    code = ""
    try:
        with transaction.atomic():  # the import and the upload's new status commit together
            report = imports.import_content(
                actor=upload.uploaded_by,
                kind=upload.kind,
                content=bytes(upload.content or b""),
                file_name=upload.file_name,
            )
            if report.ok:
                _finish(upload.pk, status=Status.IMPORTED, batch=report.batch)
                return Status.IMPORTED
            code = "problems"
    except PermissionDenied:
        code = "not-allowed"
    except imports.ImportRefusedError:
        code = "refused"
    except Exception as error:  # recorded on the upload; the type only, as a message may hold a row
        logger.error("Education upload %s failed to import: %s", upload.pk, type(error).__name__)
        code = "error"
    with transaction.atomic():
        _finish(upload.pk, status=Status.FAILED, failure=code)
        audit.record(upload.uploaded_by, "education.upload_failed", upload, detail={"reason": code})
    return Status.FAILED


def _finish(upload_id: Any, *, status: str, batch: Any = None, failure: str = "") -> None:
    """The upload's outcome; its content is emptied whatever it was."""
    shared.finish(EducationUpload.objects.filter(pk=upload_id), status=status, batch=batch, failure=failure)


def uploads_expire(now: dt.datetime) -> int:
    """Empty the content of uploads past their time (the tick job ``education.uploads``); those still
    waiting to be imported become expired. Returns how many were emptied."""
    return shared.expire(
        EducationUpload.objects.all(),
        now,
        waiting={Status.READY, Status.QUEUED, Status.IMPORTING},
        expired=Status.EXPIRED,
        record=lambda upload: audit.record(
            None, "education.upload_expired", upload, detail={"was": upload.status}
        ),
    )
