"""The 报告与导出 page through the real app (AppTest): the lead edits, orders and merges report
items (the experts' findings stay as written), enters another party's score, builds the PDF."""
from __future__ import annotations

import shutil

import pytest

from conftest import app_test
from core.assessment import team as A
from core.report import edits as R
from core.scoring import scoresheet as S
from db.connection import connect

PAGE = "pages/report.py"


@pytest.fixture
def demo_app(demo_db_file, app_env):
    """The demo database copied to the app's ASSESSMENT_DB: (db, aid, lead_id, members by name)."""
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    members = {m["name"]: m for m in A.list_members(db, aid)}
    lead = next(m for m in members.values() if m["role"] == "lead")
    yield db, aid, lead["id"], members
    db.conn.close()


def open_page(aid, member_id):
    at = app_test(PAGE, auth={"assessment_id": aid, "member_id": member_id})
    at.run()
    assert not at.exception, at.exception
    return at


def first_concern_of_project_management(db, aid):
    return R.group_items(db, aid, "A", "", "concern")[0]


def test_lead_edits_a_report_item_and_the_experts_original_stays(demo_app):
    db, aid, lead_id, _ = demo_app
    item = first_concern_of_project_management(db, aid)
    (fid,) = item["source_finding_ids"]
    original = db["findings"].get(fid)["text"]
    at = open_page(aid, lead_id)
    at.selectbox(key="rp_section").set_value("A")
    at.run()
    edited = "人员配置方面，建议社工站加强人员稳定性管理（组长修改）。"
    at.text_area(key=f"rp_text_{item['ref']}").set_value(edited)   # saved when the box is left
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    now = first_concern_of_project_management(db, aid)
    assert now["text"] == edited and now["edited"]
    assert now["source_finding_ids"] == [fid]
    assert db["findings"].get(fid)["text"] == original          # the expert's original is untouched
    # and the edit survives a fresh session
    at2 = open_page(aid, lead_id)
    at2.selectbox(key="rp_section").set_value("A")
    at2.run()
    assert at2.text_area(key=f"rp_text_{now['ref']}").value == edited


def test_lead_moves_and_merges_items_of_a_片区(demo_app):
    db, aid, lead_id, _ = demo_app
    at = open_page(aid, lead_id)
    at.selectbox(key="rp_section").set_value("B")
    at.run()
    at.selectbox(key="rp_area").set_value("P2")
    at.run()
    before = R.group_items(db, aid, "B", "P2", "concern")
    assert len(before) == 2
    at.button(key=f"rp_down_{before[0]['ref']}").click()
    at.run()
    moved = R.group_items(db, aid, "B", "P2", "concern")
    assert [i["text"] for i in moved] == [before[1]["text"], before[0]["text"]]

    for it in moved:
        at.checkbox(key=f"rp_merge_{it['ref']}").check()
    at.run()
    at.button(key="rp_merge_btn_concern").click()
    at.run()
    assert not at.exception, at.exception
    merged = R.group_items(db, aid, "B", "P2", "concern")
    assert len(merged) == 1
    assert merged[0]["text"] == before[1]["text"] + before[0]["text"]
    assert sorted(merged[0]["source_finding_ids"]) == sorted(i["source_finding_ids"][0] for i in before)
    # both findings are still in the record, unchanged
    for it in before:
        assert db["findings"].get(it["source_finding_ids"][0])["text"] == it["text"]


def test_lead_enters_a_partys_score_and_it_changes_the_final(demo_app):
    db, aid, lead_id, _ = demo_app
    final_before = S.result(db, aid).final
    at = open_page(aid, lead_id)
    at.number_input(key="rp_party_score_purchaser").set_value(80.0)   # saved as entered, no button
    at.text_input(key="rp_party_comment_purchaser").set_value("与社区协作融洽。")
    at.run()
    assert not at.exception, at.exception
    row = S.party_scores(db, aid)["purchaser"]
    assert row["score"] == 80 and row["comment"] == "与社区协作融洽。"
    assert S.result(db, aid).final < final_before


