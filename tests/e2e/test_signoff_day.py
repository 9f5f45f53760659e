"""Browser: an expert downloads their score sheet from the scoring page (the PDF carries their
scores and the note just typed), submits, and the lead's home counts the submission."""
from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from . import st_ui as ui


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_the_score_sheet_downloads_with_the_experts_scores_then_the_expert_submits(server, new_page, demo_in_server):
    from core.scoring import scoresheet
    from core.assessment import team
    from core.numbers import fmt_number
    from db.connection import connect

    aid = demo_in_server
    page = new_page(accept_downloads=True)
    ui.login(page, server.url, aid, "林晓红", "2222")
    ui.go(page, "专家评分")
    note = ui.widget(page, "sc_note_A2_").locator("textarea")
    note.fill("继续教育台账齐全（浏览器测试）")
    note.blur()
    ui.wait_idle(page)

    with page.expect_download() as d:
        ui.widget(page, "sc_sheet_pdf").get_by_role("button").click()
    assert d.value.suggested_filename == "专家评分表-林晓红.pdf"
    text = _pdf_text(Path(d.value.path()).read_bytes())
    flat = text.replace("\n", "")
    assert "林晓红" in text and "专家签名" in text and "继续教育台账齐全（浏览器测试）" in flat
    db = connect(server.db_path)
    lin = next(m["id"] for m in team.list_members(db, aid) if m["name"] == "林晓红")
    mine = scoresheet.scores(db, aid, lin)
    db.conn.close()
    assert len(mine) == 9
    lines = text.splitlines()
    for r in mine:                                  # each indicator's row carries her score
        at = next(n for n, line in enumerate(lines) if line.strip() == r["indicator_code"])
        window = " ".join(lines[at:at + 8])
        assert fmt_number(r["value"]) in window, (r["indicator_code"], window)

    # Submit: the page turns read-only; the lead's home counts it.
    ui.widget(page, "sc_submit_confirm").get_by_text("确认提交").click()
    expect(ui.widget(page, "sc_submit").get_by_role("button")).to_be_enabled()
    ui.click(page, "提交我的评分")
    expect(ui.main(page).get_by_text("提交评分，评分与意见只读")).to_be_visible()
    # Read-only now: each card as text, no box or tick left to change (issue 27).
    expect(ui.widget(page, "sc_note_A2_")).to_have_count(0)
    expect(ui.main(page).locator(".st-key-sc_ro_A2_")).to_contain_text("备注：")

    lead = new_page()
    ui.login(lead, server.url, aid, "陈志远", "1111")
    expect(ui.main(lead).get_by_text("专家已提交 1 / 5")).to_be_visible()
