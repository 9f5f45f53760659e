"""Report data and wording: the lead's report items (experts' originals untouched), texts written
from the data, the framework's own weights and grade bands, privacy, and the `report` command."""
from __future__ import annotations

import io
import json
import re

import pypdf
import pytest

from core.report import edits as R
from core.report import words as T
from core.scoring import scoresheet as S
from core.assessment import team as A
from core.errors import AssessmentLocked, InvalidValue, PermissionDenied
from core.report.data import gather
from db import audit


def lead_and_expert(db, aid):
    ms = A.list_members(db, aid)
    return next(m["id"] for m in ms if m["role"] == "lead"), next(m["id"] for m in ms if m["name"] == "王建华")


def original_findings(db, aid):
    return {f["id"]: f["text"] for f in S.findings(db, aid)}


# ---------- report items ----------

def test_report_items_are_the_experts_findings_until_the_lead_edits(demo_db):
    db, aid = demo_db
    items = R.group_items(db, aid, "B", "P1", "strength")
    finds = [f for f in S.findings(db, aid, "B") if f["area_code"] == "P1" and f["kind"] == "strength"]
    assert [i["text"] for i in items] == [f["text"] for f in finds]
    assert all(not i["edited"] and i["authors"] == ["王建华"] for i in items)


def test_editing_an_item_keeps_the_experts_original_and_is_audited(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    before = original_findings(db, aid)
    item = R.group_items(db, aid, "A", "", "concern")[1]
    ref = R.update_item(db, aid, lead, item["ref"], "服务规范性管理方面，建议完善文书签名。")
    items = R.group_items(db, aid, "A", "", "concern")
    assert items[1]["ref"] == ref and items[1]["text"] == "服务规范性管理方面，建议完善文书签名。"
    assert [i["text"] for i in items[::2]] == [i["text"] for i in R.group_items(db, aid, "A", "", "concern")[::2]]
    assert len(items) == 3 and all(i["edited"] for i in items)
    assert original_findings(db, aid) == before
    last = audit.entries(db, aid, limit=1)[0]
    assert (last["entity"], last["action"]) == ("report_item", "update")


@pytest.mark.parametrize("delta, expected", [(-1, [1, 0, 2]), (1, [0, 2, 1]), (-5, [1, 0, 2]), (5, [0, 2, 1])])
def test_moving_an_item_reorders_its_group(demo_db, delta, expected):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    texts = [i["text"] for i in R.group_items(db, aid, "A", "", "strength")]
    R.move_item(db, aid, lead, R.group_items(db, aid, "A", "", "strength")[1]["ref"], delta)
    assert [i["text"] for i in R.group_items(db, aid, "A", "", "strength")] == [texts[n] for n in expected]


def test_merging_items_joins_texts_and_sources(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    items = R.group_items(db, aid, "D", "", "concern")
    ref = R.merge_items(db, aid, lead, [items[2]["ref"], items[0]["ref"]])
    after = R.group_items(db, aid, "D", "", "concern")
    assert len(after) == 2 and after[0]["ref"] == ref
    assert after[0]["text"] == items[0]["text"] + items[2]["text"]
    assert after[0]["source_finding_ids"] == items[0]["source_finding_ids"] + items[2]["source_finding_ids"]
    assert after[1]["text"] == items[1]["text"]


def test_merge_across_groups_or_of_one_item_is_refused(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    s = R.group_items(db, aid, "D", "", "strength")[0]["ref"]
    c = R.group_items(db, aid, "D", "", "concern")[0]["ref"]
    with pytest.raises(InvalidValue, match="同一部分"):
        R.merge_items(db, aid, lead, [s, c])
    with pytest.raises(InvalidValue, match="两条"):
        R.merge_items(db, aid, lead, [s])


def test_removed_item_leaves_the_report_but_not_the_record_and_can_come_back(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    item = R.group_items(db, aid, "C", "", "concern")[0]
    R.remove_item(db, aid, lead, item["ref"])
    assert item["text"] not in [i["text"] for i in R.group_items(db, aid, "C", "", "concern")]
    unused = R.unused_findings(db, aid, "C", "", "concern")
    assert [f["text"] for f in unused] == [item["text"]]
    R.add_item(db, aid, lead, "C", "", "concern", "", finding_id=unused[0]["id"])
    assert R.group_items(db, aid, "C", "", "concern")[-1]["text"] == item["text"]
    assert R.unused_findings(db, aid, "C", "", "concern") == []


def test_a_finding_written_after_the_leads_edit_is_offered_not_lost(demo_db):
    db, aid = demo_db
    lead, expert = lead_and_expert(db, aid)
    R.update_item(db, aid, lead, R.group_items(db, aid, "B", "P1", "concern")[0]["ref"], "改写后的意见。")
    fid = S.add_finding(db, aid, expert, "B", "concern", "新发现：档案缺少签名。", area_code="P1")
    assert [f["id"] for f in R.unused_findings(db, aid, "B", "P1", "concern")] == [fid]
    R.reset_group(db, aid, lead, "B", "P1", "concern")
    texts = [i["text"] for i in R.group_items(db, aid, "B", "P1", "concern")]
    assert "改写后的意见。" not in texts and texts[-1] == "新发现：档案缺少签名。"


def test_only_the_lead_edits_the_report_and_not_when_locked(demo_db):
    db, aid = demo_db
    lead, expert = lead_and_expert(db, aid)
    ref = R.group_items(db, aid, "A", "", "strength")[0]["ref"]
    with pytest.raises(PermissionDenied):
        R.update_item(db, aid, expert, ref, "专家试图修改报告")
    with pytest.raises(PermissionDenied):
        R.set_text(db, aid, expert, "closing", "专家试图修改结语")
    A.set_locked(db, aid, lead, True)
    with pytest.raises(AssessmentLocked):
        R.update_item(db, aid, lead, ref, "锁定后修改")


def test_empty_item_text_and_internal_text_keys_are_refused(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    with pytest.raises(InvalidValue):
        R.set_text(db, aid, lead, "_edited_groups", "[]")
    with pytest.raises(InvalidValue, match="不能为空"):
        R.update_item(db, aid, lead, R.group_items(db, aid, "A", "", "strength")[0]["ref"], "  ")


def test_feedback_is_quoted_as_recorded_and_never_defaults_to_no_objection(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    d = gather(db, aid)
    assert T.feedback_draft(d) == "经调整，天河区民政局、元岗街道办事处、元岗街社工站对评估报告初稿无异议。"
    R.set_text(db, aid, lead, "closing_points", "1. 建议构建全周期培育体系。\n2、建议深化社区问题诊断。\n")
    R.set_text(db, aid, lead, "feedback_draft", "经调整，各方对初稿无异议。")
    d = gather(db, aid)
    assert T.closing_points(d) == ["建议构建全周期培育体系。", "建议深化社区问题诊断。"]
    assert T.feedback_draft(d) == "经调整，各方对初稿无异议。"
    R.set_text(db, aid, lead, "feedback_draft", "")
    R.set_text(db, aid, lead, "feedback_onsite", "")
    d = gather(db, aid)
    assert T.feedback_draft(d) == "评估报告初稿的反馈尚未记录。"
    assert T.feedback_onsite(d) == "现场反馈尚未记录。"
    assert "无异议" not in T.feedback_onsite(d) + T.feedback_draft(d)
    R.set_text(db, aid, lead, "feedback_onsite_street", "认可评估意见，将继续支持社工站工作。")
    assert T.feedback_onsite(gather(db, aid)).endswith("元岗街道办事处表示认可评估意见，将继续支持社工站工作。")


# ---------- data gathered and worded ----------

def test_report_data_uses_the_leads_items_in_order(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    items = R.group_items(db, aid, "B", "P3", "strength")
    R.move_item(db, aid, lead, items[3]["ref"], -3)
    block = next(s for s in gather(db, aid).sections if s.code == "B").blocks[2]
    assert block.area_name == "片区三" and block.communities == ["南兴社区"]
    assert block.strengths[0] == items[3]["text"]


def test_basic_information_reads_like_the_sample_report(demo_db):
    paras = T.basic_info(gather(*demo_db))
    assert paras == [
        "元岗街社工站位于广州市天河区元岗北街 120 号，辖内共有 5 个社区，划分为 3 个服务片区。于 2012 年 7 月开始，"
        "由广州市北斗星社会工作服务中心负责运营。",
        "截至 2025 年 2 月 14 日，社工站配备社工 17 名，其中持证社工 15 名（中级社工师资格 4 名，助理社工师资格 11 名），"
        "非持证社工 2 名。",
        "本社工站服务经费为 240 万元，项目合同期为 2024 年 3 月 17 日至 2025 年 3 月 16 日。"
        "评估统计时间为 2024 年 3 月 16 日至 2025 年 2 月 14 日。"]


def test_progress_paragraph_covers_every_indicator_in_the_reports_sentence_form(demo_db):
    p = T.progress_paragraph(gather(*demo_db))
    assert p.startswith("社工站共完成电话访问 2165 个，入户探访 793 个，分别完成协议指标量的 110.01%、158.6%；")
    assert "完成小组 35 个，175 节，服务 1486 人次，分别完成协议指标量的 100%、100% 和 141.52%" in p
    assert "完成大型社区活动 15 次，服务 3393 人次，分别完成协议指标量的 250%、565.5%" in p
    assert "完成中小型社区活动 49 次，服务 2090 人次，分别完成协议指标量的 204.17%、174.17%" in p
    assert p.endswith("（以上数据由社工站提供，各项目指标完成情况见附件 1）")


def test_progress_paragraph_words_an_unknown_indicator_on_its_own():
    from types import SimpleNamespace

    d = SimpleNamespace(indicators=[
        {"name": "电话访问", "unit": "个", "actual": 10, "rate_text": "100%"},
        {"name": "社区慈善活动", "unit": "场", "actual": 3, "rate_text": "150%"}])
    assert T.progress_paragraph(d).startswith(
        "社工站共完成电话访问 10 个，完成协议指标量的 100%；完成社区慈善活动 3 场，完成协议指标量的 150%。")


@pytest.mark.parametrize("framework, expected", [
    ("gz-2024-four-party",
     "评估总分为 100 分，其中，第三方评估机构占比 55%、街道办事处（镇人民政府）占比 20%、督导中心占比 15%、区民政局占比 10%。"
     "评估结果由四方评估分数的总和确定。评估等级分为优秀、良好、合格、不合格四个等级，90 分以上为优秀，80 分至 90 分"
     "（不含 90 分）为良好，60 分至 80 分（不含 80 分）为合格，60 分以下（不含 60 分）为不合格。"),
    ("gz-2019-city",
     "评估总分为 100 分，其中，第三方专业评估占比 70%、购买方占比 20%、监督方占比 10%。评估结果由三方评估分数的总和确定。"),
])
def test_result_explanation_uses_the_frameworks_weights_and_bands(fresh_db, framework, expected):
    sid = A.create_station(fresh_db, "测试街社工服务站", short_name="测试街社工站")
    aid, _ = A.create_assessment(fresh_db, sid, framework, "组长甲", "1234")
    s = T.result_explanation(gather(fresh_db, aid))
    assert s.startswith(expected)
    assert "财务评估实行一票否决" in s


def test_survey_paragraphs_give_sample_reached_and_follow_up_counts(demo_db):
    d = gather(*demo_db)
    assert "随机抽取 100 名服务对象开展了满意度调查" in T.survey_strength(d)
    assert "总体满意度为 95.8%（成功访问 96 人，其中 92 人表示满意或非常满意；95% 置信区间 93.2%–97.5%）" in T.survey_strength(d)
    assert T.survey_concern(d) == ("在满意度调查过程中，有1名服务对象及1名服务对象家属表示不了解社工，"
                                   "另有4名服务对象经两次电话联系均未能接通（已脱敏名单见附件 3）。")
    monitoring = d.section_with("satisfaction")
    assert monitoring.name == "服务监测"
    assert T.section_items(d, monitoring, 0, "strength")[0] == T.survey_strength(d)


def test_staffing_paragraphs_come_first_in_project_management(demo_db):
    d = gather(*demo_db)
    pm = d.section_with("staffing")
    assert pm.name == "项目管理"
    first = T.section_items(d, pm, 0, "strength")[0]
    assert "持证社工占协议要求配备社工总数（20 人）的 75%" in first and "达标率 145.64%" in first
    assert "稳岗率仅达 60%" in T.section_items(d, pm, 0, "concern")[0]


def test_a_register_name_typed_into_a_finding_is_masked_in_the_report(demo_db):
    from core.station import data as SD

    db, aid = demo_db
    lead, expert = lead_and_expert(db, aid)
    c = next(c for c in SD.list_clients(db, aid) if len(c["name"]) == 3)
    S.add_finding(db, aid, expert, "B", "concern", f"抽查{c['name']}（电话 {c['phone']}）的档案缺少签名。", area_code="P1")
    d = gather(db, aid)
    text = next(s for s in d.sections if s.code == "B").blocks[0].concerns[-1]
    assert c["name"] not in text and c["phone"] not in text
    assert f"{c['name'][0]}*{c['name'][-1]}" in text and f"{c['phone'][:3]}****{c['phone'][-4:]}" in text


def test_grade_and_score_sentences_follow_the_result(demo_db):
    db, aid = demo_db
    d = gather(db, aid)
    r = S.result(db, aid)
    assert T.grade_sentence(d) == "经过评估，元岗街社工站本次末期评估的等级为："
    assert re.search(rf"本次评估总分为 {re.escape(T.num(r.final))} 分", T.score_sentence(d))
    lead, _ = lead_and_expert(db, aid)
    S.save_veto(db, aid, lead, "finance", True, "账目不清")
    d = gather(db, aid)
    assert d.grade == "不合格" and "一票否决" in T.score_sentence(d)


# ---------- command line ----------

def test_report_command_writes_the_pdf(demo_db_file, tmp_path, capsys):
    from core.cli.main import main

    path, aid = demo_db_file
    out = tmp_path / "out" / "report.pdf"
    assert main(["report", str(aid), "--db", str(path), "--out", str(out)]) == 0
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "110.01%" in text and "附件1" in text
    assert "报告已生成" in capsys.readouterr().out


def test_report_command_on_a_missing_assessment_fails_with_a_chinese_message(demo_db_file, tmp_path, capsys):
    from core.cli.main import main

    path, _ = demo_db_file
    assert main(["report", "999", "--db", str(path), "--out", str(tmp_path / "x.pdf")]) == 1
    assert "找不到评估" in capsys.readouterr().err


def test_communities_named_only_in_a_pian_qu_are_counted(fresh_db):
    aid, lead = A.new_assessment(fresh_db, {"name": "测试街社工服务站", "communities": ["甲社区"]},
                                 "gz-2024-four-party", "组长", "1234")
    A.set_areas(fresh_db, aid, lead, [{"name": "片区一", "communities": ["甲社区", "乙社区"]},
                                      {"name": "片区二", "communities": ["丙社区"]}])
    assert "辖内共有 3 个社区，划分为 2 个服务片区" in T.basic_info(gather(fresh_db, aid))[0]


def test_the_first_edit_of_a_group_is_one_audit_row_naming_the_group_taken_over(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    texts = [i["text"] for i in R.group_items(db, aid, "C", "", "strength")]
    n = len(audit.entries(db, aid))
    R.move_item(db, aid, lead, R.group_items(db, aid, "C", "", "strength")[1]["ref"], -1)
    rows = audit.entries(db, aid)
    assert len(rows) == n + 1
    new = json.loads(rows[0]["new"])
    assert (rows[0]["entity"], rows[0]["action"]) == ("report_item", "move")
    assert new["group_taken_over"] == texts


def test_an_unknown_finding_kind_is_refused_before_anything_is_written(demo_db):
    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    n = len(audit.entries(db, aid))
    with pytest.raises(InvalidValue, match="未知意见类型"):
        R.add_item(db, aid, lead, "A", "", "praise", "好")
    assert len(audit.entries(db, aid)) == n


def test_a_register_name_in_a_veto_note_or_party_comment_is_masked_in_the_report(demo_db):
    from core.station import data as SD

    db, aid = demo_db
    lead, _ = lead_and_expert(db, aid)
    c = next(c for c in SD.list_clients(db, aid) if len(c["name"]) == 3)
    S.save_veto(db, aid, lead, "finance", False, f"核对{c['name']}的补贴发放（{c['phone']}），账目清楚。")
    S.save_party_score(db, aid, lead, "purchaser", 95, f"走访{c['name']}，反馈良好。")
    d = gather(db, aid)
    note = next(v["note"] for v in d.veto if v["code"] == "finance")
    comment = next(p.comment for p in d.parties if p.code == "purchaser")
    for text in (note, comment):
        assert c["name"] not in text and f"{c['name'][0]}*{c['name'][-1]}" in text
    assert c["phone"] not in note and f"{c['phone'][:3]}****{c['phone'][-4:]}" in note
