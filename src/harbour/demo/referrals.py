"""The demo front door: six months of referrals, decisions, breaches, public concerns and contexts.

Runs after the county is seeded (``harbour seed`` calls ``seed_referrals``). Deterministic: the young
people, staff and keys come from the seeded county, and every choice from ``rand.stream(seed, ...)``;
times count back from the end of the ``--as-of`` day (or now, if earlier). Rows are written through the
seed's sink (COPY on PostgreSQL, ``bulk_create`` elsewhere) in one transaction, without per-row audit
events (``demo.seeded`` covers the seed).

What it makes, at scale 1 (fewer, but at least one of each kind, at small scales):

- about 300 staff referrals from police, health, schools, youth services, youth justice, charities and
  children's services, across every concern type and urgency; some about two young people; about one
  in six about a young person referred before in the last year (re-referrals);
- decisions on all but the last few days' referrals, each kind of decision with a rationale (no
  further action with its reason), most within timescale and some late (their breach was reported);
  the referrer's outcome notices, the recent ones unread;
- a few referrals still waiting, three of them past their due time (``harbour tick`` reports them);
- a handful of public concerns, kept as written, some linked to a young person by triage;
- contextual referrals about a park, a takeaway, a transport hub and a group of young people.
"""

from __future__ import annotations

import bisect
import heapq
import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.accounts.models import Membership, Team
from harbour.core.models import Town
from harbour.demo.rand import Ids, Weighted, chance, stream
from harbour.demo.sinks import DatabaseSink
from harbour.frontdoor import timescales
from harbour.frontdoor.models import (
    ConcernType,
    ContextType,
    DecisionType,
    LawfulBasis,
    NoFurtherActionReason,
    Referral,
    ReferralBreach,
    ReferralContext,
    ReferralDecision,
    ReferralNotification,
    ReferralSequence,
    ReferralSubject,
    Urgency,
)
from harbour.frontdoor.ticks import managers_of
from harbour.people.models import Person

STAFF_REFERRALS_PER_SCALE = 300
PUBLIC_PER_SCALE = 12
CONTEXTUAL_PER_SCALE = 10
DAYS_BACK = 182
OPEN_BREACHES = 3
RE_REFERRAL_SHARE = 0.16
TWO_SUBJECTS_SHARE = 0.1
LATE_DECISION_SHARE = 0.1
REFERRER_ROLES = ("practitioner", "team-manager", "police-intelligence-officer")

URGENCY_WEIGHTS = {"immediate-risk": 8, "urgent": 22, "standard": 70}
CONCERN_WEIGHTS = {
    "child-criminal-exploitation": 24,
    "county-lines": 14,
    "child-sexual-exploitation": 18,
    "online-exploitation": 12,
    "missing": 14,
    "serious-youth-violence": 9,
    "harmful-sexual-behaviour-and-peer-on-peer-abuse": 5,
    "trafficking-and-modern-slavery": 3,
    "radicalisation": 2,
}
DECISION_WEIGHTS = {
    "no-further-action": 18,
    "advice-and-signposting": 20,
    "early-help": 20,
    "joint-exploitation-screening": 16,
    "strategy-discussion": 8,
    "referral-to-mace": 8,
    "national-referral-mechanism": 4,
    "referral-to-another-service": 6,
}

