"""Front door pages: the staff referral form and its drafts, the triage queue, the referral page with
triage and decisions, the referrer's outcomes, and the public concern form.

Reads go through ``harbour.frontdoor.selectors`` (policy and audit), writes through
``harbour.frontdoor.services``. URLs carry record ids only. Flash messages never name a person.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseFormSet, Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from harbour.core.errors import ConflictError
from harbour.core.middleware import client_address
from harbour.frontdoor import policies, selectors, services
from harbour.frontdoor.forms import (
    ContextFormSet,
    DecisionForm,
    PublicConcernForm,
    ReferralForm,
    RegradeForm,
    SubjectForm,
    SubjectFormSet,
    VersionForm,
    WithdrawForm,
    data_to_querydict,
    initial_from_data,
    new_form_token,
    querydict_to_data,
)
from harbour.frontdoor.inputs import (
    ContextInput,
    PublicConcernInput,
    QueueRow,
    ReferralInput,
    SubjectInput,
)
from harbour.frontdoor.models import Referral
from harbour.people import views_matching
from harbour.ui.forms import error_summary_items

GET_POST = ["GET", "POST"]
TRIAGE = "frontdoor.triage"
SUBMIT = "referral.submit"


def _matches_url(request: HttpRequest) -> str:
    """Where the "Already known?" matches come from (the people app), if this user may check."""
    if not request.user.has_capability("person.search"):  # type: ignore[union-attr]
        return ""
    try:
        return reverse("people:matches")
    except NoReverseMatch:
        return ""


# What the "Already known?" fragment reads for one young person (people/views_matching.py).
MATCH_FIELDS = ("first_name", "last_name", "postcode", "nhs_number", "upn", "gender", "person")


def _matches_html(request: HttpRequest, data: QueryDict | None, prefix: str) -> str:
    """The "Already known?" fragment for one young person, from what the form holds.

    The page shows it when it is drawn again (after an error, "Add another", a resumed draft, or the
    "Check whether they are already known" button without JavaScript), so a chosen match stays chosen.
    It is the people app's own view (``people:matches``), asked with the form's values: the front door
    has no matcher of its own.
    """
    if data is None or not _matches_url(request):
        return ""
    query = QueryDict(mutable=True)
    for name in MATCH_FIELDS:
        query[f"{prefix}-{name}"] = data.get(f"{prefix}-{name}", "")
    # The date boxes post `<name>_day` (GovukDateWidget); the fragment reads `<name>-day`.
    for part in ("day", "month", "year"):
        query[f"{prefix}-date_of_birth-{part}"] = data.get(f"{prefix}-date_of_birth_{part}", "")
    query["prefix"] = prefix
    if views_matching.query_from(query, prefix) is None:
        return ""  # nothing to look up yet: no lookup, no audit event
    lookup = copy.copy(request)
    lookup.method = "POST"
    lookup.POST = query  # type: ignore[assignment]
    response = views_matching.matches(lookup)
    return response.content.decode() if response.status_code == 200 else ""


def _require(request: HttpRequest, capability: str) -> None:
    if not request.user.has_capability(capability):  # type: ignore[union-attr]
        raise PermissionDenied


# --- the staff referral form ---------------------------------------------------------------------------


@dataclass
class ReferralForms:
    """The referral form and its two formsets (young people; places and groups), shown together."""

    form: ReferralForm
    subjects: BaseFormSet[SubjectForm]
    contexts: BaseFormSet[Any]
    data: QueryDict | None = None  # what the forms hold (posted, or a draft's), for the matches

    def is_valid(self) -> bool:
        # Evaluate all three, so every error shows at once.
        results = [self.form.is_valid(), self.subjects.is_valid(), self.contexts.is_valid()]
        return all(results)

    def all_forms(self) -> list[Form]:
        return [self.form, *self.subjects.forms, *self.contexts.forms]

    def summary(self) -> list[Any]:
        return error_summary_items(*self.all_forms())

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the field it names (``subjects.0.first_name``)."""
        problems = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for name, texts in problems.items():
            target_form, field = self._target(name)
            for text in texts:
                target_form.add_error(field, text)

    def _target(self, name: str) -> tuple[Form, str | None]:
        parts = name.split(".")
        if parts[0] in ("subjects", "contexts"):
            formset = self.subjects if parts[0] == "subjects" else self.contexts
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(formset.forms):
                form = formset.forms[int(parts[1])]
                field = FIELD_ALIASES.get(parts[2], parts[2])
                return form, field if field in form.fields else None
            if formset.forms:  # "at least one young person or place": shown on the first row's first field
                first = formset.forms[0]
                return first, next(iter(name for name in first.fields if name != "person"))
            return self.form, None
        return self.form, name if name in self.form.fields else None

    def referral_input(self) -> ReferralInput:
        subjects = [
            SubjectInput(**form.subject_values())
            for form in self.subjects.forms
            if form.has_changed() and not form.is_blank()
        ]
        contexts = [
            ContextInput(**form.context_values())
            for form in self.contexts.forms
            if form.has_changed() and not form.is_blank()
        ]
        return ReferralInput(subjects=subjects, contexts=contexts, **self.form.referral_values())


