"""A missing trigger's rule is checked when it is saved, so a typo is refused rather than never firing."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from harbour.missing.models import MissingTrigger
from harbour.missing.trigger_rules import validate_rule


@pytest.mark.django_db
def test_the_shipped_triggers_are_valid(reference):
    triggers = list(MissingTrigger.objects.all())
    assert triggers
    for trigger in triggers:
        trigger.full_clean()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ([], "must be an object"),
        ({"kind": "episodes_in_windows"}, "'kind' must be one of"),
        ({"kind": "episodes_in_window", "count": 3}, "'days' must be a whole number"),
        ({"kind": "episodes_in_window", "count": "3", "days": 30}, "'count' must be a whole number"),
        ({"kind": "episodes_in_window", "count": 1, "days": 30}, "'count' must be from 2 to 50 (it is 1)"),
        ({"kind": "episodes_in_window", "count": 3, "days": 30, "notfy": "x"}, "does not use: notfy"),
        ({"kind": "out_of_area", "notify": "the-police"}, "'notify' must be one of"),
        ({"kind": "out_of_area", "action": "mace"}, "'action' must be empty or one of"),
    ],
)
def test_a_bad_rule_is_refused_with_what_is_wrong(rule, message):
    with pytest.raises(ValidationError) as refused:
        validate_rule(rule)
    assert any(message in text for text in refused.value.messages)


@pytest.mark.django_db
def test_an_administrator_cannot_save_a_trigger_with_a_bad_rule(world):
    administrator = world.users["system-administrator"]
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    client = world.client_for(administrator)
    form = {
        "code": "five-in-7-days",
        "label": "Five episodes in a week",
        "description": "",
        "active": "on",
        "sort_order": "4",
        "rule": json.dumps({"kind": "episodes_in_window", "count": 5, "days": "seven"}),
    }
    refused = client.post("/admin/missing/missingtrigger/add/", form)
    assert refused.status_code == 200
    assert "&#x27;days&#x27; must be a whole number" in refused.content.decode()
    assert not MissingTrigger.objects.filter(code="five-in-7-days").exists()
    form["rule"] = json.dumps({"kind": "episodes_in_window", "count": 5, "days": 7})
    assert client.post("/admin/missing/missingtrigger/add/", form).status_code == 302
    assert MissingTrigger.objects.get(code="five-in-7-days").rule["days"] == 7
