from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from harbour.core import request_context


class RequestContextMiddleware:
    """Give each request an id (echoed in X-Request-ID) that audit events and logs carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        token = request_context.set_current(
            request_context.RequestContext(
                request_id=request_id, ip_address=request.META.get("REMOTE_ADDR", ""), channel=channel
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response
