"""Hostile-input sweep, surface "JSON values": an export edited by hand or by an attacker.

Each case edits one value (or the file's shape) of a real export of the demo and imports it into a
database that already holds an assessment: the import is refused with Chinese messages naming the
table, row and column, nothing is written (every table's row count unchanged), and no exception
other than the refusal escapes (no RecursionError, OverflowError, ValueError). The count of cases is
in README's "Reliability: hostile inputs" table (tests/test_hostile_sweep_counts.py).
"""
from __future__ import annotations

import copy
import json
import re
import time

import pytest

from core.agency import transfer as TR
from core.errors import ImportRejected
from core.assessment.pins import hash_pin

CJK = re.compile(r"[\u4e00-\u9fff]")
SALT = "00" * 16


def _set(table, column, value, row=0):
    def edit(doc):
        doc["tables"][table][row][column] = value
    return edit


def _override(value):
    def edit(doc):
        t = doc["tables"]
        s = next(r for r in t["scores"] if r["value"] is not None)
        lead = next(m for m in t["members"] if m["role"] == "lead")
        t["overrides"].append({"id": 1, "assessment_id": s["assessment_id"], "indicator_code": s["indicator_code"],
                               "area_code": s["area_code"], "value": value, "na": 0, "reason": "复核",
                               "member_id": lead["id"], "updated_at": s["updated_at"]})
    return edit


def _first_area_score(doc):
    return next(n for n, r in enumerate(doc["tables"]["scores"]) if r["area_code"])


def _area(doc):
    doc["tables"]["scores"][_first_area_score(doc)]["area_code"] = "P9"


