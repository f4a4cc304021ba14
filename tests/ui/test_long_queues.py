"""Long home-page queues build only the rows they show and count the rest in the database.

Each domain queue reads its first ``SHOWN`` items through its selector and counts every item with a
second, cheaper query. Here ``SHOWN`` is made small, and each queue must show exactly the first items
of its whole list (the list it showed before it was limited) and count all of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

from harbour.access import policies as access
from harbour.access.models import AccessGrant
from harbour.assessments import queues as assessment_queues
from harbour.education import queues as education_queues
from harbour.education import services as education_services
from harbour.education.inputs import MissingEducationInput
from harbour.frontdoor import queues as frontdoor_queues
from harbour.frontdoor.models import ReferralNotification
from harbour.missing import queues as missing_queues
from harbour.missing import services as missing_services
from harbour.missing.models import MissingNotice
from harbour.ui.queues import FilledQueue, fill, queues_for
from tests import factories
from tests.assessments.helpers import agree as agree_assessment
from tests.assessments.helpers import ask, open_for, record_words
from tests.education.helpers import exclude
from tests.frontdoor.helpers import about, submit
from tests.missing.helpers import record, record_return

pytestmark = pytest.mark.django_db


def _fill(actor: Any, code: str, module: ModuleType, shown: int, monkeypatch: Any) -> FilledQueue:
    monkeypatch.setattr(module, "SHOWN", shown)
    queue = next(queue for queue in queues_for(actor) if queue.code == code)
    return fill(dataclasses.replace(queue, limit=shown), actor)


def assert_first_shown_and_all_counted(
    actor: Any, code: str, module: ModuleType, monkeypatch: Any, *, total: int
) -> None:
    everything = _fill(actor, code, module, 1000, monkeypatch)
    assert len(everything.items) == total
    assert everything.count == total
    first = _fill(actor, code, module, 2, monkeypatch)
    assert [(item.title, item.url, item.meta, item.tag) for item in first.items] == [
        (item.title, item.url, item.meta, item.tag) for item in everything.items[:2]
    ]
    assert first.count == total
    assert first.hidden_count == total - 2


def _people(world: Any, n: int) -> list[Any]:
    """Young people in the practitioner's caseload."""
    people = []
    for number in range(n):
        person = factories.PersonFactory(first_name="Queue", last_name=f"Person{number}")
        factories.allocate(person, worker=world.users["practitioner"])
        people.append(person)
    return people


def test_referrals_to_triage(world, monkeypatch):
    for person in [world.inside, world.outside, world.team_case]:
        submit(world.users["practitioner"], about(person))
    assert_first_shown_and_all_counted(
        world.users["front-door-officer"], "frontdoor-triage", frontdoor_queues, monkeypatch, total=3
    )


def test_referral_outcomes(world, monkeypatch):
    practitioner = world.users["practitioner"]
    for hours in (3, 1, 2):
        referral = submit(practitioner, about(world.inside))
        ReferralNotification.objects.create(
            referral=referral,
            recipient=practitioner,
            kind=ReferralNotification.Kind.FEEDBACK,
            summary=f"Decided {hours} hours ago",
            sent_at=timezone.now() - dt.timedelta(hours=hours),
        )
    assert_first_shown_and_all_counted(
        practitioner, "referral-outcomes", frontdoor_queues, monkeypatch, total=3
    )


def _interviews(world: Any, n: int) -> list[Any]:
    practitioner = world.users["practitioner"]
    interviews = []
    for number, person in enumerate(_people(world, n)):
        episode = record(practitioner, person, timezone.now() - dt.timedelta(days=2, hours=number))
        interviews.append(
            record_return(practitioner, episode, timezone.now() - dt.timedelta(hours=number + 1))
        )
    return interviews


