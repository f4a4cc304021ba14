"""The synthetic county: deterministic, realistic enough to demonstrate and to test matching against."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.core.management.base import CommandError

from harbour.access import policies
from harbour.access.models import Allocation
from harbour.accounts.models import Role, User
from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain
from harbour.demo.constants import DEFAULT_DEMO_PASSWORD, DEMO_ROLES, demo_totp_secret, demo_username
from harbour.demo.rand import age_on
from harbour.demo.seed import (
    SeedOptions,
    SeedRefusedError,
    generate,
    read_truth_file,
    seed_database,
    truth_pairs,
)
from harbour.demo.sinks import MemorySink
from harbour.people.models import Address, Person
from harbour.people.names import fold
from harbour.people.validation import nhs_number_problem, upn_problem

AS_OF = dt.date(2026, 3, 14)
SMALL = SeedOptions(scale=0.02, seed=7, as_of=AS_OF)  # 40 young people
MEDIUM = SeedOptions(scale=0.25, seed=11, as_of=AS_OF)  # 500 young people, in memory only


def plan(options: SeedOptions) -> MemorySink:
    sink = MemorySink()
    generate(options, sink)
    return sink


def people_of(sink: MemorySink) -> list[tuple[object, ...]]:
    return [(p.pk, p.first_name, p.last_name, p.date_of_birth) for p in sink.rows[Person]]


@pytest.fixture
def medium(reference: None) -> MemorySink:
    return plan(MEDIUM)


def test_same_seed_gives_the_same_county_and_another_seed_another(reference: None) -> None:
    first, again = plan(SMALL), plan(SMALL)
    assert people_of(first) == people_of(again)
    assert [(a.line1, a.postcode) for a in first.rows[Address]] == [
        (a.line1, a.postcode) for a in again.rows[Address]
    ]
    other = plan(SeedOptions(scale=0.02, seed=8, as_of=AS_OF))
    assert {row[1:] for row in people_of(first)} != {row[1:] for row in people_of(other)}
    assert {row[0] for row in people_of(first)}.isdisjoint(row[0] for row in people_of(other))


def test_seeding_writes_what_the_generator_plans_with_demo_users_and_one_audit_event(reference: None) -> None:
    report = seed_database(SMALL)

    stored = sorted((p.pk, p.first_name, p.last_name, p.date_of_birth) for p in Person.objects.all())
    assert stored == sorted(people_of(plan(SMALL)))
    young = Person.objects.filter(kind=Person.Kind.YOUNG_PERSON)
    assert (
        young.count()
        == report.people.young_people + report.people.duplicates
        == 40 + report.people.duplicates
    )

    # One demo user per role, in TOTP, sharing the demo password.
    assert set(DEMO_ROLES) == set(Role.objects.values_list("code", flat=True))
    demo_users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
    assert set(demo_users) == {demo_username(role) for role in DEMO_ROLES}
    for role in DEMO_ROLES:
        user = demo_users[demo_username(role)]
        membership = user.primary_membership()
        assert membership is not None
        assert membership.role.code == role
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == demo_totp_secret(SMALL.seed, user.username)
    assert len({user.password for user in demo_users.values()}) == 1
    assert demo_users["demo-practitioner"].check_password(DEFAULT_DEMO_PASSWORD)

    admin = demo_users["demo-system-administrator"]
    assert admin.is_staff
    assert not admin.is_superuser
    assert admin.has_perm("accounts.change_agency")
    assert admin.has_perm("core.add_town")
    assert admin.has_perm("audit.view_auditevent")
    assert not admin.has_perm("audit.change_auditevent")
    assert not any(u.is_staff for name, u in demo_users.items() if name != admin.username)

    # The practitioner and their manager share a team; the manager sees everyone the practitioner sees.
    practitioner, manager = demo_users["demo-practitioner"], demo_users["demo-team-manager"]
    assert practitioner.primary_membership().team_id == manager.primary_membership().team_id
    theirs = set(policies.filter_full(practitioner, Person.objects.all()).values_list("pk", flat=True))
    managed = set(policies.filter_full(manager, Person.objects.all()).values_list("pk", flat=True))
    assert theirs
    assert theirs <= managed

    # Every young person: aged 10 to 19 on the day, valid identifiers, in a network, searchable.
    for person in Person.objects.all():
        assert nhs_number_problem(person.nhs_number) is None
        assert upn_problem(person.upn) is None
        assert person.search_name == fold(
            " ".join([person.first_name, person.middle_names, person.last_name, person.preferred_name])
        )
    for person in young:
        assert person.date_of_birth is not None
        assert 10 <= age_on(person.date_of_birth, AS_OF) <= 19
    assert not young.filter(allocations__isnull=True).exists()
    assert not Person.objects.filter(kind=Person.Kind.PARENT_CARER, allocations__isnull=False).exists()

    events = AuditEvent.objects.filter(action="demo.seeded")
    assert events.count() == 1
    assert events.get().detail["rows"]["people.Person"] == Person.objects.count()
    assert events.get().detail["as_of"] == AS_OF.isoformat()
    assert list(verify_chain()) == []

    with pytest.raises(SeedRefusedError, match="Already seeded"):
        seed_database(SMALL)
    with pytest.raises(CommandError, match="Already seeded"):
        call_command("seed", scale=0.02, seed=9, stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="demo.seeded").count() == 1


def test_ages_count_from_today_unless_told(reference: None) -> None:
    sink = plan(SeedOptions(scale=0.02, seed=5))
    young = [p for p in sink.rows[Person] if p.kind == Person.Kind.YOUNG_PERSON]
    assert young
    assert all(10 <= p.age <= 19 for p in young)


def test_households_twins_and_near_duplicates(medium: MemorySink) -> None:
    people = {p.pk: p for p in medium.rows[Person]}
    addresses = defaultdict(set)
    for address in medium.rows[Address]:
        if address.ends_on is None:
            addresses[address.person_id].add((address.line1, address.postcode))
    truth = truth_pairs(MEDIUM)
    relations = Counter(pair.relation for pair in truth)
    assert relations["twin"] >= 1
    assert relations["sibling"] >= 10
    young = sum(1 for p in people.values() if p.kind == Person.Kind.YOUNG_PERSON)
    assert 0.01 <= relations["duplicate"] / young <= 0.06

    for pair in truth:
        one, other = people[pair.record_id], people[pair.other_record_id]
        assert one.pk != other.pk
        if pair.relation == "twin":
            assert one.date_of_birth == other.date_of_birth
            assert one.first_name != other.first_name
            assert addresses[one.pk] == addresses[other.pk]
        if pair.relation == "duplicate":
            assert other.kind == Person.Kind.YOUNG_PERSON
            born, slipped = one.date_of_birth, other.date_of_birth
            if "dob_day_month_swap" in pair.differences and "dob_digit_slip" not in pair.differences:
                assert (slipped.day, slipped.month) == (born.month, born.day)
            if not {"dob_day_month_swap", "dob_digit_slip"} & set(pair.differences):
                assert slipped == born
            if "missing_nhs" in pair.differences:
                assert one.nhs_number
                assert not other.nhs_number
            if "name_order_swap" in pair.differences and len(pair.differences) == 1:
                assert (other.first_name, other.last_name) == (one.last_name, one.first_name)
            if not {"old_address", "address_format"} & set(pair.differences):
                assert addresses[one.pk] == addresses[other.pk]

    kinds = Counter(code for pair in truth for code in pair.differences)
    assert {"surname_typo", "missing_nhs", "dob_digit_slip"} <= set(kinds)
    languages = Counter(p.first_language for p in people.values())
    assert {"Polish", "Lithuanian", "Portuguese", "Romanian"} & set(languages)
    allocated = {a.person_id for a in medium.rows[Allocation]}
    assert all(pk in allocated for pk, p in people.items() if p.kind == Person.Kind.YOUNG_PERSON)


def test_seed_command_prints_a_summary_and_writes_the_truth_file(reference: None, tmp_path: Path) -> None:
    out = io.StringIO()
    truth_file = tmp_path / "truth.csv"
    call_command("seed", scale=0.02, seed=3, as_of=AS_OF, truth_file=truth_file, stdout=out)
    text = out.getvalue()
    assert "young people" in text
    assert "demo-practitioner" in text
    assert DEFAULT_DEMO_PASSWORD in text
    written = read_truth_file(truth_file)
    ids = set(Person.objects.values_list("pk", flat=True))
    assert written
    assert all(p.record_id in ids and p.other_record_id in ids for p in written)
    assert any(p.relation == "duplicate" for p in written)

    again = tmp_path / "again.csv"
    call_command("seed", scale=0.02, seed=3, truth_only=True, truth_file=again, stdout=io.StringIO())
    assert read_truth_file(again) == written  # the recorded as-of date is reused

    logins = io.StringIO()
    call_command("demo_logins", secrets=True, stdout=logins)
    assert "demo-team-manager" in logins.getvalue()
    assert demo_totp_secret(3, "demo-team-manager") in logins.getvalue()


def test_seed_command_rejects_bad_options(reference: None) -> None:
    with pytest.raises(CommandError, match="Scale"):
        call_command("seed", scale=0, stdout=io.StringIO())
    with pytest.raises(CommandError, match="truth-file"):
        call_command("seed", truth_only=True, stdout=io.StringIO())


def test_as_of_cannot_be_in_the_future() -> None:
    with pytest.raises(ValueError, match="today or earlier"):
        SeedOptions(as_of=dt.date.today() + dt.timedelta(days=2))


def test_rows_are_built_from_field_attributes_with_defaults() -> None:
    from harbour.demo.rows import build

    person = build(Person, first_name="Ada", last_name="Nowak", gender_id=None)
    assert person.disability == ""
    assert person.kind == Person.Kind.YOUNG_PERSON
    assert person.version == 1
    with pytest.raises(TypeError, match="no field attribute gender"):
        build(Person, gender=None)


def test_a_large_service_is_several_teams_of_ten_each_with_a_manager(reference: None) -> None:
    from harbour.accounts.models import Membership, Team
    from harbour.demo.users import TEAM_SIZE

    sink = plan(SeedOptions(scale=3, seed=5, as_of=AS_OF))  # Norwich needs over 40 social workers
    roles = {role.pk: role.code for role in Role.objects.all()}
    members: dict[object, Counter[str]] = defaultdict(Counter)
    for membership in sink.rows[Membership]:
        members[membership.team_id][roles[membership.role_id]] += 1
    teams = {team.pk: team for team in sink.rows[Team]}
    norwich = [pk for pk, team in teams.items() if team.name.startswith("Norwich adolescent team")]
    assert len(norwich) >= 4
    for pk in norwich:
        assert members[pk]["practitioner"] <= TEAM_SIZE + 1  # ten, and the demo practitioner in the first
        assert members[pk]["team-manager"] == 1  # the demo manager leads the first, a colleague each other
    workers_team = {m.user_id: m.team_id for m in sink.rows[Membership]}
    for allocation in sink.rows[Allocation]:
        if allocation.worker_id is not None and allocation.team_id is not None:
            assert workers_team[allocation.worker_id] == allocation.team_id  # allocated in their own team
