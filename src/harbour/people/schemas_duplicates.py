"""The possible-duplicates API's request and response shapes: the review queue, a pair side by side,
merging, "not the same person" and undoing a merge.

Only holders of ``person.merge`` reach these; like the review pages they show the identity details a
reviewer needs to decide (names, date of birth, identifiers, addresses, agencies involved), no casework.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import StringConstraints

from harbour.people.duplicates import PairView, RecordSide
from harbour.people.merging import MAX_REASON_LENGTH, MERGE_FIELDS, identifier_conflicts
from harbour.people.models import Person, PersonMerge, PossibleDuplicate
from harbour.people.schemas import MAX_PAGE, MAX_PAGE_SIZE, StrictInput

Reason = Annotated[str, StringConstraints(max_length=MAX_REASON_LENGTH)]


class DuplicateFilters(Schema):
    status: Literal["open", "not-the-same", "merged"] = "open"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class RecordBrief(Schema):
    id: UUID
    version: int
    name: str
    date_of_birth: date | None


class PairListItem(Schema):
    id: UUID
    version: int
    status: str
    score: float
    found_at: datetime
    person_a: RecordBrief
    person_b: RecordBrief
    identifiers_differ: list[str] = Field(
        description="nhs_number, upn, date_of_birth: merging needs a reason"
    )
    decided_by: str
    decided_at: datetime | None


class DuplicatePage(Schema):
    items: list[PairListItem]
    count: int
    page: int
    page_size: int
    next_page: int | None = None


class FieldComparison(Schema):
    field: str
    outcome: str = Field(description="agrees, close, disagrees or missing, as scored when the pair was found")
    weight: float | None = None
    detail: str = ""


class RecordOut(RecordBrief):
    first_name: str
    middle_names: str
    last_name: str
    preferred_name: str
    nhs_number: str
    upn: str
    gender: str
    school: str
    aliases: list[str]
    postcodes: list[str] = Field(description="Every address's postcode, newest first.")
    known_to: list[str] = Field(description="Agencies currently involved.")
    merged_into: UUID | None


class PairOut(PairListItem):
    decision_reason: str
    explanation: list[FieldComparison]
    record_a: RecordOut
    record_b: RecordOut
    merge_id: UUID | None = Field(None, description="The merge made from this pair, while it is not undone.")


class MergeIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The pair's version as read (stale: 409).")
    survivor: UUID = Field(..., description="The id of the record that stays: person_a's or person_b's.")
    survivor_version: int = Field(..., ge=1, strict=True)
    merged_version: int = Field(..., ge=1, strict=True)
    reason: Reason = Field(..., description="Why these records are the same young person.")
    override_reason: Reason = Field(
        "", description="Required when their NHS numbers, UPNs or dates of birth differ: why they are one."
    )
    take_from_merged: list[str] = Field(
        default_factory=list,
        description="Fields whose value to take from the closing record instead. A value only the closing "
        "record holds is always kept.",
    )


class NotSameIn(StrictInput):
    version: int = Field(..., ge=1, strict=True)
    reason: Reason = Field(..., description="How you know these are different young people.")


class UnmergeIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The merge's version as read (stale: 409).")
    survivor_version: int = Field(..., ge=1, strict=True)
    merged_version: int = Field(..., ge=1, strict=True)
    reason: Reason = Field(..., description="Why you are undoing this merge.")


class MergeOut(Schema):
    id: UUID
    version: int
    survivor: RecordBrief
    merged: RecordBrief
    possible_duplicate_id: UUID | None
    by: str
    at: datetime
    reason: str
    override_reason: str
    identifiers_differ: list[str]
    fields_taken: list[str]
    rows_moved: int
    rows_left: int
    undone_by: str
    undone_at: datetime | None
    undo_reason: str
    rows_not_restored: list[dict[str, str]] = Field(
        default_factory=list,
        description="On an unmerge: rows deleted since the merge that could not come back.",
    )
    fields_kept: list[str] = Field(
        default_factory=list,
        description="On an unmerge: fields changed again since the merge, left as they are.",
    )


# --- building the output -----------------------------------------------------------------------------


def _brief(person: Person) -> RecordBrief:
    return RecordBrief(
        id=person.pk, version=person.version, name=person.full_name, date_of_birth=person.date_of_birth
    )


def pair_list_item(pair: PossibleDuplicate) -> dict[str, Any]:
    return {
        "id": pair.pk,
        "version": pair.version,
        "status": pair.status,
        "score": pair.score,
        "found_at": pair.found_at,
        "person_a": _brief(pair.person_a),
        "person_b": _brief(pair.person_b),
        "identifiers_differ": [c.field for c in identifier_conflicts(pair.person_a, pair.person_b)],
        "decided_by": str(pair.decided_by) if pair.decided_by_id else "",
        "decided_at": pair.decided_at,
    }


def _record(side: RecordSide) -> RecordOut:
    person = side.person
    return RecordOut(
        **_brief(person).model_dump(),
        first_name=person.first_name,
        middle_names=person.middle_names,
        last_name=person.last_name,
        preferred_name=person.preferred_name,
        nhs_number=person.nhs_number,
        upn=person.upn,
        gender=person.gender.code if person.gender is not None else "",
        school=person.school.name if person.school is not None else "",
        aliases=[str(alias) for alias in side.aliases],
        postcodes=[address.postcode for address in side.addresses if address.postcode],
        known_to=[agency.name for agency in side.known_to],
        merged_into=person.merged_into_id,
    )


def pair_out(view: PairView) -> PairOut:
    pair = view.pair
    merge = pair.merges.filter(undone_at__isnull=True).first()
    return PairOut(
        **pair_list_item(pair),
        decision_reason=pair.decision_reason,
        explanation=[
            FieldComparison(
                field=str(item.get("field", "")),
                outcome=str(item.get("outcome", "")),
                weight=item.get("weight"),
                detail=str(item.get("detail", "")),
            )
            for item in pair.explanation or []
        ],
        record_a=_record(view.a),
        record_b=_record(view.b),
        merge_id=merge.pk if merge else None,
    )


def merge_out(
    merge: PersonMerge,
    *,
    not_restored: list[dict[str, str]] | None = None,
    fields_kept: list[str] | None = None,
) -> MergeOut:
    snapshot = merge.snapshot or {}
    return MergeOut(
        id=merge.pk,
        version=merge.version,
        survivor=_brief(merge.survivor),
        merged=_brief(merge.merged),
        possible_duplicate_id=merge.possible_duplicate_id,
        by=str(merge.by),
        at=merge.at,
        reason=merge.reason,
        override_reason=merge.override_reason,
        identifiers_differ=list(snapshot.get("conflicts", [])),
        fields_taken=sorted(snapshot.get("survivor_fields_before", {})),
        rows_moved=len(snapshot.get("moved", [])),
        rows_left=len(snapshot.get("left", [])),
        undone_by=str(merge.undone_by) if merge.undone_by_id else "",
        undone_at=merge.undone_at,
        undo_reason=merge.undo_reason,
        rows_not_restored=not_restored or [],
        fields_kept=fields_kept or [],
    )


def unknown_fields(names: list[str]) -> list[str]:
    return sorted(set(names) - set(MERGE_FIELDS))
