"""Education in the browser: a practitioner records a suspension and sees it on the young person's
education page; an importer uploads a list, checks it and imports it. Every page visited is checked
with axe."""

from __future__ import annotations

import datetime as dt

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


def test_importer_uploads_a_list_checks_it_and_imports_it(page, live_server, world, page_problems):
    """An education importer uploads a list with a problem (listed by line), then the corrected list,
    and imports it: one row recorded on Jade Bishop's record, one kept for review."""
    page_problems.allow(r"422")  # a file with problems answers 422, as it should
    school()
    started = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    header = "first_name,last_name,date_of_birth,postcode,school_urn,kind,starts_on,days,reason\n"
    good = f"Jade,Bishop,2011-04-02,NR3 1JE,121212,suspension,{started},2,PD\n"
    unknown = f"Nobody,Known,2012-01-01,NR1 1AA,121212,suspension,{started},1,DM\n"
    sign_in(page, live_server, world.users["team-manager"])
    page.goto(f"{live_server.url}/education/imports/unmatched/")
    page.get_by_role("link", name="Import a list").click()
    expect_path(page, r"^/education/imports/new/$")
    assert_accessible(page)

    page.get_by_label("Suspensions and exclusions").check()
    bad = header + good + unknown.replace("121212", "999999")
    page.get_by_label("The list, as a CSV file").set_input_files(
        files=[{"name": "list.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "The file has 1 problem" in page.locator(".govuk-error-summary").inner_text()
    problems = page.locator("#problems + p + table").inner_text()
    assert "3\tschool_urn\tNo school with this URN is known to Harbour" in problems
    assert_accessible(page)

    page.get_by_label("Suspensions and exclusions").check()
    page.get_by_label("The list, as a CSV file").set_input_files(
        files=[{"name": "list.csv", "mimeType": "text/csv", "buffer": (header + good + unknown).encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect_path(page, r"^/education/imports/uploads/[0-9a-f-]+/$")
    assert "The file has no problems" in page.content()
    assert_accessible(page)

    page.get_by_role("button", name="Import 2 rows").click()
    page.get_by_role("heading", name="Imported").wait_for()
    assert_accessible(page)
    # The page first, then the database: a read from this thread while the server writes is refused
    # on the tests' shared-cache in-memory SQLite.
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "Recorded\t1" in summary
    assert "Kept for review\t1" in summary
    page.get_by_role("link", name="Imported rows to review").first.click()
    expect_path(page, r"^/education/imports/unmatched/$")
    assert "Nobody" in page.content()
    assert Exclusion.objects.filter(person=world.inside, source="imported").count() == 1
    assert ImportBatch.objects.count() == 1
