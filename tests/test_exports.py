"""Excel export: the sheets a user expects, masked register, neutralised formulas."""
from __future__ import annotations

import io
import json
import re
import shutil

import pandas as pd
import pytest
from _fill_tables import fill_empty_tables
from openpyxl import load_workbook

from core.scoring import scoresheet as S
from core.agency.exports import SHEETS, export_xlsx
from core.masking import mask_name, mask_phone
from core.numbers import round_half_up
from db import audit
from db.backup import db_file
from db.connection import connect, transaction


PAYLOADS = [
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


def _lead(db, aid):
    return db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'lead'", [aid]).fetchone()[0]


@pytest.fixture(scope="module")
def workbook(demo_db_file, tmp_path_factory):
    """The demo (every table filled) plus traps: register data in free text, a deleted
    client in the history, formula payloads; exported once for the module."""
    src, aid = demo_db_file
    path = tmp_path_factory.mktemp("xlsx") / "demo.db"
    shutil.copy(src, path)
    db = connect(path)
    fill_empty_tables(db, aid)
    lead = _lead(db, aid)
    c0 = db.execute("SELECT name, phone FROM clients WHERE assessment_id = ? ORDER BY id", [aid]).fetchone()
    S.add_finding(db, aid, lead, "A", "concern", f"回访{c0[0]}（{c0[1]}）时发现记录不全，另见 13700001111")
    with transaction(db):
        audit.log(db, aid, lead, "delete", "client", 999, old={"name": "司马相如", "phone": "13600002222"})
    for p in PAYLOADS:
        S.add_finding(db, aid, lead, "A", "concern", p)
    wb = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    yield db, aid, wb
    db.conn.close()


def _count(db, sql, aid):
    return db.execute(sql, [aid]).fetchone()[0]


def test_the_workbook_has_every_sheet_in_chinese(workbook):
    _, _, wb = workbook
    assert wb.sheetnames == list(SHEETS)
    assert "专家评分" in wb.sheetnames and "修改记录" in wb.sheetnames


@pytest.mark.parametrize("sheet, sql", [
    ("成员与分工", "SELECT COUNT(*) FROM members WHERE assessment_id = ?"),
    ("专家评分", "SELECT COUNT(*) FROM scores WHERE assessment_id = ?"),
    ("组长裁定", "SELECT COUNT(*) FROM overrides WHERE assessment_id = ?"),
    ("评估意见", "SELECT COUNT(*) FROM findings WHERE assessment_id = ?"),
    ("其他方评分", "SELECT COUNT(*) FROM party_scores WHERE assessment_id = ?"),
    ("协议指标", "SELECT COUNT(*) FROM contract_indicators WHERE assessment_id = ?"),
    ("服务对象名册", "SELECT COUNT(*) FROM clients WHERE assessment_id = ?"),
    ("现场记录", "SELECT COUNT(*) FROM site_records WHERE assessment_id = ?"),
    ("电话回访", "SELECT COUNT(*) FROM survey_calls WHERE assessment_id = ?"),
    ("报告意见", "SELECT COUNT(*) FROM report_items WHERE assessment_id = ?"),
    ("评分提交", "SELECT COUNT(*) FROM submissions WHERE assessment_id = ?"),
    ("评估日程", "SELECT COUNT(*) FROM visit_stages WHERE assessment_id = ?"),
    ("修改记录", "SELECT COUNT(*) FROM audit_log WHERE assessment_id = ?"
                 " OR (assessment_id IS NULL AND entity = 'station')"),
])
def test_each_sheet_has_one_row_per_record(workbook, sheet, sql):
    db, aid, wb = workbook
    n = _count(db, sql, aid)
    assert n > 0
    assert wb[sheet].max_row == n + 1      # + header


def test_completion_rates_are_numbers_formatted_as_the_report_prints_them(workbook):
    _, _, wb = workbook
    ws = wb["协议指标"]
    assert [c.value for c in ws[1]][:6] == ["序号", "服务指标", "单位", "协议指标量", "完成量", "完成率"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "电话访问")
    assert [c.value for c in row[3:6]] == [1968, 2165, 1.1001]       # 110.01% as printed
    assert row[5].number_format == "0.00%" and row[5].data_type == "n"
    staffing = {r[0].value: r for r in wb["人员配置"].iter_rows(min_row=2)}
    on_post = staffing["在岗社工"][2]
    assert isinstance(on_post.value, float) and on_post.number_format == "0.00%"
    assert staffing["持证社工（合计）"][2].number_format == "0.00%"


NUMERIC_TEXT = re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*%?\s*$")


def test_no_sheet_holds_a_figure_as_text(workbook):
    """0 numeric text cells in any sheet: every figure is a number (issue 25)."""
    _, _, wb = workbook
    as_text = [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb for row in ws.iter_rows(min_row=2) for c in row
               if isinstance(c.value, str) and NUMERIC_TEXT.match(c.value)]
    assert as_text == []


def test_scores_and_rates_are_rounded_as_printed_with_number_formats(workbook):
    db, aid, wb = workbook
    result = S.result(db, aid)
    sections = {r[0].value: r for r in wb["分项得分"].iter_rows(min_row=2)}
    for sec in result.sections:
        earned = sections[sec.code][3]
        if sec.earned is None:
            continue
        assert earned.value == float(round_half_up(sec.earned, 2)) and earned.number_format == "0.00"
        assert sections[sec.code][4].value == float(round_half_up(sec.earned * 100 / sec.points, 2) / 100)
    overview = {r[0].value: r[1] for r in wb["评估概况"].iter_rows(min_row=2)}
    assert overview["最终得分"].value == float(round_half_up(result.final, 2))
    assert overview["最终得分"].number_format == "0.00"
    decimals = [c.value for ws in wb for row in ws.iter_rows(min_row=2) for c in row
                if isinstance(c.value, float) and c.number_format == "0.00"]
    assert decimals and all(round(v, 2) == v for v in decimals)          # no 30.96666666666667 beside them


def test_pandas_reads_every_figure_as_a_number(workbook, tmp_path):
    db, aid, _ = workbook
    path = tmp_path / "x.xlsx"
    path.write_bytes(export_xlsx(db, aid))
    frames = pd.read_excel(path, sheet_name=None)
    assert list(frames) == list(SHEETS)
    ind = frames["协议指标"]
    assert pd.api.types.is_numeric_dtype(ind["完成率"]) and pd.api.types.is_numeric_dtype(ind["协议指标量"])
    assert ind.loc[ind["服务指标"] == "电话访问", "完成率"].iloc[0] == pytest.approx(1.1001)
    scores = frames["专家评分"]
    assert pd.api.types.is_numeric_dtype(scores["得分"]) and pd.api.types.is_numeric_dtype(scores["满分"])


def test_no_unmasked_register_name_or_phone_in_any_cell(workbook):
    db, aid, wb = workbook
    clients = list(db.query("SELECT name, phone FROM clients WHERE assessment_id = ? ORDER BY id", [aid]))
    text = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    secrets = {c["name"] for c in clients if len(c["name"]) > 1} | {c["phone"] for c in clients if c["phone"]}
    secrets |= {"司马相如", "13600002222", "13700001111"}
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
    # …and the masked forms are there.
    reg = {(r[1], r[2]) for r in wb["服务对象名册"].iter_rows(min_row=2, values_only=True)}
    assert {(mask_name(c["name"]), mask_phone(c["phone"])) for c in clients} == reg
    assert "司**如" in text and "137****1111" in text
    assert f"回访{mask_name(clients[0]['name'])}（{mask_phone(clients[0]['phone'])}）" in text


def test_no_cell_is_a_formula(workbook):
    _, _, wb = workbook
    assert [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"] == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_injection_is_stored_as_text_with_an_apostrophe(workbook, payload):
    _, _, wb = workbook
    cells = [r[4] for r in wb["评估意见"].iter_rows(min_row=2) if r[4].value == "'" + payload]
    assert len(cells) == 1 and cells[0].data_type == "s"


# ---------- the download panel on 报告与导出 (real app, AppTest) ----------

@pytest.fixture
def app_demo(demo_db_file, app_env):
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    yield db, aid, _lead(db, aid)
    db.conn.close()


def test_the_lead_sees_three_download_buttons_and_the_privacy_warning(app_demo):
    from conftest import app_test

    db, aid, lead = app_demo
    at = app_test("pages/report.py", auth={"assessment_id": aid, "member_id": lead})
    at.run(timeout=60)
    assert not at.exception, at.exception
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b.proto.label for b in at.get("download_button")}
    assert {"exp_xlsx", "exp_json", "exp_backup"} <= set(buttons)
    assert "含真实姓名电话" in buttons["exp_json"]
    assert any("真实姓名和电话" in w.value for w in at.warning)


@pytest.mark.parametrize("make, fmt, check", [
    ("excel_download", "xlsx", lambda b: load_workbook(io.BytesIO(b)).sheetnames == list(SHEETS)),
    ("json_download", "json", lambda b: json.loads(b)["format"] == "shegongzhan-assessment"),
    ("backup_download", "backup", lambda b: b.startswith(b"SQLite format 3\x00")),
])
def test_each_download_builds_its_file_and_is_recorded_in_the_audit_log(app_demo, make, fmt, check):
    from core.agency import exports as P

    db, aid, lead = app_demo
    data = getattr(P, make)(db_file(db), aid, lead)
    assert check(data)
    row = db.execute("SELECT member_id, action, new FROM audit_log WHERE assessment_id = ? ORDER BY id DESC LIMIT 1",
                     [aid]).fetchone()
    assert (row[0], row[1], json.loads(row[2])) == (lead, "export", {"format": fmt})


def test_the_import_panel_asks_for_a_file_before_importing(app_env):
    from conftest import app_test

    at = app_test()           # an empty database: the home page offers the import
    at.run(timeout=30)
    assert not at.exception, at.exception
    assert not at.get("file_uploader")                      # its form is drawn when the expander is opened
    at.session_state["import_json_open"] = True
    at.run()
    assert any("真实姓名和电话" in w.value for w in at.warning)
    at.button(key="import_json_go").click().run()           # nothing chosen yet
    assert [e.value for e in at.error] == ["请先选择要导入的 JSON 迁移文件。"]


def test_site_record_statuses_and_kinds_use_the_one_labels_module(workbook):
    from core.labels import SITE_KINDS, SITE_STATUSES

    _, _, wb = workbook
    rows = list(wb["现场记录"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} <= set(SITE_KINDS.values())
    assert {r[2] for r in rows} <= set(SITE_STATUSES.values()) and "发现问题" in {r[2] for r in rows}


def test_any_mobile_or_landline_typed_in_free_text_is_masked_like_every_output(demo_db):
    from core.masking import Scrubber

    db, aid = demo_db
    lead = _lead(db, aid)
    typed = "联系电话13812341234，座机020-87654321"
    S.add_finding(db, aid, lead, "A", "concern", typed)
    wb2 = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    texts = [r[4] for r in wb2["评估意见"].iter_rows(min_row=2, values_only=True)]
    assert Scrubber()(typed) in texts and typed not in texts


def test_the_sign_off_agenda_and_script_sheets_read_in_chinese(workbook):
    _, _, wb = workbook
    subs = list(wb["评分提交"].iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in subs} == {"已提交", "已退回"}
    assert any(r[6] == "补充 D 部分意见" and r[5] == "陈志远" for r in subs)
    assert [r[1] for r in wb["评估日程"].iter_rows(min_row=2, values_only=True)] == ["听取介绍", "午餐"]
    script = {r[0]: r for r in wb["回访话术"].iter_rows(min_row=2, values_only=True)}
    assert script["开场白"][1:] == ("您好，我是评估机构的回访员。", "是")
    assert script["结束语"][1] == "感谢您的配合，祝您生活愉快，再见！" and not script["结束语"][2]
    calls = list(wb["电话回访"].iter_rows(min_row=1, values_only=True))
    assert calls[0][-1] == "再次拨打"
    assert all(r[-1] in ("", None, "排在其他对象之后再拨") or r[-1].endswith("后再拨") for r in calls[1:])


def _import_panel_shown(at) -> bool:
    return any("从 JSON 文件导入评估" in e.label for e in at.expander)


def test_the_import_panel_is_offered_only_to_a_logged_in_lead_or_on_an_empty_database(app_env):
    """A visitor on a database holding assessments cannot import one (it needs no PIN otherwise)."""
    from conftest import app_test
    from core.assessment import team as A
    from core.store import open_db

    at = app_test()
    at.run()
    assert not at.exception and _import_panel_shown(at)          # empty database: the way in for a migration
    db = open_db(str(app_env))
    sid = A.create_station(db, "测试街社工服务站")
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    expert = A.add_member(db, aid, lead, "专家乙", "expert", "2222", sections=["A"])
    db.conn.close()
    at = app_test()
    at.run()
    assert not at.exception and not _import_panel_shown(at)      # not logged in
    for member, role, shown in ((expert, "expert", False), (lead, "lead", True)):
        at = app_test(auth={"assessment_id": aid, "member_id": member, "name": "x", "role": role})
        at.run()
        assert not at.exception, at.exception
        assert _import_panel_shown(at) is shown, role
