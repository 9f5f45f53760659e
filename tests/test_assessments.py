"""Assessments, members, permissions, locking and the audit log, on a real SQLite file."""
import json

import pytest

from core.scoring import scoresheet as S
from core.assessment import team as A
from db import audit
from db.errors import AssessmentLocked, InvalidValue, LoginFailed, NotFound, PermissionDenied


@pytest.fixture
def team(fresh_db):
    db = fresh_db
    aid, lead = A.new_assessment(db, {"name": "元岗街社工服务站", "district": "天河区"}, "gz-2024-four-party", "组长甲", "1234")
    A.set_areas(db, aid, lead, [{"name": "片区一"}, {"name": "片区二"}])
    e1 = A.add_member(db, aid, lead, "专家乙", "expert", "2222", sections=["A", ("B", "P1")])
    e2 = A.add_member(db, aid, lead, "专家丙", "expert", "3333", sections=["C", ("B", "P2")])
    return db, aid, lead, e1, e2


def test_pins_are_stored_hashed_and_checked(team):
    db, aid, lead, e1, _ = team
    stored = [r[0] for r in db.execute("SELECT pin_hash FROM members")]
    assert all(h.startswith("pbkdf2_sha256$") and "2222" not in h for h in stored)
    assert A.login(db, aid, "专家乙", "2222")["id"] == e1
    with pytest.raises(LoginFailed, match="PIN 不正确"):
        A.login(db, aid, "专家乙", "9999")


def test_expert_scores_only_assigned_cells(team):
    db, aid, lead, e1, e2 = team
    S.save_score(db, aid, e1, "A1", value=4)
    S.save_score(db, aid, e1, "B1", "P1", value=5)
    with pytest.raises(PermissionDenied, match="只能修改自己负责的评分"):
        S.save_score(db, aid, e1, "C1", value=5)      # 专家丙's section
    with pytest.raises(PermissionDenied):
        S.save_score(db, aid, e1, "B1", "P2", value=5)  # another 片区
    assert [(r["indicator_code"], r["area_code"], r["value"]) for r in S.scores(db, aid)] == [("A1", "", 4.0), ("B1", "P1", 5.0)]


def test_experts_cannot_touch_each_others_findings(team):
    db, aid, lead, e1, e2 = team
    fid = S.add_finding(db, aid, e1, "A", "concern", "劳动合同工作地点表述模糊")
    with pytest.raises(PermissionDenied, match="自己填写"):
        S.update_finding(db, aid, e2, fid, text="改写")
    with pytest.raises(PermissionDenied):
        S.delete_finding(db, aid, e2, fid)
    assert S.findings(db, aid)[0]["text"] == "劳动合同工作地点表述模糊"


@pytest.mark.parametrize("value,message", [
    (5.5, "不能超过满分 5 分"), (-1, "不能小于 0"), ("abc", "不是数字"),
])
def test_out_of_range_score_is_refused_in_chinese(team, value, message):
    db, aid, lead, e1, _ = team
    with pytest.raises(InvalidValue, match=message):
        S.save_score(db, aid, e1, "A1", value=value)
    assert S.scores(db, aid) == []


def test_combo_criteria_and_levels_give_the_score(team):
    db, aid, lead, e1, _ = team
    assert S.save_score(db, aid, e1, "A1", detail={"criteria": [0, 2]})["value"] == 3.0   # 1.5 + 1.5
    assert S.save_score(db, aid, e1, "A2", detail={"level": "基本达到"})["value"] == 2.4  # 0.8 × 3


def test_locked_assessment_refuses_every_edit_and_unlock_is_logged(team):
    db, aid, lead, e1, _ = team
    S.save_score(db, aid, e1, "A1", value=4)
    A.set_locked(db, aid, lead, True)
    for attempt in (lambda: S.save_score(db, aid, e1, "A1", value=3),
                    lambda: S.add_finding(db, aid, e1, "A", "strength", "x"),
                    lambda: S.save_party_score(db, aid, lead, "purchaser", 90),
                    lambda: A.add_member(db, aid, lead, "新人", "expert", "1234")):
        with pytest.raises(AssessmentLocked, match="已锁定"):
            attempt()
    with pytest.raises(PermissionDenied):
        A.set_locked(db, aid, e1, False)  # only the lead unlocks
    A.set_locked(db, aid, lead, False)
    actions = [r["action"] for r in audit.entries(db, aid)]
    assert actions[:2] == ["unlock", "lock"]
    assert S.scores(db, aid)[0]["value"] == 4


