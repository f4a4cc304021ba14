"""Writes for missing episodes, return home interviews and Philomena profiles.

Each service checks policy, validates (``ValidationError`` with a message per field, named as the input
dataclass's fields), runs in one transaction with its audit event, and queues any email on commit.
Audit details carry codes and ids only, never free text.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from harbour.accounts.models import Agency, Team, User
from harbour.audit import services as audit
from harbour.core.errors import ConflictError, locked_for_update
from harbour.core.models import Town
from harbour.missing import offers, policies, triggers
from harbour.missing.clock import due_at_for
from harbour.missing.inputs import (
    PART_2_FIELDS,
    EpisodeInput,
    InterviewInput,
    ProfileInput,
    ReportInput,
    ReturnInput,
)
from harbour.missing.models import (
    DeclineReason,
    EpisodeKind,
    FoundBy,
    MissingEpisode,
    MissingNotice,
    MissingProfile,
    MissingProfilePhoto,
    MissingSetting,
    PoliceRiskGrade,
    PushPullFactor,
    ReturnInterview,
    ReturnMethod,
    RiskGradeChange,
)
from harbour.missing.photos import Photo, UnusablePhotoError, photo_from_upload
from harbour.people.models import Person

MAX_TEXT = 10_000
MAX_LINE = 200
# Reports and returns may be entered a little ahead of the server's clock (a phone's clock).
CLOCK_SKEW = timedelta(minutes=5)


def _active(model: Any, code: str) -> Any:
    return model.objects.filter(code=code, active=True).first() if code else None


def _codes_message(model: Any) -> str:
    codes = model.objects.filter(active=True).values_list("code", flat=True)
    return f"Must be one of: {', '.join(codes)}."


def _text(errors: dict[str, str], name: str, value: str, max_length: int = MAX_TEXT) -> None:
    if len(value) > max_length:
        errors[name] = f"Must be {max_length:,} characters or fewer."
    elif "\x00" in value:
        errors[name] = "Contains a character that cannot be stored. Remove it and try again."


def _not_future(errors: dict[str, str], name: str, value: datetime | None, label: str) -> None:
    if value is not None and value > timezone.now() + CLOCK_SKEW:
        errors[name] = f"{label} must be now or in the past."


def _require_person(actor: Any, person: Person) -> None:
    if not policies.can_view_person(actor, person):
        raise Http404
    if not policies.can_record(actor, person):
        raise PermissionDenied("Not allowed: record a missing episode.")


# --- episodes -------------------------------------------------------------------------------------------


def _validate_episode(data: EpisodeInput) -> dict[str, Any]:  # noqa: PLR0912 (one check per field)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    values["kind"] = _active(EpisodeKind, data.kind)
    if values["kind"] is None:
        errors["kind"] = "Select whether they were missing or away without authorisation."
    values["setting"] = _active(MissingSetting, data.setting)
    if values["setting"] is None:
        errors["setting"] = "Select where they went missing from."
    if data.started_at is None:
        errors["started_at"] = "Enter when they went missing."
    _not_future(errors, "started_at", data.started_at, "When they went missing")
    _not_future(errors, "reported_at", data.reported_at, "When they were reported")
    values["risk_grade"] = None
    if data.risk_grade:
        values["risk_grade"] = _active(PoliceRiskGrade, data.risk_grade)
        if values["risk_grade"] is None:
            errors["risk_grade"] = _codes_message(PoliceRiskGrade)
    values["placement_agency"] = None
    if data.placement_agency_id is not None:
        values["placement_agency"] = Agency.objects.filter(pk=data.placement_agency_id).first()
        if values["placement_agency"] is None:
            errors["placement_agency_id"] = "No agency known to Harbour has this id."
    for name in ("reported_by", "police_reference", "placement_name", "placing_authority"):
        _text(errors, name, getattr(data, name), MAX_LINE if name != "police_reference" else 60)
    for name in ("associated_people", "associated_places", *PART_2_FIELDS):
        _text(errors, name, getattr(data, name), MAX_LINE if name == "last_seen_place" else MAX_TEXT)
    if data.placing_authority_email:
        try:
            validate_email(data.placing_authority_email)
        except ValidationError:
            errors["placing_authority_email"] = "Enter an email address like name@example.gov.uk."
    if data.out_of_area and not data.placing_authority.strip():
        errors["placing_authority"] = "Enter the placing authority of a young person placed from out of area."
    if errors:
        raise ValidationError(errors)
    return values


def episode_record(*, actor: Any, person: Person, data: EpisodeInput) -> MissingEpisode:
    """Record that a young person went missing (or is away without authorisation)."""
    _require_person(actor, person)
    values = _validate_episode(data)
    assert data.started_at is not None
    with transaction.atomic():
        episode = MissingEpisode.objects.create(
            person=person,
            kind=values["kind"],
            setting=values["setting"],
            placement_name=data.placement_name.strip(),
            placement_agency=values["placement_agency"],
            out_of_area=data.out_of_area,
            placing_authority=data.placing_authority.strip(),
            placing_authority_email=data.placing_authority_email.strip(),
            reported_by=data.reported_by.strip(),
            reported_at=data.reported_at,
            police_reference=data.police_reference.strip(),
            risk_grade=values["risk_grade"],
            started_at=data.started_at,
            associated_people=data.associated_people.strip(),
            associated_places=data.associated_places.strip(),
            **{name: getattr(data, name).strip() for name in PART_2_FIELDS},
            recorded_by=actor,
        )
        if values["risk_grade"] is not None:
            RiskGradeChange.objects.create(
                episode=episode,
                grade=values["risk_grade"],
                changed_at=data.reported_at or data.started_at,
                recorded_by=actor,
            )
        audit.record(
            actor,
            "missing_episode.recorded",
            episode,
            person_id=person.pk,
            detail={"kind": values["kind"].code, "setting": values["setting"].code},
        )
        offers.offer_episode(actor=actor, episode=episode)
        triggers.evaluate_person(person.pk, timezone.now())
    return episode


def episode_report_update(
    *, actor: Any, episode: MissingEpisode, version: int, data: ReportInput
) -> MissingEpisode:
    """Update what is known about an episode for police (Part 2 of the Philomena Protocol): where and
    with whom they were last seen, what they wore, what happened before, what they took."""
    _require_person(actor, episode.person)
    errors: dict[str, str] = {}
    for name in PART_2_FIELDS:
        _text(errors, name, getattr(data, name), MAX_LINE if name == "last_seen_place" else MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = locked_for_update(episode, expected_version=version)
        changed = [name for name in PART_2_FIELDS if getattr(episode, name) != getattr(data, name).strip()]
        for name in PART_2_FIELDS:
            setattr(episode, name, getattr(data, name).strip())
        episode.save()
        audit.record(
            actor,
            "missing_episode.report_updated",
            episode,
            person_id=episode.person_id,
            detail={"fields": changed},
        )
    return episode


def episode_regrade(
    *,
    actor: Any,
    episode: MissingEpisode,
    version: int,
    grade: str,
    reason: str,
    changed_at: datetime | None = None,
) -> MissingEpisode:
    """Record a new police risk grade for an episode (a re-grade), with the reason.

    ``changed_at`` is when the police re-graded it (a force's system may send it later); by default, now.
    A time given must not be in the future, before the episode started, or before its latest grade, so the
    current grade is always the latest one.
    """
    _require_person(actor, episode.person)
    errors: dict[str, str] = {}
    new_grade = _active(PoliceRiskGrade, grade)
    if new_grade is None:
        errors["grade"] = _codes_message(PoliceRiskGrade) if grade else "Select the new risk grade."
    if not reason.strip():
        errors["reason"] = "Say why the risk grade changed."
    _text(errors, "reason", reason)
    _not_future(errors, "changed_at", changed_at, "When it was re-graded")
    if changed_at is not None and "changed_at" not in errors and changed_at < episode.started_at:
        errors["changed_at"] = "When it was re-graded must be after they went missing."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = locked_for_update(episode, expected_version=version)
        if changed_at is not None:
            latest = (
                episode.grade_changes.order_by("-changed_at").values_list("changed_at", flat=True).first()
            )
            if latest is not None and changed_at < latest:
                raise ValidationError(
                    {"changed_at": "When it was re-graded must be after the episode's latest risk grade."}
                )
        before = episode.risk_grade.code if episode.risk_grade else ""
        episode.risk_grade = new_grade
        episode.save()
        RiskGradeChange.objects.create(
            episode=episode,
            grade=new_grade,
            changed_at=changed_at or timezone.now(),
            reason=reason.strip(),
            recorded_by=actor,
        )
        audit.record(
            actor,
            "missing_episode.regraded",
            episode,
            person_id=episode.person_id,
            detail={"from": before, "to": new_grade.code},
        )
    return episode


def default_interview_team() -> Team | None:
    """The independent return interview service: the only youth-services team, if there is exactly one."""
    teams = list(Team.objects.filter(agency__agency_type__code="youth-services")[:2])
    return teams[0] if len(teams) == 1 else None


def episode_record_return(
    *, actor: Any, episode: MissingEpisode, version: int, data: ReturnInput
) -> ReturnInterview:
    """Record that the young person was found or came back, and start the return home interview's clock."""
    _require_person(actor, episode.person)
    errors: dict[str, str] = {}
    if not episode.is_open:
        errors["ended_at"] = "This episode has already ended."
    if data.ended_at is None:
        errors["ended_at"] = "Enter when they were found or came back."
    elif data.ended_at < episode.started_at:
        errors["ended_at"] = "When they came back must be after they went missing."
    _not_future(errors, "ended_at", data.ended_at, "When they came back")
    town = None
    if data.found_town.strip():
        town = Town.objects.filter(name__iexact=data.found_town.strip()).first()
        if town is None:
            errors["found_town"] = "Harbour does not know this town. Check the spelling, or leave it out."
    found_by = _active(FoundBy, data.found_by) if data.found_by else None
    if data.found_by and found_by is None:
        errors["found_by"] = _codes_message(FoundBy)
    method = _active(ReturnMethod, data.return_method) if data.return_method else None
    if data.return_method and method is None:
        errors["return_method"] = _codes_message(ReturnMethod)
    team = default_interview_team()
    if data.interview_team_id is not None:
        team = Team.objects.filter(pk=data.interview_team_id).first()
        if team is None:
            errors["interview_team_id"] = "No team known to Harbour has this id."
    _text(errors, "found_place", data.found_place, MAX_LINE)
    _text(errors, "found_postcode", data.found_postcode, 10)
    if errors:
        raise ValidationError(errors)
    assert data.ended_at is not None
    with transaction.atomic():
        episode = locked_for_update(episode, expected_version=version)
        episode.ended_at = data.ended_at
        episode.found_place = data.found_place.strip()
        episode.found_town = town
        episode.found_postcode = data.found_postcode.strip().upper()
        episode.found_by = found_by
        episode.return_method = method
        episode.save()
        interview = ReturnInterview.objects.create(
            episode=episode,
            person_id=episode.person_id,
            returned_at=data.ended_at,
            due_at=due_at_for(data.ended_at),
            team=team,
        )
        audit.record(
            actor,
            "missing_episode.returned",
            episode,
            person_id=episode.person_id,
            detail={"interview": str(interview.pk), "due_at": interview.due_at.isoformat()},
        )
    return interview


# --- return home interviews ------------------------------------------------------------------------


def interview_get_for_update(actor: Any, interview_id: UUID) -> ReturnInterview:
    interview = ReturnInterview.objects.select_related("episode", "person").filter(pk=interview_id).first()
    if interview is None or not policies.can_view_person(actor, interview.person):
        raise Http404
    return interview


def interview_assign(
    *, actor: Any, interview: ReturnInterview, version: int, interviewer_id: UUID
) -> ReturnInterview:
    """Choose who will do the interview. They must be independent of the young person's care."""
    if not policies.can_assign(actor, interview):
        raise PermissionDenied("Not allowed: assign the return home interview.")
    interviewer = User.objects.filter(pk=interviewer_id, is_active=True).first()
    if interviewer is None or not interviewer.active_memberships().exists():
        raise ValidationError({"interviewer_id": "Choose a member of staff with a current place in a team."})
    if (problem := policies.independence_problem(interviewer, interview.episode)) is not None:
        raise ValidationError({"interviewer_id": problem})
    with transaction.atomic():
        interview = locked_for_update(interview, expected_version=version)
        interview.interviewer = interviewer
        if interview.team_id is None:
            membership = interviewer.primary_membership()
            interview.team_id = membership.team_id if membership is not None else None
        interview.save()
        audit.record(
            actor,
            "return_interview.assigned",
            interview,
            person_id=interview.person_id,
            detail={"interviewer": interviewer.get_username()},
        )
    return interview


def _require_worker(actor: Any, interview: ReturnInterview) -> None:
    if not policies.can_work_interview(actor, interview):
        raise PermissionDenied("Not allowed: record the return home interview.")


def _when_problem(when: datetime | None, interview: ReturnInterview, label: str) -> str | None:
    if when is None:
        return f"Enter when {label}."
    if when < interview.returned_at:
        return f"When {label} must be after the young person came back."
    if when > timezone.now() + CLOCK_SKEW:
        return f"When {label} must be now or in the past."
    return None


def interview_offer(
    *,
    actor: Any,
    interview: ReturnInterview,
    version: int,
    offered_at: datetime | None,
    accepted: bool = False,
) -> ReturnInterview:
    """Record that the interview was offered to the young person, and whether they accepted it."""
    _require_worker(actor, interview)
    if interview.is_resolved:
        raise ValidationError({"offered_at": "This interview has already been completed or declined."})
    if (problem := _when_problem(offered_at, interview, "it was offered")) is not None:
        raise ValidationError({"offered_at": problem})
    with transaction.atomic():
        interview = locked_for_update(interview, expected_version=version)
        interview.status = ReturnInterview.Status.ACCEPTED if accepted else ReturnInterview.Status.OFFERED
        interview.offered_at = interview.offered_at or offered_at
        interview.accepted_at = offered_at if accepted else None
        interview.save()
        audit.record(
            actor,
            "return_interview.offered",
            interview,
            person_id=interview.person_id,
            detail={"accepted": accepted},
        )
    return interview


def interview_decline(
    *,
    actor: Any,
    interview: ReturnInterview,
    version: int,
    declined_at: datetime | None,
    reason: str,
    carers_said: str = "",
) -> ReturnInterview:
    """Record that the interview was declined (or could not be held), why, and what carers said."""
    _require_worker(actor, interview)
    errors: dict[str, str] = {}
    if interview.is_resolved:
        errors["reason"] = "This interview has already been completed or declined."
    decline_reason = _active(DeclineReason, reason)
    if decline_reason is None:
        errors["reason"] = "Select why the interview did not happen."
    if (problem := _when_problem(declined_at, interview, "it was declined")) is not None:
        errors["declined_at"] = problem
    _text(errors, "carers_said", carers_said)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        interview = locked_for_update(interview, expected_version=version)
        interview.status = ReturnInterview.Status.DECLINED
        interview.offered_at = interview.offered_at or declined_at
        interview.declined_at = declined_at
        interview.decline_reason = decline_reason
        interview.carers_said = carers_said.strip()
        interview.recorded_by = actor
        interview.save()
        audit.record(
            actor,
            "return_interview.declined",
            interview,
            person_id=interview.person_id,
            detail={"reason": decline_reason.code, "within_time": declined_at <= interview.due_at},  # type: ignore[operator]
        )
    return interview


def interview_complete(
    *, actor: Any, interview: ReturnInterview, version: int, data: InterviewInput
) -> ReturnInterview:
    """Record the interview: where they were, who with, push and pull factors, harm, their own words.

    The one who records it must be independent of the young person's care. Exploitation indicators
    chosen are offered to the joint assessment, with the interview as their source.
    """
    _require_worker(actor, interview)
    errors: dict[str, str] = {}
    if interview.is_resolved:
        errors["completed_at"] = "This interview has already been completed or declined."
    if (problem := policies.independence_problem(actor, interview.episode)) is not None:
        errors["completed_at"] = problem
    if (problem := _when_problem(data.completed_at, interview, "the interview was held")) is not None:
        errors["completed_at"] = problem
    factors = list(PushPullFactor.objects.filter(code__in=data.factors, active=True))
    if len(factors) != len(set(data.factors)):
        errors["factors"] = _codes_message(PushPullFactor)
    for name in (
        "where_been",
        "who_with",
        "how_travelled",
        "harm",
        "young_person_words",
        "actions",
        "police_information",
    ):
        _text(errors, name, getattr(data, name))
    if not (data.where_been.strip() or data.young_person_words.strip()):
        errors["where_been"] = "Say where they were, or what the young person said."
    indicator_codes = sorted(set(data.indicator_codes))
    if (problem := offers.unknown_codes_problem(indicator_codes)) is not None:
        errors["indicator_codes"] = problem
    if errors:
        raise ValidationError(errors)
    assert data.completed_at is not None
    with transaction.atomic():
        interview = locked_for_update(interview, expected_version=version)
        interview.status = ReturnInterview.Status.COMPLETED
        interview.offered_at = interview.offered_at or data.completed_at
        interview.completed_at = data.completed_at
        if interview.interviewer_id is None:
            interview.interviewer = actor
        for name in (
            "where_been",
            "who_with",
            "how_travelled",
            "harm",
            "young_person_words",
            "actions",
            "police_information",
        ):
            setattr(interview, name, getattr(data, name).strip())
        interview.indicator_codes = indicator_codes
        interview.recorded_by = actor
        interview.save()
        interview.factors.set(factors)
        audit.record(
            actor,
            "return_interview.completed",
            interview,
            person_id=interview.person_id,
            detail={
                "within_time": data.completed_at <= interview.due_at,
                "factors": sorted(f.code for f in factors),
                "indicators": indicator_codes,
            },
        )
        offers.offer_indicators(actor=actor, interview=interview)
    return interview


# --- the Philomena profile --------------------------------------------------------------------------


def profile_save(*, actor: Any, person: Person, version: int | None, data: ProfileInput) -> MissingProfile:
    """Create or update the young person's Philomena profile (``version`` None for a new one)."""
    _require_person(actor, person)
    errors: dict[str, str] = {}
    for name, value in asdict(data).items():
        _text(errors, name, value)
    if not any(value.strip() for value in asdict(data).values()):
        errors["description"] = "Enter at least a description of the young person."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = MissingProfile.objects.filter(person=person).first()
        if existing is None:
            profile = MissingProfile(person=person)
        else:
            profile = locked_for_update(existing, expected_version=version or 0)
        for name, value in asdict(data).items():
            setattr(profile, name, value.strip())
        profile.updated_by = actor
        if existing is None:
            _profile_create(profile)
        else:
            profile.save()
        audit.record(
            actor,
            "missing_profile.saved",
            profile,
            person_id=person.pk,
            detail={"created": existing is None},
        )
    return profile


def _profile_create(profile: MissingProfile) -> None:
    """Save a first profile. If another first profile for the young person was saved at the same moment
    (two systems, or two pages), this one is stale: refused as a conflict, never a server error."""
    try:
        with transaction.atomic():  # a savepoint, so the refusal leaves the outer transaction usable
            profile.save()
    except IntegrityError:
        current = (
            MissingProfile.objects.filter(person_id=profile.person_id)
            .values_list("version", flat=True)
            .first()
        )
        raise ConflictError(
            "Someone else started this profile after you opened it. Your changes have not been saved.",
            current_version=current or 1,
        ) from None


def _photo_lock(profile: MissingProfile, version: int | None) -> MissingProfilePhoto | None:
    """The profile's photo under a lock, refusing the write if it changed since the page was opened
    (``version`` None: there was no photo then)."""
    # The profile's row is locked first, so two first photos sent at once are taken one after the other
    # and the second is refused as a conflict, not a clash on the one-photo constraint.
    list(MissingProfile.objects.select_for_update().filter(pk=profile.pk).values_list("pk", flat=True))
    existing = MissingProfilePhoto.objects.filter(profile=profile).only("pk", "version").first()
    if existing is None:
        if version is not None:
            raise ConflictError(PHOTO_CHANGED, current_version=0)
        return None
    if version is None:
        raise ConflictError(PHOTO_CHANGED, current_version=existing.version)
    locked: MissingProfilePhoto = locked_for_update(existing, expected_version=version)
    return locked


PHOTO_CHANGED = (
    "Someone else changed the photo after you opened this page. Nothing has been saved: check the "
    "photo shown now, then try again."
)


def profile_photo_save(
    *, actor: Any, person: Person, version: int | None, upload: bytes, taken_on: date | None
) -> MissingProfilePhoto:
    """Add or replace the photo on the young person's Philomena profile.

    ``version``: the photo's version when the page was opened (None if it had none). The upload is
    decoded and saved again as JPEG without its metadata (photos.py); the old photo is not kept.
    """
    _require_person(actor, person)
    errors: dict[str, str] = {}
    profile = MissingProfile.objects.filter(person=person).first()
    if profile is None:
        errors["photo"] = "Save the profile first, then add a photo."
    photo: Photo | None = None
    try:
        photo = photo_from_upload(upload)
    except UnusablePhotoError as problem:
        errors.setdefault("photo", str(problem))
    if taken_on is None:
        errors["taken_on"] = "Enter when the photo was taken"
    elif taken_on > timezone.localdate():
        errors["taken_on"] = "When the photo was taken must be today or in the past"
    elif person.date_of_birth and taken_on < person.date_of_birth:
        errors["taken_on"] = "When the photo was taken must be on or after their date of birth"
    if errors or profile is None or photo is None or taken_on is None:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = _photo_lock(profile, version)
        saved = existing or MissingProfilePhoto(profile=profile)
        saved.image = photo.jpeg
        saved.width, saved.height = photo.width, photo.height
        saved.taken_on = taken_on
        saved.added_by = actor
        saved.save()
        audit.record(
            actor,
            "missing_profile.photo_saved",
            profile,
            person_id=person.pk,
            detail={"replaced": existing is not None, "width": photo.width, "height": photo.height},
        )
    return saved


def profile_photo_remove(*, actor: Any, person: Person, version: int) -> None:
    """Remove the photo from the young person's profile (a wrong photo, or one too old to help)."""
    _require_person(actor, person)
    profile = MissingProfile.objects.filter(person=person).first()
    if profile is None:
        raise Http404
    with transaction.atomic():
        existing = _photo_lock(profile, version)
        if existing is None:
            raise Http404
        existing.delete()
        audit.record(actor, "missing_profile.photo_removed", profile, person_id=person.pk)


def notice_mark_read(*, actor: Any, notice_id: UUID) -> None:
    """Mark one of the actor's own notices (a trigger or a breach) as read."""
    notice = MissingNotice.objects.filter(pk=notice_id, recipient=actor).first()
    if notice is None:
        raise Http404
    if notice.read_at is None:
        with transaction.atomic():
            MissingNotice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
            audit.record(actor, "missing_notice.read", notice, person_id=notice.person_id)
