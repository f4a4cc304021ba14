"""Import lists of exclusions and of children missing education from CSV files.

The whole file is checked before anything is written: any bad row refuses the file, with every problem
listed by line number, and nothing is loaded. A good file is loaded in one transaction. Each row is
matched to a known young person with the front door's matcher (``harbour.people.matching``); only a
match certain enough to link without a person checking (``AUTO_LINK_THRESHOLD``), with no close second,
is used. Every other row is kept as an ``UnmatchedImportRow`` for review and written to the report, so
no row is lost. Rows already held (the same exclusion, the same report) are counted and skipped, so
importing the same file twice creates nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from harbour.audit import services as audit
from harbour.core import uploads
from harbour.core.errors import NameOnlyError, locked_for_update
from harbour.education import policies, services
from harbour.education.inputs import ExclusionInput, MissingEducationInput
from harbour.education.models import (
    ExclusionKind,
    ExclusionReason,
    ImportBatch,
    UnmatchedImportRow,
)
from harbour.people import matching
from harbour.people.models import Person, School

PROGRESS_EVERY = 500
MAX_ERRORS_LISTED = 200

IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth", "upn", "postcode")

# Our field -> (required, what it is). The CSV header defaults to the field name; --mapping changes it.
FIELDS: dict[str, dict[str, tuple[bool, str]]] = {
    ImportBatch.Kind.EXCLUSIONS: {
        "first_name": (True, "first name"),
        "last_name": (True, "last name"),
        "date_of_birth": (True, "date of birth"),
        "upn": (False, "unique pupil number"),
        "postcode": (False, "home postcode"),
        "school_urn": (True, "the school's URN"),
        "kind": (True, "suspension or permanent exclusion"),
        "starts_on": (True, "first day of the exclusion"),
        "days": (False, "length of a suspension in school days"),
        "reason": (True, "DfE reason code (PP, PA ... OT)"),
    },
    ImportBatch.Kind.CME: {
        "first_name": (True, "first name"),
        "last_name": (True, "last name"),
        "date_of_birth": (True, "date of birth"),
        "upn": (False, "unique pupil number"),
        "postcode": (False, "home postcode"),
        "reported_on": (True, "date reported as missing education"),
        "reported_by": (True, "who reported it"),
        "note": (False, "note"),
    },
}

# Words lists use for the kind of exclusion, besides our codes and labels.
KIND_WORDS = {
    "fixed": "suspension",
    "fixed-term": "suspension",
    "fixed term": "suspension",
    "fte": "suspension",
    "susp": "suspension",
    "perm": "permanent-exclusion",
    "permanent": "permanent-exclusion",
    "pex": "permanent-exclusion",
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ParsedRow:
    line: int
    values: dict[str, str]  # the row's text, by our field name
    first_name: str
    last_name: str
    date_of_birth: dt.date
    upn: str
    postcode: str
    data: Any  # ExclusionInput or MissingEducationInput

    @property
    def key(self) -> str:
        text = json.dumps(self.values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    already_held: int = 0
    unmatched: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefusedError(Exception):
    """The file cannot be read at all (its columns or its mapping), before any row is checked."""


Progress = Callable[[str, int, int], None]


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``--mapping`` values: ``field=CSV header`` pairs, or the path of a JSON object of them."""
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item and item.endswith(".json"):
            try:
                loaded = json.loads(Path(item).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ImportRefusedError(f"Could not read the mapping file {item}: {error}") from error
            if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
                raise ImportRefusedError(f"The mapping file {item} must hold an object of field: header.")
            mapping.update({str(k): v for k, v in loaded.items()})
        elif "=" in item:
            name, header = item.split("=", 1)
            mapping[name.strip()] = header.strip()
        else:
            raise ImportRefusedError(f"Write a mapping as field=CSV header, not {item!r}.")
    return mapping


def parse_date(text: str) -> dt.date:
    """A date as the lists give it (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or DD.MM.YYYY); ValueError if not."""
    return _date(text)


def _date(text: str) -> dt.date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("Enter a real date as YYYY-MM-DD or DD/MM/YYYY")


class _Lookups:
    """Reference rows and schools, read once per import."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}
        self.permanent: set[str] = set()
        for kind in ExclusionKind.objects.filter(active=True):
            if kind.permanent:
                self.permanent.add(kind.code)
            self.kinds[kind.code] = kind.code
            self.kinds[kind.label.lower()] = kind.code
        for word, code in KIND_WORDS.items():
            if code in self.kinds.values():
                self.kinds.setdefault(word, code)
        self.reasons: dict[str, str] = {}
        for reason in ExclusionReason.objects.filter(active=True):
            self.reasons[reason.code] = reason.code
            if reason.dfe_code:
                self.reasons[reason.dfe_code.lower()] = reason.code
        self.schools: dict[str, Any] = {
            school.urn.strip(): school.pk for school in School.objects.exclude(urn="").only("pk", "urn")
        }


def _parse_row(  # noqa: PLR0912 (one check per column)
    kind: str, line: int, values: dict[str, str], headers: dict[str, str], lookups: _Lookups
) -> ParsedRow | list[RowError]:
    errors: list[RowError] = []

    def fail(name: str, message: str) -> None:
        errors.append(RowError(line, headers.get(name, name), message))

    for name, (required, what) in FIELDS[kind].items():
        if required and not values.get(name, "").strip():
            fail(name, f"Enter the {what}")
    dates: dict[str, dt.date] = {}
    for name in ("date_of_birth", "starts_on", "reported_on"):
        if name in FIELDS[kind] and values.get(name, "").strip():
            try:
                dates[name] = _date(values[name])
            except ValueError as error:
                fail(name, str(error))
    born = dates.get("date_of_birth")
    if born is not None and not dt.date(1990, 1, 1) <= born <= dt.date.today():
        fail("date_of_birth", "The date of birth must be a real, past date")
    data: Any = None
    if kind == ImportBatch.Kind.EXCLUSIONS:
        kind_code = lookups.kinds.get(values.get("kind", "").strip().lower())
        if values.get("kind", "").strip() and kind_code is None:
            fail("kind", "Write suspension or permanent exclusion")
        reason = lookups.reasons.get(values.get("reason", "").strip().lower())
        if values.get("reason", "").strip() and reason is None:
            fail(
                "reason",
                "Use a DfE reason code (PP, PA, VP, VA, OW, BU, RA, LG, DS, SM, DA, DM, TH, PD, MT, PH, OT)",
            )
        urn = values.get("school_urn", "").strip()
        school_id = lookups.schools.get(urn)
        if urn and school_id is None:
            fail("school_urn", "No school with this URN is known to Harbour")
        days: Decimal | None = None
        if values.get("days", "").strip():
            try:
                days = Decimal(values["days"].strip())
            except InvalidOperation:
                fail("days", "Enter the number of school days as a number, like 2 or 2.5")
        if kind_code is not None and kind_code not in lookups.permanent:
            if days is None and not values.get("days", "").strip():
                fail("days", "Enter how many school days the suspension is for")
            elif days is not None and (not Decimal("0.5") <= days <= Decimal("45") or days % Decimal("0.5")):
                fail("days", "Enter between 0.5 and 45 school days, in half days")
        if kind_code in lookups.permanent and days is not None:
            fail("days", "Leave the days blank for a permanent exclusion")
        if not errors:
            assert school_id is not None  # the URN is required and known, or there was an error
            data = ExclusionInput(
                school_id=school_id,
                kind=kind_code or "",
                starts_on=dates["starts_on"],
                reason=reason or "",
                days=days,
            )
    else:
        reported = dates.get("reported_on")
        if reported is not None and reported > dt.date.today():
            fail("reported_on", "The date reported must be today or in the past")
        if not errors:
            data = MissingEducationInput(
                reported_on=dates["reported_on"],
                reported_by=values["reported_by"].strip()[:200],
                note=values.get("note", "").strip(),
            )
    if errors:
        return errors
    assert born is not None
    return ParsedRow(
        line=line,
        values=values,
        first_name=values["first_name"].strip(),
        last_name=values["last_name"].strip(),
        date_of_birth=born,
        upn=values.get("upn", "").strip(),
        postcode=values.get("postcode", "").strip(),
        data=data,
    )


MAPPING_HINT = "Use --mapping field=Header to name it."


def decode(content: bytes) -> str:
    """The file's text: UTF-8, with or without the byte order mark spreadsheets write."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefusedError(uploads.NOT_UTF8) from error


def check_file(
    kind: str,
    handle: io.TextIOBase | Any,
    *,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    mapping_hint: str = MAPPING_HINT,
) -> tuple[list[ParsedRow], list[RowError]]:
    """Read and check every row. Line numbers count the header as line 1. ``mapping_hint`` ends the
    message for a missing column: how the caller (the command, the upload page) can name it."""
    if kind not in FIELDS:
        raise ImportRefusedError(f"Unknown list {kind!r}: choose exclusions or cme.")
    mapping = mapping or {}
    unknown = sorted(set(mapping) - set(FIELDS[kind]))
    if unknown:
        raise ImportRefusedError(f"The mapping names fields this list does not have: {', '.join(unknown)}.")
    headers = {name: mapping.get(name, name) for name in FIELDS[kind]}
    reader = csv.DictReader(handle)
    present = {(name or "").strip() for name in reader.fieldnames or []}
    missing = [
        f"{header!r} ({FIELDS[kind][name][1]})"
        for name, header in headers.items()
        if FIELDS[kind][name][0] and header not in present
    ]
    if missing:
        raise ImportRefusedError("Line 1: the file has no column " + ", ".join(missing) + ". " + mapping_hint)
    raw = [(reader.line_num, row) for row in reader]
    lookups = _Lookups()
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for index, (line, row) in enumerate(raw, start=1):
        stripped = {
            (key or "").strip(): (value or "") for key, value in row.items() if isinstance(value, str)
        }
        values = {name: stripped.get(header, "").strip() for name, header in headers.items()}
        if row.get(None):
            errors.append(RowError(line, "", "This row has more values than the header has columns"))
            continue
        result = _parse_row(kind, line, values, headers, lookups)
        if isinstance(result, list):
            errors.extend(result)
        else:
            parsed.append(result)
        if progress is not None and (index % PROGRESS_EVERY == 0 or index == len(raw)):
            progress("checked", index, len(raw))
    return parsed, errors


def _match(row: ParsedRow) -> tuple[Person | None, str]:
    query = matching.MatchQuery(
        first_name=row.first_name,
        last_name=row.last_name,
        date_of_birth=row.date_of_birth,
        upn=row.upn,
        postcode=row.postcode,
    )
    results = matching.matches_for(query, limit=2)
    if not results or results[0].probability < matching.REVIEW_THRESHOLD:
        return None, "No known young person matches these details."
    best = results[0]
    if len(results) > 1 and results[1].probability >= matching.REVIEW_THRESHOLD:
        return None, "More than one known young person could be this one."
    if best.probability < matching.AUTO_LINK_THRESHOLD:
        return None, f"A known young person may match ({best.probability:.0%}), but not certainly enough."
    return Person.objects.get(pk=best.person_id), ""


def import_file(
    *,
    actor: Any,
    kind: str,
    path: Path,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the whole file, then load it in one transaction (or nothing, if any row is bad)."""
    policies.require_import(actor)
    return import_content(
        actor=actor,
        kind=kind,
        content=path.read_bytes(),
        file_name=path.name,
        mapping=mapping,
        progress=progress,
    )


def import_content(
    *,
    actor: Any,
    kind: str,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """``import_file`` for a file's bytes (an upload kept between its check and its import)."""
    policies.require_import(actor)
    text = decode(content)
    parsed, errors = check_file(kind, io.StringIO(text, newline=""), mapping=mapping, progress=progress)
    report = ImportReport(kind=kind, rows=len(parsed) + len({error.line for error in errors}))
    if errors:
        report.errors = errors
        return report
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            imported_by=actor,
        )
        # Rows a reviewer linked by hand are on the young person they chose: never matched again.
        linked = set(
            UnmatchedImportRow.objects.filter(
                kind=kind, resolution=UnmatchedImportRow.Resolution.CHOSEN_BY_REVIEWER
            ).values_list("row_key", flat=True)
        )
        for index, row in enumerate(parsed, start=1):
            if row.key in linked:
                report.already_held += 1
            else:
                _load_row(actor, kind, batch, row, report)
            if progress is not None and (index % PROGRESS_EVERY == 0 or index == len(parsed)):
                progress("loaded", index, len(parsed))
        batch.rows = report.rows
        batch.created = report.created
        batch.already_held = report.already_held
        batch.unmatched = len(report.unmatched)
        batch.save()
        audit.record(
            actor,
            "education.imported",
            batch,
            detail={
                "kind": kind,
                "rows": report.rows,
                "created": report.created,
                "already_held": report.already_held,
                "unmatched": len(report.unmatched),
            },
        )
    report.batch = batch
    return report


def _load_row(actor: Any, kind: str, batch: ImportBatch, row: ParsedRow, report: ImportReport) -> None:
    person, reason = _match(row)
    if person is None:
        UnmatchedImportRow.objects.get_or_create(
            kind=kind,
            row_key=row.key,
            defaults={"batch": batch, "line_number": row.line, "values": row.values, "reason": reason},
        )
        report.unmatched.append((row.line, reason, row.values))
        return
    try:
        if kind == ImportBatch.Kind.EXCLUSIONS:
            _, created = services.exclusion_record(actor=actor, person=person, data=row.data, imported=True)
        else:
            _, created = services.missing_education_report(
                actor=actor, person=person, data=row.data, imported=True
            )
    except ValidationError as error:
        # The matched record refuses the row (for example it is not a young person's): keep it for review.
        message = "; ".join(error.messages)[:300]
        UnmatchedImportRow.objects.get_or_create(
            kind=kind,
            row_key=row.key,
            defaults={"batch": batch, "line_number": row.line, "values": row.values, "reason": message},
        )
        report.unmatched.append((row.line, message, row.values))
        return
    # A row matched now that was kept for review by an earlier import is no longer waiting.
    UnmatchedImportRow.objects.filter(kind=kind, row_key=row.key, resolved_at__isnull=True).update(
        resolved_at=batch.created_at,
        resolved_by=actor,
        resolution=UnmatchedImportRow.Resolution.MATCHED,
        person=person,
        version=F("version") + 1,  # a reviewer who opened the row sees that it was dealt with meanwhile
    )
    if created:
        report.created += 1
    else:
        report.already_held += 1


def write_unmatched_report(report: ImportReport, path: Path) -> None:
    """The rows kept for review, as CSV: line number, why, then the row's values."""
    names = list(FIELDS[report.kind])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "why not matched", *names])
        for line, reason, values in report.unmatched:
            writer.writerow([line, reason, *(values.get(name, "") for name in names)])


