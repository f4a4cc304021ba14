"""The interactive "is this young person already known?" check: candidate search and Fellegi-Sunter score.

Pure scoring: no access checks and no audit here. The front door's selectors wrap these functions with
the access policy and the name-only display. See docs/matching.md for the model and how to tune it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet

from harbour.people.models import Address, NameVariant, Person
from harbour.people.names import fold

Outcome = Literal["agrees", "close", "disagrees", "missing"]

# A wrong merge is worse than a missed one: only scores at or above this may ever be linked without
# a person checking, and a review threshold below which candidates are not offered for review.
AUTO_LINK_THRESHOLD = 0.99
REVIEW_THRESHOLD = 0.5

# Prior log2 odds that one candidate is the young person asked about, before any field is compared:
# about 1 in 50,000, the order of the number of young people a county holds.
PRIOR_LOG2_ODDS = math.log2(1 / 50_000)

# Jaro-Winkler similarity at or above which two names count as a typo of each other ("close").
JARO_WINKLER_CLOSE = 0.92


@dataclass(frozen=True)
class Level:
    """One outcome of comparing a field, with its m and u probabilities.

    m: how often this outcome is seen when both records are the same young person;
    u: how often it is seen when they are different young people. Weight = log2(m / u).
    """

    outcome: Outcome
    m: float
    u: float
    source: str

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


# m and u below are set by judgement from published record-linkage practice (Splink's and the ONS's
# defaults for names and dates of birth) and the size of a county's population, not yet estimated from
# Harbour's own data. Each `source` says where the figure comes from; docs/matching.md shows the table.
FIRST_NAME = {
    "exact": Level("agrees", 0.88, 0.01, "common given names each cover about 1% of young people"),
    "variant": Level("close", 0.06, 0.005, "nickname table hits (Bill for William) among the same person"),
    "similar": Level("close", 0.04, 0.01, "typos: Jaro-Winkler >= 0.92, about 4% of keyed names"),
    "swapped": Level("close", 0.01, 0.0001, "first and last name entered the wrong way round"),
    "different": Level("disagrees", 0.02, 0.98, "unexplained different first name for the same person"),
    # Twins and siblings: among different young people who share a date of birth (and usually a
    # surname and address), a different first name is almost certain; for the same person, rare.
    "different_same_dob": Level(
        "disagrees", 0.0002, 0.98, "set, not measured: keeps twins below the auto-link threshold"
    ),
}
LAST_NAME = {
    "exact": Level("agrees", 0.88, 0.002, "surnames are more spread than given names"),
    "part": Level("close", 0.04, 0.002, "one part of a double-barrelled or hyphenated surname"),
    "similar": Level("close", 0.04, 0.004, "typos: Jaro-Winkler >= 0.92"),
    "swapped": Level("close", 0.01, 0.0001, "first and last name entered the wrong way round"),
    "different": Level("disagrees", 0.03, 0.99, "surname changes (family changes, adoption) and errors"),
}
MIDDLE_NAMES = {
    "shared": Level("agrees", 0.6, 0.02, "a middle name in common; often left out"),
    "different": Level("disagrees", 0.1, 0.6, "middle names are often recorded differently"),
}
DATE_OF_BIRTH = {
    "exact": Level("agrees", 0.95, 0.00015, "about 1 in 6,500 young people (18 years of birthdays)"),
    "day_month_swapped": Level("close", 0.01, 0.00015, "American-order or swapped day and month"),
    "one_digit": Level("close", 0.02, 0.003, "a single mistyped digit; about 20 neighbouring dates"),
    "different": Level("disagrees", 0.01, 0.99, "a different date, other than the slips above"),
}
POSTCODE = {
    "exact": Level("agrees", 0.75, 0.0005, "any address in the history; a postcode has about 15 homes"),
    # Brothers, sisters and cousins share both a surname and an address, so an address agreeing is
    # much weaker evidence when the surname agrees too (the fields are not independent).
    "exact_same_surname": Level("agrees", 0.75, 0.05, "siblings share surname and address"),
    "outward": Level("close", 0.1, 0.02, "same outward code (district), such as a move across town"),
    "different": Level("disagrees", 0.15, 0.98, "moves whose earlier address we do not hold"),
}
NHS_NUMBER = {
    "exact": Level("agrees", 0.999, 1e-7, "a unique national number; errors fail the mod-11 check"),
    # Set, not measured: two valid NHS numbers mean two children except for registration errors,
    # which the merge review handles. A wrong merge is worse than a missed one.
    "different": Level("disagrees", 1e-12, 0.999, "set, not measured: different numbers, different children"),
}
UPN = {
    "exact": Level("agrees", 0.99, 1e-6, "unique pupil numbers are unique in England"),
    "different": Level("disagrees", 1e-10, 0.999, "set, not measured: a new UPN is rare and audited"),
}
SCHOOL = {
    "exact": Level("agrees", 0.6, 0.05, "siblings and large secondaries make this mild evidence"),
    "different": Level("disagrees", 0.3, 0.95, "young people change school, especially when excluded"),
}
GENDER = {
    "exact": Level("agrees", 0.97, 0.5, "half of young people share any one gender"),
    "different": Level("disagrees", 0.03, 0.5, "recording errors and young people who transition"),
}

MODEL: dict[str, dict[str, Level]] = {
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
    "middle_names": MIDDLE_NAMES,
    "date_of_birth": DATE_OF_BIRTH,
    "postcode": POSTCODE,
    "nhs_number": NHS_NUMBER,
    "upn": UPN,
    "school": SCHOOL,
    "gender": GENDER,
}

# Gender codes that say nothing about the young person; compared as missing.
UNINFORMATIVE_GENDERS = {"", "not-known", "other"}


@dataclass(frozen=True)
class MatchQuery:
    """What the officer has typed so far. Empty strings and None mean not given."""

    first_name: str = ""
    last_name: str = ""
    middle_names: str = ""
    date_of_birth: dt.date | None = None
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""
    school_id: UUID | None = None
    gender: str = ""


@dataclass(frozen=True)
class FieldComparison:
    field: str
    outcome: Outcome
    weight: float
    detail: str


@dataclass(frozen=True)
class MatchResult:
    person_id: UUID
    probability: float
    log2_odds: float
    fields: list[FieldComparison] = field(default_factory=list)


class NameVariants:
    """The nickname table as groups: two names are variants when some group holds both."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self._groups: dict[str, set[int]] = {}
        for index, group in enumerate(groups):
            for name in group:
                if folded := fold(name):
                    self._groups.setdefault(folded, set()).add(index)

    @classmethod
    def from_db(cls) -> NameVariants:
        rows = NameVariant.objects.filter(active=True).only("code", "variants")
        return cls([row.code, *row.variant_list()] for row in rows)

    def related(self, a: str, b: str) -> bool:
        return bool(self._groups.get(fold(a), set()) & self._groups.get(fold(b), set()))

    def of(self, name: str) -> set[str]:
        """Every name that shares a group with this one (the name itself excluded)."""
        indexes = self._groups.get(fold(name), set())
        return {other for other, groups in self._groups.items() if groups & indexes} - {fold(name)}


