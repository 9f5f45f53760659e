"""A consistent copy of the whole SQLite file, safe while others keep writing.

Uses SQLite's online backup API (sqlite3.Connection.backup): the copy is one
snapshot of the database, including what is still in the WAL. The copy is
written to a temporary file next to `dest` and renamed into place, so `dest`
is never a half-written file.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import sqlite_utils

from .connection import BUSY_TIMEOUT_MS
from .errors import InvalidValue


def _source(db_or_path) -> tuple[sqlite3.Connection, bool]:
    if isinstance(db_or_path, sqlite_utils.Database):
        return db_or_path.conn, False
    if isinstance(db_or_path, sqlite3.Connection):
        return db_or_path, False
    path = Path(db_or_path)
    if not path.exists():
        raise InvalidValue(f"找不到数据库文件 {path}")
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    return conn, True


def _db_file(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def backup(db_or_path, dest) -> Path:
    """Copy the database (a sqlite_utils.Database, sqlite3 connection or file path) to `dest`.

    Returns the path written. The copy is a standalone file in rollback-journal mode
    (no -wal/-shm needed) that passes `PRAGMA integrity_check`.
    """
    dest = Path(dest)
    src, close_src = _source(db_or_path)
    try:
        if _db_file(src) and os.path.abspath(_db_file(src)) == os.path.abspath(dest):
            raise InvalidValue("备份文件不能与正在使用的数据库文件相同，请换一个文件名")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        try:
            out = sqlite3.connect(tmp)
            try:
                # pages=-1: the whole database in one step, under one read snapshot, so
                # concurrent writers neither block the copy nor make it restart.
                src.backup(out, pages=-1)
                out.execute("PRAGMA journal_mode=DELETE")
                out.commit()
            finally:
                out.close()
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    finally:
        if close_src:
            src.close()
    return dest


def backup_bytes(db_or_path) -> bytes:
    """The backup as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as d:
        return backup(db_or_path, Path(d) / "backup.db").read_bytes()


def default_name(prefix: str = "assessment") -> str:
    import datetime as _dt

    return f"{prefix}-backup-{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.db"


def db_file(db) -> str:
    """The file behind a connection (for opening another connection to it)."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    return _db_file(conn)
