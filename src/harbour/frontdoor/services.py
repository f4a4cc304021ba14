"""Writes at the front door: referrals, public concerns, drafts, triage and decisions.

Each service checks policy, validates (raising ``ValidationError`` with a message per field, named as
the dataclass fields in inputs.py, e.g. ``subjects.0.date_of_birth``), runs in one transaction with its
audit event, and queues emails with ``transaction.on_commit``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.accounts.models import Membership, Role, Team
from harbour.audit import services as audit
from harbour.core.errors import locked_for_update
from harbour.frontdoor import notifications, timescales
from harbour.frontdoor import policies as frontdoor_policies
from harbour.frontdoor.inputs import ContextInput, PublicConcernInput, ReferralInput, SubjectInput
from harbour.frontdoor.models import (
    ConcernType,
    ContextType,
    DecisionType,
    LawfulBasis,
    NoFurtherActionReason,
    Referral,
    ReferralBreach,
    ReferralContext,
    ReferralDecision,
    ReferralDraft,
    ReferralNotification,
    ReferralSequence,
    ReferralSubject,
    Urgency,
)
from harbour.people import matching, validation
from harbour.people import services as people_services
from harbour.people.models import Gender, Person, School

MAX_TEXT = 10_000  # long free text: what happened, the young person's words, rationale
MAX_DRAFT_BYTES = 200_000
MAX_SUBJECTS = 20
MAX_CONTEXTS = 20
PUBLIC_URGENCY = "standard"
REFERENCE_PREFIX = "HR"


@dataclass(frozen=True)
class PublicReceipt:
    """All a public concern gives back: its reference, shown once. The public can read nothing else."""

    reference: str


# --- helpers ------------------------------------------------------------------------------------


def _text_problem(value: str, *, max_length: int, required: str = "") -> str | None:
    """A message if the text is missing (when required), too long, or holds a character we cannot store."""
    if required and not value.strip():
        return required
    if len(value) > max_length:
        return f"Must be {max_length:,} characters or fewer."
    if "\x00" in value:
        return "Contains a character that cannot be stored. Remove it and try again."
    return None


def _check_texts(errors: dict[str, str], checks: list[tuple[str, str, int, str]]) -> None:
    for name, value, max_length, required in checks:
        if (problem := _text_problem(value, max_length=max_length, required=required)) is not None:
            errors[name] = problem


def _codes_message(model: Any) -> str:
    codes = model.objects.filter(active=True).values_list("code", flat=True)
    return f"Must be one of: {', '.join(codes)}."


def _active(model: Any, code: str) -> Any:
    return model.objects.filter(code=code, active=True).first() if code else None


def _triage_role_ids() -> list[Any]:
    return [
        role.pk for role in Role.objects.filter(active=True) if frontdoor_policies.TRIAGE in role.capabilities
    ]


def front_door_team() -> Team | None:
    """The team that triages new referrals: the one with most current members holding frontdoor.triage."""
    today = timezone.localdate()
    counts: dict[Any, int] = {}
    for team_id in (
        Membership.objects.filter(role_id__in=_triage_role_ids(), starts_on__lte=today, user__is_active=True)
        .exclude(ends_on__lt=today)
        .values_list("team_id", flat=True)
    ):
        counts[team_id] = counts.get(team_id, 0) + 1
    if not counts:
        return None
    teams = {team.pk: team for team in Team.objects.filter(pk__in=counts).select_related("agency")}
    return min(teams.values(), key=lambda team: (-counts[team.pk], team.agency.name, team.name))


def _actor_triage_team(actor: Any) -> Team | None:
    for membership in actor.active_memberships():
        if membership.role.active and frontdoor_policies.TRIAGE in membership.role.capabilities:
            return membership.team
    return None


def _next_reference(submitted_at: datetime) -> str:
    """HR-<year>-<6 digits>, numbered per year. Call inside a transaction: the year's row is locked."""
    year = timezone.localtime(submitted_at).year
    ReferralSequence.objects.get_or_create(year=year)
    sequence = ReferralSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{REFERENCE_PREFIX}-{year}-{sequence.last:06d}"


