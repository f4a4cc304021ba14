"""Undo a police missing-persons log import as a whole: the wrong file, or the right file mapped wrongly.

What the import created goes (its episodes, their return home interviews, its rows kept for review,
and the episodes reviewers linked from those rows); the import's own row stays, marked undone with who,
when and why, and one audit event records it beside the import's. The same file, or a corrected one,
can then be imported again: no key of the undone import is held any more.

Work done since on what the import created is not thrown away: if any of its episodes has been changed
(re-graded, updated, a return recorded) or any of its interviews has been started (assigned, offered,
declined or held), nothing is undone and the refusal says how many. Triggers that fired on its
episodes stay fired (their notices were sent, and a trigger fires once per condition); notices that one
of its interviews was past 72 hours go with the interview. The undo reports how many of each, so that
those told can be told again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from harbour.audit import services as audit
from harbour.missing import policies
from harbour.missing.imports import IMPORT_LOCK_KEY
from harbour.missing.models import (
    MissingEpisode,
    MissingNotice,
    PoliceLogImport,
    ReturnInterview,
    TriggerFiring,
    UnmatchedLogRow,
)

MAX_REASON = 500


@dataclass(frozen=True)
class UndoReport:
    episodes: int  # removed, of which linked_from_review were linked by reviewers from its kept rows
    linked_from_review: int
    interviews: int
    review_rows: int
    triggers_fired: int  # firings on its episodes, kept
    breach_notices: int  # staff told that one of its interviews was past 72 hours: removed with it


@dataclass(frozen=True)
class UndoPreview:
    """What undoing an import would remove and keep, and the work that would stop it."""

    report: UndoReport
    changed_episodes: int  # re-graded, updated or a return recorded since the import
    started_interviews: int  # assigned, offered, declined or held

    @property
    def allowed(self) -> bool:
        return not (self.changed_episodes or self.started_interviews)


def _preview(log_import: PoliceLogImport) -> UndoPreview:
    episodes = MissingEpisode.objects.filter(log_import=log_import)
    interviews = ReturnInterview.objects.filter(episode__log_import=log_import)
    return UndoPreview(
        report=UndoReport(
            episodes=episodes.count(),
            linked_from_review=UnmatchedLogRow.objects.filter(
                log_import=log_import, resolved_at__isnull=False, person__isnull=False
            ).count(),
            interviews=interviews.count(),
            review_rows=UnmatchedLogRow.objects.filter(log_import=log_import).count(),
            triggers_fired=TriggerFiring.objects.filter(episode__log_import=log_import).count(),
            breach_notices=MissingNotice.objects.filter(interview__episode__log_import=log_import).count(),
        ),
        changed_episodes=episodes.filter(Q(version__gt=1) | Q(grade_changes__isnull=False))
        .distinct()
        .count(),
        started_interviews=interviews.filter(
            Q(version__gt=1) | Q(interviewer__isnull=False) | ~Q(status=ReturnInterview.Status.TO_OFFER)
        ).count(),
    )


def police_log_import_get_for(*, actor: Any, log_import_id: Any) -> PoliceLogImport:
    """One import, for those who may import (404 for an unknown id)."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: police missing-persons log imports.")
    found = (
        PoliceLogImport.objects.select_related("imported_by", "undone_by").filter(pk=log_import_id).first()
    )
    if found is None:
        raise Http404
    return found


def police_log_import_undo_preview(*, actor: Any, log_import: PoliceLogImport) -> UndoPreview:
    """What undoing this import would do now (counts only: no young person is named)."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: police missing-persons log imports.")
    return _preview(log_import)


def police_log_import_undo(*, actor: Any, log_import_id: Any, reason: str) -> UndoReport:
    """Undo the import ``log_import_id`` (see the module's docstring). One transaction, under the
    import lock, so no import loads while its keys go."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: undo a police missing-persons log import.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the import is being undone."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"The reason must be {MAX_REASON} characters or fewer."})
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        log_import = PoliceLogImport.objects.select_for_update().filter(pk=log_import_id).first()
        if log_import is None:
            raise ValidationError({"import": "There is no police log import with this id."})
        if log_import.undone_at is not None:
            when = timezone.localtime(log_import.undone_at)
            raise ValidationError({"import": f"This import was undone on {when:%-d %B %Y at %H:%M}."})
        preview = _preview(log_import)
        if preview.changed_episodes or preview.started_interviews:
            raise ValidationError(
                {
                    "import": (
                        f"Nothing was undone: {preview.changed_episodes:,} of this import's episodes have "
                        "been changed since (re-graded, updated or a return recorded) and "
                        f"{preview.started_interviews:,} of its return home interviews have been started. "
                        "Undoing the import would lose that work: correct those episodes on their pages "
                        "instead."
                    )
                }
            )
        report = preview.report
        episodes = MissingEpisode.objects.filter(log_import=log_import)
        interviews = ReturnInterview.objects.filter(episode__log_import=log_import)
        # Children first, each one statement: at a million rows, collecting the objects to delete them
        # one by one would hold every row in memory.
        TriggerFiring.objects.filter(episode__log_import=log_import).update(episode=None)
        interviews.delete()
        episodes.delete()
        UnmatchedLogRow.objects.filter(log_import=log_import).delete()
        log_import.undone_at, log_import.undone_by, log_import.undo_reason = timezone.now(), actor, reason
        log_import.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        # Counts and the reason only: the young people the rows were about stay out of the event.
        audit.record(
            actor,
            "police_log.import_undone",
            log_import,
            detail={
                "episodes": report.episodes,
                "linked_from_review": report.linked_from_review,
                "interviews": report.interviews,
                "review_rows": report.review_rows,
                "triggers_fired": report.triggers_fired,
                "breach_notices": report.breach_notices,
                "reason": reason,
                "sha256": log_import.sha256,
            },
        )
    return report


def police_log_imports_for(*, actor: Any, limit: int = 20) -> list[PoliceLogImport]:
    """The latest imports, newest first, for those who may import (who ran each, what it loaded)."""
    if not policies.can_import(actor):
        raise PermissionDenied("Not allowed: police missing-persons log imports.")
    return list(
        PoliceLogImport.objects.select_related("imported_by", "undone_by").order_by("-started_at")[:limit]
    )
