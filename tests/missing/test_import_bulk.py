"""The police log import at scale: one transaction (nothing half-loaded), each distinct young person
matched once, NHS numbers as a strong key, one audit event that names the import on every episode,
and the COPY path (PostgreSQL) giving the same rows as the bulk_create fallback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.missing import import_load, imports
from harbour.missing.models import MissingEpisode, PoliceLogImport, ReturnInterview, UnmatchedLogRow
from harbour.people import matching
from tests import factories

pytestmark = pytest.mark.django_db

COLUMNS = imports.FIELDS


def _row(**values: str) -> dict[str, str]:
    base = {
        "police_reference": "NC-1",
        "first_name": "Jade",
        "last_name": "Bishop",
        "date_of_birth": "02/04/2011",
        "postcode": "NR3 1JE",
        "kind": "M",
        "missing_from": "home",
        "reported_at": "",
        "started_at": "01/06/2026 20:00",
        "ended_at": "02/06/2026 09:00",
        "risk_grade": "medium",
        "found_place": "",
        "nhs_number": "",
    }
    base.update(values)
    return base


def _source(rows: list[dict[str, str]]) -> Any:
    """``rows()`` as the command gives it: (line number, row), line 1 being the header."""

    def read() -> Iterator[tuple[int, dict[str, str]]]:
        for index, row in enumerate(rows, start=2):
            yield index, dict(row)

    return read


def _import(world: Any, rows: list[dict[str, str]], **options: Any) -> imports.ImportReport:
    return imports.police_log_import(
        actor=world.users["front-door-officer"],
        rows=_source(rows),
        filename="log.csv",
        sha256="a" * 64,
        **options,
    )


def _uk(moment: datetime) -> str:
    """A moment as the police log writes it: UK local time, DD/MM/YYYY HH:MM."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _repeat_episodes() -> list[dict[str, str]]:
    """Jade's episodes over a year, spelled as the police keyed them, with a stranger among them: eight
    returns months ago, three in the last week (each gets a return home interview), one still open."""
    spellings = [("Jade", "Bishop"), ("JADE", "BISHOP"), ("jade", "bishop "), ("Jade", "Bishop")]
    now = timezone.now()
    rows = []
    for n in range(12):
        first, last = spellings[n % len(spellings)]
        if n < 8:
            started, ended = (
                f"{1 + n:02d}/0{1 + n % 9}/2026 2{n % 4}:00",
                f"{2 + n:02d}/0{1 + n % 9}/2026 08:00",
            )
        elif n < 11:
            back = now - timedelta(days=2 * (11 - n), hours=1)
            started, ended = _uk(back - timedelta(hours=9)), _uk(back)
        else:
            started, ended = _uk(now - timedelta(hours=3)), ""
        rows.append(
            _row(
                police_reference=f"NC-{100 + n}",
                first_name=first,
                last_name=last,
                started_at=started,
                ended_at=ended,
            )
        )
    rows.append(
        _row(police_reference="NC-900", first_name="Zebedee", last_name="Quillfeather", date_of_birth="")
    )
    return rows


def test_repeat_rows_of_one_young_person_are_matched_once(world, monkeypatch):
    asked: list[matching.MatchQuery] = []
    real = matching.matches_for

    def counting(query: matching.MatchQuery, **kwargs: Any) -> list[matching.MatchResult]:
        asked.append(query)
        return real(query, **kwargs)

    monkeypatch.setattr(matching, "matches_for", counting)
    report = _import(world, _repeat_episodes(), batch_size=5)
    assert report.ok
    # Case and spacing do not make another identity: Jade once, the stranger once.
    assert report.identities == 2
    assert len(asked) == 2
    assert report.loaded == 12
    assert report.unmatched == 1
    assert report.linked_by_matcher == 1
    assert MissingEpisode.objects.filter(person=world.inside).count() == 12
    # Interviews for the three returns of the last week only; the last episode is still open.
    assert ReturnInterview.objects.filter(person=world.inside).count() == 3


def test_an_nhs_number_held_by_one_young_person_links_without_the_matcher(world, monkeypatch):
    asked: list[matching.MatchQuery] = []
    real = matching.matches_for
    monkeypatch.setattr(matching, "matches_for", lambda query, **kw: asked.append(query) or real(query, **kw))
    rows = [
        # Names the matcher could never be sure of, with Jade's NHS number and date of birth.
        _row(police_reference="NC-1", first_name="J", last_name="B", nhs_number="943 476 5919"),
        # The same number with a date of birth that disagrees: not linked on the number alone.
        _row(
            police_reference="NC-2",
            first_name="J",
            last_name="B",
            date_of_birth="05/05/2009",
            nhs_number="9434765919",
        ),
    ]
    report = _import(world, rows)
    assert report.linked_by_nhs_number == 1
    assert [query.date_of_birth for query in asked] == [date(2009, 5, 5)]  # only the second row
    assert asked[0].nhs_number == "9434765919"  # the matcher weighs the number with everything else
    assert MissingEpisode.objects.get(police_reference="NC-1").person == world.inside


