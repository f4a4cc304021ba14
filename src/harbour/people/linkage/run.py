# ruff: noqa: S608  (SQL is assembled from this module's own table and column names, never input)
"""The batch linkage pipeline on DuckDB: prepare, train (or load the model), predict, cluster.

Works on DuckDB tables so the same code serves `harbour link` (rows checked by io.py, and Harbour's
known people) and the benchmarks (a generated CSV read straight into DuckDB). No Django here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker

from harbour.people.linkage import model

Progress = Callable[[str], None]

# The columns a records table must have (all text; empty or NULL when unknown). Known people's tables
# also have `postcode_history` and `address_history` (earlier ones, separated by "|") and `person_id`.
RECORD_COLUMNS = (
    "record_id",
    "first_name",
    "middle_names",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "school",
    "nhs_number",
    "upn",
)
KNOWN_PREFIX = "known:"

FOLD_MACRO = r"""
CREATE OR REPLACE MACRO harbour_special_letters(x) AS replace(replace(replace(replace(replace(
    translate(lower(x), 'łøđðıħŧ', 'loddiht'), 'þ', 'th'), 'ß', 'ss'), 'ẞ', 'ss'), 'æ', 'ae'), 'œ', 'oe');
CREATE OR REPLACE MACRO harbour_fold(x) AS nullif(trim(regexp_replace(regexp_replace(
    lower(strip_accents(harbour_special_letters(coalesce(x, '')))), '[''' || chr(8217) || ']', '', 'g'),
    '[^a-z0-9]+', ' ', 'g')), '');
CREATE OR REPLACE MACRO harbour_postcode(x) AS CASE
    WHEN length(upper(replace(coalesce(x, ''), ' ', ''))) > 3
    THEN left(upper(replace(x, ' ', '')), length(replace(x, ' ', '')) - 3) || ' '
        || right(upper(replace(x, ' ', '')), 3)
    ELSE nullif(upper(replace(coalesce(x, ''), ' ', '')), '') END;
"""

# Comparisons read these columns (model.py); names folded the way people/names.py folds them.
PREPARE_SQL = """
CREATE OR REPLACE TABLE {target} AS
WITH base AS (
    SELECT
        {id_expression} AS unique_id,
        {known_expression} AS is_known,
        {person_expression} AS person_id,
        harbour_fold(first_name) AS first_name,
        harbour_fold(last_name) AS surname,
        harbour_fold(middle_names) AS middle_names_text,
        nullif(trim(date_of_birth), '') AS dob,
        CASE WHEN lower(trim(gender)) IN ('m', 'male', 'boy') THEN 'male'
             WHEN lower(trim(gender)) IN ('f', 'female', 'girl') THEN 'female'
             WHEN lower(trim(gender)) = 'non-binary' THEN 'non-binary'
             ELSE NULL END AS gender,
        harbour_postcode(postcode) AS postcode,
        {history_expression} AS postcode_history,
        harbour_fold(address) AS address,
        {address_history_expression} AS address_history,
        harbour_fold(school) AS school,
        nullif(replace(trim(nhs_number), ' ', ''), '') AS nhs_number,
        nullif(upper(trim(upn)), '') AS upn
    FROM {source}
)
SELECT
    base.unique_id, base.is_known, base.person_id, base.first_name, base.surname,
    CASE WHEN base.middle_names_text IS NULL THEN NULL
         ELSE string_split(base.middle_names_text, ' ') END AS middle_names,
    string_split(base.surname, ' ') AS surname_parts,
    groups.groups AS first_name_groups,
    coalesce(groups.groups[1], base.first_name) AS first_name_key,
    base.dob,
    substr(base.dob, 1, 4) AS dob_year,
    substr(base.dob, 6, 2) AS dob_month,
    substr(base.dob, 9, 2) AS dob_day,
    base.gender,
    base.postcode,
    list_distinct(list_filter(
        list_concat([base.postcode], string_split(coalesce(base.postcode_history, ''), '|')),
        lambda p: p IS NOT NULL AND p <> '')) AS postcodes,
    split_part(base.postcode, ' ', 1) AS outward,
    base.address,
    list_distinct(list_filter(
        list_concat([base.address], list_transform(string_split(coalesce(base.address_history, ''), '|'),
            lambda a: harbour_fold(a))),
        lambda a: a IS NOT NULL AND a <> '')) AS addresses,
    base.school, base.nhs_number, base.upn,
    -- Copies read only by the first-name levels whose weights are fixed (swapped names, twins), so
    -- that training blocked on the originals can still estimate the first-name comparison.
    base.surname AS copy_surname,
    base.dob AS copy_dob,
    substr(base.dob, 1, 5) || substr(base.dob, 9, 2) || '-' || substr(base.dob, 6, 2) AS copy_dob_swapped,
    base.nhs_number AS copy_nhs_number,
    base.upn AS copy_upn
