"""The interactive "is this young person already known?" check: candidate search and Fellegi-Sunter score.

Pure scoring: no access checks and no audit here. The front door's selectors wrap these functions with
the access policy and the name-only display. See docs/matching.md for the model and how to tune it.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, cast
from uuid import UUID

from django.db import connection
from django.db.models import Field, QuerySet
from django.db.models.signals import post_delete, post_save

from harbour.people.models import Address, Gender, NameVariant, Person, PersonAlias
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
        "disagrees", 0.00005, 0.98, "set, not measured: keeps twins below the auto-link threshold"
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
    "near": Level("close", 0.01, 0.0006, "same day, a year or a month out: about 4 neighbouring dates"),
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
    # u: two different children recorded with one number. Numbers are unique and the mod-11 check
    # refuses every single-digit slip and swap, so this needs a multi-digit error landing on another
    # child's issued number. Strong enough that an equal number outweighs both names disagreeing.
    "exact": Level("agrees", 0.999, 1e-9, "unique, check digit: beats both names disagreeing"),
    # Set, not measured: two valid NHS numbers mean two children except for registration errors,
    # which the merge review handles. A wrong merge is worse than a missed one.
    "different": Level("disagrees", 1e-12, 0.999, "set, not measured: different numbers, different children"),
}
UPN = {
    "exact": Level("agrees", 0.99, 1e-9, "unique in England, check letter: beats both names disagreeing"),
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


# How many candidates one lookup scores at most. Each blocking rule reads at most this many rows.
CANDIDATE_LIMIT = 150


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

    def has_name(self) -> bool:
        return bool(fold(self.first_name) or fold(self.last_name))

    def is_empty(self) -> bool:
        return not (
            self.has_name()
            or self.date_of_birth is not None
            or _compact(self.postcode)
            or _compact(self.nhs_number)
            or _compact(self.upn)
        )


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
        self._members: list[set[str]] = []
        for index, group in enumerate(groups):
            members = {folded for name in group if (folded := fold(name))}
            self._members.append(members)
            for name in members:
                self._groups.setdefault(name, set()).add(index)

    @classmethod
    def from_db(cls) -> NameVariants:
        """The active table, built once and kept for ``REFERENCE_CACHE_SECONDS``: saving or deleting
        a row empties the cache in this process at once, and other processes see it within that time."""
        cached = _reference_cache.get("variants")
        if cached is not None and time.monotonic() - cached[0] < REFERENCE_CACHE_SECONDS:
            return cast(NameVariants, cached[1])
        rows = NameVariant.objects.filter(active=True).order_by("code").values_list("code", "variants")
        variants = cls([code, *(part for part in variants.split(","))] for code, variants in rows)
        _reference_cache["variants"] = (time.monotonic(), variants)
        return variants

    def related(self, a: str, b: str) -> bool:
        return bool(self._groups.get(fold(a), set()) & self._groups.get(fold(b), set()))

    def of(self, name: str) -> set[str]:
        """Every name that shares a group with this one (the name itself excluded)."""
        folded = fold(name)
        found: set[str] = set()
        for index in self._groups.get(folded, set()):
            found |= self._members[index]
        return found - {folded}


# Reference data read on every lookup (the nickname table, gender codes), kept briefly in memory.
REFERENCE_CACHE_SECONDS = 60.0
_reference_cache: dict[str, tuple[float, object]] = {}


def forget_reference_data(**_: object) -> None:
    """Empty the in-memory copies of the nickname table and gender codes (on any change to them)."""
    _reference_cache.clear()


def _gender_codes() -> dict[Any, str]:
    cached = _reference_cache.get("genders")
    if cached is not None and time.monotonic() - cached[0] < REFERENCE_CACHE_SECONDS:
        return cast(dict[Any, str], cached[1])
    codes = dict(Gender.objects.values_list("pk", "code"))
    _reference_cache["genders"] = (time.monotonic(), codes)
    return codes


for _model in (NameVariant, Gender):
    post_save.connect(forget_reference_data, sender=_model, dispatch_uid=f"matching-{_model.__name__}-saved")
    post_delete.connect(
        forget_reference_data, sender=_model, dispatch_uid=f"matching-{_model.__name__}-deleted"
    )


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


@lru_cache(maxsize=200_000)
def _similar(a: str, b: str) -> bool:
    """A typo of each other. Names repeat across candidates and lookups, so the answer is cached."""
    return jaro_winkler(a, b) >= JARO_WINKLER_CLOSE


_fold = lru_cache(maxsize=200_000)(fold)


def _compact(value: str) -> str:
    return "".join((value or "").split()).upper()


def normalise_postcode(postcode: str) -> str:
    """Upper case with one space before the inward code: ``nr31je`` becomes ``NR3 1JE``."""
    compact = _compact(postcode)
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _outward(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]


# --- the two sides, prepared once ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the scorer reads of one held person, folded and normalised once."""

    pk: UUID
    kind: str
    first_name: str
    other_first_names: frozenset[str]  # preferred name, middle names and aliases
    middle_names: frozenset[str]
    last_name: str
    date_of_birth: dt.date | None
    nhs_number: str
    upn: str
    school_id: UUID | None
    gender: str
    current_postcode: str
    postcodes: frozenset[str]

    @classmethod
    def build(
        cls,
        *,
        pk: UUID,
        kind: str,
        first_name: str,
        middle_names: str,
        last_name: str,
        preferred_name: str,
        date_of_birth: dt.date | None,
        nhs_number: str,
        upn: str,
        school_id: UUID | None,
        gender: str,
        postcodes: Iterable[str],
        aliases: Iterable[str],
    ) -> Candidate:
        """``postcodes`` with the current address first; ``aliases`` already folded."""
        middle = frozenset(_fold(middle_names).split())
        normalised = [normalise_postcode(postcode) for postcode in postcodes if postcode]
        return cls(
            pk=pk,
            kind=kind,
            first_name=_fold(first_name),
            other_first_names=frozenset({_fold(preferred_name), *middle, *aliases}) - {""},
            middle_names=middle,
            last_name=_fold(last_name),
            date_of_birth=date_of_birth,
            nhs_number=_compact(nhs_number),
            upn=_compact(upn),
            school_id=school_id,
            gender=gender or "",
            current_postcode=normalised[0] if normalised else "",
            postcodes=frozenset(normalised),
        )

    @classmethod
    def of(cls, person: Person) -> Candidate:
        """From a loaded Person (its addresses and aliases are read through any prefetch)."""
        addresses = sorted(person.addresses.all(), key=_address_order)
        return cls.build(
            pk=person.pk,
            kind=person.kind,
            first_name=person.first_name,
            middle_names=person.middle_names,
            last_name=person.last_name,
            preferred_name=person.preferred_name,
            date_of_birth=person.date_of_birth,
            nhs_number=person.nhs_number,
            upn=person.upn,
            school_id=person.school_id,
            gender=person.gender.code if person.gender is not None else "",
            postcodes=[address.postcode for address in addresses],
            aliases=[alias.search_name or fold(alias.name) for alias in person.aliases.all()],
        )


