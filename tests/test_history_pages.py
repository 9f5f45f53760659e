"""The 历次评估 and 机构总览 pages and the home page's "same station?" choice, through the real
app (AppTest)."""
from __future__ import annotations

import json
import shutil

import pytest

from core.agency import overview
from core.agency import stations
from core.station import data as station_data
from core.assessment import team
from core.agency.transfer import export_assessment, import_to_station
from db.connection import connect
from tests.conftest import app_test, static_tables


@pytest.fixture
def agency_app(demo_db_file, app_env):
    """The demo plus an earlier term of 元岗街 and a station in another district, in the app's file."""
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    doc = export_assessment(db, aid)
    earlier = json.loads(json.dumps(doc))
    earlier["tables"]["assessments"][0].update(period_label="2022—2023 年度", visit_date="2023-03-02")
    e = import_to_station(db, earlier)["assessment_id"]
    other = json.loads(json.dumps(doc))
    other["tables"]["stations"][0].update(district="白云区", street="棠下街", name="棠下街社工服务站")
    o = import_to_station(db, other)["assessment_id"]
    lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
    expert = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "expert")
    yield db, {"demo": aid, "earlier": e, "other": o, "lead": lead, "expert": expert}
    db.conn.close()


def _df(at, column):
    """The page's table having `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _open(page, aid, member):
    at = app_test(page, auth={"assessment_id": aid, "member_id": member})
    at.run()
    assert not at.exception, at.exception
    return at


def test_history_page_shows_the_stations_terms_in_order_with_charts(agency_app):
    db, ids = agency_app
    at = _open("pages/history.py", ids["demo"], ids["lead"])
    df = _df(at, "评估日期")
    assert list(df["评估"]) == ["2022—2023 年度末期", "2023—2024 年度末期"]
    assert list(df["最终得分"]) == ["91.17", "91.17"]
    assert not at.get("plotly_chart")                    # the trend charts: drawn once their expander opens
    at.session_state["history_charts"] = True
    at.run()
    assert len(at.get("plotly_chart")) == 4
    assert df["满意度（95% 置信区间）"].iloc[1] == "95.8%（92/96；93.2%–97.5%）"
    # the lead may open another station's history
    other = stations.station_of_assessment(db, ids["other"])
    at.selectbox(key="history_station").set_value(other).run()
    assert not at.exception
    assert len(_df(at, "评估日期")) == 1


def test_an_expert_sees_their_own_stations_history_only(agency_app):
    db, ids = agency_app
    at = _open("pages/history.py", ids["demo"], ids["expert"])
    box = at.selectbox(key="history_station")
    assert box.disabled and len(box.options) == 1


def test_overview_page_filters_and_lists_concerns_and_experts(agency_app):
    db, ids = agency_app
    at = _open("pages/overview.py", ids["demo"], ids["lead"])
    assert len(_df(at, "评估编号")) == 3
    assert not at.get("plotly_chart")                    # the distribution charts: drawn once their expander opens
    at.session_state["ov_charts"] = True
    at.run()
    assert len(at.get("plotly_chart")) == 4
    at.multiselect(key="ov_district").set_value(["白云区"]).run()
    assert not at.exception
    df = _df(at, "评估编号")
    assert list(df["社工站"]) == ["棠下街社工服务站"]
    assert {m.label: m.value for m in at.metric}["评估次数"] == "1/3"
    concerns = next(t for t in static_tables(at) if "部分 · 指标" in t)      # a Markdown table
    assert len(concerns["部分 · 指标"]) > 0 and all(int(n) > 0 for n in concerns["意见条数"])
    experts = _df(at, "比较单元")
    assert "赵敏" in list(experts["专家"])


def test_overview_page_is_for_leads(agency_app):
    db, ids = agency_app
    at = _open("pages/overview.py", ids["demo"], ids["expert"])
    assert "无权访问" in at.error[0].value


def test_home_page_asks_before_attaching_a_new_assessment_to_its_station(agency_app):
    db, ids = agency_app
    at = app_test()
    at.run()
    at.text_input(key="new_station").set_value("元岗街社工服务站")
    at.text_input(key="new_district").set_value("天河区")
    at.text_input(key="new_street").set_value("元岗街道")
    at.text_input(key="new_period").set_value("2024—2025 年度")
    at.text_input(key="new_lead").set_value("新组长")
    at.text_input(key="new_lead_pin").set_value("2468")
    at.button(key="create_submit").click().run()
    assert not at.exception, at.exception
    assert "已有同一社工站" in at.info[0].value and "auth" not in at.session_state
    at.button(key="create_attach").click().run()
    assert not at.exception, at.exception
    aid = at.session_state["auth"]["assessment_id"]
    assert stations.station_of_assessment(db, aid) == stations.station_of_assessment(db, ids["demo"])
    recs = station_data.list_recommendations(db, aid)
    assert recs and all(r["status"] == "未核实" for r in recs)
    assert [r["id"] for r in overview.history_of_assessment(db, aid)][-1] == aid


def test_home_page_can_make_it_a_new_station(agency_app):
    db, ids = agency_app
    at = app_test()
    at.run()
    at.text_input(key="new_station").set_value("元岗街第二社工服务站")
    at.text_input(key="new_district").set_value("天河区")
    at.text_input(key="new_street").set_value("元岗街")
    at.text_input(key="new_lead").set_value("新组长")
    at.text_input(key="new_lead_pin").set_value("2468")
    at.button(key="create_submit").click().run()
    at.button(key="create_as_new").click().run()
    assert not at.exception, at.exception
    aid = at.session_state["auth"]["assessment_id"]
    assert stations.station_of_assessment(db, aid) != stations.station_of_assessment(db, ids["demo"])
    assert station_data.list_recommendations(db, aid) == []


def test_report_page_switch_turns_the_history_table_off(agency_app):
    db, ids = agency_app
    at = _open("pages/report.py", ids["demo"], ids["lead"])
    box = at.checkbox(key="rp_history")
    assert box.value is True
    assert any("更早的评估" in c.value for c in at.caption)
    box.uncheck().run()
    assert not at.exception, at.exception
    assert team.get_assessment(db, ids["demo"])["report_history"] == 0