# --- string similarity -----------------------------------------------------------------------------


def jaro(a: str, b: str) -> float:
    """Jaro similarity: shared characters within a window, less half the transpositions."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    a_matched = [False] * len(a)
    b_matched = [False] * len(b)
    matches = 0
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_matched[j] and b[j] == char:
                a_matched[i] = b_matched[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    a_chars = [char for char, hit in zip(a, a_matched, strict=True) if hit]
    b_chars = [char for char, hit in zip(b, b_matched, strict=True) if hit]
    transpositions = sum(x != y for x, y in zip(a_chars, b_chars, strict=True)) / 2
    return (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3


def jaro_winkler(a: str, b: str, *, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity in [0, 1]; 1.0 for equal strings. Rewards a shared start of up to 4."""
    similarity = jaro(a, b)
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return similarity + prefix * prefix_scale * (1 - similarity)


# --- comparing fields ------------------------------------------------------------------------------


def _compared(field_name: str, level_name: str, detail: str) -> FieldComparison:
    level = MODEL[field_name][level_name]
    return FieldComparison(field_name, level.outcome, level.weight, detail)


def _missing(field_name: str, detail: str = "Not given on one side.") -> FieldComparison:
    return FieldComparison(field_name, "missing", 0.0, detail)


def _surname_parts(name: str) -> set[str]:
    return set(fold(name).split())


