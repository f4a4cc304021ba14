"""The browser fixtures of tests/browser (Chromium, live server, CSP and JavaScript error checks), for the
UI shell's own browser tests in tests/ui/test_browser_shell.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import browser, page, page_problems, staff  # noqa: F401 (fixtures)

UI_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the UI shell's browser tests last, like tests/browser's: Playwright's sync API keeps an event
    loop in the main thread, and Django refuses ORM calls from tests that run after it starts."""
    browser_items = [
        item
        for item in items
        if item.get_closest_marker("browser") and UI_DIR in Path(str(item.path)).parents
    ]
    if browser_items:
        chosen = set(map(id, browser_items))
        items[:] = [item for item in items if id(item) not in chosen] + browser_items
