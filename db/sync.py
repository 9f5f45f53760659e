"""Storage of the team's data meeting (issue 23): rows by their key shared by every laptop (uid),
the laptop's record of its changes and of what the lead confirmed, the lead's record of each
member's pack, what it received and the conflicts. The rules (which change applies, what a
pack carries, signatures) are core/sync's; docs/sync.md explains the design.

Every change of a travelling row on a joined laptop is recorded by triggers (migration 016) in
`sync_changes`, in the transaction of the write, and linked to the write's audit row; rows
written by a merge or a pull are not recorded (`sync_applying` holds a row only inside that
transaction).
"""
from __future__ import annotations

import json
import sqlite3

from . import audit
from .connection import transaction
from .errors import InvalidValue
from .guard import Write, writer
from .migrations import SYNC_UIDS

TABLES = tuple(SYNC_UIDS)    # the travelling tables, parents first


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns(db, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({_q(table)})").fetchall()]


def _dicts(cur) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def row_by_uid(db, assessment_id: int, table: str, uid: str) -> dict | None:
    if table not in TABLES:
        raise ValueError(f"{table} does not travel")
    rows = _dicts(db.execute(f"SELECT * FROM {_q(table)} WHERE uid = ? AND assessment_id = ?", [uid, assessment_id]))
    return rows[0] if rows else None


def uid_of(db, table: str, row_id) -> str | None:
    row = db.execute(f"SELECT uid FROM {_q(table)} WHERE id = ?", [row_id]).fetchone()
    return row[0] if row else None


def id_of(db, assessment_id: int, table: str, uid: str) -> int | None:
    row = db.execute(f"SELECT id FROM {_q(table)} WHERE uid = ? AND assessment_id = ?", [uid, assessment_id]).fetchone()
    return row[0] if row else None


def rows_of(db, assessment_id: int, table: str) -> list[dict]:
    return _dicts(db.execute(f"SELECT * FROM {_q(table)} WHERE assessment_id = ? ORDER BY id", [assessment_id]))


def assessment_uid(db, assessment_id: int) -> str | None:
    row = db.execute("SELECT uid FROM assessments WHERE id = ?", [assessment_id]).fetchone()
    return row[0] if row else None


# ---------- the laptop ----------

def peer(db, assessment_id: int | None = None) -> dict | None:
    """Whose copy this database is (None: not a joined laptop)."""
    sql = "SELECT p.*, m.name AS member_name, m.role FROM sync_peer p JOIN members m ON m.id = p.member_id"
    rows = _dicts(db.execute(sql + (" WHERE p.assessment_id = ?" if assessment_id else " ORDER BY p.assessment_id"),
                             [assessment_id] if assessment_id else []))
    return rows[0] if rows else None


def pending(db, assessment_id: int) -> list[dict]:
    """The laptop's changes not yet confirmed by the lead: one per row (table, uid) with its newest
    sequence number, time and who (from the write's audit row)."""
    return _dicts(db.execute(
        "SELECT c.tbl, c.uid, MAX(c.id) AS seq, MAX(c.at) AS at, a.actor AS who"
        " FROM sync_changes c LEFT JOIN audit_log a ON a.id = c.audit_id"
        " WHERE c.assessment_id = ? GROUP BY c.tbl, c.uid ORDER BY MAX(c.id)", [assessment_id]))


def pending_count(db, assessment_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM (SELECT DISTINCT tbl, uid FROM sync_changes WHERE assessment_id = ?)",
                      [assessment_id]).fetchone()[0]


def bases(db, assessment_id: int) -> dict[tuple[str, str], str]:
    return {(r[0], r[1]): r[2] for r in db.execute(
        "SELECT tbl, uid, version FROM sync_base WHERE assessment_id = ?", [assessment_id])}


def sent(db, assessment_id: int) -> dict[tuple[str, str], list[str]]:
    """(table, uid) -> the versions of the row this laptop has already sent (since the lead last confirmed)."""
    out: dict = {}
    for t, u, v in db.execute("SELECT tbl, uid, version FROM sync_sent WHERE assessment_id = ?", [assessment_id]):
        out.setdefault((t, u), []).append(v)
    return out


def record_sent(db, assessment_id: int, versions: list[tuple[str, str, str]]) -> None:
    """The versions a bundle carries, kept so that a later change of the same row tells the lead it follows
    them (a file brings no confirmation back). Unguarded (db.guard.UNGUARDED): the laptop's own bookkeeping
    of what it sent, no content of the assessment."""
    with transaction(db):
        db.conn.executemany("INSERT OR IGNORE INTO sync_sent (assessment_id, tbl, uid, version) VALUES (?, ?, ?, ?)",
                            [(assessment_id, t, u, v) for t, u, v in versions if v is not None])


def _mark_applying(db) -> None:
    db.execute("INSERT INTO sync_applying (x) VALUES (1)")


def _unmark_applying(db) -> None:
    db.execute("DELETE FROM sync_applying")


def create_copy(db, tables: dict[str, list[dict]], peer_row: dict, base_of) -> None:
    """Make a laptop's database from a pack: insert the rows with the lead's ids (parents first),
    the versions agreed (`base_of(db, assessment_id)`, computed from the rows as inserted) and whose
    copy it is, all or nothing. Unguarded (db.guard.UNGUARDED): the
    database is new, nobody is logged in to it yet."""
    with transaction(db):
        for t, rows in tables.items():
            known = set(columns(db, t))
            for row in rows:
                cols = [c for c in row if c in known]
                db.execute(f"INSERT INTO {_q(t)} ({', '.join(_q(c) for c in cols)})"
                           f" VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
        aid = peer_row["assessment_id"]
        base = base_of(db, aid)          # (table, uid, version) of every travelling row, as inserted
        db.conn.executemany("INSERT INTO sync_base (assessment_id, tbl, uid, version) VALUES (?, ?, ?, ?)",
                            [(aid, t, u, v) for t, u, v in base])
        cols = list(peer_row)
        db.execute(f"INSERT INTO sync_peer ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                   [peer_row[c] for c in cols])
        audit.log(db, aid, peer_row["member_id"], "join", "sync", peer_row["pack_id"],
                  new={"tables": {t: len(r) for t, r in tables.items()}})


def set_lead_urls(db, assessment_id: int, urls: list[str]) -> bool:
    """The laptop's own record of where the lead's laptop is (its sync addresses), e.g. after the lead
    moved to another network; an audit row keeps the old and new addresses. Returns whether anything
    changed. Unguarded (db.guard.UNGUARDED): the laptop's connection setting, no content of the
    assessment (which the lead's laptop still checks by its pinned key and the member's secret)."""
    with transaction(db):
        row = db.execute("SELECT member_id, lead_urls FROM sync_peer WHERE assessment_id = ?",
                         [assessment_id]).fetchone()
        if row is None:
            raise InvalidValue("这不是成员的笔记本副本（由任务包建立），没有组长地址可改。")
        old = json.loads(row[1] or "[]")
        if old == list(urls):
            return False
        db.execute("UPDATE sync_peer SET lead_urls = ?, last_error = '' WHERE assessment_id = ?",
                   [json.dumps(list(urls)), assessment_id])
        audit.log(db, assessment_id, row[0], "update", "lead_address", "", old={"urls": old}, new={"urls": list(urls)})
    return True


def record_attempt(db, assessment_id: int, ok: bool, error: str = "") -> None:
    """The laptop's own connection state after trying to meet the lead (every few seconds):
    unguarded (db.guard.UNGUARDED), it is no content of the assessment and nobody is logged in."""
    now = audit.now()
    with transaction(db):
        if ok:
            db.execute("UPDATE sync_peer SET last_met_at = ?, last_tried_at = ?, last_error = '' WHERE assessment_id = ?",
                       [now, now, assessment_id])
        else:
            db.execute("UPDATE sync_peer SET last_tried_at = ?, last_error = ? WHERE assessment_id = ?",
                       [now, error[:300], assessment_id])


def note_meeting(db, assessment_id: int, member_id: int, via: str, address: str, waiting: int) -> None:
    """A laptop met the lead's with nothing to send (its heartbeat every few seconds): only when and how.
    Unguarded (db.guard.UNGUARDED): no content of the assessment changes; the bundle's signature and the
    member were checked by core.sync.merge in this transaction."""
    with transaction(db):
        db.execute("UPDATE sync_members SET last_met_at = ?, last_via = ?, last_address = ?, last_received = 0,"
                   " last_applied = 0, waiting = ? WHERE assessment_id = ? AND member_id = ?",
                   [audit.now(), via, address, waiting, assessment_id, member_id])


# ---------- writing rows by uid (inside a merge or pull) ----------

def _write_row(db, table: str, uid: str, values: dict) -> None:
    known = set(columns(db, table))
    bad = [c for c in values if c not in known or c in ("id", "uid")]
    if bad:
        raise InvalidValue(f"{table}：未知的字段 {'、'.join(map(str, bad))}")
    row = db.execute(f"SELECT id FROM {_q(table)} WHERE uid = ?", [uid]).fetchone()
    if row is None:
        cols = list(values) + ["uid"]
        db.execute(f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in cols)}) VALUES ({', '.join('?' for _ in cols)})",
                   [values[c] for c in values] + [uid])
    elif values:
        db.execute(f"UPDATE {_q(table)} SET {', '.join(_q(c) + ' = ?' for c in values)} WHERE id = ?",
                   [values[c] for c in values] + [row[0]])


