"""The change marks of an assessment (table `data_versions`, kept by the triggers of
migrations 011 and 022): `data` changes whenever any row of the assessment changes, `register`
whenever its key-client register changes, `other` whenever any row but the register's changes. Read in one primary-key lookup, so a cache of
figures derived from the data can check it on every use (core.derived)."""
from __future__ import annotations


def marks(db, assessment_id: int) -> tuple[int | None, int | None]:
    """(data, register) marks of the assessment; (None, None) before its first row."""
    row = db.execute("SELECT data, register FROM data_versions WHERE assessment_id = ?", [assessment_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


MARKS = ("data", "register", "other")


def mark(db, assessment_id: int, which: str) -> int | None:
    """One mark of the assessment (`which`: one of MARKS); None before its first row."""
    if which not in MARKS:
        raise ValueError(which)
    row = db.execute(f"SELECT {which} FROM data_versions WHERE assessment_id = ?", [assessment_id]).fetchone()
    return row[0] if row else None
