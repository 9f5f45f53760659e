"""Storage of the JSON transfer: read an assessment's tables, write an imported one.

The format, the table list, validation and id remapping are core/agency/transfer.py's; this
module discovers the tables' columns (PRAGMA), reads the rows of one assessment in one
read snapshot, and inserts already-remapped rows. The rows carry real client names and
phones: see docs/json-format.md.
"""
from __future__ import annotations

import sqlite3

from . import audit
from .connection import transaction
from .errors import ImportRejected, NotFound
from .guard import Write, writer

# Which rows of each table belong to the assessment (default: assessment_id = :assessment_id).
_WHERE = {
    "stations": "id = :station_id",
    "areas": "station_id = :station_id",
    "assessments": "id = :assessment_id",
    "survey_items": "sample_id IN (SELECT id FROM survey_samples WHERE assessment_id = :assessment_id)",
    # The station's creation is logged before the assessment exists (assessment_id NULL).
    "audit_log": "assessment_id = :assessment_id OR (assessment_id IS NULL AND entity = 'station'"
                 " AND entity_key = CAST(:station_id AS TEXT))",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema(db, tables) -> dict:
    """Columns, primary key and foreign keys of each of `tables`, from PRAGMA."""
    out = {}
    for t in tables:
        info = db.execute(f"PRAGMA table_info({_q(t)})").fetchall()
        if not info:
            raise RuntimeError(f"table {t} missing: database not migrated")
        cols = {r[1]: {"notnull": bool(r[3]), "default": r[4] is not None, "type": (r[2] or "").upper()}
                for r in info}
        pks = [r[1] for r in info if r[5]]
        pk = pks[0] if len(pks) == 1 and pks[0] == "id" else None
        fk = {r[3]: r[2] for r in db.execute(f"PRAGMA foreign_key_list({_q(t)})").fetchall()}
        out[t] = {"columns": cols, "pk": pk, "fks": fk}
    return out


def read_tables(db, assessment_id: int, tables) -> dict[str, list[dict]]:
    """Every row of the assessment in each of `tables` (ordered by id), read in one snapshot
    so the copy is consistent even while others write. NotFound for an unknown assessment."""
    began = not db.conn.in_transaction
    if began:
        db.conn.execute("BEGIN")
    try:
        row = db.execute("SELECT station_id FROM assessments WHERE id = ?", [assessment_id]).fetchone()
        if row is None:
            raise NotFound(f"找不到评估 {assessment_id}")
        params = {"assessment_id": assessment_id, "station_id": row[0]}
        sch = schema(db, tables)
        out = {}
        for t in tables:
            where = _WHERE.get(t, "assessment_id = :assessment_id")
            order = sch[t]["pk"] or "rowid"
            cur = db.execute(f"SELECT * FROM {_q(t)} WHERE {where} ORDER BY {_q(order)}", params)
            cols = [d[0] for d in cur.description]
            out[t] = [dict(zip(cols, rec)) for rec in cur.fetchall()]
        return out
    finally:
        if began:
            db.conn.execute("COMMIT")


def max_ids(db, sch: dict) -> dict[str, int]:
    """The highest id of every table with an id (0 when empty): new ids start above them."""
    return {t: db.execute(f"SELECT COALESCE(MAX({_q(s['pk'])}), 0) FROM {_q(t)}").fetchone()[0]
            for t, s in sch.items() if s["pk"]}


def insert_tables(db, tables: dict[str, list[dict]], *, new_assessment_id: int, logged: dict,
                  labels: dict[str, str] | None = None) -> None:
    """Insert remapped rows, parents first (the dict's order), and log the import (all or nothing).

    Unguarded (db.guard.UNGUARDED): the imported assessment is new, no member of it is
    logged in. The import is logged without an assessment id, so exporting the imported
    assessment gives back the file's content. A row the database refuses raises
    ImportRejected naming the table (by `labels`) and the row.
    """
    labels = labels or {}
    with transaction(db):
        for t, rows in tables.items():
            for n, row in enumerate(rows, 1):
                cols = list(row)
                sql = (f"INSERT INTO {_q(t)} ({', '.join(_q(c) for c in cols)})"
                       f" VALUES ({', '.join('?' for _ in cols)})")
                try:
                    db.execute(sql, [row[c] for c in cols])
                except sqlite3.IntegrityError as e:
                    raise ImportRejected([f"{labels.get(t, t)} 第 {n} 条：数据不符合要求（{e}）。"]) from None
        audit.log(db, None, None, "import", "assessment", new_assessment_id, actor="system", new=logged)


@writer("lead", what="导出", when_locked=True)
def record_export(w: Write, what: str) -> None:
    """Log that the lead took a copy out (the download buttons); allowed on a locked assessment."""
    w.log("export", "assessment", w.assessment_id, new={"format": what})
