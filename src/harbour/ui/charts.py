"""Charts with the same numbers in a table: what ``ui/_chart.html`` draws.

A ``Chart`` is a Vega-Lite spec (a dict, drawn in the browser by ``dist/charts.mjs``) and a
``ChartTable`` with the same numbers, shown beside it whether or not JavaScript runs. Build the spec
with the helpers here (``bar_spec``, ``grouped_bar_spec``) or write one by hand; either way the data
travels as JSON in a ``<script type="application/json">`` element, never as inline script, and the
chart's marks are hidden from assistive technology: the table is the accessible version.

Usage in a template: ``{% include "ui/_chart.html" with chart=panel.chart heading_level=3 %}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# GOV.UK Design System colours that keep 3:1 contrast against white for bars and lines.
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#912b88", "#28a197")
FONT = "arial, sans-serif"
_COUNT_AXIS = {"tickMinStep": 1, "format": ",d"}
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class TableCell:
    """One cell: the text shown, and whether it is a number (right-aligned)."""

    text: str
    numeric: bool = True


@dataclass(frozen=True)
class TableRow:
    header: str
    cells: tuple[TableCell, ...]
    total: bool = False  # a totals row, shown in bold


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers: ``columns`` are the header labels, the first one heading the row headers."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row.cells) != len(self.columns) - 1:
                raise ValueError(
                    f"Row {row.header!r} has {len(row.cells)} cells for {len(self.columns)} columns."
                )


@dataclass(frozen=True)
class Chart:
    """A chart and its table. ``id`` must be unique on the page (it names the elements)."""

    id: str
    title: str
    description: str  # what the chart shows, in a sentence: its text alternative
    spec: dict[str, Any]
    table: ChartTable
    empty: bool = False  # nothing to draw: only the table (and its notes) are shown

    @property
    def spec_id(self) -> str:
        return f"{self.id}-spec"

    @property
    def drawn(self) -> bool:
        """Whether there is anything to draw: a spec whose data has at least one value shown."""
        if self.empty or not self.spec:
            return False
        values = self.spec.get("data", {}).get("values")
        if values is None:
            return True  # a hand-written spec with its own data
        return any(row.get("value") is not None for row in values)


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "axis": {
            "labelColor": TEXT_COLOUR,
            "titleColor": TEXT_COLOUR,
            "labelFontSize": 14,
            "titleFontSize": 14,
            "labelLimit": 260,
        },
        "legend": {
            "labelColor": TEXT_COLOUR,
            "titleColor": TEXT_COLOUR,
            "labelFontSize": 14,
            "titleFontSize": 14,
        },
        "view": {"stroke": None},
        # The marks are not exposed to assistive technology: the chart is one image, and the table
        # beside it has every number.
        "aria": False,
    }


def _base(description: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "description": description,
        "data": {"values": values},
        "width": "container",
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": _config(),
    }


def bar_spec(
    *,
    description: str,
    values: Iterable[tuple[str, int | None]],
    category_title: str,
    value_title: str,
    horizontal: bool = True,
) -> dict[str, Any]:
    """One bar per category, in the order given. A value of ``None`` (not shown) draws no bar."""
    data = [{"category": label, "value": value} for label, value in values]
    order = [row["category"] for row in data]
    # A horizontal chart's category labels say what they are; a title beside them would crowd them.
    category = {
        "field": "category",
        "type": "nominal",
        "title": None if horizontal else category_title,
        "sort": order,
    }
    value = {"field": "value", "type": "quantitative", "title": value_title, "axis": _COUNT_AXIS}
    spec = _base(description, data)
    spec["mark"] = {"type": "bar", "color": PALETTE[0]}
    spec["encoding"] = {"y": category, "x": value} if horizontal else {"x": category, "y": value}
    if horizontal:
        spec["height"] = {"step": 28}
    else:
        spec["height"] = 240
    return spec


def bar_chart(
    *,
    id: str,  # noqa: A002 - the chart's own field name
    title: str,
    description: str,
    values: Iterable[tuple[str, int | None]],
    category_title: str,
    value_title: str,
    table: ChartTable,
) -> Chart:
    """A horizontal bar chart and its table; the description is its text alternative and the spec's."""
    spec = bar_spec(
        description=description, values=values, category_title=category_title, value_title=value_title
    )
    return Chart(id=id, title=title, description=description, spec=spec, table=table)


def grouped_bar_spec(
    *,
    description: str,
    values: Iterable[tuple[str, str, int | None]],
    category_title: str,
    series_title: str,
    value_title: str,
    series_order: Sequence[str],
) -> dict[str, Any]:
    """Bars for each (category, series) pair, side by side within each category (months, say)."""
    rows = list(values)
    data = [{"category": category, "series": series, "value": value} for category, series, value in rows]
    categories: list[str] = []
    for category, _series, _value in rows:
        if category not in categories:
            categories.append(category)
    spec = _base(description, data)
    spec["height"] = 240
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "x": {"field": "category", "type": "nominal", "title": category_title, "sort": categories},
        "xOffset": {"field": "series", "sort": list(series_order)},
        "y": {"field": "value", "type": "quantitative", "title": value_title, "axis": _COUNT_AXIS},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": series_title,
            "sort": list(series_order),
            "scale": {"domain": list(series_order), "range": list(PALETTE[: len(series_order)])},
            "legend": {"orient": "bottom", "direction": "vertical"},
        },
    }
    return spec


@dataclass
class TableBuilder:
    """Collects rows for a ``ChartTable``: ``add("March 2026", "12", "fewer than 5")``."""

    caption: str
    columns: tuple[str, ...]
    rows: list[TableRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, header: str, *cells: str | TableCell, total: bool = False) -> None:
        self.rows.append(
            TableRow(
                header=header,
                cells=tuple(cell if isinstance(cell, TableCell) else TableCell(cell) for cell in cells),
                total=total,
            )
        )

    def build(self) -> ChartTable:
        return ChartTable(self.caption, self.columns, tuple(self.rows), tuple(self.notes))
