"""Browser: on 报告与导出 the lead downloads the Word draft beside the PDF, then issues 初稿 1 to the 区民政局
and downloads it; the file received is the one recorded (SHA-256) and carries its version."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

from playwright.sync_api import expect

from . import st_ui as ui


def _download(page, key: str) -> tuple[str, bytes]:
    with page.expect_download() as d:
        ui.widget(page, key).get_by_role("button").click()
    return d.value.suggested_filename, Path(d.value.path()).read_bytes()


def test_lead_downloads_the_word_draft_and_an_issued_draft_version(server, new_page, demo_in_server):
    import docx

    from core.report import versions as V
    from db.connection import connect

    aid = demo_in_server
    page = new_page(accept_downloads=True)
    ui.login(page, server.url, aid, "陈志远", "1111")
    ui.go(page, "报告与导出")
    page.get_by_role("tab", name="生成与导出").click()

    name, data = _download(page, "rp_docx")
    assert name.endswith(".docx")
    word = docx.Document(io.BytesIO(data))
    assert any(p.text == "五、结语" for p in word.paragraphs)

    ui.fill(page, "rv_to", "天河区民政局")
    page.keyboard.press("Tab")
    ui.wait_idle(page)
    ui.widget(page, "rv_issue").get_by_role("button").click()
    expect(ui.main(page).get_by_text("已记录初稿 1").first).to_be_visible()
    name, data = _download(page, "rv_download")
    assert name.endswith("-初稿 1.pdf") and data.startswith(b"%PDF")
    db = connect(server.db_path)
    rows = V.versions(db, aid)
    db.conn.close()
    assert [(v["label"], v["recipient"]) for v in rows] == [("初稿 1", "天河区民政局")]
    assert rows[0]["sha256"] == hashlib.sha256(data).hexdigest()
