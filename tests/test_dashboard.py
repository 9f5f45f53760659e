"""The lead's live dashboard: figures from real scores saved through core use cases, charts from core."""
from __future__ import annotations

import shutil
import time
from decimal import Decimal

import pytest

from core.survey import calls as SV
from core.day import dashboard as D
from core.day import live as DB
from core.scoring import scoresheet as S
from core.station import data as SD
from core.assessment import team as A
from core.errors import InvalidValue, PermissionDenied
from core.framework.model import get_framework
from core.survey.rules import SurveyResults
from db import audit
from db.connection import connect
from db.migrations import migrate

# A small team: two experts share section A and 片区 P1 of section B, so the
# same cells get two scores; a third expert has P2; the lead scores C and D.
TEAM = {"lead": ("组长甲", "1111", ["C", "D"]),
        "lin": ("林专家", "2222", ["A", ("B", "P1")]),
        "wang": ("王专家", "3333", ["A", ("B", "P1")]),
        "zhao": ("赵专家", "4444", [("B", "P2")])}


def build_team(db) -> tuple[int, dict[str, int]]:
    lead_name, lead_pin, lead_secs = TEAM["lead"]
    aid, lead_id = A.new_assessment(db, {"name": "测试街社工服务站"}, "gz-2024-four-party", lead_name, lead_pin)
    A.set_areas(db, aid, lead_id, [{"name": "片区一"}, {"name": "片区二"}])
    ids = {"lead": lead_id}
    A.set_assignments(db, aid, lead_id, lead_id, lead_secs)
    for key in ("lin", "wang", "zhao"):
        name, pin, secs = TEAM[key]
        ids[key] = A.add_member(db, aid, lead_id, name, "expert", pin, sections=secs)
    return aid, ids


