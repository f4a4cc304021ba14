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
    assert (
        "-m gunicorn harbour.wsgi:application --config python:harbour.core.gunicorn_conf "
        "--bind 127.0.0.1:8000 --workers 3"
    ) in command
    assert "--access-logfile" not in command

    out = io.StringIO()
    call_command("serve", dry_run=True, bind="unix:/run/harbour.sock", access_log=True, stdout=out)
    assert "--bind unix:/run/harbour.sock" in out.getvalue()
    assert "--access-logfile -" in out.getvalue()


def test_serve_loads_warms_and_freezes_in_the_master_then_serves(tmp_path: Any) -> None:
    """A real gunicorn, as `harbour serve` runs it: the master loads the application, compiles the
    templates and freezes the objects out of garbage collection before its worker serves a request."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from harbour.core.management.commands.serve import gunicorn_argv

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "harbour.settings"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    subprocess.run(  # the worker's database, which the master never opens
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v", "0"], env=env, check=True
    )
    argv = gunicorn_argv(bind=f"127.0.0.1:{port}", workers=1, timeout=30, access_log=False)
    server = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        log = ""
        deadline = time.monotonic() + 60
        while "Booting worker" not in log and time.monotonic() < deadline:
            line = server.stderr.readline() if server.stderr else ""
            if not line and server.poll() is not None:
                break
            log += line
        assert "Harbour warmed:" in log, log
        frozen = int(log.split("Harbour warmed: ")[1].split(" ")[0])
        assert frozen > 50_000  # Django, the apps, the URL patterns and the templates
        assert log.index("Harbour warmed:") < log.index("Booting worker")  # before the fork
        try:
            answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"/healthz answered {error.code}: {server.stderr}") from error
        assert answer.status == 200  # the worker reaches the database on its own connection
    finally:
        server.terminate()
        server.wait(timeout=30)


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
