"""A lead professional runs a joint exploitation risk assessment in the browser: opens it, answers the
indicators, records the young person's words, agrees the level and sees the risk history. Every page
visited is checked with axe."""

from __future__ import annotations

import pytest

from harbour.assessments.models import Assessment
from tests.assessments import helpers
from tests.browser.harness import assert_accessible, expect_path, sign_in

pytestmark = pytest.mark.browser


def test_lead_professional_agrees_an_assessment(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # agreeing before the young person's words are recorded is refused
    officer = helpers.police_officer(world)
    sign_in(page, live_server, world.users["practitioner"])

    page.goto(f"{live_server.url}/assessments/people/{world.inside.pk}/")
    expect_path(page, r"^/assessments/people/[0-9a-f-]+/$")
    assert_accessible(page)
    page.get_by_role("link", name="Open an assessment").click()
    expect_path(page, r"^/assessments/people/[0-9a-f-]+/new/$")
    assert_accessible(page)
    page.get_by_label("Norfolk-style", exact=False).check()
    page.get_by_role("button", name="Open the assessment").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    assessment = Assessment.objects.get(person=world.inside)
    assert "jade" not in page.url.lower()
    assert_accessible(page)

    # Ask the police to contribute.
    page.get_by_label("Professional to ask").select_option(str(officer.pk))
    page.get_by_role("button", name="Ask to contribute").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")

    # The lead's own contribution: two indicators answered yes, one no.
    page.get_by_role("link", name="Add your contribution").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/contribution/$")
    assert_accessible(page)
    page.locator('input[name="value-missing-repeat"][value="yes"]').check()
    page.fill('textarea[name="evidence-missing-repeat"]', "Missing four times since March.")
    page.locator('input[name="value-travel-county-lines"][value="yes"]').check()
    page.fill(
        'textarea[name="evidence-travel-county-lines"]',
        "Found at Norwich station with train tickets to London.",
    )
    page.locator('input[name="value-money-debt"][value="no"]').check()
    page.get_by_role("button", name="Save your contribution").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-high"

    # Agreeing without the young person's words is refused, accessibly.
    page.fill('textarea[name="rationale"]', "All agencies agree.")
    page.get_by_role("button", name="Agree the level").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "young person's own words" in summary.inner_text()
    assert_accessible(page)

    page.fill('textarea[name="young_person_words"]', "I want to stay at my nan's. I feel safe there.")
    page.fill('textarea[name="extra_familial_summary"]', "Travels to London with older males.")
    page.fill('textarea[name="home_protective_factors"]', "Nan is protective and reports missing episodes.")
    page.get_by_role("button", name="Save the sections").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")

    page.get_by_label("High risk").check()
    page.get_by_label("County lines").check()
    page.fill(
        'textarea[name="rationale"]', "All agencies agree: county lines exploitation, travelling to London."
    )
    page.get_by_role("button", name="Agree the level").click()
    expect_path(page, r"^/assessments/[0-9a-f-]+/$")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.AGREED
    assert assessment.agreed_level.code == "norfolk-high"
    assert "Agreed" in page.content()
    assert_accessible(page)

    page.get_by_role("link", name="Risk history of", exact=False).click()
    expect_path(page, r"^/assessments/people/[0-9a-f-]+/$")
    assert page.locator("svg[role=img]").count() == 1
    assert "High risk" in page.locator("table").first.inner_text()
    assert_accessible(page)
