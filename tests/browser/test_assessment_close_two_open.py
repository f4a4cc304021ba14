"""After two records of one young person were merged while each had an open assessment, the lead sees
"More than one open assessment" on the young person's assessments and on each assessment, follows the
link to the other one and closes it without agreement, with a reason; on the one kept, they withdraw a
request to contribute that was never started. Every page state is checked with axe."""

from __future__ import annotations

import pytest

from harbour.assessments.models import Assessment, Contribution
from tests import factories
from tests.assessments import helpers
from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.people import test_merging_assessments as merging

pytestmark = pytest.mark.browser

NOTICE = "More than one open assessment"
CLOSE_REASON = "Opened twice for the same girl before her records were merged; the other one is kept."


def test_lead_closes_the_second_open_assessment_and_withdraws_a_request(
    page, live_server, world, page_problems
):
    page_problems.allow(r"422")  # the close form is first sent empty, and refused
    jade = world.inside
    jayde = factories.PersonFactory(first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth)
    factories.allocate(jayde, worker=world.users["practitioner"])
    kept = helpers.open_for(world, person=jade)
    duplicate = helpers.open_for(world, person=jayde)
    officer = helpers.police_officer(world)
    request = helpers.ask(world, kept, officer)
    merging._merge(world, jade, jayde)

    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/assessments/people/{jade.pk}/")
    expect_path(page, r"^/assessments/people/[0-9a-f-]+/$")
    banner = page.get_by_role("region", name=NOTICE)
    assert "Jade Bishop has 2 open assessments." in banner.inner_text()
    assert banner.get_by_role("link").count() == 2
    assert_accessible(page)

    # From the kept one, the notice links to the duplicate.
    page.goto(f"{live_server.url}/assessments/{kept.pk}/")
    banner = page.get_by_role("region", name=NOTICE)
    banner.get_by_role("link", name="Another open assessment", exact=False).click()
    expect_path(page, rf"^/assessments/{duplicate.pk}/$")
    assert_accessible(page)

    # Close it without agreement: first without a reason, then with one.
    page.get_by_role("button", name="Close without agreement").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Say why the assessment is being closed without agreement." in summary.inner_text()
    assert_accessible(page)
    page.get_by_label("Why are you closing the assessment", exact=False).fill(CLOSE_REASON)
    page.get_by_role("button", name="Close without agreement").click()
    expect_path(page, rf"^/assessments/{duplicate.pk}/$")
    page.locator(".govuk-tag", has_text="Closed without agreement").wait_for()
    assert "Assessment closed without agreeing a level." in page.content()
    assert "the other one is kept" in page.content()
    assert page.get_by_role("region", name=NOTICE).count() == 0
    assert_accessible(page)
    duplicate.refresh_from_db()
    assert duplicate.status == Assessment.Status.CLOSED
    assert duplicate.close_reason == CLOSE_REASON

    # The kept one no longer has the notice; the request to the police officer was never started.
    page.goto(f"{live_server.url}/assessments/{kept.pk}/")
    assert page.get_by_role("region", name=NOTICE).count() == 0
    page.get_by_role("button", name=f"Withdraw the request to {officer}").click()
    expect_path(page, rf"^/assessments/{kept.pk}/$")
    page.get_by_text("Request withdrawn.", exact=False).wait_for()
    assert page.get_by_role("button", name="Withdraw the request", exact=False).count() == 0
    assert not Contribution.objects.filter(pk=request.pk).exists()
    assert_accessible(page)
