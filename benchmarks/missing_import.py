"""Police missing-persons log import on PostgreSQL: a 1M-row log against COPY of the same rows.

Builds a dedicated database (BENCH_MISSING_DB, default ``harbour_bench_missing``: dropped and created
again), migrates it, loads the reference data and BENCH_MISSING_PEOPLE synthetic young people (default
200,000, the size of scale 100) through COPY with interactive_lookup.py's population and loader (a share
of them with an NHS number from the test range), then writes a synthetic police log of
BENCH_MISSING_ROWS rows (default 1,000,000) in the import's CSV format:

- repeat episodes of the same young people (one known young person in twenty rows on average, a
  heavy tail capped at MOST_EPISODES, 200, for one young person), over four years up to five days
  before the run (so the newest returns get a return home interview), each keyed by the police in a few
  ways (as Harbour holds the name,
  in capitals, with a typo in the surname, with a nickname for the first name, without a date of
  birth); about half of the known young people's rows carry their NHS number when Harbour holds one;
- young people not known to Harbour (a sixth of those named);
- rows repeated within the file (the same episode exported twice);
- and, in a second copy of the file, bad rows (one in ten thousand).

Then, in one run, it measures:

(a) the baseline: PostgreSQL's COPY of the clean file (the same rows, from this process, as CSV) into a
    plain table with the same columns (text, no indexes), three times, median reported (rows/s);
(b) the file with bad rows, through the import: refused, every problem with its line number, nothing
    written;
(c) the clean file, through the import service (``police_log_import``, as ``harbour missing_import``
    calls it), timed per stage: read and validate; match (reported separately, with how many distinct
    young people were matched, linked by NHS number or by the matcher, and rows kept for review);
    load (rows/s, and its ratio to COPY's: the issue's target is at least 0.5), with the commit (where
    PostgreSQL checks the deferred foreign keys) shown apart;
(d) the same file again: its time and the rows it created (0);
(e) for comparison, COPY of exactly the rows the import wrote into empty copies of its three tables
    with the same indexes and foreign keys: the most the load step could reach with Harbour's schema.

The true young person of every row is known, so it also counts rows linked to the wrong young person
and known young people's rows sent to review. Not a test: nothing asserts on time. With --write the
report goes into benchmarks/README.md between the missing-import markers.

    .venv/bin/python benchmarks/missing_import.py [--write] [--keep]

Environment: BENCH_MISSING_ROWS, BENCH_MISSING_PEOPLE, BENCH_MISSING_DB, BENCH_PG (server URL without a
database, default postgres://postgres@127.0.0.1:5432).
"""

# ruff: noqa: S311 (seeded pseudo-random numbers make a synthetic log, nothing secret)
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import interactive_lookup as population_source
import psycopg
from readme_sections import replace_section

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

START, END = "<!-- missing-import:start -->", "<!-- missing-import:end -->"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_MISSING_DB", "harbour_bench_missing")
ROWS = int(os.environ.get("BENCH_MISSING_ROWS", "1000000"))
PEOPLE = int(os.environ.get("BENCH_MISSING_PEOPLE", "200000"))
SEED = 20261203
TARGET_RATIO = 0.5
COPY_REPEATS = 3
UK = ZoneInfo("Europe/London")
# Four years of episodes up to five days before the run (each ends at most four days after it starts),
# so the newest returns are recent enough to get a return home interview when imported.
# Episode times are drawn in UTC and written as UK local time, so none falls in the hour the clocks skip.
LAST_EPISODE = dt.datetime.combine(dt.date.today(), dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=5)
FIRST_EPISODE = LAST_EPISODE - dt.timedelta(days=4 * 365)
# Repeat children are believable: most have a few episodes, some tens, none more than this.
MOST_EPISODES = 200
FOUND_PLACES = ["", "", "", "Norwich bus station", "A friend's house", "Great Yarmouth seafront",
                "King's Lynn railway station", "A park in Thetford", "An address in London"]  # fmt: skip
HEADER = [
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
]


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
    import django

    django.setup()


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')


# --- the county: reference data, the officer, the young people ----------------------------------------


def officer() -> Any:
    """A front-door officer (``frontdoor.triage``): the user the import runs as."""
    from harbour.accounts.models import Agency, AgencyType, Membership, Role, Team, User

    agency = Agency.objects.create(name="Norfolk Police", agency_type=AgencyType.objects.get(code="police"))
    team = Team.objects.create(agency=agency, name="Multi-agency safeguarding hub")
    user = User.objects.create_user(username="bench-front-door", password=None)
    Membership.objects.create(user=user, team=team, role=Role.objects.get(code="front-door-officer"))
    return user