def test_an_nhs_number_that_fails_its_check_is_a_bad_row(world):
    report = _import(world, [_row(), _row(police_reference="NC-2", nhs_number="9434765918")])
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "nhs_number: This is not a valid NHS number: its check digit does not match.")
    ]
    assert not MissingEpisode.objects.exists()
    assert not PoliceLogImport.objects.exists()


def test_nothing_is_half_loaded_when_writing_fails_part_way(world, monkeypatch):
    writer = import_load.writer_for()
    calls = {"n": 0}
    real_write = type(writer).write

    def failing(self: Any, model: Any, columns: Any, rows: Any, fixed: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] > 3:  # the second chunk's episodes: the first chunk is written by now
            raise RuntimeError("the disk is full")
        real_write(self, model, columns, rows, fixed)

    monkeypatch.setattr(type(writer), "write", failing)
    with pytest.raises(RuntimeError, match="disk is full"):
        _import(world, _repeat_episodes(), batch_size=5)
    assert calls["n"] == 4
    assert not MissingEpisode.objects.exists()
    assert not ReturnInterview.objects.exists()
    assert not UnmatchedLogRow.objects.exists()
    assert not PoliceLogImport.objects.exists()
    assert not AuditEvent.objects.filter(action="police_log.imported").exists()
    # Run again (the disk has room now): everything loads, once.
    monkeypatch.undo()
    assert _import(world, _repeat_episodes(), batch_size=5).loaded == 12


def test_a_file_that_changes_between_the_two_reads_loads_nothing(world):
    rows = _repeat_episodes()
    reads = {"n": 0}

    def changing() -> Iterator[tuple[int, dict[str, str]]]:
        reads["n"] += 1
        for index, row in enumerate(rows, start=2):
            changed = reads["n"] == 2 and index == 10
            yield index, {**row, "started_at": "not a time"} if changed else row

    with pytest.raises(ValueError, match="Line 10 changed during the import"):
        imports.police_log_import(
            actor=world.users["front-door-officer"],
            rows=changing,
            filename="x.csv",
            sha256="0" * 64,
            batch_size=4,
        )
    assert not MissingEpisode.objects.exists()
    assert not PoliceLogImport.objects.exists()


def test_one_audit_event_for_the_import_and_the_import_on_each_episode(world):
    before = AuditEvent.objects.count()
    report = _import(world, _repeat_episodes())
    event = AuditEvent.objects.get(action="police_log.imported")
    assert event.object_id == str(report.log_import.pk)
    assert event.detail == {
        "rows": 13,
        "loaded": 12,
        "unmatched": 1,
        "already_loaded": 0,
        "interviews": 3,
        "sha256": "a" * 64,
    }
    assert set(MissingEpisode.objects.values_list("log_import", flat=True)) == {report.log_import.pk}
    assert AuditEvent.objects.count() == before + 1  # not one event a row
    again = _import(world, _repeat_episodes())
    assert (again.loaded, again.unmatched, again.already_loaded) == (0, 0, 13)
    assert MissingEpisode.objects.count() == 12
    assert UnmatchedLogRow.objects.count() == 1


# Columns that differ between two runs of the same file: ids, and the run's own times and import.
RUN_COLUMNS = {"id", "created_at", "updated_at", "log_import_id", "episode_id", "breach_reported_at"}


def _rows(model: Any, key: str) -> list[tuple[Any, ...]]:
    """Every column of every row but the run's own, keyed by the row's import key."""
    rows = []
    for values in model.objects.values(*[f.attname for f in model._meta.concrete_fields], key):
        reported = values.get("breach_reported_at")
        kept = sorted((name, repr(value)) for name, value in values.items() if name not in RUN_COLUMNS)
        rows.append((values[key], kept, reported is not None))
    return sorted(rows)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the import wrote, all columns but the ids and the run's own times."""
    return {
        "episodes": _rows(MissingEpisode, "import_key"),
        "interviews": _rows(ReturnInterview, "episode__import_key"),
        "unmatched": _rows(UnmatchedLogRow, "import_key"),
    }


def _clear() -> None:
    ReturnInterview.objects.all().delete()
    MissingEpisode.objects.all().delete()
    UnmatchedLogRow.objects.all().delete()
    PoliceLogImport.objects.all().delete()


