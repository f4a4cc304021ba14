"""A request's kept answers are shared by the threads the home page fills its queues on: each answer is
worked out once, by one thread, while the others wait for it."""

from __future__ import annotations

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harbour.core import request_context


@pytest.fixture
def in_a_request():
    token = request_context.start_cache()
    yield
    request_context.end_cache(token)


def _on_threads(count: int, work) -> list:
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(contextvars.copy_context().run, work) for _ in range(count)]
        return [future.result() for future in futures]


def test_threads_asking_at_once_share_one_answer_worked_out_once(in_a_request):
    calls = []

    def compute() -> str:
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return "answer"

    answers = _on_threads(4, lambda: request_context.once_a_request("key", compute))
    assert answers == ["answer"] * 4
    assert len(calls) == 1
    assert request_context.kept("key") == (True, "answer")


def test_when_working_it_out_fails_a_waiting_thread_works_it_out_itself(in_a_request):
    started = threading.Event()
    calls = []

    def compute() -> str:
        calls.append(threading.get_ident())
        if len(calls) == 1:
            started.set()
            time.sleep(0.05)
            raise RuntimeError("the database went away")
        return "second try"

    def first() -> str:
        return request_context.once_a_request("key", compute)

    def second() -> str:
        started.wait(5)
        return request_context.once_a_request("key", compute)

    with ThreadPoolExecutor(max_workers=2) as pool:
        failing = pool.submit(contextvars.copy_context().run, first)
        waiting = pool.submit(contextvars.copy_context().run, second)
        with pytest.raises(RuntimeError):
            failing.result()
        assert waiting.result() == "second try"
    assert len(calls) == 2


def test_asking_again_for_the_same_answer_while_working_it_out_does_not_wait_for_itself(in_a_request):
    def outer() -> str:
        return "outer:" + request_context.once_a_request("key", lambda: "inner")

    assert request_context.once_a_request("key", outer) == "outer:inner"


def test_outside_a_request_nothing_is_kept():
    calls = []
    assert request_context.once_a_request("key", lambda: calls.append(1) or len(calls)) == 1
    assert request_context.once_a_request("key", lambda: calls.append(1) or len(calls)) == 2
    assert request_context.kept("key") == (False, None)


def test_keep_and_forget(in_a_request):
    request_context.keep(("access-ids", 1), {"a"})
    request_context.keep(("access-ids", 1), {"b"})  # the first answer kept stays
    request_context.keep(("teams", 1), {"t"})
    assert request_context.kept(("access-ids", 1)) == (True, {"a"})
    request_context.forget(lambda key: key[0] == "access-ids")
    assert request_context.kept(("access-ids", 1)) == (False, None)
    assert request_context.kept(("teams", 1)) == (True, {"t"})


def test_the_access_policys_two_id_sets_are_read_once_when_two_threads_ask_for_them_at_once(
    in_a_request, monkeypatch
):
    """The caseload and everyone the actor sees come from one query: a thread asking for one set while
    another reads both waits for that read, rather than reading both again (a police intelligence
    officer's network is thousands of ids)."""
    from types import SimpleNamespace

    from harbour.access import policies

    reads = []

    def read_both(actor):
        reads.append(actor.pk)
        time.sleep(0.05)
        return frozenset({"standing"}), frozenset({"standing", "granted"})

    monkeypatch.setattr(policies, "_read_both_id_sets", read_both)
    monkeypatch.setattr(policies, "is_staff_member", lambda actor: True)
    actor = SimpleNamespace(pk="officer-threads")
    with ThreadPoolExecutor(max_workers=2) as pool:
        caseload = pool.submit(contextvars.copy_context().run, policies._direct_id_set, actor, False)
        everyone = pool.submit(contextvars.copy_context().run, policies._direct_id_set, actor, True)
        assert caseload.result() == frozenset({"standing"})
        assert everyone.result() == frozenset({"standing", "granted"})
    assert reads == ["officer-threads"]
