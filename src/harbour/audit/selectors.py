"""Reads of the audit trail: who viewed or changed which record, when and why.

The audit app is cross-cutting and must not import the people app, so the person model is looked up
by its label (``apps.get_model``), as cross-app foreign keys are. Every read of the trail through a
page or an export is itself recorded (``audit.viewed``, ``audit.exported``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from harbour.access import policies
from harbour.access.models import BreakGlass
from harbour.audit import services as audit
from harbour.audit.models import AuditEvent

# Actions ending with these verbs are reads; everything else changed something.
READ_SUFFIXES = ("viewed", "searched", "exported")

# Plain-English labels for the audit codes. Codes not listed are shown by `action_label`'s fallback,
# so a new code never breaks a page; add its words here when it arrives.
ACTION_LABELS: dict[str, str] = {
    "person.viewed": "Viewed the record",
    "person.caseload_viewed": "Read a page of their caseload",
    "break_glass.reviews_viewed": "Read the break-glass uses waiting for review",
    "person.searched": "Searched for people",
    "person.matches_viewed": "Checked whether a young person is already known",
    "person.created": "Recorded the person",
    "person.changed": "Changed personal details",
    "person.alias_added": "Added a nickname or alias",
    "person.address_added": "Added an address (moved)",
    "person.relationship_added": "Added a relationship",
    "person.merged": "Merged two records of the same young person",
    "person.unmerged": "Undid a merge of two records",
    "person.batch_linked": "Linked an agency's file to the people known to Harbour",
    "person.batch_imported": "Brought in records from a reviewed linked file",
    "duplicate.viewed": "Compared two records that may be the same young person",
    "duplicate.queue_viewed": "Read a page of the possible duplicates",
    "duplicate.dismissed": "Recorded that two records are different young people",
    "duplicate.scanned": "Looked for possible duplicate records",
    "allocation.added": "Added to the professional network",
    "allocation.ended": "Ended a place in the professional network",
    "grant.given": "Gave a colleague time-limited access",
    "grant.revoked": "Ended a colleague's time-limited access",
    "grant.expired": "Time-limited access ran out",
    "break_glass.opened": "Used break-glass access",
    "break_glass.reviewed": "Reviewed a use of break-glass access",
    "break_glass.expired": "Break-glass access ran out",
    "audit.viewed": "Looked at the audit trail",
    "audit.exported": "Exported the audit trail",
    "user.logged_in": "Signed in",
    "user.logged_out": "Signed out",
    "user.login_failed": "Failed to sign in",
    "user.created": "Created a user account",
    "user.deactivated": "Deactivated a user account",
    "user.mfa_reset": "Reset a user's authenticator",
    "membership.added": "Added a team membership",
    "agency.created": "Created an agency",
    "team.created": "Created a team",
    "referral.submitted": "Referred a concern to the front door",
    "referral.public_submitted": "A member of the public raised a concern",
    "referral.subject_added": "Linked a young person to a referral",
    "referral.viewed": "Read a referral",
    "referral.queue_viewed": "Read the front-door queue",
    "referral.triage_started": "Took a referral for triage",
    "referral.regraded": "Changed a referral's urgency",
    "referral.decided": "Decided on a referral",
    "referral.withdrawn": "Withdrew a referral",
    "referral.draft_saved": "Saved a draft referral",
    "referral.draft_discarded": "Discarded a draft referral",
    "referral.breach_reported": "Reported a referral past its timescale",
    "referral.feedback_read": "Read a referral's outcome or breach report",
    # Missing from home or care
    "missing_episode.recorded": "Recorded a missing episode",
    "missing_episode.regraded": "Changed a missing episode's police risk grade",
    "missing_episode.returned": "Recorded the return from a missing episode",
    "missing_episode.viewed": "Read a missing episode",
    "return_interview.assigned": "Assigned a return home interview",
    "return_interview.offered": "Recorded that a return home interview was offered",
    "return_interview.declined": "Recorded that a return home interview did not happen",
    "return_interview.completed": "Recorded a return home interview",
    "return_interview.viewed": "Read a return home interview",
    "return_interview.queue_viewed": "Read a home-page list of return home interviews",
    "return_interview.breach_reported": "Reported a return home interview past 72 hours",
    "missing_trigger.fired": "A missing-episode trigger fired",
    "missing_profile.saved": "Saved a missing profile (Philomena Protocol)",
    "missing_profile.exported": "Downloaded a missing profile for police (PDF)",
    "missing_notice.read": "Read a missing-episode notice",
    "police_log.imported": "Imported a police missing-persons log",
    "police_log.review_viewed": "Read a page of police log rows to review",
    "police_log.row_linked": "Linked a reviewed police log row to a young person",
    "police_log.row_set_aside": "Set aside a reviewed police log row (no episode created)",
    "police_log.import_undone": "Undid a whole police log import",
    "police_log.uploaded": "Uploaded a police missing-persons log to import",
    "police_log.upload_confirmed": "Confirmed the import of an uploaded police log",
    "police_log.upload_failed": "An uploaded police log was not imported",
    "police_log.upload_expired": "An uploaded police log not imported was deleted after a day",
    # Joint exploitation risk assessments
    "indicator.offered": "Offered an indicator to the joint assessment",
    "indicator.offer_withdrawn": "Withdrew an indicator offered to the joint assessment",
    "assessment.opened": "Opened a joint exploitation risk assessment",
    "assessment.viewed": "Read a joint exploitation risk assessment",
    "assessment.list_viewed": "Read a list of joint exploitation risk assessments",
    "assessment.contribution_requested": "Asked a professional to contribute to a joint assessment",
    "assessment.contribution_saved": "Saved a contribution to a joint assessment",
    "assessment.offer_accepted": "Took an offered indicator into a contribution",
    "assessment.offer_declined": "Declined an offered indicator for a contribution",
    "assessment.updated": "Recorded the young person's words or the assessment's sections",
    "assessment.agreed": "Agreed the level of a joint exploitation risk assessment",
    "assessment.history_viewed": "Read a young person's risk history",
    "assessment.movement_viewed": "Read the partnership report of movement between risk levels",
    "assessment.closed": "Closed a joint assessment without agreeing a level",
    "assessment.review_reminded": "Reminded the lead that an assessment's review is due or overdue",
    # Partnership figures
    "figures.viewed": "Read the partnership figures (counts only)",
    # Education
    "education.viewed": "Read a young person's education record",
    "education.queue_viewed": "Read a home-page list of education work",
    "education.placement_recorded": "Recorded a school placement",
    "education.attendance_recorded": "Recorded a term's attendance",
    "education.exclusion_recorded": "Recorded a suspension or exclusion",
    "education.exclusion_status_changed": "Changed the status of an exclusion",
    "education.part_time_recorded": "Recorded a part-time timetable",
    "education.alternative_provision_recorded": "Recorded alternative provision",
    "education.home_education_recorded": "Recorded elective home education",
    "education.period_ended": "Recorded the end of a placement, timetable, provision or home education",
    "education.missing_reported": "Reported a child missing education",
    "education.missing_enquiry_added": "Recorded an enquiry about a child missing education",
    "education.missing_closed": "Closed a children missing education case",
    "education.imported": "Imported a list of exclusions or children missing education",
    "education.upload_checked": "Uploaded and checked a list of exclusions or children missing education",
    "education.upload_confirmed": "Confirmed the import of an uploaded list",
    "education.upload_failed": "An uploaded list could not be imported",
    "education.upload_expired": "An uploaded list not imported was deleted after a day",
    "education.unmatched_viewed": "Read the imported rows waiting for review",
    "education.unmatched_matched": "Matched an imported row kept for review, and recorded it",
    "education.unmatched_set_aside": "Set aside an imported row kept for review",
}


def action_label(code: str) -> str:
    """Words for an audit code, such as "Added an address (moved)" for ``person.address_added``."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    entity, _, verb = code.partition(".")
    words = f"{entity.replace('_', ' ')}: {verb.replace('_', ' ')}" if verb else entity.replace("_", " ")
    return words[:1].upper() + words[1:]


