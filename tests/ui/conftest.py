"""Fixtures for the UI shell's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harbour.ui import queues


@pytest.fixture
def only_test_queues() -> Iterator[None]:
    """Take the domain apps' queues away for the test, and put them back after."""
    saved = dict(queues._registry)
    queues._registry.clear()
    try:
        yield
    finally:
        queues._registry.clear()
        queues._registry.update(saved)
