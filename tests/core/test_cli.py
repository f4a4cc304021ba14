"""The `harbour` command's own choices before Django starts (the rest is Django's command line)."""

from __future__ import annotations

import pytest

from harbour import cli


@pytest.fixture
def no_execute(monkeypatch):
    ran: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", ran.append)
    return ran


def test_the_demo_runs_background_tasks_in_the_request(monkeypatch, no_execute):
    """No worker runs beside the demo's server: without this an uploaded list would wait for ever."""
    # setenv first, so that the variables the command sets are removed again after the test.
    for name in ("HARBOUR_TASK_BACKEND", "HARBOUR_DEMO_MODE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    cli.main(["demo", "--no-serve"])
    assert no_execute == [["harbour", "demo", "--no-serve"]]
    import os

    assert os.environ["HARBOUR_TASK_BACKEND"] == cli.DEMO_TASK_BACKEND
    assert os.environ["HARBOUR_DEMO_MODE"] == "1"


def test_a_backend_chosen_for_the_demo_is_kept_and_other_commands_leave_it_alone(monkeypatch, no_execute):
    monkeypatch.setenv("HARBOUR_DEMO_MODE", "")
    monkeypatch.setenv("HARBOUR_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
    cli.main(["demo", "--no-serve"])
    import os

    assert os.environ["HARBOUR_TASK_BACKEND"] == "django_tasks_db.DatabaseBackend"
    monkeypatch.delenv("HARBOUR_TASK_BACKEND")
    cli.main(["worker"])
    assert no_execute[-1] == ["harbour", "db_worker"]
    assert "HARBOUR_TASK_BACKEND" not in os.environ
