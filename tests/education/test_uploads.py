"""Importing a list from the web page: checked on upload (nothing written), kept only for whoever
uploaded it, imported once when confirmed, through the same code as `harbour education_import`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core import ticks
from harbour.education import uploads
from harbour.education.models import (
    EducationUpload,
    Exclusion,
    ImportBatch,
    MissingEducationCase,
    UnmatchedImportRow,
)
from harbour.people.models import School
from tests import factories
from tests.education.helpers import school

pytestmark = pytest.mark.django_db

HEADER = "first_name,last_name,date_of_birth,postcode,school_urn,kind,starts_on,days,reason\n"


def _recent(days: int = 10) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _good() -> bytes:
    """Two rows about Jade Bishop (world.inside) and one about nobody known."""
    school()
    return (
        HEADER
        + f"Jade,Bishop,2011-04-02,NR3 1JE,121212,Permanent exclusion,{_recent()},,PD\n"
        + f"Jade,Bishop,02/04/2011,NR3 1JE,121212,suspension,{_recent(60)},2.5,VA\n"
        + f"Nobody,Known,2012-01-01,NR1 1AA,121212,FIXED,{_recent(5)},1,DM\n"
    ).encode()


def _bad() -> bytes:
    school()
    return (
        HEADER
        + f"Jade,Bishop,2011-04-02,NR3 1JE,121212,Permanent exclusion,{_recent()},,PD\n"
        + f"Jade,Bishop,2011-04-02,NR3 1JE,999999,suspension,{_recent()},2,PD\n"
        + f"Jade,,31/02/2011,NR3 1JE,121212,expelled,{_recent()},,ZZ\n"
    ).encode()


def _post(client: Client, content: bytes, *, kind: str = "exclusions", name: str = "autumn-list.csv"):
    return client.post(
        reverse("education:upload_new"),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def _nothing_written() -> None:
    assert Exclusion.objects.count() == 0
    assert MissingEducationCase.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert UnmatchedImportRow.objects.count() == 0


def test_the_page_says_what_the_file_needs_and_is_linked_from_the_review_list(world):
    client = world.client_for("team-manager")
    review = client.get(reverse("education:unmatched")).content.decode()
    assert reverse("education:upload_new") in review
    page = client.get(reverse("education:upload_new"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Children missing education" in text
    assert "<code>school_urn</code>" in text
    assert 'enctype="multipart/form-data"' in text


def test_a_file_with_problems_lists_each_by_line_and_column_and_writes_nothing(world):
    client = world.client_for("team-manager")
    response = _post(client, _bad())
    assert response.status_code == 422
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "The file has 5 problems" in text
    rows = response.context["problems"]
    assert {(problem.line, problem.column) for problem in rows} == {
        (3, "school_urn"),
        (4, "last_name"),
        (4, "date_of_birth"),
        (4, "kind"),
        (4, "reason"),
    }
    assert '<td class="govuk-table__cell">3</td>' in text
    assert "No school with this URN is known to Harbour" in text
    assert "Import 1 row" not in text  # no way to import a file with problems
    _nothing_written()
    upload = EducationUpload.objects.get()
    assert (upload.status, upload.content, upload.rows, upload.problems) == ("refused", None, 1, 5)
    event = AuditEvent.objects.get(action="education.upload_checked")
    assert event.detail == {
        "kind": "exclusions",
        "bytes": len(_bad()),
        "rows": 1,
        "problems": 5,
        "outcome": "refused",
    }


def test_a_file_without_a_required_column_or_not_utf8_is_refused_whole(world):
    client = world.client_for("team-manager")
    response = _post(client, b"first_name,last_name\nJade,Bishop\n")
    assert response.status_code == 422
    text = response.content.decode()
    assert "Line 1: the file has no column" in text
    assert "--mapping field=Header" not in text  # the page's own advice, not the command's
    response = _post(client, HEADER.encode() + "Zo\u00eb,Bishop".encode("latin-1"))
    assert "save it from the spreadsheet as CSV UTF-8" in response.content.decode()
    _nothing_written()
    assert set(EducationUpload.objects.values_list("status", flat=True)) == {"refused"}
    assert not EducationUpload.objects.filter(content__isnull=False).exists()


def test_a_file_over_the_limit_is_refused_before_it_is_checked(world, settings):
    settings.HARBOUR_EDUCATION_UPLOAD_MAX_BYTES = 100
    client = world.client_for("team-manager")
    response = _post(client, _good())
    assert response.status_code == 422
    assert "The file must be smaller than 100" in response.content.decode()
    assert not EducationUpload.objects.exists()
    _nothing_written()


def test_a_clean_file_is_checked_then_imported_once_however_often_it_is_confirmed(
    world, django_capture_on_commit_callbacks
):
    manager = world.users["team-manager"]
    client = world.client_for("team-manager")
    response = _post(client, _good())
    upload = EducationUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("education:upload", args=[upload.pk])
    assert upload.status == "ready"
    assert bytes(upload.content) == _good()
    page = client.get(response["Location"]).content.decode()
    assert "Import 3 rows" in page
    assert "Bishop" not in page  # the rows are not shown, only counts
    _nothing_written()  # checking wrote nothing

    confirm = reverse("education:upload_confirm", args=[upload.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(confirm)
        second = client.post(confirm)  # a double click, or a second tab
    assert first.status_code == second.status_code == 302
    assert ImportBatch.objects.count() == 1
    assert Exclusion.objects.filter(person=world.inside, source="imported").count() == 2
    assert UnmatchedImportRow.objects.count() == 1
    assert AuditEvent.objects.filter(action="education.imported").count() == 1
    assert AuditEvent.objects.filter(action="education.upload_confirmed").count() == 1
    event = AuditEvent.objects.get(action="education.imported")
    assert event.actor_id == manager.pk

    upload.refresh_from_db()
    assert (upload.status, upload.content) == ("imported", None)  # the file is deleted once imported
    assert upload.batch == ImportBatch.objects.get()
    assert upload.batch.file_name == "autumn-list.csv"
    result = client.get(reverse("education:upload", args=[upload.pk]))
    text = result.content.decode()
    assert "Imported" in text
    value = '</dt><dd class="govuk-summary-list__value">'
    assert f"Recorded{value}2</dd>" in text
    assert f"Already held{value}0</dd>" in text
    assert f"Kept for review{value}1</dd>" in text
    assert reverse("education:unmatched") in text
    assert "already been sent" in " ".join(str(m) for m in result.context["messages"])

    # The same file again: checked clean, imported, and nothing new is recorded.
    _post(client, _good())
    again = EducationUpload.objects.filter(status="ready").get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("education:upload_confirm", args=[again.pk]))
    again.refresh_from_db()
    assert (again.batch.created, again.batch.already_held, again.batch.unmatched) == (0, 2, 1)
    assert Exclusion.objects.count() == 2


def test_the_task_run_twice_imports_once(world, django_capture_on_commit_callbacks):
    client = world.client_for("team-manager")
    _post(client, _good())
    upload = EducationUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("education:upload_confirm", args=[upload.pk]))
    assert len(callbacks) == 1
    assert uploads.upload_import(upload_id=upload.pk) == "imported"
    assert uploads.upload_import(upload_id=upload.pk) == "skipped"
    assert ImportBatch.objects.count() == 1


def test_a_waiting_upload_shows_its_status_politely_and_htmx_stops_asking_when_done(world):
    client = world.client_for("team-manager")
    _post(client, _good())
    upload = EducationUpload.objects.get()
    EducationUpload.objects.filter(pk=upload.pk).update(status="queued")  # no worker has taken it yet
    url = reverse("education:upload", args=[upload.pk])
    page = client.get(url).content.decode()
    assert 'role="status"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "Waiting for the import of 3 rows to start" in page
    assert f'href="{url}">Refresh this page' in page  # works without script
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert uploads.upload_import(upload_id=upload.pk) == "imported"
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx: stop polling
    assert "Kept for review" in done.content.decode()


def test_an_upload_that_no_longer_checks_clean_fails_with_its_reason_and_imports_nothing(
    world, django_capture_on_commit_callbacks
):
    client = world.client_for("team-manager")
    _post(client, _good())
    upload = EducationUpload.objects.get()
    School.objects.filter(urn="121212").update(urn="343434")  # the school's URN changed meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("education:upload_confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert (upload.status, upload.failure, upload.content) == ("failed", "problems", None)
    _nothing_written()
    text = client.get(reverse("education:upload", args=[upload.pk])).content.decode()
    assert "Not imported" in text
    assert "has problems now that it did not have" in text
    assert AuditEvent.objects.get(action="education.upload_failed").detail == {"reason": "problems"}


def test_only_whoever_uploaded_it_can_see_or_confirm_an_upload(world, django_capture_on_commit_callbacks):
    _post(world.client_for("team-manager"), _good())
    upload = EducationUpload.objects.get()
    other = factories.make_user("other_importer", role="team-manager", team=world.breckland_team)
    client = Client()
    client.force_login(other)
    assert client.get(reverse("education:upload_new")).status_code == 200  # an importer too
    assert client.get(reverse("education:upload", args=[upload.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("education:upload_confirm", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == "ready"
    _nothing_written()


@pytest.mark.parametrize("role", ["practitioner", "front-door-officer", "police-intelligence-officer"])
def test_without_the_import_capability_every_upload_page_is_forbidden(world, role):
    _post(world.client_for("team-manager"), _good())
    upload = EducationUpload.objects.get()
    client = world.client_for(role)
    assert client.get(reverse("education:upload_new")).status_code == 403
    assert _post(client, _good()).status_code == 403
    assert client.get(reverse("education:upload", args=[upload.pk])).status_code == 403
    assert client.post(reverse("education:upload_confirm", args=[upload.pk])).status_code == 403
    assert EducationUpload.objects.count() == 1
    upload.refresh_from_db()
    assert upload.status == "ready"


def test_the_tick_deletes_the_content_of_uploads_past_their_time(world, django_capture_on_commit_callbacks):
    client = world.client_for("team-manager")
    _post(client, _good())
    waiting = EducationUpload.objects.get()
    _post(client, _good())
    fresh = EducationUpload.objects.exclude(pk=waiting.pk).get()
    later = waiting.expires_at + dt.timedelta(minutes=1)
    EducationUpload.objects.filter(pk=fresh.pk).update(expires_at=later + dt.timedelta(hours=1))
    results = ticks.run_all(later, only=["education.uploads"])
    assert [(result.code, result.count, result.ok) for result in results] == [("education.uploads", 1, True)]
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert (waiting.status, waiting.content) == ("expired", None)
    assert fresh.status == "ready"
    assert fresh.content is not None
    assert ticks.run_all(later, only=["education.uploads"])[0].count == 0  # idempotent
    event = AuditEvent.objects.get(action="education.upload_expired")
    assert (event.actor_id, event.detail) == (None, {"was": "ready"})
    # Confirming it now imports nothing, and says why.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("education:upload_confirm", args=[waiting.pk]), follow=True)
    assert "has expired" in response.content.decode()
    _nothing_written()


def test_ready_but_past_its_time_cannot_be_imported_before_the_tick_runs(
    world, django_capture_on_commit_callbacks
):
    client = world.client_for("team-manager")
    _post(client, _good())
    upload = EducationUpload.objects.get()
    EducationUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "Import 3 rows" not in client.get(reverse("education:upload", args=[upload.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("education:upload_confirm", args=[upload.pk]))
    _nothing_written()


def test_no_audit_event_carries_the_uploads_content_or_its_name(world, django_capture_on_commit_callbacks):
    client = world.client_for("team-manager")
    _post(client, _bad(), name="jade-bishop-list.csv")
    _post(client, b"first_name\nJade\n", name="jade-bishop-list.csv")
    _post(client, _good(), name="jade-bishop-list.csv")
    upload = EducationUpload.objects.get(status="ready")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("education:upload_confirm", args=[upload.pk]))
    events = AuditEvent.objects.filter(action__startswith="education.")
    actions = set(events.values_list("action", flat=True))
    assert {"education.upload_checked", "education.upload_confirmed", "education.imported"} <= actions
    for event in events:
        text = json.dumps(event.detail) + event.reason
        for secret in ("Jade", "Bishop", "Nobody", "NR3", "2011", "jade-bishop"):
            assert secret not in text, f"{event.action} carries {secret!r}"
