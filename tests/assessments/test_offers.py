"""The offers contract other modules use (see /tmp/hb/offers-contract.md and docs/assessments.md)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from harbour.assessments import selectors, services
from harbour.assessments.models import OfferedIndicator
from harbour.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CONTRACT_CODES = [
    "missing-episode-recent",
    "missing-repeat",
    "missing-found-out-of-area",
    "missing-returned-with-injury-or-intoxicated",
    "missing-unexplained-money-or-items",
    "education-permanent-exclusion-12m",
    "education-suspension-12m",
    "education-attendance-below-90",
    "education-missing-education",
    "education-part-time-timetable",
    "education-alternative-provision",
    "education-home-educated",
]


def test_catalogue_holds_every_code_the_contract_promises(reference):
    codes = {choice.code for choice in selectors.indicator_choices()}
    assert set(CONTRACT_CODES) <= codes
    categories = {choice.category_code for choice in selectors.indicator_choices()}
    assert categories == {
        "background", "whereabouts", "education", "relationships", "online", "money",
        "substances", "health", "wellbeing", "offending", "travel",
    }  # fmt: skip


def _offer(world, **changes):
    values = {
        "actor": world.users["practitioner"],
        "person": world.inside,
        "indicator_code": "missing-repeat",
        "source_app": "missing",
        "source_kind": "return-interview",
        "source_id": "42",
        "source_url": "/missing/episodes/42/",
        "observed_on": datetime.date(2026, 5, 3),
        "evidence": "Third episode in six weeks.",
    }
    values.update(changes)
    return services.indicator_offer(**values)


def test_offer_is_idempotent_per_source_and_audited(world):
    first = _offer(world)
    again = _offer(world, evidence="Fourth episode.", observed_on=datetime.date(2026, 5, 10))
    assert first.pk == again.pk
    assert OfferedIndicator.objects.count() == 1
    again.refresh_from_db()
    assert again.evidence == "Fourth episode."
    events = AuditEvent.objects.filter(action="indicator.offered", person_id=world.inside.pk)
    assert events.count() == 2
    assert "Fourth" not in str(events.last().detail)


def test_system_offer_without_actor_and_withdraw_is_idempotent(world):
    offer = _offer(world, actor=None, indicator_code="education-attendance-below-90", source_app="education")
    assert offer.offered_by is None
    for _ in range(2):
        services.indicator_offer_withdraw(
            actor=None,
            source_app="education",
            source_kind="return-interview",
            source_id="42",
            indicator_code="education-attendance-below-90",
        )
    offer.refresh_from_db()
    assert offer.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="indicator.offer_withdrawn").count() == 1
    # Offering again brings it back.
    assert (
        _offer(
            world, actor=None, indicator_code="education-attendance-below-90", source_app="education"
        ).withdrawn_at
        is None
    )


def test_unknown_or_inactive_code_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _offer(world, indicator_code="no-such-indicator")
    assert "indicator_code" in error.value.message_dict
    from harbour.assessments.models import Indicator

    Indicator.objects.filter(code="missing-repeat").update(active=False)
    with pytest.raises(ValidationError):
        _offer(world)
