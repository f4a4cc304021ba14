"""The missing pages as a user works them: record an episode, the return, the interview, the profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.assessments.models import OfferedIndicator
from harbour.audit.models import AuditEvent
from harbour.missing import services
from harbour.missing.models import MissingEpisode, MissingProfile, ReturnInterview
from tests.missing.helpers import record, record_return

pytestmark = pytest.mark.django_db


def _when(moment, prefix):
    local = timezone.localtime(moment)
    return {
        f"{prefix}_date_day": str(local.day),
        f"{prefix}_date_month": str(local.month),
        f"{prefix}_date_year": str(local.year),
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def test_lead_professional_records_an_episode_and_the_return(world):
    client = world.client_for("practitioner")
    page = client.get(reverse("missing:person", args=[world.inside.pk]))
    assert page.status_code == 200
    assert "Record a missing episode" in page.text
    started = timezone.now() - timedelta(hours=10)
    response = client.post(
        reverse("missing:episode_new", args=[world.inside.pk]),
        {"kind": "missing", "setting": "home", "risk_grade": "high", **_when(started, "started_at")},
    )
    episode = MissingEpisode.objects.get(person=world.inside)
    assert response.status_code == 302
    assert response.url == reverse("missing:episode", args=[episode.pk])
    assert episode.risk_grade.code == "high"
    assert episode.grade_changes.count() == 1
    returned = timezone.now() - timedelta(hours=1)
    response = client.post(
        reverse("missing:episode_return", args=[episode.pk]),
        {
            "version": episode.version,
            "found_place": "Train station",
            "found_town": "Norwich",
            **_when(returned, "ended_at"),
        },
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert response.url == reverse("missing:interview", args=[interview.pk])
    assert interview.team == world.breckland_team  # the one youth-services team
    page = client.get(reverse("missing:interview", args=[interview.pk]))
    assert "72 hours later, UK time" in page.text


def test_episode_form_errors_are_shown(world):
    client = world.client_for("practitioner")
    response = client.post(
        reverse("missing:episode_new", args=[world.inside.pk]), {"started_at_time": "25:99"}
    )
    assert response.status_code == 422
    text = response.text
    assert "Select whether they were missing or away without authorisation." in text
    assert "Select where they went missing from." in text
    assert "govuk-error-summary" in text
    assert "<title>Error: Record a missing episode " in text  # said once, by the base
    assert not MissingEpisode.objects.exists()


def test_future_start_is_refused(world):
    client = world.client_for("practitioner")
    response = client.post(
        reverse("missing:episode_new", args=[world.inside.pk]),
        {"kind": "missing", "setting": "home", **_when(timezone.now() + timedelta(days=2), "started_at")},
    )
    assert response.status_code == 422
    assert not MissingEpisode.objects.exists()


def test_youth_worker_does_the_interview_and_offers_indicators(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=3))
    worker = world.breckland_worker  # Breckland Youth Service: not in Jade's network
    client = world.client_for(worker)
    assert client.get(reverse("missing:interview", args=[interview.pk])).status_code == 404
    lead = world.client_for("practitioner")
    response = lead.post(
        reverse("missing:interview_assign", args=[interview.pk]),
        {"version": interview.version, "interviewer": worker.pk},
    )
    assert response.status_code == 302
    page = client.get(reverse("missing:interview", args=[interview.pk]))
    assert page.status_code == 200
    assert "Record the interview" in page.text
    interview.refresh_from_db()
    response = client.post(
        reverse("missing:interview_complete", args=[interview.pk]),
        {
            "version": interview.version,
            **_when(timezone.now() - timedelta(minutes=5), "completed_at"),
            "where_been": "A flat in Great Yarmouth",
            "who_with": "Older men she did not know",
            "factors": ["older-people", "money-gifts"],
            "indicator_codes": ["missing-found-out-of-area", "missing-unexplained-money-or-items"],
            "young_person_words": "They gave me a phone.",
        },
    )
    assert response.status_code == 302, response.text
    interview.refresh_from_db()
    assert interview.status == "completed"
    assert interview.interviewer == worker
    assert sorted(interview.factors.values_list("code", flat=True)) == ["money-gifts", "older-people"]
    offers = OfferedIndicator.objects.filter(person=world.inside, source_app="missing")
    assert sorted(o.indicator.code for o in offers) == [
        "missing-episode-recent",
        "missing-found-out-of-area",
        "missing-unexplained-money-or-items",
    ]
    from_interview = offers.get(indicator__code="missing-found-out-of-area")
    assert from_interview.source_kind == "return-interview"
    assert from_interview.source_id == str(interview.pk)
    assert "Great Yarmouth" in from_interview.evidence
    assert AuditEvent.objects.filter(action="return_interview.completed", actor_id=worker.pk).count() == 1
    page = client.get(reverse("missing:interview", args=[interview.pk]))
    assert "Offered to the joint exploitation risk assessment." in page.text


def test_the_social_worker_cannot_be_the_interviewer(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=3))
    client = world.client_for("practitioner")
    response = client.post(
        reverse("missing:interview_assign", args=[interview.pk]),
        {"version": interview.version, "interviewer": practitioner.pk},
    )
    # Not offered as a candidate (not in the interview team), and refused by the service too.
    assert response.status_code == 422
    interview.refresh_from_db()
    assert interview.interviewer is None


def test_profile_saved_and_downloaded_as_an_audited_one_page_pdf(world):
    client = world.client_for("practitioner")
    response = client.post(
        reverse("missing:profile", args=[world.inside.pk]),
        {"description": "Slim, about 160 cm, dyed red hair.", "places": "Chapelfield Gardens"},
    )
    assert response.status_code == 302
    profile = MissingProfile.objects.get(person=world.inside)
    response = client.get(reverse("missing:profile_pdf", args=[world.inside.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Jade" not in response["Content-Disposition"]  # the id only
    assert (
        AuditEvent.objects.filter(action="missing_profile.exported", object_id=str(profile.pk)).count() == 1
    )
    # A stale edit is refused, not overwritten.
    response = client.post(
        reverse("missing:profile", args=[world.inside.pk]),
        {"version": profile.version + 5, "description": "Changed"},
    )
    profile.refresh_from_db()
    assert profile.description.startswith("Slim")


def test_a_long_profile_still_fits_one_page(world):
    from harbour.missing.views import PROFILE_FIELDS, profile_document

    long_text = "\n".join(f"Line {n}: a place they go, with a long description of it." for n in range(60))
    profile = MissingProfile.objects.create(person=world.inside, **dict.fromkeys(PROFILE_FIELDS, long_text))
    for days in range(10):
        record(world.users["practitioner"], world.inside, timezone.now() - timedelta(days=40 + days * 35))
    assert len(profile_document(world.inside, profile).pages) == 1


def test_regrade_keeps_the_history(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(hours=5))
    client = world.client_for("practitioner")
    response = client.post(
        reverse("missing:episode_regrade", args=[episode.pk]),
        {"version": episode.version, "grade": "high", "reason": "Seen getting into a car with older men."},
    )
    assert response.status_code == 302
    assert [c.grade.code for c in episode.grade_changes.all()] == ["medium", "high"]


def test_a_third_episode_in_90_days_offers_repeat_missing(world):
    practitioner = world.users["practitioner"]
    for days in (80, 40):
        record(practitioner, world.inside, timezone.now() - timedelta(days=days))
    assert not OfferedIndicator.objects.filter(indicator__code="missing-repeat").exists()
    record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    record(practitioner, world.inside, timezone.now() - timedelta(hours=2))
    offer = OfferedIndicator.objects.get(indicator__code="missing-repeat", person=world.inside)
    assert offer.evidence.startswith("4 missing episodes")


def test_a_retired_indicator_does_not_stop_an_episode_being_recorded(world):
    from harbour.assessments.models import Indicator

    Indicator.objects.filter(code="missing-episode-recent").update(active=False)
    record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=2))
    assert MissingEpisode.objects.count() == 1
    assert not OfferedIndicator.objects.exists()


def test_the_offer_then_acceptance_are_recorded(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1))
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=6))
    interview = services.interview_assign(
        actor=practitioner,
        interview=interview,
        version=interview.version,
        interviewer_id=world.breckland_worker.pk,
    )
    client = world.client_for(world.breckland_worker)
    url = reverse("missing:interview_offer", args=[interview.pk])
    offered = timezone.now() - timedelta(hours=4)
    response = client.post(
        url, {"version": interview.version, "accepted": "no", **_when(offered, "offered_at")}
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.status == "offered"
    accepted = timezone.now() - timedelta(hours=2)
    response = client.post(
        url, {"version": interview.version, "accepted": "yes", **_when(accepted, "offered_at")}
    )
    interview.refresh_from_db()
    assert interview.status == "accepted"
    assert interview.offered_at == offered.replace(second=0, microsecond=0)
    assert interview.accepted_at == accepted.replace(second=0, microsecond=0)
    page = client.get(reverse("missing:interview", args=[interview.pk]))
    assert "Accepted, not yet held" in page.text


def test_an_old_profile_is_flagged_for_a_check(world):
    profile = MissingProfile.objects.create(person=world.inside, description="Tall.")
    client = world.client_for("practitioner")
    page = client.get(reverse("missing:person", args=[world.inside.pk]))
    assert "Not updated for more than 3 months" not in page.text
    MissingProfile.objects.filter(pk=profile.pk).update(updated_at=timezone.now() - timedelta(days=100))
    page = client.get(reverse("missing:person", args=[world.inside.pk]))
    assert "Not updated for more than 3 months" in page.text


def test_a_regrade_may_say_when_the_police_regraded_it(world):
    """The police often pass a re-grade on after the call: the page takes when it happened (now when
    left empty), and refuses a time before the episode started."""
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(hours=5))
    client = world.client_for("practitioner")
    url = reverse("missing:episode_regrade", args=[episode.pk])
    two_hours_ago = timezone.now() - timedelta(hours=2)
    response = client.post(
        url,
        {
            "version": episode.version,
            "grade": "high",
            "reason": "Seen getting into a car with older men.",
            **_when(two_hours_ago, "changed_at"),
        },
    )
    assert response.status_code == 302
    latest = episode.grade_changes.order_by("-changed_at").first()
    assert latest.grade.code == "high"
    assert abs(latest.changed_at - two_hours_ago) < timedelta(minutes=1)

    episode.refresh_from_db()
    response = client.post(
        url,
        {
            "version": episode.version,
            "grade": "low",
            "reason": "Found safe.",
            **_when(timezone.now() - timedelta(days=1), "changed_at"),
        },
    )
    assert response.status_code == 422
    assert "When it was re-graded must be after they went missing." in response.text
    assert episode.grade_changes.count() == 2
