"""Browser: the lead downloads the Excel, the JSON transfer file and a backup from 报告与导出;
the JSON file is imported on another laptop through the home page uploader."""
from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from playwright.sync_api import expect

from . import st_ui as ui


def _download(page, key: str) -> tuple[str, bytes]:
    with page.expect_download() as d:
        ui.widget(page, key).get_by_role("button").click()
    return d.value.suggested_filename, Path(d.value.path()).read_bytes()


def test_lead_downloads_excel_json_and_backup_and_json_imports_elsewhere(server, new_page, demo_in_server, tmp_path):
    from openpyxl import load_workbook

    from core.agency import transfer as T
    from core.agency.exports import SHEETS
    from core.agency import transfer as X
    from db.connection import connect
    from db.migrations import migrate

    aid = demo_in_server
    page = new_page(accept_downloads=True)
    ui.login(page, server.url, aid, "陈志远", "1111")
    ui.go(page, "报告与导出")
    page.get_by_role("tab", name="生成与导出").click()
    expect(ui.main(page).get_by_text("真实姓名和电话").first).to_be_visible()

    name, data = _download(page, "exp_xlsx")
    assert name.endswith(".xlsx")
    assert load_workbook(io.BytesIO(data), read_only=True).sheetnames == list(SHEETS)

    name, data = _download(page, "exp_json")
    assert name.endswith(".json")
    target = connect(tmp_path / "laptop2.db")
    migrate(target)
    new_id = X.import_assessment(target, data)
    src = connect(server.db_path)
    sch = X.schema(src)
    exported = T.loads(data)
    assert T.canonical(X.export_assessment(target, new_id), sch) == T.canonical(exported, sch)
    target.conn.close()

    name, data = _download(page, "exp_backup")
    assert name.endswith(".db")
    (tmp_path / "backup.db").write_bytes(data)
    copy = sqlite3.connect(tmp_path / "backup.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [aid]).fetchone()[0] == \
        src.execute("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [aid]).fetchone()[0]
    copy.close()
    # Each download is in the assessment's audit log.
    assert [r[0] for r in src.execute("SELECT new FROM audit_log WHERE assessment_id = ? AND action = 'export'"
                                      " ORDER BY id", [aid])] == ['{"format": "xlsx"}', '{"format": "json"}',
                                                                  '{"format": "backup"}']
    src.conn.close()


def test_a_json_file_is_imported_from_the_home_page_by_the_lead(server, new_page, demo_in_server, tmp_path):
    from core.assessment import team as A
    from db.connection import connect
    from core.agency.transfer import export_json

    db = connect(server.db_path)
    (tmp_path / "a.json").write_bytes(export_json(db, demo_in_server))
    before = len(A.list_assessments(db))
    db.conn.close()
    home = new_page()
    home.goto(server.url)
    panel = home.get_by_test_id("stExpander").filter(has_text="从 JSON 文件导入评估")
    expect(home.get_by_text("社工站现场评估台").first).to_be_visible()
    ui.wait_idle(home)
    expect(panel).to_have_count(0)          # not logged in, the database holds assessments: no import
    ui.login(home, server.url, demo_in_server, "陈志远", "1111")
    ui.wait_idle(home)
    expect(panel).to_have_count(1)
    ui.open_expander(home, "从 JSON 文件导入评估")
    ui.widget(home, "import_json_file").locator("input[type=file]").set_input_files(str(tmp_path / "a.json"))
    expect(ui.widget(home, "import_json_file")).to_contain_text("a.json")
    ui.widget(home, "import_json_go").get_by_role("button").click()
    expect(ui.main(home).get_by_text("已导入为评估")).to_be_visible()
    db = connect(server.db_path)
    assert len(A.list_assessments(db)) == before + 1
    db.conn.close()