def _jpeg(w=40, h=30) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (90, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def _attachment(raw_file: bytes | None = None, two_owners: bool = False, **changes):
    """Add one evidence photo (on the file's first interview note) as the export writes it, edited."""
    import base64

    def edit(doc):
        t = doc["tables"]
        note = t["interviews"][0]
        raw = _jpeg() if raw_file is None else raw_file
        row = {"id": 1, "assessment_id": note["assessment_id"], "site_record_id": None, "interview_id": note["id"],
               "finding_id": None, "filename": "活动室.jpg", "mime": "image/jpeg",
               "data": base64.b64encode(raw).decode(), "thumb": base64.b64encode(_jpeg(8, 6)).decode(),
               "width": 40, "height": 30, "size": len(raw), "original_size": len(raw), "personal": 0,
               "caption": "活动室", "member_id": note["member_id"], "created_at": note["updated_at"]}
        row.update(changes)
        if two_owners:
            row["site_record_id"] = t["site_records"][0]["id"]
        t["attachments"].append(row)
    return edit


# (id, edit of the parsed document or of the file's text, words the refusal must hold)
VALUE_CASES = [
    ("score-1e308", _set("scores", "value", 1e308), ["专家评分 第 1 条“value”", "满分"]),
    ("score-minus-50", _set("scores", "value", -50), ["专家评分 第 1 条“value”", "不能小于 0"]),
    ("score-abc", _set("scores", "value", "abc"), ["专家评分 第 1 条“value”", "应为数字"]),
    ("score-number-as-text", _set("scores", "value", "3"), ["专家评分 第 1 条“value”", "应为数字"]),
    ("score-true", _set("scores", "value", True), ["专家评分 第 1 条“value”"]),
    ("score-2^70", _set("scores", "value", 2 ** 70), ["专家评分 第 1 条“value”", "范围"]),
    ("score-unknown-indicator", _set("scores", "indicator_code", "Z99"), ["专家评分 第 1 条“indicator_code”", "Z99"]),
    ("score-unknown-area", _area, ["专家评分", "“area_code”", "P9"]),
    ("score-na-7", _set("scores", "na", 7), ["专家评分 第 1 条“na”"]),
    ("score-detail-not-json", _set("scores", "detail", "{勾选"), ["专家评分 第 1 条“detail”"]),
    ("override-1000", _override(1000), ["组长裁定 第 1 条“value”", "满分"]),
    ("override-minus-1", _override(-1), ["组长裁定 第 1 条“value”"]),
    ("party-1000", _set("party_scores", "score", 1000), ["其他方评分 第 1 条“score”", "0 到 100"]),
    ("party-minus-1", _set("party_scores", "score", -1), ["其他方评分 第 1 条“score”"]),
    ("party-text", _set("party_scores", "score", "高"), ["其他方评分 第 1 条“score”", "应为数字"]),
    ("party-unknown", _set("party_scores", "party_code", "hacker"), ["其他方评分 第 1 条“party_code”"]),
    ("pin-nonhex-salt", _set("members", "pin_hash", f"pbkdf2_sha256$200000$zzzz{SALT[4:]}${'0' * 64}"),
     ["成员 第 1 条“pin_hash”", "盐"]),
    ("pin-0-iterations", _set("members", "pin_hash", f"pbkdf2_sha256$0${SALT}${'0' * 64}"),
     ["成员 第 1 条“pin_hash”", "迭代次数"]),
    ("pin-50M-iterations", _set("members", "pin_hash", f"pbkdf2_sha256$50000000${SALT}${'0' * 64}"),
     ["成员 第 1 条“pin_hash”", "迭代次数"]),
    ("pin-plain", _set("members", "pin_hash", "1111"), ["成员 第 1 条“pin_hash”"]),
    ("pin-md5", _set("members", "pin_hash", "md5$1$ab$cd"), ["成员 第 1 条“pin_hash”"]),
    ("pin-short-digest", _set("members", "pin_hash", f"pbkdf2_sha256$200000${SALT}$abcd"), ["成员 第 1 条“pin_hash”"]),
    ("role-admin", _set("members", "role", "admin"), ["成员 第 1 条“role”"]),
    ("indicator-target-2^63", _set("contract_indicators", "target", 2 ** 63), ["协议指标 第 1 条“target”"]),
    ("indicator-target-zero", _set("contract_indicators", "target", 0), ["协议指标 第 1 条“target”", "大于 0"]),
    ("indicator-actual-negative", _set("contract_indicators", "actual", -5), ["协议指标 第 1 条“actual”"]),
    ("indicator-target-1e15", _set("contract_indicators", "target", 1e15), ["协议指标 第 1 条“target”", "范围"]),
    ("staffing-2^64", _set("staffing", "on_post", 2 ** 64), ["人员配置 第 1 条“on_post”"]),
    ("staffing-fraction", _set("staffing", "required", 1.5), ["人员配置 第 1 条“required”", "整数"]),
    ("staffing-text", _set("staffing", "training_actual", "很多"), ["人员配置 第 1 条“training_actual”"]),
    ("call-overall-9", _set("survey_calls", "overall", 9), ["电话回访记录 第 1 条"]),
    ("call-satisfaction-7", _set("survey_calls", "satisfaction", '{"服务态度": 7}'), ["电话回访记录 第 1 条", "1–5"]),
    ("call-awareness-not-json", _set("survey_calls", "awareness", "[1,2"), ["电话回访记录 第 1 条“awareness”"]),
    ("call-outcome", _set("survey_calls", "outcome", "挂断"), ["电话回访记录 第 1 条"]),
    ("veto-failed-2", _set("veto_checks", "failed", 2), ["否决项 第 1 条“failed”"]),
    ("veto-unknown", _set("veto_checks", "code", "nope"), ["否决项 第 1 条“code”"]),
    ("funding-text", _set("assessments", "funding_wan", "很多"), ["评估 第 1 条“funding_wan”"]),
    ("funding-1e300", _set("assessments", "funding_wan", 1e300), ["评估 第 1 条“funding_wan”"]),
    ("status-hacked", _set("assessments", "status", "hacked"), ["评估 第 1 条“status”"]),
    ("client-name-number", _set("clients", "name", 12345), ["重点服务对象名册 第 1 条“name”", "应为文字"]),
    ("finding-2M-chars", _set("findings", "text", "长" * (TR.MAX_TEXT_CHARS + 1)), ["评估意见 第 1 条“text”", "过长"]),
    ("nested-value", _set("findings", "text", [[[["x"]]]]), ["评估意见 第 1 条", "类型"]),
    ("interview-group-unknown", _set("interviews", "group_code", "boss"), ["访谈记录 第 1 条“group_code”", "boss"]),
    ("attachment-not-base64", _attachment(data="照片!!"), ["证据附件 第 1 条", "“data”", "base64"]),
    ("attachment-html-as-jpeg", _attachment(b"<html><script>alert(1)</script></html>"),
     ["证据附件 第 1 条“data”", "不是照片"]),
    ("attachment-over-cap", _attachment(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)),
     ["证据附件 第 1 条“data”", "上限"]),
    ("attachment-size-lies", _attachment(size=12), ["证据附件 第 1 条“size”"]),
    ("attachment-no-owner", _attachment(interview_id=None), ["证据附件 第 1 条", "恰好附属于", "实际没有"]),
    ("attachment-two-owners", _attachment(two_owners=True), ["证据附件 第 1 条", "实际附属于 2 条"]),
    ("attachment-owner-elsewhere", _attachment(interview_id=987654), ["证据附件 第 1 条", "“interview_id”", "987654"]),
    ("attachment-mime-html", _attachment(mime="text/html"), ["证据附件 第 1 条“mime”", "text/html"]),
    ("attachment-personal-2", _attachment(personal=2), ["证据附件 第 1 条“personal”"]),
    ("attachment-thumb-not-jpeg", _attachment(thumb="PGh0bWw+"), ["证据附件 第 1 条“thumb”"]),
]