def _delete_row(db, table: str, uid: str) -> None:
    db.execute(f"DELETE FROM {_q(table)} WHERE uid = ?", [uid])


def _apply_one(db, op: dict) -> str | None:
    """One row change in its own savepoint: None, or the database's refusal (the change is then
    kept as a conflict, the rest of the bundle still applies). `values`: the column values, None to
    delete, or a function of the database giving them (core resolves rows written just before)."""
    db.execute("SAVEPOINT sync_row")
    try:
        values = op["values"](db) if callable(op["values"]) else op["values"]
        if values is None:
            _delete_row(db, op["tbl"], op["uid"])
        else:
            _write_row(db, op["tbl"], op["uid"], values)
    except (sqlite3.IntegrityError, InvalidValue) as e:
        db.execute("ROLLBACK TO sync_row")
        db.execute("RELEASE sync_row")
        return str(e)
    db.execute("RELEASE sync_row")
    return None


_CONFLICT_COLS = ("kind", "member_id", "tbl", "uid", "seq", "base_version", "theirs_version", "theirs",
                  "ours_version", "ours", "files")


def _keep_conflict(db, assessment_id: int, c: dict) -> None:
    """An open conflict of the same member and row is replaced by the newer change (one per row)."""
    row = db.execute("SELECT id FROM sync_conflicts WHERE assessment_id = ? AND status = 'open' AND member_id = ?"
                     " AND tbl = ? AND uid = ?", [assessment_id, c["member_id"], c["tbl"], c["uid"]]).fetchone()
    vals = [c.get(k) for k in _CONFLICT_COLS]
    if row:
        db.execute(f"UPDATE sync_conflicts SET {', '.join(k + ' = ?' for k in _CONFLICT_COLS)}, received_at = ?"
                   " WHERE id = ?", vals + [audit.now(), row[0]])
    else:
        db.execute(f"INSERT INTO sync_conflicts (assessment_id, {', '.join(_CONFLICT_COLS)}, received_at)"
                   f" VALUES (?, {', '.join('?' for _ in _CONFLICT_COLS)}, ?)", [assessment_id, *vals, audit.now()])