def _names_equal(a: str, b: str) -> bool:
    return bool(a) and fold(a) == fold(b)


def _first_name(
    query: MatchQuery, person: Person, variants: NameVariants, *, dob_agrees: bool
) -> FieldComparison:
    asked = fold(query.first_name)
    if not asked or not person.first_name:
        return _missing("first_name")
    held = fold(person.first_name)
    if asked == held:
        return _compared("first_name", "exact", "Same first name.")
    other_names = [fold(person.preferred_name), *fold(person.middle_names).split()]
    other_names += [alias.search_name for alias in person.aliases.all()]
    if variants.related(asked, held) or asked in other_names:
        return _compared("first_name", "variant", "A nickname, preferred or middle name of the other.")
    if jaro_winkler(asked, held) >= JARO_WINKLER_CLOSE:
        return _compared("first_name", "similar", "Spelt a little differently.")
    if dob_agrees:
        return _compared(
            "first_name", "different_same_dob", "Different first name on the same birthday: twins?"
        )
    return _compared("first_name", "different", "Different first name.")


def _last_name(query: MatchQuery, person: Person) -> FieldComparison:
    asked = fold(query.last_name)
    if not asked or not person.last_name:
        return _missing("last_name")
    held = fold(person.last_name)
    if asked == held:
        return _compared("last_name", "exact", "Same surname.")
    asked_parts, held_parts = _surname_parts(asked), _surname_parts(held)
    if (len(asked_parts) > 1 or len(held_parts) > 1) and asked_parts & held_parts:
        return _compared("last_name", "part", "One part of a double-barrelled surname.")
    if jaro_winkler(asked, held) >= JARO_WINKLER_CLOSE:
        return _compared("last_name", "similar", "Spelt a little differently.")
    return _compared("last_name", "different", "Different surname.")


def _swapped(query: MatchQuery, person: Person) -> bool:
    """The first and last names were entered the wrong way round (on either side)."""
    if not (query.first_name and query.last_name and person.first_name and person.last_name):
        return False

    def same(a: str, b: str) -> bool:
        return jaro_winkler(fold(a), fold(b)) >= JARO_WINKLER_CLOSE

    direct = same(query.first_name, person.first_name) or same(query.last_name, person.last_name)
    return (
        not direct and same(query.first_name, person.last_name) and same(query.last_name, person.first_name)
    )


def _middle_names(query: MatchQuery, person: Person) -> FieldComparison:
    asked, held = set(fold(query.middle_names).split()), set(fold(person.middle_names).split())
    if not asked or not held:
        return _missing("middle_names")
    if asked & held:
        return _compared("middle_names", "shared", "A middle name in common.")
    return _compared("middle_names", "different", "Different middle names.")


def one_digit_apart(a: dt.date, b: dt.date) -> bool:
    first, second = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return sum(x != y for x, y in zip(first, second, strict=True)) == 1


def day_month_swapped(a: dt.date, b: dt.date) -> bool:
    return a != b and a.year == b.year and a.day == b.month and a.month == b.day


def _date_of_birth(query: MatchQuery, person: Person) -> FieldComparison:
    asked, held = query.date_of_birth, person.date_of_birth
    if asked is None or held is None:
        return _missing("date_of_birth")
    if asked == held:
        return _compared("date_of_birth", "exact", "Same date of birth.")
    if day_month_swapped(asked, held):
        return _compared("date_of_birth", "day_month_swapped", "Day and month the other way round.")
    if one_digit_apart(asked, held):
        return _compared("date_of_birth", "one_digit", "One digit different.")
    return _compared("date_of_birth", "different", "Different date of birth.")


def normalise_postcode(postcode: str) -> str:
    """Upper case with one space before the inward code: ``nr31je`` becomes ``NR3 1JE``."""
    compact = re.sub(r"\s+", "", postcode).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _outward(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]


