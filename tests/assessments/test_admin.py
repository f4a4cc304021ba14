"""An administrator adds a new screening tool version in the Django admin: no code, the rule checked."""

from __future__ import annotations

import json

import pytest

from harbour.assessments.models import ScreeningTool, ScreeningToolVersion

pytestmark = pytest.mark.django_db

URL = "/admin/assessments/screeningtoolversion/add/"


@pytest.fixture
def admin_client(world):
    administrator = world.users["system-administrator"]
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    return world.client_for(administrator)


def _form(rule, code="norfolk-screening-2026"):
    return {
        "code": code,
        "label": "Norfolk-style screening 2026",
        "description": "",
        "active": "on",
        "sort_order": "3",
        "tool": str(ScreeningTool.objects.get(code="norfolk-screening").pk),
        "version": "2026",
        "effective_from": "2026-04-01",
        "rule": json.dumps(rule),
    }


def test_administrator_adds_a_version_and_a_bad_rule_is_refused(admin_client):
    assert admin_client.get(URL).status_code == 200
    current = ScreeningToolVersion.objects.get(code="norfolk-screening-2024").rule
    bad = {**current, "indicators": {**current["indicators"], "no-such-indicator": "norfolk-high"}}
    refused = admin_client.post(URL, _form(bad))
    assert refused.status_code == 200
    assert "Unknown indicators: no-such-indicator." in refused.content.decode()
    assert not ScreeningToolVersion.objects.filter(code="norfolk-screening-2026").exists()
    added = admin_client.post(URL, _form({**current, "count_timeframes": ["current", "6-12-months"]}))
    assert added.status_code == 302
    assert ScreeningToolVersion.objects.get(code="norfolk-screening-2026").rule["count_timeframes"] == [
        "current",
        "6-12-months",
    ]


def test_a_rule_in_use_cannot_be_changed_in_the_admin(admin_client, world):
    from tests.assessments.helpers import open_for

    open_for(world)
    version = ScreeningToolVersion.objects.get(code="norfolk-screening-2024")
    changed = {**version.rule, "count_timeframes": ["current", "6-12-months"]}
    form = _form(changed, code=version.code) | {"version": version.version, "label": version.label}
    response = admin_client.post(f"/admin/assessments/screeningtoolversion/{version.pk}/change/", form)
    assert response.status_code == 200
    assert "its rule cannot change" in response.content.decode()
    version.refresh_from_db()
    assert version.rule["count_timeframes"] == ["current"]
