"""Builders shared by the assessments tests."""

from __future__ import annotations

import datetime
from typing import Any

from harbour.accounts.models import AgencyType
from harbour.assessments import services
from harbour.assessments.inputs import AgreeInput, AnswerInput
from harbour.assessments.models import Assessment, Contribution
from tests import factories


def health_worker(world: Any, username: str = "nurse") -> Any:
    """A school nurse in a health agency, asked to contribute."""
    agency = factories.AgencyFactory(
        name="Norfolk Community Health", agency_type=AgencyType.objects.get(code="health")
    )
    team = factories.TeamFactory(agency=agency, name="School nursing")
    return factories.make_user(username, role="practitioner", team=team)


def police_officer(world: Any, username: str = "mace_officer") -> Any:
    agency = factories.AgencyFactory(
        name="Norfolk Constabulary", agency_type=AgencyType.objects.get(code="police")
    )
    team = factories.TeamFactory(agency=agency, name="MACE team")
    return factories.make_user(username, role="police-intelligence-officer", team=team)


def open_for(world: Any, tool: str = "norfolk-screening-2024", person: Any = None) -> Assessment:
    return services.assessment_open(
        actor=world.users["practitioner"], person_id=(person or world.inside).pk, tool_version=tool
    )


def ask(world: Any, assessment: Assessment, user: Any) -> Contribution:
    return services.contribution_request(
        actor=world.users["practitioner"], assessment_id=assessment.pk, contributor_id=user.pk
    )


def answer(actor: Any, contribution: Contribution, *answers: AnswerInput, summary: str = "") -> Contribution:
    contribution.refresh_from_db()
    return services.contribution_save(
        actor=actor,
        contribution_id=contribution.pk,
        version=contribution.version,
        answers=list(answers),
        summary=summary,
    )


def yes(code: str, evidence: str = "Seen by our worker.", timeframe: str = "current") -> AnswerInput:
    return AnswerInput(
        indicator=code, value="yes", timeframe=timeframe, evidence=evidence, source="Case notes"
    )


def lead_contribution(assessment: Assessment) -> Contribution:
    return assessment.contributions.get(author_id=assessment.lead_id)


def record_words(
    world: Any, assessment: Assessment, words: str = "I want it to stop.", reason: str = ""
) -> None:
    assessment.refresh_from_db()
    services.assessment_sections_save(
        actor=world.users["practitioner"],
        assessment_id=assessment.pk,
        version=assessment.version,
        young_person_words=words,
        words_missing_reason=reason,
        extra_familial_summary="Seen with older males at a park; travelled to London.",
        home_protective_factors="Mum is supportive and reports missing episodes quickly.",
    )


def agree(world: Any, assessment: Assessment, level: str, **changes: Any) -> Assessment:
    assessment.refresh_from_db()
    values: dict[str, Any] = {"agreed_level": level, "rationale": "The partnership agrees."}
    values.update(changes)
    return services.assessment_agree(
        actor=world.users["practitioner"],
        assessment_id=assessment.pk,
        version=assessment.version,
        data=AgreeInput(**values),
    )


def offer_from_missing(
    world: Any, code: str = "missing-repeat", evidence: str = "Third episode in six weeks."
) -> Any:
    """An indicator offered to the practitioner's young person, as a return home interview offers it."""
    return services.indicator_offer(
        actor=world.users["practitioner"],
        person=world.inside,
        indicator_code=code,
        source_app="missing",
        source_kind="return-interview",
        source_id="42",
        source_url="/missing/episodes/42/",
        observed_on=datetime.date(2026, 5, 3),
        evidence=evidence,
    )
