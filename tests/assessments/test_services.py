"""Opening, contributing, scoring, agreeing and reviewing joint assessments, through the services."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.assessments import selectors, services
from harbour.assessments.inputs import AnswerInput
from harbour.assessments.models import Assessment, RiskLevel, ScreeningToolVersion
from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from tests.assessments import helpers
from tests.assessments.helpers import agree, answer, ask, lead_contribution, open_for, record_words, yes

pytestmark = pytest.mark.django_db


def test_lead_opens_an_assessment_with_their_own_contribution(world):
    assessment = open_for(world)
    assert assessment.status == Assessment.Status.OPEN
    assert assessment.lead == world.users["practitioner"]
    assert assessment.computed_level.code == "norfolk-no-risk"
    assert lead_contribution(assessment).agency.name == "Norfolk Children's Services"
    assert AuditEvent.objects.filter(action="assessment.opened", person_id=world.inside.pk).exists()


def test_only_one_open_assessment_per_young_person(world):
    open_for(world)
    with pytest.raises(ValidationError) as error:
        open_for(world)
    assert "person_id" in error.value.message_dict


def test_outsider_cannot_open_and_gets_404(world):
    with pytest.raises(Http404):
        services.assessment_open(
            actor=world.breckland_worker, person_id=world.inside.pk, tool_version="norfolk-screening-2024"
        )


def test_analyst_without_capability_cannot_open(world):
    # The analyst sees nobody in full, so it is a 404 like any record they cannot see.
    with pytest.raises((Http404, PermissionDenied)):
        services.assessment_open(
            actor=world.users["analyst"], person_id=world.inside.pk, tool_version="norfolk-screening-2024"
        )


def test_contributions_recompute_the_level_from_all_agencies(world):
    assessment = open_for(world)
    officer = helpers.police_officer(world)
    asked = ask(world, assessment, officer)
    answer(world.users["practitioner"], lead_contribution(assessment), yes("missing-repeat"))
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-medium"
    answer(officer, asked, yes("money-unexplained-gifts"), yes("online-contact-with-unknown-adults"))
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-high"  # three medium indicators across agencies


def test_a_yes_needs_evidence_and_answers_must_belong_to_the_tool(world):
    assessment = open_for(world)
    with pytest.raises(ValidationError) as error:
        answer(
            world.users["practitioner"],
            lead_contribution(assessment),
            AnswerInput(indicator="missing-repeat", value="yes"),
            AnswerInput(indicator="not-an-indicator", value="no"),
        )
    assert set(error.value.message_dict) == {"answers.0.evidence", "answers.1.indicator"}


def test_stale_contribution_is_refused(world):
    assessment = open_for(world)
    contribution = lead_contribution(assessment)
    version = contribution.version
    answer(world.users["practitioner"], contribution, yes("missing-repeat"))
    with pytest.raises(ConflictError):
        services.contribution_save(
            actor=world.users["practitioner"], contribution_id=contribution.pk, version=version, answers=[]
        )


def test_only_the_asked_author_writes_a_contribution(world):
    assessment = open_for(world)
    officer = helpers.police_officer(world)
    asked = ask(world, assessment, officer)
    with pytest.raises(PermissionDenied):
        answer(world.users["practitioner"], asked, yes("missing-repeat"))


def test_asked_contributor_sees_the_record_until_agreement(world):
    assessment = open_for(world)
    officer = helpers.police_officer(world)
    assert not access.can_see_full(officer, world.inside)
    ask(world, assessment, officer)
    access.forget_cached_access(officer)
    assert access.can_see_full(officer, world.inside)
    assert any(r.code == "assessment_contributor" for r in access.explain(officer, world.inside))
    record_words(world, assessment)
    agree(world, assessment, "norfolk-no-risk")
    access.forget_cached_access(officer)
    assert not access.can_see_full(officer, world.inside)


def test_agreeing_needs_the_young_persons_words_or_a_reason(world):
    assessment = open_for(world)
    with pytest.raises(ValidationError) as error:
        agree(world, assessment, "norfolk-no-risk")
    assert "young_person_words" in error.value.message_dict
    record_words(world, assessment, words="", reason="The young person declined to meet.")
    agreed = agree(world, assessment, "norfolk-no-risk")
    assert agreed.status == Assessment.Status.AGREED


def test_judgement_may_move_the_level_with_a_reason_and_sets_the_review(world):
    assessment = open_for(world)
    answer(world.users["practitioner"], lead_contribution(assessment), yes("missing-repeat"))
    record_words(world, assessment)
    with pytest.raises(ValidationError) as error:
        agree(world, assessment, "norfolk-high")
    assert "judgement_reason" in error.value.message_dict
    agreed = agree(
        world,
        assessment,
        "norfolk-high",
        judgement_reason="Found in Ipswich with an adult last night.",
        exploitation_types=["county-lines", "child-criminal-exploitation"],
    )
    assert agreed.judgement == Assessment.Judgement.UP
    high = RiskLevel.objects.get(code="norfolk-high")
    assert agreed.next_review_on == timezone.localdate() + datetime.timedelta(days=high.review_interval_days)
    assert sorted(t.code for t in agreed.exploitation_types.all()) == [
        "child-criminal-exploitation",
        "county-lines",
    ]
    event = AuditEvent.objects.get(action="assessment.agreed")
    assert event.detail["judgement"] == "up"
    assert "Ipswich" not in str(event.detail)


def test_lowering_by_judgement_is_recorded_as_down(world):
    assessment = open_for(world)
    answer(world.users["practitioner"], lead_contribution(assessment), yes("travel-county-lines"))
    record_words(world, assessment)
    agreed = agree(
        world, assessment, "norfolk-medium", judgement_reason="Moved away from the area with family."
    )
    assert agreed.judgement == Assessment.Judgement.DOWN


def test_a_review_closes_the_previous_assessment_and_builds_history(world):
    first = open_for(world)
    answer(world.users["practitioner"], lead_contribution(first), yes("missing-repeat"))
    record_words(world, first)
    agree(world, first, "norfolk-medium")
    second = open_for(world)
    assert second.previous_id == first.pk
    record_words(world, second)
    agree(world, second, "norfolk-no-risk")
    first.refresh_from_db()
    assert first.status == Assessment.Status.CLOSED
    history = selectors.history_for(actor=world.users["practitioner"], person_id=world.inside.pk)
    assert [point.level_code for point in history] == ["norfolk-medium", "norfolk-no-risk"]


def test_a_new_tool_version_leaves_old_assessments_under_their_own_version(world):
    old = open_for(world)
    answer(world.users["practitioner"], lead_contribution(old), yes("education-suspension-12m"))
    old.refresh_from_db()
    assert old.computed_level.code == "norfolk-standard"
    current = ScreeningToolVersion.objects.get(code="norfolk-screening-2024")
    rule = dict(current.rule)
    rule["indicators"] = {**rule["indicators"], "education-suspension-12m": "norfolk-high"}
    new = ScreeningToolVersion(
        code="norfolk-screening-2026",
        label="Norfolk-style screening 2026",
        tool=current.tool,
        version="2026",
        effective_from=datetime.date(2026, 4, 1),
        rule=rule,
    )
    new.full_clean()
    new.save()
    # The version in use cannot be changed under the old assessment.
    current.rule = rule
    with pytest.raises(ValidationError):
        current.save()
    # Re-scoring the old assessment (another contribution) still uses its own version.
    answer(
        world.users["practitioner"],
        lead_contribution(old),
        yes("education-suspension-12m", evidence="Again."),
    )
    old.refresh_from_db()
    assert old.tool_version.code == "norfolk-screening-2024"
    assert old.computed_level.code == "norfolk-standard"


def test_new_version_scores_under_its_own_rule(world):
    current = ScreeningToolVersion.objects.get(code="norfolk-screening-2024")
    rule = dict(current.rule)
    rule["indicators"] = {**rule["indicators"], "education-suspension-12m": "norfolk-high"}
    ScreeningToolVersion.objects.create(
        code="norfolk-screening-2026",
        label="Norfolk-style screening 2026",
        tool=current.tool,
        version="2026",
        effective_from=datetime.date(2026, 4, 1),
        rule=rule,
    )
    assessment = open_for(world, tool="norfolk-screening-2026")
    answer(world.users["practitioner"], lead_contribution(assessment), yes("education-suspension-12m"))
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-high"


def test_seraf_tool_scores_points(world):
    assessment = open_for(world, tool="seraf-screening-2024")
    answer(
        world.users["practitioner"],
        lead_contribution(assessment),
        yes("travel-county-lines"),
        yes("money-debt"),
        yes("missing-repeat", timeframe="6-12-months"),
    )
    assessment.refresh_from_db()
    assert assessment.computed_points == 9 + 0.5  # 4 + 4 + 3 x 0.5
    assert assessment.computed_level.code == "seraf-low"


def test_offer_accepted_into_a_contribution_as_yes_with_source(world):
    assessment = open_for(world)
    offer = services.indicator_offer(
        actor=None,
        person=world.inside,
        indicator_code="missing-found-out-of-area",
        source_app="missing",
        source_kind="return-interview",
        source_id="7",
        source_url="/missing/7/",
        observed_on=datetime.date(2026, 5, 3),
        evidence="Found in Ipswich.",
    )
    offers = selectors.offers_for(actor=world.users["practitioner"], assessment=assessment)
    assert [o.indicator_code for o in offers] == ["missing-found-out-of-area"]
    assert offers[0].provenance.startswith("From the return interview of 3 May 2026")
    saved = services.offer_accept(
        actor=world.users["practitioner"],
        contribution_id=lead_contribution(assessment).pk,
        offer_id=offer.pk,
        version=offers[0].version,
    )
    assert saved.value == "yes"
    assert saved.source.startswith("Missing")
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-high"


def test_admin_validation_refuses_a_rule_naming_another_tools_level(world):
    norfolk = ScreeningToolVersion.objects.get(code="norfolk-screening-2024")
    bad = ScreeningToolVersion(
        code="norfolk-bad",
        label="Bad",
        tool=norfolk.tool,
        version="bad",
        effective_from=datetime.date(2026, 1, 1),
        rule={**norfolk.rule, "default_level": "seraf-low"},
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "rule" in error.value.message_dict
