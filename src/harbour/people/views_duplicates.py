"""Pages for reviewing possible duplicates: the queue, a pair side by side, the decisions, the merges.

Only for holders of ``person.merge`` (everyone else gets 404, as for a missing record). Reads go
through ``people.duplicates`` and ``people.merging`` (policy and audit), writes through their services.
URLs carry only record ids and a status filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from harbour.core.errors import ConflictError
from harbour.people import duplicates, merging
from harbour.people.models import Person, PersonMerge, PossibleDuplicate
from harbour.ui.forms import GovukForm

MAX_REASON = merging.MAX_REASON_LENGTH

# Rows of the comparison, with the scorer's field that explains each (if it scores it).
FIELD_LABELS = {
    "first_name": "First name",
    "middle_names": "Middle names",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "date_of_birth_estimated": "Date of birth estimated",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "disability": "Disability or special educational needs",
    "first_language": "First language",
    "interpreter_needed": "Needs an interpreter",
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
    "school": "School",
    "phone": "Phone",
    "email": "Email",
    "kind": "Who this is",
}
SCORED_AS = {
    "first_name",
    "middle_names",
    "last_name",
    "date_of_birth",
    "gender",
    "nhs_number",
    "upn",
    "school",
}
OUTCOME_TAGS = {"agrees": "green", "close": "yellow", "disagrees": "red", "missing": "grey"}
FIELD_WORDS = {**FIELD_LABELS, "postcode": "Postcode (any address)"}


def _reason_field(label: str, missing: str, *, required: bool = True, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": missing, "max_length": f"Must be {MAX_REASON:,} characters or fewer."},
    )


class DismissForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field(
        "How do you know these are different young people?",
        "Say how you know these are different young people.",
        hint="For example: twins, with different first names and the same birthday.",
    )


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    if name == "kind":
        return str(person.get_kind_display())
    if name == "nhs_number" and len(str(value)) == 10:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return str(value)


class MergeForm(GovukForm):
    """Which record to keep, why, and, for each field the records disagree on, which value to keep."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    version_a = forms.IntegerField(widget=forms.HiddenInput)
    version_b = forms.IntegerField(widget=forms.HiddenInput)
    survivor = forms.ChoiceField(
        label="Which record should stay?",
        help_text="The other record is kept, but closed: everything about the young person moves to this "
        "one.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select which record should stay."},
    )
    reason = _reason_field(
        "Why are these the same young person?",
        "Say why these records are the same young person.",
        hint="For example: the same NHS number, and the police record gives her nickname.",
    )
    override_reason = _reason_field(
        "Why are they the same although their identifiers differ?",
        "Say why they are the same young person although their identifiers differ.",
        required=False,
    )

    def __init__(self, *args: Any, pair: PossibleDuplicate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        a, b = pair.person_a, pair.person_b
        survivor_field = self.fields["survivor"]
        assert isinstance(survivor_field, forms.ChoiceField)
        survivor_field.choices = [
            ("a", f"Record 1: {a.full_name}"),
            ("b", f"Record 2: {b.full_name}"),
        ]
        self.choice_fields: list[str] = []
        for name in merging.MERGE_FIELDS:
            if _display(a, name) == _display(b, name) or "Not recorded" in (
                _display(a, name),
                _display(b, name),
            ):
                continue  # the same, or only one holds a value (kept either way: see clean_take)
            key = f"take_{name}"
            self.fields[key] = forms.ChoiceField(
                label=f"{FIELD_LABELS.get(name, name)} to keep",
                choices=[
                    ("", "The value on the record that stays"),
                    ("a", f"{_display(a, name)} (record 1)"),
                    ("b", f"{_display(b, name)} (record 2)"),
                ],
                required=False,
                initial="",
                widget=forms.RadioSelect,
            )
            self.choice_fields.append(key)
        self.conflicts = merging.identifier_conflicts(a, b)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            self.conflicts
            and not (cleaned.get("override_reason") or "").strip()
            and "override_reason" not in self.errors
        ):
            self.add_error("override_reason", merging.conflict_message(self.conflicts))
        return cleaned

    def take_from_merged(self, pair: PossibleDuplicate) -> list[str]:
        """The fields whose chosen value is the merged record's, plus any the survivor lacks."""
        survivor_side = self.cleaned_data["survivor"]
        merged_side = "b" if survivor_side == "a" else "a"
        survivor = pair.person_a if survivor_side == "a" else pair.person_b
        merged = pair.person_b if survivor_side == "a" else pair.person_a
        taken = [
            key.removeprefix("take_")
            for key in self.choice_fields
            if self.cleaned_data.get(key) == merged_side
        ]
        # A value only the closing record holds is kept rather than lost from view.
        for name in merging.MERGE_FIELDS:
            if _display(survivor, name) == "Not recorded" and _display(merged, name) != "Not recorded":
                taken.append(name)
        return sorted(set(taken))

    @property
    def choice_bound_fields(self) -> list[Any]:
        return [self[key] for key in self.choice_fields]


class UnmergeForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    survivor_version = forms.IntegerField(widget=forms.HiddenInput)
    merged_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field("Why are you undoing this merge?", "Say why you are undoing this merge.")


# --- the queue ---------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = request.user
    status = request.GET.get("status") or PossibleDuplicate.Status.OPEN
    if status not in PossibleDuplicate.Status.values:
        status = PossibleDuplicate.Status.OPEN
    pairs = duplicates.duplicate_list_for(actor=actor, status=status)
    page = Paginator(pairs, settings.HARBOUR_PAGE_SIZE).get_page(request.GET.get("page"))
    duplicates.duplicate_list_audit(
        actor=actor, status=status, page_number=page.number, shown=len(page.object_list)
    )
    return render(
        request,
        "people/duplicates/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": PossibleDuplicate.Status.choices,
            "status_label": PossibleDuplicate.Status(status).label,
        },
    )


# --- a pair side by side ------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    a: str
    b: str
    outcome: str = ""
    detail: str = ""

    @property
    def tag(self) -> str:
        return OUTCOME_TAGS.get(self.outcome, "grey")


def _rows(view: duplicates.PairView) -> list[Row]:
    a, b = view.pair.person_a, view.pair.person_b
    scored = {item.get("field"): item for item in view.pair.explanation or []}
    rows = []
    for name in (
        "first_name",
        "middle_names",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "nhs_number",
        "upn",
        "school",
        "kind",
    ):
        explained = scored.get(name, {}) if name in SCORED_AS else {}
        rows.append(
            Row(
                FIELD_LABELS[name],
                _display(a, name),
                _display(b, name),
                explained.get("outcome", ""),
                explained.get("detail", ""),
            )
        )
    return rows


def _compare_context(
    request: HttpRequest, pair_id: Any, *, purpose: str = "compare", **forms_: Any
) -> dict[str, Any]:
    view = duplicates.duplicate_get_for(actor=request.user, pair_id=pair_id, purpose=purpose)
    pair = view.pair
    context: dict[str, Any] = {
        "view": view,
        "pair": pair,
        "rows": _rows(view),
        "postcode": next((i for i in pair.explanation or [] if i.get("field") == "postcode"), None),
        "is_open": pair.status == PossibleDuplicate.Status.OPEN
        and pair.person_a.merged_into_id is None
        and pair.person_b.merged_into_id is None,
        "merge": pair.merges.filter(undone_at__isnull=True).first(),
    }
    versions = {
        "version": pair.version,
        "version_a": pair.person_a.version,
        "version_b": pair.person_b.version,
    }
    context["merge_form"] = forms_.get("merge_form") or MergeForm(pair=pair, initial=versions, prefix="merge")
    context["dismiss_form"] = forms_.get("dismiss_form") or DismissForm(
        initial={"version": pair.version}, prefix="dismiss"
    )
    context["conflicts"] = context["merge_form"].conflicts
    context["conflict"] = forms_.get("conflict")
    return context


@never_cache
@login_required
@require_GET
def compare(request: HttpRequest, pair_id: Any) -> HttpResponse:
    return render(request, "people/duplicates/compare.html", _compare_context(request, pair_id))


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


