"""Reading numbers back out of the dashboard's panels, as the page shows them."""

from __future__ import annotations

from typing import Any

from harbour.figures.panels import Panel
from harbour.figures.selectors import Dashboard
from harbour.ui.charts import Chart


def chart(dashboard: Dashboard, chart_id: str) -> Chart:
    for panel in dashboard.panels:
        for found in panel.charts:
            if found.id == chart_id:
                return found
    raise AssertionError(f"no chart {chart_id!r}")


def cell(dashboard: Dashboard, chart_id: str, row: str, column: str) -> str:
    """The text in the chart's table at this row header and column header."""
    table = chart(dashboard, chart_id).table
    index = table.columns.index(column) - 1
    for found in table.rows:
        if found.header == row:
            return found.cells[index].text
    raise AssertionError(f"no row {row!r} in {chart_id}: {[r.header for r in table.rows]}")


def panel(dashboard: Dashboard, code: str) -> Panel:
    return next(found for found in dashboard.panels if found.code == code)


def headline(dashboard: Dashboard, code: str, label: str) -> str:
    for found in panel(dashboard, code).headlines:
        if found.label == label:
            return found.text
    raise AssertionError(f"no headline {label!r} in {code}")


def chart_values(dashboard: Dashboard) -> list[Any]:
    """Every value any chart would draw."""
    values = []
    for found in dashboard.panels:
        for one in found.charts:
            for row in one.spec.get("data", {}).get("values", []):
                values.append(row["value"])
    return values
