"""The key-client register (重点服务对象名册): rows of `clients`.

Storage only: core.station.data validates the rows (core.station.register, core.station.register_import).
The writer (lead and staff) goes through the one write guard; its audit row holds
counts, never personal data.
"""
from __future__ import annotations

from collections import deque

from .guard import Write, writer

FIELDS = ("name", "phone", "community", "category", "household", "vacant_household", "separated", "note",
          "phone2", "phone_note", "category_detail", "household_written")
_FLAGS = ("vacant_household", "separated")


def count_clients(db, assessment_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [assessment_id]).fetchone()[0]


def identities(db, assessment_id: int | None) -> tuple[list[str], list[str]]:
    """The register's names and phones, second phones included (for the scrubber); every
    assessment's register when assessment_id is None."""
    if assessment_id is None:
        rows = db.execute("SELECT name, phone, phone2 FROM clients").fetchall()
    else:
        rows = db.execute("SELECT name, phone, phone2 FROM clients WHERE assessment_id = ?", [assessment_id]).fetchall()
    return [r[0] or "" for r in rows], [r[1] or "" for r in rows] + [r[2] for r in rows if r[2]]


def list_clients(db, assessment_id: int) -> list[dict]:
    """Full, unmasked rows in register order (flags as bool)."""
    rows = list(db.query("SELECT * FROM clients WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))
    for r in rows:
        for k in _FLAGS:
            r[k] = bool(r[k])
    return rows


def has_clients(db, assessment_id: int) -> bool:
    """True when the assessment's register has at least one row (one indexed lookup)."""
    return db.execute("SELECT 1 FROM clients WHERE assessment_id = ? LIMIT 1", [assessment_id]).fetchone() is not None


def survey_started(db, assessment_id: int) -> bool:
    """True once a satisfaction-survey sample has been drawn from the register."""
    return db.execute("SELECT 1 FROM survey_samples WHERE assessment_id = ? LIMIT 1",
                      [assessment_id]).fetchone() is not None


@writer("lead", "staff", what="重点服务对象名册")
def replace_clients(w: Write, rows: list[dict], source: str = "", counts: dict | None = None) -> int:
    """Replace the whole register with clean `rows`; returns the person count.

    (core.station.data refuses it once a survey sample was drawn: `survey_started`.) The
    one audit row keeps the file name and counts (`counts`: households, flags … computed
    by core), never names or phones.
    """
    w.refuse_on_laptop("这是成员笔记本上的副本：名册在组长的笔记本上导入，随任务包下发")
    db, assessment_id = w.db, w.assessment_id
    old_n = _write_register(db, assessment_id,
                            [tuple(int(bool(r.get(k))) if k in _FLAGS else (r.get(k) or "") for k in FIELDS) for r in rows])
    w.log("import", "clients", assessment_id, old={"persons": old_n},
          new=dict({k: v for k, v in (counts or {}).items() if isinstance(v, (int, float))},
                   file=source, persons=len(rows)))
    return len(rows)


def _write_register(db, assessment_id: int, new: list[tuple]) -> int:
    """Make the register `new` (values of FIELDS, in register order) writing only what differs: a row
    read again unchanged keeps its id and is not written (its position at most); a changed row takes
    the place of a row that is gone; the rest are inserted or deleted. So a register imported again
    with one phone corrected changes one row (and the register's change log names that row only).
    Returns the number of rows before."""
    cols = ", ".join(FIELDS)
    old = db.execute(f"SELECT id, position, {cols} FROM clients WHERE assessment_id = ? ORDER BY position, id",
                     [assessment_id]).fetchall()
    by_values: dict[tuple, deque] = {}
    for r in old:
        by_values.setdefault(tuple(r[2:]), deque()).append((r[0], r[1]))
    kept, moved, fresh = set(), [], []
    for pos, values in enumerate(new):
        same = by_values.get(values)
        if same:
            rid, was = same.popleft()
            kept.add(rid)
            if was != pos:
                moved.append((pos, rid))
        else:
            fresh.append(pos)
    gone = [r[0] for r in old if r[0] not in kept]
    changed = list(zip(fresh, gone))
    db.conn.executemany("UPDATE clients SET position = ? WHERE id = ?", moved)
    db.conn.executemany(f"UPDATE clients SET position = ?, {', '.join(f'{k} = ?' for k in FIELDS)} WHERE id = ?",
                        [(pos, *new[pos], rid) for pos, rid in changed])
    db.conn.executemany("DELETE FROM clients WHERE id = ?", [(rid,) for rid in gone[len(changed):]])
    db.conn.executemany(f"INSERT INTO clients (assessment_id, position, {cols}) VALUES (?, ?{', ?' * len(FIELDS)})",
                        [(assessment_id, pos, *new[pos]) for pos in fresh[len(changed):]])
    return len(old)


# ---- the register's change log (migration 021): figures of the whole register updated row by row ----

REGISTER_COLUMNS = ("id", "name", "phone", "phone2", "community", "category", "household")


def register_rows(db, assessment_id: int, ids: list[int] | None = None) -> list[tuple]:
    """The register's rows as plain tuples of REGISTER_COLUMNS, in no order; only those of `ids`
    (that still belong to the assessment) when given."""
    sql = f"SELECT {', '.join(REGISTER_COLUMNS)} FROM clients WHERE assessment_id = ?"
    if ids is None:
        return db.execute(sql, [assessment_id]).fetchall()
    out: list[tuple] = []
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out += db.execute(sql + f" AND id IN ({', '.join('?' * len(part))})", [assessment_id, *part]).fetchall()
    return out


def log_position(db) -> tuple[int, int]:
    """(seq, token) of the newest entry of the register's change log."""
    row = db.execute("SELECT seq, token FROM register_log WHERE seq = (SELECT MAX(seq) FROM register_log)").fetchone()
    return (row[0], row[1]) if row else (0, 0)


def log_still_has(db, seq: int, token: int) -> bool:
    """True when the log's entry at `seq` is still the one seen with `token` (not pruned, not rolled
    back and written again, not another file's)."""
    row = db.execute("SELECT token FROM register_log WHERE seq = ?", [seq]).fetchone()
    return row is not None and row[0] == token


def changed_since(db, assessment_id: int, after: int, upto: int, limit: int) -> list[int] | None:
    """Ids of the assessment's register rows changed by the log's entries after `after` up to `upto`;
    None when more than `limit` rows changed (rebuilding is then cheaper)."""
    rows = db.execute("SELECT DISTINCT client_id FROM register_log WHERE seq > ? AND seq <= ? AND assessment_id = ?"
                      " LIMIT ?", [after, upto, assessment_id, limit + 1]).fetchall()
    return None if len(rows) > limit else [r[0] for r in rows]
