"""`harbour link INPUT.csv --output OUT.csv [--against-known] [--model PATH] [--retrain]`: batch linkage.

Links an agency's records within themselves and, with --against-known, to the young people already in
Harbour, with Splink on DuckDB (people/linkage/). Writes OUT.csv (record_id, cluster_id, person_id,
match_probability, then the input's own columns), OUT.review.csv (pairs for a person to check),
OUT.errors.csv (rows left out, with line numbers and reasons) and, unless --model names one, the
trained model beside the output. See docs/matching.md, "Batch linkage".
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import duckdb
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harbour.audit import services as audit
from harbour.core import request_context
from harbour.people.linkage import io, run
from harbour.people.linkage.known import known_people_table
from harbour.people.models import NameVariant

LINK_COLUMNS = ["record_id", "cluster_id", "person_id", "match_probability"]
SHOWN_PROBLEMS = 50


def sibling(output: Path, suffix: str) -> Path:
    """OUT.csv -> OUT.review.csv, OUT.errors.csv, OUT.model.json."""
    return output.with_name(f"{output.stem}.{suffix}")


def name_groups() -> list[list[str]]:
    rows = NameVariant.objects.filter(active=True).only("code", "variants")
    return [[row.code, *row.variant_list()] for row in rows]


class Command(BaseCommand):
    help = "Link an agency's CSV of young people within itself and, with --against-known, to Harbour."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="CSV with record_id, first_name, last_name, ...")
        parser.add_argument("--output", type=Path, required=True, help="Where to write the linked CSV.")
        parser.add_argument(
            "--against-known", action="store_true", help="Also link to the young people already in Harbour."
        )
        parser.add_argument(
            "--model",
            type=Path,
            help="A model JSON to reuse; trained from this file and saved there if it does not exist yet "
            "(default: OUT.model.json, trained afresh).",
        )
        parser.add_argument("--retrain", action="store_true", help="Train even if --model exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        context = request_context.set_current(request_context.RequestContext(channel="cli"))
        try:
            self._link(options)
        finally:
            request_context.reset(context)

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _link(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        source: Path = options["input"]
        output: Path = options["output"]
        model_path: Path = options["model"] or sibling(output, "model.json")
        retrain = options["retrain"] or options["model"] is None
        if output.resolve() == source.resolve():
            raise CommandError("--output must not be the input file.")
        if not output.parent.exists():
            raise CommandError(f"--output: the folder {output.parent} does not exist.")

        self._say(f"read: checking {source}...")
        try:
            read = io.read_records(source)
        except io.UnusableFileError as error:
            raise CommandError(str(error)) from None
        errors_path = sibling(output, "errors.csv")
        io.write_problems(errors_path, read.problems)
        self._report_problems(read, errors_path)

        con = duckdb.connect()
        try:
            con.register("input_rows", _table(read.rows, run.RECORD_COLUMNS))
            run.execute(con, "CREATE TABLE harbour_input AS SELECT * FROM input_rows")
            run.register_name_groups(con, name_groups())
            known = None
            if options["against_known"]:
                self._say("known: reading the young people in Harbour...")
                known_rows = known_people_table()
                con.register("known_rows", known_rows)
                run.execute(con, "CREATE TABLE harbour_known AS SELECT * FROM known_rows")
                known = "harbour_known"
            linked = run.link(
                con,
                records="harbour_input",
                known=known,
                model_path=model_path,
                retrain=retrain,
                progress=self._say,
            )
            written = self._write_output(con, read, output)
            review = self._write_review(con, sibling(output, "review.csv"))
        finally:
            con.close()

        if options["against_known"]:
            # Reading every young person's details in bulk is a read of personal data: audited.
            audit.record(
                None,
                "person.batch_linked",
                detail={
                    "input": source.name,
                    "rows": written,
                    "links_to_known": linked.links_to_known,
                    "known_rows": linked.known_rows,
                },
            )
        elapsed = time.perf_counter() - started
        model_note = "trained and saved to" if linked.trained else "reused from"
        self._say(
            "\n".join(
                [
                    "",
                    f"Linked {written:,} rows into {linked.clusters:,} clusters "
                    f"(auto-link threshold {linked.auto_link_threshold}).",
                    f"Links to people known to Harbour: {linked.links_to_known:,}."
                    if known
                    else "Not linked to people known to Harbour (use --against-known).",
                    f"Rows left out with problems: {read.rows_read - written:,} (see {errors_path}).",
                    f"Pairs to review (probability {linked.review_threshold} to "
                    f"{linked.auto_link_threshold}): {review:,} in {sibling(output, 'review.csv')}.",
                    f"Model {model_note} {model_path}.",
                    f"Output: {output}. Time: {elapsed:.1f}s.",
                ]
            )
        )

    def _report_problems(self, read: io.ReadResult, errors_path: Path) -> None:
        if read.ignored_columns:
            self._say(f"read: columns not used for linking: {', '.join(read.ignored_columns)}.")
        self._say(
            f"read: {read.rows_read:,} rows; {len(read.rows):,} can be linked, "
            f"{read.rows_read - len(read.rows):,} left out."
        )
        for problem in read.problems[:SHOWN_PROBLEMS]:
            where = f" {problem.field}:" if problem.field else ""
            record = f" ({problem.record_id})" if problem.record_id else ""
            self.stderr.write(f"line {problem.line}{record}:{where} {problem.reason}")
        if len(read.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"... and {len(read.problems) - SHOWN_PROBLEMS} more in {errors_path}.")

    def _write_output(self, con: duckdb.DuckDBPyConnection, read: io.ReadResult, output: Path) -> int:
        results = {
            record_id: (cluster_id, person_id, probability)
            for record_id, cluster_id, person_id, probability in run.execute(
                con, "SELECT record_id, cluster_id, person_id, match_probability FROM harbour_result"
            )
        }
        extra = [name for name in read.header if name in io.REQUIRED_COLUMNS + io.OPTIONAL_COLUMNS]
        extra = [name for name in extra if name != "record_id"]
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(LINK_COLUMNS + extra)
            for row in read.rows:
                cluster_id, person_id, probability = results[row["record_id"]]
                shown = "" if probability is None else f"{probability:.6f}"
                writer.writerow(
                    [row["record_id"], cluster_id, person_id or "", shown] + [row[name] for name in extra]
                )
        return len(read.rows)

    def _write_review(self, con: duckdb.DuckDBPyConnection, path: Path) -> int:
        pairs = run.execute(
            con,
            "SELECT unique_id_l, unique_id_r, match_probability FROM harbour_review "
            "ORDER BY match_probability DESC, unique_id_l, unique_id_r",
        )
        persons = dict(run.execute(con, "SELECT unique_id, person_id FROM harbour_prepared WHERE is_known"))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record_id", "other_record_id", "other_person_id", "match_probability"])
            for first, second, probability in pairs:
                record, other = (second, first) if first in persons else (first, second)
                other_person = persons.get(other, "")
                writer.writerow([record, "" if other_person else other, other_person, f"{probability:.6f}"])
        return len(pairs)


def _table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> Any:
    import pyarrow as pa

    schema = pa.schema([(name, pa.string()) for name in columns])
    return pa.table({name: [row.get(name) or None for row in rows] for name in columns}, schema=schema)
