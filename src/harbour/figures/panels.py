"""The dashboard's panels: one function per panel, each counting another app's records.

Every function takes the period and the chosen young people (``people``: their ids as a subquery or a list,
or ``None`` for every young person) and returns a ``Panel`` of counts that are already suppressed
(see suppression.py): no number below the threshold leaves this module, in a table or in a chart.
Counts only: no name, date of birth or other detail of anyone is read into a panel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from harbour.assessments.models import Assessment
from harbour.education.models import Exclusion, ExclusionKind
from harbour.figures import suppression
from harbour.figures.filters import Period, month_label
from harbour.frontdoor.models import ConcernType, ReferralSubject
from harbour.missing.models import MissingEpisode, ReturnInterview
from harbour.ui.charts import Chart, TableBuilder, bar_chart, grouped_bar_spec

People = QuerySet[Any] | list[Any] | None  # young people's ids (a subquery or a list), or None for all

# Risk levels are counted by rank, which the assessments app makes comparable across screening tools.
RANK_LABELS = {0: "No identified risk", 1: "Low or standard risk", 2: "Medium risk", 3: "High risk"}
AT_RISK_RANK = 1


@dataclass(frozen=True)
class Headline:
    label: str
    text: str


@dataclass(frozen=True)
class Panel:
    code: str
    title: str
    intro: str
    headlines: tuple[Headline, ...]
    charts: tuple[Chart, ...]


def _of(queryset: QuerySet[Any], people: People, field: str = "person_id") -> QuerySet[Any]:
    if people is None:
        return queryset
    if isinstance(people, list) and connection.vendor == "postgresql":
        # One array parameter, not one placeholder per young person: building and sending thousands
        # of placeholders took longer than PostgreSQL took to answer (SQLite has no arrays).
        return queryset.filter(**{f"{field}__in": RawSQL("SELECT unnest(%s::uuid[])", (people,))})
    return queryset.filter(**{f"{field}__in": people})


def _month(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date(value.year, value.month, 1)
    return date(value.year, value.month, 1)


def _by_month(rows: Iterable[dict[str, Any]], field: str, period: Period) -> dict[date, int]:
    found = {_month(row["month"]): row[field] for row in rows}
    return {month: int(found.get(month) or 0) for month in period.months}


def _rank_label(rank: int) -> str:
    return RANK_LABELS.get(rank, f"Level {rank}")


def _monthly_chart(
    *,
    chart_id: str,
    title: str,
    period: Period,
    series: Sequence[tuple[str, dict[date, int]]],
    totals: Sequence[suppression.Count],
    value_title: str,
    description: str,
    notes: Sequence[str] = (),
) -> Chart:
    """Months across, one bar per series in each; a table of the same with a row for the whole period."""
    shown = [(name, suppression.counts(values, total_shown=True)) for name, values in series]
    table = TableBuilder(caption=title, columns=("Month", *(name for name, _ in series)))
    values: list[tuple[str, str, int | None]] = []
    for month in period.months:
        label = month_label(month)
        table.add(label, *(cells[month].text for _, cells in shown))
        values.extend((label, name, cells[month].value) for name, cells in shown)
    table.add("Whole period", *(total.text for total in totals), total=True)
    table.notes.extend(notes)
    spec = grouped_bar_spec(
        description=description,
        values=values,
        category_title="Month",
        series_title="",
        value_title=value_title,
        series_order=[name for name, _ in series],
    )
    return Chart(id=chart_id, title=title, description=description, spec=spec, table=table.build())


# --- the front door ------------------------------------------------------------------------------------


def referrals_panel(period: Period, people: People) -> Panel:
    """Referrals about young people, and the young people referred, month by month; concern types."""
    subjects = _of(
        ReferralSubject.objects.filter(
            referral__submitted_at__gte=period.start, referral__submitted_at__lt=period.end
        ),
        people,
    )
    monthly = list(
        subjects.annotate(month=TruncMonth("referral__submitted_at"))
        .values("month")
        .annotate(
            referrals=Count("referral_id", distinct=True), young_people=Count("person_id", distinct=True)
        )
        .order_by()
    )
    totals = subjects.aggregate(
        referrals=Count("referral_id", distinct=True), young_people=Count("person_id", distinct=True)
    )
    repeat = (
        subjects.values("person_id")
        .annotate(referrals=Count("referral_id", distinct=True))
        .filter(referrals__gte=2)
        .order_by()
        .count()
    )
    referrals_total = suppression.count(totals["referrals"] or 0)
    people_total = suppression.count(totals["young_people"] or 0)
    monthly_chart = _monthly_chart(
        chart_id="referrals-by-month",
        title="Referrals and young people referred, by month",
        period=period,
        series=[
            ("Referrals", _by_month(monthly, "referrals", period)),
            ("Young people referred", _by_month(monthly, "young_people", period)),
        ],
        totals=[referrals_total, people_total],
        value_title="Number",
        description="Bar chart of referrals to the front door and young people referred, for each month.",
        notes=[
            "A referral about two young people counts once as a referral and once for each young person. "
            "A young person referred in two months counts in each month but once for the whole period.",
        ],
    )

    by_type = {
        row["referral__concern_types__code"]: row
        for row in subjects.filter(referral__concern_types__isnull=False)
        .values("referral__concern_types__code")
        .annotate(
            young_people=Count("person_id", distinct=True), referrals=Count("referral_id", distinct=True)
        )
        .order_by()
    }
    types = list(ConcernType.objects.filter(active=True).values_list("code", "label"))
    people_by_type = suppression.counts(
        {code: (by_type.get(code) or {}).get("young_people", 0) for code, _ in types}
    )
    referrals_by_type = suppression.counts(
        {code: (by_type.get(code) or {}).get("referrals", 0) for code, _ in types}
    )
    table = TableBuilder(
        caption="Concerns raised at the front door", columns=("Concern", "Young people", "Referrals")
    )
    for code, label in types:
        table.add(label, people_by_type[code].text, referrals_by_type[code].text)
    table.notes.append("A referral can raise more than one concern, so the rows do not add up to the totals.")
    description = "Bar chart of the young people referred for each kind of concern."
    types_chart = bar_chart(
        id="referral-concerns",
        title="Concerns raised at the front door",
        description=description,
        values=[(label, people_by_type[code].value) for code, label in types],
        category_title="Concern",
        value_title="Young people",
        table=table.build(),
    )
    return Panel(
        code="referrals",
        title="Referrals to the front door",
        intro="Referrals about young people received in the period, by the month they arrived.",
        headlines=(
            Headline("Referrals", referrals_total.text),
            Headline("Young people referred", people_total.text),
            Headline("Young people referred more than once", suppression.count(repeat).text),
        ),
        charts=(monthly_chart, types_chart),
    )


# --- risk levels (assessments) -------------------------------------------------------------------------


def _agreed(period: Period) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        agreed_level__isnull=False, agreed_at__isnull=False, agreed_at__lt=period.end
    )


def current_assessments(period: Period, people: People) -> QuerySet[Assessment]:
    """Each young person's latest agreed assessment at the end of the period (their current level)."""
    if period.end > timezone.now():
        # The period runs to today, so the latest agreed assessment is the one still agreed: agreeing a
        # review closes the assessment it reviews. Only a merge of two records can leave a young person
        # two, so the latest of those is taken; the status index finds them without reading the 40,000
        # closed ones at scale 100 (the general form below reads every agreed assessment).
        standing = Assessment.objects.filter(status=Assessment.Status.AGREED, agreed_at__isnull=False)
        later = standing.filter(person_id=OuterRef("person_id"), agreed_at__gt=OuterRef("agreed_at"))
        return _of(standing, people).filter(~Exists(later))
    later = _agreed(period).filter(person_id=OuterRef("person_id"), agreed_at__gt=OuterRef("agreed_at"))
    return _of(_agreed(period), people).filter(~Exists(later))


