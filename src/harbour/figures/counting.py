"""The rules for every number on the dashboard, in one place.

The records a panel counts are read once as plain rows (``read_facts``: ids, times, codes, never a
name), then counted in Python (``count_facts``) for one or more *groups* of young people at a time. A
group is a district, an age band, a gender and an ethnic group, each of which may be "any".

They are used in two ways, with the same functions, so the two cannot disagree:

- live, for the group the filters choose: the rows are read already narrowed to its young people, and
  every row counts for that one group (``Placement``);
- in the summary (summary.py), for every group the filters can choose at once: the rows are read for
  every young person, and each row counts for each group its young person belongs to.

Counts are keyed ``"<scope>|<measure>|<part>"``: the scope is ``now`` (the current levels, which do not
depend on the period), ``m`` (one calendar month, the part being the month's first day), or the number
of months of the period (``12``) for counts over a whole period.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from harbour.assessments.models import Assessment
from harbour.education.models import Exclusion
from harbour.figures.filters import Period, local_midnight
from harbour.frontdoor.models import Referral, ReferralSubject
from harbour.missing.models import MissingEpisode, ReturnInterview

People = QuerySet[Any] | list[Any] | None  # young people's ids (a subquery or a list), or None for all

# A group of young people: (district, age band, gender, ethnic group) codes, "" meaning any.
Group = tuple[str, str, str, str]
EVERYONE: Group = ("", "", "", "")

CURRENT = "now"
MONTHLY = "m"
AT_RISK_RANK = 1  # ranks are comparable across screening tools: 1 is low or standard risk
# Raised whenever the counting rules or the measures counted change: a summary counted under other rules
# is not read (the page counts live until `harbour tick` counts again), so a deployment never shows a
# measure the summary does not hold as 0.
RULES_VERSION = 2


def key(scope: str, measure: str, part: object = "") -> str:
    return f"{scope}|{measure}|{part}"


def period_scope(period: Period) -> str:
    return str(len(period.months))


class Placement:
    """Which groups each young person counts in.

    Young people are counted first in their *cell* (the same cell for everyone whose groups are the
    same), and the cells' counts are then added into each of their groups: a row is counted once, not
    once for each of up to 16 groups. This live form puts everyone in one cell and one group.
    """

    def cell(self, person_id: Any) -> Hashable:
        return EVERYONE

    def groups(self, cell: Hashable) -> tuple[Group, ...]:
        return (EVERYONE,)


@dataclass
class Facts:
    """The rows every panel counts, for the longest period asked (ids, times and codes only)."""

    # (referral, person, when the referral arrived)
    referral_subjects: list[tuple[Any, Any, datetime]] = field(default_factory=list)
    referral_concerns: dict[Any, list[str]] = field(default_factory=dict)
    # (assessment, person, still agreed, agreed at, rank of the agreed level or None)
    assessments: list[tuple[Any, Any, bool, datetime, int | None]] = field(default_factory=list)
    assessment_types: dict[Any, list[str]] = field(default_factory=dict)
    # (person, when it started, where they went missing from (setting code), whether that setting is a
    # care placement, whether another authority placed them here)
    episodes: list[tuple[Any, datetime, str, bool, bool]] = field(default_factory=list)
    # (person, returned at, status, offered at, accepted at, completed at, due at)
    interviews: list[tuple[Any, datetime, str, Any, Any, Any, Any]] = field(default_factory=list)
    # (person, exclusion kind code, starts on)
    exclusions: list[tuple[Any, str, date]] = field(default_factory=list)

    def people(self) -> set[Any]:
        return (
            {row[1] for row in self.referral_subjects}
            | {row[1] for row in self.assessments}
            | {row[0] for row in self.episodes}
            | {row[0] for row in self.interviews}
            | {row[0] for row in self.exclusions}
        )


def _of(queryset: QuerySet[Any], people: People, field_name: str = "person_id") -> QuerySet[Any]:
    if people is None:
        return queryset
    if isinstance(people, list) and connection.vendor == "postgresql":
        # One array parameter, not one bind parameter per young person: building and sending thousands
        # of them took longer than PostgreSQL took to answer (SQLite has no arrays).
        return queryset.filter(**{f"{field_name}__in": RawSQL("SELECT unnest(%s::uuid[])", (people,))})
    return queryset.filter(**{f"{field_name}__in": people})


def read_facts(periods: Sequence[Period], people: People) -> Facts:
    """Read the rows for the longest of the periods (they all end today), narrowed to ``people``."""
    longest = min(periods, key=lambda period: period.first_day)
    start, end = longest.start, longest.end
    facts = Facts()

    subjects = _of(
        ReferralSubject.objects.filter(referral__submitted_at__gte=start, referral__submitted_at__lt=end),
        people,
    )
    # Plain reads, not server-side cursors: a few hundred thousand short rows at scale 100, and a
    # cursor held across the connection's transactions cost more than the rows.
    facts.referral_subjects = list(subjects.values_list("referral_id", "person_id", "referral__submitted_at"))
    concerns: dict[Any, list[str]] = defaultdict(list)
    for referral_id, code in Referral.concern_types.through.objects.filter(
        referral_id__in=subjects.values("referral_id")
    ).values_list("referral_id", "concerntype__code"):
        concerns[referral_id].append(code)
    facts.referral_concerns = dict(concerns)

    # Every assessment agreed before the end of the period, whatever its status now: the movement
    # between levels needs the levels in force before the period, which reviews have since closed.
    agreed = _of(
        Assessment.objects.filter(agreed_at__isnull=False, agreed_at__lt=end).filter(
            Q(agreed_level__isnull=False) | Q(status=Assessment.Status.AGREED)
        ),
        people,
    )
    facts.assessments = [
        (pk, person_id, status == Assessment.Status.AGREED, agreed_at, rank)
        for pk, person_id, status, agreed_at, rank in agreed.values_list(
            "pk", "person_id", "status", "agreed_at", "agreed_level__rank"
        )
    ]
    types: dict[Any, list[str]] = defaultdict(list)
    for assessment_id, code in Assessment.exploitation_types.through.objects.filter(
        assessment_id__in=agreed.filter(status=Assessment.Status.AGREED).values("pk")
    ).values_list("assessment_id", "concerntype__code"):
        types[assessment_id].append(code)
    facts.assessment_types = dict(types)

    episodes = _of(MissingEpisode.objects.filter(started_at__gte=start, started_at__lt=end), people)
    facts.episodes = list(
        episodes.values_list("person_id", "started_at", "setting__code", "setting__in_care", "out_of_area")
    )

    interviews = _of(ReturnInterview.objects.filter(returned_at__gte=start, returned_at__lt=end), people)
    facts.interviews = list(
        interviews.values_list(
            "person_id", "returned_at", "status", "offered_at", "accepted_at", "completed_at", "due_at"
        )
    )

    exclusions = _of(
        Exclusion.objects.filter(
            starts_on__gte=longest.first_day, starts_on__lte=longest.today, status__in=Exclusion.STANDING
        ),
        people,
    )
    facts.exclusions = list(exclusions.values_list("person_id", "kind__code", "starts_on"))
    return facts


class Tally:
    """Counts in each cell, and, for a record about young people in different cells (a referral about
    two), in each group any of them is in; ``by_group`` adds them up."""

    def __init__(self, placement: Placement) -> None:
        self.placement = placement
        self.cells: dict[Hashable, Counter[str]] = defaultdict(Counter)
        self.across_cells: dict[Group, Counter[str]] = defaultdict(Counter)

    def add_for_person(self, person_id: Any, keys: Iterable[str] | Mapping[str, int]) -> None:
        """One young person: each key once (or a count of each key), in their cell."""
        self.cells[self.placement.cell(person_id)].update(keys)

    def add_for_people(self, people: Iterable[Any], keys: list[str]) -> None:
        """A record about these young people, counted once in each group any of them is in."""
        cells = {self.placement.cell(person_id) for person_id in people}
        if len(cells) == 1:
            self.cells[cells.pop()].update(keys)
            return
        groups: set[Group] = set()
        for cell in cells:
            groups.update(self.placement.groups(cell))
        for group in groups:
            self.across_cells[group].update(keys)

    def by_group(self) -> dict[Group, Counter[str]]:
        counts: dict[Group, Counter[str]] = defaultdict(Counter)
        for cell, cell_counts in self.cells.items():
            for group in self.placement.groups(cell):
                counts[group].update(cell_counts)
        for group, group_counts in self.across_cells.items():
            counts[group].update(group_counts)
        return dict(counts)


class Calendar:
    """The periods and months being counted, worked out once (finding which periods include a time is
    asked for every row)."""

    def __init__(self, periods: Sequence[Period]) -> None:
        longest_first = sorted(periods, key=lambda period: period.first_day)
        self.periods = longest_first
        self._starts = [period.start for period in longest_first]
        self._first_days = [period.first_day for period in longest_first]
        self._scopes = [period_scope(period) for period in longest_first]
        self.months = sorted({month for period in periods for month in period.months})
        self._month_starts = [local_midnight(month) for month in self.months]
        self._month_keys = [month.isoformat() for month in self.months]

    def scopes_from(self, when: datetime) -> list[str]:
        """The scopes of the periods that include this time: those that had started by then."""
        return self._scopes[: bisect_right(self._starts, when)]

    def scopes_from_day(self, day: date) -> list[str]:
        return self._scopes[: bisect_right(self._first_days, day)]

    def month(self, when: datetime) -> str | None:
        """The month (its first day, ISO) this time is in, in UK time; None before the first month."""
        index = bisect_right(self._month_starts, when) - 1
        return self._month_keys[index] if index >= 0 else None


def count_facts(facts: Facts, periods: Sequence[Period], placement: Placement) -> dict[Group, Counter[str]]:
    """Every count, for each period and each group."""
    tally = Tally(placement)
    calendar = Calendar(periods)
    _count_referrals(tally, facts, calendar)
    at_risk = _count_risk(tally, facts, calendar)
    _count_missing(tally, facts, calendar)
    _count_interviews(tally, facts, calendar)
    _count_exclusions(tally, facts, calendar, at_risk)
    return tally.by_group()


def _count_referrals(tally: Tally, facts: Facts, calendar: Calendar) -> None:
    subjects_of: dict[Any, list[Any]] = defaultdict(list)
    arrived: dict[Any, datetime] = {}
    person_keys: dict[Any, set[str]] = defaultdict(set)
    per_person_referrals: dict[tuple[Any, str], set[Any]] = defaultdict(set)
    for referral_id, person_id, submitted_at in facts.referral_subjects:
        subjects_of[referral_id].append(person_id)
        arrived[referral_id] = submitted_at
        month = calendar.month(submitted_at)
        keys = person_keys[person_id]
        if month is not None:
            keys.add(key(MONTHLY, "referrals.people", month))
        for scope in calendar.scopes_from(submitted_at):
            keys.add(key(scope, "referrals.people"))
            per_person_referrals[(person_id, scope)].add(referral_id)
            for code in facts.referral_concerns.get(referral_id, ()):
                keys.add(key(scope, "referrals.type.people", code))
    for (person_id, scope), referrals in per_person_referrals.items():
        if len(referrals) >= 2:
            person_keys[person_id].add(key(scope, "referrals.repeat"))
    for person_id, keys in person_keys.items():
        tally.add_for_person(person_id, keys)
    for referral_id, people in subjects_of.items():
        submitted_at = arrived[referral_id]
        month = calendar.month(submitted_at)
        referral_keys: list[str] = []
        if month is not None:
            referral_keys.append(key(MONTHLY, "referrals.referrals", month))
        for scope in calendar.scopes_from(submitted_at):
            referral_keys.append(key(scope, "referrals.referrals"))
            referral_keys.extend(
                key(scope, "referrals.type.referrals", code)
                for code in facts.referral_concerns.get(referral_id, ())
            )
        tally.add_for_people(people, referral_keys)


def _count_risk(tally: Tally, facts: Facts, calendar: Calendar) -> set[Any]:
    """Current levels (the latest still-agreed assessment: agreeing a review closes the one it reviews),
    their exploitation types, and the movement in each period. Returns the young people at risk."""
    latest_at: dict[Any, datetime] = {}
    for _pk, person_id, standing, agreed_at, _rank in facts.assessments:
        if standing and (person_id not in latest_at or agreed_at > latest_at[person_id]):
            latest_at[person_id] = agreed_at
    # Only a merge of two records leaves a young person two assessments still agreed; the latest counts
    # (both, in the unlikely case they were agreed at the same moment, as the database query did).
    current: dict[Any, list[tuple[Any, int | None, datetime]]] = defaultdict(list)
    history: dict[Any, list[tuple[datetime, str, int]]] = defaultdict(list)
    for pk, person_id, standing, agreed_at, rank in facts.assessments:
        if standing and agreed_at == latest_at[person_id]:
            current[person_id].append((pk, rank, agreed_at))
        if rank is not None and person_id in latest_at:
            history[person_id].append((agreed_at, str(pk), rank))
    at_risk: set[Any] = set()
    for person_id, assessments in current.items():
        keys: set[str] = set()
        levels = sorted(history[person_id])
        for pk, rank, agreed_at in assessments:
            keys.add(key(CURRENT, "risk.rank", rank))
            if rank is not None and rank >= AT_RISK_RANK:
                at_risk.add(person_id)
                keys.update(key(CURRENT, "risk.type", code) for code in facts.assessment_types.get(pk, ()))
            for period in calendar.periods:
                if agreed_at < period.start:
                    continue
                keys.add(key(period_scope(period), "risk.move", f"{_start_rank(levels, period)}>{rank}"))
        tally.add_for_person(person_id, keys)
    return at_risk


def _start_rank(levels: list[tuple[datetime, str, int]], period: Period) -> int | None:
    """The level in force when the period began (the latest agreed before it), or else the first level
    agreed in it. ``levels`` are one young person's agreed levels, oldest first."""
    before = [level for level in levels if level[0] < period.start]
    if before:
        return before[-1][2]
    within = [level for level in levels if period.start <= level[0] < period.end]
    return within[0][2] if within else None


