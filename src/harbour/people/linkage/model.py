"""The Splink model for batch linkage: comparisons, blocking rules, thresholds and training.

Written as DuckDB SQL conditions marked with their dialect, so Splink (through sqlglot) can translate
them for Spark. The records are prepared first (run.py ``PREPARE_SQL``): names folded, a nickname
group list, surname parts, every postcode of the address history. See docs/matching.md, "Batch linkage".
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from splink import Linker, SettingsCreator, block_on
from splink import comparison_library as cl

# Pairs at or above this probability are linked without a person checking (the clusters in the
# output). Precision first: a wrong link is worse than a missed one. The interactive matcher's
# threshold too. It was 0.995 until the twins rule kept brothers and sisters apart in more cases
# (names alike, one date of birth missing, boy and girl twins): at 1,000,000 records the probability
# of the same names and birthday at a different address falls to about 0.99 (the prior falls tenfold
# from 100,000), and 0.99 then keeps precision above 0.99 (benchmarks/README.md).
AUTO_LINK_THRESHOLD = 0.99
# Pairs at or above this (and below the auto-link threshold) are written out for a person to review.
REVIEW_THRESHOLD = 0.5
# How many of the true matches the deterministic rules below are assumed to find; sets the prior
# (probability two random records match). Measured on the labelled generator: about 0.6.
DETERMINISTIC_RECALL = 0.6
U_SAMPLE_PAIRS = 3e6
EM_MAX_PAIRS = 1e6
SEED = 42

# Set, not measured: a different first name on the same date of birth is the mark of twins (or
# siblings recorded with a wrong date), so it weighs heavily against. A wrong merge is worse than a
# missed one. m and u are fixed so training cannot move them.
TWINS_M = 1e-12
TWINS_U = 0.01
# Two files each listing a young person at most once (`harbour link A --link-to B --one-to-one`): pairs
# at or above this are resolved one-to-one, best first, the twins rule holding.
ONE_TO_ONE_THRESHOLD = 0.99
# Two files listing the same young people, each once (`... --same-people`): then, between two records
# still without a partner, a pair the twins rule kept apart, scored with the twins levels weighing as any
# different first name, is linked at or above this. One twin in each file would be linked too, which
# is why it needs the user's word that both files hold the same young people (docs/matching.md).
SAME_PEOPLE_THRESHOLD = 0.99
# Set, not measured: what the second pass takes as the m of a wholly different first name when training
# could not estimate it. Training sees that level only in blocks where the twins rule does not catch a
# different first name first (records sharing an NHS number or UPN); a file without identifiers leaves
# it unestimated. 0.05: one young person's two records carry wholly different first names about one time
# in twenty (a preferred or anglicised name, a name keyed into the wrong field).
DIFFERENT_FIRST_NAME_M = 0.05
# The end of the twins levels' labels, by which twins_rule_set_aside finds them in a saved model.
TWINS_MARK = "(twins?)"

# Set, not measured: two different valid NHS numbers or UPNs are two different young people, apart
# from registration errors that the merge review handles.
DIFFERENT_IDENTIFIER_M = 1e-6


def _level(sql: str, label: str, **configure: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "base_dialect_str": "duckdb", **configure}


def _null(column: str) -> dict[str, Any]:
    return _level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', "missing", is_null_level=True)


def _else() -> dict[str, Any]:
    return _level("ELSE", "different")


def _close_names(a: str, b: str) -> str:
    """Two folded names that are the same, a typo apart, or share a word (one part of a surname)."""
    return (
        f"({a} = {b} OR jaro_winkler_similarity({a}, {b}) >= 0.92 "
        f"OR list_has_any(string_split({a}, ' '), string_split({b}, ' ')))"
    )


def swapped(first_l: str, surname_r: str, surname_l: str, first_r: str) -> str:
    """First and last name the wrong way round on one side, each as written or a slip away (a typo
    or one part of a double-barrelled surname): the swap is often not the record's only mess."""
    return f"{_close_names(first_l, surname_r)} AND {_close_names(surname_l, first_r)}"


