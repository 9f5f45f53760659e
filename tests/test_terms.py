"""Every kind of assessment, every term (issue 24): a 中期 judged against the targets due by its statistics
date, a projected third-party total and N/A stated, the next term started from this one, the finished demo.

Stations are built here (not the demo) unless a test is about the demo itself; PDFs are read back with pypdf.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pypdf
import pytest

from conftest import app_test, open_site_tab
from core.agency import exports, transfer
from core.assessment import team as A
from core.day import live
from core.framework import library as L
from core.framework.model import get_framework
from core.report import words as T
from core.report.data import gather
from core.report.make import preexport_check, report_pdf
from core.scoring import scoresheet as S
from core.station import data as SD
from core.station import register_import as imports
from core.terms import nextterm
from core.errors import ImportRejected
from db.connection import connect
from db.errors import LoginFailed
from db.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
FW = "gz-2024-four-party"
ANNUAL = {"电话访问": 2000, "入户探访": 500, "个案接案": 100, "小组": 36, "新登记志愿者": 200}
# contract 2025-07-01..2026-06-30, statistics to 2025-12-31: 184 of 365 days gone (50.41%)
MIDTERM = dict(kind="中期", period_label="2025—2026 年度", visit_date="2026-01-08", evaluator_org="某评估中心",
               contract_start="2025-07-01", contract_end="2026-06-30", stats_start="2025-07-01",
               stats_end="2025-12-31", funding_wan=200)
STAFFING = dict(required=20, on_post=18, cert_intermediate=4, cert_assistant=11, non_certified=3, experienced=12,
                attendance_due=120, attendance_actual=118, training_due=600, training_actual=640, continuous=17)


def core(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def _station(tmp_path, framework_id=FW, file="terms.db", **fields):
    """A station of 白云区 棠下街 with one expert scoring every section: (db, aid, lead, expert)."""
    db = connect(tmp_path / file)
    migrate(db)
    sid = A.create_station(db, "棠下街社工服务站", communities=["甲社区", "乙社区"], short_name="棠下街社工站",
                           district="白云区", street="棠下街", address="广州市白云区某路 2 号",
                           operator="广州市某社工服务中心", purchaser="广州市白云区棠下街道办事处",
                           supervisor="广州市白云区民政局", operating_since="2019-07")
    aid, lead = A.create_assessment(db, sid, framework_id, "组长甲", "135790", **{**MIDTERM, **fields})
    A.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["甲社区"]},
                                {"name": "片区二", "communities": ["乙社区"]}])
    expert = A.add_member(db, aid, lead, "专家乙", "expert", "246802",
                          sections=[s.code for s in get_framework(framework_id).sections])
    return db, aid, lead, expert


def _indicators(db, aid, lead, share: float, mid: dict | None = None):
    SD.save_indicators(db, aid, lead, [
        {"name": n, "unit": "个", "target": t, "mid_target": (mid or {}).get(n), "actual": round(t * share), "note": ""}
        for n, t in ANNUAL.items()])


def _pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _completion_texts(d, kind):
    sec = d.section_with("contract_completion")
    return " ".join(T.section_items(d, sec, 0, kind))


# ---------- 中期 on its own terms ----------

def test_a_midterm_at_half_the_year_after_half_the_contract_is_on_schedule(tmp_path):
    db, aid, lead, _ = _station(tmp_path)
    _indicators(db, aid, lead, 0.5)            # 50% of the year (the last two at 50.0–52.78%)
    d = gather(db, aid)
    assert d.period is not None and d.period.share_text == "50.41%"
    assert all(r["rate"] >= 99 for r in d.indicators)
    concerns = _completion_texts(d, "concern")
    assert "协议指标" not in concerns and "补足" not in concerns
    assert "均达到截至2025 年 12 月 31 日应完成量的 95%以上" in _completion_texts(d, "strength")
    comment = T.text(d, "progress_comment")
    assert "各项工作指标均已按期完成（按合同期已过 50.41% 折算）" in comment and "需要关注" not in comment
    text = _pdf_text(report_pdf(db, aid))
    assert "按合同期已过50.41%折算" in text
    assert "分别完成中期应完成量的" in text and "0项已完成" not in text and "在后续服务中补足" not in text
    # 附件1: the annual and the due figure side by side (2000 × 184/365 = 1008.22)
    assert "全年协议" in text and "中期应完" in text and "电话访问个20001008.221000" in text


def test_a_midterm_behind_schedule_lists_each_indicator_under_concerns_with_what_to_do_by_mo_qi(tmp_path):
    db, aid, lead, _ = _station(tmp_path)
    _indicators(db, aid, lead, 0.3)            # 30% of the year after half the contract
    d = gather(db, aid)
    concerns = _completion_texts(d, "concern")
    assert "5 项协议指标的完成进度低于截至2025 年 12 月 31 日应完成量的 95%" in concerns
    for name in ANNUAL:
        assert name in concerns
    # 电话访问: 600 done of 1008.22 due = 59.51%, 30% of the year
    assert "电话访问完成 600 个，中期应完成量 1008.22 个，进度完成率 59.51%（全年协议指标量 2000 个，占全年 30%）" in concerns
    assert "在末期评估前完成全年协议指标量" in concerns
    assert _completion_texts(d, "strength") == ""
    comment = T.text(d, "progress_comment")
    assert "5 项协议指标中 0 项已按期完成" in comment and "进度滞后" in comment
    assert T.closing_points_draft(d)[0].startswith("建议社工站在末期评估前重点改进")


def test_a_midterm_uses_the_contracts_mid_term_targets_where_it_states_them(tmp_path):
    db, aid, lead, _ = _station(tmp_path)
    _indicators(db, aid, lead, 0.5, mid={"电话访问": 1200, "个案接案": 40})
    d = gather(db, aid)
    rows = {r["name"]: r for r in d.indicators}
    assert rows["电话访问"]["due_target"] == 1200 and rows["电话访问"]["rate_text"] == "83.33%"   # 1000 / 1200
    assert rows["个案接案"]["due_target"] == 40 and rows["个案接案"]["rate_text"] == "125%"
    assert rows["入户探访"]["due_basis"] == "prorated"
    concerns = _completion_texts(d, "concern")
    assert "电话访问完成 1000 个，中期应完成量 1200 个，进度完成率 83.33%" in concerns and "个案接案" not in concerns
    assert T.due_basis(d) == "按合同约定的中期指标量，其余按合同期已过 50.41% 折算"
    # the same figures in Excel
    wb = openpyxl.load_workbook(io.BytesIO(exports.export_xlsx(db, aid)))
    sheet = list(wb["协议指标"].iter_rows(values_only=True))
    head, body = sheet[0], {r[1]: r for r in sheet[1:]}
    assert body["电话访问"][head.index("中期指标量")] == 1200
    assert body["电话访问"][head.index("进度完成率")] == pytest.approx(0.8333)      # a number, as 83.33%
    assert body["电话访问"][head.index("占全年")] == pytest.approx(0.5)
    assert body["入户探访"][head.index("应完成量依据")] == "按合同期已过 50.41% 折算"


def test_mid_term_targets_are_imported_exported_and_carried_in_json(tmp_path):
    db, aid, lead, _ = _station(tmp_path)
    csv = "指标名称,单位,协议指标量,中期指标量,实际完成量\n电话访问,个,2000,900,950\n入户探访,个,500,,260\n".encode()
    assert SD.import_indicators(db, aid, lead, "指标.csv", csv) == 2
    rows = {r["name"]: r for r in SD.list_indicators(db, aid)}
    assert rows["电话访问"]["mid_target"] == 900 and rows["入户探访"]["mid_target"] is None
    bad = "指标名称,单位,协议指标量,中期指标量,实际完成量\n电话访问,个,2000,-5,950\n".encode()
    with pytest.raises(ImportRejected) as e:
        SD.import_indicators(db, aid, lead, "坏.csv", bad)
    assert any("第 2 行“中期指标量”" in x for x in e.value.errors)
    assert SD.list_indicators(db, aid)[0]["mid_target"] == 900          # nothing changed
    back = imports.parse_indicators("导出.xlsx", imports.indicator_template("xlsx", rows=SD.list_indicators(db, aid)))
    assert [(r["name"], r["mid_target"]) for r in back] == [("电话访问", 900), ("入户探访", None)]
    doc = transfer.export_assessment(db, aid)
    db2 = connect(tmp_path / "other.db")
    migrate(db2)
    new = transfer.import_assessment(db2, doc)
    assert [(r["name"], r["mid_target"]) for r in SD.list_indicators(db2, new)] == [("电话访问", 900), ("入户探访", None)]


def test_a_mo_qi_is_still_judged_against_the_annual_target(tmp_path):
    db, aid, lead, _ = _station(tmp_path, kind="末期")
    _indicators(db, aid, lead, 0.5)
    d = gather(db, aid)
    assert d.period is None and {r["rate_text"] for r in d.indicators} <= {"50%", "50.14%", "50.83%"}
    assert "5 项协议指标的完成率低于 100%" in _completion_texts(d, "concern")



def test_the_station_history_compares_a_midterm_on_its_own_terms_as_its_report_did(tmp_path):
    """历次评估 (and the agency overview): a 中期 at half the contract with half the year done is on schedule
    there too — its rates are of what was due by its statistics date, the same as its report's — and the
    table says so; a 末期 of the same figures stays at half its annual targets."""
    from core.agency import overview, stations

    db, aid, lead, _ = _station(tmp_path)
    _indicators(db, aid, lead, 0.5)
    mo_qi, mo_lead = A.create_assessment(db, A.get_assessment(db, aid)["station_id"], FW, "组长丙", "975310",
                                         **{**MIDTERM, "kind": "末期", "visit_date": "2026-07-08",
                                            "stats_end": "2026-06-30"})
    _indicators(db, mo_qi, mo_lead, 0.5)
    report_rates = {r["name"]: r["rate"] for r in gather(db, aid).indicators}
    rows = overview.station_history(db, stations.station_of_assessment(db, aid))
    mid, end = (next(r for r in rows if r["kind"] == k) for k in ("中期", "末期"))
    assert {c["name"]: c["rate"] for c in mid["completion"]} == {n: float(v) for n, v in report_rates.items()}
    assert mid["completion_summary"]["min_rate"] >= 99 > 51 >= end["completion_summary"]["min_rate"]
    assert all(c["rate"] <= 51 for c in end["completion"]) and end["completion_summary"]["below"] == 5
    phone = next(c for c in mid["completion"] if c["name"] == "电话访问")
    assert phone["due_basis"] == "prorated" and phone["due_target"] == 1008.22
    notes = overview.history_notes(rows)
    assert len(notes) == 1 and "2025—2026 年度中期的协议指标完成率为占中期应完成量的比例" in notes[0]
    header, body = overview.history_table(rows)
    assert [row[header.index("电话访问完成率")] for row in body] == ["99.18%", "50%"]

# ---------- projected total and N/A stated ----------

def _score_all(db, aid, expert, na_sections=()):
    fw = S.framework(db, aid)
    areas = [a["code"] for a in A.list_areas(db, A.get_assessment(db, aid)["station_id"])]
    for sec in fw.sections:
        for ind in sec.indicators:
            for ac in (areas if ind.scope == "area" else [""]):
                if sec.code in na_sections:
                    S.save_score(db, aid, expert, ind.code, ac, na=True)
                else:
                    S.save_score(db, aid, expert, ind.code, ac, value=round(ind.points * 0.8 * 2) / 2)


def test_a_section_wholly_na_marks_the_total_projected_in_the_pdf_the_dashboard_and_excel(tmp_path):
    db, aid, lead, expert = _station(tmp_path)
    fw = get_framework(FW)
    monitoring = next(s for s in fw.sections if s.name == "服务监测")
    _score_all(db, aid, expert, na_sections={monitoring.code})
    r = S.result(db, aid)
    scored = [s for s in r.sections if s.score is not None]
    assert r.section(monitoring.code).score is None and r.third_party is not None
    note = f"服务监测未评（指标均不适用），合计按已评 {T.num(sum(s.points for s in scored))} 分折算"
    assert note == "服务监测未评（指标均不适用），合计按已评 80 分折算"
    text = _pdf_text(report_pdf(db, aid))
    assert "第三方评估合计（折算）" in text
    assert "第三方评估合计为折算分：服务监测未评（指标均不适用），合计按已评80分折算为100分。" in text
    n_na = len(monitoring.indicators)
    assert f"服务监测有{n_na}项指标评为不适用：" in text and f"共{T.num(monitoring.points)}分" in text
    dash = live.dashboard(db, aid)
    assert dash.projection_note == note and dash.third_party_text.endswith("（折算）")
    wb = openpyxl.load_workbook(io.BytesIO(exports.export_xlsx(db, aid)))
    info = {row[0]: row[1] for row in wb["评估概况"].iter_rows(min_row=2, values_only=True)}
    assert info["第三方评估得分（折算）"] == float(r.third_party)          # still a number
    assert info["第三方评估得分说明"] == f"第三方评估得分为折算分：{note}"


def test_na_indicators_in_a_scored_section_are_named_with_their_points(tmp_path):
    db, aid, lead, expert = _station(tmp_path)
    fw = S.framework(db, aid)
    first = fw.sections[0]
    _score_all(db, aid, expert)
    one = first.indicators[0]
    S.save_score(db, aid, expert, one.code, "", na=True)
    d = gather(db, aid)
    said = T.na_sentences(d)
    assert len(said) == 1 and said[0].startswith(f"{first.name}有 1 项指标评为不适用：{one.code} {one.name}")
    rest = T.num(first.points - one.points)
    assert f"该部分按其余 {rest} 分的得分折算为 {T.num(first.points)} 分" in said[0]
    assert T.projection_sentence(d) == ""              # every section has a score: nothing projected


# ---------- the next term ----------

def _finish_term(db, aid, lead, expert):
    _indicators(db, aid, lead, 0.5, mid={"个案接案": 40})
    SD.save_staffing(db, aid, lead, **STAFFING)


def test_new_term_copies_team_framework_and_evaluator_and_check_lists_the_indicators(tmp_path):
    db, aid, lead, expert = _station(tmp_path)
    A.add_member(db, aid, lead, "工作人员丙", "staff", "112233")
    agency = L.copy_framework(db, aid, lead, FW, "tangxia-fw", "棠下机构框架")
    A.use_framework(db, aid, lead, agency)
    used = A.get_assessment(db, aid)
    tables = L.editable_sheets(db, agency)
    next(row for row in tables["指标"] if row["指标代码"])["评分指引"] = "机构第二版的指引"
    assert L.save_edit(db, aid, lead, agency, tables) == 2             # a newer version exists now
    _finish_term(db, aid, lead, expert)
    A.set_assignments(db, aid, lead, lead, ["A"])
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    db.conn.close()

    r = core("new-term", aid, "--db", path, "--kind", "末期")
    assert r.returncode == 0, r.stderr
    new = int(r.stdout.strip().splitlines()[-1])
    assert "新 PIN" in r.stdout
    db = connect(path)
    a = A.get_assessment(db, new)
    assert a["kind"] == "末期" and a["evaluator_org"] == "某评估中心"
    assert (a["framework_id"], a["framework_version"], a["framework_data"]) == \
        (used["framework_id"], used["framework_version"], used["framework_data"])
    assert A.framework_of(db, new) == A.framework_of(db, aid)
    # the 末期 of the same contract keeps its dates
    assert (a["contract_start"], a["contract_end"], a["period_label"]) == ("2025-07-01", "2026-06-30", "2025—2026 年度")
    members = {m["name"]: m["role"] for m in A.list_members(db, new)}
    assert members == {"组长甲": "lead", "专家乙": "expert", "工作人员丙": "staff"}
    pairs = {(x["member_id"], x["section_code"]) for x in A.assignments(db, new)}
    by_name = {m["name"]: m["id"] for m in A.list_members(db, new)}
    assert {s for m, s in pairs if m == by_name["专家乙"]} == {s.code for s in get_framework(FW).sections}
    assert {s for m, s in pairs if m == by_name["组长甲"]} == {"A"}
    inds = SD.list_indicators(db, new)
    assert [(r["name"], r["unit"], r["target"], r["actual"], r["target_pending"]) for r in inds] == \
        [(n, "个", t, None, 1) for n, t in ANNUAL.items()]
    assert next(r for r in inds if r["name"] == "个案接案")["mid_target"] == 40
    # areas and the station's identity come over
    assert [x["name"] for x in A.list_areas(db, a["station_id"])] == ["片区一", "片区二"]
    # new PINs: the old one no longer opens the new assessment, the printed one does
    pins = dict(re.findall(r"^\s+(\S+)\s+(\d{6})$", r.stdout, re.M))
    assert set(pins) == set(members)
    with pytest.raises(LoginFailed):
        A.login(db, new, "专家乙", "246802")
    assert A.login(db, new, "专家乙", pins["专家乙"])["name"] == "专家乙"
    db.conn.close()

    r = core("check", new, "--db", path)
    assert r.returncode == 1
    listed = next(line for line in r.stdout.splitlines() if "尚未填写完成量" in line)
    assert all(name in listed for name in ANNUAL) and "5 项协议指标" in listed
    assert any("尚待与本期合同核对确认" in line and "电话访问" in line for line in r.stdout.splitlines())


def test_new_term_keeps_pins_when_asked_and_a_new_contract_year_leaves_its_dates_to_fill(tmp_path):
    db, aid, lead, expert = _station(tmp_path, kind="末期")
    out = nextterm.start_next_term(db, aid, keep_pins=True)
    assert out["kind"] == "中期" and out["pins"] == {}
    a = A.get_assessment(db, out["assessment_id"])
    assert a["period_label"] == "2026—2027 年度" and a["contract_start"] is None and a["stats_end"] is None
    assert A.login(db, out["assessment_id"], "专家乙", "246802")["name"] == "专家乙"
    assert A.login(db, out["assessment_id"], "组长甲", "135790")["name"] == "组长甲"
    items = {i.code: i.message for i in preexport_check(db, out["assessment_id"])}
    assert "合同期开始" in items["fields"] and "统计截止日期" in items["fields"]


def test_the_carry_over_comes_from_the_last_locked_assessment_or_says_none_was_locked(tmp_path):
    db, aid, lead, expert = _station(tmp_path, kind="末期")
    S.add_finding(db, aid, expert, "A", "concern", "档案管理需要加强，建议逐月归档。")
    first = nextterm.start_next_term(db, aid, keep_pins=True)
    assert "从未锁定" in first["carry_note"] and first["carried_from"] == aid
    # lock the first term; a second unlocked term exists: the next one takes the locked one's report
    A.set_locked(db, aid, lead, True)
    third = nextterm.start_next_term(db, first["assessment_id"], keep_pins=True)
    assert third["carried_from"] == aid
    assert "尚未锁定" in third["carry_note"] and "已锁定的评估（2025—2026 年度 末期）" in third["carry_note"]
    texts = [r["text"] for r in SD.list_recommendations(db, third["assessment_id"])]
    assert any("档案管理需要加强" in t for t in texts)


def test_the_check_names_each_staffing_figure_missing_and_a_team_with_no_expert(tmp_path):
    db, aid, lead, expert = _station(tmp_path)
    SD.save_staffing(db, aid, lead, required=20, on_post=18)
    A.remove_member(db, aid, lead, expert)
    items = {i.code: i for i in preexport_check(db, aid)}
    assert items["staffing_fields"].blocking
    for label in ("持证：中级社工师", "继续教育应完成时数", "评估期内持续在岗人数"):
        assert label in items["staffing_fields"].message
    assert "协议要求配备社工数" not in items["staffing_fields"].message
    assert items["experts"].blocking and "没有评估专家" in items["experts"].message


# ---------- the demo is a finished day ----------

def test_the_demo_is_a_finished_day_and_its_next_term_shows_history_and_carry_over(tmp_path):
    path = tmp_path / "demo.db"
    r = core("demo", "--db", path, "--next-term")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    new = int(lines[-1])
    db = connect(path)
    demo = next(a["id"] for a in A.list_assessments(db) if a["kind"] == "末期")
    assert A.get_assessment(db, demo)["status"] == "locked"
    items = preexport_check(db, demo)
    assert not [i for i in items if i.code == "signoff"] and not [i for i in items if i.blocking]
    assert "feedback_draft" not in {i.code for i in items} and gather(db, demo).texts.get("feedback_draft")
    text = _pdf_text(report_pdf(db, demo))
    assert "评估专家：陈志远、林晓红、王建华、赵敏、周立新" in text and "尚无专家提交评分" not in text
    assert "草稿" not in text
    # the next term: the same station, a 中期 with its carry-over from the locked 末期 and its history
    nd = gather(db, new)
    assert nd.assessment["kind"] == "中期" and nd.period is not None
    assert nd.recommendations and {r["status"] for r in nd.recommendations} == {"未核实"}
    assert [h["id"] for h in nd.history][-2:] == [demo, new]
    assert "进度滞后" in T.text(nd, "progress_comment")


def test_the_lead_starts_the_next_term_on_the_setup_page_and_sees_the_new_pins_once(db_path, app_env):
    db = connect(db_path)
    migrate(db)
    sid = A.create_station(db, "棠下街社工服务站", district="白云区", street="棠下街")
    aid, lead = A.create_assessment(db, sid, FW, "组长甲", "135790", **MIDTERM)
    A.add_member(db, aid, lead, "专家乙", "expert", "246802", sections=["A"])
    A.set_locked(db, aid, lead, True)                      # the term is done: still allowed from a locked one
    at = app_test("pages/setup.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert at.radio(key="next_term_kind").value == "末期"     # the next kind after a 中期
    at.button(key="next_term_submit").click()
    at.run()
    assert not at.exception
    assert any("已新建下一次评估（末期" in s.value for s in at.success)
    new = max(a["id"] for a in A.list_assessments(db))
    assert new != aid and A.get_assessment(db, new)["kind"] == "末期"
    pins = next(d.value for d in at.dataframe if "新 PIN" in d.value.columns)   # AppTest keeps no dataframe key
    assert list(pins["成员"]) == ["组长甲", "专家乙"] and all(len(p) == 6 for p in pins["新 PIN"])
    assert A.login(db, new, "专家乙", pins["新 PIN"][1])["name"] == "专家乙"


def test_the_site_records_page_says_when_the_carried_opinions_come_from_a_term_never_locked(db_path, app_env):
    db, aid, lead, expert = _station(db_path.parent, file=db_path.name, kind="末期")
    S.add_finding(db, aid, expert, "A", "concern", "档案管理需要加强，建议逐月归档。")
    new = nextterm.start_next_term(db, aid, keep_pins=True)["assessment_id"]
    lead_new = next(m["id"] for m in A.list_members(db, new) if m["role"] == "lead")
    at = app_test("pages/site_records.py", auth={"assessment_id": new, "member_id": lead_new})
    at.run()
    open_site_tab(at, "上期评估意见")
    assert any("从未锁定" in w.value and "2025—2026 年度 末期" in w.value for w in at.warning)
    A.set_locked(db, aid, lead, True)
    at.run()
    assert not any("从未锁定" in w.value for w in at.warning)
