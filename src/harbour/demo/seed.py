"""Seeding a synthetic county, start to finish.

Deterministic: the same ``scale``, ``seed`` and ``as_of`` date give the same rows (the same keys,
names, dates of birth, addresses and networks) with the same reference data and the same version of
Faker's name lists. Only timestamps (``created_at``) and password hashes (salted) differ.

Dates are anchored to ``as_of``, which is today unless given: young people are aged 10 to 19 on
that day, so a county seeded today stays valid for the demo, while a fixed ``--as-of`` reproduces a
benchmark exactly (its young people grow older as the real days pass).
"""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from harbour.accounts.models import Agency, User
from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.core.management.commands.reference import load_reference_data
from harbour.demo.constants import DEMO_USERNAME_PREFIX, YOUNG_PEOPLE_PER_SCALE
from harbour.demo.county import Geography, build_county, multiplier_for
from harbour.demo.duplicates import DuplicateMaker
from harbour.demo.network import NetworkPlanner
from harbour.demo.people import PeopleBuilder, PeopleStats, Refs, TruthPair
from harbour.demo.sinks import DatabaseSink, Sink
from harbour.demo.users import build_staff, grant_admin_permissions
from harbour.people.models import Person

SEEDED_ACTION = "demo.seeded"
MAX_SCALE = 1000

Progress = Callable[[str], None]


class SeedRefusedError(Exception):
    """Seeding would harm the database: it already holds people, or this is production."""


@dataclass(frozen=True)
class SeedOptions:
    scale: float = 1.0
    seed: int = 1
    as_of: date | None = None
    batch_size: int = 2000

    def __post_init__(self) -> None:
        if not 0 < self.scale <= MAX_SCALE:
            raise ValueError(f"Scale must be more than 0 and at most {MAX_SCALE}.")
        if self.batch_size < 1:
            raise ValueError("Batch size must be at least 1.")
        if self.as_of is not None and self.as_of > timezone.localdate():
            raise ValueError("The as-of date must be today or earlier (staff would not have started yet).")

    @property
    def young_people(self) -> int:
        return max(1, round(YOUNG_PEOPLE_PER_SCALE * self.scale))

    def day(self) -> date:
        return self.as_of or timezone.localdate()


@dataclass
class SeedReport:
    options: SeedOptions
    as_of: date
    counts: dict[str, int] = field(default_factory=dict)
    stages: list[tuple[str, str, float]] = field(default_factory=list)
    people: PeopleStats = field(default_factory=PeopleStats)
    demo_users: dict[str, str] = field(default_factory=dict)  # role code -> username
    seconds: float = 0.0

    @property
    def truth(self) -> list[TruthPair]:
        return self.people.truth

    def summary(self) -> dict[str, Any]:
        """What the audit event records (counts, never names)."""
        return {
            "scale": self.options.scale,
            "seed": self.options.seed,
            "as_of": self.as_of.isoformat(),
            "young_people": self.people.young_people,
            "near_duplicates": self.people.duplicates,
            "households": self.people.households,
            "rows": dict(sorted(self.counts.items())),
            "seconds": round(self.seconds, 1),
        }


