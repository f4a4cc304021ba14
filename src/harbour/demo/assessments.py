"""The demo joint exploitation risk assessments: levels over time, reviews, escalations and de-escalations.

Runs after the front door is seeded (``harbour seed`` calls ``seed_assessments`` after
``seed_referrals``). Deterministic: every choice comes from ``rand.stream(seed, ...)``. Rows are written
through the seed's sink (COPY on PostgreSQL) in one transaction, without per-row audit events
(``demo.seeded`` covers the seed).

What it makes, at scale 1:

- an assessment for each young person the front door decided to screen jointly, opened from that
  referral a few days after the decision;
- about 250 more young people with a lead professional, with a history of one to five assessments
  over the last two years: the level moves up and down from one review to the next, now and then
  moved by professional judgement with a reason;
- answers from two or three agencies per assessment (police, health, education, youth services...),
  scored by the shipped tools (most with the Norfolk-style tool, some with the SERAF-style scale);
- the young person's words in most assessments, a reason where they declined;
- reviews due soon and overdue, and open assessments waiting for contributions, including for the
  demo practitioner and the demo police officer so their home-page queues have work.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from harbour.access.models import Allocation
from harbour.accounts.models import Membership, User
from harbour.assessments import scoring
from harbour.assessments.models import (
    Answer,
    Assessment,
    Contribution,
    Indicator,
    RiskLevel,
    ScreeningToolVersion,
)
from harbour.demo.rand import Ids, Weighted, chance, stream
from harbour.demo.rows import build
from harbour.demo.sinks import DatabaseSink
from harbour.frontdoor.models import ConcernType, ReferralSubject
from harbour.people.models import Person

HISTORIES_PER_SCALE = 250
MAX_ASSESSMENTS = 5
DAYS_BACK = 730
SERAF_SHARE = 0.2
JUDGEMENT_SHARE = 0.12
WORDS_SHARE = 0.78
STOP_EARLY_SHARE = 0.25  # the last review not yet done: due soon or overdue
START_RANK = {1: 35, 2: 40, 3: 25}
MOVE = {-1: 35, 0: 45, 1: 20}  # from one review to the next
EXPLOITATION_TYPES = {
    "child-criminal-exploitation": 30,
    "county-lines": 20,
    "child-sexual-exploitation": 22,
    "online-exploitation": 12,
    "serious-youth-violence": 8,
    "trafficking-and-modern-slavery": 4,
}
EVIDENCE = {
    "background": "Known to children's services since early childhood; see the chronology.",
    "whereabouts": "Reported missing overnight; returned the next day and would not say where they had been.",
    "education": "Attendance has fallen this term; school report long absences on Mondays and Fridays.",
    "relationships": "Seen with older males outside the school gates and at the shopping centre.",
    "online": "Has a second phone; messages from numbers that are not saved, late at night.",
    "money": "New trainers and clothes the family cannot account for.",
    "substances": "Smelt of cannabis when collected by police; said friends gave it to them.",
    "health": "Attended the clinic with an older male who answered questions for them.",
    "wellbeing": "Withdrawn and tearful; told a teacher they cannot sleep.",
    "offending": "Arrested with two adults in a car stopped on the A47.",
    "travel": "Train tickets to London found in their room; stopped by transport police at Norwich station.",
}
SOURCES = ["Police record", "School safeguarding lead", "Youth worker", "Case notes", "Return home interview"]
WORDS = [
    "I don't want to get anyone in trouble. I just want things to go back to normal.",
    "They're my mates, they look after me. I owe them.",
    "I want to stay at my nan's. I feel safe there.",
    "I'm scared of what happens if I stop going.",
    "I want to go back to school and do my GCSEs.",
]
NO_WORDS_REASONS = [
    "The young person declined to meet the lead professional; a trusted youth worker will try again.",
    "The young person was missing when the assessment was agreed.",
]
EXTRA_FAMILIAL = [
    "Linked to a group of older males around the bus station; travels to other towns with them.",
    "Contact online with adults unknown to the family; images requested.",
    "Seen at an address on the estate believed to be used to sell drugs.",
    "Peer group includes young people known to be exploited; late nights in the park.",
]
HOME_FACTORS = [
    "Mum is supportive, reports missing episodes quickly and works with the lead professional.",
    "Lives with grandparents who set clear boundaries; a good relationship with an older sister.",
    "Foster carers are consistent and keep in touch with school.",
    "",
]
JUDGEMENT_REASONS = {
    "up": "Information shared at the meeting after scoring: seen with an adult of concern last week.",
    "down": "New placement away from the area and engaging well with the youth worker.",
}
RATIONALE = (
    "Agreed by the agencies at the joint screening meeting, having heard each contribution and the young "
    "person's own account."
)


@dataclass
class AssessmentStats:
    people: int = 0
    assessments: int = 0
    open: int = 0
    escalations: int = 0
    de_escalations: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Tool:
    version: ScreeningToolVersion
    ranks: dict[str, int]
    levels_by_rank: dict[int, RiskLevel]
    intervals: dict[str, int]
    indicators: list[Indicator]


def _aware(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class _Builder:
    def __init__(self, *, seed: int, as_of: date, scale: float, demo_users: dict[str, str]) -> None:
        self.seed = seed
        self.as_of = as_of
        self.scale = scale
        self.demo_users = demo_users
        self.rng = stream(seed, "assessments")
        self.ids = Ids(seed, "assessments")
        self.stats = AssessmentStats()
        self.assessments: list[Assessment] = []
        self.contributions: list[Contribution] = []
        self.answers: list[Answer] = []
        self.type_links: list[tuple[Any, Any]] = []

    # --- what the county holds -------------------------------------------------------------------------

    def load(self) -> bool:
        versions = {v.code: v for v in ScreeningToolVersion.objects.select_related("tool")}
        indicators = {i.code: i for i in Indicator.objects.select_related("category")}
        self.tools: dict[str, _Tool] = {}
        for code in ("norfolk-screening-2024", "seraf-screening-2024"):
            version = versions.get(code)
            if version is None:
                continue
            levels = list(RiskLevel.objects.filter(tool_id=version.tool_id))
            self.tools[code] = _Tool(
                version=version,
                ranks={level.code: level.rank for level in levels},
                levels_by_rank={level.rank: level for level in levels},
                intervals={level.code: level.review_interval_days for level in levels},
                indicators=[indicators[c] for c in version.indicator_codes() if c in indicators],
            )
        if "norfolk-screening-2024" not in self.tools:
            return False
        self.concern_ids = dict(ConcernType.objects.values_list("code", "pk"))
        memberships = Membership.objects.filter(starts_on__lte=self.as_of).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=self.as_of)
        )
        self.agency_of: dict[Any, Any] = {}
        leads: set[Any] = set()
        contributors: list[Any] = []
        for user_id, agency_id, capabilities in memberships.order_by("user_id", "-is_primary").values_list(
            "user_id", "team__agency_id", "role__capabilities"
        ):
            if user_id in self.agency_of:
                continue
            self.agency_of[user_id] = agency_id
            if "assessment.lead" in capabilities:
                leads.add(user_id)
            if "assessment.contribute" in capabilities:
                contributors.append(user_id)
        if not contributors:
            return False
        self.contributors = contributors
        allocations = (
            Allocation.objects.filter(worker_id__in=leads, person__kind=Person.Kind.YOUNG_PERSON)
            .filter(person__merged_into__isnull=True)
            .order_by("person_id", "starts_on")
            .values_list("person_id", "worker_id", "agency_id")
        )
        self.lead_of: dict[Any, tuple[Any, Any]] = {}
        for person_id, worker_id, agency_id in allocations:
            self.lead_of.setdefault(person_id, (worker_id, agency_id))
        self.demo_ids = dict(
            User.objects.filter(username__in=list(self.demo_users.values())).values_list("username", "pk")
        )
        return bool(self.lead_of)

    # --- the plan ------------------------------------------------------------------------------------

    def build(self) -> None:
        rng = self.rng
        screened = (
            ReferralSubject.objects.filter(
                referral__decision__decision_type__code="joint-exploitation-screening",
                person_id__in=list(self.lead_of),
            )
            .order_by("referral__decided_at", "person_id")
            .values_list("person_id", "referral_id", "referral__decided_at")
        )
        started: set[Any] = set()
        for person_id, referral_id, decided_at in screened:
            if person_id in started or decided_at is None:
                continue
            started.add(person_id)
            opened = decided_at.date() + timedelta(days=rng.randint(1, 4))
            self._history(person_id, opened, referral_id)
        demo_practitioner = self.demo_ids.get(self.demo_users.get("practitioner", ""))
        wanted = max(1, round(HISTORIES_PER_SCALE * self.scale))
        people = sorted(self.lead_of, key=str)
        rng.shuffle(people)
        # The demo practitioner's own young people first, so their pages and queues have work.
        people.sort(key=lambda pk: 0 if self.lead_of[pk][0] == demo_practitioner else 1)
        for person_id in people:
            if wanted <= 0:
                break
            if person_id in started:
                continue
            started.add(person_id)
            wanted -= 1
            self._history(person_id, self.as_of - timedelta(days=rng.randint(30, DAYS_BACK)), None)
        self.stats.people = len(started)

    def _history(self, person_id: Any, opened: date, referral_id: Any) -> None:
        rng = self.rng
        tool = self.tools[
            "seraf-screening-2024"
            if "seraf-screening-2024" in self.tools and chance(rng, SERAF_SHARE)
            else "norfolk-screening-2024"
        ]
        lead_id, lead_agency_id = self.lead_of[person_id]
        rank = Weighted(START_RANK).pick(rng)
        previous_id = None
        previous_rank: int | None = None
        count = 0
        while opened <= self.as_of and count < MAX_ASSESSMENTS:
            count += 1
            agreed_on = opened + timedelta(days=rng.randint(5, 21))
            is_open = agreed_on > self.as_of
            assessment = self._assessment(
                tool,
                person_id=person_id,
                lead=(lead_id, lead_agency_id),
                opened=opened,
                target=rank,
                is_open=is_open,
                referral_id=referral_id if count == 1 else None,
            )
            assessment.previous_id = previous_id
            if not is_open:
                assessment.agreed_at = _aware(agreed_on, 15)
                assessment.agreed_by_id = lead_id
                assert assessment.agreed_level is not None
                interval = tool.intervals[assessment.agreed_level.code]
                assessment.next_review_on = agreed_on + timedelta(days=interval)
                if previous_rank is not None:
                    if assessment.agreed_level.rank > previous_rank:
                        self.stats.escalations += 1
                    elif assessment.agreed_level.rank < previous_rank:
                        self.stats.de_escalations += 1
                previous_rank = assessment.agreed_level.rank
                # The one before is history now.
                if self.assessments and previous_id is not None:
                    before = self.assessments[-1]
                    before.status = Assessment.Status.CLOSED
                    before.closed_at = assessment.agreed_at
            self.assessments.append(assessment)
            previous_id = assessment.pk
            if is_open or chance(rng, STOP_EARLY_SHARE):
                break
            assert assessment.next_review_on is not None
            opened = assessment.next_review_on + timedelta(days=rng.randint(-10, 7))
            rank = max(min(tool.ranks.values()), min(3, rank + Weighted(MOVE).pick(rng)))

    def _assessment(
        self,
        tool: _Tool,
        *,
        person_id: Any,
        lead: tuple[Any, Any],
        opened: date,
        target: int,
        is_open: bool,
        referral_id: Any,
    ) -> Assessment:
        rng = self.rng
        lead_id, lead_agency_id = lead
        assessment = Assessment(
            id=self.ids.next(),
            person_id=person_id,
            tool_version=tool.version,
            status=Assessment.Status.OPEN if is_open else Assessment.Status.AGREED,
            lead_id=lead_id,
            lead_agency_id=lead_agency_id,
            opened_from_id=referral_id,
            opened_at=_aware(opened, 10),
            extra_familial_summary=rng.choice(EXTRA_FAMILIAL) if target > 0 else "",
            home_protective_factors=rng.choice(HOME_FACTORS),
            rationale="" if is_open else RATIONALE,
        )
        if chance(rng, WORDS_SHARE):
            assessment.young_person_words = rng.choice(WORDS)
        elif not is_open:
            assessment.words_missing_reason = rng.choice(NO_WORDS_REASONS)
        contributions = self._contributions(assessment, lead=lead, opened=opened, is_open=is_open)
        yes_codes = self._yes_for(tool, target)
        answered = [c for c in contributions if c.status == Contribution.Status.SUBMITTED]
        given: list[tuple[str, str]] = []
        for index, indicator in enumerate(yes_codes):
            timeframe = "current" if chance(rng, 0.85) else "6-12-months"
            given.append((indicator.code, timeframe))
            self.answers.append(
                build(
                    Answer,
                    id=self.ids.next(),
                    contribution_id=answered[index % len(answered)].pk,
                    indicator_id=indicator.pk,
                    value=Answer.Value.YES,
                    timeframe=timeframe,
                    evidence=EVIDENCE.get(indicator.category.code, "Seen by our worker."),
                    source=rng.choice(SOURCES),
                )
            )
        chosen = {i.code for i in yes_codes}
        for contribution in answered:
            for indicator in rng.sample(tool.indicators, 3):
                if indicator.code in chosen:
                    continue
                chosen.add(indicator.code)
                self.answers.append(
                    build(
                        Answer,
                        id=self.ids.next(),
                        contribution_id=contribution.pk,
                        indicator_id=indicator.pk,
                        value=Answer.Value.NO if chance(rng, 0.7) else Answer.Value.NOT_KNOWN,
                    )
                )
        result = scoring.score(tool.version.rule, given, tool.ranks)
        computed = next(level for level in tool.levels_by_rank.values() if level.code == result.level)
        assessment.computed_level = computed
        assessment.computed_points = result.points
        if not is_open:
            self._agree(tool, assessment, computed)
        self.contributions.extend(contributions)
        return assessment

    def _contributions(
        self, assessment: Assessment, *, lead: tuple[Any, Any], opened: date, is_open: bool
    ) -> list[Contribution]:
        """The lead's agency and one or two others; in an open assessment some are still awaited."""
        rng = self.rng
        lead_id, lead_agency_id = lead
        # Agencies: the lead's, and one or two others.
        authors = [lead_id]
        others = [u for u in rng.sample(self.contributors, min(6, len(self.contributors))) if u != lead_id]
        authors += others[: rng.randint(1, 2)]
        demo_police = self.demo_ids.get(self.demo_users.get("police-intelligence-officer", ""))
        if is_open and demo_police is not None and demo_police not in authors and chance(rng, 0.5):
            authors.append(demo_police)
        contributions = [
            build(
                Contribution,
                id=self.ids.next(),
                assessment_id=assessment.pk,
                author_id=author,
                agency_id=self.agency_of.get(author, lead_agency_id),
                requested_by_id=lead_id,
                status=Contribution.Status.SUBMITTED,
                submitted_at=_aware(opened + timedelta(days=rng.randint(1, 4)), 12),
                summary="Our agency's information is recorded against the indicators.",
            )
            for author in authors
        ]
        if is_open:
            # Some contributions are still awaited.
            for contribution in contributions[1:]:
                if chance(rng, 0.6) or contribution.author_id == demo_police:
                    contribution.status = Contribution.Status.REQUESTED
                    contribution.submitted_at = None
                    contribution.summary = ""
        return contributions

    def _agree(self, tool: _Tool, assessment: Assessment, computed: RiskLevel) -> None:
        """The agreed level: the computed one, now and then moved by professional judgement."""
        rng = self.rng
        agreed = computed
        if chance(rng, JUDGEMENT_SHARE):
            shift = rng.choice((-1, 1))
            moved = tool.levels_by_rank.get(computed.rank + shift)
            if moved is not None:
                agreed = moved
                assessment.judgement = Assessment.Judgement.UP if shift > 0 else Assessment.Judgement.DOWN
                assessment.judgement_reason = JUDGEMENT_REASONS[assessment.judgement]
        assessment.agreed_level = agreed
        for code in rng.sample(list(EXPLOITATION_TYPES), 2)[: rng.randint(1, 2)] if agreed.rank > 0 else []:
            if code in self.concern_ids:
                self.type_links.append((assessment.pk, self.concern_ids[code]))

    def _yes_for(self, tool: _Tool, target: int) -> list[Indicator]:
        """Indicators answered yes that bring the computed level to about the target rank."""
        rng = self.rng
        pool = list(tool.indicators)
        rng.shuffle(pool)
        chosen: list[Indicator] = []
        rule = tool.version.rule
        mapping = rule["indicators"]
        for indicator in pool:
            current = scoring.score(rule, [(i.code, "current") for i in chosen], tool.ranks)
            if tool.ranks[current.level] >= target:
                break
            if rule["kind"] == "levels" and tool.ranks[mapping[indicator.code]] > target:
                continue
            chosen.append(indicator)
        return chosen


