"""Writes for joint exploitation risk assessments, and the offers other modules make to them.

Each service checks policy, validates (``ValidationError`` keyed by field), runs in one transaction with
its audit event. Audit details carry codes and ids only, never free text.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.accounts.models import User
from harbour.assessments import policies, scoring
from harbour.assessments.inputs import AgreeInput, AnswerInput
from harbour.assessments.models import (
    Answer,
    Assessment,
    Contribution,
    Indicator,
    OfferDecline,
    OfferedIndicator,
    RiskLevel,
    ScreeningToolVersion,
)
from harbour.audit import services as audit
from harbour.core.busy import database_busy
from harbour.core.errors import ConflictError, locked_for_update
from harbour.frontdoor.models import ConcernType, Referral
from harbour.people.models import Person

MAX_TEXT = 10_000
MAX_SOURCE = 300


def text_problem(value: str, *, max_length: int = MAX_TEXT, required: str = "") -> str | None:
    """Why ``value`` cannot be stored as an assessment's free text (empty when ``required`` says so, too
    long, a NUL character), or ``None`` when it can. Callers that write offers in bulk check with it."""
    if required and not value.strip():
        return required
    if len(value) > max_length:
        return f"Must be {max_length:,} characters or fewer."
    if "\x00" in value:
        return "Contains a character that cannot be stored. Remove it and try again."
    return None


def _primary_agency(actor: Any) -> Any:
    membership = actor.primary_membership() if actor is not None else None
    return membership.team.agency if membership else None


# --- offers from other modules (see /docs/assessments.md, "Indicators offered by other modules") -----


def indicator_offer(
    *,
    actor: Any,
    person: Person,
    indicator_code: str,
    source_app: str,
    source_kind: str,
    source_id: str,
    source_url: str,
    observed_on: datetime.date,
    evidence: str,
    timeframe: str = "current",
) -> OfferedIndicator:
    """Offer evidence from another module to the young person's assessments. Idempotent per source."""
    indicator = Indicator.objects.filter(code=indicator_code, active=True).first()
    if indicator is None:
        raise ValidationError({"indicator_code": f"There is no active indicator {indicator_code!r}."})
    if timeframe not in {choice.value for choice in Answer.Timeframe}:
        raise ValidationError({"timeframe": "The timeframe must be current or 6-12-months."})
    if not source_app or not source_kind or not str(source_id):
        raise ValidationError(
            {"source_id": "Say which module, kind of record and record the offer comes from."}
        )
    problem = text_problem(evidence)
    if problem:
        raise ValidationError({"evidence": problem})
    agency = _primary_agency(actor) if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        offer, created = OfferedIndicator.objects.select_for_update().get_or_create(
            source_app=source_app,
            source_kind=source_kind,
            source_id=str(source_id),
            indicator=indicator,
            defaults={
                "person": person,
                "source_url": source_url[:500],
                "observed_on": observed_on,
                "evidence": evidence,
                "timeframe": timeframe,
                "offered_by": actor if actor is not None and actor.is_authenticated else None,
                "offered_by_agency": agency,
            },
        )
        if not created:
            offer.person = person
            offer.source_url = source_url[:500]
            offer.observed_on = observed_on
            offer.evidence = evidence
            offer.timeframe = timeframe
            offer.withdrawn_at = None
            offer.version += 1
            offer.save()
        audit.record(
            actor,
            "indicator.offered",
            offer,
            person_id=person.pk,
            detail={
                "indicator": indicator.code,
                "source_app": source_app,
                "source_kind": source_kind,
                "source_id": str(source_id),
                "updated": not created,
            },
        )
    return offer


def indicator_offer_withdraw(
    *, actor: Any, source_app: str, source_kind: str, source_id: str, indicator_code: str
) -> None:
    """Withdraw an offer whose source no longer holds. Idempotent; answers already accepted stay."""
    with transaction.atomic():
        offer = (
            OfferedIndicator.objects.select_for_update()
            .filter(
                source_app=source_app,
                source_kind=source_kind,
                source_id=str(source_id),
                indicator__code=indicator_code,
                withdrawn_at__isnull=True,
            )
            .first()
        )
        if offer is None:
            return
        offer.withdrawn_at = timezone.now()
        offer.version += 1
        offer.save(update_fields=["withdrawn_at", "version", "updated_at"])
        audit.record(
            actor,
            "indicator.offer_withdrawn",
            offer,
            person_id=offer.person_id,
            detail={"indicator": indicator_code, "source_app": source_app, "source_kind": source_kind},
        )


