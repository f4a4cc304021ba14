"""The page shell: landmarks, header, menu by capability, account, banners, footer, error pages."""

from __future__ import annotations

import pytest
from allauth.core.internal.ratelimit import handler429
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import BadRequest, PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, permission_denied, server_error

from harbour.ui import navigation
from harbour.ui.navigation import NavEntry, items_for
from tests import factories
from tests.conftest import ROLES
from tests.ui.html import Element, parse


def page_of(response) -> Element:
    assert response.status_code == 200, response.status_code
    return parse(response.content)


def menu(page: Element) -> list[str]:
    navs = page.find_all("nav", aria_label="Main")
    return [link.text for link in navs[0].find_all("a")] if navs else []


@pytest.mark.parametrize("role", ROLES)
def test_home_page_renders_for_every_role(world, role):
    user = world.users[role]
    page = page_of(world.client_for(role).get(reverse("ui:home")))
    membership = user.primary_membership()

    assert len(page.find_all("main")) == 1
    assert page.find("main").attrs["id"] == "main-content"
    assert len(page.find_all("header")) == 1
    assert len(page.find_all("footer")) == 1
    skip = page.find("a", cls="govuk-skip-link")
    assert skip.attrs["href"] == "#main-content"

    assert page.find("h1").text == "Your work"
    assert membership.role.label in page.find("span", cls="govuk-caption-l").text
    assert membership.role.description in page.find("main").text

    account = page.find("div", cls="app-account")
    assert str(user) in account.text
    assert "Norfolk Children's Services" in account.text
    sign_out = account.find("form")
    assert sign_out.attrs["method"] == "post"
    assert sign_out.attrs["action"] == reverse("account_logout")
    assert sign_out.find("input", name="csrfmiddlewaretoken")
    assert sign_out.find("button").text == "Sign out"

    assert menu(page)[0] == "Home"


def test_the_header_is_harbours_own_without_a_crown(world):
    page = page_of(world.client_for("practitioner").get(reverse("ui:home")))
    header = page.find("header")
    assert header.find("a", cls="govuk-generic-header__homepage-link").text == "Harbour"
    html = str(world.client_for("practitioner").get(reverse("ui:home")).content)
    for crown in ("govuk-logo", "govuk-header__logotype", "crown", "GOV.UK"):
        assert crown not in html
    phase = page.find("div", cls="govuk-phase-banner")
    assert phase.find("strong", cls="govuk-tag").text == "Alpha"


@pytest.mark.parametrize(
    ("role", "audit", "admin", "search"),
    [
        ("practitioner", False, False, True),
        ("front-door-officer", False, False, True),
        ("team-manager", True, False, True),
        ("data-protection-officer", True, False, True),
        ("system-administrator", False, True, False),
        ("analyst", False, False, False),
        ("partnership-leader", False, False, False),
    ],
)
def test_menu_items_follow_capabilities(world, role, audit, admin, search):
    items = menu(page_of(world.client_for(role).get(reverse("ui:home"))))
    assert ("Audit" in items) is audit
    assert ("Administration" in items) is admin
    assert ("Search people" in items) is search


def test_the_current_page_is_marked_in_the_menu(world):
    page = page_of(world.client_for("practitioner").get(reverse("ui:home")))
    home = page.find("nav", aria_label="Main").find("a", href=reverse("ui:home"))
    assert home.attrs["aria-current"] == "page"
    assert home.find("strong", cls="govuk-service-navigation__active-fallback").text == "Home"


def test_a_menu_item_whose_page_is_not_installed_is_left_out(world):
    user = world.users["practitioner"]
    entries = [
        NavEntry("Home", "ui:home"),
        NavEntry("Referrals", "nowhere:queue"),  # no such URL: left out, nothing breaks
        NavEntry("Accessibility", "ui:accessibility", any_of=frozenset({"person.edit"})),
        NavEntry("Panels", "ui:accessibility", any_of=frozenset({"panel.chair"})),
    ]
    items = items_for(user, "/accessibility", entries)
    assert [(item.label, item.current, item.active) for item in items] == [
        ("Home", False, False),
        ("Accessibility", True, True),
    ]


def test_sections_below_an_item_mark_it_active(world):
    user = world.users["practitioner"]
    entries = [NavEntry("Home", "ui:home", exact=True), NavEntry("Help", "ui:accessibility")]
    items = items_for(user, "/accessibility/more", entries)
    assert [(item.label, item.current, item.active) for item in items] == [
        ("Home", False, False),
        ("Help", False, True),
    ]


def test_domain_apps_can_add_menu_items(world):
    entry = navigation.register(NavEntry("Statement", "ui:accessibility", order=50))
    try:
        assert "Statement" in menu(page_of(world.client_for("practitioner").get(reverse("ui:home"))))
    finally:
        navigation.unregister(entry.url_name)


def test_no_menu_or_account_before_signing_in(client: Client, db):
    page = page_of(client.get(reverse("account_login")))
    assert menu(page) == []
    assert not page.find_all(cls="app-account")
    assert len(page.find_all("main")) == 1


def test_no_menu_before_mfa_enrolment(world):
    user = factories.make_user("not_enrolled", role="practitioner", team=world.norwich_team, mfa=False)
    assert items_for(user, "/") == []