WHAT_HAPPENED = {
    "child-criminal-exploitation": [
        "{first} has been seen getting into cars with older males after school and coming back with new "
        "trainers and cash. School are worried {first} is being criminally exploited.",
        "Police stopped {first} in {town} carrying a bag with a small amount of cannabis and a second phone. "
        "They appeared frightened of the adults waiting nearby.",
    ],
    "county-lines": [
        "{first} was found by British Transport Police at Norwich station at 01:00 with £300 and two phones, "
        "having travelled from London. Concern that {first} is being exploited through a county line.",
        "A flat in {town} is believed to be used to sell drugs; {first} was seen there on several days and "
        "missed school on each.",
    ],
    "child-sexual-exploitation": [
        "{first} has told a teaching assistant about an adult man who buys her alcohol and drives her to "
        "parties in {town}. Concern she is being groomed and sexually exploited.",
        "Health practitioner concerned after {first} attended the sexual health clinic with an older male "
        "who answered questions for her.",
    ],
    "online-exploitation": [
        "An adult has been contacting {first} on a gaming platform and asking for images. They told a "
        "parent, who brought the messages to school.",
        "Images of {first} are being shared in a group chat by older pupils; an adult account asked {first} "
        "to meet.",
    ],
    "missing": [
        "{first} was reported missing overnight for the third time this month and returned with injuries "
        "{first} would not explain. May be exploited while missing.",
        "{first} was missing from care for two days and was found in {town} with adults not known to staff.",
    ],
    "serious-youth-violence": [
        "{first} was assaulted near the bus station in {town}; friends say it relates to a drug debt.",
        "A knife was found in {first}'s bag at school. They said it was for protection after threats online.",
    ],
    "harmful-sexual-behaviour-and-peer-on-peer-abuse": [
        "Allegation that {first} was sexually assaulted by older pupils at a party; the incident was filmed.",
    ],
    "trafficking-and-modern-slavery": [
        "{first} arrived recently from abroad, is working long hours at a car wash in {town} and is not in "
        "school. Indicators of trafficking.",
    ],
    "radicalisation": [
        "{first} has been sharing extremist material and told a youth worker an adult online is 'teaching' "
        "{first} about it.",
    ],
}
YOUNG_PERSON_WORDS = [
    '"I owe them, I can\'t just stop."',
    '"He\'s my boyfriend, he looks after me."',
    '"If I tell you they\'ll hurt my mum."',
    '"It\'s fine, everyone does it."',
    '"I just want it to stop."',
    "",
]
PEOPLE_OF_CONCERN = [
    "An older male known as 'Trey', drives a grey hatchback.",
    "Two adult males, early twenties, London accents.",
    "An adult woman who runs the flat on the estate.",
    "Older pupils in year 11.",
    "",
]
RATIONALES = {
    "no-further-action": "Information recorded. The concerns do not meet the threshold for a service, and "
    "the young person is already supported by the school.",
    "advice-and-signposting": "Advice given to the referrer on talking with the family; signposted to the "
    "local youth service and an online safety guide.",
    "early-help": "Needs are best met with early help: family support worker to offer an assessment and "
    "work with the school.",
    "joint-exploitation-screening": "Several indicators that the young person is being exploited. Joint "
    "screening with police, health and education to agree the level of risk.",
    "strategy-discussion": "Reasonable cause to suspect significant harm from exploitation: strategy "
    "discussion convened with police and health today.",
    "referral-to-mace": "Exploitation risk assessed as high and linked to others known to the MACE panel: "
    "referred to the next child-focused MACE.",
    "national-referral-mechanism": "Indicators of trafficking and modern slavery: first responder "
    "completing a National Referral Mechanism referral.",
    "referral-to-another-service": "Passed to the adolescent mental health service, which already knows the "
    "young person, with the referrer's agreement.",
}
NFA_REASONS = ["below-threshold", "already-supported", "information-only", "not-enough-to-identify"]
PUBLIC_CONCERNS = [
    (
        "business",
        "Two lads, maybe 14, come into the takeaway most nights after 11 with a man in his 30s "
        "who pays for everything in cash. They look scared of him.",
        "Takeaway on Prince of Wales Road",
        "most nights",
    ),
    (
        "parent-carer",
        "my daughters friend keeps getting picked up from the park by older men in different cars "
        "and she told my daughter they give her vapes and money",
        "the park by the library",
        "last 2 weeks",
    ),
    (
        "young-person",
        "someone in my year is being made to carry stuff for people and he said he cant stop "
        "or they will hurt his brother. please dont say it was me",
        "school",
        "since christmas",
    ),
    (
        "other-member-of-public",
        "Kids coming and going from the flat below me at all hours, different ones "
        "every week, some look about 13. Cars outside late at night.",
        "Flats on the estate",
        "weeks",
    ),
]
CONTEXTS = [
    (
        "park-open-space",
        "Skate park at {town} recreation ground",
        "Young people approached by adults offering drugs and lifts in the evenings.",
    ),
    (
        "shop-takeaway",
        "Chicken shop near {town} bus station",
        "Adults meet young people here late at night; staff have noticed cash handed over.",
    ),
    (
        "transport-hub",
        "{town} bus station",
        "Young people travelling alone late at night, met by adults from out of the area.",
    ),
    (
        "group-young-people",
        "Group of young people meeting at the {town} retail park",
        "A group of about eight young people, some going missing together.",
    ),
    (
        "hotel-short-let",
        "Short-let flat in {town}",
        "A short-let flat where young people have been found with adults.",
    ),
]


