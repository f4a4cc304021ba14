"""The referrals API: submit, read, list, decide and withdraw, through the front door's services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from ninja import Query, Router, Status

from harbour.api.auth import current_user
from harbour.api.errors import ApiError, ErrorOut
from harbour.audit import services as audit
from harbour.frontdoor import policies, selectors, services
from harbour.frontdoor.schemas import (
    DecisionIn,
    ReferralFilters,
    ReferralIn,
    ReferralListItem,
    ReferralOut,
    ReferralPage,
    WithdrawIn,
    referral_detail,
    referral_list_item,
)

router = Router(tags=["referrals"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _detail(actor: Any, referral_id: UUID, purpose: str) -> ReferralOut:
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id, purpose=purpose)
    return referral_detail(
        referral,
        referral.subject_summaries,  # type: ignore[attr-defined]
        now=timezone.now(),
        front_door=policies.can_triage(actor),
    )


@router.post(
    "/",
    response={200: ReferralOut, 201: ReferralOut, **ERRORS},
    summary="Refer a concern to the front door",
)
def referrals_create(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    """Refer a concern about young people, or a place or group. Send an `Idempotency-Key` header (any
    unique text up to 200 characters): sending the same key again returns the first referral with 200
    and creates nothing; a new referral answers 201."""
    actor = current_user(request)
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key or len(key) > 200:
        raise ApiError(
            400,
            "bad_request",
            "Send an Idempotency-Key header with a unique value (up to 200 characters) for each referral.",
            fields={IDEMPOTENCY_HEADER: "Send a unique key of up to 200 characters."},
        )
    referral = services.referral_submit(actor=actor, data=payload.to_input(), idempotency_key=key)
    replayed = bool(getattr(referral, "replayed", False))
    return Status(200 if replayed else 201, _detail(actor, referral.pk, "api.created"))


@router.get("/", response={200: ReferralPage, **ERRORS}, summary="List referrals")
def referrals_list(request: HttpRequest, filters: Query[ReferralFilters]) -> ReferralPage:
    """The front door's open queue (most urgent, then longest waiting) for `frontdoor.triage` holders;
    otherwise the referrals you sent, newest first."""
    actor = current_user(request)
    queryset = selectors.referral_list_for(actor=actor)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    referrals = list(queryset[start : start + filters.page_size])
    subjects = [subject for referral in referrals for subject in referral.subjects.all()]
    summaries = iter(selectors.subject_summaries(actor=actor, subjects=subjects))
    now = timezone.now()
    items = [
        ReferralListItem(
            **referral_list_item(referral, [next(summaries) for _ in referral.subjects.all()], now=now)
        )
        for referral in referrals
    ]
    if policies.can_triage(actor):
        audit.record(actor, "referral.queue_viewed", detail={"referrals": len(items), "page": filters.page})
    more = start + filters.page_size < count
    next_url = None
    if more:
        params = QueryDict(mutable=True)
        params["page"] = str(filters.page + 1)
        params["page_size"] = str(filters.page_size)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return ReferralPage(
        items=items,
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        next=next_url,
        next_page=filters.page + 1 if more else None,
    )


@router.get("/{referral_id}", response={200: ReferralOut, **ERRORS}, summary="Read a referral")
def referrals_get(request: HttpRequest, referral_id: UUID) -> ReferralOut:
    """A referral you sent, one the front door is working on (triage), or one about a young person whose
    record you see in full. Its young people come at your access level."""
    return _detail(current_user(request), referral_id, "api")


@router.post(
    "/{referral_id}/decision",
    response={200: ReferralOut, 409: ErrorOut, **ERRORS},
    summary="Decide on a referral",
)
def referrals_decide(request: HttpRequest, referral_id: UUID, payload: DecisionIn) -> ReferralOut:
    """Record the front door's decision (`frontdoor.triage`). Send the version you read: if the referral
    changed since, you get 409. The referrer is told in Harbour and by email."""
    actor = current_user(request)
    services.referral_decide(
        actor=actor,
        referral_id=referral_id,
        version=payload.version,
        decision_type=payload.decision_type,
        rationale=payload.rationale,
        no_further_action_reason=payload.no_further_action_reason,
        next_steps=payload.next_steps,
    )
    return _detail(actor, referral_id, "api.decided")


@router.post(
    "/{referral_id}/withdraw",
    response={200: ReferralOut, 409: ErrorOut, **ERRORS},
    summary="Withdraw a referral",
)
def referrals_withdraw(request: HttpRequest, referral_id: UUID, payload: WithdrawIn) -> ReferralOut:
    """Withdraw an open referral, with a `reason`: you sent it, or you hold `frontdoor.triage` (403
    otherwise; 422 on `status` once decided or withdrawn). Send the version you read: if the referral
    changed since, you get 409. It leaves the triage queue; the referrer (when the front door withdraws
    it) or the officer triaging it (when the referrer does) is told in Harbour and by email."""
    actor = current_user(request)
    services.referral_withdraw(
        actor=actor, referral_id=referral_id, version=payload.version, reason=payload.reason
    )
    return _detail(actor, referral_id, "api.withdrawn")
