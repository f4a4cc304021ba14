"""Missing pages: a young person's missing history, recording an episode and the return, the return home
interview, and the Philomena profile with its one-page PDF.

Reads go through ``harbour.missing.selectors`` (policy and audit), writes through
``harbour.missing.services``. URLs carry record ids only; flash messages never name a person.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from harbour.access import policies as access
from harbour.accounts.models import User
from harbour.audit import services as audit
from harbour.core import uploads as shared
from harbour.core.errors import ConflictError
from harbour.missing import import_undo, imports, offers, policies, selectors, services, uploads
from harbour.missing.forms import (
    AssignForm,
    DeclineForm,
    EpisodeForm,
    ImportUndoForm,
    InterviewForm,
    OfferForm,
    PoliceLogUploadForm,
    ProfileForm,
    ProfilePhotoForm,
    ProfilePhotoRemoveForm,
    RegradeForm,
    ReportForm,
    ReturnForm,
    SetAsideForm,
)
from harbour.missing.inputs import (
    PART_2_FIELDS,
    PROFILE_FIELDS,
    EpisodeInput,
    InterviewInput,
    ProfileInput,
    ReportInput,
    ReturnInput,
)
from harbour.missing.models import MissingEpisode, MissingNotice, MissingProfilePhoto, ReturnInterview
from harbour.missing.photos import PHOTO_MAX_BYTES
from harbour.people import views_choose
from harbour.ui import paging

GET_POST = ["GET", "POST"]
# A Philomena profile not updated for this long is flagged for a check that it is still right.
PROFILE_REVIEW_DAYS = 90
# A profile photo older than this is flagged: a teenager's looks change quickly.
PHOTO_OLD_DAYS = 183
CONFLICT = (
    "Someone else saved this record after you opened it. Nothing you sent has been saved: check the page "
    "as it is now, then make your change again."
)


def _apply_errors(form: Form, error: ValidationError, names: dict[str, str] | None = None) -> None:
    """Put a service's field-keyed errors on the form's fields (or the form, for unknown names)."""
    names = names or {}
    for field, messages_ in error.message_dict.items():
        target = names.get(field, field)
        if target in form.fields:
            form.add_error(target, messages_)
        else:
            form.add_error(None, messages_)


# --- a young person's missing history -----------------------------------------------------------------


@login_required
@never_cache
def person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    history = selectors.history_for(actor=request.user, person_id=person_id)
    notices = []
    if history.is_full:
        notices = list(
            MissingNotice.objects.filter(
                recipient_id=request.user.pk, person_id=person_id, read_at__isnull=True
            )
        )
    actor = request.user
    person = history.view.person
    full = history.is_full
    context = {
        "history": history,
        "person": person,
        "notices": notices,
        "profile_stale": history.profile is not None
        and history.profile.updated_at < timezone.now() - timedelta(days=PROFILE_REVIEW_DAYS),
        # What people/_header.html needs (the record's tabs, "Why can I see this?").
        "is_full": full,
        "tab": "missing",
        "reasons": history.view.reasons,
        "can_edit": full and access.can(actor, "person.edit", person),
        "can_give_access": full and access.can(actor, "grant.give", person),
        "can_see_audit": access.can(actor, "audit.view_person", person),
    }
    return render(request, "missing/person.html", context)


def _person_for_recording(request: HttpRequest, person_id: UUID) -> Any:
    history = selectors.history_for(actor=request.user, person_id=person_id)
    if not history.is_full:
        raise Http404
    if not history.can_record:
        raise PermissionDenied
    return history.view.person


@login_required
@never_cache
@require_http_methods(GET_POST)
def episode_new(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person = _person_for_recording(request, person_id)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = services.episode_record(
                actor=request.user,
                person=person,
                data=EpisodeInput(
                    kind=data["kind"].code,
                    setting=data["setting"].code,
                    started_at=data["started_at"],
                    reported_at=data.get("reported_at"),
                    reported_by=data["reported_by"],
                    police_reference=data["police_reference"],
                    risk_grade=data["risk_grade"].code if data["risk_grade"] else "",
                    placement_name=data["placement_name"],
                    out_of_area=data["out_of_area"],
                    placing_authority=data["placing_authority"],
                    placing_authority_email=data["placing_authority_email"],
                    associated_people=data["associated_people"],
                    associated_places=data["associated_places"],
                    **{name: data[name] for name in PART_2_FIELDS},
                ),
            )
        except ValidationError as error:
            _apply_errors(form, error, {"started_at": "started_at_date", "reported_at": "reported_at_date"})
        else:
            messages.success(request, "Missing episode recorded.")
            return redirect("missing:episode", episode.pk)
    status = 422 if form.is_bound else 200
    return render(request, "missing/episode_form.html", {"form": form, "person": person}, status=status)


# --- one episode ----------------------------------------------------------------------------------------


def _episode_page(
    request: HttpRequest, episode: MissingEpisode, *, status: int = 200, **forms: Any
) -> HttpResponse:
    can_record = policies.can_record(request.user, episode.person)
    context: dict[str, Any] = {
        "episode": episode,
        "person": episode.person,
        "can_record": can_record,
        "grades": list(episode.grade_changes.select_related("grade", "recorded_by")),
        "interview": getattr(episode, "interview", None),
        "return_form": forms.get("return_form") or ReturnForm(initial={"version": episode.version}),
        "regrade_form": forms.get("regrade_form") or RegradeForm(initial={"version": episode.version}),
        "report_form": forms.get("report_form")
        or ReportForm(
            initial={"version": episode.version, **{name: getattr(episode, name) for name in PART_2_FIELDS}}
        ),
    }
    return render(request, "missing/episode.html", context, status=status)


@login_required
@never_cache
def episode(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    return _episode_page(request, selectors.episode_get_for(actor=request.user, episode_id=episode_id))


@login_required
@require_POST
def episode_return(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(actor=request.user, episode_id=episode_id, purpose="return")
    if not policies.can_record(request.user, episode.person):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        team = data["interview_team"]
        try:
            interview = services.episode_record_return(
                actor=request.user,
                episode=episode,
                version=data["version"],
                data=ReturnInput(
                    ended_at=data["ended_at"],
                    found_place=data["found_place"],
                    found_town=data["found_town"],
                    found_postcode=data["found_postcode"],
                    found_by=data["found_by"].code if data["found_by"] else "",
                    return_method=data["return_method"].code if data["return_method"] else "",
                    interview_team_id=team.pk if team else None,
                ),
            )
        except ConflictError:
            messages.error(request, CONFLICT)
            return redirect("missing:episode", episode.pk)
        except ValidationError as error:
            _apply_errors(form, error, {"ended_at": "ended_at_date", "interview_team_id": "interview_team"})
        else:
            due = timezone.localtime(interview.due_at)
            messages.success(
                request, f"Return recorded. The return home interview is due by {due:%H:%M on %-d %B %Y}."
            )
            return redirect("missing:interview", interview.pk)
    return _episode_page(request, episode, status=422, return_form=form)


@login_required
@require_POST
def episode_report(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(actor=request.user, episode_id=episode_id, purpose="report")
    if not policies.can_record(request.user, episode.person):
        raise PermissionDenied
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.episode_report_update(
                actor=request.user,
                episode=episode,
                version=form.cleaned_data["version"],
                data=ReportInput(**{name: form.cleaned_data[name] for name in PART_2_FIELDS}),
            )
        except ConflictError:
            messages.error(request, CONFLICT)
            return redirect("missing:episode", episode.pk)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Saved what is known about when they were last seen.")
            return redirect("missing:episode", episode.pk)
    return _episode_page(request, episode, status=422, report_form=form)


@login_required
@require_POST
def episode_regrade(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = selectors.episode_get_for(actor=request.user, episode_id=episode_id, purpose="regrade")
    if not policies.can_record(request.user, episode.person):
        raise PermissionDenied
    form = RegradeForm(request.POST)
    if form.is_valid():
        try:
            services.episode_regrade(
                actor=request.user,
                episode=episode,
                version=form.cleaned_data["version"],
                grade=form.cleaned_data["grade"].code,
                reason=form.cleaned_data["reason"],
                changed_at=form.cleaned_data.get("changed_at"),
            )
        except ConflictError:
            messages.error(request, CONFLICT)
            return redirect("missing:episode", episode.pk)
        except ValidationError as error:
            _apply_errors(form, error, {"changed_at": "changed_at_date"})
        else:
            messages.success(request, "Risk grade changed.")
            return redirect("missing:episode", episode.pk)
    return _episode_page(request, episode, status=422, regrade_form=form)


# --- the return home interview ------------------------------------------------------------------------


def _interviewer_candidates(interview: ReturnInterview) -> QuerySet[User]:
    today = timezone.localdate()
    current = Q(memberships__starts_on__lte=today) & (
        Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=today)
    )
    users = User.objects.filter(current, is_active=True)
    if interview.team_id is not None:
        users = users.filter(memberships__team_id=interview.team_id)
    else:
        users = users.filter(memberships__team__agency__agency_type__code="youth-services")
    return users.distinct().order_by("display_name", "username")


def _interview_page(
    request: HttpRequest, interview: ReturnInterview, *, status: int = 200, **forms: Any
) -> HttpResponse:
    actor = request.user
    initial = {"version": interview.version}
    indicators = offers.indicator_choices()
    chosen = {c.code: c for c in indicators}
    context: dict[str, Any] = {
        "interview": interview,
        "episode": interview.episode,
        "person": interview.person,
        "now": timezone.now(),
        "can_assign": policies.can_assign(actor, interview) and not interview.is_resolved,
        "can_work": policies.can_work_interview(actor, interview) and not interview.is_resolved,
        "independence_problem": policies.independence_problem(actor, interview.episode),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial=initial, candidates=_interviewer_candidates(interview)),
        "offer_form": forms.get("offer_form") or OfferForm(initial=initial),
        "decline_form": forms.get("decline_form") or DeclineForm(initial=initial),
        "interview_form": forms.get("interview_form")
        or InterviewForm(initial=initial, indicators=indicators),
        "indicators_chosen": [chosen[code] for code in interview.indicator_codes if code in chosen],
        "overdue": not interview.is_resolved and interview.due_at <= timezone.now(),
        "late": interview.resolved_at is not None and interview.resolved_at > interview.due_at,
    }
    return render(request, "missing/interview.html", context, status=status)


@login_required
@never_cache
def interview(request: HttpRequest, interview_id: UUID) -> HttpResponse:
    return _interview_page(
        request, selectors.interview_get_for(actor=request.user, interview_id=interview_id)
    )


def _interview_for_post(request: HttpRequest, interview_id: UUID) -> ReturnInterview:
    return selectors.interview_get_for(actor=request.user, interview_id=interview_id)


def _interview_action(
    request: HttpRequest,
    interview: ReturnInterview,
    form: Form,
    *,
    form_name: str,
    save: Callable[[dict[str, Any]], Any],
    field_names: dict[str, str],
    done: str,
) -> HttpResponse:
    """Run one return home interview action from its bound form: on success back to the interview with
    ``done``; a stale version back to it with the conflict message; otherwise the page again (422) with
    the form's and the service's errors (``field_names`` maps the service's field names to the form's)."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ConflictError:
            messages.error(request, CONFLICT)
            return redirect("missing:interview", interview.pk)
        except ValidationError as error:
            _apply_errors(form, error, field_names)
        else:
            messages.success(request, done)
            return redirect("missing:interview", interview.pk)
    return _interview_page(request, interview, status=422, **{form_name: form})


