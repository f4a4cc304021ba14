"""Reviewers of imported rows find the young person a kept row is about with the live "already known?"
check and link the row to them: a police log row (front-door officer) and a children missing education
row (education importer). Every page visited is checked with axe."""

from __future__ import annotations

import pytest
from django.utils import timezone

from harbour.education.models import ImportBatch, MissingEducationCase, UnmatchedImportRow
from harbour.missing.models import MissingEpisode, PoliceLogImport, UnmatchedLogRow
from tests import factories
from tests.browser.harness import assert_accessible, expect_path, sign_in

pytestmark = pytest.mark.browser


def test_front_door_finds_the_young_person_and_links_a_police_log_row(
    page, live_server, world, page_problems
):
    page_problems.allow(r"422")  # linking before choosing answers 422, as it should
    officer = world.users["front-door-officer"]
    factories.allocate(world.outside, worker=officer, role="allocated-social-worker")  # sees Tyler in full
    log = PoliceLogImport.objects.create(
        filename="log.csv", sha256="0" * 64, imported_by=officer, started_at=timezone.now()
    )
    row = UnmatchedLogRow.objects.create(
        log_import=log,
        line_number=4,
        import_key="k" * 64,
        data={
            "police_reference": "NC-9",
            "first_name": "Ty",
            "last_name": "Murrey",
            "kind": "M",
            "missing_from": "home",
            "started_at": "01/06/2026 20:00",
            "ended_at": "02/06/2026 08:00",
        },
    )
    sign_in(page, live_server, officer)
    page.goto(f"{live_server.url}/missing/police-log/review/")
    assert_accessible(page)
    page.get_by_role("link", name="Find the young person").click()
    expect_path(page, rf"^/missing/police-log/review/{row.pk}/choose/$")
    assert page.locator('input[name="last_name"]').input_value() == "Murrey"  # filled from the row
    assert_accessible(page)

    page.get_by_role("button", name="Link the row to this young person").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Choose the young person this is about." in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.fill('input[name="first_name"]', "Tyler")
    page.locator('input[name="last_name"]').fill("")
    page.locator('input[name="last_name"]').press_sequentially("Murray")
    match = page.locator(f'input[name="person"][value="{world.outside.pk}"]')
    match.wait_for()
    assert "tyler" not in page.url.lower()  # the search went in the request body
    assert page.locator('input[name="person"][value="new"]').count() == 0  # choose someone known only
    assert_accessible(page)
    # The live search answers after each pause in typing; let the last answer land before choosing, or
    # it replaces the list (and the choice) a moment later.
    page.wait_for_load_state("networkidle")
    page.get_by_label("This is the young person: Tyler Murray", exact=False).check()
    page.get_by_role("button", name="Link the row to this young person").click()

    # The page first, then the database: a read from this thread while the server writes is refused
    # on the tests' shared-cache in-memory SQLite.
    expect_path(page, r"^/missing/episodes/[0-9a-f-]+/$")
    episode = MissingEpisode.objects.get()
    assert page.url.endswith(f"/missing/episodes/{episode.pk}/")
    assert "Line 4 is linked" in page.content()
    assert episode.person == world.outside
    row.refresh_from_db()
    assert (row.resolution, row.resolved_by) == ("chosen-by-reviewer", officer)
    assert_accessible(page)


def test_education_importer_finds_the_young_person_and_links_a_kept_row(page, live_server, world):
    manager = world.users["team-manager"]  # holds education.import and sees Jade Bishop in full
    batch = ImportBatch.objects.create(
        kind="cme", file_name="cme.csv", file_sha256="0" * 64, imported_by=manager
    )
    row = UnmatchedImportRow.objects.create(
        batch=batch,
        kind="cme",
        line_number=3,
        row_key="k",
        values={
            "first_name": "Jai",
            "last_name": "Bishup",
            "date_of_birth": "2011-04-02",
            "upn": "",
            "postcode": "",
            "reported_on": timezone.localdate().isoformat(),
            "reported_by": "Attendance officer",
            "note": "",
        },
        reason="No known young person matches these details.",
    )
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Education imports").click()
    expect_path(page, r"^/education/imports/unmatched/$")
    assert_accessible(page)
    page.get_by_role("link", name="Find the young person").click()
    expect_path(page, rf"^/education/imports/unmatched/{row.pk}/link/$")
    assert_accessible(page)

    page.fill('input[name="first_name"]', "Jade")
    page.locator('input[name="last_name"]').fill("")
    page.locator('input[name="last_name"]').press_sequentially("Bishop")
    page.locator(f'input[name="person"][value="{world.inside.pk}"]').wait_for()
    assert_accessible(page)
    # The live search answers after each pause in typing; let the last answer land before choosing, or
    # it replaces the list (and the choice) a moment later.
    page.wait_for_load_state("networkidle")
    page.get_by_label("This is the young person: Jade Bishop", exact=False).check()
    page.get_by_role("button", name="Link the row to this young person").click()

    expect_path(page, r"^/education/imports/unmatched/$")
    assert "Line 3 is linked to Jade Bishop" in page.content()
    assert "No imported rows are waiting for review." in page.content()
    assert MissingEducationCase.objects.get().person == world.inside
    assert_accessible(page)
