"""What the missing services take: plain dataclasses, filled by forms, the API and the importer.

Reference data is given by its ``code``; times are timezone-aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class EpisodeInput:
    kind: str
    setting: str
    started_at: datetime | None
    reported_at: datetime | None = None
    reported_by: str = ""
    police_reference: str = ""
    risk_grade: str = ""
    placement_name: str = ""
    placement_agency_id: UUID | None = None
    out_of_area: bool = False
    placing_authority: str = ""
    placing_authority_email: str = ""
    associated_people: str = ""
    associated_places: str = ""
    last_seen_place: str = ""
    last_seen_with: str = ""
    clothing: str = ""
    circumstances: str = ""
    taken_with_them: str = ""


PART_2_FIELDS = ("last_seen_place", "last_seen_with", "clothing", "circumstances", "taken_with_them")


@dataclass(frozen=True)
class ReportInput:
    """Part 2 of the Philomena Protocol for one episode: what is known while the young person is missing."""

    last_seen_place: str = ""
    last_seen_with: str = ""
    clothing: str = ""
    circumstances: str = ""
    taken_with_them: str = ""


@dataclass(frozen=True)
class ReturnInput:
    """The end of an episode: when and where the young person was found and how they came back."""

    ended_at: datetime | None
    found_place: str = ""
    found_town: str = ""  # a Town's name
    found_postcode: str = ""
    found_by: str = ""
    return_method: str = ""
    interview_team_id: UUID | None = None


@dataclass(frozen=True)
class InterviewInput:
    """What the return home interview found."""

    completed_at: datetime | None
    where_been: str = ""
    who_with: str = ""
    how_travelled: str = ""
    factors: list[str] = field(default_factory=list)
    harm: str = ""
    young_person_words: str = ""
    actions: str = ""
    police_information: str = ""
    indicator_codes: list[str] = field(default_factory=list)


PROFILE_FIELDS = (
    "description",
    "associates",
    "places",
    "phones_social",
    "health",
    "money_transport",
    "vulnerabilities",
)


@dataclass(frozen=True)
class ProfileInput:
    description: str = ""
    associates: str = ""
    places: str = ""
    phones_social: str = ""
    health: str = ""
    money_transport: str = ""
    vulnerabilities: str = ""
