"""What the missing API accepts and returns. Times are ISO 8601 with a time zone offset (UTC stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from harbour.access.policies import FULL, NAME_ONLY, AccessLevel
from harbour.missing.inputs import PROFILE_FIELDS, EpisodeInput, InterviewInput, ProfileInput, ReturnInput
from harbour.missing.models import MissingEpisode, MissingProfile, UnmatchedLogRow
from harbour.people.schemas import MAX_PAGE, MAX_PAGE_SIZE, Code, Email, StrictInput, Text60, Text200

LongText = Annotated[str, StringConstraints(max_length=10_000)]


class EpisodeIn(StrictInput):
    kind: Code = Field(..., description="An episode kind code: `missing` or `absent`.")
    setting: Code = Field(..., description="Where they went missing from: `home`, `care` or `other`.")
    started_at: AwareDatetime = Field(..., description="When they went missing, with a time zone offset.")
    reported_at: AwareDatetime | None = None
    reported_by: Text200 = ""
    police_reference: Text60 = ""
    risk_grade: Code = Field("", description="A police risk grade code, e.g. `medium`.")
    placement_name: Text200 = ""
    placement_agency_id: UUID | None = None
    out_of_area: bool = False
    placing_authority: Text200 = ""
    placing_authority_email: Email | None = None
    associated_people: LongText = ""
    associated_places: LongText = ""
    last_seen_place: Text200 = Field("", description="Philomena Part 2: where they were last seen.")
    last_seen_with: LongText = Field("", description="Who they were last seen with.")
    clothing: LongText = Field("", description="What they were wearing and carrying.")
    circumstances: LongText = Field("", description="What happened before they went.")
    taken_with_them: LongText = Field("", description="Phone, money, cards, medication they took (or left).")

    def to_input(self) -> EpisodeInput:
        data = self.dict()
        data["placing_authority_email"] = data["placing_authority_email"] or ""
        return EpisodeInput(**data)


class ReturnIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The episode's version as read (stale: 409).")
    ended_at: AwareDatetime = Field(..., description="When they were found or came back.")
    found_place: Text200 = ""
    found_town: Text200 = Field("", description="A town's name, as in Harbour's list of the county's towns.")
    found_postcode: Annotated[str, StringConstraints(max_length=10)] = ""
    found_by: Code = Field("", description="A found-by code, e.g. `police`.")
    return_method: Code = Field("", description="A return method code, e.g. `returned-themselves`.")
    interview_team_id: UUID | None = Field(
        None, description="The team to hold the return home interview (default: the youth service)."
    )

    def to_input(self) -> ReturnInput:
        return ReturnInput(**self.dict(exclude={"version"}))


class RegradeIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The episode's version as read (stale: 409).")
    risk_grade: Code = Field(
        ..., description="The new police risk grade code: `no-apparent-risk`, `low`, `medium` or `high`."
    )
    reason: LongText = Field(..., description="Why the risk grade changed (required).")
    changed_at: AwareDatetime | None = Field(
        None,
        description="When the police re-graded it, with a time zone offset (default: now). Not in the "
        "future, not before the episode started or its latest grade.",
    )


class AssignIn(StrictInput):
    version: int = Field(..., ge=1, strict=True, description="The interview's version as read (stale: 409).")
    interviewer_id: UUID


class OfferIn(StrictInput):
    version: int = Field(..., ge=1, strict=True)
    offered_at: AwareDatetime
    accepted: bool = False


class DeclineIn(StrictInput):
    version: int = Field(..., ge=1, strict=True)
    declined_at: AwareDatetime
    reason: Code = Field(..., description="A decline reason code.")
    carers_said: LongText = ""


class CompleteIn(StrictInput):
    version: int = Field(..., ge=1, strict=True)
    completed_at: AwareDatetime
    where_been: LongText = ""
    who_with: LongText = ""
    how_travelled: LongText = ""
    factors: list[Code] = Field(
        default_factory=list, max_length=50, description="Push and pull factor codes."
    )
    harm: LongText = ""
    young_person_words: LongText = ""
    actions: LongText = ""
    police_information: LongText = ""
    indicator_codes: list[Code] = Field(
        default_factory=list,
        max_length=50,
        description="Exploitation indicators, offered to the joint assessment.",
    )

    def to_input(self) -> InterviewInput:
        return InterviewInput(**self.dict(exclude={"version"}))


class EpisodeFilters(StrictInput):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class InterviewOut(Schema):
    id: UUID
    version: int
    status: str
    returned_at: datetime
    due_at: datetime
    offered_at: datetime | None
    completed_at: datetime | None
    declined_at: datetime | None
    within_72_hours: bool | None = Field(
        None, description="Whether it was completed or declined by its due time; null while open."
    )
    interviewer: str = ""
    decline_reason: str | None = Field(None, description="A decline reason code, when it did not happen.")
    carers_said: str = ""
    where_been: str = ""
    who_with: str = ""
    how_travelled: str = ""
    factors: list[str] = Field(default_factory=list, description="Push and pull factor codes.")
    harm: str = ""
    young_person_words: str = ""
    actions: str = ""
    police_information: str = ""
    indicator_codes: list[str] = Field(default_factory=list)


class RiskGradeOut(Schema):
    grade: str = Field(description="A police risk grade code.")
    changed_at: datetime
    reason: str = Field(description="Why it changed; empty for the first grade.")


class EpisodeOut(Schema):
    id: UUID
    version: int
    person_id: UUID
    kind: str
    setting: str
    started_at: datetime
    ended_at: datetime | None
    reported_at: datetime | None
    reported_by: str
    police_reference: str
    risk_grade: str | None
    risk_grades: list[RiskGradeOut] = Field(
        default_factory=list, description="The first grade and each re-grade, oldest first."
    )
    placement_name: str
    out_of_area: bool
    placing_authority: str
    found_place: str
    found_town: str | None
    found_postcode: str
    found_by: str | None
    return_method: str | None
    associated_people: str
    associated_places: str
    last_seen_place: str
    last_seen_with: str
    clothing: str
    circumstances: str
    taken_with_them: str
    source: str
    interview: InterviewOut | None


class EpisodePage(Schema):
    items: list[EpisodeOut]
    count: int
    page: int
    page_size: int
    next_page: int | None


def episode_out(episode: MissingEpisode) -> EpisodeOut:
    interview = getattr(episode, "interview", None) if episode.ended_at else None
    interview_out = None
    if interview is not None:
        resolved = interview.resolved_at
        interview_out = InterviewOut(
            id=interview.pk,
            version=interview.version,
            status=interview.status,
            returned_at=interview.returned_at,
            due_at=interview.due_at,
            offered_at=interview.offered_at,
            completed_at=interview.completed_at,
            declined_at=interview.declined_at,
            within_72_hours=None if resolved is None else resolved <= interview.due_at,
            interviewer=str(interview.interviewer) if interview.interviewer else "",
            decline_reason=interview.decline_reason.code if interview.decline_reason else None,
            carers_said=interview.carers_said,
            where_been=interview.where_been,
            who_with=interview.who_with,
            how_travelled=interview.how_travelled,
            factors=sorted(factor.code for factor in interview.factors.all()),
            harm=interview.harm,
            young_person_words=interview.young_person_words,
            actions=interview.actions,
            police_information=interview.police_information,
            indicator_codes=list(interview.indicator_codes or []),
        )
    return EpisodeOut(
        id=episode.pk,
        version=episode.version,
        person_id=episode.person_id,
        kind=episode.kind.code,
        setting=episode.setting.code,
        started_at=episode.started_at,
        ended_at=episode.ended_at,
        reported_at=episode.reported_at,
        reported_by=episode.reported_by,
        police_reference=episode.police_reference,
        risk_grade=episode.risk_grade.code if episode.risk_grade else None,
        risk_grades=[
            RiskGradeOut(grade=change.grade.code, changed_at=change.changed_at, reason=change.reason)
            for change in episode.grade_changes.all()
        ],
        placement_name=episode.placement_name,
        out_of_area=episode.out_of_area,
        placing_authority=episode.placing_authority,
        found_place=episode.found_place,
        found_town=episode.found_town.name if episode.found_town else None,
        found_postcode=episode.found_postcode,
        found_by=episode.found_by.code if episode.found_by else None,
        return_method=episode.return_method.code if episode.return_method else None,
        associated_people=episode.associated_people,
        associated_places=episode.associated_places,
        last_seen_place=episode.last_seen_place,
        last_seen_with=episode.last_seen_with,
        clothing=episode.clothing,
        circumstances=episode.circumstances,
        taken_with_them=episode.taken_with_them,
        source=episode.source,
        interview=interview_out,
    )


# --- the Philomena profile ---------------------------------------------------------------------------


class ProfileIn(StrictInput):
    """The whole profile, as the page's form sends it: every box, empty text for an empty one."""

    version: int | None = Field(
        ...,
        ge=1,
        strict=True,
        description="The profile's version as read; null when there is no profile yet (stale: 409).",
    )
    description: LongText = Field(
        ..., description="Height, build, hair, distinguishing marks, usual clothing."
    )
    associates: LongText = Field(..., description="Friends and associates.")
    places: LongText = Field(..., description="Addresses and places they go to.")
    phones_social: LongText = Field(..., description="Phones and social media.")
    health: LongText = Field(..., description="Health and medication.")
    money_transport: LongText = Field(..., description="Bank cards, travel passes, how they usually travel.")
    vulnerabilities: LongText = Field(..., description="Vulnerabilities and missing history.")

    def to_input(self) -> ProfileInput:
        return ProfileInput(**self.dict(exclude={"version"}))


