"""Helpers for the API's paginated lists."""

from __future__ import annotations

from django.http import HttpRequest


def next_page_url(request: HttpRequest, next_page: int | None, page_size: int) -> str | None:
    """A list's next page's address: its path with ``page`` and ``page_size`` only, so nothing else a
    caller sent (a name, say) is echoed into a URL."""
    if next_page is None:
        return None
    return request.build_absolute_uri(f"{request.path}?page={next_page}&page_size={page_size}")
