"""Import of a police missing-persons log (CSV): validate every row, match, then load in one transaction.

1. **Validate first.** Every row is read and checked (required columns, dates and times, codes). If any
   row is bad, the report lists each with its line number and reason and *nothing is written*. While
   the file is good so far, each chunk of rows is also checked against the keys already loaded (a
   read), and the young people it names are gathered, each distinct identity once.
2. **Match** each distinct identity once (rows of one young person share it: names folded, date of
   birth, postcode, NHS number). An NHS number that passes its check and is held by exactly one young
   person (whose date of birth, when the row gives one, agrees) links at once; every other identity
   goes to the people app's matcher (``harbour.people.matching.matches_for``), and only a best score
   at or above ``AUTO_LINK_THRESHOLD`` (and no second candidate that high) links it. Every other row
   is kept as an ``UnmatchedLogRow`` for review and listed in the unmatched report. No row is lost:
   each is loaded, unmatched, or already loaded.
3. **Load** in one transaction, under a lock that lets one import load at a time: the file is read
   again, each chunk's keys are checked against the database (authoritative now), and the new rows are
   written with PostgreSQL's COPY (``bulk_create`` on other databases; see ``import_load``). The
   import's audit event is written in the same transaction, so after an error nothing is half-loaded.
   Re-running the same file (or a file that overlaps it) creates no duplicates: each row has an
   ``import_key``, the SHA-256 of the police reference plus the row's identity (first and last name,
   date of birth and the time the episode started), unique across episodes and unmatched rows. Later
   corrections to a loaded row (a new end time) are not applied.

Every episode the import creates names it (``MissingEpisode.log_import``), and the import is audited
once (``police_log.imported``, with the counts and the file's SHA-256) rather than once per row: see
docs/decisions/0008-one-audit-event-per-bulk-import.md.

Times without an offset are read as UK local time. A time that never happened (01:00-01:59 on the last
Sunday of March, when the clocks go forward) is a bad row. One that happened twice (01:00-01:59 on the
last Sunday of October, when they go back) is read as the first, BST; only an end time that would then
fall before the row's start is read as the second, GMT.

An episode that ended within ``INTERVIEW_WITHIN_DAYS`` (7) of the import gets a return home interview
due 72 hours after the return, for the interview service's team (as a return recorded by staff does);
an older one is history and gets none (see ``interview_due``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.audit import services as audit
from harbour.core.errors import NameOnlyError, locked_for_update
from harbour.missing import import_load, policies, services
from harbour.missing.clock import due_at_for
from harbour.missing.models import (
    EpisodeKind,
    MissingEpisode,
    MissingSetting,
    PoliceLogImport,
    PoliceRiskGrade,
    ReturnInterview,
    UnmatchedLogRow,
)
from harbour.people import matching
from harbour.people.models import Person
from harbour.people.names import fold
from harbour.people.validation import nhs_number_problem

FIELDS = (
    "police_reference",
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "kind",
    "missing_from",
    "reported_at",
    "started_at",
    "ended_at",
    "risk_grade",
    "found_place",
    "nhs_number",
)
REQUIRED = ("police_reference", "first_name", "last_name", "missing_from", "started_at")
# The column each field is read from, unless a mapping says otherwise.
DEFAULT_MAPPING = {name: name for name in FIELDS}
KIND_ALIASES = {"m": "missing", "a": "absent", "away": "absent"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
)
# An imported episode gets a return home interview only when it ended this recently before the import
# (the row is linked): an interview is offered after a return, and a return long past is history, not an
# interview due now. A log of past years would otherwise put one overdue interview per old episode in
# the interview service's queue and count each as not offered in the partnership's figures.
INTERVIEW_WITHIN_DAYS = 7
# The columns the loader gives per row (model attribute names), in the order of its tuples.
EPISODE_COLUMNS = (
    "id",
    "person_id",
    "kind_id",
    "setting_id",
    "reported_at",
    "police_reference",
    "risk_grade_id",
    "started_at",
    "ended_at",
    "found_place",
    "import_key",
)
INTERVIEW_COLUMNS = ("id", "episode_id", "person_id", "returned_at", "due_at")
UNMATCHED_COLUMNS = ("id", "line_number", "import_key", "data", "best_score", "best_person_id")
# One import loads at a time (PostgreSQL advisory lock; SQLite has one writer anyway).
IMPORT_LOCK_KEY = 7_407_104
# How many problems the command prints and the upload page lists (all are counted).
MAX_ERRORS_LISTED = 200
# How many distinct identities between two progress lines while matching.
MATCH_PROGRESS_EVERY = 5_000

# Names repeat from row to row (the same young person, the same common names): fold each once.
_fold = lru_cache(maxsize=200_000)(fold)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ParsedRow:
    line: int
    police_reference: str
    first_name: str
    last_name: str
    date_of_birth: date | None
    postcode: str
    kind: str
    setting: str
    reported_at: datetime | None
    started_at: datetime
    ended_at: datetime | None
    risk_grade: str
    found_place: str
    nhs_number: str = ""
    key: str = ""
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """Where an import has got to, for a caller that shows it (the upload page): ``name`` is
    "validating" (``done`` rows read, ``problems`` so far), "matching" (``done`` of ``total`` distinct
    young people) or "loading" (``total`` rows, in one transaction: nothing more is said until it ends)."""

    name: str
    done: int = 0
    total: int = 0
    problems: int = 0


@dataclass
class ImportReport:
    rows: int = 0
    loaded: int = 0
    unmatched: int = 0
    already_loaded: int = 0
    interviews: int = 0
    identities: int = 0  # distinct young people (as the file names them) that were matched
    linked_by_nhs_number: int = 0  # of those, linked by an NHS number held by one young person
    linked_by_matcher: int = 0  # of those, linked by the matcher's score
    writer: str = ""  # "copy" or "bulk_create"
    errors: list[RowError] = field(default_factory=list)
    log_import: PoliceLogImport | None = None
    # Seconds spent in each stage: read (the CSV, both passes), validate (both passes), match (the
    # already-loaded check before matching, and the matching), load (the loading pass's key checks,
    # writes, audit event and commit); commit (the commit alone, part of load).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_key(row: ParsedRow) -> str:
    identity = "|".join(
        [
            row.police_reference.strip().upper(),
            _fold(row.first_name),
            _fold(row.last_name),
            row.date_of_birth.isoformat() if row.date_of_birth else "",
            row.started_at.astimezone(UTC).isoformat(),
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def interview_due(ended_at: datetime, *, now: datetime) -> bool:
    """Whether an imported episode that ended at ``ended_at`` gets a return home interview: only a
    return within ``INTERVIEW_WITHIN_DAYS`` of ``now`` (the import, or the review that links the row)."""
    return now - ended_at <= timedelta(days=INTERVIEW_WITHIN_DAYS)


def identity_of(row: ParsedRow) -> tuple[Any, ...]:
    """What the matcher is asked about a row: rows of one young person spelled alike share it."""
    return (
        _fold(row.first_name),
        _fold(row.last_name),
        row.date_of_birth,
        row.postcode.replace(" ", ""),
        row.nhs_number,
    )


class LocalTimeError(ValueError):
    """A UK wall-clock time that never happened: the hour skipped when the clocks go forward."""


@lru_cache(maxsize=4096)
def _clocks_change_on(day: date) -> bool:
    """Whether the UK's offset from UTC changes during this local day (two days a year)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start.utcoffset() != (start + timedelta(days=1)).utcoffset()