# --- scoring ----------------------------------------------------------------------------------------


def level_ranks(tool_version: ScreeningToolVersion) -> dict[str, int]:
    return dict(RiskLevel.objects.filter(tool_id=tool_version.tool_id).values_list("code", "rank"))


def _rescore(assessment: Assessment) -> None:
    """Work out the computed level from every answer given so far, under the assessment's own version."""
    yes = Answer.objects.filter(contribution__assessment=assessment, value=Answer.Value.YES).values_list(
        "indicator__code", "timeframe"
    )
    version = assessment.tool_version
    result = scoring.score(version.rule, list(yes), level_ranks(version))
    assessment.computed_level = RiskLevel.objects.get(code=result.level)
    assessment.computed_points = result.points


# --- assessments ------------------------------------------------------------------------------------


def _assessment_for_update(actor: Any, assessment_id: UUID) -> Assessment:
    assessment = (
        Assessment.objects.select_related("person", "tool_version", "lead").filter(pk=assessment_id).first()
    )
    if assessment is None or not policies.can_view(actor, assessment):
        raise Http404
    return assessment


def _require_lead(actor: Any, assessment: Assessment) -> None:
    if not policies.is_lead(actor, assessment):
        raise PermissionDenied("Only the lead professional can do this.")


def _require_open(assessment: Assessment) -> None:
    if not assessment.is_open:
        raise ValidationError(
            {"status": "This assessment has been agreed or closed and can no longer change."}
        )


def assessment_open(
    *,
    actor: Any,
    person_id: UUID,
    tool_version: str,
    referral_id: UUID | None = None,
) -> Assessment:
    """Open a joint assessment, led by the actor, under the chosen tool version (kept for good)."""
    person = Person.objects.filter(
        pk=person_id, kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True
    ).first()
    if person is None or not access.can_see_full(actor, person):
        raise Http404
    if not policies.can_open(actor, person):
        raise PermissionDenied("You cannot open a joint exploitation risk assessment.")
    errors: dict[str, str] = {}
    version = (
        ScreeningToolVersion.objects.filter(code=tool_version, active=True).select_related("tool").first()
    )
    if version is None or not version.tool.active:
        errors["tool_version"] = "Select a screening tool."
    referral = None
    if referral_id is not None:
        referral = Referral.objects.filter(pk=referral_id, subjects__person=person).first()
        if referral is None:
            errors["referral_id"] = "That referral is not about this young person."
    agency = _primary_agency(actor)
    if agency is None:
        errors["lead"] = "You need a current place in a team to lead an assessment."
    if errors:
        raise ValidationError(errors)
    assert version is not None
    with transaction.atomic():
        # One open assessment per young person at a time: lock the person row to decide.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if Assessment.objects.filter(person=person, status=Assessment.Status.OPEN).exists():
            raise ValidationError({"person_id": "This young person already has an open assessment."})
        previous = (
            Assessment.objects.filter(person=person, status=Assessment.Status.AGREED)
            .order_by("-agreed_at")
            .first()
        )
        now = timezone.now()
        assessment = Assessment.objects.create(
            person=person,
            tool_version=version,
            lead=actor,
            lead_agency=agency,
            opened_from=referral,
            previous=previous,
            opened_at=now,
        )
        Contribution.objects.create(assessment=assessment, author=actor, agency=agency, requested_by=actor)
        _rescore(assessment)
        assessment.save()
        audit.record(
            actor,
            "assessment.opened",
            assessment,
            person_id=person.pk,
            detail={
                "tool_version": version.code,
                "referral": str(referral.pk) if referral else "",
                "previous": str(previous.pk) if previous else "",
            },
        )
    return assessment


