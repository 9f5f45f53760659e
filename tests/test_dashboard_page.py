"""The 实时总览 page through the real app (AppTest): figures follow saved scores, flags,
the lead's override form, the experts' read-only view."""
from __future__ import annotations

import shutil

import pytest

from conftest import app_test, static_tables
from core.day import dashboard as D
from core.day import live as DB
from core.scoring import scoresheet as S
from core.assessment import team as A
from db import audit
from db.connection import connect
from test_dashboard import team_db_file  # noqa: F401  (the session fixture is shared)

PAGE = "pages/dashboard.py"


@pytest.fixture
def team_app(team_db_file, app_env):
    """The team's database copied to the app's ASSESSMENT_DB: (db, aid, ids)."""
    src, aid, ids = team_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    yield db, aid, ids
    db.conn.close()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at) -> list[str]:
    """Each line of the page's plain texts and Markdown (a flag's experts are lines under its heading)."""
    return [line for t in (*at.text, *at.markdown) for line in t.value.split("  \n")]


def open_page(aid, member_id, forms: bool = True):
    at = app_test(PAGE, auth={"assessment_id": aid, "member_id": member_id})
    if forms:      # the lead's forms are drawn while their expanders are open
        at.session_state["dash_reopen_open"] = at.session_state["dash_override_open"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_leads_forms_are_drawn_once_their_expander_is_opened(team_app):
    db, aid, ids = team_app
    S.save_score(db, aid, ids["lin"], "A1", value=5)
    S.save_score(db, aid, ids["wang"], "A1", value=2)
    at = open_page(aid, ids["lead"], forms=False)
    keys = {w.key for w in (*at.selectbox, *at.button, *at.text_area, *at.number_input)}
    assert not keys & {"ovr_cell", "ovr_save_A1_", "sheet_member", "reopen_member"}
    assert [e.label for e in at.expander if "裁定" in e.label or "退回" in e.label] == [
        "打印专家评分表、退回已提交的评分", "裁定一个指标的分数（分歧项，或勾选后任一指标）"]
    at.session_state["dash_override_open"] = True
    at.run()
    assert at.selectbox(key="ovr_cell").value == ("A1", "")      # the flagged cell first
    assert not any(w.key == "sheet_member" for w in at.selectbox)


def test_page_figures_follow_two_experts_saving_scores(team_app):
    db, aid, ids = team_app
    at = open_page(aid, ids["lead"])
    m = metrics(at)
    assert (m["第三方得分（目前）"], m["预计最终得分"], m["预计等级"]) == ("—", "—", "—")
    assert (m["已评单元"], m["分歧提示"]) == ("0/23", "0")

    S.save_score(db, aid, ids["lin"], "A1", value=4, note="档案齐全")
    S.save_score(db, aid, ids["wang"], "A1", value=2)            # spread 2 > 20% of 5
    at.run()                                                      # the next refresh
    m = metrics(at)
    assert m["第三方得分（目前）"] == "60"                         # mean 3 of 5
    assert (m["已评单元"], m["分歧提示"]) == ("1/23", "1")
    assert m["预计最终得分"] == "60" and m["预计等级"] == "合格"     # other parties projected at the same rate
    assert "林专家：4（档案齐全）" in texts(at) and "王专家：2" in texts(at)
    progress = next(t for t in static_tables(at) if "已评/分配" in t)             # 专家评分进度
    assert dict(zip(progress["成员"], progress["已评/分配"])) == {"组长甲": "0/7", "林专家": "1/11",
                                                               "王专家": "1/11", "赵专家": "0/5"}
    assert dict(zip(progress["成员"], progress["进度"]))["林专家"] == "▰▱▱▱▱▱▱▱ 9.09%"     # 1 of 11 as a text bar

    S.save_score(db, aid, ids["wang"], "A1", value=4)            # they now agree
    at.run()
    m = metrics(at)
    assert (m["第三方得分（目前）"], m["分歧提示"]) == ("80", "0")
    assert any("没有需要讨论的分歧" in s.value for s in at.success)


def test_lead_overrides_a_flagged_indicator_with_a_reason(team_app):
    db, aid, ids = team_app
    S.save_score(db, aid, ids["lin"], "A1", value=5)
    S.save_score(db, aid, ids["wang"], "A1", value=2)
    at = open_page(aid, ids["lead"])
    assert at.selectbox(key="ovr_cell").value == ("A1", "")
    at.number_input(key="ovr_value_A1_").set_value(4.0)
    at.text_area(key="ovr_reason_A1_").input("复核档案后取 4 分")
    at.button(key="ovr_save_A1_").click()
    at.run()
    assert not at.exception
    assert [(o["indicator_code"], o["value"], o["reason"]) for o in S.overrides(db, aid)] == [("A1", 4.0, "复核档案后取 4 分")]
    assert metrics(at)["第三方得分（目前）"] == "80"
    assert any("组长裁定：4（理由：复核档案后取 4 分）" in i.value for i in at.info)
    assert any("已保存" in s.value for s in at.success)
    entry = audit.entries(db, aid, limit=1)[0]
    assert (entry["action"], entry["entity_key"]) == ("override", "A1")


def test_override_without_reason_shows_a_chinese_error_and_saves_nothing(team_app):
    db, aid, ids = team_app
    S.save_score(db, aid, ids["lin"], "A1", value=5)
    S.save_score(db, aid, ids["wang"], "A1", value=2)
    at = open_page(aid, ids["lead"])
    at.number_input(key="ovr_value_A1_").set_value(4.0)
    at.button(key="ovr_save_A1_").click()
    at.run()
    assert [e.value for e in at.error] == ["指标 A1：组长调整分数必须填写理由"]
    assert S.overrides(db, aid) == []


def test_locked_assessment_shows_figures_but_no_override_form(team_app):
    db, aid, ids = team_app
    S.save_score(db, aid, ids["lin"], "A1", value=5)
    S.save_score(db, aid, ids["wang"], "A1", value=2)
    A.set_locked(db, aid, ids["lead"], True)
    at = open_page(aid, ids["lead"])
    assert metrics(at)["分歧提示"] == "1"
    assert not at.button and any("已锁定" in i.value for i in at.info)


def test_expert_sees_the_figures_read_only(team_app):
    db, aid, ids = team_app
    S.save_score(db, aid, ids["lin"], "A1", value=5)
    S.save_score(db, aid, ids["wang"], "A1", value=2)
    at = open_page(aid, ids["zhao"])
    assert metrics(at)["分歧提示"] == "0"                         # before the reveal: his own cells only (issue 26)
    S.reveal_scores(db, aid, ids["lead"])
    at = open_page(aid, ids["zhao"])
    assert metrics(at)["分歧提示"] == "1"
    # Blind: 赵专家 (B in 片区二) has not scored A1, so its experts' scores stay hidden from him…
    assert "林专家：5" not in texts(at)
    assert any("在您保存本项评分后显示" in c.value for c in at.caption)
    assert not at.button and not at.selectbox                    # no override form
    assert any("只读" in c.value for c in at.caption)
    # …while 林专家, who scored it, sees both.
    at = open_page(aid, ids["lin"])
    assert {"林专家：5", "王专家：2"} <= set(texts(at))


def test_demo_dashboard_shows_its_disagreement_and_charts(demo_db, app_env):
    db, aid = demo_db
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(db.conn.execute("PRAGMA database_list").fetchone()[2], app_env)
    dash = DB.dashboard(db, aid)
    lead = next(m["id"] for m in A.list_members(db, aid) if m["role"] == "lead")
    at = open_page(aid, lead)
    m = metrics(at)
    assert m[dash.final_label] == dash.final_text and m[dash.grade_label] == dash.grade
    assert dash.third_party_text in (m.get("第三方得分"), m.get("第三方得分（目前）"))
    assert m["分歧提示"] == str(len(dash.flags)) != "0"
    assert any("B3" in s.value and "片区二" in s.value for s in at.markdown)
    # The charts' figures as tables (section scores against the maximum, completion, satisfaction per item)…
    tables = "\n".join(s.value for s in at.markdown)
    assert "| 部分 | 得分 | 满分 | 得分率 | 已评 |" in tables and "| 协议指标 | 完成率 | 状态 |" in tables
    assert "| 分项 | 非常满意 |" in tables
    assert not at.get("plotly_chart")
    # …and the charts themselves once their expander is opened.
    at.session_state["dash_charts"] = True
    at.run()
    assert len(at.get("plotly_chart")) == 3                      # sections, completion, satisfaction
    survey = D.survey_progress(dash.survey)
    figures = next(t for t in static_tables(at) if "满意度（目前）" in t)     # the survey's figures: one table row
    assert figures["满意度（目前）"] == [survey["satisfaction_text"]]
    assert [figures[label] for label, _ in survey["figures"]] == [[str(v)] for _, v in survey["figures"]]