def give_nhs_numbers(people: list[Any], share: float) -> dict[uuid.UUID, str]:
    """A test-range NHS number for ``share`` of the young people (set in one UPDATE from COPY)."""
    from django.db import connection

    from harbour.demo.identifiers import IdentifierMaker

    rng = random.Random(SEED + 3)
    maker = IdentifierMaker(rng)
    numbers = {row.pk: maker.nhs_number() for row in people if rng.random() < share}
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_nhs (id uuid PRIMARY KEY, nhs_number varchar(10))")
        with cursor.copy("COPY bench_nhs (id, nhs_number) FROM STDIN") as copy:
            for pk, number in numbers.items():
                copy.write_row((pk, number))
        cursor.execute(
            "UPDATE people_person p SET nhs_number = n.nhs_number FROM bench_nhs n WHERE p.id = n.id"
        )
        cursor.execute("DROP TABLE bench_nhs")
        cursor.execute("ANALYZE people_person")
    raw.commit()
    return numbers


# --- the synthetic police log ------------------------------------------------------------------------


@dataclass
class Child:
    truth: uuid.UUID | None  # None: not known to Harbour
    spellings: list[tuple[str, str, str, str, str]]  # first, last, date of birth, postcode, NHS number


@dataclass
class LogFacts:
    rows: int = 0
    known_children: int = 0
    unknown_children: int = 0
    repeated_rows: int = 0
    bad_rows: int = 0
    most_episodes: int = 0
    rows_with_nhs: int = 0
    truth: dict[str, uuid.UUID | None] = field(default_factory=dict)  # police reference -> young person