def _count_missing(tally: Tally, facts: Facts, calendar: Calendar) -> None:
    """Episodes and young people missing: by month, in each period, repeat episodes, and by where they
    went missing from and whether another authority placed them here."""
    episodes_of: dict[Any, list[tuple[datetime, str, bool, bool]]] = defaultdict(list)
    for person_id, started_at, setting, in_care, out_of_area in facts.episodes:
        episodes_of[person_id].append((started_at, setting, in_care, out_of_area))
    for person_id, episodes in episodes_of.items():
        person_keys: set[str] = set()
        episode_counts: Counter[str] = Counter()
        for started_at, setting, in_care, out_of_area in episodes:
            month = calendar.month(started_at)
            if month is not None:
                person_keys.add(key(MONTHLY, "missing.people", month))
                episode_counts[key(MONTHLY, "missing.episodes", month)] += 1
            for scope in calendar.scopes_from(started_at):
                person_keys.add(key(scope, "missing.people"))
                person_keys.add(key(scope, "missing.setting.people", setting))
                episode_counts[key(scope, "missing.episodes")] += 1
                episode_counts[key(scope, "missing.setting.episodes", setting)] += 1
                if in_care:
                    person_keys.add(key(scope, "missing.care.people"))
                if out_of_area:
                    person_keys.add(key(scope, "missing.out_of_area.people"))
                    episode_counts[key(scope, "missing.out_of_area.episodes")] += 1
        for period in calendar.periods:
            scope = period_scope(period)
            if episode_counts[key(scope, "missing.episodes")] >= 2:
                person_keys.add(key(scope, "missing.repeat"))
        tally.add_for_person(person_id, person_keys)
        tally.add_for_person(person_id, episode_counts)


