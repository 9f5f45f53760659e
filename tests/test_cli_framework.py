"""The framework commands, run as a user would (subprocess): export-framework, import-framework."""
from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from core.framework import library as framework_library
from core.framework.model import available_frameworks
from db.connection import connect
from db.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent


def core(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def new_db(path):
    """An empty assessment database (the CLI creates none but with demo and import)."""
    db = connect(path)
    migrate(db)
    db.conn.close()
    return path


def test_the_shipped_framework_exported_and_imported_from_the_command_line_is_identical(tmp_path):
    db_file = new_db(tmp_path / "a.db")
    r = core("export-framework", "gz-2024-four-party", "--db", db_file, "--out", tmp_path / "fw.xlsx")
    assert r.returncode == 0, r.stderr
    r = core("import-framework", tmp_path / "fw.xlsx", "--db", db_file)
    assert r.returncode == 0, r.stderr
    new_id = r.stdout.strip().splitlines()[-1]
    assert new_id == "gz-2024-four-party-2"
    db = connect(db_file)
    shipped = available_frameworks()["gz-2024-four-party"]
    assert dataclasses.replace(framework_library.get(db, new_id), id=shipped.id, source="") == \
           dataclasses.replace(shipped, source="")
    r = core("frameworks", "--db", db_file)
    assert f"{new_id}\t第 1 版" in r.stdout
    r = core("export-framework", new_id, "--db", db_file, "--out", tmp_path / "again.xlsx")
    assert r.returncode == 0, r.stderr


def test_a_wrong_workbook_is_refused_listing_its_errors_and_nothing_is_stored(tmp_path):
    db_file = new_db(tmp_path / "a.db")
    wb = load_workbook(io.BytesIO(framework_library.template_xlsx()))
    wb["评估方"]["D3"] = 15                                         # weights now 95
    wb.save(tmp_path / "bad.xlsx")
    r = core("import-framework", tmp_path / "bad.xlsx", "--db", db_file)
    assert r.returncode == 1
    assert "工作表“评估方”“权重（%）”列：各评估方权重之和为 95，应为 100。" in r.stderr
    assert connect(db_file).execute("SELECT COUNT(*) FROM frameworks").fetchone()[0] == 0
    r = core("export-framework", "no-such", "--db", db_file, "--out", tmp_path / "x.xlsx")
    assert r.returncode == 1 and "找不到评估框架“no-such”" in r.stderr and not (tmp_path / "x.xlsx").exists()
