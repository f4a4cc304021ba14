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
# Two-file linkage: the ids of the first file (INPUT) and of the second (--link-to) inside the pipeline,
# and the start of each cluster_id in the output.
FILE_PREFIXES = ("1:", "2:")

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
    # Two files: the second file's rows, and how many rows of each file share a cluster with a row of
    # the other. One-to-one: how many of the links set the twins rule aside (model.py, one-to-one).
    other_records: int = 0
    linked_across: tuple[int, int] = (0, 0)
    one_to_one: bool = False
    twins_rule_set_aside: int = 0


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


def _prepare_records(con: duckdb.DuckDBPyConnection, *, target: str, source: str, id_prefix: str) -> None:
    execute(
        con,
        PREPARE_SQL.format(
            target=target,
            source=source,
            id_expression=f"'{id_prefix}' || record_id" if id_prefix else "record_id",
            known_expression="false",
            person_expression="CAST(NULL AS VARCHAR)",
            history_expression="CAST(NULL AS VARCHAR)",
            address_history_expression="CAST(NULL AS VARCHAR)",
        ),
    )


def prepare(
    con: duckdb.DuckDBPyConnection, *, records: str, known: str | None = None, link_to: str | None = None
) -> int:
    """Build the `harbour_prepared` table from the records (and known people) tables.

    With ``link_to`` (two files), each file's ids carry its number (``1:`` and ``2:``, FILE_PREFIXES)
    so that the same record_id may appear in both, and each file also gets its own table
    (`harbour_prepared_1`, `harbour_prepared_2`, with a `source_dataset` column) for Splink's
    link_only mode, which compares records across the two tables only.
    """
    if known is not None and link_to is not None:
        raise ValueError("Two files are linked to each other, not also to known people.")
    execute(con, FOLD_MACRO)
    _prepare_records(
        con,
        target="harbour_prepared_records",
        source=records,
        id_prefix=FILE_PREFIXES[0] if link_to is not None else "",
    )
    parts = ["SELECT * FROM harbour_prepared_records"]
    if link_to is not None:
        _prepare_records(con, target="harbour_prepared_other", source=link_to, id_prefix=FILE_PREFIXES[1])
        parts.append("SELECT * FROM harbour_prepared_other")
        for number, table in enumerate(("harbour_prepared_records", "harbour_prepared_other"), start=1):
            execute(
                con,
                f"CREATE OR REPLACE TABLE harbour_prepared_{number} AS "
                f"SELECT '{number}' AS source_dataset, * FROM {table}",
            )
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


def pairs_in_block(
    con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], *, two_files: bool = False
) -> int:
    """How many pairs of prepared records agree on all these columns (across the files, for two)."""
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    grouped = ", ".join(columns)
    if two_files:
        first = f"starts_with(unique_id, '{FILE_PREFIXES[0]}')"
        return _scalar(
            con,
            f"SELECT sum(n1 * n2) FROM (SELECT count(*) FILTER (WHERE {first}) AS n1, "
            f"count(*) FILTER (WHERE NOT {first}) AS n2 FROM harbour_prepared "
            f"WHERE {present} GROUP BY {grouped})",
        )
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
    link_to: str | None = None,
    one_to_one: bool = False,
    same_people: bool = False,
    one_to_one_threshold: float | None = None,
    same_people_threshold: float | None = None,
    model_path: Path | None = None,
    retrain: bool = False,
    progress: Progress = lambda message: None,
    settings: Any = None,
) -> Linked:
    """Link the records table within itself (and to the known table), or, with ``link_to``, to a second
    records table only (Splink's link_only: no pair within one file is formed). Leaves tables in ``con``:

    - ``harbour_pairs``: scored pairs at or above the review threshold;
    - ``harbour_clusters``: unique_id, cluster_id (clustered at the auto-link threshold, or, with
      ``one_to_one``, the pairs chosen by ``one_to_one_pairs``, listed in ``harbour_assigned``, at
      ``one_to_one_threshold`` and, with ``same_people``, ``same_people_threshold``: by default
      model.ONE_TO_ONE_THRESHOLD and model.SAME_PEOPLE_THRESHOLD);
    - with ``same_people``, ``harbour_pairs_set_aside``: the pairs scored with the twins rule set aside;
    - ``harbour_result``: record_id, cluster_id, person_id, match_probability for each input record
      (record_id prefixed with its file's FILE_PREFIXES entry when there are two files);
    - ``harbour_review``: pairs at or above the review threshold left in different clusters (below the
      auto-link threshold; one-to-one, above it too when a record's partner was already taken).
    """
    if one_to_one and link_to is None:
        raise ValueError("One-to-one linkage needs two files.")
    if same_people and not one_to_one:
        raise ValueError("Linking the same young people in two files is one-to-one.")
    two_files = link_to is not None
    # Splink explains each training step at INFO; the stages and the summary are ours to report.
    logging.getLogger("splink").setLevel(logging.WARNING)
    timings: dict[str, float] = {}
    done = _timed(timings, "load", progress)
    known_rows = prepare(con, records=records, known=known, link_to=link_to)
    record_count = _scalar(con, "SELECT count(*) FROM harbour_prepared_records")
    other_count = _scalar(con, "SELECT count(*) FROM harbour_prepared_other") if two_files else 0
    db_api = DuckDBAPI(connection=con)
    tables: Any = (
        [db_api.register("harbour_prepared_1"), db_api.register("harbour_prepared_2")]
        if two_files
        else db_api.register("harbour_prepared")
    )
    done()

    done = _timed(timings, "train", progress)
    trained = model_path is None or not model_path.exists() or retrain
    linker = _trained_linker(
        con,
        tables,
        rules=blocking_rules_for(against_known=known is not None),
        two_files=two_files,
        model_path=model_path,
        saved=None if trained or model_path is None else model_path,
        settings=settings,
    )
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
    if one_to_one:
        threshold = model.ONE_TO_ONE_THRESHOLD if one_to_one_threshold is None else one_to_one_threshold
        second: float | None = None
        if same_people:
            second = model.SAME_PEOPLE_THRESHOLD if same_people_threshold is None else same_people_threshold
            _score_twins_rule_set_aside(con, linker, tables, threshold=second)
        cluster_one_to_one(con, threshold=threshold, same_people_threshold=second)
    else:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=model.AUTO_LINK_THRESHOLD
        )
        execute(
            con,
            "CREATE OR REPLACE TABLE harbour_clusters AS SELECT unique_id, cluster_id "
            f"FROM {clusters.physical_name}",
        )
    summary = _results(con, against_known=known is not None, one_to_one=one_to_one)
    done()
    return Linked(
        records=record_count,
        known_rows=known_rows,
        auto_link_threshold=model.AUTO_LINK_THRESHOLD,
        review_threshold=model.REVIEW_THRESHOLD,
        timings=timings,
        model_path=model_path,
        trained=trained,
        other_records=other_count,
        linked_across=_linked_across(con) if two_files else (0, 0),
        one_to_one=one_to_one,
        twins_rule_set_aside=(
            _scalar(con, "SELECT count(*) FROM harbour_assigned WHERE twins_rule_set_aside")
            if one_to_one
            else 0
        ),
        **summary,
    )


