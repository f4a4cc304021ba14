"""The dashboard's panels: one function per panel, each turning counts into headlines, charts and tables.

Every function takes the counts for the period and the chosen young people (``counting.Counts``, from
the summary or counted live) and returns a ``Panel`` whose numbers are already suppressed (see
suppression.py): no number below the threshold leaves this module, in a table or in a chart.
Counts only: no name, date of birth or other detail of anyone reaches a panel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from harbour.education.models import ExclusionKind
from harbour.figures import suppression
from harbour.figures.counting import AT_RISK_RANK, CURRENT, INTERVIEW_STAGES, Counts, period_scope
from harbour.figures.filters import Period, month_label
from harbour.frontdoor.models import ConcernType
from harbour.missing.models import MissingSetting
from harbour.ui.charts import Chart, TableBuilder, bar_chart, grouped_bar_spec

# Risk levels are counted by rank, which the assessments app makes comparable across screening tools.
RANK_LABELS = {0: "No identified risk", 1: "Low or standard risk", 2: "Medium risk", 3: "High risk"}


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


def _rank_label(rank: int) -> str:
    return RANK_LABELS.get(rank, f"Level {rank}")


def _rank(part: str) -> int | None:
    return None if part == "None" else int(part)


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


def referrals_panel(counts: Counts) -> Panel:
    """Referrals about young people, and the young people referred, month by month; concern types."""
    period = counts.period
    referrals_total = suppression.count(counts.get("referrals.referrals"))
    people_total = suppression.count(counts.get("referrals.people"))
    repeat = counts.get("referrals.repeat")
    monthly_chart = _monthly_chart(
        chart_id="referrals-by-month",
        title="Referrals and young people referred, by month",
        period=period,
        series=[
            ("Referrals", counts.monthly("referrals.referrals")),
            ("Young people referred", counts.monthly("referrals.people")),
        ],
        totals=[referrals_total, people_total],
        value_title="Number",
        description="Bar chart of referrals to the front door and young people referred, for each month.",
        notes=[
            "A referral about two young people counts once as a referral and once for each young person. "
            "A young person referred in two months counts in each month but once for the whole period.",
        ],
    )

    types = list(ConcernType.objects.filter(active=True).values_list("code", "label"))
    people_by_type = suppression.counts(
        {code: counts.get("referrals.type.people", code) for code, _ in types}
    )
    referrals_by_type = suppression.counts(
        {code: counts.get("referrals.type.referrals", code) for code, _ in types}
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


def _current_ranks(counts: Counts) -> Counter[int]:
    """Young people at each current agreed rank (a level without a rank is left out)."""
    found: Counter[int] = Counter()
    for part, young_people in counts.parts(CURRENT, "risk.rank").items():
        rank = _rank(part)
        if rank is not None:
            found[rank] += young_people
    return found


def risk_panel(counts: Counts) -> Panel:
    """Young people by current agreed risk level; movement between levels over the period; types."""
    by_rank = _current_ranks(counts)
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
    movement_charts, movement_headlines = _movement(counts, ranks)
    types_chart = _exploitation_types(counts)
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


def _movement(counts: Counts, ranks: list[int]) -> tuple[list[Chart], list[Headline]]:
    """From the level in force when the period began (or, for a young person first assessed in the
    period, the first level agreed in it) to the latest level agreed in the period."""
    moves: Counter[tuple[int, int]] = Counter()
    for part, young_people in counts.parts(period_scope(counts.period), "risk.move").items():
        before, after = (_rank(rank) for rank in part.split(">"))
        if before is not None and after is not None:
            moves[(before, after)] += young_people
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


def _exploitation_types(counts: Counts) -> Chart:
    types = list(ConcernType.objects.filter(active=True).values_list("code", "label"))
    people_by_type = suppression.counts({code: counts.current("risk.type", code) for code, _ in types})
    table = TableBuilder(
        caption="Exploitation types of young people at risk", columns=("Exploitation type", "Young people")
    )
    for code, label in types:
        table.add(label, people_by_type[code].text)
    table.notes.append(
        "Young people whose current agreed level is low or standard risk or above, by the exploitation types "
        "recorded with that level. A young person can be at risk of more than one type."
    )
    description = "Bar chart of young people at risk by the type of exploitation agreed in their assessment."
    return bar_chart(
        id="exploitation-types",
        title="Exploitation types",
        description=description,
        values=[(label, people_by_type[code].value) for code, label in types],
        category_title="Exploitation type",
        value_title="Young people",
        table=table.build(),
    )


# --- missing episodes and return home interviews ----------------------------------------------------------


def missing_panel(counts: Counts) -> Panel:
    """Episodes that started in the period, the young people they were about, and repeat episodes."""
    period = counts.period
    episodes_total = suppression.count(counts.get("missing.episodes"))
    people_total = suppression.count(counts.get("missing.people"))
    repeat_count = suppression.count(counts.get("missing.repeat"))
    chart = _monthly_chart(
        chart_id="missing-by-month",
        title="Missing episodes and young people missing, by month",
        period=period,
        series=[
            ("Episodes", counts.monthly("missing.episodes")),
            ("Young people", counts.monthly("missing.people")),
        ],
        totals=[episodes_total, people_total],
        value_title="Number",
        description="Bar chart of missing episodes that started, and young people missing, for each month.",
        notes=[
            "Episodes of being missing or away without authorisation, by the month they started. A young "
            "person missing in two months counts in each month but once for the whole period.",
        ],
    )
    settings_chart, from_care = _missing_settings(counts)
    return Panel(
        code="missing",
        title="Missing from home or care",
        intro="Missing episodes that started in the period.",
        headlines=(
            Headline("Missing episodes", episodes_total.text),
            Headline("Young people missing (distinct)", people_total.text),
            Headline("Young people missing more than once (repeat)", repeat_count.text),
            Headline(
                "Young people missing from care",
                f"{from_care.text} ({suppression.rate(from_care, people_total)})",
            ),
        ),
        charts=(chart, settings_chart),
    )


def _missing_settings(counts: Counts) -> tuple[Chart, suppression.Count]:
    """Where young people went missing from (home, a care placement, another setting: reference data),
    and those placed here by another local authority. Returns the chart and the young people missing
    from a care placement (distinct across the care settings)."""
    people = counts.parts(period_scope(counts.period), "missing.setting.people")
    episodes = counts.parts(period_scope(counts.period), "missing.setting.episodes")
    # Active settings in their order, and any retired setting that still has episodes in the period:
    # leaving those out would make the rows add up to less than the total.
    settings = [
        (code, label, in_care)
        for code, label, in_care, active in MissingSetting.objects.order_by(
            "sort_order", "label"
        ).values_list("code", "label", "in_care", "active")
        if active or code in episodes
    ]
    people_shown = suppression.counts({code: people.get(code, 0) for code, _, _ in settings})
    # Each episode has one setting, so the episodes add up to the total shown beside them.
    episodes_shown = suppression.counts(
        {code: episodes.get(code, 0) for code, _, _ in settings}, total_shown=True
    )
    out_of_area_people = suppression.count(counts.get("missing.out_of_area.people"))
    out_of_area_episodes = suppression.count(counts.get("missing.out_of_area.episodes"))
    table = TableBuilder(
        caption="Where young people went missing from",
        columns=("Missing from", "Young people", "Episodes"),
    )
    for code, label, _ in settings:
        table.add(label, people_shown[code].text, episodes_shown[code].text)
    table.add(
        "Placed here by another local authority (out of area)",
        out_of_area_people.text,
        out_of_area_episodes.text,
    )
    table.notes.append(
        "Episodes that started in the period, by where the young person went missing from. A young person "
        "missing from two settings counts in each row. Out of area: the young person was placed in the "
        "county by another local authority, which is told of each episode; they are counted in their "
        "setting's row too."
    )
    description = "Bar chart of young people missing in the period, by where they went missing from."
    chart = bar_chart(
        id="missing-settings",
        title="Where young people went missing from",
        description=description,
        values=[
            *((label, people_shown[code].value) for code, label, _ in settings),
            ("Out of area", out_of_area_people.value),
        ],
        category_title="Missing from",
        value_title="Young people",
        table=table.build(),
    )
    from_care = suppression.count(counts.get("missing.care.people"))
    return chart, from_care


def return_interviews_panel(counts: Counts) -> Panel:
    """Return home interviews for the returns in the period: offered, accepted, completed within 72 hours."""
    figures = {stage: counts.get("interviews", stage) for stage in INTERVIEW_STAGES}
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


def exclusions_panel(counts: Counts) -> Panel:
    """Suspensions and permanent exclusions in the period of young people at risk (current level)."""
    by_rank = _current_ranks(counts)
    kinds = list(ExclusionKind.objects.filter(active=True).values_list("code", "label"))
    exclusion_counts = suppression.counts(
        {code: counts.get("exclusions.kind.exclusions", code) for code, _ in kinds}
    )
    people_counts = suppression.counts(
        {code: counts.get("exclusions.kind.people", code) for code, _ in kinds}
    )
    at_risk_total = suppression.count(sum(n for rank, n in by_rank.items() if rank >= AT_RISK_RANK))
    excluded = suppression.count(counts.get("exclusions.people"))
    table = TableBuilder(
        caption="Suspensions and exclusions of young people at risk",
        columns=("Kind", "Young people", "Exclusions"),
    )
    for code, label in kinds:
        table.add(label, people_counts[code].text, exclusion_counts[code].text)
    table.notes.append(
        "Young people at risk: those whose current agreed level is low or standard risk or above. Exclusions "
        "that started in the period and stand (not overturned or withdrawn)."
    )
    description = "Bar chart of young people at risk suspended or excluded in the period, by kind."
    chart = bar_chart(
        id="exclusions",
        title="Suspensions and exclusions of young people at risk",
        description=description,
        values=[(label, people_counts[code].value) for code, label in kinds],
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


def all_panels(counts: Counts) -> list[Panel]:
    return [
        referrals_panel(counts),
        risk_panel(counts),
        missing_panel(counts),
        return_interviews_panel(counts),
        exclusions_panel(counts),
    ]