class ProfileOut(Schema):
    person_id: UUID
    version: int | None = Field(description="Null when there is no profile yet: send null to start one.")
    description: str
    associates: str
    places: str
    phones_social: str
    health: str
    money_transport: str
    vulnerabilities: str
    updated_at: datetime | None
    updated_by: str = Field("", description="Who saved it last.")
    has_photo: bool = Field(description="Whether it has a photo (the photo itself is not in the API).")


def profile_out(person_id: UUID, profile: MissingProfile | None, *, has_photo: bool) -> ProfileOut:
    values = {name: getattr(profile, name) if profile else "" for name in PROFILE_FIELDS}
    return ProfileOut(
        person_id=person_id,
        version=profile.version if profile else None,
        **values,
        updated_at=profile.updated_at if profile else None,
        updated_by=str(profile.updated_by) if profile and profile.updated_by else "",
        has_photo=has_photo,
    )


# --- the police log review ---------------------------------------------------------------------------


class ReviewFilters(StrictInput):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="A page past the last gives the last.")
    page_size: int = Field(settings.HARBOUR_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class BestCandidateOut(Schema):
    """The young person the matcher scored highest for a row, as the review page shows them: their name
    and score, and whether you see their record in full. Only then may you link the row to them."""

    person_id: UUID
    name: str
    score: float | None
    access_level: AccessLevel = Field(description="`full`, or `name_only`: then it cannot be linked.")


class LogRowOut(Schema):
    id: UUID
    version: int = Field(description="Send it when you link the row or set it aside.")
    import_id: UUID
    file_name: str
    imported_at: datetime
    line_number: int
    values: dict[str, str] = Field(description="The row as the police log gave it, by column name.")
    best_candidate: BestCandidateOut | None
    resolution: str = Field(
        description="Empty while the row waits for review; once set aside, what happened to it "
        "(`recorded-by-hand`, `not-known` or `in-error`)."
    )
    resolved_at: datetime | None


class LogRowPage(Schema):
    items: list[LogRowOut]
    count: int
    page: int
    page_size: int
    next: str | None = Field(None, description="The next page's address, or null on the last page.")
    next_page: int | None


class RowLinkIn(StrictInput):
    person_id: UUID = Field(description="The young person the row is about, whose record you see in full.")
    version: int = Field(..., ge=1, description="The row's version, as you read it.")


class RowVersionIn(StrictInput):
    version: int = Field(..., ge=1, description="The row's version, as you read it.")


class RowSetAsideIn(StrictInput):
    version: int = Field(..., ge=1, description="The row's version, as you read it.")
    resolution: Literal["recorded-by-hand", "not-known", "in-error"] = Field(
        description="What happened to it: already recorded by hand on the young person's record, not a "
        "young person known to this partnership (for example, another authority's), or a duplicate or an "
        "error in the log."
    )


class LogRowLinkedOut(Schema):
    id: UUID
    version: int
    resolution: str = Field(description="`best-candidate` or `chosen-by-reviewer`.")
    resolved_at: datetime | None
    person_id: UUID | None
    episode_id: UUID = Field(description="The episode created on the young person's record.")


def log_row_out(row: UnmatchedLogRow, *, seen_in_full: set[Any]) -> LogRowOut:
    best = row.best_person
    candidate = None
    if best is not None:
        candidate = BestCandidateOut(
            person_id=best.pk,
            name=best.full_name,
            score=row.best_score,
            access_level=FULL if best.pk in seen_in_full else NAME_ONLY,
        )
    return LogRowOut(
        id=row.pk,
        version=row.version,
        import_id=row.log_import_id,
        file_name=row.log_import.filename,
        imported_at=row.log_import.started_at,
        line_number=row.line_number,
        values={name: str(value) for name, value in (row.data or {}).items() if value not in (None, "")},
        best_candidate=candidate,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
    )


def log_row_linked_out(row: UnmatchedLogRow, episode: MissingEpisode) -> LogRowLinkedOut:
    return LogRowLinkedOut(
        id=row.pk,
        version=row.version,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
        person_id=row.person_id,
        episode_id=episode.pk,
    )