def applied_seqs(db, assessment_id: int, member_id: int) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): r[2] for r in db.execute(
        "SELECT tbl, uid, seq FROM sync_applied WHERE assessment_id = ? AND member_id = ?", [assessment_id, member_id])}


def open_conflict_of(db, assessment_id: int, member_id: int, table: str, uid: str) -> dict | None:
    rows = _dicts(db.execute("SELECT * FROM sync_conflicts WHERE assessment_id = ? AND status = 'open'"
                             " AND member_id = ? AND tbl = ? AND uid = ?", [assessment_id, member_id, table, uid]))
    return rows[0] if rows else None


# ---------- the lead's side ----------

def members(db, assessment_id: int) -> list[dict]:
    """Each member's pack and laptop, with open conflicts and late changes."""
    return _dicts(db.execute(
        "SELECT s.*, m.name, m.role, m.active,"
        " (SELECT COUNT(*) FROM sync_conflicts c WHERE c.assessment_id = s.assessment_id AND c.member_id = s.member_id"
        "  AND c.status = 'open' AND c.kind != 'late') AS open_conflicts,"
        " (SELECT COUNT(*) FROM sync_conflicts c WHERE c.assessment_id = s.assessment_id AND c.member_id = s.member_id"
        "  AND c.status = 'open' AND c.kind = 'late') AS late"
        " FROM sync_members s JOIN members m ON m.id = s.member_id WHERE s.assessment_id = ? ORDER BY m.id",
        [assessment_id]))


