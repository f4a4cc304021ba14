"""The missing API's re-grade of an episode and the young person's Philomena profile, through the pages'
services, with the pages' permissions, optimistic locking and audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from harbour.access.models import AccessGrant
from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.missing import services
from harbour.missing.inputs import PROFILE_FIELDS, ProfileInput
from harbour.missing.models import MissingEpisode, MissingProfile, MissingProfilePhoto, RiskGradeChange
from tests.api.conftest import assert_error
from tests.missing.helpers import record, save_profile

pytestmark = pytest.mark.django_db


def ago(**delta: Any) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def _regrade_url(episode: MissingEpisode) -> str:
    return f"/api/v1/missing/episodes/{episode.pk}/regrades"


def _profile_url(person: Any) -> str:
    return f"/api/v1/missing/people/{person.pk}/profile"


def _granted_panel_chair(world: Any) -> Any:
    """The panel chair, given time-limited access to Jade's record: she sees it in full, but her role may
    not edit records (no `person.edit`)."""
    chair = world.users["panel-chair"]
    AccessGrant.objects.create(
        person=world.inside,
        grantee=chair,
        granted_by=world.users["team-manager"],
        reason="Chairing the MACE panel for this young person",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return chair


# --- re-grading an episode ------------------------------------------------------------------------------


def test_a_regrade_is_recorded_with_its_history_and_audited(world, api_as):
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=5))
    api = api_as("practitioner")
    body = {
        "version": episode.version,
        "risk_grade": "high",
        "reason": "Seen getting into a car with older men.",
    }
    response = api.post(_regrade_url(episode), body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["risk_grade"] == "high"
    assert answer["version"] == episode.version + 1
    grades = answer["risk_grades"]
    assert [grade["grade"] for grade in grades] == ["medium", "high"]
    assert grades[0]["reason"] == ""
    assert grades[1]["reason"] == "Seen getting into a car with older men."
    change = RiskGradeChange.objects.get(episode=episode, grade__code="high")
    assert change.recorded_by == world.users["practitioner"]
    # Audited as the page's re-grade (the service writes it), with codes only.
    event = AuditEvent.objects.get(action="missing_episode.regraded")
    assert event.object_id == str(episode.pk)
    assert event.person_id == world.inside.pk
    assert event.detail == {"from": "medium", "to": "high"}
    assert "car" not in str(event.detail)
    viewed = AuditEvent.objects.filter(action="missing_episode.viewed", object_id=str(episode.pk))
    assert {e.detail["purpose"] for e in viewed} == {"api.regrade", "api.regraded"}
    # The episode as read later carries the same history.
    again = api.get(f"/api/v1/missing/episodes/{episode.pk}").json()
    assert [grade["grade"] for grade in again["risk_grades"]] == ["medium", "high"]
    listed = api.get(f"/api/v1/missing/people/{world.inside.pk}/episodes").json()["items"][0]
    assert listed["risk_grades"] == again["risk_grades"]


def test_a_regrade_may_say_when_the_police_regraded(world, api_as):
    practitioner = world.users["practitioner"]
    episode = record(
        practitioner,
        world.inside,
        timezone.now() - timedelta(hours=6),
        reported_at=timezone.now() - timedelta(hours=5),
    )
    api = api_as("practitioner")
    body = {"version": episode.version, "risk_grade": "low", "reason": "Located at a friend's house, safe."}
    for when in (ago(hours=-2), ago(hours=7), ago(hours=5, minutes=30)):
        # In the future; before she went missing; before the episode's first grade (when it was reported).
        assert_error(
            api.post(_regrade_url(episode), {**body, "changed_at": when}),
            422,
            "validation_error",
            "changed_at",
        )
    assert_error(
        api.post(_regrade_url(episode), {**body, "changed_at": "2026-06-01T10:00:00"}),
        422,
        "validation_error",
        "changed_at",
    )
    response = api.post(_regrade_url(episode), {**body, "changed_at": ago(hours=1)})
    assert response.status_code == 200, response.content
    grades = response.json()["risk_grades"]
    assert [grade["grade"] for grade in grades] == ["medium", "low"]
    episode.refresh_from_db()
    change = episode.grade_changes.get(grade__code="low")
    assert abs(change.changed_at - (timezone.now() - timedelta(hours=1))) < timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="missing_episode.regraded").count() == 1


def test_regrade_refusals(world, api_as):
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=5))
    url = _regrade_url(episode)
    body = {"version": episode.version, "risk_grade": "high", "reason": "Phone switched off since 22:00."}
    api = api_as("practitioner")
    assert_error(api.post(url, {**body, "risk_grade": "extreme"}), 422, "validation_error", "risk_grade")
    assert_error(api.post(url, {**body, "risk_grade": ""}), 422, "validation_error", "risk_grade")
    assert_error(api.post(url, {**body, "reason": "   "}), 422, "validation_error", "reason")
    assert_error(
        api.post(url, {k: v for k, v in body.items() if k != "reason"}), 422, "validation_error", "reason"
    )
    assert_error(api.post(url, {**body, "grade": "high"}), 422, "validation_error", "grade")  # unknown field
    assert_error(api.post(url, {**body, "version": "1"}), 422, "validation_error", "version")
    stale = assert_error(api.post(url, {**body, "version": episode.version + 1}), 409, "conflict")
    assert stale["current_version"] == episode.version
    # Someone who does not see Jade in full: 404, as for an episode that does not exist.
    assert_error(api_as(world.breckland_worker).post(url, body), 404, "not_found")
    assert_error(api_as("analyst").post(url, body), 404, "not_found")
    assert_error(
        api.post("/api/v1/missing/episodes/00000000-0000-0000-0000-000000000000/regrades", body),
        404,
        "not_found",
    )
    # Sees her in full through a grant, but her role may not record: 403.
    assert_error(api_as(_granted_panel_chair(world)).post(url, body), 403, "permission_denied")
    episode.refresh_from_db()
    assert episode.risk_grade.code == "medium"
    assert not AuditEvent.objects.filter(action="missing_episode.regraded").exists()


def test_a_retried_regrade_is_not_recorded_twice(world, api_as):
    """A force's system that sends the same re-grade again (it did not see the answer) gets 409: the version
    it sent has moved on, and the episode's `risk_grades` show that its re-grade was recorded."""
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=5))
    api = api_as("practitioner")
    body = {"version": episode.version, "risk_grade": "high", "reason": "Phone switched off since 22:00."}
    assert api.post(_regrade_url(episode), body).status_code == 200
    assert_error(api.post(_regrade_url(episode), body), 409, "conflict")
    assert RiskGradeChange.objects.filter(episode=episode).count() == 2