def current_ranks(period: Period, people: People) -> Counter[int]:
    """How many young people are at each current agreed rank, counted in the database (the risk and
    exclusions panels both need it)."""
    rows = (
        current_assessments(period, people)
        .values("agreed_level__rank")
        .annotate(young_people=Count("person_id", distinct=True))
        .order_by()
    )
    return Counter({row["agreed_level__rank"]: row["young_people"] for row in rows})


def risk_panel(period: Period, people: People, by_rank: Counter[int] | None = None) -> Panel:
    """Young people by current agreed risk level; movement between levels over the period; types."""
    current = current_assessments(period, people)
    if by_rank is None:
        by_rank = current_ranks(period, people)
    ranks = sorted(set(RANK_LABELS) | set(by_rank))
    # The young people at risk (rank 1 and above) are shown as a total of their levels; "no identified
    # risk" stands on its own, so no total of every level is shown that would reveal it by subtraction.
    level_counts = suppression.counts(
        {rank: by_rank.get(rank, 0) for rank in ranks if rank >= AT_RISK_RANK}, total_shown=True
    )
    level_counts.update(
        {rank: suppression.count(by_rank.get(rank, 0)) for rank in ranks if rank < AT_RISK_RANK}
    )
    at_risk = suppression.count(sum(n for rank, n in by_rank.items() if rank >= AT_RISK_RANK))
    table = TableBuilder(caption="Young people by current risk level", columns=("Risk level", "Young people"))
    for rank in ranks:
        table.add(_rank_label(rank), level_counts[rank].text)
    table.add("At low or standard risk or above", at_risk.text, total=True)
    table.notes.append(
        "Each young person's level is the one agreed in their latest joint assessment on or before the "
        "end of the period. Levels from different screening tools are counted together by their rank."
    )
    description = "Bar chart of young people by their current agreed risk level."
    levels_chart = bar_chart(
        id="risk-levels",
        title="Young people by current risk level",
        description=description,
        values=[(_rank_label(rank), level_counts[rank].value) for rank in ranks],
        category_title="Risk level",
        value_title="Young people",
        table=table.build(),
    )
    movement_charts, movement_headlines = _movement(period, people, ranks)
    types_chart = _exploitation_types(current)
    return Panel(
        code="risk",
        title="Risk levels",
        intro="Levels agreed in joint exploitation risk assessments, now and how they moved in the period.",
        headlines=(
            Headline("Young people at low or standard risk or above", at_risk.text),
            *movement_headlines,
        ),
        charts=(levels_chart, *movement_charts, types_chart),
    )


