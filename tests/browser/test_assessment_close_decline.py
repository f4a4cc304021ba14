"""A lead professional declines an indicator offered from a return home interview, with a reason, and
closes the assessment without agreeing a level, in the browser. Each form's error summary links to the
box to fill in. Every page state is checked with axe."""

from __future__ import annotations

import datetime

import pytest

from harbour.assessments import services
from harbour.assessments.models import Assessment, OfferDecline
from tests.assessments import helpers
from tests.browser.harness import assert_accessible, expect_path, sign_in

pytestmark = pytest.mark.browser

DECLINE_REASON = "Police have told us this episode was recorded against the wrong young person."
CLOSE_REASON = "Jade's family moved to Leeds; her case has been transferred to Leeds children's services."


def test_lead_declines_an_offer_and_closes_the_assessment(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # each form is first sent empty, and refused
    assessment = helpers.open_for(world)
    offer = services.indicator_offer(
        actor=world.users["practitioner"],
        person=world.inside,
        indicator_code="missing-repeat",
        source_app="missing",
        source_kind="return-interview",
        source_id="browser-42",
        source_url=f"/assessments/{assessment.pk}/",
        observed_on=datetime.date(2026, 5, 3),
        evidence="Third episode in six weeks; found in Great Yarmouth.",
    )
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    assert_accessible(page)

    # Decline the offered indicator: first without a reason.
    page.locator("summary", has_text="Decline").click()
    page.get_by_role("button", name="Decline for your contribution", exact=False).click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Say why you are not taking this indicator." in summary.inner_text()
    link = summary.get_by_role("link", name="Say why you are not taking this indicator.")
    assert link.get_attribute("href") == f"#id_decline-{offer.pk}-reason"
    assert_accessible(page)
    link.click()
    box = page.get_by_label("Why are you not taking", exact=False)
    assert box.evaluate("element => element === document.activeElement")
    box.fill(DECLINE_REASON)
    page.get_by_role("button", name="Decline for your contribution", exact=False).click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    page.get_by_text("Declined for your contribution").first.wait_for()
    assert "recorded against the wrong young person" in page.content()
    assert OfferDecline.objects.get().reason == DECLINE_REASON
    assert_accessible(page)

    # Close the assessment without agreement: first without a reason.
    page.get_by_role("button", name="Close without agreement").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Say why the assessment is being closed without agreement." in summary.inner_text()
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.OPEN
    assert_accessible(page)
    summary.get_by_role("link", name="Say why the assessment is being closed without agreement.").click()
    reason = page.get_by_label("Why are you closing the assessment", exact=False)
    assert reason.evaluate("element => element === document.activeElement")
    reason.fill(CLOSE_REASON)
    page.get_by_role("button", name="Close without agreement").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    page.locator(".govuk-tag", has_text="Closed without agreement").wait_for()
    assert "Why it was closed" in page.content()
    assert "transferred to Leeds" in page.content()
    assert page.get_by_role("button", name="Close without agreement").count() == 0
    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.status == Assessment.Status.CLOSED
    assert saved.close_reason == CLOSE_REASON
    assert_accessible(page)

    page.get_by_role("link", name="Risk history of", exact=False).click()
    expect_path(page, r"^/assessments/people/[0-9a-f-]+/$")
    assert "Closed without agreement" in page.locator("table").last.inner_text()
    assert_accessible(page)
