# ruff: noqa: S608  (SQL is assembled from table names in this file, never from input)
"""Batch linkage benchmark: Harbour's model against a plain Splink model on the same labelled data.

For each scale (BENCH_SCALES, default "100000"): generate labelled messy records
(harbour.people.linkage.generator), link them with Harbour's model (harbour.people.linkage.run, the
pipeline `harbour link` uses) and with Splink's own example model (names, date of birth, postcode,
town with term frequencies), and measure pairwise precision and recall at the auto-link and review
thresholds, and the time of each stage. Not a test: it prints a Markdown report and, with --write,
puts it in benchmarks/README.md between the batch-linkage markers.

    .venv/bin/python benchmarks/batch_linkage.py [--scales 100000,1000000] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from splink import DuckDBAPI, Linker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from readme_sections import replace_section  # noqa: E402  (febrl.py imports it from here too)

from harbour.people.linkage import generator, model, run  # noqa: E402
from harbour.people.linkage.run import execute  # noqa: E402

NICKNAMES = REPO / "src" / "harbour" / "people" / "reference" / "nicknames.json"
START, END = "<!-- batch-linkage:start -->", "<!-- batch-linkage:end -->"


@dataclass
class Accuracy:
    label: str
    predicted: int
    true_positive: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.true_pairs if self.true_pairs else 1.0


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = execute(con, sql)
    return int(rows[0][0] or 0) if rows else 0


def pairwise(
    con: duckdb.DuckDBPyConnection, pairs: str, threshold: float, true_pairs: int
) -> tuple[int, int]:
    """Predicted pairs at or above the threshold, and how many are truly the same person."""
    execute(
        con,
        f"""CREATE OR REPLACE TEMP TABLE scored AS
        SELECT (a.entity_id = b.entity_id) AS same FROM {pairs} AS p
        JOIN records AS a ON a.record_id = p.unique_id_l
        JOIN records AS b ON b.record_id = p.unique_id_r
        WHERE p.match_probability >= {threshold}""",
    )
    return _one(con, "SELECT count(*) FROM scored"), _one(
        con, "SELECT count(*) FILTER (WHERE same) FROM scored"
    )


def clustered(con: duckdb.DuckDBPyConnection, clusters: str) -> tuple[int, int]:
    """Pairs the clusters imply, and how many of them are truly the same person."""
    predicted = _one(
        con,
        f"SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM {clusters} GROUP BY cluster_id)",
    )
    correct = _one(
        con,
        f"""SELECT sum(n * (n - 1) // 2) FROM (
            SELECT count(*) AS n FROM {clusters} AS c JOIN records AS r ON r.record_id = c.unique_id
            GROUP BY c.cluster_id, r.entity_id)""",
    )
    return predicted, correct


@dataclass
class FamilyMerges:
    """Brothers and sisters (and, among them, twins) wrongly put in one cluster, counted as pairs of
    young people: a wrong merge is worse than a missed one."""

    twins: int
    twin_pairs: int
    siblings: int
    sibling_pairs: int


def family_merges(con: duckdb.DuckDBPyConnection, clusters: str) -> FamilyMerges:
    execute(
        con,
        """CREATE OR REPLACE TEMP TABLE family_pairs AS
        SELECT DISTINCT a.entity_id AS first, b.entity_id AS second, a.family_id,
            (a.twin = '1' AND b.twin = '1') AS twins
        FROM (SELECT DISTINCT entity_id, family_id, twin FROM records) AS a
        JOIN (SELECT DISTINCT entity_id, family_id, twin FROM records) AS b
            ON a.family_id = b.family_id AND a.entity_id < b.entity_id""",
    )
    execute(
        con,
        f"""CREATE OR REPLACE TEMP TABLE merged_pairs AS
        SELECT DISTINCT ra.entity_id AS first, rb.entity_id AS second
        FROM {clusters} AS a JOIN {clusters} AS b ON a.cluster_id = b.cluster_id
        JOIN records AS ra ON ra.record_id = a.unique_id JOIN records AS rb ON rb.record_id = b.unique_id
        WHERE ra.family_id = rb.family_id AND ra.entity_id < rb.entity_id""",
    )
    merged = "SELECT count(*) FROM family_pairs JOIN merged_pairs USING (first, second)"
    return FamilyMerges(
        twins=_one(con, merged + " WHERE twins"),
        twin_pairs=_one(con, "SELECT count(*) FROM family_pairs WHERE twins"),
        siblings=_one(con, merged),
        sibling_pairs=_one(con, "SELECT count(*) FROM family_pairs"),
    )


def evaluate(con: duckdb.DuckDBPyConnection, pairs: str, clusters: str, true_pairs: int) -> list[Accuracy]:
    found = []
    for label, threshold in (
        (f"pairs >= auto-link {model.AUTO_LINK_THRESHOLD}", model.AUTO_LINK_THRESHOLD),
        (f"pairs >= review {model.REVIEW_THRESHOLD}", model.REVIEW_THRESHOLD),
    ):
        predicted, correct = pairwise(con, pairs, threshold, true_pairs)
        found.append(Accuracy(label, predicted, correct, true_pairs))
    predicted, correct = clustered(con, clusters)
    found.append(Accuracy(f"clusters at {model.AUTO_LINK_THRESHOLD}", predicted, correct, true_pairs))
    return found


def run_plain(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], list[str]]:
    """Splink's example model on the same prepared names, dates and postcodes, plus the town."""
    timings: dict[str, float] = {}
    execute(
        con,
        """CREATE OR REPLACE TABLE plain_input AS
        SELECT p.unique_id, p.first_name, p.surname, p.dob, p.postcode, lower(r.town) AS town
        FROM harbour_prepared AS p JOIN records AS r ON r.record_id = p.unique_id""",
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("plain_input"), model.plain_settings(), log_level=None)
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        model.PLAIN_DETERMINISTIC_RULES, recall=model.DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=model.U_SAMPLE_PAIRS, seed=model.SEED)
    for rule in model.PLAIN_EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=model.EM_MAX_PAIRS
        )
    timings["train"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(
        threshold_match_probability=model.REVIEW_THRESHOLD, warning_mode="never"
    )
    execute(
        con,
        "CREATE OR REPLACE TABLE plain_pairs AS SELECT unique_id_l, unique_id_r, match_probability "
        f"FROM {predictions.physical_name}",
    )
    timings["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=model.AUTO_LINK_THRESHOLD
    )
    execute(
        con,
        "CREATE OR REPLACE TABLE plain_clusters AS SELECT unique_id, cluster_id "
        f"FROM {clusters.physical_name}",
    )
    timings["cluster"] = time.perf_counter() - started
    return timings, []


def bench(scale: int, *, seed: int, workdir: Path) -> str:
    print(f"== batch linkage at {scale:,} records", flush=True)
    path = workdir / f"records-{scale}.csv"
    started = time.perf_counter()
    true_pairs = generator.write_csv(path, scale, seed=seed)
    generated = time.perf_counter() - started
    print(f"generated in {generated:.1f}s; {true_pairs:,} true pairs", flush=True)

    con = duckdb.connect()
    started = time.perf_counter()
    execute(con, f"CREATE TABLE records AS SELECT * FROM read_csv('{path}', all_varchar=true, header=true)")
    read = time.perf_counter() - started
    run.register_name_groups(con, run.name_groups_from_json(NICKNAMES))
    linked = run.link(
        con, records="records", progress=lambda message: print("  harbour", message, flush=True)
    )
    ours = evaluate(con, "harbour_pairs", "harbour_clusters", true_pairs)
    our_merges = family_merges(con, "harbour_clusters")
    plain_timings, _ = run_plain(con)
    plain = evaluate(con, "plain_pairs", "plain_clusters", true_pairs)
    plain_merges = family_merges(con, "plain_clusters")
    pair_count = _one(con, "SELECT count(*) FROM harbour_pairs")
    con.close()

    lines = [
        f"### {scale:,} records",
        "",
        f"{true_pairs:,} true matching pairs among {scale:,} records (seed {seed}); "
        f"{linked.clusters:,} clusters; {pair_count:,} scored pairs at or above the review threshold.",
        "",
        "| model | measure | predicted pairs | precision | recall |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, results in (("Harbour", ours), ("plain Splink", plain)):
        for accuracy in results:
            lines.append(
                f"| {name} | {accuracy.label} | {accuracy.predicted:,} | {accuracy.precision:.4f} "
                f"| {accuracy.recall:.4f} |"
            )
    lines += [
        "",
        "Brothers and sisters wrongly put in one cluster, as pairs of young people (each counted once,",
        "however many of their records were merged):",
        "",
        "| model | twins merged | brothers and sisters merged (twins included) |",
        "| --- | ---: | ---: |",
    ]
    for name, merges in (("Harbour", our_merges), ("plain Splink", plain_merges)):
        lines.append(
            f"| {name} | {merges.twins:,} of {merges.twin_pairs:,} | "
            f"{merges.siblings:,} of {merges.sibling_pairs:,} |"
        )
    total = sum(linked.timings[stage] for stage in ("train", "predict", "cluster"))
    lines += [
        "",
        "| model | read CSV | prepare | train | predict | cluster | train + predict + cluster |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| Harbour | {read:.1f}s | {linked.timings['load']:.1f}s | {linked.timings['train']:.1f}s "
        f"| {linked.timings['predict']:.1f}s | {linked.timings['cluster']:.1f}s | {total:.1f}s |",
        f"| plain Splink | | | {plain_timings['train']:.1f}s | {plain_timings['predict']:.1f}s "
        f"| {plain_timings['cluster']:.1f}s | {sum(plain_timings.values()):.1f}s |",
        "",
    ]
    report = "\n".join(lines)
    print(report, flush=True)
    return report


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, DuckDB {duckdb.__version__}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "100000"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="put the results in benchmarks/README.md")
    args = parser.parse_args(argv)
    scales = [int(scale.replace("_", "")) for scale in args.scales.split(",") if scale.strip()]
    header = (
        f"Measured {date.today().isoformat()} on {machine()}, splink {__import__('splink').__version__}. "
        "Reproduce with `BENCH_SCALES=" + ",".join(str(s) for s in scales) + " make bench`.\n"
    )
    with tempfile.TemporaryDirectory(prefix="harbour-bench-") as workdir:
        reports = [bench(scale, seed=args.seed, workdir=Path(workdir)) for scale in scales]
    report = header + "\n" + "\n".join(reports)
    if args.write:
        replace_section(START, END, report)


if __name__ == "__main__":
    main()
