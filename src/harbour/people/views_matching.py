"""The "already known?" check as the officer types: an htmx fragment for intake forms.

Contract (for the front door's referral form and any other intake form that includes it):

- ``POST /people/matches/`` (``people:matches``), with the page's CSRF token. Signed-in staff with the
  ``person.search`` capability only; anyone else gets 403. POST because what is typed is personal data
  and must never be in a URL. The answer is always the fragment ``people/_matches.html`` (status 200),
  never a whole page, for ``hx-post``/``hx-target``, for example::

      hx-post="{% url 'people:matches' %}" hx-trigger="keyup changed delay:400ms from:..."
      hx-target="#subjects-0-matches" hx-include="[name^='subjects-0-']" hx-vals='{"prefix": "subjects-0"}'

- Fields read, all optional: ``first_name``, ``last_name``, ``middle_names``, ``date_of_birth_day``,
  ``date_of_birth_month``, ``date_of_birth_year`` (the names ``harbour.ui.forms.GovukDateField``
  posts; or one ``date_of_birth`` as YYYY-MM-DD),
  ``postcode``, ``nhs_number``, ``upn``, ``gender`` (a gender code). With ``prefix=P`` (letters, digits,
  ``-`` and ``_``; for forms with several young people) each is read as ``P-<name>``, such as
  ``subjects-0-first_name``.
- Half-typed values are ignored, not reported as errors: the form they sit in validates them when it is
  submitted. A date counts once all three parts make a real date, an NHS number once it is 10 digits
  with a valid check digit, a postcode from 5 characters, a name from 2 letters. With nothing usable
  yet, the fragment says what to type and no lookup is run (and nothing is audited).
- The fragment holds a radio group named ``P-person`` (or ``person`` with no prefix): one option per
  candidate with the person's id as its value, and ``new`` for "None of these: new young person".
  With ``existing_only=1`` (pages that link something to a young person already known, such as the
  review of imported rows: ``people/views_choose.py``) there is no ``new`` option and the hint says so.
  Its element ids start with ``P-``, so two subjects' fragments can share one page. The results sit in
  a region with ``aria-live="polite"`` and a heading that gives the count.
- Each lookup writes one ``person.matches_viewed`` audit event (``people.selectors.person_matches_for``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from harbour.access import policies
from harbour.people import selectors, validation
from harbour.people.matching import AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD, MatchQuery
from harbour.people.models import Gender
from harbour.people.names import fold

PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
SHOWN = 10
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "middle_names": "Middle names",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode (any address)",
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
    "school": "School",
    "gender": "Gender",
}
OUTCOME_LABELS = {"agrees": "Agrees", "close": "Close", "disagrees": "Differs", "missing": "Not compared"}


@dataclass(frozen=True)
class Band:
    label: str
    tag: str  # the GOV.UK tag colour class


def band(probability: float) -> Band:
    """Words and a colour for a score, from the matcher's own thresholds."""
    if probability >= AUTO_LINK_THRESHOLD:
        return Band("Very likely the same young person", "govuk-tag--green")
    if probability >= REVIEW_THRESHOLD:
        return Band("Possibly the same young person", "govuk-tag--yellow")
    return Band("Unlikely to be the same young person", "govuk-tag--grey")


def percentage(probability: float) -> str:
    if probability >= 0.999:
        return "over 99.9%"
    if probability < 0.01:
        return "under 1%"
    return f"{probability * 100:.0f}%"


def _value(data: QueryDict, prefix: str, name: str) -> str:
    return (data.get(f"{prefix}-{name}" if prefix else name) or "").strip()


def _date_of_birth(data: QueryDict, prefix: str) -> dt.date | None:
    whole = _value(data, prefix, "date_of_birth")
    try:
        if whole:
            born = dt.date.fromisoformat(whole)
        else:
            day, month, year = (
                _value(data, prefix, f"date_of_birth_{part}") for part in ("day", "month", "year")
            )
            if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
                return None
            born = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None if validation.date_of_birth_problem(born) else born


def query_from(data: QueryDict, prefix: str = "") -> MatchQuery | None:
    """What has been typed so far, keeping only the values complete enough to match on."""
    first, last = _value(data, prefix, "first_name")[:100], _value(data, prefix, "last_name")[:100]
    nhs_number = _value(data, prefix, "nhs_number")
    nhs_number = nhs_number if nhs_number and not validation.nhs_number_problem(nhs_number) else ""
    upn = _value(data, prefix, "upn").upper()
    upn = upn if upn and not validation.upn_problem(upn) else ""
    postcode = _value(data, prefix, "postcode")[:10]
    postcode = postcode if len(postcode.replace(" ", "")) >= 5 else ""
    gender = _value(data, prefix, "gender")
    gender = gender if gender and Gender.objects.filter(code=gender, active=True).exists() else ""
    query = MatchQuery(
        first_name=first if len(fold(first)) >= 2 else "",
        last_name=last if len(fold(last)) >= 2 else "",
        middle_names=_value(data, prefix, "middle_names")[:200],
        date_of_birth=_date_of_birth(data, prefix),
        postcode=postcode,
        nhs_number=nhs_number,
        upn=upn,
        gender=gender,
    )
    return None if query.is_empty() else query


@dataclass(frozen=True)
class FieldRow:
    label: str
    outcome: str
    outcome_label: str
    weight: str
    detail: str


@dataclass(frozen=True)
class Row:
    """One candidate as the fragment shows it."""

    match: selectors.MatchView
    percentage: str
    band: Band
    fields: list[FieldRow]


def _rows(views: list[selectors.MatchView]) -> list[Row]:
    return [
        Row(
            match=view,
            percentage=percentage(view.probability),
            band=band(view.probability),
            fields=[
                FieldRow(
                    label=FIELD_LABELS.get(c.field, c.field),
                    outcome=c.outcome,
                    outcome_label=OUTCOME_LABELS[c.outcome],
                    weight=f"{c.weight:+.1f}".replace("-", "\N{MINUS SIGN}")
                    if c.outcome != "missing"
                    else "0",
                    detail=c.detail,
                )
                for c in view.fields
            ],
        )
        for view in views
    ]


@never_cache
@login_required
@require_POST
def matches(request: HttpRequest) -> HttpResponse:
    """Candidates for what has been typed so far, as the ``people/_matches.html`` fragment."""
    actor: Any = request.user
    if not (policies.is_staff_member(actor) and actor.has_capability("person.search")):
        raise PermissionDenied
    prefix = request.POST.get("prefix", "").strip()
    if prefix and not PREFIX.match(prefix):
        prefix = ""
    query = query_from(request.POST, prefix)
    context: dict[str, Any] = {
        "id_prefix": f"{prefix}-" if prefix else "",
        "radio_name": f"{prefix}-person" if prefix else "person",
        "ready": query is not None,
        "rows": [],
        "chosen": request.POST.get(f"{prefix}-person" if prefix else "person", ""),
        "existing_only": request.POST.get("existing_only") == "1",
    }
    if query is not None:
        context["rows"] = _rows(selectors.person_matches_for(actor=actor, query=query, limit=SHOWN))
    return render(request, "people/_matches.html", context)
