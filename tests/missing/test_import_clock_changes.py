"""The police log's UK local times across the clock changes: a time that never happened is a bad row
with its line number and why; one that happened twice is read by the documented rule (docs/missing.md)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from harbour.missing import imports
from harbour.missing.models import MissingEpisode, PoliceLogImport

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")

HEADER = (
    "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,started_at,ended_at\n"
)


def _row(reference: str, started: str, ended: str = "") -> str:
    return f"{reference},Jade,Bishop,02/04/2011,NR3 1JE,M,home,{started},{ended}\n"


def _import(world, tmp_path, text):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    officer = world.users["front-door-officer"]
    call_command("missing_import", str(path), "--as", officer.username, stdout=out, stderr=err)
    return out.getvalue()


def test_a_time_in_the_hour_the_clocks_skip_is_a_bad_row_with_its_line(world, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER
        + _row("NC-1", "28/03/2026 22:00", "29/03/2026 00:59")  # line 2: fine, the minute before
        + _row("NC-2", "29/03/2026 01:30", "29/03/2026 03:00")  # line 3: 01:30 never happened
        + _row("NC-3", "28/03/2026 23:00", "2026-03-29 01:00")  # line 4: nor did 01:00
        + _row("NC-4", "29/03/2026 02:00", "29/03/2026 04:00"),  # line 5: 02:00 BST is 01:00 UTC
        encoding="utf-8",
    )
    err = io.StringIO()
    officer = world.users["front-door-officer"]
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("missing_import", str(path), "--as", officer.username, stdout=io.StringIO(), stderr=err)
    lines = [line for line in err.getvalue().splitlines() if line.startswith("line ")]
    assert lines == [
        "line 3: started_at: 29/03/2026 01:30 did not happen in UK time (the clocks went forward an hour): "
        "check the time, or give it with its offset (ISO 8601)",
        "line 4: ended_at: 29/03/2026 01:00 did not happen in UK time (the clocks went forward an hour): "
        "check the time, or give it with its offset (ISO 8601)",
    ]
    assert MissingEpisode.objects.count() == 0
    assert PoliceLogImport.objects.count() == 0


def test_a_time_that_happened_twice_is_read_as_the_first_unless_the_end_must_be_the_second(world, tmp_path):
    output = _import(
        world,
        tmp_path,
        _row("NC-1", "25/10/2026 01:30", "25/10/2026 09:00")  # the first 01:30: BST
        + _row("NC-2", "25/10/2026 01:40", "25/10/2026 01:20")  # an end twenty minutes later, GMT
        + _row("NC-3", "25/10/2026 01:10", "25/10/2026 01:50")  # both BST: forty minutes
        + _row("NC-4", "2026-10-25T01:30:00+00:00", "2026-10-25T03:00:00+00:00"),  # an offset: as given
    )
    assert "4 rows: 4 loaded" in output
    episodes = {e.police_reference: e for e in MissingEpisode.objects.all()}
    assert episodes["NC-1"].started_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert episodes["NC-2"].started_at == datetime(2026, 10, 25, 0, 40, tzinfo=UTC)
    assert episodes["NC-2"].ended_at == datetime(2026, 10, 25, 1, 20, tzinfo=UTC)
    assert episodes["NC-3"].started_at == datetime(2026, 10, 25, 0, 10, tzinfo=UTC)
    assert episodes["NC-3"].ended_at == datetime(2026, 10, 25, 0, 50, tzinfo=UTC)
    assert episodes["NC-4"].started_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_an_end_before_its_start_either_way_is_still_refused(world):
    codes = imports._Codes()
    raw = dict.fromkeys(imports.FIELDS, "")
    raw.update(
        police_reference="NC-1",
        first_name="Jade",
        last_name="Bishop",
        missing_from="home",
        started_at="25/10/2026 01:40",
        ended_at="25/10/2026 00:50",  # happens once, and before the start
    )
    result = imports.validate_row(7, raw, codes, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert isinstance(result, list)
    assert [(e.line, e.message) for e in result] == [(7, "ended_at is before started_at")]


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


# Any minute of a day the clocks change (most draws), or of any day.
CHANGE_DAYS = st.builds(
    lambda year, month, minute: (
        datetime.combine(_last_sunday(year, month), time()) + timedelta(minutes=minute)
    ),
    st.integers(2020, 2030),
    st.sampled_from([3, 10]),
    st.integers(0, 24 * 60 - 1),
)
ANY_DAY = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@given(st.one_of(CHANGE_DAYS, CHANGE_DAYS, CHANGE_DAYS, ANY_DAY))
def test_every_local_time_is_refused_or_read_back_as_itself(naive):
    """Any UK wall-clock time either never happened (refused: 01:00-01:59 on the last Sunday of March)
    or is an instant that reads back as that wall-clock time."""
    text = naive.strftime("%d/%m/%Y %H:%M")
    try:
        moment = imports.parse_datetime(text)
    except imports.LocalTimeError:
        assert (naive.date(), naive.hour) == (_last_sunday(naive.year, 3), 1)
        return
    assert (naive.date(), naive.hour) != (_last_sunday(naive.year, 3), 1)
    assert moment is not None
    assert moment.astimezone(LONDON).replace(tzinfo=None) == naive
