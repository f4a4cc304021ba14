"""Helpers for the browser journeys: sign in through the real pages, check accessibility with axe-core.

A journey (fixtures `page`, `live_server`, `staff`, `world`, `page_problems` come from conftest.py):

from tests.browser.harness import assert_accessible, expect_path, login

def test_practitioner_finds_a_young_person(page, live_server, world):
    login(page, live_server, world.users["practitioner"])  # the secret is read from the authenticator
    page.goto(f"{live_server.url}/people/")
    expect_path(page, r"^/people/")
    assert_accessible(page)

- `login(page, live_server, user, secret=None)`: password page, then code page; ends where sign-in lands.
- `assert_accessible(page, context=None)`: axe-core, WCAG 2.0/2.1/2.2 A and AA; fails on serious and
  critical violations with a readable list (rule, help link, elements, what to fix).
- `expect_path(page, regex)`: waits for the URL; on timeout says where the browser is instead.
- `submit(page, field_selector)`: clicks the submit button of the form holding that field.
- `totp_code(secret)`: the current authenticator code (never one already used in this test run).
- `sign_in(page, live_server, user, secret=None)`: for journeys not about signing in: the same allauth
  views, posted from Django's test client; the browser gets the session cookie and opens home.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from harbour.accounts.models import User

REPO_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HARBOUR_CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium as root, on a machine without a display or outside network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class Staff:
    """A staff user made by the `staff` fixture, with the secret of its authenticator."""

    user: User
    secret: str | None  # None: no authenticator enrolled
    password: str = factories.TEST_PASSWORD


_axe_source: str | None = None


def _inject_axe(page: Page) -> None:
    """Load axe-core into the page. `page.evaluate` goes through the DevTools protocol, which the page's
    Content Security Policy does not govern, so no inline <script> (which CSP forbids) is needed and the
    context keeps its real CSP (bypass_csp would hide violations these tests should see)."""
    global _axe_source  # noqa: PLW0603 - read the 500 KB file once per process
    if _axe_source is None:
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source + "\n;undefined")


def axe_violations(
    page: Page, *, tags: list[str] | None = None, context: str | None = None
) -> list[dict[str, Any]]:
    """Run axe-core on the page (or on the elements matched by the CSS selector `context`)."""
    _inject_axe(page)
    options = {"runOnly": {"type": "tag", "values": tags or WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(
        "async ([context, options]) => await window.axe.run(context ? document.querySelectorAll(context) "
        ": document, options)",
        [context, options],
    )
    return list(result["violations"])


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"\n[{violation['impact']}] {violation['id']}: {violation['help']}\n    {violation['helpUrl']}"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    - {target}\n      {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def assert_accessible(
    page: Page, *, context: str | None = None, impacts: tuple[str, ...] = BLOCKING_IMPACTS
) -> None:
    """Fail when axe-core finds a WCAG 2.2 AA violation of the given impacts (serious, critical)."""
    page.wait_for_load_state("load")
    violations = [v for v in axe_violations(page, context=context) if v.get("impact") in impacts]
    assert not violations, format_violations(violations, page.url)


_last_code: dict[str, tuple[int, str]] = {}


def totp_code(secret: str, *, margin_seconds: float = 5) -> str:
    """The authenticator code for now, never one already used with this secret.

    allauth refuses a code a second time; if the current code was used (two sign-ins of one user in
    the same 30 seconds), or fewer than `margin_seconds` of its period are left, wait for the next
    period.
    """
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // 30
    # allauth accepts only the current period's code (tolerance 0): a code read in the last seconds
    # of a period may reach the server in the next one, so wait for a fresh period instead.
    if _last_code.get(secret, (None, ""))[0] == counter or 30 - time.time() % 30 < margin_seconds:
        time.sleep(30 - time.time() % 30 + 0.1)
        counter = int(time.time()) // 30
    code = format_hotp_value(hotp_value(secret, counter))
    _last_code[secret] = (counter, code)
    return code


def totp_secret_of(user: User) -> str:
    """The TOTP secret of a user enrolled by the factories (so `world` users can sign in too)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return str(decrypt(authenticator.data["secret"]))


def expect_path(page: Page, pattern: str, *, timeout_ms: float = 15_000) -> None:
    """Wait until the page's path and query (percent-decoded) match the regex `pattern` (searched).

    On timeout, fails with where the browser actually is and the page's heading and error messages,
    which says more than Playwright's own timeout.
    """
    regex = re.compile(pattern)

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return bool(regex.search(unquote(parts.path + (f"?{parts.query}" if parts.query else ""))))

    try:
        page.wait_for_url(matches, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        heading = page.locator("h1").first.text_content(timeout=1_000) if page.locator("h1").count() else ""
        errors = page.locator(".govuk-error-summary, .govuk-error-message, .errorlist, [role=alert]")
        details = " | ".join(t.strip() for t in errors.all_text_contents() if t.strip())
        raise AssertionError(
            f"expected a URL matching {pattern!r}, but the page is {page.url}"
            f" (h1: {(heading or '').strip()!r}; errors: {details or 'none'})"
        ) from None
    page.wait_for_load_state("load")


def submit(page: Page, field_selector: str) -> None:
    """Click the submit button of the form that holds `field_selector` (not a button of another form)."""
    form = page.locator(f"form:has({field_selector})")
    form.locator("button[type=submit]:not([form]), input[type=submit]:not([form])").first.click()


def login(
    page: Page,
    live_server: LiveServer,
    user: User,
    secret: str | None = None,
    *,
    password: str = factories.TEST_PASSWORD,
    check_accessibility: bool = False,
) -> None:
    """Sign in through the real allauth pages: username and password, then the authenticator code.

    Ends on the page the sign-in lands on (home, or the `next` page). `check_accessibility` runs axe
    on the sign-in and code pages on the way.
    """
    if secret is None:
        secret = totp_secret_of(user)
    page.goto(f"{live_server.url}/accounts/login/")
    if check_accessibility:
        assert_accessible(page)
    page.fill('input[name="login"]', user.get_username())
    page.fill('input[name="password"]', password)
    submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/2fa/authenticate/")
    if check_accessibility:
        assert_accessible(page)
    page.fill('input[name="code"]', totp_code(secret))
    submit(page, 'input[name="code"]')
    expect_path(page, r"^/(?!accounts/)")


def sign_in(
    page: Page,
    live_server: LiveServer,
    user: User,
    secret: str | None = None,
    *,
    password: str = factories.TEST_PASSWORD,
) -> None:
    """Sign in for a journey that is not about signing in: the same allauth views as `login` (the
    password, then the authenticator code), posted from Django's test client instead of typed into
    the browser, whose context then gets the session cookie and opens where sign-in lands (home).

    `login` types into the real pages and is what the sign-in tests use; this saves a journey two
    page loads and usually the wait for a fresh authenticator period.
    """
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    if secret is None:
        secret = totp_secret_of(user)
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.get_username(), "password": password})
    assert response.status_code == 302, f"password refused for {user.get_username()}"
    assert response["Location"] == reverse("mfa_authenticate"), response["Location"]
    # The code reaches the server within milliseconds, so one second of its period is enough.
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, margin_seconds=1)})
    assert response.status_code == 302, f"authenticator code refused for {user.get_username()}"
    landing = response["Location"]
    assert not landing.startswith("/accounts/"), landing
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.value,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page.goto(f"{live_server.url}{landing}")
    expect_path(page, r"^/(?!accounts/)")
