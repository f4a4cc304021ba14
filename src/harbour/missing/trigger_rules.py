"""The shape of a missing trigger's ``rule``: checked when an administrator saves a trigger, so a
mistyped rule is refused at the form rather than silently never firing at the next ``harbour tick``.

The rule kinds and what they mean are in ``triggers.py`` and docs/missing.md.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

KINDS = ("episodes_in_window", "first_episode_in_care", "out_of_area")
NOTIFY = ("lead-professional", "placing-authority")
ACTIONS = ("", "strategy-discussion")
# Keys each kind may carry besides ``kind``; anything else is a typo that would be ignored.
ALLOWED_KEYS = {
    "episodes_in_window": {"count", "days", "action", "notify"},
    "first_episode_in_care": {"action", "notify"},
    "out_of_area": {"action", "notify"},
}
MAX_WINDOW_DAYS = 366
MAX_COUNT = 50


def _whole_number(rule: dict[str, Any], key: str, low: int, high: int) -> list[str]:
    value = rule.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"'{key}' must be a whole number from {low} to {high}."]
    if not low <= value <= high:
        return [f"'{key}' must be from {low} to {high} (it is {value})."]
    return []


def validate_rule(rule: Any) -> None:
    """Raise ``ValidationError`` listing every problem with ``rule``; return quietly when it is sound."""
    if not isinstance(rule, dict):
        raise ValidationError('The rule must be an object, for example {"kind": "out_of_area"}.')
    kind = rule.get("kind")
    if kind not in KINDS:
        raise ValidationError(f"'kind' must be one of: {', '.join(KINDS)}.")
    problems: list[str] = []
    unknown = sorted(set(rule) - {"kind"} - ALLOWED_KEYS[kind])
    if unknown:
        problems.append(f"A rule of kind {kind} does not use: {', '.join(unknown)}.")
    if kind == "episodes_in_window":
        problems += _whole_number(rule, "count", 2, MAX_COUNT)
        problems += _whole_number(rule, "days", 1, MAX_WINDOW_DAYS)
    if rule.get("notify", "lead-professional") not in NOTIFY:
        problems.append(f"'notify' must be one of: {', '.join(NOTIFY)}.")
    if rule.get("action", "") not in ACTIONS:
        problems.append(f"'action' must be empty or one of: {', '.join(a for a in ACTIONS if a)}.")
    if problems:
        raise ValidationError(problems)