def test_scripts_and_styles_are_external_with_the_csp_nonce(world):
    response = world.client_for("practitioner").get(reverse("ui:home"))
    page = page_of(response)
    policy = response["Content-Security-Policy"]
    assert "script-src" in policy
    scripts = page.find_all("script")
    assert scripts, "the page loads its scripts"
    for script in scripts:
        assert script.attrs.get("src", "").startswith("/static/dist/"), script.attrs
        assert script.text == ""
        nonce = script.attrs["nonce"]
        assert nonce
        assert f"'nonce-{nonce}'" in policy
    assert {script.attrs["src"] for script in scripts} == {"/static/dist/htmx.min.js", "/static/dist/app.mjs"}
    assert page.find("script", src="/static/dist/app.mjs").attrs["type"] == "module"
    assert [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")] == [
        "/static/dist/app.css"
    ]
    assert not page.find_all("style")
    assert not [element for element in page.iter() if "style" in element.attrs]
    assert not [element for element in page.iter() if any(name.startswith("on") for name in element.attrs)]


def test_messages_are_notification_banners(rf: RequestFactory, world):
    request = rf.get("/")
    request.user = world.users["practitioner"]
    request.session = {}
    request._messages = FallbackStorage(request)
    messages.success(request, "Decision recorded. The referrer has been told.")
    messages.info(request, "Set up your authenticator app before you continue.")
    page = parse(render_to_string("ui/home.html", {"queues": []}, request=request))
    banners = page.find_all("div", cls="govuk-notification-banner")
    assert len(banners) == 2
    success, info = banners
    assert "govuk-notification-banner--success" in success.classes
    assert success.attrs["role"] == "alert"
    assert success.find("h2").text == "Success"
    assert success.find("p", cls="govuk-notification-banner__heading").text == (
        "Decision recorded. The referrer has been told."
    )
    assert "govuk-notification-banner--success" not in info.classes
    assert info.attrs["role"] == "region"
    assert info.find("h2").text == "Important"
    assert info.attrs["aria-labelledby"] == info.find("h2").attrs["id"]
    assert success.find("h2").attrs["id"] != info.find("h2").attrs["id"]


def test_demo_banner_only_in_demo_mode(world, settings):
    client = world.client_for("practitioner")
    settings.HARBOUR_DEMO_MODE = False
    assert not page_of(client.get(reverse("ui:home"))).find_all(cls="app-demo-banner")
    settings.HARBOUR_DEMO_MODE = True
    banner = page_of(client.get(reverse("ui:home"))).find("div", cls="app-demo-banner")
    assert "Demonstration only" in banner.text
    assert "made up" in banner.text


def test_footer_links_to_the_accessibility_statement(client: Client, db):
    page = page_of(client.get(reverse("account_login")))
    footer = page.find("footer")
    link = footer.find("a", href=reverse("ui:accessibility"))
    assert link.text == "Accessibility statement"
    assert not footer.find_all("svg")  # no crown, no licence logo


def test_accessibility_statement_is_public(client: Client, db):
    page = page_of(client.get(reverse("ui:accessibility")))
    assert page.find("h1").text == "Accessibility statement for Harbour"
    main = page.find("main").text
    assert "WCAG" in main
    assert "2.2" in main
    assert "AA" in main


def test_page_title_says_error_when_the_form_has_errors(client: Client, db):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    page = page_of(response)
    assert page.find("title").text == "Error: Sign in \u2013 Harbour"
    assert page_of(client.get(reverse("ui:accessibility"))).find("title").text == (
        "Accessibility statement \u2013 Harbour"
    )


# --------------------------------------------------------------------------------------------------
# Error pages
# --------------------------------------------------------------------------------------------------


def test_404_page_is_govuk_style_without_details(world):
    client = world.client_for("practitioner")
    response = client.get("/no-such-page-for-jade-bishop/")
    assert response.status_code == 404
    page = parse(response.content)
    assert page.find("h1").text == "Page not found"
    assert len(page.find_all("main")) == 1
    assert "jade" not in response.content.decode().lower()
    assert "Traceback" not in response.content.decode()


def test_403_page_is_govuk_style(rf: RequestFactory, db):

    request = rf.get("/")

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("Jade Bishop is restricted"))
    assert response.status_code == 403
    page = parse(response.content)
    assert page.find("h1").text == "You do not have access to this page"
    assert "Jade" not in response.content.decode()


def test_500_page_renders_without_a_request_or_database(db):

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = parse(response.content)
    assert page.find("h1").text == "Sorry, there is a problem with the service"
    assert page.find("link", rel="stylesheet").attrs["href"] == "/static/dist/app.css"
    assert not page.find_all(cls="app-account")


def test_csrf_failure_page_is_govuk_style(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["practitioner"])
    response = client.post(reverse("account_logout"))
    assert response.status_code == 403
    assert parse(response.content).find("h1").text == "Sorry, your form could not be sent"


def test_400_page_is_govuk_style(rf: RequestFactory, db):

    response = bad_request(rf.get("/"), BadRequest("bad"))
    assert response.status_code == 400
    assert parse(response.content).find("h1").text == "Sorry, there is a problem with your request"


def test_rate_limit_page_is_govuk_style(rf: RequestFactory, db):

    request = rf.post(reverse("account_login"))

    request.user = AnonymousUser()
    response = handler429(request)
    assert response.status_code == 429
    assert parse(response.content).find("h1").text == "Too many attempts"


def test_no_page_says_error_twice_in_its_title():
    """The base template puts "Error: " before the title when the page's ``form`` has errors; a page
    that also does it for ``form.errors`` said "Error: Error:" (screen readers read the title first)."""
    from pathlib import Path

    import harbour

    root = Path(harbour.__file__).parent
    doubled = [
        str(path.relative_to(root))
        for path in root.rglob("templates/**/*.html")
        if "{% block title %}{% if form.errors %}Error:" in path.read_text(encoding="utf-8")
    ]
    assert doubled == []
