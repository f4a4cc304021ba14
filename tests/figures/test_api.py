"""`GET /api/v1/figures/`: the dashboard's numbers as data, for the same people, with the same filters,
suppression and audit as the page; unknown filter values are refused by name."""

from __future__ import annotations

import pytest

from harbour.audit.models import AuditEvent
from harbour.figures.filters import Filters
from harbour.figures.selectors import figures_for
from harbour.figures.summary import summary_count
from tests.api.conftest import assert_error
from tests.figures.helpers import cell

pytestmark = pytest.mark.django_db


def _table(body, table_id):
    return next(table for panel in body["panels"] for table in panel["tables"] if table["id"] == table_id)


def _cell(table, row, column):
    index = table["columns"].index(column) - 1
    return next(r["cells"][index] for r in table["rows"] if r["header"] == row)


def test_the_numbers_are_the_pages_numbers_filtered_and_audited(county, api_as, settings):
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0
    api = api_as("analyst")
    response = api.get("/api/v1/figures/", {"district": "norwich", "months": "6"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["months"] == 6
    assert body["filters"] == {"district": "norwich"}
    assert body["counted_at"] is None  # no summary yet: counted for this call
    page = figures_for(actor=county.world.users["analyst"], filters=Filters(months=6, district="norwich"))
    levels = _table(body, "risk-levels")
    for level in ("High risk", "Medium risk", "Low or standard risk"):
        assert _cell(levels, level, "Young people") == cell(page, "risk-levels", level, "Young people")
    referrals = next(panel for panel in body["panels"] if panel["code"] == "referrals")
    assert {"label": "Referrals", "value": "7"} in referrals["headlines"]
    events = AuditEvent.objects.filter(action="figures.viewed")
    assert events.filter(detail={"months": 6, "district": "norwich"}).count() == 2  # the call and the page
    # From the summary once it is counted, with when it was counted.
    summary_count()
    again = api.get("/api/v1/figures/", {"district": "norwich", "months": "6"}).json()
    assert again["counted_at"] is not None
    assert again["panels"] == body["panels"]


def test_small_numbers_are_hidden_as_on_the_page(county, api_as):
    body = api_as("partnership-leader").get("/api/v1/figures/").json()
    assert body["threshold"] == 5
    assert _cell(_table(body, "risk-levels"), "High risk", "Young people") == "fewer than 5"
    for panel in body["panels"]:
        for table in panel["tables"]:
            for row in table["rows"]:
                for text in row["cells"]:
                    digits = text.replace(",", "").split(" ")[0]
                    assert not (digits.isdigit() and 0 < int(digits) < 5), (table["id"], row, text)


def test_only_leaders_and_analysts_and_unknown_values_are_named(county, api_as):
    assert_error(api_as("practitioner").get("/api/v1/figures/"), 403, "permission_denied")
    assert not AuditEvent.objects.filter(action="figures.viewed").exists()
    error = assert_error(
        api_as("analyst").get("/api/v1/figures/", {"district": "atlantis", "months": "5"}),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"district", "months"}
