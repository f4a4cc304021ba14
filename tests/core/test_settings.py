"""Production refuses unsafe settings; /healthz answers for the app and its database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

STRONG_SECRET = "x" * 50
POSTGRES_URL = "postgres://harbour@127.0.0.1:5432/harbour"


def import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import harbour.settings in a fresh interpreter with only the given Harbour variables set."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HARBOUR_", "DJANGO_")) and key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    clean.update({"HARBOUR_HOME": str(tmp_path), **env})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import harbour.settings as s; print(s.HARBOUR_ENV, s.DEBUG, s.HARBOUR_DEMO_MODE, "
            "s.DATABASES['default']['ENGINE'])",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode != 0, f"production started with unsafe settings:\n{result.stdout}"
    assert "ImproperlyConfigured: Harbour will not start in production" in result.stderr, result.stderr
    assert reason in result.stderr, result.stderr


def test_production_refuses_the_default_secret_key(tmp_path):
    result = import_settings(tmp_path, HARBOUR_ENV="prod", DATABASE_URL=POSTGRES_URL)
    assert_refused(result, "SECRET_KEY is the default or shorter than 40 characters")


def test_production_refuses_a_short_secret_key(tmp_path):
    result = import_settings(tmp_path, HARBOUR_ENV="prod", SECRET_KEY="short", DATABASE_URL=POSTGRES_URL)
    assert_refused(result, "SECRET_KEY is the default or shorter than 40 characters")


def test_production_refuses_debug(tmp_path):
    result = import_settings(
        tmp_path, HARBOUR_ENV="prod", SECRET_KEY=STRONG_SECRET, DEBUG="1", DATABASE_URL=POSTGRES_URL
    )
    assert_refused(result, "DEBUG is on")


def test_production_refuses_sqlite_unless_allowed_knowingly(tmp_path):
    refused = import_settings(tmp_path, HARBOUR_ENV="prod", SECRET_KEY=STRONG_SECRET)
    assert_refused(refused, "the database is SQLite (set HARBOUR_ALLOW_SQLITE=1 to allow it knowingly)")

    allowed = import_settings(
        tmp_path, HARBOUR_ENV="prod", SECRET_KEY=STRONG_SECRET, HARBOUR_ALLOW_SQLITE="1"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.split() == ["prod", "False", "False", "django.db.backends.sqlite3"]


def test_production_lists_every_problem_at_once(tmp_path):
    result = import_settings(tmp_path, HARBOUR_ENV="prod", DEBUG="true")
    assert_refused(result, "SECRET_KEY is the default")
    assert "DEBUG is on" in result.stderr
    assert "the database is SQLite" in result.stderr


def test_production_starts_with_safe_settings_and_never_in_demo_mode(tmp_path):
    result = import_settings(
        tmp_path,
        HARBOUR_ENV="prod",
        SECRET_KEY=STRONG_SECRET,
        DATABASE_URL=POSTGRES_URL,
        HARBOUR_DEMO_MODE="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["prod", "False", "False", "django.db.backends.postgresql"]


def test_development_defaults_start_with_debug_off(tmp_path):
    # Debug pages list every URL and setting, so even a laptop demo has them off unless asked for.
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dev", "False", "False", "django.db.backends.sqlite3"]


def test_debug_is_on_only_when_asked_for(tmp_path):
    result = import_settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dev", "True", "False", "django.db.backends.sqlite3"]


def test_an_unknown_environment_name_is_refused(tmp_path):
    result = import_settings(tmp_path, HARBOUR_ENV="production")
    assert result.returncode != 0
    assert "HARBOUR_ENV must be dev, prod or test." in result.stderr


@pytest.mark.django_db
def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_an_unavailable_database(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("database is down")

    monkeypatch.setattr("harbour.core.views.connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_passwords_are_hashed_with_argon2_outside_tests():
    """The suite swaps in a fast hasher (tests/conftest.py); the settings themselves keep Argon2."""
    from harbour import settings as harbour_settings

    assert harbour_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
