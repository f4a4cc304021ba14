"""A youth worker records a return home interview end to end, and the exploitation indicator they tick
appears as offered in the young person's joint assessment. Every page visited is checked with axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.assessments import services as assessment_services
from harbour.assessments.models import Indicator, ScreeningToolVersion
from harbour.missing import services
from harbour.missing.models import MissingEpisode, PoliceLogImport, ReturnInterview
from tests.browser.harness import assert_accessible, expect_path, sign_in
from tests.missing.helpers import record, record_return, save_profile

pytestmark = pytest.mark.browser


def test_youth_worker_records_a_return_home_interview(page, live_server, world):
    lead = world.users["practitioner"]
    episode = record(lead, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(lead, episode, timezone.now() - timedelta(hours=5))
    services.interview_assign(
        actor=lead, interview=interview, version=interview.version, interviewer_id=world.breckland_worker.pk
    )
    tool = ScreeningToolVersion.objects.filter(active=True).order_by("code").first()
    assessment = assessment_services.assessment_open(
        actor=lead, person_id=world.inside.pk, tool_version=tool.code
    )
    indicator = Indicator.objects.get(code="missing-found-out-of-area")

    sign_in(page, live_server, world.breckland_worker)
    assert_accessible(page)
    queue = page.get_by_role("link", name="Jade Bishop")
    queue.first.click()
    expect_path(page, rf"^/missing/interviews/{interview.pk}/$")
    assert_accessible(page)

    local = timezone.localtime(timezone.now() - timedelta(minutes=10))
    form = page.locator("form#interview")
    form.locator('input[name="completed_at_date_day"]').fill(str(local.day))
    form.locator('input[name="completed_at_date_month"]').fill(str(local.month))
    form.locator('input[name="completed_at_date_year"]').fill(str(local.year))
    form.locator('input[name="completed_at_time"]').fill(local.strftime("%H:%M"))
    form.locator('textarea[name="where_been"]').fill("A flat in Great Yarmouth, then the seafront.")
    form.locator('textarea[name="who_with"]').fill("Two older men she had not met before.")
    form.get_by_label("Contact from older people").check()
    form.get_by_label(indicator.label, exact=False).check()
    form.locator('textarea[name="young_person_words"]').fill("They said I owed them for the train.")
    form.get_by_role("button", name="Save the interview").click()
    expect_path(page, rf"^/missing/interviews/{interview.pk}/$")
    assert "Return home interview recorded." in page.content()
    interview.refresh_from_db()
    assert interview.indicator_codes == ["missing-found-out-of-area"], interview.indicator_codes
    assert "Offered to the joint exploitation risk assessment." in page.content()
    assert_accessible(page)
    interview.refresh_from_db()
    assert interview.status == ReturnInterview.Status.COMPLETED

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect_path(page, rf"^/assessments/{assessment.pk}/$")
    assert indicator.label in page.content()
    assert_accessible(page)


def test_lead_professional_records_an_episode_and_the_return(page, live_server, world, page_problems):
    page_problems.allow(r"422")  # a form with errors answers 422, as it should
    sign_in(page, live_server, world.users["practitioner"])
    page.goto(f"{live_server.url}/missing/people/{world.inside.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Record a missing episode").click()
    expect_path(page, rf"^/missing/people/{world.inside.pk}/episodes/new/$")
    assert_accessible(page)
    page.get_by_role("button", name="Record episode").click()  # nothing filled in: errors
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    started = timezone.localtime(timezone.now() - timedelta(hours=8))
    page.get_by_label("Missing", exact=True).check()
    page.get_by_label("Care placement").check()
    page.locator('input[name="started_at_date_day"]').fill(str(started.day))
    page.locator('input[name="started_at_date_month"]').fill(str(started.month))
    page.locator('input[name="started_at_date_year"]').fill(str(started.year))
    page.locator('input[name="started_at_time"]').fill(started.strftime("%H:%M"))
    page.get_by_role("button", name="Record episode").click()
    expect_path(page, r"^/missing/episodes/[0-9a-f-]+/$")
    assert_accessible(page)
    returned = timezone.localtime(timezone.now() - timedelta(hours=1))
    form = page.locator("form#return")
    form.locator('input[name="ended_at_date_day"]').fill(str(returned.day))
    form.locator('input[name="ended_at_date_month"]').fill(str(returned.month))
    form.locator('input[name="ended_at_date_year"]').fill(str(returned.year))
    form.locator('input[name="ended_at_time"]').fill(returned.strftime("%H:%M"))
    form.get_by_role("button", name="Record the return").click()
    expect_path(page, r"^/missing/interviews/[0-9a-f-]+/$")
    assert "72 hours later, UK time" in page.content()
    assert_accessible(page)
    page.goto(f"{live_server.url}/missing/people/{world.inside.pk}/profile/")
    assert_accessible(page)
    page.locator('textarea[name="description"]').fill("About 160 cm, slim, dyed red hair.")
    page.get_by_role("button", name="Save profile").click()
    expect_path(page, rf"^/missing/people/{world.inside.pk}/$")
    assert "Download the one-page profile for police (PDF)" in page.content()
    assert_accessible(page)


def test_front_door_reviews_police_log_rows(page, live_server, world):
    from harbour.missing.models import PoliceLogImport, UnmatchedLogRow

    officer = world.users["front-door-officer"]
    log = PoliceLogImport.objects.create(
        filename="log.csv", sha256="0" * 64, imported_by=officer, started_at=timezone.now()
    )
    UnmatchedLogRow.objects.create(
        log_import=log,
        line_number=7,
        import_key="k" * 64,
        data={
            "police_reference": "NC-1",
            "first_name": "Jade",
            "last_name": "Bishopp",
            "started_at": "01/06/2026 20:00",
        },
        best_person=world.inside,
        best_score=0.7,
    )
    sign_in(page, live_server, officer)
    assert "log.csv, line 7" in page.content()
    page.goto(f"{live_server.url}/missing/police-log/review/")
    assert_accessible(page)


def test_lead_adds_a_photo_to_the_missing_profile(page, live_server, world, tmp_path, page_problems):
    import io

    from PIL import Image

    page_problems.allow(r"422")  # the empty form answers 422, as it should
    lead = world.users["practitioner"]
    save_profile(lead, world.inside)
    photo = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (120, 90, 70)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/missing/people/{world.inside.pk}/profile/")
    page.get_by_role("link", name="Add a photo").click()
    expect_path(page, rf"^/missing/people/{world.inside.pk}/profile/photo/$")
    assert_accessible(page)
    page.get_by_role("button", name="Save photo").click()  # nothing chosen: errors, not a crash
    assert "Select a photo" in page.content()
    assert "Enter when the photo was taken" in page.content()
    assert_accessible(page)
    page.get_by_label("Photo", exact=True).set_input_files(str(photo))
    page.locator('input[name="taken_on_day"]').fill("1")
    page.locator('input[name="taken_on_month"]').fill("9")
    page.locator('input[name="taken_on_year"]').fill("2026")
    page.get_by_role("button", name="Save photo").click()
    expect_path(page, rf"^/missing/people/{world.inside.pk}/profile/$")
    image = page.get_by_role("img", name=f"Photo of {world.inside.full_name} on their missing profile")
    assert image.evaluate("element => element.naturalWidth") == 600  # served and drawn
    assert "Taken 1 September 2026" in page.content()
    assert_accessible(page)


def test_front_door_uploads_a_police_log_and_imports_it(page, live_server, world, page_problems):
    """The front door uploads a police log with a problem (listed by line after the import is tried,
    nothing loaded), then the corrected log, and imports it: Jade Bishop's episode loaded, the stranger's
    row kept for review; then, the wrong file after all, undoes the import (asked for a reason first).
    Every page is checked with axe."""
    header = "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,started_at\n"
    jade = "NC-1001,Jade,Bishop,02/04/2011,NR3 1JE,M,home,01/06/2026 20:00\n"
    stranger = "NC-1003,Zebedee,Quillfeather,09/09/2010,PE30 1AA,M,home,11/06/2026 22:00\n"
    sign_in(page, live_server, world.users["front-door-officer"])

    def upload(text: str) -> None:
        page.goto(f"{live_server.url}/missing/police-log/review/")
        page.get_by_role("link", name="Import a police log").click()
        expect_path(page, r"^/missing/police-log/uploads/new/$")
        assert_accessible(page)
        page.get_by_label("The police log, as a CSV file").set_input_files(
            files=[{"name": "week-23.csv", "mimeType": "text/csv", "buffer": text.encode()}]
        )
        page.get_by_role("button", name="Upload the log").click()
        expect_path(page, r"^/missing/police-log/uploads/[0-9a-f-]+/$")
        assert_accessible(page)
        page.get_by_role("button", name="Import the log").click()

    upload(header + jade + stranger.replace("home", "school"))
    page.get_by_role("heading", name="Not imported").wait_for()
    assert_accessible(page)
    problems = page.locator("table").inner_text()
    assert "3\tmissing_from must be one of" in problems

    upload(header + jade + stranger)
    page.get_by_role("heading", name="Imported").wait_for()
    assert_accessible(page)
    # The page first, then the database: a read from this thread while the server writes is refused
    # on the tests' shared-cache in-memory SQLite.
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "Loaded\t1" in summary
    assert "Kept for review\t1" in summary
    page.get_by_role("link", name="Police log rows to review").click()
    expect_path(page, r"^/missing/police-log/review/$")
    assert "Quillfeather" in page.content()
    assert MissingEpisode.objects.filter(person=world.inside, police_reference="NC-1001").count() == 1
    assert PoliceLogImport.objects.count() == 1

    # The wrong file after all: the front door undoes the import from the imports page.
    page_problems.allow(r"422")  # undoing without a reason answers 422, as it should
    page.get_by_role("link", name="Police log imports").click()
    expect_path(page, r"^/missing/police-log/imports/$")
    assert_accessible(page)
    page.get_by_role("link", name="Undo the import of week-23.csv").click()
    expect_path(page, r"^/missing/police-log/imports/[0-9a-f-]+/undo/$")
    assert_accessible(page)
    page.get_by_role("button", name="Undo this import").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert_accessible(page)
    page.get_by_label("Why are you undoing this import?").fill("The wrong week's log was exported.")
    page.get_by_role("button", name="Undo this import").click()
    expect_path(page, r"^/missing/police-log/imports/$")
    assert_accessible(page)
    assert "The wrong week's log was exported." in page.content()
    assert not MissingEpisode.objects.filter(police_reference="NC-1001").exists()