def contribution_request(*, actor: Any, assessment_id: UUID, contributor_id: UUID) -> Contribution:
    """The lead asks a professional to contribute. While the assessment is open they see the record."""
    assessment = _assessment_for_update(actor, assessment_id)
    _require_lead(actor, assessment)
    _require_open(assessment)
    contributor = User.objects.filter(pk=contributor_id, is_active=True).first()
    if contributor is None or not policies.can_be_asked(contributor):
        raise ValidationError({"contributor_id": "Select a professional who can contribute to assessments."})
    agency = _primary_agency(contributor)
    if agency is None:
        raise ValidationError({"contributor_id": "That professional has no current place in a team."})
    with transaction.atomic():
        contribution, created = Contribution.objects.get_or_create(
            assessment=assessment,
            author=contributor,
            defaults={"agency": agency, "requested_by": actor},
        )
        if not created:
            raise ValidationError({"contributor_id": "That professional has already been asked."})
        audit.record(
            actor,
            "assessment.contribution_requested",
            assessment,
            person_id=assessment.person_id,
            detail={"contributor": str(contributor.pk), "agency": agency.name},
        )
    access.forget_cached_access(contributor)
    return contribution


def contribution_request_withdraw(
    *, actor: Any, assessment_id: UUID, contribution_id: UUID, version: int
) -> Contribution:
    """The lead withdraws a request to contribute that the professional asked has not started: nothing
    submitted, no answer, no offer declined. The request is removed, so the access it gave them ends
    (the ``assessment_contributor`` source reads the requests of open assessments) unless they are in the
    network anyway; they may be asked again. The audit trail keeps the request and its withdrawal.

    ``version``: the contribution's version as the lead saw it. If the professional saved anything
    since, nothing is withdrawn and ``ConflictError`` says so."""
    contribution = (
        Contribution.objects.select_related("assessment__person", "author", "agency")
        .filter(pk=contribution_id, assessment_id=assessment_id)
        .first()
    )
    if contribution is None or not policies.can_view(actor, contribution.assessment):
        raise Http404
    assessment = contribution.assessment
    _require_lead(actor, assessment)
    _require_open(assessment)
    if contribution.author_id == assessment.lead_id:
        raise ValidationError(
            {"contribution_id": "The lead's own contribution is not a request to withdraw."}
        )
    author = contribution.author
    with transaction.atomic():
        # Lock the request, then the assessment (the order contribution_save takes them in).
        current = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
        if current is None:
            raise ValidationError({"contribution_id": "This request has already been withdrawn."})
        if current.version != version:
            raise ConflictError(
                f"{author} saved their contribution after you opened the page. Nothing has been "
                "withdrawn: read it below.",
                current_version=current.version,
            )
        started = (
            current.status != Contribution.Status.REQUESTED
            or Answer.objects.filter(contribution=current).exists()
            or OfferDecline.objects.filter(contribution=current).exists()
        )
        if started:
            raise ValidationError(
                {"contribution_id": f"{author} has started their contribution, so the request stays."}
            )
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        _require_open(locked)
        current.delete()
        audit.record(
            actor,
            "assessment.contribution_request_withdrawn",
            locked,
            person_id=locked.person_id,
            detail={
                "contributor": str(author.pk),
                "agency": contribution.agency.name,
                "contribution": str(contribution.pk),
            },
        )
    access.forget_cached_access(author)
    return contribution


def _lock_contribution(contribution: Contribution) -> None:
    """Inside a contributor's write: lock their request, so a withdrawal waits for the write (and then
    finds it started) or the write finds the request withdrawn, and answers 404 as for any record the
    actor no longer sees."""
    if not Contribution.objects.select_for_update().filter(pk=contribution.pk).exists():
        raise Http404


