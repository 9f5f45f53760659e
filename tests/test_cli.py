"""The export command lines, run as a user would (subprocess)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from core.scoring.scoresheet import result as assessment_result
from db.connection import connect

ROOT = Path(__file__).resolve().parent.parent


def core(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_demo_export_import_excel_and_backup_from_the_command_line(tmp_path):
    src, dst = tmp_path / "laptop1.db", tmp_path / "laptop2.db"
    r = core("demo", "--db", src)
    assert r.returncode == 0, r.stderr
    aid = int(r.stdout.strip().splitlines()[-1])

    r = core("export", aid, "--db", src, "--out", tmp_path / "a.json")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert doc["format_version"] == 1 and doc["tables"]["assessments"][0]["id"] == aid
    assert "真实姓名" in r.stdout

    r = core("import", tmp_path / "a.json", "--db", dst)
    assert r.returncode == 0, r.stderr
    new_id = int(r.stdout.strip().splitlines()[-1])
    a, b = connect(src), connect(dst)
    r1, r2 = assessment_result(a, aid), assessment_result(b, new_id)
    assert (r2.final, r2.grade) == (r1.final, r1.grade) and r2.final is not None
    a.conn.close()
    b.conn.close()

    r = core("export-xlsx", new_id, "--db", dst, "--out", tmp_path / "a.xlsx")
    assert r.returncode == 0, r.stderr
    wb = load_workbook(tmp_path / "a.xlsx", read_only=True)
    assert "专家评分" in wb.sheetnames and "服务对象名册" in wb.sheetnames
    wb.close()

    r = core("backup", "--db", dst, "--out", tmp_path / "copy.db")
    assert r.returncode == 0, r.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 1
    assert copy.execute("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [new_id]).fetchone()[0] == \
        len(doc["tables"]["clients"]) > 0
    copy.close()


def test_a_refused_import_exits_with_a_chinese_error_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "shegongzhan-assessment", "format_version": 99, "tables": {}}),
                   encoding="utf-8")
    db = tmp_path / "x.db"
    r = core("import", bad, "--db", db)
    assert r.returncode == 1
    assert "导入失败，数据未作任何修改" in r.stderr and "版本 99" in r.stderr
    assert not db.exists()          # the database it would have created is not left behind

    r = core("import", tmp_path / "missing.json", "--db", db)
    assert r.returncode == 1 and "无法读取文件" in r.stderr
