"""Journeys through people's records: search, open a record, see why, and the name-only view."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_accessible, expect_path, sign_in, submit

pytestmark = pytest.mark.browser


def search_for(page, live_server, text: str) -> None:
    page.goto(f"{live_server.url}/people/")
    expect_path(page, r"^/people/$")
    page.fill('input[name="text"]', text)
    submit(page, 'input[name="text"]')
    page.locator("#search-results").get_by_role("link").first.wait_for()


def test_practitioner_searches_opens_a_record_and_sees_why(page, live_server, world):
    sign_in(page, live_server, world.users["practitioner"])
    assert "Jade Bishop" in page.content()  # the home page's queue of their young people
    assert_accessible(page)

    search_for(page, live_server, "jade bish")
    assert_accessible(page)
    assert "jade" not in page.url.lower()  # the search stays out of the URL

    page.locator("#search-results").get_by_role("link", name="Jade Bishop").click()
    expect_path(page, rf"^/people/{world.inside.pk}/$")
    assert page.get_by_text(world.inside.date_of_birth.strftime("%-d %B %Y")).first.is_visible()
    page.get_by_text("Why can I see this?").click()
    assert page.get_by_text("You are the lead professional").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Network").click()
    expect_path(page, rf"^/people/{world.inside.pk}/network/$")
    assert_accessible(page)


def test_outsider_sees_name_only_and_can_break_glass(page, live_server, world):
    sign_in(page, live_server, world.users["police-intelligence-officer"])
    search_for(page, live_server, "tyler murray")
    page.locator("#search-results").get_by_role("link", name="Tyler Murray").click()
    expect_path(page, rf"^/people/{world.outside.pk}/$")
    content = page.content()
    assert "Breckland Youth Service" in content  # known to
    assert world.outside.date_of_birth.strftime("%-d %B %Y") not in content
    assert_accessible(page)

    page.get_by_role("button", name="Use break-glass access").click()
    expect_path(page, rf"^/people/{world.outside.pk}/break-glass/$")
    assert_accessible(page)
    page.fill('textarea[name="reason"]', "Missing tonight; police need the latest address urgently.")
    submit(page, 'textarea[name="reason"]')
    expect_path(page, rf"^/people/{world.outside.pk}/$")
    assert world.outside.date_of_birth.strftime("%-d %B %Y") in page.content()
    assert_accessible(page)


def test_keyboard_reaches_search_from_the_skip_link(page, live_server, world):
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/")  # a fresh page, without the signed-in banner holding focus
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_data_protection_officer_sees_who_viewed_a_record(page, live_server, world):
    from harbour.people import selectors

    selectors.person_get_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    sign_in(page, live_server, world.users["data-protection-officer"])
    page.goto(f"{live_server.url}/audit/person/{world.inside.pk}/")
    expect_path(page, rf"^/audit/person/{world.inside.pk}/$")
    assert "practitioner" in page.content()
    assert_accessible(page)
    page.goto(f"{live_server.url}/audit/")
    assert_accessible(page)


def test_caseload_page_is_accessible(page, live_server, world):
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/people/caseload/")
    expect_path(page, r"^/people/caseload/$")
    assert "Jade Bishop" in page.content()
    assert_accessible(page)


def test_record_and_edit_forms_show_errors_accessibly(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # a form with errors answers 422, as it should
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/people/new/")
    expect_path(page, r"^/people/new/$")
    assert_accessible(page)
    submit(page, 'input[name="first_name"]')  # nothing filled in
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/people/{world.inside.pk}/edit/")
    expect_path(page, rf"^/people/{world.inside.pk}/edit/$")
    assert_accessible(page)
    page.fill('input[name="first_name"]', "")
    submit(page, 'input[name="first_name"]')
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
