"""A front-door officer moves through a queue longer than a page with the page links; each page passes
axe, and the order (most urgent, then longest waiting) runs on from one page to the next."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.frontdoor.helpers import park, referral_input, submit

pytestmark = pytest.mark.browser


def test_front_door_officer_pages_through_a_long_queue(page, live_server, world, settings):
    settings.HARBOUR_PAGE_SIZE = 2
    referrer = world.users["practitioner"]
    standard = [submit(referrer) for _ in range(4)]
    urgent = submit(referrer, referral_input(urgency="urgent", contexts=[park()]))
    expected = [urgent.reference] + [referral.reference for referral in standard]

    sign_in(page, live_server, world.users["front-door-officer"])
    page.goto(f"{live_server.url}/frontdoor/")
    expect_path(page, r"^/frontdoor/$")
    assert "5 open referrals" in page.content()
    assert "Showing 1 to 2 of 5, page 1 of 3." in page.locator("main").inner_text()
    rows = page.locator("tbody tr th a")
    assert rows.all_inner_texts() == expected[:2]
    assert_accessible(page)

    pages = page.get_by_role("navigation", name="Pages of the queue")
    pages.get_by_role("link", name="Page 2").click()
    expect_path(page, r"^/frontdoor/\?page=2$")
    assert rows.all_inner_texts() == expected[2:4]
    assert pages.locator("[aria-current=page]").inner_text() == "2"
    assert_accessible(page)

    pages.get_by_role("link", name="Next page").click()
    expect_path(page, r"^/frontdoor/\?page=3$")
    assert rows.all_inner_texts() == expected[4:]
    assert "Showing 5 to 5 of 5, page 3 of 3." in page.locator("main").inner_text()
    assert_accessible(page)