def _movement(period: Period, people: People, ranks: list[int]) -> tuple[list[Chart], list[Headline]]:
    """From the level in force when the period began (or, for a young person first assessed in the
    period, the first level agreed in it) to the latest level agreed in the period."""
    # Counted in the database, one row per young person with a level agreed in the period: their latest
    # agreed assessment (which is in the period), with the level in force when the period began (the
    # latest agreed before it) or else the first level agreed in it. Two index lookups a young person
    # on (person, agreed_at), instead of reading every agreed assessment of theirs into Python.
    earlier = _agreed(period).filter(person_id=OuterRef("person_id"))
    in_force = earlier.filter(agreed_at__lt=period.start).order_by("-agreed_at")
    first_in_period = earlier.filter(agreed_at__gte=period.start).order_by("agreed_at")
    pairs = (
        current_assessments(period, people)
        .filter(agreed_at__gte=period.start)
        .annotate(
            start_rank=Coalesce(
                Subquery(in_force.values("agreed_level__rank")[:1]),
                Subquery(first_in_period.values("agreed_level__rank")[:1]),
            )
        )
        .values("start_rank", "agreed_level__rank")
        .annotate(young_people=Count("person_id", distinct=True))
        .order_by()
    )
    moves: Counter[tuple[int, int]] = Counter(
        {(row["start_rank"], row["agreed_level__rank"]): row["young_people"] for row in pairs}
    )
    every_rank = sorted(set(ranks) | {rank for pair in moves for rank in pair})
    cells = suppression.counts(
        {(a, b): moves.get((a, b), 0) for a in every_rank for b in every_rank}, total_shown=True
    )
    matrix = TableBuilder(
        caption="Young people by risk level at the start and end of the period (rows: from; columns: to)",
        columns=("From", *(f"To {_rank_label(rank).lower()}" for rank in every_rank)),
    )
    for before in every_rank:
        matrix.add(_rank_label(before), *(cells[(before, after)].text for after in every_rank))
    matrix.notes.append(
        "Young people with a level agreed in the period. From: the level in force when the period began, or "
        "the first level agreed in the period for a young person first assessed in it. To: the latest "
        "level agreed in the period."
    )
    directions: Counter[str] = Counter()
    for (before, after), young_people in moves.items():
        directions["up" if after > before else "down" if after < before else "same"] += young_people
    direction_counts = suppression.counts(
        {"up": directions["up"], "same": directions["same"], "down": directions["down"]}, total_shown=True
    )
    words = {"up": "Moved up", "same": "Stayed at the same level", "down": "Moved down"}
    table = TableBuilder(
        caption="Movement between risk levels in the period", columns=("Movement", "Young people")
    )
    for key in ("up", "same", "down"):
        table.add(words[key], direction_counts[key].text)
    table.add(
        "Young people with a level agreed in the period",
        suppression.count(sum(moves.values())).text,
        total=True,
    )
    description = (
        "Bar chart of young people whose risk level moved up, stayed the same or moved down in the period."
    )
    chart = bar_chart(
        id="risk-movement",
        title="Movement between risk levels",
        description=description,
        values=[(words[key], direction_counts[key].value) for key in ("up", "same", "down")],
        category_title="Movement",
        value_title="Young people",
        table=table.build(),
    )
    matrix_chart = Chart(
        id="risk-movement-from-to",
        title="From one level to another",
        description="",
        spec={},
        table=matrix.build(),
        empty=True,
    )
    headlines = [
        Headline("Young people whose level moved down in the period", direction_counts["down"].text),
        Headline("Young people whose level moved up in the period", direction_counts["up"].text),
    ]
    return [chart, matrix_chart], headlines


