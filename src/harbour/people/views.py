"""People pages: search, the person's record (in full or name-only), and the forms that change it.

Reads go through ``harbour.people.selectors`` (policy and audit), writes through
``harbour.people.services`` and ``harbour.access.services``. URLs carry only record ids.

Flash messages never name a person: Django keeps messages in a cookie when it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from harbour.access import policies
from harbour.access import selectors as access_selectors
from harbour.access import services as access_services
from harbour.access.forms import GrantRevokeForm
from harbour.audit import selectors as audit_selectors
from harbour.core.errors import ConflictError
from harbour.people import merging, selectors, services
from harbour.people.forms import (
    AddressForm,
    AliasForm,
    BreakGlassForm,
    GrantGiveForm,
    PersonCreateForm,
    PersonEditForm,
    PersonSearchForm,
    comparable,
    snapshot,
)
from harbour.people.models import Address, Person, Relationship
from harbour.ui import record_notices
from harbour.ui.forms import GovukBoundField

GET_POST = ["GET", "POST"]

# Service errors name the model's fields; a few forms call them something else.
_ERROR_FIELD_ALIASES = {"expires_at": "expires_on"}


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field if the form has one."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            target = _ERROR_FIELD_ALIASES.get(name, name)
            for problem in problems:
                form.add_error(target if target in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


# --- the header, tabs and "why can I see this?" shared by every person page -------------------------


def _person_context(
    request: HttpRequest, person: Person, *, tab: str, level: str, reasons: list[Any] | None = None
) -> dict[str, Any]:
    actor = request.user
    full = level == policies.FULL
    return {
        "person": person,
        "is_full": full,
        "tab": tab,
        "reasons": policies.explain(actor, person) if reasons is None else reasons,
        "can_edit": full and policies.can(actor, "person.edit", person),
        "can_give_access": full and policies.can(actor, "grant.give", person),
        "can_see_audit": policies.can(actor, "audit.view_person", person),
        "can_break_glass": not full and policies.can(actor, "break_glass.use", person),
    }


# --- search ----------------------------------------------------------------------------------------


@dataclass
class SearchRow:
    """One result: full rows carry date of birth and district; name-only rows only who knows them."""

    person: Person
    full: bool
    postcode_district: str = ""
    known_to: list[Any] = field(default_factory=list)


def _current_of(addresses: list[Address]) -> Address | None:
    """The current address among loaded ones: not ended, latest start (``Person.current_address``)."""
    current = [address for address in addresses if address.ends_on is None]
    current.sort(key=lambda address: (address.starts_on is not None, address.starts_on), reverse=True)
    return current[0] if current else None


def _search_rows(actor: Any, page: Page[Person]) -> list[SearchRow]:
    people = list(page.object_list)
    full_ids = selectors.full_access_ids(actor=actor, person_ids=[person.pk for person in people])
    # Addresses are loaded only for the people this actor may see in full.
    prefetch_related_objects([person for person in people if person.pk in full_ids], "addresses")
    known_to = access_selectors.known_to_agencies_for(
        person_ids=[person.pk for person in people if person.pk not in full_ids]
    )
    rows = []
    for person in people:
        if person.pk in full_ids:
            address = _current_of(list(person.addresses.all()))
            district = address.postcode.split(" ")[0] if address is not None and address.postcode else ""
            rows.append(SearchRow(person, full=True, postcode_district=district))
        else:
            rows.append(SearchRow(person, full=False, known_to=known_to.get(person.pk, [])))
    return rows


@never_cache
@login_required
@require_http_methods(GET_POST)
def search(request: HttpRequest) -> HttpResponse:
    """Find a person by name, nickname, NHS number or UPN.

    Search text is personal data, so it never goes in a URL (where browser history, proxies and
    server logs would keep it): the form is POSTed with its CSRF token and the results are rendered
    in the response to that POST, with no redirect. Moving between pages of results posts the same
    form again with a page number. With htmx, typing posts the form and only the results are swapped
    in; without JavaScript the search button does the same with a full page.
    """
    actor = request.user
    if not policies.can(actor, "person.see_known"):
        raise PermissionDenied  # roles without casework (analysts, administrators) do not search people
    htmx = bool(getattr(request, "htmx", False))
    context: dict[str, Any] = {
        "can_create": policies.can(actor, "person.create"),
        "searched": False,
    }
    if request.method != "POST":
        context["form"] = PersonSearchForm()
        return render(request, "people/search.html", context)

    form = PersonSearchForm(request.POST)
    context["form"] = form
    text = (request.POST.get("text") or "").strip()
    if htmx and len(text) < 2 and not any(request.POST.get(f"date_of_birth_{p}") for p in ("day", "year")):
        # Live search waits for two letters: one letter matches too many people to be useful.
        return render(request, "people/search.html#results", context)
    if not form.is_valid():
        template = "people/search.html#results" if htmx else "people/search.html"
        return render(request, template, context, status=200 if htmx else 422)

    text = form.cleaned_data["text"].strip()
    people = selectors.person_search_for(
        actor=actor, text=text, date_of_birth=form.cleaned_data.get("date_of_birth")
    )
    paginator = Paginator(people, settings.HARBOUR_PAGE_SIZE)
    page = paginator.get_page(form.cleaned_data.get("page") or 1)
    selectors.person_search_audit(actor=actor, text=text, result_count=paginator.count)
    context.update({"searched": True, "page": page, "rows": _search_rows(actor, page)})
    return render(request, "people/search.html#results" if htmx else "people/search.html", context)


# --- the record -------------------------------------------------------------------------------------


@dataclass
class Tie:
    """A relationship seen from this person's side: who the other person is to them."""

    other: Person
    label: str
    relationship: Relationship
    is_parent_or_carer: bool


