"""Who may do what with joint exploitation risk assessments, and the contributors' source of access.

- An assessment is part of the young person's record: whoever sees the record in full sees it (and
  the young person's words in it). Others get the same 404 as for a missing assessment.
- ``assessment.lead`` holders who see the young person in full open an assessment and lead it; only
  its lead asks agencies to contribute, records the sections and agrees the level.
- The lead asks named professionals (``assessment.contribute`` holders) to contribute. While the
  assessment is open, an asked contributor sees the young person's record in full (an access source,
  registered in ready(), with its reason shown in "why can I see this?"); when it is agreed or closed
  that access ends, unless they are in the network anyway.
- Health-restricted: an answer to a ``health_restricted`` indicator (or an offered one) is seen in full
  only by its author, the lead, and staff who pass the ``health-restricted`` sensitivity label (staff of
  health agencies). Everyone else sees that a restricted health item exists and which agency holds it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from harbour.access import policies as access
from harbour.access.models import SensitivityLabel
from harbour.assessments.models import Assessment, Contribution

LEAD = "assessment.lead"
CONTRIBUTE = "assessment.contribute"
SOURCE_CODE = "assessment_contributor"
HEALTH_LABEL = "health-restricted"


def can_view(actor: Any, assessment: Assessment) -> bool:
    return access.can_see_full(actor, assessment.person)


def can_open(actor: Any, person: Any) -> bool:
    return access.is_staff_member(actor) and actor.has_capability(LEAD) and access.can_see_full(actor, person)


def is_lead(actor: Any, assessment: Assessment) -> bool:
    return (
        access.is_staff_member(actor)
        and assessment.lead_id == actor.pk
        and actor.has_capability(LEAD)
        and access.can_see_full(actor, assessment.person)
    )


def can_contribute(actor: Any, contribution: Contribution) -> bool:
    """Only the author writes a contribution, while the assessment is open."""
    return (
        access.is_staff_member(actor)
        and contribution.author_id == actor.pk
        and contribution.assessment.is_open
        and (actor.has_capability(CONTRIBUTE) or actor.has_capability(LEAD))
        and access.can_see_full(actor, contribution.assessment.person)
    )


def can_be_asked(user: Any) -> bool:
    return access.is_staff_member(user) and (user.has_capability(CONTRIBUTE) or user.has_capability(LEAD))


def sees_health_restricted(actor: Any) -> bool:
    cached = getattr(actor, "_harbour_sees_health", None)
    if cached is None:
        label = (
            SensitivityLabel.objects.filter(code=HEALTH_LABEL)
            .prefetch_related("allowed_agency_types")
            .first()
        )
        # Without the label row nobody but the author and the lead sees restricted items (fail closed).
        cached = label is not None and access.can_see_label(actor, label)
        actor._harbour_sees_health = cached
    return bool(cached)


def sees_restricted_answer(actor: Any, *, assessment: Assessment, author_id: Any) -> bool:
    return actor.pk in (author_id, assessment.lead_id) or sees_health_restricted(actor)


# --- access source: contributors asked to an open assessment --------------------------------------


def contributor_people(actor: Any) -> Q:
    """People of open assessments the actor has been asked to contribute to (or leads)."""
    if not (actor.has_capability(CONTRIBUTE) or actor.has_capability(LEAD)):
        return Q(pk__in=[])
    asked = Contribution.objects.filter(author=actor, assessment__status=Assessment.Status.OPEN)
    return Q(pk__in=asked.values("assessment__person_id"))


def explain_contributor(actor: Any, person: Any) -> list[str]:
    if not (actor.has_capability(CONTRIBUTE) or actor.has_capability(LEAD)):
        return []
    asked = Contribution.objects.filter(
        author=actor, assessment__person_id=person.pk, assessment__status=Assessment.Status.OPEN
    ).select_related("requested_by", "assessment__lead")
    reasons = []
    for contribution in asked:
        by = contribution.requested_by or contribution.assessment.lead
        reasons.append(
            f"{by} asked you to contribute to this young person's joint exploitation risk assessment. You "
            "see the record in full until the assessment is agreed or closed, or the request is withdrawn."
        )
    return reasons


def register() -> None:
    access.register_actor_source(SOURCE_CODE, contributor_people, explain_contributor)