def _exploitation_types(current: QuerySet[Assessment]) -> Chart:
    through = Assessment.exploitation_types.through
    rows = (
        through.objects.filter(
            assessment_id__in=current.filter(agreed_level__rank__gte=AT_RISK_RANK).values("pk")
        )
        .values("concerntype_id")
        .annotate(young_people=Count("assessment__person_id", distinct=True))
        .order_by()
    )
    found: dict[Any, int] = {row["concerntype_id"]: row["young_people"] for row in rows}
    types = list(ConcernType.objects.filter(active=True).values_list("pk", "label"))
    people_by_type = suppression.counts({pk: found.get(pk, 0) for pk, _ in types})
    table = TableBuilder(
        caption="Exploitation types of young people at risk", columns=("Exploitation type", "Young people")
    )
    for pk, label in types:
        table.add(label, people_by_type[pk].text)
    table.notes.append(
        "Young people whose current agreed level is low or standard risk or above, by the exploitation types "
        "recorded with that level. A young person can be at risk of more than one type."
    )
    description = "Bar chart of young people at risk by the type of exploitation agreed in their assessment."
    return bar_chart(
        id="exploitation-types",
        title="Exploitation types",
        description=description,
        values=[(label, people_by_type[pk].value) for pk, label in types],
        category_title="Exploitation type",
        value_title="Young people",
        table=table.build(),
    )


# --- missing episodes and return home interviews ----------------------------------------------------------