# --- reviewing the rows kept ----------------------------------------------------------------------------


def _resolve(row: UnmatchedImportRow, *, actor: Any, resolution: str, person: Person | None = None) -> None:
    """Mark a kept row (locked, its version already moved on) as dealt with: when, by whom, how."""
    row.resolved_at = timezone.now()
    row.resolved_by = actor
    row.resolution = resolution
    row.person = person
    row.save()


def unmatched_retry(*, actor: Any, row: UnmatchedImportRow, version: int | None = None) -> Person | None:
    """Try matching a kept row again (the young person may have been recorded or corrected since).
    Records it and resolves the row when it now matches; returns the young person, or None. ``version``,
    when given, is the row's as the reviewer saw it: ``ConflictError`` if it moved since."""
    policies.require_import(actor)
    if row.resolved_at is not None and version is None:  # with a version, the check under the lock says
        raise ValidationError("This row has already been dealt with.")
    headers = {name: name for name in FIELDS[row.kind]}
    values = {name: str(row.values.get(name, "")) for name in FIELDS[row.kind]}
    parsed = _parse_row(row.kind, row.line_number, values, headers, _Lookups())
    if isinstance(parsed, list):
        raise ValidationError("; ".join(str(error) for error in parsed))
    person, reason = _match(parsed)
    with transaction.atomic():
        if version is None:
            locked = UnmatchedImportRow.objects.select_for_update().get(pk=row.pk)
            locked.version += 1
        else:
            locked = locked_for_update(row, expected_version=version)
        if locked.resolved_at is not None:
            raise ValidationError("This row has already been dealt with.")
        if person is None:  # still waiting: its version is not saved, so it does not move
            locked.reason = reason[:300]
            locked.save(update_fields=["reason", "updated_at"])
            return None
        if row.kind == ImportBatch.Kind.EXCLUSIONS:
            services.exclusion_record(actor=actor, person=person, data=parsed.data, imported=True)
        else:
            services.missing_education_report(actor=actor, person=person, data=parsed.data, imported=True)
        _resolve(locked, actor=actor, resolution=UnmatchedImportRow.Resolution.MATCHED, person=person)
        audit.record(
            actor, "education.unmatched_matched", locked, person_id=person.pk, detail={"kind": row.kind}
        )
    return person


