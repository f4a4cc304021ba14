"""`harbour link A --link-to B`: two files linked to each other only; --one-to-one gives a row at most
one partner; --same-people also links, between rows left without a partner, pairs the twins rule keeps
apart, and says so; bad rows in either file are reported with the file and the line."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import duckdb
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from harbour.people.linkage import generator, model, run

HEADER = ["record_id", "first_name", "last_name", "date_of_birth", "gender", "postcode", "nhs_number"]
NICKNAMES = Path(run.__file__).resolve().parents[1] / "reference" / "nicknames.json"
# (record_id, first, last, date of birth, gender, postcode)
FIRST = [
    ("K1", "Jayden", "Okonkwo", "2010-03-04", "male", "NR3 1JE"),
    # The same young person twice in the first file, with no record in the second.
    ("D1", "Harriet", "Ashdown-Pike", "2011-11-02", "female", "IP24 3EF"),
    ("D2", "Harriet", "Ashdown-Pike", "2011-11-02", "female", "IP24 3EF"),
    # Twins, both in both files.
    ("T1", "Amelia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL"),
    ("T2", "Zofia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL"),
    # Listed twice in the first file (against the one-to-one assumption) and once in the second.
    ("P1", "Ruby", "Fairbrother", "2009-07-21", "female", "PE30 1AB"),
    ("P2", "Ruby", "Fairbrother", "2009-07-21", "female", "PE30 1AB"),
    # One twin in each file.
    ("W1", "Kacper", "Nowicki", "2013-02-14", "male", "NR2 4PQ"),
    # Known by another given name in the second file.
    ("R1", "Oluwaseun", "Adeyemi", "2008-09-30", "male", "NR7 0QT"),
]
SECOND = [
    ("K1", "Jaden", "Okonkwo", "2010-04-03", "male", "NR3 1JE"),  # the same record_id may be in both
    ("T1b", "Amelia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL"),
    ("T2b", "Zofija", "Wojciechowska", "2012-05-09", "female", "NR5 8EL"),
    ("P1b", "Ruby", "Fairbrother", "2009-07-21", "female", "PE30 1AB"),
    ("W2b", "Filip", "Nowicki", "2013-02-14", "male", "NR2 4PQ"),  # Kacper's twin brother
    ("R1b", "Shaun", "Adeyemi", "2008-09-30", "male", "NR7 0QT"),
]


def _generated() -> tuple[list[list[str]], list[list[str]]]:
    """Generated young people, each at most once in each file: the first record in the first file,
    the second in the second (a young person with one record is in one file only)."""
    first: list[list[str]] = []
    second: list[list[str]] = []
    seen: dict[str, int] = {}
    for row in generator.generate(900, seed=11):
        entity = row[1]
        count = seen.get(entity, 0)
        seen[entity] = count + 1
        chosen = [row[0], row[2], row[4], row[5], row[6], row[7], row[11]]
        if count == 0:
            (first if len(seen) % 3 else second).append(chosen)
        elif count == 1:
            second.append(chosen)
    return first, second


def _write(path: Path, rows: list[list[str]], bad: list[list[str]] = ()) -> list[int]:
    """Write a file; returns the line numbers of the bad rows (the header is line 1)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
        writer.writerows(bad)
    return [len(rows) + 2 + offset for offset in range(len(bad))]


def _files(tmp_path: Path) -> tuple[Path, Path, list[int], list[int]]:
    generated_first, generated_second = _generated()
    first, second = tmp_path / "police.csv", tmp_path / "school.csv"
    bad_first = _write(
        first,
        generated_first + [[*row, ""] for row in FIRST],
        bad=[["B1", "Ava", "Stone", "01/02/2010", "female", "NR1 1AA", ""]],
    )
    bad_second = _write(
        second,
        generated_second + [[*row, ""] for row in SECOND],
        bad=[
            ["B2", "Ava", "Stone", "2010-02-03", "female", "NR1 1AA", "9434765918"],  # check digit
            ["B3", "Ava"],
        ],
    )
    return first, second, bad_first, bad_second


