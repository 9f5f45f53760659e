"""The scoring engine: means, N/A, overrides, per-片区 averaging, weights, grades, veto, flags."""
from decimal import Decimal

import pytest

from core.framework.model import get_framework
from core.scoring.totals import compute, grade_for

FOUR = get_framework("gz-2024-four-party")
CITY = get_framework("gz-2019-city")
AREAS = ["P1", "P2", "P3"]


def full_marks(fw, share=1.0, member=1, areas=AREAS):
    return [dict(member_id=member, indicator_code=i.code, area_code=a, value=i.points * share)
            for i in fw.indicators for a in (areas if i.scope == "area" else [""])]


def replace(rows, code, area="", **changes):
    return [dict(r, **changes) if (r["indicator_code"], r["area_code"]) == (code, area) else r for r in rows]


def test_indicator_score_is_the_mean_of_its_experts():
    rows = [dict(member_id=1, indicator_code="A1", area_code="", value=4),
            dict(member_id=2, indicator_code="A1", area_code="", value=5),
            dict(member_id=3, indicator_code="A1", area_code="", value=4.5)]
    r = compute(FOUR, AREAS, rows)
    assert r.cell("A1").value == Decimal("4.5")
    # Only A1 is scored so far: the score "so far" rescales over what is scored.
    assert r.third_party == Decimal("90.00") and not r.third_party_complete


def test_a_note_without_a_value_is_not_a_score():
    r = compute(FOUR, AREAS, [dict(member_id=1, indicator_code="A1", area_code="", value=None, na=False)])
    assert r.cell("A1").status == "pending" and r.third_party is None


def test_na_leaves_the_denominator():
    rows = replace(full_marks(FOUR, 0.8), "A1", value=None, na=True)
    r = compute(FOUR, AREAS, rows)
    assert r.cell("A1").status == "na"
    assert r.third_party == Decimal("80.00")  # 76 earned of 95 counted, rescaled to 100
    assert r.section("A").score == Decimal("16.00")  # 12 of 15, rescaled to the section's 20


def test_override_replaces_the_experts_mean_and_can_mark_na():
    rows = full_marks(FOUR, 1.0)
    r = compute(FOUR, AREAS, rows, overrides=[dict(indicator_code="A1", area_code="", value=0, na=False, reason="x")])
    assert r.cell("A1").value == 0 and r.third_party == Decimal("95.00")
    r = compute(FOUR, AREAS, full_marks(FOUR, 0.5),
                overrides=[dict(indicator_code="A1", area_code="", value=None, na=True, reason="x")])
    assert r.cell("A1").status == "na" and r.third_party == Decimal("50.00")


def test_per_area_indicator_is_the_mean_of_its_areas():
    rows = full_marks(FOUR, 1.0)
    rows = replace(rows, "B2", "P1", value=4)  # 10, 10, 4 -> 8
    r = compute(FOUR, AREAS, rows)
    b2 = next(i for i in r.section("B").indicators if i.indicator.code == "B2")
    assert b2.value == 8
    assert r.section("B").score == Decimal("33.00")


def test_a_na_area_leaves_the_mean_of_the_others():
    rows = replace(replace(full_marks(FOUR, 1.0), "B2", "P1", value=None, na=True), "B2", "P2", value=5)
    b2 = next(i for i in compute(FOUR, AREAS, rows).section("B").indicators if i.indicator.code == "B2")
    assert b2.value == Decimal("7.5")  # mean of P2 (5) and P3 (10)


@pytest.mark.parametrize("fw,third_share,others,expected", [
    # 55/20/15/10: final = Σ weight × score/max
    (FOUR, 0.9, {"purchaser": 96, "supervision_center": 93, "supervisor": 92}, Decimal("91.85")),
    (FOUR, 1.0, {"purchaser": 100, "supervision_center": 100, "supervisor": 100}, Decimal("100.00")),
    (FOUR, 0.6, {"purchaser": 60, "supervision_center": 60, "supervisor": 60}, Decimal("60.00")),
    # 2019: 700 / 200 / 100 of 1000 on a 100-point scale
    (CITY, 0.8, {"purchaser": 100, "supervisor": 50}, Decimal("81.00")),
    (CITY, 1.0, {"purchaser": 0, "supervisor": 0}, Decimal("70.00")),
])
def test_final_score_weights_the_parties(fw, third_share, others, expected):
    r = compute(fw, AREAS, full_marks(fw, third_share), party_scores=others)
    assert r.final == expected and not r.final_projected


def test_missing_party_scores_are_projected_and_marked():
    r = compute(FOUR, AREAS, full_marks(FOUR, 0.9), party_scores={"purchaser": 100})
    assert r.final_projected
    proj = {p.code: p.projected for p in r.parties}
    assert proj == {"third_party": False, "purchaser": False, "supervision_center": True, "supervisor": True}
    assert r.final == Decimal("92.00")  # 0.55×90 + 0.20×100 + 0.25×90


@pytest.mark.parametrize("score,grade", [
    (100, "优秀"), (90.00, "优秀"), (89.99, "良好"), (80.00, "良好"), (79.99, "合格"),
    (60.00, "合格"), (59.99, "不合格"), (0, "不合格"), (89.995, "优秀"),  # displayed as 90.00
])
def test_grade_band_edges(score, grade):
    assert grade_for(FOUR, score) == grade


def test_failed_veto_makes_the_grade_fail_whatever_the_score():
    r = compute(CITY, AREAS, full_marks(CITY, 1.0), party_scores={"purchaser": 100, "supervisor": 100},
                veto_failed=["finance"])
    assert r.final == Decimal("100.00") and r.grade == "不合格" and r.veto_failed == ["财务评估"]
    ok = compute(CITY, AREAS, full_marks(CITY, 1.0), party_scores={"purchaser": 100, "supervisor": 100})
    assert ok.grade == "优秀"


@pytest.mark.parametrize("values,flagged", [
    ((5, 4), False),      # spread 1 = 20% of 5: not more than the threshold
    ((5, 3.9), True),     # 1.1 > 1
    ((5, 5, 3.5), True),
    ((4.5, 4.5), False),
    ((None, 4), True),    # one said N/A, another scored
    ((None, None), False),
])
def test_disagreement_flag_above_20_percent_of_max(values, flagged):
    rows = [dict(member_id=n, indicator_code="A1", area_code="", value=v, na=v is None) for n, v in enumerate(values)]
    r = compute(FOUR, AREAS, rows)
    assert r.cell("A1").flagged is flagged
    assert (r.cell("A1") in r.flags) is flagged


def test_a_station_without_any_pian_qu_yet_computes_the_rest():
    rows = [r for r in full_marks(FOUR, 1.0) if r["area_code"] == ""]
    r = compute(FOUR, [], rows)
    assert r.section("B").score is None and not r.third_party_complete
    assert r.third_party == Decimal("100.00")