def contribution_save(
    *,
    actor: Any,
    contribution_id: UUID,
    version: int,
    answers: list[AnswerInput],
    summary: str = "",
) -> Contribution:
    """Record the author's answers (replacing their earlier ones) and submit the contribution."""
    contribution = (
        Contribution.objects.select_related("assessment__person", "assessment__tool_version")
        .filter(pk=contribution_id)
        .first()
    )
    if contribution is None or not policies.can_view(actor, contribution.assessment):
        raise Http404
    if not policies.can_contribute(actor, contribution):
        raise PermissionDenied("Only the professional asked can write this contribution, while it is open.")
    assessment = contribution.assessment
    allowed = set(assessment.tool_version.indicator_codes())
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=allowed)}
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        prefix = f"answers.{index}"
        if answer.indicator not in indicators:
            errors[f"{prefix}.indicator"] = "This indicator is not part of this assessment's tool."
        elif answer.indicator in seen:
            errors[f"{prefix}.indicator"] = "Answer each indicator once."
        seen.add(answer.indicator)
        if answer.value not in Answer.Value.values:
            errors[f"{prefix}.value"] = "Answer yes, no or not known."
        if answer.timeframe not in Answer.Timeframe.values:
            errors[f"{prefix}.timeframe"] = "Say whether this is current or 6 to 12 months ago."
        for name, text, limit in (
            ("evidence", answer.evidence, MAX_TEXT),
            ("source", answer.source, MAX_SOURCE),
        ):
            problem = text_problem(text, max_length=limit)
            if problem:
                errors[f"{prefix}.{name}"] = problem
        if (
            answer.value == Answer.Value.YES
            and not answer.evidence.strip()
            and f"{prefix}.evidence" not in errors
        ):
            errors[f"{prefix}.evidence"] = "Give the evidence for a yes."
    problem = text_problem(summary)
    if problem:
        errors["summary"] = problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_contribution(contribution)
        contribution = locked_for_update(contribution, expected_version=version)
        offers = dict(
            contribution.answers.exclude(offer__isnull=True).values_list("indicator__code", "offer_id")
        )
        contribution.answers.all().delete()
        Answer.objects.bulk_create(
            [
                Answer(
                    contribution=contribution,
                    indicator=indicators[a.indicator],
                    value=a.value,
                    timeframe=a.timeframe,
                    evidence=a.evidence.strip(),
                    source=a.source.strip(),
                    offer_id=offers.get(a.indicator),
                )
                for a in answers
            ]
        )
        contribution.summary = summary.strip()
        contribution.status = Contribution.Status.SUBMITTED
        contribution.submitted_at = timezone.now()
        contribution.save()
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        _rescore(locked)
        locked.version += 1
        locked.save()
        audit.record(
            actor,
            "assessment.contribution_saved",
            contribution,
            person_id=assessment.person_id,
            detail={
                "assessment": str(assessment.pk),
                "yes": sum(1 for a in answers if a.value == Answer.Value.YES),
                "answers": len(answers),
                "computed_level": locked.computed_level.code if locked.computed_level else "",
            },
        )
    return contribution


def _offer_for_contribution(
    actor: Any, contribution_id: UUID, offer_id: UUID
) -> tuple[Contribution, OfferedIndicator]:
    """The actor's contribution and a current offer about its young person that the actor may act on."""
    contribution = (
        Contribution.objects.select_related("assessment__person", "assessment__tool_version")
        .filter(pk=contribution_id)
        .first()
    )
    if contribution is None or not policies.can_view(actor, contribution.assessment):
        raise Http404
    if not policies.can_contribute(actor, contribution):
        raise PermissionDenied("Only the professional asked can write this contribution, while it is open.")
    assessment = contribution.assessment
    offer = (
        OfferedIndicator.objects.select_related("indicator", "offered_by_agency")
        .filter(pk=offer_id, person_id=assessment.person_id, withdrawn_at__isnull=True)
        .first()
    )
    if offer is None:
        raise Http404
    if offer.indicator.health_restricted and not policies.sees_restricted_answer(
        actor, assessment=assessment, author_id=None
    ):
        raise Http404
    if offer.indicator.code not in assessment.tool_version.indicator_codes():
        raise ValidationError({"offer_id": "This assessment's tool does not ask about this indicator."})
    return contribution, offer