def _text(template: str, town: str) -> str:
    text = template.format(first="the young person", town=town)
    return text[:1].upper() + text[1:]


@dataclass
class ReferralStats:
    staff: int = 0
    public: int = 0
    contextual: int = 0
    decided: int = 0
    open: int = 0
    overdue: int = 0
    re_referrals: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class _ReferredBefore:
    """Who had been referred before a moment, sorted by ``str(id)``: the pool re-referrals come from.

    Referrals arrive mostly in order of time, so the answer for a later moment is the last one plus
    whoever was first referred in between (kept in a sorted list, not recomputed from everyone); a
    moment earlier than the last asked falls back to looking at everyone's first referral.
    """

    def __init__(self) -> None:
        self.first: dict[Any, datetime] = {}  # person id -> their earliest referral
        self.ids: dict[str, Any] = {}
        self.pending: list[tuple[datetime, str]] = []  # a heap of first referrals not yet in ``known``
        self.known: list[str] = []  # sorted: first referred before ``until``
        self.known_set: set[str] = set()
        self.until: datetime | None = None

    def add(self, person_id: Any, when: datetime) -> None:
        earliest = self.first.get(person_id)
        if earliest is not None and earliest <= when:
            return
        self.first[person_id] = when
        key = str(person_id)
        self.ids[key] = person_id
        if self.until is not None and when < self.until:
            self._know(key)
        else:
            heapq.heappush(self.pending, (when, key))

    def _know(self, key: str) -> None:
        if key not in self.known_set:
            self.known_set.add(key)
            bisect.insort(self.known, key)

    def before(self, moment: datetime) -> list[str]:
        """The ``str(id)`` of everyone first referred before ``moment``, sorted."""
        if self.until is not None and moment < self.until:
            return sorted(str(person_id) for person_id, when in self.first.items() if when < moment)
        while self.pending and self.pending[0][0] < moment:
            self._know(heapq.heappop(self.pending)[1])
        self.until = moment
        return self.known


@dataclass
class _Staff:
    user_id: Any
    team_id: Any
    agency_id: Any
    username: str


