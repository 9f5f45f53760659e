"""Export a whole assessment to the JSON transfer format, and import one (all or nothing).

The format, the table list and the id remapping live in core/transfer.py; this
module reads the tables (columns discovered with PRAGMA) and writes them.
The exported document carries real client names and phones: see docs/json-format.md.
"""
from __future__ import annotations

import sqlite3

from core import transfer as T

from . import audit
from .assessments import get_assessment
from .connection import transaction
from .errors import ImportRejected

# Which rows of each table belong to the assessment (default: assessment_id = :aid).
_WHERE = {
    "stations": "id = :sid",
    "areas": "station_id = :sid",
    "assessments": "id = :aid",
    "survey_items": "sample_id IN (SELECT id FROM survey_samples WHERE assessment_id = :aid)",
    # The station's creation is logged before the assessment exists (assessment_id NULL).
    "audit_log": "assessment_id = :aid OR (assessment_id IS NULL AND entity = 'station'"
                 " AND entity_key = CAST(:sid AS TEXT))",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema(db) -> dict:
    """Columns, primary key and foreign keys of every exported table, from PRAGMA."""
    out = {}
    for t in T.TABLES:
        info = db.execute(f"PRAGMA table_info({_q(t)})").fetchall()
        if not info:
            raise RuntimeError(f"table {t} missing: database not migrated")
        cols = {r[1]: {"notnull": bool(r[3]), "default": r[4] is not None} for r in info}
        pks = [r[1] for r in info if r[5]]
        pk = pks[0] if len(pks) == 1 and pks[0] == "id" else None
        fk = {r[3]: r[2] for r in db.execute(f"PRAGMA foreign_key_list({_q(t)})").fetchall()}
        out[t] = {"columns": cols, "pk": pk, "fks": fk}
    return out


def export_assessment(db, assessment_id: int) -> dict:
    """The whole assessment as a JSON-ready document (real names and phones included)."""
    a = get_assessment(db, assessment_id)
    sch = schema(db)
    params = {"aid": assessment_id, "sid": a["station_id"]}
    tables = {}
    # One read transaction: a consistent snapshot even while others write.
    began = not db.conn.in_transaction
    if began:
        db.conn.execute("BEGIN")
    try:
        for t in T.TABLES:
            where = _WHERE.get(t, "assessment_id = :aid")
            order = sch[t]["pk"] or "rowid"
            cur = db.execute(f"SELECT * FROM {_q(t)} WHERE {where} ORDER BY {_q(order)}", params)
            cols = [d[0] for d in cur.description]
            rows = []
            for rec in cur.fetchall():
                row = dict(zip(cols, rec))
                for c, v in row.items():
                    if isinstance(v, bytes):
                        raise ValueError(f"{t}.{c}: binary values cannot be exported")
                rows.append(row)
            tables[t] = rows
    finally:
        if began:
            db.conn.execute("COMMIT")
    return {
        "format": T.FORMAT,
        "format_version": T.FORMAT_VERSION,
        "exported_at": audit.now(),
        "source_assessment_id": assessment_id,
        "privacy": T.PRIVACY_NOTICE,
        "tables": tables,
    }


def export_json(db, assessment_id: int) -> bytes:
    return T.dumps(export_assessment(db, assessment_id))


def import_assessment(db, doc: dict | bytes | str) -> int:
    """Import an exported assessment as a new one (new station row too); return its id.

    Validates the whole file first and raises ImportRejected listing every
    problem; then writes everything in one transaction (nothing is written on
    any error). The import itself is logged in the audit log without an
    assessment id, so exporting the imported assessment gives back the file's content.
    """
    if not isinstance(doc, dict):
        doc = T.loads(doc)
    sch = schema(db)
    errors = T.validate(doc, sch)
    if errors:
        raise ImportRejected(errors)
    with transaction(db):
        bases = {t: db.execute(f"SELECT COALESCE(MAX({_q(sch[t]['pk'])}), 0) FROM {_q(t)}").fetchone()[0]
                 for t in T.TABLES if sch[t]["pk"]}
        tables = T.remap(doc, sch, bases)
        for t in T.TABLES:
            for n, row in enumerate(tables[t], 1):
                cols = list(row)
                sql = (f"INSERT INTO {_q(t)} ({', '.join(_q(c) for c in cols)})"
                       f" VALUES ({', '.join('?' for _ in cols)})")
                try:
                    db.execute(sql, [row[c] for c in cols])
                except sqlite3.IntegrityError as e:
                    raise ImportRejected([f"{T.label(t)} 第 {n} 条：数据不符合要求（{e}）。"]) from None
        aid = tables["assessments"][0]["id"]
        audit.log(db, None, None, "import", "assessment", aid, actor="system",
                  new={"source_assessment_id": doc.get("source_assessment_id"),
                       "exported_at": doc.get("exported_at"), "format_version": doc.get("format_version")})
    return aid


def record_export(db, assessment_id: int, member_id: int | None, what: str) -> None:
    """Log that someone took a copy out (called by the download buttons)."""
    with transaction(db):
        audit.log(db, assessment_id, member_id, "export", "assessment", assessment_id, new={"format": what})