def _address_order(address: Address) -> tuple[bool, bool, int]:
    return _postcode_order(address.starts_on, address.ends_on)


def _postcode_order(starts_on: dt.date | None, ends_on: dt.date | None) -> tuple[bool, bool, int]:
    """Current addresses (not ended) first, the latest move first."""
    return (ends_on is not None, starts_on is None, -(starts_on.toordinal() if starts_on else 0))


@dataclass(frozen=True)
class _Asked:
    """The query, folded and normalised once per lookup rather than once per candidate."""

    first_name: str
    first_variants: frozenset[str]
    last_name: str
    middle_names: frozenset[str]
    date_of_birth: dt.date | None
    postcode: str
    nhs_number: str
    upn: str
    school_id: UUID | None
    gender: str

    @classmethod
    def of(cls, query: MatchQuery, variants: NameVariants) -> _Asked:
        first = fold(query.first_name)
        return cls(
            first_name=first,
            first_variants=frozenset(variants.of(first)) if first else frozenset(),
            last_name=fold(query.last_name),
            middle_names=frozenset(fold(query.middle_names).split()),
            date_of_birth=query.date_of_birth,
            postcode=normalise_postcode(query.postcode),
            nhs_number=_compact(query.nhs_number),
            upn=_compact(query.upn),
            school_id=query.school_id,
            gender=query.gender,
        )


