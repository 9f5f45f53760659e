"""The first complete path through the real app (AppTest): create, assign, score, lock, audit."""
import pytest

from core.scoring import scoresheet as S
from core.assessment import team as A
from core.labels import AUDIT_ENTITIES
from db import audit
from db.connection import connect
from tests.conftest import app_test


def submit(at, key):
    """Click a form's submit button (every widget has an explicit key)."""
    at.button(key=key).click()
    at.run()
    assert not at.exception, at.exception


@pytest.fixture
def created(app_env):
    """The lead creates an assessment on the home page and adds two experts on the setup page."""
    at = app_test()
    at.run()
    assert "还没有评估" in at.info[0].value
    at.text_input(key="new_station").set_value("元岗街社工服务站")
    at.text_input(key="new_district").set_value("天河区")
    at.text_input(key="new_lead").set_value("陈组长")
    at.text_input(key="new_lead_pin").set_value("1111")
    submit(at, "create_submit")
    auth = at.session_state["auth"]
    db = connect(app_env)
    aid, lead = auth["assessment_id"], auth["member_id"]
    assert A.get_member(db, lead)["role"] == "lead"

    at.switch_page("pages/setup.py")
    at.run()
    for name, pin, sections in (("林专家", "2222", [("A", "")]), ("周专家", "3333", [("C", "")])):
        at.text_input(key="new_member_name").set_value(name)
        at.text_input(key="new_member_pin").set_value(pin)
        at.multiselect(key="new_member_sections").set_value(sections)
        submit(at, "add_member_submit")
    members = {m["name"]: m for m in A.list_members(db, aid)}
    assert members["林专家"]["sections"] == [("A", "")] and members["周专家"]["sections"] == [("C", "")]
    return db, aid, lead, members["林专家"]["id"], members["周专家"]["id"]


def login(at_aid, name, pin):
    at = app_test()
    at.run()
    at.selectbox(key="login_assessment").set_value(at_aid)
    at.run()
    at.selectbox(key="login_name").set_value(name)
    at.text_input(key="login_pin").set_value(pin)
    submit(at, "login_submit")
    return at


def test_wrong_pin_is_refused(created):
    db, aid, *_ = created
    at = login(aid, "林专家", "0000")
    assert "auth" not in at.session_state
    assert at.error[0].value == "姓名或 PIN 不正确"


def test_each_expert_scores_only_their_own_indicators(created):
    db, aid, lead, lin, zhou = created
    at = login(aid, "林专家", "2222")
    at.switch_page("pages/scoring.py")
    at.run()
    assert [r.label for r in at.radio][0] == "评分部分"
    assert at.radio(key="scoring_group").options == ["A 项目管理"]
    assert "已评 0 / 分配 6" in at.get("progress")[0].proto.text
    at.checkbox(key="sc_crit_A1__0").check()   # 持证率 ≥ 70%: 1.5 points
    at.run()
    at.checkbox(key="sc_crit_A1__2").check()   # 到岗: 1.5 points
    at.run()
    at.radio(key="sc_level_A2_").set_value("完全达到")
    at.run()
    assert {(r["indicator_code"], r["value"]) for r in S.scores(db, aid, lin)} == {("A1", 3.0), ("A2", 3.0)}
    assert "已评 2 / 分配 6" in at.get("progress")[0].proto.text
    # No widget of another expert's indicator is on this expert's page.
    assert not [w for w in at.number_input if w.key.startswith("sc_value_C")]

    zt = login(aid, "周专家", "3333")
    zt.switch_page("pages/scoring.py")
    zt.run()
    assert zt.radio(key="scoring_group").options == ["C 服务监测"]
    assert not [c for c in zt.checkbox if c.key.startswith("sc_crit_A")]


def test_score_above_max_or_below_zero_is_refused_with_a_chinese_message(created):
    db, aid, lead, lin, zhou = created
    at = login(aid, "周专家", "3333")
    at.switch_page("pages/scoring.py")
    at.run()
    at.number_input(key="sc_value_C1_").set_value(9)
    at.run()
    assert any("不能超过满分 8 分" in e.value for e in at.error)
    at.number_input(key="sc_value_C1_").set_value(-1)
    at.run()
    assert any("不能小于 0" in e.value for e in at.error)
    assert S.scores(db, aid, zhou) == []
    at.number_input(key="sc_value_C1_").set_value(7.5)
    at.run()
    assert not at.error
    assert S.scores(db, aid, zhou)[0]["value"] == 7.5


