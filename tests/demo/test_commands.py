"""`harbour demo` and `harbour serve`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from harbour.core.management.commands.demo import database_problem
from harbour.demo.constants import DEFAULT_DEMO_PASSWORD
from harbour.people.models import Person


def test_serve_runs_gunicorn_on_localhost_by_default() -> None:
    out = io.StringIO()
    call_command("serve", dry_run=True, workers=3, stdout=out)
    command = out.getvalue()
    assert "-m gunicorn harbour.wsgi:application --bind 127.0.0.1:8000 --workers 3" in command
    assert "--access-logfile" not in command

    out = io.StringIO()
    call_command("serve", dry_run=True, bind="unix:/run/harbour.sock", access_log=True, stdout=out)
    assert "--bind unix:/run/harbour.sock" in out.getvalue()
    assert "--access-logfile -" in out.getvalue()


def test_demo_refuses_a_database_it_was_not_given(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_problem() is not None  # the test database is not under ./var/
    with pytest.raises(CommandError, match=r"under \./var/"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never runs in production"):
        call_command("demo", no_serve=True, stdout=io.StringIO())


@pytest.mark.django_db
def test_demo_sets_up_seeds_once_and_prints_the_logins(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", "chosen-explicitly")
    monkeypatch.delenv("HARBOUR_DEMO_MODE", raising=False)
    settings.HARBOUR_DEMO_MODE = False

    out = io.StringIO()
    call_command("demo", scale=0.02, seed=4, no_serve=True, stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "young people" in text
    assert "demo-practitioner" in text
    assert DEFAULT_DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000/" in text
    assert settings.HARBOUR_DEMO_MODE is True
    people = Person.objects.count()
    assert people > 40

    out = io.StringIO()
    call_command("demo", scale=0.02, seed=4, no_serve=True, port=8123, stdout=out, stderr=io.StringIO())
    assert "Keeping the existing data" in out.getvalue()
    assert "http://127.0.0.1:8123/" in out.getvalue()
    assert Person.objects.count() == people