def _postcode(query: MatchQuery, person: Person, *, surname_agrees: bool) -> FieldComparison:
    asked = normalise_postcode(query.postcode)
    held = [normalise_postcode(address.postcode) for address in person.addresses.all() if address.postcode]
    if not asked or not held:
        return _missing("postcode")
    if asked in held:
        current = held[0] == asked
        where = "the current address" if current else "an earlier address"
        if surname_agrees:
            return _compared(
                "postcode", "exact_same_surname", f"Same postcode as {where} (brothers and sisters share it)."
            )
        return _compared("postcode", "exact", f"Same postcode as {where}.")
    if _outward(asked) in {_outward(postcode) for postcode in held}:
        return _compared("postcode", "outward", "Same postcode district.")
    return _compared("postcode", "different", "No address in the same postcode.")


def _identifier(field_name: str, asked: str, held: str, label: str) -> FieldComparison:
    asked, held = re.sub(r"\s+", "", asked).upper(), re.sub(r"\s+", "", held).upper()
    if not asked or not held:
        return _missing(field_name)
    if asked == held:
        return _compared(field_name, "exact", f"Same {label}.")
    return _compared(field_name, "different", f"Different {label}: different young people.")


def _school(query: MatchQuery, person: Person) -> FieldComparison:
    if query.school_id is None or person.school_id is None:
        return _missing("school")
    if query.school_id == person.school_id:
        return _compared("school", "exact", "Same school.")
    return _compared("school", "different", "Different school.")


def _gender(query: MatchQuery, person: Person) -> FieldComparison:
    held = person.gender.code if person.gender is not None else ""
    if query.gender in UNINFORMATIVE_GENDERS or held in UNINFORMATIVE_GENDERS:
        return _missing("gender")
    if query.gender == held:
        return _compared("gender", "exact", "Same gender.")
    return _compared("gender", "different", "Different gender recorded.")


def probability_from_log2_odds(log2_odds: float) -> float:
    """1 / (1 + 2^-x), computed without overflow for any x."""
    if log2_odds >= 0:
        return 1.0 / (1.0 + 2.0 ** (-log2_odds))
    odds = 2.0**log2_odds
    return odds / (1.0 + odds)


def score(query: MatchQuery, person: Person, variants: NameVariants) -> MatchResult:
    """How likely this person is the young person described, with the evidence field by field."""
    date_of_birth = _date_of_birth(query, person)
    if _swapped(query, person):
        detail = "First and last names the other way round."
        first = _compared("first_name", "swapped", detail)
        last = _compared("last_name", "swapped", detail)
    else:
        first = _first_name(query, person, variants, dob_agrees=date_of_birth.outcome == "agrees")
        last = _last_name(query, person)
    fields = [
        first,
        last,
        _middle_names(query, person),
        date_of_birth,
        _postcode(query, person, surname_agrees=last.outcome == "agrees"),
        _identifier("nhs_number", query.nhs_number, person.nhs_number, "NHS number"),
        _identifier("upn", query.upn, person.upn, "unique pupil number"),
        _school(query, person),
        _gender(query, person),
    ]
    log2_odds = PRIOR_LOG2_ODDS + sum(comparison.weight for comparison in fields)
    return MatchResult(
        person_id=person.pk,
        probability=probability_from_log2_odds(log2_odds),
        log2_odds=log2_odds,
        fields=fields,
    )


# --- candidate search (blocking) -------------------------------------------------------------------