def generate(options: SeedOptions, sink: Sink, progress: Progress | None = None) -> SeedReport:
    """Make the county and hand every row to ``sink``. Needs the reference data in the database."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    as_of = options.day()
    report = SeedReport(options, as_of)

    def stage(name: str, detail: str, since: float) -> float:
        now = time.perf_counter()
        report.stages.append((name, detail, now - since))
        say(f"  {name}: {detail} ({now - since:.1f}s)")
        return now

    mark = started
    multiplier = multiplier_for(options.scale)
    refs = Refs.load()
    geography = Geography(options.seed, multiplier)
    county = build_county(options.seed, geography, multiplier)
    # Staff first: a large service is split into teams of its own as its workers are placed.
    staff = build_staff(
        seed=options.seed,
        as_of=as_of,
        county=county,
        young_people=options.young_people,
        geography=geography,
        hash_password=sink.writes_database,
    )
    sink.extend(county.agencies)
    sink.extend(county.teams)
    sink.extend(info.school for info in county.schools)
    sink.flush()
    mark = stage(
        "agencies, teams and schools",
        f"{len(county.agencies):,} agencies, {len(county.teams):,} teams, {len(county.schools):,} schools",
        mark,
    )

    sink.extend(staff.users)
    sink.extend(staff.memberships)
    sink.extend(staff.authenticators)
    sink.flush()
    if sink.writes_database:
        grant_admin_permissions(staff.demo["system-administrator"])
    report.demo_users = {role: user.username for role, user in staff.demo.items()}
    mark = stage("staff", f"{len(staff.users):,} users, {len(staff.demo)} of them demo users", mark)

    network = NetworkPlanner(seed=options.seed, as_of=as_of, county=county, staff=staff, refs=refs)
    duplicates = DuplicateMaker(seed=options.seed, as_of=as_of, refs=refs, network=network)
    builder = PeopleBuilder(
        seed=options.seed,
        as_of=as_of,
        refs=refs,
        geography=geography,
        county=county,
        sink=sink,
        allocate=network.for_young_person,
        duplicate=duplicates.make,
        flush_every=max(5 * options.batch_size, 10_000),
    )
    total = options.young_people

    def people_progress(done: int) -> None:
        say(f"    {done:,} of {total:,} young people ({time.perf_counter() - mark:.0f}s)")

    report.people = builder.run(total, people_progress if total >= 10_000 else None)
    report.counts = dict(sink.counts)
    stage(
        "people",
        f"{report.people.young_people:,} young people in {report.people.households:,} households, "
        f"{report.people.duplicates:,} near-duplicate records, "
        f"{report.counts.get('people.Person', 0):,} person records in all",
        mark,
    )
    report.seconds = time.perf_counter() - started
    return report


def already_seeded_reason() -> str | None:
    if Person.objects.exists():
        return "this database already holds people"
    if User.objects.filter(username__startswith=DEMO_USERNAME_PREFIX).exists():
        return "this database already has demo users"
    if Agency.objects.exists():
        return "this database already has agencies"
    return None


def seed_database(options: SeedOptions, progress: Progress | None = None) -> SeedReport:
    """Seed an empty database in one transaction, and record one ``demo.seeded`` audit event."""
    if getattr(settings, "PRODUCTION", False):
        raise SeedRefusedError("Synthetic data is never seeded in production (HARBOUR_ENV=prod).")
    started = time.perf_counter()
    with transaction.atomic():
        reason = already_seeded_reason()
        if reason is not None:
            raise SeedRefusedError(
                f"Already seeded: {reason}. Seeding adds a whole county, so it only runs on an empty "
                "database; use a fresh one (for example a new HARBOUR_HOME or DATABASE_URL)."
            )
        load_reference_data()
        report = generate(options, DatabaseSink(options.batch_size), progress)
        audit.record(None, SEEDED_ACTION, detail=report.summary())
    # Include the commit: PostgreSQL checks the (deferred) foreign keys of every row there.
    report.seconds = time.perf_counter() - started
    return report


def analyze() -> None:
    """Give PostgreSQL's planner statistics for every table, as autovacuum would later, so the first
    requests are not planned for empty tables. Run once everything is written: run earlier, new plans
    would change the order of the rows some stages read where their ordering has ties (an assessment's
    lead among two allocations starting the same day), and so the data. Changes no row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def truth_pairs(options: SeedOptions) -> list[TruthPair]:
    """Recompute the pairs (duplicates, twins, siblings) of a seed without writing anything."""
    return generate(options, Sink()).truth


def recorded_seed() -> dict[str, Any] | None:
    """What the last ``demo.seeded`` event says: scale, seed, as_of..."""
    event = AuditEvent.objects.filter(action=SEEDED_ACTION).order_by("-id").first()
    return dict(event.detail) if event is not None else None


TRUTH_COLUMNS = ["record_id", "other_record_id", "relation", "differences"]


def write_truth_file(path: Path, pairs: list[TruthPair]) -> None:
    """CSV: each near-duplicate with the record it duplicates, and twins and siblings (known
    non-matches). ``differences`` lists the duplicate's deliberate differences, separated by ';'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        for pair in pairs:
            writer.writerow([pair.record_id, pair.other_record_id, pair.relation, ";".join(pair.differences)])


def read_truth_file(path: Path) -> list[TruthPair]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            TruthPair(
                uuid.UUID(row["record_id"]),
                uuid.UUID(row["other_record_id"]),
                row["relation"],
                tuple(code for code in row["differences"].split(";") if code),
            )
            for row in csv.DictReader(handle)
        ]