def _get_referral_for_update(actor: Any, referral_id: UUID) -> Referral:
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None or not frontdoor_policies.can_view(actor, referral):
        raise Http404
    return referral


# --- subjects and contexts ------------------------------------------------------------------


@dataclass(frozen=True)
class _ResolvedSubject:
    person: Person | None  # None: a new person to record
    data: SubjectInput
    values: dict[str, Any]
    postcode: str


def _resolve_subject(
    actor: Any, subject: SubjectInput, prefix: str, errors: dict[str, str]
) -> _ResolvedSubject | None:
    if subject.person_id is not None:
        person = Person.objects.filter(pk=subject.person_id).first()
        if person is None or not access.can(actor, "person.see_known", person):
            errors[f"{prefix}.person_id"] = "No young person known to Harbour has this id."
            return None
        return _ResolvedSubject(person=person, data=subject, values={}, postcode="")
    if not access.can(actor, "person.create"):
        errors[f"{prefix}.person_id"] = (
            "Choose a young person who is already known: your role cannot record a new person."
        )
        return None
    first_error = len(errors)
    _check_texts(
        errors,
        [
            (f"{prefix}.first_name", subject.first_name, 100, "Enter the young person's first name."),
            (f"{prefix}.last_name", subject.last_name, 100, "Enter the young person's last name."),
        ],
    )
    if (problem := validation.date_of_birth_problem(subject.date_of_birth)) is not None:
        errors[f"{prefix}.date_of_birth"] = problem
    if (problem := validation.nhs_number_problem(subject.nhs_number.strip())) is not None:
        errors[f"{prefix}.nhs_number"] = problem
    if (problem := validation.upn_problem(subject.upn.strip())) is not None:
        errors[f"{prefix}.upn"] = problem
    if (problem := validation.postcode_problem(subject.postcode.strip())) is not None:
        errors[f"{prefix}.postcode"] = problem
    values: dict[str, Any] = {
        "kind": Person.Kind.YOUNG_PERSON,
        "date_of_birth": subject.date_of_birth,
        "nhs_number": subject.nhs_number,
        "upn": subject.upn,
    }
    if subject.gender.strip():
        gender = _active(Gender, subject.gender.strip())
        if gender is None:
            errors[f"{prefix}.gender"] = _codes_message(Gender)
        values["gender"] = gender
    if subject.school.strip():
        school = _find_school(subject.school.strip())
        if school is None:
            errors[f"{prefix}.school"] = (
                "Harbour does not know this school. Give its id, URN or full name, or leave it out."
            )
        values["school"] = school
    if len(errors) > first_error:
        return None
    return _ResolvedSubject(person=None, data=subject, values=values, postcode=subject.postcode.strip())


def _find_school(text: str) -> School | None:
    try:
        school = School.objects.filter(pk=UUID(text)).first()
    except ValueError:
        school = None
    return (
        school or School.objects.filter(urn=text).first() or School.objects.filter(name__iexact=text).first()
    )


def _create_subject_person(actor: Any, resolved: _ResolvedSubject, prefix: str) -> Person:
    address = (
        people_services.AddressInput(line1="", postcode=resolved.postcode) if resolved.postcode else None
    )
    try:
        return people_services.person_create(
            actor=actor,
            data=people_services.PersonInput(
                first_name=resolved.data.first_name,
                last_name=resolved.data.last_name,
                values=resolved.values,
                address=address,
            ),
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {f"{prefix}.{name}": messages for name, messages in exc.message_dict.items()}
        ) from exc


def _resolve_context(context: ContextInput, prefix: str, errors: dict[str, str]) -> ContextType | None:
    _check_texts(
        errors,
        [
            (f"{prefix}.name", context.name, 200, "Enter the name of the place or group."),
            (f"{prefix}.description", context.description, MAX_TEXT, ""),
            (f"{prefix}.address", context.address, 300, ""),
        ],
    )
    if (problem := validation.postcode_problem(context.postcode.strip())) is not None:
        errors[f"{prefix}.postcode"] = problem
    for name, value, limit in (("latitude", context.latitude, 90), ("longitude", context.longitude, 180)):
        if value is not None and not (Decimal(-limit) <= Decimal(value) <= Decimal(limit)):
            errors[f"{prefix}.{name}"] = f"Must be between -{limit} and {limit}."
    context_type = _active(ContextType, context.context_type.strip())
    if context_type is None:
        errors[f"{prefix}.context_type"] = (
            "Select the kind of place or group."
            if not context.context_type.strip()
            else _codes_message(ContextType)
        )
    return context_type