def _ties(person: Person) -> list[Tie]:
    ties = [
        Tie(rel.other, rel.relationship_type.label, rel, rel.relationship_type.is_parent_or_carer)
        for rel in person.relationships.select_related("other", "relationship_type")
    ]
    # Ties recorded from the other side: this person is their <type>, so they are this person's <inverse>.
    ties += [
        Tie(
            rel.person,
            rel.relationship_type.inverse_label or rel.relationship_type.label,
            rel,
            is_parent_or_carer=False,
        )
        for rel in person.relationships_to.select_related("person", "relationship_type")
    ]
    return sorted(ties, key=lambda tie: (tie.relationship.ends_on is not None, tie.label, str(tie.other)))


def _summary(person: Person) -> dict[str, Any]:
    addresses = list(person.addresses.select_related("town"))
    current = _current_of(addresses)
    previous = [address for address in addresses if address != current]
    ties = _ties(person)
    return {
        "aliases": list(person.aliases.all()),
        "current_address": current,
        "previous_addresses": previous,
        "parents_and_carers": [tie for tie in ties if tie.is_parent_or_carer],
        "other_ties": [tie for tie in ties if not tie.is_parent_or_carer],
    }


@never_cache
@login_required
def detail(request: HttpRequest, person_id: Any) -> HttpResponse:
    # A merged record says where its young person's record is now (people/merging.py).
    notice = merging.merged_notice_for(actor=request.user, person_id=person_id)
    if notice is not None:
        can_merge = policies.can(request.user, "person.merge")
        return render(
            request, "people/duplicates/merged_notice.html", {"notice": notice, "can_merge": can_merge}
        )
    view = selectors.person_get_for(actor=request.user, person_id=person_id)
    context = _person_context(request, view.person, tab="summary", level=view.level, reasons=view.reasons)
    context["known_to"] = view.known_to
    if not view.is_full:
        return render(request, "people/name_only.html", context)
    context.update(_summary(view.person))
    context["record_notices"] = record_notices.notices_for(request.user, view.person)
    return render(request, "people/detail.html", context)


