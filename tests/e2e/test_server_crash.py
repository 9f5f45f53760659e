"""Kill -9 the Streamlit server in the middle of an expert's burst of saves, restart it on the
same file: the database passes integrity_check and holds every save the page had acknowledged."""
from __future__ import annotations

import re
import signal

from playwright.sync_api import expect

from . import st_ui as ui
from .server import start_server

EXPERT, PIN = "吴专家", "2468"


def _labels(code: str) -> list[tuple[str, float]]:
    from core.framework.model import get_framework

    ind = get_framework("gz-2024-four-party").indicator(code)
    return [(f"{c.text}（{c.points:g} 分）", c.points) for c in ind.criteria]


def _shown(page, code: str, value: float):
    """The indicator's header, re-read from the database after the save: the acknowledgement."""
    return ui.main(page).get_by_text(re.compile(rf"^{code} .*当前得分 {value:g}\s*$"))


def test_server_killed_mid_burst_keeps_every_acknowledged_save(tmp_path, new_page):
    from core.assessment import team as A
    from db import scores as S
    from db.connection import connect
    from db.migrations import migrate

    path = tmp_path / "crash.db"
    db = connect(path)
    migrate(db)
    aid, lead = A.new_assessment(db, {"name": "棠下街社工服务站"}, "gz-2024-four-party", "组长", "1111")
    mid = A.add_member(db, aid, lead, EXPERT, "expert", PIN, ["A"])
    db.conn.close()

    server = start_server(path, tmp_path / "s1.log")
    try:
        page = new_page()
        ui.login(page, server.url, aid, EXPERT, PIN)
        ui.go(page, "专家评分")
        acked = {}
        for code in ("A1", "A3"):  # every tick waits for its acknowledgement
            total = 0.0
            for label, pts in _labels(code):
                ui.main(page).get_by_text(label, exact=True).click()
                total += pts
                expect(_shown(page, code, total)).to_be_visible()
            acked[code] = total
        for label, _ in _labels("A4"):  # a burst nobody waits for ...
            ui.main(page).get_by_text(label, exact=True).click()
        server.stop(signal.SIGKILL)  # ... cut off in the middle
    finally:
        server.stop(signal.SIGKILL)

    db = connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        saved = {r["indicator_code"]: r for r in S.scores(db, aid, mid)}
        for code, total in acked.items():
            assert saved[code]["value"] == total
            assert saved[code]["detail"]["criteria"] == list(range(len(_labels(code))))
        audit_rows = db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'score' AND member_id = ?", [mid]).fetchone()[0]
        assert audit_rows >= sum(len(_labels(c)) for c in acked)
    finally:
        db.conn.close()

    # Restarted on the same file, the expert finds the acknowledged work after entering the PIN.
    server = start_server(path, tmp_path / "s2.log")
    try:
        page = new_page()
        ui.login(page, server.url, aid, EXPERT, PIN)
        ui.go(page, "专家评分")
        for code, total in acked.items():
            expect(_shown(page, code, total)).to_be_visible()
        # and can go on saving
        note = ui.main(page).get_by_label(re.compile("备注")).first
        note.fill("重启后继续评分")
        note.blur()
        db = connect(path)
        try:
            assert _eventually(lambda: any(r["note"] == "重启后继续评分" for r in S.scores(db, aid, mid)))
        finally:
            db.conn.close()
    finally:
        server.stop()


def _eventually(check, timeout: float = 20) -> bool:
    """Poll a database condition (the server saves on its own thread)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
