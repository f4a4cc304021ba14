"""Import of a police missing-persons log (CSV): validate every row, match, then load in batches.

1. **Validate first.** Every row is read and checked (required columns, dates and times, codes). If any
   row is bad, the report lists each with its line number and reason and *nothing is loaded*.
2. **Match.** Each row is matched to a known young person with the people app's matcher
   (``harbour.people.matching.matches_for``). Only a best score at or above ``AUTO_LINK_THRESHOLD``
   (and no second candidate that high) links the row; every other row is kept as an ``UnmatchedLogRow``
   for review and listed in the unmatched report. No row is lost: each is loaded, unmatched, or
   already loaded.
3. **Load** in batches (``bulk_create``), each batch in its own transaction. Re-running the same file (or
   a file that overlaps it) creates no duplicates: each row has an ``import_key``, the SHA-256 of the
   police reference plus the row's identity (first and last name, date of birth and the time the episode
   started), unique across episodes and unmatched rows. A row already loaded is counted and skipped;
   later corrections to a loaded row (a new end time) are not applied.

Times without an offset are read as UK local time (an hour that happens twice when the clocks go back
is read as the first, BST). Episodes that have ended get a return home interview due 72 hours after the
return; an interview already past its due time when imported more than a week after the return is marked
as reported, so a historical import does not notify anyone about old breaches (they still count as late).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from harbour.audit import services as audit
from harbour.missing import policies
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
from harbour.people.names import fold

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
RECENT_BREACH_DAYS = 7


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
    key: str = ""
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: int = 0
    loaded: int = 0
    unmatched: int = 0
    already_loaded: int = 0
    errors: list[RowError] = field(default_factory=list)
    log_import: PoliceLogImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def import_key(row: ParsedRow) -> str:
    identity = "|".join(
        [
            row.police_reference.strip().upper(),
            fold(row.first_name),
            fold(row.last_name),
            row.date_of_birth.isoformat() if row.date_of_birth else "",
            row.started_at.astimezone(UTC).isoformat(),
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def _local(naive: datetime) -> datetime:
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE), fold=0)


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 time with offset, or a UK local ``DD/MM/YYYY HH:MM`` / ``YYYY-MM-DD HH:MM``."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    for fmt in DATETIME_FORMATS:
        try:
            return _local(datetime.strptime(text, fmt)).astimezone(UTC)
        except ValueError:
            continue
    return None


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
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


def validate_row(  # noqa: PLR0912  (one check per column, in file order)
    line: int, raw: dict[str, str], codes: _Codes
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
    times: dict[str, datetime | None] = {}
    for name in ("reported_at", "started_at", "ended_at"):
        times[name] = None
        if value[name]:
            times[name] = parse_datetime(value[name])
            if times[name] is None:
                errors.append(RowError(line, f"{name} is not a date and time (DD/MM/YYYY HH:MM)"))
    started, ended = times["started_at"], times["ended_at"]
    if started is not None and ended is not None and ended < started:
        errors.append(RowError(line, "ended_at is before started_at"))
    now = timezone.now()
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
        raw={name: value[name] for name in FIELDS},
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
    person_id: Any  # linked: the matcher is sure
    candidate_id: Any  # not sure: the best candidate, for review
    score: float | None


def _best_person(row: ParsedRow, cache: dict[tuple[Any, ...], _Match]) -> _Match:
    """The young person this row is, when the matcher is sure enough to link without review."""
    ask = (fold(row.first_name), fold(row.last_name), row.date_of_birth, row.postcode.replace(" ", ""))
    if ask not in cache:
        query = matching.MatchQuery(
            first_name=row.first_name,
            last_name=row.last_name,
            date_of_birth=row.date_of_birth,
            postcode=row.postcode,
        )
        results = matching.matches_for(query, limit=2)
        if not results:
            cache[ask] = _Match(None, None, None)
        else:
            best = results[0]
            sure = best.probability >= matching.AUTO_LINK_THRESHOLD and (
                len(results) < 2 or results[1].probability < matching.AUTO_LINK_THRESHOLD
            )
            cache[ask] = _Match(
                best.person_id if sure else None, None if sure else best.person_id, best.probability
            )
    return cache[ask]


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        chunk = keys[start : start + 900]
        found.update(MissingEpisode.objects.filter(import_key__in=chunk).values_list("import_key", flat=True))
        found.update(
            UnmatchedLogRow.objects.filter(import_key__in=chunk).values_list("import_key", flat=True)
        )
    return found


def police_log_import(
    *,
    actor: Any,
    rows: Callable[[], Iterable[tuple[int, dict[str, str]]]],
    filename: str,
    sha256: str,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 10_000,
) -> ImportReport:
    """Validate every row, then match and load them in batches. Nothing is loaded if any row is bad.

    ``rows()`` reads the file from its start; it is called twice (validate, then load), so a file of any
    size streams through in batches rather than being held in memory.
    """
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: import a police missing-persons log.")
    say = progress or (lambda _text: None)
    report = ImportReport()
    codes = _Codes()
    for line, raw in rows():
        report.rows += 1
        result = validate_row(line, raw, codes)
        if isinstance(result, list):
            report.errors.extend(result)
        if report.rows % progress_every == 0:
            say(f"validated {report.rows:,} rows ({len(report.errors):,} problems)")
    say(f"validated {report.rows:,} rows ({len(report.errors):,} problems)")
    if report.errors:
        return report
    loader = _Loader(actor=actor, report=report, filename=filename, sha256=sha256, say=say)
    batch: list[ParsedRow] = []
    for line, raw in rows():
        result = validate_row(line, raw, codes)
        if isinstance(result, list):  # the file changed since it was validated: stop (batches are atomic)
            raise ValueError(f"Line {line} changed during the import; run it again: nothing is loaded twice.")
        batch.append(result)
        if len(batch) >= batch_size:
            loader.load(batch)
            batch = []
    loader.load(batch)
    loader.finish()
    return report


class _Loader:
    """Matches and writes batches of valid rows, each batch in one transaction."""

    def __init__(
        self, *, actor: Any, report: ImportReport, filename: str, sha256: str, say: Callable[[str], None]
    ) -> None:
        self.actor, self.report, self.say = actor, report, say
        self.kinds = {k.code: k.pk for k in EpisodeKind.objects.all()}
        self.settings = {s.code: s.pk for s in MissingSetting.objects.all()}
        self.grades = {g.code: g.pk for g in PoliceRiskGrade.objects.all()}
        self.now = timezone.now()
        self.cache: dict[tuple[Any, ...], _Match] = {}
        self.done = 0
        self.log_import = PoliceLogImport.objects.create(
            filename=filename[:255], sha256=sha256, imported_by=actor, started_at=self.now, rows=report.rows
        )
        report.log_import = self.log_import

    def load(self, batch: list[ParsedRow]) -> None:
        if not batch:
            return
        report = self.report
        # Rows loaded by an earlier batch or run are in the database; repeats within this batch are not.
        existing = _existing_keys([row.key for row in batch])
        seen: set[str] = set()
        episodes: list[MissingEpisode] = []
        interviews: list[ReturnInterview] = []
        unmatched: list[UnmatchedLogRow] = []
        for row in batch:
            if row.key in existing or row.key in seen:
                report.already_loaded += 1
                continue
            seen.add(row.key)
            match = _best_person(row, self.cache)
            if match.person_id is None:
                unmatched.append(
                    UnmatchedLogRow(
                        log_import=self.log_import,
                        line_number=row.line,
                        import_key=row.key,
                        data=row.raw,
                        best_score=match.score,
                        best_person_id=match.candidate_id,
                    )
                )
                continue
            episode = self._episode(row, match.person_id)
            episodes.append(episode)
            if row.ended_at is not None:
                due = due_at_for(row.ended_at)
                old = due <= self.now and self.now - row.ended_at > timedelta(days=RECENT_BREACH_DAYS)
                interviews.append(
                    ReturnInterview(
                        episode=episode,
                        person_id=match.person_id,
                        returned_at=row.ended_at,
                        due_at=due,
                        breach_reported_at=self.now if old else None,
                    )
                )
        with transaction.atomic():
            MissingEpisode.objects.bulk_create(episodes, batch_size=1000)
            ReturnInterview.objects.bulk_create(interviews, batch_size=1000)
            UnmatchedLogRow.objects.bulk_create(unmatched, batch_size=1000)
            report.loaded += len(episodes)
            report.unmatched += len(unmatched)
            PoliceLogImport.objects.filter(pk=self.log_import.pk).update(
                loaded=report.loaded, unmatched=report.unmatched, already_loaded=report.already_loaded
            )
        self.done += len(batch)
        self.say(
            f"loaded {self.done:,} of {report.rows:,} rows "
            f"({report.loaded:,} linked, {report.unmatched:,} unmatched, "
            f"{report.already_loaded:,} already loaded)"
        )

    def _episode(self, row: ParsedRow, person_id: Any) -> MissingEpisode:
        return MissingEpisode(
            person_id=person_id,
            kind_id=self.kinds[row.kind],
            setting_id=self.settings[row.setting],
            reported_by="Police",
            reported_at=row.reported_at,
            police_reference=row.police_reference,
            risk_grade_id=self.grades.get(row.risk_grade) if row.risk_grade else None,
            started_at=row.started_at,
            ended_at=row.ended_at,
            found_place=row.found_place,
            recorded_by=self.actor,
            source=MissingEpisode.Source.IMPORT,
            import_key=row.key,
        )

    def finish(self) -> None:
        report = self.report
        with transaction.atomic():
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
    page is written by the caller's page)."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    return UnmatchedLogRow.objects.select_related("log_import", "best_person").order_by(
        "log_import__started_at", "line_number"
    )


def unmatched_row_link(*, actor: Any, row_id: Any, person_id: Any) -> MissingEpisode:
    """Link a reviewed police log row to a young person: its episode (and interview) are created and the
    row leaves the review list. Its import key goes with it, so re-importing the file adds nothing."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from harbour.people.models import Person

    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: review police log rows.")
    row = UnmatchedLogRow.objects.filter(pk=row_id).first()
    if row is None:
        raise Http404
    person = Person.objects.filter(
        pk=person_id, kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True
    ).first()
    if person is None:
        raise ValidationError({"person_id": "Choose a young person known to Harbour."})
    parsed = validate_row(row.line_number, {name: str(row.data.get(name, "")) for name in FIELDS}, _Codes())
    if isinstance(parsed, list):  # the reference data changed since the import
        raise ValidationError({"person_id": "; ".join(problem.message for problem in parsed)})
    with transaction.atomic():
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
        )
        if parsed.ended_at is not None:
            ReturnInterview.objects.create(
                episode=episode,
                person=person,
                returned_at=parsed.ended_at,
                due_at=due_at_for(parsed.ended_at),
            )
        line, log_import_id = row.line_number, row.log_import_id
        row.delete()
        audit.record(
            actor,
            "police_log.row_linked",
            episode,
            person_id=person.pk,
            detail={"import": str(log_import_id), "line": line},
        )
    return episode