def _same_or_near_birthday() -> str:
    """The same date of birth, or one slip away (a digit, or day and month swapped): twins, or one
    twin's date keyed wrongly."""
    return (
        "coalesce(copy_dob_l = copy_dob_r OR damerau_levenshtein(copy_dob_l, copy_dob_r) <= 1 "
        "OR copy_dob_swapped_l = copy_dob_r, false)"
    )


def _identifier_agrees() -> str:
    """The same NHS number or UPN, or one keyed with a slip that no two valid numbers can show: it is
    one young person, which outweighs the twins rule. Two different numbers fall to the
    identifier's own "different" level, which keeps them apart anyway."""
    return (
        f"(coalesce({same_or_one_slip('copy_nhs_number')}, false) "
        f"OR coalesce({same_or_one_slip('copy_upn')}, false))"
    )


def first_name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            _null("first_name"),
            _level(
                "first_name_l = first_name_r",
                "same",
                tf_adjustment_column="first_name",
                tf_adjustment_weight=1.0,
            ),
            # Neutral here: the surname comparison carries the evidence of a swap, once.
            _level(
                swapped("first_name_l", "copy_surname_r", "copy_surname_l", "first_name_r"),
                "first and last name swapped",
                m_probability=0.5,
                u_probability=0.5,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            # Boy and girl twins are often given names that look alike or share a nickname (Oliver and
            # Olivia, Alexandra and Alexandru, Charlie and Charlotte): a close first name with a
            # different gender on the same birthday falls to the twins rule, before nicknames and typos.
            _level(
                f"gender_l <> gender_r AND {_same_or_near_birthday()} AND NOT {_identifier_agrees()}",
                f"close first name, different gender, same or nearly the same date of birth {TWINS_MARK}",
                m_probability=TWINS_M,
                u_probability=TWINS_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level("list_has_any(first_name_groups_l, first_name_groups_r)", "nickname or other spelling"),
            # A keying slip: one letter dropped or added, or two swapped (Mia and Mai, Sam and Sa, at any
            # length; not one letter changed, as in twins named Jayden and Jaylen), a space slipped
            # in, or two slips in a longer name that starts the same.
            _level(
                "jaro_winkler_similarity(first_name_l, first_name_r) >= 0.92 "
                "OR (damerau_levenshtein(first_name_l, first_name_r) = 1 AND (length(first_name_l) <> "
                "length(first_name_r) OR list_sort(string_split(first_name_l, '')) = "
                "list_sort(string_split(first_name_r, '')))) "
                "OR replace(first_name_l, ' ', '') = replace(first_name_r, ' ', '') "
                "OR (left(first_name_l, 1) = left(first_name_r, 1) AND length(first_name_l) >= 5 "
                "AND damerau_levenshtein(first_name_l, first_name_r) <= 2)",
                "typo",
            ),
            # The twins rule, before the weaker name levels: brothers and sisters are often given
            # names that look alike (Aiden and Daniel, Theo and Thomas) or each other's middle names.
            _level(
                f"(copy_dob_l IS NULL OR copy_dob_r IS NULL OR {_same_or_near_birthday()}) "
                f"AND NOT {_identifier_agrees()}",
                f"different first name, same or nearly the same date of birth, or one missing {TWINS_MARK}",
                m_probability=TWINS_M,
                u_probability=TWINS_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                "list_contains(middle_names_r, first_name_l) OR list_contains(middle_names_l, first_name_r)",
                "a middle name of the other",
            ),
            _level("jaro_winkler_similarity(first_name_l, first_name_r) >= 0.8", "similar"),
            _else(),
        ],
    )


def twins_rule_set_aside(trained: dict[str, Any]) -> dict[str, Any]:
    """A trained model (as saved) whose twins levels weigh what a different first name weighs.

    The same model in every other respect: for the second pass of one-to-one linkage of two files,
    where the assignment, not the weight, keeps twins who are both in both files apart.
    """
    relaxed = copy.deepcopy(trained)
    for comparison in relaxed["comparisons"]:
        levels = comparison["comparison_levels"]
        different = next((level for level in levels if level.get("label_for_charts") == "different"), None)
        twins = [level for level in levels if str(level.get("label_for_charts", "")).endswith(TWINS_MARK)]
        if not twins or different is None or different.get("u_probability") is None:
            continue  # not the first-name comparison, or a model trained on too little to say
        for level in twins:
            level["m_probability"] = different.get("m_probability") or DIFFERENT_FIRST_NAME_M
            level["u_probability"] = different["u_probability"]
    return relaxed


