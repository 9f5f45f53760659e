"""The submit step on the scoring page and the lead's reopening on the dashboard (AppTest, the real app)."""
from __future__ import annotations

import shutil

import pytest

from core.scoring import scoresheet as S
from core.scoring import signoff
from core.assessment import team as A
from db.connection import connect
from tests.conftest import app_test


@pytest.fixture
def demo(demo_db_file, app_env):
    shutil.copy(demo_db_file[0], app_env)
    db = connect(app_env)
    aid = demo_db_file[1]
    return db, aid, {m["name"]: m["id"] for m in A.list_members(db, aid)}


def open_page(page, aid, member_id):
    at = app_test(page, auth={"assessment_id": aid, "member_id": member_id})
    at.session_state["dash_reopen_open"] = True       # the dashboard's score sheets and reopen form: its expander open
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_submit_step_waits_for_every_cell_then_makes_the_page_read_only(demo):
    db, aid, ids = demo
    lin = ids["林晓红"]
    S.save_score(db, aid, lin, "A5", value=None, detail={})     # one cell not scored yet
    at = open_page("pages/scoring.py", aid, lin)
    assert at.button(key="sc_submit").disabled
    assert any("还有 **1** 个评分单元未评" in m.value for m in at.markdown)
    at.radio(key="sc_level_A5_").set_value("完全达到")
    at.run()
    assert at.button(key="sc_submit").disabled                   # one click is not enough: confirm first (issue 26)
    at.checkbox(key="sc_submit_confirm").check()
    at.run()
    assert not at.button(key="sc_submit").disabled
    at.button(key="sc_submit").click()
    at.run()
    assert not at.exception
    assert signoff.submission_of(db, aid, lin)["submitted"]
    assert any("提交评分，评分与意见只读" in s.value for s in at.success)
    # Read-only: each card as text (no widget left to change a score or a note), its score and note still shown.
    assert not [w for w in (*at.radio, *at.text_area, *at.checkbox, *at.number_input)
                if w.key and w.key.startswith(("sc_level_", "sc_note_", "sc_na_", "sc_crit_", "sc_value_"))]
    cards = [m.value for m in at.markdown if m.value.startswith("**A")]
    assert any(c.startswith("**A5 ") and "达到程度：完全达到" in c for c in cards)
    assert any(c.startswith("**A1 ") and "☑ " in c and "备注：" in c for c in cards)
    assert not any(b.key == "fd_A__newadd" for b in at.button)    # no new finding: a caption says why
    assert any("您已提交评分，不能新增意见" in c.value for c in at.caption)
    # A fresh session (browser refresh) is read-only too.
    again = open_page("pages/scoring.py", aid, lin)
    assert not [c for c in again.checkbox if c.key == "sc_na_A1_"]
    assert any(m.value.startswith("**A1 ") for m in again.markdown)
    assert not any(b.key == "sc_submit" for b in again.button)


def test_the_lead_reopens_on_the_dashboard_and_the_expert_can_edit_again(demo):
    db, aid, ids = demo
    lin, lead = ids["林晓红"], ids["陈志远"]
    signoff.submit_sections(db, aid, lin)
    dash = open_page("pages/dashboard.py", aid, lead)
    dash.selectbox(key="reopen_member").set_value(lin)
    dash.text_input(key="reopen_reason").set_value("A4 与查阅资料记录不一致")
    dash.button(key="reopen_submit").click()
    dash.run()
    assert not dash.exception
    assert any("已退回林晓红的评分" in s.value for s in dash.success)
    assert not signoff.submission_of(db, aid, lin)["submitted"]
    at = open_page("pages/scoring.py", aid, lin)
    assert any("A4 与查阅资料记录不一致" in i.value for i in at.info)
    assert not at.radio(key="sc_level_A5_").disabled
    assert not at.checkbox(key="sc_submit_confirm").disabled


def test_the_reopen_form_refuses_an_empty_reason_in_chinese(demo):
    db, aid, ids = demo
    signoff.submit_sections(db, aid, ids["赵敏"])
    dash = open_page("pages/dashboard.py", aid, ids["陈志远"])
    dash.button(key="reopen_submit").click()
    dash.run()
    assert any("退回评分须填写理由" in e.value for e in dash.error)
    assert signoff.submission_of(db, aid, ids["赵敏"])["submitted"]


def test_the_lead_can_print_any_experts_score_sheet_from_the_dashboard(demo):
    db, aid, ids = demo
    signoff.submit_sections(db, aid, ids["王建华"])
    dash = open_page("pages/dashboard.py", aid, ids["陈志远"])
    box = dash.selectbox(key="sheet_member")
    labels = list(box.options)
    assert "王建华（评估专家，已提交）" in labels and "陈志远（组长，未提交）" in labels
    assert "黄小燕" not in " ".join(labels)                     # staff score nothing
