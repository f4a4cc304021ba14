"""What the people API accepts and returns.

Input is strict: unknown fields are refused, text is limited to the model's lengths and may not
carry control characters, dates are ISO (YYYY-MM-DD) only, and booleans and the version are real
JSON booleans and integers. Output comes in two shapes, told apart by ``access_level``: the
name-only shape says only that a person is known and who to call; the full shape is the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from harbour.api.errors import DATE_MESSAGE
from harbour.people import validation
from harbour.people.models import Person
from harbour.people.selectors import PersonView

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_ALIASES = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # keeps the SQL offset within a 64-bit integer


def _iso_date(value: Any) -> Any:
    """Accept only a real calendar date written YYYY-MM-DD (or null)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_format", DATE_MESSAGE)


def _one_line(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError(
            "control_characters", "Must be a single line of text, without control characters."
        )
    return value


def _email(value: str) -> str:
    if value.strip():
        try:
            validate_email(value.strip())
        except DjangoValidationError:
            raise PydanticCustomError("email", "Enter a real email address, like name@example.org.") from None
    return value


IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]
Text10 = Annotated[str, StringConstraints(max_length=10), AfterValidator(_one_line)]
Text13 = Annotated[str, StringConstraints(max_length=13), AfterValidator(_one_line)]
Text40 = Annotated[str, StringConstraints(max_length=40), AfterValidator(_one_line)]
Text60 = Annotated[str, StringConstraints(max_length=60), AfterValidator(_one_line)]
Text100 = Annotated[str, StringConstraints(max_length=100), AfterValidator(_one_line)]
Text200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(_one_line)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_one_line), AfterValidator(_email)]
# NHS numbers are 10 digits; people often write them 3-3-4 with spaces, which the service removes.
NhsNumber = Annotated[str, StringConstraints(max_length=12), AfterValidator(_one_line)]
Code = Annotated[str, StringConstraints(max_length=60), AfterValidator(_one_line)]


def _date_of_birth(value: date | None) -> date | None:
    problem = validation.date_of_birth_problem(value)
    if problem is not None:
        raise PydanticCustomError("date_of_birth", problem)
    return value


DateOfBirth = Annotated[IsoDate, AfterValidator(_date_of_birth)]


# --- input -------------------------------------------------------------------------------------


class StrictInput(Schema):
    model_config = ConfigDict(extra="forbid")


class AddressIn(StrictInput):
    line1: Text200 = Field(description="First line of the address.")
    line2: Text200 = ""
    town: Text100 | None = Field(None, description="Town name, as in Harbour's list of the county's towns.")
    postcode: Text10 = ""
    starts_on: IsoDate = Field(None, description="When they moved in (YYYY-MM-DD).")

    @field_validator("line1")
    @classmethod
    def _line1_given(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank", "Enter the first line of the address.")
        return value


class PersonCreate(StrictInput):
    first_name: Text100
    last_name: Text100
    middle_names: Text200 = ""
    preferred_name: Text100 = ""
    date_of_birth: DateOfBirth = Field(None, description="YYYY-MM-DD; today or earlier, after 1900.")
    date_of_birth_estimated: StrictBool = False
    gender: Code | None = Field(None, description="A gender code from Harbour's reference data.")
    ethnicity: Code | None = Field(None, description="An ethnicity code from Harbour's reference data.")
    kind: Person.Kind = Person.Kind.YOUNG_PERSON
    nhs_number: NhsNumber = Field("", description="10 digits, spaces allowed.")
    upn: Text13 = Field("", description="Unique pupil number.")
    first_language: Text60 = ""
    interpreter_needed: StrictBool = False
    disability: Text200 = Field("", description="Disability or SEND, in brief.")
    phone: Text40 = ""
    email: Email = ""
    school_id: UUID | None = None
    address: AddressIn | None = None
    aliases: list[Text200] = Field(
        default_factory=list, max_length=MAX_ALIASES, description="Nicknames or street names."
    )


class PersonUpdate(StrictInput):
    """The version you read, and only the fields to change. Send null to clear a date or a code."""

    version: int = Field(..., ge=1, strict=True, description="The version you read; a stale one gets 409.")
    first_name: Text100 = ""
    last_name: Text100 = ""
    middle_names: Text200 = ""
    preferred_name: Text100 = ""
    date_of_birth: DateOfBirth = None
    date_of_birth_estimated: StrictBool = False
    gender: Code | None = None
    ethnicity: Code | None = None
    kind: Person.Kind = Person.Kind.YOUNG_PERSON
    nhs_number: NhsNumber = ""
    upn: Text13 = ""
    first_language: Text60 = ""
    interpreter_needed: StrictBool = False
    disability: Text200 = ""
    phone: Text40 = ""
    email: Email = ""
    school_id: UUID | None = None


class PeopleFilters(Schema):
    """Filters for listing your own people: no personal data, because these travel in the URL."""

    kind: Person.Kind | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PeopleSearch(StrictInput):
    """A search. Sent in the body, never the URL, because names and identifiers are personal data."""

    text: Text200 = Field("", description="Words that start a name or alias, an NHS number or a UPN.")
    kind: Person.Kind | None = None
    date_of_birth: IsoDate = Field(None, description="YYYY-MM-DD.")
    page: int = Field(1, ge=1, le=MAX_PAGE, strict=True)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, strict=True)


