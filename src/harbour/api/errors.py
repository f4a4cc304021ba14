"""The API's one error format, and the exception handlers that produce it.

Every error the API returns reads ``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
Messages are written for the person at the keyboard. They never echo what was sent, never carry
personal data and never carry a stack trace: a server error gives the request id to quote instead.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from harbour.core import request_context
from harbour.core.busy import BUSY_MESSAGE, database_busy, refused
from harbour.core.errors import ConflictError, NameOnlyError

logger = logging.getLogger(__name__)

VALIDATION_MESSAGE = "Some of the details are missing or not valid. Correct the fields listed and try again."
DATE_MESSAGE = "Enter a real date in the format YYYY-MM-DD."
DATETIME_MESSAGE = "Enter a real date and time in the ISO 8601 format, like 2025-03-01T14:30:00Z."
CONFLICT_MESSAGE = (
    "Someone else saved this record after you read it. Your changes have not been saved: read the "
    "record again (version {version}), then make your changes again."
)

# Codes for statuses that reach the API as plain HTTP errors (from django-ninja itself).
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
}
STATUS_MESSAGES = {
    400: "The request could not be read.",
    401: "Sign in, or send a personal access token as 'Authorization: Bearer hbr_...'.",
    403: "You do not have permission to do that.",
    404: "Not found.",
    405: "This address does not accept that method.",
    429: "Too many requests. Wait a moment and try again.",
}


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}
    current_version: int | None = None
    changed_fields: list[str] | None = None


class ErrorOut(Schema):
    """The shape of every error response (documented in the OpenAPI schema)."""

    error: ErrorBody


class ApiError(Exception):
    """An error the API reports as it is: a status, a code, a plain-English message, field messages."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields, **self.extra}}