def offer_decline(
    *, actor: Any, contribution_id: UUID, offer_id: UUID, reason: str, version: int
) -> OfferDecline:
    """Decide not to take an offered indicator into the actor's contribution, saying why. Nothing is
    scored; the offer stays for others (each contributor decides for their own contribution).

    ``version``: the offer's version as the actor saw it (the page and the API send it). If the offering
    module changed the evidence since, nothing is declined and ``ConflictError`` says so."""
    contribution, offer = _offer_for_contribution(actor, contribution_id, offer_id)
    problem = text_problem(reason, required="Say why you are not taking this indicator.")
    if problem:
        raise ValidationError({"reason": problem})
    try:
        with transaction.atomic():
            _lock_contribution(contribution)
            # Lock the offer: a change of its evidence, or a second decline, waits for this one.
            current = OfferedIndicator.objects.select_for_update().get(pk=offer.pk)
            if current.version != version:
                raise ConflictError(
                    "The evidence offered for this indicator changed after you opened the page. Nothing "
                    "has been declined: read it again below, then decide.",
                    current_version=current.version,
                )
            if Answer.objects.filter(contribution=contribution, offer=offer).exists():
                raise ValidationError(
                    {"offer_id": "This indicator is already in your contribution: change your answer."}
                )
            if OfferDecline.objects.filter(contribution=contribution, offer=offer).exists():
                raise ValidationError({"offer_id": "You have already declined this indicator."})
            decline = OfferDecline.objects.create(
                contribution=contribution,
                offer=offer,
                reason=reason.strip(),
                declined_by=actor,
                declined_at=timezone.now(),
            )
            audit.record(
                actor,
                "assessment.offer_declined",
                contribution,
                person_id=contribution.assessment.person_id,
                reason=reason.strip(),
                detail={
                    "assessment": str(contribution.assessment_id),
                    "offer": str(offer.pk),
                    "indicator": offer.indicator.code,
                },
            )
    except OperationalError as error:
        if not database_busy(error):
            raise
        # Another write (the same decline sent twice, say) held SQLite's one write lock for longer than
        # the busy timeout, or at all on an in-memory database: refuse cleanly rather than fail.
        raise ConflictError(
            "Another change was being saved at the same moment as yours. Nothing has been declined: "
            "read the page again, then decide.",
            current_version=version,
        ) from error
    return decline


def offer_accept(*, actor: Any, contribution_id: UUID, offer_id: UUID, version: int) -> Answer:
    """Take an offered indicator into the actor's contribution as a yes, with its source recorded.

    ``version``: the offer's version as the actor saw it (the page and the API send it). If the offering
    module changed the evidence since, nothing is taken and ``ConflictError`` says so."""
    contribution, offer = _offer_for_contribution(actor, contribution_id, offer_id)
    assessment = contribution.assessment
    with transaction.atomic():
        _lock_contribution(contribution)
        # Lock the offer: a change of its evidence waits for this one, and what is taken is what was read.
        offer = (
            OfferedIndicator.objects.select_related("indicator")
            .select_for_update(of=("self",))
            .get(pk=offer.pk)
        )
        if offer.version != version:
            raise ConflictError(
                "The evidence offered for this indicator changed after you opened the page. Nothing has "
                "been added to your contribution: read it again below, then decide.",
                current_version=offer.version,
            )
        source = (
            f"{offer.source_app.title()} ({offer.source_kind.replace('-', ' ')}, "
            f"{offer.observed_on:%-d %B %Y})"
        )
        answer, _created = Answer.objects.update_or_create(
            contribution=contribution,
            indicator=offer.indicator,
            defaults={
                "value": Answer.Value.YES,
                "timeframe": offer.timeframe,
                "evidence": offer.evidence or offer.indicator.label,
                "source": source[:MAX_SOURCE],
                "offer": offer,
            },
        )
        # Taking an offer declined before replaces that decision.
        OfferDecline.objects.filter(contribution=contribution, offer=offer).delete()
        contribution.version += 1
        contribution.save(update_fields=["version", "updated_at"])
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        _rescore(locked)
        locked.version += 1
        locked.save()
        audit.record(
            actor,
            "assessment.offer_accepted",
            contribution,
            person_id=assessment.person_id,
            detail={
                "assessment": str(assessment.pk),
                "offer": str(offer.pk),
                "indicator": offer.indicator.code,
            },
        )
    return answer