# --- staff referrals ------------------------------------------------------------------------


@dataclass(frozen=True)
class _ResolvedReferral:
    urgency: Urgency
    concern_types: list[ConcernType]
    lawful_basis: LawfulBasis | None
    subjects: list[_ResolvedSubject]
    contexts: list[tuple[ContextInput, ContextType]]


def _validate_codes(data: ReferralInput, errors: dict[str, str]) -> tuple[Urgency | None, list[ConcernType]]:
    concern_types: list[ConcernType] = []
    if not data.concern_types:
        errors["concern_types"] = "Select at least one type of concern."
    else:
        found = {
            row.code: row for row in ConcernType.objects.filter(code__in=data.concern_types, active=True)
        }
        if set(data.concern_types) - set(found):
            errors["concern_types"] = _codes_message(ConcernType)
        concern_types = [found[code] for code in dict.fromkeys(data.concern_types) if code in found]
    urgency = _active(Urgency, data.urgency)
    if urgency is None:
        errors["urgency"] = "Select how urgent this is." if not data.urgency else _codes_message(Urgency)
    return urgency, concern_types


def _validate_details(data: ReferralInput, errors: dict[str, str]) -> LawfulBasis | None:
    _check_texts(
        errors,
        [
            ("what_happened", data.what_happened, MAX_TEXT, "Describe what happened."),
            ("happened_on_estimate", data.happened_on_estimate, 200, ""),
            ("location_text", data.location_text, 500, ""),
            ("people_of_concern", data.people_of_concern, MAX_TEXT, ""),
            ("young_person_words", data.young_person_words, MAX_TEXT, ""),
            ("parents_not_aware_reason", data.parents_not_aware_reason, MAX_TEXT, ""),
            ("lawful_basis_note", data.lawful_basis_note, MAX_TEXT, ""),
            ("referrer_phone", data.referrer_phone, 40, ""),
        ],
    )
    if data.happened_on is not None and data.happened_on > timezone.localdate():
        errors["happened_on"] = "The date it happened must be today or in the past."
    if (problem := validation.postcode_problem(data.location_postcode.strip())) is not None:
        errors["location_postcode"] = problem
    if data.parents_aware not in Referral.ParentsAware.values:
        errors["parents_aware"] = "Say whether the parents or carers know about this referral."
    elif data.parents_aware == Referral.ParentsAware.NO and not data.parents_not_aware_reason.strip():
        errors["parents_not_aware_reason"] = "Say why the parents or carers do not know."
    if data.consent not in Referral.Consent.values:
        errors["consent"] = f"Must be one of: {', '.join(Referral.Consent.values)}."
    lawful_basis = _active(LawfulBasis, data.lawful_basis)
    if data.lawful_basis and lawful_basis is None:
        errors["lawful_basis"] = _codes_message(LawfulBasis)
    elif lawful_basis is None and data.consent != Referral.Consent.GIVEN:
        errors["lawful_basis"] = "Select the lawful basis for sharing this information without consent."
    return lawful_basis


def _validate_subjects(actor: Any, data: ReferralInput, errors: dict[str, str]) -> list[_ResolvedSubject]:
    subjects: list[_ResolvedSubject] = []
    seen: set[UUID] = set()
    for index, subject in enumerate(data.subjects[:MAX_SUBJECTS]):
        resolved = _resolve_subject(actor, subject, f"subjects.{index}", errors)
        if resolved is None:
            continue
        if resolved.person is not None:
            if resolved.person.pk in seen:
                errors[f"subjects.{index}.person_id"] = "This young person is already on the referral."
                continue
            seen.add(resolved.person.pk)
        subjects.append(resolved)
    return subjects


