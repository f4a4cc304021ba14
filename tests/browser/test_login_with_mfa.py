"""Signing in: password, then the authenticator code; staff without an authenticator must enrol first."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_accessible, expect_path, login, submit, totp_code

pytestmark = pytest.mark.browser


def sign_in_with_password(page, username: str, password: str) -> None:
    page.fill('input[name="login"]', username)
    page.fill('input[name="password"]', password)
    submit(page, 'input[name="password"]')


def test_sign_in_with_password_and_authenticator_code(page, live_server, staff):
    practitioner = staff("jo.practitioner")

    page.goto(f"{live_server.url}/")
    expect_path(page, r"^/accounts/login/\?next=/$")
    assert_accessible(page)
    sign_in_with_password(page, practitioner.user.username, practitioner.password)

    expect_path(page, r"^/accounts/2fa/authenticate/$")
    assert_accessible(page)
    page.fill('input[name="code"]', totp_code(practitioner.secret))
    submit(page, 'input[name="code"]')

    expect_path(page, r"^/$")
    assert page.locator("h1").first.is_visible()
    assert_accessible(page)

    # Signed in: the home page stays reachable without signing in again.
    page.goto(f"{live_server.url}/")
    expect_path(page, r"^/$")


def test_login_helper_signs_in_a_world_user(page, live_server, world):
    """`login` reads the secret of a user the factories enrolled, so journeys can use `world` users."""
    login(page, live_server, world.users["team-manager"])
    expect_path(page, r"^/$")


def test_wrong_authenticator_code_does_not_sign_in(page, live_server, staff):
    practitioner = staff("sam.practitioner")
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in_with_password(page, practitioner.user.username, practitioner.password)
    expect_path(page, r"^/accounts/2fa/authenticate/$")

    wrong = f"{(int(totp_code(practitioner.secret)) + 1) % 1_000_000:06d}"
    page.fill('input[name="code"]', wrong)
    submit(page, 'input[name="code"]')

    expect_path(page, r"^/accounts/2fa/authenticate/$")
    assert_accessible(page)  # the form again, with its error message

    # Still not signed in: the home page sends the browser back to sign-in, which resumes at the code.
    page.goto(f"{live_server.url}/")
    expect_path(page, r"^/accounts/(login|2fa/authenticate)/")


def test_staff_without_authenticator_must_enrol_before_anything_else(page, live_server, staff):
    newcomer = staff("new.starter", mfa=False)

    page.goto(f"{live_server.url}/accounts/login/")
    sign_in_with_password(page, newcomer.user.username, newcomer.password)

    # allauth asks for the password once more before it shows the enrolment page.
    expect_path(page, r"^/accounts/(reauthenticate/\?next=/accounts/2fa/totp/activate/|2fa/totp/activate/)")
    if "/accounts/reauthenticate/" in page.url:
        assert_accessible(page)
        page.fill('input[name="password"]', newcomer.password)
        submit(page, 'input[name="password"]')
    expect_path(page, r"^/accounts/2fa/totp/activate/$")
    assert page.locator('input[name="code"]').is_visible()
    assert_accessible(page)

    for path in ["/", "/people/"]:
        page.goto(f"{live_server.url}{path}")
        expect_path(page, r"^/accounts/2fa/totp/activate/$")