def assessment_sections_save(
    *,
    actor: Any,
    assessment_id: UUID,
    version: int,
    young_person_words: str,
    words_missing_reason: str,
    extra_familial_summary: str,
    home_protective_factors: str,
) -> Assessment:
    """The lead records the young person's words, the extra-familial summary and protective factors."""
    assessment = _assessment_for_update(actor, assessment_id)
    _require_lead(actor, assessment)
    _require_open(assessment)
    errors: dict[str, str] = {}
    for name, value in (
        ("young_person_words", young_person_words),
        ("words_missing_reason", words_missing_reason),
        ("extra_familial_summary", extra_familial_summary),
        ("home_protective_factors", home_protective_factors),
    ):
        problem = text_problem(value)
        if problem:
            errors[name] = problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = locked_for_update(assessment, expected_version=version)
        assessment.young_person_words = young_person_words.strip()
        assessment.words_missing_reason = words_missing_reason.strip()
        assessment.extra_familial_summary = extra_familial_summary.strip()
        assessment.home_protective_factors = home_protective_factors.strip()
        assessment.save()
        audit.record(
            actor,
            "assessment.updated",
            assessment,
            person_id=assessment.person_id,
            detail={"young_person_words": bool(assessment.young_person_words)},
        )
    return assessment


def assessment_agree(*, actor: Any, assessment_id: UUID, version: int, data: AgreeInput) -> Assessment:
    """The lead agrees the level, with a rationale; moving from the computed level needs a reason."""
    assessment = _assessment_for_update(actor, assessment_id)
    _require_lead(actor, assessment)
    _require_open(assessment)
    errors: dict[str, str] = {}
    ranks = level_ranks(assessment.tool_version)
    level = RiskLevel.objects.filter(code=data.agreed_level, tool_id=assessment.tool_version.tool_id).first()
    if level is None:
        errors["agreed_level"] = "Select the agreed level."
    problem = text_problem(data.rationale, required="Say why you agree this level.")
    if problem:
        errors["rationale"] = problem
    problem = text_problem(data.judgement_reason)
    if problem:
        errors["judgement_reason"] = problem
    computed = assessment.computed_level
    judgement = ""
    if level is not None and computed is not None and level.code != computed.code:
        judgement = (
            Assessment.Judgement.UP if ranks[level.code] > ranks[computed.code] else Assessment.Judgement.DOWN
        )
        if not data.judgement_reason.strip() and "judgement_reason" not in errors:
            direction = "above" if judgement == Assessment.Judgement.UP else "below"
            errors["judgement_reason"] = (
                f"The agreed level is {direction} the computed level: give your professional judgement."
            )
    types = list(ConcernType.objects.filter(code__in=data.exploitation_types, active=True))
    if len(types) != len(set(data.exploitation_types)):
        errors["exploitation_types"] = "Select exploitation types from the list."
    if not assessment.young_person_words.strip() and not assessment.words_missing_reason.strip():
        errors["young_person_words"] = (
            "Record the young person's own words and wishes, or say why they are not recorded "
            "(for example, the young person declined), before agreeing the level."
        )
    if errors:
        raise ValidationError(errors)
    assert level is not None
    now = timezone.now()
    with transaction.atomic():
        assessment = locked_for_update(assessment, expected_version=version)
        assessment.agreed_level = level
        assessment.judgement = judgement
        assessment.judgement_reason = data.judgement_reason.strip() if judgement else ""
        assessment.rationale = data.rationale.strip()
        assessment.status = Assessment.Status.AGREED
        assessment.agreed_by = actor
        assessment.agreed_at = now
        assessment.next_review_on = timezone.localdate(now) + datetime.timedelta(
            days=level.review_interval_days
        )
        assessment.save()
        assessment.exploitation_types.set(types)
        # The assessment this one reviews is now history.
        Assessment.objects.filter(
            person_id=assessment.person_id, status=Assessment.Status.AGREED, agreed_at__lt=now
        ).exclude(pk=assessment.pk).update(status=Assessment.Status.CLOSED, closed_at=now)
        audit.record(
            actor,
            "assessment.agreed",
            assessment,
            person_id=assessment.person_id,
            detail={
                "agreed_level": level.code,
                "computed_level": computed.code if computed else "",
                "judgement": judgement,
                "exploitation_types": sorted(t.code for t in types),
            },
        )
    access.forget_cached_access(actor)
    return assessment