@pytest.fixture(scope="session")
def team_db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("team") / "team.db"
    db = connect(path)
    migrate(db)
    aid, ids = build_team(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, ids


@pytest.fixture
def team(team_db_file, tmp_path):
    """A private copy of the small team's database: (db, assessment_id, member ids)."""
    src, aid, ids = team_db_file
    dst = tmp_path / "team.db"
    shutil.copy(src, dst)
    db = connect(dst)
    yield db, aid, ids
    db.conn.close()


def progress(dash, member_id) -> str:
    return next(e.progress_text for e in dash.experts if e.member_id == member_id)


def section(dash, code) -> D.SectionLine:
    return next(s for s in dash.sections if s.code == code)


# ---------- figures change as experts save ----------

def test_two_experts_saving_scores_change_the_dashboard_on_its_next_refresh(team):
    db, aid, ids = team
    before = DB.dashboard(db, aid)
    assert before.third_party is None and before.third_party_text == "—"
    assert progress(before, ids["lin"]) == "0/11" and progress(before, ids["wang"]) == "0/11"
    assert before.cells_scored == 0 and before.flags == []

    S.save_score(db, aid, ids["lin"], "A1", value=4)           # A1 max 5
    first = DB.dashboard(db, aid)
    assert first.third_party == Decimal("80.00")                # 4 of 5 counted so far
    assert section(first, "A").score_text == "16"               # rescaled to A's 20 points
    assert progress(first, ids["lin"]) == "1/11" and progress(first, ids["wang"]) == "0/11"
    assert first.final_projected and first.final_label == "预计最终得分"

    S.save_score(db, aid, ids["wang"], "A1", value=5, note="制度齐全")
    second = DB.dashboard(db, aid)
    assert second.third_party == Decimal("90.00")               # mean 4.5 of 5
    assert section(second, "A").score_text == "18"
    assert progress(second, ids["wang"]) == "1/11"
    assert second.cells_scored == 1
    assert second.flags == []                                   # spread 1 = exactly 20% of 5

    S.save_score(db, aid, ids["wang"], "A1", value=2.5)         # now they differ by 1.5 > 1
    third = DB.dashboard(db, aid)
    assert [f.label for f in third.flags] == ["A1 " + get_framework("gz-2024-four-party").indicator("A1").name]
    flag = third.flags[0]
    assert flag.spread == Decimal("1.5")
    assert [(e.name, e.value_text, e.note) for e in flag.experts] == [("林专家", "4", ""), ("王专家", "2.5", "制度齐全")]


def test_last_activity_follows_the_latest_score_or_finding(team):
    db, aid, ids = team
    assert next(e for e in DB.dashboard(db, aid).experts if e.member_id == ids["zhao"]).last_activity is None
    S.save_score(db, aid, ids["zhao"], "B1", "P2", value=5)
    after_score = next(e for e in DB.dashboard(db, aid).experts if e.member_id == ids["zhao"]).last_activity
    while audit.now() <= after_score:  # the clock has millisecond steps: let it move past the score
        time.sleep(0.001)
    S.add_finding(db, aid, ids["zhao"], "B", "strength", "片区服务覆盖面广", area_code="P2")
    after_finding = next(e for e in DB.dashboard(db, aid).experts if e.member_id == ids["zhao"])
    assert after_score is not None and after_finding.last_activity > after_score
    assert after_finding.last_activity_text == D.activity_text(after_finding.last_activity)
    assert D.activity_text("2025-02-27T10:05:09.123") == "02-27 10:05:09"


def test_na_counts_as_done_for_the_expert_and_leaves_the_section_denominator(team):
    db, aid, ids = team
    S.save_score(db, aid, ids["lin"], "A5", na=True)            # A5 max 2
    S.save_score(db, aid, ids["lin"], "A6", value=1)            # A6 max 2
    dash = DB.dashboard(db, aid)
    assert progress(dash, ids["lin"]) == "2/11"
    assert section(dash, "A").score_text == "10"                 # 1 of 2 counted -> half of 20


def test_service_quality_is_shown_per_area(team):
    db, aid, ids = team
    fw = get_framework("gz-2024-four-party")
    for ind in fw.section("B").indicators:                       # 王 scores every B indicator in 片区一 at full marks
        S.save_score(db, aid, ids["wang"], ind.code, "P1", value=ind.points)
    S.save_score(db, aid, ids["zhao"], "B1", "P2", value=3)      # B1 max 6 -> half
    areas = {a.area_name: a for a in DB.dashboard(db, aid).areas}
    assert (areas["片区一"].score_text, areas["片区一"].cells_scored, areas["片区一"].cells_total) == ("35", 5, 5)
    assert (areas["片区二"].score_text, areas["片区二"].cells_scored) == ("17.5", 1)
    assert all(a.points == Decimal(35) for a in areas.values())


def test_other_parties_are_marked_projected_until_entered(team):
    db, aid, ids = team
    S.save_score(db, aid, ids["lin"], "A1", value=4)
    S.save_party_score(db, aid, ids["lead"], "purchaser", 96)
    parties = {p.code: p for p in DB.dashboard(db, aid).parties}
    assert (parties["purchaser"].score_text, parties["purchaser"].status_text) == ("96", "已录入")
    assert parties["supervisor"].status_text == "预计"            # projected at the third party's rate
    assert parties["supervisor"].score == Decimal("80")
    assert parties["third_party"].status_text == "预计"           # not every cell scored yet


def test_demo_dashboard_agrees_with_the_scoring_engine(demo_db):
    db, aid = demo_db
    dash = DB.dashboard(db, aid)
    res = S.result(db, aid)
    assert (dash.third_party, dash.final, dash.grade) == (res.third_party, res.final, res.grade)
    assert [s.score for s in dash.sections] == [s.score for s in res.sections]
    assert [(f.indicator_code, f.area_code) for f in dash.flags] == [(c.indicator.code, c.area_code) for c in res.flags]
    assert dash.cells_scored == dash.cells_total                 # the demo scores every cell
    assert all(e.scored == e.assigned > 0 for e in dash.experts)


def test_expert_progress_uses_the_same_cells_as_assigned_cells(demo_db):
    db, aid = demo_db
    data = DB.load(db, aid)
    fw = get_framework(data.assessment["framework_id"])
    expanded = D.expand_assignments(fw, [a["code"] for a in data.areas], data.assignments)
    for m in A.list_members(db, aid):
        assert expanded.get(m["id"], []) == A.assigned_cells(db, aid, m["id"]), m["name"]


# ---------- the disagreement threshold: more than 20% of the indicator's max ----------

@pytest.mark.parametrize("code, area, first, second, flagged", [
    ("A1", "", 4, 5, False),        # max 5: spread 1.0 is exactly 20% -> no flag
    ("A1", "", 3.5, 5, True),       # spread 1.5 > 1.0
    ("A1", "", 5, 5, False),        # agreement
    ("A2", "", 3, 2.4, False),      # max 3: spread 0.6 is exactly 20%
    ("A2", "", 3, 2.3, True),       # spread 0.7 > 0.6
    ("B2", "P1", 8, 10, False),     # max 10 per 片区: spread 2 is exactly 20%
    ("B2", "P1", 7.5, 10, True),    # spread 2.5 > 2
    ("A3", "", "na", 3, True),      # one said N/A, the other scored: discuss
    ("A3", "", "na", "na", False),  # both N/A
])
def test_spread_above_a_fifth_of_max_raises_a_flag(team, code, area, first, second, flagged):
    db, aid, ids = team
    for who, v in (("lin", first), ("wang", second)):
        S.save_score(db, aid, ids[who], code, area, **({"na": True} if v == "na" else {"value": v}))
    flags = [(f.indicator_code, f.area_code) for f in DB.dashboard(db, aid).flags]
    assert flags == ([(code, area)] if flagged else [])


def test_single_score_is_never_a_disagreement(team):
    db, aid, ids = team
    S.save_score(db, aid, ids["lin"], "A1", value=0)
    assert DB.dashboard(db, aid).flags == []


# ---------- the lead's override ----------

def test_lead_override_with_reason_is_shown_on_the_flag_and_logged(team):
    db, aid, ids = team
    S.save_score(db, aid, ids["lin"], "A1", value=2)
    S.save_score(db, aid, ids["wang"], "A1", value=5)
    assert DB.dashboard(db, aid).third_party == Decimal("70.00")    # mean 3.5 of 5
    S.save_override(db, aid, ids["lead"], "A1", value=4, reason="现场复核人员档案")
    dash = DB.dashboard(db, aid)
    assert dash.third_party == Decimal("80.00")                      # the override replaces the mean
    assert dash.flags[0].override_text == "组长裁定：4（理由：现场复核人员档案）"
    entry = audit.entries(db, aid, limit=1)[0]
    assert (entry["action"], entry["entity_key"], entry["actor"]) == ("override", "A1", "组长甲")
    S.save_override(db, aid, ids["lead"], "A1")                      # clearing goes back to the mean
    assert DB.dashboard(db, aid).third_party == Decimal("70.00")


@pytest.mark.parametrize("who, reason, error", [
    ("lin", "我认为应为 4 分", PermissionDenied),   # only the lead decides
    ("lead", "  ", InvalidValue),                  # a reason is mandatory
])
def test_override_refused_without_lead_or_reason(team, who, reason, error):
    db, aid, ids = team
    with pytest.raises(error):
        S.save_override(db, aid, ids[who], "A1", value=4, reason=reason)
    assert S.overrides(db, aid) == []


# ---------- reads: a fixed handful of indexed queries ----------

def _selects(db, fn) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def test_one_refresh_reads_the_same_few_queries_however_much_is_scored(team, demo_db):
    db, aid, ids = team
    empty = _selects(db, lambda: DB.load(db, aid, with_station_data=False, with_survey=False))
    demo, demo_aid = demo_db
    full = _selects(demo, lambda: DB.load(demo, demo_aid, with_station_data=False, with_survey=False))
    assert len(empty) == len(full) <= 10              # not one query per indicator, cell or member


def test_every_read_of_a_refresh_goes_through_an_index(demo_db):
    db, aid = demo_db
    for sql in _selects(db, lambda: DB.load(db, aid)):  # station data and survey reads included
        plan = [str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql.replace("?", "0"))]
        assert not any(p.startswith("SCAN") for p in plan), (sql, plan)