def surname_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            _null("surname"),
            _level("surname_l = surname_r", "same", tf_adjustment_column="surname", tf_adjustment_weight=1.0),
            _level(
                swapped("first_name_l", "surname_r", "surname_l", "first_name_r"),
                "first and last name swapped",
            ),
            _level(
                "(len(surname_parts_l) > 1 OR len(surname_parts_r) > 1) "
                "AND list_has_any(surname_parts_l, surname_parts_r)",
                "one part of a double-barrelled surname",
            ),
            _level("jaro_winkler_similarity(surname_l, surname_r) >= 0.92", "typo"),
            _level("jaro_winkler_similarity(surname_l, surname_r) >= 0.8", "similar"),
            _else(),
        ],
    )


def date_of_birth_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            _null("dob"),
            _level("dob_l = dob_r", "same"),
            _level(
                "dob_year_l = dob_year_r AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
                "day and month swapped",
            ),
            _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one digit slipped"),
            _level("dob_year_l = dob_year_r AND dob_month_l = dob_month_r", "same month"),
            _else(),
        ],
    )


def home_comparison() -> cl.CustomComparison:
    """Postcode and address line as one comparison: brothers and sisters share both, so counting them
    as two independent pieces of evidence would overstate a shared home."""
    return cl.CustomComparison(
        output_column_name="home",
        comparison_levels=[
            _level(
                "(postcode_l IS NULL AND address_l IS NULL) OR (postcode_r IS NULL AND address_r IS NULL)",
                "missing",
                is_null_level=True,
            ),
            _level("postcode_l = postcode_r AND address_l = address_r", "same address and postcode"),
            _level("postcode_l = postcode_r", "same postcode"),
            _level("address_l = address_r AND outward_l = outward_r", "same address, postcode slip"),
            _level(
                "list_has_any(postcodes_l, postcodes_r) OR list_has_any(addresses_l, addresses_r)",
                "an earlier address",
            ),
            _level(
                "outward_l = outward_r AND jaro_winkler_similarity(address_l, address_r) >= 0.9",
                "similar address, same district",
            ),
            _level("outward_l = outward_r", "same district"),
            _else(),
        ],
    )


def one_slip(column: str) -> str:
    """One digit (or letter) changed, or two swapped, next to each other or not, in an identifier.

    The check digit of an NHS number (modulus 11, weights 10 to 2, and 1 for the check digit) and the
    check letter of a UPN (modulus 23, weights 2 to 13) refuse every such slip: a changed digit moves
    the weighted sum by (weight) x (difference), and two different digits swapped move it by
    (difference of weights) x (difference of digits), neither of which the prime modulus divides.
    So two numbers that pass the check are never one slip apart, not even twins' numbers issued one
    after the other: one slip is one number keyed wrongly where the source did not check it, and it
    overrides the twins rule as the same number does.
    """
    left, right = f"{column}_l", f"{column}_r"
    return (
        f"(length({left}) = length({right}) AND (damerau_levenshtein({left}, {right}) = 1 "
        f"OR (hamming({left}, {right}) = 2 "
        f"AND list_sort(string_split({left}, '')) = list_sort(string_split({right}, '')))))"
    )


def same_or_one_slip(column: str) -> str:
    return f"({column}_l = {column}_r OR {one_slip(column)})"


def identifier_comparison(column: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            _null(column),
            _level(f"{column}_l = {column}_r", "same"),
            # One number keyed wrongly where the source did not check it. Trained, not fixed.
            _level(one_slip(column), "one slip"),
            _level("ELSE", "different", m_probability=DIFFERENT_IDENTIFIER_M, fix_m_probability=True),
        ],
    )


def exact_comparison(column: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[_null(column), _level(f"{column}_l = {column}_r", "same"), _else()],
    )


