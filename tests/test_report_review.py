"""The reviewer's check (issue 25): a station built here, in the same database as the demo (元岗街), whose
evaluator started from the demo's report and pasted its paragraphs. The check names the other station,
the contradicted completeness claims and the wrong certified share, quotes the sentence, names the text
and the page where it is edited, keeps the PDF a draft and makes `python -m core check` exit 1."""
from __future__ import annotations

import contextlib
import io

import pypdf
import pytest

from core.assessment import team as A
from core.cli.main import main as cli_main
from core.report import edits as R
from core.report.check import blocking
from core.report.make import preexport_check, report_pdf
from core.station import data as SD

# The demo's own sentences (core/demo/content.py, the sample report), as an evaluator pastes them.
PASTED_PROGRESS = "从以上数据可知，元岗街社工站各项工作指标完成情况良好，在服务进度方面整体把握到位。"
PASTED_MONITORING = "服务监测板块的各项服务指标已全部完成。社工站在参与社区慈善基金运作过程中，运行情况良好。"
PASTED_FEEDBACK = "经调整，天河区民政局、元岗街道办事处、元岗街社工站对评估报告初稿无异议。"
PASTED_STAFF = "社工站人员配置较为稳定，持证社工占比 75%，能较好地支撑服务开展。"
PASTED_DATE = "根据 2023年7月 督导月报反馈，社工站已完成整改。"

# 石牌街: 0 of 15 contract targets met, 6 of 20 required social workers certified (30%).
INDICATORS = [{"name": f"协议指标{i}", "unit": "个", "target": 100, "actual": 40 + i, "note": ""} for i in range(1, 16)]
STAFFING = dict(required=20, on_post=18, cert_intermediate=2, cert_assistant=4, non_certified=12, experienced=8,
                attendance_due=220, attendance_actual=200, training_due=1320, training_actual=1000, continuous=16)


@pytest.fixture
def pasted(demo_db):
    """(db, the new station's assessment, its lead) in the demo's database."""
    db, _demo = demo_db
    sid = A.create_station(db, "石牌街社工服务站", communities=["石牌社区", "龙口社区"], short_name="石牌街社工站",
                           district="天河区", street="石牌街道", address="广州市天河区石牌路 1 号",
                           operator="广州市某社会工作服务中心", purchaser="广州市天河区石牌街道办事处",
                           supervisor="广州市天河区民政局", operating_since="2021-03")
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长石", "1111", kind="末期",
                                    period_label="2024—2025 年度", visit_date="2025-08-20", evaluator_org="某评估机构",
                                    contract_start="2024-09-01", contract_end="2025-08-31",
                                    stats_start="2024-09-01", stats_end="2025-07-31", funding_wan=200)
    A.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["石牌社区"]},
                                {"name": "片区二", "communities": ["龙口社区"]}])
    SD.save_indicators(db, aid, lead, INDICATORS)
    SD.save_staffing(db, aid, lead, **STAFFING)
    R.set_text(db, aid, lead, "progress_comment", PASTED_PROGRESS)
    R.set_text(db, aid, lead, "feedback_draft", PASTED_FEEDBACK)
    R.add_item(db, aid, lead, "C", "", "strength", PASTED_MONITORING)
    R.add_item(db, aid, lead, "A", "", "strength", PASTED_STAFF)
    R.add_item(db, aid, lead, "A", "", "concern", PASTED_DATE)
    return db, aid, lead


