"""Issue 23, item 5: a server restart does not throw away the session. An expert signed in on 现场记录
is typing a note when the server process is killed and started again on the same port; on leaving
the box the note is saved (table and audit log) by the page's own saver, and no PIN is asked."""
from __future__ import annotations

import signal
import time
from urllib.parse import urlparse

from playwright.sync_api import expect

from . import st_ui as ui
from .server import start_server

EXPERT, PIN = "冯专家", "8642"


def _eventually(check, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def _saved(path, record_id: int):
    """(notes, number of audit rows of the record's updates) read from the database file."""
    from db.connection import connect

    db = connect(path)
    try:
        notes = db.execute("SELECT notes FROM site_records WHERE id = ?", [record_id]).fetchone()[0]
        audits = db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'site_record' AND action = 'update'"
                            " AND entity_key = ? AND actor = ?", [str(record_id), EXPERT]).fetchone()[0]
        return notes, audits
    finally:
        db.conn.close()


def test_a_note_typed_across_a_server_restart_is_saved_and_no_pin_is_asked(tmp_path, new_page):
    from core.assessment import team as A
    from db.connection import connect
    from db.migrations import migrate

    path = tmp_path / "restart.db"
    db = connect(path)
    migrate(db)
    aid, lead = A.new_assessment(db, {"name": "华林街社工服务站"}, "gz-2024-four-party", "组长", "1111")
    A.add_member(db, aid, lead, EXPERT, "expert", PIN, ["A"])
    db.conn.close()

    server = start_server(path, tmp_path / "s1.log")
    try:
        page = new_page()
        ui.login(page, server.url, aid, EXPERT, PIN)
        ui.go(page, "现场记录")
        box = ui.main(page).locator("[class*='st-key-intro_notes_'] textarea").first
        expect(box).to_be_visible()
        key = box.locator("xpath=ancestor::*[contains(@class, 'st-key-intro_notes_')][1]").get_attribute("class")
        record_id = int(next(c for c in key.split() if c.startswith("st-key-intro_notes_")).rsplit("_", 1)[1])
        assert _saved(path, record_id) == ("", 0)

        box.click()
        box.press_sequentially("社工介绍了本年度")          # typing ...
        port = urlparse(server.url).port
        server.stop(signal.SIGKILL)                         # ... the server dies under the page
        expect(box).to_be_disabled()                        # the page noticed (Streamlit: "connecting")
        expect(box).to_have_value("社工介绍了本年度")       # what was typed stays in the box
        server = start_server(path, tmp_path / "s2.log", port=port)
        expect(box).to_be_enabled()                         # the page reconnected by itself
        box.press_sequentially("的服务计划和三图一表")       # ... goes on typing
        ui.main(page).get_by_role("heading", name="现场记录").click()   # and leaves the box

        text = "社工介绍了本年度的服务计划和三图一表"
        assert _eventually(lambda: _saved(path, record_id) == (text, 1)), _saved(path, record_id)
        # Still signed in on the same page: no PIN form, the saved note shown, the menu of an expert.
        expect(ui.main(page).get_by_role("heading", name="现场记录")).to_be_visible()
        expect(ui.widget(page, "login_pin")).to_have_count(0)
        expect(box).to_have_value(text)
        expect(ui.menu(page).get_by_text("专家评分")).to_have_count(1)
        # and goes on working: the next edit is saved as usual
        box.fill(text + "。")
        ui.main(page).get_by_role("heading", name="现场记录").click()
        assert _eventually(lambda: _saved(path, record_id) == (text + "。", 2)), _saved(path, record_id)
    finally:
        server.stop()
