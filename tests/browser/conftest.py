"""Playwright harness: Debian's Chromium driving pytest-django's live server, axe-core checks, sign-in.

Fixtures
- `browser` (session; module under xdist): headless Chromium from /usr/bin/chromium (never a
  Playwright download). When Chromium is missing the browser tests are skipped loudly, except under
  CI=true, where they fail.
- `live_server`: pytest-django's; any test that uses it gets `transactional_db`, so the server thread
  sees what the test wrote (on SQLite the in-memory test database is shared with the server thread).
- `page`: a fresh browser context and page on the live server. At teardown it fails the test if the
  page logged a Content Security Policy violation, raised a JavaScript error or got a same-origin 4xx/5xx
  response (a missing stylesheet, say), and saves a screenshot under test-results/ when the test failed.
- `staff`: makes a staff user with a known TOTP secret (`staff("practitioner")`).

Helpers live in tests/browser/harness.py (`from tests.browser.harness import assert_accessible, login`):
- `login(page, live_server, user, secret)`: signs in through the real allauth pages (password, then the
  authenticator code). With `secret=None` the secret is read from the user's TOTP authenticator.
- `sign_in(page, live_server, user)`: the same sign-in posted from Django's test client, the session
  cookie handed to the browser; for journeys that are not about signing in.
- `assert_accessible(page)`: runs axe-core (node_modules/axe-core) for WCAG 2.0/2.1/2.2 A and AA and
  fails on serious or critical violations, listing them readably.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from tests import factories
from tests.browser.harness import AXE_JS, CHROMIUM, CHROMIUM_ARGS, REPO_DIR, Staff

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer


RESULTS_DIR = REPO_DIR / "test-results"
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
DEFAULT_TIMEOUT_MS = 15_000
BROWSER_DIR = Path(__file__).resolve().parent


# --------------------------------------------------------------------------------------------------
# Collection: every test in tests/browser is a browser test, and browser tests run last.
# --------------------------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser, and every test anywhere that drives Chromium (uses the
    `browser` fixture, directly or through `page`), with `browser`; run them after the others.

    `-m "not browser"` then leaves all of them out, and the quick tests report first.
    """
    browser_items, other_items = [], []
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
        else:
            other_items.append(item)
    items[:] = other_items + browser_items


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"_harbour_report_{report.when}", report)
    return report


# --------------------------------------------------------------------------------------------------
# The database: transactional tests flush every table at teardown, and the audit table refuses that.
# --------------------------------------------------------------------------------------------------

_original_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _user_triggers(connection: Any) -> list[tuple[str, str]]:
    """The user-defined triggers (those that make the audit table append-only): (table, '') on
    PostgreSQL, where they are disabled and enabled by table; (trigger, its SQL) on SQLite, where they
    are dropped and created again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname, '' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        else:
            return []
        return list(cursor.fetchall())


def _execute_sql_flush_past_triggers(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
    """Flush the test database with append-only triggers lifted, inside one transaction.

    The audit trail's triggers refuse DELETE (SQLite) and TRUNCATE (PostgreSQL), so TransactionTestCase's
    flush, which live-server tests need, would fail. The triggers are restored in the same transaction,
    so no other connection ever sees the table unguarded. Only the test process patches this.
    """
    connection = self.connection
    with transaction.atomic(using=connection.alias):
        triggers = _user_triggers(connection)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in {table for table, _ in triggers}:
                    cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            elif connection.vendor == "sqlite":
                for name, _ in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
        _original_execute_sql_flush(self, sql_list)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in {table for table, _ in triggers}:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            elif connection.vendor == "sqlite":
                for _, sql in triggers:
                    cursor.execute(sql)


BaseDatabaseOperations.execute_sql_flush = _execute_sql_flush_past_triggers  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------------
# Browser, context, page
# --------------------------------------------------------------------------------------------------


def chromium_missing_message() -> str:
    return f"BROWSER TESTS NOT RUN: chromium not found at {CHROMIUM}"


def _browser_scope(fixture_name: str, config: pytest.Config) -> str:
    """Session scope in a single process, module scope in an xdist worker.

    Playwright's sync API keeps an asyncio loop running in the main thread while it is started, and
    allows one instance per thread, so no test that is not a browser test may run while it is. In one
    process the browser tests run last (`pytest_collection_modifyitems` above), so one Chromium can
    serve all of them; an xdist worker gets tests in no fixed order, so there it stops after each module.
    """
    return "module" if hasattr(config, "workerinput") else "session"


@pytest.fixture(scope=_browser_scope)
def browser() -> Iterator[Browser]:
    """Chromium for the browser tests (one launch per run, or per module under xdist: see above)."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{chromium_missing_message()} (CI=true: browser tests are required)", pytrace=False)
        pytest.skip(f"{chromium_missing_message()} (install Debian's chromium package)")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `npm ci` (or `make assets`)", pytrace=False)
    from playwright.sync_api import sync_playwright

    # While the loop runs, Django refuses ORM calls in this thread (SynchronousOnlyOperation), but the
    # test's own ORM calls (factories, assertions) are plain synchronous calls: allow them meanwhile.
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


@dataclass
class PageProblems:
    """What went wrong in the page besides the test's own assertions: CSP violations and other console
    errors, uncaught JavaScript errors, same-origin responses of 400 and above (a missing stylesheet).

    A test that expects one calls `page_problems.allow(r"regex")`; anything else fails the test.
    """

    origin: str
    messages: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]

    def console(self, message: Any) -> None:
        location = (message.location or {}).get("url", "")
        if urlsplit(location).path == "/favicon.ico":
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            where = f" ({location})" if location else ""
            self.messages.append(f"console {message.type}: {message.text}{where}")

    def page_error(self, error: Any) -> None:
        self.messages.append(f"JavaScript error: {error}")

    def response(self, response: Any) -> None:
        url = response.url
        if response.status >= 400 and url.startswith(self.origin) and urlsplit(url).path != "/favicon.ico":
            self.messages.append(f"HTTP {response.status} for {response.request.resource_type} {url}")


@pytest.fixture
def page_problems(live_server: LiveServer) -> PageProblems:
    return PageProblems(origin=live_server.url)


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, page_problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    new_page.on("console", page_problems.console)
    new_page.on("pageerror", page_problems.page_error)
    new_page.on("response", page_problems.response)
    try:
        yield new_page
        call_report = getattr(request.node, "_harbour_report_call", None)
        if call_report is not None and call_report.failed:
            _screenshot(new_page, request.node.name)
    finally:
        context.close()
    if unexpected := page_problems.unexpected():
        pytest.fail("The page had problems:\n  " + "\n  ".join(unexpected), pytrace=False)


def _screenshot(page: Page, test_name: str) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a failed screenshot must not hide the test's own failure
        print(f"could not save a screenshot: {error}")
    else:
        print(f"screenshot of the failing page: {path} ({page.url})")


@pytest.fixture
def staff(reference: None) -> Callable[..., Staff]:
    """`staff(username, role="practitioner", mfa=True)` makes a user in a children's services team and
    returns it with its TOTP secret."""
    team_holder: dict[str, Any] = {}

    def make(username: str = "practitioner", *, role: str = "practitioner", mfa: bool = True) -> Staff:
        if "team" not in team_holder:
            team_holder["team"] = factories.TeamFactory(
                agency=factories.AgencyFactory(name="Norfolk Children's Services"),
                name="Norwich adolescent team",
            )
        user = factories.make_user(username, role=role, team=team_holder["team"], mfa=False)
        secret = factories.enrol_totp(user) if mfa else None
        return Staff(user=user, secret=secret)

    return make