# --- output ------------------------------------------------------------------------------------


class Coded(Schema):
    code: str
    label: str


class AgencyContact(Schema):
    id: UUID
    name: str
    phone: str
    email: str


class AddressOut(Schema):
    line1: str
    line2: str
    town: str | None
    postcode: str
    starts_on: date | None


class AliasOut(Schema):
    name: str
    kind: str


class SchoolOut(Schema):
    id: UUID
    name: str


class Identifiers(Schema):
    nhs_number: str
    upn: str


class PersonNameOnlyItem(Schema):
    """Known to Harbour, and to whom: enough to avoid a duplicate and pick up the phone."""

    access_level: Literal["name_only"] = "name_only"
    id: UUID
    kind: Person.Kind
    first_name: str
    last_name: str
    known_to: list[AgencyContact]


class PersonFullItem(Schema):
    access_level: Literal["full"] = "full"
    id: UUID
    version: int
    kind: Person.Kind
    first_name: str
    middle_names: str
    last_name: str
    preferred_name: str
    date_of_birth: date | None
    date_of_birth_estimated: bool
    age: int | None
    gender: Coded | None
    known_to: list[AgencyContact]


class PersonNameOnly(PersonNameOnlyItem):
    why: list[str] = Field(description="Why you see only this, and what to do.")


class PersonFull(PersonFullItem):
    ethnicity: Coded | None
    disability: str
    first_language: str
    interpreter_needed: bool
    identifiers: Identifiers
    school: SchoolOut | None
    phone: str
    email: str
    current_address: AddressOut | None
    aliases: list[AliasOut]
    why: list[str] = Field(description="Why you can see this record in full.")
    created_at: datetime
    updated_at: datetime


PersonListItem = Annotated[PersonFullItem | PersonNameOnlyItem, Field(discriminator="access_level")]
PersonDetail = Annotated[PersonFull | PersonNameOnly, Field(discriminator="access_level")]


class PersonPage(Schema):
    items: list[PersonListItem]
    count: int
    page: int
    page_size: int
    next: str | None = Field(None, description="The next page's address (lists), or null.")
    next_page: int | None = Field(None, description="The next page's number, or null on the last page.")


# --- building the output -----------------------------------------------------------------------


def _coded(row: Any) -> Coded | None:
    return Coded(code=row.code, label=row.label) if row is not None else None


def agency_contacts(agencies: Iterable[Any]) -> list[AgencyContact]:
    return [
        AgencyContact(id=a.pk, name=a.name, phone=a.contact_phone, email=a.contact_email) for a in agencies
    ]


def _full_core(person: Person) -> dict[str, Any]:
    """The fields a full list item and a full record share."""
    return {
        "id": person.pk,
        "version": person.version,
        "kind": Person.Kind(person.kind),
        "first_name": person.first_name,
        "middle_names": person.middle_names,
        "last_name": person.last_name,
        "preferred_name": person.preferred_name,
        "date_of_birth": person.date_of_birth,
        "date_of_birth_estimated": person.date_of_birth_estimated,
        "age": person.age,
        "gender": _coded(person.gender),
    }


def person_list_item(
    person: Person, *, full: bool, known_to: Iterable[Any]
) -> PersonFullItem | PersonNameOnlyItem:
    if not full:
        return PersonNameOnlyItem(
            id=person.pk,
            kind=Person.Kind(person.kind),
            first_name=person.first_name,
            last_name=person.last_name,
            known_to=agency_contacts(known_to),
        )
    return PersonFullItem(**_full_core(person), known_to=agency_contacts(known_to))