@never_cache
@login_required
@require_POST
def merge(request: HttpRequest, pair_id: Any) -> HttpResponse:
    view = duplicates.duplicate_get_for(actor=request.user, pair_id=pair_id, purpose="merge")
    pair = view.pair
    form = MergeForm(request.POST, pair=pair, prefix="merge")
    if form.is_valid():
        data = form.cleaned_data
        survivor, merged = (
            (pair.person_a, pair.person_b) if data["survivor"] == "a" else (pair.person_b, pair.person_a)
        )
        versions = {"a": data["version_a"], "b": data["version_b"]}
        try:
            done = merging.person_merge(
                actor=request.user,
                survivor=survivor,
                merged=merged,
                survivor_version=versions[data["survivor"]],
                merged_version=versions["b" if data["survivor"] == "a" else "a"],
                reason=data["reason"],
                override_reason=data.get("override_reason") or "",
                take_from_merged=form.take_from_merged(pair),
                duplicate=pair,
                duplicate_version=data["version"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except ConflictError as conflict:
            context = _compare_context(request, pair_id, purpose="merge", merge_form=form, conflict=conflict)
            return render(request, "people/duplicates/compare.html", context, status=409)
        else:
            messages.success(
                request, "The records have been merged. You can undo this from the merge's page."
            )
            return redirect("people:merge_detail", merge_id=done.pk)
    context = _compare_context(request, pair_id, purpose="merge", merge_form=form)
    return render(request, "people/duplicates/compare.html", context, status=422)


@never_cache
@login_required
@require_POST
def dismiss(request: HttpRequest, pair_id: Any) -> HttpResponse:
    view = duplicates.duplicate_get_for(actor=request.user, pair_id=pair_id, purpose="dismiss")
    form = DismissForm(request.POST, prefix="dismiss")
    if form.is_valid():
        try:
            duplicates.duplicate_dismiss(
                actor=request.user,
                pair=view.pair,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except ConflictError as conflict:
            context = _compare_context(
                request, pair_id, purpose="dismiss", dismiss_form=form, conflict=conflict
            )
            return render(request, "people/duplicates/compare.html", context, status=409)
        else:
            messages.success(
                request, "Recorded as two different young people. This pair will not be offered again."
            )
            return redirect("people:duplicates")
    context = _compare_context(request, pair_id, purpose="dismiss", dismiss_form=form)
    return render(request, "people/duplicates/compare.html", context, status=422)


# --- merges and undoing them -----------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def merges(request: HttpRequest) -> HttpResponse:
    page = Paginator(merging.merge_list_for(actor=request.user), settings.HARBOUR_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    duplicates.duplicate_list_audit(
        actor=request.user, status="merges", page_number=page.number, shown=len(page.object_list)
    )
    return render(request, "people/duplicates/merges.html", {"page": page})


def _moved_summary(merge_record: PersonMerge) -> list[tuple[str, int, int]]:
    """(what, rows moved, rows left) per kind of row, in words."""
    from django.apps import apps

    counts: dict[str, list[int]] = {}
    for key, index in (("moved", 0), ("left", 1)):
        for entry in merge_record.snapshot.get(key, []):
            try:
                label = str(apps.get_model(entry["model"])._meta.verbose_name_plural)
            except LookupError:
                label = entry["model"]
            counts.setdefault(label, [0, 0])[index] += 1
    return [(label, moved, left) for label, (moved, left) in sorted(counts.items())]


def _merge_context(request: HttpRequest, merge_id: Any, form: UnmergeForm | None = None) -> dict[str, Any]:
    record = merging.merge_get_for(actor=request.user, merge_id=merge_id)
    merging.merge_view_audit(actor=request.user, merge=record)
    initial = {
        "version": record.version,
        "survivor_version": record.survivor.version,
        "merged_version": record.merged.version,
    }
    return {
        "record": record,
        "summary": _moved_summary(record),
        "fields_taken": [
            FIELD_LABELS.get(name, name) for name in record.snapshot.get("survivor_fields_before", {})
        ],
        "form": form or UnmergeForm(initial=initial),
    }


@never_cache
@login_required
@require_GET
def merge_detail(request: HttpRequest, merge_id: Any) -> HttpResponse:
    return render(request, "people/duplicates/merge.html", _merge_context(request, merge_id))


@never_cache
@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: Any) -> HttpResponse:
    record = merging.merge_get_for(actor=request.user, merge_id=merge_id)
    form = UnmergeForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = merging.person_unmerge(
                actor=request.user,
                merge=record,
                version=data["version"],
                survivor_version=data["survivor_version"],
                merged_version=data["merged_version"],
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except ConflictError as conflict:
            form.add_error(None, conflict.message)
            status = 409
        else:
            text = "The merge has been undone: both records are as they were."
            if result.fields_kept or result.not_restored:
                text = (
                    "The merge has been undone. Changes made to the kept record since the merge were left "
                    f"as they are ({len(result.fields_kept)} fields), and {len(result.not_restored)} rows "
                    "deleted since could not be put back."
                )
            messages.success(request, text)
            return redirect("people:merge_detail", merge_id=record.pk)
    return render(
        request, "people/duplicates/merge.html", _merge_context(request, merge_id, form), status=status
    )
