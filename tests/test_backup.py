"""One-click backup: a consistent copy of the SQLite file while others keep writing."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from db import audit
from db.backup import backup, backup_bytes
from db.connection import connect, transaction
from core.errors import InvalidValue


def _check(path) -> sqlite3.Connection:
    copy = sqlite3.connect(str(path))
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return copy


def test_backup_while_another_connection_keeps_writing(demo_db, tmp_path):
    db, aid = demo_db
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    before = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    stop = threading.Event()
    written = []

    def writer():
        w = connect(path)
        while not stop.is_set():
            with transaction(w):
                audit.log(w, aid, None, "note", "test", str(len(written)), new={"i": len(written)}, actor="writer")
            written.append(1)
        w.conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        deadline = time.monotonic() + 20
        while len(written) < 20 and t.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)         # the writer is really running
        copies = [backup(path, tmp_path / f"copy{i}.db") for i in range(3)]
    finally:
        stop.set()
        t.join()
    assert len(written) > 20
    for c in copies:
        copy = _check(c)
        n = copy.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        assert before + 20 <= n <= before + len(written)
        assert copy.execute("SELECT COUNT(*) FROM scores WHERE assessment_id = ?", [aid]).fetchone()[0] == \
            db.execute("SELECT COUNT(*) FROM scores WHERE assessment_id = ?", [aid]).fetchone()[0]
        # A standalone file: opens without the -wal/-shm files next to it.
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        copy.close()


def test_backup_holds_committed_rows_only_and_does_not_block_an_open_writer(demo_db, tmp_path):
    db, aid = demo_db
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    other = connect(path)
    other.conn.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO report_texts (assessment_id, key, text, updated_at) VALUES (?, 'closing', '未提交', 'x')", [aid])
    copy_path = backup(db, tmp_path / "b.db")     # from the app's own connection object
    other.conn.execute("COMMIT")
    copy = _check(copy_path)
    assert copy.execute("SELECT COUNT(*) FROM report_texts WHERE text = '未提交'").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM report_texts WHERE text = '未提交'").fetchone()[0] == 1
    assert copy.execute("SELECT COUNT(*) FROM members WHERE assessment_id = ?", [aid]).fetchone()[0] == 6
    copy.close()
    other.conn.close()


def test_backup_bytes_is_a_valid_database(demo_db, tmp_path):
    db, aid = demo_db
    data = backup_bytes(db)
    assert data.startswith(b"SQLite format 3\x00")
    (tmp_path / "x.db").write_bytes(data)
    copy = _check(tmp_path / "x.db")
    assert copy.execute("SELECT name FROM stations").fetchone()[0] == "元岗街社工服务站"
    copy.close()


def test_backup_refuses_to_overwrite_the_live_database(demo_db):
    db, _ = demo_db
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    with pytest.raises(InvalidValue, match="不能与正在使用的数据库文件相同"):
        backup(db, path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
