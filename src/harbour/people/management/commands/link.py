"""`harbour link INPUT.csv --output OUT.csv [--against-known | --link-to OTHER.csv [--one-to-one]
[--same-people]] [--model PATH] [--retrain]`: batch linkage.

Links an agency's records within themselves and, with --against-known, to the young people already in
Harbour; or, with --link-to, one file to another (pairs across the two files only, optionally one
record to at most one), with Splink on DuckDB (people/linkage/). Writes OUT.csv (record_id, cluster_id,
person_id, match_probability, for two files source_file, then the input's own columns), OUT.review.csv
(pairs for a person to check), OUT.errors.csv (rows left out, with line numbers and reasons) and,
unless --model names one, the trained model beside the output. See docs/matching.md, "Batch linkage".
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
from harbour.people.linkage import io, model, run
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
    help = (
        "Link an agency's CSV of young people within itself and, with --against-known, to Harbour; "
        "or, with --link-to, one file to another."
    )

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
        parser.add_argument(
            "--link-to",
            type=Path,
            metavar="OTHER.csv",
            help="Link INPUT to this second file (same columns): only pairs across the two files are "
            "compared, never two rows of one file. Not with --against-known.",
        )
        parser.add_argument(
            "--one-to-one",
            action="store_true",
            help="With --link-to, when each file lists a young person at most once: each row is linked to "
            "at most one row of the other file, the most probable pair first.",
        )
        parser.add_argument(
            "--same-people",
            action="store_true",
            help="With --link-to, when both files list the same young people, each once (implies "
            "--one-to-one): then also link, between rows still without a partner, pairs the twins rule "
            "keeps apart. Wrong if one twin is in each file; see docs/matching.md.",
        )

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
        other: Path | None = options["link_to"]
        same_people: bool = options["same_people"]
        one_to_one: bool = options["one_to_one"] or same_people
        model_path: Path = options["model"] or sibling(output, "model.json")
        retrain = options["retrain"] or options["model"] is None
        inputs = [source] if other is None else [source, other]
        _check_options(inputs, output, against_known=options["against_known"], one_to_one=one_to_one)

        reads: list[io.ReadResult] = []
        for path in inputs:
            self._say(f"read: checking {path}...")
            try:
                reads.append(io.read_records(path))
            except io.UnusableFileError as error:
                raise CommandError(str(error)) from None
        errors_path = sibling(output, "errors.csv")
        problems = [problem for read in reads for problem in read.problems]
        io.write_problems(errors_path, problems, with_file=other is not None)
        for path, read in zip(inputs, reads, strict=True):
            self._report_problems(read, errors_path, path if other is not None else None)

        con = duckdb.connect()
        try:
            con.register("input_rows", _table(reads[0].rows, run.RECORD_COLUMNS))
            run.execute(con, "CREATE TABLE harbour_input AS SELECT * FROM input_rows")
            if other is not None:
                con.register("other_rows", _table(reads[1].rows, run.RECORD_COLUMNS))
                run.execute(con, "CREATE TABLE harbour_other AS SELECT * FROM other_rows")
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
                link_to="harbour_other" if other is not None else None,
                one_to_one=one_to_one,
                same_people=same_people,
                model_path=model_path,
                retrain=retrain,
                progress=self._say,
            )
            written = self._write_output(con, reads, inputs, output, same_people=same_people)
            review = self._write_review(con, sibling(output, "review.csv"), inputs)
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
        rows_read = sum(read.rows_read for read in reads)
        self._say(
            "\n".join(
                [
                    "",
                    *_linked_lines(linked, inputs, against_known=known is not None, same_people=same_people),
                    f"Rows left out with problems: {rows_read - written:,} (see {errors_path}).",
                    f"Pairs to review (probability {linked.review_threshold} to "
                    f"{linked.auto_link_threshold}"
                    + (", and pairs whose row's partner was already taken" if one_to_one else "")
                    + f"): {review:,} in {sibling(output, 'review.csv')}.",
                    f"Model {'trained and saved to' if linked.trained else 'reused from'} {model_path}.",
                    f"Output: {output}. Time: {elapsed:.1f}s.",
                ]
            )
        )

    def _report_problems(self, read: io.ReadResult, errors_path: Path, path: Path | None) -> None:
        """What was read; each problem with its line, and with the file's name when there are two."""
        named = f"{path}: " if path is not None else ""
        if read.ignored_columns:
            self._say(f"read: {named}columns not used for linking: {', '.join(read.ignored_columns)}.")
        self._say(
            f"read: {named}{read.rows_read:,} rows; {len(read.rows):,} can be linked, "
            f"{read.rows_read - len(read.rows):,} left out."
        )
        for problem in read.problems[:SHOWN_PROBLEMS]:
            where = f" {problem.field}:" if problem.field else ""
            record = f" ({problem.record_id})" if problem.record_id else ""
            self.stderr.write(f"{named}line {problem.line}{record}:{where} {problem.reason}")
        if len(read.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"... and {len(read.problems) - SHOWN_PROBLEMS} more in {errors_path}.")

    def _write_output(
        self,
        con: duckdb.DuckDBPyConnection,
        reads: list[io.ReadResult],
        inputs: list[Path],
        output: Path,
        *,
        same_people: bool,
    ) -> int:
        """OUT.csv: each linked row of each file, the first file's first. For two files, a row's id in
        harbour_result carries its file's prefix (run.FILE_PREFIXES), and so does cluster_id."""
        two_files = len(inputs) > 1
        results = {
            record_id: (cluster_id, person_id, probability, set_aside)
            for record_id, cluster_id, person_id, probability, set_aside in run.execute(
                con,
                "SELECT record_id, cluster_id, person_id, match_probability, twins_rule_set_aside "
                "FROM harbour_result",
            )
        }
        columns = io.REQUIRED_COLUMNS + io.OPTIONAL_COLUMNS
        headers = {name for read in reads for name in read.header}
        extra = [name for name in columns if name in headers and name != "record_id"]
        added = (["source_file"] if two_files else []) + (["twins_rule_set_aside"] if same_people else [])
        written = 0
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(LINK_COLUMNS + added + extra)
            for number, (path, read) in enumerate(zip(inputs, reads, strict=True)):
                prefix = run.FILE_PREFIXES[number] if two_files else ""
                for row in read.rows:
                    cluster_id, person_id, probability, set_aside = results[prefix + row["record_id"]]
                    shown = "" if probability is None else f"{probability:.6f}"
                    mine = ([str(path)] if two_files else []) + (
                        ["yes" if set_aside else ""] if same_people else []
                    )
                    writer.writerow(
                        [row["record_id"], cluster_id, person_id or "", shown]
                        + mine
                        + [row.get(name, "") for name in extra]
                    )
                    written += 1
        return written

    def _write_review(self, con: duckdb.DuckDBPyConnection, path: Path, inputs: list[Path]) -> int:
        pairs = run.execute(
            con,
            "SELECT unique_id_l, unique_id_r, match_probability FROM harbour_review "
            "ORDER BY match_probability DESC, unique_id_l, unique_id_r",
        )
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if len(inputs) > 1:
                # Two files: each side's record_id with its file, the first file's on the left.
                files = dict(zip(run.FILE_PREFIXES, inputs, strict=True))
                writer.writerow(
                    ["record_id", "source_file", "other_record_id", "other_source_file", "match_probability"]
                )
                for first, second, probability in pairs:
                    left, right = sorted((first, second))
                    writer.writerow(
                        [
                            left[len(run.FILE_PREFIXES[0]) :],
                            files[left[: len(run.FILE_PREFIXES[0])]],
                            right[len(run.FILE_PREFIXES[1]) :],
                            files[right[: len(run.FILE_PREFIXES[1])]],
                            f"{probability:.6f}",
                        ]
                    )
                return len(pairs)
            persons = dict(
                run.execute(con, "SELECT unique_id, person_id FROM harbour_prepared WHERE is_known")
            )
            writer.writerow(["record_id", "other_record_id", "other_person_id", "match_probability"])
            for first, second, probability in pairs:
                record, other = (second, first) if first in persons else (first, second)
                other_person = persons.get(other, "")
                writer.writerow([record, "" if other_person else other, other_person, f"{probability:.6f}"])
        return len(pairs)


