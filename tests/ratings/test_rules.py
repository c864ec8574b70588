"""The star rules (ratings/workflow/rules.py): total with capped bonus/deduction → band → promotion limit
→ quotas across the cycle, and the explanation in words. Pure functions, no database.

Expected values here come from the rating rules as the committee applies them (issue 4): capped
bonus and deduction, the star bands, at most one star up a year, the quotas — worked out by hand,
not from the code.
"""

import math
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ratings.workflow.rules import Band, Candidate, Rules, decide

STANDARD = ((5, 95), (4, 85), (3, 75), (2, 65), (1, 60))
# "Another committee uses 90/80/70/60": four levels, 1★ from 60.
TEN_STEP = ((4, 90), (3, 80), (2, 70), (1, 60))
CN = {0: "无星", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


def make_rules(bands=STANDARD, quotas=None, **kwargs):
    quotas = quotas or {}
    return Rules(
        bands=tuple(
            Band(level, D(str(m)), D(str(quotas[level])) if level in quotas else None) for level, m in bands
        ),
        **kwargs,
    )


def one(total, rules=None, **kwargs):
    [outcome] = decide([Candidate("x", D(str(total)), **kwargs)], rules or make_rules())
    return outcome


def field(totals, rules, **kwargs):
    """Candidates keyed by position, one per total; returns outcomes in the same order."""
    outcomes = decide([Candidate(i, D(str(t)), **kwargs) for i, t in enumerate(totals)], rules)
    assert [o.key for o in outcomes] == list(range(len(totals)))
    return outcomes


# --- Bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bands", "total", "level"),
    [
        (STANDARD, "100", 5),
        (STANDARD, "95", 5),
        (STANDARD, "94.5", 4),
        (STANDARD, "85", 4),
        (STANDARD, "84.5", 3),
        (STANDARD, "75", 3),
        (STANDARD, "74.5", 2),
        (STANDARD, "65", 2),
        (STANDARD, "64.5", 1),
        (STANDARD, "60", 1),
        (STANDARD, "59.5", 0),
        (STANDARD, "0", 0),
        (TEN_STEP, "100", 4),
        (TEN_STEP, "90", 4),
        (TEN_STEP, "89.5", 3),
        (TEN_STEP, "80", 3),
        (TEN_STEP, "79.5", 2),
        (TEN_STEP, "70", 2),
        (TEN_STEP, "69.5", 1),
        (TEN_STEP, "60", 1),
        (TEN_STEP, "59.5", 0),
    ],
)
def test_a_total_exactly_on_a_band_edge_gets_that_band_and_half_a_point_less_the_one_below(
    bands, total, level
):
    outcome = one(total, make_rules(bands, promotion_limit=False))

    assert outcome.level == level
    assert outcome.total == D(total)
    if level:
        assert outcome.explanation == f"总分 {total} → {CN[level]}档"
    else:
        assert outcome.explanation.startswith(f"总分 {total} → ")
        assert "不授星" in outcome.explanation


@pytest.mark.parametrize("bands", [STANDARD, TEN_STEP])
def test_the_order_in_which_bands_are_given_does_not_matter(bands):
    totals = ["100", "95", "90", "85", "80", "75", "70", "65", "60", "59.5"]
    forward = [o.level for o in field(totals, make_rules(bands, promotion_limit=False))]
    backward = [o.level for o in field(totals, make_rules(tuple(reversed(bands)), promotion_limit=False))]

    assert forward == backward


# --- Bonus and deduction caps -----------------------------------------------------------------


def test_a_bonus_above_the_cap_counts_only_the_cap_and_the_explanation_says_so():
    # 89 + 7 would be 96 (five stars); capped at 5 it is 94 (four stars).
    outcome = one("89", make_rules(bonus_cap=D(5), promotion_limit=False), bonus=D(7))

    assert outcome.bonus == D(5)
    assert outcome.total == D(94)
    assert outcome.level == 4
    assert "加分 5" in outcome.explanation
    assert "上限" in outcome.explanation