def _local(naive: datetime) -> datetime:
    """A UK wall-clock time as an instant. A time that happens twice when the clocks go back is the
    first (BST, ``fold=0``); one that never happened when they go forward raises ``LocalTimeError``."""
    moment = naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE), fold=0)
    if _clocks_change_on(naive.date()):
        back = moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None)
        if back != naive:
            raise LocalTimeError(
                f"{naive:%d/%m/%Y %H:%M} did not happen in UK time (the clocks went forward an hour): "
                "check the time, or give it with its offset (ISO 8601)"
            )
    return moment


def _second_reading(moment: datetime, text: str) -> datetime | None:
    """The later instant a UK local time (as ``text`` gave it, with no offset) may mean, when it happens
    twice as the clocks go back (the second is GMT); ``None`` when it happens once."""
    try:
        if datetime.fromisoformat(text.strip()).tzinfo is not None:
            return None  # given with its offset: one instant
    except ValueError:
        pass
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    if not _clocks_change_on(local.date()):
        return None
    second = local.replace(fold=1)
    if second.utcoffset() == local.utcoffset():
        return None
    return second.astimezone(UTC)


def _day_month_year(text: str) -> tuple[int, int, int] | None:
    """``DD/MM/YYYY`` read by hand (the police format; strptime is ten times slower)."""
    if len(text) >= 10 and text[2] == "/" and text[5] == "/" and (len(text) == 10 or text[10] == " "):
        day, month, year = text[0:2], text[3:5], text[6:10]
        if day.isdigit() and month.isdigit() and year.isdigit():
            return int(day), int(month), int(year)
    return None


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 time with offset, or a UK local ``DD/MM/YYYY HH:MM`` / ``YYYY-MM-DD HH:MM``.

    ``None`` when it is not a date and time; ``LocalTimeError`` for a UK local time that never happened.
    A local time that happened twice is read as the first (see ``_second_reading``)."""
    text = text.strip()
    if len(text) == 16 and text[13] == ":" and (parts := _day_month_year(text)) is not None:
        hour, minute = text[11:13], text[14:16]
        if hour.isdigit() and minute.isdigit():
            day, month, year = parts
            try:
                naive = datetime(year, month, day, int(hour), int(minute))
            except ValueError:
                return None
            return _local(naive).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    for fmt in DATETIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return _local(naive).astimezone(UTC)
    return None


def parse_date(text: str) -> date | None:
    text = text.strip()
    if len(text) == 10 and (parts := _day_month_year(text)) is not None:
        day, month, year = parts
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class _Codes:
    """Reference codes (and labels, case-insensitively) the importer accepts."""

    def __init__(self) -> None:
        self.kinds = self._of(EpisodeKind)
        self.settings = self._of(MissingSetting)
        self.grades = self._of(PoliceRiskGrade)

    @staticmethod
    def _of(model: Any) -> dict[str, str]:
        found: dict[str, str] = {}
        for code, label in model.objects.filter(active=True).values_list("code", "label"):
            found[code.lower()] = code
            found[label.lower()] = code
        return found


def _read_times(line: int, value: dict[str, str], errors: list[RowError]) -> dict[str, datetime | None]:
    """The row's times (``None`` when empty or bad, with the problem added to ``errors``)."""
    times: dict[str, datetime | None] = {}
    for name in ("reported_at", "started_at", "ended_at"):
        times[name] = None
        if value[name]:
            try:
                times[name] = parse_datetime(value[name])
            except LocalTimeError as problem:
                errors.append(RowError(line, f"{name}: {problem}"))
                continue
            if times[name] is None:
                errors.append(RowError(line, f"{name} is not a date and time (DD/MM/YYYY HH:MM)"))
    started, ended = times["started_at"], times["ended_at"]
    if started is not None and ended is not None and ended < started:
        # An end in the hour that happens twice as the clocks go back is read as the first (BST) like
        # any time; when that puts it before the start, the second (GMT) is the one that can be meant.
        later = _second_reading(ended, value["ended_at"])
        if later is not None and later >= started:
            times["ended_at"] = later
        else:
            errors.append(RowError(line, "ended_at is before started_at"))
    return times


