"""Template tags for GOV.UK components that Django templates cannot express on their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from harbour.ui.forms import GovukBoundField, error_summary_items

register = template.Library()


@register.inclusion_tag("ui/includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """The GOV.UK error summary for the forms given (nothing when none has errors).

    Use it at the top of ``{% block content %}``, before the page's heading:
    ``{% error_summary form %}`` or ``{% error_summary form address_form %}``.
    """
    return {"errors": error_summary_items(*forms)}


@register.inclusion_tag("ui/includes/error_summary.html")
def problem_summary(message: Any, href: str = "") -> dict[str, Any]:
    """The GOV.UK error summary for one problem that is not a form field's (a refusal, a conflict);
    nothing when ``message`` is empty. ``href``: where the problem is on the page, if anywhere."""
    return {"errors": [{"message": message, "href": href}] if message else []}


@register.simple_tag
def govuk_field(field: BoundField) -> SafeString:
    """One field as a GOV.UK form group, whichever renderer its form has (allauth's forms too)."""
    bound = GovukBoundField.from_bound(field)
    return bound.render(template_name="ui/forms/field.html")


@register.filter
def duration_words(value: Any) -> str:
    """A length of time in words: 1 hour, 30 minutes, 1 day and 2 hours."""
    if isinstance(value, (int, float)):
        value = dt.timedelta(hours=value)
    if not isinstance(value, dt.timedelta):
        return ""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    words = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    if not words:
        return "less than a minute"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
