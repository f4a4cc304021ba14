"""The missing episodes API: list, record and read, through the young person's access rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.missing.models import MissingEpisode
from tests.api.conftest import assert_error
from tests.missing.helpers import record, record_return

pytestmark = pytest.mark.django_db


def _body(**changes):
    body = {
        "kind": "missing",
        "setting": "care",
        "started_at": (timezone.now() - timedelta(hours=6)).isoformat(),
        "police_reference": "NC-55",
        "risk_grade": "high",
    }
    body.update(changes)
    return body


def test_record_list_and_read(world, api_as):
    api = api_as("practitioner")
    url = f"/api/v1/missing/people/{world.inside.pk}/episodes"
    response = api.post(url, _body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["risk_grade"] == "high"
    assert created["interview"] is None
    episode = MissingEpisode.objects.get(pk=created["id"])
    record_return(world.users["practitioner"], episode, timezone.now() - timedelta(hours=1))
    listing = api.get(url).json()
    assert listing["count"] == 1
    assert listing["items"][0]["id"] == created["id"]
    one = api.get(f"/api/v1/missing/episodes/{episode.pk}").json()
    interview = one["interview"]
    assert interview["status"] == "to-offer"
    assert interview["within_72_hours"] is None
    assert interview["due_at"].endswith("Z") or interview["due_at"].endswith("+00:00")


def test_validation_errors_use_the_error_format(world, api_as):
    api = api_as("practitioner")
    url = f"/api/v1/missing/people/{world.inside.pk}/episodes"
    assert_error(api.post(url, _body(kind="vanished")), 422, "validation_error", "kind")
    assert_error(api.post(url, _body(started_at="2026-06-01T10:00:00")), 422, "validation_error")
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert_error(api.post(url, _body(started_at=future)), 422, "validation_error", "started_at")
    assert not MissingEpisode.objects.exists()


def test_outsiders_get_404(world, api_as):
    episode = record(world.users["practitioner"], world.inside, timezone.now() - timedelta(hours=3))
    api = api_as(world.breckland_worker)
    assert_error(api.get(f"/api/v1/missing/people/{world.inside.pk}/episodes"), 404, "not_found")
    assert_error(api.get(f"/api/v1/missing/episodes/{episode.pk}"), 404, "not_found")
    assert_error(api.post(f"/api/v1/missing/people/{world.inside.pk}/episodes", _body()), 404, "not_found")
