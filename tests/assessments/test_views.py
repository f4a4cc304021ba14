"""The pages, as a lead professional and a contributor use them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.assessments.models import Assessment
from harbour.ui.queues import fill, queues_for
from tests.assessments import helpers
from tests.assessments.helpers import answer, lead_contribution, open_for, record_words, yes

pytestmark = pytest.mark.django_db


def _queue(actor, code):
    queue = next(q for q in queues_for(actor) if q.code == code)
    return fill(queue, actor).items


def test_lead_journey_through_the_pages(world):
    client = world.client_for("practitioner")
    person_page = client.get(reverse("assessments:person", args=[world.inside.pk]))
    assert person_page.status_code == 200
    assert "Open an assessment" in person_page.text
    page = client.get(reverse("assessments:new", args=[world.inside.pk]))
    assert page.status_code == 200
    refused = client.post(reverse("assessments:new", args=[world.inside.pk]), {})
    assert refused.status_code == 422
    assert "Select a screening tool." in refused.text
    opened = client.post(
        reverse("assessments:new", args=[world.inside.pk]), {"tool_version": "norfolk-screening-2024"}
    )
    assessment = Assessment.objects.get(person=world.inside)
    assert opened.status_code == 302
    contribution_url = reverse("assessments:contribution", args=[assessment.pk])
    form = client.get(contribution_url)
    assert form.status_code == 200
    assert "Relationships and peers" in form.text
    missing_evidence = client.post(
        contribution_url, {"version": 1, "value-missing-repeat": "yes", "timeframe-missing-repeat": "current"}
    )
    assert missing_evidence.status_code == 422
    assert "Give the evidence for a yes." in missing_evidence.text
    saved = client.post(
        contribution_url,
        {
            "version": 1,
            "value-missing-repeat": "yes",
            "timeframe-missing-repeat": "current",
            "evidence-missing-repeat": "Four episodes since March.",
            "value-money-debt": "not-known",
        },
    )
    assert saved.status_code == 302
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-medium"
    agree_url = reverse("assessments:agree", args=[assessment.pk])
    no_words = client.post(
        agree_url,
        {
            "version": assessment.version,
            "agreed_level": "norfolk-medium",
            "rationale": "Agreed at the meeting.",
        },
    )
    assert no_words.status_code == 422
    assert "young person&#x27;s own words" in no_words.text
    sections = client.post(
        reverse("assessments:sections", args=[assessment.pk]),
        {
            "version": assessment.version,
            "young_person_words": "",
            "words_missing_reason": "Declined to meet.",
        },
    )
    assert sections.status_code == 302
    assessment.refresh_from_db()
    agreed = client.post(
        agree_url,
        {
            "version": assessment.version,
            "agreed_level": "norfolk-medium",
            "rationale": "Agreed at the meeting.",
            "exploitation_types": ["county-lines"],
        },
    )
    assert agreed.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.AGREED
    detail = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert "Start the review" in detail.text
    history = client.get(reverse("assessments:person", args=[world.inside.pk]))
    assert "<svg" in history.text
    assert "Medium risk" in history.text


def test_stale_agree_is_a_conflict(world):
    assessment = open_for(world)
    record_words(world, assessment)
    client = world.client_for("practitioner")
    response = client.post(
        reverse("assessments:agree", args=[assessment.pk]),
        {"version": 1, "agreed_level": "norfolk-no-risk", "rationale": "Nothing found."},
    )
    assert response.status_code == 409
    assert "Someone else changed this assessment" in response.text
    # What they typed is kept, with the current version, so sending again works.
    assert "Nothing found." in response.text
    assessment.refresh_from_db()
    assert f'name="version" value="{assessment.version}"' in response.text


def test_contributor_is_asked_through_the_page_and_sees_it_in_their_queue(world):
    officer = helpers.police_officer(world)
    assessment = open_for(world)
    client = world.client_for("practitioner")
    response = client.post(
        reverse("assessments:request", args=[assessment.pk]), {"contributor": str(officer.pk)}
    )
    assert response.status_code == 302
    items = _queue(officer, "assessments-waiting")
    assert [item.url for item in items] == [reverse("assessments:detail", args=[assessment.pk])]
    # The lead sees their agreement waiting.
    assert any(item.tag == "Agreement" for item in _queue(world.users["practitioner"], "assessments-waiting"))
    # A non-lead cannot ask others or agree.
    officer_client = world.client_for(officer)
    assert officer_client.post(reverse("assessments:agree", args=[assessment.pk]), {}).status_code == 403


def test_manager_sees_team_queue_and_reviews_due(world):
    assessment = open_for(world)
    record_words(world, assessment)
    helpers.agree(world, assessment, "norfolk-no-risk")
    Assessment.objects.filter(pk=assessment.pk).update(
        next_review_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    manager = world.users["team-manager"]
    due = _queue(manager, "assessments-reviews-due")
    assert [item.tag for item in due] == ["Due soon"]
    lead_due = _queue(world.users["practitioner"], "assessments-reviews-due")
    assert len(lead_due) == 1
    # Not due: not listed.
    Assessment.objects.filter(pk=assessment.pk).update(
        next_review_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    assert _queue(manager, "assessments-reviews-due") == []


def test_outsider_gets_404_on_every_page(world):
    assessment = open_for(world)
    client = world.client_for(world.breckland_worker)
    for url in (
        reverse("assessments:person", args=[world.inside.pk]),
        reverse("assessments:new", args=[world.inside.pk]),
        reverse("assessments:detail", args=[assessment.pk]),
        reverse("assessments:contribution", args=[assessment.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_movement_report_counts_escalations_for_partnership_leaders(world, settings):
    first = open_for(world)
    answer(world.users["practitioner"], lead_contribution(first), yes("missing-repeat"))
    record_words(world, first)
    helpers.agree(world, first, "norfolk-medium")
    second = open_for(world)
    answer(world.users["practitioner"], lead_contribution(second), yes("travel-county-lines"))
    record_words(world, second)
    helpers.agree(world, second, "norfolk-high")
    assert world.client_for("practitioner").get(reverse("assessments:movement")).status_code == 404
    page = world.client_for("partnership-leader").get(reverse("assessments:movement"))
    assert page.status_code == 200
    assert "Jade" not in page.text
    assert '<td class="govuk-table__cell">Escalated</td>' in page.text
    # One review in the whole partnership: too few to show.
    assert "fewer than 5" in page.text
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0
    shown = world.client_for("partnership-leader").get(reverse("assessments:movement"))
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in shown.text


def test_referral_decided_for_screening_links_to_opening(world):
    from harbour.frontdoor import services as frontdoor
    from tests.frontdoor.helpers import about, submit

    referral = submit(world.users["practitioner"], about(world.inside))
    officer = world.users["front-door-officer"]
    referral.refresh_from_db()
    frontdoor.referral_decide(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        decision_type="joint-exploitation-screening",
        rationale="Repeated missing episodes and travel to Great Yarmouth.",
    )
    page = world.client_for(officer).get(reverse("frontdoor:referral", args=[referral.pk]))
    link = f"{reverse('assessments:new', args=[world.inside.pk])}?referral={referral.pk}"
    assert link in page.text
    opened = world.client_for(officer).post(
        reverse("assessments:new", args=[world.inside.pk]),
        {"tool_version": "norfolk-screening-2024", "referral": str(referral.pk)},
    )
    assert opened.status_code == 302
    assert Assessment.objects.get(person=world.inside).opened_from_id == referral.pk


def test_manager_sees_their_team_members_assessments_waiting(world):
    open_for(world)
    items = _queue(world.users["team-manager"], "assessments-waiting")
    assert [item.tag for item in items] == ["Agreement"]
    assert "Agreement from" in items[0].meta[0]
    # Someone outside the team sees nothing of it.
    assert _queue(world.breckland_worker, "assessments-waiting") == []