# ---------- charts ----------

def test_section_chart_puts_each_score_against_its_max(demo_db):
    db, aid = demo_db
    dash = DB.dashboard(db, aid)
    fig = D.section_chart(dash)
    maxes, scores = fig.data
    n = len(dash.sections) + len(dash.areas)
    assert list(maxes.y) == [20, 35, 20, 25] + [35] * len(dash.areas) and len(maxes.x) == n
    assert list(scores.text[:4]) == [s.score_text for s in dash.sections]
    assert list(scores.x[4:]) == [f"B · {a.area_name}" for a in dash.areas]


def _with(dash, **kw):
    for k, v in kw.items():
        setattr(dash, k, v)
    return dash


def test_completion_chart_colours_indicators_below_the_100_percent_line(team):
    db, aid, _ = team
    rows = [{"name": "电话访问", "rate": Decimal("110.01"), "rate_text": "110.01%"},
            {"name": "个案接案", "rate": Decimal("99"), "rate_text": "99%"},
            {"name": "小组", "rate": Decimal("100"), "rate_text": "100%"},
            {"name": "目标缺失", "rate": None, "rate_text": "—"}]
    dash = _with(DB.dashboard(db, aid), indicators=rows)
    fig = D.completion_chart(dash)
    bar = fig.data[0]
    assert list(bar.x) == ["电话访问", "个案接案", "小组"] and list(bar.text) == ["110.01%", "99%", "100%"]
    assert list(bar.marker.color) == [D.OK_COLOR, D.LOW_COLOR, D.OK_COLOR]
    assert [s.y0 for s in fig.layout.shapes] == [100]
    assert D.completion_chart(_with(dash, indicators=[])) is None
    assert D.completion_chart(_with(dash, indicators=None)) is None


