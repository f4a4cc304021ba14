"""Helpers for API tests: tokens, JSON requests, and the error format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from harbour.accounts.models import User
from harbour.accounts.tokens import api_token_create

PEOPLE = "/api/v1/people/"
SEARCH = f"{PEOPLE}search"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The `world` fixture makes ten users; Argon2 makes that most of each test's time. No API test
    is about password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person_url(person: Any) -> str:
    return f"{PEOPLE}{person.pk}"


class Api:
    """A client that speaks JSON with a bearer token (or a session, when no user is given a token)."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, params or {}, **self.headers)

    def post(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(url, data=data, content_type="application/json", **self.headers)

    def patch(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.patch(url, data=data, content_type="application/json", **self.headers)

    def put(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.put(url, data=data, content_type="application/json", **self.headers)


def bearer_headers(user: User, name: str = "tests") -> dict[str, str]:
    _, raw = api_token_create(actor=None, user=user, name=name, expires_at=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def api_as(world: Any) -> Any:
    """``api_as("practitioner")`` or ``api_as(user)``: a token-authenticated JSON client."""

    def make(role_or_user: str | User) -> Api:
        user = world.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
        return Api(Client(), bearer_headers(user))

    return make


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is an error in the documented format; returns its ``error`` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    assert "Traceback" not in response.content.decode()
    if field is not None:
        assert field in error["fields"], error
        assert error["fields"][field]
    return error
