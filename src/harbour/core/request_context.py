"""The current request's id and client address, for audit events, without passing them everywhere."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
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
#
# The home page may fill its queues on several threads at once (ui/queues.py), each running in a copy
# of the request's context and so sharing this store: an answer is worked out by one thread while the
# others that ask for it wait, rather than each asking the database the same question.


@dataclass
class _Store:
    values: dict[Hashable, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Keys being worked out: the thread working each out, and the event the others wait on.
    working: dict[Hashable, tuple[int, threading.Event]] = field(default_factory=dict)


_cache: contextvars.ContextVar[_Store | None] = contextvars.ContextVar("harbour_request_cache", default=None)


def start_cache() -> contextvars.Token[_Store | None]:
    return _cache.set(_Store())


def end_cache(token: contextvars.Token[_Store | None]) -> None:
    _cache.reset(token)


def once_a_request(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out once for this key in this request (every time outside a request)."""
    store = _cache.get()
    if store is None:
        return compute()
    me = threading.get_ident()
    while True:
        with store.lock:
            if key in store.values:
                found: T = store.values[key]
                return found
            working = store.working.get(key)
            if working is None:
                done = threading.Event()
                store.working[key] = (me, done)
                break
        owner, done = working
        if owner == me:  # asked again while working it out: work it out again, as without a store
            return compute()
        done.wait()  # then the answer is kept, or working it out failed and this thread tries
    try:
        value = compute()
        with store.lock:
            value = store.values.setdefault(key, value)
        return value
    finally:
        with store.lock:
            del store.working[key]
        done.set()


def kept(key: Hashable) -> tuple[bool, Any]:
    """Whether this request already worked out the answer for this key, and the answer if so (never
    works it out: for a caller that would rather ask a cheaper question than start an expensive one)."""
    store = _cache.get()
    if store is None:
        return False, None
    with store.lock:
        if key not in store.values:
            return False, None
        return True, store.values[key]


def keep(key: Hashable, value: Any) -> None:
    """Keep this answer for the rest of the request (found while working out another; nothing outside
    a request)."""
    store = _cache.get()
    if store is not None:
        with store.lock:
            store.values.setdefault(key, value)


def forget(matches: Callable[[Hashable], bool]) -> None:
    """Drop the kept answers whose keys match (after a write that changes them)."""
    store = _cache.get()
    if store is not None:
        with store.lock:
            for key in [key for key in store.values if matches(key)]:
                del store.values[key]
