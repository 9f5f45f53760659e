"""Hostile-input sweep, surface "CLI paths": wrong --db and --out paths, damaged and foreign files.

Every case must end with one Chinese line on stderr, a non-zero exit, no Python traceback, no file
created or changed in the folder (databases compared by content) — the command line never destroys
or invents a database. The count of cases is in README's "Reliability: hostile inputs" table
(tests/test_hostile_sweep_counts.py checks it).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fake(kind: str) -> bytes:
    return {"pdf": b"%PDF-1.4\n%fake report\n", "json": b'{"mine": true}\n', "text": "会议纪要\n".encode(),
            "xlsx": b"PK\x03\x04" + b"\0" * 60}[kind]


def _foreign_sqlite(p: Path) -> None:
    c = sqlite3.connect(p)
    c.execute("CREATE TABLE contacts (name TEXT)")
    c.execute("INSERT INTO contacts VALUES ('某人的通讯录')")
    c.commit()
    c.close()


def _newer(p: Path) -> None:
    c = sqlite3.connect(p)
    c.execute("INSERT INTO _migrations VALUES ('999_from_a_newer_version', '2030-01-01T00:00:00')")
    c.commit()
    c.close()


def _live_db(p: Path) -> None:
    """Another database in use: WAL mode with its -wal and -shm beside it."""
    c = sqlite3.connect(p)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE t (x)")
    c.execute("INSERT INTO t VALUES (1)")
    c.commit()
    c.close()
    (p.parent / (p.name + "-wal")).touch()
    (p.parent / (p.name + "-shm")).touch()


def _damage(p: Path) -> None:
    """Overwrite pages in the middle of a real database with noise (header intact)."""
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    data[mid: mid + 8192] = os.urandom(8192)
    p.write_bytes(bytes(data))


# (id, setup(folder) -> None, argv with {db} {aid} {dir} placeholders, words the message must hold)
CASES = [
    # --out that is the database or its companions, for every command that writes a file
    ("report-out-is-db", None, "report {aid} --db {db} --out {db}", "数据库"),
    ("report-out-is-wal", None, "report {aid} --db {db} --out {db}-wal", "数据库"),
    ("report-out-is-shm", None, "report {aid} --db {db} --out {db}-shm", "数据库"),
    ("export-out-is-db", None, "export {aid} --db {db} --out {db}", "数据库"),
    ("export-xlsx-out-is-db", None, "export-xlsx {aid} --db {db} --out {db}", "数据库"),
    ("export-framework-out-is-db", None, "export-framework gz-2024-four-party --db {db} --out {db}", "数据库"),
    ("backup-out-is-db", None, "backup --db {db} --out {db}", "数据库"),
    ("scoresheet-out-is-db", None, "scoresheet {aid} --member 王建华 --db {db} --out {db}", "数据库"),
    ("backup-out-is-wal", None, "backup --db {db} --out {db}-wal", "数据库"),
    # --out an existing file of another kind
    ("report-over-json", lambda d: (d / "notes.json").write_bytes(_fake("json")),
     "report {aid} --db {db} --out {dir}/notes.json", "JSON"),
    ("export-over-pdf", lambda d: (d / "final.pdf").write_bytes(_fake("pdf")),
     "export {aid} --db {db} --out {dir}/final.pdf", "PDF"),
    ("export-xlsx-over-text", lambda d: (d / "notes.txt").write_bytes(_fake("text")),
     "export-xlsx {aid} --db {db} --out {dir}/notes.txt", "其他类型"),
    ("report-over-xlsx", lambda d: (d / "scores.xlsx").write_bytes(_fake("xlsx")),
     "report {aid} --db {db} --out {dir}/scores.xlsx", "Excel"),
    ("export-over-other-db", lambda d: _foreign_sqlite(d / "other.db"),
     "export {aid} --db {db} --out {dir}/other.db", "SQLite"),
    ("backup-over-live-db", lambda d: _live_db(d / "live.db"), "backup --db {db} --out {dir}/live.db", "正在使用"),
    ("backup-over-pdf", lambda d: (d / "final.pdf").write_bytes(_fake("pdf")),
     "backup --db {db} --out {dir}/final.pdf", "PDF"),
    # --out a folder, under a file, in an unwritable place
    ("report-out-folder", None, "report {aid} --db {db} --out {dir}", "文件夹"),
    ("export-out-under-file", lambda d: (d / "a.txt").write_bytes(_fake("text")),
     "export {aid} --db {db} --out {dir}/a.txt/x.json", "不是文件夹"),
    ("backup-out-under-file", lambda d: (d / "a.txt").write_bytes(_fake("text")),
     "backup --db {db} --out {dir}/a.txt/copy.db", "不是文件夹"),
    ("report-out-unwritable", None, "report {aid} --db {db} --out /sys/report.pdf", "无法写入"),
    ("export-xlsx-out-unwritable", None, "export-xlsx {aid} --db {db} --out /sys/x.xlsx", "无法写入"),
    # --db that does not exist: refused by every command but demo and import, nothing created
    ("score-missing-db", None, "score {aid} --db {dir}/typo.db", "不存在"),
    ("report-missing-db-and-folder", None, "report {aid} --db {dir}/nofolder/a.db --out {dir}/r.pdf", "不存在"),
    ("export-missing-db", None, "export {aid} --db {dir}/typo.db --out {dir}/a.json", "不存在"),
    ("export-xlsx-missing-db", None, "export-xlsx {aid} --db {dir}/typo.db --out {dir}/a.xlsx", "不存在"),
    ("backup-missing-db", None, "backup --db {dir}/typo.db --out {dir}/copy.db", "不存在"),
    ("check-missing-db", None, "check {aid} --db {dir}/typo.db", "不存在"),
    ("frameworks-missing-db", None, "frameworks --db {dir}/typo.db", "不存在"),
    ("export-framework-missing-db", None,
     "export-framework gz-2024-four-party --db {dir}/typo.db --out {dir}/fw.xlsx", "不存在"),
    ("import-framework-missing-db", lambda d: (d / "fw.xlsx").write_bytes(_fake("xlsx")),
     "import-framework {dir}/fw.xlsx --db {dir}/typo.db", "不存在"),
    ("import-register-missing-db", lambda d: (d / "r.csv").write_bytes("姓名,联系电话\n".encode()),
     "import-register {aid} {dir}/r.csv --db {dir}/typo.db", "不存在"),
    ("deleted-assessments-missing-db", None, "deleted-assessments --db {dir}/typo.db", "不存在"),
    ("restore-assessment-missing-db", None, "restore-assessment 1 --db {dir}/typo.db", "不存在"),
    # --db that is not a usable database
    ("score-db-is-folder", None, "score {aid} --db {dir}", "文件夹"),
    ("score-db-under-file", lambda d: (d / "a.txt").write_bytes(_fake("text")),
     "score {aid} --db {dir}/a.txt/x.db", "不是文件夹"),
    ("score-db-is-text", lambda d: (d / "notes.txt").write_bytes(_fake("text")),
     "score {aid} --db {dir}/notes.txt", "不是 SQLite"),
    ("report-db-is-pdf", lambda d: (d / "final.pdf").write_bytes(_fake("pdf")),
     "report {aid} --db {dir}/final.pdf --out {dir}/r.pdf", "不是 SQLite"),
    ("score-db-empty-file", lambda d: (d / "empty.db").write_bytes(b""), "score {aid} --db {dir}/empty.db", "空文件"),
    ("score-db-truncated", lambda d: (d / "t.db").write_bytes((d / "case.db").read_bytes()[:40960]),
     "score {aid} --db {dir}/t.db", "损坏"),
    ("report-db-truncated", lambda d: (d / "t.db").write_bytes((d / "case.db").read_bytes()[:40960]),
     "report {aid} --db {dir}/t.db --out {dir}/r.pdf", "损坏"),
    ("report-db-damaged", lambda d: (shutil.copy(d / "case.db", d / "dmg.db"), _damage(d / "dmg.db")),
     "report {aid} --db {dir}/dmg.db --out {dir}/r.pdf", "损坏"),
    ("export-db-header-only", lambda d: (d / "h.db").write_bytes(b"SQLite format 3\x00" + os.urandom(200)),
     "export {aid} --db {dir}/h.db --out {dir}/a.json", "损坏"),
    ("score-db-foreign-sqlite", lambda d: _foreign_sqlite(d / "contacts.db"), "score {aid} --db {dir}/contacts.db",
     "不是评估数据库"),
    ("score-db-newer-migration", lambda d: (shutil.copy(d / "case.db", d / "newer.db"), _newer(d / "newer.db")),
     "score {aid} --db {dir}/newer.db", "更新版本"),
    ("backup-db-newer-migration", lambda d: (shutil.copy(d / "case.db", d / "newer.db"), _newer(d / "newer.db")),
     "backup --db {dir}/newer.db --out {dir}/copy.db", "更新版本"),
    ("demo-db-is-text", lambda d: (d / "notes.txt").write_bytes(_fake("text")), "demo --db {dir}/notes.txt",
     "不是 SQLite"),
    ("demo-db-is-folder", None, "demo --db {dir}", "文件夹"),
    ("demo-db-newer", lambda d: (shutil.copy(d / "case.db", d / "newer.db"), _newer(d / "newer.db")),
     "demo --db {dir}/newer.db", "更新版本"),
    ("import-into-text-file", lambda d: (d / "notes.txt").write_bytes(_fake("text")),
     "import {dir}/notes.txt --db {dir}/notes.txt", "不是 SQLite"),
    ("import-into-foreign-sqlite", lambda d: (_foreign_sqlite(d / "contacts.db"),
                                              (d / "a.json").write_bytes(_fake("json"))),
     "import {dir}/a.json --db {dir}/contacts.db", "不是评估数据库"),
    ("import-file-is-folder", lambda d: (d / "sub").mkdir(), "import {dir}/sub --db {db}", "无法读取"),
    ("import-register-file-missing", None, "import-register {aid} {dir}/none.xlsx --db {db}", "无法读取"),
    ("import-framework-file-is-folder", lambda d: (d / "sub").mkdir(),
     "import-framework {dir}/sub --db {db}", "无法读取"),
    # wrong commands and arguments
    ("report-without-out", None, "report {aid} --db {db}", "命令参数有误"),
    ("score-id-not-a-number", None, "score abc --db {db}", "命令参数有误"),
    ("unknown-command", None, "reprot {aid} --db {db}", "未知命令"),
]


def snapshot(folder: Path) -> dict:
    """Every file under the folder: databases by content (dump), others by bytes; -wal/-shm aside."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_dir():
            out[rel] = "dir"
        elif p.name.endswith(("-wal", "-shm")):
            continue
        elif p.read_bytes()[:16] == b"SQLite format 3\x00" and p.name in ("case.db", "contacts.db"):
            c = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
            out[rel] = hashlib.sha256("\n".join(c.iterdump()).encode()).hexdigest()
            c.close()
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("case_id,setup,argv,words", CASES, ids=[c[0] for c in CASES])
def test_a_wrong_path_or_file_is_refused_in_one_chinese_line_and_nothing_changes(
        demo_db_file, tmp_path, capsys, case_id, setup, argv, words):
    src, aid = demo_db_file
    db = tmp_path / "case.db"
    shutil.copy(src, db)
    if setup:
        setup(tmp_path)
    before = snapshot(tmp_path)
    args = argv.format(db=db, aid=aid, dir=tmp_path).split()
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and CJK.search(lines[0]), err
    assert words in lines[0], lines[0]
    assert "Traceback" not in err + out
    assert snapshot(tmp_path) == before
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_a_wrong_db_path_from_a_real_shell_is_one_line_without_a_traceback(tmp_path):
    """The same refusals through `python -m core` as a user types it (no traceback reaches the terminal)."""
    (tmp_path / "notes.txt").write_text("会议纪要", encoding="utf-8")
    for args in (["score", "1", "--db", tmp_path / "typo.db"], ["score", "1", "--db", tmp_path / "notes.txt"],
                 ["backup", "--db", tmp_path / "typo.db", "--out", tmp_path / "c.db"]):
        r = subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and CJK.search(r.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_demo_and_import_say_when_they_create_the_database(tmp_path, capsys):
    assert main(["demo", "--db", str(tmp_path / "new" / "a.db")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("已新建数据库文件" in x for x in out) and out[-1].isdigit()
    aid = out[-1]
    assert main(["export", aid, "--db", str(tmp_path / "new" / "a.db"), "--out", str(tmp_path / "a.json")]) == 0
    capsys.readouterr()
    assert main(["import", str(tmp_path / "a.json"), "--db", str(tmp_path / "b.db")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("已新建数据库文件" in x for x in out) and out[-1].isdigit()
    # a second run into the existing file says nothing about creating it
    assert main(["import", str(tmp_path / "a.json"), "--db", str(tmp_path / "b.db")]) == 0
    assert "已新建" not in capsys.readouterr().out


def test_a_report_over_its_own_earlier_report_is_replaced_atomically(demo_db_file, tmp_path, capsys):
    src, aid = demo_db_file
    shutil.copy(src, tmp_path / "case.db")
    out = tmp_path / "r.pdf"
    for _ in range(2):
        assert main(["report", str(aid), "--db", str(tmp_path / "case.db"), "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("case.db")) == ["r.pdf"]


def test_a_database_from_newer_code_is_refused_by_migrate_and_left_as_it_was(demo_db_file, tmp_path):
    from core.errors import UnusableDatabase
    from core.store import open_db

    shutil.copy(demo_db_file[0], tmp_path / "n.db")
    _newer(tmp_path / "n.db")
    with pytest.raises(UnusableDatabase, match="999_from_a_newer_version"):
        open_db(str(tmp_path / "n.db"))


def test_the_app_on_a_database_from_newer_code_shows_one_message_and_touches_nothing(demo_db_file, app_env):
    from conftest import app_test

    shutil.copy(demo_db_file[0], app_env)
    _newer(app_env)
    before = snapshot(app_env.parent)
    at = app_test()
    at.run()
    assert not at.exception, at.exception
    assert any("更新版本" in e.value for e in at.error)
    assert snapshot(app_env.parent) == before