def is_write(code: str) -> bool:
    return not code.endswith(READ_SUFFIXES)


def _person_model() -> type[Model]:
    return apps.get_model("people", "Person")


@dataclass(frozen=True)
class AuditFilters:
    """What to look for in the trail. Holds only identifiers and codes, never names."""

    person_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as URL parameters: UUIDs, codes and ISO dates only."""
        query: dict[str, str] = {}
        if self.person_id:
            query["person"] = str(self.person_id)
        if self.actor_id:
            query["actor"] = str(self.actor_id)
        if self.action:
            query["action"] = self.action
        if self.date_from:
            query["from"] = self.date_from.isoformat()
        if self.date_to:
            query["to"] = self.date_to.isoformat()
        return query

    @classmethod
    def from_query(cls, query: Any) -> AuditFilters:
        """Read a filter back from URL parameters; a malformed value raises ValueError."""

        def uuid_or_none(name: str) -> uuid.UUID | None:
            value = (query.get(name) or "").strip()
            return uuid.UUID(value) if value else None

        def date_or_none(name: str) -> date | None:
            value = (query.get(name) or "").strip()
            return date.fromisoformat(value) if value else None

        action = (query.get("action") or "").strip()
        if len(action) > 80:
            raise ValueError("action code too long")
        return cls(
            person_id=uuid_or_none("person"),
            actor_id=uuid_or_none("actor"),
            action=action,
            date_from=date_or_none("from"),
            date_to=date_or_none("to"),
        )


def can_search_audit(actor: Any) -> bool:
    return policies.is_staff_member(actor) and (
        actor.has_capability("audit.view_all") or actor.has_capability("audit.view_network")
    )


def can_export_audit(actor: Any) -> bool:
    return policies.can(actor, "audit.view_all")


def _require_search(actor: Any) -> None:
    if not can_search_audit(actor):
        raise PermissionDenied("You cannot see the audit trail.")


def audit_events_for(*, actor: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events this actor may see, newest first.

    Data protection officers (``audit.view_all``) see every event. Those with only
    ``audit.view_network`` see events about people they can see in full, and what a colleague did
    under a break-glass use flagged to them (that person, that user, while it lasted), so they can
    review it; nothing else.
    """
    _require_search(actor)
    events = AuditEvent.objects.all()
    if not actor.has_capability("audit.view_all"):
        visible = policies.filter_queryset(actor, "person.see_full", _person_model()._default_manager.all())
        allowed = Q(person_id__in=visible.values("pk"))
        for use in BreakGlass.objects.filter(flagged_to=actor).only(
            "user_id", "person_id", "created_at", "expires_at"
        ):
            allowed |= Q(
                actor_id=use.user_id,
                person_id=use.person_id,
                occurred_at__gte=use.created_at,
                occurred_at__lte=use.expires_at,
            )
        events = events.filter(allowed)
    if filters.person_id is not None:
        events = events.filter(person_id=filters.person_id)
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        # "person." finds every person event; a full code finds that one action.
        if filters.action.endswith("."):
            events = events.filter(action__startswith=filters.action)
        else:
            events = events.filter(action=filters.action)
    if filters.date_from is not None:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.order_by("-occurred_at", "-id")