def unmatched_set_aside(
    *, actor: Any, row: UnmatchedImportRow, resolution: str, version: int | None = None
) -> UnmatchedImportRow:
    """Mark a kept row as dealt with outside the import: recorded by hand, not known, or in error.
    ``version``, when given, is the row's as the reviewer saw it: ``ConflictError`` if it moved since."""
    policies.require_import(actor)
    allowed = set(UnmatchedImportRow.Resolution.values) - {
        UnmatchedImportRow.Resolution.MATCHED,
        UnmatchedImportRow.Resolution.CHOSEN_BY_REVIEWER,
    }
    if resolution not in allowed:
        raise ValidationError({"resolution": "Choose what happened to this row."})
    with transaction.atomic():
        if version is None:
            locked = UnmatchedImportRow.objects.select_for_update().get(pk=row.pk)
            locked.version += 1
        else:
            locked = locked_for_update(row, expected_version=version)
        if locked.resolved_at is not None:
            raise ValidationError("This row has already been dealt with.")
        _resolve(locked, actor=actor, resolution=resolution)
        audit.record(actor, "education.unmatched_set_aside", locked, detail={"resolution": resolution})
    return locked


NAME_ONLY_REFUSAL = (
    "You can see only this young person's name, so you cannot check that the row is about them. Ask the "
    "agencies that know them, or someone who can see their record in full, to link it."
)


