"""The key-client register (重点服务对象名册): rows of `clients`."""
from __future__ import annotations



def db_file(db) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def fingerprint(db, assessment_id: int) -> tuple:
    """Changes whenever the assessment's register rows change (count, last id, last position)."""
    return tuple(db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(position), 0)"
                            " FROM clients WHERE assessment_id = ?", [assessment_id]).fetchone())


def identities(db, assessment_id: int) -> tuple[list[str], list[str]]:
    """The register's names and phones (for the scrubber)."""
    rows = db.execute("SELECT name, phone FROM clients WHERE assessment_id = ?", [assessment_id]).fetchall()
    return [r[0] or "" for r in rows], [r[1] or "" for r in rows]