def validate_row(  # noqa: PLR0912  (one check per column, in file order)
    line: int, raw: dict[str, str], codes: _Codes, *, now: datetime | None = None
) -> ParsedRow | list[RowError]:
    errors: list[RowError] = []
    value = {name: (raw.get(name) or "").strip() for name in FIELDS}
    for name in REQUIRED:
        if not value[name]:
            errors.append(RowError(line, f"{name} is empty"))
    if any("\x00" in text for text in value.values()):
        errors.append(RowError(line, "contains a character that cannot be stored"))
    born = None
    if value["date_of_birth"]:
        born = parse_date(value["date_of_birth"])
        if born is None:
            errors.append(RowError(line, "date_of_birth is not a date (DD/MM/YYYY or YYYY-MM-DD)"))
    times = _read_times(line, value, errors)
    started, ended = times["started_at"], times["ended_at"]
    now = now or timezone.now()
    if started is not None and started > now:
        errors.append(RowError(line, "started_at is in the future"))
    if ended is not None and ended > now:
        errors.append(RowError(line, "ended_at is in the future"))
    kind_text = value["kind"].lower() or "missing"
    kind = codes.kinds.get(KIND_ALIASES.get(kind_text, kind_text))
    if kind is None:
        errors.append(RowError(line, f"kind must be one of: {', '.join(sorted(set(codes.kinds.values())))}"))
    setting = codes.settings.get(value["missing_from"].lower()) if value["missing_from"] else None
    if value["missing_from"] and setting is None:
        errors.append(
            RowError(line, f"missing_from must be one of: {', '.join(sorted(set(codes.settings.values())))}")
        )
    grade = ""
    if value["risk_grade"]:
        grade = codes.grades.get(value["risk_grade"].lower(), "")
        if not grade:
            errors.append(
                RowError(line, f"risk_grade must be one of: {', '.join(sorted(set(codes.grades.values())))}")
            )
    nhs_number = value["nhs_number"].replace(" ", "")
    if nhs_number and (problem := nhs_number_problem(nhs_number)):
        errors.append(RowError(line, f"nhs_number: {problem}"))
    for name, limit in (
        ("police_reference", 60),
        ("first_name", 100),
        ("last_name", 100),
        ("postcode", 10),
        ("found_place", 200),
    ):
        if len(value[name]) > limit:
            errors.append(RowError(line, f"{name} is longer than {limit} characters"))
    if errors:
        return errors
    assert started is not None
    assert kind is not None
    assert setting is not None
    row = ParsedRow(
        line=line,
        police_reference=value["police_reference"],
        first_name=value["first_name"],
        last_name=value["last_name"],
        date_of_birth=born,
        postcode=value["postcode"].upper(),
        kind=kind,
        setting=setting,
        reported_at=times["reported_at"],
        started_at=started,
        ended_at=ended,
        risk_grade=grade,
        found_place=value["found_place"],
        nhs_number=nhs_number,
        raw=value,
    )
    row.key = import_key(row)
    return row


