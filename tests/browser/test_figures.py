"""Partnership figures in the browser: the charts are drawn under the real Content-Security-Policy (no
unsafe-eval: Vega runs through its expression interpreter), every chart has its table, the filters
work, and without JavaScript the page still shows every table. Every page visited is checked with axe."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.figures.conftest import county  # noqa: F401  (the fixture: a small hand-made county)

pytestmark = pytest.mark.browser

CHARTS = 9  # drawn charts; the from/to movement table has no chart
TABLES = 10


def test_partnership_leader_reads_charts_and_tables_and_filters_them(page, live_server, county, settings):  # noqa: F811
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0  # every chart has something to draw
    sign_in(page, live_server, county.world.users["partnership-leader"])
    page.get_by_role("link", name="Partnership figures").click()
    expect_path(page, r"^/figures/$")
    charts = page.locator("[data-app-chart]")
    page.locator("#referrals-by-month [data-app-chart] svg").wait_for()
    page.wait_for_function(f"document.querySelectorAll('[data-app-chart] svg .mark-rect').length >= {CHARTS}")
    assert charts.count() == CHARTS
    for index in range(CHARTS):
        assert charts.nth(index).is_visible()
        assert charts.nth(index).locator("svg").count() == 1
    assert page.locator("table.app-chart__table").count() == TABLES
    table = page.locator("#referrals-by-month table")
    assert "Whole period" in table.inner_text()
    assert "8" in table.locator("tr", has_text="Whole period").inner_text()
    assert_accessible(page)

    page.get_by_label("District").select_option("breckland")
    page.get_by_role("button", name="Show figures").click()
    expect_path(page, r"^/figures/\?.*district=breckland")
    page.locator("#referrals-by-month [data-app-chart] svg").wait_for()
    assert "Young people in: District: Breckland." in page.locator("main").inner_text()
    whole_period = page.locator("#referrals-by-month tr", has_text="Whole period").inner_text()
    assert whole_period.split() == ["Whole", "period", "1", "2"]  # one referral about the two boys
    assert_accessible(page)


def test_without_javascript_the_tables_carry_every_number(browser, live_server, county, settings):  # noqa: F811
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, live_server, county.world.users["analyst"])
        page.goto(f"{live_server.url}/figures/?months=6")
        assert page.locator("[data-app-chart]").count() == CHARTS
        assert page.locator("[data-app-chart]").first.is_hidden()  # nothing drawn, no empty box
        assert page.locator("svg").count() == 0
        assert page.locator("table.app-chart__table").count() == TABLES
        assert page.locator("table.app-chart__table").first.is_visible()
        # axe itself needs JavaScript in the page, so it cannot run here; the same markup (tables,
        # headings, the filter form) is checked with axe in the test above.
    finally:
        context.close()