class _Builder:
    def __init__(self, *, seed: int, as_of: date, scale: float, demo_users: dict[str, str]) -> None:
        self.rng: random.Random = stream(seed, "referrals")
        self.ids = Ids(seed, "referrals")
        local_end = datetime.combine(as_of, time(18, 0), tzinfo=timescales.LONDON)
        self.now = min(timezone.now(), local_end.astimezone(UTC))
        self.scale = scale
        self.demo_users = demo_users
        self.urgencies = {row.code: row for row in Urgency.objects.all()}
        self.concerns = {row.code: row for row in ConcernType.objects.all()}
        self.decisions = {row.code: row for row in DecisionType.objects.all()}
        self.nfa = {row.code: row for row in NoFurtherActionReason.objects.all()}
        self.lawful = {row.code: row for row in LawfulBasis.objects.all()}
        self.context_types = {row.code: row for row in ContextType.objects.all()}
        self.towns = list(Town.objects.order_by("name"))
        self.referrals: list[Referral] = []
        self.subjects: list[ReferralSubject] = []
        self.contexts: list[ReferralContext] = []
        self.decision_rows: list[ReferralDecision] = []
        self.breaches: list[ReferralBreach] = []
        # A stream of its own, so that the other rows keep the keys they had before breaches were kept.
        self.breach_ids = Ids(seed, "referral-breaches")
        self.notifications: list[ReferralNotification] = []
        self.concern_links: list[tuple[Any, Any]] = []
        self.stats = ReferralStats()
        self.referred = _ReferredBefore()

    # --- who ---------------------------------------------------------------------------------

    def load_people_and_staff(self) -> bool:
        self.young_people = list(
            Person.objects.filter(kind=Person.Kind.YOUNG_PERSON).order_by("id").values_list("id", flat=True)
        )
        memberships = list(
            Membership.objects.filter(role__code__in=REFERRER_ROLES, ends_on__isnull=True)
            .select_related("team", "user")
            .order_by("user__username", "id")
        )
        self.referrers = [
            _Staff(m.user_id, m.team_id, m.team.agency_id, m.user.username)
            for m in memberships
            if m.is_primary
        ]
        triage = list(
            Membership.objects.filter(role__code="front-door-officer", ends_on__isnull=True)
            .select_related("user")
            .order_by("user__username", "id")
        )
        self.triage_officers = [m.user_id for m in triage]
        team_ids = sorted({m.team_id for m in triage}, key=str)
        self.triage_team = Team.objects.filter(pk__in=team_ids).order_by("name").first()
        # A breach report tells the triage team's managers (as `harbour tick` would): how many, for
        # the breach history on the referral page.
        self.triage_managers = len(managers_of([self.triage_team.pk])) if self.triage_team is not None else 0
        demo = {m.user.username: m for m in memberships}
        practitioner = demo.get(self.demo_users.get("practitioner", ""))
        self.demo_referrer = (
            _Staff(
                practitioner.user_id,
                practitioner.team_id,
                practitioner.team.agency_id,
                practitioner.user.username,
            )
            if practitioner is not None
            else None
        )
        return bool(self.young_people and self.referrers and self.triage_officers)

    # --- when --------------------------------------------------------------------------------

    def submitted_at(self, days_back_low: int, days_back_high: int) -> datetime:
        day = (self.now - timedelta(days=self.rng.randint(days_back_low, days_back_high))).astimezone(
            timescales.LONDON
        )
        # Mostly in office hours, some in the evening and at night.
        hour = self.rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 17, 19, 22, 2])
        moment = day.replace(hour=hour, minute=self.rng.randint(0, 59), second=0, microsecond=0)
        return min(moment.astimezone(UTC), self.now - timedelta(minutes=5))

    # --- one referral ------------------------------------------------------------------------

    def _concerns(self, index: int) -> list[str]:
        weighted = Weighted(CONCERN_WEIGHTS)
        first = list(CONCERN_WEIGHTS)[index] if index < len(CONCERN_WEIGHTS) else weighted.pick(self.rng)
        chosen = [first]
        if chance(self.rng, 0.35):
            other = weighted.pick(self.rng)
            if other != first:
                chosen.append(other)
        return chosen

    def _subjects_for(self, submitted_at: datetime) -> list[Any]:
        earlier = self.referred.before(submitted_at)
        if earlier and chance(self.rng, RE_REFERRAL_SHARE):
            first = self.referred.ids[self.rng.choice(earlier)]
            self.stats.re_referrals += 1
        else:
            first = self.rng.choice(self.young_people)
        people = [first]
        if chance(self.rng, TWO_SUBJECTS_SHARE):
            second = self.rng.choice(self.young_people)
            if second != first:
                people.append(second)
        return people

    def add_referral(
        self,
        *,
        submitted_at: datetime,
        source: str,
        urgency: str,
        concerns: list[str],
        people: list[Any],
        referrer: _Staff | None,
        text: str,
        extra: dict[str, Any] | None = None,
    ) -> Referral:
        urgency_row = self.urgencies[urgency]
        consent_given = source == Referral.Source.STAFF and chance(self.rng, 0.3)
        referral = Referral(
            id=self.ids.next(),
            reference="",
            source=source,
            status=Referral.Status.SUBMITTED,
            urgency=urgency_row,
            what_happened=text,
            submitted_at=submitted_at,
            due_by=timescales.due_by(submitted_at, urgency_row.working_days_to_decide),
            triage_team=self.triage_team,
            referrer_id=referrer.user_id if referrer else None,
            referrer_team_id=referrer.team_id if referrer else None,
            referrer_agency_id=referrer.agency_id if referrer else None,
            idempotency_key=f"demo-{len(self.referrals)}" if referrer else "",
        )
        if source == Referral.Source.STAFF:
            referral.parents_aware = self.rng.choice(["yes", "yes", "no", "not-known"])
            if referral.parents_aware == "no":
                referral.parents_not_aware_reason = "Telling them now could put the young person at risk."
            referral.consent = "given" if consent_given else "not-sought"
            referral.lawful_basis = self.lawful["consent" if consent_given else "public-task-safeguarding"]
            referral.young_person_words = self.rng.choice(YOUNG_PERSON_WORDS)
            referral.people_of_concern = self.rng.choice(PEOPLE_OF_CONCERN)
            referral.happened_on = (submitted_at - timedelta(days=self.rng.randint(0, 6))).date()
        for name, value in (extra or {}).items():
            setattr(referral, name, value)
        self.referrals.append(referral)
        for code in concerns:
            self.concern_links.append((referral.id, self.concerns[code].pk))
        for person_id in people:
            self.subjects.append(
                ReferralSubject(
                    id=self.ids.next(),
                    referral_id=referral.id,
                    person_id=person_id,
                    matched_score=round(self.rng.uniform(0.9, 1.0), 3),
                )
            )
            self.referred.add(person_id, submitted_at)
        return referral

    def decide(self, referral: Referral, decision_code: str, *, late: bool) -> None:
        officer = self.rng.choice(self.triage_officers)
        if late:
            decided_at = referral.due_by + timedelta(hours=self.rng.randint(1, 20))
            referral.breach_reported_at = referral.due_by + timedelta(minutes=10)
            self.breaches.append(
                ReferralBreach(
                    id=self.breach_ids.next(),
                    referral_id=referral.id,
                    urgency_id=referral.urgency.pk,
                    due_by=referral.due_by,
                    reported_at=referral.breach_reported_at,
                    managers_told=self.triage_managers,
                )
            )
        else:
            span = max((referral.due_by - referral.submitted_at).total_seconds(), 600)
            decided_at = referral.submitted_at + timedelta(seconds=self.rng.uniform(300, span))
        decided_at = min(decided_at, self.now - timedelta(minutes=1))
        decision = ReferralDecision(
            id=self.ids.next(),
            referral_id=referral.id,
            decision_type=self.decisions[decision_code],
            no_further_action_reason=self.nfa[self.rng.choice(NFA_REASONS)]
            if decision_code == "no-further-action"
            else None,
            rationale=RATIONALES[decision_code],
            decided_by_id=officer,
            decided_at=decided_at,
        )
        if decision_code == "no-further-action" and referral.source == Referral.Source.PUBLIC:
            decision.no_further_action_reason = self.nfa["not-enough-to-identify"]
        self.decision_rows.append(decision)
        referral.decision_id = decision.id
        referral.status = Referral.Status.DECIDED
        referral.decided_at = decided_at
        referral.triaged_by_id = officer
        referral.triage_started_at = referral.submitted_at + (decided_at - referral.submitted_at) / 3
        referral.version = 3
        self.stats.decided += 1
        if referral.referrer_id is not None:
            read = decided_at < self.now - timedelta(days=3)
            self.notifications.append(
                ReferralNotification(
                    id=self.ids.next(),
                    recipient_id=referral.referrer_id,
                    referral_id=referral.id,
                    kind=ReferralNotification.Kind.FEEDBACK,
                    summary="",  # filled once the reference is known
                    sent_at=decided_at,
                    emailed_at=decided_at,
                    read_at=decided_at + timedelta(hours=2) if read else None,
                )
            )

    # --- the whole front door ----------------------------------------------------------------

    def build(self) -> None:
        staff_count = max(len(DECISION_WEIGHTS) + 4, round(STAFF_REFERRALS_PER_SCALE * self.scale))
        decisions = Weighted(DECISION_WEIGHTS)
        urgencies = Weighted(URGENCY_WEIGHTS)
        # Oldest first, so re-referrals point back in time.
        times = sorted(self.submitted_at(0, DAYS_BACK) for _ in range(staff_count))
        decided_index = 0
        for index, submitted_at in enumerate(times):
            referrer = self.rng.choice(self.referrers)
            if self.demo_referrer is not None and index % 40 == 7:
                referrer = self.demo_referrer
            concerns = self._concerns(index)
            people = self._subjects_for(submitted_at)
            town = self.rng.choice(self.towns).name if self.towns else "Norwich"
            text = _text(self.rng.choice(WHAT_HAPPENED[concerns[0]]), town)
            urgency = list(URGENCY_WEIGHTS)[index % 3] if index < 3 else urgencies.pick(self.rng)
            referral = self.add_referral(
                submitted_at=submitted_at,
                source=Referral.Source.STAFF,
                urgency=urgency,
                concerns=concerns,
                people=people,
                referrer=referrer,
                text=text,
                extra={"location_text": town, "referrer_phone": "01632 960000"},
            )
            self.stats.staff += 1
            if referral.due_by < self.now - timedelta(days=1):
                code = (
                    list(DECISION_WEIGHTS)[decided_index] if decided_index < len(DECISION_WEIGHTS) else None
                )
                decided_index += 1
                self.decide(
                    referral, code or decisions.pick(self.rng), late=chance(self.rng, LATE_DECISION_SHARE)
                )
        self._open_breaches(urgencies)
        self._public()
        self._contextual()

    def _open_breaches(self, urgencies: Weighted[str]) -> None:
        """A few referrals still waiting well past their due time: the queue shows them as breaches."""
        for _ in range(OPEN_BREACHES):
            submitted_at = self.submitted_at(3, 6)
            concerns = self._concerns(len(CONCERN_WEIGHTS))
            self.add_referral(
                submitted_at=submitted_at,
                source=Referral.Source.STAFF,
                urgency=urgencies.pick(self.rng),
                concerns=concerns,
                people=self._subjects_for(submitted_at),
                referrer=self.rng.choice(self.referrers),
                text=_text(self.rng.choice(WHAT_HAPPENED[concerns[0]]), "Norwich"),
            )
            self.stats.staff += 1

    def _public(self) -> None:
        count = max(len(PUBLIC_CONCERNS), round(PUBLIC_PER_SCALE * self.scale))
        for index in range(count):
            relationship, text, where, when = PUBLIC_CONCERNS[index % len(PUBLIC_CONCERNS)]
            submitted_at = self.submitted_at(0, 90)
            linked = index % 3 == 1
            referral = self.add_referral(
                submitted_at=submitted_at,
                source=Referral.Source.PUBLIC,
                urgency="standard",
                concerns=["child-criminal-exploitation"] if linked else [],
                people=[self.rng.choice(self.young_people)] if linked else [],
                referrer=None,
                text=text,
                extra={
                    "public_relationship": relationship,
                    "location_text": where,
                    "happened_on_estimate": when,
                    "public_contact_name": "" if relationship == "young-person" else "Given on the form",
                    "public_contact_details": "" if relationship == "young-person" else "07700 900123",
                },
            )
            self.stats.public += 1
            if referral.due_by < self.now - timedelta(days=1):
                self.decide(
                    referral, "joint-exploitation-screening" if linked else "no-further-action", late=False
                )

    def _contextual(self) -> None:
        count = max(len(CONTEXTS), round(CONTEXTUAL_PER_SCALE * self.scale))
        for index in range(count):
            context_type, name, description = CONTEXTS[index % len(CONTEXTS)]
            town = self.towns[index % len(self.towns)] if self.towns else None
            town_name = town.name if town else "Norwich"
            submitted_at = self.submitted_at(2, DAYS_BACK)
            with_child = index % 2 == 0
            referral = self.add_referral(
                submitted_at=submitted_at,
                source=Referral.Source.STAFF,
                urgency="standard",
                concerns=["child-criminal-exploitation", "county-lines"]
                if index % 2
                else ["child-sexual-exploitation"],
                people=self._subjects_for(submitted_at) if with_child else [],
                referrer=self.rng.choice(self.referrers),
                text=f"Concern about {name.format(town=town_name).lower()}: {description}",
            )
            self.contexts.append(
                ReferralContext(
                    id=self.ids.next(),
                    referral_id=referral.id,
                    name=name.format(town=town_name),
                    context_type=self.context_types[context_type],
                    description=description,
                    address=town_name,
                    latitude=Decimal(str(town.latitude)) if town and town.latitude is not None else None,
                    longitude=Decimal(str(town.longitude)) if town and town.longitude is not None else None,
                )
            )
            self.stats.contextual += 1
            if referral.due_by < self.now - timedelta(days=1):
                self.decide(
                    referral, "referral-to-mace" if index % 2 else "joint-exploitation-screening", late=False
                )

    def number(self) -> dict[int, int]:
        """Give references in order of submission, numbered per year; return the last per year."""
        last: dict[int, int] = {}
        for referral in sorted(self.referrals, key=lambda row: (row.submitted_at, str(row.id))):
            year = timezone.localtime(referral.submitted_at).year
            last[year] = last.get(year, 0) + 1
            referral.reference = f"HR-{year}-{last[year]:06d}"
        by_id = {referral.id: referral for referral in self.referrals}
        labels: dict[Any, str] = {}
        for decision in self.decision_rows:
            labels.setdefault(decision.referral_id, decision.decision_type.label)
        for notification in self.notifications:
            reference = by_id[notification.referral_id].reference
            notification.summary = f"Referral {reference}: {labels[notification.referral_id]}"
        if self.demo_referrer is not None:
            # The demo practitioner's two latest outcomes wait unread on their home page.
            mine = [n for n in self.notifications if n.recipient_id == self.demo_referrer.user_id]
            for notification in sorted(mine, key=lambda n: n.sent_at)[-2:]:
                notification.read_at = None
        for referral in self.referrals:
            if referral.is_open:
                self.stats.open += 1
                self.stats.overdue += int(referral.due_by <= self.now)
        return last


