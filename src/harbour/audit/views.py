"""The audit trail pages: search it, one record's history, and a CSV export of a filter.

Filters travel in the URL only as record ids, user ids, action codes and dates, never as names: the
filter form is POSTed and answered with a redirect to that URL, so a typed username is turned into
the account's id first. Looking at a page of the trail, and exporting it, are themselves audited.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from harbour.audit import selectors
from harbour.audit.forms import AuditFilterForm
from harbour.audit.models import AuditEvent
from harbour.audit.selectors import AuditFilters


def _rows(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    events = list(events)
    names = selectors.person_names(person_ids=[event.person_id for event in events])
    return [
        {
            "event": event,
            "label": selectors.action_label(event.action),
            "person_name": names.get(event.person_id, ""),
            "level": (event.detail or {}).get("level", ""),
            "purpose": (event.detail or {}).get("purpose", ""),
        }
        for event in events
    ]


def _page(request: HttpRequest, actor: Any, filters: AuditFilters) -> dict[str, Any]:
    """One page of events for the filter, recorded as looked at (``audit.viewed``)."""
    events = selectors.audit_events_for(actor=actor, filters=filters)
    page = Paginator(events, settings.HARBOUR_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(page.object_list)
    selectors.audit_view_record(actor=actor, filters=filters, page_number=page.number, shown=len(rows))
    query = filters.as_query()
    return {
        "page": page,
        "rows": rows,
        "query": urlencode(query),
        "export_fields": sorted(query.items()),
        "can_export": selectors.can_export_audit(actor),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not selectors.can_search_audit(actor):
        raise PermissionDenied
    if request.method == "POST":
        form = AuditFilterForm(request.POST)
        if not form.is_valid():
            return render(request, "audit/search.html", {"form": form}, status=422)
        return redirect(f"{reverse('audit:search')}?{urlencode(form.filters().as_query())}")
    try:
        filters = AuditFilters.from_query(request.GET)
    except ValueError:
        context = {"form": AuditFilterForm(), "bad_filter": True}
        return render(request, "audit/search.html", context, status=400)
    context = {"form": AuditFilterForm(initial=AuditFilterForm.initial_for(filters)), "filters": filters}
    context.update(_page(request, actor, filters))
    return render(request, "audit/search.html", context)


@never_cache
@login_required
@require_GET
def person(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Who viewed or changed this person's record, when, and why."""
    actor = request.user
    subject = selectors.audit_person_for(actor=actor, person_id=person_id)
    filters = AuditFilters(person_id=subject.pk)
    context: dict[str, Any] = {"subject": subject}
    context.update(_page(request, actor, filters))
    return render(request, "audit/person.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "occurred_at",
    "actor_username",
    "actor_agency",
    "action",
    "action_label",
    "object_type",
    "object_id",
    "person_id",
    "level",
    "purpose",
    "reason",
    "request_id",
    "channel",
    "ip_address",
    "detail",
]


def _cell(value: Any) -> str:
    """Text for a CSV cell; a leading = + - or @ is escaped so spreadsheets do not run it as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events:
        detail = event.detail or {}
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    timezone.localtime(event.occurred_at).isoformat(),
                    event.actor_username,
                    event.actor_agency,
                    event.action,
                    selectors.action_label(event.action),
                    event.object_type,
                    event.object_id,
                    event.person_id or "",
                    detail.get("level", ""),
                    detail.get("purpose", ""),
                    event.reason,
                    event.request_id,
                    event.channel,
                    event.ip_address,
                    json.dumps(detail, sort_keys=True),
                )
            ]
        )


@never_cache
@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The events of the current filter as CSV, streamed. The export is audited with its row count.

    A POST (with its CSRF token), because it writes an ``audit.exported`` event: another site must
    not be able to make a data protection officer's browser export the trail.
    """
    try:
        filters = AuditFilters.from_query(request.POST)
    except ValueError:
        return HttpResponse("The filter in the address is not valid.", status=400, content_type="text/plain")
    _count, events = selectors.audit_export_for(actor=request.user, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="harbour-audit-{stamp}.csv"'
    return response