def missing_panel(period: Period, people: People) -> Panel:
    """Episodes that started in the period, the young people they were about, and repeat episodes."""
    episodes = _of(
        MissingEpisode.objects.filter(started_at__gte=period.start, started_at__lt=period.end), people
    )
    monthly = list(
        episodes.annotate(month=TruncMonth("started_at"))
        .values("month")
        .annotate(episodes=Count("id"), young_people=Count("person_id", distinct=True))
        .order_by()
    )
    totals = episodes.aggregate(episodes=Count("id"), young_people=Count("person_id", distinct=True))
    repeat = episodes.values("person_id").annotate(n=Count("id")).filter(n__gte=2).order_by().count()
    episodes_total = suppression.count(totals["episodes"] or 0)
    people_total = suppression.count(totals["young_people"] or 0)
    repeat_count = suppression.count(repeat)
    chart = _monthly_chart(
        chart_id="missing-by-month",
        title="Missing episodes and young people missing, by month",
        period=period,
        series=[
            ("Episodes", _by_month(monthly, "episodes", period)),
            ("Young people", _by_month(monthly, "young_people", period)),
        ],
        totals=[episodes_total, people_total],
        value_title="Number",
        description="Bar chart of missing episodes that started, and young people missing, for each month.",
        notes=[
            "Episodes of being missing or away without authorisation, by the month they started. A young "
            "person missing in two months counts in each month but once for the whole period.",
        ],
    )
    return Panel(
        code="missing",
        title="Missing from home or care",
        intro="Missing episodes that started in the period.",
        headlines=(
            Headline("Missing episodes", episodes_total.text),
            Headline("Young people missing (distinct)", people_total.text),
            Headline("Young people missing more than once (repeat)", repeat_count.text),
        ),
        charts=(chart,),
    )


def return_interviews_panel(period: Period, people: People) -> Panel:
    """Return home interviews for the returns in the period: offered, accepted, completed within 72 hours."""
    interviews = _of(
        ReturnInterview.objects.filter(returned_at__gte=period.start, returned_at__lt=period.end), people
    )
    status = ReturnInterview.Status
    # The status moves on (offered, then accepted or declined, then completed); the times say what
    # happened before, so an interview held counts as offered and accepted too.
    offered = Q(offered_at__isnull=False) | Q(
        status__in=[status.OFFERED, status.ACCEPTED, status.DECLINED, status.COMPLETED]
    )
    accepted = Q(accepted_at__isnull=False) | Q(status__in=[status.ACCEPTED, status.COMPLETED])
    declined = Q(status=status.DECLINED)
    completed = Q(status=status.COMPLETED, completed_at__isnull=False)
    figures = interviews.aggregate(
        returns=Count("id"),
        offered=Count("id", filter=offered),
        accepted=Count("id", filter=accepted & ~declined),
        declined=Count("id", filter=declined),
        waiting=Count("id", filter=offered & ~accepted & ~declined),
        completed=Count("id", filter=completed),
        on_time=Count("id", filter=completed & Q(completed_at__lte=F("due_at"))),
    )
    returns = suppression.count(figures["returns"])
    stages = [
        ("offered", "Offered an interview"),
        ("accepted", "Accepted"),
        ("completed", "Completed"),
        ("on_time", "Completed within 72 hours"),
    ]
    cells = {key: suppression.count(figures[key]) for key, _ in stages}
    # Accepted, declined and waiting for an answer add up to offered, which is shown.
    cells.update(
        suppression.counts(
            {key: figures[key] for key in ("accepted", "declined", "waiting")}, total_shown=True
        )
    )
    table = TableBuilder(
        caption="Return home interviews after returns in the period",
        columns=("Stage", "Returns", "Share of returns"),
    )
    table.add("Returns from a missing episode", returns.text, "")
    for key, label in stages:
        table.add(label, cells[key].text, suppression.rate(cells[key], returns))
    table.add("Declined", cells["declined"].text, suppression.rate(cells["declined"], returns))
    table.add("Offered, no answer yet", cells["waiting"].text, suppression.rate(cells["waiting"], returns))
    table.notes.append(
        "Offered: an interview was offered (including those later accepted, declined or held). Accepted: "
        "the young person agreed to it (held or still to be held). Within 72 hours: held by the time it "
        "was due (72 hours after the return, or the hours set for the partnership)."
    )
    description = (
        "Bar chart of returns from missing episodes, and interviews offered, accepted and held in time."
    )
    chart = bar_chart(
        id="return-interviews",
        title="Return home interviews",
        description=description,
        values=[("Returns", returns.value), *((label, cells[key].value) for key, label in stages)],
        category_title="Stage",
        value_title="Returns",
        table=table.build(),
    )
    return Panel(
        code="return-interviews",
        title="Return home interviews",
        intro="Interviews offered to young people after each return from a missing episode in the period.",
        headlines=(
            Headline("Returns", returns.text),
            Headline(
                "Interviews offered",
                f"{cells['offered'].text} ({suppression.rate(cells['offered'], returns)})",
            ),
            Headline(
                "Completed within 72 hours",
                f"{cells['on_time'].text} ({suppression.rate(cells['on_time'], returns)})",
            ),
        ),
        charts=(chart,),
    )