def member_key(db, assessment_id: int, member_id: int) -> dict | None:
    rows = _dicts(db.execute("SELECT * FROM sync_members WHERE assessment_id = ? AND member_id = ?",
                             [assessment_id, member_id]))
    return rows[0] if rows else None


def conflicts(db, assessment_id: int, status: str | None = "open") -> list[dict]:
    sql = ("SELECT c.*, m.name AS member_name FROM sync_conflicts c JOIN members m ON m.id = c.member_id"
           " WHERE c.assessment_id = ?")
    params: list = [assessment_id]
    if status:
        sql += " AND c.status = ?"
        params.append(status)
    return _dicts(db.execute(sql + " ORDER BY c.id", params))


def conflict(db, assessment_id: int, conflict_id: int) -> dict | None:
    rows = _dicts(db.execute("SELECT * FROM sync_conflicts WHERE assessment_id = ? AND id = ?",
                             [assessment_id, conflict_id]))
    return rows[0] if rows else None


def rejected(db, assessment_id: int, member_id: int) -> list[tuple[str, str, str | None]]:
    """(table, uid, version) of the member's changes the lead decided against."""
    return [tuple(r) for r in db.execute(
        "SELECT tbl, uid, theirs_version FROM sync_conflicts WHERE assessment_id = ? AND member_id = ?"
        " AND status = 'ours'", [assessment_id, member_id])]


@writer("lead", what="任务包")
def issue_pack(w: Write, target_id: int, secret: str, pack_id: str) -> None:
    """Record the key of the member's new pack (a new pack replaces the old key: the old pack's
    laptop can no longer push)."""
    m = w.db.execute("SELECT name, role FROM members WHERE id = ? AND assessment_id = ?",
                     [target_id, w.assessment_id]).fetchone()
    if m is None:
        w.deny("该成员不属于本评估")
    w.db.execute(
        "INSERT INTO sync_members (assessment_id, member_id, secret, pack_id, issued_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, member_id) DO UPDATE SET secret = excluded.secret, pack_id = excluded.pack_id,"
        " issued_at = excluded.issued_at", [w.assessment_id, target_id, secret, pack_id, audit.now()])
    w.log("export_pack", "sync_pack", pack_id, new={"member": m[0], "role": m[1]})


@writer(what="同步合并", when_locked=True)
def merge_changes(w: Write, plan: dict) -> None:
    """Write a bundle's plan (core.sync.merge decided it in this transaction): the rows applied,
    the changes kept as conflicts (or late, or refused by the owner rule), the newest change
    received of each row, the member's meeting. One audit row for the bundle."""
    db, aid, mid = w.db, w.assessment_id, w.member_id
    _mark_applying(db)
    for op in plan["apply"]:
        problem = _apply_one(db, op)
        if problem:
            plan["conflicts"].append(dict(op["conflict"], kind="missing"))
            plan["counts"]["applied"] -= 1
            plan["counts"]["conflicts"] += 1
    for c in plan["conflicts"]:
        _keep_conflict(db, aid, dict(c, member_id=mid))
    db.conn.executemany(
        "INSERT INTO sync_applied (assessment_id, member_id, tbl, uid, seq) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, member_id, tbl, uid) DO UPDATE SET seq = max(seq, excluded.seq)",
        [(aid, mid, t, u, s) for t, u, s in plan["seqs"]])
    m = plan["meeting"]
    db.execute("UPDATE sync_members SET last_met_at = ?, last_via = ?, last_address = ?, last_received = ?,"
               " last_applied = ?, waiting = ? WHERE assessment_id = ? AND member_id = ?",
               [audit.now(), m["via"], m.get("address", ""), m["received"], plan["counts"]["applied"],
                m["waiting"], aid, mid])
    _unmark_applying(db)
    w.log("merge", "sync", plan["bundle_id"], new=dict(plan["counts"], via=m["via"],
                                                       rows=[f"{op['tbl']}:{op['uid']}" for op in plan["apply"]][:200]))


