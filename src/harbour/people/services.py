"""Writes to people's records. Each call checks policy, runs in one transaction and is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from harbour.access import policies
from harbour.access.models import Allocation, NetworkRole
from harbour.audit import services as audit
from harbour.core.errors import ConflictError, locked_for_update
from harbour.people import validation
from harbour.people.models import Address, Person, PersonAlias, Relationship

# Fields a person form or the API may change, with how a change is shown in the audit trail.
EDITABLE_FIELDS = (
    "kind",
    "first_name",
    "middle_names",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "date_of_birth_estimated",
    "gender",
    "ethnicity",
    "disability",
    "first_language",
    "interpreter_needed",
    "nhs_number",
    "upn",
    "school",
    "phone",
    "email",
)
RECORDER_ROLE_CODE = "recorded-by"
RECORDER_ACCESS_DAYS = 30


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name in ("first_name", "last_name"):
        if name in values and not str(values[name] or "").strip():
            errors[name] = "Enter a first name." if name == "first_name" else "Enter a last name."
    if (problem := validation.date_of_birth_problem(values.get("date_of_birth"))) is not None:
        errors["date_of_birth"] = problem
    if (problem := validation.nhs_number_problem(values.get("nhs_number") or "")) is not None:
        errors["nhs_number"] = problem
    if (problem := validation.upn_problem(values.get("upn") or "")) is not None:
        errors["upn"] = problem
    for name in EDITABLE_FIELDS:
        if name in values and isinstance(values[name], str):
            max_length = getattr(Person._meta.get_field(name), "max_length", None)
            if max_length and len(values[name]) > max_length:
                errors[name] = f"Must be {max_length} characters or fewer."
    if "kind" in values and values["kind"] not in Person.Kind.values:
        errors["kind"] = f"Must be one of: {', '.join(Person.Kind.values)}."
    if errors:
        raise ValidationError(errors)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for name, value in cleaned.items():
        if isinstance(value, str):
            cleaned[name] = value.strip()
    if cleaned.get("nhs_number"):
        cleaned["nhs_number"] = cleaned["nhs_number"].replace(" ", "")
    if cleaned.get("upn"):
        cleaned["upn"] = cleaned["upn"].upper()
    return cleaned


def _audit_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


@dataclass
class AddressInput:
    line1: str
    postcode: str = ""
    line2: str = ""
    town: Any = None
    starts_on: date | None = None


@dataclass
class PersonInput:
    first_name: str
    last_name: str
    values: dict[str, Any] = field(default_factory=dict)
    address: AddressInput | None = None
    aliases: list[str] = field(default_factory=list)


def person_create(*, actor: Any, data: PersonInput) -> Person:
    """Record a new person. The recorder can see the record for 30 days, until a network is allocated."""
    policies.require(actor, "person.create")
    values = _clean({"first_name": data.first_name, "last_name": data.last_name, **data.values})
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set."))
    _validate(values)
    if data.address is not None and (problem := validation.postcode_problem(data.address.postcode)):
        raise ValidationError({"postcode": problem})
    membership = actor.primary_membership()
    with transaction.atomic():
        person = Person.objects.create(**values)
        if data.address is not None:
            Address.objects.create(
                person=person,
                line1=data.address.line1.strip(),
                line2=data.address.line2.strip(),
                town=data.address.town,
                postcode=validation.normalise_postcode(data.address.postcode)
                if data.address.postcode
                else "",
                starts_on=data.address.starts_on,
            )
        for alias in data.aliases:
            if alias.strip():
                PersonAlias.objects.create(person=person, name=alias.strip())
        recorder_role = NetworkRole.objects.filter(code=RECORDER_ROLE_CODE).first()
        if recorder_role is not None and membership is not None:
            Allocation.objects.create(
                person=person,
                agency=membership.team.agency,
                team=membership.team,
                worker=actor,
                network_role=recorder_role,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + timedelta(days=RECORDER_ACCESS_DAYS),
            )
        audit.record(actor, "person.created", person, detail={"fields": sorted(values)})
    policies.forget_cached_access(actor)
    return person


def person_update(*, actor: Any, person: Person, version: int, changes: dict[str, Any]) -> Person:
    """Change a person's details, refusing a stale edit (optimistic locking)."""
    policies.require(actor, "person.edit", person)
    changes = _clean(changes)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    _validate(changes)
    with transaction.atomic():
        try:
            current = locked_for_update(person, expected_version=version)
        except ConflictError as conflict:
            latest = Person.objects.get(pk=person.pk)
            conflict.changed_fields = [
                name for name, value in changes.items() if getattr(latest, name) != value
            ]
            raise
        diff = {
            name: {"from": _audit_value(getattr(current, name)), "to": _audit_value(value)}
            for name, value in changes.items()
            if getattr(current, name) != value
        }
        for name, value in changes.items():
            setattr(current, name, value)
        current.save()
        audit.record(actor, "person.changed", current, detail={"changes": diff})
    return current


def alias_add(*, actor: Any, person: Person, name: str, kind: str = PersonAlias.Kind.NICKNAME) -> PersonAlias:
    policies.require(actor, "person.edit", person)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the name."})
    if len(name) > 200:
        raise ValidationError({"name": "Must be 200 characters or fewer."})
    if kind not in PersonAlias.Kind.values:
        raise ValidationError({"kind": f"Must be one of: {', '.join(PersonAlias.Kind.values)}."})
    with transaction.atomic():
        alias = PersonAlias.objects.create(person=person, name=name, kind=kind)
        audit.record(actor, "person.alias_added", alias, person_id=person.pk)
    return alias


def address_add(
    *, actor: Any, person: Person, address: AddressInput, moved_on: date | None = None
) -> Address:
    """Record a move: the new address starts and the previous current address ends on the same day."""
    policies.require(actor, "person.edit", person)
    errors: dict[str, str] = {}
    if not address.line1.strip():
        errors["line1"] = "Enter the first line of the address."
    if (problem := validation.postcode_problem(address.postcode)) is not None:
        errors["postcode"] = problem
    if errors:
        raise ValidationError(errors)
    moved_on = moved_on or address.starts_on or timezone.localdate()
    with transaction.atomic():
        Address.objects.filter(person=person, ends_on__isnull=True).update(ends_on=moved_on)
        created = Address.objects.create(
            person=person,
            line1=address.line1.strip(),
            line2=address.line2.strip(),
            town=address.town,
            postcode=validation.normalise_postcode(address.postcode) if address.postcode else "",
            starts_on=moved_on,
        )
        audit.record(actor, "person.address_added", created, person_id=person.pk)
    return created


def relationship_add(
    *,
    actor: Any,
    person: Person,
    other: Person,
    relationship_type: Any,
    parental_responsibility: bool = False,
    lives_with: bool = False,
    safeguarding_partner: bool = False,
    involvement: str = "",
) -> Relationship:
    policies.require(actor, "person.edit", person)
    if person.pk == other.pk:
        raise ValidationError({"other": "A person cannot be related to themselves."})
    # A parent or carer opens with their young person's record, so linking someone would otherwise be
    # a way to see any record in full: the actor must already see the other person in full.
    if not policies.can_see_full(actor, other):
        raise ValidationError({"other": "You can only link someone whose record you can see in full."})
    with transaction.atomic():
        relationship = Relationship.objects.create(
            person=person,
            other=other,
            relationship_type=relationship_type,
            parental_responsibility=parental_responsibility,
            lives_with=lives_with,
            safeguarding_partner=safeguarding_partner,
            involvement=involvement.strip(),
        )
        audit.record(actor, "person.relationship_added", relationship, person_id=person.pk)
    return relationship
