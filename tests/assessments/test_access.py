"""Who sees what in a joint assessment: the record's access, health-restricted answers, the young
person's words, and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from harbour.access import policies as access
from harbour.assessments import selectors
from harbour.audit.models import AuditEvent
from tests.assessments import helpers
from tests.assessments.helpers import answer, ask, lead_contribution, open_for, record_words, yes

pytestmark = pytest.mark.django_db

NURSE_EVIDENCE = "Attended the sexual health clinic twice this month."


@pytest.fixture
def shared(world):
    """An open assessment with a police and a health contribution; the nurse answers a restricted item."""
    assessment = open_for(world)
    officer = helpers.police_officer(world)
    nurse = helpers.health_worker(world)
    police_part = ask(world, assessment, officer)
    health_part = ask(world, assessment, nurse)
    answer(
        officer, police_part, yes("travel-county-lines", evidence="Stopped at Norwich station with a man.")
    )
    answer(
        nurse,
        health_part,
        yes("health-sexual-health-attendances", evidence=NURSE_EVIDENCE),
        yes("health-unexplained-injuries", evidence="Bruising to arms."),
    )
    record_words(world, assessment, words="I just want to go back to school.")
    for user in (officer, nurse):
        access.forget_cached_access(user)
    world.extra.update(assessment=assessment, officer=officer, nurse=nurse)
    return world


def _answers_seen(actor, assessment):
    return {
        answer.indicator_code or "restricted": answer
        for contribution in selectors.contributions_for(actor=actor, assessment=assessment)
        for answer in contribution.answers
    }


def test_health_restricted_answer_hidden_from_police_but_not_health_or_lead(shared):
    assessment = shared.extra["assessment"]
    police_view = _answers_seen(shared.extra["officer"], assessment)
    assert "health-sexual-health-attendances" not in police_view
    assert police_view["restricted"].restricted
    assert "health-unexplained-injuries" in police_view  # not restricted
    assert "travel-county-lines" in police_view
    for viewer in (shared.extra["nurse"], shared.users["practitioner"]):
        seen = _answers_seen(viewer, assessment)
        assert seen["health-sexual-health-attendances"].evidence == NURSE_EVIDENCE


def test_restricted_evidence_is_not_on_the_police_officers_page_or_api(shared):
    assessment = shared.extra["assessment"]
    client = shared.client_for(shared.extra["officer"])
    page = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert page.status_code == 200
    assert NURSE_EVIDENCE not in page.text
    assert "A health-restricted item" in page.text
    assert "Stopped at Norwich station" in page.text
    api = client.get(f"/api/v1/assessments/{assessment.pk}")
    assert api.status_code == 200
    assert NURSE_EVIDENCE not in api.text
    lead_page = shared.client_for("practitioner").get(reverse("assessments:detail", args=[assessment.pk]))
    assert NURSE_EVIDENCE in lead_page.text


def test_young_persons_words_follow_the_records_access(shared):
    assessment = shared.extra["assessment"]
    words = "I just want to go back to school."
    assert (
        words
        in shared.client_for("practitioner").get(reverse("assessments:detail", args=[assessment.pk])).text
    )
    # Someone outside the network: the same 404 as a missing assessment, and not in the API either.
    outsider = shared.client_for(shared.breckland_worker)
    assert outsider.get(reverse("assessments:detail", args=[assessment.pk])).status_code == 404
    assert outsider.get(f"/api/v1/assessments/{assessment.pk}").status_code == 404
    listed = outsider.get(f"/api/v1/assessments/?person_id={shared.inside.pk}")
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert words not in listed.text


def test_api_lists_for_the_network_and_audits_once(shared):
    client = shared.client_for("practitioner")
    before = AuditEvent.objects.filter(action="assessment.list_viewed").count()
    response = client.get(f"/api/v1/assessments/?person_id={shared.inside.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["computed_level"]["code"] == "norfolk-high"
    assert AuditEvent.objects.filter(action="assessment.list_viewed").count() == before + 1


def test_contributor_loses_sight_when_agreed(shared):
    assessment = shared.extra["assessment"]
    officer = shared.extra["officer"]
    assert (
        shared.client_for(officer).get(reverse("assessments:detail", args=[assessment.pk])).status_code == 200
    )
    helpers.agree(shared, assessment, "norfolk-high")
    assert (
        shared.client_for(officer).get(reverse("assessments:detail", args=[assessment.pk])).status_code == 404
    )


def test_offered_health_restricted_indicator_stays_restricted(world):
    import datetime

    from harbour.assessments import services

    assessment = open_for(world)
    officer = helpers.police_officer(world)
    ask(world, assessment, officer)
    access.forget_cached_access(officer)
    services.indicator_offer(
        actor=None,
        person=world.inside,
        indicator_code="wellbeing-self-harm",
        source_app="missing",
        source_kind="return-interview",
        source_id="9",
        source_url="/missing/9/",
        observed_on=datetime.date(2026, 5, 3),
        evidence="Told the interviewer about cutting.",
    )
    police = selectors.offers_for(actor=officer, assessment=assessment)
    assert len(police) == 1
    assert police[0].restricted
    assert police[0].evidence == ""
    lead = selectors.offers_for(actor=world.users["practitioner"], assessment=assessment)
    assert lead[0].evidence == "Told the interviewer about cutting."


def test_lead_contribution_answers_count(world):
    assessment = open_for(world)
    answer(world.users["practitioner"], lead_contribution(assessment), yes("missing-repeat"))
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-medium"
