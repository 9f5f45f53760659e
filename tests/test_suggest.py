"""Evidence-suggested scores computed from the entered station figures."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.day import hints
from core.station import indicators as IND
from core.station import register as REG
from core.station import staffing as STF
from core.station import suggest as SG
from core.framework.model import Criterion, Indicator, Level, get_framework
from core.numbers import fmt_percent

FW = get_framework("gz-2024-four-party")
LEVELS = (Level("完全达到", 1.0), Level("基本达到", 0.8), Level("部分达到", 0.5), Level("未达到", 0.0))


def ind(suggest, points=8, rule_type="free", criteria=(), levels=(), scope="station"):
    return Indicator(code="X1", name="测试指标", points=points, section_code="X", scope=scope, rule_type=rule_type,
                     criteria=criteria, levels=levels, suggest=suggest)


def ev_with(indicators=(), staffing=None, recommendations=(), register=None):
    return SG.Evidence(indicators=IND.indicator_rows(indicators),
                       staffing=STF.staffing_figures(staffing) if staffing else None,
                       recommendations=list(recommendations), register=register)


def test_every_suggest_key_in_the_shipped_frameworks_has_a_rule_except_the_survey_one():
    from core.framework.model import available_frameworks

    keys = {i.suggest for fw in available_frameworks().values() for i in fw.indicators if i.suggest}
    assert {"contract_completion", "staffing", "training", "rectification", "register", "volunteers"} <= keys
    assert keys - set(SG.RULES) <= {"satisfaction"}


def test_demo_suggestions_follow_the_sample_report_figures(demo_db):
    db, aid = demo_db
    ev = hints.evidence(db, aid)
    got = {(i.code, a): SG.suggest(i, ev, a) for i in FW.indicators
           for a in (["P1", "P2", "P3"] if i.scope == "area" else [""])}
    # C1: mean of capped completion 98.35% × 8 = 7.87 -> 8 (step 0.5)
    assert got[("C1", "")].value == Decimal("8") and "98.35%" in got[("C1", "")].explanation
    # A1: certified 75% ✓, ≥2 yrs 55% ✓, attendance 223/220 ✓, 稳岗率 60% < 80% ✗ -> 1.5 + 1 + 1.5
    a1 = got[("A1", "")]
    assert a1.value == Decimal("4") and a1.detail == {"criteria": [0, 1, 2]} and "稳岗率 60%" in a1.explanation
    # A2: training 145.64% -> 完全达到 -> 3
    assert (got[("A2", "")].value, got[("A2", "")].detail) == (Decimal("3"), {"level": "完全达到"})
    # A6: 3 已整改 + 1 部分整改 -> 87.5% -> 基本达到 -> 1.6
    assert (got[("A6", "")].value, got[("A6", "")].detail) == (Decimal("1.6"), {"level": "基本达到"})
    # C2: volunteer indicators all >= 100%
    assert got[("C2", "")].value == Decimal("6") and "新登记志愿者 146.5%" in got[("C2", "")].explanation
    # B2 per 片区 reads the 片区's part of the register
    assert "64 户 80 人" in got[("B2", "P1")].explanation and "10 户 11 人" in got[("B2", "P2")].explanation
    assert got[("D1", "")] is None


@pytest.mark.parametrize("pairs,points,expected", [
    ([(100, 100)], 8, "8"),
    ([(100, 50)], 8, "4"),                      # 50% × 8
    ([(100, 200), (100, 0)], 8, "4"),           # capped at 100%: mean(1, 0)
    ([(100, 90), (100, 91)], 8, "7"),           # 90.5% × 8 = 7.24 -> 7
    ([(4, 3)], 5, "4"),                          # 3.75 -> 4 (half-up to 0.5)
])
def test_contract_completion_is_points_times_mean_capped_rate(pairs, points, expected):
    rows = [{"name": f"i{n}", "target": t, "actual": a} for n, (t, a) in enumerate(pairs)]
    s = SG.suggest(ind("contract_completion", points=points), ev_with(rows))
    assert s.value == Decimal(expected)


def test_rows_without_figures_are_left_out_and_no_data_gives_no_suggestion():
    assert SG.suggest(ind("contract_completion"), ev_with([{"name": "a", "target": None, "actual": None}])) is None
    assert SG.suggest(ind("staffing"), ev_with()) is None
    assert SG.suggest(ind("rectification"), ev_with()) is None
    assert SG.suggest(ind(""), ev_with([{"name": "a", "target": 1, "actual": 1}])) is None
    assert SG.suggest(ind("no_such_rule"), ev_with()) is None


@pytest.mark.parametrize("value,step,points,expected", [
    ("7.24", 0.5, 8, "7"), ("7.25", 0.5, 8, "7.5"), ("7.76", 0.5, 8, "8"), ("9", 0.5, 8, "8"), ("-1", 0.5, 8, "0"),
    ("2.34", 0.1, 8, "2.3"),
])
def test_round_to_step(value, step, points, expected):
    assert str(SG.round_to_step(Decimal(value), step, points)) == expected


def test_staffing_rule_reads_thresholds_from_the_criteria():
    crit = (Criterion("持证社工占协议要求配备人数不低于 80%", 2), Criterion("稳岗率不低于 50%", 1))
    s = SG.suggest(ind("staffing", points=3, rule_type="combo", criteria=crit),
                   ev_with(staffing={"required": 20, "cert_intermediate": 4, "cert_assistant": 11, "continuous": 12}))
    assert s.value == Decimal("1") and s.detail == {"criteria": [1]}   # 75% < 80% ✗, 60% ≥ 50% ✓


def test_staffing_rule_on_a_free_indicator_uses_the_share_of_checks_met():
    staffing = {"required": 20, "cert_intermediate": 4, "cert_assistant": 11, "experienced": 11,
                "attendance_due": 220, "attendance_actual": 223, "continuous": 12}
    assert SG.suggest(ind("staffing", points=10), ev_with(staffing=staffing)).value == Decimal("7.5")


@pytest.mark.parametrize("statuses,level", [
    (["已整改"], "完全达到"), (["已整改", "部分整改"], "部分达到"), (["未整改"], "未达到"),
    (["已整改"] * 4 + ["部分整改"], "基本达到"),
])
def test_rectification_maps_onto_levels(statuses, level):
    recs = [{"status": s, "text": "x"} for s in statuses]
    s = SG.suggest(ind("rectification", points=2, rule_type="level", levels=LEVELS), ev_with(recommendations=recs))
    assert s.detail == {"level": level}


def test_register_rule_uses_register_completeness():
    clients = [{"id": 1, "household": "H1", "category": "残疾人", "phone": "13800000000", "community": "甲"},
               {"id": 2, "household": "", "category": "残疾人", "phone": "13800000001", "community": "甲"}]
    s = SG.suggest(ind("register", points=10), ev_with(register=REG.register_summary(clients)))
    assert s.value == Decimal("5") and "2 户 2 人" in s.explanation


def test_register_hint_rounds_its_percentage_half_up_as_the_report_does():
    """29 of 32 complete is 90.625%: the hint shows 90.63% (the report's rounding), never 90.62%."""
    clients = [{"id": n, "household": f"H{n // 2}", "category": "低保对象", "community": "甲",
                "phone": "" if n < 3 else f"1380000{n:04d}"} for n in range(32)]
    reg = REG.register_summary(clients)
    assert (reg["persons"], reg["complete"]) == (32, 29)
    s = SG.suggest(ind("register", points=10), ev_with(register=reg))
    assert f"29 人（{fmt_percent(29, 32)}）" in s.explanation and "90.63%" in s.explanation
    assert "90.62%" not in s.explanation
    assert "90.63% × 10 分 = 9.06 分" in s.explanation and s.value == Decimal("9")


def test_rectification_hint_rounds_its_percentage_half_up():
    """14 已整改 + 1 部分整改 + 1 未整改: 14.5 / 16 = 90.625% -> 90.63% (half-even said 90.62%)."""
    recs = [{"status": "已整改", "text": "x"}] * 14 + [{"status": "部分整改", "text": "y"}, {"status": "未整改", "text": "z"}]
    s = SG.suggest(ind("rectification", points=2, rule_type="level", levels=LEVELS), ev_with(recommendations=recs))
    assert "整改完成度 90.63%" in s.explanation


def test_a_rule_registered_under_a_framework_name_is_used():
    kept = SG.RULES["volunteers"]

    @SG.rule("volunteers")
    def _r(indicator, evidence):
        return SG.Suggestion(Decimal(1), "测试")

    try:
        assert SG.suggest(ind("volunteers"), ev_with()).value == Decimal(1)
    finally:
        SG.RULES["volunteers"] = kept


def test_a_rule_the_framework_cannot_name_is_refused():
    with pytest.raises(ValueError):
        SG.rule("test_only_rule")


def test_the_framework_knows_exactly_the_suggestion_rules_the_station_implements():
    from core.framework.model import SUGGEST_RULES
    from core.station.suggest import RULES

    assert set(RULES) == set(SUGGEST_RULES)