INTERVIEW_STAGES = ("returns", "offered", "accepted", "declined", "waiting", "completed", "on_time")


def interview_stages(
    status: str, offered_at: Any, accepted_at: Any, completed_at: Any, due_at: Any
) -> list[str]:
    """The stages one return home interview has reached.

    The status moves on (offered, then accepted or declined, then completed); the times say what
    happened before, so an interview held counts as offered and accepted too.
    """
    states = ReturnInterview.Status
    offered = offered_at is not None or status in (
        states.OFFERED,
        states.ACCEPTED,
        states.DECLINED,
        states.COMPLETED,
    )
    accepted = accepted_at is not None or status in (states.ACCEPTED, states.COMPLETED)
    declined = status == states.DECLINED
    completed = status == states.COMPLETED and completed_at is not None
    stages = ["returns"]
    stages += ["offered"] if offered else []
    stages += ["accepted"] if accepted and not declined else []
    stages += ["declined"] if declined else []
    stages += ["waiting"] if offered and not accepted and not declined else []
    stages += ["completed"] if completed else []
    stages += ["on_time"] if completed and due_at is not None and completed_at <= due_at else []
    return stages


def _count_interviews(tally: Tally, facts: Facts, calendar: Calendar) -> None:
    for person_id, returned_at, status, offered_at, accepted_at, completed_at, due_at in facts.interviews:
        stages = interview_stages(status, offered_at, accepted_at, completed_at, due_at)
        keys = [
            key(scope, "interviews", stage) for scope in calendar.scopes_from(returned_at) for stage in stages
        ]
        tally.add_for_person(person_id, keys)


