"""The current request's id and client address, for audit events, without passing them everywhere."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str = ""
    channel: str = "system"  # web, api, cli, system


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "harbour_request_context",
    default=RequestContext(),  # noqa: B039 (frozen dataclass: immutable)
)


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)


# Answers worth keeping for the rest of one request (who the signed-in user may see, their teams): a
# home page asks the same questions of a dozen queues. Outside a request (a command, a test calling a
# selector) nothing is kept, so nothing can go stale between one call and the next.
_cache: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "harbour_request_cache", default=None
)


def start_cache() -> contextvars.Token[dict[Hashable, Any] | None]:
    return _cache.set({})


def end_cache(token: contextvars.Token[dict[Hashable, Any] | None]) -> None:
    _cache.reset(token)


def once_a_request(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out once for this key in this request (every time outside a request)."""
    store = _cache.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    value: T = store[key]
    return value


def kept(key: Hashable) -> tuple[bool, Any]:
    """Whether this request already worked out the answer for this key, and the answer if so (never
    works it out: for a caller that would rather ask a cheaper question than start an expensive one)."""
    store = _cache.get()
    if store is None or key not in store:
        return False, None
    return True, store[key]


def keep(key: Hashable, value: Any) -> None:
    """Keep this answer for the rest of the request (found while working out another; nothing outside
    a request)."""
    store = _cache.get()
    if store is not None:
        store.setdefault(key, value)


def forget(matches: Callable[[Hashable], bool]) -> None:
    """Drop the kept answers whose keys match (after a write that changes them)."""
    store = _cache.get()
    if store is not None:
        for key in [key for key in store if matches(key)]:
            del store[key]