# --- the Philomena profile ------------------------------------------------------------------------------


def _profile_body(version: int | None, **changes: str) -> dict[str, Any]:
    body: dict[str, Any] = dict.fromkeys(PROFILE_FIELDS, "")
    body.update(
        version=version,
        description="About 160 cm, slim, dyed red hair, a small scar above her left eyebrow.",
        places="Great Yarmouth seafront; the bus station in Norwich.",
        health="Asthma: carries a blue inhaler.",
    )
    body.update(changes)
    return body


def test_a_profile_is_started_read_and_changed(world, api_as):
    api = api_as("practitioner")
    url = _profile_url(world.inside)
    empty = api.get(url)
    assert empty.status_code == 200, empty.content
    assert empty.json()["version"] is None
    assert all(empty.json()[name] == "" for name in PROFILE_FIELDS)
    assert empty.json()["has_photo"] is False
    started = api.put(url, _profile_body(None))
    assert started.status_code == 200, started.content
    assert started.json()["version"] == 1
    assert started.json()["health"] == "Asthma: carries a blue inhaler."
    assert started.json()["updated_by"]
    profile = MissingProfile.objects.get(person=world.inside)
    assert profile.updated_by == world.users["practitioner"]
    read = api.get(url).json()
    assert read == started.json()
    changed = api.put(url, _profile_body(read["version"], associates="Older men who drive a grey Audi."))
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    profile.refresh_from_db()
    assert profile.associates == "Older men who drive a grey Audi."
    saved = AuditEvent.objects.filter(action="missing_profile.saved", object_id=str(profile.pk)).order_by(
        "id"
    )
    assert [event.detail for event in saved] == [{"created": True}, {"created": False}]
    assert all("Audi" not in str(event.detail) for event in saved)


def test_reading_the_profile_is_audited_as_the_page_read_is(world, api_as):
    save_profile(world.users["practitioner"], world.inside)
    before = AuditEvent.objects.filter(action="person.viewed", person_id=world.inside.pk).count()
    assert api_as("practitioner").get(_profile_url(world.inside)).status_code == 200
    viewed = AuditEvent.objects.filter(action="person.viewed", person_id=world.inside.pk).order_by("-id")
    assert viewed.count() == before + 1
    assert viewed[0].detail == {"level": "full", "purpose": "missing-profile"}
    # The page's read writes the same event.
    world.client_for("practitioner").get(f"/missing/people/{world.inside.pk}/profile/")
    assert viewed.first().detail == {"level": "full", "purpose": "missing-profile"}
    assert viewed.count() == before + 2