# --- exclusions (education) ----------------------------------------------------------------------------


def exclusions_panel(period: Period, people: People, by_rank: Counter[int] | None = None) -> Panel:
    """Suspensions and permanent exclusions in the period of young people at risk (current level)."""
    if by_rank is None:
        by_rank = current_ranks(period, people)
    # The young people at risk, as a subquery (already narrowed to the chosen young people).
    at_risk_people = (
        current_assessments(period, people).filter(agreed_level__rank__gte=AT_RISK_RANK).values("person_id")
    )
    rows = list(
        Exclusion.objects.filter(
            starts_on__gte=period.first_day,
            starts_on__lte=period.today,
            status__in=Exclusion.STANDING,
            person_id__in=at_risk_people,
        ).values_list("person_id", "kind_id")
    )
    exclusions_by_kind = Counter(kind_id for _, kind_id in rows)
    people_by_kind = Counter(kind_id for person_id, kind_id in set(rows))
    kinds = list(ExclusionKind.objects.filter(active=True).values_list("pk", "label"))
    exclusion_counts = suppression.counts({pk: exclusions_by_kind[pk] for pk, _ in kinds})
    people_counts = suppression.counts({pk: people_by_kind[pk] for pk, _ in kinds})
    at_risk_total = suppression.count(sum(n for rank, n in by_rank.items() if rank >= AT_RISK_RANK))
    excluded = suppression.count(len({person_id for person_id, _ in rows}))
    table = TableBuilder(
        caption="Suspensions and exclusions of young people at risk",
        columns=("Kind", "Young people", "Exclusions"),
    )
    for pk, label in kinds:
        table.add(label, people_counts[pk].text, exclusion_counts[pk].text)
    table.notes.append(
        "Young people at risk: those whose current agreed level is low or standard risk or above. Exclusions "
        "that started in the period and stand (not overturned or withdrawn)."
    )
    description = "Bar chart of young people at risk suspended or excluded in the period, by kind."
    chart = bar_chart(
        id="exclusions",
        title="Suspensions and exclusions of young people at risk",
        description=description,
        values=[(label, people_counts[pk].value) for pk, label in kinds],
        category_title="Kind",
        value_title="Young people",
        table=table.build(),
    )
    return Panel(
        code="exclusions",
        title="Exclusions among young people at risk",
        intro="Suspensions and permanent exclusions from school that started in the period.",
        headlines=(
            Headline("Young people at risk", at_risk_total.text),
            Headline(
                "Of them, suspended or excluded in the period",
                f"{excluded.text} ({suppression.rate(excluded, at_risk_total)})",
            ),
        ),
        charts=(chart,),
    )


PANELS = (referrals_panel, risk_panel, missing_panel, return_interviews_panel, exclusions_panel)


def all_panels(period: Period, people: People) -> list[Panel]:
    by_rank = current_ranks(period, people)
    return [
        referrals_panel(period, people),
        risk_panel(period, people, by_rank),
        missing_panel(period, people),
        return_interviews_panel(period, people),
        exclusions_panel(period, people, by_rank),
    ]