def _children(people: list[Any], nhs: dict[uuid.UUID, str], rows: int, rng: random.Random) -> list[Child]:
    from harbour.demo.names import child_first_name, family_surname, first_name_variant, surname_typo

    known = max(rows // 20, 10)
    unknown = max(known // 5, 2)
    children: list[Child] = []
    for row in rng.sample(people, min(known, len(people))):
        born = row.date_of_birth.strftime("%d/%m/%Y")
        postcode = row.postcodes[0]
        number = nhs.get(row.pk, "") if rng.random() < 0.5 else ""
        spellings = [(row.first_name, row.last_name, born, postcode, number)]
        if rng.random() < 0.3:
            spellings.append((row.first_name.upper(), row.last_name.upper(), born, postcode, number))
        if rng.random() < 0.25:
            spellings.append((row.first_name, surname_typo(rng, row.last_name), born, postcode, ""))
        if rng.random() < 0.15 and (variant := first_name_variant(rng, row.first_name)):
            spellings.append((variant, row.last_name, born, "", ""))
        if rng.random() < 0.1:
            spellings.append((row.first_name, row.last_name, "", postcode, ""))
        children.append(Child(row.pk, spellings))
    heritages = list(population_source.HERITAGES)
    weights = list(population_source.HERITAGES.values())
    codes = population_source._postcodes(rng, 200)
    for _ in range(unknown):
        heritage = rng.choices(heritages, weights)[0]
        female = rng.random() < 0.5
        first = child_first_name(rng, heritage, female=female)
        last = family_surname(rng, heritage)
        born = population_source._born(rng).strftime("%d/%m/%Y")
        children.append(Child(None, [(first, last, born, rng.choice(codes), "")]))
    return children


def _episode_owners(children: int, rows: int, rng: random.Random) -> list[int]:
    """Whose episode each row is: a heavy tail (a few young people with many episodes), capped at
    MOST_EPISODES each (a draw for a young person already at the cap is drawn again)."""
    cumulative = list(itertools.accumulate(rng.paretovariate(1.1) for _ in range(children)))
    if children * MOST_EPISODES < rows:
        raise ValueError(f"{rows:,} rows cannot name {children:,} young people {MOST_EPISODES} times each")
    counts = [0] * children
    picked: list[int] = []
    while len(picked) < rows:
        for index in rng.choices(range(children), cum_weights=cumulative, k=rows - len(picked)):
            if counts[index] < MOST_EPISODES:
                counts[index] += 1
                picked.append(index)
    rng.shuffle(picked)
    return picked


def _moment(when: dt.datetime, iso: bool) -> str:
    """A moment as the police export writes it: UK local time, mostly DD/MM/YYYY HH:MM, some ISO 8601."""
    local = when.astimezone(UK)
    if iso:
        return local.isoformat()
    return local.strftime("%d/%m/%Y %H:%M")


def _read_back(text: str) -> dt.datetime:
    """A DD/MM/YYYY HH:MM time as the import reads it (an hour that happens twice is the first)."""
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=UK).astimezone(dt.UTC)


def make_log(people: list[Any], nhs: dict[uuid.UUID, str], rows: int, clean: Path, bad: Path) -> LogFacts:
    rng = random.Random(SEED + 10)
    children = _children(people, nhs, rows, rng)
    facts = LogFacts(
        known_children=sum(1 for c in children if c.truth),
        unknown_children=sum(1 for c in children if not c.truth),
    )
    picked = _episode_owners(len(children), rows, rng)
    counts: dict[int, int] = {}
    span = int((LAST_EPISODE - FIRST_EPISODE).total_seconds() // 60)
    with (
        clean.open("w", newline="", encoding="utf-8") as out_clean,
        bad.open("w", newline="", encoding="utf-8") as out_bad,
    ):
        good, broken = csv.writer(out_clean), csv.writer(out_bad)
        good.writerow(HEADER)
        broken.writerow(HEADER)
        previous: list[str] | None = None
        for serial, index in enumerate(picked, start=1):
            if previous is not None and rng.random() < 0.002:  # the same episode exported twice
                good.writerow(previous)
                broken.writerow(previous)
                facts.repeated_rows += 1
                facts.rows += 1
                continue
            child = children[index]
            counts[index] = counts.get(index, 0) + 1
            first, last, born, postcode, number = (
                child.spellings[0] if rng.random() < 0.75 else rng.choice(child.spellings)
            )
            started = FIRST_EPISODE + dt.timedelta(minutes=rng.randrange(span))
            iso = rng.random() < 0.05
            ended = started + dt.timedelta(minutes=rng.randint(30, 96 * 60)) if rng.random() < 0.93 else None
            reported = started + dt.timedelta(minutes=rng.randint(15, 360)) if rng.random() < 0.7 else None
            reference = f"NC-{started.year}-{serial:08d}"
            ended_text = _moment(ended, iso) if ended else ""
            # A return in the second 01:xx when the clocks go back, less than an hour after the start,
            # would read as before the start without an offset: the export gives the offset then.
            if ended and not iso and _read_back(ended_text) < _read_back(_moment(started, iso)):
                ended_text = _moment(ended, True)
            row = [
                reference,
                first,
                last,
                born,
                postcode,
                "M" if rng.random() < 0.75 else "A",
                rng.choices(["home", "care", "other"], [55, 35, 10])[0],
                _moment(reported, iso) if reported else "",
                _moment(started, iso),
                ended_text,
                rng.choices(["no-apparent-risk", "low", "medium", "high"], [10, 45, 35, 10])[0],
                rng.choice(FOUND_PLACES) if ended else "",
                number,
            ]
            facts.truth[reference] = child.truth
            facts.rows_with_nhs += bool(number)
            good.writerow(row)
            broken.writerow(row)
            facts.rows += 1
            previous = row
            if serial % 10_000 == 5_000:  # one bad row in ten thousand, in the second file only
                broken.writerow(_bad_row(rng, row, facts.bad_rows))
                facts.bad_rows += 1
    facts.most_episodes = max(counts.values())
    return facts


def _bad_row(rng: random.Random, row: list[str], n: int) -> list[str]:
    broken = list(row)
    broken[0] = f"{row[0]}-X"
    match n % 5:
        case 0:
            broken[0] = ""  # no police reference
        case 1:
            broken[3] = "31/02/2011"  # no such date
        case 2:
            broken[6] = "school"  # not a setting
        case 3:
            broken[8], broken[9] = "02/06/2026 20:00", "01/06/2026 20:00"  # back before it started
        case _:
            broken[12] = "9434765918"  # fails the check digit
    return broken


# --- the measurements --------------------------------------------------------------------------------


def copy_baseline(path: Path) -> list[float]:
    """Seconds to COPY the file into a plain table with the same columns, each of COPY_REPEATS runs."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    columns = ", ".join(f"{name} text" for name in HEADER)
    seconds = []
    for _ in range(COPY_REPEATS):
        with raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_copy_baseline")
            cursor.execute(f"CREATE TABLE bench_copy_baseline ({columns})")
            raw.commit()
            started = time.perf_counter()
            with (
                path.open("rb") as source,
                cursor.copy("COPY bench_copy_baseline FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)
            raw.commit()
            seconds.append(time.perf_counter() - started)
            cursor.execute("SELECT count(*) FROM bench_copy_baseline")
            copied = cursor.fetchone()
            assert copied is not None
    print(f"  COPY baseline: {', '.join(f'{s:.1f} s' for s in seconds)} ({copied[0]:,} rows)", flush=True)
    return seconds


SHAPED = ("missing_missingepisode", "missing_returninterview", "missing_unmatchedlogrow")


def copy_into_same_schema(folder: Path) -> float:
    """Seconds for PostgreSQL's COPY of exactly the rows the import wrote (episodes, interviews, rows
    for review) into empty copies of those three tables with the same indexes, unique constraints and
    foreign keys, in one transaction: what COPY itself does with Harbour's schema (informative)."""
    from django.db import connection

    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        for table in SHAPED:
            shaped = f"bench_shape_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {shaped} CASCADE")
            cursor.execute(f"CREATE TABLE {shaped} (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, found in cursor.fetchall():
                definition = found
                for other in SHAPED:  # point at the copies, not the real tables
                    definition = definition.replace(
                        f"REFERENCES {other}(", f"REFERENCES bench_shape_{other}("
                    )
                cursor.execute(f"ALTER TABLE {shaped} ADD CONSTRAINT bench_{name} {definition}")
            with (
                (folder / table).open("wb") as out,
                cursor.copy(
                    f"COPY {table} TO STDOUT (FORMAT binary)"  # only this import's rows are in these tables
                ) as copy,
            ):
                for block in copy:
                    out.write(block)
        raw.commit()
        started = time.perf_counter()
        for table in SHAPED:
            with (
                (folder / table).open("rb") as source,
                cursor.copy(f"COPY bench_shape_{table} FROM STDIN (FORMAT binary)") as copy,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)
        raw.commit()
        seconds = time.perf_counter() - started
        for table in reversed(SHAPED):
            cursor.execute(f"DROP TABLE bench_shape_{table} CASCADE")
        raw.commit()
    print(f"  COPY into the same schema: {seconds:.1f} s", flush=True)
    return seconds


def _reader(path: Path) -> Any:
    from harbour.missing import imports

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield from imports.read_rows(stream)

    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_import(user: Any, path: Path, *, quiet: bool = False) -> tuple[Any, float]:
    from harbour.missing import imports

    def say(text: str) -> None:
        if not quiet:
            print(f"    {text}", flush=True)

    started = time.perf_counter()
    report = imports.police_log_import(
        actor=user,
        rows=_reader(path),
        filename=path.name,
        sha256=_sha256(path),
        batch_size=5000,
        progress=say,
        progress_every=100_000,
    )
    return report, time.perf_counter() - started


def created_rows(*, with_imports: bool = False) -> int:
    """The episodes, interviews and rows for review in the database (and the import runs, if asked)."""
    from harbour.missing.models import MissingEpisode, PoliceLogImport, ReturnInterview, UnmatchedLogRow

    models: list[Any] = [MissingEpisode, ReturnInterview, UnmatchedLogRow]
    if with_imports:
        models.append(PoliceLogImport)
    return sum(model.objects.count() for model in models)


def accuracy(facts: LogFacts) -> dict[str, int]:
    """Rows linked to the right young person, to the wrong one, and known young people's rows sent to
    review, against the truth the generator kept."""
    from harbour.missing.models import MissingEpisode, UnmatchedLogRow

    right = wrong = known_to_review = unknown_to_review = 0
    for reference, person in MissingEpisode.objects.values_list("police_reference", "person_id").iterator(
        10_000
    ):
        if facts.truth.get(reference) == person:
            right += 1
        else:
            wrong += 1
    for data in UnmatchedLogRow.objects.values_list("data", flat=True).iterator(10_000):
        if facts.truth.get(data["police_reference"]) is None:
            unknown_to_review += 1
        else:
            known_to_review += 1
    return {
        "right": right,
        "wrong": wrong,
        "known_to_review": known_to_review,
        "unknown_to_review": unknown_to_review,
    }


@dataclass
class Results:
    facts: LogFacts
    copy_seconds: list[float]
    refused_seconds: float
    refused_errors: int
    refused_first: str
    refused_written: int
    report: Any
    total_seconds: float
    rerun: Any
    rerun_seconds: float
    rerun_created: int
    shaped_seconds: float
    accuracy: dict[str, int]
    load_before_copy: float
    load_before_import: float
    load_after_import: float
    people_seconds: float
    people: int
    people_with_nhs: int


def report_text(r: Results) -> str:
    facts, report = r.facts, r.report
    spent = report.timings
    copy_s = statistics.median(r.copy_seconds)
    copy_rate = facts.rows / copy_s
    validate_s = spent["read"] + spent["validate"]
    load_rate = facts.rows / spent["load"]
    ratio = load_rate / copy_rate
    import django
    from django.db import connection

    from harbour.missing import imports

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    acc = r.accuracy
    lines = [
        f"Run on {dt.date.today().isoformat()} on this machine ({os.cpu_count()} cores, shared; Python "
        f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL {version} with its default "
        f"settings, server and client on the same machine). Load average (1 minute) "
        f"{r.load_before_copy:.2f} before the COPY baseline, {r.load_before_import:.2f} before the "
        f"import and {r.load_after_import:.2f} after it (2.0 would mean both cores busy).",
        "",
        f"Harbour held {r.people:,} young people (loaded by COPY in {r.people_seconds:.0f} s; "
        f"{r.people_with_nhs:,} with an NHS number). The synthetic police log had {facts.rows:,} rows "
        f"naming {facts.known_children:,} young people known to Harbour and {facts.unknown_children:,} "
        f"not known, with repeat episodes over four years (the most for one young person: "
        f"{facts.most_episodes:,}; the generator caps it at {MOST_EPISODES}), "
        "each young person keyed in up to five ways (as held, in capitals, a surname typo, a first-name "
        f"variant, no date of birth), {facts.rows_with_nhs:,} rows with an NHS number, "
        f"{facts.repeated_rows:,} rows exported twice, and times mostly as DD/MM/YYYY HH:MM (5% ISO 8601).",
        "",
        "| step | time | rate | what happened |",
        "| --- | --- | --- | --- |",
        f"| (a) COPY baseline: the clean file into a plain table, same 13 columns as text, no indexes "
        f"(median of {len(r.copy_seconds)}: {', '.join(f'{s:.2f}' for s in r.copy_seconds)} s) "
        f"| {copy_s:.2f} s | {copy_rate:,.0f} rows/s | {facts.rows:,} rows copied |",
        f"| (b) the file with {facts.bad_rows:,} bad rows, refused | {r.refused_seconds:.1f} s "
        f"| {(facts.rows + facts.bad_rows) / r.refused_seconds:,.0f} rows/s | {r.refused_errors:,} problems "
        f"reported with line numbers (first: `{r.refused_first}`); rows written: {r.refused_written} |",
        f"| (c) import: read and validate (both reads of the file) | {validate_s:.1f} s "
        f"| {facts.rows / validate_s:,.0f} rows/s "
        f"| read {spent['read']:.1f} s, check {spent['validate']:.1f} s |",
        f"| (c) import: match (reported separately) | {spent['match']:.1f} s "
        f"| {report.identities / spent['match']:,.0f} identities/s | {report.identities:,} distinct "
        f"identities asked once each: {report.linked_by_nhs_number:,} linked by NHS number, "
        f"{report.linked_by_matcher:,} by the matcher, "
        f"{report.identities - report.linked_by_nhs_number - report.linked_by_matcher:,} not sure "
        f"(their rows kept for review) |",
        f"| (c) import: load (one transaction: key checks, COPY into the episodes, interviews and review "
        f"tables with their indexes and constraints, audit event, commit; the commit alone, where "
        f"PostgreSQL checks the deferred foreign keys of every row, {spent.get('commit', 0.0):.1f} s) "
        f"| {spent['load']:.1f} s "
        f"| {load_rate:,.0f} rows/s | {report.loaded:,} episodes linked, {report.interviews:,} return "
        f"home interviews (for the episodes that ended within {imports.INTERVIEW_WITHIN_DAYS} days of the "
        f"import; older returns are history), {report.unmatched:,} rows kept for review, "
        f"{report.already_loaded:,} already loaded (repeats within the file) |",
        f"| (c) import, end to end | {r.total_seconds:.1f} s | {facts.rows / r.total_seconds:,.0f} rows/s "
        f"| writer: {report.writer} |",
        f"| (d) the same file again | {r.rerun_seconds:.1f} s | {facts.rows / r.rerun_seconds:,.0f} rows/s "
        f"| episodes, interviews and rows for review created: {r.rerun_created} (the run itself is "
        f"recorded: its import row and audit event); {r.rerun.already_loaded:,} already loaded, "
        f"{r.rerun.identities:,} identities matched |",
        f"| (e) for comparison: COPY of exactly the rows the import wrote ({report.loaded:,} episodes, "
        f"{report.interviews:,} interviews, {report.unmatched:,} rows for review) into empty copies of "
        f"the three tables with the same indexes and foreign keys, one transaction "
        f"| {r.shaped_seconds:.1f} s "
        f"| {facts.rows / r.shaped_seconds:,.0f} file rows/s | what COPY itself achieves with Harbour's "
        f"schema: the load step runs at {r.shaped_seconds / spent['load']:.2f} of it |",
        "",
        f"**Load against COPY: {ratio:.2f}** ({load_rate:,.0f} against {copy_rate:,.0f} rows/s). Target: at "
        f"least {TARGET_RATIO} ({'met' if ratio >= TARGET_RATIO else 'missed'}). Load against COPY of the "
        f"same rows into Harbour's schema (e): {r.shaped_seconds / spent['load']:.2f} "
        f"({load_rate:,.0f} against {facts.rows / r.shaped_seconds:,.0f} file rows/s); that COPY itself "
        f"runs at {facts.rows / r.shaped_seconds / copy_rate:.2f} of the plain COPY.",
        "",
        f"Linking, against the generator's truth: {acc['right']:,} rows linked to the right young person, "
        f"{acc['wrong']:,} to the wrong one; {acc['known_to_review']:,} rows of known young people and "
        f"{acc['unknown_to_review']:,} of young people not known to Harbour kept for review.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="Write the report into benchmarks/README.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()

    print(f"Missing import benchmark: {ROWS:,} rows, {PEOPLE:,} people in {DATABASE}", flush=True)
    recreate_database()
    _setup_django()
    from django.core.management import call_command

    from harbour.core.management.commands.reference import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data()
    user = officer()
    started = time.perf_counter()
    people = list(population_source.load(PEOPLE).values())
    people_seconds = time.perf_counter() - started
    nhs = give_nhs_numbers(people, share=0.6)

    with tempfile.TemporaryDirectory(prefix="harbour-missing-") as folder:
        clean, bad = Path(folder) / "police-log.csv", Path(folder) / "police-log-with-bad-rows.csv"
        started = time.perf_counter()
        facts = make_log(people, nhs, ROWS, clean, bad)
        del people
        print(
            f"  log: {facts.rows:,} rows ({clean.stat().st_size / 1e6:.0f} MB), {facts.bad_rows} bad rows in "
            f"the second file, made in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

        load_before_copy = os.getloadavg()[0]
        copy_seconds = copy_baseline(clean)

        print("  (b) the file with bad rows", flush=True)
        refused, refused_seconds = run_import(user, bad, quiet=True)
        refused_written = created_rows(with_imports=True)
        print(f"    refused: {len(refused.errors):,} problems in {refused_seconds:.1f} s", flush=True)

        print("  (c) the clean file", flush=True)
        load_before_import = os.getloadavg()[0]
        report, total_seconds = run_import(user, clean)
        load_after_import = os.getloadavg()[0]
        print(f"    timings: {', '.join(f'{k} {v:.1f} s' for k, v in report.timings.items())}", flush=True)
        before = created_rows()
        print("  (d) the same file again", flush=True)
        rerun, rerun_seconds = run_import(user, clean, quiet=True)
        rerun_created = created_rows() - before
        shaped_seconds = copy_into_same_schema(Path(folder))
        results = Results(
            facts=facts,
            copy_seconds=copy_seconds,
            refused_seconds=refused_seconds,
            refused_errors=len(refused.errors),
            refused_first=f"line {refused.errors[0].line}: {refused.errors[0].message}"
            if refused.errors
            else "",
            refused_written=refused_written,
            report=report,
            total_seconds=total_seconds,
            rerun=rerun,
            rerun_seconds=rerun_seconds,
            rerun_created=rerun_created,
            shaped_seconds=shaped_seconds,
            accuracy=accuracy(facts),
            load_before_copy=load_before_copy,
            load_before_import=load_before_import,
            load_after_import=load_after_import,
            people_seconds=people_seconds,
            people=PEOPLE,
            people_with_nhs=len(nhs),
        )
    text = report_text(results)
    print()
    print(text)
    if args.write:
        replace_section(START, END, text, heading="Police missing-persons log import")
    if not args.keep:
        drop_database()


if __name__ == "__main__":
    main()