@writer("lead", what="同步冲突")
def decide_conflict(w: Write, conflict_id: int, choice: str, op: dict | None) -> None:
    """The lead's decision on a conflict: 'theirs' writes the member's version (`op`, resolved by
    core.sync.conflicts), 'ours' keeps the lead's; the decision reaches the laptop at its next pull."""
    c = conflict(w.db, w.assessment_id, conflict_id)
    if c is None:
        raise InvalidValue(f"找不到冲突 {conflict_id}")
    if c["status"] != "open":
        raise InvalidValue(f"冲突 {conflict_id} 已于 {c['decided_at']} 裁定")
    if choice == "theirs" and op is not None:
        _mark_applying(w.db)
        problem = _apply_one(w.db, op)
        _unmark_applying(w.db)
        if problem:
            raise InvalidValue(f"冲突 {conflict_id}：无法采用该版本（{problem}）")
    w.db.execute("UPDATE sync_conflicts SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                 [choice, w.member_id, audit.now(), conflict_id])
    w.log("decide", "sync_conflict", conflict_id, old={"ours": c["ours_version"]},
          new={"choice": choice, "tbl": c["tbl"], "uid": c["uid"], "member_id": c["member_id"]})


@writer(what="同步更新", when_locked=True)
def apply_pull(w: Write, plan: dict) -> None:
    """On the laptop: what the lead's database sent back (core.sync.pull decided it in this
    transaction): the lock, the team, the lead's rulings, rows the member may see, and the
    changes the lead confirmed (their versions become the base; their change records go)."""
    db, aid = w.db, w.assessment_id
    _mark_applying(db)
    if plan.get("status"):
        db.execute("UPDATE assessments SET status = ? WHERE id = ?", [plan["status"], aid])
    for m in plan.get("members", []):
        db.execute("INSERT INTO members (id, assessment_id, name, role, pin_hash, created_at, active)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                   " role = excluded.role, active = excluded.active",
                   [m["id"], aid, m["name"], m["role"], "!", m.get("created_at") or audit.now(), m["active"]])
    for t in ("assignments", "overrides"):
        if t in plan:
            db.execute(f"DELETE FROM {t} WHERE assessment_id = ?", [aid])
            for r in plan[t]:
                cols = [c for c in r if c in set(columns(db, t))]
                db.execute(f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                           [r[c] for c in cols])
    confirm = list(plan["confirm"])
    for op in plan["ops"]:
        problem = _apply_one(db, op)
        if problem:                   # not confirmed: the lead sends it again at the next pull
            plan["failed"].append(f"{op['tbl']}:{op['uid']}: {problem}")
        elif op.get("confirm"):
            confirm.append(op["confirm"])
    _confirm(db, aid, confirm)
    _unmark_applying(db)
    w.log("pull", "sync", "", new={"rows": len(plan["ops"]), "confirmed": len(plan["confirm"]),
                                   "status": plan.get("status"), "failed": plan["failed"][:20]})


def _confirm(db, assessment_id: int, confirm: list) -> None:
    """(table, uid, version, seq or None): the base becomes `version` (None: the row is gone);
    the change records up to seq (None: none) are done."""
    for t, u, v, seq in confirm:
        if v is None:
            db.execute("DELETE FROM sync_base WHERE assessment_id = ? AND tbl = ? AND uid = ?", [assessment_id, t, u])
        else:
            db.execute("INSERT INTO sync_base (assessment_id, tbl, uid, version) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (assessment_id, tbl, uid) DO UPDATE SET version = excluded.version",
                       [assessment_id, t, u, v])
        if seq is not None:
            db.execute("DELETE FROM sync_changes WHERE assessment_id = ? AND tbl = ? AND uid = ? AND id <= ?",
                       [assessment_id, t, u, seq])
            db.execute("DELETE FROM sync_sent WHERE assessment_id = ? AND tbl = ? AND uid = ?", [assessment_id, t, u])