def test_a_bonus_within_the_cap_counts_in_full_and_is_not_called_capped():
    outcome = one("89", make_rules(bonus_cap=D(5), promotion_limit=False), bonus=D(3))

    assert (outcome.bonus, outcome.total, outcome.level) == (D(3), D(92), 4)
    assert "加分 3" in outcome.explanation
    assert "上限" not in outcome.explanation


def test_a_deduction_above_the_cap_counts_only_the_cap_and_the_explanation_says_so():
    # 96 − 12 would be 84 (three stars); capped at 10 it is 86 (four stars).
    outcome = one("96", make_rules(deduction_cap=D(10), promotion_limit=False), deduction=D(12))

    assert outcome.deduction == D(10)
    assert outcome.total == D(86)
    assert outcome.level == 4
    assert "减分 10" in outcome.explanation
    assert "上限" in outcome.explanation


def test_caps_are_the_rubrics_not_constants():
    outcome = one(
        "90",
        make_rules(bonus_cap=D(2), deduction_cap=D(1), promotion_limit=False),
        bonus=D(4),
        deduction=D(3),
    )

    assert (outcome.bonus, outcome.deduction, outcome.total) == (D(2), D(1), D(91))


# --- Veto -------------------------------------------------------------------------------------


def test_a_confirmed_veto_gives_no_star_whatever_the_score_and_says_it_is_not_ranked():
    outcome = one("100", vetoed=True, veto_titles=("发生严重违纪违法案件",))

    assert outcome.level is None
    assert "一票否决" in outcome.explanation
    assert "发生严重违纪违法案件" in outcome.explanation
    assert "不评星" in outcome.explanation
    assert "不参与排名" in outcome.explanation


def test_a_veto_without_a_recorded_title_is_still_explained():
    outcome = one("100", vetoed=True)

    assert outcome.level is None
    assert "一票否决" in outcome.explanation and "不参与排名" in outcome.explanation


def test_vetoed_branches_do_not_count_in_the_quota_base():
    # 19 rated + 1 vetoed: 10 % of 19 is 1 five-star place (of 20 it would be 2).
    totals = ["99", "96"] + ["80"] * 17
    candidates = [Candidate(i, D(t)) for i, t in enumerate(totals)]
    candidates.append(Candidate("vetoed", D(100), vetoed=True, veto_titles=("社会组织被撤销登记",)))

    outcomes = {o.key: o for o in decide(candidates, make_rules(quotas={5: 10}, promotion_limit=False))}

    assert outcomes["vetoed"].level is None
    assert outcomes[0].level == 5
    assert outcomes[1].level == 4
    assert "19 个参评" in outcomes[1].explanation
    assert sum(1 for o in outcomes.values() if o.level == 5) == 1


# --- Promotion limit --------------------------------------------------------------------------


def test_promotion_is_limited_to_one_level_above_last_cycle_and_the_explanation_says_why():
    outcome = one("86.5", previous_level=2)

    assert outcome.level == 3
    # The example of issue 4, word for word.
    assert outcome.explanation == "总分 86.5 → 四星档；上一周期二星，逐级晋升限制为三星"


@pytest.mark.parametrize(
    ("total", "previous", "level"),
    [
        ("99", 4, 5),  # one level up is allowed
        ("99", 0, 1),  # rated last time without a star: at most one star now
        ("80", 3, 3),  # same level
        ("70", 5, 2),  # going down is never limited
        ("59", 3, 0),
    ],
)
def test_the_promotion_limit_only_caps_rises_of_more_than_one_level(total, previous, level):
    outcome = one(total, previous_level=previous)

    assert outcome.level == level
    assert ("逐级晋升限制" in outcome.explanation) == (previous == 0)


def test_a_branch_rated_for_the_first_time_is_not_limited():
    outcome = one("86.5", previous_level=None)

    assert outcome.level == 4
    assert "逐级晋升限制为" not in outcome.explanation