# --- comparing fields ------------------------------------------------------------------------------


def _compared(field_name: str, level_name: str, detail: str) -> FieldComparison:
    level = MODEL[field_name][level_name]
    return FieldComparison(field_name, level.outcome, level.weight, detail)


def _missing(field_name: str, detail: str = "Not given on one side.") -> FieldComparison:
    return FieldComparison(field_name, "missing", 0.0, detail)


def _first_name(
    asked: _Asked, held: Candidate, *, dob_agrees: bool, genders_differ: bool = False
) -> FieldComparison:
    if not asked.first_name or not held.first_name:
        return _missing("first_name")
    if asked.first_name == held.first_name:
        return _compared("first_name", "exact", "Same first name.")
    if dob_agrees and genders_differ:
        # Boy and girl twins are often named alike (Oliver and Olivia, Charlie and Charlotte): a first
        # name close to the other's is no evidence when the gender differs on the same birthday.
        return _compared(
            "first_name",
            "different_same_dob",
            "A different first name and gender on the same birthday: twins?",
        )
    if held.first_name in asked.first_variants or asked.first_name in held.other_first_names:
        return _compared("first_name", "variant", "A nickname, preferred or middle name of the other.")
    if _similar(asked.first_name, held.first_name):
        return _compared("first_name", "similar", "Spelt a little differently.")
    if dob_agrees:
        return _compared(
            "first_name", "different_same_dob", "Different first name on the same birthday: twins?"
        )
    return _compared("first_name", "different", "Different first name.")


def _last_name(asked: _Asked, held: Candidate) -> FieldComparison:
    if not asked.last_name or not held.last_name:
        return _missing("last_name")
    if asked.last_name == held.last_name:
        return _compared("last_name", "exact", "Same surname.")
    asked_parts, held_parts = set(asked.last_name.split()), set(held.last_name.split())
    if (len(asked_parts) > 1 or len(held_parts) > 1) and asked_parts & held_parts:
        return _compared("last_name", "part", "One part of a double-barrelled surname.")
    if _similar(asked.last_name, held.last_name):
        return _compared("last_name", "similar", "Spelt a little differently.")
    return _compared("last_name", "different", "Different surname.")


def _swapped(asked: _Asked, held: Candidate) -> bool:
    """The first and last names were entered the wrong way round (on either side)."""
    if not (asked.first_name and asked.last_name and held.first_name and held.last_name):
        return False
    if _similar(asked.first_name, held.first_name) or _similar(asked.last_name, held.last_name):
        return False
    return _similar(asked.first_name, held.last_name) and _similar(asked.last_name, held.first_name)


def _middle_names(asked: _Asked, held: Candidate) -> FieldComparison:
    if not asked.middle_names or not held.middle_names:
        return _missing("middle_names")
    if asked.middle_names & held.middle_names:
        return _compared("middle_names", "shared", "A middle name in common.")
    return _compared("middle_names", "different", "Different middle names.")


def one_digit_apart(a: dt.date, b: dt.date) -> bool:
    first, second = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return sum(x != y for x, y in zip(first, second, strict=True)) == 1


def day_month_swapped(a: dt.date, b: dt.date) -> bool:
    return a != b and a.year == b.year and a.day == b.month and a.month == b.day


def year_or_month_apart(a: dt.date, b: dt.date) -> bool:
    """The same day of the month, with the year or the month (not both) one out."""
    if a.day != b.day:
        return False
    if a.month == b.month:
        return abs(a.year - b.year) == 1
    return a.year == b.year and abs(a.month - b.month) == 1


def _date_of_birth(asked: _Asked, held: Candidate) -> FieldComparison:
    if asked.date_of_birth is None or held.date_of_birth is None:
        return _missing("date_of_birth")
    if asked.date_of_birth == held.date_of_birth:
        return _compared("date_of_birth", "exact", "Same date of birth.")
    if day_month_swapped(asked.date_of_birth, held.date_of_birth):
        return _compared("date_of_birth", "day_month_swapped", "Day and month the other way round.")
    if year_or_month_apart(asked.date_of_birth, held.date_of_birth):
        return _compared("date_of_birth", "near", "The same day, with the year or the month one out.")
    if one_digit_apart(asked.date_of_birth, held.date_of_birth):
        return _compared("date_of_birth", "one_digit", "One digit different.")
    return _compared("date_of_birth", "different", "Different date of birth.")