def _count_exclusions(tally: Tally, facts: Facts, calendar: Calendar, at_risk: set[Any]) -> None:
    """Standing suspensions and exclusions that started in the period, of young people at risk now."""
    exclusions_of: dict[Any, list[tuple[str, date]]] = defaultdict(list)
    for person_id, kind, starts_on in facts.exclusions:
        if person_id in at_risk:
            exclusions_of[person_id].append((kind, starts_on))
    for person_id, exclusions in exclusions_of.items():
        person_keys: set[str] = set()
        exclusion_counts: Counter[str] = Counter()
        for kind, starts_on in exclusions:
            for scope in calendar.scopes_from_day(starts_on):
                person_keys.add(key(scope, "exclusions.people"))
                person_keys.add(key(scope, "exclusions.kind.people", kind))
                exclusion_counts[key(scope, "exclusions.kind.exclusions", kind)] += 1
        tally.add_for_person(person_id, person_keys)
        tally.add_for_person(person_id, exclusion_counts)


@dataclass(frozen=True)
class Counts:
    """The counts for one period and one group, as the panels read them."""

    values: dict[str, int]
    period: Period

    def get(self, measure: str, part: object = "") -> int:
        """A count over the whole period."""
        return self.values.get(key(period_scope(self.period), measure, part), 0)

    def current(self, measure: str, part: object = "") -> int:
        return self.values.get(key(CURRENT, measure, part), 0)

    def monthly(self, measure: str) -> dict[date, int]:
        return {
            month: self.values.get(key(MONTHLY, measure, month.isoformat()), 0)
            for month in self.period.months
        }

    def parts(self, scope: str, measure: str) -> dict[str, int]:
        """Every part counted under a measure (the ranks, the moves between them)."""
        prefix = key(scope, measure, "")
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}


def counts_for(values: dict[str, int], period: Period) -> Counts:
    """The counts of one group for one period, from a tally or a summary row."""
    scopes = {CURRENT, period_scope(period)}
    months = {month.isoformat() for month in period.months}
    kept = {}
    for k, v in values.items():
        scope, _measure, part = k.split("|", 2)
        if scope in scopes or (scope == MONTHLY and part in months):
            kept[k] = v
    return Counts(values=kept, period=period)


def count_live(period: Period, people: People) -> Counts:
    """Count the chosen young people now (no summary)."""
    counts = count_facts(read_facts([period], people), [period], Placement())
    return counts_for(dict(counts.get(EVERYONE, Counter())), period)
