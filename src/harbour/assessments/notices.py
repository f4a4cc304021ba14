"""The notice on a young person's summary page when they have more than one open assessment (the same
as on their assessments tab). Registered from ``AssessmentsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from harbour.assessments import selectors
from harbour.ui import record_notices


def open_assessments_notice(actor: Any, person: Any) -> str:
    open_assessments = selectors.open_assessments_when_many(actor=actor, person=person)
    if not open_assessments:
        return ""
    context = {"person": person, "open_assessments": open_assessments}
    return render_to_string("assessments/_open_notice.html", context)


def register() -> None:
    record_notices.register("assessments-open", open_assessments_notice)