def _name_starts(prefix: str) -> Q:
    """People whose folded names begin with these letters, in a form the database can index."""
    if connection.vendor == "sqlite" and prefix:
        # SQLite's LIKE ignores case, so it cannot use the (binary) index; a range on the folded,
        # lower-case column is the same test and can. PostgreSQL indexes LIKE 'abc%' directly.
        return Q(search_name__gte=prefix, search_name__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return Q(search_name__startswith=prefix)


def _starts(word: str) -> Q:
    """People with a folded name word starting with these letters (any of first, middle, last)."""
    return _name_starts(word) | Q(search_name__contains=f" {word}")


def _first_prefixes(name: str, variants: NameVariants) -> set[str]:
    folded = fold(name)
    return {variant[:3] for variant in {folded, *variants.of(folded)} if variant}


def _date_block(born: dt.date) -> Q:
    block = Q(date_of_birth=born)
    if born.day <= 12 and born.day != born.month:
        block |= Q(date_of_birth=dt.date(born.year, born.day, born.month))
    return block


def blocking_rules(query: MatchQuery, variants: NameVariants) -> list[Q]:
    """The indexed searches whose union is the candidate set; the narrowest and strongest first."""
    first = fold(query.first_name).split()
    last = fold(query.last_name).split()
    first_word = first[0] if first else ""
    last_word = last[-1] if last else ""
    first_q = Q(pk__in=[])
    for prefix in _first_prefixes(first_word, variants) if first_word else set():
        first_q |= _name_starts(prefix)
    last_q = Q(pk__in=[])
    for part in last:
        last_q |= _starts(part[:3])
    rules: list[Q] = []
    if query.nhs_number.strip():
        rules.append(Q(nhs_number=re.sub(r"\s+", "", query.nhs_number)))
    if query.upn.strip():
        rules.append(Q(upn=re.sub(r"\s+", "", query.upn).upper()))
    if query.date_of_birth is not None:
        rules.append(_date_block(query.date_of_birth))
    if first_word and last_word:
        # First and last name the other way round.
        rules.append(_name_starts(last_word[:3]) & _starts(first_word[:3]))
    if query.postcode.strip():
        # House moves: any address in the history, through the indexed postcode column.
        postcode = normalise_postcode(query.postcode)
        residents = Address.objects.filter(postcode__in={postcode, postcode.replace(" ", "")})
        near = first_q | last_q
        if query.date_of_birth is not None:
            near |= Q(date_of_birth=query.date_of_birth)
        rules.append(Q(pk__in=residents.values("person_id")) & near)
    if query.date_of_birth is not None:
        # A slip in the day: born the same year and month, with a name start in common.
        born = query.date_of_birth
        month = Q(
            date_of_birth__gte=dt.date(born.year, born.month, 1),
            date_of_birth__lt=dt.date(born.year + born.month // 12, born.month % 12 + 1, 1),
        )
        rules.append(month & (first_q | last_q))
    if first_word and last_word:
        # The broadest rule last, so it only fills the places the narrower ones left.
        rules.append(first_q & last_q)
    return rules


def candidates_for(
    query: MatchQuery,
    *,
    limit: int = 200,
    variants: NameVariants | None = None,
    kind: str | None = Person.Kind.YOUNG_PERSON,
) -> QuerySet[Person]:
    """People worth scoring: the union of the blocking rules, at most ``limit`` of them."""
    variants = variants if variants is not None else NameVariants.from_db()
    # One query per rule, so each can use its own index; strongest evidence first. The kind is checked
    # on the rows found rather than in SQL: nearly everyone is a young person, and a planner without
    # statistics would otherwise choose the unselective index on kind.
    found: dict[UUID, None] = {}
    for rule in blocking_rules(query, variants):
        if len(found) >= limit:
            break
        rows = Person.objects.order_by().filter(rule).values_list("pk", "kind")[: limit * 2]
        for pk, person_kind in rows:
            if not kind or person_kind == kind:
                found.setdefault(pk, None)
    return Person.objects.filter(pk__in=list(found)[:limit])


def matches_for(query: MatchQuery, *, limit: int = 10) -> list[MatchResult]:
    """The best-scoring candidates for this query, most likely first."""
    variants = NameVariants.from_db()
    people = candidates_for(query, variants=variants).select_related("gender")
    people = people.prefetch_related("addresses", "aliases")
    results = [score(query, person, variants) for person in people]
    results.sort(key=lambda result: (-result.log2_odds, str(result.person_id)))
    return results[:limit]


def weights_table() -> str:
    """The fields, levels, m, u and weights as a Markdown table, for docs/matching.md."""
    lines = [
        "| field | level | outcome | m | u | weight (log2) | where the figure comes from |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for field_name, levels in MODEL.items():
        for level_name, level in levels.items():
            lines.append(
                f"| `{field_name}` | `{level_name}` | {level.outcome} | {level.m:g} | {level.u:g} "
                f"| {level.weight:+.2f} | {level.source} |"
            )
    return "\n".join(lines)
