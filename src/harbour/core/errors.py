"""Errors that services raise and views and the API turn into clear messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


class ConflictError(Exception):
    """A stale edit: someone saved the record after this user opened it."""

    def __init__(self, message: str, *, current_version: int, changed_fields: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.current_version = current_version
        self.changed_fields = changed_fields or []


def locked_for_update(model_instance: Any, *, expected_version: int) -> Any:
    """Re-read a row under a lock and refuse the write if its version moved on.

    Call inside ``transaction.atomic()``. Bumps the version on the returned instance; the caller saves.
    """
    model = type(model_instance)
    current = model.objects.select_for_update().get(pk=model_instance.pk)
    if current.version != expected_version:
        raise ConflictError(
            "Someone else saved this record after you opened it. Your changes have not been saved: "
            "review their changes below, then make yours again.",
            current_version=current.version,
        )
    current.version = expected_version + 1
    return current


class NameOnlyError(PermissionDenied):
    """Refused because the actor sees the chosen young person by name only, so cannot confirm a record is
    about them. A refusal like any other to pages (403); the API answers 422 on ``field``."""

    def __init__(self, message: str, *, field: str = "person_id") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
