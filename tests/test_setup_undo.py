"""Undo for set-up mistakes: members renamed, removed (only before they have recorded anything)
or deactivated; assessments named and deleted (lead-confirmed, refused when locked, kept and
restorable from the command line); the demo never mistaken for a real assessment; required
station fields listed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.survey import calls
from core.scoring import scoresheet
from core.assessment import team
from core.errors import AssessmentLocked, InvalidValue, LoginFailed, NotFound, PermissionDenied
from tests.conftest import app_test

ROOT = Path(__file__).resolve().parent.parent


def _ids(db, aid):
    members = {m["name"]: m["id"] for m in team.list_members(db, aid)}
    return members["陈志远"], members


def _last_audit(db, aid):
    """The newest audit row of a change (failed logins, also logged, left aside)."""
    return next(e for e in team.audit_entries(db, aid) if e["action_code"] != "login_failed")


# ---------- members ----------

def test_a_renamed_member_logs_in_with_the_new_name_and_keeps_their_scores(demo_db):
    db, aid = demo_db
    lead, ids = _ids(db, aid)
    before = scoresheet.result(db, aid)
    team.rename_member(db, aid, lead, ids["林晓红"], "林晓虹")
    assert team.login(db, aid, "林晓虹", "2222")["id"] == ids["林晓红"]
    with pytest.raises(LoginFailed):
        team.login(db, aid, "林晓红", "2222")
    after = scoresheet.result(db, aid)
    assert (after.third_party, after.final) == (before.third_party, before.final)
    last = _last_audit(db, aid)
    assert (last["action"], last["old"], last["new"]) == ("改名", "姓名：林晓红", "姓名：林晓虹")
    with pytest.raises(InvalidValue, match="成员“王建华”已存在"):
        team.rename_member(db, aid, lead, ids["林晓红"], "王建华")


def test_a_member_added_by_mistake_is_removed_but_one_who_has_scored_is_not(demo_db):
    db, aid = demo_db
    lead, ids = _ids(db, aid)
    typo = team.add_member(db, aid, lead, "林小红", "expert", "5555", sections=["A"])
    team.remove_member(db, aid, lead, typo)
    assert "林小红" not in [m["name"] for m in team.list_members(db, aid)]
    assert all(r["member_id"] != typo for r in team.assignments(db, aid))
    assert _last_audit(db, aid)["action"] == "删除"

    n = len(team.list_members(db, aid))
    with pytest.raises(InvalidValue, match="成员“林晓红”已有评分或记录，不能删除；可改为停用"):
        team.remove_member(db, aid, lead, ids["林晓红"])
    with pytest.raises(InvalidValue, match="不能删除自己"):
        team.remove_member(db, aid, lead, lead)
    assert len(team.list_members(db, aid)) == n


def test_a_deactivated_member_cannot_log_in_write_or_be_given_work_and_their_scores_stay(demo_db):
    db, aid = demo_db
    lead, ids = _ids(db, aid)
    expert = ids["林晓红"]
    before = scoresheet.result(db, aid)
    team.set_member_active(db, aid, lead, expert, False)
    assert _last_audit(db, aid)["action_code"] == "deactivate"

    with pytest.raises(LoginFailed):
        team.login(db, aid, "林晓红", "2222")
    assert team.session_member(db, expert) is None                 # an open session ends
    with pytest.raises(PermissionDenied, match="林晓红已停用"):
        scoresheet.save_score(db, aid, expert, "A1", "", value=5)
    assert expert not in [m["id"] for m in calls.callers(db, aid)]
    assert expert not in [m["id"] for m in team.active_members(db, aid)]
    with pytest.raises(InvalidValue, match="已停用，不能分配评分任务"):
        team.set_assignments(db, aid, lead, expert, ["A"])
    assert scoresheet.result(db, aid).final == before.final
    with pytest.raises(InvalidValue, match="不能停用自己"):
        team.set_member_active(db, aid, lead, lead, False)

    team.set_member_active(db, aid, lead, expert, True)
    assert team.login(db, aid, "林晓红", "2222")["id"] == expert


# ---------- assessments ----------

def test_the_demo_is_named_a_demo_and_a_renamed_assessment_is_listed_by_its_name(demo_db):
    db, aid = demo_db
    lead, _ = _ids(db, aid)
    a = next(x for x in team.list_assessments(db) if x["id"] == aid)
    assert "示例" in team.assessment_label(a)
    team.rename_assessment(db, aid, lead, "元岗街 2024 末期（练习）")
    a = next(x for x in team.list_assessments(db) if x["id"] == aid)
    assert team.assessment_label(a) == f"#{aid} 元岗街 2024 末期（练习）"
    team.rename_assessment(db, aid, lead, "  ")
    a = next(x for x in team.list_assessments(db) if x["id"] == aid)
    assert team.assessment_label(a) == f"#{aid} 元岗街社工服务站 · 2023—2024 年度末期评估 · 2025-02-27"


def test_deleting_needs_the_station_name_and_an_open_assessment(demo_db):
    db, aid = demo_db
    lead, ids = _ids(db, aid)
    with pytest.raises(InvalidValue, match="请输入社工站名称“元岗街社工服务站”以确认删除"):
        team.delete_assessment(db, aid, lead, "元岗街")
    with pytest.raises(PermissionDenied):
        team.delete_assessment(db, aid, ids["林晓红"], "元岗街社工服务站")
    team.set_locked(db, aid, lead, True)
    with pytest.raises(AssessmentLocked):
        team.delete_assessment(db, aid, lead, "元岗街社工服务站")
    assert aid in [a["id"] for a in team.list_assessments(db)]


def _core(*args):
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_a_deleted_assessment_disappears_and_the_command_line_restores_it_whole(demo_db):
    db, aid = demo_db
    lead, _ = _ids(db, aid)
    before = scoresheet.result(db, aid)
    team.delete_assessment(db, aid, lead, "元岗街社工服务站")
    assert aid not in [a["id"] for a in team.list_assessments(db)]
    with pytest.raises(LoginFailed):
        team.login(db, aid, "陈志远", "1111")
    assert team.session_member(db, lead) is None
    with pytest.raises(NotFound, match="已删除"):
        team.rename_assessment(db, aid, lead, "x")

    path = db.execute("PRAGMA database_list").fetchone()[2]
    r = _core("deleted-assessments", "--db", path)
    assert r.returncode == 0 and f"{aid}\t#{aid} 【示例】" in r.stdout and "陈志远 删除于" in r.stdout
    r = _core("restore-assessment", aid, "--db", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == str(aid)
    assert aid in [a["id"] for a in team.list_assessments(db)]
    assert team.login(db, aid, "陈志远", "1111")["id"] == lead
    after = scoresheet.result(db, aid)
    assert (after.final, after.grade) == (before.final, before.grade)
    actions = [e["action_code"] for e in team.audit_entries(db, aid, 3)]
    assert actions == ["restore", "login_failed", "delete"]   # the login tried while it was deleted is logged
    r = _core("restore-assessment", aid, "--db", path)
    assert r.returncode == 1 and "没有被删除" in r.stderr


# ---------- required fields and placeholders ----------

def test_missing_station_fields_lists_the_evaluator_among_the_empty_required_fields(fresh_db, demo_db):
    aid, _ = team.new_assessment(fresh_db, {"name": "石榴岗街社工服务站", "district": "海珠区"}, "gz-2024-four-party",
                                 "组长甲", "2468", period_label="2024—2025 年度")
    assert team.missing_station_fields(fresh_db, aid) == ["评估方", "评估日期", "街道", "承办方", "购买方", "监督方"]
    db, demo = demo_db
    assert team.missing_station_fields(db, demo) == []


def test_the_set_up_page_lists_missing_fields_and_its_placeholders_read_as_examples(app_env):
    from core.store import open_db

    db = open_db(str(app_env))
    aid, lead = team.new_assessment(db, {"name": "石榴岗街社工服务站"}, "gz-2024-four-party", "组长甲", "2468")
    at = app_test("pages/setup.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "尚未填写" in w.value)
    assert "评估方" in warning and "购买方" in warning
    placeholders = {t.key: t.placeholder for t in at.text_input if t.placeholder}
    assert placeholders["as_evaluator_org"].startswith("例：")
    assert all(p.startswith("例：") for p in placeholders.values()), placeholders


def test_the_demo_is_one_click_on_an_empty_database_and_behind_a_confirmation_otherwise(app_env):
    at = app_test()
    at.run()
    assert not at.button(key="load_demo").disabled
    at.button(key="load_demo").click().run()
    assert not at.exception
    at = app_test()
    at.run()
    assert at.button(key="load_demo").disabled                      # a database with an assessment
    assert "示例" in at.selectbox(key="login_assessment").format_func(at.selectbox(key="login_assessment").value)
    at.checkbox(key="demo_confirm").check().run()
    assert not at.button(key="load_demo").disabled
