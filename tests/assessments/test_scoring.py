"""The scoring engine: pure functions, and the two shipped tools as configuration."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.assessments import scoring

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "src/harbour/assessments/reference/assessments.json").read_text()
)
VERSIONS = {row["code"]: row for row in REFERENCE["assessments.ScreeningToolVersion"]}
RANKS = {row["code"]: row["rank"] for row in REFERENCE["assessments.RiskLevel"]}
INDICATORS = [row["code"] for row in REFERENCE["assessments.Indicator"]]
NORFOLK = VERSIONS["norfolk-screening-2024"]["rule"]
SERAF = VERSIONS["seraf-screening-2024"]["rule"]

answers = st.lists(
    st.tuples(st.sampled_from(INDICATORS), st.sampled_from(scoring.TIMEFRAMES)), max_size=len(INDICATORS)
)


@pytest.mark.parametrize("rule", [NORFOLK, SERAF], ids=["norfolk", "seraf"])
@settings(max_examples=200, deadline=None)
@given(given_answers=answers, added=st.sampled_from(INDICATORS))
def test_adding_a_current_indicator_never_lowers_the_level(rule, given_answers, added):
    before = scoring.score(rule, given_answers, RANKS)
    after = scoring.score(rule, [*given_answers, (added, "current")], RANKS)
    assert RANKS[after.level] >= RANKS[before.level]
    if before.points is not None:
        assert after.points is not None
        assert after.points >= before.points


@pytest.mark.parametrize("rule", [NORFOLK, SERAF], ids=["norfolk", "seraf"])
@settings(max_examples=100, deadline=None)
@given(given_answers=answers)
def test_order_and_repeats_do_not_change_the_level(rule, given_answers):
    once = scoring.score(rule, given_answers, RANKS)
    twice = scoring.score(rule, list(reversed(given_answers)) * 2, RANKS)
    assert once.level == twice.level


def test_shipped_rules_validate():
    codes = set(INDICATORS)
    for version in VERSIONS.values():
        tool = version["tool"]
        ranks = {
            row["code"]: row["rank"] for row in REFERENCE["assessments.RiskLevel"] if row["tool"] == tool
        }
        scoring.validate_rule(version["rule"], indicator_codes=codes, level_ranks=ranks)


# --- Norfolk-style worked examples -------------------------------------------------------------------


def test_norfolk_nothing_answered_yes_is_no_identified_risk():
    assert scoring.score(NORFOLK, [], RANKS).level == "norfolk-no-risk"


def test_norfolk_highest_indicator_sets_the_level():
    result = scoring.score(
        NORFOLK, [("education-suspension-12m", "current"), ("missing-repeat", "current")], RANKS
    )
    assert result.level == "norfolk-medium"
    assert scoring.score(NORFOLK, [("travel-county-lines", "current")], RANKS).level == "norfolk-high"


def test_norfolk_three_medium_indicators_make_it_high():
    two = [("missing-repeat", "current"), ("money-unexplained-gifts", "current")]
    assert scoring.score(NORFOLK, two, RANKS).level == "norfolk-medium"
    three = [*two, ("online-contact-with-unknown-adults", "current")]
    assert scoring.score(NORFOLK, three, RANKS).level == "norfolk-high"


def test_norfolk_counts_only_current_indicators():
    earlier = [("travel-county-lines", "6-12-months")]
    assert scoring.score(NORFOLK, earlier, RANKS).level == "norfolk-no-risk"


# --- SERAF-style worked examples ----------------------------------------------------------------------


def test_seraf_points_and_bands():
    # 3 + 3 + 3 = 9 points: still low (medium starts at 10).
    nine = [
        ("missing-repeat", "current"),
        ("money-unexplained-gifts", "current"),
        ("education-missing-education", "current"),
    ]
    result = scoring.score(SERAF, nine, RANKS)
    assert result.points == Decimal(9)
    assert result.level == "seraf-low"
    # + 4 (county lines) = 13: medium.
    assert scoring.score(SERAF, [*nine, ("travel-county-lines", "current")], RANKS).level == "seraf-medium"


def test_seraf_earlier_indicators_count_half_and_once():
    both = [("travel-county-lines", "6-12-months")]
    assert scoring.score(SERAF, both, RANKS).points == Decimal(2)
    # Answered for both timeframes by two agencies: counted once, at the heavier weight.
    assert scoring.score(SERAF, [*both, ("travel-county-lines", "current")], RANKS).points == Decimal(4)


def test_seraf_reaches_high_at_twenty():
    codes = [
        "travel-county-lines",
        "money-debt",
        "offending-weapons",
        "relationships-gang-association",
        "wellbeing-fearful",
    ]
    result = scoring.score(SERAF, [(code, "current") for code in codes], RANKS)
    assert result.points == Decimal(20)
    assert result.level == "seraf-high"


# --- the validator -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "other", "indicators": {"a": 1}}, "kind"),
        ({"kind": "points", "indicators": {"a": -1}, "bands": [{"min": 0, "level": "l"}]}, "zero or more"),
        ({"kind": "points", "indicators": {"a": 1}, "bands": [{"min": 5, "level": "l"}]}, "start at 0"),
        (
            {
                "kind": "points",
                "indicators": {"a": 1},
                "bands": [{"min": 0, "level": "h"}, {"min": 5, "level": "l"}],
            },
            "never give a lower level",
        ),
        ({"kind": "levels", "indicators": {"zzz": "l"}, "default_level": "l"}, "Unknown indicators"),
        ({"kind": "levels", "indicators": {"a": "nope"}, "default_level": "l"}, "Unknown levels"),
    ],
)
def test_validator_refuses_unusable_rules(rule, message):
    with pytest.raises(scoring.RuleError, match=message):
        scoring.validate_rule(rule, indicator_codes={"a"}, level_ranks={"l": 1, "h": 3})
