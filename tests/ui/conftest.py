"""Fixtures for the UI shell's browser tests (tests/ui/test_browser_shell.py): the `page`, `page_problems`
and `staff` fixtures of tests/browser (live server, CSP and JavaScript error checks), with a Chromium of
this directory's own.

Playwright's sync API allows one instance per thread. tests/browser's `browser` lives for the whole
session, so this directory's browser lives for its module only and its tests run just before
tests/browser's: the two never overlap when `pytest -m browser` runs both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache

from tests.browser.conftest import IN_CI, page, page_problems, staff  # noqa: F401 (fixtures)
from tests.browser.harness import AXE_JS, CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser

UI_DIR = Path(__file__).resolve().parent
BROWSER_DIR = UI_DIR.parent / "browser"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """allauth counts failed sign-ins (and used codes) in the cache, which outlives a test; start each
    test with none, so one test's failures cannot rate-limit the next."""
    cache.clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"BROWSER TESTS NOT RUN: chromium not found at {CHROMIUM}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: browser tests are required)", pytrace=False)
        pytest.skip(f"{message} (install Debian's chromium package)")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `npm ci` (or `make assets`)", pytrace=False)
    from playwright.sync_api import sync_playwright

    # As in tests/browser: the ORM calls of the test thread are plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run this directory's browser tests after every other test but before tests/browser's.

    After the others, because once Playwright's event loop has run in the main thread Django refuses
    ORM calls from later tests; before tests/browser's, because their browser lasts until the end.
    """
    ours = [item for item in items if item.get_closest_marker("browser") and UI_DIR in item.path.parents]
    if not ours:
        return
    chosen = {id(item) for item in ours}
    rest = [item for item in items if id(item) not in chosen]
    first_theirs = next((i for i, item in enumerate(rest) if BROWSER_DIR in item.path.parents), len(rest))
    items[:] = rest[:first_theirs] + ours + rest[first_theirs:]
