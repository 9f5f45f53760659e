"""core.scoring.scoresheet: the rules checked before the guarded writers of db/scores.py and
db/findings.py write, the readers for display (scrubbed), and the result."""
from __future__ import annotations

import pytest

from core.day import live
from core.scoring import scoresheet as S
from core.assessment import team as A
from core.errors import InvalidValue, PermissionDenied
from db import audit
from db import scores as scores_db


@pytest.fixture
def demo(demo_db):
    db, aid = demo_db
    ids = {m["name"]: m["id"] for m in A.list_members(db, aid)}
    return db, aid, ids


def audit_count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def test_override_of_an_unknown_indicator_is_refused_in_chinese_not_with_a_keyerror(demo):
    db, aid, ids = demo
    n = audit_count(db)
    with pytest.raises(InvalidValue, match="未知指标“Z9”"):
        S.save_override(db, aid, ids["陈志远"], "Z9", value=1, reason="复核")
    assert S.overrides(db, aid) == [] and audit_count(db) == n


@pytest.mark.parametrize("code, area, message", [
    ("Z9", "", "未知指标"),
    ("A1", "P1", "不分片区"),          # a station-wide indicator has no 片区
    ("B1", "P9", "未知片区"),          # not a 片区 of the station
    ("B1", "", "未知片区"),            # a per-片区 indicator needs one
])
def test_a_score_for_a_cell_that_does_not_exist_is_refused_in_chinese(demo, code, area, message):
    db, aid, ids = demo
    n = audit_count(db)
    with pytest.raises(InvalidValue, match=message):
        S.save_score(db, aid, ids["王建华"], code, area, value=1)
    assert audit_count(db) == n


def test_detail_sets_the_value_by_the_indicator_rule_and_range_is_checked(demo):
    db, aid, ids = demo
    lin = ids["林晓红"]
    assert S.save_score(db, aid, lin, "A1", detail={"criteria": [0, 2]})["value"] == 3.0   # 1.5 + 1.5
    assert S.save_score(db, aid, lin, "A2", detail={"level": "基本达到"})["value"] == 2.4  # 0.8 × 3
    with pytest.raises(InvalidValue, match="不能超过满分 5 分"):
        S.save_score(db, aid, lin, "A1", value=5.5)
    assert next(r for r in S.scores(db, aid, lin) if r["indicator_code"] == "A1")["value"] == 3.0


def test_an_expert_saves_only_cells_of_the_assigned_section_and_pian_qu(demo):
    db, aid, ids = demo
    wang = ids["王建华"]                                   # section B in 片区 P1 and P2
    S.save_score(db, aid, wang, "B1", "P1", note="已核对")
    with pytest.raises(PermissionDenied, match="只能修改自己负责的评分"):
        S.save_score(db, aid, wang, "A1", value=1)
    with pytest.raises(PermissionDenied, match="只能修改自己负责的评分"):
        S.save_score(db, aid, wang, "B1", "P3", value=1)
    # The guarded writer itself checks the assignment of the section inside its transaction.
    with pytest.raises(PermissionDenied, match="只能修改自己负责的评分"):
        scores_db.save_score(db, aid, wang, "A1", "", "A", note="越权")
    scores_db.save_score(db, aid, wang, "B1", "P2", "B", note="片区二已核对")


def test_party_score_and_veto_codes_and_ranges_are_checked(demo):
    db, aid, ids = demo
    lead = ids["陈志远"]
    n = audit_count(db)
    for call, message in ((lambda: S.save_party_score(db, aid, lead, "nobody", 90), "未知评估方"),
                          (lambda: S.save_party_score(db, aid, lead, "third_party", 90), "不能直接录入"),
                          (lambda: S.save_party_score(db, aid, lead, "purchaser", 101), "应在 0 到 100 之间"),
                          (lambda: S.save_party_score(db, aid, lead, "purchaser", "九十"), "不是数字"),
                          (lambda: S.save_veto(db, aid, lead, "nothing", True), "没有否决项"),
                          (lambda: S.add_finding(db, aid, lead, "A", "praise", "好"), "未知意见类型"),
                          (lambda: S.add_finding(db, aid, lead, "A", "strength", "  "), "不能为空")):
        with pytest.raises(InvalidValue, match=message):
            call()
    assert audit_count(db) == n


