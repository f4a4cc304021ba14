"""`harbour seed --scale N --seed S`: a deterministic synthetic county in an empty database."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.demo.assessments import seed_assessments
from harbour.demo.constants import DEMO_ROLES, demo_password
from harbour.demo.duplicate_queue import populate_duplicate_queue
from harbour.demo.education import seed_education
from harbour.demo.missing import seed_missing
from harbour.demo.referrals import seed_referrals
from harbour.demo.seed import (
    SeedOptions,
    SeedRefusedError,
    analyze,
    recorded_seed,
    seed_database,
    truth_pairs,
    write_truth_file,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of must be a date like 2026-11-26, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Seed a synthetic county into an empty database: agencies, teams, schools, staff (one demo user "
        "per role), young people aged 10 to 19 with their families, networks and some near-duplicate "
        "records. The same --scale, --seed and --as-of always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="1 is a county of about 2,000 young people; fractions work (0.02 is 40).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Different seeds give different counties.")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="The day ages and dates are counted from (default: today).",
        )
        parser.add_argument(
            "--truth-file",
            type=Path,
            default=None,
            help="Write the near-duplicate pairs (and twins and siblings) to this CSV file.",
        )
        parser.add_argument(
            "--truth-only",
            action="store_true",
            help="Write --truth-file for this scale and seed without touching the database.",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per INSERT.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seed_options = SeedOptions(
                scale=options["scale"],
                seed=options["seed"],
                as_of=options["as_of"],
                batch_size=options["batch_size"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        truth_file: Path | None = options["truth_file"]
        if options["truth_only"]:
            self._truth_only(seed_options, truth_file)
            return
        self.stdout.write(
            f"Seeding a synthetic county: scale {seed_options.scale:g}, seed {seed_options.seed}, "
            f"as of {seed_options.day().isoformat()}."
        )
        started = time.perf_counter()
        try:
            report = seed_database(seed_options, progress=self.stdout.write)
        except SeedRefusedError as error:
            raise CommandError(str(error)) from error
        # The possible-duplicates queue: the real scan, and a few decisions (demo/duplicate_queue.py).
        populate_duplicate_queue(
            truth=report.truth,
            demo_users=report.demo_users,
            young_people=report.people.young_people,
            progress=self.stdout.write,
        )
        # The front door: six months of referrals, decisions and breaches (demo/referrals.py).
        seed_referrals(
            seed=seed_options.seed,
            as_of=report.as_of,
            scale=seed_options.scale,
            demo_users=report.demo_users,
            progress=self.stdout.write,
        )
        # Joint exploitation risk assessments: histories, reviews, open work (demo/assessments.py).
        seed_assessments(
            seed=seed_options.seed,
            as_of=report.as_of,
            scale=seed_options.scale,
            demo_users=report.demo_users,
            progress=self.stdout.write,
        )
        # Education: attendance, exclusions, AP, children missing education (demo/education.py).
        seed_education(
            seed=seed_options.seed,
            as_of=report.as_of,
            demo_users=report.demo_users,
            progress=self.stdout.write,
        )
        # Missing from home or care: episodes, return home interviews, triggers (demo/missing.py).
        seed_missing(
            seed=seed_options.seed,
            as_of=report.as_of,
            scale=seed_options.scale,
            demo_users=report.demo_users,
            progress=self.stdout.write,
        )
        analyze()
        counts = report.counts
        people = report.people
        persons = counts.get("people.Person", 0)
        twins = people.twins // 2
        lines = [
            (
                "young people",
                f"{people.young_people:,} ({twins:,} {'pair' if twins == 1 else 'pairs'} of twins)",
            ),
            ("near-duplicate records", f"{people.duplicates:,}"),
            ("parents and carers", f"{persons - people.young_people - people.duplicates:,}"),
            ("addresses", f"{counts.get('people.Address', 0):,}"),
            ("relationships", f"{counts.get('people.Relationship', 0):,}"),
            ("aliases", f"{counts.get('people.PersonAlias', 0):,}"),
            ("allocations", f"{counts.get('access.Allocation', 0):,}"),
            (
                "agencies",
                f"{counts.get('accounts.Agency', 0):,} ({counts.get('people.School', 0):,} schools)",
            ),
            ("teams", f"{counts.get('accounts.Team', 0):,}"),
            ("staff users", f"{counts.get('accounts.User', 0):,} ({len(report.demo_users)} demo users)"),
        ]
        self.stdout.write(self.style.SUCCESS(f"Seeded in {time.perf_counter() - started:.1f}s:"))
        for label, value in lines:
            self.stdout.write(f"  {label:<24}{value}")
        usernames = ", ".join(report.demo_users[role] for role in DEMO_ROLES if role in report.demo_users)
        self.stdout.write(f"Demo users ({usernames}) sign in with the password {demo_password()!r};")
        self.stdout.write("`harbour demo_logins` lists them.")
        if truth_file is not None:
            write_truth_file(truth_file, report.truth)
            self.stdout.write(f"Wrote {len(report.truth):,} pairs to {truth_file}.")

    def _truth_only(self, seed_options: SeedOptions, truth_file: Path | None) -> None:
        if truth_file is None:
            raise CommandError("--truth-only needs --truth-file PATH.")
        if seed_options.as_of is None:
            recorded = recorded_seed()
            if (
                recorded
                and recorded.get("seed") == seed_options.seed
                and recorded.get("scale") == seed_options.scale
                and recorded.get("as_of")
            ):
                seed_options = SeedOptions(
                    scale=seed_options.scale,
                    seed=seed_options.seed,
                    as_of=_date(recorded["as_of"]),
                    batch_size=seed_options.batch_size,
                )
                self.stdout.write(f"Using the date this database was seeded as of: {recorded['as_of']}.")
        try:
            pairs = truth_pairs(seed_options)
        except ValueError as error:
            raise CommandError(str(error)) from error
        write_truth_file(truth_file, pairs)
        self.stdout.write(
            f"Wrote {len(pairs):,} pairs to {truth_file} "
            f"(scale {seed_options.scale:g}, seed {seed_options.seed}, "
            f"as of {seed_options.day().isoformat()})."
        )