def _validate_referral(actor: Any, data: ReferralInput) -> _ResolvedReferral:
    errors: dict[str, str] = {}
    if not data.subjects and not data.contexts:
        errors["subjects"] = "Add at least one young person, or the place or group the concern is about."
    if len(data.subjects) > MAX_SUBJECTS:
        errors["subjects"] = f"Add {MAX_SUBJECTS} young people or fewer to one referral."
    if len(data.contexts) > MAX_CONTEXTS:
        errors["contexts"] = f"Add {MAX_CONTEXTS} places or groups or fewer to one referral."
    urgency, concern_types = _validate_codes(data, errors)
    lawful_basis = _validate_details(data, errors)
    subjects = _validate_subjects(actor, data, errors)
    contexts: list[tuple[ContextInput, ContextType]] = []
    for index, context in enumerate(data.contexts[:MAX_CONTEXTS]):
        context_type = _resolve_context(context, f"contexts.{index}", errors)
        if context_type is not None:
            contexts.append((context, context_type))
    if errors:
        raise ValidationError(errors)
    assert urgency is not None
    return _ResolvedReferral(urgency, concern_types, lawful_basis, subjects, contexts)


def _add_contexts(referral: Referral, contexts: list[tuple[ContextInput, ContextType]]) -> None:
    ReferralContext.objects.bulk_create(
        [
            ReferralContext(
                referral=referral,
                name=context.name.strip(),
                context_type=context_type,
                description=context.description.strip(),
                address=context.address.strip(),
                postcode=validation.normalise_postcode(context.postcode) if context.postcode.strip() else "",
                latitude=context.latitude,
                longitude=context.longitude,
            )
            for context, context_type in contexts
        ]
    )


def _match_score(data: SubjectInput, person: Person) -> float | None:
    """The score the matcher gives the chosen person for what the referrer typed, worked out here
    rather than trusted from the page; None when nothing was typed to compare."""
    query = matching.MatchQuery(
        first_name=data.first_name,
        last_name=data.last_name,
        date_of_birth=data.date_of_birth,
        postcode=data.postcode,
        nhs_number=data.nhs_number,
        upn=data.upn,
        gender=data.gender,
    )
    if query.is_empty():
        return data.matched_score
    return matching.score(query, person, matching.NameVariants.from_db()).probability


def _link_subject(actor: Any, referral: Referral, resolved: _ResolvedSubject, prefix: str) -> ReferralSubject:
    person = resolved.person or _create_subject_person(actor, resolved, prefix)
    subject = ReferralSubject.objects.create(
        referral=referral,
        person=person,
        matched_score=_match_score(resolved.data, resolved.person) if resolved.person is not None else None,
        created_as_new=resolved.person is None,
    )
    # One event per young person, so the referral shows in each child's audit trail.
    audit.record(
        actor,
        "referral.subject_added",
        referral,
        person_id=person.pk,
        detail={"reference": referral.reference, "new_person": resolved.person is None},
    )
    return subject


def _existing_for_key(actor: Any, key: str) -> Referral | None:
    return Referral.objects.filter(referrer=actor, idempotency_key=key).first()