# Edits of the file's text: what the JSON parser itself meets.
TEXT_CASES = [
    ("score-Infinity", lambda s: s.replace('"value": 4.0', '"value": Infinity', 1), ["Infinity"]),
    ("score-NaN", lambda s: s.replace('"value": 4.0', '"value": NaN', 1), ["NaN"]),
    ("score-minus-Infinity", lambda s: s.replace('"value": 4.0', '"value": -Infinity', 1), ["Infinity"]),
    ("score-1e400", lambda s: s.replace('"value": 4.0', '"value": 1e400', 1), ["专家评分", "“value”", "有限"]),
    ("int-5000-digits", lambda s: s.replace('"value": 4.0', '"value": ' + "9" * 5000, 1), ["数值"]),
    ("nesting-100k", lambda s: "[" * 100_000 + "]" * 100_000, ["嵌套"]),
    ("nesting-100k-objects", lambda s: '{"a":' * 100_000 + "1" + "}" * 100_000, ["嵌套"]),
    ("nesting-in-a-row", lambda s: s.replace('"value": 4.0', '"value": ' + "[" * 100_000 + "]" * 100_000, 1),
     ["嵌套"]),
    ("over-100MB", lambda s: s + " " * (TR.MAX_FILE_BYTES + 1), ["过大"]),
    ("not-utf8", lambda s: "\xff\xfe垃圾".encode("utf-16"), ["UTF-8"]),
    ("truncated", lambda s: s[: len(s) // 2], ["JSON"]),
    ("top-level-list", lambda s: "[]", ["顶层"]),
]


@pytest.fixture(scope="module")
def export_text(demo_db_file):
    from db.connection import connect

    path, aid = demo_db_file
    db = connect(path)
    doc = TR.export_assessment(db, aid)
    db.conn.close()
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    assert '"value": 4.0' in text
    return text


def _counts(db) -> dict:
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TR.TABLES + ("frameworks",)}


def _refused(db, data) -> list[str]:
    before = _counts(db)
    t0 = time.perf_counter()
    with pytest.raises(ImportRejected) as e:
        TR.import_assessment(db, data)
    assert time.perf_counter() - t0 < 20
    assert _counts(db) == before
    assert e.value.errors and all(CJK.search(x) for x in e.value.errors)
    return e.value.errors


@pytest.mark.parametrize("case_id,edit,words", VALUE_CASES + TEXT_CASES,
                         ids=[c[0] for c in VALUE_CASES + TEXT_CASES])
def test_a_hostile_value_in_the_json_import_is_refused_naming_table_row_and_column(
        demo_db, export_text, case_id, edit, words):
    db, _ = demo_db
    if (case_id, edit, words) in VALUE_CASES:
        doc = json.loads(export_text)
        edit(doc)
        data = json.dumps(doc, ensure_ascii=False).encode()
    else:
        out = edit(export_text)
        data = out if isinstance(out, bytes) else out.encode()
    errors = _refused(db, data)
    text = "\n".join(errors)
    for w in words:
        assert w in text, text[:500]


def test_the_unedited_export_imports_and_its_members_can_log_in(demo_db, export_text):
    """The control: the checks refuse nothing a real export holds."""
    from core.assessment import team

    db, _ = demo_db
    new_id = TR.import_assessment(db, export_text.encode())
    lead = next(m for m in team.list_members(db, new_id) if m["role"] == "lead")
    assert team.login(db, new_id, lead["name"], "1111")["id"] == lead["id"]


def test_an_export_with_evidence_imports_its_photo_byte_for_byte(demo_db, export_text):
    """The control of the attachment cases: the same row unedited imports, and the photo is the same."""
    from core.station import attachments

    db, _ = demo_db
    doc = json.loads(export_text)
    _attachment()(doc)
    new_id = TR.import_assessment(db, json.dumps(doc, ensure_ascii=False).encode())
    [a] = attachments.list_all(db, new_id, with_thumbs=False)
    assert attachments.file_of(db, new_id, a["id"])["data"] == _jpeg()
    assert a["filename"] == "活动室.jpg" and not a["personal"]


def test_a_pin_hash_of_the_known_form_with_bounded_iterations_still_works():
    from core.assessment.pins import check_hash_format, verify_pin

    h = hash_pin("2468")
    assert check_hash_format(h) is None and verify_pin("2468", h)
    for bad in (f"pbkdf2_sha256$0${SALT}${'0' * 64}", f"pbkdf2_sha256$50000000${SALT}${'0' * 64}",
                f"pbkdf2_sha256$200000$zz${'0' * 64}", "", None, "a$b$c$d"):
        t0 = time.perf_counter()
        assert verify_pin("2468", bad) is False       # never raises, never spends seconds
        assert time.perf_counter() - t0 < 0.5


def test_a_refused_json_file_on_the_command_line_is_one_refusal_without_a_traceback(tmp_path, export_text):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    r = subprocess.run([sys.executable, "-m", "core", "import", str(f), "--db", str(tmp_path / "n.db")], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "导入失败" in r.stderr
    assert not (tmp_path / "n.db").exists()