def _link(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("link", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _output(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["source_file"], row["record_id"]): row for row in csv.DictReader(handle)}


def _cluster_files(linked: dict[tuple[str, str], dict[str, str]]) -> list[list[str]]:
    clusters: dict[str, list[str]] = {}
    for (source_file, _), row in linked.items():
        clusters.setdefault(row["cluster_id"], []).append(source_file)
    return list(clusters.values())


@pytest.mark.django_db
def test_two_files_are_linked_to_each_other_only_and_bad_rows_name_their_file(tmp_path, reference):
    first, second, bad_first, bad_second = _files(tmp_path)
    output = tmp_path / "linked.csv"

    out, err = _link(str(first), "--link-to", str(second), "--output", str(output))

    for stage in ("load", "train", "predict", "cluster"):
        assert f"{stage}: done" in out
    with output.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:5] == ["record_id", "cluster_id", "person_id", "match_probability", "source_file"]
    linked = _output(output)
    a, b = str(first), str(second)
    rows_first = sum(1 for source_file, _ in linked if source_file == a)
    rows_second = sum(1 for source_file, _ in linked if source_file == b)
    assert f"Linked {rows_first:,} rows of {a} to {rows_second:,} rows of {b}" in out
    assert "Linked across the files:" in out
    assert "Rows left out with problems: 3" in out

    # The same record_id in both files is two rows; they are one young person, so one cluster.
    assert linked[a, "K1"]["cluster_id"] == linked[b, "K1"]["cluster_id"]
    assert linked[a, "K1"]["cluster_id"].startswith(run.FILE_PREFIXES[0])
    assert float(linked[a, "K1"]["match_probability"]) >= model.AUTO_LINK_THRESHOLD
    # Two rows of one file are never compared: the same young person twice in the first file, with
    # no record in the second, stays as two clusters (one dataset would link them).
    assert linked[a, "D1"]["cluster_id"] != linked[a, "D2"]["cluster_id"]
    assert linked[a, "D1"]["match_probability"] == ""
    # Twins both in both files: each with their own record, the twins rule holding.
    assert linked[a, "T1"]["cluster_id"] == linked[b, "T1b"]["cluster_id"]
    assert linked[a, "T2"]["cluster_id"] == linked[b, "T2b"]["cluster_id"]
    assert linked[a, "T1"]["cluster_id"] != linked[a, "T2"]["cluster_id"]
    # Without --one-to-one a row of the second file may link two rows of the first.
    assert linked[a, "P1"]["cluster_id"] == linked[a, "P2"]["cluster_id"] == linked[b, "P1b"]["cluster_id"]
    # One twin in each file, and a wholly different given name: the twins rule keeps them apart.
    assert linked[a, "W1"]["cluster_id"] != linked[b, "W2b"]["cluster_id"]
    assert linked[a, "R1"]["cluster_id"] != linked[b, "R1b"]["cluster_id"]

    with (tmp_path / "linked.errors.csv").open(newline="", encoding="utf-8") as handle:
        errors = {(row["file"], int(row["line"]), row["field"]) for row in csv.DictReader(handle)}
    assert errors == {
        (a, bad_first[0], "date_of_birth"),
        (b, bad_second[0], "nhs_number"),
        (b, bad_second[1], ""),
    }
    assert f"{a}: line {bad_first[0]} (B1): date_of_birth:" in err
    assert f"{b}: line {bad_second[0]} (B2): nhs_number:" in err
    assert f"{b}: line {bad_second[1]} (B3): Has 2 fields; the header has 7." in err


@pytest.mark.django_db
def test_a_two_file_output_is_brought_in_by_link_import_as_one_young_person_a_cluster(tmp_path, world):
    from harbour.audit.models import AuditEvent
    from harbour.people.models import Person

    first, second, _, _ = _files(tmp_path)
    output = tmp_path / "linked.csv"
    _link(str(first), "--link-to", str(second), "--output", str(output))
    linked = _output(output)
    clusters = {row["cluster_id"] for row in linked.values()}
    before = Person.objects.count()

    out = StringIO()
    call_command("link_import", str(output), "--as", "practitioner", stdout=out, stderr=StringIO())

    assert f"{len(clusters):,} people created" in out.getvalue()
    assert Person.objects.count() == before + len(clusters)
    # K1 is a record_id in both files: one young person, both rows named by their file.
    imported = [
        event.detail["record_ids"] for event in AuditEvent.objects.filter(action="person.batch_imported")
    ]
    assert [f"{first}:K1", f"{second}:K1"] in imported
    again = StringIO()
    call_command("link_import", str(output), "--as", "practitioner", stdout=again, stderr=StringIO())
    assert "0 people created" in again.getvalue()
    assert Person.objects.count() == before + len(clusters)


