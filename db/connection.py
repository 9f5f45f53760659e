"""The one place that opens the SQLite file."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

DEFAULT_DB = "data/assessment.db"
BUSY_TIMEOUT_MS = 10_000


def db_path_from_env() -> str:
    """`ASSESSMENT_DB`, or data/assessment.db under the current directory."""
    return os.environ.get("ASSESSMENT_DB") or DEFAULT_DB


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (creating file and folder if needed) with WAL, busy_timeout and FKs on.

    isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see `transaction`),
    so a writer takes the write lock up front and waits on busy_timeout instead of
    failing with "database is locked" on lock upgrade.
    """
    path = Path(path or db_path_from_env())
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return sqlite_utils.Database(conn)


class transaction:
    """`with transaction(db):` — BEGIN IMMEDIATE … COMMIT, rollback on error.

    Re-entrant: an inner block inside an outer one just joins it.
    """

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn
        self.outer = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if not self.outer:
            return False
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False