def _postcode(asked: _Asked, held: Candidate, *, surname_agrees: bool) -> FieldComparison:
    if not asked.postcode or not held.postcodes:
        return _missing("postcode")
    if asked.postcode in held.postcodes:
        where = "the current address" if held.current_postcode == asked.postcode else "an earlier address"
        if surname_agrees:
            return _compared(
                "postcode", "exact_same_surname", f"Same postcode as {where} (brothers and sisters share it)."
            )
        return _compared("postcode", "exact", f"Same postcode as {where}.")
    if _outward(asked.postcode) in {_outward(postcode) for postcode in held.postcodes}:
        return _compared("postcode", "outward", "Same postcode district.")
    return _compared("postcode", "different", "No address in the same postcode.")


def _identifier(field_name: str, asked: str, held: str, label: str) -> FieldComparison:
    if not asked or not held:
        return _missing(field_name)
    if asked == held:
        return _compared(field_name, "exact", f"Same {label}.")
    return _compared(field_name, "different", f"Different {label}: different young people.")


def _school(asked: _Asked, held: Candidate) -> FieldComparison:
    if asked.school_id is None or held.school_id is None:
        return _missing("school")
    if asked.school_id == held.school_id:
        return _compared("school", "exact", "Same school.")
    return _compared("school", "different", "Different school.")


def _gender(asked: _Asked, held: Candidate) -> FieldComparison:
    if asked.gender in UNINFORMATIVE_GENDERS or held.gender in UNINFORMATIVE_GENDERS:
        return _missing("gender")
    if asked.gender == held.gender:
        return _compared("gender", "exact", "Same gender.")
    return _compared("gender", "different", "Different gender recorded.")


def probability_from_log2_odds(log2_odds: float) -> float:
    """1 / (1 + 2^-x), computed without overflow for any x."""
    if log2_odds >= 0:
        return 1.0 / (1.0 + 2.0 ** (-log2_odds))
    odds = 2.0**log2_odds
    return odds / (1.0 + odds)


def _score(asked: _Asked, held: Candidate) -> MatchResult:
    date_of_birth = _date_of_birth(asked, held)
    gender = _gender(asked, held)
    if _swapped(asked, held):
        detail = "First and last names the other way round."
        first = _compared("first_name", "swapped", detail)
        last = _compared("last_name", "swapped", detail)
    else:
        first = _first_name(
            asked,
            held,
            dob_agrees=date_of_birth.outcome == "agrees",
            genders_differ=gender.outcome == "disagrees",
        )
        last = _last_name(asked, held)
    fields = [
        first,
        last,
        _middle_names(asked, held),
        date_of_birth,
        _postcode(asked, held, surname_agrees=last.outcome == "agrees"),
        _identifier("nhs_number", asked.nhs_number, held.nhs_number, "NHS number"),
        _identifier("upn", asked.upn, held.upn, "unique pupil number"),
        _school(asked, held),
        gender,
    ]
    log2_odds = PRIOR_LOG2_ODDS + sum(comparison.weight for comparison in fields)
    return MatchResult(
        person_id=held.pk,
        probability=probability_from_log2_odds(log2_odds),
        log2_odds=log2_odds,
        fields=fields,
    )


def score(query: MatchQuery, person: Person | Candidate, variants: NameVariants) -> MatchResult:
    """How likely this person is the young person described, with the evidence field by field."""
    held = person if isinstance(person, Candidate) else Candidate.of(person)
    return _score(_Asked.of(query, variants), held)


# --- candidate search (blocking) -------------------------------------------------------------------
#
# The rules are written as SQL fragments over ``people_person`` (alias ``p``) rather than through the
# ORM: a lookup runs on every keystroke pause, and building and compiling the querysets cost more than
# the database's own work (about 4 ms a lookup). Every value is a parameter; the fragments hold only
# this module's own table and column names.


