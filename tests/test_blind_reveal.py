"""Blind, then reveal: an expert sees others' scores of a cell only after saving their own; after
submitting, disagreements side by side and a revision with its reason beside the first score."""
from __future__ import annotations

import io
import json

import pytest

from conftest import static_tables

from core.scoring import scoresheet as S
from core.scoring import signoff
from core.assessment import team as A
from core.errors import InvalidValue, PermissionDenied
from tests._station_fixtures import station, station_file  # noqa: F401

A_CELLS = ("A1", "A2", "A3", "A4", "A5", "A6")


@pytest.fixture
def pair(station, tmp_path, monkeypatch):
    """The station (not the demo) with a second expert on section A; the app points at its file."""
    from tests.conftest import ROOT
    db, aid, m = station
    m["e2"] = A.add_member(db, aid, m["lead"], "专家丁", "expert", "4444", sections=["A"])
    monkeypatch.setenv("ASSESSMENT_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(ROOT)
    return db, aid, m


def open_scoring(aid, member_id):
    from tests.conftest import app_test
    at = app_test("pages/scoring.py", auth={"assessment_id": aid, "member_id": member_id})
    at.run()
    assert not at.exception, at.exception
    return at


def page_text(at) -> str:
    return "\n".join([t.value for t in at.text] + [c.value for c in at.caption] + [md.value for md in at.markdown])


def test_expert_sees_anothers_score_and_note_only_after_saving_their_own(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["e2"], "A1", value=4, note="培训记录齐全")
    at = open_scoring(aid, m["expert"])
    text = page_text(at)
    assert "专家丁" not in text and "培训记录齐全" not in text
    assert "已有 1 位其他专家评分；保存您的评分后显示他们的评分与备注。" in text
    # The expert ticks a criterion of A1 on the page: their score is saved, and the other's appears.
    at.checkbox(key="sc_crit_A1__0").check()
    at.run()
    assert not at.exception
    assert next(r for r in S.scores(db, aid, m["expert"]) if r["indicator_code"] == "A1")["value"] is not None
    text = page_text(at)
    assert "专家丁：4 分　备注：培训记录齐全" in text
    assert "保存您的评分后显示" not in text.split("A2")[0]
    # A cell the expert has not scored (A2) stays blind.
    S.save_score(db, aid, m["e2"], "A2", detail={"level": "基本达到"})
    at = open_scoring(aid, m["expert"])
    assert "专家丁：2.4 分" not in page_text(at)


def test_the_lead_sees_every_score_and_a_blind_expert_none(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["e2"], "A1", value=4, note="培训记录齐全")
    assert S.peer_view(db, aid, m["lead"])[("A1", "")]["peers"][0]["note"] == "培训记录齐全"
    assert S.peer_view(db, aid, m["expert"])[("A1", "")] == {"visible": False, "peers": [], "waiting": 1}
    S.save_score(db, aid, m["expert"], "A1", na=True)          # 不适用 counts as one's own score
    assert S.peer_view(db, aid, m["expert"])[("A1", "")]["peers"][0]["value"] == 4


FIRST = {"expert": {"A1": 4, "A2": "完全达到", "A3": 2, "A4": 3, "A5": "基本达到", "A6": "完全达到"},
         "e2": {"A1": 2.5, "A2": "完全达到", "A3": 2, "A4": 3, "A5": "部分达到", "A6": "完全达到"}}


def score_and_submit(db, aid, m):
    for who, cells in FIRST.items():
        for code, v in cells.items():
            if isinstance(v, str):
                S.save_score(db, aid, m[who], code, detail={"level": v})
            else:
                S.save_score(db, aid, m[who], code, value=v)
        signoff.submit_sections(db, aid, m[who])


def test_revision_needs_submission_and_a_listed_reason(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    with pytest.raises(PermissionDenied, match="尚未提交"):
        S.revise_score(db, aid, m["expert"], "A1", value=3, reason="missed_evidence")
    score_and_submit(db, aid, m)
    with pytest.raises(InvalidValue, match="原因"):
        S.revise_score(db, aid, m["expert"], "A1", value=3, reason="随便改改")
    with pytest.raises(InvalidValue, match="满分"):
        S.revise_score(db, aid, m["expert"], "A1", value=9, reason="missed_evidence")
    with pytest.raises(PermissionDenied):          # ordinary edits stay closed after submitting
        S.save_score(db, aid, m["expert"], "A1", value=3)


def test_disagreements_side_by_side_and_the_revision_kept_beside_the_first_score(pair, tmp_path):
    db, aid, m = pair
    score_and_submit(db, aid, m)
    rows = S.disagreements(db, aid, m["expert"])
    assert [(d["indicator_code"], [r["first"] for r in d["rows"]]) for d in rows] == [("A1", ["4", "2.5"]),
                                                                                    ("A5", ["1.6", "1"])]
    # On the page: the side-by-side table and the form; the expert revises A1 with a reason and a note.
    at = open_scoring(aid, m["expert"])
    table = next(t for t in static_tables(at) if "初评（提交时）" in t)
    assert table["专家"] == ["专家乙（我）", "专家丁"] and table["初评（提交时）"] == ["4", "2.5"]
    assert not [n for n in at.number_input if n.key == "rv_A1__value"]    # the form is drawn on request only
    at.toggle(key="rv_A1__open").set_value(True).run()          # the revision form, opened on request
    at.number_input(key="rv_A1__value").set_value(3.0)
    at.selectbox(key="rv_A1__reason").set_value("missed_evidence")
    at.text_input(key="rv_A1__note").set_value("复看了督导记录，缺少两次签到")
    at.button(key="rv_A1__save").click()
    at.run()
    assert not at.exception
    row = next(r for r in S.scores(db, aid, m["expert"]) if r["indicator_code"] == "A1")
    assert (row["first_value"], row["value"], row["revision_reason"], row["revision_note"]) == \
        (4, 3, "missed_evidence", "复看了督导记录，缺少两次签到")
    # A second revision keeps the first score as submitted.
    S.revise_score(db, aid, m["expert"], "A1", value=2.5, reason="经讨论改变判断", note="与专家丁讨论后")
    row = next(r for r in S.scores(db, aid, m["expert"]) if r["indicator_code"] == "A1")
    assert (row["first_value"], row["value"], row["revision_reason"]) == (4, 2.5, "different_judgement")
    # The other expert sees the first and the revised score side by side, with the reason.
    other = S.disagreements(db, aid, m["e2"])[0]["rows"]
    mine = next(r for r in other if r["member_name"] == "专家乙")
    assert (mine["first"], mine["final"], mine["reason"], mine["note"]) == ("4", "2.5", "经讨论改变判断", "与专家丁讨论后")
    # The result counts the final score; the audit log has one 'revise' row per revision.
    assert S.result(db, aid).cell("A1").value == 2.5
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'revise'").fetchone()[0] == 2
    # Both are exported: JSON (every column) and Excel (初评 beside 得分, with the reason).
    from core.agency.exports import export_xlsx
    from core.agency.transfer import export_json
    doc = json.loads(export_json(db, aid))
    js = next(s for s in doc["tables"]["scores"] if s["member_id"] == m["expert"] and s["indicator_code"] == "A1")
    assert (js["first_value"], js["value"], js["revision_reason"]) == (4, 2.5, "different_judgement")
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(export_xlsx(db, aid)))["专家评分"]
    head = [c.value for c in ws[1]]
    xl = next(dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)
              if r[0] == "专家乙" and r[2] == "A1")
    assert (xl["得分"], xl["初评得分（提交时）"], xl["复核原因"], xl["复核说明"]) == (2.5, 4, "经讨论改变判断", "与专家丁讨论后")


