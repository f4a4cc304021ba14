"""Import of a police missing-persons log: line-numbered problems, all-or-nothing validation, matching,
an unmatched report for review, idempotent re-runs (police reference + row identity)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.missing import imports
from harbour.missing.models import MissingEpisode, PoliceLogImport, ReturnInterview, UnmatchedLogRow
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = (
    "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,"
    "reported_at,started_at,ended_at,risk_grade,found_place\n"
)
JADE = (
    "NC-1001,Jade,Bishop,02/04/2011,NR3 1JE,M,home,"
    "01/06/2026 21:00,01/06/2026 20:00,03/06/2026 09:15,medium,Great Yarmouth bus station\n"
)
JADE_AGAIN = "NC-1002,Jade,Bishop,02/04/2011,NR3 1JE,A,care,,10/06/2026 22:00,,low,\n"
STRANGER = (
    "NC-1003,Zebedee,Quillfeather,09/09/2010,PE30 1AA,M,home,,11/06/2026 22:00,12/06/2026 08:00,high,\n"
)


def _write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(path, user, *args):
    out = io.StringIO()
    call_command("missing_import", str(path), "--as", user.username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_valid_file_loads_matches_and_reports_unmatched(world, tmp_path):
    officer = world.users["front-door-officer"]
    path = _write(tmp_path, HEADER + JADE + JADE_AGAIN + STRANGER)
    output = _run(path, officer, "--progress-every", "1")
    assert "3 rows: 2 loaded, 1 unmatched (for review), 0 already loaded." in output
    assert "validated 1 rows" in output  # progress per N rows
    episodes = MissingEpisode.objects.filter(person=world.inside).order_by("started_at")
    assert [e.kind.code for e in episodes] == ["missing", "absent"]
    first = episodes[0]
    assert first.started_at == datetime(2026, 6, 1, 19, 0, tzinfo=UTC)  # 20:00 BST
    assert first.source == "import"
    assert first.police_reference == "NC-1001"
    # Returned months before the import: history, so no return home interview (a return in the week
    # before the import gets one: test_import_bulk.py); the second is still missing.
    assert not ReturnInterview.objects.exists()
    unmatched = UnmatchedLogRow.objects.get()
    assert unmatched.line_number == 4
    assert unmatched.data["last_name"] == "Quillfeather"
    report = (tmp_path / "log.unmatched.csv").read_text()
    assert "Quillfeather" in report
    assert report.splitlines()[1].startswith("4,")
    assert AuditEvent.objects.filter(action="police_log.imported").count() == 1


def test_running_the_same_file_again_creates_no_duplicates(world, tmp_path):
    officer = world.users["front-door-officer"]
    path = _write(tmp_path, HEADER + JADE + STRANGER)
    _run(path, officer)
    output = _run(path, officer)
    assert "2 rows: 0 loaded, 0 unmatched (for review), 2 already loaded." in output
    assert MissingEpisode.objects.count() == 1
    assert UnmatchedLogRow.objects.count() == 1
    # An overlapping file loads only its new row; a row repeated within a file loads once.
    overlap = _write(tmp_path, HEADER + JADE + JADE_AGAIN + JADE_AGAIN, "overlap.csv")
    assert "3 rows: 1 loaded, 0 unmatched (for review), 2 already loaded." in _run(overlap, officer)
    assert MissingEpisode.objects.count() == 2


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_loaded(world, tmp_path):
    officer = world.users["front-door-officer"]
    bad = (
        HEADER
        + JADE
        + "NC-2,Jade,Bishop,31/02/2011,NR3 1JE,M,home,,01/06/2026 20:00,,,\n"  # line 3: bad date of birth
        + STRANGER
        + ",Riley,Greenwood,,,M,school,,yesterday,,extreme,\n"  # line 5: four problems
        + '"NC-9","Leon","Ashby","","","M","home","","02/06/2026 20:00","01/06/2026 20:00","",""\n'  # line 6
    )
    path = _write(tmp_path, bad)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("missing_import", str(path), "--as", officer.username, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert "line 3: date_of_birth is not a date (DD/MM/YYYY or YYYY-MM-DD)" in lines
    assert "line 5: police_reference is empty" in lines
    assert any(line.startswith("line 5: missing_from must be one of") for line in lines)
    assert any(line.startswith("line 5: started_at is not a date") for line in lines)
    assert any(line.startswith("line 5: risk_grade must be one of") for line in lines)
    assert "line 6: ended_at is before started_at" in lines
    assert MissingEpisode.objects.count() == 0
    assert UnmatchedLogRow.objects.count() == 0
    assert PoliceLogImport.objects.count() == 0


def test_a_column_mapping_reads_the_police_column_names(world, tmp_path):
    officer = world.users["front-door-officer"]
    text = "Ref,Forename,Surname,DOB,Postcode,Type,From,Reported,Missing since,Returned,Grade,Found\n" + JADE
    path = _write(tmp_path, text)
    mapping = _write(
        tmp_path,
        json.dumps(
            {
                "police_reference": "Ref",
                "first_name": "Forename",
                "last_name": "Surname",
                "date_of_birth": "DOB",
                "kind": "Type",
                "missing_from": "From",
                "reported_at": "Reported",
                "started_at": "Missing since",
                "ended_at": "Returned",
                "risk_grade": "Grade",
                "found_place": "Found",
            }
        ),
        "mapping.json",
    )
    assert "1 loaded" in _run(path, officer, "--mapping", str(mapping))
    assert MissingEpisode.objects.get().found_place == "Great Yarmouth bus station"


def test_missing_columns_are_refused(world, tmp_path):
    path = _write(tmp_path, "ref,name\nNC-1,Jade\n")
    with pytest.raises(CommandError, match="no column called"):
        _run(path, world.users["front-door-officer"])


def test_only_the_front_door_may_import(world, tmp_path):
    with pytest.raises(PermissionDenied):
        imports.police_log_import(
            actor=world.users["practitioner"], rows=lambda: iter([]), filename="x.csv", sha256="0" * 64
        )


def test_batches_load_everything(world, tmp_path):
    officer = world.users["front-door-officer"]
    rows = "".join(
        f"NC-{n},Jade,Bishop,02/04/2011,NR3 1JE,M,home,,0{1 + n % 9}/05/2026 {10 + n % 10}:00,,,\n"
        for n in range(25)
    )
    path = _write(tmp_path, HEADER + rows)
    output = _run(path, officer, "--batch-size", "10")
    assert "25 rows: 25 loaded" in output
    assert "prepared 10 of 25 rows" in output  # one progress line per batch
    assert "prepared 20 of 25 rows" in output
    assert "loaded 25 rows in one transaction" in output
    assert MissingEpisode.objects.count() == 25


def test_a_reviewed_row_is_linked_once(world, tmp_path):
    officer = world.users["front-door-officer"]
    # A typo in the surname and no date of birth: the best candidate, but not sure enough to link.
    row = "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n"
    path = _write(tmp_path, HEADER + row)
    _run(path, officer)
    unmatched = UnmatchedLogRow.objects.get()
    assert unmatched.best_person == world.inside
    # The officer must see her in full to link her (by name only, see test_import_link_by_hand.py).
    factories.allocate(world.inside, worker=officer, role="allocated-social-worker")
    client = world.client_for(officer)
    page = client.get(reverse("missing:unmatched"))
    assert "Bishopp" in page.text
    assert "line 2" in page.text
    assert AuditEvent.objects.filter(action="police_log.review_viewed").count() == 1
    home = client.get(reverse("ui:home"))
    assert "log.csv, line 2" in home.text
    response = client.post(
        reverse("missing:unmatched_link", args=[unmatched.pk]),
        {"person_id": world.inside.pk, "version": unmatched.version},
    )
    episode = MissingEpisode.objects.get()
    assert response.url == reverse("missing:episode", args=[episode.pk])
    assert episode.person == world.inside
    assert episode.import_key == unmatched.import_key
    assert episode.log_import == unmatched.log_import  # which import the episode came from
    assert not ReturnInterview.objects.filter(episode=episode).exists()  # returned months ago
    unmatched.refresh_from_db()  # kept, marked linked: who, when, how, to whom
    assert (unmatched.resolved_by, unmatched.resolution, unmatched.person) == (
        officer,
        "best-candidate",
        world.inside,
    )
    assert not imports.unmatched_rows_for(actor=officer).exists()
    assert "No rows are waiting for review." in client.get(reverse("missing:unmatched")).text
    assert "1 rows: 0 loaded, 0 unmatched (for review), 1 already loaded." in _run(path, officer)
    # Only the front door reviews.
    assert world.client_for("practitioner").get(reverse("missing:unmatched")).status_code == 403
