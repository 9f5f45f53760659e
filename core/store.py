"""Opening the database for the app and the CLI: the layers above never call db.connection."""
from __future__ import annotations

from db.connection import check_file, connect, db_path_from_env
from db.migrations import migrate


def db_path() -> str:
    """`ASSESSMENT_DB`, or data/assessment.db under the current directory."""
    return db_path_from_env()


def open_db(path: str | None = None, *, migrated: bool = True):
    """A connection to the database file (migrated to the current schema unless told not to)."""
    db = connect(path or db_path_from_env())
    if migrated:
        migrate(db)
    return db


def open_checked(path: str | None = None, *, create: bool = False):
    """(connection, new) for a command line: the file is checked first (db.connection.check_file: it exists
    unless `create`, is SQLite, passes quick_check, is ours) and migrated unless newer than this code."""
    path = path or db_path_from_env()
    new = check_file(path, create=create)
    return open_db(path), new


def ready(db):
    """A kept connection (a browser session's, pages/_shared.get_db) made ready for the next script run: a
    transaction that a stopped run left open is rolled back, so nothing of it lingers or holds the lock."""
    if db.conn.in_transaction:
        db.conn.rollback()
    return db