@never_cache
@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    """Every young person in the actor's standing network, a page at a time (the page number is the
    only thing in the URL)."""
    from harbour.people.apps import caseload_items

    actor: Any = request.user
    if not (policies.is_staff_member(actor) and actor.has_capability("person.edit")):
        raise PermissionDenied  # the same rule as the home page's queue
    paginator = Paginator(selectors.person_caseload_for(actor=actor), settings.HARBOUR_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Only the page shown is built into items (a manager's team may have thousands of young people).
    page.object_list = caseload_items(actor, list(page.object_list))
    selectors.person_caseload_audit(actor=actor, page_number=page.number, shown=len(page.object_list))
    return render(request, "people/caseload.html", {"page": page})


@never_cache
@login_required
def network(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = selectors.person_get_full_for(actor=request.user, person_id=person_id, purpose="network")
    context = _person_context(request, person, tab="network", level=policies.FULL)
    context["network"] = list(access_selectors.network_for(person_id=person.pk))
    if context["can_give_access"]:
        context["revoke_form"] = GrantRevokeForm(person_id=person.pk)
    return render(request, "people/network.html", context)


def _changed_labels(event: Any) -> list[str]:
    """The names of the fields a ``person.changed`` event changed, in words."""
    labels = []
    for name in (event.detail or {}).get("changes", {}):
        try:
            model_field = Person._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        labels.append(str(getattr(model_field, "verbose_name", None) or name.replace("_", " ")))
    return labels


@never_cache
@login_required
def chronology(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = selectors.person_get_full_for(actor=request.user, person_id=person_id, purpose="chronology")
    context = _person_context(request, person, tab="chronology", level=policies.FULL)
    events = audit_selectors.person_changes_for(actor=request.user, person_id=person.pk)
    page = Paginator(events, settings.HARBOUR_PAGE_SIZE).get_page(request.GET.get("page"))
    context["page"] = page
    context["entries"] = [
        {
            "event": event,
            "label": audit_selectors.action_label(event.action),
            "changed": _changed_labels(event),
        }
        for event in page.object_list
    ]
    return render(request, "people/chronology.html", context)


# --- recording and editing ---------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(GET_POST)
def create(request: HttpRequest) -> HttpResponse:
    if not policies.can(request.user, "person.create"):
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "people/create.html", {"form": PersonCreateForm()})
    form = PersonCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        address = None
        if (data.get("line1") or "").strip():
            address = services.AddressInput(
                line1=data["line1"],
                line2=data.get("line2") or "",
                town=data.get("town"),
                postcode=data.get("postcode") or "",
                starts_on=timezone.localdate(),
            )
        values = form.person_values()
        person_input = services.PersonInput(
            first_name=values.pop("first_name"),
            last_name=values.pop("last_name"),
            values=values,
            address=address,
            aliases=form.alias_names(),
        )
        try:
            person = services.person_create(actor=request.user, data=person_input)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "The record has been created.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/create.html", {"form": form}, status=422)


def _display(value: Any, name: str) -> str:
    """A field's value in words, for showing a saved value beside an entered one."""
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "kind":
        return str(Person.Kind(value).label) if value in Person.Kind.values else str(value)
    if name == "date_of_birth":
        return value.strftime("%-d %B %Y")
    return str(value)


def _set_form_value(data: QueryDict, name: str, value: Any) -> None:
    """Put a saved value into posted form data, as the field's widget would have posted it."""
    if name == "date_of_birth":
        parts = (value.day, value.month, value.year) if value else ("", "", "")
        for part, text in zip(("day", "month", "year"), parts, strict=True):
            data[f"{name}_{part}"] = str(text)
    elif isinstance(value, bool):
        if value:
            data[name] = "on"
        else:
            data.pop(name, None)
    else:
        data[name] = comparable(value)


@dataclass
class ConflictRow:
    name: str
    anchor: str  # the id of the input to jump to from the error summary
    label: str
    saved: str
    yours: str
    theirs: bool  # the colleague changed this field
    mine: bool  # this user changed it too


def _conflict_form(
    request: HttpRequest, person_id: Any, form: PersonEditForm, conflict: ConflictError
) -> tuple[PersonEditForm, list[ConflictRow], Person]:
    """The form to show after a refused stale save: nothing the user typed is lost.

    Fields only the colleague changed now hold the colleague's saved values (so saving again does not
    undo their work); fields this user changed keep what they typed, with the saved value beside it.
    The form carries the new version, so the user can save again, deliberately.
    """
    # Reading the colleague's saved values is a view of the record, so it goes through the selector.
    latest = selectors.person_get_full_for(actor=request.user, person_id=person_id, purpose="edit")
    saved = snapshot(latest)
    entered = form.person_values()
    opened = form.opened_values()
    mine = set(form.changed_values())
    if opened is None:
        theirs = set(conflict.changed_fields)
    else:
        theirs = {name for name, value in saved.items() if value != opened.get(name, "")}
    data = request.POST.copy()
    for name in theirs - mine:
        _set_form_value(data, name, getattr(latest, name))
    data["version"] = str(latest.version)
    data["opened"] = PersonEditForm.sign(saved)
    merged = PersonEditForm(data)
    merged.is_valid()
    rows = [
        ConflictRow(
            name=name,
            anchor=GovukBoundField.from_bound(merged[name]).error_target_id,
            label=str(form.fields[name].label),
            saved=_display(getattr(latest, name), name),
            yours=_display(entered.get(name), name),
            theirs=name in theirs,
            mine=name in mine,
        )
        for name in form.fields
        if name in entered
        # What they changed, and anything else where the saved value is not what this user entered.
        and (name in theirs or (name in conflict.changed_fields and saved[name] != comparable(entered[name])))
    ]
    return merged, rows, latest


@never_cache
@login_required
@require_http_methods(GET_POST)
def edit(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Change personal details. A save based on an old version is refused and explained (409)."""
    actor = request.user
    if request.method != "POST":
        person = selectors.person_get_full_for(actor=actor, person_id=person_id, purpose="edit")
        if not policies.can(actor, "person.edit", person):
            raise PermissionDenied
        form = PersonEditForm(initial=PersonEditForm.initial_for(person))
        return render(request, "people/edit.html", {"person": person, "form": form})

    person = selectors.person_get_for_edit(actor=actor, person_id=person_id)
    form = PersonEditForm(request.POST)
    context: dict[str, Any] = {"person": person, "form": form}
    if not form.is_valid():
        return render(request, "people/edit.html", context, status=422)
    changes = form.changed_values()
    if not changes:
        messages.info(request, "You did not change anything, so nothing was saved.")
        return redirect("people:detail", person_id=person.pk)
    try:
        services.person_update(
            actor=actor, person=person, version=form.cleaned_data["version"], changes=changes
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return render(request, "people/edit.html", context, status=422)
    except ConflictError as conflict:
        merged, rows, latest = _conflict_form(request, person.pk, form, conflict)
        context.update({"person": latest, "form": merged, "conflict": conflict, "conflict_rows": rows})
        return render(request, "people/edit.html", context, status=409)
    messages.success(request, "Your changes have been saved.")
    return redirect("people:detail", person_id=person.pk)


def _edit_target(request: HttpRequest, person_id: Any, purpose: str) -> Person:
    """The person to add something to: read (and audited) when the form is shown; 404 unless editable."""
    if request.method == "POST":
        return selectors.person_get_for_edit(actor=request.user, person_id=person_id)
    person = selectors.person_get_full_for(actor=request.user, person_id=person_id, purpose=purpose)
    if not policies.can(request.user, "person.edit", person):
        raise PermissionDenied
    return person


@never_cache
@login_required
@require_http_methods(GET_POST)
def address_add(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Record a move: the new address becomes current and the old one ends."""
    person = _edit_target(request, person_id, "address_add")
    if request.method != "POST":
        return render(request, "people/address_add.html", {"person": person, "form": AddressForm()})
    form = AddressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.address_add(
                actor=request.user,
                person=person,
                address=services.AddressInput(
                    line1=data["line1"],
                    line2=data.get("line2") or "",
                    town=data.get("town"),
                    postcode=data.get("postcode") or "",
                ),
                moved_on=data.get("moved_on"),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "The new address has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/address_add.html", {"person": person, "form": form}, status=422)


@never_cache
@login_required
@require_http_methods(GET_POST)
def alias_add(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = _edit_target(request, person_id, "alias_add")
    if request.method != "POST":
        return render(request, "people/alias_add.html", {"person": person, "form": AliasForm()})
    form = AliasForm(request.POST)
    if form.is_valid():
        try:
            services.alias_add(
                actor=request.user,
                person=person,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "The name has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/alias_add.html", {"person": person, "form": form}, status=422)


# --- access to the record: break-glass and time-limited grants ---------------------------------------
# These views live here, not in harbour.access, because they show and act on a person: the people app
# may import access, but access may not import people (import-linter). ``access:break_glass`` forwards
# here.


@never_cache
@login_required
@require_http_methods(GET_POST)
def break_glass(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Open a record in an emergency, with a reason. It is audited and the user's manager is told."""
    actor = request.user
    view = selectors.person_get_for(actor=actor, person_id=person_id, purpose="break_glass")
    person = view.person
    if view.is_full:
        messages.info(request, "You can already see this record in full.")
        return redirect("people:detail", person_id=person.pk)
    if not policies.can(actor, "break_glass.use", person):
        raise PermissionDenied
    max_hours = settings.HARBOUR_BREAK_GLASS_HOURS
    context: dict[str, Any] = {"person": person, "reasons": view.reasons}
    if request.method != "POST":
        context["form"] = BreakGlassForm(max_hours=max_hours)
        return render(request, "people/break_glass.html", context)
    form = BreakGlassForm(request.POST, max_hours=max_hours)
    context["form"] = form
    if form.is_valid():
        try:
            use = access_services.break_glass_open(
                actor=actor,
                person=person,
                reason=form.cleaned_data["reason"],
                hours=form.cleaned_data["hours"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            ends = timezone.localtime(use.expires_at).strftime("%H:%M on %-d %B")
            # The service tells the user's manager, or the data protection officer if there is none.
            told = (
                f"{use.flagged_to} has been told and asked to review it."
                if use.flagged_to is not None
                else "No one could be told automatically: tell your manager yourself."
            )
            messages.warning(request, f"Break-glass access is on until {ends}. This is recorded. {told}")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/break_glass.html", context, status=422)


@never_cache
@login_required
@require_http_methods(GET_POST)
def grant_give(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Give a colleague time-limited access to this record, for example for a panel meeting."""
    actor = request.user
    person = selectors.person_get_full_for(actor=actor, person_id=person_id, purpose="grant_give")
    if not policies.can(actor, "grant.give", person):
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "people/grant_give.html", {"person": person, "form": GrantGiveForm()})
    form = GrantGiveForm(request.POST)
    if form.is_valid():
        try:
            access_services.grant_give(
                actor=actor,
                person=person,
                grantee=form.cleaned_data["grantee"],
                reason=form.cleaned_data["reason"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "Access has been given. It ends by itself on the day you chose.")
            return redirect("people:network", person_id=person.pk)
    return render(request, "people/grant_give.html", {"person": person, "form": form}, status=422)