def test_a_save_that_changes_nothing_writes_no_audit_row(demo):
    db, aid, ids = demo
    lead = ids["陈志远"]
    S.save_party_score(db, aid, lead, "purchaser", 88, "良好")
    S.save_veto(db, aid, lead, "finance", True, "账目不清")
    n = audit_count(db)
    S.save_party_score(db, aid, lead, "purchaser", 88)        # comment None keeps it
    S.save_veto(db, aid, lead, "finance", True, "账目不清")
    assert audit_count(db) == n
    assert S.veto_checks(db, aid)["finance"] == {"failed": True, "note": "账目不清"}
    assert S.result(db, aid).grade == "不合格"


def test_others_findings_are_shown_scrubbed_and_the_authors_own_stay_editable(demo):
    db, aid, ids = demo
    client = db.execute("SELECT name FROM clients WHERE assessment_id = ? AND length(name) >= 2 LIMIT 1",
                        [aid]).fetchone()[0]
    text = f"回访{client}，电话 13812341234"
    fid = S.add_finding(db, aid, ids["林晓红"], "A", "concern", text)
    assert next(f for f in S.findings(db, aid, "A") if f["id"] == fid)["text"] == text   # stored as typed
    others = {f["id"]: f for f in S.shown_findings(db, aid, "A", "", viewer_id=ids["陈志远"])}
    assert not others[fid]["own"]
    assert client not in others[fid]["shown"] and "138****1234" in others[fid]["shown"]
    mine = {f["id"]: f for f in S.shown_findings(db, aid, "A", "", viewer_id=ids["林晓红"])}
    assert mine[fid]["own"] and mine[fid]["text"] == text


def test_dashboard_shows_notes_and_reasons_scrubbed_and_no_line_for_a_member_without_cells(demo):
    db, aid, ids = demo
    lin, wang = ids["林晓红"], ids["王建华"]
    A.set_assignments(db, aid, ids["陈志远"], wang, ["B", "A"])          # 王建华 scores A too
    A.set_assignments(db, aid, ids["陈志远"], ids["陈志远"], [])          # the lead scores nothing
    S.save_score(db, aid, lin, "A1", value=5, note="联系电话13812341234")
    S.save_score(db, aid, wang, "A1", value=1)
    S.save_override(db, aid, ids["陈志远"], "A1", value=3, reason="电话 13912345678 复核")
    dash = live.dashboard(db, aid)
    flag = next(f for f in dash.flags if f.indicator_code == "A1")
    assert [e.note for e in flag.experts if e.member_id == lin] == ["联系电话138****1234"]
    assert "139****5678" in flag.override_text and "13912345678" not in flag.override_text
    assert "13912345678" not in dash.result.cell("A1").override["reason"]
    listed = {e.member_id: e for e in dash.experts}
    assert ids["黄小燕"] not in listed                                   # staff score nothing: no line
    lead = listed[ids["陈志远"]]                                        # the lead: 组长, never "0/0"
    assert (lead.role_label, lead.progress_text, lead.submitted_text) == ("组长", "不参与评分", "")
    assert all(e.assigned > 0 for e in dash.experts if e.role != "lead")


def test_each_writer_logs_one_row_with_the_cell_key(demo):
    db, aid, ids = demo
    S.save_score(db, aid, ids["王建华"], "B1", "P1", note="核对")
    e = audit.entries(db, aid, limit=1)[0]
    assert (e["action"], e["entity"], e["entity_key"]) == ("update", "score", "B1/P1")