def seed_referrals(
    *,
    seed: int,
    as_of: date,
    scale: float,
    demo_users: dict[str, str],
    progress: Callable[[str], None] | None = None,
) -> ReferralStats:
    """Write the demo front door into a freshly seeded county. Returns what it wrote."""
    started = clock.perf_counter()
    builder = _Builder(seed=seed, as_of=as_of, scale=scale, demo_users=demo_users)
    if not builder.load_people_and_staff():
        return builder.stats
    builder.build()
    last = builder.number()
    through = Referral.concern_types.through
    with transaction.atomic():
        # The referral points at its current decision and the decision at its referral: both foreign
        # keys are checked at commit (deferred), so the order within the transaction does not matter.
        sink = DatabaseSink()
        sink.extend(builder.referrals)
        sink.extend(builder.decision_rows)
        sink.extend(builder.breaches)
        sink.extend(builder.subjects)
        sink.extend(builder.contexts)
        sink.extend(builder.notifications)
        sink.extend(through(referral_id=r, concerntype_id=c) for r, c in builder.concern_links)
        sink.flush()
        for year, number in last.items():
            ReferralSequence.objects.update_or_create(year=year, defaults={"last": number})
    builder.stats.counts = {
        "frontdoor.Referral": len(builder.referrals),
        "frontdoor.ReferralDecision": len(builder.decision_rows),
        "frontdoor.ReferralBreach": len(builder.breaches),
        "frontdoor.ReferralSubject": len(builder.subjects),
        "frontdoor.ReferralContext": len(builder.contexts),
        "frontdoor.ReferralNotification": len(builder.notifications),
    }
    if progress is not None:
        stats = builder.stats
        progress(
            f"  front door: {stats.staff:,} staff referrals ({stats.re_referrals:,} re-referrals), "
            f"{stats.public:,} public concerns, {stats.contextual:,} contextual; {stats.decided:,} decided, "
            f"{stats.open:,} waiting ({stats.overdue:,} past their timescale) "
            f"({clock.perf_counter() - started:.1f}s)"
        )
    return builder.stats