def referral_submit(*, actor: Any, data: ReferralInput, idempotency_key: str) -> Referral:
    """Refer a concern to the front door. The same key from the same actor returns the first referral.

    New young people are recorded through people.services.person_create in the same transaction. The
    actor's drafts carrying this key as their form token are deleted.
    """
    if not frontdoor_policies.can_submit(actor):
        raise PermissionDenied("Not allowed: referral.submit.")
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise ValidationError(
            {"idempotency_key": "Send a unique key of up to 200 characters with each referral."}
        )
    existing = _existing_for_key(actor, key)
    if existing is not None:
        existing.replayed = True  # type: ignore[attr-defined]  # tells the API to answer 200, not 201
        return existing
    resolved = _validate_referral(actor, data)
    membership = actor.primary_membership()
    now = timezone.now()
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                reference=_next_reference(now),
                source=Referral.Source.STAFF,
                urgency=resolved.urgency,
                what_happened=data.what_happened.strip(),
                happened_on=data.happened_on,
                happened_on_estimate=data.happened_on_estimate.strip(),
                location_text=data.location_text.strip(),
                location_postcode=validation.normalise_postcode(data.location_postcode)
                if data.location_postcode.strip()
                else "",
                people_of_concern=data.people_of_concern.strip(),
                young_person_words=data.young_person_words,  # their own words, exactly as recorded
                parents_aware=data.parents_aware,
                parents_not_aware_reason=data.parents_not_aware_reason.strip(),
                consent=data.consent,
                lawful_basis=resolved.lawful_basis,
                lawful_basis_note=data.lawful_basis_note.strip(),
                referrer=actor,
                referrer_agency=membership.team.agency if membership else None,
                referrer_team=membership.team if membership else None,
                referrer_phone=data.referrer_phone.strip(),
                submitted_at=now,
                due_by=timescales.due_by(now, resolved.urgency.working_days_to_decide),
                triage_team=front_door_team(),
                idempotency_key=key,
            )
            referral.concern_types.set(resolved.concern_types)
            audit.record(
                actor,
                "referral.submitted",
                referral,
                detail={
                    "reference": referral.reference,
                    "urgency": resolved.urgency.code,
                    "concern_types": [row.code for row in resolved.concern_types],
                    "subjects": len(resolved.subjects),
                    "contexts": len(resolved.contexts),
                },
            )
            for index, subject in enumerate(resolved.subjects):
                _link_subject(actor, referral, subject, f"subjects.{index}")
            _add_contexts(referral, resolved.contexts)
            ReferralDraft.objects.filter(owner=actor, form_token=key).delete()
            referral_id = referral.pk
            transaction.on_commit(
                lambda: notifications.send_acknowledgement.enqueue(referral_id=str(referral_id))
            )
    except IntegrityError:
        # Two submissions with one key raced: the other one won; return it.
        existing = _existing_for_key(actor, key)
        if existing is None:
            raise
        existing.replayed = True  # type: ignore[attr-defined]
        return existing
    access.forget_cached_access(actor)
    return referral


def referral_submit_public(
    *, data: PublicConcernInput, client_address: str, idempotency_key: str = ""
) -> PublicReceipt:
    """Record a concern from the public form. Writes only; gives back nothing but the reference.

    Free text is kept exactly as written. Urgency starts as standard (triage re-grades). A repeated form
    token returns the first concern's reference and creates nothing.
    """
    errors: dict[str, str] = {}
    if data.relationship not in Referral.PublicRelationship.values:
        errors["relationship"] = (
            "Tell us who you are: a young person, a parent or carer, a business or someone else."
        )
    _check_texts(
        errors,
        [
            ("what_happened", data.what_happened, MAX_TEXT, "Tell us what happened or what worries you."),
            ("where", data.where, 500, ""),
            ("when", data.when, 200, ""),
            ("young_person_name", data.young_person_name, 200, ""),
            ("young_person_age", data.young_person_age, 50, ""),
            ("contact_name", data.contact_name, 200, ""),
            ("contact_details", data.contact_details, 500, ""),
        ],
    )
    key = idempotency_key.strip()
    if len(key) > 200:
        errors["idempotency_key"] = "The form's token is too long."
    if errors:
        raise ValidationError(errors)
    if key:
        existing = (
            Referral.objects.filter(referrer__isnull=True, idempotency_key=key).only("reference").first()
        )
        if existing is not None:
            return PublicReceipt(existing.reference)
    urgency = Urgency.objects.get(code=PUBLIC_URGENCY)
    now = timezone.now()
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                reference=_next_reference(now),
                source=Referral.Source.PUBLIC,
                urgency=urgency,
                what_happened=data.what_happened,
                location_text=data.where,
                happened_on_estimate=data.when,
                public_relationship=data.relationship,
                public_young_person_name=data.young_person_name,
                public_young_person_age=data.young_person_age,
                public_contact_name=data.contact_name,
                public_contact_details=data.contact_details,
                submitted_at=now,
                due_by=timescales.due_by(now, urgency.working_days_to_decide),
                triage_team=front_door_team(),
                idempotency_key=key,
            )
            audit.record(
                None,
                "referral.public_submitted",
                referral,
                detail={
                    "reference": referral.reference,
                    "relationship": data.relationship,
                    "client_address": client_address,
                },
            )
    except IntegrityError:
        existing = (
            Referral.objects.filter(referrer__isnull=True, idempotency_key=key).first() if key else None
        )
        if existing is None:
            raise
        return PublicReceipt(existing.reference)
    return PublicReceipt(referral.reference)


