"""Importing lists of exclusions and children missing education: checked whole, loaded whole, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.education import imports
from harbour.education.models import Exclusion, ImportBatch, MissingEducationCase, UnmatchedImportRow
from tests.education.helpers import offers, school
from tests.factories import PersonFactory, add_address

pytestmark = pytest.mark.django_db

EXCLUSION_HEADER = "first_name,last_name,date_of_birth,postcode,school_urn,kind,starts_on,days,reason\n"


def _file(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _recent(days: int = 10) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _good_exclusions(tmp_path: Path) -> Path:
    school()
    return _file(
        tmp_path,
        EXCLUSION_HEADER
        + f"Jade,Bishop,2011-04-02,NR3 1JE,121212,Permanent exclusion,{_recent()},,PD\n"
        + f"Jade,Bishop,02/04/2011,NR3 1JE,121212,suspension,{_recent(60)},2.5,VA\n"
        + f"Nobody,Known,2012-01-01,NR1 1AA,121212,FIXED,{_recent(5)},1,DM\n",
    )


def test_good_file_loads_matched_rows_and_keeps_the_rest_for_review(world, tmp_path):
    manager = world.users["team-manager"]
    report = imports.import_file(actor=manager, kind="exclusions", path=_good_exclusions(tmp_path))
    assert report.ok
    assert (report.rows, report.created, report.already_held, len(report.unmatched)) == (3, 2, 0, 1)
    assert Exclusion.objects.filter(person=world.inside, source="imported").count() == 2
    unmatched = UnmatchedImportRow.objects.get()
    assert unmatched.line_number == 4
    assert unmatched.values["first_name"] == "Nobody"
    assert "No known young person" in unmatched.reason
    # Imports feed the joint assessment like any other write.
    assert {"education-permanent-exclusion-12m", "education-suspension-12m"} <= set(offers(world.inside))
    event = AuditEvent.objects.get(action="education.imported")
    assert event.detail == {"kind": "exclusions", "rows": 3, "created": 2, "already_held": 0, "unmatched": 1}


def test_running_the_same_file_again_creates_nothing(world, tmp_path):
    manager = world.users["team-manager"]
    path = _good_exclusions(tmp_path)
    imports.import_file(actor=manager, kind="exclusions", path=path)
    again = imports.import_file(actor=manager, kind="exclusions", path=path)
    assert (again.created, again.already_held, len(again.unmatched)) == (0, 2, 1)
    assert Exclusion.objects.count() == 2
    assert UnmatchedImportRow.objects.count() == 1
    assert ImportBatch.objects.count() == 2


def test_bad_rows_are_listed_by_line_and_nothing_is_loaded(world, tmp_path):
    school()
    path = _file(
        tmp_path,
        EXCLUSION_HEADER
        + f"Jade,Bishop,2011-04-02,NR3 1JE,121212,Permanent exclusion,{_recent()},,PD\n"
        + f"Jade,Bishop,2011-04-02,NR3 1JE,999999,suspension,{_recent()},2,PD\n"
        + f"Jade,,31/02/2011,NR3 1JE,121212,expelled,{_recent()},,ZZ\n"
        + f"Jade,Bishop,2011-04-02,NR3 1JE,121212,suspension,{_recent()},,PD\n",
    )
    report = imports.import_file(actor=world.users["team-manager"], kind="exclusions", path=path)
    assert not report.ok
    problems = {(error.line, error.column) for error in report.errors}
    assert problems == {
        (3, "school_urn"),
        (4, "last_name"),
        (4, "date_of_birth"),
        (4, "kind"),
        (4, "reason"),
        (5, "days"),
    }
    assert Exclusion.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert UnmatchedImportRow.objects.count() == 0
    assert not AuditEvent.objects.filter(action="education.imported").exists()


def test_an_error_while_loading_leaves_nothing_half_loaded(world, tmp_path, monkeypatch):
    manager = world.users["team-manager"]
    path = _good_exclusions(tmp_path)
    real = imports._load_row
    calls = {"n": 0}

    def fail_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "_load_row", fail_on_second)
    with pytest.raises(RuntimeError):
        imports.import_file(actor=manager, kind="exclusions", path=path)
    assert Exclusion.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_column_mapping_reads_other_headers(world, tmp_path):
    path = _file(
        tmp_path,
        "Forename,Surname,DOB,Postcode,Date reported,Reported by\n"
        f"Jade,Bishop,02/04/2011,NR3 1JE,{_recent(3)},Attendance service\n",
    )
    mapping = imports.parse_mapping(
        [
            "first_name=Forename",
            "last_name=Surname",
            "date_of_birth=DOB",
            "postcode=Postcode",
            "reported_on=Date reported",
            "reported_by=Reported by",
        ]
    )
    report = imports.import_file(actor=world.users["team-manager"], kind="cme", path=path, mapping=mapping)
    assert report.ok
    assert report.created == 1
    case = MissingEducationCase.objects.get(person=world.inside)
    assert case.reported_by == "Attendance service"
    assert case.source == "imported"


def test_a_missing_column_refuses_the_file(world, tmp_path):
    path = _file(tmp_path, "first_name,last_name\nJade,Bishop\n")
    with pytest.raises(imports.ImportRefusedError, match="date_of_birth"):
        imports.import_file(actor=world.users["team-manager"], kind="cme", path=path)


def test_importing_needs_the_capability(world, tmp_path):
    with pytest.raises(PermissionDenied):
        imports.import_file(
            actor=world.users["practitioner"], kind="exclusions", path=_good_exclusions(tmp_path)
        )


def test_the_command_reports_progress_and_writes_the_unmatched_rows(world, tmp_path, capsys):
    path = _good_exclusions(tmp_path)
    report_path = tmp_path / "review.csv"
    call_command(
        "education_import",
        "exclusions",
        str(path),
        "--as",
        "team_manager",
        "--unmatched-report",
        str(report_path),
    )
    out = capsys.readouterr().out
    assert "checked 3 of 3 rows" in out
    assert "loaded 3 of 3 rows" in out
    assert "2 new, 0 already held, 1 kept for review" in out
    lines = report_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("line,why not matched,first_name")
    assert lines[1].startswith("4,No known young person")


def test_the_command_refuses_a_bad_file_with_line_numbers(world, tmp_path, capsys):
    school()
    path = _file(
        tmp_path, EXCLUSION_HEADER + "Jade,Bishop,2011-04-02,NR3 1JE,121212,suspension,not a date,1,PD\n"
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("education_import", "exclusions", str(path), "--as", "team_manager")
    assert "line 2, column 'starts_on'" in capsys.readouterr().err


def test_a_kept_row_matches_when_tried_again_after_the_young_person_is_recorded(world, tmp_path):
    manager = world.users["team-manager"]
    imports.import_file(actor=manager, kind="exclusions", path=_good_exclusions(tmp_path))
    row = UnmatchedImportRow.objects.get(resolved_at__isnull=True)
    assert imports.unmatched_retry(actor=manager, row=row) is None  # still nobody
    child = PersonFactory(first_name="Nobody", last_name="Known", date_of_birth=dt.date(2012, 1, 1), upn="")
    add_address(child, postcode="NR1 1AA")
    assert imports.unmatched_retry(actor=manager, row=row) == child
    row.refresh_from_db()
    assert row.resolution == "matched"
    assert row.person == child
    assert row.resolved_by == manager
    assert Exclusion.objects.filter(person=child, kind__code="suspension", reason__dfe_code="DM").count() == 1
    assert AuditEvent.objects.filter(action="education.unmatched_matched", person_id=child.pk).exists()
    with pytest.raises(ValidationError):
        imports.unmatched_retry(actor=manager, row=row)


def test_a_kept_row_can_be_set_aside_through_the_page(world, tmp_path):
    manager = world.users["team-manager"]
    imports.import_file(actor=manager, kind="exclusions", path=_good_exclusions(tmp_path))
    row = UnmatchedImportRow.objects.get()
    client = world.client_for("team-manager")
    listing = client.get(reverse("education:unmatched")).content.decode()
    assert "Nobody" in listing
    assert "line 4" in listing
    refused = client.post(reverse("education:unmatched_set_aside", args=[row.pk]), {"resolution": "matched"})
    assert refused.status_code == 422
    response = client.post(
        reverse("education:unmatched_set_aside", args=[row.pk]), {"resolution": "not-known"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.resolution == "not-known"
    assert row.resolved_at is not None
    assert (
        "No imported rows are waiting for review."
        in client.get(reverse("education:unmatched")).content.decode()
    )


def test_opening_a_row_to_set_it_aside_is_audited(world, tmp_path):
    manager = world.users["team-manager"]
    imports.import_file(actor=manager, kind="exclusions", path=_good_exclusions(tmp_path))
    row = UnmatchedImportRow.objects.get()
    client = world.client_for("team-manager")
    url = reverse("education:unmatched_set_aside", args=[row.pk])
    viewed = AuditEvent.objects.filter(action="education.unmatched_viewed", object_id=str(row.pk))

    page = client.get(url)
    assert page.status_code == 200
    assert "Nobody" in page.content.decode()  # the row's personal details are on the page
    event = viewed.get()
    assert (event.actor_id, event.detail) == (manager.pk, {"shown": 1})

    # Shown again with the problem: read again, audited again.
    assert client.post(url, {}).status_code == 422
    assert viewed.count() == 2

    # Set aside: the page is not shown, the setting aside is audited instead.
    assert client.post(url, {"resolution": "in-error"}).status_code == 302
    assert viewed.count() == 2
    assert AuditEvent.objects.filter(action="education.unmatched_set_aside", object_id=str(row.pk)).exists()