def _bound_forms(data: QueryDict) -> ReferralForms:
    return ReferralForms(
        ReferralForm(data),
        SubjectFormSet(data, prefix="subjects"),
        ContextFormSet(data, prefix="contexts"),
        data,
    )


def _shown_forms(
    data: QueryDict | None,
    *,
    form_token: str,
    subject_rows: int | None = None,
    context_rows: int | None = None,
) -> ReferralForms:
    """The forms as they were typed (or empty), without judging them: no errors are shown.

    Used for a new form, a resumed draft, and after "Add another young person" and the like.
    """
    data = data if data is not None else QueryDict()
    form = ReferralForm(initial={**initial_from_data(ReferralForm(), data), "form_token": form_token})

    def rows(prefix: str, form_class: type[Form], wanted: int | None, minimum: int) -> list[dict[str, Any]]:
        try:
            typed = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
        except ValueError:
            typed = 0
        count = max(minimum, typed) if wanted is None else wanted
        count = min(count, 20)
        return [initial_from_data(form_class(prefix=f"{prefix}-{index}"), data) for index in range(count)]

    subjects_initial = rows("subjects", SubjectForm, subject_rows, 1)
    contexts_initial = rows("contexts", ContextFormSet.form, context_rows, 0)
    return ReferralForms(
        form,
        SubjectFormSet(initial=subjects_initial, prefix="subjects"),
        ContextFormSet(initial=contexts_initial, prefix="contexts"),
        data,
    )


def _without_row(data: QueryDict, prefix: str, index: int) -> QueryDict:
    """Posted data with one row of a formset taken out and the rows after it moved up."""
    total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    result = QueryDict(mutable=True)
    for name in data:
        head, _, rest = name.partition("-")
        row, _, field = rest.partition("-")
        if head != prefix or not row.isdigit() or not field:
            result.setlist(name, data.getlist(name))  # not a row's field: kept as it is
        elif int(row) != index:
            moved = int(row) if int(row) < index else int(row) - 1
            result.setlist(f"{prefix}-{moved}-{field}", data.getlist(name))
    result[f"{prefix}-TOTAL_FORMS"] = str(max(0, total - 1))
    return result


def _referral_page(
    request: HttpRequest,
    forms: ReferralForms,
    *,
    draft: Any = None,
    status: int = 200,
) -> HttpResponse:
    for subject in forms.subjects.forms:
        subject.matches_html = mark_safe(_matches_html(request, forms.data, subject.prefix or ""))  # type: ignore[attr-defined]  # noqa: S308 - the people app's rendered template
    context = {
        "form": forms.form,
        "subjects": forms.subjects,
        "contexts": forms.contexts,
        "summary": forms.summary() if forms.form.is_bound else [],
        "draft": draft,
        "draft_id": request.POST.get("draft_id", "") if draft is None else str(draft.pk),
        "draft_version": request.POST.get("draft_version", "") if draft is None else str(draft.version),
        "matches_url": _matches_url(request),
    }
    return render(request, "frontdoor/referral_form.html", context, status=status)


