"""A risk history step chart drawn on the server as SVG: no script needed, a table always beside it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from harbour.assessments.inputs import HistoryPoint

WIDTH = 640
HEIGHT = 220
LEFT = 130
RIGHT = 20
TOP = 16
BOTTOM = 40
RANK_NAMES = {0: "No identified risk", 1: "Low or standard", 2: "Medium", 3: "High"}


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    path: str
    points: list[tuple[float, float, str]]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    description: str


def step_chart(history: list[HistoryPoint], *, today: datetime.date | None = None) -> StepChart | None:
    """The agreed level over time as a step line, the last level carried on to today."""
    if not history:
        return None
    today = today or timezone.localdate()
    days = [timezone.localdate(point.agreed_at) for point in history]
    start, end = days[0], max(today, days[-1])
    span = max((end - start).days, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x_of(day: datetime.date) -> float:
        return round(LEFT + plot_w * (day - start).days / span, 1)

    def y_of(rank: int) -> float:
        return round(TOP + plot_h * (3 - min(rank, 3)) / 3, 1)

    commands: list[str] = []
    points: list[tuple[float, float, str]] = []
    for index, (point, day) in enumerate(zip(history, days, strict=True)):
        x, y = x_of(day), y_of(point.rank)
        if index == 0:
            commands.append(f"M{x},{y}")
        else:
            commands.append(f"H{x}")
            commands.append(f"V{y}")
        points.append((x, y, f"{day:%-d %b %Y}: {point.level_label}"))
    commands.append(f"H{x_of(end)}")
    y_ticks = [Tick(LEFT - 8, y_of(rank) + 4, name) for rank, name in RANK_NAMES.items()]
    x_ticks = [Tick(x_of(start), HEIGHT - 12, f"{start:%b %Y}"), Tick(x_of(end), HEIGHT - 12, f"{end:%b %Y}")]
    first, last = history[0], history[-1]
    description = (
        f"Agreed risk level over time, {len(history)} assessment{'s' if len(history) != 1 else ''} "
        f"from {days[0]:%-d %B %Y}: first {first.level_label.lower()}, now {last.level_label.lower()}."
    )
    return StepChart(WIDTH, HEIGHT, " ".join(commands), points, y_ticks, x_ticks, description)
