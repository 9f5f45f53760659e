"""The audit log in Chinese words: actions, objects and a readable before/after (no raw JSON) on
the 修改记录 page and in its Excel sheet; names and phones masked."""
from __future__ import annotations

import io
import re
import shutil

import openpyxl
import pytest

from core.assessment import audit_text
from core.assessment import team
from core.scoring import scoresheet as S
from core.agency.exports import export_xlsx
from db.connection import connect
from tests.conftest import app_test

RAW = re.compile(r'[{}"]|\b(create|update|delete|true|false|null|None)\b')


def test_a_score_change_reads_as_words():
    old = '{"detail": {}, "na": false, "note": "", "value": null}'
    new = '{"detail": {"criteria": [0, 2]}, "na": false, "note": "档案齐全", "value": 4.0}'
    assert audit_text.describe(old) == "分数：（空）；不适用：否；备注：（空）；评分明细：（空）"
    assert audit_text.describe(new) == "分数：4；不适用：否；备注：档案齐全；评分明细：达标项：第 1 项、第 3 项"
    assert audit_text.describe('[["B", "P1"], ["C", ""]]', codes={"section_code": {"B": "B 服务质量"},
                                                                 "area_code": {"P1": "片区一"}}) == "B 服务质量·片区一、C"
    assert audit_text.describe("不是 JSON 的旧记录") == "不是 JSON 的旧记录" and audit_text.describe(None) == ""


@pytest.fixture
def demo(demo_db_file, app_env):
    shutil.copy(demo_db_file[0], app_env)
    db = connect(app_env)
    aid = demo_db_file[1]
    yield db, aid, {m["name"]: m["id"] for m in team.list_members(db, aid)}
    db.conn.close()


def _change(db, aid, ids):
    S.save_score(db, aid, ids["林晓红"], "A1", note="电话 13812345678 的家属反映")


def test_the_audit_page_shows_chinese_actions_and_a_readable_before_and_after(demo):
    db, aid, ids = demo
    _change(db, aid, ids)
    at = app_test("pages/audit.py", auth={"assessment_id": aid, "member_id": ids["陈志远"]})
    at.run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df.columns) == ["时间", "操作人", "操作", "对象", "编号", "修改前", "修改后"]
    assert set(df["操作"]) <= set(audit_text.AUDIT_ACTIONS.values())
    for col in ("修改前", "修改后"):
        bad = [v for v in df[col] if RAW.search(v or "")]
        assert not bad, bad[:3]
    top = df.iloc[0]
    assert (top["操作人"], top["操作"], top["对象"]) == ("林晓红", "修改", "评分")
    assert "备注：（空）" in top["修改前"] and "备注：电话 138****5678 的家属反映" in top["修改后"]
    assert "system" not in set(df["操作人"])


def test_the_audit_sheet_of_the_excel_export_reads_the_same(demo):
    db, aid, ids = demo
    _change(db, aid, ids)
    ws = openpyxl.load_workbook(io.BytesIO(export_xlsx(db, aid)))["修改记录"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("编号", "时间", "操作人", "操作", "对象", "对象编号", "修改前", "修改后")
    for r in rows[1:]:
        assert r[3] in audit_text.AUDIT_ACTIONS.values(), r
        for v in r[6:]:
            assert not RAW.search(v or ""), v
    last = rows[-1]
    assert last[2:5] == ("林晓红", "修改", "评分") and "138****5678" in last[7]


def test_the_audit_pages_编号_column_shows_no_internal_key(demo):
    """Issue 26: 编号 showed closing_points, feedback_onsite_bureau, supervisor, {} … and the before/after
    texts field names such as report_history."""
    db, aid, ids = demo
    team.update_assessment(db, aid, ids["陈志远"], report_history=0)
    at = app_test("pages/audit.py", auth={"assessment_id": aid, "member_id": ids["陈志远"]})
    at.run()
    df = at.dataframe[0].value
    internal = re.compile(r"[a-z]{3,}|[{}\[\]]")
    assert not [k for k in df["编号"] if internal.search(k or "")]
    assert not [v for c in ("修改前", "修改后") for v in df[c] if re.search(r"[a-z]+_[a-z]+", v or "")]
    keys = set(df["编号"])
    assert {"五、结语：发展建议", "购买方"} <= keys and any(re.fullmatch(r"B\d+ · 片区.", k) for k in keys)
    assert "报告含历次评估对比" in " ".join(df["修改后"])
