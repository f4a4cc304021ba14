"""The front-door queue page a page at a time: the order by urgency then waiting time runs across pages,
the total and the overdue count cover the whole queue (counted in SQL), page links are shown, the
overdue and re-referral markers work on any page, and only the rows of the page shown are read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.frontdoor.models import Referral
from tests.frontdoor.helpers import about, park, referral_input, submit
from tests.ui.html import parse

pytestmark = pytest.mark.django_db

QUEUE = reverse("frontdoor:queue")


@pytest.fixture
def small_pages(settings: Any) -> int:
    settings.HARBOUR_PAGE_SIZE = 3
    return 3


def _references(response: Any) -> list[str]:
    return [row.find("th").find("a").text for row in _rows(response)]


def _rows(response: Any) -> list[Any]:
    return parse(response.content).find("tbody").find_all("tr")


def _age(referral: Referral, days: int, *, overdue: bool = False) -> None:
    """Make the referral `days` old; overdue means past its due time, otherwise due tomorrow."""
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=now - timedelta(days=days),
        due_by=now - timedelta(hours=1) if overdue else now + timedelta(days=1),
    )


def test_a_long_queue_shows_one_page_with_the_total_and_page_links(world, small_pages):
    referrer = world.users["practitioner"]
    urgent = submit(referrer, referral_input(urgency="urgent", contexts=[park()]))
    standard = [submit(referrer) for _ in range(6)]
    for days, referral in zip(range(20, 14, -1), standard, strict=True):
        _age(referral, days, overdue=days <= 16)  # the two newest standard ones are overdue
    expected = [urgent.reference] + [r.reference for r in standard]  # urgent first, then oldest first
    officer = world.client_for("front-door-officer")

    first = officer.get(QUEUE)
    assert first.status_code == 200
    assert _references(first) == expected[:3]
    text = parse(first.content).text
    assert "7 open referrals" in text
    assert "2 are overdue" in text  # counted across the queue, though neither is on this page
    assert "Showing 1 to 3 of 7, page 1 of 3." in text
    assert not any("Overdue" in row.text for row in _rows(first))
    nav = parse(first.content).find("nav", cls="govuk-pagination")
    links = {a.attrs.get("aria-label") or a.text: a.attrs["href"] for a in nav.find_all("a")}
    assert links["Page 2"] == "?page=2"
    assert links["Page 3"] == "?page=3"
    assert links["Next page"] == "?page=2"
    assert nav.find("a", aria_current="page").text == "1"

    second = officer.get(QUEUE, {"page": 2})
    assert _references(second) == expected[3:6]
    third = officer.get(QUEUE, {"page": 3})
    assert _references(third) == expected[6:]
    assert ["Overdue" in row.text for row in _rows(second) + _rows(third)] == [False, False, True, True]
    assert "Showing 7 to 7 of 7, page 3 of 3." in parse(third.content).text
    # Past the end: the last page; nonsense: the first.
    assert _references(officer.get(QUEUE, {"page": 99})) == expected[6:]
    assert _references(officer.get(QUEUE, {"page": "x"})) == expected[:3]
    # Each page view is one audited read of the rows shown.
    events = AuditEvent.objects.filter(action="referral.queue_viewed").order_by("id")
    shown = [event.detail["referrals"] for event in events]
    assert shown == [3, 3, 1, 1, 3]


def test_a_short_queue_has_no_page_links(world):
    submit(world.users["practitioner"])
    response = world.client_for("front-door-officer").get(QUEUE)
    assert len(_rows(response)) == 1
    assert parse(response.content).find_all("nav", cls="govuk-pagination") == []
    assert "1 open referral," in parse(response.content).text


def test_re_referrals_are_marked_though_the_earlier_referral_is_on_another_page(world, small_pages):
    referrer = world.users["practitioner"]
    earlier = submit(referrer, about(world.inside))
    later = submit(referrer, about(world.inside))
    others = [submit(referrer) for _ in range(3)]
    _age(earlier, 30)
    for days, referral in zip((25, 24, 23), others, strict=True):
        _age(referral, days)
    _age(later, 2)
    officer = world.client_for("front-door-officer")
    assert later.reference not in _references(officer.get(QUEUE))
    second = officer.get(QUEUE, {"page": 2})
    assert earlier.reference not in _references(second)
    row = next(r for r in _rows(second) if later.reference in r.text)
    assert "Jade Bishop" in row.text
    assert "1 referral in the last 12 months" in row.text


def _queries_for_first_page(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE).status_code == 200
    return len(captured)


def test_only_the_page_shown_is_read(world, small_pages):
    referrer = world.users["practitioner"]
    for _ in range(4):
        submit(referrer, about(world.inside))
    officer = world.client_for("front-door-officer")
    officer.get(QUEUE)  # warm the session and caches
    short = _queries_for_first_page(officer)
    for _ in range(8):
        submit(referrer, about(world.inside))
    assert Referral.objects.count() == 12
    # Three times the referrals, the same queries: the rows of other pages are neither read nor built.
    assert _queries_for_first_page(officer) == short
    with CaptureQueriesContext(connection) as captured:
        officer.get(QUEUE)
    selects = [q["sql"] for q in captured if 'FROM "frontdoor_referral"' in q["sql"]]
    assert any("LIMIT 3" in sql for sql in selects), selects
    assert any("COUNT(" in sql for sql in selects), selects
