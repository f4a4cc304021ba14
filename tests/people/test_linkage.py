"""`harbour link`: a small labelled file is linked (known pairs together, twins apart), bad rows are
reported with line numbers and reasons, the model is saved and reused, and --against-known links to
people already in Harbour."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import duckdb
import pytest
from django.core.management import CommandError, call_command

from harbour.audit.models import AuditEvent
from harbour.people.linkage import generator, model, run
from harbour.people.models import Address
from tests import factories

HEADER = [
    "record_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "nhs_number",
    "entity_id",
]
NICKNAMES = Path(run.__file__).resolve().parents[1] / "reference" / "nicknames.json"
# Hand-made rows: (record_id, first, last, dob, gender, postcode, nhs, entity)
PAIRS = [
    ("K1", "Jayden", "Okonkwo", "2010-03-04", "male", "NR3 1JE", "", "k-jayden"),
    ("K2", "Jaden", "Okonkwo", "2010-04-03", "male", "NR3 1JE", "", "k-jayden"),  # spelling, day/month
    ("K3", "William", "Fairbrother", "2009-07-21", "male", "PE30 1AB", "", "k-william"),
    ("K4", "Billy", "Fairbrother", "2009-07-21", "male", "PE30 2CD", "", "k-william"),  # nickname, move
    ("K5", "Harriet", "Ashdown-Pike", "2011-11-02", "female", "IP24 3EF", "", "k-harriet"),
    ("K6", "Harriet", "Pike", "2011-11-02", "female", "IP24 3EF", "", "k-harriet"),  # one surname part
    ("K7", "Chidi", "Eze", "2008-01-30", "male", "NR2 4PQ", "", "k-chidi"),
    ("K8", "Eze", "Chidi", "2008-01-30", "male", "", "", "k-chidi"),  # names swapped, no postcode
    # Twins: same surname, date of birth, postcode and gender, different first names.
    ("T1", "Amelia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL", "", "t-amelia"),
    ("T2", "Zofia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL", "", "t-zofia"),
    ("T3", "Amelia", "Wojciechowska", "2012-05-09", "female", "NR5 8EL", "", "t-amelia"),
]
BAD = [
    ["", "Ava", "Stone", "2010-01-01", "female", "NR1 1AA", "", "x"],  # missing record_id
    ["K1", "Ava", "Stone", "2010-01-01", "female", "NR1 1AA", "", "x"],  # duplicate record_id
    ["B3", "Ava", "Stone", "01/02/2010", "female", "NR1 1AA", "", "x"],  # not ISO
    ["B4", "Ava", "Stone", "2010-02-30", "female", "NR1 1AA", "", "x"],  # no such date
    ["B5", "Ava", "Stone", "2010-02-03", "female", "NR1 1AA", "9434765918", "x"],  # check digit
    ["B6", "Ava", "Stone"],  # too few fields
]


def _labelled_file(path: Path, *, generated: int = 700, bad: bool = True) -> dict[int, list[str]]:
    """Generated records, the hand-made pairs and twins, and bad rows; returns bad rows by line."""
    rows = [
        [row[0], row[2], row[4], row[5], row[6], row[7], row[11], row[1]]
        for row in generator.generate(generated, seed=7)
    ]
    rows += [list(row) for row in PAIRS]
    bad_lines: dict[int, list[str]] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(row)
        if bad:
            for offset, row in enumerate(BAD):
                writer.writerow(row)
                bad_lines[len(rows) + 2 + offset] = row
    return bad_lines


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _link(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("link", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_link_clusters_known_pairs_keeps_twins_apart_and_reports_bad_rows(tmp_path, reference):
    source, output = tmp_path / "agency.csv", tmp_path / "linked.csv"
    bad_lines = _labelled_file(source)

    out, err = _link(str(source), "--output", str(output))

    for stage in ("load", "train", "predict", "cluster"):
        assert f"{stage}: done" in out
    assert "Linked 711 rows into" in out
    linked = {row["record_id"]: row for row in _read(output)}
    assert list(_read(output)[0])[:4] == ["record_id", "cluster_id", "person_id", "match_probability"]
    assert len(linked) == 711  # every good row is in the output, none of the bad ones
    for first, second in (("K1", "K2"), ("K3", "K4"), ("K5", "K6"), ("K7", "K8"), ("T1", "T3")):
        assert linked[first]["cluster_id"] == linked[second]["cluster_id"], (first, second)
        assert float(linked[first]["match_probability"]) >= model.AUTO_LINK_THRESHOLD
    assert linked["T1"]["cluster_id"] != linked["T2"]["cluster_id"]  # twins are two young people
    assert all(row["person_id"] == "" for row in linked.values())

    # Most generated records of one young person end up together, and few clusters mix people.
    truth = {row["record_id"]: row["entity_id"] for row in _read(source) if row.get("record_id")}
    clusters: dict[str, set[str]] = {}
    for record_id, row in linked.items():
        clusters.setdefault(row["cluster_id"], set()).add(truth[record_id])
    mixed = [entities for entities in clusters.values() if len(entities) > 1]
    assert len(mixed) <= 3

    errors = _read(tmp_path / "linked.errors.csv")
    reasons = {(int(row["line"]), row["field"]): row["reason"] for row in errors}
    lines = sorted(bad_lines)
    assert reasons[(lines[0], "record_id")] == "Missing record_id."
    assert reasons[(lines[1], "record_id")].startswith("Duplicate record_id: first used on line")
    assert reasons[(lines[2], "date_of_birth")] == "Not a date in the form YYYY-MM-DD."
    assert reasons[(lines[3], "date_of_birth")] == "No such date."
    assert "check digit" in reasons[(lines[4], "nhs_number")]
    assert reasons[(lines[5], "")] == "Has 3 fields; the header has 8."
    for line in lines:
        assert f"line {line}" in err
    assert "6 left out" in out
    assert (tmp_path / "linked.model.json").exists()
    with (tmp_path / "linked.review.csv").open() as handle:
        assert next(csv.reader(handle)) == [
            "record_id",
            "other_record_id",
            "other_person_id",
            "match_probability",
        ]


@pytest.mark.django_db
def test_a_saved_model_is_reused_unless_retrain(tmp_path, reference):
    source = tmp_path / "agency.csv"
    _labelled_file(source, bad=False)
    model = tmp_path / "model.json"
    out, _ = _link(str(source), "--output", str(tmp_path / "first.csv"), "--model", str(model))
    assert "Model trained and saved to" in out
    saved = model.read_text()
    out, _ = _link(str(source), "--output", str(tmp_path / "second.csv"), "--model", str(model))
    assert "Model reused from" in out
    assert model.read_text() == saved
    first = {row["record_id"]: row["cluster_id"] for row in _read(tmp_path / "first.csv")}
    second = {row["record_id"]: row["cluster_id"] for row in _read(tmp_path / "second.csv")}
    assert first == second
    out, _ = _link(str(source), "--output", str(tmp_path / "third.csv"), "--model", str(model), "--retrain")
    assert "Model trained and saved to" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("record_id,first_name,last_name\nR1,Ava,Stone\n", "required columns missing: date_of_birth, gender"),
        (
            "record_id,first_name,last_name,date_of_birth,gender,postcode\n,Ava,Stone,2010-01-01,female,\n",
            "no row can be linked",
        ),
    ],
)
def test_an_unusable_file_fails_with_the_reason(tmp_path, reference, content, message):
    source = tmp_path / "agency.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        _link(str(source), "--output", str(tmp_path / "out.csv"))


@pytest.mark.django_db
def test_a_missing_file_fails(tmp_path, reference):
    with pytest.raises(CommandError, match="no such file"):
        _link(str(tmp_path / "nothing.csv"), "--output", str(tmp_path / "out.csv"))


@pytest.mark.django_db
def test_against_known_links_to_people_already_in_harbour(tmp_path, world):
    # world.inside: Jade Bishop, born 2 April 2011, NHS 9434765919, 12 Magdalen Street NR3 1JE.
    # world.outside: Tyler Murray, born 2 April 2011, 3 Earls Street IP24 2AB, who moved there from PE30.
    earlier = factories.add_address(world.outside, line1="8 Chapel Road", postcode="PE30 4XY")
    Address.objects.filter(pk=earlier.pk).update(starts_on=dt.date(2015, 1, 1), ends_on=dt.date(2019, 12, 31))
    source, output = tmp_path / "agency.csv", tmp_path / "linked.csv"
    _labelled_file(source, bad=False)
    with source.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["N1", "Jade", "Bishop", "2011-02-04", "female", "", "9434765919", "inside"])
        writer.writerow(["N2", "Ty", "Murray", "2011-04-02", "male", "PE30 4XY", "", "outside"])
        writer.writerow(["N3", "Tyler", "Murray", "2011-04-02", "male", "PE30 4XY", "", "outside"])

    out, _ = _link(str(source), "--output", str(output), "--against-known")

    linked = {row["record_id"]: row for row in _read(output)}
    assert linked["N1"]["person_id"] == str(world.inside.pk)  # NHS number, despite the swapped date
    assert linked["N2"]["person_id"] == str(world.outside.pk)  # an earlier address in the history
    assert linked["N3"]["person_id"] == str(world.outside.pk)
    assert sum(1 for row in linked.values() if row["person_id"]) == 3
    assert "Links to people known to Harbour: 3." in out
    event = AuditEvent.objects.get(action="person.batch_linked")
    assert event.detail["links_to_known"] == 3
    assert event.detail["input"] == "agency.csv"


# Twins (the same surname, birthday and address) with NHS numbers issued one after the other, records
# of the first twin under other given names, and their brothers and sisters:
# (record_id, first, last, date of birth, gender, nhs, entity).
BORN = "2012-05-09"
TWINS_WITH_NUMBERS = [
    ("A1", "Oliver", "Kowalski", BORN, "male", "9434765927", "a-oliver"),
    ("A2", "Kacper", "Kowalski", BORN, "male", "9434765935", "a-kacper"),  # his twin: his own number
    ("A3", "Jan", "Kowalski", BORN, "male", "9434765927", "a-oliver"),  # Oliver, another name, same number
    ("A4", "Piotr", "Kowalski", BORN, "male", "9434765972", "a-oliver"),  # last two digits swapped
    ("A5", "Adam", "Kowalski", BORN, "male", "9434762957", "a-oliver"),  # two digits swapped further apart
    ("A6", "Filip", "Kowalski", BORN, "male", "", "a-filip"),  # a triplet with no number
    ("A7", "Olivia", "Kowalski", BORN, "female", "", "a-olivia"),  # their sister, named like Oliver
    ("A8", "Zuzanna", "Kowalski", "", "female", "", "a-zuzanna"),  # a sister, no date of birth recorded
    ("A9", "Kowalsky", "Oliver", BORN, "male", "", "a-oliver"),  # names the wrong way round, and a typo
]


def test_an_identifier_decides_twins_in_batch_linkage():
    """The twins rule of the batch model: the same NHS number, or one keyed with a slip that no two
    valid numbers can show, links records with wholly different first names on the same birthday;
    two different numbers keep twins apart; with no number the twins rule keeps them apart, and
    brothers and sisters too when one date of birth is missing or a boy and a girl are named alike."""
    con = duckdb.connect()
    rows = [dict(zip(generator.COLUMNS, row, strict=True)) for row in generator.generate(700, seed=7)]
    for record_id, first, last, born, gender, nhs, entity in TWINS_WITH_NUMBERS:
        rows.append(
            {
                "record_id": record_id,
                "entity_id": entity,
                "first_name": first,
                "middle_names": "",
                "last_name": last,
                "date_of_birth": born,
                "gender": gender,
                "postcode": "NR5 8EL",
                "address": "4 Mill Road",
                "school": "",
                "nhs_number": nhs,
                "upn": "",
            }
        )
    columns = ", ".join(f"{column} VARCHAR" for column in run.RECORD_COLUMNS)
    run.execute(con, f"CREATE TABLE records ({columns})")
    con.executemany(
        f"INSERT INTO records VALUES ({', '.join('?' for _ in run.RECORD_COLUMNS)})",
        [[row[column] or None for column in run.RECORD_COLUMNS] for row in rows],
    ).fetchall()
    run.register_name_groups(con, run.name_groups_from_json(NICKNAMES))

    run.link(con, records="records")

    cluster = dict(run.execute(con, "SELECT unique_id, cluster_id FROM harbour_clusters"))
    for record_id in ("A3", "A4", "A5", "A9"):
        assert cluster[record_id] == cluster["A1"], record_id
    children = ("A1", "A2", "A6", "A7", "A8")
    assert len({cluster[record_id] for record_id in children}) == len(children)
    scored = {
        frozenset((left, right)): probability
        for left, right, probability in run.execute(
            con, "SELECT unique_id_l, unique_id_r, match_probability FROM harbour_pairs"
        )
    }
    for pair in (("A1", "A3"), ("A1", "A4"), ("A1", "A5")):
        assert scored.get(frozenset(pair), 0.0) >= model.AUTO_LINK_THRESHOLD, pair
    # The brothers and sisters never reach the review threshold, with or without a number.
    for index, first in enumerate(children):
        for second in children[index + 1 :]:
            assert frozenset((first, second)) not in scored, (first, second)
