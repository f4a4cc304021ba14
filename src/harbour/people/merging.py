"""Merging two records of the same young person, and undoing it.

A merge keeps both records. The duplicate (``merged``) gets ``merged_into`` and leaves search, matching
and caseloads; every row in any app that points at it is re-pointed to the survivor, and the merge
record (``PersonMerge.snapshot``) lists exactly which rows moved (model, primary key, field) so an
unmerge puts back exactly those. Rows are found generically, from every foreign key to ``Person`` in
every installed model (including the tables behind many-to-many fields), so a new app's rows move too.

Rows are re-pointed with ``QuerySet.update``: their own fields, ``updated_at`` and ``version`` are not
touched, which is what lets an unmerge restore them exactly. A row that cannot be re-pointed stays on
the duplicate (it is still kept, and listed in the snapshot as ``left``):

- the database refuses it (a unique constraint, or a check such as "no relationship to oneself": a
  relationship between the two records would become the survivor related to themselves);
- or it would repeat a row the survivor already has (``DUPLICATE_KEYS``: the same relationship type
  to the same person).

Nothing is merged automatically: every merge is a reviewer's decision (``person.merge``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from harbour.access import policies
from harbour.audit import services as audit
from harbour.core.errors import ConflictError, locked_for_update
from harbour.people.models import Person, PersonMerge, PossibleDuplicate
from harbour.people.services import EDITABLE_FIELDS

# The survivor's fields a reviewer may take from the duplicate instead (the identity and contact fields
# a person form can change). Anything else on the survivor is never changed by a merge.
MERGE_FIELDS: tuple[str, ...] = EDITABLE_FIELDS

# Models whose references to a person record are about the records themselves, not the young person:
# they must keep pointing at the record they were written about.
NOT_RE_POINTED = {"people.possibleduplicate", "people.personmerge"}

# Rows that would repeat one the survivor already has, though no database constraint says so: the same
# relationship type between the same two people. These stay on the duplicate (and are listed).
DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "people.relationship": ("person", "other", "relationship_type"),
}

MAX_REASON_LENGTH = 2000

# What other apps do when two records become one, beyond re-pointing rows: (after the merge, after the
# unmerge), as dotted paths (as cross-app references are strings: people does not import the apps built
# on it). ``after_merge(*, survivor_id, at)`` returns the rows it changed, kept in the snapshot under the
# key; ``after_unmerge(*, entries, at)`` puts them back and returns those it could not.
MERGE_STEPS: dict[str, tuple[str, str]] = {
    # At most one current agreed joint assessment: the latest; older ones are superseded by the merge.
    "superseded_assessments": (
        "harbour.assessments.services.assessments_after_merge",
        "harbour.assessments.services.assessments_after_unmerge",
    ),
}


@dataclass(frozen=True)
class Conflict:
    """An identifier the two records disagree on: merging them needs an override with a reason."""

    field: str
    label: str


def identifier_conflicts(first: Person, second: Person) -> list[Conflict]:
    """Different NHS numbers, different UPNs or different dates of birth (any difference counts:
    a swapped day and month is for the reviewer to explain, not for the program to assume)."""
    found: list[Conflict] = []
    if first.nhs_number and second.nhs_number and first.nhs_number != second.nhs_number:
        found.append(Conflict("nhs_number", "NHS numbers"))
    if first.upn and second.upn and first.upn.upper() != second.upn.upper():
        found.append(Conflict("upn", "unique pupil numbers"))
    if first.date_of_birth and second.date_of_birth and first.date_of_birth != second.date_of_birth:
        found.append(Conflict("date_of_birth", "dates of birth"))
    return found


def conflict_message(conflicts: list[Conflict]) -> str:
    labels = [conflict.label for conflict in conflicts]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return (
        f"These records have different {listed}. Merge them only if you are sure they are the same "
        "young person, and say why."
    )


# --- finding the rows that point at a person ----------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    model: type[models.Model]
    field: models.ForeignKey[Any, Any]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def person_references() -> list[Reference]:
    """Every foreign key to Person in every installed model (and every many-to-many table)."""
    found: list[Reference] = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in NOT_RE_POINTED:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, models.ForeignKey) and model_field.remote_field.model is Person:
                found.append(Reference(model, model_field))
    return sorted(found, key=lambda ref: (ref.label, ref.field.name))


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field by name (never a reverse relation)."""
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found


def _target(ref: Reference, person: Person) -> Any:
    return getattr(person, ref.field.target_field.attname)


def _pk_text(value: Any) -> str:
    return str(value)


