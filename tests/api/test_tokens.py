"""`harbour token create` and `revoke`: the token is shown once, stored as a hash, and audited."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from harbour.accounts.models import ApiToken
from harbour.accounts.tokens import api_token_create
from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain
from tests.api.conftest import PEOPLE


def _create(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", "create", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_a_working_token_once_and_stores_only_its_hash(world):
    raw, notes = _create("practitioner", "--name", "case system", "--days", "30")
    assert raw.startswith("hbr_")
    assert "\n" not in raw
    token = ApiToken.objects.get(user=world.users["practitioner"])
    assert token.name == "case system"
    assert token.token_hash == ApiToken.hash(raw)
    assert raw not in {token.token_hash, token.hint}
    assert raw.startswith(token.hint)
    assert raw not in notes
    assert token.hint in notes
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    response = Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_create_is_audited_without_the_token(world):
    raw, _ = _create("practitioner")
    event = AuditEvent.objects.get(action="token.created")
    assert event.detail["hint"] == raw[:12]
    assert event.detail["user"] == "practitioner"
    assert event.channel == "cli"
    assert raw not in json.dumps(event.detail)
    assert not list(verify_chain())


def test_create_defaults(world):
    _create("practitioner")
    token = ApiToken.objects.get()
    assert token.name == "cli"
    assert token.expires_at > timezone.now() + dt.timedelta(days=89)


def test_create_refuses_bad_input(world):
    with pytest.raises(CommandError, match="No user"):
        _create("nobody")
    with pytest.raises(CommandError, match="--days"):
        _create("practitioner", "--days", "0")
    with pytest.raises(CommandError, match="--days"):
        _create("practitioner", "--days", "lots")
    user = world.users["analyst"]
    user.is_active = False
    user.save()
    with pytest.raises(CommandError, match="not active"):
        _create("analyst")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("by", ["hint", "id", "raw"])
def test_revoke(world, by):
    raw, _ = _create("practitioner")
    token = ApiToken.objects.get()
    value = {"hint": token.hint, "id": str(token.pk), "raw": raw}[by]
    out = StringIO()
    call_command("token", "revoke", value, stdout=out)
    assert "Revoked" in out.getvalue()
    assert raw not in out.getvalue()
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.detail["hint"] == token.hint
    assert raw not in json.dumps(event.detail)
    assert Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    with pytest.raises(CommandError, match="already revoked"):
        call_command("token", "revoke", value)


def test_revoke_unknown(world):
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "hbr_nothing")


def test_revoke_ambiguous_hint_asks_for_the_id(world):
    user = world.users["practitioner"]
    for n in range(2):
        ApiToken.objects.create(user=user, name=f"t{n}", token_hash=str(n) * 64, hint="hbr_samehint")
    with pytest.raises(CommandError, match="id"):
        call_command("token", "revoke", "hbr_samehint")


def test_only_the_user_or_an_administrator_makes_tokens_in_the_service(world):
    practitioner = world.users["practitioner"]
    api_token_create(actor=practitioner, user=practitioner, name="mine", expires_at=None)
    api_token_create(
        actor=world.users["system-administrator"], user=practitioner, name="admin", expires_at=None
    )
    with pytest.raises(PermissionDenied):
        api_token_create(actor=world.users["team-manager"], user=practitioner, name="theirs", expires_at=None)
    assert ApiToken.objects.filter(user=practitioner).count() == 2
