"""The report follows the data for stations that are not the demo, built here through the use cases:
a weak station, one with no survey and no staffing, the 2019 three-party framework, N/A in every
section; the pre-export check and its CLI; long text in every field that reaches the PDF."""
from __future__ import annotations

import contextlib
import io
import re
import shutil
from dataclasses import replace

import pypdf
import pytest

from core.report import edits as R
from core.report import words as T
from core.scoring import scoresheet as S
from core.station import data as SD
from core.assessment import team as A
from core.cli.main import main as cli_main
from core.framework.model import get_framework
from core.numbers import D, fmt_number
from core.report.check import blocking
from core.report.data import gather
from core.report.make import preexport_check, report_pdf
from core.survey.rules import OVERALL, SurveyResults
from db.connection import connect
from db.migrations import migrate

WEAK_STAFFING = dict(required=20, on_post=10, cert_intermediate=2, cert_assistant=4, non_certified=4, experienced=4,
                     attendance_due=220, attendance_actual=150, training_due=1320, training_actual=600, continuous=7)


def _build(path, framework_id: str, station_name: str):
    db = connect(path)
    migrate(db)
    sid = A.create_station(db, station_name, communities=["甲社区", "乙社区"], short_name="白云街社工站",
                           district="白云区", street="白云街", address="广州市白云区某路 1 号",
                           operator="广州市某社会工作服务中心", purchaser="广州市白云区白云街道办事处",
                           supervisor="广州市白云区民政局", operating_since="2020-03")
    aid, lead = A.create_assessment(db, sid, framework_id, "组长甲", "1111", kind="末期", period_label="2024—2025 年度",
                                    visit_date="2025-06-10", evaluator_org="某评估机构", contract_start="2024-07-01",
                                    contract_end="2025-06-30", stats_start="2024-07-01", stats_end="2025-05-31",
                                    funding_wan=200)
    A.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["甲社区"]},
                                {"name": "片区二", "communities": ["乙社区"]}])
    expert = A.add_member(db, aid, lead, "专家乙", "expert", "2222",
                          sections=[s.code for s in get_framework(framework_id).sections])
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return aid, lead, expert


@pytest.fixture(scope="module")
def bare_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("stations")
    return {fid: (d / f"{fid}.db", *_build(d / f"{fid}.db", fid, "白云街社工服务站"))
            for fid in ("gz-2024-four-party", "gz-2019-city")}


@pytest.fixture
def station(bare_files, tmp_path):
    """A private copy of a bare station: call it with a framework id -> (db, aid, lead, expert)."""
    opened = []

    def make(fid="gz-2024-four-party"):
        src, aid, lead, expert = bare_files[fid]
        dst = tmp_path / f"{fid}.db"
        shutil.copy(src, dst)
        db = connect(dst)
        opened.append(db)
        return db, aid, lead, expert

    yield make
    for db in opened:
        db.conn.close()


