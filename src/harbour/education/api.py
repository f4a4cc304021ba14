"""The education API: a young person's education summary, under their record access."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut
from harbour.education import selectors
from harbour.education.schemas import EducationOut, education_out

router = Router(tags=["education"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/", response={200: EducationOut, **ERRORS}, summary="A young person's education")
def education_summary(request: HttpRequest, person_id: UUID) -> EducationOut:
    """Placements, attendance by term, exclusions, part-time timetables, alternative provision, home
    education, children-missing-education cases and the indicators they support. 404 unless you see
    the young person in full (the same answer as for an unknown id)."""
    actor = current_user(request)
    summary = selectors.education_summary_for(actor=actor, person_id=person_id, purpose="api")
    return education_out(summary)