def _one_to_one(tmp_path: Path, option: str) -> tuple[str, dict[tuple[str, str], dict[str, str]], str, str]:
    """Link the two files with --one-to-one or --same-people; no cluster may hold two rows of one file.
    Returns the printed summary, the output by (file, record_id), and the two file names."""
    first, second, _, _ = _files(tmp_path)
    output = tmp_path / "linked.csv"
    out, _ = _link(str(first), "--link-to", str(second), "--output", str(output), option)
    linked = _output(output)
    for files in _cluster_files(linked):
        assert len(files) == len(set(files)) <= 2, files  # at most one row of each file
    # Twins both in both files go each to their own record, without setting the twins rule aside.
    a, b = str(first), str(second)
    assert linked[a, "T1"]["cluster_id"] == linked[b, "T1b"]["cluster_id"]
    assert linked[a, "T2"]["cluster_id"] == linked[b, "T2b"]["cluster_id"]
    return out, linked, a, b


@pytest.mark.django_db
def test_one_to_one_gives_a_row_at_most_one_partner(tmp_path, reference):
    out, linked, a, b = _one_to_one(tmp_path, "--one-to-one")

    assert f"one-to-one at {model.ONE_TO_ONE_THRESHOLD}" in out
    # Ruby's one record in the second file goes to one of her two in the first.
    ruby = linked[b, "P1b"]["cluster_id"]
    partners = [record for record in ("P1", "P2") if linked[a, record]["cluster_id"] == ruby]
    assert len(partners) == 1
    # The twins rule holds without --same-people.
    assert linked[a, "W1"]["cluster_id"] != linked[b, "W2b"]["cluster_id"]
    assert linked[a, "R1"]["cluster_id"] != linked[b, "R1b"]["cluster_id"]
    assert "twins_rule_set_aside" not in next(iter(linked.values()))
    # The pair it could not take is left for a person to check.
    with (tmp_path / "linked.review.csv").open(newline="", encoding="utf-8") as handle:
        review = {(row["record_id"], row["other_record_id"]) for row in csv.DictReader(handle)}
    other = "P2" if partners == ["P1"] else "P1"
    assert (other, "P1b") in review


@pytest.mark.django_db
def test_same_people_sets_the_twins_rule_aside_only_between_rows_left_alone(tmp_path, reference):
    out, linked, a, b = _one_to_one(tmp_path, "--same-people")

    assert linked[a, "T1"]["twins_rule_set_aside"] == linked[a, "T2"]["twins_rule_set_aside"] == ""
    # A wholly different given name, with nothing else to link to, is linked and marked...
    assert linked[a, "R1"]["cluster_id"] == linked[b, "R1b"]["cluster_id"]
    assert linked[a, "R1"]["twins_rule_set_aside"] == linked[b, "R1b"]["twins_rule_set_aside"] == "yes"
    # ...and so is one twin in each file: the documented cost of --same-people when it is not true.
    assert linked[a, "W1"]["cluster_id"] == linked[b, "W2b"]["cluster_id"]
    assert linked[a, "W1"]["twins_rule_set_aside"] == "yes"
    set_aside = sum(1 for row in linked.values() if row["twins_rule_set_aside"] == "yes")
    assert f"Pairs linked with the twins rule set aside: {set_aside // 2:,}" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--one-to-one"], "name the second with --link-to"),
        (["--same-people"], "name the second with --link-to"),
        (["--link-to", "{first}"], "not INPUT again"),
        (["--link-to", "{second}", "--against-known"], "cannot be used with --against-known"),
    ],
)
def test_options_that_do_not_go_together_are_refused(tmp_path, reference, extra, message):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        _write(path, [["X1", "Ava", "Stone", "2010-01-01", "female", "NR1 1AA", ""]])
    args = [value.format(first=first, second=second) for value in extra]
    with pytest.raises(CommandError, match=message):
        _link(str(first), "--output", str(tmp_path / "out.csv"), *args)