def _path(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def _score_all(db, aid, expert, share: float, na=frozenset()):
    fw = S.framework(db, aid)
    areas = [a["code"] for a in A.list_areas(db, A.get_assessment(db, aid)["station_id"])]
    for ind in fw.indicators:
        for ac in (areas if ind.scope == "area" else [""]):
            if ind.code in na:
                S.save_score(db, aid, expert, ind.code, ac, na=True)
            else:
                S.save_score(db, aid, expert, ind.code, ac, value=round(ind.points * share * 2) / 2)


def _pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _weak(station):
    db, aid, lead, expert = station()
    SD.save_staffing(db, aid, lead, **WEAK_STAFFING)
    SD.save_indicators(db, aid, lead, [{"name": f"指标{i}", "unit": "个", "target": 100, "actual": 50 + i, "note": ""}
                                       for i in range(14)] + [{"name": "入户探访", "unit": "个", "target": 100,
                                                               "actual": 120, "note": ""}])
    _score_all(db, aid, expert, 0.5)
    for p in ("purchaser", "supervision_center", "supervisor"):
        S.save_party_score(db, aid, lead, p, 60)
    S.save_veto(db, aid, lead, "finance", False, "")
    return db, aid, lead, expert


def _weak_survey():
    """69.8% satisfied (30 of 43), 10 dissatisfied, 55.8% aware, 7 unreachable, as core.survey.calls reports them."""
    return SurveyResults(seed="1", register_hash="x", sample_size=50, called=50, reached=43, unreachable=7,
                         satisfied=30, satisfaction_rate=D("69.8"), satisfaction_text="69.8%", aware=24,
                         awareness_rate=D("55.8"), awareness_text="55.8%",
                         breakdown={OVERALL: {"非常满意": 10, "满意": 20, "一般": 3, "不满意": 8, "非常不满意": 2}})


# ---------- a weak station ----------

def test_every_weak_figure_of_a_weak_station_is_a_concern_never_a_strength(station):
    db, aid, *_ = _weak(station)
    d = gather(db, aid)
    d.survey = _weak_survey()
    sec_a = d.section_with("staffing")
    strengths = " ".join(T.section_items(d, sec_a, 0, "strength"))
    concerns = " ".join(T.section_items(d, sec_a, 0, "concern"))
    for figure in ("30%", "20%", "稳岗率仅达 35%", "68.18%", "45.45%"):   # certified, experienced, retention, 到岗, 继续教育
        assert figure in concerns, figure
        assert figure not in strengths, figure
    assert "低于 70% 的要求" in concerns and "低于 80% 的要求" in concerns
    monitoring = d.section_with("satisfaction")
    good = " ".join(T.section_items(d, monitoring, 0, "strength"))
    bad = " ".join(T.section_items(d, monitoring, 0, "concern"))
    assert "69.8%" not in good and "总体满意度为 69.8%" in bad and "低于 90% 的要求" in bad
    assert "55.8%" in bad and "有10名受访者对社工站服务表示不满意" in bad
    assert "有7名服务对象经两次电话联系均未能接通" in bad
    assert "14 项协议指标的完成率低于 100%" in bad
    assert "各项工作指标完成情况良好" not in T.text(d, "progress_comment")


def test_the_closing_judgement_follows_the_grade_and_a_failed_veto(station):
    db, aid, lead, _ = _weak(station)
    d = gather(db, aid)
    assert d.grade == "不合格" and d.final < 60
    closing = T.text(d, "closing")
    assert "大部分工作是值得肯定的" not in closing
    assert "多项工作存在明显不足" in closing
    for p in ("purchaser", "supervision_center", "supervisor"):
        S.save_party_score(db, aid, lead, p, 100)
    S.save_veto(db, aid, lead, "finance", True, "账目不清")
    d = gather(db, aid)
    assert d.grade == "不合格"
    assert "财务评估未通过（一票否决），评估等级为不合格" in T.text(d, "closing")


@pytest.mark.parametrize("grade,words", [("优秀", "大部分工作是值得肯定的"), ("良好", "多数工作是值得肯定的"),
                                         ("合格", "仍有较多方面需要关注和改进"), ("不合格", "需要切实整改")])
def test_each_grade_has_its_own_judgement_from_the_framework(station, grade, words):
    db, aid, *_ = station()
    d = gather(db, aid)
    d.result = replace(d.result, grade=grade)
    assert words in T.closing_default(d)
    assert words in get_framework("gz-2024-four-party").report_rules.judgements[grade]


def test_thresholds_are_data_in_the_framework_file(station):
    db, aid, lead, _ = station()
    SD.save_staffing(db, aid, lead, **dict(WEAK_STAFFING, continuous=15))   # 稳岗率 75%
    d = gather(db, aid)
    assert "稳岗率仅达 75%" in (T.staffing_concern(d) or "")
    rules = d.framework.report_rules
    d.framework = replace(d.framework, report=replace(rules, thresholds=dict(rules.thresholds, retention=D(70))))
    assert "稳岗率达 75%" in (T.staffing_strength(d) or "")
    assert "稳岗率" not in (T.staffing_concern(d) or "")


# ---------- no survey, no staffing; nothing unrecorded printed ----------

def test_a_station_with_no_survey_and_no_staffing_claims_neither(station):
    db, aid, *_ = station()
    d = gather(db, aid)
    text = _pdf_text(report_pdf(db, aid))
    assert "填写问卷" not in text and "服务对象满意度。随机抽取" not in text
    assert "总体满意度为" not in text and "配备社工总人数" not in text
    assert "无异议" not in text
    assert "现场反馈尚未记录" in text and "评估报告初稿的反馈尚未记录" in text
    assert T.process_steps(d) == []
    assert "现场评估工作（听取介绍、实地观察、查阅资料、访谈、满意度调查）尚未记录" in T.background_intro(d)


def test_method_steps_list_only_what_was_recorded(station):
    db, aid, lead, _ = station()
    SD.save_site_record(db, aid, lead, "document", item="劳动合同", status="ok")
    SD.save_site_record(db, aid, lead, "interview", item="机构运营访谈：管理人员", notes="已访谈")
    steps = T.process_steps(gather(db, aid))
    assert [s.split("。")[0] for s in steps] == ["查阅资料", "机构运营访谈"]


def test_a_document_record_with_a_problem_is_a_concern_of_its_section_with_the_sampled_file(station):
    db, aid, lead, _ = station()
    SD.save_site_record(db, aid, lead, "document", item="劳动合同", status="finding",
                        finding="工作地点表述模糊", file_ref="抽查劳动合同 5 份")
    d = gather(db, aid)
    concerns = T.section_items(d, d.sections[0], 0, "concern")
    assert "查阅资料（劳动合同）发现：工作地点表述模糊（抽查：抽查劳动合同 5 份）。" in concerns


def test_a_previous_recommendation_not_rectified_is_a_concern_and_printed_in_the_rectification_part(station):
    db, aid, lead, _ = station()
    SD.save_recommendation(db, aid, lead, "完善消防安全制度", "未整改", "制度仍未更新", section_code="A")
    SD.save_recommendation(db, aid, lead, "补充需求调研", "已整改", "有调研报告", section_code="B")
    d = gather(db, aid)
    assert any("“完善消防安全制度”未整改：制度仍未更新" in c for c in T.section_items(d, d.sections[0], 0, "concern"))
    text = _pdf_text(report_pdf(db, aid))
    assert "上期评估意见整改情况" in text and "已整改1条，部分整改0条，未整改1条" in text
    assert "补充需求调研" in text and "有调研报告" in text


def test_register_statistics_are_counted_from_the_register(station):
    db, aid, lead, _ = station()
    rows = [dict(name=f"测试{i}", phone=f"1380000{i:04d}", community="甲社区" if i < 5 else "乙社区",
                 category="低保对象", household=f"H{i // 2}", vacant_household=i == 1, separated=i in (2, 3), note="")
            for i in range(7)]
    SD.replace_clients(db, aid, lead, rows)
    d = gather(db, aid)
    b = d.section_with("register")
    kind, text = T.register_paragraph(d, b.blocks[0].area_code)
    assert kind == "strength"
    assert "共登记重点服务对象 3 户 5 人" in text and "空挂户 1 人、人户分离 2 人" in text
    assert text in T.section_items(d, b, 0, "strength")


def test_the_2019_framework_names_no_supervision_centre_and_uses_its_own_basis(station):
    db, aid, *_ = station("gz-2019-city")
    text = _pdf_text(report_pdf(db, aid))
    assert "督导中心" not in text
    assert "《广州市社工服务站评估指标》（2019试行）" in text
    assert "广州市社工站购买服务项目评估指标体系" not in text
    assert "党建引领" in text


# ---------- 表 1 adds up ----------

@pytest.mark.parametrize("fid", ["gz-2024-four-party", "gz-2019-city"])
def test_with_na_in_every_section_the_section_scores_add_up_to_the_third_party_total(station, fid):
    db, aid, lead, expert = station(fid)
    fw = get_framework(fid)
    _score_all(db, aid, expert, 0.83, na={sec.indicators[0].code for sec in fw.sections})
    r = S.result(db, aid)
    assert all(s.na_max > 0 for s in r.sections)
    assert sum(s.score for s in r.sections) == r.third_party
    text = _pdf_text(report_pdf(db, aid))
    assert f"第三方评估合计100{fmt_number(r.third_party)}" in text
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["score", str(aid), "--db", _path(db)])
    assert f"第三方评分 {r.third_party}" in out.getvalue()


