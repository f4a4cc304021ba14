"""The demo missing module: a year of missing episodes with seasonal and repeat patterns, and return home
interviews on time, late, declined and still due.

Runs after the county and the front door are seeded (``harbour seed`` calls ``seed_missing``).
Deterministic: every choice comes from ``rand.stream(seed, "missing")`` and times count back from the
end of the ``--as-of`` day (or now, if earlier). Rows are written through the seed's sink (COPY on
PostgreSQL) without per-row audit events (``demo.seeded`` covers the seed); triggers are then
evaluated through the real rules.

At scale 1 (fewer, but at least a handful, at small scales):
- about 140 young people with episodes: most with one or two, about ten with many (8 to 20: repeat
  patterns), more in the summer holidays, October half-term and December, mostly evenings and nights;
- about a quarter from care, a few placed from out of area (with a placing authority);
- two of the demo practitioner's young people with episodes: one with a repeat pattern, one just back
  with an interview due, and one interview overdue;
- interviews by youth workers of youth-services agencies: most completed within 72 hours, about one in
  five late, about one in seven declined with a reason; the last few still to do (two overdue).
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from harbour.access.models import Allocation
from harbour.accounts.models import Membership, User
from harbour.core.models import Town
from harbour.demo.audited import Entry, record_many
from harbour.demo.rand import Ids, Weighted, chance, stream
from harbour.demo.sinks import DatabaseSink
from harbour.missing import notifications, triggers
from harbour.missing.clock import due_at_for
from harbour.missing.models import (
    DeclineReason,
    EpisodeKind,
    FoundBy,
    MissingEpisode,
    MissingNotice,
    MissingProfile,
    MissingSetting,
    MissingTrigger,
    PoliceRiskGrade,
    PushPullFactor,
    ReturnInterview,
    ReturnMethod,
    RiskGradeChange,
    TriggerFiring,
)
from harbour.people.models import Person

LONDON = ZoneInfo("Europe/London")
CHILDREN_PER_SCALE = 140
REPEAT_PER_SCALE = 10
DAYS_BACK = 365
# Month weights: more in the summer holidays, October half-term and around Christmas.
MONTHS = Weighted({1: 6, 2: 6, 3: 7, 4: 8, 5: 9, 6: 11, 7: 14, 8: 14, 9: 8, 10: 10, 11: 7, 12: 10})
HOURS = Weighted({16: 3, 17: 4, 18: 6, 19: 8, 20: 10, 21: 10, 22: 9, 23: 6, 0: 3, 1: 2, 7: 1, 13: 2})
PLACING = ("Suffolk County Council", "Cambridgeshire County Council", "London Borough of Newham")
PLACES = ("bus station", "McDonald's", "train station", "a friend's flat", "the seafront", "a hotel car park")
BUILDS = ("slim", "medium", "stocky", "tall and slim")
HAIR = ("short dark brown hair", "long blonde hair, often tied back", "black hair in braids", "dyed red hair")
MARKS = (
    "Small scar above the left eyebrow.",
    "Pierced ears and nose.",
    "Tattoo of a star on the right wrist.",
    "Wears glasses.",
)
CLOTHES = (
    "a black puffer jacket and grey joggers",
    "a dark hoodie, jeans and white trainers",
    "a school blazer over a hoodie",
    "a North Face jacket and a bum bag",
)
ASSOCIATES = (
    "Two older boys from Norwich, known by street names; a girl from the same children's home.",
    "An adult man in his twenties who drives a silver car; friends from the pupil referral unit.",
    "Older friends met online; a cousin in Great Yarmouth.",
)
HEALTH = (
    "Asthma: needs an inhaler.",
    "No known medical needs.",
    "Takes medication for ADHD each morning.",
    "Type 1 diabetes: needs insulin.",
)
MONEY = (
    "Bank card in their own name; no travel pass. Usually takes the bus.",
    "No bank card. Has been given cash and new clothes by people not known to carers.",
    "Travel pass for the X1 bus; has been seen taking trains without a ticket.",
)
VULNERABILITIES = (
    "Has gone missing after being contacted on a second phone; has come back with money they cannot explain.",
    "Excluded from school this year; seen with older people at night; low self-esteem.",
    "Has told staff they owe someone money; at risk of criminal exploitation.",
)
WORDS = (
    "I just needed to get away from the arguments.",
    "They said I owed them for the phone.",
    "I was with my mates, nothing happened.",
    "I don't want to talk about it.",
)


@dataclass
class MissingStats:
    children: int = 0
    episodes: int = 0
    interviews: int = 0
    late: int = 0
    declined: int = 0
    open_interviews: int = 0
    triggers: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class _Builder:
    def __init__(self, *, seed: int, as_of: date, scale: float, demo_users: dict[str, str]) -> None:
        self.rng: random.Random = stream(seed, "missing")
        self.ids = Ids(seed, "missing")
        local_end = datetime.combine(as_of, time(18, 0), tzinfo=LONDON)
        self.now = min(timezone.now(), local_end.astimezone(UTC))
        self.scale = scale
        self.demo_users = demo_users
        self.kinds = {r.code: r for r in EpisodeKind.objects.all()}
        self.settings = {r.code: r for r in MissingSetting.objects.all()}
        self.grades = list(PoliceRiskGrade.objects.order_by("rank"))
        self.found_by = list(FoundBy.objects.all())
        self.methods = list(ReturnMethod.objects.all())
        self.factors = list(PushPullFactor.objects.all())
        self.reasons = list(DeclineReason.objects.all())
        self.towns = list(Town.objects.order_by("name"))
        self.episodes: list[MissingEpisode] = []
        self.grade_rows: list[RiskGradeChange] = []
        self.interviews: list[ReturnInterview] = []
        self.factor_links: list[tuple[Any, Any]] = []
        self.profiles: list[MissingProfile] = []
        self.stats = MissingStats()

    def load(self) -> bool:
        self.young_people = list(
            Person.objects.filter(kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
        today = timezone.localdate()
        youth = (
            Membership.objects.filter(
                team__agency__agency_type__code="youth-services",
                role__code="practitioner",
                starts_on__lte=today,
            )
            .filter(ends_on__isnull=True)
            .order_by("user__username")
            .values_list("user_id", "team_id")
        )
        self.interviewers = list(youth)
        practitioner = self.demo_users.get("practitioner", "")
        practitioner_id = User.objects.filter(username=practitioner).values_list("pk", flat=True).first()
        self.demo_caseload = list(
            Allocation.objects.filter(worker__username=practitioner, ends_on__isnull=True)
            .order_by("person_id")
            .values_list("person_id", flat=True)
        )
        # The demo practitioner keeps their own young person's profile; the others' authors are not users.
        self.demo_user_ids = dict.fromkeys(self.demo_caseload[:1], practitioner_id)
        return bool(self.young_people and self.interviewers and self.kinds and self.settings)

    def _start(self, days_back: int | None = None) -> datetime:
        if days_back is None:
            month = MONTHS.pick(self.rng)
            day = self.rng.randint(1, 28)
            year = self.now.year if month <= self.now.month else self.now.year - 1
            local_day = date(year, month, day)
            if local_day >= timezone.localdate(self.now):
                local_day = date(year - 1, month, day)
        else:
            local_day = timezone.localdate(self.now) - timedelta(days=days_back)
        moment = datetime.combine(
            local_day, time(HOURS.pick(self.rng), self.rng.randint(0, 59)), tzinfo=LONDON
        )
        return min(moment.astimezone(UTC), self.now - timedelta(hours=30))

    def episode(
        self, person_id: Any, started: datetime, *, in_care: bool, hours: float | None, resolve: str
    ) -> None:
        setting = self.settings["care" if in_care else ("home" if chance(self.rng, 0.9) else "other")]
        kind = self.kinds["absent" if chance(self.rng, 0.25) else "missing"]
        grade = (
            self.rng.choices(self.grades, weights=[2, 5, 6, 2][: len(self.grades)])[0]
            if self.grades
            else None
        )
        out_of_area = in_care and chance(self.rng, 0.15)
        ended = (
            None if hours is None else min(started + timedelta(hours=hours), self.now - timedelta(minutes=10))
        )
        town = self.rng.choice(self.towns) if self.towns else None
        episode = MissingEpisode(
            id=self.ids.next(),
            person_id=person_id,
            kind=kind,
            setting=setting,
            placement_name="Residential children's home" if in_care else "",
            out_of_area=out_of_area,
            placing_authority=self.rng.choice(PLACING) if out_of_area else "",
            reported_by="Residential staff"
            if in_care
            else self.rng.choice(["Mother", "Father", "Carer", "School"]),
            reported_at=started + timedelta(minutes=self.rng.randint(20, 240)),
            police_reference=f"NC-{started:%y%m%d}-{self.rng.randint(1000, 9999)}",
            risk_grade=grade,
            started_at=started,
            ended_at=ended,
            found_place=self.rng.choice(PLACES) if ended else "",
            found_town=town if ended else None,
            found_by=self.rng.choice(self.found_by) if ended and self.found_by else None,
            return_method=self.rng.choice(self.methods) if ended and self.methods else None,
        )
        self.episodes.append(episode)
        if grade is not None:
            self.grade_rows.append(
                RiskGradeChange(id=self.ids.next(), episode=episode, grade=grade, changed_at=started)
            )
        if ended is not None:
            self.interview(episode, ended, resolve)

    def interview(self, episode: MissingEpisode, returned: datetime, resolve: str) -> None:
        user_id, team_id = self.rng.choice(self.interviewers)
        due = due_at_for(returned)
        row = ReturnInterview(
            id=self.ids.next(),
            episode=episode,
            person_id=episode.person_id,
            returned_at=returned,
            due_at=due,
            team_id=team_id,
            interviewer_id=user_id,
        )
        if resolve == "auto":
            roll = self.rng.random()
            resolve = "declined" if roll < 0.14 else ("late" if roll < 0.32 else "on-time")
            if due > self.now:
                resolve = "open"
        if resolve == "open":
            row.status = (
                ReturnInterview.Status.OFFERED if chance(self.rng, 0.5) else ReturnInterview.Status.TO_OFFER
            )
            if row.status == ReturnInterview.Status.OFFERED and chance(self.rng, 0.5):
                row.status = ReturnInterview.Status.ACCEPTED
            row.offered_at = (
                returned + timedelta(hours=6) if row.status != ReturnInterview.Status.TO_OFFER else None
            )
            if row.offered_at is not None and row.offered_at > self.now:
                row.status, row.offered_at = ReturnInterview.Status.TO_OFFER, None
            if row.status == ReturnInterview.Status.ACCEPTED:
                row.accepted_at = row.offered_at
            if due <= self.now:
                row.breach_reported_at = due
            self.stats.open_interviews += 1
        elif resolve == "declined":
            when = returned + timedelta(hours=self.rng.randint(4, 60))
            row.status = ReturnInterview.Status.DECLINED
            row.offered_at = row.declined_at = min(when, self.now)
            row.decline_reason = self.rng.choice(self.reasons) if self.reasons else None
            row.carers_said = "Carer said they came back tired and hungry and went straight to bed."
            self.stats.declined += 1
        else:
            late = resolve == "late"
            when = returned + timedelta(hours=self.rng.randint(74, 160) if late else self.rng.randint(5, 70))
            when = min(when, self.now)
            row.status = ReturnInterview.Status.COMPLETED
            row.offered_at = returned + timedelta(hours=3)
            row.completed_at = when
            town = episode.found_town.name if episode.found_town else "town"
            row.where_been = f"Around {town}, at the {episode.found_place}."
            row.who_with = self.rng.choice(
                ["Friends from school", "Older people they met online", "Alone", "A cousin"]
            )
            row.how_travelled = self.rng.choice(["Bus", "Train", "Driven by someone older", "Walked"])
            row.young_person_words = self.rng.choice(WORDS)
            row.actions = "Shared with the lead professional; safety plan reviewed."
            if when > due:
                row.breach_reported_at = due
                self.stats.late += 1
            for factor in self.rng.sample(self.factors, k=min(2, len(self.factors))):
                self.factor_links.append((row.id, factor.pk))
        self.interviews.append(row)
        self.stats.interviews += 1

    def build(self) -> None:
        count = max(6, round(CHILDREN_PER_SCALE * self.scale))
        repeat = max(2, round(REPEAT_PER_SCALE * self.scale))
        pool = [p for p in self.young_people if p not in set(self.demo_caseload)]
        chosen = self.rng.sample(pool, k=min(count, len(pool)))
        for index, person_id in enumerate(chosen):
            in_care = chance(self.rng, 0.25)
            if index < repeat:
                # A repeat pattern: runs of episodes close together.
                for _ in range(self.rng.randint(8, 20)):
                    self.episode(
                        person_id,
                        self._start(),
                        in_care=in_care,
                        hours=self.rng.uniform(2, 40),
                        resolve="auto",
                    )
            else:
                for _ in range(1 if chance(self.rng, 0.6) else 2):
                    self.episode(
                        person_id,
                        self._start(),
                        in_care=in_care,
                        hours=self.rng.uniform(1, 30),
                        resolve="auto",
                    )
        # The last few days: interviews still to do, two of them overdue, and one young person missing now.
        for days_back, resolve in ((1, "open"), (2, "open"), (5, "open"), (6, "open")):
            self.episode(
                self.rng.choice(chosen), self._start(days_back), in_care=False, hours=10, resolve=resolve
            )
        self.episode(self.rng.choice(chosen), self._start(0), in_care=True, hours=None, resolve="open")
        missing_now = self.episodes[-1]
        # The demo practitioner's young people: one with a repeat pattern, one just back.
        if self.demo_caseload:
            first = self.demo_caseload[0]
            for days_back in (80, 72, 65, 40, 20, 12):
                self.episode(
                    first, self._start(days_back), in_care=True, hours=self.rng.uniform(3, 20), resolve="auto"
                )
        if len(self.demo_caseload) > 1:
            self.episode(self.demo_caseload[1], self._start(1), in_care=False, hours=12, resolve="open")
        self.stats.children = len({e.person_id for e in self.episodes})
        self.stats.episodes = len(self.episodes)
        # Drawn last, so the episodes and interviews above are the same with or without profiles.
        with_profiles = [*chosen[:repeat], *self.demo_caseload[:1], missing_now.person_id]
        for person_id in dict.fromkeys(with_profiles):
            self.profile(person_id)
        self.part_2(missing_now)

    def profile(self, person_id: Any) -> None:
        """A Philomena profile (Part 1), made up from lists: no photo (no real or generated faces)."""
        pick = self.rng.choice
        towns = [town.name for town in self.towns] or ["Norwich"]
        place, town, other_town = pick(PLACES), pick(towns), pick(towns)
        self.profiles.append(
            MissingProfile(
                id=self.ids.next(),
                person_id=person_id,
                description=f"About {self.rng.randint(150, 182)} cm, {pick(BUILDS)} build, {pick(HAIR)}. "
                f"{pick(MARKS)} Usually wears {pick(CLOTHES)}.",
                associates=pick(ASSOCIATES),
                places=f"The {place} in {town}; {pick(PLACES)} in {other_town}.",
                phones_social="Mobile number and Snapchat and Instagram names are held by the police missing "
                "persons unit; a second phone has been seen.",
                health=pick(HEALTH),
                money_transport=pick(MONEY),
                vulnerabilities=pick(VULNERABILITIES),
                updated_by_id=self.demo_user_ids.get(person_id),
            )
        )

    def part_2(self, episode: MissingEpisode) -> None:
        """What is known about the episode still open (Philomena Part 2)."""
        town = self.rng.choice(self.towns).name if self.towns else "Norwich"
        episode.last_seen_place = f"{self.rng.choice(PLACES).capitalize()}, {town}"
        episode.last_seen_with = self.rng.choice(ASSOCIATES)
        episode.clothing = f"{self.rng.choice(CLOTHES).capitalize()}; carrying a small backpack."
        episode.circumstances = (
            "Left the home after an argument with staff about being out late the night before."
        )
        episode.taken_with_them = "Phone and charger, about 20 pounds; left their medication behind."


def fire_triggers(written: list[MissingEpisode], now: datetime) -> int:
    """Fire the triggers for the episodes just written, as ``triggers.evaluate_person`` would for each
    young person with an episode (nothing has fired yet): the rules' own conditions, each young
    person's lead professionals told (``triggers.lead_professionals``, once per young person), the
    firings and notices written in bulk, one ``missing_trigger.fired`` audit event each in the same
    order, and the same emails queued when the transaction commits. Returns how many fired."""
    rules = list(MissingTrigger.objects.filter(active=True))
    episodes: dict[Any, list[MissingEpisode]] = {}
    for row in written:
        if row.started_at <= now:
            episodes.setdefault(row.person_id, []).append(row)
    firings: list[TriggerFiring] = []
    notices: list[MissingNotice] = []
    events: list[Entry] = []
    emails: list[tuple[str, str]] = []  # (what, id): the placing authority of a firing, or a notice
    for person_id in sorted(episodes, key=str):
        told: list[Any] | None = None
        for rule in rules:
            settings = rule.rule or {}
            for key, episode in triggers.conditions(rule, episodes[person_id], {}, now):
                firing = TriggerFiring(
                    trigger=rule,
                    person_id=person_id,
                    condition_key=key,
                    episode=episode,
                    fired_at=now,
                    action=str(settings.get("action", "")),
                )
                told = triggers.lead_professionals(person_id) if told is None else told
                made = [
                    MissingNotice(
                        recipient=user,
                        person_id=person_id,
                        kind=MissingNotice.Kind.TRIGGER,
                        firing=firing,
                        summary=triggers.summary_for(rule)[:300],
                        sent_at=now,
                    )
                    for user in told
                ]
                email = ""
                if settings.get("notify") == "placing-authority" and episode is not None:
                    email = episode.placing_authority_email
                if email:
                    firing.emailed_to = email
                    emails.append(("placing-authority", str(firing.pk)))
                emails.extend(("notice", str(notice.pk)) for notice in made)
                detail = {
                    "trigger": rule.code,
                    "condition": key,
                    "told": [user.get_username() for user in told],
                    "placing_authority_emailed": bool(email),
                }
                events.append(("missing_trigger.fired", firing, person_id, detail))
                firings.append(firing)
                notices.extend(made)
    sink = DatabaseSink()
    sink.extend(firings)
    sink.extend(notices)
    sink.flush()
    record_many(events)
    for what, pk in emails:
        if what == "placing-authority":
            transaction.on_commit(lambda pk=pk: notifications.email_placing_authority.enqueue(firing_id=pk))  # type: ignore[misc]
        else:
            transaction.on_commit(lambda pk=pk: notifications.email_notice.enqueue(notice_id=pk))  # type: ignore[misc]
    return len(firings)


def seed_missing(
    *,
    seed: int,
    as_of: date,
    scale: float,
    demo_users: dict[str, str],
    progress: Callable[[str], None] | None = None,
    through_services: bool = False,
) -> MissingStats:
    """Write the demo missing episodes and interviews into a seeded county, then fire the triggers.

    ``through_services`` evaluates the triggers one young person at a time through
    ``triggers.evaluate_person`` instead of in bulk: slower, the same rows; tests compare the two."""
    started = clock.perf_counter()
    builder = _Builder(seed=seed, as_of=as_of, scale=scale, demo_users=demo_users)
    if not builder.load():
        return builder.stats
    builder.build()
    through = ReturnInterview.factors.through
    with transaction.atomic():
        sink = DatabaseSink()
        sink.extend(builder.episodes)
        sink.extend(builder.grade_rows)
        sink.extend(builder.interviews)
        sink.extend(builder.profiles)
        sink.extend(through(returninterview_id=i, pushpullfactor_id=f) for i, f in builder.factor_links)
        sink.flush()
        if through_services:
            for person_id in sorted({e.person_id for e in builder.episodes}, key=str):
                builder.stats.triggers += triggers.evaluate_person(person_id, builder.now)
        else:
            builder.stats.triggers = fire_triggers(builder.episodes, builder.now)
    builder.stats.counts = {
        "missing.MissingEpisode": len(builder.episodes),
        "missing.ReturnInterview": len(builder.interviews),
        "missing.MissingProfile": len(builder.profiles),
    }
    if progress is not None:
        stats = builder.stats
        progress(
            f"  missing: {stats.episodes:,} episodes of {stats.children:,} young people; "
            f"{stats.interviews:,} return home interviews ({stats.late:,} late, {stats.declined:,} declined, "
            f"{stats.open_interviews:,} still to do); {stats.triggers:,} triggers fired "
            f"({clock.perf_counter() - started:.1f}s)"
        )
    return builder.stats