def test_link_only_never_forms_a_pair_within_one_file():
    con = duckdb.connect()
    columns = ", ".join(f"{column} VARCHAR" for column in run.RECORD_COLUMNS)
    first, second = _generated()
    for table, rows in (("records_a", first), ("records_b", second)):
        run.execute(con, f"CREATE TABLE {table} ({columns})")
        values = [
            {"record_id": r[0], "first_name": r[1], "last_name": r[2], "date_of_birth": r[3], "gender": r[4]}
            | {"postcode": r[5], "nhs_number": r[6]}
            for r in rows
        ]
        con.executemany(
            f"INSERT INTO {table} VALUES ({', '.join('?' for _ in run.RECORD_COLUMNS)})",
            [[row.get(column) or None for column in run.RECORD_COLUMNS] for row in values],
        ).fetchall()
    run.register_name_groups(con, run.name_groups_from_json(NICKNAMES))

    linked = run.link(con, records="records_a", link_to="records_b")

    pairs = run.execute(con, "SELECT unique_id_l, unique_id_r FROM harbour_pairs")
    assert pairs  # the files share young people
    assert all(left[:2] != right[:2] for left, right in pairs)
    assert {left[:2] for left, _ in pairs} | {right[:2] for _, right in pairs} == set(run.FILE_PREFIXES)
    assert linked.records == len(first)
    assert linked.other_records == len(second)


ids = st.sampled_from(["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"])


@given(st.lists(st.tuples(ids, ids, st.floats(min_value=0, max_value=1)), max_size=30))
def test_best_first_assignment_uses_each_record_once_and_the_best_pair_first(pairs):
    pairs = [(left, right, probability) for left, right, probability in pairs if left != right]
    chosen = run.assign_one_to_one(pairs)
    used = [record for left, right, _ in chosen for record in (left, right)]
    assert len(used) == len(set(used))
    if pairs:
        assert chosen[0][2] == max(probability for _, _, probability in pairs)
    # Every pair left out shares a record with a chosen pair at least as probable.
    for left, right, probability in pairs:
        if (left, right, probability) not in chosen:
            assert any(
                {left, right} & {other_l, other_r} and other_p >= probability
                for other_l, other_r, other_p in chosen
            )


def _first_name_levels(settings: dict) -> dict[str, dict]:
    comparison = next(c for c in settings["comparisons"] if c["output_column_name"] == "first_name")
    return {level["label_for_charts"]: level for level in comparison["comparison_levels"]}


def _untrained() -> dict:
    return model.harbour_settings().get_settings("duckdb").as_dict()


def test_twins_rule_set_aside_changes_only_the_twins_levels():
    trained = _untrained()
    different = _first_name_levels(trained)["different"]
    different["m_probability"], different["u_probability"] = 0.02, 0.9
    relaxed = model.twins_rule_set_aside(trained)
    changed = [
        (comparison["output_column_name"], after["label_for_charts"])
        for comparison, original in zip(relaxed["comparisons"], trained["comparisons"], strict=True)
        for after, before in zip(comparison["comparison_levels"], original["comparison_levels"], strict=True)
        if after != before
    ]
    assert len(changed) == 2
    assert all(name == "first_name" and label.endswith(model.TWINS_MARK) for name, label in changed)
    for label, level in _first_name_levels(relaxed).items():
        if label.endswith(model.TWINS_MARK):
            assert (level["m_probability"], level["u_probability"]) == (0.02, 0.9)


def test_a_different_first_name_never_estimated_weighs_the_set_value():
    """A file without identifiers never shows training a different first name outside the twins rule,
    so the second pass takes DIFFERENT_FIRST_NAME_M rather than Splink's default."""
    trained = _untrained()
    _first_name_levels(trained)["different"]["u_probability"] = 0.9
    relaxed = _first_name_levels(model.twins_rule_set_aside(trained))
    twins = [level for label, level in relaxed.items() if label.endswith(model.TWINS_MARK)]
    assert [(level["m_probability"], level["u_probability"]) for level in twins] == [
        (model.DIFFERENT_FIRST_NAME_M, 0.9)
    ] * 2