# ---------- the pre-export check ----------

def test_check_exits_1_naming_empty_recommendations_and_0_on_the_demo(station, demo_db_file, capsys):
    db, aid, *_ = station()
    assert cli_main(["check", str(aid), "--db", _path(db)]) == 1
    out = capsys.readouterr().out
    assert "结语中的发展建议为空" in out and "满意度调查尚未抽样" in out and "人员配置" in out
    demo_path, demo_id = demo_db_file
    assert cli_main(["check", str(demo_id), "--db", str(demo_path)]) == 0
    assert "导出前检查通过" in capsys.readouterr().out


def test_a_blocked_report_carries_the_draft_watermark_and_a_clean_one_does_not(station, demo_db_file):
    db, aid, *_ = station()
    assert "草稿" in _pdf_text(report_pdf(db, aid))
    demo = connect(demo_db_file[0])
    try:
        text = _pdf_text(report_pdf(demo, demo_db_file[1]))
    finally:
        demo.conn.close()
    assert "草稿" not in text


def test_a_number_typed_into_report_text_that_differs_from_the_data_is_blocking(demo_db):
    db, aid = demo_db
    lead = next(m["id"] for m in A.list_members(db, aid) if m["role"] == "lead")
    R.add_item(db, aid, lead, "A", "", "concern", "稳岗率仅为 50%，需关注。")
    items = preexport_check(db, aid)
    assert any(i.code == "number" and "稳岗率（%） 50 与数据（60）不符" in i.message for i in blocking(items))