def seed_assessments(
    *,
    seed: int,
    as_of: date,
    scale: float,
    demo_users: dict[str, str],
    progress: Callable[[str], None] | None = None,
) -> AssessmentStats:
    """Write the demo assessments into a seeded county (after the front door). Returns what it wrote."""
    started = clock.perf_counter()
    builder = _Builder(seed=seed, as_of=as_of, scale=scale, demo_users=demo_users)
    if not builder.load():
        return builder.stats
    builder.build()
    through = Assessment.exploitation_types.through
    with transaction.atomic():
        sink = DatabaseSink()
        sink.extend(builder.assessments)
        sink.extend(builder.contributions)
        sink.extend(builder.answers)
        sink.extend(through(assessment_id=a, concerntype_id=c) for a, c in builder.type_links)
        sink.flush()
    stats = builder.stats
    stats.assessments = len(builder.assessments)
    stats.open = sum(1 for a in builder.assessments if a.status == Assessment.Status.OPEN)
    stats.counts = {
        "assessments.Assessment": len(builder.assessments),
        "assessments.Contribution": len(builder.contributions),
        "assessments.Answer": len(builder.answers),
    }
    if progress is not None:
        progress(
            f"  assessments: {stats.assessments:,} for {stats.people:,} young people ({stats.open:,} open), "
            f"{stats.escalations:,} escalations and {stats.de_escalations:,} de-escalations at review "
            f"({clock.perf_counter() - started:.1f}s)"
        )
    return stats