@dataclass(frozen=True)
class Sql:
    """A condition on ``people_person AS p`` with its parameters."""

    text: str
    params: tuple[Any, ...] = ()

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) AND ({other.text})", self.params + other.params)

    def __or__(self, other: Sql) -> Sql:
        if self is NOTHING:
            return other
        if other is NOTHING:
            return self
        return Sql(f"({self.text}) OR ({other.text})", self.params + other.params)


NOTHING = Sql("1 = 0")


def _any(conditions: Iterable[Sql]) -> Sql:
    found = NOTHING
    for condition in conditions:
        found |= condition
    return found


def _in(column: str, values: Iterable[Any]) -> Sql:
    listed = list(dict.fromkeys(values))
    if not listed:
        return NOTHING
    return Sql(f"{column} IN ({', '.join(['%s'] * len(listed))})", tuple(listed))


def _dates(days: Iterable[dt.date]) -> list[Any]:
    adapt = connection.ops.adapt_datefield_value
    return [adapt(day) for day in days]


def _name_starts(prefix: str) -> Sql:
    """People whose folded names begin with these letters, in a form the database can index."""
    if connection.vendor == "sqlite" and prefix:
        # SQLite's LIKE ignores case, so it cannot use the (binary) index; a range on the folded,
        # lower-case column is the same test and can. PostgreSQL indexes LIKE 'abc%' directly.
        return Sql(
            "p.search_name >= %s AND p.search_name < %s", (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))
        )
    # Folded names hold only a-z, 0-9 and spaces, so nothing in them needs escaping for LIKE.
    return Sql("p.search_name LIKE %s", (f"{prefix}%",))


def _starts(word: str) -> Sql:
    """People with a folded name word starting with these letters (any of first, middle, last)."""
    return _name_starts(word) | Sql("p.search_name LIKE %s", (f"% {word}%",))


def _first_prefixes(name: str, variants: NameVariants) -> set[str]:
    folded = fold(name)
    return {variant[:3] for variant in {folded, *variants.of(folded)} if variant}


def _as_stored(names: Iterable[str]) -> set[str]:
    """The ways a name is usually stored (as typed, Title Case, capitals, lower case), so an exact
    lookup can use the (last_name, first_name) index, which compares the stored text as it is."""
    forms: set[str] = set()
    for typed in names:
        name = " ".join(typed.split())
        if name:
            forms |= {name, name.title(), name.upper(), name.lower(), name[0].upper() + name[1:]}
    return forms


def _date_block(born: dt.date) -> list[dt.date]:
    block = [born]
    if born.day <= 12 and born.day != born.month:
        block.append(dt.date(born.year, born.day, born.month))
    return block


def _slipped_dates(born: dt.date) -> list[dt.date]:
    """Every real date one typing slip from this one: one digit different, the day and month swapped,
    or the year or the month one out."""
    text = born.strftime("%Y%m%d")
    found: set[dt.date] = set()
    for index, digit in enumerate(text):
        for other in "0123456789":
            slip = text[:index] + other + text[index + 1 :]
            if other != digit:
                with suppress(ValueError):
                    found.add(dt.date(int(slip[:4]), int(slip[4:6]), int(slip[6:])))
    for years, months in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        with suppress(ValueError):
            found.add(born.replace(year=born.year + years, month=born.month + months))
    if born.day <= 12:
        with suppress(ValueError):
            found.add(dt.date(born.year, born.day, born.month))
    found.discard(born)
    return sorted(day for day in found if day.year >= 1900)


@dataclass(frozen=True)
class BlockingRule:
    name: str
    condition: Sql
    # Fallback rules read many rows (a month of births, three-letter name starts): they run only when
    # the narrow rules found fewer than FALLBACK_BELOW people, such as when both names are misspelt.
    fallback: bool = False


# Run the fallback rules when the narrow ones found fewer people than this.
FALLBACK_BELOW = 10