def _repeats_a_survivor_row(ref: Reference, pk: Any, survivor_value: Any) -> bool:
    key = DUPLICATE_KEYS.get(ref.label)
    if key is None or ref.field.name not in key:
        return False
    manager = ref.model._base_manager
    row = manager.filter(pk=pk).values(*[_field(ref.model, name).attname for name in key]).first()
    if row is None:
        return False
    row[ref.field.attname] = survivor_value
    return manager.filter(**row).exclude(pk=pk).exists()


def _re_point(survivor: Person, merged: Person) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Move every row that points at ``merged`` to ``survivor``; returns (moved, left)."""
    moved: list[dict[str, str]] = []
    left: list[dict[str, str]] = []
    for ref in person_references():
        manager = ref.model._base_manager
        attname = ref.field.attname
        survivor_value, merged_value = _target(ref, survivor), _target(ref, merged)
        pks = list(manager.filter(**{attname: merged_value}).order_by("pk").values_list("pk", flat=True))
        for pk in pks:
            entry = {"model": ref.label, "pk": _pk_text(pk), "field": ref.field.name}
            if _repeats_a_survivor_row(ref, pk, survivor_value):
                left.append({**entry, "why": "the survivor already has the same row"})
                continue
            try:
                with transaction.atomic():  # a savepoint: a refused row leaves the rest of the merge intact
                    manager.filter(pk=pk).update(**{attname: survivor_value})
            except IntegrityError:
                left.append({**entry, "why": "the database refused it (a unique or check constraint)"})
            else:
                moved.append(entry)
    return moved, left


# --- field values ---------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _field_value(person: Person, name: str) -> Any:
    return getattr(person, _field(Person, name).attname)


def _from_json(name: str, value: Any) -> Any:
    return None if value is None else _field(Person, name).to_python(value)


def differing_fields(first: Person, second: Person) -> list[str]:
    """The merge fields where the two records hold different values and the second holds one."""
    return [
        name
        for name in MERGE_FIELDS
        if _field_value(first, name) != _field_value(second, name)
        and _field_value(second, name) not in (None, "")
    ]


def fields_only_on(source: Person, target: Person) -> list[str]:
    """The merge fields ``source`` holds a value for and ``target`` does not: a merge takes these from the
    closing record rather than lose them from view (the review page does the same)."""
    return [
        name
        for name in MERGE_FIELDS
        if _field_value(target, name) in (None, "") and _field_value(source, name) not in (None, "")
    ]


# --- merge ----------------------------------------------------------------------------------------------


def _clean_text(value: str, name: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({name: missing})
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError({name: f"Must be {MAX_REASON_LENGTH:,} characters or fewer."})
    return text


def _pair_for(first: Any, second: Any) -> tuple[Any, Any]:
    a, b = sorted((first, second), key=str)
    return a, b


def _lock_pair(duplicate: PossibleDuplicate | None, version: int | None) -> PossibleDuplicate | None:
    if duplicate is None:
        return None
    if version is None:
        raise ValidationError({"version": "The version of the possible duplicate you read is needed."})
    current: PossibleDuplicate = locked_for_update(duplicate, expected_version=version)
    if current.status != PossibleDuplicate.Status.OPEN:
        raise ConflictError(
            f"Someone has already decided this pair ({current.get_status_display().lower()}).",
            current_version=current.version,
        )
    return current


def person_merge(
    *,
    actor: Any,
    survivor: Person,
    merged: Person,
    survivor_version: int,
    merged_version: int,
    reason: str,
    take_from_merged: list[str] | tuple[str, ...] = (),
    override_reason: str = "",
    duplicate: PossibleDuplicate | None = None,
    duplicate_version: int | None = None,
) -> PersonMerge:
    """Merge ``merged`` into ``survivor``: the survivor keeps its values except the fields named in
    ``take_from_merged``; every row about the duplicate moves to the survivor; both records are kept."""
    policies.require(actor, "person.merge")
    if survivor.pk == merged.pk:
        raise ValidationError({"survivor": "Choose two different records."})
    reason = _clean_text(reason, "reason", "Say why these records are the same young person.")
    unknown = sorted(set(take_from_merged) - set(MERGE_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be taken from the other record."))
    if duplicate is not None and {duplicate.person_a_id, duplicate.person_b_id} != {survivor.pk, merged.pk}:
        raise ValidationError({"survivor": "These are not the two records of this possible duplicate."})
    with transaction.atomic():
        first, second = sorted(
            [(survivor, survivor_version), (merged, merged_version)], key=lambda x: str(x[0].pk)
        )
        # Lock in a fixed order (by id) so two merges touching the same records cannot deadlock.
        locked = {
            person.pk: locked_for_update(person, expected_version=version)
            for person, version in (first, second)
        }
        kept, gone = locked[survivor.pk], locked[merged.pk]
        pair = _lock_pair(duplicate, duplicate_version)
        for person in (kept, gone):
            if person.merged_into_id is not None:
                raise ValidationError({"survivor": f"{person} has already been merged into another record."})
        conflicts = identifier_conflicts(kept, gone)
        override_reason = (override_reason or "").strip()
        if conflicts and not override_reason:
            raise ValidationError({"override_reason": conflict_message(conflicts)})
        if len(override_reason) > MAX_REASON_LENGTH:
            raise ValidationError({"override_reason": f"Must be {MAX_REASON_LENGTH:,} characters or fewer."})
        if pair is None:
            a, b = _pair_for(kept.pk, gone.pk)
            pair = PossibleDuplicate.objects.select_for_update().filter(person_a_id=a, person_b_id=b).first()
            if pair is not None:
                pair.version += 1

        before = {name: _json_value(_field_value(kept, name)) for name in take_from_merged}
        for name in take_from_merged:
            setattr(kept, _field(Person, name).attname, _field_value(gone, name))
        after = {name: _json_value(_field_value(kept, name)) for name in take_from_merged}
        kept.save()
        gone.merged_into = kept
        gone.save()
        moved, left = _re_point(kept, gone)
        now = timezone.now()
        steps = {
            key: import_string(after_merge)(survivor_id=kept.pk, at=now)
            for key, (after_merge, _undo) in MERGE_STEPS.items()
        }
        merge = PersonMerge.objects.create(
            survivor=kept,
            merged=gone,
            possible_duplicate=pair,
            by=actor,
            at=now,
            reason=reason,
            override_reason=override_reason if conflicts else "",
            snapshot={
                "survivor_fields_before": before,
                "survivor_fields_set": after,
                "moved": moved,
                "left": left,
                "conflicts": [conflict.field for conflict in conflicts],
                **steps,
            },
        )
        if pair is not None:
            pair.status = PossibleDuplicate.Status.MERGED
            pair.decided_by, pair.decided_at, pair.decision_reason = actor, now, reason
            pair.save()
        detail = {
            "survivor": str(kept.pk),
            "merged": str(gone.pk),
            "merge": str(merge.pk),
            "fields_taken": sorted(take_from_merged),
            "rows_moved": len(moved),
            "rows_left": len(left),
            "identifiers_differ": [conflict.field for conflict in conflicts],
            "override_reason": override_reason if conflicts else "",
            **{key: [entry["pk"] for entry in entries] for key, entries in steps.items()},
        }
        # One event on each record's trail, so each person's history shows the merge.
        for person in (kept, gone):
            audit.record(actor, "person.merged", merge, person_id=person.pk, reason=reason, detail=detail)
    policies.forget_cached_access(actor)
    return merge


@dataclass
class UnmergeResult:
    merge: PersonMerge
    not_restored: list[dict[str, str]] = field(default_factory=list)
    fields_kept: list[str] = field(default_factory=list)  # changed again since the merge: left as they are


def person_unmerge(
    *,
    actor: Any,
    merge: PersonMerge,
    version: int,
    survivor_version: int,
    merged_version: int,
    reason: str,
) -> UnmergeResult:
    """Undo a merge: put back exactly the rows it moved and the survivor's fields it changed.

    A field of the survivor changed again after the merge keeps its newer value (listed, never
    overwritten silently). A row deleted since cannot come back and is listed too.
    """
    policies.require(actor, "person.merge")
    reason = _clean_text(reason, "reason", "Say why you are undoing this merge.")
    with transaction.atomic():
        current: PersonMerge = locked_for_update(merge, expected_version=version)
        if current.is_undone:
            raise ConflictError("This merge has already been undone.", current_version=current.version)
        people = sorted(
            [(current.survivor, survivor_version), (current.merged, merged_version)],
            key=lambda x: str(x[0].pk),
        )
        locked = {person.pk: locked_for_update(person, expected_version=v) for person, v in people}
        kept, gone = locked[current.survivor_id], locked[current.merged_id]
        if kept.merged_into_id is not None:
            raise ValidationError(
                {"reason": "The surviving record has since been merged into another: undo that merge first."}
            )
        later = PersonMerge.objects.filter(
            survivor_id=kept.pk, at__gt=current.at, undone_at__isnull=True
        ).exists()
        if later:
            raise ValidationError(
                {
                    "reason": "Another record was merged into the survivor after this one: "
                    "undo that merge first."
                }
            )
        snapshot = current.snapshot
        fields_kept: list[str] = []
        for name, old in snapshot.get("survivor_fields_before", {}).items():
            set_to = snapshot.get("survivor_fields_set", {}).get(name)
            if _json_value(_field_value(kept, name)) != set_to:
                fields_kept.append(name)
                continue
            setattr(kept, _field(Person, name).attname, _from_json(name, old))
        kept.save()
        gone.merged_into = None
        gone.save()
        not_restored: list[dict[str, str]] = []
        for entry in reversed(snapshot.get("moved", [])):
            model = apps.get_model(entry["model"])
            ref_field = _field(model, entry["field"])
            assert isinstance(ref_field, models.ForeignKey)
            assert model._meta.pk is not None
            ref = Reference(model, ref_field)
            pk = model._meta.pk.to_python(entry["pk"])
            try:
                with transaction.atomic():
                    count = model._base_manager.filter(
                        pk=pk, **{ref_field.attname: _target(ref, kept)}
                    ).update(**{ref_field.attname: _target(ref, gone)})
            except IntegrityError:
                count = 0
            if count != 1:
                not_restored.append(entry)
        for key, (_merge, after_unmerge) in MERGE_STEPS.items():
            not_restored += import_string(after_unmerge)(entries=snapshot.get(key, []), at=current.at)
        now = timezone.now()
        current.undone_by, current.undone_at, current.undo_reason = actor, now, reason
        current.save()
        if current.possible_duplicate_id is not None:
            # The pair needs a decision again: the reviewer decides whether they are different people.
            PossibleDuplicate.objects.filter(pk=current.possible_duplicate_id).update(
                status=PossibleDuplicate.Status.OPEN,
                decided_by=None,
                decided_at=None,
                decision_reason="",
                version=models.F("version") + 1,
            )
        detail = {
            "survivor": str(kept.pk),
            "merged": str(gone.pk),
            "merge": str(current.pk),
            "rows_restored": len(snapshot.get("moved", [])) - len(not_restored),
            "rows_not_restored": not_restored,
            "fields_kept": fields_kept,
        }
        for person in (kept, gone):
            audit.record(actor, "person.unmerged", current, person_id=person.pk, reason=reason, detail=detail)
    policies.forget_cached_access(actor)
    return UnmergeResult(current, not_restored, fields_kept)


# --- reads ------------------------------------------------------------------------------------------------


def merge_list_for(*, actor: Any) -> models.QuerySet[PersonMerge]:
    """Merges, newest first, for those who may merge (and undo)."""
    if not policies.can(actor, "person.merge"):
        raise Http404
    return PersonMerge.objects.select_related("survivor", "merged", "by", "undone_by").order_by("-at")


def merge_get_for(*, actor: Any, merge_id: Any) -> PersonMerge:
    if not policies.can(actor, "person.merge"):
        raise Http404
    merge = (
        PersonMerge.objects.select_related("survivor", "merged", "by", "undone_by")
        .filter(pk=merge_id)
        .first()
    )
    if merge is None:
        raise Http404
    return merge


def merge_view_audit(*, actor: Any, merge: PersonMerge) -> None:
    """The merge page names both records: a read of each, on each one's trail."""
    for person_id in (merge.survivor_id, merge.merged_id):
        audit.record(
            actor, "duplicate.viewed", merge, person_id=person_id, detail={"purpose": "merge_record"}
        )


