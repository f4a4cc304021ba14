"""The education API: a young person's education summary, under their record access; and the review of
imported rows kept because no one matched with certainty, through the review pages' services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut, fields_renamed
from harbour.api.pagination import next_page_url
from harbour.education import imports, selectors
from harbour.education.models import UnmatchedImportRow
from harbour.education.schemas import (
    EducationOut,
    ImportRowLinkIn,
    ImportRowOut,
    ImportRowPage,
    ImportRowSetAsideIn,
    ImportRowVersionIn,
    ReviewFilters,
    education_out,
    import_row_out,
)
from harbour.people import selectors as people_selectors

router = Router(tags=["education"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 409: ErrorOut, **ERRORS}


@router.get("/", response={200: EducationOut, **ERRORS}, summary="A young person's education")
def education_summary(request: HttpRequest, person_id: UUID) -> EducationOut:
    """Placements, attendance by term, exclusions, part-time timetables, alternative provision, home
    education, children-missing-education cases and the indicators they support. 404 unless you see
    the young person in full (the same answer as for an unknown id)."""
    actor = current_user(request)
    summary = selectors.education_summary_for(actor=actor, person_id=person_id, purpose="api")
    return education_out(summary)


# --- the review of imported rows -------------------------------------------------------------------------


@router.get(
    "/imports/rows",
    response={200: ImportRowPage, **ERRORS},
    summary="List the imported rows kept for review",
)
def import_rows(request: HttpRequest, filters: Query[ReviewFilters]) -> ImportRowPage:
    """Rows of exclusions and children-missing-education lists that matched no known young person with
    certainty, newest import first, as the review page shows them (`education.import` only; 403
    otherwise), each with its `version`."""
    page = selectors.unmatched_rows_page_for(
        actor=current_user(request), number=filters.page, page_size=filters.page_size
    )
    next_page = page.next_page_number() if page.has_next() else None
    return ImportRowPage(
        items=[import_row_out(row) for row in page.object_list],
        count=page.paginator.count,
        page=page.number,
        page_size=filters.page_size,
        next=next_page_url(request, next_page, filters.page_size),
        next_page=next_page,
    )


def _row(actor: Any, row_id: UUID) -> UnmatchedImportRow:
    """The row to act on, waiting or dealt with (so a stale version is a conflict, not a 404)."""
    return selectors.unmatched_row_for(actor=actor, row_id=row_id, resolved_too=True)


@router.post(
    "/imports/rows/{row_id}/link",
    response={200: ImportRowOut, **WRITE_ERRORS},
    summary="Link an imported row to the young person you chose",
)
def import_row_link(request: HttpRequest, row_id: UUID, payload: ImportRowLinkIn) -> ImportRowOut:
    """Link a row to the young person it is about, as "Find the young person" does: the exclusion or the
    report is recorded on their record as the import would have. 404 for a person unknown to you; 422 on
    `person_id` for one you see by name only (with the name alone you cannot check the row is about
    them); 409 if the row was dealt with since you read it."""
    actor = current_user(request)
    row = _row(actor, row_id)
    people_selectors.person_known_for(actor=actor, person_id=payload.person_id)
    with fields_renamed({"person": "person_id"}):
        imports.unmatched_link(actor=actor, row=row, person_id=payload.person_id, version=payload.version)
    return import_row_out(_row(actor, row_id))


@router.post(
    "/imports/rows/{row_id}/retry",
    response={200: ImportRowOut, **WRITE_ERRORS},
    summary="Try matching an imported row again",
)
def import_row_retry(request: HttpRequest, row_id: UUID, payload: ImportRowVersionIn) -> ImportRowOut:
    """As "Try matching again": if the row now matches one young person with certainty it is recorded
    and `resolution` is `matched`; otherwise it keeps waiting (`resolution` empty, `reason` says why).
    409 if the row was dealt with since you read it."""
    actor = current_user(request)
    imports.unmatched_retry(actor=actor, row=_row(actor, row_id), version=payload.version)
    return import_row_out(_row(actor, row_id))


@router.post(
    "/imports/rows/{row_id}/set-aside",
    response={200: ImportRowOut, **WRITE_ERRORS},
    summary="Set an imported row aside",
)
def import_row_set_aside(request: HttpRequest, row_id: UUID, payload: ImportRowSetAsideIn) -> ImportRowOut:
    """As "Set aside": the row leaves the review, with `resolution` saying what happened to it. 409 if the
    row was dealt with since you read it."""
    actor = current_user(request)
    imports.unmatched_set_aside(
        actor=actor, row=_row(actor, row_id), resolution=payload.resolution, version=payload.version
    )
    return import_row_out(_row(actor, row_id))
