"""Education in the browser: a practitioner records a suspension and sees it on the young person's
education page. Every page visited is checked with axe."""

from __future__ import annotations

import pytest
from django.utils import timezone

from harbour.education import services
from harbour.education.inputs import HomeEducationInput, MissingEducationInput
from harbour.education.models import Exclusion, ImportBatch, UnmatchedImportRow
from harbour.education.views import RECORDINGS
from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.education.helpers import school

pytestmark = pytest.mark.browser


def test_practitioner_records_an_exclusion_and_sees_it(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # the empty form answers 422, as it should
    academy = school()
    child = world.inside
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/people/{child.pk}/")
    page.get_by_role("link", name="Education", exact=True).click()
    expect_path(page, rf"^/education/people/{child.pk}/$")
    assert "No suspensions or exclusions recorded." in page.content()
    assert_accessible(page)

    page.get_by_text("Add to the education record").click()
    page.get_by_role("link", name="Record a suspension or exclusion").click()
    expect_path(page, rf"^/education/people/{child.pk}/record/\?what=exclusion$")
    assert_accessible(page)

    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Choose the school." in summary.inner_text()
    assert_accessible(page)

    today = timezone.localdate()
    page.get_by_label("School", exact=True).select_option(str(academy.pk))
    page.get_by_label("Suspension", exact=True).check()
    page.fill('input[name="starts_on_day"]', str(today.day))
    page.fill('input[name="starts_on_month"]', str(today.month))
    page.fill('input[name="starts_on_year"]', str(today.year))
    page.get_by_label("Length of a suspension in school days").fill("3")
    page.get_by_label("Reason the school gave").select_option("drug-alcohol")
    page.get_by_role("button", name="Save").click()

    expect_path(page, rf"^/education/people/{child.pk}/$")
    exclusions = page.locator("#exclusions + table")
    assert "Drug and alcohol related" in exclusions.inner_text()
    assert "Magdalen Academy" in exclusions.inner_text()
    assert "The exclusion has been recorded." in page.content()
    assert Exclusion.objects.filter(person=child, kind__code="suspension").count() == 1
    assert_accessible(page)


def test_every_education_form_passes_axe(page, live_server, world):
    """The list of kinds, each kind's form, and the forms that change a record, as a recorder sees them."""
    actor, child = world.users["practitioner"], world.inside
    school()
    today = timezone.localdate()
    case, _ = services.missing_education_report(
        actor=actor, person=child, data=MissingEducationInput(reported_on=today, reported_by="School")
    )
    home = services.home_education_record(actor=actor, person=child, data=HomeEducationInput(starts_on=today))
    sign_in(page, live_server, actor)
    base = f"{live_server.url}/education/people/{child.pk}/record/"
    urls = [base, *(f"{base}?what={what}" for what in RECORDINGS)]
    urls += [
        f"{live_server.url}/education/missing-education/{case.pk}/enquiries/new/",
        f"{live_server.url}/education/missing-education/{case.pk}/close/",
        f"{live_server.url}/education/periods/home-education/{home.pk}/end/",
        f"{live_server.url}/education/people/{child.pk}/",
    ]
    for url in urls:
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        assert_accessible(page)


def test_import_review_pages_pass_axe(page, live_server, world):
    manager = world.users["team-manager"]
    batch = ImportBatch.objects.create(
        kind="cme", file_name="cme.csv", file_sha256="0" * 64, imported_by=manager
    )
    row = UnmatchedImportRow.objects.create(
        batch=batch,
        kind="cme",
        line_number=2,
        row_key="k",
        values={"first_name": "Kacey", "last_name": "Holt", "date_of_birth": "2012-01-01"},
        reason="No known young person matches these details.",
    )
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Education imports").click()
    expect_path(page, r"^/education/imports/unmatched/$")
    assert "Kacey" in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Set aside", exact=False).click()
    expect_path(page, rf"^/education/imports/unmatched/{row.pk}/set-aside/$")
    assert_accessible(page)
    page.get_by_label("A duplicate or an error in the list").check()
    page.get_by_role("button", name="Set aside").click()
    expect_path(page, r"^/education/imports/unmatched/$")
    assert "No imported rows are waiting for review." in page.content()
    assert_accessible(page)