# --- drafts ---------------------------------------------------------------------------------


def _own_draft(actor: Any, draft_id: UUID) -> ReferralDraft:
    draft = ReferralDraft.objects.filter(pk=draft_id, owner=actor).first()
    if draft is None:
        raise Http404
    return draft


def referral_draft_save(
    *, actor: Any, draft_id: UUID | None, data: dict[str, Any], version: int | None
) -> ReferralDraft:
    """Keep a referral in progress. ``data["form_token"]``, when given, becomes a new draft's form token."""
    if not frontdoor_policies.can_submit(actor):
        raise PermissionDenied("Not allowed: referral.submit.")
    if not isinstance(data, dict):
        raise ValidationError({"data": "Must be an object."})
    try:
        size = len(json.dumps(data, default=str))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"data": "The draft could not be saved as it is."}) from exc
    if size > MAX_DRAFT_BYTES:
        raise ValidationError({"data": "The draft is too long to save."})
    clean = json.loads(json.dumps(data, default=str))
    with transaction.atomic():
        if draft_id is None:
            token = str(data.get("form_token") or "")[:200] or secrets.token_urlsafe(24)
            draft = ReferralDraft.objects.create(owner=actor, data=clean, form_token=token)
        else:
            draft = _own_draft(actor, draft_id)
            if version is None:
                raise ValidationError({"version": "Send the version of the draft you opened."})
            draft = locked_for_update(draft, expected_version=version)
            draft.data = clean
            draft.save()
        audit.record(actor, "referral.draft_saved", draft)  # no content: drafts may hold anything
    return draft


def referral_draft_discard(*, actor: Any, draft_id: UUID) -> None:
    draft = _own_draft(actor, draft_id)
    with transaction.atomic():
        audit.record(actor, "referral.draft_discarded", draft)
        draft.delete()


# --- triage ---------------------------------------------------------------------------------


def _require_triage(actor: Any) -> None:
    if not frontdoor_policies.can_triage(actor):
        raise PermissionDenied("Not allowed: frontdoor.triage.")


def _require_not_withdrawn(referral: Referral) -> None:
    if referral.status == Referral.Status.WITHDRAWN:
        raise ValidationError({"status": "This referral was withdrawn."})


def referral_triage_start(*, actor: Any, referral_id: UUID, version: int) -> Referral:
    """Take a referral for triage: it is in triage with this officer."""
    _require_triage(actor)
    referral = _get_referral_for_update(actor, referral_id)
    if not referral.is_open:
        raise ValidationError({"status": "This referral has already been decided."})
    with transaction.atomic():
        referral = locked_for_update(referral, expected_version=version)
        previous = referral.triaged_by_id
        referral.status = Referral.Status.IN_TRIAGE
        referral.triaged_by = actor
        referral.triage_started_at = timezone.now()
        referral.triage_team = _actor_triage_team(actor) or referral.triage_team
        referral.save()
        audit.record(
            actor,
            "referral.triage_started",
            referral,
            detail={"reference": referral.reference, "taken_over": bool(previous and previous != actor.pk)},
        )
    return referral