def unmatched_link(*, actor: Any, row: UnmatchedImportRow, person_id: Any, version: int) -> Person:
    """Link a kept row to the young person the reviewer chose: the exclusion or the missing-education
    report is recorded on their record, exactly as the import would have, and the row is resolved (who,
    when, "chosen by reviewer", to whom). A later import of the same row counts it as already held.

    The reviewer must be able to see the young person's record in full: with the name only they cannot
    check it is the same child. ``version`` is the row's as the reviewer saw it: ``ConflictError`` if
    someone dealt with it since.
    """
    policies.require_import(actor)
    person = Person.objects.filter(
        pk=person_id, kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True
    ).first()
    if person is None:
        raise ValidationError({"person": "Choose a young person known to Harbour."})
    if not policies.can_view(actor, person):
        raise NameOnlyError(NAME_ONLY_REFUSAL)
    headers = {name: name for name in FIELDS[row.kind]}
    values = {name: str(row.values.get(name, "")) for name in FIELDS[row.kind]}
    parsed = _parse_row(row.kind, row.line_number, values, headers, _Lookups())
    if isinstance(parsed, list):  # the reference data changed since the import
        raise ValidationError("; ".join(str(error) for error in parsed))
    how = UnmatchedImportRow.Resolution.CHOSEN_BY_REVIEWER
    with transaction.atomic():
        locked = locked_for_update(row, expected_version=version)
        if locked.resolved_at is not None:
            raise ValidationError("This row has already been dealt with.")
        if row.kind == ImportBatch.Kind.EXCLUSIONS:
            services.exclusion_record(actor=actor, person=person, data=parsed.data, imported=True)
        else:
            services.missing_education_report(actor=actor, person=person, data=parsed.data, imported=True)
        _resolve(locked, actor=actor, resolution=how, person=person)
        audit.record(
            actor,
            "education.unmatched_matched",
            locked,
            person_id=person.pk,
            detail={"kind": row.kind, "how": how.value},
        )
    return person