def test_json_transfer_round_trip_keeps_first_and_final(pair, tmp_path):
    db, aid, m = pair
    score_and_submit(db, aid, m)
    S.revise_score(db, aid, m["e2"], "A5", detail={"level": "基本达到"}, reason="misread_guidance", note="看错标准")
    from core.agency.transfer import export_json, import_assessment
    from db.connection import connect
    from db.migrations import migrate
    other = connect(tmp_path / "other.db")
    migrate(other)
    new = import_assessment(other, export_json(db, aid))
    row = next(r for r in S.scores(other, new) if r["indicator_code"] == "A5" and r["member_name"] == "专家丁")
    assert (row["first_value"], row["value"], row["revision_reason"], row["revision_note"]) == \
        (1.0, 1.6, "misread_guidance", "看错标准")


def test_alpha_of_the_scores_as_submitted_stays_beside_the_revised_alpha(pair):
    db, aid, m = pair
    score_and_submit(db, aid, m)
    before = S.agreement(db, aid)
    S.revise_score(db, aid, m["e2"], "A1", value=4, reason="missed_evidence")
    after, first = S.agreement(db, aid), S.agreement(db, aid, first=True)
    assert first.alpha == before.alpha and after.alpha != before.alpha
    import re

    import pypdf

    from core.report.make import report_pdf
    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages))
    assert f"按提交时的独立评分计算，α={first.alpha_text}" in flat and f"={after.alpha_text}（" in flat