def test_with_the_limit_off_a_branch_gets_its_band_whatever_last_cycle_was():
    outcome = one("86.5", make_rules(promotion_limit=False), previous_level=2)

    assert outcome.level == 4
    assert outcome.explanation == "总分 86.5 → 四星档"


def test_the_promotion_limit_applies_before_quotas():
    # One five-star place among 10. The top branch is limited to four stars by last cycle's
    # three, so it does not take the place; the second one keeps five stars.
    totals = ["99", "97"] + ["80"] * 8
    candidates = [Candidate(i, D(t), previous_level=3 if i == 0 else None) for i, t in enumerate(totals)]

    outcomes = decide(candidates, make_rules(quotas={5: 10}))

    assert [outcomes[0].level, outcomes[1].level] == [4, 5]


# --- Quotas -----------------------------------------------------------------------------------


def test_a_quota_keeps_the_highest_totals_and_the_next_one_drops_a_level():
    # 10 % of 20 rated → 2 five-star places.
    totals = ["97", "99", "98"] + ["80"] * 17
    outcomes = field(totals, make_rules(quotas={5: 10}, promotion_limit=False))

    assert [o.level for o in outcomes[:3]] == [4, 5, 5]
    assert all(o.level == 3 for o in outcomes[3:])
    assert "降为四星" in outcomes[0].explanation
    assert "第 3 位" in outcomes[0].explanation
    assert "降为" not in outcomes[1].explanation


def test_a_branch_dropped_by_one_quota_competes_in_the_next_levels_quota():
    # Five stars: 99, 98 keep their places, 97 drops to four. Four stars (2 places): 97 and 90
    # are the two highest, so 88 drops to three.
    totals = ["99", "98", "97", "90", "88"] + ["70"] * 15
    outcomes = field(totals, make_rules(quotas={5: 10, 4: 10}, promotion_limit=False))

    assert [o.level for o in outcomes[:5]] == [5, 5, 4, 4, 3]
    assert all(o.level == 2 for o in outcomes[5:])


def test_a_dropped_branch_can_push_a_four_star_branch_out_of_the_four_star_quota():
    # Four stars has 2 places: 97 (dropped from five) and 96 (promotion-limited to four stars
    # by last cycle's three) outrank 90.
    candidates = [
        Candidate(0, D(99)),
        Candidate(1, D(98)),
        Candidate(2, D(97)),
        Candidate(3, D(96), previous_level=3),
        Candidate(4, D(90)),
    ]
    candidates += [Candidate(5 + i, D(70)) for i in range(15)]

    outcomes = decide(candidates, make_rules(quotas={5: 10, 4: 10}))

    assert [o.level for o in outcomes[:5]] == [5, 5, 4, 4, 3]


@pytest.mark.parametrize(
    ("tie_rule_excludes", "top", "expected"),
    [
        # boundary tie (97 = 97 at places 2 and 3, 2 places): exclude drops both, include keeps both
        (True, ["99", "97", "97"], [5, 4, 4]),
        (False, ["99", "97", "97"], [5, 5, 5]),
        # tie inside the quota, none at the cut: both rules agree
        (True, ["99", "99", "97"], [5, 5, 4]),
        (False, ["99", "99", "97"], [5, 5, 4]),
        # everyone tied
        (True, ["97", "97", "97"], [4, 4, 4]),
        (False, ["97", "97", "97"], [5, 5, 5]),
    ],
)
def test_ties_at_the_quota_cut_follow_the_rubrics_tie_rule(tie_rule_excludes, top, expected):
    totals = top + ["80"] * 17  # 20 rated, 10 % → 2 five-star places
    outcomes = field(
        totals, make_rules(quotas={5: 10}, promotion_limit=False, exclude_ties=tie_rule_excludes)
    )

    assert [o.level for o in outcomes[:3]] == expected
    for o in outcomes[:3]:
        assert ("降为四星" in o.explanation) == (o.level == 4)
    if tie_rule_excludes and top[1] == top[2]:
        # a branch inside the places that still drops is told it was the tie rule
        assert any("同分" in o.explanation for o in outcomes[:2] if o.level == 4)


