"""Triggers: rules in reference data that prompt action when a young person's episodes meet them.

Each rule kind turns a young person's episodes into *conditions*, each with a stable key. A
``TriggerFiring`` row is unique per (trigger, person, condition key), so a condition fires once however
often it is evaluated (every episode recorded, every ``harbour tick``):

- ``episodes_in_window`` (``count``, ``days``, ``action``): the episode that brings the number started
  within ``days`` to ``count`` is a condition (key ``episode:<id>``); further episodes inside ``days``
  of the last firing's episode are the same run and do not fire again.
- ``first_episode_in_care``: the young person's first episode from a setting marked ``in_care``
  (key ``first-in-care``).
- ``out_of_area``: each episode of a young person placed from out of area (key ``episode:<id>``).

Imported episodes count toward every condition, but a condition fires only on a *current* episode:
one recorded by staff, or an imported one that started or ended within ``IMPORT_CURRENT_DAYS`` (7) of
its import (``is_current``). A police log of past years adds history, not alerts about it.

``notify`` says who is told: ``lead-professional`` (the young person's current lead professional, or
else their allocated social worker, or else the managers of an allocated team; when nobody is allocated,
the front door's managers) or ``placing-authority`` (an email to the episode's placing-authority
contact, which carries no name, and in-app notices to the lead professional).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from harbour.access.models import Allocation
from harbour.accounts.models import Membership, Role, User
from harbour.audit import services as audit
from harbour.missing import notifications
from harbour.missing.models import MissingEpisode, MissingNotice, MissingTrigger, TriggerFiring

LEAD_ROLES = ("lead-professional", "allocated-social-worker")
# Windows and out-of-area episodes older than this are not looked at (a rule added later does not fire
# for old episodes). The tick looks again at young people with an episode recorded in the last week.
LOOK_BACK_DAYS = 400
TICK_LOOK_BACK_DAYS = 7
# An imported episode counts toward every condition, but is *history* unless it was current when it came
# in: still missing, or back, within this many days of its import (the window in which an imported
# return gets a return home interview, ``imports.INTERVIEW_WITHIN_DAYS``). A condition fires only on a
# current episode, so a log of past years does not tell managers about runs and placements of 2022.
IMPORT_CURRENT_DAYS = 7


def managers_of(team_ids: list[Any]) -> list[User]:
    """The active users who manage any of these teams today, by username, each once: who is told when
    nobody is allocated by name."""
    today = timezone.localdate()
    memberships = (
        Membership.objects.filter(
            team_id__in=team_ids, role__manages_team=True, role__active=True, starts_on__lte=today
        )
        .filter(user__is_active=True)
        .exclude(ends_on__lt=today)
        .select_related("user")
        .order_by("user__username")
    )
    return list({m.user_id: m.user for m in memberships}.values())


def lead_professionals(person_id: Any) -> list[User]:
    """Who is told about a young person: their lead professional, or the nearest to one."""
    current = (
        Allocation.objects.current()
        .filter(person_id=person_id, network_role__code__in=LEAD_ROLES)
        .select_related("worker", "network_role")
    )
    for role in LEAD_ROLES:
        workers = [a.worker for a in current if a.network_role.code == role and a.worker is not None]
        workers = [w for w in workers if w.is_active]
        if workers:
            return sorted({w.pk: w for w in workers}.values(), key=lambda w: w.get_username())
    teams = [
        a.team_id
        for a in Allocation.objects.current().filter(person_id=person_id, worker__isnull=True)
        if a.team_id
    ]
    if teams:
        return managers_of(teams)
    return managers_of(_front_door_team_ids())


def _front_door_team_ids() -> list[Any]:
    """Teams with a current member whose role holds ``frontdoor.triage``."""
    today = timezone.localdate()
    roles = [role.pk for role in Role.objects.filter(active=True) if "frontdoor.triage" in role.capabilities]
    return list(
        Membership.objects.filter(role_id__in=roles, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("team_id", flat=True)
        .distinct()
    )


def is_current(episode: MissingEpisode) -> bool:
    """Whether a condition may fire on this episode: one recorded by staff always; an imported one only
    if it started or ended within ``IMPORT_CURRENT_DAYS`` of its import (or of its link from review)."""
    if episode.source != MissingEpisode.Source.IMPORT:
        return True
    last_known = episode.ended_at or episode.started_at
    return episode.created_at - last_known <= timedelta(days=IMPORT_CURRENT_DAYS)


def conditions(
    trigger: MissingTrigger, episodes: list[MissingEpisode], fired: dict[str, TriggerFiring], now: datetime
) -> list[tuple[str, MissingEpisode | None]]:
    """The conditions of ``trigger`` these episodes of one young person meet, as (condition key, the
    episode it fires on), given the firings so far by key; ``evaluate_person`` fires those not fired."""
    rule = trigger.rule or {}
    kind = rule.get("kind")
    if kind == "first_episode_in_care":
        in_care = sorted((e for e in episodes if e.setting.in_care), key=lambda e: e.started_at)
        # A first episode in care that is history (imported from an old log) is no news now.
        return [("first-in-care", in_care[0])] if in_care and is_current(in_care[0]) else []
    episodes = [e for e in episodes if now - e.started_at < timedelta(days=LOOK_BACK_DAYS)]
    if kind == "episodes_in_window":
        count = int(rule.get("count", 3))
        window = timedelta(days=int(rule.get("days", 30)))
        found: list[tuple[str, MissingEpisode | None]] = []
        fired_starts = sorted(f.episode.started_at for f in fired.values() if f.episode is not None)
        ordered = sorted(episodes, key=lambda e: (e.started_at, str(e.pk)))
        for index, episode in enumerate(ordered):
            in_window = [e for e in ordered[: index + 1] if episode.started_at - e.started_at < window]
            if len(in_window) < count:
                continue
            last = max((s for s in fired_starts if s <= episode.started_at), default=None)
            if last is not None and episode.started_at - last < window:
                continue
            if not is_current(episode):
                # History counts toward the run, but a run that ended in the past does not fire (nor
                # hold back a current episode of the same run from firing).
                continue
            found.append((f"episode:{episode.pk}", episode))
            fired_starts.append(episode.started_at)
            fired_starts.sort()
        return found
    if kind == "out_of_area":
        return [(f"episode:{e.pk}", e) for e in episodes if e.out_of_area and is_current(e)]
    return []


def summary_for(trigger: MissingTrigger) -> str:
    """The one line a notice of this trigger's firing shows (no name: the page says who)."""
    action = (trigger.rule or {}).get("action", "")
    if action == "strategy-discussion":
        return f"{trigger.label}: consider a strategy discussion"
    return f"{trigger.label}: missing episode"