def read_rows(stream: TextIO, mapping: dict[str, str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by Harbour field name). Line 1 is the header; quoted newlines are counted."""
    columns = {**DEFAULT_MAPPING, **(mapping or {})}
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    missing = [columns[name] for name in REQUIRED if columns[name] not in reader.fieldnames]
    if missing:
        raise ValueError(f"The file has no column called: {', '.join(missing)}.")
    for record in reader:
        yield reader.line_num, {name: record.get(columns[name]) or "" for name in FIELDS}


@dataclass(frozen=True)
class _Match:
    person_id: Any  # linked: an NHS number held by one young person, or the matcher is sure
    candidate_id: Any  # not sure: the best candidate, for review
    score: float | None
    how: str = ""  # "nhs-number" or "matcher" when linked


def _query_for(row: ParsedRow) -> matching.MatchQuery:
    return matching.MatchQuery(
        first_name=row.first_name,
        last_name=row.last_name,
        date_of_birth=row.date_of_birth,
        postcode=row.postcode,
        nhs_number=row.nhs_number,
    )


def _matcher_says(row: ParsedRow) -> _Match:
    """The front door's matcher: linked only when the best is sure and no second candidate is."""
    results = matching.matches_for(_query_for(row), limit=2)
    if not results:
        return _Match(None, None, None)
    best = results[0]
    sure = best.probability >= matching.AUTO_LINK_THRESHOLD and (
        len(results) < 2 or results[1].probability < matching.AUTO_LINK_THRESHOLD
    )
    if sure:
        return _Match(best.person_id, None, best.probability, "matcher")
    return _Match(None, best.person_id, best.probability)


def _held_nhs_numbers(numbers: Iterable[str]) -> dict[str, list[tuple[Any, date | None]]]:
    """Each NHS number's holders among young people (not merged away): (id, date of birth)."""
    numbers = sorted(set(numbers))
    held: dict[str, list[tuple[Any, date | None]]] = {}
    step = min(5000, connection.features.max_query_params or 5000)
    for start in range(0, len(numbers), step):
        found = Person.objects.filter(
            nhs_number__in=numbers[start : start + step],
            kind=Person.Kind.YOUNG_PERSON,
            merged_into__isnull=True,
        ).values_list("nhs_number", "pk", "date_of_birth")
        for number, pk, born in found:
            held.setdefault(number, []).append((pk, born))
    return held


def match_identities(
    rows: dict[tuple[Any, ...], ParsedRow],
    say: Callable[[str], None] = lambda _text: None,
    *,
    stage: Callable[[Stage], None] = lambda _stage: None,
    every: int = MATCH_PROGRESS_EVERY,
) -> dict[tuple[Any, ...], _Match]:
    """Match each distinct identity once (one row stands for all rows spelled alike): an NHS number
    held by exactly one young person links at once (unless the row's date of birth disagrees); the
    rest go to the matcher. ``stage`` hears how many are done every ``every``."""
    stage(Stage("matching", 0, len(rows)))
    held = _held_nhs_numbers(row.nhs_number for row in rows.values() if row.nhs_number)
    matches: dict[tuple[Any, ...], _Match] = {}
    for done, (ask, row) in enumerate(rows.items(), start=1):
        holders = held.get(row.nhs_number, []) if row.nhs_number else []
        if len(holders) == 1 and (row.date_of_birth is None or row.date_of_birth == holders[0][1]):
            matches[ask] = _Match(holders[0][0], None, None, "nhs-number")
        else:
            matches[ask] = _matcher_says(row)
        if done % every == 0:
            say(f"matched {done:,} of {len(rows):,} distinct young people named in the file")
            stage(Stage("matching", done, len(rows)))
    say(f"matched {len(rows):,} distinct young people named in the file")
    return matches


def _key_state() -> tuple[frozenset[Any], int]:
    """What says whether the import keys held have changed: the imports loaded, and how many keys the
    episodes and rows for review hold. A key is only added by an import's load (under the import lock,
    with its ``PoliceLogImport`` row in the same transaction); linking a row kept for review gives its
    key to the new episode and the row stops waiting (the count stays: waiting rows are counted); any
    key removed lowers the count. A linked row keeps its key too, so its row is never loaded again, and
    so does a row set aside: it stops waiting and the count drops although no key went, so an import
    validated before it looks its keys up again (the safe way round)."""
    imports = frozenset(PoliceLogImport.objects.values_list("pk", flat=True))
    keys = (
        MissingEpisode.objects.exclude(import_key="").count()
        + UnmatchedLogRow.objects.filter(resolved_at__isnull=True).count()
    )
    return imports, keys


def _existing_keys(keys: list[str]) -> set[str]:
    """The keys already loaded, as episodes or as rows kept for review."""
    found: set[str] = set()
    if connection.vendor == "postgresql" and keys:
        # One round trip with the keys as one array parameter. The episodes' unique index on
        # import_key leaves out the empty key: the first condition lets the planner use it.
        episodes, unmatched = MissingEpisode._meta.db_table, UnmatchedLogRow._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT import_key FROM {episodes} WHERE import_key <> '' AND import_key = ANY(%s) "  # noqa: S608
                f"UNION ALL SELECT import_key FROM {unmatched} WHERE import_key = ANY(%s)",
                [keys, keys],
            )
            found.update(key for (key,) in cursor.fetchall())
        return found
    step = min(5000, connection.features.max_query_params or 5000)
    for start in range(0, len(keys), step):
        chunk = keys[start : start + step]
        found.update(
            MissingEpisode.objects.filter(import_key__in=chunk)
            .exclude(import_key="")
            .values_list("import_key", flat=True)
        )
        found.update(
            UnmatchedLogRow.objects.filter(import_key__in=chunk).values_list("import_key", flat=True)
        )
    return found