def audit_person_for(*, actor: Any, person_id: Any) -> Model:
    """The person whose trail the actor asks for: 403 without audit rights, 404 for missing or forbidden.

    A manager may also open the trail of a person whose record a colleague opened with break-glass
    flagged to them; ``audit_events_for`` then shows them only that use.
    """
    _require_search(actor)
    person = _person_model()._default_manager.filter(pk=person_id).first()
    if person is None:
        raise Http404
    reviewing = BreakGlass.objects.filter(flagged_to=actor, person_id=person.pk).exists()
    if not (policies.can(actor, "audit.view_person", person) or reviewing):
        raise Http404
    return person


def audit_view_record(*, actor: Any, filters: AuditFilters, page_number: int, shown: int) -> None:
    """Record that the actor looked at one page of the trail."""
    audit.record(
        actor,
        "audit.viewed",
        person_id=filters.person_id,
        detail={"filters": filters.as_query(), "page": page_number, "shown": shown},
    )


def audit_export_for(*, actor: Any, filters: AuditFilters) -> tuple[int, Iterable[AuditEvent]]:
    """The events to export and how many, after recording the export itself.

    The rows are fixed when the export starts (events up to the newest one now), so the row count in
    the ``audit.exported`` event is exactly what the file holds, however long the download takes.
    """
    if not can_export_audit(actor):
        raise PermissionDenied("Only those who may see the whole audit trail can export it.")
    events = audit_events_for(actor=actor, filters=filters)
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events = events.filter(id__lte=newest)
    count = events.count()
    audit.record(
        actor,
        "audit.exported",
        person_id=filters.person_id,
        detail={"filters": filters.as_query(), "rows": count, "format": "csv"},
    )
    return count, events.iterator(chunk_size=2000)


def person_changes_for(*, actor: Any, person_id: Any) -> QuerySet[AuditEvent]:
    """The record's own history: the writes about this person (never the reads), newest first.

    For the chronology tab, so only for those who may see the person in full.
    """
    person = _person_model()._default_manager.filter(pk=person_id).first()
    if person is None or not policies.can(actor, "person.see_full", person):
        raise Http404
    events = AuditEvent.objects.filter(person_id=person.pk)
    for suffix in READ_SUFFIXES:
        events = events.exclude(action__endswith=suffix)
    return events.order_by("-occurred_at", "-id")


def person_names(*, person_ids: Iterable[Any]) -> dict[Any, str]:
    """Names for labelling audit rows. A name is what every staff member may see (name-only level)."""
    ids = {pk for pk in person_ids if pk}
    if not ids:
        return {}
    people = _person_model()._default_manager.filter(pk__in=ids).only("pk", "first_name", "last_name")
    return {person.pk: str(person) for person in people}


def user_id_for_username(username: str) -> Any:
    """The id of the staff account with this username, or None, for filtering the trail by user."""
    user = get_user_model()._default_manager.filter(username__iexact=username.strip()).first()
    return user.pk if user is not None else None


def username_for(user_id: Any) -> str:
    if user_id is None:
        return ""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    return user.get_username() if user is not None else ""
