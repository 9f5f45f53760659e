"""The append-only audit log. Guarded writers log through `Write.log` (db/guard.py), in their transaction."""
from __future__ import annotations

import datetime as _dt
import json

import sqlite_utils


def now() -> str:
    return _dt.datetime.now().isoformat(timespec="milliseconds")


def _j(v):
    return None if v is None else json.dumps(v, ensure_ascii=False, default=str, sort_keys=True)


def log(db: sqlite_utils.Database, assessment_id: int | None, member_id: int | None, action: str,
        entity: str, entity_key: str = "", old=None, new=None, actor: str = "") -> None:
    if not actor and member_id is not None:
        row = db.execute("SELECT name FROM members WHERE id = ?", [member_id]).fetchone()
        actor = row[0] if row else ""
    db.execute(
        "INSERT INTO audit_log (assessment_id, member_id, actor, at, action, entity, entity_key, old, new)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [assessment_id, member_id, actor, now(), action, entity, str(entity_key), _j(old), _j(new)],
    )


def entries(db: sqlite_utils.Database, assessment_id: int, limit: int | None = None) -> list[dict]:
    sql = "SELECT * FROM audit_log WHERE assessment_id = ? ORDER BY id DESC"
    params: list = [assessment_id]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return list(db.query(sql, params))