def person_detail(view: PersonView) -> PersonFull | PersonNameOnly:
    """The full record or the name-only view, as the selector decided."""
    person = view.person
    why = [reason.text for reason in view.reasons]
    if not view.is_full:
        return PersonNameOnly(
            id=person.pk,
            kind=Person.Kind(person.kind),
            first_name=person.first_name,
            last_name=person.last_name,
            known_to=agency_contacts(view.known_to),
            why=why,
        )
    address = person.current_address()
    return PersonFull(
        **_full_core(person),
        ethnicity=_coded(person.ethnicity),
        disability=person.disability,
        first_language=person.first_language,
        interpreter_needed=person.interpreter_needed,
        identifiers=Identifiers(nhs_number=person.nhs_number, upn=person.upn),
        school=SchoolOut(id=person.school.pk, name=person.school.name) if person.school else None,
        phone=person.phone,
        email=person.email,
        current_address=AddressOut(
            line1=address.line1,
            line2=address.line2,
            town=address.town.name if address.town else None,
            postcode=address.postcode,
            starts_on=address.starts_on,
        )
        if address is not None
        else None,
        aliases=[AliasOut(name=alias.name, kind=alias.kind) for alias in person.aliases.all()],
        known_to=agency_contacts(view.known_to),
        why=why,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


# --- "already known?" matches ------------------------------------------------------------------

MAX_MATCHES = 50


class MatchesIn(StrictInput):
    """What is known so far about the young person. Every field is optional, but give at least a name,
    a date of birth, a postcode, an NHS number or a UPN."""

    first_name: Text100 = ""
    last_name: Text100 = ""
    middle_names: Text200 = ""
    date_of_birth: DateOfBirth = Field(None, description="YYYY-MM-DD.")
    postcode: Text10 = ""
    gender: Code = Field("", description="A gender code from Harbour's reference data.")
    nhs_number: NhsNumber = Field("", description="10 digits, spaces allowed.")
    upn: Text13 = Field("", description="Unique pupil number.")
    school: UUID | None = Field(None, description="A school's id.")
    limit: int = Field(10, ge=1, le=MAX_MATCHES, description=f"How many candidates, 1 to {MAX_MATCHES}.")


class MatchesQuery(Schema):
    """The same fields as query parameters (see docs/decisions/0007: prefer the POST form)."""

    first_name: Text100 = ""
    last_name: Text100 = ""
    middle_names: Text200 = ""
    date_of_birth: DateOfBirth = Field(None, description="YYYY-MM-DD.")
    postcode: Text10 = ""
    gender: Code = ""
    nhs_number: NhsNumber = ""
    upn: Text13 = ""
    school: UUID | None = None
    limit: int = Field(10, ge=1, le=MAX_MATCHES)


class MatchField(Schema):
    field: str
    level: Literal["agrees", "close", "disagrees", "missing"]
    weight: float = Field(description="log2 of the likelihood ratio this outcome carried; 0 when missing.")
    detail: str


class MatchNameOnlyOut(Schema):
    """A candidate outside your network: the name, who knows them, the score and each field's outcome
    and weight. No date of birth, address or identifier; field details say only whether each agreed."""

    access_level: Literal["name_only"] = "name_only"
    id: UUID
    display_name: str
    score: float = Field(ge=0, le=1, description="Probability that this is the young person described.")
    fields: list[MatchField]
    known_to: list[AgencyContact]


class MatchFullOut(MatchNameOnlyOut):
    """A candidate you may see in full, with the date of birth and current postcode to check against."""

    access_level: Literal["full"] = "full"  # type: ignore[assignment]
    date_of_birth: date | None
    postcode: str = Field(description="The current address's postcode, or empty.")


MatchOut = Annotated[MatchFullOut | MatchNameOnlyOut, Field(discriminator="access_level")]


class MatchesOut(Schema):
    items: list[MatchOut]
    count: int
    auto_link_threshold: float
    review_threshold: float


def match_out(view: Any) -> MatchFullOut | MatchNameOnlyOut:
    """A ``people.selectors.MatchView`` in the API's shape."""
    common: dict[str, Any] = {
        "id": view.person_id,
        "display_name": view.display_name,
        "score": round(view.probability, 6),
        "fields": [
            MatchField(field=c.field, level=c.outcome, weight=round(c.weight, 2), detail=c.detail)
            for c in view.fields
        ],
        "known_to": agency_contacts(view.known_to),
    }
    if not view.is_full:
        return MatchNameOnlyOut(**common)
    return MatchFullOut(**common, date_of_birth=view.date_of_birth, postcode=view.postcode)
