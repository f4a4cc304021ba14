from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from harbour.core import request_context
from harbour.core.busy import BUSY_MESSAGE, database_busy, refused


def client_address(request: HttpRequest) -> str:
    """The client's address; behind HARBOUR_PROXY_COUNT trusted proxies, read from X-Forwarded-For."""
    proxies = settings.HARBOUR_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    """Give each request an id (echoed in X-Request-ID) that audit events and logs carry; and answer a
    page whose write SQLite refused (another writer held the lock past the busy timeout) with a 409
    page saying nothing has been saved, instead of a server error (``core.busy``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        token = request_context.set_current(
            request_context.RequestContext(
                request_id=request_id, ip_address=client_address(request), channel=channel
            )
        )
        cache = request_context.start_cache()
        try:
            response = self.get_response(request)
        finally:
            request_context.end_cache(cache)
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        # Pages and API answers may hold personal data: no browser or proxy keeps a copy.
        if not request.path.startswith("/static/") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view's write refused SQLite's write lock: the 409 page (the API answers its own, in its
        error format). Anything else goes on to Django's handling."""
        if not database_busy(exception):
            return None
        refused(request, exception)
        return render(request, "core/busy.html", {"message": BUSY_MESSAGE}, status=409)