def test_lead_builds_the_pdf_and_gets_a_download(demo_app):
    db, aid, lead_id, _ = demo_app
    at = open_page(aid, lead_id)
    at.button(key="rp_build").click()
    at.run(timeout=60)
    assert not at.exception, at.exception
    assert at.session_state["rp_pdf"][:5] == b"%PDF-"
    assert [b.key for b in at.get("download_button") if b.key == "rp_download"] == ["rp_download"]


def test_locked_assessment_shows_read_only_report_text(demo_app):
    db, aid, lead_id, _ = demo_app
    A.set_locked(db, aid, lead_id, True)
    at = open_page(aid, lead_id)
    item = first_concern_of_project_management(db, aid)
    assert at.text_area(key=f"rp_text_{item['ref']}").disabled
    assert at.button(key="rp_unlock") is not None


def test_an_expert_cannot_open_the_report_page(demo_app):
    db, aid, _, members = demo_app
    at = app_test(PAGE, auth={"assessment_id": aid, "member_id": members["王建华"]["id"]})
    at.run()
    assert not [w for w in at.selectbox if w.key == "rp_section"]
    assert not [b for b in at.button if (b.key or "").startswith("rp_")]


def test_veto_feedback_and_party_findings_are_saved_as_entered(demo_app):
    db, aid, lead_id, _ = demo_app
    at = open_page(aid, lead_id)
    at.checkbox(key="rp_veto_finance").check()
    at.run()
    assert S.result(db, aid).grade == "不合格"
    at.text_area(key="rp_free_feedback_onsite").set_value("社工站对评估意见无异议。")
    at.run()
    at.text_area(key="rp_party_text_supervisor").set_value("加强社区慈善基金项目化运营。")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_area(key="rp_party_text_supervisor").value == ""      # cleared once saved
    assert "加强社区慈善基金项目化运营。" in [f["text"] for f in S.findings(db, aid, "party:supervisor")]
    again = open_page(aid, lead_id)                                       # a fresh session shows it all
    assert again.checkbox(key="rp_veto_finance").value is True
    assert again.text_area(key="rp_free_feedback_onsite").value == "社工站对评估意见无异议。"


def test_a_register_name_in_a_finding_shows_masked_on_the_report_page(demo_app):
    from core.station import data as SD

    db, aid, lead_id, members = demo_app
    c = next(c for c in SD.list_clients(db, aid) if len(c["name"]) == 3)
    S.add_finding(db, aid, members["林晓红"]["id"], "A", "concern", f"抽查{c['name']}（{c['phone']}）的档案。")
    at = open_page(aid, lead_id)
    at.selectbox(key="rp_section").set_value("A")
    at.run()
    shown = [t.value for t in at.text_area if t.key and t.key.startswith("rp_text_")]
    assert not any(c["name"] in v or c["phone"] in v for v in shown)
    assert any(f"{c['name'][0]}*{c['name'][-1]}" in v and f"{c['phone'][:3]}****" in v for v in shown)


def test_locking_needs_a_confirmation_and_says_the_report_stays_a_draft_while_items_are_open(demo_app):
    """Issue 26: locking was one click, allowed with a 【须处理】 item open and the PDF still a draft."""
    from core.report import make as report_make
    from core.report.check import blocking
    from core.scoring import scoresheet as S
    db, aid, lead_id, members = demo_app
    code = next(iter(S.party_scores(db, aid)))
    S.save_party_score(db, aid, lead_id, code, None)                  # a party's score not entered: 须处理
    at = open_page(aid, lead_id)
    open_items = len(blocking(report_make.page_view(db, aid).checks))
    assert open_items > 0
    assert at.button(key="rp_lock").disabled
    assert f"仍要锁定（{open_items} 项须处理未解决" in at.checkbox(key="rp_lock_confirm").label
    assert any("报告仍是带“草稿”水印的草稿" in w.value for w in at.warning)
    at.checkbox(key="rp_lock_confirm").check()
    at.run()
    at.button(key="rp_lock").click()
    at.run()
    assert not at.exception and A.is_locked(db, aid)
    assert at.button(key="rp_unlock").disabled                        # unlocking is confirmed too
    at.checkbox(key="rp_unlock_confirm").check()
    at.run()
    at.button(key="rp_unlock").click()
    at.run()
    assert not A.is_locked(db, aid)
