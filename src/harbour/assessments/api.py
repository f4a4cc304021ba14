"""The assessments API: read and work on joint exploitation risk assessments, through the app's
selectors and services (the same policy, audit and validation as the pages)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from harbour.api.auth import current_user
from harbour.api.errors import ErrorOut
from harbour.assessments import policies, schemas, selectors, services
from harbour.assessments.inputs import AgreeInput, AnswerInput
from harbour.assessments.schemas import (
    AgreementIn,
    AssessmentFilters,
    AssessmentListItem,
    AssessmentOut,
    AssessmentPage,
    CloseIn,
    ContributionIn,
    ContributorIn,
    OfferAcceptIn,
    OfferDeclineIn,
    OfferList,
    OpenIn,
    SectionsIn,
    WithdrawRequestIn,
)

router = Router(tags=["assessments"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/", response={200: AssessmentPage, **ERRORS}, summary="List joint exploitation risk assessments")
def assessments_list(request: HttpRequest, filters: Query[AssessmentFilters]) -> AssessmentPage:
    """Assessments of the young people whose records you see in full, newest first; `person_id` narrows
    the list to one young person."""
    actor = current_user(request)
    queryset = selectors.assessment_list_for(actor=actor, person_id=filters.person_id)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(queryset[start : start + filters.page_size])
    more = start + filters.page_size < count
    return AssessmentPage(
        items=[AssessmentListItem(**schemas.list_item(row)) for row in rows],
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        next_page=filters.page + 1 if more else None,
    )


@router.get("/{assessment_id}", response={200: AssessmentOut, **ERRORS}, summary="Read an assessment")
def assessments_get(request: HttpRequest, assessment_id: UUID) -> AssessmentOut:
    """One assessment of a young person whose record you see in full. Health-restricted answers come
    as `restricted: true` with no content unless you may see them."""
    return _read(current_user(request), assessment_id)


def _read(actor: Any, assessment_id: UUID) -> AssessmentOut:
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id)
    closed_as = selectors.closed_as(assessment, selectors.superseding_merges([assessment]))
    return schemas.detail(
        assessment, selectors.contributions_for(actor=actor, assessment=assessment), closed_as=closed_as
    )


@router.post(
    "/", response={201: AssessmentOut, **ERRORS}, summary="Open a joint exploitation risk assessment"
)
def assessments_open(request: HttpRequest, payload: OpenIn) -> Status[AssessmentOut]:
    """Open an assessment of a young person you see in full (`assessment.lead`); you lead it. One open
    assessment per young person. `referral_id` records the front-door referral it comes from."""
    actor = current_user(request)
    assessment = services.assessment_open(
        actor=actor,
        person_id=payload.person_id,
        tool_version=payload.tool_version,
        referral_id=payload.referral_id,
    )
    return Status(201, _read(actor, assessment.pk))


@router.put(
    "/{assessment_id}/contribution",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Save your contribution",
)
def assessments_contribute(
    request: HttpRequest, assessment_id: UUID, payload: ContributionIn
) -> AssessmentOut:
    """Replace your answers (you must have been asked, or lead it) while the assessment is open. Send
    the contribution's `version` as read; a stale one gets 409."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id, audited=False)
    own = selectors.own_contribution(actor=actor, assessment=assessment)
    if own is None:
        raise Http404
    services.contribution_save(
        actor=actor,
        contribution_id=own.pk,
        version=payload.version,
        summary=payload.summary,
        answers=[
            AnswerInput(
                indicator=a.indicator,
                value=a.value,
                timeframe=a.timeframe,
                evidence=a.evidence,
                source=a.source,
            )
            for a in payload.answers
        ],
    )
    return _read(actor, assessment_id)


@router.post(
    "/{assessment_id}/sections",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Record the young person's words and the sections",
)
def assessments_sections(request: HttpRequest, assessment_id: UUID, payload: SectionsIn) -> AssessmentOut:
    """The lead records the young person's own words (or why not), the extra-familial risk and the
    protective factors at home. Send the assessment's `version`; a stale one gets 409."""
    actor = current_user(request)
    services.assessment_sections_save(
        actor=actor,
        assessment_id=assessment_id,
        version=payload.version,
        young_person_words=payload.young_person_words,
        words_missing_reason=payload.words_missing_reason,
        extra_familial_summary=payload.extra_familial_summary,
        home_protective_factors=payload.home_protective_factors,
    )
    return _read(actor, assessment_id)


@router.post(
    "/{assessment_id}/agreement",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Agree the level",
)
def assessments_agree(request: HttpRequest, assessment_id: UUID, payload: AgreementIn) -> AssessmentOut:
    """The lead agrees the level with a rationale; a level other than the computed one needs
    `judgement_reason`. Refused while the young person's words and the reason they are missing are
    both empty. Send the assessment's `version`; a stale one gets 409."""
    actor = current_user(request)
    services.assessment_agree(
        actor=actor,
        assessment_id=assessment_id,
        version=payload.version,
        data=AgreeInput(
            agreed_level=payload.agreed_level,
            rationale=payload.rationale,
            judgement_reason=payload.judgement_reason,
            exploitation_types=list(payload.exploitation_types),
        ),
    )
    return _read(actor, assessment_id)


