"""Who may see and record missing episodes, return home interviews and profiles.

- Episodes, interviews and the profile are part of the young person's record: whoever sees the record in
  full sees them; everyone else sees only that the person is known (name-only).
- Recording an episode, a return or the profile needs ``person.edit`` on the young person.
- The return home interview is held by someone independent of the young person's care. Its assigned
  interviewer, and the managers of the team asked to offer it, see the young person in full while the
  interview is open and for ``HARBOUR_RHI_ACCESS_DAYS`` days after it is resolved (an access source
  registered in ``ready()``), so a youth worker outside the network can do the interview.
- Importing a police missing-persons log needs ``frontdoor.triage`` (the front door receives police
  missing notifications).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from harbour.access import policies as access
from harbour.access.models import Allocation
from harbour.accounts.models import Membership
from harbour.missing.models import MissingEpisode, ReturnInterview

SOURCE_CODE = "return_interview"
IMPORT_CAPABILITY = "frontdoor.triage"
# Network roles whose holders are part of the young person's care, so cannot do the interview.
NOT_INDEPENDENT_ROLES = ("allocated-social-worker", "lead-professional")


def access_days() -> int:
    return int(getattr(settings, "HARBOUR_RHI_ACCESS_DAYS", 14))


def rhi_hours() -> int:
    return int(getattr(settings, "HARBOUR_RHI_HOURS", 72))


def managed_team_ids(actor: Any) -> list[Any]:
    if not access.is_staff_member(actor):
        return []
    return list(actor.managed_team_ids())


def _interview_window_q() -> Q:
    since = timezone.now() - timedelta(days=access_days())
    return (
        Q(status__in=ReturnInterview.OPEN_STATUSES) | Q(completed_at__gte=since) | Q(declined_at__gte=since)
    )


def interviews_of_actor_q(actor: Any) -> Q:
    """Interviews the actor does or manages (as a condition on ReturnInterview)."""
    condition = Q(interviewer_id=actor.pk)
    managed = managed_team_ids(actor)
    if managed:
        condition |= Q(team_id__in=managed)
    return condition


def interviewer_people(actor: Any) -> Q:
    """Access source: young people whose open (or recent) interview this actor does or manages."""
    interviews = ReturnInterview.objects.filter(_interview_window_q()).filter(interviews_of_actor_q(actor))
    return Q(pk__in=interviews.values("person_id"))


def explain_interviewer(actor: Any, person: Any) -> list[str]:
    if not access.is_staff_member(actor):
        return []
    interviews = (
        ReturnInterview.objects.filter(person_id=person.pk)
        .filter(_interview_window_q())
        .filter(interviews_of_actor_q(actor))
    )
    reasons = []
    for interview in interviews.order_by("due_at"):
        if interview.interviewer_id == actor.pk:
            reasons.append("You are doing a return home interview with this young person.")
        else:
            reasons.append("Your team is asked to offer this young person a return home interview.")
    return reasons


def can_view_person(actor: Any, person: Any) -> bool:
    return access.can_see_full(actor, person)


def can_record(actor: Any, person: Any) -> bool:
    return access.can(actor, "person.edit", person)


def can_import(actor: Any) -> bool:
    return access.is_staff_member(actor) and actor.has_capability(IMPORT_CAPABILITY)


def independence_problem(user: Any, episode: MissingEpisode) -> str | None:
    """Why this user cannot do the interview (they are part of the young person's care), or None.

    Enforces what the data holds: not the young person's current allocated social worker or lead
    professional, and not a member of the placement provider's agency.
    """
    today = timezone.localdate()
    caring = (
        Allocation.objects.current()
        .filter(person_id=episode.person_id, worker=user, network_role__code__in=NOT_INDEPENDENT_ROLES)
        .exists()
    )
    if caring:
        return (
            "The interviewer must be independent of the young person's care: choose someone who is not "
            "their social worker or lead professional."
        )
    if episode.placement_agency_id is not None:
        in_placement_agency = (
            Membership.objects.filter(
                user=user, team__agency_id=episode.placement_agency_id, starts_on__lte=today
            )
            .exclude(ends_on__lt=today)
            .exists()
        )
        if in_placement_agency:
            return (
                "The interviewer must be independent of the young person's care: choose someone who does "
                "not work for the placement provider."
            )
    return None


def can_work_interview(actor: Any, interview: ReturnInterview) -> bool:
    """Record the offer, a decline or the interview: the interviewer, or the interview team's managers."""
    if not access.is_staff_member(actor):
        return False
    if interview.interviewer_id == actor.pk:
        return True
    return interview.team_id is not None and interview.team_id in managed_team_ids(actor)


def can_assign(actor: Any, interview: ReturnInterview) -> bool:
    """Assign the interviewer: the managers of the interview team, or whoever may edit the record."""
    if not access.is_staff_member(actor):
        return False
    if interview.team_id is not None and interview.team_id in managed_team_ids(actor):
        return True
    return can_record(actor, interview.person)


def register() -> None:
    access.register_actor_source(SOURCE_CODE, interviewer_people, explain_interviewer)
