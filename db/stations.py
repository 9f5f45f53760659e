"""Station identities across assessments, the overview's cached summaries, the publish copy.

Storage only: which identity a station belongs to and how names are matched are
core.agency.stations' / core.agency.history's rules.
"""
from __future__ import annotations

import json
import sqlite3

from . import audit
from .backup import db_file  # noqa: F401  (the file behind a connection)
from .connection import transaction
from .errors import NotFound

_LIVE = "a.id NOT IN (SELECT assessment_id FROM deleted_assessments)"


def _rows(db, sql: str, params=()) -> list[dict]:
    return list(db.query(sql, list(params)))


# ---------- readers ----------

def list_identities(db) -> list[dict]:
    """Every station identity with its latest profile (name), how many assessments (not deleted)
    it has and the last one's visit date or creation (`last_seen`)."""
    return _rows(db, f"""
        SELECT i.id, i.district, i.street, i.agency_code, i.created_at,
               (SELECT s.name FROM stations s WHERE s.identity_id = i.id ORDER BY s.id DESC LIMIT 1) AS name,
               (SELECT COUNT(*) FROM assessments a JOIN stations s ON s.id = a.station_id
                 WHERE s.identity_id = i.id AND {_LIVE}) AS assessments,
               (SELECT MAX(coalesce(a.visit_date, a.created_at)) FROM assessments a JOIN stations s ON s.id = a.station_id
                 WHERE s.identity_id = i.id AND {_LIVE}) AS last_seen
        FROM station_identities i ORDER BY i.id""")


def get_identity(db, identity_id: int) -> dict:
    rows = [r for r in list_identities(db) if r["id"] == identity_id]
    if not rows:
        raise NotFound(f"找不到社工站 {identity_id}")
    return rows[0]


def identity_of_assessment(db, assessment_id: int) -> int | None:
    row = db.execute("SELECT s.identity_id FROM assessments a JOIN stations s ON s.id = a.station_id"
                     " WHERE a.id = ?", [assessment_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到评估 {assessment_id}")
    return row[0]


def names_elsewhere(db, assessment_id: int) -> dict[str, list[str]]:
    """Names the database knows from other stations and other assessments' people (for the reviewer's
    check): 'stations' (name, short name, 承办方), 'streets', 'districts', 'people' (members of other
    assessments who are not members of this one). Rows of this assessment's own station identity
    (its earlier terms) are not "other"."""
    own = db.execute("SELECT s.id, s.identity_id FROM assessments a JOIN stations s ON s.id = a.station_id"
                     " WHERE a.id = ?", [assessment_id]).fetchone()
    if own is None:
        raise NotFound(f"找不到评估 {assessment_id}")
    others = _rows(db, "SELECT name, short_name, street, district FROM stations"
                       " WHERE id != ? AND (identity_id IS NULL OR ? IS NULL OR identity_id != ?)",
                   [own[0], own[1], own[1]])
    people = [r[0] for r in db.execute(
        "SELECT DISTINCT name FROM members WHERE assessment_id != ?"
        " AND name NOT IN (SELECT name FROM members WHERE assessment_id = ?)", [assessment_id, assessment_id])]
    return {"stations": sorted({n for r in others for n in (r["name"], r["short_name"]) if n}),
            "streets": sorted({r["street"] for r in others if r["street"]}),
            "districts": sorted({r["district"] for r in others if r["district"]}),
            "people": sorted(set(people))}


def identity_assessments(db, identity_id: int) -> list[dict]:
    """The (not deleted) assessments of a station identity, with their station row's id and name."""
    return _rows(db, f"""
        SELECT a.id, a.kind, a.period_label, a.visit_date, a.created_at, a.status, a.framework_id, a.name,
               a.station_id, s.name AS station_name
        FROM assessments a JOIN stations s ON s.id = a.station_id
        WHERE s.identity_id = ? AND {_LIVE} ORDER BY a.id""", [identity_id])


def audit_marks(db, ids=None) -> dict[int, int]:
    """assessment id -> id of its last audit row (0 when none): every change of an assessment
    logs one, so a summary computed at that mark is still current. One indexed look-up per
    assessment (audit_assessment (assessment_id, id)), not a scan of the log."""
    sql = ("SELECT a.id, (SELECT MAX(l.id) FROM audit_log l WHERE l.assessment_id = a.id)"
           f" FROM assessments a WHERE {_LIVE}")
    params: list = []
    if ids is not None:
        ids = list(ids)
        sql += f" AND a.id IN ({','.join('?' * len(ids))})"
        params = ids
    return {r[0]: r[1] or 0 for r in db.execute(sql, params)}


def cached(db, ids=None, column: str = "summary") -> dict[int, tuple[str, str]]:
    """assessment id -> (stamp, JSON of `column`: summary, detail or calibration) of the cached ones."""
    if column not in ("summary", "detail", "calibration"):
        raise ValueError(column)
    sql = f"SELECT assessment_id, stamp, {column} FROM assessment_summaries"
    params: list = []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return {}
        sql += f" WHERE assessment_id IN ({','.join('?' * len(ids))})"
        params = ids
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, params)}


# ---------- writers ----------

def create_identity(db, district: str, street: str, agency_code: str = "") -> int:
    """A new station identity (unguarded: part of creating or importing an assessment, see
    db.guard.UNGUARDED); its creation is logged."""
    with transaction(db):
        cur = db.execute("INSERT INTO station_identities (district, street, agency_code, created_at)"
                         " VALUES (?, ?, ?, ?)", [district or "", street or "", agency_code or "", audit.now()])
        identity_id = cur.lastrowid
        audit.log(db, None, None, "create", "station_identity", identity_id, actor="system",
                  new={"district": district, "street": street, "agency_code": agency_code})
    return identity_id


