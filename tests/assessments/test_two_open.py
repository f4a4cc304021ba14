"""A young person with two open assessments (two records of one young person merged while each had one
open): the assessment page and the young person's list of assessments say so and link to the other one,
so a lead closes one without agreement; once one is closed the notice goes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from harbour.assessments import services
from harbour.assessments.models import Assessment
from harbour.audit.models import AuditEvent
from tests import factories
from tests.assessments import helpers
from tests.people import test_merging_assessments as merging

pytestmark = pytest.mark.django_db

NOTICE = "More than one open assessment"


@pytest.fixture
def two_open(world):
    """Jade (the practitioner's) and Jayde, the same girl recorded twice, each with an open assessment
    led by the practitioner; the records merged, so Jade has both."""
    jade = world.inside
    jayde = factories.PersonFactory(first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth)
    factories.allocate(jayde, worker=world.users["practitioner"])
    first = helpers.open_for(world, person=jade)
    second = helpers.open_for(world, person=jayde)
    merging._merge(world, jade, jayde)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.person_id == second.person_id == jade.pk
    assert first.is_open
    assert second.is_open
    return jade, first, second


def _detail(assessment: Assessment) -> str:
    return reverse("assessments:detail", args=[assessment.pk])


def _notice(html: str) -> str:
    start = html.index("govuk-notification-banner")
    return html[start : html.index("</ul>", start)]


def test_each_open_assessment_links_to_the_other(world, two_open):
    _jade, first, second = two_open
    for reader in ("practitioner", "team-manager"):  # the lead, and anyone else who sees the record
        client = world.client_for(reader)
        for this, other in ((first, second), (second, first)):
            page = client.get(_detail(this))
            assert page.status_code == 200
            notice = _notice(page.text)
            assert NOTICE in notice
            assert "Jade Bishop has 2 open assessments." in notice
            assert f'href="{_detail(other)}"' in notice
            assert f'href="{_detail(this)}"' not in notice
            assert str(world.users["practitioner"]) in notice  # who leads the other one


def test_the_young_persons_assessments_list_both_open_ones(world, two_open):
    jade, first, second = two_open
    page = world.client_for("team-manager").get(reverse("assessments:person", args=[jade.pk]))
    assert page.status_code == 200
    notice = _notice(page.text)
    assert "Jade Bishop has 2 open assessments." in notice
    assert f'href="{_detail(first)}"' in notice
    assert f'href="{_detail(second)}"' in notice


def test_the_notice_goes_once_the_lead_closes_one(world, two_open):
    jade, first, second = two_open
    client = world.client_for("practitioner")
    closed = client.post(
        reverse("assessments:close", args=[second.pk]),
        {"version": second.version, "reason": "Opened twice for the same girl; the other one is kept."},
    )
    assert closed.status_code == 302
    assert NOTICE not in client.get(_detail(first)).text
    assert NOTICE not in client.get(_detail(second)).text
    assert NOTICE not in client.get(reverse("assessments:person", args=[jade.pk])).text


def test_one_open_assessment_has_no_notice(world):
    assessment = helpers.open_for(world)
    client = world.client_for("practitioner")
    assert NOTICE not in client.get(_detail(assessment)).text
    assert NOTICE not in client.get(reverse("assessments:person", args=[world.inside.pk])).text
    # An agreed one beside an open review: one open, no notice either.
    helpers.record_words(world, assessment)
    helpers.agree(world, assessment, "norfolk-medium", judgement_reason="Seen with older men at the station.")
    review = services.assessment_open(
        actor=world.users["practitioner"], person_id=world.inside.pk, tool_version="norfolk-screening-2024"
    )
    assert NOTICE not in client.get(_detail(review)).text
    assert NOTICE not in client.get(_detail(assessment)).text


def test_the_young_persons_summary_gives_the_same_notice(world, two_open):
    """The summary page says so too, in the same words, for whoever sees the record in full; not once
    one is closed, and never to someone who sees the young person by name only."""
    jade, first, second = two_open
    url = reverse("people:detail", args=[jade.pk])
    page = world.client_for("team-manager").get(url)
    assert page.status_code == 200
    notice = _notice(page.text)
    assert NOTICE in notice
    assert "Jade Bishop has 2 open assessments. Keep one, and close the other without agreement." in notice
    assert f'href="{_detail(first)}"' in notice
    assert f'href="{_detail(second)}"' in notice
    assert '<h2 class="govuk-notification-banner__title"' in notice
    outsider = world.client_for("front-door-officer").get(url)  # name only
    assert outsider.status_code == 200
    assert NOTICE not in outsider.text

    # What the notice shows is audited as the list of assessments it is.
    shown = AuditEvent.objects.filter(action="assessment.list_viewed", person_id=jade.pk)
    assert shown.filter(actor_id=world.users["team-manager"].pk).count() == 1
    assert not shown.filter(actor_id=world.users["front-door-officer"].pk).exists()

    services.assessment_close(
        actor=world.users["practitioner"],
        assessment_id=second.pk,
        version=second.version,
        reason="Opened twice.",
    )
    assert NOTICE not in world.client_for("team-manager").get(url).text


def test_a_summary_with_one_open_assessment_has_no_notice(world):
    helpers.open_for(world, person=world.inside)
    page = world.client_for("practitioner").get(reverse("people:detail", args=[world.inside.pk]))
    assert page.status_code == 200
    assert NOTICE not in page.text
