"""Pages for joint exploitation risk assessments. Thin: selectors read, services write.

Paths carry record ids only, never a name.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from harbour.access import policies as access
from harbour.assessments import chart, policies, selectors, services
from harbour.assessments.forms import (
    AgreeForm,
    CloseForm,
    ContributionForm,
    OfferAcceptForm,
    OfferDeclineForm,
    OpenForm,
    RequestForm,
    SectionsForm,
    WithdrawRequestForm,
)
from harbour.assessments.inputs import AgreeInput
from harbour.assessments.models import Assessment, Contribution, Indicator
from harbour.core.errors import ConflictError
from harbour.figures import suppression
from harbour.frontdoor.models import Referral
from harbour.people.models import Person


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in error.messages:
            form.add_error(None, text)


def _person_full(request: HttpRequest, person_id: UUID) -> Person:
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not access.can_see_full(request.user, person):
        raise Http404
    return person


# --- a young person's assessments and risk history ---------------------------------------------------


@never_cache
@login_required
def person_history(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The young person's assessments, and their risk history as a timeline, a chart and a table."""
    person = _person_full(request, person_id)
    history = selectors.history_for(actor=request.user, person_id=person.pk)
    assessments = list(selectors.assessment_list_for(actor=request.user, person_id=person.pk))
    open_assessments = [a for a in assessments if a.status == Assessment.Status.OPEN]
    context = {
        # What people/_header.html needs (the "Risk assessments" tab of the record): full access only.
        "is_full": True,
        "tab": "assessments",
        "reasons": access.explain(request.user, person),
        "can_edit": access.can(request.user, "person.edit", person),
        "can_give_access": access.can(request.user, "grant.give", person),
        "can_see_audit": access.can(request.user, "audit.view_person", person),
        "can_break_glass": False,
        "person": person,
        "history": history,
        "chart": chart.step_chart(history),
        "assessments": assessments,
        "superseded_by_merge": set(selectors.superseding_merges(assessments)),
        "can_open": policies.can_open(request.user, person) and not open_assessments,
        # More than one open (after two records of the young person were merged): a lead closes one.
        "open_assessments": open_assessments if len(open_assessments) > 1 else [],
    }
    return render(request, "assessments/person_history.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person = _person_full(request, person_id)
    if not policies.can_open(request.user, person):
        raise PermissionDenied("You cannot open a joint exploitation risk assessment.")
    referral = None
    referral_id = request.GET.get("referral") or request.POST.get("referral") or ""
    if referral_id:
        try:
            referral = Referral.objects.filter(pk=UUID(referral_id), subjects__person=person).first()
        except ValueError:
            referral = None
    if request.method == "POST":
        form = OpenForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.assessment_open(
                    actor=request.user,
                    person_id=person.pk,
                    tool_version=form.cleaned_data["tool_version"].code,
                    referral_id=form.cleaned_data.get("referral"),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "Assessment opened. Add your contribution and ask other agencies.")
                return redirect("assessments:detail", assessment_id=assessment.pk)
        status = 422
    else:
        form = OpenForm(initial={"referral": referral.pk if referral else None})
        status = 200
    context = {"person": person, "form": form, "referral": referral}
    return render(request, "assessments/new.html", context, status=status)


# --- one assessment ------------------------------------------------------------------------------------


def _offer_rows(
    actor: Any, assessment: Assessment, own: Contribution | None, decline_form: Form | None
) -> list[dict[str, Any]]:
    """The offers shown to a contributor: each with what they decided for their own contribution (taken,
    declined with the reason, or not yet) and, when not yet decided, its decline form."""
    if own is None or not assessment.is_open:
        return []
    taken = set(own.answers.exclude(offer__isnull=True).values_list("offer_id", flat=True))
    declined = dict(own.offer_declines.values_list("offer_id", "reason"))
    sent_back = decline_form if isinstance(decline_form, OfferDeclineForm) else None
    rows = []
    for offer in selectors.offers_for(actor=actor, assessment=assessment):
        row: dict[str, Any] = {
            "offer": offer,
            "taken": offer.offer_id in taken,
            "declined": offer.offer_id in declined,
            "declined_reason": declined.get(offer.offer_id, ""),
            "decline_form": None,
            "accept_form": None,
        }
        if not offer.restricted and not row["taken"]:
            row["accept_form"] = OfferAcceptForm(offer_id=offer.offer_id, initial={"version": offer.version})
        if not offer.restricted and not row["taken"] and not row["declined"]:
            if sent_back is not None and sent_back.prefix == f"decline-{offer.offer_id}":
                sent_back.name_indicator(offer.indicator_label)
                row["decline_form"] = sent_back
            else:
                row["decline_form"] = OfferDeclineForm(
                    offer_id=offer.offer_id,
                    indicator_label=offer.indicator_label,
                    initial={"version": offer.version},
                )
        rows.append(row)
    return rows


def _detail_context(request: HttpRequest, assessment: Assessment, **forms: Any) -> dict[str, Any]:
    actor = request.user
    is_lead = policies.is_lead(actor, assessment)
    own = selectors.own_contribution(actor=actor, assessment=assessment)
    own = own if own is not None and policies.can_contribute(actor, own) else None
    decline_form = forms.get("decline_form")
    context: dict[str, Any] = {
        "assessment": assessment,
        "person": assessment.person,
        "is_lead": is_lead,
        "own": own,
        "contributions": selectors.contributions_for(actor=actor, assessment=assessment),
        "offers": _offer_rows(actor, assessment, own, decline_form),
        # Only a bound decline form (one that was sent back with errors) goes in the error summary.
        "decline_form": decline_form,
        "exploitation_types": list(assessment.exploitation_types.all()),
        # Closed as superseded by a merge of two records, rather than by a review: which merge.
        "superseding_merge": selectors.superseding_merges([assessment]).get(assessment.pk),
        "words_missing": not assessment.young_person_words and not assessment.words_missing_reason,
        # After two records of one young person were merged, each with an open assessment.
        "other_open": selectors.other_open_assessments(assessment=assessment),
        # The current agreed assessment offers its review (a new assessment) when none is open.
        "can_review": assessment.status == Assessment.Status.AGREED
        and policies.can_open(actor, assessment.person)
        and not Assessment.objects.filter(
            person_id=assessment.person_id, status=Assessment.Status.OPEN
        ).exists(),
    }
    if is_lead and assessment.is_open:
        context["request_form"] = forms.get("request_form") or RequestForm(
            people=selectors.contributors_available(assessment=assessment)
        )
        # Requests not started yet (nothing written by the professional asked): the lead may withdraw them.
        context["withdrawable"] = selectors.withdrawable_requests(assessment=assessment)
        context["sections_form"] = forms.get("sections_form") or SectionsForm(
            initial={
                "version": assessment.version,
                "young_person_words": assessment.young_person_words,
                "words_missing_reason": assessment.words_missing_reason,
                "extra_familial_summary": assessment.extra_familial_summary,
                "home_protective_factors": assessment.home_protective_factors,
            }
        )
        context["agree_form"] = forms.get("agree_form") or AgreeForm(
            tool_id=assessment.tool_version.tool_id,
            initial={
                "version": assessment.version,
                "agreed_level": assessment.computed_level.code if assessment.computed_level else None,
            },
        )
        # The same rule the service checks (the lead, while open): assessment_close.
        context["close_form"] = forms.get("close_form") or CloseForm(initial={"version": assessment.version})
    context["conflict"] = forms.get("conflict")
    context["conflict_title"] = forms.get("conflict_title") or "Someone else changed this assessment"
    return context


@never_cache
@login_required
def assessment_detail(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id)
    return render(request, "assessments/detail.html", _detail_context(request, assessment))


def _lead_target(request: HttpRequest, assessment_id: UUID) -> Assessment:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id, audited=False)
    if not policies.is_lead(request.user, assessment):
        raise PermissionDenied("Only the lead professional can do this.")
    return assessment