def _date_rules(query: MatchQuery, words: set[str]) -> list[BlockingRule]:
    """The same date of birth (or day and month swapped) with a name in common, as index range scans."""
    assert query.date_of_birth is not None
    block = _in("p.date_of_birth", _dates(_date_block(query.date_of_birth)))
    if not words:
        return [BlockingRule("date_of_birth", block)]
    # The held first name starting like any name typed: the first name, its nicknames, or the surname
    # (names the wrong way round). Folded names start with the first name, so this is one scan of the
    # (date_of_birth, first three letters of search_name) index; it must be written as the index is.
    substring = "SUBSTR" if connection.vendor == "sqlite" else "SUBSTRING"
    starts = _in(f"{substring}(p.search_name, 1, 3)", sorted(word for word in words if len(word) == 3))
    starts |= _any(_name_starts(word) for word in sorted(words) if len(word) < 3)
    rules = [BlockingRule("date_of_birth", block & starts)]
    if query.last_name.strip():
        # The surname typed: a first name misspelt in its first letters, or a middle or preferred name
        # typed as the first name. Through the (date_of_birth, last_name) index.
        surnames = _in("p.last_name", sorted(_as_stored([query.last_name.strip()])))
        rules.append(BlockingRule("surname_and_date", block & surnames))
    return rules


