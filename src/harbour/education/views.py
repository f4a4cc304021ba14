"""Education pages: a young person's education (a section of their record) and the forms that add to it.

Reads go through ``harbour.education.selectors`` (record access and audit), writes through
``harbour.education.services``. URLs carry record ids only. Flash messages never name a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from harbour.access import policies as access
from harbour.audit import services as audit
from harbour.core import uploads as shared
from harbour.core.errors import ConflictError
from harbour.education import forms, imports, policies, selectors, services, uploads
from harbour.education.models import (
    AlternativeProvision,
    ElectiveHomeEducation,
    ImportBatch,
    PartTimeTimetable,
    SchoolPlacement,
)
from harbour.people import views_choose
from harbour.ui import paging

GET_POST = ["GET", "POST"]

# Service errors name input fields; the forms call a few of them something else.
_FIELD_ALIASES = {"school_id": "school", "commissioned_by_id": "commissioned_by"}


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            target = _FIELD_ALIASES.get(name, name)
            for problem in problems:
                form.add_error(target if target in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


def _header_context(request: HttpRequest, person: Any) -> dict[str, Any]:
    """What people/_header.html needs: this page exists only in full."""
    actor = request.user
    return {
        "person": person,
        "is_full": True,
        "tab": "education",
        "reasons": access.explain(actor, person),
        "can_edit": access.can(actor, "person.edit", person),
        "can_give_access": access.can(actor, "grant.give", person),
        "can_see_audit": access.can(actor, "audit.view_person", person),
        "can_break_glass": False,
    }


@never_cache
@login_required
def person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    summary = selectors.education_summary_for(actor=request.user, person_id=person_id)
    context = _header_context(request, summary.person)
    context["summary"] = summary
    return render(request, "education/person.html", context)


@dataclass(frozen=True)
class Recording:
    """One kind of record the generic form page adds."""

    title: str
    form: type[Any]
    save: Callable[..., Any]
    anchor: str
    done: str


RECORDINGS: dict[str, Recording] = {
    "exclusion": Recording(
        "Record a suspension or exclusion",
        forms.ExclusionForm,
        services.exclusion_record,
        "exclusions",
        "The exclusion has been recorded.",
    ),
    "attendance": Recording(
        "Record attendance for a term",
        forms.AttendanceForm,
        services.attendance_record,
        "attendance",
        "Attendance has been recorded.",
    ),
    "placement": Recording(
        "Record a school placement",
        forms.PlacementForm,
        services.placement_record,
        "placements",
        "The placement has been recorded.",
    ),
    "part-time-timetable": Recording(
        "Record a part-time timetable",
        forms.PartTimeTimetableForm,
        services.part_time_timetable_record,
        "part-time",
        "The part-time timetable has been recorded.",
    ),
    "alternative-provision": Recording(
        "Record alternative provision",
        forms.AlternativeProvisionForm,
        services.alternative_provision_record,
        "alternative-provision",
        "The alternative provision has been recorded.",
    ),
    "home-education": Recording(
        "Record elective home education",
        forms.HomeEducationForm,
        services.home_education_record,
        "home-education",
        "Elective home education has been recorded.",
    ),
    "missing-education": Recording(
        "Report a child missing education",
        forms.MissingEducationForm,
        services.missing_education_report,
        "missing-education",
        "The report has been recorded.",
    ),
}


def _form_page(
    request: HttpRequest,
    person: Any,
    form: Form,
    *,
    title: str,
    action: str,
    status: int = 200,
    intro: str = "",
) -> HttpResponse:
    context = {"person": person, "form": form, "title": title, "action": action, "intro": intro}
    return render(request, "education/form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(GET_POST)
def record(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Add to the education record: ``?what=`` names the kind of record; without it, a list of kinds."""
    what = request.GET.get("what", "")
    recording = RECORDINGS.get(what)
    if what and recording is None:
        raise Http404
    person = selectors.education_person_for(
        actor=request.user, person_id=person_id, purpose=f"record {what}" if what else "record"
    )
    if recording is None:
        choices = [(code, item.title) for code, item in RECORDINGS.items()]
        return render(request, "education/choose.html", {"person": person, "choices": choices})
    action = f"{request.path}?what={what}"
    if request.method != "POST":
        return _form_page(request, person, recording.form(), title=recording.title, action=action)
    form = recording.form(request.POST)
    if form.is_valid():
        try:
            result = recording.save(actor=request.user, person=person, data=form.to_input())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # Exclusions and reports return (record, created): the same one again is not duplicated.
            if isinstance(result, tuple) and not result[1]:
                messages.info(request, "This was already recorded, so nothing new was added.")
            else:
                messages.success(request, recording.done)
            return redirect(f"{_person_url(person.pk)}#{recording.anchor}")
    return _form_page(request, person, form, title=recording.title, action=action, status=422)


