"""Undoing a police missing-persons log import as a whole: what goes, what stays, when it is refused."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.missing import import_undo, imports, services, triggers
from harbour.missing.models import (
    MissingEpisode,
    MissingTrigger,
    PoliceLogImport,
    ReturnInterview,
    TriggerFiring,
    UnmatchedLogRow,
)
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = (
    "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,"
    "reported_at,started_at,ended_at,risk_grade,found_place\n"
)


def _uk(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _log(tmp_path):
    """Jade Bishop (known) missing three times in the last week, returned each time; a young person
    not known to Harbour once (kept for review)."""
    now = timezone.now()
    lines = [HEADER]
    for n, days in enumerate((6, 4, 2), start=1):
        back = now - timedelta(days=days)
        lines.append(
            f"NC-10{n},Jade,Bishop,02/04/2011,NR3 1JE,M,home,,{_uk(back - timedelta(hours=9))},{_uk(back)},"
            "medium,Great Yarmouth bus station\n"
        )
    lines.append(
        f"NC-200,Zebedee,Quillfeather,09/09/2010,PE30 1AA,M,home,,{_uk(now - timedelta(days=3))},,high,\n"
    )
    path = tmp_path / "log.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _import(path, user):
    out = io.StringIO()
    call_command("missing_import", str(path), "--as", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _undo(*args):
    out = io.StringIO()
    call_command("missing_import_undo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_undo_removes_what_the_import_created_and_the_file_can_be_imported_again(world, tmp_path):
    officer = world.users["front-door-officer"]
    path = _log(tmp_path)
    output = _import(path, officer)
    log_import = PoliceLogImport.objects.get()
    assert f"Import {log_import.pk}" in output
    assert MissingEpisode.objects.filter(log_import=log_import).count() == 3
    assert ReturnInterview.objects.count() == 3
    assert UnmatchedLogRow.objects.count() == 1

    report = import_undo.police_log_import_undo(
        actor=officer, log_import_id=log_import.pk, reason="The wrong week's log was exported."
    )

    assert (report.episodes, report.interviews, report.review_rows) == (3, 3, 1)
    assert not MissingEpisode.objects.exists()
    assert not ReturnInterview.objects.exists()
    assert not UnmatchedLogRow.objects.exists()
    log_import.refresh_from_db()
    assert log_import.undone_by == officer
    assert log_import.undone_at is not None
    assert log_import.undo_reason == "The wrong week's log was exported."
    event = AuditEvent.objects.get(action="police_log.import_undone")
    assert event.object_id == str(log_import.pk)
    assert event.detail["episodes"] == 3
    assert event.detail["review_rows"] == 1
    for name in ("Jade", "Bishop", "Zebedee", "Quillfeather", "NC-10"):
        assert name not in str(event.detail)

    # Its keys went with it: the same file loads again, as new.
    assert "4 rows: 3 loaded, 1 unmatched (for review), 0 already loaded." in _import(path, officer)


def test_episodes_reviewers_linked_from_its_kept_rows_go_too(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    row = UnmatchedLogRow.objects.get()
    factories.allocate(world.outside, worker=officer, role="allocated-social-worker")  # seen in full
    imports.unmatched_row_link(
        actor=officer, row=row, person_id=world.outside.pk, version=row.version, chosen_by_reviewer=True
    )
    assert MissingEpisode.objects.count() == 4
    report = import_undo.police_log_import_undo(
        actor=officer, log_import_id=row.log_import_id, reason="Mapped the columns wrongly."
    )
    assert (report.episodes, report.linked_from_review) == (4, 1)
    assert not MissingEpisode.objects.exists()


def test_nothing_is_undone_once_an_episode_or_an_interview_has_been_worked_on(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    log_import = PoliceLogImport.objects.get()
    episode = MissingEpisode.objects.order_by("started_at").first()
    services.episode_regrade(
        actor=world.users["practitioner"],  # on Jade's network
        episode=episode,
        version=episode.version,
        grade="high",
        reason="New information.",
    )
    with pytest.raises(ValidationError, match="1 of this import's episodes have been changed"):
        import_undo.police_log_import_undo(actor=officer, log_import_id=log_import.pk, reason="Wrong file.")
    assert MissingEpisode.objects.count() == 3
    assert PoliceLogImport.objects.get().undone_at is None
    assert not AuditEvent.objects.filter(action="police_log.import_undone").exists()

    MissingEpisode.objects.update(version=1)
    episode.grade_changes.all().delete()
    ReturnInterview.objects.filter(pk=ReturnInterview.objects.first().pk).update(
        status=ReturnInterview.Status.OFFERED
    )
    with pytest.raises(ValidationError, match="1 of its return home interviews have been started"):
        import_undo.police_log_import_undo(actor=officer, log_import_id=log_import.pk, reason="Wrong file.")
    assert ReturnInterview.objects.count() == 3


def test_triggers_that_fired_stay_fired_and_are_counted(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    assert MissingTrigger.objects.filter(active=True).exists()
    triggers.evaluate_all(timezone.now())
    fired = TriggerFiring.objects.filter(episode__isnull=False).count()
    assert fired >= 1  # three episodes in 30 days
    report = import_undo.police_log_import_undo(
        actor=officer, log_import_id=PoliceLogImport.objects.get().pk, reason="Wrong file."
    )
    assert report.triggers_fired == fired
    assert TriggerFiring.objects.count() == fired
    assert not TriggerFiring.objects.filter(episode__isnull=False).exists()


def test_undo_is_refused_without_a_reason_twice_or_to_those_who_may_not_import(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    pk = PoliceLogImport.objects.get().pk
    with pytest.raises(ValidationError, match="Say why"):
        import_undo.police_log_import_undo(actor=officer, log_import_id=pk, reason="  ")
    with pytest.raises(PermissionDenied):
        import_undo.police_log_import_undo(actor=world.users["practitioner"], log_import_id=pk, reason="x")
    assert MissingEpisode.objects.count() == 3
    import_undo.police_log_import_undo(actor=officer, log_import_id=pk, reason="Wrong file.")
    with pytest.raises(ValidationError, match="This import was undone on"):
        import_undo.police_log_import_undo(actor=officer, log_import_id=pk, reason="Wrong file.")
    assert AuditEvent.objects.filter(action="police_log.import_undone").count() == 1


def test_the_command_lists_imports_and_undoes_one(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    pk = str(PoliceLogImport.objects.get().pk)
    listed = _undo("--list", "--as", officer.username)
    assert pk in listed
    assert "log.csv  4 rows" in listed
    assert "3 loaded, 1 for review" in listed
    with pytest.raises(CommandError, match="Say why the import is being undone"):
        _undo(pk, "--as", officer.username)
    with pytest.raises(CommandError, match="no police log import with this id"):
        _undo("00000000-0000-0000-0000-000000000000", "--as", officer.username, "--reason", "x")
    output = _undo(pk, "--as", officer.username, "--reason", "Wrong file.")
    assert "Undone: 3 episodes removed (0 of them linked by reviewers), 3 return home interviews" in output
    assert "undone" in _undo("--list", "--as", officer.username)
    with pytest.raises(CommandError, match="may not undo"):
        _undo(pk, "--as", world.users["practitioner"].username, "--reason", "x")


def test_the_front_door_sees_the_imports_and_undoes_one_on_its_page(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    log_import = PoliceLogImport.objects.get()
    client = world.client_for(officer)
    listed = client.get(reverse("missing:imports")).text
    assert "log.csv" in listed
    assert reverse("missing:import_undo", args=[log_import.pk]) in listed
    page = client.get(reverse("missing:import_undo", args=[log_import.pk])).text
    assert "Missing episodes removed" in page
    assert "Undo this import" in page
    for name in ("Jade", "Bishop", "Quillfeather"):  # counts only: nobody the log names
        assert name not in page

    refused = client.post(reverse("missing:import_undo", args=[log_import.pk]), {"reason": ""})
    assert refused.status_code == 422
    assert "<title>Error: Undo a police log import " in refused.text
    assert "Say why the import is being undone." in refused.text
    assert MissingEpisode.objects.count() == 3

    done = client.post(reverse("missing:import_undo", args=[log_import.pk]), {"reason": "Wrong file."})
    assert done.status_code == 302
    assert not MissingEpisode.objects.exists()
    after = client.get(reverse("missing:imports")).text
    assert "Undone" in after
    assert "Wrong file." in after
    again = client.get(reverse("missing:import_undo", args=[log_import.pk])).text
    assert "This import was undone on" in again
    assert "Undo this import" not in again


def test_the_undo_page_says_why_an_import_worked_on_cannot_be_undone(world, tmp_path):
    officer = world.users["front-door-officer"]
    _import(_log(tmp_path), officer)
    log_import = PoliceLogImport.objects.get()
    ReturnInterview.objects.filter(pk=ReturnInterview.objects.first().pk).update(
        status=ReturnInterview.Status.OFFERED
    )
    client = world.client_for(officer)
    page = client.get(reverse("missing:import_undo", args=[log_import.pk])).text
    assert "This import cannot be undone" in page
    assert "1 of its return home interviews have been started" in page
    assert "Undo this import" not in page
    refused = client.post(reverse("missing:import_undo", args=[log_import.pk]), {"reason": "Wrong file."})
    assert refused.status_code == 422
    assert "Nothing was undone" in refused.text
    assert MissingEpisode.objects.count() == 3
