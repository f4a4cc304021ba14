"""Who may call the API: tokens for machines, MFA-verified sessions (with CSRF) for the browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from django.test import Client
from django.utils import timezone

from harbour.accounts.models import ApiToken
from harbour.accounts.tokens import api_token_create, api_token_revoke
from tests import factories
from tests.api.conftest import PEOPLE, assert_error


def _token(user: Any, **kwargs: Any) -> tuple[ApiToken, str]:
    return api_token_create(actor=None, user=user, name="tests", expires_at=kwargs.get("expires_at"))


def test_token_authenticates(world):
    _, raw = _token(world.users["practitioner"])
    response = Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert [item["first_name"] for item in response.json()["items"]] == ["Jade"]


def test_no_credentials_is_unauthorised(world):
    response = Client().get(PEOPLE)
    assert_error(response, 401, "unauthorised")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Client().post(PEOPLE, data="{}", content_type="application/json").status_code == 401


def test_unknown_token_is_unauthorised(world):
    for value in ("Bearer hbr_not-a-real-token", "Bearer something-else", "Bearer "):
        response = Client().get(PEOPLE, HTTP_AUTHORIZATION=value)
        assert_error(response, 401, "unauthorised")


def test_revoked_token_is_unauthorised(world):
    token, raw = _token(world.users["practitioner"])
    api_token_revoke(actor=None, token=token)
    response = Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    error = assert_error(response, 401, "unauthorised")
    assert raw not in error["message"]


def test_expired_token_is_unauthorised(world):
    token, raw = _token(world.users["practitioner"], expires_at=timezone.now() + dt.timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_error(response, 401, "unauthorised")


def test_token_of_inactive_user_is_unauthorised(world):
    user = world.users["practitioner"]
    _, raw = _token(user)
    user.is_active = False
    user.save()
    response = Client().get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_error(response, 401, "unauthorised")


def test_invalid_token_does_not_fall_back_to_the_session(world):
    client = world.client_for("practitioner")
    response = client.get(PEOPLE, HTTP_AUTHORIZATION="Bearer hbr_wrong")
    assert_error(response, 401, "unauthorised")


def test_last_used_is_written_at_most_once_a_minute(world):
    token, raw = _token(world.users["practitioner"])
    client = Client()
    client.get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(PEOPLE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_session_with_mfa_works(world):
    response = world.client_for("practitioner").get(PEOPLE)
    assert response.status_code == 200


def test_session_without_mfa_is_refused(world):
    user = factories.make_user("no_mfa", role="practitioner", team=world.norwich_team, mfa=False)
    client = Client()
    client.force_login(user)
    error = assert_error(client.get(PEOPLE), 403, "permission_denied")
    assert "two-step verification" in error["message"]
    assert_error(client.get(f"{PEOPLE}{world.inside.pk}"), 403, "permission_denied")


def test_session_needs_csrf_for_unsafe_methods(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["practitioner"])
    body = '{"first_name": "Kayden", "last_name": "Okafor"}'
    refused = client.post(PEOPLE, data=body, content_type="application/json")
    assert_error(refused, 403, "permission_denied")
    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    accepted = client.post(PEOPLE, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content
    # Reads need no CSRF token.
    assert client.get(PEOPLE).status_code == 200


def test_token_requests_need_no_csrf(world):
    _, raw = _token(world.users["practitioner"])
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        PEOPLE,
        data='{"first_name": "Kayden", "last_name": "Okafor"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