def final_survivor(person: Person) -> Person:
    """Follow ``merged_into`` to the record that holds everything now (merges can chain)."""
    seen = {person.pk}
    while person.merged_into_id is not None:
        person = Person.objects.get(pk=person.merged_into_id)
        if person.pk in seen:  # never loops in practice; guard against a corrupt chain
            break
        seen.add(person.pk)
    return person


@dataclass(frozen=True)
class MergedNotice:
    person: Person
    survivor: Person
    merge: PersonMerge | None


def merged_notice_for(*, actor: Any, person_id: Any) -> MergedNotice | None:
    """For the page of a merged record: where its young person's record is now.

    None when the record is not merged. Shown to those who may know the survivor exists (or may
    merge); anyone else gets the same 404 as for a missing record. Audited as a view of the record.
    """
    if not policies.is_staff_member(actor):
        return None
    person = Person.objects.filter(pk=person_id, merged_into__isnull=False).first()
    if person is None:
        return None
    survivor = final_survivor(person)
    if not (policies.can(actor, "person.see_known", survivor) or policies.can(actor, "person.merge")):
        raise Http404
    merge = (
        PersonMerge.objects.filter(merged=person, undone_at__isnull=True).select_related("survivor").first()
    )
    audit.record(actor, "person.viewed", person, detail={"level": "merged_notice", "purpose": "summary"})
    return MergedNotice(person, survivor, merge)
