"""Who may do what at the front door, and the front door's own source of access to young people.

- ``referral.submit`` holders refer concerns; ``frontdoor.triage`` holders work the queue and decide.
- An open referral may be withdrawn by its referrer or by ``frontdoor.triage`` holders.
- A referral is visible to its referrer, to ``frontdoor.triage`` holders, to the managers of its triage
  team, and to anyone who sees one of its young people in full (it is part of that child's record).
- The front door sees the young people of open referrals in full, and for
  ``HARBOUR_FRONT_DOOR_ACCESS_DAYS`` days after the decision (an access source registered in ready()).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from harbour.access import policies as access
from harbour.frontdoor.models import Referral, ReferralSubject

TRIAGE = "frontdoor.triage"
SUBMIT = "referral.submit"
OPEN_STATUSES = (Referral.Status.SUBMITTED, Referral.Status.IN_TRIAGE)
SOURCE_CODE = "front_door"


def can_submit(actor: Any) -> bool:
    return access.is_staff_member(actor) and actor.has_capability(SUBMIT)


def can_triage(actor: Any) -> bool:
    return access.is_staff_member(actor) and actor.has_capability(TRIAGE)


def can_withdraw(actor: Any, referral: Referral) -> bool:
    """An open referral may be withdrawn by the member of staff who sent it or by the front door."""
    if not referral.is_open or not access.is_staff_member(actor):
        return False
    if actor.has_capability(TRIAGE):
        return True
    return referral.referrer_id is not None and referral.referrer_id == actor.pk and can_submit(actor)


def managed_team_ids(actor: Any) -> list[Any]:
    if not access.is_staff_member(actor):
        return []
    return list(actor.managed_team_ids())


def _front_door_window_q() -> Q:
    """Referrals whose young people the front door still sees: open, or decided recently."""
    since = timezone.now() - timedelta(days=settings.HARBOUR_FRONT_DOOR_ACCESS_DAYS)
    return Q(status__in=OPEN_STATUSES) | Q(status=Referral.Status.DECIDED, decided_at__gte=since)


def front_door_people(actor: Any) -> Q:
    """Access source: the young people of the front door's current referrals, for triage holders."""
    if not actor.has_capability(TRIAGE):
        return Q(pk__in=[])
    referrals = Referral.objects.filter(_front_door_window_q())
    return Q(pk__in=ReferralSubject.objects.filter(referral__in=referrals).values("person_id"))


def explain_front_door(actor: Any, person: Any) -> list[str]:
    if not access.is_staff_member(actor) or not actor.has_capability(TRIAGE):
        return []
    reasons: list[str] = []
    subjects = (
        ReferralSubject.objects.filter(
            person_id=person.pk, referral__in=Referral.objects.filter(_front_door_window_q())
        )
        .select_related("referral")
        .order_by("referral__submitted_at")
    )
    days = settings.HARBOUR_FRONT_DOOR_ACCESS_DAYS
    for subject in subjects:
        referral = subject.referral
        if referral.is_open:
            reasons.append(
                f"There is an open referral about this young person at the front door ({referral.reference})."
            )
        else:
            assert referral.decided_at is not None
            until = timezone.localtime(referral.decided_at + timedelta(days=days)).strftime("%-d %B %Y")
            reasons.append(
                f"The front door decided on referral {referral.reference} about this young person; "
                f"the front door sees the record until {until}."
            )
    return reasons


def referral_visible_q(actor: Any) -> Q:
    """Referrals this actor may read, as a condition on Referral."""
    if not access.is_staff_member(actor):
        return Q(pk__in=[])
    if actor.has_capability(TRIAGE):
        return Q()
    condition = Q(referrer=actor)
    managed = managed_team_ids(actor)
    if managed:
        condition |= Q(triage_team_id__in=managed)
    from harbour.people.models import Person

    seen = Person.objects.filter(access.full_access_q(actor)).values("pk")
    condition |= Q(pk__in=ReferralSubject.objects.filter(person_id__in=seen).values("referral_id"))
    return condition


def filter_visible(actor: Any, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.filter(referral_visible_q(actor))


def can_view(actor: Any, referral: Referral) -> bool:
    return Referral.objects.filter(pk=referral.pk).filter(referral_visible_q(actor)).exists()


def register() -> None:
    access.register_actor_source(SOURCE_CODE, front_door_people, explain_front_door)
