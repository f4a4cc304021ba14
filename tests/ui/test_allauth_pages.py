"""allauth's pages in GOV.UK style: sign in, the code, enrolment, recovery codes, password, sign out,
and django-axes' lockout page."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.ui.html import Element, parse


def page_of(response, status: int = 200) -> Element:
    assert response.status_code == status, (response.status_code, response.get("Location"))
    return parse(response.content)


def assert_govuk_shell(page: Element) -> None:
    assert page.find("html").attrs["lang"] == "en-GB"
    assert len(page.find_all("main")) == 1
    assert page.find("a", cls="govuk-generic-header__homepage-link").text == "Harbour"
    assert page.find("footer", cls="govuk-footer")
    h1 = page.find_all("h1")
    assert len(h1) == 1
    assert "govuk-heading-l" in h1[0].classes


@pytest.fixture
def person(world):
    user = factories.make_user("sign_in_person", role="practitioner", team=world.norwich_team, mfa=False)
    secret = factories.enrol_totp(user)
    return user, secret


def code_for(secret: str) -> str:
    if 30 - time.time() % 30 < 2:  # near the end of a period: use the next one (allauth's tolerance is 0)
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in_with_password(client: Client, user) -> None:
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


def reauthenticated(user) -> Client:
    """A signed-in client that has just confirmed its password, as allauth asks before enrolment and
    before showing recovery codes."""
    client = Client()
    client.force_login(user)
    page = page_of(client.get(reverse("account_reauthenticate")))
    assert_govuk_shell(page)
    response = client.post(reverse("account_reauthenticate"), {"password": factories.TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_sign_in_page(client: Client, db):
    page = page_of(client.get(reverse("account_login")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Sign in to Harbour"
    assert page.find("title").text == "Sign in \u2013 Harbour"
    form = page.find("form", action=reverse("account_login"))
    assert form.attrs["method"] == "post"
    assert "novalidate" in form.attrs
    username = form.by_id("id_login")
    assert username.classes == {"govuk-input"}
    assert username.attrs["autocomplete"] == "username"
    assert "placeholder" not in username.attrs  # allauth's placeholder only repeated the label
    assert form.find("label", for_="id_login").text == "Username"
    password = form.by_id("id_password")
    assert "govuk-password-input__input" in password.classes
    assert password.attrs["type"] == "password"
    assert form.find("button", type="submit").text == "Continue"
    assert "sign up" not in page.find("main").text.lower()  # no self sign-up in Harbour


def test_failed_sign_in_shows_an_error_summary(client: Client, person):
    user, _ = person
    response = client.post(reverse("account_login"), {"login": user.username, "password": "not it"})
    page = page_of(response)
    summary = page.find("div", cls="govuk-error-summary")
    link = summary.find("a")
    assert link.attrs["href"] == "#id_login"
    assert "not correct" in link.text
    # The summary comes before the heading, as GOV.UK says.
    main = page.find("main")
    order = [element for element in main.iter() if element.tag in {"h1", "h2"}]
    assert order[0].text == "There is a problem"


def test_empty_sign_in_links_each_field(client: Client, db):
    page = page_of(client.post(reverse("account_login"), {"login": "", "password": ""}))
    links = page.find("div", cls="govuk-error-summary").find_all("a")
    assert [link.attrs["href"] for link in links] == ["#id_login", "#id_password"]
    assert page.by_id("id_login_error").text == "Error: This field is required."
    assert "govuk-input--error" in page.by_id("id_login").classes
    assert page.by_id("id_login").attrs["aria-describedby"] == "id_login_error"


def test_code_page(client: Client, person, settings):
    settings.HARBOUR_DEMO_MODE = False
    user, _ = person
    sign_in_with_password(client, user)
    page = page_of(client.get(reverse("mfa_authenticate")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Enter the code from your authenticator app"
    form = page.find("form", action=reverse("mfa_authenticate"))
    code = form.by_id("id_code")
    assert code.classes == {"govuk-input"}
    assert code.attrs["autocomplete"] == "one-time-code"
    buttons = form.find_all("button")
    assert [button.text for button in buttons] == ["Sign in", "Cancel"]
    assert buttons[1].attrs["form"] == "logout-from-stage"
    cancel = page.by_id("logout-from-stage")
    assert cancel.attrs["action"] == reverse("account_logout")
    assert not page.find_all(id="demo-code")


def test_wrong_code_shows_an_error_summary(client: Client, person):
    user, secret = person
    sign_in_with_password(client, user)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
    page = page_of(client.post(reverse("mfa_authenticate"), {"code": wrong}))
    summary = page.find("div", cls="govuk-error-summary")
    assert summary.find("a").attrs["href"] == "#id_code"
    assert page.find("title").text.startswith("Error: ")
    assert "govuk-form-group--error" in page.by_id("id_code").attrs.get("class", "") or page.find_all(
        "div", cls="govuk-form-group--error"
    )


def test_enrolment_page(world):
    user = factories.make_user("enrolling", role="practitioner", team=world.norwich_team, mfa=False)
    client = reauthenticated(user)
    response = client.get(reverse("ui:home"))
    assert response["Location"] == reverse("mfa_activate_totp")
    page = page_of(client.get(reverse("mfa_activate_totp")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Set up your authenticator app"
    qr = page.find("img", cls="app-qr-code")
    assert qr.attrs["src"].startswith("data:image/svg+xml;base64,")
    assert qr.attrs["alt"]
    secret = page.by_id("authenticator-secret").text
    assert len(secret) >= 16
    assert page.by_id("id_code").classes == {"govuk-input"}
    # The menu waits until the authenticator is set up; signing out does not.
    assert not page.find_all("nav", aria_label="Main")
    assert page.find("button", cls="app-account__sign-out")

    # A wrong code: GOV.UK error summary; the right one: enrolled.
    page = page_of(client.post(reverse("mfa_activate_totp"), {"code": "000000"}))
    assert page.find("div", cls="govuk-error-summary").find("a").attrs["href"] == "#id_code"
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_recovery_codes_page(person):
    user, _ = person
    RecoveryCodes.activate(user)
    client = reauthenticated(user)
    page = page_of(client.get(reverse("mfa_view_recovery_codes")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Recovery codes"
    codes = page.by_id("recovery-codes").find_all("li")
    assert len(codes) > 0
    assert all(len(code.text) >= 8 for code in codes)
    assert page.find("a", href=reverse("mfa_download_recovery_codes")).attrs["role"] == "button"
    assert not [script for script in page.find_all("script") if "src" not in script.attrs]


def test_mfa_overview_uses_govuk_components(world):
    page = page_of(world.client_for("practitioner").get(reverse("mfa_index")))
    assert_govuk_shell(page)
    cards = page.find_all("div", cls="govuk-summary-card")
    assert cards
    assert all(card.find("h2", cls="govuk-summary-card__title") for card in cards)
    for button in page.find("main").find_all("a", role="button"):
        assert "govuk-button" in button.classes


def test_password_change_page(world):
    client = world.client_for("practitioner")
    page = page_of(client.get(reverse("account_change_password")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Change your password"
    for name in ("oldpassword", "password1", "password2"):
        assert "govuk-input" in page.by_id(f"id_{name}").classes
    page = page_of(
        client.post(
            reverse("account_change_password"),
            {"oldpassword": "wrong", "password1": "short", "password2": "different"},
        )
    )
    links = [a.attrs["href"] for a in page.find("div", cls="govuk-error-summary").find_all("a")]
    assert "#id_oldpassword" in links
    assert "#id_password1" in links or "#id_password2" in links


def test_sign_out_page(world):
    client = world.client_for("practitioner")
    page = page_of(client.get(reverse("account_logout")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Sign out of Harbour"
    form = page.find("main").find("form")
    assert form.attrs["action"] == reverse("account_logout")
    assert form.find("button").text == "Sign out"
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 302


def test_other_allauth_pages_use_govuk_elements(client: Client, db):
    """A page Harbour does not override (password reset) still renders through the GOV.UK elements."""
    page = page_of(client.get(reverse("account_reset_password")))
    assert_govuk_shell(page)
    main = page.find("main")
    assert "govuk-input" in main.by_id("id_email").classes
    assert "placeholder" not in main.by_id("id_email").attrs
    for paragraph in main.find_all("p"):
        assert paragraph.classes & {"govuk-body", "govuk-error-message", "govuk-hint"}
    assert main.find("button", type="submit").classes == {"govuk-button"}
    page = page_of(client.post(reverse("account_reset_password"), {"email": "not an email"}))
    assert page.find("div", cls="govuk-error-summary").find("a").attrs["href"] == "#id_email"


def test_reauthentication_page(world):
    client = world.client_for("practitioner")
    page = page_of(client.get(reverse("account_reauthenticate")))
    assert_govuk_shell(page)
    assert page.find("h1").text == "Confirm it is you"
    page = page_of(client.post(reverse("account_reauthenticate"), {"password": "wrong"}))
    assert page.find("div", cls="govuk-error-summary").find("a").attrs["href"] == "#id_password"


def test_lockout_page_says_how_long_and_not_who(client: Client, person, settings):
    user, _ = person
    settings.AXES_COOLOFF_TIME = 1.5
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": user.username, "password": "wrong password"})
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 429
    page = parse(response.content)
    assert page.find("h1").text == "Your account is locked"
    assert "1 hour and 30 minutes" in page.find("main").text
    assert user.username not in response.content.decode()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1, "1 hour"),
        (0.5, "30 minutes"),
        (24, "1 day"),
        (26.25, "1 day, 2 hours and 15 minutes"),
        (0, "less than a minute"),
    ],
)
def test_duration_words(value, words):
    from harbour.ui.templatetags.govuk import duration_words

    assert duration_words(value) == words