def test_every_change_is_in_the_audit_log_with_old_and_new(team):
    db, aid, lead, e1, _ = team
    before = len(audit.entries(db, aid))
    S.save_score(db, aid, e1, "A1", value=4)
    S.save_score(db, aid, e1, "A1", value=4.5)
    S.save_score(db, aid, e1, "A1", value=4.5)  # no change, no entry
    S.save_score(db, aid, e1, "A1", note="持证率 75%")
    fid = S.add_finding(db, aid, e1, "A", "strength", "制度健全")
    S.update_finding(db, aid, e1, fid, text="人事制度健全")
    S.save_override(db, aid, lead, "A1", value=4, reason="专家讨论后确定")
    rows = audit.entries(db, aid)[: len(audit.entries(db, aid)) - before][::-1]
    assert [(r["action"], r["entity"], r["actor"]) for r in rows] == [
        ("create", "score", "专家乙"), ("update", "score", "专家乙"), ("update", "score", "专家乙"),
        ("create", "finding", "专家乙"), ("update", "finding", "专家乙"), ("override", "score", "组长甲")]
    assert json.loads(rows[1]["old"])["value"] == 4 and json.loads(rows[1]["new"])["value"] == 4.5
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM audit_log")


def test_override_needs_the_lead_and_a_reason(team):
    db, aid, lead, e1, _ = team
    with pytest.raises(PermissionDenied):
        S.save_override(db, aid, e1, "A1", value=3, reason="x")
    with pytest.raises(InvalidValue, match="理由"):
        S.save_override(db, aid, lead, "A1", value=3, reason=" ")
    S.save_override(db, aid, lead, "A1", value=3, reason="讨论确定")
    assert S.result(db, aid).cell("A1").value == 3


def test_failed_creation_leaves_nothing_behind(fresh_db):
    with pytest.raises(InvalidValue, match="PIN"):
        A.new_assessment(fresh_db, {"name": "某街社工站"}, "gz-2024-four-party", "组长", "12")
    assert fresh_db["stations"].count == 0 and fresh_db["assessments"].count == 0


def test_demo_assessment_has_scores_final_and_grade(demo_db):
    db, aid = demo_db
    r = S.result(db, aid)
    assert r.third_party_complete and not r.final_projected
    assert r.third_party is not None and r.final >= 90 and r.grade == "优秀"
    assert [(c.indicator.code, c.area_code) for c in r.flags] == [("B3", "P2")]
    assert len(A.list_members(db, aid)) == 6


def test_framework_can_change_only_before_any_score(team):
    db, aid, lead, e1, _ = team
    A.update_assessment(db, aid, lead, framework_id="gz-2019-city")
    A.update_assessment(db, aid, lead, framework_id="gz-2024-four-party")
    A.set_assignments(db, aid, lead, e1, ["A"])
    S.save_score(db, aid, e1, "A1", value=4)
    with pytest.raises(InvalidValue, match="不能更换评估框架"):
        A.update_assessment(db, aid, lead, framework_id="gz-2019-city")


def test_removing_a_pian_qu_removes_its_assignments(team):
    db, aid, lead, e1, e2 = team
    assert ("B1", "P2") in A.assigned_cells(db, aid, e2)
    A.set_areas(db, aid, lead, [{"code": "P1", "name": "片区一"}])
    assert A.list_members(db, aid)[2]["sections"] == [("C", "")]
    assert not [c for c in A.assigned_cells(db, aid, e2) if c[1] == "P2"]


# ---------- the set-up rules in core.assessment.team ----------

def test_communities_are_split_on_enumeration_commas_commas_and_new_lines():
    assert A.split_communities("甲社区、乙社区，丙社区, 丁社区\n戊社区、、 ") == ["甲社区", "乙社区", "丙社区", "丁社区", "戊社区"]
    assert A.split_communities(["甲社区", " ", " 乙社区 "]) == ["甲社区", "乙社区"]
    assert A.split_communities(None) == []


def test_station_communities_typed_as_text_are_stored_as_a_list(team):
    db, aid, lead, *_ = team
    A.update_station(db, aid, lead, communities="上元岗社区，下元岗社区、长湴社区")
    station = A.get_station(db, A.get_assessment(db, aid)["station_id"])
    assert station["communities"] == ["上元岗社区", "下元岗社区", "长湴社区"]


