"""Opening the database for the app and the CLI: the layers above never call db.connection."""
from __future__ import annotations

from db.connection import connect, db_path_from_env
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