def _check_options(inputs: list[Path], output: Path, *, against_known: bool, one_to_one: bool) -> None:
    if any(output.resolve() == path.resolve() for path in inputs):
        raise CommandError("--output must not be an input file.")
    if not output.parent.exists():
        raise CommandError(f"--output: the folder {output.parent} does not exist.")
    if len(inputs) > 1 and inputs[1].resolve() == inputs[0].resolve():
        raise CommandError("--link-to must name a second file, not INPUT again.")
    if len(inputs) > 1 and against_known:
        raise CommandError("--link-to links two files to each other; it cannot be used with --against-known.")
    if one_to_one and len(inputs) == 1:
        raise CommandError("--one-to-one and --same-people link two files: name the second with --link-to.")


def _linked_lines(
    linked: run.Linked, inputs: list[Path], *, against_known: bool, same_people: bool
) -> list[str]:
    """The summary's first lines: what was linked to what, and how."""
    if len(inputs) == 1:
        return [
            f"Linked {linked.records:,} rows into {linked.clusters:,} clusters "
            f"(auto-link threshold {linked.auto_link_threshold}).",
            f"Links to people known to Harbour: {linked.links_to_known:,}."
            if against_known
            else "Not linked to people known to Harbour (use --against-known).",
        ]
    source, other = inputs
    how = f"auto-link threshold {linked.auto_link_threshold}"
    if linked.one_to_one:
        how = f"one-to-one at {model.ONE_TO_ONE_THRESHOLD}" + (
            f", then the same people at {model.SAME_PEOPLE_THRESHOLD}" if same_people else ""
        )
    lines = [
        f"Linked {linked.records:,} rows of {source} to {linked.other_records:,} rows of {other} ({how}): "
        f"{linked.clusters:,} clusters.",
        f"Linked across the files: {linked.linked_across[0]:,} rows of {source} and "
        f"{linked.linked_across[1]:,} rows of {other}.",
    ]
    if same_people:
        lines.append(
            f"Pairs linked with the twins rule set aside: {linked.twins_rule_set_aside:,} "
            "(twins_rule_set_aside is yes in the output: check them)."
        )
    return lines


def _table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> Any:
    import pyarrow as pa

    schema = pa.schema([(name, pa.string()) for name in columns])
    return pa.table({name: [row.get(name) or None for row in rows] for name in columns}, schema=schema)
