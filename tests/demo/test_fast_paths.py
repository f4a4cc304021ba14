"""The seed's fast paths write what the plain ones would: COPY against ``bulk_create``, and the
front door's incremental "referred before" pool against looking at every referral."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from harbour.assessments.models import OfferedIndicator
from harbour.audit.models import AuditEvent
from harbour.audit.services import verify_chain
from harbour.demo.education import seed_education
from harbour.demo.missing import seed_missing
from harbour.demo.referrals import _ReferredBefore, seed_referrals
from harbour.demo.seed import SeedOptions, seed_database
from harbour.demo.sinks import DatabaseSink
from harbour.education.models import EducationIndicatorOffer
from harbour.missing import triggers
from harbour.missing.models import MissingEpisode, MissingNotice, TriggerFiring

AS_OF = dt.date(2026, 3, 14)

Snapshot = dict[str, dict[str, list[Any]]]  # table -> column -> the column's values, row by row


def _columns(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, models.AutoField)  # numbered by a sequence, which a rollback keeps
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]


def _snapshot() -> Snapshot:
    found: Snapshot = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = _columns(model)
        rows = list(model._base_manager.values_list(*columns))
        found[model._meta.db_table] = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    return found


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _seed(copy: bool, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    monkeypatch.setattr(DatabaseSink, "copy_on_postgresql", copy)
    with _rolled_back():
        call_command("seed", scale=0.02, seed=5, as_of=AS_OF, stdout=io.StringIO())
        return _snapshot()


def _same_values(one: list[Any], other: list[Any]) -> bool:
    return sorted(map(repr, one)) == sorted(map(repr, other))


def _rows(snapshot: Snapshot, table: str, columns: list[str]) -> list[str]:
    values = snapshot[table]
    count = len(next(iter(values.values()), []))
    return sorted(repr(tuple(values[name][i] for name in columns)) for i in range(count))


@pytest.mark.postgres
def test_copy_writes_the_same_rows_as_bulk_create(reference: None, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is the PostgreSQL path; elsewhere the seed always uses bulk_create.")
    fast, again = _seed(True, monkeypatch), _seed(True, monkeypatch)
    generic = _seed(False, monkeypatch)

    # Columns that differ between two runs of the same path are not the seed's to decide (timestamps,
    # salted password hashes, random keys of rows that services write); every other column must agree.
    compared: dict[str, list[str]] = {
        table: [name for name, values in columns.items() if _same_values(values, again[table][name])]
        for table, columns in fast.items()
    }
    for table in fast:
        assert len(_rows(fast, table, [])) == len(_rows(generic, table, [])), table
        assert _rows(fast, table, compared[table]) == _rows(generic, table, compared[table]), table

    # ...and those are nearly everything, across every module the seed fills.
    for table in (
        "people_person",
        "people_address",
        "access_allocation",
        "frontdoor_referral",
        "frontdoor_referral_concern_types",
        "assessments_assessment",
        "assessments_answer",
        "education_attendancerecord",
        "education_exclusion",
        "missing_missingepisode",
        "missing_returninterview",
    ):
        assert _rows(fast, table, []), table
        assert set(compared[table]) == set(fast[table]), (table, set(fast[table]) - set(compared[table]))


def _naive_before(history: dict[Any, list[dt.datetime]], moment: dt.datetime) -> list[str]:
    return sorted(str(pid) for pid, times in history.items() if any(t < moment for t in times))


def test_referred_before_agrees_with_looking_at_every_referral() -> None:
    rng = random.Random(4)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    people = [f"person-{n:03d}" for n in range(60)]
    pool, history = _ReferredBefore(), {}
    # Mostly in order of time (as the front door's staff referrals are), then out of order (as its
    # public and contextual ones are), with repeated moments.
    moments = sorted(start + dt.timedelta(hours=rng.randint(0, 400)) for _ in range(150))
    moments += [start + dt.timedelta(hours=rng.randint(0, 400)) for _ in range(80)]
    for moment in moments:
        assert pool.before(moment) == _naive_before(history, moment)
        for person in rng.sample(people, rng.choice([1, 1, 2])):
            pool.add(person, moment)
            history.setdefault(person, []).append(moment)
    assert pool.ids == {str(p): p for p in history}


def _offers_written() -> tuple[Any, ...]:
    offers = sorted(
        OfferedIndicator.objects.values_list(
            "person_id",
            "indicator__code",
            "source_app",
            "source_kind",
            "source_id",
            "source_url",
            "observed_on",
            "evidence",
            "timeframe",
            "offered_by_id",
            "offered_by_agency_id",
            "withdrawn_at",
            "version",
        ),
        key=repr,
    )
    records = sorted(
        EducationIndicatorOffer.objects.values_list(
            "person_id", "indicator_code", "source_kind", "source_id", "observed_on", "evidence"
        ),
        key=repr,
    )
    # Young people in order of id either way; within one, two exclusions that started on the same day
    # may come either way round (they were written in the same instant).
    events = sorted(
        AuditEvent.objects.filter(action="indicator.offered").values_list(
            "action", "actor_id", "object_type", "person_id", "reason", "detail", "channel"
        ),
        key=repr,
    )
    linked = set(
        AuditEvent.objects.filter(action="indicator.offered").values_list("object_id", flat=True)
    ) == {str(pk) for pk in OfferedIndicator.objects.values_list("pk", flat=True)}
    return offers, records, events, linked, list(verify_chain())


def test_education_offers_in_bulk_what_refresh_for_offers_one_at_a_time(reference: None) -> None:
    options = SeedOptions(scale=0.1, seed=7, as_of=AS_OF)
    report = seed_database(options)
    seed_referrals(seed=options.seed, as_of=AS_OF, scale=options.scale, demo_users=report.demo_users)

    def offered(through_services: bool) -> tuple[int, tuple[Any, ...]]:
        with _rolled_back():
            stats = seed_education(
                seed=options.seed,
                as_of=AS_OF,
                demo_users=report.demo_users,
                through_services=through_services,
            )
            return stats.offered, _offers_written()

    in_bulk, one_at_a_time = offered(False), offered(True)
    assert in_bulk == one_at_a_time
    count, (offers, _, events, linked, problems) = in_bulk
    assert count == len(offers) == len(events) > 5
    assert len({row[1] for row in offers}) >= 3  # several kinds of indicator
    assert linked
    assert problems == []


def test_missing_evaluates_only_who_can_fire_and_misses_nobody(reference: None) -> None:
    options = SeedOptions(scale=0.1, seed=7, as_of=AS_OF)
    report = seed_database(options)
    stats = seed_missing(seed=options.seed, as_of=AS_OF, scale=options.scale, demo_users=report.demo_users)
    fired = TriggerFiring.objects.count()
    assert stats.triggers == fired > 0
    assert set(TriggerFiring.objects.values_list("trigger__code", flat=True)) >= {
        "three-in-30-days",
        "first-episode-in-care",
    }
    # Evaluating every young person with an episode, as the seed used to, fires nothing more.
    now = min(
        timezone.now(),
        dt.datetime.combine(AS_OF, dt.time(18, 0), tzinfo=ZoneInfo("Europe/London")).astimezone(dt.UTC),
    )
    people = set(MissingEpisode.objects.values_list("person_id", flat=True))
    assert len(people) > len(set(TriggerFiring.objects.values_list("person_id", flat=True)))
    assert sum(triggers.evaluate_person(person_id, now) for person_id in people) == 0
    assert TriggerFiring.objects.count() == fired


def _firings_written() -> tuple[Any, ...]:
    firings = sorted(
        TriggerFiring.objects.values_list(
            "trigger__code", "person_id", "condition_key", "episode_id", "fired_at", "action", "emailed_to"
        ),
        key=repr,
    )
    notices = sorted(
        MissingNotice.objects.values_list(
            "recipient_id",
            "person_id",
            "kind",
            "firing__trigger__code",
            "firing__condition_key",
            "interview_id",
            "summary",
            "sent_at",
            "emailed_at",
        ),
        key=repr,
    )
    events = sorted(
        AuditEvent.objects.filter(action="missing_trigger.fired").values_list(
            "action", "actor_id", "object_type", "person_id", "reason", "detail", "channel"
        ),
        key=repr,
    )
    linked = set(
        AuditEvent.objects.filter(action="missing_trigger.fired").values_list("object_id", flat=True)
    ) == {str(pk) for pk in TriggerFiring.objects.values_list("pk", flat=True)}
    return firings, notices, events, linked, list(verify_chain())


def test_missing_fires_in_bulk_what_evaluating_each_young_person_fires(
    reference: None, django_capture_on_commit_callbacks: Any
) -> None:
    options = SeedOptions(scale=0.1, seed=7, as_of=AS_OF)
    report = seed_database(options)

    def fired(through_services: bool) -> tuple[int, int, tuple[Any, ...]]:
        with _rolled_back():
            with django_capture_on_commit_callbacks() as emails:
                stats = seed_missing(
                    seed=options.seed,
                    as_of=AS_OF,
                    scale=options.scale,
                    demo_users=report.demo_users,
                    through_services=through_services,
                )
            return stats.triggers, len(emails), _firings_written()

    in_bulk, one_at_a_time = fired(False), fired(True)
    assert in_bulk == one_at_a_time
    count, emails, (firings, notices, events, linked, problems) = in_bulk
    assert count == len(firings) == len(events) > 5
    assert emails == len(notices) > 0  # one email queued per notice
    assert linked
    assert problems == []