def test_a_quota_below_one_place_leaves_none_at_that_level():
    outcomes = field(["99", "80", "80", "80", "80"], make_rules(quotas={5: 10}, promotion_limit=False))

    assert outcomes[0].level == 4


@pytest.mark.parametrize(
    ("rated", "percent", "places"), [(20, 10, 2), (30, 10, 3), (20, 15, 3), (19, 10, 1), (9, 50, 4)]
)
def test_the_number_of_places_is_the_percentage_of_rated_branches_rounded_down(rated, percent, places):
    totals = [str(100 - i * D("0.1")) for i in range(rated)]  # all in the five-star band, all different
    outcomes = field(totals, make_rules(quotas={5: percent}, promotion_limit=False))

    assert [o.level for o in outcomes] == [5] * places + [4] * (rated - places)


# --- Properties -------------------------------------------------------------------------------

half_points = st.integers(min_value=0, max_value=220).map(lambda n: D(n) / 2)  # 0 … 110 in 0.5 steps


@st.composite
def band_sets(draw, with_quotas=False):
    """k bands for levels k … 1 with strictly decreasing minimum totals, given in any order."""
    k = draw(st.integers(min_value=1, max_value=5))
    mins = sorted(
        draw(st.sets(st.integers(min_value=0, max_value=220), min_size=k, max_size=k)), reverse=True
    )
    bands = []
    for level, m in zip(range(k, 0, -1), mins, strict=True):
        quota = draw(st.one_of(st.none(), st.integers(0, 100).map(D))) if with_quotas else None
        bands.append(Band(level, D(m) / 2, quota))
    return tuple(draw(st.permutations(bands)))


def candidate_lists(vetoes=False):
    return st.lists(
        st.builds(
            Candidate,
            key=st.none(),
            indicator_total=half_points,
            bonus=st.integers(0, 20).map(lambda n: D(n) / 2),
            deduction=st.integers(0, 30).map(lambda n: D(n) / 2),
            vetoed=st.booleans() if vetoes else st.just(False),
            previous_level=st.one_of(st.none(), st.integers(0, 5)),
        ),
        max_size=40,
    )


@settings(max_examples=300, deadline=None)
@given(bands=band_sets(), candidates=candidate_lists(), bonus_cap=half_points, deduction_cap=half_points)
def test_without_quotas_and_promotion_limit_a_higher_total_never_gets_fewer_stars(
    bands, candidates, bonus_cap, deduction_cap
):
    for i, c in enumerate(candidates):
        c.key = i
    rules = Rules(bands=bands, bonus_cap=bonus_cap, deduction_cap=deduction_cap, promotion_limit=False)

    outcomes = decide(candidates, rules)

    for a in outcomes:
        for b in outcomes:
            if a.total > b.total:
                assert a.level >= b.level, (a, b)
            if a.total == b.total:
                assert a.level == b.level, (a, b)


@settings(max_examples=300, deadline=None)
@given(
    bands=band_sets(with_quotas=True), candidates=candidate_lists(vetoes=True), promotion_limit=st.booleans()
)
def test_with_quotas_no_level_holds_more_than_its_share_of_rated_branches_under_the_exclude_rule(
    bands, candidates, promotion_limit
):
    for i, c in enumerate(candidates):
        c.key = i
    rules = Rules(bands=bands, promotion_limit=promotion_limit, exclude_ties=True)
    without_quotas = {
        o.key: o.level
        for o in decide(
            candidates,
            Rules(bands=tuple(Band(b.level, b.min_total) for b in bands), promotion_limit=promotion_limit),
        )
    }

    outcomes = decide(candidates, rules)

    rated = sum(1 for c in candidates if not c.vetoed)
    for band in bands:
        if band.quota_percent is not None:
            places = math.floor(band.quota_percent * rated / 100)
            assert sum(1 for o in outcomes if o.level == band.level) <= places
    for o in outcomes:
        if without_quotas[o.key] is None:
            assert o.level is None
        else:
            assert o.level <= without_quotas[o.key]  # a quota never raises anyone