def test_the_draft_of_recommendations_has_one_per_section_with_concerns(demo_db):
    d = gather(*demo_db)
    draft = T.closing_points_draft(d)
    with_concerns = [s for s in d.sections
                     if any(T.section_items(d, s, i, "concern") for i in range(len(s.blocks)))]
    assert len(draft) == len(with_concerns) >= 3
    assert all(p.startswith(f"建议社工站在{s.name}方面") for p, s in zip(draft, with_concerns))


# ---------- long text never breaks the PDF (issue 17 item 5) ----------

LONG = ("很长的文字" * 1999) + "结束"   # 10,000 characters


def test_ten_thousand_characters_in_every_field_that_reaches_the_pdf_still_lay_out(station):
    db, aid, lead, expert = station()
    A.update_station(db, aid, lead, address=LONG, operator=LONG, purchaser=LONG, supervisor=LONG)
    A.update_assessment(db, aid, lead, evaluator_org=LONG, period_label=LONG)
    SD.save_indicators(db, aid, lead, [{"name": LONG, "unit": "个", "target": 10, "actual": 5, "note": LONG}])
    SD.save_staffing(db, aid, lead, **WEAK_STAFFING)
    SD.save_recommendation(db, aid, lead, LONG, "未整改", LONG, section_code="A")
    SD.save_site_record(db, aid, lead, "document", item=LONG, status="finding", finding=LONG, file_ref=LONG)
    S.add_finding(db, aid, expert, "A", "concern", LONG)
    S.add_finding(db, aid, lead, "party:purchaser", "strength", LONG)
    S.save_party_score(db, aid, lead, "purchaser", 80, LONG)
    S.save_veto(db, aid, lead, "finance", False, LONG)
    for key in (*T.TEXT_KEYS, *T.FEEDBACK_KEYS):
        R.set_text(db, aid, lead, key, LONG)
    pdf = report_pdf(db, aid)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert pdf[:5] == b"%PDF-" and len(reader.pages) > 20
    assert "长文本全文" in text and text.count("结束") >= 10   # every long text printed in full somewhere
