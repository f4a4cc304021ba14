"""Interactive "already known?" lookup on PostgreSQL: latency, throughput and top-10 recall.

Builds a dedicated database (BENCH_LOOKUP_DB, default ``harbour_bench``: dropped and created again),
runs the migrations and loads the reference data there, bulk-loads BENCH_LOOKUP_N synthetic young
people (default 1,000,000) with their address histories through COPY, then measures, in one run:

- ``matches_for`` (the shipped code, through the ORM): server-side latency p50 and p95 for each
  probe, top-10 recall, and throughput with 2 worker processes (lookups per second);
- the baseline: a trigram-only candidate search (pg_trgm on both names, ordered by similarity,
  top 50), with GIN trigram indexes created for it alone.

Each probe is a real record with exactly one corruption: a typo in the first name or surname, a
nickname, day and month swapped, a one-digit slip or a year or month slip in the date of birth, first
and last name swapped, one part of a double-barrelled surname, the postcode of an earlier address, or
the postcode or date of birth left out. The true person is known, so recall is exact.

Not a test: it prints a Markdown report and, with --write, puts it in benchmarks/README.md between
the interactive-lookup markers. Environment: BENCH_LOOKUP_N, BENCH_LOOKUP_PROBES (1000),
BENCH_LOOKUP_SECONDS (throughput run per worker, 20), BENCH_PG (server URL without a database,
default postgres://postgres@127.0.0.1:5432), BENCH_LOOKUP_DB.

    .venv/bin/python benchmarks/interactive_lookup.py [--write] [--keep]
"""

# ruff: noqa: S311 (seeded pseudo-random numbers make synthetic people, nothing secret)
from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
from readme_sections import replace_section

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

START, END = "<!-- interactive-lookup:start -->", "<!-- interactive-lookup:end -->"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_LOOKUP_DB", "harbour_bench")
N = int(os.environ.get("BENCH_LOOKUP_N", "1000000"))
PROBES = int(os.environ.get("BENCH_LOOKUP_PROBES", "1000"))
SECONDS = float(os.environ.get("BENCH_LOOKUP_SECONDS", "20"))
SEED = 20250301
AS_OF = dt.date(2025, 3, 1)
OUTWARDS = (
    [f"NR{n}" for n in range(1, 35)] + [f"IP{n}" for n in range(20, 28)] + [f"PE{n}" for n in range(30, 39)]
)
HERITAGES = {
    "british": 78,
    "irish": 3,
    "caribbean": 3,
    "polish": 6,
    "lithuanian": 3,
    "romanian": 3,
    "portuguese": 2,
    "latvian": 2,
}
CORRUPTIONS = [
    "first_name_typo",
    "last_name_typo",
    "nickname",
    "day_month_swapped",
    "dob_one_digit",
    "dob_year_or_month",
    "names_swapped",
    "surname_part",
    "earlier_address",
    "no_postcode",
    "no_date_of_birth",
]


def _setup_django(database: str = DATABASE) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
    import django

    django.setup()


# --- the population ---------------------------------------------------------------------------------


@dataclass
class Row:
    pk: uuid.UUID
    first_name: str
    middle_names: str
    last_name: str
    date_of_birth: dt.date
    gender: str
    postcodes: list[str]  # current first


