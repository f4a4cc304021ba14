"""A page to choose a young person already known and link something to them, with the "already known?" check.

Used where a record waits to be linked to a young person the user picks: the review of imported rows
kept because no one matched with certainty (the police missing-persons log, ``missing/views.py``, and
the education lists, ``education/views.py``). The search is the people app's own: the fragment of
``people:matches`` (``views_matching.matches``, ``selectors.person_matches_for``) with ``existing_only``,
so candidates are ranked by the same matcher, shown in full or name-only as the user may see each, and
each lookup is audited. What is typed travels in the form body (POST), never in a URL (decision 0007).

The page (``people/choose_page.html``, extended by each app's template for its own record) is one form:

- ``action=search``: candidates for what is typed (without JavaScript; with it, htmx asks
  ``people:matches`` as the user types);
- ``action=link``: ``person`` (the chosen candidate's id) and ``version`` (of the record being linked, for
  optimistic locking) go to the app's ``link`` function, which calls its service and answers with the
  page to go to next. Its refusals are shown on the page with what was typed and chosen kept: no young
  person chosen (422), a young person the user may not see in full (403), someone else dealt with the
  record first (409).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import mark_safe

from harbour.access import policies
from harbour.core.errors import ConflictError
from harbour.people import views_matching

# What the search reads (views_matching.query_from), in the order the page shows them.
TERMS = (
    "first_name",
    "last_name",
    "date_of_birth_day",
    "date_of_birth_month",
    "date_of_birth_year",
    "postcode",
    "nhs_number",
    "upn",
)
CHOOSE = "Choose the young person this is about."
CONFLICT = (
    "Someone else dealt with this after you opened it. Nothing has been saved: see what happened to it below."
)


class Linkable(Protocol):
    """A record waiting to be linked: its version, and when, by whom and how it was dealt with."""

    pk: Any
    version: int
    resolved_at: dt.datetime | None


class ChooseForm(forms.Form):
    person = forms.UUIDField(error_messages={"required": CHOOSE, "invalid": CHOOSE})
    version = forms.IntegerField(min_value=1)


def terms_from(values: Mapping[str, Any], *, date_of_birth: dt.date | None) -> dict[str, str]:
    """The search boxes filled from what a record holds (its values by field name: ``first_name``,
    ``last_name``, ``postcode``, ``nhs_number``, ``upn``; any may be missing) and its date of birth."""
    terms = {name: str(values.get(name) or "").strip() for name in TERMS}
    terms["date_of_birth_day"] = str(date_of_birth.day) if date_of_birth else ""
    terms["date_of_birth_month"] = str(date_of_birth.month) if date_of_birth else ""
    terms["date_of_birth_year"] = str(date_of_birth.year) if date_of_birth else ""
    return terms


def can_search(actor: Any) -> bool:
    return policies.is_staff_member(actor) and bool(actor.has_capability("person.search"))


def matches_html(request: HttpRequest, terms: dict[str, str], chosen: str) -> str:
    """The "already known?" fragment for these terms, asked of the people app's own view."""
    query = QueryDict(mutable=True)
    for name in TERMS:
        query[name] = terms.get(name, "")
    query["person"] = chosen
    query["existing_only"] = "1"
    lookup = copy.copy(request)
    lookup.method = "POST"
    lookup.POST = query  # type: ignore[assignment]
    response = views_matching.matches(lookup)
    # The people app's own rendered template.
    return mark_safe(response.content.decode()) if response.status_code == 200 else ""  # noqa: S308


def choose_page(
    request: HttpRequest,
    *,
    template: str,
    record: Linkable,
    reload: Callable[[], Linkable],
    initial: dict[str, str],
    link: Callable[[Linkable, UUID, int], HttpResponse],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET: the search filled from ``initial`` and its candidates. POST: search again, or link
    ``record`` (``reload`` reads it again after a refusal, to show it as it is now)."""
    if not can_search(request.user):
        raise PermissionDenied("Choosing a young person needs person.search.")
    terms, chosen, problem, status = initial, "", "", 200
    if request.method == "POST":
        terms = {name: (request.POST.get(name) or "").strip()[:100] for name in TERMS}
        chosen = (request.POST.get("person") or "").strip()[:40]
        if request.POST.get("action") == "link":
            form = ChooseForm(request.POST)
            if not form.is_valid():
                problem, status = CHOOSE, 422
            else:
                try:
                    return link(record, form.cleaned_data["person"], form.cleaned_data["version"])
                except ConflictError:
                    problem, status = CONFLICT, 409
                except PermissionDenied as refusal:
                    problem, status = str(refusal), 403
                except ValidationError as error:
                    problem, status = " ".join(error.messages), 422
                record = reload()  # as it is now, after someone else's change
    page = {
        **(context or {}),
        "record": record,
        "terms": terms,
        "problem": problem,
        "matches_html": matches_html(request, terms, chosen) if record.resolved_at is None else "",
    }
    return render(request, template, page, status=status)