def test_return_home_interviews_assigned_and_of_the_team(world, monkeypatch):
    interviews = _interviews(world, 3)
    worker = world.breckland_worker
    for interview in interviews:
        missing_services.interview_assign(
            actor=world.users["practitioner"],
            interview=interview,
            version=interview.version,
            interviewer_id=worker.pk,
        )
    assert_first_shown_and_all_counted(
        worker, "missing-interviews-mine", missing_queues, monkeypatch, total=3
    )
    manager = factories.make_user("breckland_manager", role="team-manager", team=world.breckland_team)
    assert_first_shown_and_all_counted(
        manager, "missing-interviews-team", missing_queues, monkeypatch, total=3
    )


def test_missing_notices(world, monkeypatch):
    practitioner = world.users["practitioner"]
    for hours in (5, 1, 3):
        MissingNotice.objects.create(
            recipient=practitioner,
            person=world.inside,
            kind=MissingNotice.Kind.TRIGGER,
            summary=f"Sent {hours} hours ago",
            sent_at=timezone.now() - dt.timedelta(hours=hours),
        )
    assert_first_shown_and_all_counted(practitioner, "missing-notices", missing_queues, monkeypatch, total=3)


def test_education_queues(world, monkeypatch):
    practitioner = world.users["practitioner"]
    today = timezone.localdate()
    people = _people(world, 3)
    for number, person in enumerate(people):
        exclude(practitioner, person, starts_on=today - dt.timedelta(days=number + 1))
        education_services.missing_education_report(
            actor=practitioner,
            person=person,
            data=MissingEducationInput(
                reported_on=today - dt.timedelta(days=20),
                reported_by="School",
                enquiries_due_on=today + dt.timedelta(days=number - 1),
            ),
        )
    # Outside the network: in neither queue.
    exclude(world.breckland_worker, world.outside, starts_on=today - dt.timedelta(days=1))
    for actor in (practitioner, world.users["team-manager"]):
        assert_first_shown_and_all_counted(
            actor, "education-exclusions", education_queues, monkeypatch, total=3
        )
        assert_first_shown_and_all_counted(actor, "education-missing", education_queues, monkeypatch, total=3)


def test_assessments_waiting_and_reviews_due(world, monkeypatch):
    practitioner = world.users["practitioner"]
    officer = factories.make_user("queue_officer", role="practitioner", team=world.norwich_team)
    people = _people(world, 3)
    for person in people:
        ask(world, open_for(world, person=person), officer)
    # Waiting for the practitioner (three agreements) and for their team member (three contributions).
    assert_first_shown_and_all_counted(
        practitioner, "assessments-waiting", assessment_queues, monkeypatch, total=3
    )
    assert_first_shown_and_all_counted(
        world.users["team-manager"], "assessments-waiting", assessment_queues, monkeypatch, total=6
    )
    # A young person the practitioner sees for a while by a grant, whom their manager does not see:
    # the practitioner's agreement is in their own queue, and neither shown nor counted in the manager's.
    AccessGrant.objects.create(
        person=world.outside,
        grantee=practitioner,
        granted_by=world.breckland_worker,
        reason="Panel meeting",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    access.forget_cached_access(practitioner)
    open_for(world, person=world.outside)
    assert_first_shown_and_all_counted(
        practitioner, "assessments-waiting", assessment_queues, monkeypatch, total=4
    )
    assert_first_shown_and_all_counted(
        world.users["team-manager"], "assessments-waiting", assessment_queues, monkeypatch, total=6
    )


def test_reviews_due(world, monkeypatch):
    from harbour.assessments.models import Assessment

    practitioner = world.users["practitioner"]
    for number, person in enumerate(_people(world, 3)):
        assessment = open_for(world, person=person)
        record_words(world, assessment)
        agree_assessment(world, assessment, "norfolk-no-risk")
        Assessment.objects.filter(pk=assessment.pk).update(
            next_review_on=timezone.localdate() + dt.timedelta(days=number)
        )
    for actor in (practitioner, world.users["team-manager"]):
        assert_first_shown_and_all_counted(
            actor, "assessments-reviews-due", assessment_queues, monkeypatch, total=3
        )