def _path(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def _review(items):
    return [i for i in items if i.code.startswith("review_")]


def test_the_other_station_s_name_is_listed_with_the_sentence_and_the_text_it_is_in(pasted):
    db, aid, _ = pasted
    names = [i for i in preexport_check(db, aid) if i.code == "review_name"]
    progress = [i for i in names if i.message.startswith("二(二) 服务进度小结")]
    assert progress and "元岗街" in progress[0].message and PASTED_PROGRESS in progress[0].message
    feedback = [i for i in names if i.message.startswith("对评估报告初稿的反馈")]
    assert feedback and "元岗街" in feedback[0].message and feedback[0].page == "report"
    # this station's own district, street and name are never "other"
    assert not any("“石牌街" in i.message.split("——")[1] or "“天河区”" in i.message for i in names)


def test_a_completeness_claim_the_data_contradicts_blocks_and_says_what_the_data_shows(pasted):
    db, aid, _ = pasted
    claims = [i for i in blocking(preexport_check(db, aid)) if i.code == "review_claim"]
    texts = " ".join(i.message for i in claims)
    assert "各项工作指标完成情况良好" in texts and "服务监测板块的各项服务指标已全部完成" in texts
    assert "15 项协议指标中 0 项完成" in texts
    monitoring = next(i for i in claims if "已全部完成" in i.message)
    assert monitoring.message.startswith("C 服务监测·值得肯定第 1 条") and monitoring.page == "report"


def test_the_wrong_certified_share_blocks_with_the_data_s_figure(pasted):
    db, aid, _ = pasted
    figures = [i for i in blocking(preexport_check(db, aid)) if i.code == "review_figure"]
    assert any("持证社工占比（%） 75 与数据（30）不符" in i.message and "持证社工占比 75%" in i.message
               and i.message.startswith("A 项目管理·值得肯定第 1 条") for i in figures)


def test_a_date_of_another_term_is_pointed_out(pasted):
    db, aid, _ = pasted
    dates = [i for i in preexport_check(db, aid) if i.code == "review_date"]
    assert any("2023年7月" in i.message and "2024-09-01" in i.message for i in dates)
    assert all(not i.blocking for i in dates)


def test_no_objection_to_a_draft_never_issued_is_a_hint_and_an_issued_draft_without_feedback_blocks(pasted):
    from core.report import versions as V

    db, aid, lead = pasted
    hint = [i for i in preexport_check(db, aid) if i.code == "review_draft"]
    assert hint and not hint[0].blocking
    issued = V.issue(db, aid, lead, "draft", "天河区民政局", "pdf")
    assert issued.version["label"] == "初稿 1"
    claims = [i for i in blocking(preexport_check(db, aid)) if i.code == "review_claim" and "初稿 1" in i.message]
    assert claims and "尚未记录任何反馈" in claims[0].message
    V.record_feedback(db, aid, lead, issued.version["id"], "区民政局：对初稿无异议。")
    assert not [i for i in preexport_check(db, aid) if "尚未记录任何反馈" in i.message]


def test_check_exits_1_and_the_pdf_stays_a_draft_listing_the_findings(pasted, capsys):
    db, aid, _ = pasted
    assert cli_main(["check", str(aid), "--db", _path(db)]) == 1
    out = capsys.readouterr().out
    assert "元岗街" in out and "持证社工占比（%） 75 与数据（30）不符" in out and "已全部完成" in out
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    flat = text.replace("\n", "")
    assert "草稿说明" in flat and "持证社工占比（%） 75 与数据（30）不符" in flat


def test_the_same_texts_true_of_the_data_are_not_flagged(pasted):
    """Fix the data so the claims hold (all targets met, 15 of 20 certified): the claims and the share pass."""
    db, aid, lead = pasted
    SD.save_indicators(db, aid, lead, [dict(r, actual=120) for r in INDICATORS])
    SD.save_staffing(db, aid, lead, **dict(STAFFING, cert_intermediate=5, cert_assistant=10, non_certified=3))
    items = _review(preexport_check(db, aid))
    assert not [i for i in items if i.code in ("review_claim", "review_figure")], [i.message for i in items]


def test_the_demo_passes_the_reviewer_s_reading(demo_db):
    db, aid = demo_db
    assert not blocking(_review(preexport_check(db, aid)))
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli_main(["check", str(aid), "--db", _path(db)]) == 0