def error_response(error: ApiError, *, headers: Mapping[str, str] | None = None) -> HttpResponse:
    response = JsonResponse(error.body(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="harbour"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def status_error(status: int, message: str | None = None) -> ApiError:
    return ApiError(
        status,
        STATUS_CODES.get(status, "error"),
        message or STATUS_MESSAGES.get(status, "The request failed."),
    )


# --- validation errors -------------------------------------------------------------------------


def _expected_values(ctx: Mapping[str, Any]) -> str:
    """``'a', 'b' or 'c'`` from pydantic becomes ``a, b, c``."""
    expected = str(ctx.get("expected", ""))
    values = re.findall(r"'([^']*)'", expected)
    return ", ".join(values) if values else expected


# Plain-English messages for pydantic's error types; ``{name}`` is filled from the error's context.
MESSAGES: dict[str, str] = {
    "missing": "This field is required.",
    "extra_forbidden": "This field is not allowed.",
    "string_too_long": "Must be {max_length} characters or fewer.",
    "string_too_short": "Must be at least {min_length} characters.",
    "too_long": "Must have {max_length} items or fewer.",
    "too_short": "Must have at least {min_length} items.",
    "enum": "Must be one of: {values}.",
    "literal_error": "Must be one of: {values}.",
    "greater_than_equal": "Must be {ge} or more.",
    "greater_than": "Must be more than {gt}.",
    "less_than_equal": "Must be {le} or less.",
    "less_than": "Must be less than {lt}.",
    **dict.fromkeys(
        ["date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"],
        DATE_MESSAGE,
    ),
    **dict.fromkeys(
        ["datetime_type", "datetime_parsing", "datetime_from_date_parsing", "timezone_naive"],
        DATETIME_MESSAGE,
    ),
    **dict.fromkeys(["int_type", "int_parsing", "int_from_float"], "Enter a whole number."),
    **dict.fromkeys(["float_type", "float_parsing", "decimal_type", "decimal_parsing"], "Enter a number."),
    **dict.fromkeys(["bool_type", "bool_parsing"], "Must be true or false."),
    **dict.fromkeys(["string_type", "string_unicode"], "Must be text."),
    **dict.fromkeys(["uuid_type", "uuid_parsing"], "Enter a valid id."),
    **dict.fromkeys(["list_type", "tuple_type", "set_type"], "Must be a list."),
    **dict.fromkeys(["model_type", "model_attributes_type", "dict_type"], "Must be an object."),
}


def _plain_message(error: Mapping[str, Any]) -> str:
    """A message a person can act on, for one pydantic error. Never includes the value sent."""
    kind = str(error.get("type", ""))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in MESSAGES:
        ctx["values"] = _expected_values(ctx)
        return MESSAGES[kind].format_map(defaultdict(str, ctx))
    if kind == "value_error":
        # Our own validators raise ValueError with a message written for people.
        raw = ctx.get("error")
        message = str(raw) if raw is not None else str(error.get("msg", ""))
        return message.removeprefix("Value error, ") or "This value is not valid."
    # Our own PydanticCustomError types carry a message written for people; pydantic's other
    # messages describe the rule broken, never the value sent.
    return str(error.get("msg") or "This value is not valid.")


def _field_name(loc: Sequence[Any]) -> str:
    """Drop the source ("body", "query", "path") and ninja's parameter name; keep the field path."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)  # the view's body parameter name, e.g. "payload"
    return ".".join(str(part) for part in parts)


def _join(messages: Iterable[str]) -> str:
    unique: list[str] = []
    for message in messages:
        text = message if message.endswith((".", "?", "!")) else f"{message}."
        if text not in unique:
            unique.append(text)
    return " ".join(unique)


def from_ninja_validation(exc: NinjaValidationError) -> ApiError:
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    not_found = False
    for error in exc.errors:
        loc = error.get("loc") or ()
        if loc and loc[0] == "path":
            not_found = True  # a malformed id in the address is simply an address that does not exist
            continue
        name = _field_name(loc)
        message = _plain_message(error)
        if not name:
            if error.get("type") in {"missing", "model_type", "model_attributes_type", "dict_type"}:
                general.append("Send the details as a JSON object.")
            else:
                general.append(message)
        else:
            fields.setdefault(name, []).append(message)
    if not_found:
        return status_error(404)
    return ApiError(
        422,
        "validation_error",
        _join(general) if general else VALIDATION_MESSAGE,
        fields={name: _join(messages) for name, messages in fields.items()},
    )


def from_django_validation(exc: DjangoValidationError) -> ApiError:
    if hasattr(exc, "error_dict"):
        general = exc.message_dict.get("__all__", [])
        fields = {name: _join(messages) for name, messages in exc.message_dict.items() if name != "__all__"}
        return ApiError(
            422, "validation_error", _join(general) if general else VALIDATION_MESSAGE, fields=fields
        )
    return ApiError(422, "validation_error", _join(exc.messages) or VALIDATION_MESSAGE)


def from_conflict(exc: ConflictError) -> ApiError:
    changed = list(exc.changed_fields)
    return ApiError(
        409,
        "conflict",
        CONFLICT_MESSAGE.format(version=exc.current_version),
        fields=dict.fromkeys(changed, "Someone else changed this after you opened the record."),
        extra={"current_version": exc.current_version, "changed_fields": changed},
    )


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Inside it, a service's ``ValidationError`` naming a page's form field (``person``) is reported
    with the API body's name for it (``person_id``)."""
    try:
        yield
    except DjangoValidationError as exc:
        error = from_django_validation(exc)
        error.fields = {names.get(name, name): message for name, message in error.fields.items()}
        raise error from exc


# --- handlers ----------------------------------------------------------------------------------


def _respond(error: ApiError, headers: Mapping[str, str] | None = None) -> HttpResponse:
    return error_response(error, headers=headers)


def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _respond(exc)


def _on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _respond(from_ninja_validation(exc))


def _on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _respond(from_django_validation(exc))


def _on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return _respond(from_conflict(exc))


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _respond(status_error(404))


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _respond(status_error(403))


def _on_name_only(request: HttpRequest, exc: NameOnlyError) -> HttpResponse:
    """A young person the caller sees by name only was chosen: the choice is what is wrong (422 on the
    field that chose them), not the caller's right to act, which was checked first."""
    return _respond(ApiError(422, "validation_error", exc.message, fields={exc.field: exc.message}))


def _on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _respond(status_error(401))


def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    headers = {"Retry-After": str(int(exc.wait))} if exc.wait else None
    return _respond(status_error(429), headers=headers)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        return _respond(ApiError(400, "bad_request", "The request body is not valid JSON."))
    if exc.status_code >= 500:
        return _on_unexpected(request, exc)
    return _respond(status_error(exc.status_code))


def _on_database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """SQLite refused the write its lock (another writer held it past the busy timeout): 409 ``busy``,
    nothing saved, send it again. Any other database error is a server error."""
    if not database_busy(exc):
        return _on_unexpected(request, exc)
    refused(request, exc)
    return _respond(ApiError(409, "busy", BUSY_MESSAGE))


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    request_id = request_context.current().request_id
    logger.error("Unhandled error in API request %s", request_id, exc_info=exc)
    message = "Something went wrong on our side. Try again; if it keeps happening, tell support"
    message += f" and quote reference {request_id}." if request_id else "."
    return _respond(ApiError(500, "server_error", message))


Handler = Callable[[HttpRequest, Any], HttpResponse]
HANDLERS: list[tuple[type[Exception], Handler]] = [
    (Exception, _on_unexpected),
    (OperationalError, _on_database_error),
    (ApiError, _on_api_error),
    (NinjaValidationError, _on_ninja_validation),
    (DjangoValidationError, _on_django_validation),
    (ConflictError, _on_conflict),
    (Http404, _on_not_found),
    (ObjectDoesNotExist, _on_not_found),
    (PermissionDenied, _on_permission_denied),
    (NameOnlyError, _on_name_only),
    (AuthenticationError, _on_authentication),
    (Throttled, _on_throttled),
    (HttpError, _on_http_error),
]


def install_exception_handlers(api: NinjaAPI) -> None:
    """Replace django-ninja's default handlers so every error has the one format."""
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, handler)