FROM base
LEFT JOIN harbour_name_groups AS groups ON groups.name = base.first_name
"""


def execute(con: duckdb.DuckDBPyConnection, sql: str, parameters: Any = None) -> list[Any]:
    """Run one statement and fetch all of it (DuckDB refuses new work while a result is unfinished)."""
    return con.execute(sql, parameters).fetchall()


@dataclass
class Linked:
    """What a run produced. The tables live in the DuckDB connection."""

    records: int
    known_rows: int
    clusters: int
    links_to_known: int
    review_pairs: int
    auto_link_threshold: float
    review_threshold: float
    timings: dict[str, float] = field(default_factory=dict)
    model_path: Path | None = None
    trained: bool = False


def register_name_groups(con: duckdb.DuckDBPyConnection, groups: Iterable[Iterable[str]]) -> None:
    """The nickname table as (folded name, the codes of every group holding it)."""
    from harbour.people.names import fold

    members: dict[str, set[str]] = {}
    for group in groups:
        names = [folded for name in group if (folded := fold(name))]
        if not names:
            continue
        code = names[0]
        for name in names:
            members.setdefault(name, set()).add(code)
    execute(con, "CREATE OR REPLACE TABLE harbour_name_groups (name VARCHAR, groups VARCHAR[])")
    if members:
        values = [(name, sorted(codes)) for name, codes in sorted(members.items())]
        con.executemany("INSERT INTO harbour_name_groups VALUES (?, ?)", values).fetchall()


def name_groups_from_json(path: Path) -> list[list[str]]:
    """The nickname groups from the reference file (people/reference/nicknames.json)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["people.NameVariant"]
    return [[row["code"], *row.get("variants", "").split(",")] for row in rows]


def prepare(con: duckdb.DuckDBPyConnection, *, records: str, known: str | None = None) -> int:
    """Build the `harbour_prepared` table from the records (and known people) tables."""
    execute(con, FOLD_MACRO)
    execute(
        con,
        PREPARE_SQL.format(
            target="harbour_prepared_records",
            source=records,
            id_expression="record_id",
            known_expression="false",
            person_expression="CAST(NULL AS VARCHAR)",
            history_expression="CAST(NULL AS VARCHAR)",
            address_history_expression="CAST(NULL AS VARCHAR)",
        ),
    )
    parts = ["SELECT * FROM harbour_prepared_records"]
    known_rows = 0
    if known is not None:
        execute(
            con,
            PREPARE_SQL.format(
                target="harbour_prepared_known",
                source=known,
                id_expression=f"'{KNOWN_PREFIX}' || record_id",
                known_expression="true",
                person_expression="person_id",
                history_expression="postcode_history",
                address_history_expression="address_history",
            ),
        )
        parts.append("SELECT * FROM harbour_prepared_known")
        known_rows = _scalar(con, "SELECT count(*) FROM harbour_prepared_known")
    execute(con, "CREATE OR REPLACE TABLE harbour_prepared AS " + " UNION ALL ".join(parts))
    return known_rows


def _blocking_sql(rule: Any) -> str:
    return rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql


def blocking_rules_for(*, against_known: bool) -> list[str]:
    """The model's blocking rules; against known people, pairs of two known rows are never formed."""
    rules = [_blocking_sql(rule) for rule in model.blocking_rules()]
    if against_known:
        rules = [f"({rule}) AND NOT (l.is_known AND r.is_known)" for rule in rules]
    return rules