def test_satisfaction_chart_stacks_answers_per_item(team):
    db, aid, _ = team
    survey = SurveyResults(sample_size=100, called=30, reached=25, unreachable=2, refused=1, pending=72, satisfied=24,
                           satisfaction_text="96.0%",
                           breakdown={"服务态度": {"非常满意": 20, "满意": 4, "一般": 1},
                                      "总体满意度": {"非常满意": 18, "满意": 6, "不满意": 1}})
    dash = _with(DB.dashboard(db, aid), survey=survey)
    fig = D.satisfaction_chart(dash)
    by_level = {t.name: list(t.x) for t in fig.data}
    assert list(fig.data[0].y) == ["服务态度", "总体满意度"]
    assert by_level == {"非常满意": [20, 18], "满意": [4, 6], "一般": [1, 0], "不满意": [0, 1]}
    prog = D.survey_progress(survey)
    assert dict(prog["figures"])["已接通"] == 25 and prog["satisfaction_with_n"] == "96.0%（24/25）"
    assert D.satisfaction_chart(_with(dash, survey=None)) is None
    assert D.survey_progress(None) is None and D.survey_progress(SurveyResults()) is None


# ---------- station data and survey, through their own db functions ----------

def test_contract_figures_reach_the_completion_chart_on_the_next_refresh(team):
    db, aid, ids = team
    assert D.completion_chart(DB.dashboard(db, aid)) is None
    SD.save_indicator(db, aid, ids["lead"], "电话访问", "次", target=1968, actual=2165)
    SD.save_indicator(db, aid, ids["lead"], "个案接案", "个", target=100, actual=99)
    bar = D.completion_chart(DB.dashboard(db, aid)).data[0]
    assert list(bar.text) == ["110.01%", "99%"]
    assert list(bar.marker.color) == [D.OK_COLOR, D.LOW_COLOR]


def test_survey_calls_change_the_survey_progress_on_the_next_refresh(team):
    db, aid, ids = team
    assert D.survey_progress(DB.dashboard(db, aid).survey) is None        # nothing drawn yet
    SD.replace_clients(db, aid, ids["lead"], [
        dict(name=name, phone=f"1380000000{n}", community="测试社区", category="低保对象", household=f"H{n}")
        for n, name in enumerate(["黄子昕", "刘盈盈", "陈大文"])])
    SV.draw_sample(db, aid, ids["lead"], seed="dash-test")
    items = SV.list_items(db, aid)
    SV.assign(db, aid, ids["lead"], [i["id"] for i in items], ids["lin"])
    before = D.survey_progress(DB.dashboard(db, aid).survey)
    assert dict(before["figures"]) == {"抽取人数": 3, "已拨打": 0, "已接通": 0, "无法接通": 0, "拒访": 0, "待拨打/待再拨": 3}

    SV.record_call(db, aid, ids["lin"], items[0]["id"], 1, "接通", respondent="本人", knows_worker=True,
                   awareness={k: 1 for k in ("社工站地址", "服务内容", "社工人员")},
                   satisfaction={"服务态度": 5}, overall=5)
    SV.record_call(db, aid, ids["lin"], items[1]["id"], 1, "无人接听")
    SV.record_call(db, aid, ids["lin"], items[1]["id"], 2, "空号")
    dash = DB.dashboard(db, aid)
    after = D.survey_progress(dash.survey)
    assert dict(after["figures"]) == {"抽取人数": 3, "已拨打": 2, "已接通": 1, "无法接通": 1, "拒访": 0, "待拨打/待再拨": 1}
    assert after["satisfaction_text"] == "100.0%"
    overall = next(t for t in D.satisfaction_chart(dash).data if t.name == "非常满意")
    assert dict(zip(overall.y, overall.x))["总体满意度"] == 1


def test_refresh_interval_is_configurable(monkeypatch):
    monkeypatch.delenv("DASHBOARD_REFRESH_SECONDS", raising=False)
    assert D.refresh_seconds() == 5
    monkeypatch.setenv("DASHBOARD_REFRESH_SECONDS", "2.5")
    assert D.refresh_seconds() == 2.5
    monkeypatch.setenv("DASHBOARD_REFRESH_SECONDS", "abc")
    assert D.refresh_seconds() == 5
