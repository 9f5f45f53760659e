"""Percentages and rates in the sample report's convention."""
import pytest

from decimal import Decimal

from core.numbers import (ZeroTarget, fmt_number, fmt_pct, fmt_percent, fmt_rate, fmt_score, fmt_share, round_float,
                          round_to_step, tidy)


@pytest.mark.parametrize("actual,target,expected", [
    (2165, 1968, "110.01%"), (793, 500, "158.6%"), (99, 100, "99%"), (441, 500, "88.2%"),
    (66, 75, "88%"), (35, 35, "100%"), (175, 175, "100%"), (1486, 1050, "141.52%"),
    (15, 6, "250%"), (3393, 600, "565.5%"), (49, 24, "204.17%"), (2090, 1200, "174.17%"),
    (293, 200, "146.5%"), (20, 15, "133.33%"), (3, 3, "100%"),
    (15, 20, "75%"), (11, 20, "55%"), (1922.5, 1320, "145.64%"), (12, 20, "60%"),
    (1, 8, "12.5%"), (1, 3, "33.33%"), (2, 3, "66.67%"), (0, 5, "0%"),
    (0.00125, 1, "0.13%"),  # half-up on the exact decimal, not banker's rounding
])
def test_completion_rate_matches_report(actual, target, expected):
    assert fmt_percent(actual, target) == expected


@pytest.mark.parametrize("target", [0, None, 0.0])
def test_zero_or_missing_target_is_an_input_error(target):
    with pytest.raises(ZeroTarget, match="目标值"):
        fmt_percent(10, target)


@pytest.mark.parametrize("n,d,expected", [(92, 96, "95.8%"), (96, 96, "100.0%"), (1, 3, "33.3%"), (0, 7, "0.0%")])
def test_survey_rate_has_one_decimal(n, d, expected):
    assert fmt_rate(n, d) == expected


@pytest.mark.parametrize("x,expected", [(90, "90"), (89.995, "90"), (88.765, "88.77"), (2.5, "2.5"), (-0.001, "0")])
def test_fmt_number(x, expected):
    assert fmt_number(x) == expected


@pytest.mark.parametrize("share,expected", [("0.90625", "90.63%"), (Decimal(29) / Decimal(32), "90.63%"),
                                            ("0.5", "50%"), ("1", "100%"), ("0.123449", "12.34%")])
def test_a_share_prints_as_a_percentage_rounded_once_half_up(share, expected):
    assert fmt_share(share) == expected


@pytest.mark.parametrize("value,step,expected", [("7.25", "0.5", "7.5"), ("7.24", "0.5", "7"), ("8.75", "0.5", "9"),
                                                 ("2.35", "0.1", "2.4"), ("2.25", "0.5", "2.5")])
def test_round_to_step_is_half_up(value, step, expected):
    assert tidy(round_to_step(Decimal(value), Decimal(step))) == Decimal(expected)
    assert str(tidy(round_to_step(Decimal(value), Decimal(step)))) == expected


def test_round_float_is_half_up_where_pythons_round_is_not():
    assert round_float(0.125, 2) == 0.13 and round_float(2.675, 2) == 2.68 and round_float(-0.125, 2) == -0.13
    assert round_float(1 / 3, 3) == 0.333


def test_scores_and_percent_figures_use_the_report_format():
    assert (fmt_score(None), fmt_score(87.005), fmt_score(90.0)) == ("—", "87.01", "90")
    assert (fmt_pct(None), fmt_pct(95.825, 1), fmt_pct(90.625)) == ("—", "95.8%", "90.63%")