class _Clock:
    """Seconds spent in each stage."""

    def __init__(self, spent: dict[str, float]) -> None:
        self.spent = spent
        for stage in ("read", "validate", "match", "load"):
            spent.setdefault(stage, 0.0)

    def add(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.spent[stage] += now - since
        return now

    def timed(self, stage: str, items: Iterable[Any]) -> Iterator[Any]:
        """The items, the time spent producing each counted to ``stage``."""
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.add(stage, started)
                return
            self.add(stage, started)
            yield item


def police_log_import(
    *,
    actor: Any,
    rows: Callable[[], Iterable[tuple[int, dict[str, str]]]],
    filename: str,
    sha256: str,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 10_000,
    copy: bool | None = None,
    stage: Callable[[Stage], None] | None = None,
    on_loaded: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Validate every row, match each distinct young person once, then load every new row in one
    transaction. Nothing is written if any row is bad, and nothing stays half-loaded after an error.

    ``rows()`` reads the file from its start; it is called twice (validate, then load), so a file of
    any size streams through in chunks of ``batch_size`` rather than being held in memory. ``copy``
    chooses the writer: None for COPY on PostgreSQL and ``bulk_create`` elsewhere.

    ``progress`` hears lines of text (the command prints them); ``stage`` hears the same as ``Stage``s,
    every ``progress_every`` rows or young people. Validating and matching write nothing and run outside
    any transaction of the import's, so what ``stage`` saves is seen at once. ``on_loaded`` is called
    inside the load's transaction once every row is written, so what it writes commits with the load.
    """
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: import a police missing-persons log.")
    run = _Run(
        rows=rows,
        batch_size=batch_size,
        say=progress or (lambda _text: None),
        stage=stage or (lambda _stage: None),
    )
    to_match = run.validate(progress_every)
    if not run.report.ok:
        return run.report
    started = time.perf_counter()
    matches = match_identities(
        to_match, run.say, stage=run.stage, every=min(progress_every, MATCH_PROGRESS_EVERY)
    )
    run.report.identities = len(matches)
    run.report.linked_by_nhs_number = sum(1 for match in matches.values() if match.how == "nhs-number")
    run.report.linked_by_matcher = sum(1 for match in matches.values() if match.how == "matcher")
    to_match.clear()
    run.clock.add("match", started)
    run.load(
        actor=actor,
        filename=filename,
        sha256=sha256,
        matches=matches,
        writer=import_load.writer_for(copy=copy),
        on_loaded=on_loaded,
    )
    return run.report


class _Run:
    """One import: the file read twice (validate, then load), and what became of its rows."""

    def __init__(
        self,
        *,
        rows: Callable[[], Iterable[tuple[int, dict[str, str]]]],
        batch_size: int,
        say: Callable[[str], None],
        stage: Callable[[Stage], None],
    ) -> None:
        self.rows, self.batch_size, self.say, self.stage = rows, batch_size, say, stage
        self.report = ImportReport()
        self.clock = _Clock(self.report.timings)
        self.codes = _Codes()
        self.now = timezone.now()
        # The keys found new while validating, and what the database held then (see _key_state).
        self.new_keys: set[str] = set()
        self.key_state: tuple[frozenset[Any], int] | None = None

    def validate(self, progress_every: int) -> dict[tuple[Any, ...], ParsedRow]:
        """Check every row. While the file is good so far, each chunk's rows not already loaded are
        gathered by identity (a read: nothing is written), so that each is matched once."""
        report, clock = self.report, self.clock
        to_match: dict[tuple[Any, ...], ParsedRow] = {}
        self.key_state = _key_state()
        seen = self.new_keys
        chunk: list[ParsedRow] = []

        def gather(chunk: list[ParsedRow]) -> None:
            started = time.perf_counter()
            existing = _existing_keys([row.key for row in chunk])
            for row in chunk:
                if row.key not in existing and row.key not in seen:
                    seen.add(row.key)
                    to_match.setdefault(identity_of(row), row)
            clock.add("match", started)

        for line, raw in clock.timed("read", self.rows()):
            started = time.perf_counter()
            result = validate_row(line, raw, self.codes, now=self.now)
            report.rows += 1
            if isinstance(result, list):
                report.errors.extend(result)
                chunk = []
            elif not report.errors:
                chunk.append(result)
            clock.add("validate", started)
            if len(chunk) >= self.batch_size:
                gather(chunk)
                chunk = []
            if report.rows % progress_every == 0:
                self.say(f"validated {report.rows:,} rows ({len(report.errors):,} problems)")
                self.stage(Stage("validating", report.rows, problems=len(report.errors)))
        self.say(f"validated {report.rows:,} rows ({len(report.errors):,} problems)")
        self.stage(Stage("validating", report.rows, problems=len(report.errors)))
        if not report.errors:
            gather(chunk)
        return to_match

    def load(
        self,
        *,
        actor: Any,
        filename: str,
        sha256: str,
        matches: dict[tuple[Any, ...], _Match],
        writer: import_load.CopyWriter | import_load.BulkCreateWriter,
        on_loaded: Callable[[ImportReport], None] | None = None,
    ) -> None:
        """Read the file again and write every new row, all in one transaction (with the audit event)."""
        report, clock = self.report, self.clock
        report.writer = writer.name
        self.stage(Stage("loading", total=report.rows))
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
            # No import has loaded since this one validated (and no key has gone): the keys found new
            # then are new now, so the file need not be looked up again (asked before this import's
            # own row exists).
            unchanged = _key_state() == self.key_state
            loader = _Loader(
                actor=actor, report=report, filename=filename, sha256=sha256, now=self.now, writer=writer
            )
            loader.matches = matches
            if unchanged:
                loader.new_keys = self.new_keys
            clock.add("load", started)
            read = 0
            chunk: list[ParsedRow] = []
            for line, raw in clock.timed("read", self.rows()):
                started = time.perf_counter()
                result = validate_row(line, raw, self.codes, now=self.now)
                clock.add("validate", started)
                read += 1
                if isinstance(result, list):  # the file changed since it was validated: nothing is kept
                    raise ValueError(f"Line {line} changed during the import; nothing was loaded. Run again.")
                chunk.append(result)
                if len(chunk) >= self.batch_size:
                    loader.load(chunk, clock)
                    chunk = []
                    self.say(f"prepared {read:,} of {report.rows:,} rows {loader.counts()}")
            loader.load(chunk, clock)
            if read != report.rows:
                raise ValueError("The file changed during the import; nothing was loaded. Run it again.")
            started = time.perf_counter()
            loader.finish()
            if on_loaded is not None:
                on_loaded(report)
            committing = time.perf_counter()
        # Part of the load, shown apart: PostgreSQL checks the deferred foreign keys of every row here.
        report.timings["commit"] = time.perf_counter() - committing
        clock.add("load", started)
        self.say(f"loaded {report.rows:,} rows in one transaction {loader.counts()}")


class _Loader:
    """Turns valid rows into episodes, interviews and rows for review, written by ``writer``."""

    matches: dict[tuple[Any, ...], _Match]

    def __init__(
        self,
        *,
        actor: Any,
        report: ImportReport,
        filename: str,
        sha256: str,
        now: datetime,
        writer: import_load.CopyWriter | import_load.BulkCreateWriter,
    ) -> None:
        self.actor, self.report, self.now, self.writer = actor, report, now, writer
        self.kinds = {k.code: k.pk for k in EpisodeKind.objects.all()}
        self.settings = {s.code: s.pk for s in MissingSetting.objects.all()}
        self.grades = {g.code: g.pk for g in PoliceRiskGrade.objects.all()}
        self.seen: set[str] = set()
        self.new_keys: set[str] | None = None
        self.ids = import_load.OrderedIds()
        self.log_import = PoliceLogImport.objects.create(
            filename=filename[:255], sha256=sha256, imported_by=actor, started_at=now, rows=report.rows
        )
        report.log_import = self.log_import
        stamped = {"created_at": now, "updated_at": now}
        self.episode_fixed = {
            **stamped,
            "reported_by": "Police",
            "recorded_by_id": actor.pk,
            "source": MissingEpisode.Source.IMPORT.value,
            "log_import_id": self.log_import.pk,
        }
        team = services.default_interview_team()
        self.interview_fixed = {
            **stamped,
            "status": ReturnInterview.Status.TO_OFFER.value,
            "team_id": team.pk if team else None,
        }
        self.unmatched_fixed = {**stamped, "log_import_id": self.log_import.pk}

    def counts(self) -> str:
        report = self.report
        return (
            f"({report.loaded:,} linked, {report.unmatched:,} for review, "
            f"{report.already_loaded:,} already loaded)"
        )

    def match(self, row: ParsedRow, clock: _Clock) -> _Match:
        """Match a row whose identity was not gathered while validating (a row already loaded then,
        whose episode has gone since)."""
        ask = identity_of(row)
        started = time.perf_counter()
        found = self.matches[ask] = match_identities({ask: row})[ask]
        clock.add("match", started)
        return found

    def load(self, batch: list[ParsedRow], clock: _Clock) -> None:
        if not batch:
            return
        started = time.perf_counter()
        report, seen, ids, now = self.report, self.seen, self.ids, self.now
        # Rows loaded by an earlier run are in the database; repeats within this file are not.
        new_keys = self.new_keys
        existing = _existing_keys([row.key for row in batch]) if new_keys is None else set()
        episodes: list[tuple[Any, ...]] = []
        interviews: list[tuple[Any, ...]] = []
        unmatched: list[tuple[Any, ...]] = []
        for row in batch:
            if new_keys is not None:
                if row.key not in new_keys:  # loaded before, or earlier in this file
                    report.already_loaded += 1
                    continue
                new_keys.remove(row.key)
            elif row.key in existing or row.key in seen:
                report.already_loaded += 1
                continue
            else:
                seen.add(row.key)
            match = self.matches.get(identity_of(row))
            if match is None:
                started = clock.add("load", started)
                match = self.match(row, clock)
                started = time.perf_counter()
            if match.person_id is None:
                unmatched.append((ids(), row.line, row.key, row.raw, match.score, match.candidate_id))
                continue
            episode_id = ids()
            episodes.append(
                (
                    episode_id,
                    match.person_id,
                    self.kinds[row.kind],
                    self.settings[row.setting],
                    row.reported_at,
                    row.police_reference,
                    self.grades[row.risk_grade] if row.risk_grade else None,
                    row.started_at,
                    row.ended_at,
                    row.found_place,
                    row.key,
                )
            )
            if row.ended_at is not None and interview_due(row.ended_at, now=now):
                returned = row.ended_at
                interviews.append((ids(), episode_id, match.person_id, returned, due_at_for(returned)))
        self.writer.write(MissingEpisode, EPISODE_COLUMNS, episodes, self.episode_fixed)
        self.writer.write(ReturnInterview, INTERVIEW_COLUMNS, interviews, self.interview_fixed)
        self.writer.write(UnmatchedLogRow, UNMATCHED_COLUMNS, unmatched, self.unmatched_fixed)
        report.loaded += len(episodes)
        report.interviews += len(interviews)
        report.unmatched += len(unmatched)
        clock.add("load", started)

    def finish(self) -> None:
        report = self.report
        PoliceLogImport.objects.filter(pk=self.log_import.pk).update(
            finished_at=timezone.now(),
            loaded=report.loaded,
            unmatched=report.unmatched,
            already_loaded=report.already_loaded,
        )
        audit.record(
            self.actor,
            "police_log.imported",
            self.log_import,
            detail={
                "rows": report.rows,
                "loaded": report.loaded,
                "unmatched": report.unmatched,
                "already_loaded": report.already_loaded,
                "interviews": report.interviews,
                "sha256": self.log_import.sha256,
            },
        )


def write_unmatched_report(log_import: PoliceLogImport, out: TextIO) -> int:
    """This import's unmatched rows as CSV for review: line number, the row, the best candidate's score."""
    writer = csv.writer(out)
    writer.writerow(["line", *FIELDS, "best_score"])
    written = 0
    for row in UnmatchedLogRow.objects.filter(log_import=log_import).order_by("line_number").iterator():
        score = f"{row.best_score:.4f}" if row.best_score is not None else ""
        writer.writerow([row.line_number, *[row.data.get(name, "") for name in FIELDS], score])
        written += 1
    return written


def text_stream(raw: bytes) -> TextIO:
    return io.StringIO(raw.decode("utf-8-sig"))


def unmatched_rows_for(*, actor: Any) -> Any:
    """The police log rows waiting for review, oldest import first (front door only; one audit event per
    page is written by the caller's page). Rows already linked are not waiting."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    return (
        UnmatchedLogRow.objects.filter(resolved_at__isnull=True)
        .select_related("log_import", "best_person")
        .order_by("log_import__started_at", "line_number")
    )


def unmatched_row_get_for(*, actor: Any, row_id: Any) -> UnmatchedLogRow:
    """One police log row kept for review, waiting or already linked (front door only; 404 if none)."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    row = UnmatchedLogRow.objects.select_related("log_import", "resolved_by").filter(pk=row_id).first()
    if row is None:
        raise Http404
    return row


def unmatched_review_page_for(*, actor: Any, number: Any, page_size: int) -> tuple[Page[Any], set[Any]]:
    """One page of the rows waiting for review (a number past the last gives the last) and which of its
    best candidates the reviewer sees in full; audited (``police_log.review_viewed``), since it shows
    what the rows hold. The review page and the API both read it here."""
    page = Paginator(unmatched_rows_for(actor=actor), page_size).get_page(number)
    audit.record(
        actor, "police_log.review_viewed", detail={"page": page.number, "shown": len(page.object_list)}
    )
    return page, unmatched_best_seen_in_full(actor=actor, rows=page.object_list)


def unmatched_best_seen_in_full(*, actor: Any, rows: Iterable[UnmatchedLogRow]) -> set[Any]:
    """Of these rows' best candidates, the ids of those the reviewer sees in full: only they may be linked
    from the list (``unmatched_row_link`` refuses the others); one question for the whole page."""
    wanted = {row.best_person_id for row in rows if row.best_person_id is not None}
    # The rule of ``policies.can_view_person`` (``access.can_see_full``), asked of all the page's at once.
    return access.visible_among(actor, wanted)


NAME_ONLY_REFUSAL = (
    "You can see only this young person's name, so you cannot check that the row is about them. Ask the "
    "agencies that know them, or someone who can see their record in full, to link it."
)


def unmatched_row_link(
    *, actor: Any, row: UnmatchedLogRow, person_id: Any, version: int, chosen_by_reviewer: bool = False
) -> MissingEpisode:
    """Link a reviewed police log row to a young person: its episode (and interview) are created on their
    record, as the import would have, and the row is marked linked (who, when, how, to whom) and leaves
    the review list. The episode carries the row's import key, so re-importing the file adds nothing.

    Either the row's best candidate, or (``chosen_by_reviewer``) a young person the reviewer found. Either
    way the reviewer must be able to see their record in full: with the name only they cannot check it is
    the same child (``NameOnlyError``, a ``PermissionDenied``, with ``NAME_ONLY_REFUSAL``; nothing saved).
    ``version`` is the row's as the reviewer saw it: if someone dealt with it since, ``ConflictError``.
    """
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    person = Person.objects.filter(
        pk=person_id, kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True
    ).first()
    if person is None:
        raise ValidationError({"person": "Choose a young person known to Harbour."})
    if chosen_by_reviewer:
        how = UnmatchedLogRow.Resolution.CHOSEN_BY_REVIEWER
    else:
        if person.pk != row.best_person_id:
            raise ValidationError(
                {"person": "Link the row to its best candidate, or choose who it is about."}
            )
        how = UnmatchedLogRow.Resolution.BEST_CANDIDATE
    if not policies.can_view_person(actor, person):
        raise NameOnlyError(NAME_ONLY_REFUSAL)
    parsed = validate_row(row.line_number, {name: str(row.data.get(name, "")) for name in FIELDS}, _Codes())
    if isinstance(parsed, list):  # the reference data changed since the import
        raise ValidationError({"person": "; ".join(problem.message for problem in parsed)})
    with transaction.atomic():
        row = locked_for_update(row, expected_version=version)
        if row.resolved_at is not None:
            done = "set aside" if row.set_aside else "linked"
            raise ValidationError(f"This row has already been {done}.")
        now = timezone.now()
        episode = MissingEpisode.objects.create(
            person=person,
            kind=EpisodeKind.objects.get(code=parsed.kind),
            setting=MissingSetting.objects.get(code=parsed.setting),
            reported_by="Police",
            reported_at=parsed.reported_at,
            police_reference=parsed.police_reference,
            risk_grade=PoliceRiskGrade.objects.filter(code=parsed.risk_grade).first()
            if parsed.risk_grade
            else None,
            started_at=parsed.started_at,
            ended_at=parsed.ended_at,
            found_place=parsed.found_place,
            recorded_by=actor,
            source=MissingEpisode.Source.IMPORT,
            import_key=row.import_key,
            log_import_id=row.log_import_id,
        )
        if parsed.ended_at is not None and interview_due(parsed.ended_at, now=now):
            ReturnInterview.objects.create(
                episode=episode,
                person=person,
                returned_at=parsed.ended_at,
                due_at=due_at_for(parsed.ended_at),
                team=services.default_interview_team(),
            )
        row.resolved_at, row.resolved_by, row.resolution, row.person = now, actor, how, person
        row.save(
            update_fields=["resolved_at", "resolved_by", "resolution", "person", "version", "updated_at"]
        )
        audit.record(
            actor,
            "police_log.row_linked",
            episode,
            person_id=person.pk,
            detail={"import": str(row.log_import_id), "line": row.line_number, "how": how.value},
        )
    return episode


def unmatched_row_set_aside(
    *, actor: Any, row: UnmatchedLogRow, resolution: str, version: int
) -> UnmatchedLogRow:
    """Set a reviewed police log row aside, saying what happened to it (recorded by hand already, not a
    young person known to this partnership, or a duplicate or error in the log): no episode is created,
    and the row is marked dealt with (who, when, how) and leaves the review list. It keeps its import key,
    so re-importing the file does not bring it back. ``version`` is the row's as the reviewer saw it: if
    someone dealt with it since, ``ConflictError``."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    if resolution not in UnmatchedLogRow.SET_ASIDE:
        raise ValidationError({"resolution": "Choose what happened to this row."})
    how = UnmatchedLogRow.Resolution(resolution)
    with transaction.atomic():
        row = locked_for_update(row, expected_version=version)
        if row.resolved_at is not None:
            raise ValidationError("This row has already been dealt with.")
        row.resolved_at, row.resolved_by, row.resolution = timezone.now(), actor, how
        row.save(update_fields=["resolved_at", "resolved_by", "resolution", "version", "updated_at"])
        # The row's values (names, date of birth) stay out of the event: its object is the row.
        audit.record(
            actor,
            "police_log.row_set_aside",
            row,
            detail={"import": str(row.log_import_id), "line": row.line_number, "resolution": how.value},
        )
    return row
