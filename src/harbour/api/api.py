"""The REST API at /api/v1/: authentication, the error format, and each app's router."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, URLPattern, URLResolver, re_path, resolve
from ninja import NinjaAPI

from harbour.api.auth import SessionMFAAuth, TokenAuth
from harbour.api.errors import error_response, install_exception_handlers, status_error
from harbour.assessments.api import router as assessments_router
from harbour.education.api import router as education_router
from harbour.figures.api import router as figures_router
from harbour.frontdoor.api import router as referrals_router
from harbour.missing.api import router as missing_router
from harbour.people.api import router as people_router

DESCRIPTION = """\
Harbour's API for partner systems and scripts.

**Authentication.** Send a personal access token as `Authorization: Bearer hbr_...` (an administrator
makes one with `harbour token create USERNAME`). From the browser, a signed-in session works once
two-step verification is set up; send the `X-CSRFToken` header with every POST, PATCH, PUT or DELETE.

**Errors** always read `{"error": {"code": ..., "message": ..., "fields": {...}}}`. Codes:
`bad_request` (400, for example malformed JSON), `unauthorised` (401), `permission_denied` (403),
`not_found` (404: missing and not-yours look the same), `method_not_allowed` (405), `conflict` (409:
someone saved the record since you read it; the error carries `current_version` and `changed_fields`),
`validation_error` (422, with a message per field), `server_error` (500, with a reference to quote).

**Lists** are paginated: `{"items": [...], "count": N, "page": n, "page_size": m, "next": url or null}`.
"""

NOTHING_HERE = "There is nothing at this address. The API's addresses are listed at /api/v1/docs."


class HarbourAPI(NinjaAPI):
    """NinjaAPI whose every address, including unknown ones and wrong methods, answers in the error format."""

    def set_default_exception_handlers(self) -> None:
        install_exception_handlers(self)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _in_error_format(pattern.callback)
        fallback = re_path(r"^(?P<rest>.+)$", _unknown_address, name="not-found")
        return [*patterns, fallback], app_name, namespace


def _in_error_format(view: Callable[..., Any]) -> Callable[..., Any]:
    """django-ninja answers a wrong method with a bare 405, and its root address with Django's 404
    page; give both the error format. (Errors inside operations go through the exception handlers.)"""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response: HttpResponseBase = view(request, *args, **kwargs)
        except Http404:
            return error_response(status_error(404, NOTHING_HERE))
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            headers = {"Allow": response["Allow"]} if response.has_header("Allow") else None
            return error_response(status_error(405), headers=headers)
        return response

    return wrapped


def _unknown_address(request: HttpRequest, rest: str) -> HttpResponse:
    """No such route. If only the trailing slash is missing, send the caller to the right address."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            query = request.META.get("QUERY_STRING", "")
            # 308 keeps the method and body, so a POST to /people arrives at /people/ as a POST.
            redirect = HttpResponse(status=308)
            redirect["Location"] = request.path + "/" + (f"?{query}" if query else "")
            return redirect
    return error_response(status_error(404, NOTHING_HERE))


_unknown_address.csrf_exempt = True  # type: ignore[attr-defined]  # answers every method with 404

api = HarbourAPI(
    title="Harbour API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionMFAAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/people/", people_router, tags=["people"])
api.add_router("/referrals/", referrals_router, tags=["referrals"])
api.add_router("/assessments/", assessments_router, tags=["assessments"])
api.add_router("/missing/", missing_router, tags=["missing"])
api.add_router("/education/", education_router, tags=["education"])
api.add_router("/figures/", figures_router, tags=["figures"])
