"""The change marks of an assessment (table `data_versions`, kept by the triggers of
migration 011): `data` changes whenever any row of the assessment changes, `register`
whenever its key-client register changes. Read in one primary-key lookup, so a cache of
figures derived from the data can check it on every use (core.derived)."""
from __future__ import annotations


def marks(db, assessment_id: int) -> tuple[int | None, int | None]:
    """(data, register) marks of the assessment; (None, None) before its first row."""
    row = db.execute("SELECT data, register FROM data_versions WHERE assessment_id = ?", [assessment_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)
