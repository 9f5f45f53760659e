"""Each expert submits their sections (then read-only for them until the lead reopens), the score
sheet PDF, who has submitted on the dashboard, and the report's 落款 listing those who submitted."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from core.report import make as report_make
from core.day import live
from core.scoring import signoff
from core.scoring import scoresheet as S
from core.assessment import team as A
from core.cli.main import main as cli_main
from core.report.data import gather
from core.report.make import preexport_check, report_pdf
from db.errors import InvalidValue, PermissionDenied


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def _ids(db, aid):
    return {m["name"]: m["id"] for m in A.list_members(db, aid)}


def _audit(db, aid, action):
    return [dict(zip(("entity", "key", "actor"), r)) for r in db.execute(
        "SELECT entity, entity_key, actor FROM audit_log WHERE assessment_id = ? AND action = ? ORDER BY id",
        [aid, action])]


# ---------- a station built here: the 2019 city framework, one expert still scoring ----------

@pytest.fixture
def city(fresh_db):
    """An assessment on the 2019 three-party framework: lead, an expert on 党建引领 (P) and staff."""
    db = fresh_db
    aid, lead = A.new_assessment(db, {"name": "沙河街社工服务站", "district": "天河区"}, "gz-2019-city", "组长甲", "1111",
                                 kind="中期", period_label="2019—2020 年度")
    A.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["甲社区"]}])
    expert = A.add_member(db, aid, lead, "专家乙", "expert", "2222", sections=["P"])
    staff = A.add_member(db, aid, lead, "职员丙", "staff", "3333")
    return db, aid, {"lead": lead, "expert": expert, "staff": staff}


def test_an_expert_cannot_submit_while_a_cell_is_unscored_and_is_told_which(city):
    db, aid, m = city
    S.save_score(db, aid, m["expert"], "P1", value=5)
    with pytest.raises(InvalidValue, match=r"还有 1 个评分单元未评分（P2）"):
        signoff.submit_sections(db, aid, m["expert"])
    assert signoff.submission_of(db, aid, m["expert"]) is None
    S.save_score(db, aid, m["expert"], "P2", na=True)     # 不适用 counts as scored
    signoff.submit_sections(db, aid, m["expert"])
    assert signoff.submission_of(db, aid, m["expert"])["submitted"]
    assert [x["name"] for x in signoff.submitted_members(db, aid)] == ["专家乙"]


def test_a_submitted_expert_can_no_longer_change_scores_or_findings_until_the_lead_reopens(city):
    db, aid, m = city
    S.save_score(db, aid, m["expert"], "P1", value=5)
    S.save_score(db, aid, m["expert"], "P2", value=4)
    fid = S.add_finding(db, aid, m["expert"], "P", "strength", "党建阵地建设规范")
    signoff.submit_sections(db, aid, m["expert"])
    rows = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    for change in (lambda: S.save_score(db, aid, m["expert"], "P1", value=3),
                   lambda: S.add_finding(db, aid, m["expert"], "P", "concern", "再补一条"),
                   lambda: S.update_finding(db, aid, m["expert"], fid, text="改写"),
                   lambda: S.delete_finding(db, aid, m["expert"], fid)):
        with pytest.raises(PermissionDenied, match="专家乙已于 .* 提交评分，评分与意见只读；如需修改，请组长退回后再改"):
            change()
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == rows          # nothing written
    assert {r["indicator_code"]: r["value"] for r in S.scores(db, aid, m["expert"])} == {"P1": 5, "P2": 4}

    with pytest.raises(InvalidValue, match="退回评分须填写理由"):
        signoff.reopen_submission(db, aid, m["lead"], m["expert"], "  ")
    with pytest.raises(PermissionDenied):                                 # only the lead reopens
        signoff.reopen_submission(db, aid, m["expert"], m["expert"], "自己退回")
    signoff.reopen_submission(db, aid, m["lead"], m["expert"], "P1 与现场记录不符，请复核")
    s = signoff.submission_of(db, aid, m["expert"])
    assert not s["submitted"] and s["reopen_reason"] == "P1 与现场记录不符，请复核" and s["reopened_by_name"] == "组长甲"
    S.save_score(db, aid, m["expert"], "P1", value=3)                      # editable again
    signoff.submit_sections(db, aid, m["expert"])                          # and submitted again
    assert [(a["entity"], a["actor"]) for a in _audit(db, aid, "submit")] == [("submission", "专家乙")] * 2
    assert [(a["entity"], a["actor"]) for a in _audit(db, aid, "reopen")] == [("submission", "组长甲")]


def test_staff_and_members_without_sections_have_nothing_to_submit(city):
    db, aid, m = city
    with pytest.raises(InvalidValue, match="职员丙没有分配评分指标，无需提交"):
        signoff.submit_sections(db, aid, m["staff"])
    with pytest.raises(InvalidValue, match="没有分配评分指标，无需提交"):
        signoff.submit_sections(db, aid, m["lead"])
    with pytest.raises(InvalidValue, match="尚未提交评分，无需退回"):
        signoff.reopen_submission(db, aid, m["lead"], m["expert"], "理由")


def test_a_submission_is_refused_on_a_locked_assessment(city):
    from db.errors import AssessmentLocked

    db, aid, m = city
    S.save_score(db, aid, m["expert"], "P1", value=5)
    S.save_score(db, aid, m["expert"], "P2", value=5)
    A.set_locked(db, aid, m["lead"], True)
    with pytest.raises(AssessmentLocked):
        signoff.submit_sections(db, aid, m["expert"])


# ---------- the demo: dashboard, 落款, score sheet ----------

def test_the_dashboard_shows_who_submitted_and_lists_the_lead_as_zuzhang(demo_db):
    db, aid = demo_db
    ids = _ids(db, aid)
    signoff.submit_sections(db, aid, ids["林晓红"])
    lines = {e.name: e for e in live.dashboard(db, aid).experts}
    assert lines["陈志远"].role_label == "组长" and lines["林晓红"].role_label == "评估专家"
    assert lines["林晓红"].submitted_text.startswith("已提交 ")
    assert lines["王建华"].submitted_text == "未提交"
    assert "黄小燕" not in lines                                            # staff: no 0/0 line


def test_a_lead_who_scores_nothing_is_still_listed_as_zuzhang_without_0_of_0(city):
    db, aid, m = city
    lines = {e.name: e for e in live.dashboard(db, aid).experts}
    assert lines["组长甲"].role_label == "组长" and lines["组长甲"].progress_text == "不参与评分"
    assert lines["组长甲"].submitted_text == ""
    assert "职员丙" not in lines


def test_the_report_signature_lists_only_the_experts_who_submitted(demo_db):
    db, aid = demo_db
    ids = _ids(db, aid)
    d = gather(db, aid)
    assert d.signed_names == [] and "陈志远" in d.unsigned_names
    item = next(i for i in preexport_check(db, aid, d) if i.code == "signoff")
    assert not item.blocking and item.page == "dashboard" and "5 位评估专家尚未提交评分" in item.message
    for name in ("陈志远", "林晓红", "赵敏"):
        signoff.submit_sections(db, aid, ids[name])
    text = _text(report_pdf(db, aid))
    sign = text[text.rindex("评估专家："):]
    assert "陈志远、林晓红、赵敏" in sign and "王建华" not in sign and "周立新" not in sign
    assert "2 位评估专家尚未提交评分（王建华、周立新）" in next(
        i.message for i in preexport_check(db, aid) if i.code == "signoff")


def test_the_score_sheet_carries_the_experts_scores_notes_findings_and_a_signature_line(demo_db):
    db, aid = demo_db
    ids = _ids(db, aid)
    lin = ids["林晓红"]
    S.save_score(db, aid, lin, "A3", value=2.5, note="消防演练记录缺 11 月")
    S.save_score(db, aid, lin, "A5", na=True)
    text = _text(report_make.score_sheet_pdf(db, aid, lin))
    assert "专家评分表" in text and "林晓红" in text and "签名" in text and "2025 年 2 月 27 日" in text
    assert "尚未提交" in text
    assert "消防演练记录缺 11 月" in text and "不适用" in text and "None" not in text
    mine = {r["indicator_code"]: r for r in S.scores(db, aid, lin)}
    assert all(code in text for code in mine)
    own = [f for f in S.findings(db, aid, member_id=lin)]
    assert own and own[0]["text"][:12] in text.replace("\n", "")
    others = [f for f in S.findings(db, aid) if f["member_id"] != lin]
    assert not any(f["text"][:20] in text.replace("\n", "") for f in others if len(f["text"]) > 20)
    signoff.submit_sections(db, aid, lin)
    assert "已于" in _text(report_make.score_sheet_pdf(db, aid, lin))


def test_the_score_sheet_masks_names_and_phones_typed_into_notes(demo_db):
    db, aid = demo_db
    lin = _ids(db, aid)["林晓红"]
    S.save_score(db, aid, lin, "A4", note="回访 13812345678 无人接听")
    text = _text(report_make.score_sheet_pdf(db, aid, lin))
    assert "13812345678" not in text and "138****5678" in text


def test_cli_scoresheet_writes_the_same_sheet_and_refuses_an_unknown_member(demo_db_file, tmp_path, capsys):
    path, aid = demo_db_file
    out = tmp_path / "sheet.pdf"
    assert cli_main(["scoresheet", str(aid), "--member", "王建华", "--db", str(path), "--out", str(out)]) == 0
    text = _text(out.read_bytes())
    assert "王建华" in text and "B 服务质量·片区一" in text.replace("\n", "") and "签名" in text
    assert cli_main(["scoresheet", str(aid), "--member", "无名氏", "--db", str(path), "--out", str(tmp_path / "x.pdf")]) == 1
    assert "没有成员“无名氏”" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_json_file_from_before_the_sign_off_tables_still_imports(demo_db, tmp_path):
    import json

    from core.agency import transfer
    from db.connection import connect
    from db.migrations import migrate

    db, aid = demo_db
    doc = json.loads(transfer.export_json(db, aid))
    for t in transfer.LATER_TABLES:
        del doc["tables"][t]
    for call in doc["tables"]["survey_calls"]:
        del call["retry_at"]                              # the column came with them
    target = connect(tmp_path / "old.db")
    migrate(target)
    new_id = transfer.import_assessment(target, json.dumps(doc, ensure_ascii=False).encode())
    assert signoff.submitted_members(target, new_id) == []
    assert len(S.scores(target, new_id)) == len(S.scores(db, aid))


def test_the_score_sheet_of_an_expert_on_the_2019_framework_leaves_unscored_cells_blank(city):
    db, aid, m = city
    S.save_score(db, aid, m["expert"], "P1", value=5.5, note="党建阵地规范")
    text = _text(report_make.score_sheet_pdf(db, aid, m["expert"]))
    assert "P 党建引领" in text and "党建阵地规范" in text and "5.5" in text
    assert "已评 1 / 2" in text and "None" not in text and "尚未提交" in text


def test_a_score_revised_after_submitting_shows_the_submitted_score_beside_it_on_the_sheet(demo_db):
    db, aid = demo_db
    lin = _ids(db, aid)["林晓红"]
    signoff.submit_sections(db, aid, lin)
    first = next(r["value"] for r in S.scores(db, aid, lin) if r["indicator_code"] == "A6")
    S.revise_score(db, aid, lin, "A6", value=2.0, reason="遗漏了证据", note="补看整改台账")
    text = _text(report_make.score_sheet_pdf(db, aid, lin)).replace("\n", "")
    from core.numbers import fmt_number
    assert f"初评 {fmt_number(first)} → 2" in text
    assert "复核：遗漏了证据（补看整改台账）" in text
