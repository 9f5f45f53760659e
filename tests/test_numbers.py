"""Percentages and rates in the sample report's convention."""
import pytest

from core.numbers import ZeroTarget, fmt_number, fmt_percent, fmt_rate


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