@login_required
@require_POST
def interview_assign(request: HttpRequest, interview_id: UUID) -> HttpResponse:
    interview = _interview_for_post(request, interview_id)
    if not policies.can_assign(request.user, interview):
        raise PermissionDenied
    return _interview_action(
        request,
        interview,
        AssignForm(request.POST, candidates=_interviewer_candidates(interview)),
        form_name="assign_form",
        save=lambda data: services.interview_assign(
            actor=request.user,
            interview=interview,
            version=data["version"],
            interviewer_id=data["interviewer"].pk,
        ),
        field_names={"interviewer_id": "interviewer"},
        done="Interviewer assigned.",
    )


def _work(request: HttpRequest, interview_id: UUID) -> ReturnInterview:
    interview = _interview_for_post(request, interview_id)
    if not policies.can_work_interview(request.user, interview):
        raise PermissionDenied
    return interview


@login_required
@require_POST
def interview_offer(request: HttpRequest, interview_id: UUID) -> HttpResponse:
    interview = _work(request, interview_id)
    return _interview_action(
        request,
        interview,
        OfferForm(request.POST),
        form_name="offer_form",
        save=lambda data: services.interview_offer(
            actor=request.user,
            interview=interview,
            version=data["version"],
            offered_at=data["offered_at"],
            accepted=data["accepted"],
        ),
        field_names={"offered_at": "offered_at_date"},
        done="Offer recorded.",
    )