def middle_names_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_names",
        comparison_levels=[
            _level(
                "middle_names_l IS NULL OR middle_names_r IS NULL "
                "OR len(middle_names_l) = 0 OR len(middle_names_r) = 0",
                "missing",
                is_null_level=True,
            ),
            _level("list_has_any(middle_names_l, middle_names_r)", "a middle name in common"),
            _else(),
        ],
    )


def blocking_rules() -> list[Any]:
    """Pairs worth scoring: the union of these. Each catches a mess the others miss."""
    return [
        block_on("nhs_number"),
        block_on("upn"),
        block_on("first_name", "dob"),
        block_on("surname", "dob"),
        block_on("dob", "postcode"),
        block_on("first_name", "surname", "dob_year"),
        block_on("surname", "postcode"),
        block_on("first_name", "postcode"),
        # First and last name the wrong way round.
        "l.first_name = r.surname AND l.surname = r.first_name",
        # A nickname with a house move: the same surname and nickname group, born the same month.
        block_on("first_name_key", "surname", "dob_year", "dob_month"),
        # No date of birth on one side: the same names, wherever they live.
        "l.first_name = r.first_name AND l.surname = r.surname AND (l.dob IS NULL OR r.dob IS NULL)",
        # Both names keyed wrongly and the postcode too: the same address line and date of birth.
        block_on("dob", "address"),
    ]


def harbour_settings(*, link_type: str = "dedupe_only") -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            first_name_comparison(),
            surname_comparison(),
            date_of_birth_comparison(),
            home_comparison(),
            identifier_comparison("nhs_number"),
            identifier_comparison("upn"),
            exact_comparison("gender"),
            middle_names_comparison(),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


# Deterministic rules that admit almost no false matches; with DETERMINISTIC_RECALL they set the prior.
DETERMINISTIC_RULES: list[Any] = [
    "l.nhs_number = r.nhs_number",
    "l.upn = r.upn",
    "l.first_name = r.first_name AND l.surname = r.surname AND l.dob = r.dob",
]
# Expectation maximisation estimates each comparison's m from pairs blocked on other columns. Blocks
# with fewer than MIN_EM_PAIRS pairs in the data are skipped (a file without NHS numbers, say).
EM_BLOCKS: list[tuple[str, ...]] = [
    # Records sharing an NHS number or UPN are nearly all the same young person, so these blocks show
    # how names, dates of birth and postcodes vary for one person (siblings never share them).
    ("nhs_number",),
    ("upn",),
    # Twins and siblings also share a date of birth and postcode; the fixed twins level keeps them apart.
    ("dob", "postcode"),
    # Estimates the identifiers themselves, and postcode and gender.
    ("first_name", "surname", "dob"),
    # Estimates the date of birth when no identifier block has enough pairs.
    ("first_name", "surname"),
]
MIN_EM_PAIRS = 100


def train(linker: Linker, *, pairs_in_block: Callable[[tuple[str, ...]], int]) -> list[tuple[str, ...]]:
    """Estimate the model from the data alone (no labels); returns the training blocks used."""
    linker.training.estimate_probability_two_random_records_match(
        DETERMINISTIC_RULES, recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    counts = {block: pairs_in_block(block) for block in EM_BLOCKS}
    used = [block for block in EM_BLOCKS if counts[block] >= MIN_EM_PAIRS]
    if not used:  # a small file: the best block it has, rather than no estimate at all
        used = [max(EM_BLOCKS, key=lambda block: counts[block])] if any(counts.values()) else []
    for block in used:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*block), estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
        )
    return used


# --- the plain model, the benchmark's baseline ---------------------------------------------------------


def plain_settings() -> SettingsCreator:
    """Splink's own example model (names, date of birth, postcode, town with term frequencies)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("town").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "dob"),
            block_on("surname", "dob"),
            block_on("first_name", "surname"),
            block_on("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


PLAIN_DETERMINISTIC_RULES: list[Any] = [
    "l.first_name = r.first_name AND l.surname = r.surname AND l.dob = r.dob"
]
PLAIN_EM_RULES = [block_on("first_name", "surname"), block_on("dob")]