def _kept_data(form: Form, conflict: ConflictError) -> Any:
    """What the user typed, carrying the current version, so a deliberate second try can succeed."""
    data = QueryDict(mutable=True)
    for key in form.data:
        data.setlist(key, form.data.getlist(key))  # type: ignore[attr-defined]
    data[form.add_prefix("version")] = str(conflict.current_version)
    return data


def _kept(form: Form, conflict: ConflictError) -> Form:
    return type(form)(_kept_data(form, conflict))


def _rerender(request: HttpRequest, assessment_id: UUID, status: int, **forms: Any) -> HttpResponse:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id, audited=False)
    return render(
        request, "assessments/detail.html", _detail_context(request, assessment, **forms), status=status
    )


@never_cache
@login_required
@require_POST
def contributor_request(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = _lead_target(request, assessment_id)
    form = RequestForm(request.POST, people=selectors.contributors_available(assessment=assessment))
    if form.is_valid():
        try:
            contribution = services.contribution_request(
                actor=request.user,
                assessment_id=assessment.pk,
                contributor_id=UUID(form.cleaned_data["contributor"]),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{contribution.author} has been asked to contribute.")
            return redirect("assessments:detail", assessment_id=assessment.pk)
    return _rerender(request, assessment.pk, 422, request_form=form)


@never_cache
@login_required
@require_POST
def contributor_request_withdraw(
    request: HttpRequest, assessment_id: UUID, contribution_id: UUID
) -> HttpResponse:
    """The lead withdraws a request to contribute that the professional asked has not started."""
    assessment = _lead_target(request, assessment_id)
    form = WithdrawRequestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Nothing has been withdrawn: read the contributions again below, then decide."
        )
        return redirect("assessments:detail", assessment_id=assessment.pk)
    try:
        contribution = services.contribution_request_withdraw(
            actor=request.user,
            assessment_id=assessment.pk,
            contribution_id=contribution_id,
            version=form.cleaned_data["version"],
        )
    except Http404:
        # The assessment is the lead's (checked above): it is the request that is not there.
        messages.error(
            request, "That request is no longer on this assessment, so there was nothing to withdraw."
        )
    except ConflictError as conflict:
        return _rerender(
            request, assessment.pk, 409, conflict=conflict, conflict_title="The request was not withdrawn"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Request withdrawn. {contribution.author} is no longer asked to contribute, and no longer sees "
            "the young person's record through this assessment.",
        )
    return redirect("assessments:detail", assessment_id=assessment.pk)


def _say_if_no_longer_open(request: HttpRequest, error: ValidationError) -> None:
    """Agreed or closed since the page was drawn: the page no longer has the lead's forms (nor their
    error summary), so say why nothing happened above the assessment as it is now."""
    if "status" in getattr(error, "error_dict", {}):
        messages.error(request, " ".join(error.message_dict["status"]))


@never_cache
@login_required
@require_POST
def sections_save(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = _lead_target(request, assessment_id)
    form = SectionsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_sections_save(
                actor=request.user,
                assessment_id=assessment.pk,
                version=data["version"],
                young_person_words=data["young_person_words"],
                words_missing_reason=data["words_missing_reason"],
                extra_familial_summary=data["extra_familial_summary"],
                home_protective_factors=data["home_protective_factors"],
            )
        except ConflictError as conflict:
            return _rerender(
                request, assessment.pk, 409, conflict=conflict, sections_form=_kept(form, conflict)
            )
        except ValidationError as error:
            _say_if_no_longer_open(request, error)
            _add_errors(form, error)
        else:
            messages.success(request, "Sections saved.")
            return redirect("assessments:detail", assessment_id=assessment.pk)
    return _rerender(request, assessment.pk, 422, sections_form=form)


@never_cache
@login_required
@require_POST
def agree(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = _lead_target(request, assessment_id)
    form = AgreeForm(request.POST, tool_id=assessment.tool_version.tool_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_agree(
                actor=request.user,
                assessment_id=assessment.pk,
                version=data["version"],
                data=AgreeInput(
                    agreed_level=data["agreed_level"].code,
                    rationale=data["rationale"],
                    judgement_reason=data["judgement_reason"],
                    exploitation_types=[t.code for t in data["exploitation_types"]],
                ),
            )
        except ConflictError as conflict:
            kept = AgreeForm(_kept_data(form, conflict), tool_id=assessment.tool_version.tool_id)
            return _rerender(request, assessment.pk, 409, conflict=conflict, agree_form=kept)
        except ValidationError as error:
            _say_if_no_longer_open(request, error)
            _add_errors(form, error)
        else:
            messages.success(request, "Level agreed. The next review date is set.")
            return redirect("assessments:detail", assessment_id=assessment.pk)
    return _rerender(request, assessment.pk, 422, agree_form=form)


@never_cache
@login_required
@require_POST
def close(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The lead closes the open assessment without agreeing a level, with a reason."""
    assessment = _lead_target(request, assessment_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_close(
                actor=request.user,
                assessment_id=assessment.pk,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ConflictError as conflict:
            return _rerender(request, assessment.pk, 409, conflict=conflict, close_form=_kept(form, conflict))
        except ValidationError as error:
            _say_if_no_longer_open(request, error)
            _add_errors(form, error)
        else:
            messages.success(request, "Assessment closed without agreeing a level.")
            return redirect("assessments:detail", assessment_id=assessment.pk)
    return _rerender(request, assessment.pk, 422, close_form=form)


# --- contributions -------------------------------------------------------------------------------------


def _own_contribution(request: HttpRequest, assessment_id: UUID) -> tuple[Assessment, Contribution]:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id, audited=False)
    own = selectors.own_contribution(actor=request.user, assessment=assessment)
    if own is None:
        raise Http404
    if not policies.can_contribute(request.user, own):
        raise PermissionDenied("This assessment is no longer open for contributions.")
    return assessment, own


def _indicators(assessment: Assessment) -> list[Indicator]:
    codes = assessment.tool_version.indicator_codes()
    rows = {i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("category")}
    ordered = [rows[code] for code in codes if code in rows]
    return sorted(ordered, key=lambda i: (i.category.sort_order, i.sort_order, i.label))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment, own = _own_contribution(request, assessment_id)
    indicators = _indicators(assessment)
    status = 200
    conflict = None
    if request.method == "POST":
        form = ContributionForm(request.POST, indicators=indicators)
        if form.is_valid():
            answers = form.answers()
            position = {index: answer.indicator for index, answer in enumerate(answers)}
            try:
                services.contribution_save(
                    actor=request.user,
                    contribution_id=own.pk,
                    version=form.cleaned_data["version"],
                    answers=answers,
                    summary=form.cleaned_data["summary"],
                )
            except ConflictError as error:
                conflict = error
                status = 409
            except ValidationError as error:
                for key, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(form.field_for(key, position), text)
                status = 422
            else:
                messages.success(request, "Your contribution has been saved.")
                return redirect("assessments:detail", assessment_id=assessment.pk)
        else:
            status = 422
    else:
        initial: dict[str, Any] = {"version": own.version, "summary": own.summary}
        for answer in own.answers.all():
            code = answer.indicator.code
            initial.update(
                {
                    f"value-{code}": answer.value,
                    f"timeframe-{code}": answer.timeframe,
                    f"evidence-{code}": answer.evidence,
                    f"source-{code}": answer.source,
                }
            )
        form = ContributionForm(initial=initial, indicators=indicators)
    context = {"assessment": assessment, "person": assessment.person, "form": form, "conflict": conflict}
    return render(request, "assessments/contribution.html", context, status=status)


@never_cache
@login_required
@require_POST
def offer_accept(request: HttpRequest, assessment_id: UUID, offer_id: UUID) -> HttpResponse:
    """Take an offered indicator into your own contribution as a yes, as the page showed it."""
    assessment, own = _own_contribution(request, assessment_id)
    form = OfferAcceptForm(request.POST, offer_id=offer_id)
    if not form.is_valid():
        # A page drawn before the form carried the offer's version: nothing taken unread.
        messages.error(request, "Nothing has been added: read the offer again below, then decide.")
        return redirect("assessments:detail", assessment_id=assessment_id)
    try:
        answer = services.offer_accept(
            actor=request.user,
            contribution_id=own.pk,
            offer_id=offer_id,
            version=form.cleaned_data["version"],
        )
    except Http404:
        if not selectors.offer_was_withdrawn(assessment=assessment, offer_id=offer_id):
            raise
        messages.error(request, "That indicator is no longer offered, so nothing has been added.")
    except ConflictError as conflict:
        return _rerender(
            request,
            assessment_id,
            409,
            conflict=conflict,
            conflict_title="The indicator offered has changed",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Added to your contribution as yes: {answer.indicator.label}.")
    return redirect("assessments:detail", assessment_id=assessment_id)


@never_cache
@login_required
@require_POST
def offer_decline(request: HttpRequest, assessment_id: UUID, offer_id: UUID) -> HttpResponse:
    """Decline an offered indicator for your own contribution, saying why."""
    assessment, own = _own_contribution(request, assessment_id)
    form = OfferDeclineForm(request.POST, offer_id=offer_id)
    if form.is_valid():
        try:
            services.offer_decline(
                actor=request.user,
                contribution_id=own.pk,
                offer_id=offer_id,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except Http404:
            if not selectors.offer_was_withdrawn(assessment=assessment, offer_id=offer_id):
                raise
            # Withdrawn by the module that offered it since the page was drawn: nothing to decline.
            messages.error(request, "That indicator is no longer offered, so there was nothing to decline.")
            return redirect("assessments:detail", assessment_id=assessment_id)
        except ConflictError as conflict:
            kept = OfferDeclineForm(_kept_data(form, conflict), offer_id=offer_id)
            return _rerender(
                request,
                assessment_id,
                409,
                conflict=conflict,
                conflict_title=(
                    "The indicator offered has changed"
                    if conflict.current_version != form.cleaned_data["version"]
                    else "Your decision was not saved"
                ),
                decline_form=kept,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Declined for your contribution. Your reason has been recorded.")
            return redirect("assessments:detail", assessment_id=assessment_id)
    return _rerender(request, assessment_id, 422, decline_form=form)


# --- partnership report ------------------------------------------------------------------------------


@never_cache
@login_required
def movement(request: HttpRequest) -> HttpResponse:
    """How young people moved between levels from one agreed assessment to the next (counts only).

    Counts below the partnership's small-number threshold are shown as "fewer than N", and no total
    is shown beside the rows, so no hidden count can be worked out by subtraction."""
    rows, people = selectors.movement_report(actor=request.user)
    names = chart.RANK_NAMES
    shown = suppression.counts({(row.from_rank, row.to_rank): row.count for row in rows})
    table = []
    for row in rows:
        if row.to_rank > row.from_rank:
            direction = "Escalated"
        elif row.to_rank < row.from_rank:
            direction = "De-escalated"
        else:
            direction = "No change"
        table.append(
            {
                "from": names.get(row.from_rank, str(row.from_rank)),
                "to": names.get(row.to_rank, str(row.to_rank)),
                "direction": direction,
                "count": shown[(row.from_rank, row.to_rank)].text,
            }
        )
    context = {"table": table, "people": suppression.count(people).text, "threshold": suppression.threshold()}
    return render(request, "assessments/movement.html", context)
