"""Background work for education: importing a list confirmed on the import page (``uploads``)."""

from __future__ import annotations

from django_tasks import task

from harbour.education import uploads


@task()
def import_upload(*, upload_id: str) -> str:
    """Import the upload, at most once (see ``uploads.upload_import``)."""
    return uploads.upload_import(upload_id=upload_id)