def carry_over(db, assessment_id: int, source_assessment_id: int, areas: list[dict],
               recommendations: list[dict]) -> None:
    """Part of creating an assessment (unguarded, see db.guard.UNGUARDED; its lead is not
    logged in yet): the station's 片区 (codes kept) and the 上期评估意见 carried over from the
    earlier assessment; one audit row."""
    with transaction(db):
        station_id = db.execute("SELECT station_id FROM assessments WHERE id = ?", [assessment_id]).fetchone()[0]
        for pos, x in enumerate(areas):
            db["areas"].insert(dict(station_id=station_id, code=x["code"], name=x["name"], position=pos,
                                    communities=json.dumps(list(x.get("communities") or []), ensure_ascii=False)))
        for pos, r in enumerate(recommendations):
            db["prev_recommendations"].insert(dict(
                assessment_id=assessment_id, position=pos, section_code=r.get("section_code") or "",
                text=r["text"], status=r["status"], evidence="", source=f"assessment:{source_assessment_id}"))
        audit.log(db, assessment_id, None, "prefill", "assessment", assessment_id, actor="system",
                  new={"from_assessment": source_assessment_id, "areas": [x["name"] for x in areas],
                       "prev_recommendations": len(recommendations)})


def save_summaries(db, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Store computed summaries [(assessment_id, stamp, summary, detail, calibration JSON)].
    Unguarded (db.guard.UNGUARDED): derived figures recomputed from audited data, no one's input."""
    if not rows:
        return
    with transaction(db):
        now = audit.now()
        live = {r[0] for r in db.execute("SELECT id FROM assessments")}
        db.conn.executemany(
            "INSERT OR REPLACE INTO assessment_summaries (assessment_id, stamp, summary, detail, calibration,"
            " computed_at) VALUES (?, ?, ?, ?, ?, ?)", [(a, s, j, d, c, now) for a, s, j, d, c in rows if a in live])


# ---------- the publish copy (a separate file, never the live database) ----------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """table -> its TEXT columns, for every user table of the file."""
    out = {}
    for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        out[t] = [r[1] for r in conn.execute(f"PRAGMA table_info({_q(t)})") if "TEXT" in (r[2] or "").upper()]
    return out


def rewrite_publish_copy(path: str, *, drop_tables, remove_assessments, set_columns: dict[str, dict],
                         keep_columns: dict[str, set], rewrite, extra_tables: dict[str, tuple[list, list]],
                         remove_rows: dict[str, str] | None = None) -> None:
    """Turn the backup at `path` (a new file, not the database in use; unguarded, see
    db.guard.UNGUARDED) into the publishable copy: drop the triggers and `drop_tables`, delete
    every row of `remove_assessments` (deleted ones) and the rows of `remove_rows` {table: SQL
    condition, fixed text of the caller}, set `set_columns` {table: {column: value}},
    pass every other text value (except `keep_columns`) through `rewrite(table, column,
    assessment_id or None, value)`, add `extra_tables` {name: (columns, rows)}, then VACUUM so
    nothing removed survives in free pages."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {_q(name)}")
        for t in drop_tables:
            conn.execute(f"DROP TABLE IF EXISTS {_q(t)}")
        cols = text_columns(conn)
        gone = list(remove_assessments)
        if gone:
            marks = ",".join("?" * len(gone))
            for t in cols:
                info = [r[1] for r in conn.execute(f"PRAGMA table_info({_q(t)})")]
                if "assessment_id" in info:
                    conn.execute(f"DELETE FROM {_q(t)} WHERE assessment_id IN ({marks})", gone)
            conn.execute(f"DELETE FROM assessments WHERE id IN ({marks})", gone)
            conn.execute("DELETE FROM areas WHERE station_id NOT IN (SELECT station_id FROM assessments)")
            conn.execute("DELETE FROM stations WHERE id NOT IN (SELECT station_id FROM assessments)")
        for t, condition in (remove_rows or {}).items():
            if t in cols:
                conn.execute(f"DELETE FROM {_q(t)} WHERE {condition}")
        for t, sets in set_columns.items():
            if t in cols:
                conn.execute(f"UPDATE {_q(t)} SET " + ", ".join(f"{_q(c)} = ?" for c in sets), list(sets.values()))
        for t, text_cols in cols.items():
            skip = set(set_columns.get(t, {})) | set(keep_columns.get(t, ()))
            text_cols = [c for c in text_cols if c not in skip]
            if not text_cols:
                continue
            info = [r[1] for r in conn.execute(f"PRAGMA table_info({_q(t)})")]
            owner = "assessment_id" if "assessment_id" in info else ("id" if t == "assessments" else None)
            sel = ", ".join(_q(c) for c in text_cols)
            rows = conn.execute(f"SELECT rowid, {_q(owner) if owner else 'NULL'}, {sel} FROM {_q(t)}").fetchall()
            updates = []
            for row in rows:
                new = [rewrite(t, c, row[1], v) for c, v in zip(text_cols, row[2:])]
                if new != list(row[2:]):
                    updates.append(new + [row[0]])
            if updates:
                conn.executemany(f"UPDATE {_q(t)} SET " + ", ".join(f"{_q(c)} = ?" for c in text_cols)
                                 + " WHERE rowid = ?", updates)
        for name, (columns, rows) in extra_tables.items():
            conn.execute(f"CREATE TABLE {_q(name)} (" + ", ".join(_q(c) for c in columns) + ")")
            conn.executemany(f"INSERT INTO {_q(name)} VALUES ({','.join('?' * len(columns))})", rows)
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
