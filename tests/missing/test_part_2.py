"""Part 2 of the Philomena Protocol: what is known while a young person is missing (where and with whom
they were last seen, what they wore, what happened before, what they took), recorded with the episode or
later, and printed with the profile for police while the episode is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.missing import services
from harbour.missing.inputs import ProfileInput
from harbour.missing.models import MissingEpisode
from harbour.missing.views import PROFILE_FIELDS
from tests.missing.helpers import record, record_return, save_profile
from tests.missing.test_profile_photo import phone_photo

pytestmark = pytest.mark.django_db

PART_2 = {
    "last_seen_place": "Norwich bus station, stand F",
    "last_seen_with": "Two older boys, one called Jay",
    "clothing": "Black puffer jacket, grey joggers, white trainers, small red backpack",
    "circumstances": "Argument with carer about her phone at about 19:00",
    "taken_with_them": "Phone (number on file), about 20 pounds, no medication",
}


def _profile(world):
    return save_profile(world.users["practitioner"], world.inside, places="Chapelfield Gardens")


def _pdf_text(person, profile) -> str:
    from harbour.missing.views import profile_document

    document = profile_document(person, profile)
    assert len(document.pages) == 1

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", ()):
            yield from texts(child)

    return " ".join(text for page in document.pages for text in texts(page._page_box))


def test_recorded_with_the_episode_through_the_api_and_read_back(world, api_as):
    api = api_as("practitioner")
    body = {
        "kind": "missing",
        "setting": "care",
        "started_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        **PART_2,
    }
    response = api.post(f"/api/v1/missing/people/{world.inside.pk}/episodes", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert {name: created[name] for name in PART_2} == PART_2
    too_long = api.post(
        f"/api/v1/missing/people/{world.inside.pk}/episodes", {**body, "last_seen_place": "x" * 201}
    )
    assert too_long.status_code == 422
    assert "last_seen_place" in too_long.text


def test_updated_while_missing_version_checked_and_audited_without_the_text(world):
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=2))
    client = world.client_for("practitioner")
    page = client.get(reverse("missing:episode", args=[episode.pk])).text
    assert "When they were last seen (Philomena Part 2)" in page
    url = reverse("missing:episode_report", args=[episode.pk])
    response = client.post(url, {"version": episode.version, **PART_2})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.clothing == PART_2["clothing"]
    event = AuditEvent.objects.get(action="missing_episode.report_updated")
    assert event.detail == {"fields": sorted(PART_2, key=list(PART_2).index)}
    assert "puffer" not in str(event.detail)
    # A colleague's later update is not overwritten by a stale page.
    stale = client.post(url, {"version": episode.version - 1, **PART_2, "clothing": "Blue coat"})
    assert stale.status_code == 302
    assert "Someone else saved this record" in client.get(stale["Location"]).text
    episode.refresh_from_db()
    assert episode.clothing == PART_2["clothing"]
    # Outside the network: nothing to see, nothing to change.
    outsider = world.client_for(world.breckland_worker)
    assert outsider.post(url, {"version": episode.version, "clothing": "x"}).status_code == 404


def test_the_pdf_while_missing_carries_part_2_and_after_the_return_does_not(world):
    profile = _profile(world)
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=2), **PART_2)
    text = _pdf_text(world.inside, profile)
    assert "Missing now" in text
    assert "NC-2026-0001" in text  # the police reference
    for value in PART_2.values():
        assert value in text
    record_return(world.users["practitioner"], episode, timezone.now() - timedelta(minutes=10))
    text = _pdf_text(world.inside, profile)
    assert "Missing now" not in text
    assert PART_2["clothing"] not in text


def test_everything_long_still_fits_one_page(world):
    long_text = "\n".join(
        f"Line {n}: a detail police may need, written out at some length." for n in range(40)
    )
    profile = _profile(world)
    services.profile_save(
        actor=world.users["practitioner"],
        person=world.inside,
        version=profile.version,
        data=ProfileInput(**dict.fromkeys(PROFILE_FIELDS, long_text)),
    )
    for days in range(6):
        record(world.users["practitioner"], world.inside, timezone.now() - timedelta(days=300 - days * 40))
        episode = MissingEpisode.objects.filter(person=world.inside).latest("started_at")
        record_return(world.users["practitioner"], episode, episode.started_at + timedelta(hours=5))
    record(
        world.users["practitioner"],
        world.inside,
        timezone.now() - timedelta(hours=1),
        last_seen_place="x" * 200,
        **dict.fromkeys(("last_seen_with", "clothing", "circumstances", "taken_with_them"), long_text),
    )
    profile.refresh_from_db()
    services.profile_photo_save(
        actor=world.users["practitioner"],
        person=world.inside,
        version=None,
        upload=phone_photo(),
        taken_on=timezone.localdate(),
    )
    text = _pdf_text(world.inside, profile)  # asserts one page, photo, profile and Part 2 on it
    assert "[continues in Harbour]" in text
    assert "Photo taken" in text
