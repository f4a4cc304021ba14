"""The partnership figures API: the dashboard's panels as data (headlines and each chart's table), for
analysts who take the numbers into their own reports. The same counts as the page, suppressed the same
way, with the same filters and audit; nothing about any one person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut
from harbour.figures import policies, selectors
from harbour.figures.filters import FiguresFilterForm
from harbour.figures.panels import Panel
from harbour.people.schemas import StrictInput
from harbour.ui.charts import Chart

router = Router(tags=["figures"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class FiguresQuery(StrictInput):
    months: int | None = Field(None, description="The period: 3, 6, 12 (the default) or 24 months.")
    district: str = Field("", description="A district code, e.g. `norwich`.")
    age_band: str = Field("", description="`under-10`, `10-12`, `13-15`, `16-17` or `18-and-over`.")
    gender: str = Field("", description="A gender code.")
    ethnicity: str = Field("", description="An ethnic group code, or `not-known`.")


class HeadlineOut(Schema):
    label: str
    value: str


class RowOut(Schema):
    header: str
    cells: list[str]
    total: bool


class TableOut(Schema):
    id: str
    caption: str
    columns: list[str]
    rows: list[RowOut]
    notes: list[str]


class PanelOut(Schema):
    code: str
    title: str
    headlines: list[HeadlineOut]
    tables: list[TableOut]


class FiguresOut(Schema):
    period_from: date
    period_to: date
    months: int
    filters: dict[str, str] = Field(description="The filters applied, by code.")
    counted_at: datetime | None = Field(
        description="When the summary these numbers come from was counted; null if counted for this call."
    )
    threshold: int = Field(description="Counts below this are given as 'fewer than N' (0: none hidden).")
    panels: list[PanelOut]


@router.get(
    "/",
    response={200: FiguresOut, **ERRORS},
    summary="The partnership figures, as on the dashboard",
)
def figures_get(request: HttpRequest, query: Query[FiguresQuery]) -> FiguresOut:
    actor = current_user(request)
    if not policies.can_view_figures(actor):
        raise PermissionDenied("Partnership figures need partnership.performance or analytics.pseudonymised.")
    form = FiguresFilterForm(
        {name: value for name, value in query.dict().items() if value not in (None, "")} or {"months": ""}
    )
    if not form.is_valid():
        raise ValidationError(
            {name: " ".join(str(message) for message in messages) for name, messages in form.errors.items()}
        )
    filters = form.filters()
    dashboard = selectors.figures_for(actor=actor, filters=filters)
    return FiguresOut(
        period_from=dashboard.period.first_day,
        period_to=dashboard.period.today,
        months=len(dashboard.period.months),
        filters={key: str(value) for key, value in filters.audit_detail().items() if key != "months"},
        counted_at=dashboard.counted_at,
        threshold=dashboard.threshold,
        panels=[_panel_out(panel) for panel in dashboard.panels],
    )


def _panel_out(panel: Panel) -> PanelOut:
    return PanelOut(
        code=panel.code,
        title=panel.title,
        headlines=[HeadlineOut(label=headline.label, value=headline.text) for headline in panel.headlines],
        tables=[_table_out(chart) for chart in panel.charts],
    )


def _table_out(chart: Chart) -> TableOut:
    table = chart.table
    return TableOut(
        id=chart.id,
        caption=table.caption,
        columns=list(table.columns),
        rows=[
            RowOut(header=row.header, cells=[cell.text for cell in row.cells], total=row.total)
            for row in table.rows
        ],
        notes=list(table.notes),
    )