def _trained_linker(
    con: duckdb.DuckDBPyConnection,
    tables: Any,
    *,
    rules: list[str],
    two_files: bool,
    model_path: Path | None,
    saved: Path | None,
    settings: Any,
) -> Linker:
    """A linker with the saved model, or one trained from these records (and saved to model_path)."""
    link_type = "link_only" if two_files else "dedupe_only"
    if saved is not None:
        loaded = json.loads(saved.read_text(encoding="utf-8"))
        loaded["blocking_rules_to_generate_predictions"] = rules
        loaded["link_type"] = link_type
        return Linker(tables, loaded, log_level=None)
    creator = settings or model.harbour_settings()
    creator.blocking_rules_to_generate_predictions = rules
    creator.link_type = link_type
    linker = Linker(tables, creator, log_level=None)
    model.train(linker, pairs_in_block=lambda columns: pairs_in_block(con, columns, two_files=two_files))
    if model_path is not None:
        model_path.parent.mkdir(parents=True, exist_ok=True)
        linker.misc.save_model_to_json(str(model_path), overwrite=True)
    return linker


Pair = tuple[str, str, float]


def assign_one_to_one(pairs: Iterable[Pair], *, taken: set[str] | None = None) -> list[Pair]:
    """Best first: the most probable pair first, each record in at most one pair (``taken`` holds the
    ids already used, and is updated). Ties go by the ids, so a run gives the same answer each time."""
    used = taken if taken is not None else set()
    chosen: list[Pair] = []
    for left, right, probability in sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1])):
        if left in used or right in used:
            continue
        used.add(left)
        used.add(right)
        chosen.append((left, right, probability))
    return chosen


def _score_twins_rule_set_aside(
    con: duckdb.DuckDBPyConnection, linker: Linker, tables: Any, *, threshold: float
) -> None:
    """``harbour_pairs_set_aside``: the pairs scored again with the twins levels weighing as any
    different first name (model.twins_rule_set_aside), at or above ``threshold``."""
    relaxed = Linker(tables, model.twins_rule_set_aside(linker.misc.save_model_to_json()), log_level=None)
    pairs = relaxed.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    execute(
        con,
        "CREATE OR REPLACE TABLE harbour_pairs_set_aside AS "
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {pairs.physical_name}",
    )


