"""The partnership figures dashboard links to the report of movement between risk levels, for those who
may read that report (``partnership.performance``); an analyst sees the figures without the link, and
the report answers them 404 as before. The report leads back to the figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LINK = f'href="{reverse("assessments:movement")}"'


def _risk_panel(html: str) -> str:
    start = html.index('id="panel-risk"')
    return html[start : html.index("</section>", start)]


def test_partnership_leaders_follow_a_link_from_the_figures_to_the_movement_report(world):
    client = world.client_for("partnership-leader")
    dashboard = client.get(reverse("figures:dashboard"))
    assert dashboard.status_code == 200
    assert dashboard.text.count(LINK) == 1
    assert LINK in _risk_panel(dashboard.text)
    assert "Movement between risk levels at each review" in _risk_panel(dashboard.text)

    report = client.get(reverse("assessments:movement"))
    assert report.status_code == 200
    assert f'href="{reverse("figures:dashboard")}"' in report.text  # the breadcrumb back


def test_analysts_see_the_figures_without_the_link(world):
    client = world.client_for("analyst")
    dashboard = client.get(reverse("figures:dashboard"))
    assert dashboard.status_code == 200
    assert 'id="panel-risk"' in dashboard.text
    assert LINK not in dashboard.text
    assert client.get(reverse("assessments:movement")).status_code == 404
