"""Importing a police log from the web page: kept on upload for whoever uploaded it, validated, matched
and loaded once confirmed by a background task through the command's own import, with its progress on
the upload's page; problems by line and nothing loaded; imported once however often confirmed."""

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
from harbour.missing import uploads
from harbour.missing.models import MissingEpisode, PoliceLogImport, PoliceLogUpload, UnmatchedLogRow
from tests import factories
from tests.missing.test_import import HEADER, JADE, JADE_AGAIN, STRANGER

pytestmark = pytest.mark.django_db

GOOD = (HEADER + JADE + JADE_AGAIN + STRANGER).encode()
BAD = (
    HEADER
    + JADE
    + "NC-2,Jade,Bishop,31/02/2011,NR3 1JE,M,home,,01/06/2026 20:00,,,\n"  # line 3: bad date of birth
    + STRANGER
    + ",Riley,Greenwood,,,M,school,,yesterday,,extreme,\n"  # line 5: four problems
).encode()
IMPORTER = "front-door-officer"


def _post(client: Client, content: bytes, *, name: str = "week-23-log.csv"):
    return client.post(
        reverse("missing:upload_new"), {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    )


def _uploaded(client: Client, content: bytes, **kwargs) -> PoliceLogUpload:
    response = _post(client, content, **kwargs)
    assert response.status_code == 302, response.content.decode()
    upload = PoliceLogUpload.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert response["Location"] == reverse("missing:upload", args=[upload.pk])
    return upload


def _confirm(client: Client, upload: PoliceLogUpload, capture) -> None:
    with capture(execute=True):
        assert client.post(reverse("missing:upload_confirm", args=[upload.pk])).status_code == 302


def _nothing_loaded() -> None:
    assert MissingEpisode.objects.count() == 0
    assert UnmatchedLogRow.objects.count() == 0
    assert PoliceLogImport.objects.count() == 0


def test_the_page_says_what_the_file_needs_and_is_linked_from_the_review_page(world):
    client = world.client_for(IMPORTER)
    review = client.get(reverse("missing:unmatched")).content.decode()
    assert reverse("missing:upload_new") in review
    page = client.get(reverse("missing:upload_new"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<code>police_reference</code>" in text
    assert "<code>nhs_number</code>" in text
    assert 'enctype="multipart/form-data"' in text
    assert "100.0\xa0MB" in text  # the default limit


def test_a_file_with_problems_lists_them_by_line_and_loads_nothing(world, django_capture_on_commit_callbacks):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, BAD)
    assert upload.status == "ready"
    _nothing_loaded()  # nothing is read on upload
    _confirm(client, upload, django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    assert (upload.status, upload.failure, upload.content) == ("refused", "problems", None)
    assert (upload.rows, upload.problems) == (4, 5)
    _nothing_loaded()
    response = client.get(reverse("missing:upload", args=[upload.pk]))
    text = response.content.decode()
    assert "Not imported" in text
    assert "5 problems in the file, by line" in text
    assert '<td class="govuk-table__cell">3</td>' in text
    assert "date_of_birth is not a date (DD/MM/YYYY or YYYY-MM-DD)" in text
    assert "police_reference is empty" in text
    assert "Import the log" not in text
    event = AuditEvent.objects.get(action="police_log.upload_failed")
    assert event.detail == {"reason": "problems", "rows": 4, "problems": 5}


def test_only_the_first_problems_are_listed_with_a_count_of_the_rest(
    world, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(uploads.imports, "MAX_ERRORS_LISTED", 2)
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, BAD)
    _confirm(client, upload, django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    assert len(upload.problem_list) == 2
    assert upload.problem_list[0] == [3, "date_of_birth is not a date (DD/MM/YYYY or YYYY-MM-DD)"]
    text = client.get(reverse("missing:upload", args=[upload.pk])).content.decode()
    assert "The first 2 problems are listed; there are 3 more." in text


def test_a_file_without_a_needed_column_or_not_utf8_is_not_imported_and_says_why(
    world, django_capture_on_commit_callbacks
):
    client = world.client_for(IMPORTER)
    columns = _uploaded(client, b"ref,name\nNC-1,Jade\n")
    latin = _uploaded(
        client, HEADER.encode() + "NC-1,Zo\u00eb,Bishop,,,M,home,,01/06/2026 20:00,,,\n".encode("latin-1")
    )
    _confirm(client, columns, django_capture_on_commit_callbacks)
    _confirm(client, latin, django_capture_on_commit_callbacks)
    text = client.get(reverse("missing:upload", args=[columns.pk])).content.decode()
    assert "The file has no column called: police_reference" in text
    text = client.get(reverse("missing:upload", args=[latin.pk])).content.decode()
    assert "save it from the spreadsheet as CSV UTF-8" in text
    assert set(PoliceLogUpload.objects.values_list("status", "failure")) == {("refused", "unreadable")}
    _nothing_loaded()


def test_a_file_over_the_limit_or_empty_is_refused_on_upload(world, settings):
    settings.HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES = 100
    client = world.client_for(IMPORTER)
    response = _post(client, GOOD)
    assert response.status_code == 422
    assert "The file must be smaller than 100" in response.content.decode()
    assert "harbour missing_import" in response.content.decode()
    assert "<title>Error: Import a police log" in response.content.decode()
    settings.HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES = 1000
    assert "The file has a header row but no rows under it" in _post(client, HEADER.encode()).content.decode()
    assert not PoliceLogUpload.objects.exists()


def test_a_good_file_imports_once_however_often_it_is_confirmed(world, django_capture_on_commit_callbacks):
    officer = world.users[IMPORTER]
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    assert bytes(upload.content) == GOOD
    page = client.get(reverse("missing:upload", args=[upload.pk])).content.decode()
    assert "Import the log" in page
    assert "Bishop" not in page  # the rows are never shown
    confirm = reverse("missing:upload_confirm", args=[upload.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(confirm)
        second = client.post(confirm)  # a double click, or a second tab
    assert first.status_code == second.status_code == 302
    log_import = PoliceLogImport.objects.get()
    assert (log_import.rows, log_import.loaded, log_import.unmatched) == (3, 2, 1)
    assert log_import.filename == "week-23-log.csv"
    assert log_import.imported_by == officer
    assert MissingEpisode.objects.filter(person=world.inside).count() == 2
    assert AuditEvent.objects.filter(action="police_log.imported").count() == 1
    assert AuditEvent.objects.filter(action="police_log.upload_confirmed").count() == 1
    upload.refresh_from_db()
    assert (upload.status, upload.content, upload.log_import) == ("imported", None, log_import)
    assert upload.finished_at is not None
    response = client.get(reverse("missing:upload", args=[upload.pk]))
    text = response.content.decode()
    value = '</dt><dd class="govuk-summary-list__value">'
    assert f"Loaded{value}2</dd>" in text
    assert f"Kept for review{value}1</dd>" in text
    assert f"Already loaded{value}0</dd>" in text
    assert str(log_import.pk) in text
    assert reverse("missing:unmatched") in text
    assert "already been sent" in " ".join(str(m) for m in response.context["messages"])
    # The same log again: imported, and nothing is loaded twice.
    again = _uploaded(client, GOOD)
    _confirm(client, again, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert (again.log_import.loaded, again.log_import.already_loaded) == (0, 3)
    assert MissingEpisode.objects.count() == 2


def test_the_task_run_twice_imports_once(world, django_capture_on_commit_callbacks):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("missing:upload_confirm", args=[upload.pk]))
    assert len(callbacks) == 1
    assert uploads.upload_import(upload_id=upload.pk) == "imported"
    assert uploads.upload_import(upload_id=upload.pk) == "skipped"
    assert PoliceLogImport.objects.count() == 1


def test_the_task_writes_its_progress_on_the_upload_as_it_goes(world, monkeypatch):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="queued")
    monkeypatch.setattr(uploads, "SAVE_EVERY_SECONDS", 0)
    seen: list[tuple[str, int, int, int]] = []
    saved = uploads.shared.claim

    def watching(queryset, **changes):  # each save of progress, as the page would read it
        done = saved(queryset, **changes)
        if "progress_at" in changes and "content" not in changes:
            now = PoliceLogUpload.objects.get(pk=upload.pk)
            seen.append((now.status, now.rows, now.matched, now.to_match))
        return done

    monkeypatch.setattr(uploads.shared, "claim", watching)
    assert uploads.upload_import(upload_id=upload.pk, progress_every=1) == "imported"
    statuses = [status for status, *_ in seen]
    assert statuses[0] == "validating"
    assert statuses.index("validating") < statuses.index("matching") < statuses.index("loading")
    validating = [rows for status, rows, *_ in seen if status == "validating"]
    assert validating == sorted(validating)  # rows so far, rising
    assert validating[-1] == 3
    matching = [(matched, to_match) for status, _, matched, to_match in seen if status == "matching"]
    assert matching[-1] == (2, 2)  # Jade once, and the stranger
    assert seen[-1][0] == "loading"


def test_progress_is_saved_at_most_once_a_second_within_a_stage(world, monkeypatch):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="queued")
    saves: list[dict] = []
    saved = uploads.shared.claim

    def counting(queryset, **changes):
        if "progress_at" in changes and "content" not in changes:
            saves.append(changes)
        return saved(queryset, **changes)

    monkeypatch.setattr(uploads.shared, "claim", counting)
    uploads.upload_import(upload_id=upload.pk, progress_every=1)
    # The task starting, then one save per stage: the rows in between come within the second.
    assert [changes.get("status") for changes in saves] == ["validating", "validating", "matching", "loading"]


def test_a_running_import_shows_its_stage_politely_and_htmx_stops_asking_when_done(world):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    url = reverse("missing:upload", args=[upload.pk])
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="validating", rows=1200, problems=0)
    page = client.get(url).content.decode()
    assert 'role="status"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "1200 rows checked so far" in page
    assert f'href="{url}">Refresh this page' in page  # works without script
    assert "http-equiv" not in page
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="matching", rows=3, to_match=2, matched=1)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "1 of 2 so far" in fragment.content.decode()
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="loading")
    assert "Loading 3 rows, all at once" in client.get(url).content.decode()
    PoliceLogUpload.objects.filter(pk=upload.pk).update(status="queued")
    assert uploads.upload_import(upload_id=upload.pk) == "imported"
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx: stop polling
    assert "Kept for review" in done.content.decode()


def test_only_whoever_uploaded_it_can_see_or_confirm_an_upload(world, django_capture_on_commit_callbacks):
    upload = _uploaded(world.client_for(IMPORTER), GOOD)
    other = factories.make_user("other_importer", role=IMPORTER, team=world.breckland_team)
    client = Client()
    client.force_login(other)
    assert client.get(reverse("missing:upload_new")).status_code == 200  # an importer too
    assert client.get(reverse("missing:upload", args=[upload.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("missing:upload_confirm", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == "ready"
    _nothing_loaded()


@pytest.mark.parametrize("role", ["practitioner", "team-manager", "police-intelligence-officer"])
def test_without_the_import_capability_every_upload_page_is_forbidden(world, role):
    upload = _uploaded(world.client_for(IMPORTER), GOOD)
    client = world.client_for(role)
    assert client.get(reverse("missing:upload_new")).status_code == 403
    assert _post(client, GOOD).status_code == 403
    assert client.get(reverse("missing:upload", args=[upload.pk])).status_code == 403
    assert client.post(reverse("missing:upload_confirm", args=[upload.pk])).status_code == 403
    assert PoliceLogUpload.objects.count() == 1
    upload.refresh_from_db()
    assert upload.status == "ready"


def test_an_importer_who_lost_the_capability_before_the_task_ran_imports_nothing(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("missing:upload_confirm", args=[upload.pk]))
    monkeypatch.setattr(uploads.imports.policies, "can_import", lambda actor: False)
    assert uploads.upload_import(upload_id=upload.pk) == "failed"
    upload.refresh_from_db()
    assert (upload.status, upload.failure, upload.content) == ("failed", "not-allowed", None)
    _nothing_loaded()


def test_the_tick_empties_uploads_past_their_time(world, django_capture_on_commit_callbacks):
    client = world.client_for(IMPORTER)
    waiting = _uploaded(client, GOOD)
    fresh = _uploaded(client, GOOD)
    later = waiting.expires_at + dt.timedelta(minutes=1)
    PoliceLogUpload.objects.filter(pk=fresh.pk).update(expires_at=later + dt.timedelta(hours=1))
    results = ticks.run_all(later, only=["missing.uploads"])
    assert [(result.code, result.count, result.ok) for result in results] == [("missing.uploads", 1, True)]
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert (waiting.status, waiting.content) == ("expired", None)
    assert fresh.status == "ready"
    assert fresh.content is not None
    assert ticks.run_all(later, only=["missing.uploads"])[0].count == 0  # once
    event = AuditEvent.objects.get(action="police_log.upload_expired")
    assert (event.actor_id, event.detail) == (None, {"was": "ready"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("missing:upload_confirm", args=[waiting.pk]), follow=True)
    assert "has expired" in response.content.decode()
    _nothing_loaded()


def test_ready_but_past_its_time_cannot_be_imported_before_the_tick_runs(
    world, django_capture_on_commit_callbacks
):
    client = world.client_for(IMPORTER)
    upload = _uploaded(client, GOOD)
    PoliceLogUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "Import the log" not in client.get(reverse("missing:upload", args=[upload.pk])).content.decode()
    _confirm(client, upload, django_capture_on_commit_callbacks)
    _nothing_loaded()


def test_no_audit_event_carries_the_uploads_content_or_its_name(world, django_capture_on_commit_callbacks):
    client = world.client_for(IMPORTER)
    for content in (BAD, b"ref,name\nNC-1,Jade\n", GOOD):
        upload = _uploaded(client, content, name="jade-bishop-log.csv")
        _confirm(client, upload, django_capture_on_commit_callbacks)
    expired = _uploaded(client, GOOD, name="jade-bishop-log.csv")
    ticks.run_all(expired.expires_at + dt.timedelta(minutes=1), only=["missing.uploads"])
    events = AuditEvent.objects.filter(action__startswith="police_log.")
    actions = set(events.values_list("action", flat=True))
    assert {
        "police_log.uploaded",
        "police_log.upload_confirmed",
        "police_log.upload_failed",
        "police_log.upload_expired",
        "police_log.imported",
    } <= actions
    for event in events:
        text = json.dumps(event.detail) + event.reason
        for secret in ("Jade", "Bishop", "Zebedee", "NR3", "2011", "NC-", "jade-bishop"):
            assert secret not in text, f"{event.action} carries {secret!r}"