def test_findings_are_saved_and_only_the_author_edits_them(created):
    db, aid, lead, lin, zhou = created
    at = login(aid, "林专家", "2222")
    at.switch_page("pages/scoring.py")
    at.run()
    at.radio(key="fd_A__newkind").set_value("concern")
    at.run()
    # Saved as soon as the text box is left: no button to forget.
    at.text_area(key="fd_A__newtext").set_value("<b>劳动合同</b>工作地点表述模糊")
    at.run()
    assert at.text_area(key="fd_A__newtext").value == ""
    at.button(key="fd_A__newadd").click()   # clicking afterwards adds nothing twice
    at.run()
    assert len(S.findings(db, aid)) == 1
    f = S.findings(db, aid)[0]
    assert (f["kind"], f["text"], f["member_id"]) == ("concern", "<b>劳动合同</b>工作地点表述模糊", lin)
    # The lead scoring section A sees it read-only (as text, not HTML).
    A.set_assignments(db, aid, lead, lead, ["A"])
    lt = app_test("pages/scoring.py", auth={"assessment_id": aid, "member_id": lead})
    lt.run()
    shown = [md.value for md in lt.markdown if "林专家" in md.value]
    assert len(shown) == 1 and "林专家：\\<b\\>劳动合同\\</b\\>工作地点表述模糊" in shown[0]   # escaped: shown as typed
    assert not [t for t in lt.text_area if t.key.startswith("fd_A__text_")]


def test_locked_assessment_is_read_only_and_lock_is_logged(created):
    db, aid, lead, lin, zhou = created
    lt = app_test("pages/setup.py", auth={"assessment_id": aid, "member_id": lead})
    lt.run()
    lt.button(key="lock").click()
    lt.run()
    assert A.is_locked(db, aid)
    at = login(aid, "林专家", "2222")
    at.switch_page("pages/scoring.py")
    at.run()
    assert "已锁定" in at.warning[0].value
    assert not [c for c in at.checkbox if (c.key or "").startswith("sc_crit_")]     # no tick left to change
    assert any(m.value.startswith("**A1 ") and "☐ " in m.value for m in at.markdown)    # the criteria as text
    lt.button(key="unlock").click()
    lt.run()
    assert [r["action"] for r in audit.entries(db, aid)][:2] == ["unlock", "lock"]


def test_audit_page_lists_every_change(created):
    db, aid, lead, lin, zhou = created
    S.save_score(db, aid, zhou, "C1", value=7)
    S.save_score(db, aid, zhou, "C1", value=7.5, note="电话 13812341234 回访")
    at = app_test("pages/audit.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    df = at.dataframe[0].value
    assert len(df) == len(audit.entries(db, aid))
    score_rows = df[df["对象"] == AUDIT_ENTITIES["score"]]
    assert list(score_rows["操作人"]) == ["周专家", "周专家"]
    assert "13812341234" not in df.to_string() and "138****1234" in df.to_string()


def test_demo_lead_sees_scores_final_and_grade_on_home(app_env):
    at = app_test()
    at.run()
    at.button(key="load_demo").click()
    at.run()
    assert "示例评估已创建" in at.success[0].value
    db = connect(app_env)
    aid = A.list_assessments(db)[0]["id"]
    at = login(aid, "陈志远", "1111")
    metrics = {m.label: m.value for m in at.metric}
    r = S.result(db, aid)
    assert metrics == {"第三方评分": str(r.third_party), "最终得分": str(r.final), "评估等级": "优秀"}
    assert r.final >= 90


def test_lead_adds_renames_and_removes_pian_qu_as_typed(created):
    db, aid, lead, lin, zhou = created
    at = app_test("pages/setup.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    at.button(key="area_add").click()
    at.run()
    at.button(key="area_add").click()
    at.run()
    station = A.get_assessment(db, aid)["station_id"]
    assert [x["name"] for x in A.list_areas(db, station)] == ["片区1", "片区2"]
    at.text_input(key="area_name_P1").set_value("片区一")
    at.run()
    at.text_input(key="area_comm_P1").set_value("上元岗社区、下元岗社区")
    at.run()
    assert [(x["code"], x["name"], x["communities"]) for x in A.list_areas(db, station)] == [
        ("P1", "片区一", ["上元岗社区", "下元岗社区"]), ("P2", "片区2", [])]
    # A 片区 with scores cannot be removed; one without can.
    A.set_assignments(db, aid, lead, zhou, ["C", ("B", "P1")])
    S.save_score(db, aid, zhou, "B1", "P1", value=5)
    at.button(key="area_del_P1").click()
    at.run()
    assert any("片区一已有专家评分，不能删除" in e.value for e in at.error)
    at.button(key="area_del_P2").click()
    at.run()
    assert [x["name"] for x in A.list_areas(db, station)] == ["片区一"]