def test_the_photo_stays_out_of_the_api(world, api_as):
    profile = save_profile(world.users["practitioner"], world.inside)
    MissingProfilePhoto.objects.create(
        profile=profile,
        image=b"\xff\xd8\xff",
        width=1,
        height=1,
        taken_on=date(2026, 1, 5),
        added_by=world.users["practitioner"],
    )
    read = api_as("practitioner").get(_profile_url(world.inside)).json()
    assert read["has_photo"] is True
    assert not {"photo", "image"} & set(read)
    assert_error(
        api_as("practitioner").put(_profile_url(world.inside), {**_profile_body(1), "photo": "x"}),
        422,
        "validation_error",
        "photo",
    )


def test_profile_refusals(world, api_as):
    practitioner = world.users["practitioner"]
    profile = save_profile(practitioner, world.inside, health="Type 1 diabetes: insulin pen.")
    url = _profile_url(world.inside)
    api = api_as("practitioner")
    # Stale, or starting one that someone else started: 409 with the current version.
    assert (
        assert_error(api.put(url, _profile_body(profile.version + 1)), 409, "conflict")["current_version"]
        == 1
    )
    assert assert_error(api.put(url, _profile_body(None)), 409, "conflict")["current_version"] == 1
    # The whole profile is sent: a box left out is refused, not emptied.
    partial = {"version": 1, "description": "Tall."}
    assert_error(api.put(url, partial), 422, "validation_error", "health")
    assert_error(api.put(url, _profile_body(1, nickname="Jay")), 422, "validation_error", "nickname")
    assert_error(
        api.put(url, _profile_body(1, description="x" * 10_001)), 422, "validation_error", "description"
    )
    assert_error(
        api.put(url, dict.fromkeys(PROFILE_FIELDS, "") | {"version": 1}),
        422,
        "validation_error",
        "description",
    )
    assert_error(
        api.put(url, _profile_body(1, description="Tall\x00")), 422, "validation_error", "description"
    )
    assert_error(api.patch(url, {"version": 1, "description": "Tall."}), 405, "method_not_allowed")
    # Not seen in full: 404 for reading and writing, as for someone unknown.
    for outsider in (world.breckland_worker, world.users["analyst"], world.users["front-door-officer"]):
        assert_error(api_as(outsider).get(url), 404, "not_found")
        assert_error(api_as(outsider).put(url, _profile_body(1)), 404, "not_found")
    assert_error(
        api.get("/api/v1/missing/people/00000000-0000-0000-0000-000000000000/profile"), 404, "not_found"
    )
    # Seen in full through a grant: the profile reads as the PDF gives it, but her role may not change it.
    chair = api_as(_granted_panel_chair(world))
    read = chair.get(url)
    assert read.status_code == 200, read.content
    assert read.json()["health"] == "Type 1 diabetes: insulin pen."
    assert_error(chair.put(url, _profile_body(1)), 403, "permission_denied")
    profile.refresh_from_db()
    assert profile.version == 1
    assert profile.health == "Type 1 diabetes: insulin pen."
    assert AuditEvent.objects.filter(action="missing_profile.saved").count() == 1


def test_two_first_profiles_at_once_are_a_conflict_not_an_error(world, monkeypatch):
    """Two systems start the profile at the same moment: the second insert finds the first (the unique
    person) and is refused as stale, leaving the first as it was."""
    practitioner = world.users["practitioner"]
    first = save_profile(practitioner, world.inside, description="Slim, short dark hair.")
    real_filter = MissingProfile.objects.filter
    looked_up = []

    def filter_before_the_first_committed(*args: Any, **kwargs: Any) -> Any:
        # The second save's look-up ran before the first save committed: it found no profile.
        looked_up.append(kwargs)
        return MissingProfile.objects.none() if len(looked_up) == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(MissingProfile.objects, "filter", filter_before_the_first_committed)
    with pytest.raises(ConflictError) as refused:
        services.profile_save(
            actor=practitioner, person=world.inside, version=None, data=ProfileInput(description="Tall.")
        )
    assert refused.value.current_version == first.version
    monkeypatch.undo()
    first.refresh_from_db()
    assert first.description == "Slim, short dark hair."
    assert MissingProfile.objects.filter(person=world.inside).count() == 1