def assessment_close(*, actor: Any, assessment_id: UUID, version: int, reason: str) -> Assessment:
    """The lead closes an open assessment without agreeing a level, saying why (for example, the young
    person moved out of the area). Contributions stop; the young person's risk history is unchanged."""
    assessment = _assessment_for_update(actor, assessment_id)
    _require_lead(actor, assessment)
    _require_open(assessment)
    problem = text_problem(reason, required="Say why the assessment is being closed without agreement.")
    if problem:
        raise ValidationError({"reason": problem})
    with transaction.atomic():
        assessment = locked_for_update(assessment, expected_version=version)
        assessment.status = Assessment.Status.CLOSED
        assessment.closed_at = timezone.now()
        assessment.closed_by = actor
        assessment.close_reason = reason.strip()
        assessment.save()
        audit.record(
            actor,
            "assessment.closed",
            assessment,
            person_id=assessment.person_id,
            reason=reason.strip(),
            detail={
                "computed_level": assessment.computed_level.code if assessment.computed_level else "",
                "contributions_waiting": assessment.contributions.filter(
                    status=Contribution.Status.REQUESTED
                ).count(),
            },
        )
    return assessment


# --- two records of one young person merged (people.merging) ----------------------------------------


def assessments_after_merge(*, survivor_id: Any, at: datetime.datetime) -> list[dict[str, str]]:
    """After two records of one young person become one: the latest agreed assessment is current and
    each older agreed one is closed as superseded by the merge, as a later review supersedes it
    (``closed_at`` the merge's time, no closer or reason). Written with ``update``, so its version and
    other fields stay as they were and the unmerge can put it back exactly. Returns what changed, for
    the merge's snapshot. Runs inside ``person_merge``'s transaction; the merge's audit event lists it."""
    agreed = list(
        Assessment.objects.select_for_update()
        .filter(person_id=survivor_id, status=Assessment.Status.AGREED)
        .order_by("-agreed_at", "-pk")
        .values_list("pk", "closed_at")
    )
    superseded: list[dict[str, str]] = []
    for pk, closed_at in agreed[1:]:
        Assessment.objects.filter(pk=pk, status=Assessment.Status.AGREED).update(
            status=Assessment.Status.CLOSED, closed_at=at
        )
        superseded.append(
            {
                "model": "assessments.assessment",
                "pk": str(pk),
                "field": "status",
                "status": Assessment.Status.AGREED.value,
                "closed_at": closed_at.isoformat() if closed_at else "",
            }
        )
    return superseded


def assessments_after_unmerge(
    *, entries: list[dict[str, str]], at: datetime.datetime
) -> list[dict[str, str]]:
    """Undo ``assessments_after_merge`` once the rows are back on their own records: each assessment it
    closed, still as the merge left it (closed at the merge's time ``at``), is agreed again with its own
    values, unless a review of that young person has been agreed since the merge (it supersedes it, as
    it would have anyway). Returns the entries left as they are, with why."""
    not_restored: list[dict[str, str]] = []
    for entry in entries:
        closed_at = datetime.datetime.fromisoformat(entry["closed_at"]) if entry["closed_at"] else None
        row = Assessment.objects.filter(pk=entry["pk"], status=Assessment.Status.CLOSED, closed_at=at).first()
        if row is None:
            not_restored.append({**entry, "why": "the assessment changed after the merge"})
            continue
        if (
            Assessment.objects.filter(
                person_id=row.person_id, status=Assessment.Status.AGREED, agreed_at__gt=at
            )
            .exclude(pk=row.pk)
            .exists()
        ):
            not_restored.append({**entry, "why": "a review agreed after the merge supersedes it"})
            continue
        Assessment.objects.filter(pk=row.pk).update(status=entry["status"], closed_at=closed_at)
    return not_restored
