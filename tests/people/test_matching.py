"""The "already known?" scorer: candidates, weights and ranking, on a small seeded population."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harbour.people import matching
from harbour.people.matching import (
    AUTO_LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    MatchQuery,
    NameVariants,
    jaro_winkler,
    matches_for,
    score,
)
from harbour.people.models import Address, Gender, NameVariant, Person, School
from tests.factories import PersonFactory, add_address

DOCS = Path(__file__).resolve().parents[2] / "docs" / "matching.md"
BORN = dt.date(2011, 4, 2)


@pytest.fixture
def population(reference: Any) -> dict[str, Person]:
    """The people to find, among neighbours and near-namesakes that must not outrank them."""
    people = {
        "william": PersonFactory(first_name="William", last_name="Okafor", date_of_birth=BORN),
        "wilma": PersonFactory(first_name="Wilma", last_name="Okafor", date_of_birth=dt.date(2009, 1, 5)),
        "jessica": PersonFactory(first_name="Jessica", last_name="Greenwood", date_of_birth=BORN),
        "jess_other": PersonFactory(
            first_name="Jessica", last_name="Green", date_of_birth=dt.date(2010, 9, 9)
        ),
        "kayden": PersonFactory(first_name="Kayden", last_name="Nowak", date_of_birth=dt.date(2012, 3, 7)),
        "amelia": PersonFactory(
            first_name="Amelia", last_name="Smith-Jones", date_of_birth=dt.date(2010, 11, 20)
        ),
        "amelia_smith": PersonFactory(
            first_name="Amelia", last_name="Smith", date_of_birth=dt.date(2013, 6, 1)
        ),
        "riley": PersonFactory(first_name="Riley", last_name="Murray", date_of_birth=dt.date(2011, 8, 15)),
        "leon": PersonFactory(first_name="Leon", last_name="Ashby", date_of_birth=dt.date(2010, 2, 28)),
    }
    add_address(people["william"], postcode="NR3 1JE")
    add_address(people["wilma"], postcode="NR3 1JE")
    mover = people["riley"]
    Address.objects.create(
        person=mover,
        line1="1 Old Road",
        postcode="IP24 2AB",
        starts_on=dt.date(2015, 1, 1),
        ends_on=dt.date(2019, 12, 31),
    )
    Address.objects.create(
        person=mover, line1="9 New Road", postcode="NR1 3QA", starts_on=dt.date(2020, 1, 1)
    )
    return people


def top(query: MatchQuery) -> matching.MatchResult:
    results = matches_for(query)
    assert results, "no candidates found"
    return results[0]


def outcomes(result: matching.MatchResult) -> dict[str, str]:
    return {comparison.field: comparison.outcome for comparison in result.fields}


# --- jaro-winkler ---------------------------------------------------------------------------------------


def test_jaro_winkler_known_values():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("dwayne", "duane") == pytest.approx(0.84, abs=1e-2)
    assert jaro_winkler("", "") == 1.0
    assert jaro_winkler("abc", "") == 0.0


@given(st.text(max_size=12), st.text(max_size=12))
def test_jaro_winkler_is_symmetric_and_bounded(a, b):
    assert jaro_winkler(a, b) == pytest.approx(jaro_winkler(b, a))
    assert 0.0 <= jaro_winkler(a, b) <= 1.0 + 1e-12


@given(st.text(max_size=20))
def test_jaro_winkler_is_one_for_equal_strings(a):
    assert jaro_winkler(a, a) == 1.0


# --- ranking --------------------------------------------------------------------------------------------


def test_nickname_ranks_first(population):
    result = top(MatchQuery(first_name="Bill", last_name="Okafor", date_of_birth=BORN, postcode="NR3 1JE"))
    assert result.person_id == population["william"].pk
    assert outcomes(result)["first_name"] == "close"
    assert result.probability >= REVIEW_THRESHOLD


def test_nickname_works_in_both_directions(population):
    variants = NameVariants.from_db()
    assert variants.related("Jess", "Jessica")
    assert variants.related("jessica", "JESSIE")
    assert variants.related("Kaiden", "kayden")
    assert not variants.related("Jessica", "William")


def test_an_administrators_new_variant_is_used(population):
    kacper = PersonFactory(first_name="Kacper", last_name="Wozniak", date_of_birth=dt.date(2012, 5, 9))
    query = MatchQuery(first_name="Casper", last_name="Wozniak", date_of_birth=dt.date(2012, 5, 9))
    assert outcomes(top(query))["first_name"] == "disagrees"
    NameVariant.objects.create(code="kacper", label="Kacper", variants="Kasper, Casper")
    result = top(query)
    assert result.person_id == kacper.pk
    assert outcomes(result)["first_name"] == "close"


def test_typo_in_surname(population):
    result = top(MatchQuery(first_name="Jessica", last_name="Greenwod", date_of_birth=BORN))
    assert result.person_id == population["jessica"].pk
    assert outcomes(result)["last_name"] == "close"


def test_day_and_month_swapped(population):
    result = top(MatchQuery(first_name="Kayden", last_name="Nowak", date_of_birth=dt.date(2012, 7, 3)))
    assert result.person_id == population["kayden"].pk
    assert outcomes(result)["date_of_birth"] == "close"


def test_one_digit_slip_in_date_of_birth(population):
    result = top(MatchQuery(first_name="Leon", last_name="Ashby", date_of_birth=dt.date(2010, 2, 18)))
    assert result.person_id == population["leon"].pk
    assert outcomes(result)["date_of_birth"] == "close"


def test_first_and_last_name_swapped(population):
    result = top(MatchQuery(first_name="Nowak", last_name="Kayden", date_of_birth=dt.date(2012, 3, 7)))
    assert result.person_id == population["kayden"].pk
    assert outcomes(result)["first_name"] == "close"
    assert outcomes(result)["last_name"] == "close"


def test_hyphenated_surname_part(population):
    result = top(MatchQuery(first_name="Amelia", last_name="Jones", date_of_birth=dt.date(2010, 11, 20)))
    assert result.person_id == population["amelia"].pk
    assert outcomes(result)["last_name"] == "close"


def test_house_move_matches_an_older_address(population):
    result = top(MatchQuery(first_name="Riley", last_name="Murray", postcode="ip242ab"))
    assert result.person_id == population["riley"].pk
    postcode = next(c for c in result.fields if c.field == "postcode")
    assert postcode.outcome == "agrees"
    assert "earlier" in postcode.detail


def test_equal_nhs_number_is_near_certain(population):
    population["leon"].nhs_number = "9434765919"
    population["leon"].save()
    result = top(MatchQuery(nhs_number="943 476 5919", last_name="Ashby"))
    assert result.person_id == population["leon"].pk
    assert result.probability > 0.999


def test_different_nhs_number_means_a_different_child(population):
    leon = population["leon"]
    leon.nhs_number, leon.middle_names = "9434765919", "James"
    leon.gender = Gender.objects.get(code="male")
    leon.school = School.objects.create(name="Sewell Park Academy")
    leon.save()
    add_address(leon, postcode="NR2 4AA")
    query = MatchQuery(
        first_name="Leon",
        last_name="Ashby",
        middle_names="James",
        date_of_birth=dt.date(2010, 2, 28),
        postcode="NR2 4AA",
        nhs_number="4010232137",
        school_id=leon.school.pk,
        gender="male",
    )
    result = score(query, leon, NameVariants.from_db())
    assert [c.field for c in result.fields if c.outcome == "disagrees"] == ["nhs_number"]
    assert result.probability < 0.001


def test_twins_stay_below_the_auto_link_threshold(population):
    twin = PersonFactory(first_name="Wilfred", last_name="Okafor", date_of_birth=BORN)
    add_address(twin, postcode="NR3 1JE")
    male = Gender.objects.get(code="male")
    for person in (twin, population["william"]):
        person.gender = male
        person.save()
    query = MatchQuery(
        first_name="William", last_name="Okafor", date_of_birth=BORN, postcode="NR3 1JE", gender="male"
    )
    variants = NameVariants.from_db()
    twin_result = score(query, twin, variants)
    assert twin_result.probability < AUTO_LINK_THRESHOLD
    assert outcomes(twin_result)["first_name"] == "disagrees"
    results = matches_for(query)
    assert results[0].person_id == population["william"].pk
    assert results[0].probability >= AUTO_LINK_THRESHOLD


def test_an_nhs_number_decides_between_twins_either_way(population):
    # Twins issued NHS numbers one after the other: the same surname, birthday and address.
    william = population["william"]
    william.nhs_number = "9434765927"
    william.save()
    twin = PersonFactory(
        first_name="Wilfred", last_name="Okafor", date_of_birth=BORN, nhs_number="9434765935"
    )
    add_address(twin, postcode="NR3 1JE")
    variants = NameVariants.from_db()
    shared = {"last_name": "Okafor", "date_of_birth": BORN, "postcode": "NR3 1JE"}

    # William recorded under a wholly different first name, with his own NHS number: the number
    # outweighs the twins rule, and it keeps his brother (named as asked) out of review.
    query = MatchQuery(first_name="Wilfred", nhs_number="9434765927", **shared)
    same_number = score(query, william, variants)
    assert outcomes(same_number)["first_name"] == "disagrees"
    assert same_number.probability >= AUTO_LINK_THRESHOLD
    assert score(query, twin, variants).probability < REVIEW_THRESHOLD
    assert top(query).person_id == william.pk

    # Without a number the twins rule holds: the brother with the name asked for is first, and
    # William, whose first name differs on the same birthday, is not linked.
    query = MatchQuery(first_name="Wilfred", **shared)
    assert top(query).person_id == twin.pk
    assert score(query, william, variants).probability < AUTO_LINK_THRESHOLD


def test_a_boy_and_girl_twin_named_alike_stay_apart(population):
    male, female = Gender.objects.get(code="male"), Gender.objects.get(code="female")
    brother = PersonFactory(first_name="Alexandru", last_name="Lungu", date_of_birth=BORN, gender=male)
    sister = PersonFactory(first_name="Alexandra", last_name="Lungu", date_of_birth=BORN, gender=female)
    for child in (brother, sister):
        add_address(child, postcode="NR5 8EL")
    variants = NameVariants.from_db()
    query = MatchQuery(
        first_name="Alexandra", last_name="Lungu", date_of_birth=BORN, postcode="NR5 8EL", gender="female"
    )

    result = score(query, brother, variants)
    assert outcomes(result)["first_name"] == "disagrees"
    assert result.probability < REVIEW_THRESHOLD
    assert top(query).person_id == sister.pk
    assert top(query).probability >= AUTO_LINK_THRESHOLD
    # Without a gender on one side the names alike count as a spelling slip, as before.
    assert outcomes(score(dataclasses.replace(query, gender=""), brother, variants))["first_name"] == "close"


def test_missing_fields_cost_less_than_disagreeing_ones(population):
    jessica = population["jessica"]
    variants = NameVariants.from_db()
    missing = score(MatchQuery(first_name="Jessica", last_name="Greenwood"), jessica, variants)
    wrong = score(
        MatchQuery(first_name="Jessica", last_name="Greenwood", date_of_birth=dt.date(2003, 9, 30)),
        jessica,
        variants,
    )
    assert outcomes(missing)["date_of_birth"] == "missing"
    assert missing.probability > wrong.probability
    assert next(c.weight for c in missing.fields if c.field == "date_of_birth") == 0.0


def test_every_record_finds_itself_first(population):
    for person in population.values():
        address = person.addresses.first()
        query = MatchQuery(
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=person.date_of_birth,
            postcode=address.postcode if address else "",
        )
        assert top(query).person_id == person.pk, person.full_name


def test_candidate_search_finds_the_blocks(population):
    def found(query: MatchQuery) -> set[str]:
        ids = set(matching.candidates_for(query).values_list("pk", flat=True))
        return {name for name, person in population.items() if person.pk in ids}

    assert "kayden" in found(MatchQuery(first_name="Nowak", last_name="Kayden"))
    assert "william" in found(MatchQuery(first_name="Bill", last_name="Okafr", date_of_birth=BORN))
    assert "riley" in found(MatchQuery(first_name="Rylee", last_name="M", postcode="IP24 2AB"))
    assert found(MatchQuery()) == set()


# --- properties ---------------------------------------------------------------------------------------

FIELDS = ["first_name", "last_name", "middle_names", "date_of_birth", "postcode", "nhs_number", "upn"]


def _held_person() -> Person:
    """An unsaved person with an address list the scorer can read (no database needed)."""
    person = Person(
        first_name="Jessica",
        middle_names="Anne",
        last_name="Greenwood",
        date_of_birth=BORN,
        nhs_number="9434765919",
        upn="A12345678901B",
    )
    person._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "addresses": Address.objects.none(),
        "aliases": person.aliases.none(),
    }
    person._prefetched_objects_cache["addresses"]._result_cache = [  # type: ignore[attr-defined]
        Address(person=person, line1="1 Road", postcode="NR3 1JE")
    ]
    person._prefetched_objects_cache["aliases"]._result_cache = []  # type: ignore[attr-defined]
    return person


AGREEING = {
    "first_name": "Jessica",
    "last_name": "Greenwood",
    "middle_names": "Anne",
    "date_of_birth": BORN,
    "postcode": "NR3 1JE",
    "nhs_number": "9434765919",
    "upn": "A12345678901B",
}
queries = st.builds(
    MatchQuery,
    first_name=st.sampled_from(["", "Jessica", "Jess", "Jesica", "Wilma", "Greenwood"]),
    last_name=st.sampled_from(["", "Greenwood", "Green", "Greenwod", "Jessica", "Smith-Greenwood"]),
    middle_names=st.sampled_from(["", "Anne", "Marie"]),
    date_of_birth=st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2020, 12, 31))),
    postcode=st.sampled_from(["", "NR3 1JE", "NR3 9ZZ", "IP24 2AB"]),
    nhs_number=st.sampled_from(["", "9434765919", "4010232137"]),
    upn=st.sampled_from(["", "A12345678901B", "B99999999999C"]),
)
VARIANTS = NameVariants([["jessica", "jess", "jessie"]])


@given(queries)
def test_probability_is_always_between_zero_and_one(query):
    result = score(query, _held_person(), VARIANTS)
    assert 0.0 <= result.probability <= 1.0


@given(queries, st.sampled_from(FIELDS))
def test_adding_an_agreeing_field_never_lowers_the_score(query, field_name):
    query = dataclasses.replace(query, **{field_name: None if field_name == "date_of_birth" else ""})
    person = _held_person()
    before = score(query, person, VARIANTS)
    after = score(dataclasses.replace(query, **{field_name: AGREEING[field_name]}), person, VARIANTS)
    assert after.log2_odds >= before.log2_odds - 1e-9


@given(st.floats(min_value=-1e6, max_value=1e6))
def test_probability_from_any_log_odds_stays_in_range(log2_odds):
    assert 0.0 <= matching.probability_from_log2_odds(log2_odds) <= 1.0


# --- docs ------------------------------------------------------------------------------------------------


def test_weights_table_in_docs_matches_the_constants():
    text = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- weights-table:start -->", "<!-- weights-table:end -->"
    documented = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert documented == matching.weights_table(), (
        "The weights table in docs/matching.md differs from people/matching.py. Regenerate it with "
        "`.venv/bin/harbour shell --no-imports -c 'from harbour.people.matching import weights_table; "
        "print(weights_table())'`:\n\n" + matching.weights_table()
    )
    for name in ("AUTO_LINK_THRESHOLD", "REVIEW_THRESHOLD", "PRIOR_LOG2_ODDS", "JARO_WINKLER_CLOSE"):
        assert f"`{name}`" in text


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Michał Wójcik", "michal wojcik"),
        ("ŁUKASZ Żółw", "lukasz zolw"),
        ("Søren Østergaard", "soren ostergaard"),
        ("Đorđe", "dorde"),
        ("Straße", "strasse"),
        ("Æsa", "aesa"),
        ("O\u2019Brien-Smith", "obrien smith"),
    ],
)
def test_fold_keeps_letters_that_do_not_decompose(typed: str, folded: str) -> None:
    from harbour.people.names import fold

    assert fold(typed) == folded


def test_fold_matches_the_batch_linkage_fold() -> None:
    """`harbour link` folds names in DuckDB: the same names must fold the same way there."""
    import duckdb

    from harbour.people.linkage.run import FOLD_MACRO
    from harbour.people.names import fold

    con = duckdb.connect()
    con.execute(FOLD_MACRO)
    for name in ["Michał Łukasiewicz", "Søren Ø", "Đorđe", "Straße", "Þór Æsa", "José Núñez", "O\u2019Neill"]:
        assert con.execute("SELECT harbour_fold(?)", [name]).fetchone() == (fold(name),)


def test_a_polish_surname_is_found_whatever_the_keyboard(population: dict[str, Person]) -> None:
    """A surname with ł, stored as typed, is found when the officer types it without the accent."""
    held = PersonFactory(first_name="Paweł", last_name="Małecki", date_of_birth=dt.date(2012, 3, 14))
    assert held.search_name == "pawel malecki"
    found = matches_for(
        MatchQuery(first_name="Pawel", last_name="Malecki", date_of_birth=dt.date(2012, 3, 14))
    )
    assert found
    assert found[0].person_id == held.pk
    assert found[0].probability >= AUTO_LINK_THRESHOLD


@pytest.mark.parametrize(
    ("first_name", "last_name", "person"),
    [
        ("Xessica", "Greenwood", "jessica"),  # first name misspelt in its first letter: the surname rule
        ("Jessica", "Grenwood", "jessica"),  # surname misspelt: the first-name start rule
        ("Greenwood", "Jessica", "jessica"),  # the wrong way round
        ("Bill", "Okafor", "william"),  # a nickname
    ],
)
def test_the_narrow_rules_find_one_slip_with_the_date_of_birth(
    population: dict[str, Person], first_name: str, last_name: str, person: str
) -> None:
    """With the date of birth right and one slip in the names, the narrow (indexed) rules find the
    person: the slow fallback rules are not needed."""
    query = MatchQuery(first_name=first_name, last_name=last_name, date_of_birth=BORN)
    narrow = [
        rule.condition for rule in matching.blocking_plan(query, NameVariants.from_db()) if not rule.fallback
    ]
    found = matching._records(
        narrow, limit=matching.CANDIDATE_LIMIT, kind=Person.Kind.YOUNG_PERSON, exclude=set()
    )
    assert population[person].pk in {held.pk for held in found}


def test_migration_0004_folds_again_the_names_the_old_fold_broke(reference: Any) -> None:
    """Search names stored before fold() kept ł and the like are folded again by the migration."""
    import importlib

    from django.apps import apps

    held = PersonFactory(first_name="Paweł", last_name="Nowak")
    plain = PersonFactory(first_name="Anna", last_name="Nowak")
    Person.objects.filter(pk=held.pk).update(search_name="pawe nowak")  # as the old fold() left it
    migration = importlib.import_module("harbour.people.migrations.0004_matching_indexes")
    migration.refold(apps, None)
    held.refresh_from_db()
    plain.refresh_from_db()
    assert held.search_name == "pawel nowak"
    assert plain.search_name == "anna nowak"