@pytest.mark.parametrize("call,message", [
    (lambda db, aid, lead: A.add_member(db, aid, lead, "专家丁", "expert", "4444", sections=["Z"]), "未知指标部分“Z”"),
    (lambda db, aid, lead: A.add_member(db, aid, lead, " ", "expert", "4444"), "姓名不能为空"),
    (lambda db, aid, lead: A.add_member(db, aid, lead, "专家乙", "expert", "4444"), "已存在"),
    (lambda db, aid, lead: A.add_member(db, aid, lead, "专家丁", "boss", "4444"), "未知角色"),
    (lambda db, aid, lead: A.update_assessment(db, aid, lead, kind="年度"), "中期"),
    (lambda db, aid, lead: A.update_assessment(db, aid, lead, framework_id="gz-2099"), "找不到评估框架"),
    (lambda db, aid, lead: A.update_station(db, aid, lead, name=" "), "社工站名称不能为空"),
    (lambda db, aid, lead: A.set_areas(db, aid, lead, [{"name": "片区一"}, {"name": "片区一"}]), "片区名称重复"),
    (lambda db, aid, lead: A.set_pin(db, aid, lead, lead, "12ab"), "PIN 须为"),
], ids=["section", "name", "duplicate", "role", "kind", "framework", "station-name", "area-names", "pin"])
def test_invalid_set_up_is_refused_in_chinese_and_changes_nothing(team, call, message):
    db, aid, lead, *_ = team
    before = "\n".join(db.conn.iterdump())
    with pytest.raises(InvalidValue, match=message):
        call(db, aid, lead)
    assert "\n".join(db.conn.iterdump()) == before


def test_a_new_member_with_sections_is_one_audit_entry(team):
    db, aid, lead, *_ = team
    n = len(audit.entries(db, aid))
    mid = A.add_member(db, aid, lead, "专家丁", "expert", "4444", sections=["A", ("B", "P2")])
    rows = audit.entries(db, aid)
    assert len(rows) == n + 1
    assert (rows[0]["action"], rows[0]["entity"], rows[0]["entity_key"]) == ("create", "member", str(mid))
    assert json.loads(rows[0]["new"]) == {"name": "专家丁", "role": "expert", "sections": [["A", ""], ["B", "P2"]]}


def test_a_reset_pin_replaces_the_old_one_and_is_logged_without_it(team):
    db, aid, lead, e1, _ = team
    A.set_pin(db, aid, lead, e1, "86420")
    assert A.login(db, aid, "专家乙", "86420")["id"] == e1
    with pytest.raises(LoginFailed):
        A.login(db, aid, "专家乙", "2222")
    # the newest rows: the wrong PIN's 登录失败, then the reset (neither holds a PIN)
    entries = audit.entries(db, aid, limit=2)
    assert [e["action"] for e in entries] == ["login_failed", "reset_pin"]
    assert not any(pin in (e["new"] or "") for e in entries for pin in ("86420", "2222"))


def test_the_lead_cannot_touch_a_member_of_another_assessment(team):
    db, aid, lead, e1, _ = team
    other, other_lead = A.new_assessment(db, {"name": "另一社工站"}, "gz-2024-four-party", "组长丁", "4321")
    with pytest.raises(PermissionDenied, match="不属于本评估"):
        A.set_pin(db, aid, lead, other_lead, "5555")
    with pytest.raises(PermissionDenied, match="不属于本评估"):
        A.set_assignments(db, aid, lead, other_lead, ["A"])
    assert A.login(db, other, "组长丁", "4321")["id"] == other_lead


def test_a_station_and_its_assessment_can_be_created_in_two_steps(fresh_db):
    sid = A.create_station(fresh_db, "测试街社工服务站", communities="甲社区、乙社区", district="白云区")
    aid, lead = A.create_assessment(fresh_db, sid, "gz-2024-four-party", "组长甲", "1111", kind="中期")
    assert A.get_station(fresh_db, sid)["communities"] == ["甲社区", "乙社区"]
    assert A.assessment_title(fresh_db, aid) == "白云区测试街社工服务站 中期评估报告"
    assert A.get_member(fresh_db, lead)["role"] == "lead" and not A.is_locked(fresh_db, aid)
    with pytest.raises(NotFound):
        A.create_assessment(fresh_db, sid + 1, "gz-2024-four-party", "组长乙", "1111")


def test_audit_entries_show_chinese_labels_and_masked_personal_details(demo_db):
    from db.clients import identities

    db, aid = demo_db
    lead = next(m["id"] for m in A.list_members(db, aid) if m["role"] == "lead")
    client = identities(db, aid)[0][0]
    A.update_station(db, aid, lead, address=f"联系{client}，电话13812341234，座机020-87654321")
    entry = A.audit_entries(db, aid, limit=1)[0]
    assert (entry["action"], entry["entity"], entry["actor"]) == ("修改", "社工站", "陈志远")
    assert (entry["action_code"], entry["entity_code"]) == ("update", "station")
    assert client not in entry["new"] and "13812341234" not in entry["new"] and "87654321" not in entry["new"]
    assert "138****1234" in entry["new"] and "020-****4321" in entry["new"]