def blocking_plan(query: MatchQuery, variants: NameVariants) -> list[BlockingRule]:
    """The indexed searches whose union is the candidate set; the narrowest and strongest first.

    A single slip in any one field still leaves a narrow rule that finds the person: the date of
    birth rule needs only one name start to agree, and the name rules need no date at all.
    """
    first = fold(query.first_name).split()
    last = fold(query.last_name).split()
    first_word = first[0] if first else ""
    last_word = last[-1] if last else ""
    first_q = (
        _any(_name_starts(prefix) for prefix in sorted(_first_prefixes(first_word, variants)))
        if first_word
        else NOTHING
    )
    last_q = _any(_starts(part[:3]) for part in last)
    # Any name start the officer typed, as any word of the held names: first or last name, either
    # way round, a nickname, or one part of a double-barrelled surname.
    words = {word[:3] for word in {*first, *last, *(variants.of(first_word) if first_word else set())}}
    evidence = _any(_starts(word) for word in sorted(words))
    has_name = bool(first or last)
    names = NOTHING
    if first_word and last_word:
        # The same names (or a nickname of the first), either way round, through the names index.
        typed_first = [query.first_name.strip(), *sorted(variants.of(first_word))]
        typed_last = [query.last_name.strip()]
        names = (
            _in("p.last_name", sorted(_as_stored(typed_last)))
            & _in("p.first_name", sorted(_as_stored(typed_first)))
        ) | (
            _in("p.last_name", sorted(_as_stored([query.first_name.strip()])))
            & _in("p.first_name", sorted(_as_stored(typed_last)))
        )

    rules: list[BlockingRule] = []
    if nhs_number := _compact(query.nhs_number):
        rules.append(BlockingRule("nhs_number", Sql("p.nhs_number = %s", (nhs_number,))))
    if upn := _compact(query.upn):
        rules.append(BlockingRule("upn", Sql("p.upn = %s", (upn,))))
    if query.date_of_birth is not None:
        rules += _date_rules(query, words)
    if query.postcode.strip():
        # House moves: any address in the history, through the indexed postcode column.
        postcode = normalise_postcode(query.postcode)
        residents = _in("a.postcode", sorted({postcode, postcode.replace(" ", "")}))
        near = evidence
        if query.date_of_birth is not None:
            near |= _in("p.date_of_birth", _dates([query.date_of_birth]))
        lived = Sql(
            f"p.id IN (SELECT a.person_id FROM {Address._meta.db_table} a WHERE {residents.text})",  # noqa: S608
            residents.params,
        )
        rules.append(BlockingRule("postcode", lived & near))
    if first_word and last_word:
        if query.date_of_birth is not None:
            # The same names, born on a date one typing slip away: before the namesakes below, so
            # that many namesakes cannot crowd out a person whose date of birth was mistyped.
            slipped = _in("p.date_of_birth", _dates(_slipped_dates(query.date_of_birth)))
            rules.append(BlockingRule("names_and_slipped_date", names & slipped))
        # The same names whatever the date of birth says, or without one. With a date of birth typed,
        # a fallback: namesakes born on a date that is not one slip away score "different" on it and
        # rarely reach the review threshold, and at a million people a common name has dozens of them
        # (three quarters of the rows a lookup read and scored before this was a fallback).
        rules.append(BlockingRule("names", names, fallback=query.date_of_birth is not None))
    if query.date_of_birth is not None and has_name:
        # A slip in the day and a misspelt name: born the same year and month, a name start in common.
        born = query.date_of_birth
        start, end = _dates(
            [dt.date(born.year, born.month, 1), dt.date(born.year + born.month // 12, born.month % 12 + 1, 1)]
        )
        month = Sql("p.date_of_birth >= %s AND p.date_of_birth < %s", (start, end))
        rules.append(BlockingRule("month_of_birth", month & (first_q | last_q), fallback=True))
    if first_word and last_word:
        rules.append(BlockingRule("name_starts", first_q & last_q, fallback=True))
    elif first_word or last_word:
        # Only one name typed so far: people whose names start the same way.
        rules.append(BlockingRule("name_start", first_q if first_word else last_q, fallback=True))
    return rules


CANDIDATE_COLUMNS = (
    "id",
    "kind",
    "first_name",
    "middle_names",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "nhs_number",
    "upn",
    "school_id",
    "gender_id",
    "merged_into_id",
)


# Each person's addresses, as one text per address for the lookup query to aggregate: "1" when it
# has ended, "1" when its start is unknown, the start date (ISO, 10 characters) and the postcode.
_ADDRESS_TEXT = (
    "CASE WHEN a.ends_on IS NULL THEN '0' ELSE '1' END || CASE WHEN a.starts_on IS NULL THEN '1' ELSE '0' END"
    " || COALESCE(CAST(a.starts_on AS TEXT), '0000-00-00') || a.postcode"
)


@dataclass(frozen=True)
class _Row:
    values: tuple[Any, ...]  # CANDIDATE_COLUMNS, converted to Python
    postcodes: list[str]  # current first, then the latest move first
    aliases: list[str]  # folded


def _split_postcodes(text: str | None) -> list[str]:
    """The aggregated address texts in the order ``_postcode_order`` gives: current addresses (not
    ended) first, the latest move first."""
    parts = [part for part in (text or "").split("|") if part]
    parts.sort(key=lambda part: part[2:12], reverse=True)
    parts.sort(key=lambda part: (part[0] == "1", part[1] == "1"))
    return [part[12:] for part in parts]


def _rule_rows(rules: list[Sql], limit: int) -> list[_Row]:
    """Every rule's rows (at most ``limit`` each), in rule order, with each person's address history and
    aliases, in one round trip to the database.

    Each rule stays its own SELECT, so each can use its own index; they are joined with UNION ALL
    (each wrapped as a subquery, the form both SQLite and PostgreSQL accept with a LIMIT inside). The
    addresses and aliases are aggregated for the rows each rule keeps. A lookup then pays one query's
    planning and latency instead of one per rule and one more for the addresses.
    """
    if not rules:
        return []
    columns = ", ".join(f"p.{name}" for name in CANDIDATE_COLUMNS)
    table, addresses, aliases = Person._meta.db_table, Address._meta.db_table, PersonAlias._meta.db_table
    aggregate = "group_concat" if connection.vendor == "sqlite" else "string_agg"
    parts: list[str] = []
    params: list[Any] = []
    for index, rule in enumerate(rules):
        select = f"SELECT {columns} FROM {table} p WHERE {rule.text} LIMIT {int(limit)}"  # noqa: S608
        found = f"r{index}"
        parts.append(
            f"SELECT {index} AS rule_index, {found}.*, "  # noqa: S608
            f"(SELECT {aggregate}({_ADDRESS_TEXT}, '|') FROM {addresses} a WHERE a.person_id = {found}.id), "
            f"(SELECT {aggregate}(n.search_name, '|') FROM {aliases} n WHERE n.person_id = {found}.id) "
            f"FROM ({select}) {found}"
        )
        params.extend(rule.params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    rows.sort(key=lambda row: row[0])  # the narrowest rules first; sort is stable within a rule
    # A raw cursor skips the ORM's conversions (SQLite returns UUIDs and dates as text): apply them.
    converters = _converters()
    return [
        _Row(
            values=tuple(convert(value) for convert, value in zip(converters, row[1:-2], strict=True)),
            postcodes=_split_postcodes(row[-2]),
            aliases=[alias for alias in (row[-1] or "").split("|") if alias],
        )
        for row in rows
    ]


@lru_cache(maxsize=1)
def _converters() -> list[Callable[[Any], Any]]:
    """Raw values to Python, per column of CANDIDATE_COLUMNS; None stays None (``to_python`` of a
    UUID or a date already in Python form returns it unchanged)."""
    return [cast(Field[Any, Any], Person._meta.get_field(name)).to_python for name in CANDIDATE_COLUMNS]


def _records(rules: list[Sql], *, limit: int, kind: str | None, exclude: set[UUID]) -> list[Candidate]:
    """The people these rules find (at most ``limit``, the earlier rules' first), with their address
    history and aliases: one query in all."""
    found: dict[UUID, _Row] = {}
    for row in _rule_rows(rules, limit):
        pk, person_kind, merged_into = row.values[0], row.values[1], row.values[-1]
        # A record merged into another has left matching: its survivor stands for it.
        if (not kind or person_kind == kind) and merged_into is None and pk not in exclude:
            found.setdefault(pk, row)
    genders = _gender_codes()
    return [
        Candidate.build(
            pk=pk,
            kind=str(person_kind),
            first_name=str(first_name),
            middle_names=str(middle_names),
            last_name=str(last_name),
            preferred_name=str(preferred_name),
            date_of_birth=date_of_birth,
            nhs_number=str(nhs_number),
            upn=str(upn),
            school_id=school_id,
            gender=genders.get(gender_id, ""),
            postcodes=row.postcodes,
            aliases=row.aliases,
        )
        for row in list(found.values())[:limit]
        for (
            pk,
            person_kind,
            first_name,
            middle_names,
            last_name,
            preferred_name,
            date_of_birth,
            nhs_number,
            upn,
            school_id,
            gender_id,
            _merged_into,
        ) in [row.values]
    ]


def candidate_records(
    query: MatchQuery,
    *,
    limit: int = CANDIDATE_LIMIT,
    variants: NameVariants | None = None,
    kind: str | None = Person.Kind.YOUNG_PERSON,
) -> list[Candidate]:
    """The people worth scoring, read as plain values: the narrow rules, and the fallback rules too
    when the narrow ones found fewer than ``FALLBACK_BELOW`` people."""
    variants = variants if variants is not None else NameVariants.from_db()
    plan = blocking_plan(query, variants)
    # The kind is checked on the rows found rather than in SQL: nearly everyone is a young person, and
    # a planner without statistics would otherwise choose the unselective index on kind.
    found = _records(
        [rule.condition for rule in plan if not rule.fallback], limit=limit, kind=kind, exclude=set()
    )
    if len(found) < FALLBACK_BELOW:
        fallback = [rule.condition for rule in plan if rule.fallback]
        found += _records(fallback, limit=limit - len(found), kind=kind, exclude={held.pk for held in found})
    return found


def candidates_for(
    query: MatchQuery,
    *,
    limit: int = CANDIDATE_LIMIT,
    variants: NameVariants | None = None,
    kind: str | None = Person.Kind.YOUNG_PERSON,
) -> QuerySet[Person]:
    """People worth scoring (the union of the blocking rules, at most ``limit``), as a queryset."""
    records = candidate_records(query, limit=limit, variants=variants, kind=kind)
    return Person.objects.filter(pk__in=[record.pk for record in records])


def matches_for(query: MatchQuery, *, limit: int = 10) -> list[MatchResult]:
    """The best-scoring candidates for this query, most likely first.

    The fallback rules (slow: they read many rows) run only when no one the narrow rules found is
    worth a review: with a single slip in any one field the narrow rules find the person.
    """
    if query.is_empty():
        return []
    variants = NameVariants.from_db()
    asked = _Asked.of(query, variants)
    plan = blocking_plan(query, variants)
    kind = Person.Kind.YOUNG_PERSON
    narrow = [rule.condition for rule in plan if not rule.fallback]
    found = _records(narrow, limit=CANDIDATE_LIMIT, kind=kind, exclude=set())
    results = [_score(asked, held) for held in found]
    if not any(result.probability >= REVIEW_THRESHOLD for result in results):
        fallback = [rule.condition for rule in plan if rule.fallback]
        seen = {held.pk for held in found}
        more = _records(fallback, limit=CANDIDATE_LIMIT - len(found), kind=kind, exclude=seen)
        results += [_score(asked, held) for held in more]
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