def _person_url(person_id: Any) -> str:
    return reverse("education:person", args=[person_id])


def _versioned(
    request: HttpRequest,
    *,
    obj: Any,
    form_class: type[Any],
    title: str,
    intro: str,
    save: Callable[[Any], Any],
    anchor: str,
    done: str,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """A form changing an existing record that carries a version (optimistic locking)."""
    person = obj.person
    if request.method != "POST":
        form = form_class(initial={"version": obj.version, **(initial or {})})
        return _form_page(request, person, form, title=title, action=request.path, intro=intro)
    form = form_class(request.POST)
    status = 422
    if form.is_valid():
        try:
            save(form)
        except ValidationError as error:
            _add_errors(form, error)
        except ConflictError as conflict:
            form.add_error(None, conflict.message)
            status = 409
        else:
            messages.success(request, done)
            return redirect(f"{_person_url(person.pk)}#{anchor}")
    return _form_page(request, person, form, title=title, action=request.path, status=status, intro=intro)


@never_cache
@login_required
@require_http_methods(GET_POST)
def exclusion_status(request: HttpRequest, exclusion_id: UUID) -> HttpResponse:
    exclusion = selectors.exclusion_get_for_change(actor=request.user, exclusion_id=exclusion_id)
    return _versioned(
        request,
        obj=exclusion,
        form_class=forms.ExclusionStatusForm,
        title="Change the status of an exclusion",
        intro=f"{exclusion.kind.label} from {exclusion.school.name}, from {exclusion.starts_on:%-d %B %Y}.",
        save=lambda form: services.exclusion_status_change(
            actor=request.user,
            exclusion=exclusion,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
        ),
        anchor="exclusions",
        done="The status has been changed.",
        initial={"status": exclusion.status},
    )


@never_cache
@login_required
@require_http_methods(GET_POST)
def enquiry_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = selectors.missing_case_get_for_change(actor=request.user, case_id=case_id)
    return _versioned(
        request,
        obj=case,
        form_class=forms.EnquiryForm,
        title="Record an enquiry",
        intro=f"Reported as missing education on {case.reported_on:%-d %B %Y}.",
        save=lambda form: services.missing_education_enquiry_add(
            actor=request.user, case=case, data=form.to_input(), version=form.cleaned_data["version"]
        ),
        anchor="missing-education",
        done="The enquiry has been recorded.",
    )


@never_cache
@login_required
@require_http_methods(GET_POST)
def missing_close(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = selectors.missing_case_get_for_change(actor=request.user, case_id=case_id)
    return _versioned(
        request,
        obj=case,
        form_class=forms.CloseForm,
        title="Close a children missing education case",
        intro=f"Reported as missing education on {case.reported_on:%-d %B %Y}.",
        save=lambda form: services.missing_education_close(
            actor=request.user,
            case=case,
            outcome=form.cleaned_data["outcome"],
            closed_on=form.cleaned_data["closed_on"],
            version=form.cleaned_data["version"],
        ),
        anchor="missing-education",
        done="The case has been closed.",
    )


PERIODS: dict[str, tuple[type[Any], str, str]] = {
    "placement": (SchoolPlacement, "End a school placement", "placements"),
    "part-time-timetable": (PartTimeTimetable, "End a part-time timetable", "part-time"),
    "alternative-provision": (AlternativeProvision, "End alternative provision", "alternative-provision"),
    "home-education": (ElectiveHomeEducation, "End elective home education", "home-education"),
}


@never_cache
@login_required
@require_http_methods(GET_POST)
def period_end(request: HttpRequest, what: str, record_id: UUID) -> HttpResponse:
    if what not in PERIODS:
        raise Http404
    model, title, anchor = PERIODS[what]
    period = selectors.period_get_for_change(actor=request.user, model=model, record_id=record_id)
    return _versioned(
        request,
        obj=period,
        form_class=forms.PeriodEndForm,
        title=title,
        intro=f"Started {period.starts_on:%-d %B %Y}.",
        save=lambda form: services.period_end(
            actor=request.user,
            record=period,
            ends_on=form.cleaned_data["ends_on"],
            version=form.cleaned_data["version"],
        ),
        anchor=anchor,
        done="The end date has been recorded.",
    )


# --- imported rows kept for review (education.import holders) -------------------------------------------


@never_cache
@login_required
def unmatched(request: HttpRequest) -> HttpResponse:
    """Imported rows not matched to one known young person with certainty, waiting for review."""
    page = selectors.unmatched_rows_page_for(
        actor=request.user, number=request.GET.get("page"), page_size=settings.HARBOUR_PAGE_SIZE
    )
    fields = {kind: list(imports.FIELDS[kind]) for kind in imports.FIELDS}
    return render(request, "education/unmatched.html", {"page": page, "fields": fields})


def _review_url(page: str | None) -> str:
    """The review list at the page the reviewer came from."""
    return paging.with_page(reverse("education:unmatched"), page)


@never_cache
@login_required
@require_POST
def unmatched_retry(request: HttpRequest, row_id: UUID) -> HttpResponse:
    """Try matching a row again, from the list; back to the list at the page the reviewer was on."""
    version = request.POST.get("version") or ""
    row = selectors.unmatched_row_for(actor=request.user, row_id=row_id, resolved_too=version.isdigit())
    try:
        person = imports.unmatched_retry(
            actor=request.user, row=row, version=int(version) if version.isdigit() else None
        )
    except ConflictError:
        messages.error(
            request,
            f"Line {row.line_number}: someone else dealt with it after you opened this page. "
            "Nothing has been saved.",
        )
    except ValidationError as error:
        messages.error(request, f"Line {row.line_number} could not be recorded: {' '.join(error.messages)}")
    else:
        if person is None:
            messages.info(
                request, f"Line {row.line_number} still matches no known young person with certainty."
            )
        else:
            messages.success(request, f"Line {row.line_number} is now matched and recorded.")
    return redirect(_review_url(request.POST.get("page")))


@never_cache
@login_required
@require_http_methods(GET_POST)
def unmatched_set_aside(request: HttpRequest, row_id: UUID) -> HttpResponse:
    row = selectors.unmatched_row_for(
        actor=request.user, row_id=row_id, resolved_too=request.method == "POST"
    )
    form = forms.SetAsideForm(request.POST or None, initial={"version": row.version})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                imports.unmatched_set_aside(
                    actor=request.user,
                    row=row,
                    resolution=form.cleaned_data["resolution"],
                    version=form.cleaned_data["version"],
                )
            except ConflictError:
                form.add_error(None, views_choose.CONFLICT)
                status = 409
                row = selectors.unmatched_row_for(actor=request.user, row_id=row_id, resolved_too=True)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Line {row.line_number} has been set aside.")
                return redirect(_review_url(request.GET.get("page")))
    # The page shows the row's personal details: audited as opening it to find its young person is.
    audit.record(request.user, "education.unmatched_viewed", row, detail={"shown": 1})
    context = {
        "row": row,
        "form": form,
        "fields": list(imports.FIELDS[row.kind]),
        "back_url": _review_url(request.GET.get("page")),
        "form_action": paging.with_page(request.path, request.GET.get("page")),
    }
    return render(request, "education/set_aside.html", context, status=status)


@never_cache
@login_required
@require_http_methods(GET_POST)
def unmatched_link(request: HttpRequest, row_id: UUID) -> HttpResponse:
    """Find the young person a kept row is about and link it to them (the reviewer's choice)."""
    policies.require_import(request.user)
    back_url = _review_url(request.GET.get("page"))

    def load() -> Any:
        return selectors.unmatched_row_for(actor=request.user, row_id=row_id, resolved_too=True)

    def link(row: Any, person_id: UUID, version: int) -> HttpResponse:
        person = imports.unmatched_link(actor=request.user, row=row, person_id=person_id, version=version)
        messages.success(
            request, f"Line {row.line_number} is linked to {person.full_name} and recorded on their record."
        )
        return redirect(back_url)

    row = load()
    audit.record(request.user, "education.unmatched_viewed", row, detail={"shown": 1})
    try:
        born: Any = imports.parse_date(str(row.values.get("date_of_birth") or ""))
    except ValueError:
        born = None
    return views_choose.choose_page(
        request,
        template="education/unmatched_link.html",
        record=row,
        reload=load,
        initial=views_choose.terms_from(row.values, date_of_birth=born),
        link=link,
        # The list's page travels in the page's address (and its form's), so "back" returns to it.
        context={
            "back_url": back_url,
            "back_label": "Imported rows to review",
            "fields": list(imports.FIELDS[row.kind]),
            "form_action": paging.with_page(request.path, request.GET.get("page")),
        },
    )


# --- importing a list from the page (education.import holders) ---------------------------------------


def _columns() -> list[dict[str, Any]]:
    """The columns each list needs, for the upload page: from the import's own table."""
    return [
        {
            "kind": kind,
            "label": label,
            "fields": [
                {"name": name, "required": required, "what": what}
                for name, (required, what) in imports.FIELDS[kind].items()
            ],
        }
        for kind, label in ImportBatch.Kind.choices
    ]


@never_cache
@login_required
@require_http_methods(GET_POST)
def upload_new(request: HttpRequest) -> HttpResponse:
    """Upload a list and check it: every problem listed by line, nothing written to the records."""
    policies.require_import(request.user)
    limit = settings.HARBOUR_EDUCATION_UPLOAD_MAX_BYTES
    form = forms.UploadForm(request.POST or None, request.FILES or None, max_bytes=limit)
    context: dict[str, Any] = {"form": form, "columns": _columns(), "max_bytes": limit}
    if request.method != "POST":
        return render(request, "education/upload_new.html", context)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            checked = uploads.upload_check(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name or "",
                content=upload.read(limit + 1),  # one byte more than allowed is enough to refuse it
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if checked.ok:
                return redirect("education:upload", checked.upload.pk)
            if checked.refusal:
                form.add_error("file", f"Nothing has been imported. {checked.refusal}")
            else:
                count = len(checked.errors)
                form.add_error(
                    "file",
                    f"The file has {count} problem{'' if count == 1 else 's'}, listed below. Nothing has "
                    "been imported: correct them in the spreadsheet and upload the file again.",
                )
                listed = checked.errors[: imports.MAX_ERRORS_LISTED]
                context.update(
                    problems=listed,
                    more=count - len(listed),
                    checked=checked.upload,
                )
    return render(request, "education/upload_new.html", context, status=422)


@never_cache
@login_required
def upload(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    """An upload's page: ready to import, waiting, importing, imported (with what became of the rows),
    or not imported and why. While it waits, it asks again every few seconds (htmx) for its status."""
    item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
    context = {"upload": item, "failure": uploads.FAILURES.get(item.failure, "")}
    return shared.status_page(request, "education/upload.html", context)


@never_cache
@login_required
@require_POST
def upload_confirm(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    """Import a checked upload. A second click (or tab) finds it sent already: it is imported once."""
    item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
    if not uploads.upload_confirm(actor=request.user, upload=item):
        item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
        shared.tell_not_sent(request, item)
    return redirect("education:upload", item.pk)
