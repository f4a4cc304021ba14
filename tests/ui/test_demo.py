"""Demonstration mode: demo logins on the sign-in page and the demo user's current code on the MFA page,
never outside demo mode and never for accounts that are not demo accounts."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.test import Client
from django.urls import reverse

from harbour.ui import demo
from tests import factories
from tests.ui.html import parse


@pytest.fixture
def demo_users(world):
    users = {}
    for role in ("practitioner", "team-manager"):
        user = factories.make_user(f"demo-{role}", role=role, team=world.norwich_team, mfa=False)
        users[role] = (user, factories.enrol_totp(user))
    return users


def start_sign_in(client: Client, username: str) -> None:
    response = client.post(reverse("account_login"), {"login": username, "password": factories.TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


def shown_code(html: str) -> tuple[str, str] | None:
    text = " ".join(parse(html).find("main").text.split())
    match = re.search(r"Demo only: the current code for (\S+) is (\d{6})", text)
    return (match.group(1), match.group(2)) if match else None


def test_nothing_is_shown_outside_demo_mode(client: Client, demo_users, settings):
    settings.HARBOUR_DEMO_MODE = False
    settings.HARBOUR_DEMO_PASSWORD = "the demo password"
    login_page = client.get(reverse("account_login")).content.decode()
    assert "demo-practitioner" not in login_page
    assert "the demo password" not in login_page
    assert "Demonstration" not in login_page

    start_sign_in(client, "demo-practitioner")
    mfa_page = client.get(reverse("mfa_authenticate")).content.decode()
    assert shown_code(mfa_page) is None
    assert "Demo only" not in mfa_page
    assert demo.demo_logins() == []
    assert demo.demo_password() == ""


def test_demo_logins_are_listed_in_demo_mode(client: Client, demo_users, settings, world):
    settings.HARBOUR_DEMO_MODE = True
    settings.HARBOUR_DEMO_PASSWORD = "the demo password"
    page = parse(client.get(reverse("account_login")).content)
    table = page.find("table", aria_labelledby="demo-accounts")
    rows = [
        [cell.text for cell in row.find_all() if cell.tag in {"th", "td"}]
        for row in table.find("tbody").find_all("tr")
    ]
    assert rows == [
        ["demo-practitioner", "Practitioner or lead professional", "Norfolk Children's Services"],
        ["demo-team-manager", "Team manager", "Norfolk Children's Services"],
    ]
    assert "the demo password" in page.find("main").text
    # Other accounts are never offered.
    assert world.breckland_worker.username not in page.find("main").text


def test_demo_logins_without_a_password_setting(client: Client, demo_users, settings):
    settings.HARBOUR_DEMO_MODE = True
    settings.HARBOUR_DEMO_PASSWORD = ""
    main = parse(client.get(reverse("account_login")).content).find("main").text
    assert "demo-practitioner" in main
    assert "password was shown when the demonstration was started" in main


@pytest.fixture
def frozen_clock(monkeypatch):
    """Hold the clock still, so the code shown and the code checked belong to the same 30 seconds."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    return now


def test_the_code_shown_validates_against_the_secret(client: Client, demo_users, settings, frozen_clock):
    settings.HARBOUR_DEMO_MODE = True
    user, secret = demo_users["team-manager"]
    start_sign_in(client, user.username)
    shown = shown_code(client.get(reverse("mfa_authenticate")).content.decode())
    assert shown is not None
    username, code = shown
    assert username == user.username
    assert validate_totp_code(secret, code)
    # And it signs the user in.
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 200


def test_the_code_is_for_the_user_signing_in(client: Client, demo_users, settings, frozen_clock):
    settings.HARBOUR_DEMO_MODE = True
    start_sign_in(client, "demo-practitioner")
    username, code = shown_code(client.get(reverse("mfa_authenticate")).content.decode())
    assert username == "demo-practitioner"
    assert validate_totp_code(demo_users["practitioner"][1], code)
    assert not validate_totp_code(demo_users["team-manager"][1], code)


def test_no_code_for_accounts_that_are_not_demo_accounts(client: Client, world, settings):
    settings.HARBOUR_DEMO_MODE = True
    start_sign_in(client, world.users["practitioner"].username)
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert shown_code(html) is None
    assert "Demo only" not in html


def test_production_never_shows_codes(client: Client, demo_users, settings):
    settings.HARBOUR_DEMO_MODE = True
    settings.HARBOUR_ENV = "prod"
    start_sign_in(client, "demo-practitioner")
    assert shown_code(client.get(reverse("mfa_authenticate")).content.decode()) is None
    assert demo.demo_logins() == []


def test_totp_code_matches_allauth(demo_users, frozen_clock):
    user, secret = demo_users["practitioner"]
    code = demo.totp_code(user)
    assert code is not None
    assert len(code) == 6
    assert validate_totp_code(secret, code)
    assert (
        demo.totp_code(user, at=frozen_clock + 30) != code
        or demo.totp_code(user, at=frozen_clock + 60) != code
    )
    assert demo.totp_code(factories.UserFactory(username="demo-no-mfa")) is None
