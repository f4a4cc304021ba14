"""Front door journeys in the browser: a referral with the live "already known?" check, a front-door
officer triaging a referral end to end, the referrer hearing the outcome, and the public concern form.
Every page visited is checked with axe."""

from __future__ import annotations

import pytest

from harbour.frontdoor.models import Referral, ReferralDraft
from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.frontdoor.helpers import about, submit

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect_path(page, r"^/")


def test_practitioner_refers_a_known_young_person_found_as_they_type(page, live_server, world):
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/frontdoor/referrals/new/")
    expect_path(page, r"^/frontdoor/referrals/new/$")
    assert_accessible(page)

    page.fill('input[name="subjects-0-first_name"]', "Jade")
    page.locator('input[name="subjects-0-last_name"]').press_sequentially("Bishp")  # a typo: still found
    match = page.locator(f'input[name="subjects-0-person"][value="{world.inside.pk}"]')
    match.wait_for()
    assert "jade" not in page.url.lower()
    assert_accessible(page)
    page.get_by_label("This is the young person: Jade Bishop", exact=False).check()

    page.get_by_label("County lines").check()
    page.fill('textarea[name="what_happened"]', "Seen at Norwich station late at night with two older men.")
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_label("No", exact=True).check()  # parents or carers do not know, and why not:
    page.fill('textarea[name="parents_not_aware_reason"]', "Telling them could put her at risk.")
    page.get_by_label("No, I did not ask", exact=False).check()
    page.get_by_label("Public task, safeguarding of children and individuals at risk").check()

    page.get_by_role("button", name="Save as draft").click()
    expect_path(page, r"^/frontdoor/drafts/$")
    assert ReferralDraft.objects.count() == 1
    assert_accessible(page)
    page.get_by_role("link", name="Carry on", exact=False).click()
    expect_path(page, r"^/frontdoor/drafts/[0-9a-f-]+/$")
    assert page.locator('textarea[name="what_happened"]').input_value().startswith("Seen at Norwich station")
    assert page.locator(f'input[name="subjects-0-person"][value="{world.inside.pk}"]').is_checked()

    page.get_by_role("button", name="Send referral").click()
    expect_path(page, r"^/frontdoor/referrals/[0-9a-f-]+/sent/$")
    referral = Referral.objects.get()
    assert referral.reference in page.locator(".govuk-panel").inner_text()
    assert [s.person_id for s in referral.subjects.all()] == [world.inside.pk]
    assert not ReferralDraft.objects.exists()
    assert_accessible(page)


def test_a_form_with_mistakes_shows_them_accessibly(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # a form with errors answers 422, as it should
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/frontdoor/referrals/new/")
    page.get_by_role("button", name="Send referral").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Select at least one kind of concern." in summary.inner_text()
    assert_accessible(page)
    summary.get_by_role("link", name="Enter what happened.").click()
    assert page.evaluate("document.activeElement.name") == "what_happened"


def test_front_door_officer_triages_a_referral_and_the_referrer_sees_the_outcome(page, live_server, world):
    referrer = world.users["practitioner"]
    earlier = submit(referrer, about(world.inside))
    referral = submit(referrer, about(world.inside))

    sign_in(page, live_server, world.users["front-door-officer"])
    assert "Referrals to triage" in page.content()
    assert_accessible(page)

    page.get_by_role("link", name="Front door", exact=True).click()
    expect_path(page, r"^/frontdoor/$")
    assert_accessible(page)
    page.get_by_role("link", name=referral.reference).click()
    expect_path(page, rf"^/frontdoor/referrals/{referral.pk}/$")
    banner = page.locator(".govuk-notification-banner", has_text="Referred before")
    assert earlier.reference in banner.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Start triage").click()
    expect_path(page, rf"^/frontdoor/referrals/{referral.pk}/$")
    assert "In triage" in page.content()
    assert_accessible(page)

    page.get_by_role("radio", name="No further action").check()
    page.get_by_label("Why no further action?").select_option("already-supported")
    page.fill('textarea[name="rationale"]', "Already open to the adolescent team; lead professional told.")
    page.get_by_role("button", name="Record decision").click()
    expect_path(page, rf"^/frontdoor/referrals/{referral.pk}/$")
    assert "Decision recorded" in page.content()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECIDED

    sign_out(page)
    sign_in(page, live_server, referrer)
    assert "Outcomes of your referrals" in page.content()
    page.get_by_role("link", name="Your referrals", exact=True).click()
    expect_path(page, r"^/frontdoor/sent/$")
    assert "No further action" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Mark as read", exact=False).click()
    expect_path(page, r"^/frontdoor/sent/$")
    assert "New outcomes" not in page.content()


def test_member_of_the_public_sends_a_concern_and_gets_a_reference(
    page, live_server, db, reference, monkeypatch
):
    from harbour.frontdoor import views

    monkeypatch.setattr(views, "PUBLIC_MIN_SECONDS", 0)  # the browser types faster than a person
    page.goto(f"{live_server.url}/concern/")
    expect_path(page, r"^/concern/$")
    assert_accessible(page)
    assert not page.locator('input[name="website"]').is_visible()  # the honeypot is hidden
    page.get_by_label("I am a parent or carer").check()
    page.fill(
        'textarea[name="what_happened"]',
        "My son's friend is being given money to carry packages to Lowestoft.",
    )
    page.fill('input[name="young_person_age"]', "15")
    page.get_by_role("button", name="Send").click()
    expect_path(page, r"^/concern/sent/$")
    referral = Referral.objects.get()
    assert referral.reference in page.locator(".govuk-panel").inner_text()
    assert referral.reference not in page.url
    assert_accessible(page)
    page.reload()
    assert referral.reference not in page.content()  # shown once