def pairs_in_block(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> int:
    """How many pairs of prepared records agree on all these columns."""
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    grouped = ", ".join(columns)
    return _scalar(
        con,
        f"SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM harbour_prepared "
        f"WHERE {present} GROUP BY {grouped})",
    )


def _timed(timings: dict[str, float], stage: str, progress: Progress) -> Callable[[], None]:
    started = time.perf_counter()
    progress(f"{stage}...")

    def done() -> None:
        timings[stage] = time.perf_counter() - started
        progress(f"{stage}: done in {timings[stage]:.1f}s")

    return done


def link(
    con: duckdb.DuckDBPyConnection,
    *,
    records: str,
    known: str | None = None,
    model_path: Path | None = None,
    retrain: bool = False,
    progress: Progress = lambda message: None,
    settings: Any = None,
) -> Linked:
    """Link the records table within itself (and to the known table). Leaves tables in ``con``:

    - ``harbour_pairs``: scored pairs at or above the review threshold;
    - ``harbour_clusters``: unique_id, cluster_id (clustered at the auto-link threshold);
    - ``harbour_result``: record_id, cluster_id, person_id, match_probability for each input record;
    - ``harbour_review``: pairs between the two thresholds in different clusters, for a person to check.
    """
    # Splink explains each training step at INFO; the stages and the summary are ours to report.
    logging.getLogger("splink").setLevel(logging.WARNING)
    timings: dict[str, float] = {}
    done = _timed(timings, "load", progress)
    known_rows = prepare(con, records=records, known=known)
    record_count = _scalar(con, "SELECT count(*) FROM harbour_prepared_records")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("harbour_prepared")
    done()

    trained = False
    done = _timed(timings, "train", progress)
    rules = blocking_rules_for(against_known=known is not None)
    if model_path is not None and model_path.exists() and not retrain:
        saved = json.loads(model_path.read_text(encoding="utf-8"))
        saved["blocking_rules_to_generate_predictions"] = rules
        saved["link_type"] = "dedupe_only"
        linker = Linker(table, saved, log_level=None)
    else:
        creator = settings or model.harbour_settings()
        creator.blocking_rules_to_generate_predictions = rules
        linker = Linker(table, creator, log_level=None)
        model.train(linker, pairs_in_block=lambda columns: pairs_in_block(con, columns))
        trained = True
        if model_path is not None:
            model_path.parent.mkdir(parents=True, exist_ok=True)
            linker.misc.save_model_to_json(str(model_path), overwrite=True)
    done()

    done = _timed(timings, "predict", progress)
    predictions = linker.inference.predict(
        threshold_match_probability=model.REVIEW_THRESHOLD, warning_mode="never"
    )
    execute(
        con,
        "CREATE OR REPLACE TABLE harbour_pairs AS SELECT unique_id_l, unique_id_r, match_probability "
        f"FROM {predictions.physical_name}",
    )
    done()

    done = _timed(timings, "cluster", progress)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=model.AUTO_LINK_THRESHOLD
    )
    execute(
        con,
        "CREATE OR REPLACE TABLE harbour_clusters AS SELECT unique_id, cluster_id "
        f"FROM {clusters.physical_name}",
    )
    summary = _results(con, against_known=known is not None)
    done()
    return Linked(
        records=record_count,
        known_rows=known_rows,
        auto_link_threshold=model.AUTO_LINK_THRESHOLD,
        review_threshold=model.REVIEW_THRESHOLD,
        timings=timings,
        model_path=model_path,
        trained=trained,
        **summary,
    )


RESULT_SQL = """
CREATE OR REPLACE TABLE harbour_result AS
WITH members AS (
    SELECT c.unique_id, c.cluster_id, p.is_known, p.person_id
    FROM harbour_clusters AS c JOIN harbour_prepared AS p USING (unique_id)
),
cluster_people AS (
    -- A cluster holding exactly one known person is that person; two or more is left for review.
    SELECT cluster_id, min(person_id) AS person_id, count(DISTINCT person_id) AS people
    FROM members WHERE is_known GROUP BY cluster_id
),
labels AS (
    SELECT cluster_id, min(unique_id) AS label FROM members WHERE NOT is_known GROUP BY cluster_id
),
edges AS (
    SELECT unique_id_l AS unique_id, unique_id_r AS other, match_probability FROM harbour_pairs
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_probability FROM harbour_pairs
),
best AS (
    SELECT e.unique_id, max(e.match_probability) AS match_probability
    FROM edges AS e
    JOIN harbour_clusters AS a ON a.unique_id = e.unique_id
    JOIN harbour_clusters AS b ON b.unique_id = e.other AND b.cluster_id = a.cluster_id
    GROUP BY e.unique_id
)
SELECT
    m.unique_id AS record_id,
    labels.label AS cluster_id,
    CASE WHEN cluster_people.people = 1 THEN cluster_people.person_id END AS person_id,
    CASE WHEN cluster_people.people > 1 THEN true ELSE false END AS several_known,
    best.match_probability
FROM members AS m
JOIN labels USING (cluster_id)
LEFT JOIN cluster_people USING (cluster_id)
LEFT JOIN best USING (unique_id)
WHERE NOT m.is_known
"""

REVIEW_SQL = """
CREATE OR REPLACE TABLE harbour_review AS
SELECT
    p.unique_id_l, p.unique_id_r, p.match_probability,
    a.cluster_id AS cluster_l, b.cluster_id AS cluster_r
FROM harbour_pairs AS p
JOIN harbour_clusters AS a ON a.unique_id = p.unique_id_l
JOIN harbour_clusters AS b ON b.unique_id = p.unique_id_r
WHERE p.match_probability < {auto} AND a.cluster_id <> b.cluster_id
ORDER BY p.match_probability DESC
"""


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = execute(con, sql)
    return int(rows[0][0] or 0) if rows else 0


def _results(con: duckdb.DuckDBPyConnection, *, against_known: bool) -> dict[str, int]:
    execute(con, RESULT_SQL)
    execute(con, REVIEW_SQL.format(auto=model.AUTO_LINK_THRESHOLD))
    return {
        "clusters": _scalar(con, "SELECT count(DISTINCT cluster_id) FROM harbour_result"),
        "links_to_known": _scalar(con, "SELECT count(*) FROM harbour_result WHERE person_id IS NOT NULL"),
        "review_pairs": _scalar(con, "SELECT count(*) FROM harbour_review"),
    }