def referral_decide(
    *,
    actor: Any,
    referral_id: UUID,
    version: int,
    decision_type: str,
    rationale: str,
    no_further_action_reason: str = "",
    next_steps: str = "",
) -> Referral:
    """Record the front door's decision and tell the referrer (in the app now, by email after commit).

    A later decision supersedes an earlier one; both are kept.
    """
    _require_triage(actor)
    referral = _get_referral_for_update(actor, referral_id)
    _require_not_withdrawn(referral)
    errors: dict[str, str] = {}
    decision = _active(DecisionType, decision_type)
    if decision is None:
        errors["decision_type"] = "Select a decision." if not decision_type else _codes_message(DecisionType)
    _check_texts(
        errors,
        [
            ("rationale", rationale, MAX_TEXT, "Say why you made this decision."),
            ("next_steps", next_steps, MAX_TEXT, ""),
        ],
    )
    reason = _active(NoFurtherActionReason, no_further_action_reason)
    if no_further_action_reason and reason is None:
        errors["no_further_action_reason"] = _codes_message(NoFurtherActionReason)
    elif decision is not None and decision.needs_reason and reason is None:
        errors["no_further_action_reason"] = "Select the reason for no further action."
    elif decision is not None and not decision.needs_reason and reason is not None:
        errors["no_further_action_reason"] = "Give a reason only with a decision of no further action."
    if errors:
        raise ValidationError(errors)
    assert decision is not None
    now = timezone.now()
    with transaction.atomic():
        referral = locked_for_update(referral, expected_version=version)
        superseded = referral.decision_id
        record = ReferralDecision.objects.create(
            referral=referral,
            decision_type=decision,
            no_further_action_reason=reason,
            rationale=rationale.strip(),
            next_steps=next_steps.strip(),
            decided_by=actor,
            decided_at=now,
        )
        referral.decision = record
        referral.status = Referral.Status.DECIDED
        referral.decided_at = now
        if referral.triaged_by_id is None:
            referral.triaged_by = actor
            referral.triage_started_at = now
        referral.save()
        notification = None
        if referral.referrer_id is not None:
            notification = ReferralNotification.objects.create(
                recipient_id=referral.referrer_id,
                referral=referral,
                kind=ReferralNotification.Kind.FEEDBACK,
                summary=f"Referral {referral.reference}: {decision.label}"[:300],
                sent_at=now,
            )
        audit.record(
            actor,
            "referral.decided",
            referral,
            detail={
                "reference": referral.reference,
                "decision": decision.code,
                "no_further_action_reason": reason.code if reason else "",
                "supersedes": str(superseded) if superseded else "",
                "referrer_told": notification is not None,
            },
        )
        if notification is not None:
            notification_id = notification.pk
            transaction.on_commit(
                lambda: notifications.email_feedback.enqueue(notification_id=str(notification_id))
            )
    return referral


def referral_regrade(*, actor: Any, referral_id: UUID, version: int, urgency: str, reason: str) -> Referral:
    """Change an open referral's urgency; its due time is worked out again from when it was submitted."""
    _require_triage(actor)
    referral = _get_referral_for_update(actor, referral_id)
    errors: dict[str, str] = {}
    if not referral.is_open:
        errors["status"] = "Only an open referral can be re-graded."
    new = _active(Urgency, urgency)
    if new is None:
        errors["urgency"] = "Select how urgent this is." if not urgency else _codes_message(Urgency)
    _check_texts(errors, [("reason", reason, MAX_TEXT, "Say why you are changing the urgency.")])
    if errors:
        raise ValidationError(errors)
    assert new is not None
    with transaction.atomic():
        referral = locked_for_update(referral, expected_version=version)
        old_code = referral.urgency.code
        old_due_by = referral.due_by
        referral.urgency = new
        referral.due_by = timescales.due_by(referral.submitted_at, new.working_days_to_decide)
        breach_regraded = referral.breach_reported_at is not None and referral.due_by != old_due_by
        if breach_regraded:
            # The reported breach stays as history, marked re-graded; clearing breach_reported_at lets
            # harbour tick report a new breach if the new timescale passes (or has passed) too.
            ReferralBreach.objects.filter(referral=referral, regraded_at__isnull=True).update(
                regraded_at=timezone.now(), regraded_by=actor, regraded_to=new
            )
            referral.breach_reported_at = None
        referral.save()
        audit.record(
            actor,
            "referral.regraded",
            referral,
            reason=reason.strip(),
            detail={
                "reference": referral.reference,
                "from": old_code,
                "to": new.code,
                "breach_regraded": breach_regraded,
            },
        )
    return referral