@router.post(
    "/{assessment_id}/contributors",
    response={201: AssessmentOut, **ERRORS},
    summary="Ask a professional to contribute",
)
def assessments_contributor_request(
    request: HttpRequest, assessment_id: UUID, payload: ContributorIn
) -> Status[AssessmentOut]:
    """The lead asks a colleague to contribute, as on the assessment page: someone whose current role
    lets them contribute, not yet asked, while the assessment is open. Others who read it get 403."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id, audited=False)
    if not policies.is_lead(actor, assessment):
        raise PermissionDenied("Only the lead professional can do this.")
    available = {user.pk for user, _agency in selectors.contributors_available(assessment=assessment)}
    if payload.contributor_id not in available:
        raise ValidationError(
            {"contributor_id": "Select a professional who can contribute and has not been asked yet."}
        )
    services.contribution_request(
        actor=actor, assessment_id=assessment.pk, contributor_id=payload.contributor_id
    )
    return Status(201, _read(actor, assessment_id))


@router.post(
    "/{assessment_id}/contributors/{contribution_id}/withdraw",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Withdraw a request to contribute that has not been started",
)
def assessments_contributor_withdraw(
    request: HttpRequest, assessment_id: UUID, contribution_id: UUID, payload: WithdrawRequestIn
) -> AssessmentOut:
    """The lead withdraws a request to contribute, as on the assessment page, while the assessment is
    open: only one with nothing in it (not submitted, no answer, no offered indicator declined; 422 on
    `contribution_id` otherwise, and for the lead's own). Send the contribution's `version` as read; if
    it was saved since, 409 and nothing is withdrawn. The professional asked loses the access the request
    gave them. Others who read the assessment get 403."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id, audited=False)
    if not policies.is_lead(actor, assessment):
        raise PermissionDenied("Only the lead professional can do this.")
    services.contribution_request_withdraw(
        actor=actor, assessment_id=assessment.pk, contribution_id=contribution_id, version=payload.version
    )
    return _read(actor, assessment_id)


@router.get(
    "/{assessment_id}/offers",
    response={200: OfferList, **ERRORS},
    summary="Indicators offered by other modules",
)
def assessments_offers(request: HttpRequest, assessment_id: UUID) -> OfferList:
    """Indicators the missing and education modules offer about this young person, with provenance, for
    an open assessment (an agreed or closed one has none to take). Health-restricted offers come as
    `restricted: true` with no content unless you may see them."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id)
    views = selectors.offers_for(actor=actor, assessment=assessment) if assessment.is_open else []
    own = selectors.own_contribution(actor=actor, assessment=assessment)
    declined = dict(own.offer_declines.values_list("offer_id", "reason")) if own is not None else {}
    return OfferList(items=[schemas.offer_out(view, declined) for view in views], count=len(views))


@router.post(
    "/{assessment_id}/offers/{offer_id}/accept",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Take an offered indicator into your contribution",
)
def assessments_offer_accept(
    request: HttpRequest, assessment_id: UUID, offer_id: UUID, payload: OfferAcceptIn
) -> AssessmentOut:
    """Take the offer into your own contribution as a yes, with its source, as on the assessment page
    (you must have been asked, or lead it, while it is open: 404 if you have no contribution, 403 once
    it is no longer open). Send the offer's `version` from the offers list: if the module that offered
    it changed the evidence since, nothing is taken and you get 409 with the current version (read the
    offer again, then decide)."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id, audited=False)
    own = selectors.own_contribution(actor=actor, assessment=assessment)
    if own is None:
        raise Http404
    if not policies.can_contribute(actor, own):
        raise PermissionDenied("This assessment is no longer open for contributions.")
    services.offer_accept(actor=actor, contribution_id=own.pk, offer_id=offer_id, version=payload.version)
    return _read(actor, assessment_id)


@router.post(
    "/{assessment_id}/close",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Close an assessment without agreeing a level",
)
def assessments_close(request: HttpRequest, assessment_id: UUID, payload: CloseIn) -> AssessmentOut:
    """The lead closes an open assessment without agreement, with a `reason` (for example, the young person
    moved out of the area). 403 for others who read it; 422 on `status` once agreed or closed; send the
    assessment's `version` (stale: 409)."""
    actor = current_user(request)
    services.assessment_close(
        actor=actor, assessment_id=assessment_id, version=payload.version, reason=payload.reason
    )
    return _read(actor, assessment_id)


@router.post(
    "/{assessment_id}/offers/{offer_id}/decline",
    response={200: AssessmentOut, 409: ErrorOut, **ERRORS},
    summary="Decline an offered indicator for your contribution",
)
def assessments_offer_decline(
    request: HttpRequest, assessment_id: UUID, offer_id: UUID, payload: OfferDeclineIn
) -> AssessmentOut:
    """Decide not to take the offer into your own contribution, with a `reason` (the same rules as
    accepting it). Send the offer's `version` from the offers list: if the module that offered it changed
    the evidence since, nothing is declined and you get 409 with the current version (read the offer
    again, then decide). The offer stays for the other contributors; taking it later replaces the
    decision."""
    actor = current_user(request)
    assessment = selectors.assessment_get_for(actor=actor, assessment_id=assessment_id, audited=False)
    own = selectors.own_contribution(actor=actor, assessment=assessment)
    if own is None:
        raise Http404
    if not policies.can_contribute(actor, own):
        raise PermissionDenied("This assessment is no longer open for contributions.")
    services.offer_decline(
        actor=actor,
        contribution_id=own.pk,
        offer_id=offer_id,
        reason=payload.reason,
        version=payload.version,
    )
    return _read(actor, assessment_id)