# Service field names that a form calls something else: the chosen match is the fragment's `person` radio.
FIELD_ALIASES = {"person_id": "person"}

ROW_ACTIONS = ("add-subject", "add-context", "remove-subject-", "remove-context-", "matches-")


@never_cache
@login_required
@require_http_methods(GET_POST)
def referral_new(request: HttpRequest) -> HttpResponse:
    """Refer a concern. The form carries a token from first showing: sending it twice makes one referral."""
    _require(request, SUBMIT)
    if request.method != "POST":
        return _referral_page(request, _shown_forms(None, form_token=new_form_token()))

    data = request.POST
    token = (data.get("form_token") or "").strip() or new_form_token()
    action = data.get("action") or ""
    if action.startswith(ROW_ACTIONS):
        return _referral_page(request, _rows_changed(data, action, token))

    forms = _bound_forms(data)
    if forms.is_valid():
        try:
            referral = services.referral_submit(
                actor=request.user,
                data=forms.referral_input(),
                idempotency_key=forms.form.cleaned_data["form_token"],
            )
        except ValidationError as error:
            forms.add_service_errors(error)
        else:
            return redirect("frontdoor:referral_sent", referral_id=referral.pk)
    return _referral_page(request, forms, status=422)


def _rows_changed(data: QueryDict, action: str, token: str) -> ReferralForms:
    """The form again with a young person or place added or removed (works without JavaScript)."""
    subjects = int(data.get("subjects-TOTAL_FORMS") or 1)
    contexts = int(data.get("contexts-TOTAL_FORMS") or 0)
    if action == "add-subject":
        return _shown_forms(data, form_token=token, subject_rows=subjects + 1, context_rows=contexts)
    if action == "add-context":
        return _shown_forms(data, form_token=token, subject_rows=subjects, context_rows=contexts + 1)
    if action.startswith("matches-"):
        return _shown_forms(data, form_token=token)
    prefix = "subjects" if action.startswith("remove-subject-") else "contexts"
    index_text = action.rsplit("-", 1)[-1]
    index = int(index_text) if index_text.isdigit() else -1
    total = subjects if prefix == "subjects" else contexts
    if not 0 <= index < total:
        return _shown_forms(data, form_token=token)
    return _shown_forms(_without_row(data, prefix, index), form_token=token)


