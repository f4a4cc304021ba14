"""`harbour link_import`: a reviewed link file comes in through the people services, one transaction per
cluster, with policy and audit applied; bad rows are reported by line; a re-run creates no duplicates."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from harbour.audit.models import AuditEvent
from harbour.people.models import Person

HEADER = [
    "record_id",
    "cluster_id",
    "person_id",
    "match_probability",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "nhs_number",
]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _import(path: Path, username: str, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("link_import", str(path), "--as", username, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def reviewed(tmp_path, world) -> Path:
    path = tmp_path / "agency-linked.csv"
    _write(
        path,
        [
            # line 2-3: a new young person recorded twice, once with a double-barrelled surname
            ["A1", "A1", "", "", "Kai", "Mensah", "2010-06-15", "male", "NR2 3AB", "4 Oak Way", "9990000026"],
            ["A2", "A1", "", "0.998", "Kai", "Mensah-Boateng", "2010-06-15", "m", "NR2 3AB", "", ""],
            # line 4: known to Harbour, in the practitioner's network, recorded under a nickname
            [
                "B1",
                "B1",
                str(world.inside.pk),
                "0.999",
                "Jadey",
                "Bishop",
                "2011-04-02",
                "female",
                "",
                "",
                "",
            ],
            # line 5: known to Harbour but outside the practitioner's network
            ["C1", "C1", str(world.outside.pk), "0.999", "Ty", "Murray", "2011-04-02", "male", "", "", ""],
            # line 6: an impossible date
            ["D1", "D1", "", "", "Ava", "Stone", "2010-02-30", "female", "", "", ""],
        ],
    )
    return path


@pytest.mark.django_db
def test_import_goes_through_services_with_audit_and_reports_problems(reviewed, world):
    before = Person.objects.count()

    out, err = _import(reviewed, "practitioner", "--dataset", "police-2025")

    kai = Person.objects.get(first_name="Kai", last_name="Mensah")
    assert Person.objects.count() == before + 1
    assert kai.nhs_number == "9990000026"
    assert kai.gender is not None
    assert kai.gender.code == "male"
    assert [a.postcode for a in kai.addresses.all()] == ["NR2 3AB"]
    assert {alias.name for alias in kai.aliases.all()} == {"Kai Mensah-Boateng"}
    assert {alias.name for alias in world.inside.aliases.all()} == {"Jadey"}
    assert not world.outside.aliases.exists()  # outside the network: refused, nothing written

    practitioner = world.users["practitioner"]
    created = AuditEvent.objects.get(action="person.created", person_id=kai.pk)
    assert created.actor_id == practitioner.pk
    assert AuditEvent.objects.filter(action="person.alias_added", person_id=world.inside.pk).count() == 1
    imported = AuditEvent.objects.filter(action="person.batch_imported").order_by("id")
    assert [(event.person_id, sorted(event.detail["record_ids"])) for event in imported] == [
        (kai.pk, ["A1", "A2"]),
        (world.inside.pk, ["B1"]),
    ]
    assert all(event.detail["dataset"] == "police-2025" for event in imported)

    assert "lines 5 (cluster C1)" in err
    assert "line 6 (D1): date_of_birth: No such date." in err
    assert "1 people created, 1 linked to people already known, 0 clusters already imported" in out
    assert "2 rows or clusters with problems" in out


@pytest.mark.django_db
def test_a_rerun_creates_no_duplicates(reviewed, world):
    writes = AuditEvent.objects.filter(
        action__in=["person.created", "person.alias_added", "person.batch_imported"]
    )
    _import(reviewed, "practitioner")
    people, events = Person.objects.count(), writes.count()

    out, _ = _import(reviewed, "practitioner")

    assert Person.objects.count() == people
    assert writes.count() == events
    assert "0 people created, 0 linked to people already known, 2 clusters already imported" in out
    assert world.inside.aliases.count() == 1


@pytest.mark.django_db
def test_a_cluster_naming_two_people_is_refused_whole(tmp_path, world):
    path = tmp_path / "mixed.csv"
    _write(
        path,
        [
            ["E1", "E1", str(world.inside.pk), "", "Jade", "Bishop", "2011-04-02", "", "", "", ""],
            ["E2", "E1", str(world.team_case.pk), "", "Jade", "Bishop", "2011-04-02", "", "", "", ""],
        ],
    )
    _, err = _import(path, "practitioner")
    assert "lines 2, 3 (cluster E1): person_id: Rows of one cluster name different people." in err
    assert not AuditEvent.objects.filter(action="person.batch_imported").exists()


@pytest.mark.django_db
def test_an_unknown_user_or_a_file_without_the_link_columns_fails(tmp_path, world):
    path = tmp_path / "plain.csv"
    path.write_text("record_id,first_name,last_name\nR1,Ava,Stone\n", encoding="utf-8")
    with pytest.raises(CommandError, match="required columns missing: cluster_id, person_id, date_of_birth"):
        _import(path, "practitioner")
    with pytest.raises(CommandError, match="No active user is called 'nobody'"):
        _import(path, "nobody")