def one_to_one_pairs(
    con: duckdb.DuckDBPyConnection, *, threshold: float, same_people_threshold: float | None = None
) -> list[tuple[str, str, float, bool]]:
    """Two files that each list a young person at most once: the pairs resolved one-to-one, best first,
    each with whether it set the twins rule aside.

    1. The model's pairs (``harbour_pairs``) at or above ``threshold``; the twins rule holds.
    2. Only with ``same_people_threshold`` (both files list the same young people): among the records
       still without a partner, the pairs scored with the twins rule set aside
       (``harbour_pairs_set_aside``) at or above it. Twins who are both in both files have each found
       their own record in the first pass, so what this pass links is a record whose given name was
       wholly changed; but one twin in each file is linked too (docs/matching.md, "Two files").
    """
    taken: set[str] = set()
    query = "SELECT unique_id_l, unique_id_r, match_probability FROM {table} WHERE match_probability >= ?"
    first = assign_one_to_one(execute(con, query.format(table="harbour_pairs"), [threshold]), taken=taken)
    second = (
        assign_one_to_one(
            execute(con, query.format(table="harbour_pairs_set_aside"), [same_people_threshold]), taken=taken
        )
        if same_people_threshold is not None
        else []
    )
    return [(*pair, False) for pair in first] + [(*pair, True) for pair in second]


def cluster_one_to_one(
    con: duckdb.DuckDBPyConnection, *, threshold: float, same_people_threshold: float | None = None
) -> None:
    """``harbour_assigned`` (the pairs of one_to_one_pairs) and ``harbour_clusters`` (each pair a cluster,
    every other record alone)."""
    import pyarrow as pa

    chosen = one_to_one_pairs(con, threshold=threshold, same_people_threshold=same_people_threshold)
    assigned = pa.table(
        {
            "unique_id_l": pa.array([pair[0] for pair in chosen], pa.string()),
            "unique_id_r": pa.array([pair[1] for pair in chosen], pa.string()),
            "match_probability": pa.array([pair[2] for pair in chosen], pa.float64()),
            "twins_rule_set_aside": pa.array([pair[3] for pair in chosen], pa.bool_()),
        }
    )
    con.register("harbour_assigned_rows", assigned)
    execute(con, "CREATE OR REPLACE TABLE harbour_assigned AS SELECT * FROM harbour_assigned_rows")
    con.unregister("harbour_assigned_rows")
    execute(
        con,
        """CREATE OR REPLACE TABLE harbour_clusters AS
        WITH members AS (
            SELECT unique_id_l AS unique_id, least(unique_id_l, unique_id_r) AS cluster_id
            FROM harbour_assigned
            UNION ALL
            SELECT unique_id_r, least(unique_id_l, unique_id_r) FROM harbour_assigned
        )
        SELECT p.unique_id, coalesce(m.cluster_id, p.unique_id) AS cluster_id
        FROM harbour_prepared AS p LEFT JOIN members AS m USING (unique_id)""",
    )


def _linked_across(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """How many rows of the first file, and of the second, share a cluster with a row of the other."""
    rows = execute(
        con,
        f"""WITH sides AS (
            SELECT cluster_id, bool_or(starts_with(unique_id, '{FILE_PREFIXES[0]}')) AS has_first,
                bool_or(starts_with(unique_id, '{FILE_PREFIXES[1]}')) AS has_second
            FROM harbour_clusters GROUP BY cluster_id
        )
        SELECT count(*) FILTER (WHERE starts_with(c.unique_id, '{FILE_PREFIXES[0]}')),
            count(*) FILTER (WHERE starts_with(c.unique_id, '{FILE_PREFIXES[1]}'))
        FROM harbour_clusters AS c JOIN sides USING (cluster_id) WHERE has_first AND has_second""",
    )
    return int(rows[0][0] or 0), int(rows[0][1] or 0)


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
links AS ({links}),
edges AS (
    SELECT unique_id_l AS unique_id, unique_id_r AS other, match_probability, set_aside FROM links
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_probability, set_aside FROM links
),
best AS (
    SELECT e.unique_id, max(e.match_probability) AS match_probability,
        bool_or(e.set_aside) AS twins_rule_set_aside
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
    best.match_probability,
    coalesce(best.twins_rule_set_aside, false) AS twins_rule_set_aside
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
WHERE ({one_to_one} OR p.match_probability < {auto}) AND a.cluster_id <> b.cluster_id
ORDER BY p.match_probability DESC
"""


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = execute(con, sql)
    return int(rows[0][0] or 0) if rows else 0


def _results(
    con: duckdb.DuckDBPyConnection, *, against_known: bool, one_to_one: bool = False
) -> dict[str, int]:
    # The links behind each record's match_probability: one-to-one, only the pairs it chose.
    links = (
        "SELECT unique_id_l, unique_id_r, match_probability, twins_rule_set_aside AS set_aside "
        "FROM harbour_assigned"
        if one_to_one
        else "SELECT unique_id_l, unique_id_r, match_probability, false AS set_aside FROM harbour_pairs"
    )
    execute(con, RESULT_SQL.format(links=links))
    execute(con, REVIEW_SQL.format(auto=model.AUTO_LINK_THRESHOLD, one_to_one=str(one_to_one).lower()))
    return {
        "clusters": _scalar(con, "SELECT count(DISTINCT cluster_id) FROM harbour_result"),
        "links_to_known": _scalar(con, "SELECT count(*) FROM harbour_result WHERE person_id IS NOT NULL"),
        "review_pairs": _scalar(con, "SELECT count(*) FROM harbour_review"),
    }