@login_required
@require_POST
def interview_decline(request: HttpRequest, interview_id: UUID) -> HttpResponse:
    interview = _work(request, interview_id)
    return _interview_action(
        request,
        interview,
        DeclineForm(request.POST),
        form_name="decline_form",
        save=lambda data: services.interview_decline(
            actor=request.user,
            interview=interview,
            version=data["version"],
            declined_at=data["declined_at"],
            reason=data["reason"].code,
            carers_said=data["carers_said"],
        ),
        field_names={"declined_at": "declined_at_date"},
        done="Recorded that the interview did not happen.",
    )


@login_required
@require_POST
def interview_complete(request: HttpRequest, interview_id: UUID) -> HttpResponse:
    interview = _work(request, interview_id)
    return _interview_action(
        request,
        interview,
        InterviewForm(request.POST, indicators=offers.indicator_choices()),
        form_name="interview_form",
        save=lambda data: services.interview_complete(
            actor=request.user,
            interview=interview,
            version=data["version"],
            data=InterviewInput(
                completed_at=data["completed_at"],
                where_been=data["where_been"],
                who_with=data["who_with"],
                how_travelled=data["how_travelled"],
                factors=[factor.code for factor in data["factors"]],
                harm=data["harm"],
                young_person_words=data["young_person_words"],
                actions=data["actions"],
                police_information=data["police_information"],
                indicator_codes=list(data.get("indicator_codes") or []),
            ),
        ),
        field_names={"completed_at": "completed_at_date"},
        done="Return home interview recorded.",
    )


