"""Reading an agency's CSV for batch linkage: every row checked, every problem named with its line.

A row with a problem is left out of the linkage but reported (never dropped silently); only a file
that cannot be used at all (not found, not UTF-8 text, no header, required columns missing, no usable
row) raises ``UnusableFile``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from harbour.people import validation

REQUIRED_COLUMNS = ("record_id", "first_name", "last_name", "date_of_birth", "gender", "postcode")
OPTIONAL_COLUMNS = ("middle_names", "address", "school", "nhs_number", "upn", "phone", "source")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_RECORD_ID = 100


class UnusableFileError(Exception):
    """The file as a whole cannot be linked; the message says why."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    record_id: str
    field: str
    reason: str
    file: str = ""  # the file as named on the command line


@dataclass
class ReadResult:
    rows: list[dict[str, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0


def _date_problem(text: str) -> str | None:
    if not ISO_DATE.match(text):
        return "Not a date in the form YYYY-MM-DD."
    try:
        born = date.fromisoformat(text)
    except ValueError:
        return "No such date."
    return validation.date_of_birth_problem(born)


def row_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    """(field, reason) for everything wrong with one row; empty when it can be linked."""
    problems: list[tuple[str, str]] = []
    record_id = row.get("record_id", "")
    if not record_id:
        problems.append(("record_id", "Missing record_id."))
    elif len(record_id) > MAX_RECORD_ID:
        problems.append(("record_id", f"record_id must be {MAX_RECORD_ID} characters or fewer."))
    if not row.get("first_name") and not row.get("last_name"):
        problems.append(("first_name", "No first name or last name: nothing to link on."))
    if row.get("date_of_birth") and (problem := _date_problem(row["date_of_birth"])):
        problems.append(("date_of_birth", problem))
    if problem := validation.nhs_number_problem(row.get("nhs_number", "")):
        problems.append(("nhs_number", problem))
    if problem := validation.upn_problem(row.get("upn", "")):
        problems.append(("upn", problem))
    if problem := validation.postcode_problem(row.get("postcode", "")):
        problems.append(("postcode", problem))
    return problems


def _open_rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnusableFileError(f"{path}: no such file.") from None
    except OSError as error:
        raise UnusableFileError(f"{path}: cannot be read ({error.strerror}).") from None
    with handle:
        reader = csv.reader(handle)
        try:
            for values in reader:
                yield reader.line_num, values
        except UnicodeDecodeError:
            raise UnusableFileError(
                f"{path}: not UTF-8 text near line {reader.line_num + 1}; save it as CSV UTF-8."
            ) from None
        except csv.Error as error:
            raise UnusableFileError(f"{path}: line {reader.line_num}: {error}.") from None


def read_records(path: Path) -> ReadResult:
    """Read and check an input file. Line numbers count the header as line 1, as a spreadsheet does."""
    result = ReadResult()
    rows = iter(_open_rows(path))
    first = next(rows, None)
    if first is None:
        raise UnusableFileError(f"{path}: the file is empty.")
    header = [name.strip().lower() for name in first[1]]
    result.header = header
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise UnusableFileError(
            f"{path}: required columns missing: {', '.join(missing)} "
            f"(the header must include {', '.join(REQUIRED_COLUMNS)})."
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise UnusableFileError(f"{path}: columns named twice in the header: {', '.join(duplicated)}.")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    result.ignored_columns = [name for name in header if name and name not in known]
    first_seen: dict[str, int] = {}
    for line, values in rows:
        if not any(value.strip() for value in values):
            continue  # a blank line is not a record
        result.rows_read += 1
        if len(values) != len(header):
            record_id = (
                values[header.index("record_id")].strip() if len(values) > header.index("record_id") else ""
            )
            result.problems.append(
                RowProblem(
                    line, record_id, "", f"Has {len(values)} fields; the header has {len(header)}.", str(path)
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(header, values, strict=True) if name in known}
        for name in OPTIONAL_COLUMNS:
            row.setdefault(name, "")
        problems = row_problems(row)
        record_id = row["record_id"]
        if record_id and record_id in first_seen:
            problems.append(
                ("record_id", f"Duplicate record_id: first used on line {first_seen[record_id]}.")
            )
        elif record_id:
            first_seen[record_id] = line
        if problems:
            result.problems += [
                RowProblem(line, record_id, name, reason, str(path)) for name, reason in problems
            ]
            continue
        row["_line"] = str(line)
        result.rows.append(row)
    if not result.rows:
        raise UnusableFileError(
            f"{path}: no row can be linked ({len(result.problems)} problems in {result.rows_read} rows)."
            if result.rows_read
            else f"{path}: no rows below the header."
        )
    return result


def write_problems(path: Path, problems: list[RowProblem], *, with_file: bool = False) -> None:
    """OUT.errors.csv: line, record_id, field, reason; ``with_file`` (two files) the file first."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow((["file"] if with_file else []) + ["line", "record_id", "field", "reason"])
        for problem in problems:
            writer.writerow(
                ([problem.file] if with_file else [])
                + [problem.line, problem.record_id, problem.field, problem.reason]
            )