def referral_withdraw(*, actor: Any, referral_id: UUID, version: int, reason: str) -> Referral:
    """Withdraw an open referral, with a reason: it leaves the triage queue and cannot be decided.

    Its referrer or the front door may withdraw it. Withdrawn by the front door, the referrer is told;
    withdrawn by the referrer, the officer who took it for triage (if someone had) is told: in Harbour,
    and by email after commit.
    """
    referral = _get_referral_for_update(actor, referral_id)
    errors: dict[str, str] = {}
    if not referral.is_open:
        errors["status"] = (
            "This referral was already withdrawn."
            if referral.status == Referral.Status.WITHDRAWN
            else "This referral has been decided, so it can no longer be withdrawn."
        )
    elif not frontdoor_policies.can_withdraw(actor, referral):
        raise PermissionDenied("Only the referrer or the front door can withdraw a referral.")
    _check_texts(errors, [("reason", reason, MAX_TEXT, "Say why the referral is being withdrawn.")])
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        referral = locked_for_update(referral, expected_version=version)
        by_referrer = referral.referrer_id is not None and referral.referrer_id == actor.pk
        if by_referrer:
            recipient_id = referral.triaged_by_id if referral.triaged_by_id != actor.pk else None
            summary = f"Referral {referral.reference}: withdrawn by the referrer"
        else:
            recipient_id = referral.referrer_id
            summary = f"Referral {referral.reference}: withdrawn by the front door"
        previous_status = referral.status
        referral.status = Referral.Status.WITHDRAWN
        referral.withdrawn_at = now
        referral.withdrawn_by = actor
        referral.withdrawal_reason = reason.strip()
        referral.save()
        notification = None
        if recipient_id is not None:
            notification = ReferralNotification.objects.create(
                recipient_id=recipient_id,
                referral=referral,
                kind=ReferralNotification.Kind.WITHDRAWN,
                summary=summary[:300],
                sent_at=now,
            )
        audit.record(
            actor,
            "referral.withdrawn",
            referral,
            reason=reason.strip(),
            detail={
                "reference": referral.reference,
                "by": "referrer" if by_referrer else "front-door",
                "previous_status": previous_status,
                "told": ("triage-officer" if by_referrer else "referrer") if notification else "",
            },
        )
        if notification is not None:
            notification_id = notification.pk
            transaction.on_commit(
                lambda: notifications.email_withdrawal.enqueue(notification_id=str(notification_id))
            )
    return referral


def referral_subject_add(*, actor: Any, referral_id: UUID, version: int, subject: SubjectInput) -> Referral:
    """Link a young person to a referral (a public concern, or one more child), recording them if new."""
    _require_triage(actor)
    referral = _get_referral_for_update(actor, referral_id)
    _require_not_withdrawn(referral)
    errors: dict[str, str] = {}
    resolved = _resolve_subject(actor, subject, "subject", errors)
    if (
        resolved is not None
        and resolved.person is not None
        and referral.subjects.filter(person=resolved.person).exists()
    ):
        errors["subject.person_id"] = "This young person is already on the referral."
    if errors:
        raise ValidationError(errors)
    assert resolved is not None
    with transaction.atomic():
        referral = locked_for_update(referral, expected_version=version)
        referral.save()
        _link_subject(actor, referral, resolved, "subject")
    access.forget_cached_access(actor)
    return referral


def referral_feedback_mark_read(*, actor: Any, feedback_id: UUID) -> None:
    """Mark one of the actor's own notifications (an outcome or a breach report) as read."""
    notification = ReferralNotification.objects.filter(pk=feedback_id, recipient=actor).first()
    if notification is None or not access.is_staff_member(actor):
        raise Http404
    if notification.read_at is not None:
        return
    with transaction.atomic():
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
        audit.record(
            actor, "referral.feedback_read", notification.referral, detail={"kind": notification.kind}
        )