# --- the Philomena profile ------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(GET_POST)
def profile_edit(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, profile = selectors.profile_get_for(actor=request.user, person_id=person_id)
    if not policies.can_record(request.user, person):
        raise PermissionDenied
    initial: dict[str, Any] = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else {}
    initial["version"] = profile.version if profile else None
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(
                actor=request.user,
                person=person,
                version=form.cleaned_data["version"],
                data=ProfileInput(**{name: form.cleaned_data[name] for name in PROFILE_FIELDS}),
            )
        except ConflictError:
            messages.error(request, CONFLICT)
            return redirect("missing:profile", person.pk)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Missing profile saved.")
            return redirect("missing:person", person.pk)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "missing/profile_form.html",
        {"form": form, "person": person, "profile": profile, **_photo_context(profile)},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(GET_POST)
def profile_photo_edit(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Add or replace the profile's photo (a multipart form); the current one is shown, with Remove."""
    person, profile = selectors.profile_get_for(actor=request.user, person_id=person_id)
    if not policies.can_record(request.user, person):
        raise PermissionDenied
    if profile is None:
        messages.error(request, "Save the profile first, then add a photo.")
        return redirect("missing:profile", person.pk)
    photo = MissingProfilePhoto.objects.filter(profile=profile).only("pk", "version", "taken_on").first()
    version = photo.version if photo else None
    form = ProfilePhotoForm(request.POST or None, request.FILES or None, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            services.profile_photo_save(
                actor=request.user,
                person=person,
                version=form.cleaned_data["version"],
                # Read no more than the limit: a larger file is refused without holding all of it.
                upload=upload.read(PHOTO_MAX_BYTES + 1),
                taken_on=form.cleaned_data["taken_on"],
            )
        except ConflictError:
            messages.error(request, services.PHOTO_CHANGED)
            return redirect("missing:profile_photo", person.pk)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Photo saved.")
            return redirect("missing:profile", person.pk)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "missing/profile_photo_form.html",
        {
            "form": form,
            "person": person,
            "photo": photo,
            "remove_form": ProfilePhotoRemoveForm(initial={"version": version}) if photo else None,
        },
        status=status,
    )


@login_required
@require_POST
def profile_photo_remove(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, _profile = selectors.profile_get_for(actor=request.user, person_id=person_id)
    form = ProfilePhotoRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date. Nothing has been removed: try again.")
        return redirect("missing:profile_photo", person.pk)
    try:
        services.profile_photo_remove(actor=request.user, person=person, version=form.cleaned_data["version"])
    except ConflictError:
        messages.error(request, services.PHOTO_CHANGED)
        return redirect("missing:profile_photo", person.pk)
    messages.success(request, "Photo removed.")
    return redirect("missing:profile", person.pk)


@login_required
@never_cache
def profile_photo(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The photo itself, for the profile pages. Never cached by the browser or anything between."""
    photo = selectors.profile_photo_get_for(actor=request.user, person_id=person_id)
    response = HttpResponse(bytes(photo.image), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


def _photo_context(profile: Any) -> dict[str, Any]:
    photo = (
        MissingProfilePhoto.objects.filter(profile=profile).only("pk", "width", "height", "taken_on").first()
        if profile
        else None
    )
    old = photo is not None and photo.taken_on < timezone.localdate() - timedelta(days=PHOTO_OLD_DAYS)
    return {"photo": photo, "photo_old": old}


# Each profile box on the one-page PDF holds at most this much; the rest is in Harbour.
PDF_LINES = 5
PDF_CHARS = 320
PDF_MORE = " [continues in Harbour]"
# While an episode is open its Part 2 is on the page too, so every box holds less.
PDF_LINES_MISSING_NOW = 3
PDF_CHARS_MISSING_NOW = 200
PDF_LINES_PART_2 = 3
PDF_CHARS_PART_2 = 200


def clip(text: str, *, lines: int = PDF_LINES, chars: int = PDF_CHARS) -> str:
    """Text cut to fit a box on the one-page PDF, saying so when it was cut."""
    kept = text.strip().splitlines()
    cut = len(kept) > lines
    short = "\n".join(kept[:lines])
    if len(short) > chars:
        short, cut = short[:chars].rsplit(" ", 1)[0], True
    return short + PDF_MORE if cut else short


def _profile_context(person: Any, profile: Any) -> dict[str, Any]:
    from harbour.missing.models import MissingEpisode

    missing_now = (
        MissingEpisode.objects.filter(person=person, ended_at__isnull=True)
        .select_related("kind", "setting", "risk_grade")
        .order_by("-started_at")
        .first()
    )
    # While they are missing, Part 2 shares the one page: the profile's boxes and the history give way.
    lines, chars, history = (
        (PDF_LINES_MISSING_NOW, PDF_CHARS_MISSING_NOW, 3)
        if missing_now
        else (
            PDF_LINES,
            PDF_CHARS,
            5,
        )
    )
    episodes = list(
        MissingEpisode.objects.filter(person=person).select_related("kind", "setting", "found_town")[:history]
    )
    photo = MissingProfilePhoto.objects.filter(profile=profile).first() if profile else None
    return {
        "person": person,
        "profile": profile,
        "boxes": {name: clip(getattr(profile, name), lines=lines, chars=chars) for name in PROFILE_FIELDS}
        if profile
        else {},
        "episodes": episodes,
        "episode_count": MissingEpisode.objects.filter(person=person).count(),
        "printed_at": timezone.localtime(),
        "addresses": list(person.addresses.filter(ends_on__isnull=True).select_related("town")[:1]),
        "missing_now": missing_now,
        "part_2": {
            name: clip(getattr(missing_now, name), lines=PDF_LINES_PART_2, chars=PDF_CHARS_PART_2)
            for name in PART_2_FIELDS
        }
        if missing_now
        else {},
        "photo": photo,
        # WeasyPrint reads the photo from the page itself: no URL, so no second request or its audit.
        "photo_uri": _data_uri(bytes(photo.image)) if photo else "",
    }


def _data_uri(jpeg: bytes) -> str:
    return f"data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}"


def profile_document(person: Any, profile: Any) -> Any:
    """The laid-out profile (a WeasyPrint document): one A4 page, long text cut to fit its box."""
    import weasyprint

    html = render_to_string("missing/profile_pdf.html", _profile_context(person, profile))
    return weasyprint.HTML(string=html).render(pdf_variant="pdf/ua-1", pdf_tags=True)


@login_required
@never_cache
def profile_pdf(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The one-page Philomena profile as a PDF for police. The download is audited."""
    person, profile = selectors.profile_get_for(actor=request.user, person_id=person_id, export=True)
    pdf = profile_document(person, profile).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="missing-profile-{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def notice_read(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    services.notice_mark_read(actor=request.user, notice_id=notice_id)
    notice = MissingNotice.objects.filter(pk=notice_id, recipient_id=request.user.pk).first()
    messages.success(request, "Marked as read.")
    if notice is not None and access.can_see_full(request.user, notice.person):
        return redirect("missing:person", notice.person_id)
    return redirect("ui:home")


# --- police log rows to review ------------------------------------------------------------------------


@login_required
@never_cache
def unmatched(request: HttpRequest) -> HttpResponse:
    """Police log rows that could not be linked with confidence, for the front door to review."""
    if not policies.can_import(request.user):
        raise PermissionDenied
    return _review_page(request, request.GET.get("page"))


def _review_page(
    request: HttpRequest,
    number: Any,
    *,
    problem: str = "",
    status: int = 200,
    refused: SetAsideForm | None = None,
) -> HttpResponse:
    """A page of the rows to review (audited: it shows what the rows hold), with a refusal if any. Only a
    best candidate the reviewer sees in full gets "Link"; for the others they find the young person. Each
    row has its "Set aside" form; ``refused`` is one posted with errors, shown open on its row."""
    page, linkable = imports.unmatched_review_page_for(
        actor=request.user, number=number, page_size=settings.HARBOUR_PAGE_SIZE
    )
    refused_id = refused.row_id if refused is not None else None
    rows = [(row, refused if row.pk == refused_id else SetAsideForm(row=row)) for row in page.object_list]
    context = {"page": page, "rows": rows, "problem": problem, "linkable": linkable, "refused": refused}
    return render(request, "missing/unmatched.html", context, status=status)


@login_required
@require_POST
def unmatched_link(request: HttpRequest, row_id: UUID) -> HttpResponse:
    """Link a row to its best candidate, from the list. A refusal shows the list again at the page the
    reviewer was on (the form carries its number)."""
    row = imports.unmatched_row_get_for(actor=request.user, row_id=row_id)
    number = paging.page_number(request.POST.get("page"))
    try:
        episode = imports.unmatched_row_link(
            actor=request.user,
            row=row,
            person_id=request.POST.get("person_id") or None,
            version=_int(request.POST.get("version"), default=0),  # none given: stale
        )
    except ConflictError as error:
        return _review_page(request, number, problem=error.message, status=409)
    except PermissionDenied as refusal:  # the best candidate is seen by name only (may review: checked above)
        return _review_page(request, number, problem=str(refusal), status=403)
    except ValidationError as error:
        return _review_page(request, number, problem=" ".join(error.messages), status=422)
    messages.success(request, "Linked: the episode is on the young person's record.")
    return redirect("missing:episode", episode.pk)


@login_required
@require_POST
def unmatched_set_aside(request: HttpRequest, row_id: UUID) -> HttpResponse:
    """Set a row aside from the list, saying what happened to it. A refusal shows the list again at the
    page the reviewer was on, with the problem (and, for a missing choice, the row's form open)."""
    row = imports.unmatched_row_get_for(actor=request.user, row_id=row_id)
    number = paging.page_number(request.POST.get("page"))
    form = SetAsideForm(request.POST, row=row)
    if not form.is_valid():
        return _review_page(request, number, status=422, refused=form)
    try:
        row = imports.unmatched_row_set_aside(
            actor=request.user,
            row=row,
            resolution=form.cleaned_data["resolution"],
            version=form.cleaned_data["version"] or 0,  # none given: stale
        )
    except ConflictError:
        problem = (
            f"Line {row.line_number}: someone else dealt with it after you opened this page. "
            "Nothing has been saved."
        )
        return _review_page(request, number, problem=problem, status=409)
    except ValidationError as error:
        return _review_page(
            request, number, problem=f"Line {row.line_number}: {' '.join(error.messages)}", status=422
        )
    messages.success(
        request, f"Line {row.line_number} has been set aside: {row.get_resolution_display().lower()}."
    )
    return redirect(_review_url(str(number)))


def _int(text: str | None, *, default: int) -> int:
    return int(text) if text and text.isdigit() else default


@never_cache
@login_required
@require_http_methods(GET_POST)
def unmatched_choose(request: HttpRequest, row_id: UUID) -> HttpResponse:
    """Find the young person a police log row is about and link it to them (the reviewer's choice)."""
    if not policies.can_import(request.user):
        raise PermissionDenied

    def load() -> Any:
        return imports.unmatched_row_get_for(actor=request.user, row_id=row_id)

    def link(row: Any, person_id: UUID, version: int) -> HttpResponse:
        episode = imports.unmatched_row_link(
            actor=request.user, row=row, person_id=person_id, version=version, chosen_by_reviewer=True
        )
        messages.success(
            request,
            f"Line {row.line_number} is linked: the episode is on {episode.person.full_name}'s record.",
        )
        return redirect("missing:episode", episode.pk)

    row = load()
    audit.record(request.user, "police_log.review_viewed", row, detail={"shown": 1})
    born = imports.parse_date(str(row.data.get("date_of_birth") or ""))
    return views_choose.choose_page(
        request,
        template="missing/unmatched_choose.html",
        record=row,
        reload=load,
        initial=views_choose.terms_from(row.data, date_of_birth=born),
        link=link,
        # The list's page travels in the page's address (and its form's), so "back" returns to it.
        context={
            "back_url": _review_url(request.GET.get("page")),
            "back_label": "Police log rows to review",
            "form_action": paging.with_page(request.path, request.GET.get("page")),
        },
    )


def _review_url(page: str | None) -> str:
    """The review list at the page the reviewer came from."""
    return paging.with_page(reverse("missing:unmatched"), page)


# --- importing a police log from the page (import holders) --------------------------------------------


@login_required
@never_cache
@require_http_methods(GET_POST)
def upload_new(request: HttpRequest) -> HttpResponse:
    """Upload a police log to import. It is kept for its uploader, who then confirms the import."""
    if not policies.can_import(request.user):
        raise PermissionDenied
    limit = settings.HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES
    form = PoliceLogUploadForm(request.POST or None, request.FILES or None, max_bytes=limit)
    context: dict[str, Any] = {
        "form": form,
        "max_bytes": limit,
        "fields": [(name, name in imports.REQUIRED) for name in imports.FIELDS],
    }
    if request.method != "POST":
        return render(request, "missing/upload_new.html", context)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stored = uploads.upload_store(
                actor=request.user,
                file_name=upload.name or "",
                content=upload.read(limit + 1),  # one byte more than allowed is enough to refuse it
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("missing:upload", stored.pk)
    return render(request, "missing/upload_new.html", context, status=422)


@login_required
@never_cache
def upload(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    """An upload's page: ready to import, where its import has got to, imported (what became of the
    rows), or not imported with its problems by line or the reason. While the import runs, it asks again
    every few seconds (htmx) for the status."""
    item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
    context = {
        "upload": item,
        "failure": uploads.FAILURES.get(item.failure, ""),
        "more": max(item.problems - len(item.problem_list), 0),
    }
    return shared.status_page(request, "missing/upload.html", context)


@login_required
@never_cache
@require_POST
def upload_confirm(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    """Import an uploaded log. A second click (or tab) finds it sent already: it is imported once."""
    item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
    if not uploads.upload_confirm(actor=request.user, upload=item):
        item = selectors.upload_get_for(actor=request.user, upload_id=upload_id)
        shared.tell_not_sent(request, item)
    return redirect("missing:upload", item.pk)


# --- police log imports, and undoing one as a whole (import holders) ----------------------------------

IMPORTS_LISTED = 50


@login_required
@never_cache
def import_list(request: HttpRequest) -> HttpResponse:
    """The latest police log imports: when, which file, who, what each loaded, whether it was undone."""
    found = import_undo.police_log_imports_for(actor=request.user, limit=IMPORTS_LISTED)
    return render(request, "missing/imports.html", {"imports": found})


@login_required
@never_cache
@require_http_methods(GET_POST)
def import_undo_page(request: HttpRequest, import_id: UUID) -> HttpResponse:
    """Undo one import: what it would remove and keep (counts), why it cannot be undone if its work has
    been taken up, and the reason asked for. A refusal shows the page again with the problem."""
    log_import = import_undo.police_log_import_get_for(actor=request.user, log_import_id=import_id)
    form = ImportUndoForm(request.POST or None)
    problem = ""
    if request.method == "POST" and log_import.undone_at is None and form.is_valid():
        try:
            report = import_undo.police_log_import_undo(
                actor=request.user, log_import_id=log_import.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            told = (
                f" {report.triggers_fired:,} triggers had fired on its episodes: they stay fired and their "
                "notices were sent, so tell those who were notified."
                if report.triggers_fired
                else ""
            )
            messages.success(
                request,
                f"Import of {log_import.filename} undone: {report.episodes:,} episodes, "
                f"{report.interviews:,} return home interviews and {report.review_rows:,} rows for review "
                f"removed.{told}",
            )
            return redirect("missing:imports")
        log_import.refresh_from_db()
    context = {
        "log_import": log_import,
        "preview": import_undo.police_log_import_undo_preview(actor=request.user, log_import=log_import),
        "form": form,
        "problem": problem,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "missing/import_undo.html", context, status=status)
