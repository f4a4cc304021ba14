"""Background work for missing: importing a police log confirmed on the upload page (``uploads``)."""

from __future__ import annotations

from django_tasks import task

from harbour.missing import uploads


@task()
def import_upload(*, upload_id: str) -> str:
    """Validate, match and load the upload, at most once (see ``uploads.upload_import``)."""
    return uploads.upload_import(upload_id=upload_id)
