"""The survey's uncertainty: Wilson's interval with the finite-population correction."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core import survey as S
from core.numbers import fmt_interval


def pct(x) -> float:
    return round(float(x) * 100, 1)


def test_sample_report_interval_with_the_finite_population_correction_is_93_2_to_97_5():
    low, high = S.wilson_interval(92, 96, population=131)
    assert (pct(low), pct(high)) == (93.2, 97.5)
    assert isinstance(low, Decimal) and isinstance(high, Decimal)


def test_sample_report_interval_without_the_correction_is_89_8_to_98_4():
    low, high = S.wilson_interval(92, 96)
    assert (pct(low), pct(high)) == (89.8, 98.4)


def test_the_correction_uses_n_eff_and_narrows_the_interval_towards_the_whole_register():
    assert S.effective_n(96, 131) == Decimal(96) * 130 / 35
    widths = [float(h - l) for l, h in (S.wilson_interval(46, 48, N) for N in (None, 1000, 200, 100, 60))]
    assert widths == sorted(widths, reverse=True)


def test_a_census_has_no_sampling_error_and_nobody_reached_knows_nothing():
    assert S.wilson_interval(92, 96, population=96) == (Decimal(92) / 96, Decimal(92) / 96)
    assert S.wilson_interval(0, 0) == (0, 1)
    assert S.wilson_interval(0, 0, population=131) == (0, 1)
    assert S.interval_text(92, 96, 96) == "全部调查，无抽样误差"
    assert S.rate_with_interval(0, 0, 131) == "—（尚无接通）"


def test_all_or_none_satisfied_reach_the_bounds_exactly():
    assert S.wilson_interval(10, 10)[1] == 1
    assert S.wilson_interval(0, 10)[0] == 0
    assert pct(S.wilson_interval(10, 10)[0]) == 72.2          # the textbook 10/10 Wilson lower bound


@pytest.mark.parametrize("args", [(5, 4, None), (-1, 4, None), (3, 10, 5)])
def test_impossible_counts_are_refused(args):
    with pytest.raises(ValueError):
        S.wilson_interval(*args)


def test_the_rate_is_printed_with_its_count_and_interval():
    assert S.rate_with_interval(92, 96, 131) == "95.8%（92/96，95% 置信区间 93.2%–97.5%）"
    assert S.rate_with_interval(92, 96) == "95.8%（92/96，95% 置信区间 89.8%–98.4%）"
    assert fmt_interval(Decimal("0.93225"), Decimal("0.97464")) == "93.2%–97.5%"