def _fire(
    trigger: MissingTrigger, person_id: Any, key: str, episode: MissingEpisode | None, now: datetime
) -> TriggerFiring | None:
    rule = trigger.rule or {}
    try:
        with transaction.atomic():
            firing = TriggerFiring.objects.create(
                trigger=trigger,
                person_id=person_id,
                condition_key=key,
                episode=episode,
                fired_at=now,
                action=str(rule.get("action", "")),
            )
    except IntegrityError:  # another tick fired it first: once per condition
        return None
    recipients = lead_professionals(person_id)
    notices = MissingNotice.objects.bulk_create(
        [
            MissingNotice(
                recipient=user,
                person_id=person_id,
                kind=MissingNotice.Kind.TRIGGER,
                firing=firing,
                summary=summary_for(trigger)[:300],
                sent_at=now,
            )
            for user in recipients
        ]
    )
    email = ""
    if rule.get("notify") == "placing-authority" and episode is not None and episode.placing_authority_email:
        email = episode.placing_authority_email
        firing.emailed_to = email
        firing.save(update_fields=["emailed_to"])
        firing_id = str(firing.pk)
        transaction.on_commit(lambda: notifications.email_placing_authority.enqueue(firing_id=firing_id))
    for notice in notices:
        notice_id = str(notice.pk)
        transaction.on_commit(
            lambda notice_id=notice_id: notifications.email_notice.enqueue(notice_id=notice_id)  # type: ignore[misc]
        )
    audit.record(
        None,
        "missing_trigger.fired",
        firing,
        person_id=person_id,
        detail={
            "trigger": trigger.code,
            "condition": key,
            "told": [user.get_username() for user in recipients],
            "placing_authority_emailed": bool(email),
        },
    )
    return firing


def evaluate_person(person_id: Any, now: datetime) -> int:
    """Fire each trigger whose condition this young person now meets and has not fired. Returns how many."""
    triggers = list(MissingTrigger.objects.filter(active=True))
    if not triggers:
        return 0
    episodes = list(
        MissingEpisode.objects.filter(person_id=person_id, started_at__lte=now).select_related("setting")
    )
    fired_count = 0
    for trigger in triggers:
        fired = {
            f.condition_key: f
            for f in TriggerFiring.objects.filter(trigger=trigger, person_id=person_id).select_related(
                "episode"
            )
        }
        for key, episode in conditions(trigger, episodes, fired, now):
            if key in fired:
                continue
            if _fire(trigger, person_id, key, episode, now) is not None:
                fired_count += 1
    return fired_count


def evaluate_all(now: datetime) -> int:
    """The tick: evaluate every young person with an episode recorded (or imported) in the last week."""
    since = now - timedelta(days=TICK_LOOK_BACK_DAYS)
    person_ids = (
        MissingEpisode.objects.filter(created_at__gte=since).values_list("person_id", flat=True).distinct()
    )
    return sum(evaluate_person(person_id, now) for person_id in list(person_ids))
