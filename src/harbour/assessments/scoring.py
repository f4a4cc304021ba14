"""The scoring engine: a tool version's rule (JSON) and the "yes" answers give a level. Pure functions.

Two kinds of rule:

``levels`` (Norfolk-style)::

    {"kind": "levels",
     "default_level": "norfolk-no-risk",
     "count_timeframes": ["current"],
     "indicators": {"missing-repeat": "norfolk-high", "education-suspension-12m": "norfolk-medium", ...},
     "escalations": [{"at_least": 3, "of_level": "norfolk-medium", "level": "norfolk-high"}]}

The level is the highest level that any indicator answered yes (in a counted timeframe) maps to; an
escalation raises it when at least N indicators at or above ``of_level`` are answered yes.

``points`` (SERAF-style)::

    {"kind": "points",
     "indicators": {"missing-repeat": 3, ...},
     "timeframe_weights": {"current": 1, "6-12-months": 0.5},
     "bands": [{"min": 0, "level": "seraf-low"}, {"min": 10, "level": "seraf-medium"}, ...]}

Each indicator answered yes scores its points times the weight of its timeframe (once per indicator,
the heaviest timeframe counting); the level is the band with the highest ``min`` not above the score.

Both kinds only ever go up when another yes is added: points and weights must not be negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TIMEFRAMES = ("current", "6-12-months")


class RuleError(ValueError):
    """A tool version's rule that the engine cannot use."""


@dataclass(frozen=True)
class Score:
    level: str
    points: Decimal | None = None
    reasons: list[str] = field(default_factory=list)


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleError(f"{where} must be a number.")
    try:
        number = Decimal(str(value))
    except ArithmeticError as error:
        raise RuleError(f"{where} must be a number.") from error
    if not number.is_finite() or number < 0:
        raise RuleError(f"{where} must be zero or more.")
    return number


def validate_rule(rule: Any, *, indicator_codes: set[str], level_ranks: Mapping[str, int]) -> None:
    """Raise RuleError unless the rule is usable with these indicators and this tool's levels (by rank)."""
    level_codes = set(level_ranks)
    if not isinstance(rule, dict):
        raise RuleError("The rule must be a JSON object.")
    indicators = rule.get("indicators")
    if not isinstance(indicators, dict) or not indicators:
        raise RuleError("The rule must list its indicators.")
    unknown = sorted(set(indicators) - indicator_codes)
    if unknown:
        raise RuleError(f"Unknown indicators: {', '.join(unknown)}.")
    kind = rule.get("kind")
    if kind == "levels":
        _validate_levels(rule, level_codes)
    elif kind == "points":
        _validate_points(rule, level_ranks)
    else:
        raise RuleError('The rule\'s kind must be "levels" or "points".')


def _validate_levels(rule: dict[str, Any], level_codes: set[str]) -> None:
    used = {rule.get("default_level"), *rule["indicators"].values()}
    for escalation in rule.get("escalations", []):
        if not isinstance(escalation, dict):
            raise RuleError("Each escalation must be an object.")
        used |= {escalation.get("of_level"), escalation.get("level")}
        if not isinstance(escalation.get("at_least"), int) or escalation["at_least"] < 1:
            raise RuleError("An escalation's at_least must be a whole number, 1 or more.")
    unknown_levels = sorted(str(code) for code in used - level_codes)
    if unknown_levels:
        raise RuleError(f"Unknown levels for this tool: {', '.join(unknown_levels)}.")
    for timeframe in rule.get("count_timeframes", ["current"]):
        if timeframe not in TIMEFRAMES:
            raise RuleError(f"Unknown timeframe: {timeframe}.")


def _validate_points(rule: dict[str, Any], level_ranks: Mapping[str, int]) -> None:
    for code, points in rule["indicators"].items():
        _number(points, f"The points for {code}")
    weights = rule.get("timeframe_weights", {"current": 1})
    if not isinstance(weights, dict):
        raise RuleError("timeframe_weights must be an object.")
    for timeframe, weight in weights.items():
        if timeframe not in TIMEFRAMES:
            raise RuleError(f"Unknown timeframe: {timeframe}.")
        _number(weight, f"The weight for {timeframe}")
    bands = rule.get("bands")
    if not isinstance(bands, list) or not bands or not all(isinstance(band, dict) for band in bands):
        raise RuleError("A points rule needs bands.")
    mins = [_number(band.get("min"), "A band's min") for band in bands]
    if min(mins) != 0:
        raise RuleError("The lowest band must start at 0.")
    if len(set(mins)) != len(mins):
        raise RuleError("Two bands start at the same score.")
    unknown_levels = sorted({str(band.get("level")) for band in bands} - set(level_ranks))
    if unknown_levels:
        raise RuleError(f"Unknown levels for this tool: {', '.join(unknown_levels)}.")
    ordered = sorted(bands, key=lambda band: Decimal(str(band["min"])))
    band_ranks = [level_ranks[band["level"]] for band in ordered]
    if band_ranks != sorted(band_ranks):
        raise RuleError("A higher score must never give a lower level: order the bands by level.")


def yes_timeframes(answers: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Group (indicator code, timeframe) pairs answered yes by indicator."""
    grouped: dict[str, set[str]] = {}
    for code, timeframe in answers:
        grouped.setdefault(code, set()).add(timeframe)
    return grouped


def score(rule: Mapping[str, Any], yes_answers: Iterable[tuple[str, str]], ranks: Mapping[str, int]) -> Score:
    """The level (code) for these yes answers under this rule. ``ranks`` orders the tool's level codes."""
    grouped = yes_timeframes(yes_answers)
    if rule["kind"] == "levels":
        return _score_levels(rule, grouped, ranks)
    return _score_points(rule, grouped, ranks)


def _score_levels(rule: Mapping[str, Any], grouped: dict[str, set[str]], ranks: Mapping[str, int]) -> Score:
    counted = set(rule.get("count_timeframes", ["current"]))
    mapping: Mapping[str, str] = rule["indicators"]
    level = rule["default_level"]
    reasons: list[str] = []
    hits = [mapping[code] for code, timeframes in grouped.items() if code in mapping and timeframes & counted]
    for hit in hits:
        if ranks[hit] > ranks[level]:
            level = hit
    if hits:
        reasons.append(f"{len(hits)} indicator{'s' if len(hits) != 1 else ''} answered yes.")
    for escalation in rule.get("escalations", []):
        floor = ranks[escalation["of_level"]]
        count = sum(1 for hit in hits if ranks[hit] >= floor)
        if count >= escalation["at_least"] and ranks[escalation["level"]] > ranks[level]:
            level = escalation["level"]
            reasons.append(f"{count} indicators at {escalation['of_level']} or above raise the level.")
    return Score(level=level, reasons=reasons)


def _score_points(rule: Mapping[str, Any], grouped: dict[str, set[str]], ranks: Mapping[str, int]) -> Score:
    weights = {tf: Decimal(str(w)) for tf, w in rule.get("timeframe_weights", {"current": 1}).items()}
    points_for: Mapping[str, Any] = rule["indicators"]
    total = Decimal(0)
    for code, timeframes in grouped.items():
        if code not in points_for:
            continue
        weight = max((weights.get(tf, Decimal(0)) for tf in timeframes), default=Decimal(0))
        total += Decimal(str(points_for[code])) * weight
    bands = sorted(rule["bands"], key=lambda band: Decimal(str(band["min"])))
    level = bands[0]["level"]
    for band in bands:
        if total >= Decimal(str(band["min"])):
            level = band["level"]
    return Score(level=level, points=total, reasons=[f"Score {total.normalize():f}."])
