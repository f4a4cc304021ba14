"""The UI shell in Chromium: every page passes axe (WCAG 2.2 AA, no serious or critical violations),
logs no CSP or JavaScript errors, and works with a keyboard."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.browser.harness import assert_accessible, expect_path, sign_in, submit, totp_secret_of

pytestmark = pytest.mark.browser


def test_sign_in_pages_are_accessible_and_show_errors(page, live_server, world, settings):
    settings.HARBOUR_DEMO_MODE = False
    page.goto(f"{live_server.url}{reverse('account_login')}")
    assert page.locator("body.govuk-frontend-supported").count() == 1  # app.mjs ran under the CSP
    assert_accessible(page)

    submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/login/$")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # GOV.UK Frontend moves focus to the error summary; its links move focus to the field.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_login"


def test_demo_sign_in_shows_the_code_and_every_page_is_accessible(page, live_server, world, settings):
    settings.HARBOUR_DEMO_MODE = True
    settings.HARBOUR_DEMO_PASSWORD = factories.TEST_PASSWORD
    demo_user = factories.make_user("demo-team-manager", role="team-manager", team=world.norwich_team)

    page.goto(f"{live_server.url}{reverse('account_login')}")
    assert page.locator(".app-demo-banner").is_visible()
    assert page.locator("table", has_text="demo-team-manager").is_visible()
    assert_accessible(page)

    page.fill('input[name="login"]', demo_user.username)
    page.fill('input[name="password"]', factories.TEST_PASSWORD)
    submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/2fa/authenticate/$")
    assert_accessible(page)
    code = page.locator(".app-demo-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    page.fill('input[name="code"]', code)
    submit(page, 'input[name="code"]')
    expect_path(page, r"^/$")
    assert page.locator("h1").inner_text() == "Your work"
    assert_accessible(page)


@pytest.mark.parametrize(
    "role", ["practitioner", "team-manager", "data-protection-officer", "system-administrator"]
)
def test_home_and_shell_pages_are_accessible(page, live_server, world, role):
    sign_in(page, live_server, world.users[role])
    expect_path(page, r"^/$")
    assert page.locator("main").count() == 1
    assert page.locator("nav[aria-label='Main']").is_visible()
    assert_accessible(page)
    for path in (reverse("ui:accessibility"), reverse("account_change_password"), reverse("account_logout")):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)


def test_not_found_page_is_accessible(page, live_server, world, page_problems):
    page_problems.allow(r"HTTP 404 for document .*/no-such-page/")
    page_problems.allow(r"status of 404")
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/no-such-page/")
    assert page.locator("h1").inner_text() == "Page not found"
    assert_accessible(page)


def test_enrolment_page_is_accessible(page, live_server, world):
    user = factories.make_user("enrolling", role="practitioner", team=world.norwich_team, mfa=False)
    page.goto(f"{live_server.url}{reverse('account_login')}")
    page.fill('input[name="login"]', user.username)
    page.fill('input[name="password"]', factories.TEST_PASSWORD)
    submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/(reauthenticate|2fa/totp/activate)/")
    if "reauthenticate" in page.url:
        assert_accessible(page)
        page.fill('input[name="password"]', factories.TEST_PASSWORD)
        submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/2fa/totp/activate/$")
    assert page.locator("img.app-qr-code").is_visible()
    assert_accessible(page)


def test_keyboard_skip_link_menu_and_sign_out(page, live_server, world):
    sign_in(page, live_server, world.users["team-manager"])
    expect_path(page, r"^/$")
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.locator("a.govuk-skip-link")
    assert page.evaluate("document.activeElement.classList.contains('govuk-skip-link')")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # The menu and the sign-out button are reachable in order with Tab.
    page.goto(f"{live_server.url}/")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert reached.index("Home") < reached.index("Sign out")
    assert "Search people" in reached
    assert "Audit" in reached
    page.keyboard.press("Shift+Tab")
    while page.evaluate("document.activeElement.textContent.trim()") != "Sign out":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect_path(page, r"^/accounts/login/")
    page.goto(f"{live_server.url}/")
    expect_path(page, r"^/accounts/login/")


def test_small_screens_collapse_the_menu(page, live_server, world):
    sign_in(page, live_server, world.users["team-manager"])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/")
    toggle = page.locator("button.govuk-service-navigation__toggle")
    menu = page.locator("#navigation")
    assert toggle.is_visible()
    assert not menu.is_visible()
    toggle.click()
    assert menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert_accessible(page)


def test_locked_out_page_is_accessible(page, live_server, world, settings, page_problems):
    page_problems.allow(r"HTTP 429")
    page_problems.allow(r"status of 429")
    user = world.users["practitioner"]
    assert totp_secret_of(user)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(f"{live_server.url}{reverse('account_login')}")
        page.fill('input[name="login"]', user.username)
        page.fill('input[name="password"]', "not the password")
        submit(page, 'input[name="password"]')
        page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Your account is locked"
    assert user.username not in page.content()
    assert_accessible(page)