@never_cache
@login_required
def referral_sent(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The confirmation after submitting: the reference and when a decision is due."""
    referral = selectors.referral_get_for(actor=request.user, referral_id=referral_id, purpose="confirmation")
    return render(request, "frontdoor/referral_sent.html", {"referral": referral})


# --- drafts ------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def draft_save(request: HttpRequest) -> HttpResponse:
    """Keep the form as it is now. htmx posts here as the user types (and the "Save as draft" button
    without JavaScript), so a timed-out session loses nothing."""
    _require(request, SUBMIT)
    htmx = bool(getattr(request, "htmx", False))
    data: dict[str, Any] = querydict_to_data(request.POST)
    # The form's token is the draft's: submitting the draft later makes one referral, once.
    data["form_token"] = (request.POST.get("form_token") or "").strip()[:64] or new_form_token()
    draft_id = _uuid_or_none(request.POST.get("draft_id"))
    version = _int_or_none(request.POST.get("draft_version"))
    context: dict[str, Any] = {"draft": None, "problem": ""}
    try:
        try:
            draft = services.referral_draft_save(
                actor=request.user, draft_id=draft_id, data=data, version=version
            )
        except Http404:
            # Deleted in another tab meanwhile: keep what is on the screen as a new draft.
            draft = services.referral_draft_save(actor=request.user, draft_id=None, data=data, version=None)
    except ValidationError as error:
        context["problem"] = "This draft could not be saved: " + " ".join(error.messages)
        if not htmx:
            messages.info(request, context["problem"])
            return redirect("frontdoor:drafts")
        context["draft_id"], context["draft_version"] = draft_id or "", version or ""
        return render(request, "frontdoor/_draft_status.html", context, status=422)
    except ConflictError:
        context["problem"] = (
            "This draft was changed in another window or tab, so it was not saved here. "
            "Open it again from your drafts to carry on."
        )
        if not htmx:
            messages.info(request, context["problem"])
            return redirect("frontdoor:drafts")
        context["draft_id"], context["draft_version"] = draft_id or "", version or ""
        return render(request, "frontdoor/_draft_status.html", context, status=409)
    if not htmx:
        messages.success(request, "Your draft has been saved. You can carry on with it from this list.")
        return redirect("frontdoor:drafts")
    context.update({"draft": draft, "draft_id": str(draft.pk), "draft_version": str(draft.version)})
    return render(request, "frontdoor/_draft_status.html", context)


@never_cache
@login_required
def drafts(request: HttpRequest) -> HttpResponse:
    _require(request, SUBMIT)
    rows = [
        DraftRow(draft, _draft_about(draft.data))
        for draft in selectors.referral_draft_list_for(actor=request.user)
    ]
    return render(request, "frontdoor/drafts.html", {"drafts": rows})


@dataclass
class DraftRow:
    draft: Any
    about: str  # the young people's or places' names typed so far: drafts are seen only by their owner


def _draft_about(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    query = data_to_querydict(data)
    names = []
    for index in range(20):
        first, last = (
            query.get(f"subjects-{index}-{part}", "").strip() for part in ("first_name", "last_name")
        )
        if first or last:
            names.append(f"{first} {last}".strip())
        place = query.get(f"contexts-{index}-name", "").strip()
        if place:
            names.append(place)
    return ", ".join(names)


@never_cache
@login_required
def draft_resume(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    """Carry on with a draft: the form as it was last saved."""
    _require(request, SUBMIT)
    draft = selectors.referral_draft_get_for(actor=request.user, draft_id=draft_id)
    data = data_to_querydict(draft.data if isinstance(draft.data, dict) else {})
    forms = _shown_forms(data, form_token=draft.form_token)
    return _referral_page(request, forms, draft=draft)


@never_cache
@login_required
@require_POST
def draft_discard(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    _require(request, SUBMIT)
    services.referral_draft_discard(actor=request.user, draft_id=draft_id)
    messages.success(request, "The draft has been deleted.")
    return redirect("frontdoor:drafts")


def _uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- triage ------------------------------------------------------------------------------------------------


@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The front-door queue: most urgent first, then longest waiting; breaches marked overdue."""
    _require(request, TRIAGE)
    now = timezone.now()
    # Counted in SQL; only the rows of the page asked for are read and built.
    pages = selectors.ReferralQueuePages(actor=request.user, now=now)
    paginator: Paginator[QueueRow] = Paginator(pages, settings.HARBOUR_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "page_links": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "overdue": selectors.referral_queue_overdue_count(actor=request.user, now=now),
        "total": paginator.count,
    }
    return render(request, "frontdoor/queue.html", context)


@dataclass
class SubjectRow:
    """A young person on the referral, at the actor's access level, and how they were found."""

    summary: Any  # inputs.SubjectSummary
    created_as_new: bool
    matched_score: float | None


def _detail_context(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    actor: Any = request.user
    triage = actor.has_capability(TRIAGE)
    links = list(referral.subjects.all())
    summaries = getattr(referral, "subject_summaries", [])
    context: dict[str, Any] = {
        "referral": referral,
        "subjects": [
            SubjectRow(summary, link.created_as_new, link.matched_score)
            for summary, link in zip(summaries, links, strict=True)
        ],
        "contexts": list(referral.contexts.all()),
        "decisions": list(
            referral.decisions.select_related("decision_type", "no_further_action_reason", "decided_by")
        ),
        "concern_types": list(referral.concern_types.all()),
        "overdue": referral.is_open and referral.due_by <= timezone.now(),
        "can_triage": triage and referral.is_open,
        "is_triage": triage,
        "previous": selectors.referral_previous_for(actor=actor, referral=referral) if triage else [],
        "matches_url": _matches_url(request),
    }
    if context["can_triage"]:
        version = {"version": referral.version}
        context["start_form"] = VersionForm(initial=version)
        context["decision_form"] = DecisionForm(initial=version)
        context["regrade_form"] = RegradeForm(initial={**version, "urgency": referral.urgency.code})
        context["subject_version_form"] = VersionForm(initial=version)
        context["subject_form"] = SubjectForm(prefix="subject")
    if triage or referral.triage_team_id in policies.managed_team_ids(actor):
        context["breaches"] = list(referral.breaches.select_related("urgency", "regraded_to", "regraded_by"))
    context["can_withdraw"] = policies.can_withdraw(actor, referral)
    if context["can_withdraw"]:
        context["withdraw_form"] = WithdrawForm(initial={"version": referral.version})
    return context


@never_cache
@login_required
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = selectors.referral_get_for(actor=request.user, referral_id=referral_id)
    return render(request, "frontdoor/referral_detail.html", _detail_context(request, referral))


def _triage_target(request: HttpRequest, referral_id: UUID, purpose: str) -> Referral:
    _require(request, TRIAGE)
    return selectors.referral_get_for(actor=request.user, referral_id=referral_id, purpose=purpose)


def _conflict_page(
    request: HttpRequest, referral_id: UUID, conflict: ConflictError, **forms: Any
) -> HttpResponse:
    """A stale action: show the referral as it is now, what the user typed, and say what happened."""
    referral = selectors.referral_get_for(actor=request.user, referral_id=referral_id, purpose="conflict")
    context = _detail_context(request, referral)
    for name, form in forms.items():
        # Keep what they typed but carry the new version, so a deliberate second try can succeed.
        data = form.data.copy()
        data["version"] = str(referral.version)
        context[name] = type(form)(data)
    context["conflict"] = conflict
    return render(request, "frontdoor/referral_detail.html", context, status=409)


@never_cache
@login_required
@require_POST
def triage_start(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _triage_target(request, referral_id, "triage_start")
    form = VersionForm(request.POST)
    if not form.is_valid():
        raise BadRequest("No version")  # only a tampered form has none
    try:
        services.referral_triage_start(
            actor=request.user, referral_id=referral.pk, version=form.cleaned_data["version"]
        )
    except ConflictError as conflict:
        return _conflict_page(request, referral.pk, conflict)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect("frontdoor:referral", referral_id=referral.pk)
    messages.success(request, "You have started triage. The referral shows you as the triage officer.")
    return redirect("frontdoor:referral", referral_id=referral.pk)


@never_cache
@login_required
@require_POST
def decide(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _triage_target(request, referral_id, "decide")
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reason = data.get("no_further_action_reason")
        try:
            services.referral_decide(
                actor=request.user,
                referral_id=referral.pk,
                version=data["version"],
                decision_type=data["decision_type"].code,
                rationale=data["rationale"],
                no_further_action_reason=reason.code if reason is not None else "",
                next_steps=data.get("next_steps") or "",
            )
        except ConflictError as conflict:
            return _conflict_page(request, referral.pk, conflict, decision_form=form)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Decision recorded. The referrer has been told the outcome.")
            return redirect("frontdoor:referral", referral_id=referral.pk)
    context = _detail_context(request, referral)
    context["decision_form"] = form
    return render(request, "frontdoor/referral_detail.html", context, status=422)


@never_cache
@login_required
@require_POST
def regrade(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _triage_target(request, referral_id, "regrade")
    form = RegradeForm(request.POST)
    if form.is_valid():
        try:
            services.referral_regrade(
                actor=request.user,
                referral_id=referral.pk,
                version=form.cleaned_data["version"],
                urgency=form.cleaned_data["urgency"].code,
                reason=form.cleaned_data["reason"],
            )
        except ConflictError as conflict:
            return _conflict_page(request, referral.pk, conflict, regrade_form=form)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The urgency has been changed and the due time worked out again.")
            return redirect("frontdoor:referral", referral_id=referral.pk)
    context = _detail_context(request, referral)
    context["regrade_form"] = form
    return render(request, "frontdoor/referral_detail.html", context, status=422)


@never_cache
@login_required
@require_POST
def withdraw(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Withdraw an open referral: its referrer or the front door, with a reason."""
    referral = selectors.referral_get_for(actor=request.user, referral_id=referral_id, purpose="withdraw")
    if referral.is_open and not policies.can_withdraw(request.user, referral):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.referral_withdraw(
                actor=request.user,
                referral_id=referral.pk,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ConflictError as conflict:
            return _conflict_page(request, referral.pk, conflict, withdraw_form=form)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The referral has been withdrawn and has left the front-door queue.")
            return redirect("frontdoor:referral", referral_id=referral.pk)
    context = _detail_context(request, referral)
    context["withdraw_form"] = form
    context["withdraw_open"] = True
    return render(request, "frontdoor/referral_detail.html", context, status=422)


@never_cache
@login_required
@require_POST
def subject_add(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Link a young person to a referral: one already known, or a new record (a public concern's child)."""
    referral = _triage_target(request, referral_id, "subject_add")
    if (request.POST.get("action") or "").startswith("matches-"):
        # "Check whether they are already known" without JavaScript: the form again, with the matches.
        shown = SubjectForm(
            initial=initial_from_data(SubjectForm(prefix="subject"), request.POST), prefix="subject"
        )
        shown.matches_html = mark_safe(_matches_html(request, request.POST, "subject"))  # type: ignore[attr-defined]  # noqa: S308 - the people app's rendered template
        context = _detail_context(request, referral)
        context["subject_form"] = shown
        context["subject_open"] = True
        return render(request, "frontdoor/referral_detail.html", context)
    version_form = VersionForm(request.POST)
    form = SubjectForm(request.POST, prefix="subject")
    if version_form.is_valid() and form.is_valid():
        if form.is_blank():
            form.add_error(
                "first_name", "Enter the young person's first name, or choose a young person already known."
            )
        else:
            try:
                services.referral_subject_add(
                    actor=request.user,
                    referral_id=referral.pk,
                    version=version_form.cleaned_data["version"],
                    subject=SubjectInput(**form.subject_values()),
                )
            except ConflictError as conflict:
                return _conflict_page(request, referral.pk, conflict)
            except ValidationError as error:
                _add_errors(form, error, prefix="subject.")
            else:
                messages.success(request, "The young person has been linked to this referral.")
                return redirect("frontdoor:referral", referral_id=referral.pk)
    context = _detail_context(request, referral)
    form.matches_html = mark_safe(_matches_html(request, request.POST, "subject"))  # type: ignore[attr-defined]  # noqa: S308 - the people app's rendered template
    context["subject_form"] = form
    return render(request, "frontdoor/referral_detail.html", context, status=422)


def _add_errors(form: Form, error: ValidationError, *, prefix: str = "") -> None:
    """Put a service's ValidationError on the form's fields (names may start with ``prefix``)."""
    if hasattr(error, "error_dict"):
        for full_name, texts in error.message_dict.items():
            name = full_name.removeprefix(prefix)
            name = FIELD_ALIASES.get(name, name)
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in error.messages:
            form.add_error(None, text)


# --- the referrer's outcomes -------------------------------------------------------------------------------


@never_cache
@login_required
def sent(request: HttpRequest) -> HttpResponse:
    """Your referrals and what was decided: no referral vanishes without feedback."""
    _require(request, SUBMIT)
    referrals = selectors.referral_sent_by(actor=request.user)
    page = Paginator(referrals, settings.HARBOUR_PAGE_SIZE).get_page(request.GET.get("page"))
    unread = list(selectors.feedback_unread_for(actor=request.user))
    return render(request, "frontdoor/sent.html", {"page": page, "unread": unread})


@never_cache
@login_required
@require_POST
def feedback_read(request: HttpRequest, feedback_id: UUID) -> HttpResponse:
    services.referral_feedback_mark_read(actor=request.user, feedback_id=feedback_id)
    messages.success(request, "Marked as read.")
    return redirect("frontdoor:sent")


# --- the public concern form -------------------------------------------------------------------------------

# Limits on the public form (settings HARBOUR_PUBLIC_CONCERNS_PER_ADDRESS_PER_HOUR and
# HARBOUR_PUBLIC_CONCERNS_PER_HOUR): sent concerns per client address per hour, and for everyone
# together per hour (a flood from many addresses still cannot bury the front door).
# A person takes longer than this to read the form and write a concern; a robot does not.
PUBLIC_MIN_SECONDS = 5
# A form left open longer than this is shown again with a fresh timestamp.
PUBLIC_MAX_AGE_SECONDS = 24 * 60 * 60
REFERENCE_SESSION_KEY = "frontdoor_public_reference"


def _rate_key(address: str) -> str:
    # The address is personal data: only a keyed hash of it goes into the cache.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"frontdoor:concern:address:{digest}"


def _over_limit(address: str) -> bool:
    """Count this attempt and say whether the client or everyone together is over the hour's limit."""
    hour = timezone.now().strftime("%Y%m%d%H")
    over = False
    for key, limit in (
        (_rate_key(address), settings.HARBOUR_PUBLIC_CONCERNS_PER_ADDRESS_PER_HOUR),
        (f"frontdoor:concern:all:{hour}", settings.HARBOUR_PUBLIC_CONCERNS_PER_HOUR),
    ):
        cache.add(key, 0, timeout=60 * 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=60 * 60)
            count = 1
        over = over or count > limit
    return over


def _public_form_page(
    request: HttpRequest, form: PublicConcernForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "frontdoor/public_concern.html", {"form": form, **extra}, status=status)


@never_cache
@require_http_methods(GET_POST)
def public_concern(request: HttpRequest) -> HttpResponse:
    """Tell us about a concern (no sign-in). It writes and never reads: nothing sent can be seen here."""
    if request.method != "POST":
        return _public_form_page(
            request, PublicConcernForm(initial={"started": PublicConcernForm.sign_started()})
        )
    if _over_limit(client_address(request)):
        return render(request, "frontdoor/public_concern_limited.html", status=429)

    form = PublicConcernForm(request.POST)
    taken = form.seconds_taken(max_age=PUBLIC_MAX_AGE_SECONDS)
    if request.POST.get("website") or taken is None or taken < PUBLIC_MIN_SECONDS:
        # Spam checks: the hidden box was filled, the timestamp is missing, forged or old, or the form
        # came back faster than a person can write. Nothing is stored, and the message does not say
        # which check failed. A person can send it again: the form keeps what they wrote.
        fresh = PublicConcernForm(
            initial={
                **{name: request.POST.get(name, "") for name in form.fields if name not in form.SPAM_FIELDS},
                "started": PublicConcernForm.sign_started(),
            }
        )
        return _public_form_page(request, fresh, status=400, not_sent=True)
    if not form.is_valid():
        return _public_form_page(request, form, status=422)
    # The signed timestamp is unique to one showing of the form: sending that form twice stores one concern.
    token = hashlib.sha256(form.data.get("started", "").encode()).hexdigest()
    receipt = services.referral_submit_public(
        data=PublicConcernInput(**form.concern_values()),
        client_address=client_address(request),
        idempotency_key=token,
    )
    # Post, redirect, get: the reference is shown once from the session, never put in a URL.
    request.session[REFERENCE_SESSION_KEY] = receipt.reference
    return redirect("concern:sent")


@never_cache
def public_concern_sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.pop(REFERENCE_SESSION_KEY, None)
    return render(request, "frontdoor/public_concern_sent.html", {"reference": reference})