@pytest.mark.postgres
def test_copy_and_bulk_create_write_the_same_rows(world):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is the PostgreSQL path; elsewhere the import always uses bulk_create.")
    rows = [*_repeat_episodes(), _row(police_reference="NC-1", nhs_number="9434765919", ended_at="")]
    rows.append(dict(rows[0]))  # a row repeated within the file loads once
    copied = _import(world, rows, batch_size=4, copy=True)
    assert copied.writer == "copy"
    by_copy = _snapshot()
    _clear()
    created = _import(world, rows, batch_size=4, copy=False)
    assert created.writer == "bulk_create"
    assert _snapshot() == by_copy
    assert (
        (copied.loaded, copied.unmatched, copied.already_loaded, copied.interviews)
        == (
            created.loaded,
            created.unmatched,
            created.already_loaded,
            created.interviews,
        )
        == (13, 1, 1, 3)
    )


def test_copy_is_refused_where_there_is_no_postgresql(world):
    if connection.vendor == "postgresql":
        assert import_load.writer_for().name == "copy"
    else:
        assert import_load.writer_for().name == "bulk_create"
        with pytest.raises(ValueError, match="COPY needs PostgreSQL"):
            import_load.writer_for(copy=True)


def test_ordered_ids_are_unique_and_increase():
    make = import_load.OrderedIds()
    ids = [make() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert {value.version for value in ids} == {7}


def test_only_a_recent_return_gets_a_return_home_interview(world):
    """A return within seven days of the import gets an interview due 72 hours after it, for the
    interview service's team; an older return is history: its episode is loaded, with no interview."""
    now = timezone.now()
    recent = now - timedelta(days=6, hours=23)
    old = now - timedelta(days=7, hours=1)
    rows = [
        _row(police_reference="NC-1", started_at=_uk(recent - timedelta(hours=5)), ended_at=_uk(recent)),
        _row(police_reference="NC-2", started_at=_uk(old - timedelta(hours=5)), ended_at=_uk(old)),
    ]
    report = _import(world, rows)
    assert (report.loaded, report.interviews) == (2, 1)
    interview = ReturnInterview.objects.get()
    assert interview.episode.police_reference == "NC-1"
    assert interview.due_at == interview.returned_at + timedelta(hours=72)
    assert interview.status == ReturnInterview.Status.TO_OFFER
    assert interview.team == world.breckland_team  # the one youth-services team, as for staff returns
    assert interview.breach_reported_at is None  # overdue and recent: the tick reports it
    assert MissingEpisode.objects.get(police_reference="NC-2").ended_at is not None


def test_a_reviewed_recent_row_gets_its_interview_when_linked(world):
    back = timezone.now() - timedelta(days=1)
    row = _row(
        police_reference="NC-7",
        last_name="Bishopp",
        date_of_birth="",
        started_at=_uk(back - timedelta(hours=4)),
        ended_at=_uk(back),
    )
    assert _import(world, [row]).unmatched == 1
    unmatched = UnmatchedLogRow.objects.get()
    # Linking the best candidate needs their record in full: the officer is put on her network.
    factories.allocate(world.inside, worker=world.users["front-door-officer"], role="allocated-social-worker")
    episode = imports.unmatched_row_link(
        actor=world.users["front-door-officer"],
        row=unmatched,
        person_id=world.inside.pk,
        version=unmatched.version,
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.team == world.breckland_team
    assert interview.due_at == episode.ended_at + timedelta(hours=72)


def _between_validating_and_loading(monkeypatch: Any, then: Any) -> None:
    """Run ``then`` once, after the import has validated (and looked up its keys) but before it loads."""
    real = imports.match_identities
    done: list[bool] = []

    def matching_then(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if not done:
            done.append(True)
            then()
        return found

    monkeypatch.setattr(imports, "match_identities", matching_then)


def test_an_import_that_loads_while_another_validates_is_not_loaded_twice(world, monkeypatch):
    """The keys found new while validating are trusted only if no import has loaded since: here one
    did (the same file), so the first looks every row up again and loads none of them twice."""
    rows = _repeat_episodes()
    others: list[imports.ImportReport] = []
    _between_validating_and_loading(monkeypatch, lambda: others.append(_import(world, rows)))
    report = _import(world, rows)
    assert others[0].loaded == 12
    assert (report.loaded, report.unmatched, report.already_loaded) == (0, 0, 13)
    assert MissingEpisode.objects.count() == 12
    assert UnmatchedLogRow.objects.count() == 1


def test_a_row_whose_key_went_after_validating_is_loaded(world, monkeypatch):
    """A key held when the file was validated but gone before the load (a row kept for review, deleted)
    is not counted as already loaded: the row is matched and kept again, so no row is lost."""
    rows = _repeat_episodes()
    _import(world, rows)
    _between_validating_and_loading(monkeypatch, lambda: UnmatchedLogRow.objects.all().delete())
    report = _import(world, rows)
    assert (report.loaded, report.unmatched, report.already_loaded) == (0, 1, 12)
    assert UnmatchedLogRow.objects.count() == 1