def _postcodes(rng: random.Random, count: int) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        found.add(
            f"{rng.choice(OUTWARDS)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
    return sorted(found)


def _born(rng: random.Random) -> dt.date:
    return AS_OF - dt.timedelta(days=rng.randint(8 * 365, 19 * 365))


def population(n: int) -> Iterator[Row]:
    """Households of one to four young people: siblings share a surname and address; some are twins;
    a quarter of households moved, so their young people have an earlier address too."""
    from harbour.demo.names import child_first_name, family_surname, middle_name, surname_form

    rng = random.Random(SEED)
    codes = _postcodes(rng, max(n // 12, 50))  # about 12 young people per postcode
    heritages, weights = list(HERITAGES), list(HERITAGES.values())
    made = 0
    while made < n:
        heritage = rng.choices(heritages, weights)[0]
        surname = family_surname(rng, heritage)
        home = rng.choice(codes)
        history = [home, rng.choice(codes)] if rng.random() < 0.25 else [home]
        children = rng.choices([1, 2, 3, 4], [50, 32, 13, 5])[0]
        births: list[dt.date] = []
        for _ in range(children):
            born = births[-1] if births and rng.random() < 0.04 else _born(rng)  # some twins
            births.append(born)
        seen: set[tuple[str, dt.date]] = set()
        for born in births:
            female = rng.random() < 0.5
            first = child_first_name(rng, heritage, female=female)
            if (first, born) in seen:
                continue  # parents do not give twins one name
            seen.add((first, born))
            yield Row(
                pk=uuid.UUID(int=rng.getrandbits(128), version=4),
                first_name=first,
                middle_names=middle_name(rng, heritage, female=female),
                last_name=surname_form(surname, heritage, female=female),
                date_of_birth=born,
                gender="female" if female else "male",
                postcodes=history,
            )
            made += 1
            if made >= n:
                return


def raw_cursor() -> Any:
    """A cursor on the psycopg connection under Django's, for COPY."""
    from django.db import connection

    connection.ensure_connection()
    assert connection.connection is not None
    return connection.connection.cursor()


def copy_rows(cursor: Any, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """COPY rows (column to value; a column left out is NULL) into the model's table."""
    columns = [f.column for f in model._meta.concrete_fields]
    with cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row([values.get(column) for column in columns])


def young_person_values(
    *,
    pk: uuid.UUID,
    first_name: str,
    middle_names: str,
    last_name: str,
    date_of_birth: dt.date | None,
    gender_id: Any,
    now: dt.datetime,
) -> dict[str, Any]:
    """A people_person row for COPY: a young person with these names, every other field empty."""
    from harbour.people.names import fold

    return {
        "id": pk,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "kind": "young_person",
        "first_name": first_name,
        "middle_names": middle_names,
        "last_name": last_name,
        "preferred_name": "",
        "date_of_birth": date_of_birth,
        "date_of_birth_estimated": False,
        "gender_id": gender_id,
        "disability": "",
        "first_language": "",
        "interpreter_needed": False,
        "nhs_number": "",
        "upn": "",
        "phone": "",
        "email": "",
        "search_name": fold(" ".join([first_name, middle_names, last_name])),
    }


def address_values(
    *,
    pk: uuid.UUID,
    person_id: uuid.UUID,
    line1: str,
    postcode: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """A people_address row for COPY."""
    return {
        "id": pk,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "person_id": person_id,
        "line1": line1,
        "line2": "",
        "postcode": postcode,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


def analyse_people(cursor: Any) -> None:
    cursor.connection.commit()
    cursor.execute("ANALYZE people_person")
    cursor.execute("ANALYZE people_address")


def load(n: int) -> dict[uuid.UUID, Row]:
    """COPY the population in; returns it, for making probes."""
    from harbour.people.models import Address, Gender, Person

    genders = dict(Gender.objects.values_list("code", "pk"))
    now = dt.datetime.now(dt.UTC)
    rows: dict[uuid.UUID, Row] = {}
    started = time.perf_counter()

    def people() -> Iterator[dict[str, Any]]:
        for row in population(n):
            rows[row.pk] = row
            yield young_person_values(
                pk=row.pk,
                first_name=row.first_name,
                middle_names=row.middle_names,
                last_name=row.last_name,
                date_of_birth=row.date_of_birth,
                gender_id=genders.get(row.gender),
                now=now,
            )

    def addresses() -> Iterator[dict[str, Any]]:
        rng = random.Random(SEED + 1)
        for row in rows.values():
            moved = AS_OF - dt.timedelta(days=rng.randint(30, 2000))
            for index, postcode in enumerate(row.postcodes):
                yield address_values(
                    pk=uuid.UUID(int=rng.getrandbits(128), version=4),
                    person_id=row.pk,
                    line1=f"{rng.randint(1, 120)} Synthetic Road",
                    postcode=postcode,
                    starts_on=moved if index == 0 else row.date_of_birth,
                    ends_on=None if index == 0 else moved,
                    now=now,
                )

    with raw_cursor() as cursor:
        copy_rows(cursor, Person, people())
        copy_rows(cursor, Address, addresses())
        analyse_people(cursor)
    print(f"  loaded {len(rows):,} people in {time.perf_counter() - started:.0f} s", flush=True)
    return rows


# --- probes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    truth: uuid.UUID
    corruption: str
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    postcode: str
    gender: str


def _typo(rng: random.Random, name: str) -> str:
    """One keying slip after the first letter: a letter dropped, doubled, swapped with the next or changed."""
    if len(name) < 4:
        return name + rng.choice("aeiou")
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(["drop", "double", "swap", "change"])
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap" and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    letters = [c for c in "aeioulnrst" if c != name[i].lower()]
    return name[:i] + rng.choice(letters) + name[i + 1 :]


def _valid(born: dt.date) -> bool:
    return 6 <= (AS_OF - born).days // 365 <= 21


def _one_digit(rng: random.Random, born: dt.date) -> dt.date | None:
    text = born.strftime("%Y%m%d")
    options = []
    for i in range(len(text)):
        for digit in "0123456789":
            if digit != text[i]:
                try:
                    slipped = dt.datetime.strptime(text[:i] + digit + text[i + 1 :], "%Y%m%d").date()
                except ValueError:
                    continue
                if _valid(slipped):
                    options.append(slipped)
    return rng.choice(options) if options else None


def _year_or_month(rng: random.Random, born: dt.date) -> dt.date | None:
    options = []
    for years, months in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        month = born.month + months
        if not 1 <= month <= 12:
            continue
        try:
            moved = born.replace(year=born.year + years, month=month)
        except ValueError:
            continue
        if _valid(moved):
            options.append(moved)
    return rng.choice(options) if options else None


def make_probes(rows: dict[uuid.UUID, Row], count: int) -> list[Probe]:  # noqa: PLR0912
    from harbour.people.matching import NameVariants

    variants = NameVariants.from_db()
    rng = random.Random(SEED + 2)
    people = list(rows.values())
    probes: list[Probe] = []
    while len(probes) < count:
        corruption = CORRUPTIONS[len(probes) % len(CORRUPTIONS)]
        row = rng.choice(people)
        probe = Probe(
            row.pk, corruption, row.first_name, row.last_name, row.date_of_birth, row.postcodes[0], row.gender
        )
        match corruption:
            case "first_name_typo":
                probe = replace(probe, first_name=_typo(rng, row.first_name))
            case "last_name_typo":
                probe = replace(probe, last_name=_typo(rng, row.last_name))
            case "nickname":
                others = sorted(variants.of(row.first_name))
                if not others:
                    continue
                probe = replace(probe, first_name=rng.choice(others).title())
            case "day_month_swapped":
                born = row.date_of_birth
                if born.day > 12 or born.day == born.month:
                    continue
                probe = replace(probe, date_of_birth=born.replace(day=born.month, month=born.day))
            case "dob_one_digit":
                slipped = _one_digit(rng, row.date_of_birth)
                if slipped is None:
                    continue
                probe = replace(probe, date_of_birth=slipped, postcode="")
            case "dob_year_or_month":
                moved = _year_or_month(rng, row.date_of_birth)
                if moved is None:
                    continue
                probe = replace(probe, date_of_birth=moved, postcode="")
            case "names_swapped":
                probe = replace(probe, first_name=row.last_name, last_name=row.first_name)
            case "surname_part":
                parts = row.last_name.replace("-", " ").split()
                if len(parts) < 2:  # one part of a double-barrelled surname
                    continue
                probe = replace(probe, last_name=rng.choice(parts))
            case "earlier_address":
                if len(row.postcodes) < 2:
                    continue
                probe = replace(probe, postcode=row.postcodes[1])
            case "no_postcode":
                probe = replace(probe, postcode="")
            case "no_date_of_birth":
                probe = replace(probe, date_of_birth=None)
        probes.append(probe)
    return probes


# --- the two searches -------------------------------------------------------------------------------


def harbour_lookup(probe: Probe) -> list[uuid.UUID]:
    from harbour.people.matching import MatchQuery, matches_for

    query = MatchQuery(
        first_name=probe.first_name,
        last_name=probe.last_name,
        date_of_birth=probe.date_of_birth,
        postcode=probe.postcode,
        gender=probe.gender,
    )
    return [result.person_id for result in matches_for(query, limit=10)]


TRIGRAM_SQL = """
SELECT id FROM people_person
WHERE first_name %% %(first)s OR last_name %% %(last)s
ORDER BY similarity(first_name, %(first)s) + similarity(last_name, %(last)s) DESC
LIMIT 50
"""


def trigram_lookup(probe: Probe) -> list[uuid.UUID]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(TRIGRAM_SQL, {"first": probe.first_name, "last": probe.last_name})
        return [row[0] for row in cursor.fetchall()]


def create_trigram_indexes() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("first_name", "last_name"):
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS bench_{column.split('_')[0]}_trgm ON people_person "
                f"USING gin ({column} gin_trgm_ops)"
            )
        cursor.execute("ANALYZE people_person")
    print(f"  trigram indexes (baseline only) in {time.perf_counter() - started:.0f} s", flush=True)


@dataclass
class Measured:
    label: str
    p50_ms: float
    p95_ms: float
    recall_10: float
    recall_50: float | None
    per_second: float = 0.0
    misses: dict[str, int] | None = None
    cpu_ms: float | None = None  # CPU per lookup, this process and its PostgreSQL backend together


def _backend_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend process (user and system), read
    from /proc when the server runs on this machine; None otherwise."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def measure(
    label: str, lookup: Callable[[Probe], list[uuid.UUID]], probes: list[Probe], *, wide: bool
) -> Measured:
    for probe in probes[:20]:  # warm the caches and the connection
        lookup(probe)
    times: list[float] = []
    hits_10 = hits_50 = 0
    misses: dict[str, int] = {}
    backend_before, process_before = _backend_cpu_seconds(), time.process_time()
    for probe in probes:
        started = time.perf_counter()
        found = lookup(probe)
        times.append((time.perf_counter() - started) * 1000)
        if probe.truth in found[:10]:
            hits_10 += 1
        else:
            misses[probe.corruption] = misses.get(probe.corruption, 0) + 1
        hits_50 += probe.truth in found[:50]
    process_cpu = time.process_time() - process_before
    backend_after = _backend_cpu_seconds()
    cpu_ms = None
    if backend_before is not None and backend_after is not None:
        cpu_ms = (process_cpu + backend_after - backend_before) * 1000 / len(probes)
    times.sort()
    return Measured(
        label,
        p50_ms=statistics.median(times),
        p95_ms=times[int(0.95 * (len(times) - 1))],
        recall_10=hits_10 / len(probes),
        recall_50=hits_50 / len(probes) if wide else None,
        misses=misses,
        cpu_ms=cpu_ms,
    )


def _worker(which: str, probes: list[Probe], seconds: float, results: Any) -> None:
    from django.db import connections

    connections.close_all()  # each process has its own connection
    lookup = harbour_lookup if which == "harbour" else trigram_lookup
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        lookup(probes[done % len(probes)])
        done += 1
    results.put(done)


def throughput(which: str, probes: list[Probe], *, workers: int = 2, seconds: float = SECONDS) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(which, probes[i::workers], seconds, results))
        for i in range(workers)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    return total / (time.perf_counter() - started)


# --- the run ----------------------------------------------------------------------------------------


def recreate_database(database: str = DATABASE) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')


def _database_exists() -> bool:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is not None


def _loaded() -> int:
    """How many people the benchmark database holds (0 when it has no people table yet)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('people_person') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM people_person")
        return int(cursor.fetchone()[0])


def _load_people_reference() -> None:
    """The people app's reference data (genders, the nickname table): all this benchmark reads. Other
    apps' reference data is left out so that an app still being built cannot stop the benchmark."""
    from unittest import mock

    from harbour.core.management.commands import reference

    people = [path for path in reference.reference_files() if "/people/reference/" in path.as_posix()]
    with mock.patch.object(reference, "reference_files", return_value=people):
        reference.load_reference_data()


def drop_database(database: str = DATABASE) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')


def report(n: int, ours: Measured, baseline: Measured, load_seconds: float, busy: float) -> str:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}x" if b else "n/a"

    misses = ", ".join(f"{name} {count}" for name, count in sorted((ours.misses or {}).items())) or "none"
    lines = [
        f"Run on {dt.date.today().isoformat()}: {n:,} young people (with address histories) in PostgreSQL "
        f"on this machine ({os.cpu_count()} cores, Python {platform.python_version()}), {PROBES:,} probes "
        "with "
        f"one corruption each ({', '.join(CORRUPTIONS)})"
        + (f", loaded by COPY in {load_seconds:.0f} s. " if not math.isnan(load_seconds) else ". ")
        + "Latency is server-side (the lookup in the Django process, database included, no HTTP); "
        f"throughput is 2 worker processes (2 concurrent clients, each with its own connection) for "
        f"{SECONDS:.0f} s each, sharing the 2 cores with PostgreSQL. The machine is shared: the load average "
        f"was {busy:.1f} when Harbour's throughput run started (2.0 would mean both cores busy).",
        "",
        "| search | p50 | p95 | lookups/s (2 workers) | top-10 recall | top-50 recall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for measured in (ours, baseline):
        wide = f"{measured.recall_50:.1%}" if measured.recall_50 is not None else "n/a (returns 10)"
        lines.append(
            f"| {measured.label} | {measured.p50_ms:.1f} ms | {measured.p95_ms:.1f} ms "
            f"| {measured.per_second:.0f} | {measured.recall_10:.1%} | {wide} |"
        )
    lines += [
        "",
        f"Ratios, Harbour against the trigram baseline: p95 {ratio(baseline.p95_ms, ours.p95_ms)} faster, "
        f"throughput {ratio(ours.per_second, baseline.per_second)}. Targets: p95 at most 50 ms "
        f"({'met' if ours.p95_ms <= 50 else 'missed'}), at least 200 lookups/s "
        f"({'met' if ours.per_second >= 200 else 'missed'}), top-10 recall at least 99% "
        f"({'met' if ours.recall_10 >= 0.99 else 'missed'}). Harbour's misses by corruption: {misses}.",
    ]
    if ours.cpu_ms is not None:
        lines += [
            "",
            f"CPU a lookup, the Django process and its PostgreSQL backend together (from /proc, so other "
            f"work on the machine does not count): {ours.cpu_ms:.1f} ms, which is at most "
            f"{2000 / ours.cpu_ms:.0f} lookups/s on 2 otherwise idle cores.",
        ]
    return "\n".join(lines)


def write_report(text: str) -> None:
    replace_section(START, END, text, heading="Interactive lookup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="Write the report into benchmarks/README.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Use the database a --keep run left (same BENCH_LOOKUP_N) instead of loading it again.",
    )
    parser.add_argument(
        "--harbour-only",
        action="store_true",
        help="Measure Harbour's lookup only, without the baseline (a quick check; writes nothing).",
    )
    args = parser.parse_args()
    if args.harbour_only and args.write:
        parser.error("--write needs the baseline too: leave out --harbour-only")

    print(f"Interactive lookup benchmark: {N:,} people in {DATABASE}", flush=True)
    if not (args.reuse and _database_exists()):
        recreate_database()
    _setup_django()
    from django.core.management import call_command

    if args.reuse and _loaded() == N:
        # The population is made from a fixed seed, so the probes are the same without loading again.
        print(f"  reusing the {N:,} people already in {DATABASE}", flush=True)
        rows = {row.pk: row for row in population(N)}
        load_seconds = float("nan")
    else:
        call_command("migrate", verbosity=0)
        _load_people_reference()
        started = time.perf_counter()
        rows = load(N)
        load_seconds = time.perf_counter() - started
    probes = make_probes(rows, PROBES)
    del rows

    ours = measure("Harbour `matches_for`", harbour_lookup, probes, wide=False)
    print(
        f"  harbour: p50 {ours.p50_ms:.1f} ms, p95 {ours.p95_ms:.1f} ms, recall@10 {ours.recall_10:.1%}",
        flush=True,
    )
    busy = os.getloadavg()[0]
    ours.per_second = throughput("harbour", probes)
    print(f"  harbour: {ours.per_second:.0f} lookups/s with 2 workers", flush=True)
    if ours.cpu_ms is not None:
        print(f"  harbour: {ours.cpu_ms:.1f} ms of CPU a lookup (Django and PostgreSQL)", flush=True)
    if args.harbour_only:
        if not args.keep:
            drop_database()
        return

    create_trigram_indexes()
    baseline = measure("trigram-only (pg_trgm, both names, top 50)", trigram_lookup, probes, wide=True)
    print(
        f"  trigram: p50 {baseline.p50_ms:.1f} ms, p95 {baseline.p95_ms:.1f} ms, "
        f"recall@10 {baseline.recall_10:.1%}, recall@50 {baseline.recall_50 or 0:.1%}",
        flush=True,
    )
    baseline.per_second = throughput("trigram", probes)
    print(f"  trigram: {baseline.per_second:.0f} lookups/s with 2 workers", flush=True)

    text = report(N, ours, baseline, load_seconds, busy)
    print()
    print(text)
    if args.write:
        write_report(text)
    if not args.keep:
        drop_database()


if __name__ == "__main__":
    main()
